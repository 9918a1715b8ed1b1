//! specialist-publish: turns the course as authors write it (course/) into the published bundle files.
//!
//! Runs at build time only (from Trunk's post-build hook and from xtask). Every error
//! names the file, line and column an author has to fix.

mod source;

use std::fmt;
use std::path::{Path, PathBuf};

use specialist_core::manifest::{CourseManifest, MANIFEST_FORMAT, ModuleSummary};

pub use source::CourseSource;

/// The name of the course description file inside a course directory.
pub const COURSE_FILE: &str = "course.toml";

/// A problem an author must fix, located in their source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError {
    /// The file the problem is in.
    pub path: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a place in the file.
    pub column: Option<usize>,
    /// What is wrong, in words an author understands.
    pub message: String,
}

impl fmt::Display for PublishError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
            if let Some(column) = self.column {
                write!(formatter, ":{column}")?;
            }
        }
        write!(formatter, ": {}", self.message)
    }
}

impl std::error::Error for PublishError {}

impl PublishError {
    /// An error about a whole file (it cannot be read or written).
    fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error at a byte offset of a file's text, converted to line and column.
    fn at(path: &Path, text: &str, byte_offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_and_column(text, byte_offset);
        Self {
            path: path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

/// Converts a byte offset into a 1-based line and a 1-based column counted in characters.
fn line_and_column(text: &str, byte_offset: usize) -> (usize, usize) {
    let before = &text[..byte_offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// What a successful publish wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishReport {
    /// The manifest as written.
    pub manifest: CourseManifest,
    /// Every file written, relative to the output directory.
    pub files: Vec<PathBuf>,
}

/// Reads and checks the course in `course_directory` and builds its manifest, without writing anything.
pub fn compile(course_directory: &Path) -> Result<CourseManifest, PublishError> {
    let path = course_directory.join(COURSE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        PublishError::file(&path, format!("cannot read the course file: {error}"))
    })?;
    let source = CourseSource::parse(&path, &text)?;
    Ok(CourseManifest {
        format: MANIFEST_FORMAT,
        id: source.id.into_inner(),
        version: source.version,
        title: source.title,
        description: source.description,
        language: source.language,
        modules: source
            .modules
            .into_iter()
            .map(|module| ModuleSummary {
                id: module.id.into_inner(),
                title: module.title,
                description: module.description,
            })
            .collect(),
    })
}

/// Compiles the course and writes the published files into `output_directory`
/// (created if missing): today the manifest, `manifest.json`.
pub fn publish(
    course_directory: &Path,
    output_directory: &Path,
) -> Result<PublishReport, PublishError> {
    let manifest = compile(course_directory)?;
    std::fs::create_dir_all(output_directory).map_err(|error| {
        PublishError::file(
            output_directory,
            format!("cannot create the output directory: {error}"),
        )
    })?;
    let manifest_path = output_directory.join("manifest.json");
    let json = serde_json::to_string(&manifest).expect("a manifest of strings always serializes");
    std::fs::write(&manifest_path, json).map_err(|error| {
        PublishError::file(
            &manifest_path,
            format!("cannot write the manifest: {error}"),
        )
    })?;
    Ok(PublishReport {
        manifest,
        files: vec![PathBuf::from("manifest.json")],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let text = "first\nsecönd line\nthird";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        let offset_of_d = text.find("d line").unwrap();
        assert_eq!(line_and_column(text, offset_of_d), (2, 6));
        assert_eq!(line_and_column(text, text.len() + 10), (3, 6));
    }

    #[test]
    fn errors_print_as_path_line_column_message() {
        let error = PublishError::at(
            Path::new("course/course.toml"),
            "a\nb = 1",
            2,
            "something is wrong",
        );
        assert_eq!(
            error.to_string(),
            "course/course.toml:2:1: something is wrong"
        );
        let whole_file = PublishError::file(Path::new("course/course.toml"), "cannot read");
        assert_eq!(whole_file.to_string(), "course/course.toml: cannot read");
    }
}
