//! Rate limits with GCRA (the generic cell rate algorithm): a limit of `count`
//! requests per `period` lets a burst of `count` through, then one request every
//! `period / count`. State is one "theoretical arrival time" per key.
//!
//! Two backends behind one trait: Redis (a Lua script, atomic across replicas)
//! when `redis.url` is set, an in-process map otherwise.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;

/// A named limit; the name is part of the key so limits never share state.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub count: u32,
    pub period: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Denied; try again after this long.
    Limited {
        retry_after: Duration,
    },
}

pub trait RateLimiter: Send + Sync {
    /// Counts one request for `key` under `limit`.
    fn check<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>>;
}

/// The pure GCRA step: given the stored arrival time (ms) and now (ms), returns the
/// decision and the arrival time to store (unchanged when denied).
pub fn gcra(stored_tat: Option<u64>, now: u64, limit: Limit) -> (Decision, u64) {
    let period = limit.period.as_millis() as u64;
    let interval = period / u64::from(limit.count.max(1));
    let tat = stored_tat.unwrap_or(now).max(now);
    let new_tat = tat + interval;
    let allow_at = new_tat.saturating_sub(period);
    if now < allow_at {
        let retry_after = Duration::from_millis(allow_at - now);
        (Decision::Limited { retry_after }, tat)
    } else {
        (Decision::Allowed, new_tat)
    }
}

/// In-process limiter for single-instance deployments and tests without Redis.
#[derive(Default)]
pub struct MemoryLimiter {
    state: Mutex<HashMap<String, u64>>,
    started: std::sync::OnceLock<std::time::Instant>,
}

impl MemoryLimiter {
    fn now_ms(&self) -> u64 {
        // Monotonic, offset so the first call is not at zero (zero would make every
        // first burst look like it happened at the epoch).
        let start = self.started.get_or_init(std::time::Instant::now);
        start.elapsed().as_millis() as u64 + 1_000_000
    }
}

impl RateLimiter for MemoryLimiter {
    fn check<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>> {
        Box::pin(async move {
            let now = self.now_ms();
            let full_key = format!("{}:{key}", limit.name);
            let mut map = self.state.lock().expect("rate limit map poisoned");
            // Drop entries whose arrival time has passed: they carry no state.
            if map.len() > 100_000 {
                map.retain(|_, tat| *tat > now);
            }
            let (decision, tat) = gcra(map.get(&full_key).copied(), now, limit);
            map.insert(full_key, tat);
            Ok(decision)
        })
    }
}

/// GCRA in Redis: atomic per key, using the server's clock so replicas agree.
const GCRA_LUA: &str = r#"
local period = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = period / count
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now) + 1)
return {1, 0}
"#;

pub struct RedisLimiter {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl RedisLimiter {
    pub fn new(conn: redis::aio::ConnectionManager, prefix: &str) -> Self {
        Self {
            conn,
            prefix: prefix.to_owned(),
            script: redis::Script::new(GCRA_LUA),
        }
    }
}

impl RateLimiter for RedisLimiter {
    fn check<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let (allowed, retry_ms): (i64, i64) = self
                .script
                .key(format!("{}{}:{key}", self.prefix, limit.name))
                .arg(limit.period.as_millis() as u64)
                .arg(limit.count.max(1))
                .invoke_async(&mut conn)
                .await?;
            Ok(if allowed == 1 {
                Decision::Allowed
            } else {
                Decision::Limited {
                    retry_after: Duration::from_millis(retry_ms.max(0) as u64),
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEN_PER_MIN: Limit = Limit {
        name: "t",
        count: 10,
        period: Duration::from_secs(60),
    };

    #[test]
    fn a_burst_of_count_passes_then_the_next_waits_one_interval() {
        let mut tat = None;
        for _ in 0..10 {
            let (d, t) = gcra(tat, 1_000, TEN_PER_MIN);
            assert_eq!(d, Decision::Allowed);
            tat = Some(t);
        }
        let (d, _) = gcra(tat, 1_000, TEN_PER_MIN);
        assert_eq!(
            d,
            Decision::Limited {
                retry_after: Duration::from_secs(6)
            }
        );
        // After one interval one more request fits.
        assert_eq!(gcra(tat, 7_000, TEN_PER_MIN).0, Decision::Allowed);
    }

    #[tokio::test]
    async fn memory_limiter_keys_are_independent() {
        let l = MemoryLimiter::default();
        for _ in 0..10 {
            assert_eq!(l.check(TEN_PER_MIN, "a").await.unwrap(), Decision::Allowed);
        }
        assert!(matches!(
            l.check(TEN_PER_MIN, "a").await.unwrap(),
            Decision::Limited { .. }
        ));
        assert_eq!(l.check(TEN_PER_MIN, "b").await.unwrap(), Decision::Allowed);
    }

    proptest! {
        /// However requests are spaced, between any two admitted requests at `a` and `b`
        /// at most `count + (b - a) / interval` are admitted: a burst, then the rate.
        #[test]
        fn admits_at_most_a_burst_plus_the_rate(gaps in proptest::collection::vec(0u64..20_000, 1..200)) {
            let mut now = 0u64;
            let mut tat = None;
            let mut admitted: Vec<u64> = Vec::new();
            for g in gaps {
                now += g;
                let (d, t) = gcra(tat, now, TEN_PER_MIN);
                tat = Some(t);
                if d == Decision::Allowed { admitted.push(now); }
            }
            for i in 0..admitted.len() {
                for j in i..admitted.len() {
                    let n = (j - i + 1) as u64;
                    prop_assert!(n <= 10 + (admitted[j] - admitted[i]) / 6_000, "{n} admitted");
                }
            }
        }
    }
}
