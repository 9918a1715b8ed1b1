//! Writing saved progress as JSON text without serde: the app saves progress on every
//! answer and scroll, and serde's encoder (through serde-wasm-bindgen) would be the reader
//! build's only use of serde (bench/budget.toml). Architecture invariant: the text is byte
//! for byte what `serde_json::to_string` writes for the same value, which the tests check,
//! so either side reads what the other wrote; core/src/decode.rs reads it back.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::progress::{LessonProgress, Progress};

/// The JSON text of `progress`, as serde writes it.
pub fn progress_json(progress: &Progress) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\"schema\":");
    number(&mut out, u64::from(progress.schema));
    out.push_str(",\"course\":");
    text(&mut out, &progress.course);
    out.push_str(",\"lessons\":");
    map(&mut out, &progress.lessons, lesson);
    out.push_str(",\"last_lesson\":");
    match &progress.last_lesson {
        Some(last) => text(&mut out, last),
        None => out.push_str("null"),
    }
    out.push_str(",\"seconds_on_task\":");
    number(&mut out, progress.seconds_on_task);
    out.push('}');
    out
}

fn lesson(out: &mut String, lesson: &LessonProgress) {
    out.push_str("{\"reached_end\":");
    out.push_str(if lesson.reached_end { "true" } else { "false" });
    out.push_str(",\"checks\":");
    map(out, &lesson.checks, |out, chosen| {
        out.push('[');
        for (index, option) in chosen.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            number(out, u64::from(*option));
        }
        out.push(']');
    });
    out.push_str(",\"scroll_permille\":");
    number(out, u64::from(lesson.scroll_permille));
    out.push_str(",\"worksheets\":");
    map(out, &lesson.worksheets, |out, fields| {
        map(out, fields, |out, value| text(out, value));
    });
    out.push_str(",\"seconds_on_task\":");
    number(out, lesson.seconds_on_task);
    out.push('}');
}

/// An object from a map, members in key order (a BTreeMap's, as serde writes it).
fn map<T>(out: &mut String, entries: &BTreeMap<String, T>, value: impl Fn(&mut String, &T)) {
    out.push('{');
    for (index, (key, entry)) in entries.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        text(out, key);
        out.push(':');
        value(out, entry);
    }
    out.push('}');
}

fn number(out: &mut String, value: u64) {
    let _ = write!(out, "{value}");
}

/// A JSON string, escaped as serde_json escapes it, which is JSON.stringify's escaping that
/// the canonical writer already implements.
fn text(out: &mut String, value: &str) {
    crate::canonical::write_string(value, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_written_byte_for_byte_as_serde_writes_it() {
        let mut progress = Progress::new("course \"one\"");
        assert_eq!(
            progress_json(&progress),
            serde_json::to_string(&progress).unwrap()
        );
        progress.last_lesson = Some("l2".into());
        progress.seconds_on_task = 9_007_199_254_740_991;
        let mut first = LessonProgress {
            reached_end: true,
            scroll_permille: 1000,
            seconds_on_task: 61,
            ..LessonProgress::default()
        };
        first.checks.insert("c2".into(), vec![0, 255]);
        first.checks.insert("c1".into(), vec![]);
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} unit \u{1f} é 🌍 \u{2028} </script>";
        first
            .worksheets
            .entry("a1".into())
            .or_default()
            .insert("why".into(), tricky.into());
        first
            .worksheets
            .entry("a1".into())
            .or_default()
            .insert("risk".into(), String::new());
        progress.lessons.insert("l1".into(), first);
        progress
            .lessons
            .insert("l0".into(), LessonProgress::default());
        let written = progress_json(&progress);
        assert_eq!(written, serde_json::to_string(&progress).unwrap());
        assert_eq!(
            serde_json::from_str::<Progress>(&written).unwrap(),
            progress
        );
    }
}
