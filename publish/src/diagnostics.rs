//! Collecting every problem in a course at once, each located as `path:line:column`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem an author must fix, located in their source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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

/// A source file's path and text, for turning byte offsets into lines and columns.
pub struct SourceFile {
    /// The path as it will be printed.
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// Reads a file, or reports why it cannot be read.
    pub fn read(path: &Path, diagnostics: &mut Diagnostics, what: &str) -> Option<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Some(Self {
                path: path.to_path_buf(),
                text,
            }),
            Err(error) => {
                diagnostics.file(path, format!("cannot read the {what}: {error}"));
                None
            }
        }
    }

    /// Converts a byte offset into a 1-based line and a 1-based column counted in characters.
    pub fn line_and_column(&self, byte_offset: usize) -> (usize, usize) {
        let mut offset = byte_offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The offset of the first line that assigns `key` (`key = …`), or 0.
    pub fn find_key(&self, key: &str) -> usize {
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                return offset + (line.len() - trimmed.len());
            }
            offset += line.len();
        }
        0
    }
}

/// Every problem found so far.
#[derive(Debug, Default)]
pub struct Diagnostics {
    errors: Vec<PublishError>,
}

impl Diagnostics {
    /// A problem at a byte offset of a file.
    pub fn at(&mut self, file: &SourceFile, byte_offset: usize, message: impl Into<String>) {
        let (line, column) = file.line_and_column(byte_offset);
        self.errors.push(PublishError {
            path: file.path.clone(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        });
    }

    /// A problem with a whole file (missing, unreadable, unwritable).
    pub fn file(&mut self, path: &Path, message: impl Into<String>) {
        self.errors.push(PublishError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        });
    }

    /// How many problems were reported so far.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems in file order, then line and column.
    pub fn into_sorted(mut self) -> Vec<PublishError> {
        self.errors.sort();
        self.errors.dedup();
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "course/course.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let source = file("first\nsecönd line\nthird");
        assert_eq!(source.line_and_column(0), (1, 1));
        assert_eq!(source.line_and_column(6), (2, 1));
        assert_eq!(
            source.line_and_column(source.text.find("d line").unwrap()),
            (2, 6)
        );
        assert_eq!(source.line_and_column(source.text.len() + 10), (3, 6));
        // An offset inside a multi-byte character falls back to its start.
        assert_eq!(source.line_and_column(10), (2, 4));
    }

    #[test]
    fn errors_print_as_path_line_column_message_and_sort_by_place() {
        let source = file("a\nb = 1\n");
        let mut diagnostics = Diagnostics::default();
        diagnostics.at(&source, source.find_key("b"), "second");
        diagnostics.at(&source, 0, "first");
        diagnostics.file(Path::new("course/lessons/x.md"), "cannot read");
        let shown: Vec<String> = diagnostics
            .into_sorted()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "course/course.toml:1:1: first",
                "course/course.toml:2:1: second",
                "course/lessons/x.md: cannot read"
            ]
        );
    }
}
