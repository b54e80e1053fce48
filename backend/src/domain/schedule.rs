//! Schedule arithmetic without I/O.

use chrono::{DateTime, Duration, Utc};

/// The run after `due`, every `every_days` days, skipping runs missed while the
/// schedule was not served (a worker down for a week opens one session, not seven).
/// Always later than `now`.
pub fn next_run(due: DateTime<Utc>, every_days: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let step = Duration::days(i64::from(every_days.max(1)));
    let mut next = due + step;
    if next <= now {
        // Whole steps to jump over, so the rhythm (time of day) is kept.
        let behind = (now - next).num_seconds() / step.num_seconds() + 1;
        next += step * i32::try_from(behind).unwrap_or(i32::MAX);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_next_run_is_one_step_after_a_run_on_time() {
        assert_eq!(next_run(at(1, 6), 7, at(1, 6)), at(8, 6));
        assert_eq!(next_run(at(1, 6), 1, at(1, 9)), at(2, 6));
    }

    #[test]
    fn missed_runs_are_skipped_and_the_time_of_day_is_kept() {
        // Due on the 1st, served on the 20th: the next run is the 22nd, not the 8th.
        assert_eq!(next_run(at(1, 6), 7, at(20, 9)), at(22, 6));
        // Exactly on a step boundary: strictly later than now.
        assert_eq!(next_run(at(1, 6), 7, at(15, 6)), at(22, 6));
        for now_day in 1..=28 {
            let n = next_run(at(1, 6), 3, at(now_day, 12));
            assert!(n > at(now_day, 12));
            assert!(n - at(now_day, 12) <= Duration::days(3));
            assert_eq!(
                (n - at(1, 6)).num_seconds() % Duration::days(3).num_seconds(),
                0
            );
        }
    }
}
