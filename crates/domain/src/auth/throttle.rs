//! The login back-off: how long to wait after consecutive failed sign-ins to one account.
//!
//! Exponential back-off instead of a lock-out: a lock-out after N failures lets anyone who knows
//! the mayor's address lock the mayor out for good, just by failing N times. With back-off the
//! first few typos cost nothing, guessing gets slower quickly (after 13 failures an attacker gets
//! about four guesses an hour), and the wait never exceeds [`MAX_BACKOFF`], so an attacker can
//! delay the rightful owner by at most that long at a time. The caller counts the failures per
//! account, resets the count after a successful sign-in, and refuses attempts until the wait
//! since the last failure has passed.

use std::time::Duration;

/// Consecutive failures that cost no wait (typos, a forgotten Caps Lock).
pub const FREE_FAILURES: u32 = 3;

/// The longest wait ever imposed.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// The wait before the next attempt after `failures` consecutive failures: none for the first
/// [`FREE_FAILURES`], then 2 s, 4 s, 8 s, … doubling with each failure, capped at
/// [`MAX_BACKOFF`].
pub fn backoff_after(failures: u32) -> Duration {
    let Some(exponent) = failures.checked_sub(FREE_FAILURES).filter(|e| *e > 0) else {
        return Duration::ZERO;
    };
    // 2^10 s already exceeds the cap; checking first keeps the shift from overflowing.
    if exponent >= 10 {
        return MAX_BACKOFF;
    }
    Duration::from_secs(1 << exponent).min(MAX_BACKOFF)
}

/// How much of the wait after `failures` failures is left, `elapsed` after the last failure
/// (zero: the person may try again).
pub fn wait_remaining(failures: u32, elapsed: Duration) -> Duration {
    backoff_after(failures).saturating_sub(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn first_failures_are_free() {
        for failures in 0..=3 {
            assert_eq!(backoff_after(failures), Duration::ZERO, "{failures}");
        }
    }

    #[test]
    fn doubles_from_the_fourth_failure() {
        assert_eq!(backoff_after(4), secs(2));
        assert_eq!(backoff_after(5), secs(4));
        assert_eq!(backoff_after(6), secs(8));
        assert_eq!(backoff_after(12), secs(512));
    }

    #[test]
    fn capped_at_fifteen_minutes() {
        assert_eq!(backoff_after(13), secs(900), "2^10 s is over the cap");
        for failures in [14, 33, 34, 35, 64, 67, 1000, u32::MAX - 1, u32::MAX] {
            assert_eq!(backoff_after(failures), MAX_BACKOFF, "{failures}");
        }
        let mut previous = Duration::ZERO;
        for failures in 0..100 {
            let wait = backoff_after(failures);
            assert!(wait >= previous && wait <= MAX_BACKOFF, "{failures}");
            previous = wait;
        }
    }

    #[test]
    fn remaining_wait() {
        assert_eq!(wait_remaining(5, secs(1)), secs(3));
        assert_eq!(wait_remaining(5, secs(4)), Duration::ZERO);
        assert_eq!(wait_remaining(5, secs(3600)), Duration::ZERO);
        assert_eq!(wait_remaining(2, Duration::ZERO), Duration::ZERO);
        assert_eq!(wait_remaining(u32::MAX, Duration::ZERO), MAX_BACKOFF);
    }
}
