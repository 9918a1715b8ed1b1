//! Publishing real course directories: the stub course, and broken sources whose errors must point at the line to fix.

use std::path::{Path, PathBuf};

use specialist_publish::{COURSE_FILE, compile, publish};

fn course_with(text: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join(COURSE_FILE), text).unwrap();
    directory
}

fn error_for(text: &str) -> String {
    let directory = course_with(text);
    let error = compile(directory.path()).unwrap_err();
    assert_eq!(error.path, directory.path().join(COURSE_FILE));
    let shown = error.to_string();
    shown
        .strip_prefix(&directory.path().display().to_string())
        .unwrap()
        .to_string()
}

const VALID: &str = r#"id = "demo"
version = "1.0.0"
title = "Demo course"
description = "A course."
language = "en"

[[modules]]
id = "first"
title = "First module"

[[modules]]
id = "second"
title = "Second module"
description = "More."
"#;

#[test]
fn the_repository_course_publishes_a_manifest_the_app_can_read() {
    let course = Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
    let output = tempfile::tempdir().unwrap();
    let report = publish(&course, output.path()).unwrap();
    assert!(!report.manifest.title.is_empty());
    assert!(
        report.manifest.modules.len() >= 2,
        "the stub course has two modules"
    );
    let written = std::fs::read_to_string(output.path().join("manifest.json")).unwrap();
    let read_back: specialist_core::manifest::CourseManifest =
        serde_json::from_str(&written).unwrap();
    assert_eq!(read_back, report.manifest);
    assert_eq!(report.files, vec![PathBuf::from("manifest.json")]);
}

#[test]
fn a_valid_course_keeps_module_order_and_fields() {
    let directory = course_with(VALID);
    let manifest = compile(directory.path()).unwrap();
    let ids: Vec<&str> = manifest
        .modules
        .iter()
        .map(|module| module.id.as_str())
        .collect();
    assert_eq!(ids, ["first", "second"]);
    assert_eq!(manifest.modules[1].description, "More.");
    assert_eq!(manifest.title, "Demo course");
}

#[test]
fn a_toml_syntax_error_names_the_line_and_column() {
    let broken = VALID.replace("title = \"First module\"", "title = First module");
    let shown = error_for(&broken);
    assert!(shown.starts_with("/course.toml:9:9: "), "{shown}");
}

#[test]
fn a_duplicate_module_id_names_the_second_use_and_the_first() {
    let broken = VALID.replace("id = \"second\"", "id = \"first\"");
    let shown = error_for(&broken);
    assert!(shown.starts_with("/course.toml:12:6: "), "{shown}");
    assert!(
        shown.contains("\"first\" is used twice; it was first used on line 8"),
        "{shown}"
    );
}

#[test]
fn a_bad_identifier_is_refused_where_it_is_written() {
    let shown = error_for(&VALID.replace("id = \"second\"", "id = \"Second Module\""));
    assert!(
        shown.starts_with("/course.toml:12:6: module id \"Second Module\" must be lowercase"),
        "{shown}"
    );
}

#[test]
fn an_unknown_field_is_refused_rather_than_silently_ignored() {
    let shown = error_for(&VALID.replace(
        "title = \"Demo course\"",
        "title = \"Demo course\"\ntitel = \"typo\"",
    ));
    assert!(shown.starts_with("/course.toml:4:1: "), "{shown}");
    assert!(shown.contains("titel"), "{shown}");
}

#[test]
fn a_missing_title_and_a_course_without_modules_are_explained() {
    let shown = error_for(&VALID.replace("title = \"Demo course\"\n", ""));
    assert!(shown.contains("missing field `title`"), "{shown}");
    let first_module = VALID.find("[[modules]]").unwrap();
    let shown = error_for(&VALID[..first_module]);
    assert!(shown.contains("the course has no modules"), "{shown}");
}

#[test]
fn a_missing_course_directory_says_which_file_could_not_be_read() {
    let error = compile(Path::new("/nonexistent/course")).unwrap_err();
    assert_eq!(
        error.to_string().split(": ").next(),
        Some("/nonexistent/course/course.toml")
    );
    assert!(error.message.starts_with("cannot read the course file"));
}
