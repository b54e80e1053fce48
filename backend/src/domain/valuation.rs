//! Inventory valuation: FIFO, LIFO and perpetual weighted average cost (WAC)
//! over valuation layers.
//!
//! A receipt adds a layer (qty × unit cost). An issue takes quantity out of the
//! open layers — oldest first (FIFO), newest first (LIFO), or at the running
//! average (WAC) — and its cost of goods is the value taken. The stock value is
//! therefore always the sum of the layers' remaining values.
//!
//! Everything here is pure; `db::stock` asks these functions what to write and
//! writes exactly that, so the database and this model cannot disagree.
//! Amounts are rounded to 6 decimal places (the database's `numeric(20, 6)`);
//! whenever a layer is emptied its whole remaining value is taken, so rounding
//! never leaves value behind in an empty layer.

use rust_decimal::{Decimal, RoundingStrategy};
pub use shared_types::inventory::ValuationMethod;

/// Decimal places of stored quantities and amounts.
pub const SCALE: u32 = 6;

/// Rounds to the stored scale (half away from zero, like PostgreSQL `numeric`).
pub fn round(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero)
}

/// An open valuation layer, in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layer {
    pub remaining_qty: Decimal,
    pub remaining_value: Decimal,
}

/// Quantity and value taken from one layer (by index into the slice given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    pub layer: usize,
    pub qty: Decimal,
    pub value: Decimal,
}

/// What an issue does to the layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuePlan {
    pub takes: Vec<Take>,
    /// Quantity no layer covered (stock went negative); costed at the fallback cost.
    pub uncovered_qty: Decimal,
    /// Cost of goods: Σ taken values + uncovered × fallback cost.
    pub cost_of_goods: Decimal,
}

/// Plans taking `qty` out of `layers` (given oldest first).
///
/// For WAC the layers are expected to carry one average unit value (see
/// [`wac_revaluation`]); values are then taken proportionally, which is the
/// average. `fallback_unit_cost` prices quantity beyond the layers.
pub fn plan_issue(
    layers: &[Layer],
    qty: Decimal,
    method: ValuationMethod,
    fallback_unit_cost: Decimal,
) -> IssuePlan {
    let order: Vec<usize> = match method {
        ValuationMethod::Fifo | ValuationMethod::Wac => (0..layers.len()).collect(),
        ValuationMethod::Lifo => (0..layers.len()).rev().collect(),
    };
    let mut left = qty;
    let mut takes = Vec::new();
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        let l = layers[i];
        if l.remaining_qty <= Decimal::ZERO {
            continue;
        }
        let take = left.min(l.remaining_qty);
        let value = if take == l.remaining_qty {
            l.remaining_value
        } else {
            round(l.remaining_value * take / l.remaining_qty)
        };
        takes.push(Take {
            layer: i,
            qty: take,
            value,
        });
        left -= take;
    }
    let uncovered_qty = left.max(Decimal::ZERO);
    let cost_of_goods =
        takes.iter().map(|t| t.value).sum::<Decimal>() + round(uncovered_qty * fallback_unit_cost);
    IssuePlan {
        takes,
        uncovered_qty,
        cost_of_goods,
    }
}

/// New remaining values that give every open layer the same (average) unit
/// value while keeping the total exactly: the last open layer absorbs the
/// rounding. Returns `None` when nothing would change.
pub fn wac_revaluation(layers: &[Layer]) -> Option<Vec<Decimal>> {
    let open: Vec<usize> = (0..layers.len())
        .filter(|&i| layers[i].remaining_qty > Decimal::ZERO)
        .collect();
    let total_qty: Decimal = open.iter().map(|&i| layers[i].remaining_qty).sum();
    let total_value: Decimal = open.iter().map(|&i| layers[i].remaining_value).sum();
    if open.len() < 2 || total_qty <= Decimal::ZERO {
        return None;
    }
    let mut out: Vec<Decimal> = layers.iter().map(|l| l.remaining_value).collect();
    let mut assigned = Decimal::ZERO;
    for (n, &i) in open.iter().enumerate() {
        let v = if n + 1 == open.len() {
            total_value - assigned
        } else {
            round(total_value * layers[i].remaining_qty / total_qty)
        };
        assigned += v;
        out[i] = v;
    }
    let changed = out.iter().zip(layers).any(|(v, l)| *v != l.remaining_value);
    changed.then_some(out)
}

/// An in-memory valuation of one product: the reference model the database
/// implementation follows, used by tests and by the randomized workload check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Valuation {
    pub layers: Vec<Layer>,
}

impl Valuation {
    /// Adds a receipt; under WAC the open layers are re-averaged.
    pub fn receive(&mut self, qty: Decimal, unit_cost: Decimal, method: ValuationMethod) {
        self.layers.push(Layer {
            remaining_qty: qty,
            remaining_value: round(qty * unit_cost),
        });
        if method == ValuationMethod::Wac {
            self.revalue();
        }
    }

    fn revalue(&mut self) {
        if let Some(values) = wac_revaluation(&self.layers) {
            for (l, v) in self.layers.iter_mut().zip(values) {
                l.remaining_value = v;
            }
        }
    }

    /// Issues `qty` and returns the cost of goods.
    pub fn issue(&mut self, qty: Decimal, method: ValuationMethod, fallback: Decimal) -> IssuePlan {
        if method == ValuationMethod::Wac {
            // After a method change the layers may not share one average yet.
            self.revalue();
        }
        let plan = plan_issue(&self.layers, qty, method, fallback);
        for t in &plan.takes {
            let l = &mut self.layers[t.layer];
            l.remaining_qty -= t.qty;
            l.remaining_value -= t.value;
        }
        plan
    }

    pub fn qty(&self) -> Decimal {
        self.layers.iter().map(|l| l.remaining_qty).sum()
    }

    /// The stock value: Σ layer remainders.
    pub fn value(&self) -> Decimal {
        self.layers.iter().map(|l| l.remaining_value).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros_free::dec;

    /// Tiny `dec!` without the macro crate: parses a literal at test time.
    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($v:literal) => {
                <rust_decimal::Decimal as std::str::FromStr>::from_str(stringify!($v)).unwrap()
            };
        }
        pub(crate) use dec;
    }

    /// The classic perpetual-inventory textbook sequence: purchase 100 @ 10,
    /// purchase 200 @ 11, sell 150, purchase 100 @ 12, sell 180.
    /// Total purchases: 1,000 + 2,200 + 1,200 = 4,400 for 400 units; 330 sold, 70 left.
    fn run(method: ValuationMethod) -> (Decimal, Decimal, Decimal, Decimal) {
        let mut v = Valuation::default();
        v.receive(dec!(100), dec!(10), method);
        v.receive(dec!(200), dec!(11), method);
        let sale1 = v.issue(dec!(150), method, Decimal::ZERO);
        v.receive(dec!(100), dec!(12), method);
        let sale2 = v.issue(dec!(180), method, Decimal::ZERO);
        assert_eq!(sale1.uncovered_qty, Decimal::ZERO);
        assert_eq!(sale2.uncovered_qty, Decimal::ZERO);
        assert_eq!(v.qty(), dec!(70));
        (sale1.cost_of_goods, sale2.cost_of_goods, v.value(), v.qty())
    }

    #[test]
    fn fifo_textbook() {
        // Sale 1: 100 @ 10 + 50 @ 11 = 1,000 + 550 = 1,550 (left: 150 @ 11).
        // Sale 2: 150 @ 11 + 30 @ 12 = 1,650 + 360 = 2,010 (left: 70 @ 12).
        // COGS 3,560; ending inventory 70 @ 12 = 840 = 4,400 − 3,560.
        let (s1, s2, ending, _) = run(ValuationMethod::Fifo);
        assert_eq!((s1, s2, ending), (dec!(1550), dec!(2010), dec!(840)));
    }

    #[test]
    fn lifo_textbook() {
        // Sale 1: 150 @ 11 = 1,650 (left: 100 @ 10, 50 @ 11).
        // Sale 2: 100 @ 12 + 50 @ 11 + 30 @ 10 = 1,200 + 550 + 300 = 2,050.
        // COGS 3,700; ending inventory 70 @ 10 = 700 = 4,400 − 3,700.
        let (s1, s2, ending, _) = run(ValuationMethod::Lifo);
        assert_eq!((s1, s2, ending), (dec!(1650), dec!(2050), dec!(700)));
    }

    #[test]
    fn moving_average_textbook() {
        // After two purchases: 300 units worth 3,200, average 10.666…
        // Sale 1: 150 × 3,200/300 = 1,600 (left: 150 units worth 1,600).
        // Purchase 100 @ 12: 250 units worth 2,800, average 11.20.
        // Sale 2: 180 × 11.20 = 2,016; ending 70 × 11.20 = 784 = 4,400 − 3,616.
        let (s1, s2, ending, _) = run(ValuationMethod::Wac);
        assert_eq!((s1, s2, ending), (dec!(1600), dec!(2016), dec!(784)));
    }

    #[test]
    fn issue_beyond_layers_is_costed_at_the_fallback() {
        let mut v = Valuation::default();
        v.receive(dec!(5), dec!(2), ValuationMethod::Fifo);
        let plan = v.issue(dec!(8), ValuationMethod::Fifo, dec!(3));
        assert_eq!(plan.uncovered_qty, dec!(3));
        assert_eq!(plan.cost_of_goods, dec!(19)); // 5 × 2 + 3 × 3
        assert_eq!(v.value(), Decimal::ZERO);
    }

    #[test]
    fn wac_rounding_stays_in_the_total() {
        // Thirds do not divide evenly at 6 places; the total must survive anyway.
        let mut v = Valuation::default();
        v.receive(dec!(1), dec!(1), ValuationMethod::Wac);
        v.receive(dec!(1), dec!(1), ValuationMethod::Wac);
        v.receive(dec!(1), dec!(2), ValuationMethod::Wac);
        assert_eq!(v.value(), dec!(4));
        let plan = v.issue(dec!(1), ValuationMethod::Wac, Decimal::ZERO);
        assert_eq!(plan.cost_of_goods, dec!(1.333333));
        assert_eq!(v.value(), dec!(2.666667));
        let plan = v.issue(dec!(2), ValuationMethod::Wac, Decimal::ZERO);
        assert_eq!(plan.cost_of_goods, dec!(2.666667));
        assert_eq!(v.value(), Decimal::ZERO);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Receive(u32, u32),
        Issue(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1u32..500, 1u32..100_000).prop_map(|(q, c)| Op::Receive(q, c)),
            (1u32..400).prop_map(Op::Issue),
        ]
    }

    fn method() -> impl Strategy<Value = ValuationMethod> {
        prop_oneof![
            Just(ValuationMethod::Fifo),
            Just(ValuationMethod::Lifo),
            Just(ValuationMethod::Wac)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Value in − cost of goods out = Σ layer remainders, for any sequence
        /// and any (changing) method; quantities never go negative in a layer.
        #[test]
        fn value_is_the_sum_of_layer_remainders(
            ops in prop::collection::vec((op(), method()), 1..60),
        ) {
            let mut v = Valuation::default();
            let mut value_in = Decimal::ZERO;
            let mut cogs_covered = Decimal::ZERO;
            let mut qty_in = Decimal::ZERO;
            let mut qty_out_covered = Decimal::ZERO;
            for (op, m) in ops {
                match op {
                    Op::Receive(q, c) => {
                        // Cents: unit costs 0.01 … 1,000.00.
                        let cost = Decimal::new(i64::from(c), 2);
                        value_in += round(Decimal::from(q) * cost);
                        qty_in += Decimal::from(q);
                        v.receive(Decimal::from(q), cost, m);
                    }
                    Op::Issue(q) => {
                        let before = v.qty();
                        let plan = v.issue(Decimal::from(q), m, dec!(1));
                        let covered: Decimal = plan.takes.iter().map(|t| t.qty).sum();
                        prop_assert_eq!(covered, Decimal::from(q).min(before));
                        prop_assert_eq!(plan.uncovered_qty, Decimal::from(q) - covered);
                        cogs_covered += plan.takes.iter().map(|t| t.value).sum::<Decimal>();
                        qty_out_covered += covered;
                    }
                }
                for l in &v.layers {
                    prop_assert!(l.remaining_qty >= Decimal::ZERO);
                    prop_assert!(l.remaining_value >= Decimal::ZERO, "{:?}", l);
                    if l.remaining_qty == Decimal::ZERO {
                        prop_assert_eq!(l.remaining_value, Decimal::ZERO);
                    }
                }
                prop_assert_eq!(v.value(), value_in - cogs_covered);
                prop_assert_eq!(v.qty(), qty_in - qty_out_covered);
            }
        }

        /// Under WAC every open layer carries the same unit value (to rounding),
        /// between the cheapest and dearest receipt.
        #[test]
        fn wac_layers_share_one_average(
            receipts in prop::collection::vec((1u32..500, 1u32..10_000), 2..20),
        ) {
            let mut v = Valuation::default();
            for (q, c) in &receipts {
                v.receive(Decimal::from(*q), Decimal::new(i64::from(*c), 2), ValuationMethod::Wac);
            }
            let avg = v.value() / v.qty();
            let lo = receipts.iter().map(|r| r.1).min().unwrap();
            let hi = receipts.iter().map(|r| r.1).max().unwrap();
            prop_assert!(avg >= Decimal::new(i64::from(lo), 2) && avg <= Decimal::new(i64::from(hi), 2));
            for l in &v.layers {
                let diff = (l.remaining_value - l.remaining_qty * avg).abs();
                // Only the last layer absorbs rounding; all are within a cent.
                prop_assert!(diff < dec!(0.01), "{:?} vs avg {}", l, avg);
            }
        }
    }
}
