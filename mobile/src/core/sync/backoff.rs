//! Retry delays: exponential with full jitter, capped.
//!
//! Full jitter (a uniform delay between zero and the exponential bound) keeps a
//! warehouse of phones that lost the network together from hammering the server in
//! lockstep when it returns.

use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(300),
        }
    }
}

impl BackoffPolicy {
    /// The upper bound for the `attempt`-th retry (0-based): `base · 2^attempt`, capped.
    pub fn bound(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A random delay in `[0, bound(attempt)]`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let bound = self.bound(attempt).as_millis() as u64;
        Duration::from_millis(rng.gen_range(0..=bound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn bound_doubles_until_the_cap() {
        let p = BackoffPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        };
        let bounds: Vec<u64> = (0..8).map(|a| p.bound(a).as_secs()).collect();
        assert_eq!(bounds, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.bound(200), Duration::from_secs(60), "no overflow");
    }

    #[test]
    fn delays_are_jittered_within_the_bound() {
        let p = BackoffPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        let delays: Vec<Duration> = (0..50).map(|_| p.delay(4, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d <= p.bound(4)));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() > 40, "delays must differ between phones");
    }
}
