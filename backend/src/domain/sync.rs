//! Sync rules without I/O: per-device sequence bookkeeping.

use shared_types::sync::SeqGap;

/// Given the acknowledged prefix (`1..=acked` all received) and the sorted
/// sequence numbers received after it, answers the new acknowledged prefix, the
/// highest number seen and the missing ranges below it.
pub fn gaps(acked: i64, after: &[i64]) -> (i64, i64, Vec<SeqGap>) {
    let mut next = acked + 1;
    let mut new_acked = acked;
    let mut out = Vec::new();
    let mut contiguous = true;
    for &s in after {
        if s < next {
            continue;
        }
        if s > next {
            out.push(SeqGap {
                from: next,
                to: s - 1,
            });
            contiguous = false;
        }
        if contiguous {
            new_acked = s;
        }
        next = s + 1;
    }
    (new_acked, next - 1, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_sequences_advance_the_acknowledged_prefix() {
        assert_eq!(gaps(0, &[1, 2, 3]), (3, 3, vec![]));
        assert_eq!(gaps(5, &[]), (5, 5, vec![]));
    }

    #[test]
    fn missing_numbers_are_reported_as_ranges() {
        let (acked, high, g) = gaps(2, &[3, 6, 7, 10]);
        assert_eq!((acked, high), (3, 10));
        assert_eq!(
            g,
            vec![SeqGap { from: 4, to: 5 }, SeqGap { from: 8, to: 9 }]
        );
        let (acked, _, g) = gaps(0, &[2]);
        assert_eq!(acked, 0);
        assert_eq!(g, vec![SeqGap { from: 1, to: 1 }]);
    }
}
