//! Data-driven compiler tests: each folder under tests/cases holds a course `source/` and
//! the `expected/` published files (lesson fragments, glossary, search index, manifest) with
//! content hashes written as `HASH`. Run with `UPDATE_EXPECTED=1` to rewrite the expected
//! files after a deliberate change, then review the diff.

use std::path::{Path, PathBuf};

use specialist_publish::compile;

fn cases_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Replaces every 16-hex-digit content hash in names, and the 64-hex content hash, by `HASH`.
fn without_hashes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < bytes.len() {
        let run = bytes[index..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte))
            .count();
        let starts_word = index == 0 || !bytes[index - 1].is_ascii_alphanumeric();
        let ends_word = bytes
            .get(index + run)
            .is_none_or(|byte| !byte.is_ascii_alphanumeric());
        if (run == 16 || run == 64) && starts_word && ends_word {
            output.push_str("HASH");
            index += run;
        } else {
            let character = text[index..].chars().next().expect("in bounds");
            output.push(character);
            index += character.len_utf8();
        }
    }
    output
}

/// The published files of a case with hashes removed from names and contents; JSON is pretty-printed.
fn published(case: &Path) -> Vec<(String, String)> {
    let published = compile(&case.join("source")).unwrap_or_else(|errors| {
        panic!("{} does not compile: {errors:#?}", case.display());
    });
    published
        .files
        .iter()
        .filter(|(name, _)| !name.starts_with("media/"))
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes.clone()).expect("published text is UTF-8");
            let text = if name.ends_with(".json") {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                serde_json::to_string_pretty(&value).unwrap() + "\n"
            } else {
                text.replace("><", ">\n<") + "\n"
            };
            (without_hashes(name), without_hashes(&text))
        })
        .collect()
}

fn check_case(name: &str) -> Vec<(String, String)> {
    let case = cases_folder().join(name);
    let expected_folder = case.join("expected");
    let files = published(&case);
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    for (file_name, text) in &files {
        let expected_path = expected_folder.join(file_name.replace('/', "__"));
        if update {
            std::fs::write(&expected_path, text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with UPDATE_EXPECTED=1 and review it",
                expected_path.display()
            )
        });
        assert_eq!(
            text,
            &expected,
            "{name}: {file_name} differs from {}",
            expected_path.display()
        );
    }
    let expected_count = std::fs::read_dir(&expected_folder).unwrap().count();
    assert_eq!(
        expected_count,
        files.len(),
        "{name}: expected/ has files the compiler no longer writes"
    );
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files
        .iter()
        .find(|(file_name, _)| file_name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn every_block_compiles_to_the_expected_html_and_manifest() {
    let files = check_case("blocks");
    let html = file(&files, "lessons/every-block-HASH.html");
    // Facts the snapshot must keep, whatever it is regenerated to.
    for needle in [
        r#"<aside class="callout callout-note" role="note">"#,
        r#"<aside class="callout callout-tip" role="note">"#,
        r#"<aside class="callout callout-warning" role="note">"#,
        r#"data-check="single" data-multiple="false""#,
        r#"data-check="several" data-multiple="true""#,
        r#"<details class="reveal-card">"#,
        r#"data-scenario="path" data-start="first""#,
        r#"data-activity="worksheet" data-minutes="5""#,
        r#"alt="A black square" width="10" height="10""#,
        r##"<a class="glossary-term" data-term="term" href="#/glossary/term""##,
        r##"href="#/lessons/second""##,
        r#"href="https://example.org/page" rel="noopener noreferrer""#,
        // Option text is Markdown: inline HTML passes the sanitizer, text is escaped.
        "Wrong <b>&amp;</b>",
    ] {
        assert!(html.contains(needle), "the fragment lacks {needle}");
    }
    let manifest = file(&files, "manifest.json");
    assert!(manifest.contains(
        r#""checks": [
            "single",
            "several"
          ]"#
    ));
}

#[test]
fn hostile_markdown_and_html_are_neutralised() {
    let files = check_case("sanitizer");
    let html = file(&files, "lessons/hostile-HASH.html").to_lowercase();
    for forbidden in [
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "javascript:",
        "data:text",
        "<svg",
        "<set",
        "<animate",
        "<iframe",
        "<form",
        "<input",
        "style=",
    ] {
        assert!(
            !html.contains(forbidden),
            "the fragment still contains {forbidden}:\n{html}"
        );
    }
    assert!(
        html.contains(r#"<a href="https://example.org/" rel="noopener noreferrer">external</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="mailto:team@example.org" rel="noopener noreferrer">mail</a>"#),
        "{html}"
    );
    assert!(
        html.contains("raw html block"),
        "the text of a cleaned element is kept"
    );
}
