//! Canonical JSON bytes (RFC 8785, JCS) for the small documents this crate hashes: objects
//! with sorted keys, strings, integers and booleans, no whitespace. No floats are ever
//! written, which keeps the output identical to JCS without a number serializer.
//!
//! A full JCS implementation over arbitrary JSON arrives with the certificates; this writer
//! stays because the app must hash transcript events without a JSON library in its wasm.

/// A JSON value of the kinds signed documents use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canonical {
    /// A string.
    Text(String),
    /// An integer; keep it within ±2^53 so JavaScript reads it exactly.
    Integer(i64),
    /// A boolean.
    Boolean(bool),
    /// An array, in its own order.
    List(Vec<Canonical>),
    /// An object; keys are sorted when written.
    Object(Vec<(&'static str, Canonical)>),
}

impl Canonical {
    /// The canonical bytes of this value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut output = String::new();
        self.write(&mut output);
        output.into_bytes()
    }

    fn write(&self, output: &mut String) {
        match self {
            Self::Text(text) => write_string(text, output),
            Self::Integer(number) => output.push_str(&number.to_string()),
            Self::Boolean(value) => output.push_str(if *value { "true" } else { "false" }),
            Self::List(items) => {
                output.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        output.push(',');
                    }
                    item.write(output);
                }
                output.push(']');
            }
            Self::Object(members) => {
                // JCS sorts keys by their UTF-16 code units; our keys are ASCII, where
                // that order is plain byte order.
                let mut sorted: Vec<&(&str, Canonical)> = members.iter().collect();
                sorted.sort_unstable_by_key(|(key, _)| *key);
                output.push('{');
                for (index, (key, value)) in sorted.into_iter().enumerate() {
                    if index > 0 {
                        output.push(',');
                    }
                    write_string(key, output);
                    output.push(':');
                    value.write(output);
                }
                output.push('}');
            }
        }
    }
}

/// Writes a JSON string the way ECMAScript's JSON.stringify does (as JCS requires).
fn write_string(text: &str, output: &mut String) {
    output.push('"');
    for character in text.chars() {
        match character {
            '"' => output.push_str("\\\""),
            '\\' => output.push_str("\\\\"),
            '\u{8}' => output.push_str("\\b"),
            '\u{c}' => output.push_str("\\f"),
            '\n' => output.push_str("\\n"),
            '\r' => output.push_str("\\r"),
            '\t' => output.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                output.push_str(&format!("\\u{:04x}", u32::from(control)));
            }
            other => output.push(other),
        }
    }
    output.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_nothing_is_padded() {
        let value = Canonical::Object(vec![
            ("zeta", Canonical::Integer(-3)),
            (
                "alpha",
                Canonical::List(vec![Canonical::Boolean(true), Canonical::Text("x".into())]),
            ),
            (
                "middle",
                Canonical::Object(vec![
                    ("b", Canonical::Integer(2)),
                    ("a", Canonical::Integer(1)),
                ]),
            ),
        ]);
        assert_eq!(
            String::from_utf8(value.to_bytes()).unwrap(),
            r#"{"alpha":[true,"x"],"middle":{"a":1,"b":2},"zeta":-3}"#
        );
    }

    #[test]
    fn strings_escape_as_json_stringify_does() {
        let value =
            Canonical::Text("quote \" backslash \\ newline \n tab \t bell \u{7} é €".into());
        let written = String::from_utf8(value.to_bytes()).unwrap();
        assert_eq!(
            written,
            "\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 é €\""
        );
        // serde_json writes the same bytes for strings, which is what JCS prescribes.
        assert_eq!(
            written,
            serde_json::to_string(&"quote \" backslash \\ newline \n tab \t bell \u{7} é €")
                .unwrap()
        );
    }
}
