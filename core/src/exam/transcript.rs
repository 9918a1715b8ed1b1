//! The attempt transcript: an append-only event log in which each event carries the
//! SHA-256 of the previous event's canonical bytes, so removing, reordering or editing an
//! event breaks the chain. The certificates issue signs its head and sends it.

use serde::{Deserialize, Serialize};

use super::clock::{ClockJump, ClockReading};
use super::seal::sha256_hex;
use crate::canonical::Canonical;

/// The `previous` of the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why an attempt was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitReason {
    /// The learner submitted.
    Manual,
    /// Time ran out while the exam was open (or on return to a hidden tab).
    Deadline,
    /// The exam was opened after its deadline had passed.
    OnLoadAfterDeadline,
}

impl SubmitReason {
    /// The name written in the transcript.
    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Deadline => "deadline",
            Self::OnLoadAfterDeadline => "on_load_after_deadline",
        }
    }
}

/// What happened. Saved externally tagged (`{"clock_jump":{…}}`), which deserializes with
/// far less wasm than an internally tagged enum; the hashed form is [`TranscriptEvent::canonical_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The attempt began.
    Started {
        /// The assembly seed.
        seed: u64,
        /// Wall-clock deadline, milliseconds since the epoch.
        deadline: i64,
        /// The time limit after accommodation, milliseconds.
        limit_milliseconds: u64,
        /// The accommodation multiplier in percent (100 = none).
        accommodation_percent: u32,
        /// The question ids in attempt order.
        questions: Vec<String>,
    },
    /// A first answer to a question.
    Answered {
        /// The question id.
        question: String,
        /// The response in [`super::grading::Response::encode`] form.
        response: String,
    },
    /// An answer replaced by another.
    Changed {
        /// The question id.
        question: String,
        /// The new response.
        response: String,
    },
    /// An answer withdrawn.
    Cleared {
        /// The question id.
        question: String,
    },
    /// A flag set or removed.
    Flagged {
        /// The question id.
        question: String,
        /// Whether it is now flagged.
        flagged: bool,
    },
    /// The learner moved to another question (0-based position).
    Navigated {
        /// The position now shown.
        position: u32,
    },
    /// The page was hidden (another tab, minimized, locked screen).
    Hidden,
    /// The page became visible again.
    Visible,
    /// The wall clock disagreed with the monotonic clock.
    ClockJump {
        /// `backward` or `forward`.
        direction: String,
        /// By how much.
        milliseconds: u64,
    },
    /// The attempt ended.
    Submitted {
        /// Why.
        reason: SubmitReason,
    },
}

impl EventKind {
    /// The event for a detected jump.
    pub fn clock_jump(jump: ClockJump) -> Self {
        let (direction, milliseconds) = match jump {
            ClockJump::Backward(milliseconds) => ("backward", milliseconds),
            ClockJump::Forward(milliseconds) => ("forward", milliseconds),
        };
        Self::ClockJump {
            direction: direction.to_string(),
            milliseconds,
        }
    }
}

/// One event with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEvent {
    /// 0-based position.
    pub sequence: u32,
    /// SHA-256 (hex) of the previous event's canonical bytes, or [`GENESIS`].
    pub previous: String,
    /// Wall-clock milliseconds since the epoch.
    pub wall: i64,
    /// Monotonic milliseconds since the page loaded.
    pub monotonic: u64,
    /// What happened.
    pub event: EventKind,
}

fn integer(value: impl TryInto<i64>) -> Canonical {
    Canonical::Integer(value.try_into().unwrap_or(i64::MAX))
}

fn text(value: &str) -> Canonical {
    Canonical::Text(value.to_string())
}

impl TranscriptEvent {
    /// The RFC 8785 bytes that the next event's `previous` hashes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut members = vec![
            ("sequence", integer(self.sequence)),
            ("previous", text(&self.previous)),
            ("wall", integer(self.wall)),
            ("monotonic", integer(self.monotonic)),
        ];
        let (kind, fields): (&str, Vec<(&'static str, Canonical)>) = match &self.event {
            EventKind::Started {
                seed,
                deadline,
                limit_milliseconds,
                accommodation_percent,
                questions,
            } => (
                "started",
                vec![
                    ("seed", integer(*seed)),
                    ("deadline", integer(*deadline)),
                    ("limit_milliseconds", integer(*limit_milliseconds)),
                    ("accommodation_percent", integer(*accommodation_percent)),
                    (
                        "questions",
                        Canonical::List(questions.iter().map(|id| text(id)).collect()),
                    ),
                ],
            ),
            EventKind::Answered { question, response } => (
                "answered",
                vec![("question", text(question)), ("response", text(response))],
            ),
            EventKind::Changed { question, response } => (
                "changed",
                vec![("question", text(question)), ("response", text(response))],
            ),
            EventKind::Cleared { question } => ("cleared", vec![("question", text(question))]),
            EventKind::Flagged { question, flagged } => (
                "flagged",
                vec![
                    ("question", text(question)),
                    ("flagged", Canonical::Boolean(*flagged)),
                ],
            ),
            EventKind::Navigated { position } => {
                ("navigated", vec![("position", integer(*position))])
            }
            EventKind::Hidden => ("hidden", Vec::new()),
            EventKind::Visible => ("visible", Vec::new()),
            EventKind::ClockJump {
                direction,
                milliseconds,
            } => (
                "clock_jump",
                vec![
                    ("direction", text(direction)),
                    ("milliseconds", integer(*milliseconds)),
                ],
            ),
            EventKind::Submitted { reason } => ("submitted", vec![("reason", text(reason.name()))]),
        };
        let mut event = vec![("type", text(kind))];
        event.extend(fields);
        members.push(("event", Canonical::object(event)));
        Canonical::object(members).to_bytes()
    }

    /// SHA-256 (hex) of the canonical bytes.
    pub fn hash(&self) -> String {
        sha256_hex(&self.canonical_bytes())
    }
}

/// Where a transcript's chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenChain {
    /// The first event whose `previous` or `sequence` does not follow.
    pub sequence: usize,
}

/// The append-only log of one attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The events, oldest first.
    pub events: Vec<TranscriptEvent>,
}

impl Transcript {
    /// The hash the next event will carry: the last event's hash, or [`GENESIS`].
    pub fn head(&self) -> String {
        self.events
            .last()
            .map_or_else(|| GENESIS.to_string(), TranscriptEvent::hash)
    }

    /// Appends an event at `reading`.
    pub fn append(&mut self, event: EventKind, reading: ClockReading) {
        let sequence = u32::try_from(self.events.len()).unwrap_or(u32::MAX);
        let previous = self.head();
        self.events.push(TranscriptEvent {
            sequence,
            previous,
            wall: reading.wall_milliseconds,
            monotonic: reading.monotonic_milliseconds,
            event,
        });
    }

    /// Checks that every event follows the one before it.
    pub fn verify(&self) -> Result<(), BrokenChain> {
        let mut previous = GENESIS.to_string();
        for (index, event) in self.events.iter().enumerate() {
            if event.previous != previous || event.sequence as usize != index {
                return Err(BrokenChain { sequence: index });
            }
            previous = event.hash();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(wall: i64) -> ClockReading {
        ClockReading {
            wall_milliseconds: wall,
            monotonic_milliseconds: u64::try_from(wall).unwrap(),
        }
    }

    fn sample() -> Transcript {
        let mut transcript = Transcript::default();
        transcript.append(
            EventKind::Started {
                seed: 42,
                deadline: 60_000,
                limit_milliseconds: 60_000,
                accommodation_percent: 100,
                questions: vec!["q1".into(), "q2".into()],
            },
            at(0),
        );
        transcript.append(
            EventKind::Answered {
                question: "q1".into(),
                response: "choices:2".into(),
            },
            at(1_000),
        );
        transcript.append(EventKind::Hidden, at(2_000));
        transcript.append(
            EventKind::Submitted {
                reason: SubmitReason::Manual,
            },
            at(3_000),
        );
        transcript
    }

    #[test]
    fn each_event_holds_the_hash_of_the_one_before() {
        let transcript = sample();
        assert_eq!(transcript.events[0].previous, GENESIS);
        for pair in transcript.events.windows(2) {
            assert_eq!(pair[1].previous, pair[0].hash());
        }
        assert_eq!(transcript.verify(), Ok(()));
    }

    #[test]
    fn canonical_bytes_are_sorted_compact_json() {
        let transcript = sample();
        assert_eq!(
            String::from_utf8(transcript.events[1].canonical_bytes()).unwrap(),
            format!(
                r#"{{"event":{{"question":"q1","response":"choices:2","type":"answered"}},"monotonic":1000,"previous":"{}","sequence":1,"wall":1000}}"#,
                transcript.events[0].hash()
            )
        );
    }

    #[test]
    fn editing_removing_or_reordering_breaks_the_chain() {
        let mut edited = sample();
        edited.events[1].event = EventKind::Answered {
            question: "q1".into(),
            response: "choices:1".into(),
        };
        assert_eq!(edited.verify(), Err(BrokenChain { sequence: 2 }));

        let mut removed = sample();
        removed.events.remove(2);
        assert_eq!(removed.verify(), Err(BrokenChain { sequence: 2 }));

        let mut reordered = sample();
        reordered.events.swap(1, 2);
        assert_eq!(reordered.verify(), Err(BrokenChain { sequence: 1 }));

        let mut retimed = sample();
        retimed.events[0].wall = 5;
        assert_eq!(retimed.verify(), Err(BrokenChain { sequence: 1 }));
    }
}
