//! Canonical JSON bytes (RFC 8785, JCS) for the integer-only documents this crate hashes and signs.
//!
//! [`Canonical`] is a JSON value without floating-point numbers. Its [`Canonical::to_bytes`]
//! writes the JSON Canonicalization Scheme: no whitespace, strings escaped as ECMAScript's
//! `JSON.stringify` escapes them, object keys sorted by their UTF-16 code units and integers
//! in decimal. Because signed documents carry integers only, JCS's number serialization
//! reduces to plain decimal, so no float formatter is needed and the WebAssembly build of
//! the app stays small.
//!
//! Values come in three ways: built by hand (the transcript does this, because the app must
//! hash events without a JSON library in its wasm), turned from any `serde::Serialize` value
//! by [`to_canonical`], or deserialized from JSON text or a JavaScript value through
//! `serde::Deserialize`. The last two refuse floats and integers that JavaScript cannot hold
//! exactly, so a document that would hash differently in the browser is rejected early.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Deserializer};

/// The largest integer JavaScript holds exactly (2^53 − 1); signed integers stay within ± this.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A JSON value of the kinds signed documents use: everything but floating-point numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canonical {
    /// `null`.
    Null,
    /// A boolean.
    Boolean(bool),
    /// An integer. Keep it within ±[`MAX_SAFE_INTEGER`] so JavaScript reads it exactly;
    /// [`to_canonical`] and deserialization refuse anything outside that range.
    Integer(i64),
    /// A string.
    Text(String),
    /// An array, in its own order.
    List(Vec<Canonical>),
    /// An object; members are kept in the order given and sorted only when written.
    Object(Vec<(String, Canonical)>),
}

impl Canonical {
    /// Builds an object from its members; a key given twice keeps its first position and its
    /// last value, as [`Canonical::insert`] does, so the object never carries a duplicate key.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Canonical)>) -> Self {
        let mut object = Self::Object(Vec::new());
        for (key, value) in members {
            object.insert(key, value);
        }
        object
    }

    /// The value of `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Canonical> {
        self.as_object()?
            .iter()
            .find(|(member, _)| member == key)
            .map(|(_, value)| value)
    }

    /// The string, when this is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The integer, when this is one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Self::Integer(number) => Some(*number),
            _ => None,
        }
    }

    /// The items, when this is an array.
    pub fn as_list(&self) -> Option<&[Canonical]> {
        match self {
            Self::List(items) => Some(items),
            _ => None,
        }
    }

    /// The members in their stored order, when this is an object.
    pub fn as_object(&self) -> Option<&[(String, Canonical)]> {
        match self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Takes `key` out of this object and returns its value; `None` when this is not an
    /// object or has no such key. The other members keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Canonical> {
        let Self::Object(members) = self else {
            return None;
        };
        let position = members.iter().position(|(member, _)| member == key)?;
        Some(members.remove(position).1)
    }

    /// Sets `key` to `value` in this object, replacing the old value in place (which is
    /// returned) or appending a new member.
    ///
    /// # Panics
    ///
    /// When this is not an object: only objects have members, so that is a programming error.
    pub fn insert(&mut self, key: impl Into<String>, value: Canonical) -> Option<Canonical> {
        let Self::Object(members) = self else {
            panic!("Canonical::insert needs an object, but the value is {self:?}");
        };
        let key = key.into();
        match members.iter_mut().find(|(member, _)| *member == key) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                members.push((key, value));
                None
            }
        }
    }

    /// The canonical (RFC 8785) bytes of this value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut output = String::new();
        self.write(&mut output);
        output.into_bytes()
    }

    fn write(&self, output: &mut String) {
        match self {
            Self::Null => output.push_str("null"),
            Self::Boolean(value) => output.push_str(if *value { "true" } else { "false" }),
            Self::Integer(number) => output.push_str(&number.to_string()),
            Self::Text(text) => write_string(text, output),
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
                // JCS sorts keys by their UTF-16 code units, as JavaScript compares strings.
                // That differs from UTF-8 byte order once a key holds characters above
                // U+FFFF next to ones in U+E000..U+FFFF (an emoji sorts before "\u{fb33}").
                let mut sorted: Vec<&(String, Canonical)> = members.iter().collect();
                sorted
                    .sort_by(|(left, _), (right, _)| left.encode_utf16().cmp(right.encode_utf16()));
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

/// Writes a JSON string the way ECMAScript's JSON.stringify does (as JCS requires), which
/// is also how serde_json escapes (encode.rs relies on that).
pub(crate) fn write_string(text: &str, output: &mut String) {
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

/// Why a value could not become a [`Canonical`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError {
    message: String,
}

impl CanonicalError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for CanonicalError {}

impl ser::Error for CanonicalError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(message.to_string())
    }
}

/// The message for an integer that JavaScript would not read exactly.
fn unsafe_integer_message(number: impl fmt::Display) -> String {
    format!(
        "integer {number} is outside ±(2^53−1), the range JavaScript reads exactly: \
         signed documents carry safe integers only"
    )
}

/// The message for a number with a fraction, or one too large to be a safe integer.
fn not_an_integer_message(number: f64) -> String {
    format!("number {number:?} is not an integer: signed documents carry integers only")
}

/// Checks that an integer of any width lies within ±[`MAX_SAFE_INTEGER`].
fn safe_integer(number: i128) -> Result<Canonical, String> {
    if (-i128::from(MAX_SAFE_INTEGER)..=i128::from(MAX_SAFE_INTEGER)).contains(&number) {
        // The range check above makes the narrowing exact.
        Ok(Canonical::Integer(number as i64))
    } else {
        Err(unsafe_integer_message(number))
    }
}

/// Turns any serializable value into a [`Canonical`] without going through JSON text.
///
/// Structs and maps become objects (fields skipped by `skip_serializing_if` are absent),
/// `None` and unit become `null`, enums are externally tagged as serde_json writes them.
/// Floats, byte strings, integers outside ±[`MAX_SAFE_INTEGER`] and maps whose keys are not
/// strings are errors.
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> Result<Canonical, CanonicalError> {
    value.serialize(CanonicalSerializer)
}

/// The serde serializer behind [`to_canonical`].
struct CanonicalSerializer;

impl Serializer for CanonicalSerializer {
    type Ok = Canonical;
    type Error = CanonicalError;
    type SerializeSeq = ListBuilder;
    type SerializeTuple = ListBuilder;
    type SerializeTupleStruct = ListBuilder;
    type SerializeTupleVariant = VariantListBuilder;
    type SerializeMap = ObjectBuilder;
    type SerializeStruct = ObjectBuilder;
    type SerializeStructVariant = VariantObjectBuilder;

    fn serialize_bool(self, value: bool) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Boolean(value))
    }

    fn serialize_i8(self, value: i8) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_i16(self, value: i16) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_i32(self, value: i32) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_i64(self, value: i64) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_i128(self, value: i128) -> Result<Canonical, CanonicalError> {
        safe_integer(value).map_err(CanonicalError::new)
    }

    fn serialize_u8(self, value: u8) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_u16(self, value: u16) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_u32(self, value: u32) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_u64(self, value: u64) -> Result<Canonical, CanonicalError> {
        self.serialize_i128(i128::from(value))
    }

    fn serialize_u128(self, value: u128) -> Result<Canonical, CanonicalError> {
        match i128::try_from(value) {
            Ok(number) => self.serialize_i128(number),
            Err(_) => Err(CanonicalError::new(unsafe_integer_message(value))),
        }
    }

    fn serialize_f32(self, value: f32) -> Result<Canonical, CanonicalError> {
        self.serialize_f64(f64::from(value))
    }

    fn serialize_f64(self, value: f64) -> Result<Canonical, CanonicalError> {
        Err(CanonicalError::new(format!(
            "a floating-point number ({value:?}) was found: signed documents carry integers only"
        )))
    }

    fn serialize_char(self, value: char) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Text(value.to_string()))
    }

    fn serialize_str(self, value: &str) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Text(value.to_string()))
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<Canonical, CanonicalError> {
        Err(CanonicalError::new(
            "a byte string was found: signed documents carry text, so encode bytes first",
        ))
    }

    fn serialize_none(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Canonical, CanonicalError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Text(variant.to_string()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Canonical, CanonicalError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Object(vec![(
            variant.to_string(),
            value.serialize(self)?,
        )]))
    }

    fn serialize_seq(self, length: Option<usize>) -> Result<ListBuilder, CanonicalError> {
        Ok(ListBuilder {
            items: Vec::with_capacity(length.unwrap_or(0)),
        })
    }

    fn serialize_tuple(self, length: usize) -> Result<ListBuilder, CanonicalError> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        length: usize,
    ) -> Result<ListBuilder, CanonicalError> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        length: usize,
    ) -> Result<VariantListBuilder, CanonicalError> {
        Ok(VariantListBuilder {
            variant,
            list: self.serialize_seq(Some(length))?,
        })
    }

    fn serialize_map(self, _length: Option<usize>) -> Result<ObjectBuilder, CanonicalError> {
        Ok(ObjectBuilder::default())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<ObjectBuilder, CanonicalError> {
        Ok(ObjectBuilder::default())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _length: usize,
    ) -> Result<VariantObjectBuilder, CanonicalError> {
        Ok(VariantObjectBuilder {
            variant,
            object: ObjectBuilder::default(),
        })
    }
}

/// Collects the items of a sequence or tuple.
struct ListBuilder {
    items: Vec<Canonical>,
}

impl SerializeSeq for ListBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), CanonicalError> {
        self.items.push(value.serialize(CanonicalSerializer)?);
        Ok(())
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::List(self.items))
    }
}

impl ser::SerializeTuple for ListBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), CanonicalError> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for ListBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        SerializeSeq::end(self)
    }
}

/// Collects a tuple variant's fields, then wraps them as `{"variant": [...]}`.
struct VariantListBuilder {
    variant: &'static str,
    list: ListBuilder,
}

impl ser::SerializeTupleVariant for VariantListBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        SerializeSeq::serialize_element(&mut self.list, value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Object(vec![(
            self.variant.to_string(),
            SerializeSeq::end(self.list)?,
        )]))
    }
}

/// Collects the members of a map or struct, refusing non-string and repeated keys.
#[derive(Default)]
struct ObjectBuilder {
    members: Vec<(String, Canonical)>,
    keys: BTreeSet<String>,
    pending_key: Option<String>,
}

impl ObjectBuilder {
    fn push(&mut self, key: String, value: Canonical) -> Result<(), CanonicalError> {
        // A repeated key can only come from a hand-written Serialize or `flatten`; JCS has no
        // way to write it, so it is refused rather than silently dropped.
        if !self.keys.insert(key.clone()) {
            return Err(CanonicalError::new(format!(
                "the key {key:?} appears twice in one object"
            )));
        }
        self.members.push((key, value));
        Ok(())
    }
}

impl SerializeMap for ObjectBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonicalError> {
        match key.serialize(CanonicalSerializer)? {
            Canonical::Text(text) => {
                self.pending_key = Some(text);
                Ok(())
            }
            other => Err(CanonicalError::new(format!(
                "a map key must serialize to a string, but one serialized to {}",
                String::from_utf8_lossy(&other.to_bytes())
            ))),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| CanonicalError::new("a map value was serialized before its key"))?;
        let value = value.serialize(CanonicalSerializer)?;
        self.push(key, value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Object(self.members))
    }
}

impl ser::SerializeStruct for ObjectBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        let value = value.serialize(CanonicalSerializer)?;
        self.push(key.to_string(), value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Object(self.members))
    }
}

/// Collects a struct variant's fields, then wraps them as `{"variant": {...}}`.
struct VariantObjectBuilder {
    variant: &'static str,
    object: ObjectBuilder,
}

impl ser::SerializeStructVariant for VariantObjectBuilder {
    type Ok = Canonical;
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        ser::SerializeStruct::serialize_field(&mut self.object, key, value)
    }

    fn end(self) -> Result<Canonical, CanonicalError> {
        Ok(Canonical::Object(vec![(
            self.variant.to_string(),
            Canonical::Object(self.object.members),
        )]))
    }
}

/// Lets the server hand a `Canonical` to serde_json (or any other format) unchanged; object
/// members go out in their stored order, since only [`Canonical::to_bytes`] is canonical.
impl Serialize for Canonical {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Boolean(value) => serializer.serialize_bool(*value),
            Self::Integer(number) => serializer.serialize_i64(*number),
            Self::Text(text) => serializer.serialize_str(text),
            Self::List(items) => {
                let mut sequence = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    sequence.serialize_element(item)?;
                }
                sequence.end()
            }
            Self::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// Reads any self-describing format (JSON text through serde_json, a JavaScript value through
/// serde-wasm-bindgen) into a `Canonical`, refusing what a signed document cannot carry.
impl<'de> Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CanonicalVisitor)
    }
}

/// The visitor behind `Canonical`'s `Deserialize`.
struct CanonicalVisitor;

impl<'de> Visitor<'de> for CanonicalVisitor {
    type Value = Canonical;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value whose numbers are all safe integers")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Canonical, E> {
        Ok(Canonical::Boolean(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Canonical, E> {
        safe_integer(i128::from(value)).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Canonical, E> {
        safe_integer(i128::from(value)).map_err(E::custom)
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Canonical, E> {
        safe_integer(value).map_err(E::custom)
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Canonical, E> {
        match i128::try_from(value) {
            Ok(number) => self.visit_i128(number),
            Err(_) => Err(E::custom(unsafe_integer_message(value))),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Canonical, E> {
        // JavaScript's JSON.parse hands every number over as a double, and serde_json reads
        // "56.0" as one, so a double that holds a safe integer exactly is that integer.
        let is_safe_integer =
            value.is_finite() && value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER as f64;
        if is_safe_integer {
            // The checks above make the conversion exact.
            Ok(Canonical::Integer(value as i64))
        } else {
            Err(E::custom(not_an_integer_message(value)))
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Canonical, E> {
        Ok(Canonical::Text(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Canonical, E> {
        Ok(Canonical::Text(value))
    }

    fn visit_none<E: de::Error>(self) -> Result<Canonical, E> {
        Ok(Canonical::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Canonical, E> {
        Ok(Canonical::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Canonical, D::Error> {
        Canonical::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Canonical, D::Error> {
        Canonical::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Canonical, A::Error> {
        let mut items = Vec::with_capacity(sequence.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = sequence.next_element()? {
            items.push(item);
        }
        Ok(Canonical::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Canonical, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            // JSON.parse keeps the last of repeated keys and serde_json refuses them in
            // structs; a signer and a verifier could disagree on which value counts, so
            // a signed document must not have them at all.
            if !keys.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            let value = map.next_value()?;
            members.push((key, value));
        }
        Ok(Canonical::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::de::IntoDeserializer;
    use serde::{Deserialize, Serialize};

    use super::*;

    fn written(value: &Canonical) -> String {
        String::from_utf8(value.to_bytes()).unwrap()
    }

    #[test]
    fn keys_are_sorted_and_nothing_is_padded() {
        let value = Canonical::object([
            ("zeta", Canonical::Integer(-3)),
            (
                "alpha",
                Canonical::List(vec![Canonical::Boolean(true), Canonical::Text("x".into())]),
            ),
            (
                "middle",
                Canonical::object([("b", Canonical::Integer(2)), ("a", Canonical::Integer(1))]),
            ),
            ("nothing", Canonical::Null),
        ]);
        assert_eq!(
            written(&value),
            r#"{"alpha":[true,"x"],"middle":{"a":1,"b":2},"nothing":null,"zeta":-3}"#
        );
    }

    #[test]
    fn strings_escape_as_json_stringify_does() {
        let value =
            Canonical::Text("quote \" backslash \\ newline \n tab \t bell \u{7} é €".into());
        let written = written(&value);
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

    #[test]
    fn keys_sort_by_utf16_code_units_not_by_bytes() {
        // In UTF-8 "\u{fb33}" (EF AC B3) sorts before the emoji (F0 9F 98 82), but in UTF-16
        // the emoji's high surrogate D83D sorts before FB33, and JCS follows UTF-16.
        let value = Canonical::object([
            ("\u{fb33}", Canonical::Integer(1)),
            ("\u{1f602}", Canonical::Integer(2)),
            ("\u{20ac}", Canonical::Integer(3)),
            ("a", Canonical::Integer(4)),
        ]);
        assert_eq!(
            written(&value),
            "{\"a\":4,\"\u{20ac}\":3,\"\u{1f602}\":2,\"\u{fb33}\":1}"
        );
        assert!(
            "\u{fb33}" < "\u{1f602}",
            "byte order would put U+FB33 first"
        );
    }

    #[test]
    fn object_helpers_read_replace_and_remove_members() {
        let mut value = Canonical::object([
            ("name", Canonical::Text("Ada".into())),
            ("age", Canonical::Integer(36)),
            ("tags", Canonical::List(vec![Canonical::Null])),
            ("name", Canonical::Text("Ada Lovelace".into())),
        ]);
        assert_eq!(
            value.as_object().unwrap().len(),
            3,
            "the repeated key was merged"
        );
        assert_eq!(
            value.get("name").and_then(Canonical::as_text),
            Some("Ada Lovelace")
        );
        assert_eq!(value.get("age").and_then(Canonical::as_integer), Some(36));
        assert_eq!(
            value
                .get("tags")
                .and_then(Canonical::as_list)
                .map(<[_]>::len),
            Some(1)
        );
        assert_eq!(value.get("missing"), None);
        assert_eq!(Canonical::Integer(1).get("name"), None);

        assert_eq!(
            value.insert("age", Canonical::Integer(37)),
            Some(Canonical::Integer(36))
        );
        assert_eq!(value.insert("born", Canonical::Integer(1815)), None);
        assert_eq!(
            value.remove("tags"),
            Some(Canonical::List(vec![Canonical::Null]))
        );
        assert_eq!(value.remove("tags"), None);
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .iter()
            .map(|(key, _)| key.as_str())
            .collect();
        assert_eq!(keys, ["name", "age", "born"], "members keep their order");
        assert_eq!(Canonical::Null.remove("name"), None);
    }

    #[test]
    #[should_panic(expected = "needs an object")]
    fn inserting_into_a_non_object_is_a_programming_error() {
        Canonical::List(Vec::new()).insert("key", Canonical::Null);
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Record {
        id: u32,
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        nickname: Option<String>,
        note: Option<String>,
        tags: Vec<String>,
        scores: BTreeMap<String, i64>,
        pair: (i8, char),
        shape: Shape,
        shapes: Vec<Shape>,
        marker: Marker,
        wrapped: Wrapped,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Marker;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Wrapped(u64);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Empty,
        Circle(u16),
        Segment(i32, i32),
        Rectangle { width: u32, height: u32 },
    }

    fn sample_record() -> Record {
        Record {
            id: 7,
            name: "Ada \u{1f602}".into(),
            nickname: None,
            note: None,
            tags: vec!["first".into(), "second".into()],
            scores: BTreeMap::from([("b".into(), -2), ("a".into(), MAX_SAFE_INTEGER)]),
            pair: (-8, 'x'),
            shape: Shape::Rectangle {
                width: 3,
                height: 4,
            },
            shapes: vec![Shape::Empty, Shape::Circle(2), Shape::Segment(-1, 1)],
            marker: Marker,
            wrapped: Wrapped(42),
        }
    }

    #[test]
    fn serializer_round_trips_structs_enums_and_options() {
        let record = sample_record();
        let canonical = to_canonical(&record).unwrap();
        assert_eq!(canonical.get("nickname"), None, "skipped fields are absent");
        assert_eq!(canonical.get("note"), Some(&Canonical::Null));
        assert_eq!(
            canonical.get("shape"),
            Some(&Canonical::object([(
                "rectangle",
                Canonical::object([
                    ("width", Canonical::Integer(3)),
                    ("height", Canonical::Integer(4)),
                ]),
            )]))
        );
        assert_eq!(
            written(canonical.get("shapes").unwrap()),
            r#"["empty",{"circle":2},{"segment":[-1,1]}]"#
        );

        // The serializer agrees with serde_json's data model, and the value reads back.
        let through_canonical = serde_json::to_value(&canonical).unwrap();
        assert_eq!(through_canonical, serde_json::to_value(&record).unwrap());
        let back: Record = serde_json::from_value(through_canonical).unwrap();
        assert_eq!(back, record);

        let with_nickname = Record {
            nickname: Some("Countess".into()),
            ..record
        };
        assert_eq!(
            to_canonical(&with_nickname).unwrap().get("nickname"),
            Some(&Canonical::Text("Countess".into()))
        );
    }

    #[test]
    fn json_text_reads_back_to_the_same_value() {
        let canonical = to_canonical(&sample_record()).unwrap();
        let bytes = canonical.to_bytes();
        let read: Canonical = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(read.to_bytes(), bytes);
    }

    #[test]
    fn floats_are_refused_naming_the_problem() {
        let error = to_canonical(&1.5_f64).unwrap_err().to_string();
        assert!(error.contains("floating-point number (1.5)"), "{error}");
        assert!(error.contains("integers only"), "{error}");
        // Even a float that holds an integer: the type says it could hold a fraction.
        assert!(to_canonical(&vec![2.0_f32]).is_err());

        let error = serde_json::from_str::<Canonical>(r#"{"score": 0.5}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("number 0.5 is not an integer: signed documents carry integers only"),
            "{error}"
        );
        let error = serde_json::from_str::<Canonical>("1e30")
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not an integer"), "{error}");
    }

    #[test]
    fn integral_doubles_read_as_integers() {
        // JavaScript hands every number over as a double.
        let read: Canonical = serde_json::from_str("[56.0, -9007199254740991.0]").unwrap();
        assert_eq!(
            read,
            Canonical::List(vec![
                Canonical::Integer(56),
                Canonical::Integer(-MAX_SAFE_INTEGER)
            ])
        );
        let deserializer: de::value::F64Deserializer<de::value::Error> =
            9_007_199_254_740_992.0_f64.into_deserializer();
        assert!(Canonical::deserialize(deserializer).is_err());
    }

    #[test]
    fn unsafe_integers_are_refused() {
        assert_eq!(
            to_canonical(&MAX_SAFE_INTEGER).unwrap(),
            Canonical::Integer(MAX_SAFE_INTEGER)
        );
        assert_eq!(
            to_canonical(&-MAX_SAFE_INTEGER).unwrap(),
            Canonical::Integer(-MAX_SAFE_INTEGER)
        );
        for error in [
            to_canonical(&(MAX_SAFE_INTEGER + 1)).unwrap_err(),
            to_canonical(&-(MAX_SAFE_INTEGER + 1)).unwrap_err(),
            to_canonical(&u64::MAX).unwrap_err(),
            to_canonical(&u128::MAX).unwrap_err(),
            to_canonical(&i128::MIN).unwrap_err(),
        ] {
            assert!(error.to_string().contains("outside ±(2^53−1)"), "{error}");
        }
        for text in [
            "9007199254740992",
            "-9007199254740992",
            "18446744073709551615",
        ] {
            let error = serde_json::from_str::<Canonical>(text)
                .unwrap_err()
                .to_string();
            assert!(error.contains("outside ±(2^53−1)"), "{text}: {error}");
        }
    }

    #[test]
    fn bytes_and_non_string_keys_are_refused() {
        struct Bytes;
        impl Serialize for Bytes {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(b"raw")
            }
        }
        assert!(
            to_canonical(&Bytes)
                .unwrap_err()
                .to_string()
                .contains("byte string")
        );

        let numbered = BTreeMap::from([(1, "one")]);
        let error = to_canonical(&numbered).unwrap_err().to_string();
        assert!(
            error.contains("map key must serialize to a string"),
            "{error}"
        );

        let keyed_by_variant = BTreeMap::from([(SubmitKey::Manual, 1)]);
        assert_eq!(
            to_canonical(&keyed_by_variant).unwrap(),
            Canonical::object([("Manual", Canonical::Integer(1))])
        );
    }

    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
    enum SubmitKey {
        Manual,
    }

    #[test]
    fn repeated_keys_are_refused_when_read() {
        let error = serde_json::from_str::<Canonical>(r#"{"a": 1, "b": 2, "a": 3}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("the key \"a\" appears twice"), "{error}");
    }

    #[test]
    fn objects_read_in_their_written_order() {
        let read: Canonical = serde_json::from_str(r#"{"b": 1, "a": [true, null, "x"]}"#).unwrap();
        assert_eq!(
            read,
            Canonical::Object(vec![
                ("b".into(), Canonical::Integer(1)),
                (
                    "a".into(),
                    Canonical::List(vec![
                        Canonical::Boolean(true),
                        Canonical::Null,
                        Canonical::Text("x".into())
                    ])
                ),
            ])
        );
        assert_eq!(written(&read), r#"{"a":[true,null,"x"],"b":1}"#);
    }
}
