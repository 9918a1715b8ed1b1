//! The exam clock: a deadline, not a tick count. Remaining time never grows — not on
//! reload, after sleep, in a hidden tab, or when the system clock is moved back.
//!
//! Each observation combines the wall clock (which survives reloads and advances during
//! sleep, but can be changed by the user) with a monotonic clock (which cannot be
//! changed, but restarts with every page load). The elapsed time kept is the largest ever
//! observed, so no reading can give time back. Disagreements between the two clocks are
//! reported as [`ClockJump`]s for the transcript.

use serde::{Deserialize, Serialize};

/// How far the two clocks may disagree before it counts as a jump (timer jitter, NTP slews).
pub const JUMP_TOLERANCE_MILLISECONDS: u64 = 2_000;

/// One reading of both clocks, taken together by the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReading {
    /// Wall-clock time in milliseconds since the Unix epoch (Date.now()).
    pub wall_milliseconds: i64,
    /// Monotonic milliseconds since this page loaded (performance.now()).
    pub monotonic_milliseconds: u64,
}

/// A disagreement between the wall clock and the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockJump {
    /// The wall clock went back by this many milliseconds relative to the time that passed.
    Backward(u64),
    /// The wall clock advanced this many milliseconds more than the monotonic clock
    /// (the machine slept, or the clock was moved forward). The time counts.
    Forward(u64),
}

/// What one observation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Milliseconds of the attempt used so far.
    pub elapsed_milliseconds: u64,
    /// Milliseconds left; zero at and after the deadline.
    pub remaining_milliseconds: u64,
    /// A jump detected by this observation, for the transcript.
    pub jump: Option<ClockJump>,
}

/// The clock of one attempt. `started_wall_milliseconds`, `limit_milliseconds` and
/// `elapsed_milliseconds` are saved with the attempt; the last reading belongs to one page load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamClock {
    started_wall_milliseconds: i64,
    limit_milliseconds: u64,
    elapsed_milliseconds: u64,
    #[serde(skip)]
    last: Option<ClockReading>,
}

/// When an attempt started at `started_wall` with `limit` milliseconds ends, wall-clock.
pub fn deadline_wall_milliseconds(started_wall: i64, limit: u64) -> i64 {
    started_wall.saturating_add(i64::try_from(limit).unwrap_or(i64::MAX))
}

/// The time limit after an accommodation: `minutes × multiplier_percent / 100`, in milliseconds.
/// A multiplier of 150 gives 50 % extra time.
pub fn accommodated_limit_milliseconds(minutes: u32, multiplier_percent: u32) -> u64 {
    u64::from(minutes) * 60_000 * u64::from(multiplier_percent) / 100
}

impl ExamClock {
    /// Starts the clock at `reading` with the given limit: the deadline is fixed from here.
    pub fn start(reading: ClockReading, limit_milliseconds: u64) -> Self {
        Self {
            started_wall_milliseconds: reading.wall_milliseconds,
            limit_milliseconds,
            elapsed_milliseconds: 0,
            last: Some(reading),
        }
    }

    /// When the attempt started, wall-clock milliseconds since the epoch.
    pub fn started_wall_milliseconds(&self) -> i64 {
        self.started_wall_milliseconds
    }

    /// The time limit in milliseconds (after any accommodation).
    pub fn limit_milliseconds(&self) -> u64 {
        self.limit_milliseconds
    }

    /// The wall-clock deadline fixed at start, milliseconds since the epoch.
    pub fn deadline_wall_milliseconds(&self) -> i64 {
        deadline_wall_milliseconds(self.started_wall_milliseconds, self.limit_milliseconds)
    }

    /// The elapsed time kept so far.
    pub fn elapsed_milliseconds(&self) -> u64 {
        self.elapsed_milliseconds
    }

    /// Milliseconds left as of the last observation.
    pub fn remaining_milliseconds(&self) -> u64 {
        self.limit_milliseconds
            .saturating_sub(self.elapsed_milliseconds)
    }

    /// Whether the deadline has passed as of the last observation.
    pub fn expired(&self) -> bool {
        self.remaining_milliseconds() == 0
    }

    /// Takes a reading into account and returns the time used and left.
    pub fn observe(&mut self, reading: ClockReading) -> Observation {
        let wall_elapsed = u64::try_from(
            reading
                .wall_milliseconds
                .saturating_sub(self.started_wall_milliseconds),
        )
        .unwrap_or(0);
        let (candidate, jump) = match self.last {
            // Same page load: the monotonic clock measures what passed; the wall clock may
            // add time the monotonic clock missed, never take any away.
            Some(last) if reading.monotonic_milliseconds >= last.monotonic_milliseconds => {
                let monotonic_delta = reading.monotonic_milliseconds - last.monotonic_milliseconds;
                let wall_delta = reading
                    .wall_milliseconds
                    .saturating_sub(last.wall_milliseconds);
                // How far the wall clock fell behind the time that really passed (negative: ran ahead).
                let lag = i128::from(monotonic_delta) - i128::from(wall_delta);
                let tolerance = i128::from(JUMP_TOLERANCE_MILLISECONDS);
                let jump = if lag > tolerance {
                    Some(ClockJump::Backward(u64::try_from(lag).unwrap_or(u64::MAX)))
                } else if -lag > tolerance {
                    Some(ClockJump::Forward(u64::try_from(-lag).unwrap_or(u64::MAX)))
                } else {
                    None
                };
                // Time the monotonic clock missed (sleep) counts up to where the wall clock
                // says the attempt is; a wall clock restored after being moved back so
                // catches up without charging the learner twice.
                (
                    (self.elapsed_milliseconds + monotonic_delta).max(wall_elapsed),
                    jump,
                )
            }
            // A new page load: only the wall clock connects to the start.
            _ => {
                let jump = (wall_elapsed + JUMP_TOLERANCE_MILLISECONDS < self.elapsed_milliseconds)
                    .then(|| ClockJump::Backward(self.elapsed_milliseconds - wall_elapsed));
                (wall_elapsed, jump)
            }
        };
        self.elapsed_milliseconds = self.elapsed_milliseconds.max(candidate);
        self.last = Some(reading);
        Observation {
            elapsed_milliseconds: self.elapsed_milliseconds,
            remaining_milliseconds: self.remaining_milliseconds(),
            jump,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: u64 = 60_000;
    const START: i64 = 1_800_000_000_000;

    fn at(wall_offset: i64, monotonic: u64) -> ClockReading {
        ClockReading {
            wall_milliseconds: START + wall_offset,
            monotonic_milliseconds: monotonic,
        }
    }

    #[test]
    fn accommodations_scale_the_limit_in_integers() {
        assert_eq!(accommodated_limit_milliseconds(75, 100), 75 * MINUTE);
        assert_eq!(
            accommodated_limit_milliseconds(75, 150),
            112 * MINUTE + 30_000
        );
    }

    #[test]
    fn time_passes_with_both_clocks_in_step() {
        let mut clock = ExamClock::start(at(0, 1_000), 10 * MINUTE);
        let observed = clock.observe(at(60_000, 61_000));
        assert_eq!(
            observed,
            Observation {
                elapsed_milliseconds: MINUTE,
                remaining_milliseconds: 9 * MINUTE,
                jump: None
            }
        );
    }

    #[test]
    fn moving_the_wall_clock_back_gives_no_time_and_is_recorded() {
        let mut clock = ExamClock::start(at(0, 0), 10 * MINUTE);
        clock.observe(at(2 * 60_000, 2 * MINUTE));
        let observed = clock.observe(at(2 * 60_000 - 3_600_000, 3 * MINUTE));
        assert_eq!(
            observed.remaining_milliseconds,
            7 * MINUTE,
            "the monotonic minute still counts"
        );
        assert!(matches!(observed.jump, Some(ClockJump::Backward(amount)) if amount >= 3_600_000));
    }

    #[test]
    fn sleep_counts_through_the_wall_clock() {
        let mut clock = ExamClock::start(at(0, 0), 10 * MINUTE);
        // The monotonic clock advanced 1 s while the wall clock advanced 5 minutes.
        let observed = clock.observe(at(5 * 60_000, 1_000));
        assert_eq!(observed.elapsed_milliseconds, 5 * MINUTE);
        assert_eq!(observed.jump, Some(ClockJump::Forward(5 * MINUTE - 1_000)));
    }

    #[test]
    fn a_reload_continues_from_the_wall_clock_and_keeps_what_was_used() {
        let mut clock = ExamClock::start(at(0, 50_000), 10 * MINUTE);
        clock.observe(at(3 * 60_000, 50_000 + 3 * MINUTE));
        // Saved with the attempt, then the page reloads: the monotonic clock restarts.
        let saved = serde_json::to_string(&clock).unwrap();
        let mut reloaded: ExamClock = serde_json::from_str(&saved).unwrap();
        let observed = reloaded.observe(at(4 * 60_000, 200));
        assert_eq!(
            observed.elapsed_milliseconds,
            4 * MINUTE,
            "the minute while the page was closed counts"
        );
        // Reloaded with the wall clock moved back an hour: nothing is given back.
        let mut moved_back: ExamClock = serde_json::from_str(&saved).unwrap();
        let observed = moved_back.observe(at(4 * 60_000 - 3_600_000, 100));
        assert_eq!(observed.elapsed_milliseconds, 3 * MINUTE);
        assert!(matches!(observed.jump, Some(ClockJump::Backward(_))));
    }

    #[test]
    fn the_deadline_is_final() {
        let mut clock = ExamClock::start(at(0, 0), MINUTE);
        assert!(!clock.expired());
        let observed = clock.observe(at(61_000, 61_000));
        assert_eq!(observed.remaining_milliseconds, 0);
        assert!(clock.expired());
        clock.observe(at(0, 61_500));
        assert!(
            clock.expired(),
            "moving the clock back after the deadline reopens nothing"
        );
    }

    proptest! {
        /// For any sequence of readings — wall clock moved back or forward, monotonic
        /// clock restarting as on reloads — remaining time never increases.
        #[test]
        fn remaining_time_never_increases(
            limit in 1u64..(3 * 60 * MINUTE),
            steps in proptest::collection::vec((-7_200_000i64..7_200_000, 0u64..600_000, any::<bool>()), 1..60),
        ) {
            let mut wall = START;
            let mut monotonic = 0u64;
            let mut clock = ExamClock::start(ClockReading { wall_milliseconds: wall, monotonic_milliseconds: monotonic }, limit);
            let mut remaining = clock.remaining_milliseconds();
            for (wall_step, monotonic_step, reload) in steps {
                wall += wall_step;
                monotonic = if reload { monotonic_step } else { monotonic + monotonic_step };
                let observed = clock.observe(ClockReading { wall_milliseconds: wall, monotonic_milliseconds: monotonic });
                prop_assert!(observed.remaining_milliseconds <= remaining);
                prop_assert_eq!(observed.remaining_milliseconds + observed.elapsed_milliseconds.min(limit), limit);
                remaining = observed.remaining_milliseconds;
            }
        }

        /// With both clocks in step and no reloads, the clock measures exactly the time that passed.
        #[test]
        fn in_step_clocks_measure_real_time(steps in proptest::collection::vec(0u64..120_000, 1..40)) {
            let mut clock = ExamClock::start(at(0, 0), 1_000 * MINUTE);
            let mut total = 0u64;
            for step in steps {
                total += step;
                let observed = clock.observe(at(i64::try_from(total).unwrap(), total));
                prop_assert_eq!(observed.elapsed_milliseconds, total);
                prop_assert_eq!(observed.jump, None);
            }
        }
    }
}
