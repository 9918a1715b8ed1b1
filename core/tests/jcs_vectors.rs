//! Proves the canonical writer against the RFC 8785 (JCS) test vectors and a reference implementation.
//!
//! The vectors come from cyberphone/json-canonicalization (see tests/fixtures/VECTORS.md).
//! serde_json_canonicalizer is checked on every vector first, so that the property test
//! below compares core's writer with a reference that is itself known to be right.

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use specialist_core::canonical::{Canonical, MAX_SAFE_INTEGER};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/jcs");

/// Vectors whose input has numbers that are not safe integers. Core refuses them by design
/// (signed documents carry integers only); if this list and the behaviour drift apart, the
/// test fails.
const REJECTED_BY_CORE: &[&str] = &["values.json"];

/// Every vector: its file name, the input text and the exact expected output bytes.
fn vectors() -> Vec<(String, String, Vec<u8>)> {
    let input_directory = Path::new(VECTORS).join("input");
    let mut names: Vec<PathBuf> = fs::read_dir(&input_directory)
        .unwrap_or_else(|error| panic!("{}: {error}", input_directory.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    let vectors: Vec<(String, String, Vec<u8>)> = names
        .into_iter()
        .map(|input| {
            let name = input.file_name().unwrap().to_str().unwrap().to_string();
            let output = Path::new(VECTORS).join("output").join(&name);
            (
                name,
                fs::read_to_string(&input).unwrap(),
                fs::read(&output).unwrap_or_else(|error| panic!("{}: {error}", output.display())),
            )
        })
        .collect();
    assert!(
        vectors.len() >= 6,
        "expected at least 6 JCS vectors in {VECTORS}, found {}",
        vectors.len()
    );
    vectors
}

#[test]
fn the_reference_canonicalizer_reproduces_every_vector() {
    for (name, input, output) in vectors() {
        let value: serde_json::Value = serde_json::from_str(&input).unwrap();
        let written = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&output),
            "{name}"
        );
        assert_eq!(written, output, "{name}");
    }
}

#[test]
fn core_reproduces_every_integer_vector_and_refuses_the_others() {
    let vectors = vectors();
    for rejected in REJECTED_BY_CORE {
        assert!(
            vectors.iter().any(|(name, _, _)| name == rejected),
            "{rejected} is named as rejected but is not among the vectors"
        );
    }
    for (name, input, output) in vectors {
        let read = serde_json::from_str::<Canonical>(&input);
        if REJECTED_BY_CORE.contains(&name.as_str()) {
            let error = read.expect_err(&name).to_string();
            assert!(
                error.contains("is not an integer: signed documents carry integers only"),
                "{name}: {error}"
            );
        } else {
            let value = read.unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(
                String::from_utf8_lossy(&value.to_bytes()),
                String::from_utf8_lossy(&output),
                "{name}"
            );
            assert_eq!(value.to_bytes(), output, "{name}");
        }
    }
}

/// Characters that stress the writer: anything at all, plus extra weight on control
/// characters, the characters JSON escapes, astral characters (surrogate pairs in UTF-16)
/// and the range just below them, where UTF-16 order and byte order part ways.
fn awkward_character() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => proptest::char::range('\0', '\u{1f}'),
        1 => prop_oneof![Just('"'), Just('\\'), Just('/'), Just('\u{7f}')],
        2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
        2 => proptest::char::range('\u{e000}', '\u{ffff}'),
        2 => proptest::char::range('a', 'e'),
    ]
}

fn awkward_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(awkward_character(), 0..6).prop_map(String::from_iter)
}

/// Random nested integer-only JSON values.
fn json_value() -> impl Strategy<Value = Canonical> {
    let leaf = prop_oneof![
        Just(Canonical::Null),
        any::<bool>().prop_map(Canonical::Boolean),
        (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Canonical::Integer),
        prop_oneof![
            Just(0),
            Just(-1),
            Just(MAX_SAFE_INTEGER),
            Just(-MAX_SAFE_INTEGER)
        ]
        .prop_map(Canonical::Integer),
        awkward_string().prop_map(Canonical::Text),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Canonical::List),
            // Canonical::object merges repeated keys, as a JSON map would.
            proptest::collection::vec((awkward_string(), inner), 0..6).prop_map(Canonical::object),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn core_writes_the_same_bytes_as_the_reference(value in json_value()) {
        let reference_input = serde_json::to_value(&value).unwrap();
        let reference = serde_json_canonicalizer::to_vec(&reference_input).unwrap();
        let written = value.to_bytes();
        prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&reference));

        // The canonical text reads back to a value that writes the same bytes.
        let read: Canonical = serde_json::from_slice(&written).unwrap();
        prop_assert_eq!(read.to_bytes(), written);
    }
}
