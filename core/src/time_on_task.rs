//! Time on task: time counts only while the page is visible and the learner has
//! interacted within the last five minutes. Pure: the app passes in every reading.

/// After this long without interaction the learner is taken to be away.
pub const IDLE_AFTER_MILLISECONDS: u64 = 5 * 60 * 1000;

/// Accumulates counted time from a monotonic clock in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOnTask {
    last_interaction: u64,
    last_reading: u64,
    visible: bool,
    counted_milliseconds: u64,
}

impl TimeOnTask {
    /// Starts counting at `now` with the page visible and the learner just arrived.
    pub fn start(now: u64) -> Self {
        Self {
            last_interaction: now,
            last_reading: now,
            visible: true,
            counted_milliseconds: 0,
        }
    }

    /// Counts the time since the last reading that was both visible and within the idle
    /// window. A clock reading earlier than the last one counts nothing.
    fn advance(&mut self, now: u64) {
        if now <= self.last_reading {
            return;
        }
        if self.visible {
            let active_until = (self.last_interaction + IDLE_AFTER_MILLISECONDS).min(now);
            self.counted_milliseconds += active_until.saturating_sub(self.last_reading);
        }
        self.last_reading = now;
    }

    /// The learner did something (scroll, key, pointer, input).
    pub fn interaction(&mut self, now: u64) {
        self.advance(now);
        self.last_interaction = self.last_interaction.max(now);
    }

    /// The page became visible or hidden.
    pub fn visibility(&mut self, now: u64, visible: bool) {
        self.advance(now);
        if visible && !self.visible {
            // Coming back to the page is an interaction.
            self.last_interaction = self.last_interaction.max(now);
        }
        self.visible = visible;
    }

    /// Takes the whole seconds counted so far, keeping the remainder for next time.
    pub fn take_seconds(&mut self, now: u64) -> u64 {
        self.advance(now);
        let seconds = self.counted_milliseconds / 1000;
        self.counted_milliseconds %= 1000;
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1000;
    const MINUTE: u64 = 60 * SECOND;

    #[test]
    fn visible_and_active_time_counts() {
        let mut meter = TimeOnTask::start(0);
        meter.interaction(30 * SECOND);
        assert_eq!(meter.take_seconds(60 * SECOND), 60);
        assert_eq!(
            meter.take_seconds(60 * SECOND),
            0,
            "taken time is not counted twice"
        );
    }

    #[test]
    fn time_stops_five_minutes_after_the_last_interaction() {
        let mut meter = TimeOnTask::start(0);
        assert_eq!(meter.take_seconds(20 * MINUTE), 5 * 60);
        meter.interaction(30 * MINUTE);
        assert_eq!(
            meter.take_seconds(31 * MINUTE),
            60,
            "counting resumes at the interaction, not before"
        );
    }

    #[test]
    fn hidden_time_never_counts() {
        let mut meter = TimeOnTask::start(0);
        meter.visibility(10 * SECOND, false);
        meter.interaction(20 * SECOND);
        assert_eq!(meter.take_seconds(2 * MINUTE), 10);
        meter.visibility(3 * MINUTE, true);
        assert_eq!(meter.take_seconds(3 * MINUTE + 15 * SECOND), 15);
    }

    #[test]
    fn a_clock_going_backwards_counts_nothing_and_breaks_nothing() {
        let mut meter = TimeOnTask::start(10 * SECOND);
        assert_eq!(meter.take_seconds(5 * SECOND), 0);
        assert_eq!(meter.take_seconds(20 * SECOND), 10);
    }

    #[test]
    fn fractions_of_a_second_carry_over() {
        let mut meter = TimeOnTask::start(0);
        assert_eq!(meter.take_seconds(1500), 1);
        assert_eq!(meter.take_seconds(2000), 1);
    }
}
