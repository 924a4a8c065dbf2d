//! Reports a card held on a reader once per presentation, however often the reader repeats it.

use std::time::{Duration, Instant};

use crate::devices::input::CardUid;

/// Default quiet time after which the same card counts as presented again.
pub const DEFAULT_HOLDOFF_MS: u64 = 1500;

/// Suppresses repeats of the same card. A presentation lasts as long as the card keeps being
/// read with gaps shorter than the hold-off; each read extends it. A different card always
/// counts at once.
#[derive(Debug, Clone)]
pub struct HoldOff {
    holdoff: Duration,
    last: Option<(CardUid, Instant)>,
}

impl HoldOff {
    /// A filter with this quiet time.
    pub fn new(holdoff: Duration) -> Self {
        Self { holdoff, last: None }
    }

    /// True when `uid`, read at `now`, starts a new presentation and should be reported.
    pub fn admit(&mut self, uid: &CardUid, now: Instant) -> bool {
        let repeat = match &self.last {
            Some((last_uid, last_seen)) => {
                last_uid == uid && now.saturating_duration_since(*last_seen) < self.holdoff
            }
            None => false,
        };
        self.last = Some((uid.clone(), now));
        !repeat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_card_counts_once_and_again_after_a_quiet_gap() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let a = CardUid::from_u32(0xA);
        let b = CardUid::from_u32(0xB);
        let mut holdoff = HoldOff::new(Duration::from_millis(DEFAULT_HOLDOFF_MS));
        let reads = [
            (0, &a, true),
            (100, &a, false),
            // Held for longer than the hold-off, but never quiet that long: still one.
            (1400, &a, false),
            (2800, &a, false),
            (2900, &b, true),
            (3000, &a, true),
            (4500, &a, true),
            (4600, &a, false),
        ];
        for (ms, uid, expected) in reads {
            assert_eq!(holdoff.admit(uid, at(ms)), expected, "at {ms} ms");
        }
    }

    #[test]
    fn zero_holdoff_reports_every_read() {
        let now = Instant::now();
        let a = CardUid::from_u32(1);
        let mut holdoff = HoldOff::new(Duration::ZERO);
        assert!(holdoff.admit(&a, now));
        assert!(holdoff.admit(&a, now));
    }
}
