//! Lead scoring without I/O: the transparent rule score (weights per feature),
//! a small logistic regression trained by gradient descent on won/lost history,
//! and the area under the ROC curve to compare them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared_types::crm::ScoreFactor;

/// The features every contact is described by, in a fixed order.
pub const FEATURES: &[&str] = &[
    "has_email",
    "has_phone",
    "has_address",
    "has_company",
    "decision_maker",
    "stage_qualified",
    "consent_email_marketing",
    "activities_30d",
    "visits_90d",
    "calls_90d",
    "emails_90d",
    "open_tasks",
    "days_since_last_activity",
];

/// Points per unit of each feature unless the tenant sets its own.
pub fn default_weights() -> BTreeMap<String, f64> {
    [
        ("has_email", 10.0),
        ("has_phone", 5.0),
        ("has_address", 5.0),
        ("has_company", 10.0),
        ("decision_maker", 15.0),
        ("stage_qualified", 10.0),
        ("consent_email_marketing", 5.0),
        ("activities_30d", 3.0),
        ("visits_90d", 5.0),
        ("calls_90d", 2.0),
        ("emails_90d", 1.0),
        ("open_tasks", 2.0),
        ("days_since_last_activity", -0.05),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Checks tenant weights: known features, finite values within ±1000.
pub fn check_weights(w: &BTreeMap<String, f64>) -> Result<(), String> {
    for (k, v) in w {
        if !FEATURES.contains(&k.as_str()) {
            return Err(format!(
                "unknown feature '{k}'; known: {}",
                FEATURES.join(", ")
            ));
        }
        if !v.is_finite() || v.abs() > 1000.0 {
            return Err(format!("weight of '{k}' must be a number within ±1000"));
        }
    }
    Ok(())
}

fn top(mut factors: Vec<ScoreFactor>, n: usize) -> Vec<ScoreFactor> {
    factors.retain(|f| f.contribution.abs() > 1e-9);
    factors.sort_by(|a, b| {
        b.contribution
            .abs()
            .total_cmp(&a.contribution.abs())
            .then_with(|| a.factor.cmp(&b.factor))
    });
    factors.truncate(n);
    factors
}

/// The rule score (clamped to 0–100) and its top contributing factors.
pub fn rule_score(x: &[f64], weights: &BTreeMap<String, f64>) -> (f64, Vec<ScoreFactor>) {
    let mut total = 0.0;
    let mut factors = Vec::new();
    for (i, name) in FEATURES.iter().enumerate() {
        let w = weights.get(*name).copied().unwrap_or(0.0);
        let c = w * x[i];
        total += c;
        factors.push(ScoreFactor {
            factor: (*name).to_owned(),
            value: x[i],
            contribution: c,
        });
    }
    (total.clamp(0.0, 100.0), top(factors, 5))
}

/// A trained logistic regression over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub features: Vec<String>,
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The least history a model is trained on: examples in total and of each class.
pub const MIN_EXAMPLES: usize = 20;
pub const MIN_PER_CLASS: usize = 5;

impl Model {
    /// Trains by batch gradient descent with a small L2 penalty. `None` without
    /// enough history (see [`MIN_EXAMPLES`], [`MIN_PER_CLASS`]).
    pub fn train(xs: &[Vec<f64>], ys: &[bool]) -> Option<Model> {
        let n = xs.len();
        let won = ys.iter().filter(|y| **y).count();
        if n < MIN_EXAMPLES || won < MIN_PER_CLASS || n - won < MIN_PER_CLASS {
            return None;
        }
        let d = FEATURES.len();
        let mut means = vec![0.0; d];
        let mut scales = vec![0.0; d];
        for x in xs {
            for j in 0..d {
                means[j] += x[j] / n as f64;
            }
        }
        for x in xs {
            for j in 0..d {
                scales[j] += (x[j] - means[j]).powi(2) / n as f64;
            }
        }
        for s in &mut scales {
            *s = if s.sqrt() > 1e-9 { s.sqrt() } else { 1.0 };
        }
        let zs: Vec<Vec<f64>> = xs
            .iter()
            .map(|x| (0..d).map(|j| (x[j] - means[j]) / scales[j]).collect())
            .collect();
        let (mut w, mut b) = (vec![0.0; d], 0.0);
        let (rate, l2) = (0.5, 0.01);
        for _ in 0..1500 {
            let mut gw = vec![0.0; d];
            let mut gb = 0.0;
            for (z, y) in zs.iter().zip(ys) {
                let p = sigmoid(b + z.iter().zip(&w).map(|(a, c)| a * c).sum::<f64>());
                let err = p - if *y { 1.0 } else { 0.0 };
                for j in 0..d {
                    gw[j] += err * z[j];
                }
                gb += err;
            }
            for j in 0..d {
                w[j] -= rate * (gw[j] / n as f64 + l2 * w[j]);
            }
            b -= rate * gb / n as f64;
        }
        Some(Model {
            features: FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            means,
            scales,
            weights: w,
            bias: b,
        })
    }

    /// Probability of winning and the top contributions to its log-odds.
    pub fn predict(&self, x: &[f64]) -> (f64, Vec<ScoreFactor>) {
        let mut z = self.bias;
        let mut factors = Vec::new();
        for (j, name) in self.features.iter().enumerate() {
            let v = x.get(j).copied().unwrap_or(0.0);
            let c = self.weights[j] * (v - self.means[j]) / self.scales[j];
            z += c;
            factors.push(ScoreFactor {
                factor: name.clone(),
                value: v,
                contribution: c,
            });
        }
        (sigmoid(z), top(factors, 5))
    }
}

/// Area under the ROC curve: the chance a random positive scores above a random
/// negative (ties count half). `None` without both classes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos = pairs.iter().filter(|p| p.1).count() as f64;
    let neg = pairs.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    // Mann–Whitney U with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for p in &pairs[i..=j] {
            if p.1 {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_inverted_rankings() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(auc(&[0.5, 0.5, 0.5, 0.5], &labels), Some(0.5));
        assert_eq!(auc(&[0.5, 0.5], &[true, true]), None);
    }

    #[test]
    fn the_model_learns_a_single_feature_signal() {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..200 {
            let mut x = vec![0.0; FEATURES.len()];
            x[9] = f64::from(i % 7); // calls_90d
            x[0] = f64::from(i % 2);
            ys.push(x[9] >= 4.0);
            xs.push(x);
        }
        let m = Model::train(&xs, &ys).unwrap();
        let scores: Vec<f64> = xs.iter().map(|x| m.predict(x).0).collect();
        assert!(auc(&scores, &ys).unwrap() > 0.99);
        let (_, factors) = m.predict(&xs[6]);
        assert_eq!(factors[0].factor, "calls_90d");
        assert!(Model::train(&xs[..10], &ys[..10]).is_none());
    }

    #[test]
    fn rule_score_is_clamped_and_explains_itself() {
        let mut x = vec![0.0; FEATURES.len()];
        x[0] = 1.0;
        x[4] = 1.0;
        let (s, f) = rule_score(&x, &default_weights());
        assert_eq!(s, 25.0);
        assert_eq!(f[0].factor, "decision_maker");
        assert_eq!(f[1].factor, "has_email");
        x[7] = 100.0;
        assert_eq!(rule_score(&x, &default_weights()).0, 100.0);
    }
}
