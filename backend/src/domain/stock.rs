//! Stock rules without I/O: input values that parse on construction (SKU,
//! quantities, currencies, barcodes), the negative-stock decision, and the
//! FEFO/FIFO choice of where to reserve from. `db::stock` calls these inside the
//! transaction that holds the row locks, so the rules are the same everywhere.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use shared_types::barcode::{self, GtinFormat};
use shared_types::inventory::{NegativeStockPolicy, Symbology};

use crate::domain::identity::InvalidValue;

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue {
        field,
        message: message.into(),
    }
}

/// A stock-keeping unit: 1–64 visible characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let s = raw.trim();
        if s.is_empty() || s.chars().count() > 64 {
            return Err(invalid("sku", "must be 1–64 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "sku",
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-empty label of at most `max` characters (names, codes, units).
pub fn label(field: &'static str, raw: &str, max: usize) -> Result<String, InvalidValue> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max {
        return Err(invalid(field, format!("must be 1–{max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(s.to_owned())
}

/// A strictly positive quantity with at most 6 decimal places.
pub fn positive_qty(field: &'static str, q: Decimal) -> Result<Decimal, InvalidValue> {
    if q <= Decimal::ZERO {
        return Err(invalid(field, "must be greater than zero"));
    }
    if q.normalize().scale() > 6 {
        return Err(invalid(field, "has more than 6 decimal places"));
    }
    if q > Decimal::from(1_000_000_000_000i64) {
        return Err(invalid(field, "is too large"));
    }
    Ok(q)
}

/// A zero-or-positive amount with at most 6 decimal places.
pub fn amount(field: &'static str, v: Decimal) -> Result<Decimal, InvalidValue> {
    if v < Decimal::ZERO {
        return Err(invalid(field, "must not be negative"));
    }
    if v.normalize().scale() > 6 || v > Decimal::from(100_000_000_000_000i64) {
        return Err(invalid(field, "is out of range"));
    }
    Ok(v)
}

/// An ISO 4217 currency code: three upper-case letters.
pub fn currency(raw: &str) -> Result<String, InvalidValue> {
    if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(raw.to_owned())
    } else {
        Err(invalid(
            "prices",
            format!("'{raw}' is not an ISO 4217 currency code like EUR"),
        ))
    }
}

/// A barcode checked for its symbology, and the key it is stored and found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductBarcode {
    pub symbology: Symbology,
    pub code: String,
    /// GTINs zero-padded to 14 digits; other codes as given.
    pub normalized: String,
}

impl ProductBarcode {
    pub fn parse(symbology: Symbology, raw: &str) -> Result<Self, InvalidValue> {
        let code = raw.trim().to_owned();
        let expected = match symbology {
            Symbology::Ean13 => Some(GtinFormat::Ean13),
            Symbology::UpcA => Some(GtinFormat::UpcA),
            Symbology::Ean8 => Some(GtinFormat::Ean8),
            Symbology::Gtin14 => Some(GtinFormat::Gtin14),
            _ => None,
        };
        let normalized = if let Some(expected) = expected {
            let found = barcode::validate_gtin(&code)
                .map_err(|e| invalid("barcodes", format!("'{code}': {e}")))?;
            if found != expected {
                return Err(invalid(
                    "barcodes",
                    format!("'{code}' is a {found:?} code, not {expected:?}"),
                ));
            }
            barcode::normalize_gtin14(&code)
                .map_err(|e| invalid("barcodes", format!("'{code}': {e}")))?
        } else {
            if code.is_empty() || code.chars().count() > 200 {
                return Err(invalid("barcodes", "a barcode must be 1–200 characters"));
            }
            // A GTIN printed in a 2-D code still finds the product by its 14-digit key.
            match barcode::normalize_gtin14(&code) {
                Ok(g) => g,
                Err(_) => code.clone(),
            }
        };
        Ok(Self {
            symbology,
            code,
            normalized,
        })
    }
}

/// The negative-stock decision for the source of a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegativeCheck {
    Fine,
    /// Allowed, but the caller should raise an alert.
    Alert,
}

/// Taking `qty` from `on_hand` under `policy`: `Err(short)` when forbidden.
pub fn check_outgoing(
    on_hand: Decimal,
    qty: Decimal,
    policy: NegativeStockPolicy,
) -> Result<NegativeCheck, Decimal> {
    let after = on_hand - qty;
    if after >= Decimal::ZERO {
        return Ok(NegativeCheck::Fine);
    }
    match policy {
        NegativeStockPolicy::Forbid => Err(-after),
        NegativeStockPolicy::Allow => Ok(NegativeCheck::Fine),
        NegativeStockPolicy::AllowWithAlert => Ok(NegativeCheck::Alert),
    }
}

/// A place stock could be reserved from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveCandidate {
    pub available: Decimal,
    pub expiry: Option<NaiveDate>,
    /// Receipt order of the lot (older first); FIFO when expiries tie.
    pub received_seq: i64,
    /// Walking order of the location, the last tie-breaker.
    pub path: String,
}

/// Chooses how much to reserve from each candidate: first-expired first out,
/// then first-in first out, then walking order. `None` if not enough is available.
pub fn plan_reservation(
    candidates: &[ReserveCandidate],
    qty: Decimal,
) -> Option<Vec<(usize, Decimal)>> {
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].available > Decimal::ZERO)
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&candidates[a], &candidates[b]);
        // No expiry sorts last: it never needs to go first.
        (x.expiry.is_none(), x.expiry, x.received_seq, &x.path).cmp(&(
            y.expiry.is_none(),
            y.expiry,
            y.received_seq,
            &y.path,
        ))
    });
    let mut left = qty;
    let mut out = Vec::new();
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        let take = left.min(candidates[i].available);
        out.push((i, take));
        left -= take;
    }
    (left <= Decimal::ZERO).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::valuation::{Valuation, ValuationMethod};
    use proptest::prelude::*;

    #[test]
    fn barcodes_are_checked_for_their_symbology() {
        let b = ProductBarcode::parse(Symbology::Ean13, "4006381333931").unwrap();
        assert_eq!(b.normalized, "04006381333931");
        assert!(ProductBarcode::parse(Symbology::Ean13, "4006381333932").is_err());
        // A valid UPC-A is not accepted as EAN-13.
        assert!(ProductBarcode::parse(Symbology::Ean13, "036000291452").is_err());
        let upc = ProductBarcode::parse(Symbology::UpcA, "036000291452").unwrap();
        assert_eq!(upc.normalized, "00036000291452");
        let internal = ProductBarcode::parse(Symbology::Code128, "BOX-12-A").unwrap();
        assert_eq!(internal.normalized, "BOX-12-A");
    }

    #[test]
    fn values_parse_on_construction() {
        assert!(Sku::parse("AB 1").is_err());
        assert_eq!(Sku::parse(" AB-1 ").unwrap().as_str(), "AB-1");
        assert!(positive_qty("qty", Decimal::ZERO).is_err());
        assert!(positive_qty("qty", Decimal::new(1, 7)).is_err());
        assert!(currency("eur").is_err());
        assert_eq!(currency("EUR").unwrap(), "EUR");
    }

    #[test]
    fn negative_policy() {
        let one = Decimal::ONE;
        assert_eq!(
            check_outgoing(one, one, NegativeStockPolicy::Forbid),
            Ok(NegativeCheck::Fine)
        );
        assert_eq!(
            check_outgoing(Decimal::ZERO, one, NegativeStockPolicy::Forbid),
            Err(one)
        );
        assert_eq!(
            check_outgoing(Decimal::ZERO, one, NegativeStockPolicy::Allow),
            Ok(NegativeCheck::Fine)
        );
        assert_eq!(
            check_outgoing(Decimal::ZERO, one, NegativeStockPolicy::AllowWithAlert),
            Ok(NegativeCheck::Alert)
        );
    }

    #[test]
    fn reservation_prefers_earliest_expiry_then_oldest() {
        let d = |m| NaiveDate::from_ymd_opt(2027, m, 1);
        let c = |available: i64, expiry, seq| ReserveCandidate {
            available: Decimal::from(available),
            expiry,
            received_seq: seq,
            path: "WH".into(),
        };
        let cands = [c(5, None, 1), c(3, d(6), 3), c(4, d(3), 4), c(2, d(6), 2)];
        let plan = plan_reservation(&cands, Decimal::from(8)).unwrap();
        // March first (4), then June received earlier (seq 2: 2), then June seq 3 (2 of 3).
        assert_eq!(
            plan,
            vec![
                (2, Decimal::from(4)),
                (3, Decimal::from(2)),
                (1, Decimal::from(2))
            ]
        );
        assert!(plan_reservation(&cands, Decimal::from(15)).is_none());
    }

    /// One step of the random workload.
    #[derive(Debug, Clone)]
    enum Step {
        /// Supplier → location.
        Receive {
            loc: usize,
            qty: u32,
            cost: u32,
        },
        /// Location → location (a transfer when warehouses differ).
        Move {
            from: usize,
            to: usize,
            qty: u32,
        },
        /// Location → customer.
        Ship {
            loc: usize,
            qty: u32,
        },
        Reserve {
            qty: u32,
        },
        Release {
            nth: usize,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..4usize, 1..50u32, 1..5000u32).prop_map(|(loc, qty, cost)| Step::Receive {
                loc,
                qty,
                cost
            }),
            (0..4usize, 0..4usize, 1..40u32).prop_map(|(from, to, qty)| Step::Move {
                from,
                to,
                qty
            }),
            (0..4usize, 1..40u32).prop_map(|(loc, qty)| Step::Ship { loc, qty }),
            (1..30u32).prop_map(|qty| Step::Reserve { qty }),
            (0..8usize).prop_map(|nth| Step::Release { nth }),
        ]
    }

    type Ledger = Vec<(usize, usize, Decimal)>;

    /// Applies one move to the model ledger and quants (locations ≥ 100 are virtual).
    fn apply(
        ledger: &mut Ledger,
        quants: &mut BTreeMap<usize, Decimal>,
        (from, to, qty): (usize, usize, Decimal),
        policy: NegativeStockPolicy,
    ) -> bool {
        if from < 100 {
            let on_hand = quants.get(&from).copied().unwrap_or_default();
            if check_outgoing(on_hand, qty, policy).is_err() {
                return false;
            }
        }
        ledger.push((from, to, qty));
        *quants.entry(from).or_default() -= qty;
        *quants.entry(to).or_default() += qty;
        true
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Random receipts, moves, transfers, shipments, reservations and releases
        /// through the same rules the server applies: quants always equal the
        /// ledger's sum, stock is never negative where forbidden, reservations
        /// never exceed on-hand, and value = Σ layer remainders.
        #[test]
        fn random_workload_keeps_the_books(
            steps in prop::collection::vec(step(), 1..80),
            policy_allows in any::<bool>(),
            method in prop_oneof![Just(ValuationMethod::Fifo), Just(ValuationMethod::Lifo), Just(ValuationMethod::Wac)],
        ) {
            const SUPPLIER: usize = 100;
            const CUSTOMER: usize = 101;
            let policy = if policy_allows { NegativeStockPolicy::AllowWithAlert } else { NegativeStockPolicy::Forbid };
            let mut ledger: Ledger = Vec::new();
            let mut quants: BTreeMap<usize, Decimal> = BTreeMap::new();
            let mut reserved: BTreeMap<usize, Decimal> = BTreeMap::new();
            let mut reservations: Vec<(usize, Decimal)> = Vec::new();
            let mut val = Valuation::default();
            let mut value_in = Decimal::ZERO;
            let mut cogs = Decimal::ZERO;
            for s in steps {
                match s {
                    Step::Receive { loc, qty, cost } => {
                        let q = Decimal::from(qty);
                        let c = Decimal::new(i64::from(cost), 2);
                        prop_assert!(apply(&mut ledger, &mut quants, (SUPPLIER, loc, q), policy));
                        value_in += (q * c).round_dp(6);
                        val.receive(q, c, method);
                    }
                    Step::Move { from, to, qty } if from != to => {
                        // Reserved stock stays put: only the unreserved part may leave.
                        let free = quants.get(&from).copied().unwrap_or_default()
                            - reserved.get(&from).copied().unwrap_or_default();
                        if Decimal::from(qty) <= free || policy_allows {
                            apply(&mut ledger, &mut quants, (from, to, Decimal::from(qty)), policy);
                        }
                    }
                    Step::Move { .. } => {}
                    Step::Ship { loc, qty } => {
                        let q = Decimal::from(qty);
                        let free = quants.get(&loc).copied().unwrap_or_default()
                            - reserved.get(&loc).copied().unwrap_or_default();
                        if (q <= free || policy_allows) && apply(&mut ledger, &mut quants, (loc, CUSTOMER, q), policy) {
                            let plan = val.issue(q, method, Decimal::ZERO);
                            cogs += plan.takes.iter().map(|t| t.value).sum::<Decimal>();
                        }
                    }
                    Step::Reserve { qty } => {
                        let cands: Vec<ReserveCandidate> = (0..4).map(|l| ReserveCandidate {
                            available: (quants.get(&l).copied().unwrap_or_default()
                                - reserved.get(&l).copied().unwrap_or_default()).max(Decimal::ZERO),
                            expiry: None,
                            received_seq: 0,
                            path: format!("L{l}"),
                        }).collect();
                        if let Some(plan) = plan_reservation(&cands, Decimal::from(qty)) {
                            let total: Decimal = plan.iter().map(|p| p.1).sum();
                            prop_assert_eq!(total, Decimal::from(qty));
                            for (l, q) in plan {
                                prop_assert!(q <= cands[l].available);
                                *reserved.entry(l).or_default() += q;
                                reservations.push((l, q));
                            }
                        } else {
                            let avail: Decimal = cands.iter().map(|c| c.available).sum();
                            prop_assert!(avail < Decimal::from(qty));
                        }
                    }
                    Step::Release { nth } => {
                        if !reservations.is_empty() {
                            let (l, q) = reservations.remove(nth % reservations.len());
                            *reserved.entry(l).or_default() -= q;
                        }
                    }
                }
                // Quants = ledger sum, per location.
                let mut sums: BTreeMap<usize, Decimal> = BTreeMap::new();
                for (f, t, q) in &ledger {
                    *sums.entry(*f).or_default() -= *q;
                    *sums.entry(*t).or_default() += *q;
                }
                for (loc, q) in &quants {
                    prop_assert_eq!(sums.get(loc).copied().unwrap_or_default(), *q);
                }
                for loc in 0..4 {
                    let on_hand = quants.get(&loc).copied().unwrap_or_default();
                    if !policy_allows {
                        prop_assert!(on_hand >= Decimal::ZERO, "negative at {}", loc);
                        prop_assert!(reserved.get(&loc).copied().unwrap_or_default() <= on_hand);
                    }
                }
                prop_assert_eq!(val.value(), value_in - cogs);
                if !policy_allows {
                    let internal: Decimal = (0..4).map(|l| quants.get(&l).copied().unwrap_or_default()).sum();
                    prop_assert_eq!(val.qty(), internal);
                }
            }
        }
    }
}
