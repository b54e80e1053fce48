//! Reorder arithmetic without I/O: demand statistics over a window of days,
//! the normal quantile for a service level, the reorder point and the order
//! quantity, and the formula with its numbers so a person can check it.
//!
//! Every intermediate value is rounded the way it is shown (statistics to 4
//! decimals, quantities to 2) and the next step uses the rounded value, so the
//! formula string reproduces exactly with a pocket calculator.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use shared_types::purchasing::ReorderMethod;

/// The standard normal quantile (inverse CDF), Acklam's rational
/// approximation refined by one Halley step (|error| < 1e-9).
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "p must be in (0, 1)");
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let x = if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step against the CDF computed from erfc.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7),
/// good enough for the refinement step above.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

fn dec(v: f64, dp: u32) -> Decimal {
    Decimal::from_f64(v).unwrap_or_default().round_dp(dp)
}

fn f(v: Decimal) -> f64 {
    v.to_f64().unwrap_or_default()
}

/// Mean and sample standard deviation (n − 1) of daily totals, rounded to 4 places.
pub fn demand_stats(daily: &[Decimal]) -> (Decimal, Decimal, Decimal) {
    let total: Decimal = daily.iter().sum();
    if daily.is_empty() {
        return (total, Decimal::ZERO, Decimal::ZERO);
    }
    let n = daily.len() as f64;
    let mean = f(total) / n;
    let var = if daily.len() > 1 {
        daily.iter().map(|d| (f(*d) - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (total, dec(mean, 4), dec(var.sqrt(), 4))
}

/// Everything a rule needs to be evaluated.
#[derive(Debug, Clone)]
pub struct ReorderInput {
    pub method: ReorderMethod,
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub avg_daily: Decimal,
    pub std_dev_daily: Decimal,
    pub lead_time_days: i32,
    pub service_level: Decimal,
    pub cover_days: i32,
    pub on_hand: Decimal,
    pub reserved: Decimal,
    pub incoming: Decimal,
    pub min_order_qty: Decimal,
    pub pack_size: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReorderOutcome {
    pub position: Decimal,
    pub z: Option<Decimal>,
    pub safety_stock: Decimal,
    pub reorder_point: Decimal,
    pub target_level: Decimal,
    pub suggested_qty: Decimal,
    pub formula: String,
}

fn show(v: Decimal) -> String {
    v.normalize().to_string()
}

/// Rounds an order up to the minimum order quantity and whole packs.
pub fn order_qty(need: Decimal, min_order_qty: Decimal, pack_size: Decimal) -> Decimal {
    if need <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let q = need.max(min_order_qty);
    if pack_size <= Decimal::ZERO {
        return q;
    }
    (q / pack_size).ceil() * pack_size
}

pub fn evaluate(i: &ReorderInput) -> ReorderOutcome {
    let position = i.on_hand - i.reserved + i.incoming;
    let position_text = format!(
        "position = on_hand − reserved + incoming = {} − {} + {} = {}",
        show(i.on_hand),
        show(i.reserved),
        show(i.incoming),
        show(position)
    );
    let (z, safety_stock, reorder_point, target_level, rule_text) = match i.method {
        ReorderMethod::MinMax => (
            None,
            Decimal::ZERO,
            i.min_qty,
            i.max_qty,
            format!(
                "reorder point = min = {}; target = max = {}",
                show(i.min_qty),
                show(i.max_qty)
            ),
        ),
        ReorderMethod::Demand => {
            let z = dec(normal_quantile(f(i.service_level)), 4);
            let lt = Decimal::from(i.lead_time_days);
            let sqrt_lt = dec(f(lt).sqrt(), 4);
            let lead_demand = (i.avg_daily * lt).round_dp(2);
            let safety = (z * i.std_dev_daily * sqrt_lt)
                .round_dp(2)
                .max(Decimal::ZERO);
            let rop = lead_demand + safety;
            let cover = (i.avg_daily * Decimal::from(i.cover_days)).round_dp(2);
            let target = rop + cover;
            (
                Some(z),
                safety,
                rop,
                target,
                format!(
                    "reorder point = avg_daily × lead_time + z(service {}) × σ_daily × √lead_time \
                     = {} × {} + {} × {} × {} = {} + {} = {}; \
                     target = reorder point + avg_daily × cover_days = {} + {} × {} = {}",
                    show(i.service_level),
                    show(i.avg_daily),
                    i.lead_time_days,
                    show(z),
                    show(i.std_dev_daily),
                    show(sqrt_lt),
                    show(lead_demand),
                    show(safety),
                    show(rop),
                    show(rop),
                    show(i.avg_daily),
                    i.cover_days,
                    show(target)
                ),
            )
        }
    };
    let need = target_level - position;
    let (suggested_qty, decision) = if position <= reorder_point && need > Decimal::ZERO {
        let q = order_qty(need, i.min_order_qty, i.pack_size);
        (
            q,
            format!(
                "{} ≤ reorder point {} → order target − position = {} − {} = {}, \
                 at least {} and in packs of {} → {}",
                show(position),
                show(reorder_point),
                show(target_level),
                show(position),
                show(need),
                show(i.min_order_qty),
                show(i.pack_size),
                show(q)
            ),
        )
    } else {
        (
            Decimal::ZERO,
            format!(
                "{} > reorder point {} → nothing to order",
                show(position),
                show(reorder_point)
            ),
        )
    };
    ReorderOutcome {
        position,
        z,
        safety_stock,
        reorder_point,
        target_level,
        suggested_qty,
        formula: format!("{rule_text}; {position_text}; {decision}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn quantiles_match_the_normal_table() {
        for (p, z) in [
            (0.5, 0.0),
            (0.9, 1.281_551_6),
            (0.95, 1.644_853_6),
            (0.975, 1.959_964),
            (0.99, 2.326_347_9),
            (0.999, 3.090_232_3),
            (0.01, -2.326_347_9),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-6,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn sample_standard_deviation_counts_zero_days() {
        let days: Vec<Decimal> = ["2", "4", "4", "4", "5", "5", "7", "9"]
            .iter()
            .map(|s| d(s))
            .collect();
        let (total, mean, sd) = demand_stats(&days);
        assert_eq!(total, d("40"));
        assert_eq!(mean, d("5"));
        // Σ(x−5)² = 32, /7 = 4.571428…, √ = 2.13809
        assert_eq!(sd, d("2.1381"));
    }

    #[test]
    fn demand_rule_reproduces_by_hand() {
        let base = ReorderInput {
            method: ReorderMethod::Demand,
            min_qty: Decimal::ZERO,
            max_qty: Decimal::ZERO,
            avg_daily: d("5"),
            std_dev_daily: d("2.1381"),
            lead_time_days: 9,
            service_level: d("0.95"),
            cover_days: 10,
            on_hand: d("60"),
            reserved: d("4"),
            incoming: d("0"),
            min_order_qty: d("10"),
            pack_size: d("12"),
        };
        let out = evaluate(&base);
        // z = 1.6449; SS = 1.6449 × 2.1381 × 3 = 10.55; ROP = 45 + 10.55 = 55.55
        assert_eq!(out.z, Some(d("1.6449")));
        assert_eq!(out.safety_stock, d("10.55"));
        assert_eq!(out.reorder_point, d("55.55"));
        assert_eq!(out.target_level, d("105.55"));
        assert_eq!(out.position, d("56"));
        assert_eq!(out.suggested_qty, Decimal::ZERO);
        let out = evaluate(&ReorderInput {
            on_hand: d("50"),
            ..base
        });
        // need = 105.55 − 46 = 59.55 → 5 packs of 12 = 60
        assert_eq!(out.suggested_qty, d("60"));
        assert!(
            out.formula
                .contains("5 × 9 + 1.6449 × 2.1381 × 3 = 45 + 10.55 = 55.55"),
            "{}",
            out.formula
        );
    }

    #[test]
    fn min_max_orders_up_to_max_in_packs() {
        let base = ReorderInput {
            method: ReorderMethod::MinMax,
            min_qty: d("10"),
            max_qty: d("50"),
            avg_daily: Decimal::ZERO,
            std_dev_daily: Decimal::ZERO,
            lead_time_days: 3,
            service_level: d("0.95"),
            cover_days: 30,
            on_hand: d("9"),
            reserved: d("0"),
            incoming: d("0"),
            min_order_qty: d("1"),
            pack_size: d("5"),
        };
        assert_eq!(evaluate(&base).suggested_qty, d("45"));
        let stocked = ReorderInput {
            on_hand: d("11"),
            ..base.clone()
        };
        assert_eq!(evaluate(&stocked).suggested_qty, Decimal::ZERO);
        let incoming = ReorderInput {
            incoming: d("20"),
            ..base
        };
        assert_eq!(evaluate(&incoming).suggested_qty, Decimal::ZERO);
    }
}
