//! Writing a published course to disk, and the errors course.toml problems give.

use specialist_publish::{COURSE_FILE, compile, publish};

fn error_lines(course_toml: &str) -> Vec<String> {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join(COURSE_FILE), course_toml).unwrap();
    let prefix = format!("{}/", directory.path().display());
    compile(directory.path())
        .expect_err("the course must not compile")
        .iter()
        .map(|error| error.to_string().strip_prefix(&prefix).unwrap().to_string())
        .collect()
}

#[test]
fn publishing_writes_the_manifest_and_every_hashed_file() {
    let course = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
    let output = tempfile::tempdir().unwrap();
    let published = publish(&course, output.path()).unwrap();
    for (name, bytes) in &published.files {
        assert_eq!(
            &std::fs::read(output.path().join(name)).unwrap(),
            bytes,
            "{name}"
        );
    }
    let written = std::fs::read_to_string(output.path().join("manifest.json")).unwrap();
    let read_back: specialist_core::manifest::CourseManifest =
        serde_json::from_str(&written).unwrap();
    assert_eq!(read_back, published.manifest);
}

#[test]
fn a_toml_syntax_error_names_its_line_and_column() {
    assert_eq!(
        error_lines("id = \"x\"\ntitle = broken\n"),
        ["course.toml:2:9: string values must be quoted, expected literal string"]
    );
}

#[test]
fn a_missing_field_and_an_unknown_field_are_refused() {
    let missing = error_lines("id = \"x\"\n");
    assert_eq!(missing.len(), 1);
    assert!(missing[0].contains("missing field"), "{missing:?}");
    let unknown = error_lines("id = \"x\"\ntitel = \"typo\"\n");
    assert!(
        unknown[0].starts_with("course.toml:2:1: unknown field `titel`"),
        "{unknown:?}"
    );
}

#[test]
fn a_missing_course_file_is_named() {
    let directory = tempfile::tempdir().unwrap();
    let errors = compile(directory.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .contains("course.toml: cannot read the course file"),
        "{}",
        errors[0]
    );
}
