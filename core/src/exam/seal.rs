//! Sealed keys: the published bundle carries a salted SHA-256 of each question's canonical
//! correct response instead of the response, and grading compares digests. Review material
//! (correct answers, explanations) ships encrypted and is opened after submission.
//!
//! This stops casual reading of the bundle, not a determined learner: a question with four
//! options has four candidate digests to try, and the review cipher's key ships with the
//! exam. The server re-grades every certificate from its transcript (certificates issue).
//!
//! Numeric answers are accepted within a tolerance, so they cannot be hashed as one value.
//! Instead the number line is cut into buckets exactly as wide as the accepted interval,
//! aligned so that the interval is one bucket; the bundle carries the bucket width and
//! alignment ([`NumericGrid`]) and the digest of the right bucket's number. That reveals
//! the answer modulo the interval width, not the answer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::grading::{AnswerKey, Response};

/// Buckets as wide as a numeric question's accepted interval, aligned to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumericGrid {
    /// Bucket width in thousandths: `2 × tolerance + 1`.
    pub step: i64,
    /// Where buckets start, in thousandths, modulo `step`.
    pub offset: i64,
}

impl NumericGrid {
    /// The grid on which `[value − tolerance, value + tolerance]` is exactly one bucket.
    pub fn around(value: i64, tolerance: i64) -> Self {
        let step = i128::from(tolerance.max(0)) * 2 + 1;
        let offset = (i128::from(value) - i128::from(tolerance.max(0))).rem_euclid(step);
        Self {
            step: i64::try_from(step).unwrap_or(i64::MAX),
            offset: i64::try_from(offset).unwrap_or(0),
        }
    }

    /// The bucket holding `value`.
    pub fn bucket(&self, value: i64) -> i128 {
        (i128::from(value) - i128::from(self.offset)).div_euclid(i128::from(self.step.max(1)))
    }
}

fn sorted_list(items: &[u8], sort: bool) -> String {
    let mut items = items.to_vec();
    if sort {
        items.sort_unstable();
        items.dedup();
    }
    items
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Response {
    /// A compact text form for the transcript and for display in tests: `choices:0,2`,
    /// `boolean:true`, `order:2,0,1`, `pairs:1,0`, `number:12500` (thousandths).
    pub fn encode(&self) -> String {
        match self {
            Self::Choices { chosen } => format!("choices:{}", sorted_list(chosen, true)),
            Self::Boolean { value } => format!("boolean:{value}"),
            Self::Order { order } => format!("order:{}", sorted_list(order, false)),
            Self::Pairs { pairs } => format!("pairs:{}", sorted_list(pairs, false)),
            Self::Number { value } => format!("number:{value}"),
        }
    }

    /// Reads [`Response::encode`]'s form back.
    pub fn decode(text: &str) -> Option<Self> {
        let (kind, rest) = text.split_once(':')?;
        let list = || -> Option<Vec<u8>> {
            if rest.is_empty() {
                return Some(Vec::new());
            }
            rest.split(',').map(|item| item.parse().ok()).collect()
        };
        Some(match kind {
            "choices" => Self::Choices { chosen: list()? },
            "boolean" => Self::Boolean {
                value: rest.parse().ok()?,
            },
            "order" => Self::Order { order: list()? },
            "pairs" => Self::Pairs { pairs: list()? },
            "number" => Self::Number {
                value: rest.parse().ok()?,
            },
            _ => return None,
        })
    }

    /// The form that is hashed: [`Response::encode`], except that a number becomes its
    /// bucket on `grid` (numbers without a grid are never right).
    pub fn canonical(&self, grid: Option<&NumericGrid>) -> String {
        match (self, grid) {
            (Self::Number { value }, Some(grid)) => format!("bucket:{}", grid.bucket(*value)),
            (Self::Number { .. }, None) => "number-without-grid".to_string(),
            (other, _) => other.encode(),
        }
    }
}

impl AnswerKey {
    /// The grid a numeric key is graded on; `None` for other types.
    pub fn grid(&self) -> Option<NumericGrid> {
        match self {
            Self::Numeric { value, tolerance } => Some(NumericGrid::around(*value, *tolerance)),
            _ => None,
        }
    }

    /// The one right response, as a learner would give it (a right multiple response is
    /// the set of right options, in any order).
    pub fn right_response(&self) -> Response {
        match self {
            Self::SingleChoice { correct } => Response::Choices {
                chosen: vec![*correct],
            },
            Self::MultipleResponse { correct } => Response::Choices {
                chosen: correct.clone(),
            },
            Self::TrueFalse { correct } => Response::Boolean { value: *correct },
            Self::Ordering { order } => Response::Order {
                order: order.clone(),
            },
            Self::Matching { pairs } => Response::Pairs {
                pairs: pairs.clone(),
            },
            Self::Numeric { value, .. } => Response::Number { value: *value },
        }
    }

    /// The canonical form of the right response, which the seal hashes.
    pub fn canonical(&self) -> String {
        self.right_response().canonical(self.grid().as_ref())
    }
}

/// What the bundle carries instead of a question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// Random salt for this build and question, hex.
    pub salt: String,
    /// SHA-256 over salt bytes and the canonical right response, hex.
    pub digest: String,
}

fn salted_digest(salt: &[u8], canonical: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(canonical.as_bytes());
    to_hex(&hasher.finalize())
}

/// Seals `key` with `salt`.
pub fn seal(key: &AnswerKey, salt: &[u8]) -> Seal {
    Seal {
        salt: to_hex(salt),
        digest: salted_digest(salt, &key.canonical()),
    }
}

/// Whether `response` is the sealed right response. Missing responses are wrong.
pub fn sealed_is_correct(
    seal: &Seal,
    grid: Option<&NumericGrid>,
    response: Option<&Response>,
) -> bool {
    let (Some(response), Some(salt)) = (response, from_hex(&seal.salt)) else {
        return false;
    };
    salted_digest(&salt, &response.canonical(grid)) == seal.digest
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}

/// Bytes from hex; `None` when the text is not hex of whole bytes.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |byte: u8| char::from(byte).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}

/// XORs `data` with a SHA-256 counter-mode keystream of `key` (encrypts and decrypts).
fn apply_keystream(key: &[u8], data: &mut [u8]) {
    for (block_number, block) in data.chunks_mut(32).enumerate() {
        let mut hasher = Sha256::new();
        hasher.update(key);
        hasher.update((block_number as u64).to_be_bytes());
        let stream = hasher.finalize();
        for (byte, mask) in block.iter_mut().zip(stream) {
            *byte ^= mask;
        }
    }
}

/// Encrypts review text with `key`; the result is hex.
pub fn seal_text(key: &[u8], text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    apply_keystream(key, &mut bytes);
    to_hex(&bytes)
}

/// Opens [`seal_text`]'s output; `None` when it is not hex or not text under this key.
pub fn open_text(key_hex: &str, sealed_hex: &str) -> Option<String> {
    let key = from_hex(key_hex)?;
    let mut bytes = from_hex(sealed_hex)?;
    apply_keystream(&key, &mut bytes);
    String::from_utf8(bytes).ok()
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exam::grading::is_correct;
    use proptest::prelude::*;

    fn key_strategy() -> impl Strategy<Value = AnswerKey> {
        prop_oneof![
            (0u8..6).prop_map(|correct| AnswerKey::SingleChoice { correct }),
            proptest::collection::vec(0u8..6, 1..4)
                .prop_map(|correct| AnswerKey::MultipleResponse { correct }),
            any::<bool>().prop_map(|correct| AnswerKey::TrueFalse { correct }),
            Just(vec![0u8, 1, 2, 3])
                .prop_shuffle()
                .prop_map(|order| AnswerKey::Ordering { order }),
            Just(vec![0u8, 1, 2])
                .prop_shuffle()
                .prop_map(|pairs| AnswerKey::Matching { pairs }),
            (-100_000i64..100_000, 0i64..2_000)
                .prop_map(|(value, tolerance)| AnswerKey::Numeric { value, tolerance }),
        ]
    }

    fn response_strategy() -> impl Strategy<Value = Response> {
        prop_oneof![
            proptest::collection::vec(0u8..6, 0..4).prop_map(|chosen| Response::Choices { chosen }),
            any::<bool>().prop_map(|value| Response::Boolean { value }),
            Just(vec![0u8, 1, 2, 3])
                .prop_shuffle()
                .prop_map(|order| Response::Order { order }),
            Just(vec![0u8, 1, 2])
                .prop_shuffle()
                .prop_map(|pairs| Response::Pairs { pairs }),
            (-105_000i64..105_000).prop_map(|value| Response::Number { value }),
        ]
    }

    proptest! {
        /// Sealed grading agrees with grading against the plaintext key, for every type.
        #[test]
        fn sealed_grading_agrees_with_the_plaintext_key(
            key in key_strategy(),
            response in response_strategy(),
            salt in proptest::collection::vec(any::<u8>(), 16),
        ) {
            let sealed = seal(&key, &salt);
            prop_assert_eq!(
                sealed_is_correct(&sealed, key.grid().as_ref(), Some(&response)),
                is_correct(&key, Some(&response))
            );
        }

        /// Every value in the tolerance interval is right and the values just outside are wrong.
        #[test]
        fn the_numeric_bucket_is_exactly_the_accepted_interval(
            value in -1_000_000i64..1_000_000,
            tolerance in 0i64..5_000,
        ) {
            let key = AnswerKey::Numeric { value, tolerance };
            let sealed = seal(&key, b"salt");
            let grid = key.grid();
            let right = |given: i64| sealed_is_correct(&sealed, grid.as_ref(), Some(&Response::Number { value: given }));
            prop_assert!(right(value - tolerance));
            prop_assert!(right(value + tolerance));
            prop_assert!(right(value));
            prop_assert!(!right(value - tolerance - 1));
            prop_assert!(!right(value + tolerance + 1));
        }

        #[test]
        fn responses_survive_their_text_form(response in response_strategy()) {
            let decoded = Response::decode(&response.encode()).unwrap();
            prop_assert_eq!(decoded.encode(), response.encode());
        }
    }

    #[test]
    fn the_seal_hides_the_response_and_depends_on_the_salt() {
        let key = AnswerKey::SingleChoice { correct: 2 };
        let first = seal(&key, b"first salt");
        let second = seal(&key, b"other salt");
        assert_ne!(first.digest, second.digest);
        assert!(!first.digest.contains("choices"));
        assert!(
            !sealed_is_correct(&first, None, None),
            "unanswered is wrong"
        );
    }

    #[test]
    fn review_text_round_trips_and_is_unreadable_sealed() {
        let key = [7u8; 32];
        let text = "Scope 3 covers the value chain — über alles. ".repeat(5);
        let sealed = seal_text(&key, &text);
        assert!(!sealed.contains("Scope"));
        assert_eq!(
            open_text(&to_hex(&key), &sealed).as_deref(),
            Some(text.as_str())
        );
        assert_eq!(open_text(&to_hex(&key), "zz"), None, "not hex");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
        assert_eq!(from_hex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(from_hex("0"), None);
    }
}
