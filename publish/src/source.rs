//! course.toml as authors write it, and the checks that need only that file.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostics, SourceFile};

/// course.toml as an author writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseSource {
    /// Stable identifier of the course.
    pub id: Spanned<String>,
    /// Course version (semantic version text).
    pub version: String,
    /// Title shown to learners.
    pub title: String,
    /// One-paragraph description.
    pub description: String,
    /// Who the course is for.
    #[serde(default)]
    pub audience: String,
    /// BCP 47 language tag.
    pub language: String,
    /// Minutes of material the authors aim for; the published total must be within 2 %.
    pub target_minutes: Spanned<u32>,
    /// Learning objectives.
    #[serde(default)]
    pub objectives: Vec<ObjectiveSource>,
    /// Modules in learning order.
    #[serde(default)]
    pub modules: Vec<ModuleSource>,
    /// Exams, referenced by id; their format belongs to the exam engine.
    #[serde(default)]
    pub exams: Vec<ExamReference>,
    /// What completes the course.
    pub completion: CompletionSource,
}

/// One `[[objectives]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSource {
    /// Identifier unique within the course.
    pub id: Spanned<String>,
    /// The module that owns the objective.
    pub module: Spanned<String>,
    /// What the learner will be able to do.
    pub text: String,
}

/// One `[[modules]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSource {
    /// Identifier unique within the course.
    pub id: Spanned<String>,
    /// Title shown to learners.
    pub title: String,
    /// Short summary.
    #[serde(default)]
    pub description: String,
    /// Lesson identifiers in order; each is the file `lessons/<id>.md`.
    #[serde(default)]
    pub lessons: Vec<Spanned<String>>,
}

/// One `[[exams]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamReference {
    /// Identifier unique within the course.
    pub id: Spanned<String>,
    /// Title shown to learners.
    pub title: String,
}

/// The `[completion]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionSource {
    /// Every required lesson must be complete (lessons are required unless their front matter says `optional = true`).
    pub all_required_lessons: bool,
    /// Exams that must be passed.
    #[serde(default)]
    pub exams_passed: Vec<Spanned<String>>,
}

/// Identifiers appear in URLs and file names, so they are kept to lowercase ASCII words joined by hyphens.
pub fn is_valid_identifier(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// Reports an identifier that is malformed or already used, remembering where each was first used.
pub struct IdentifierRegistry<'a> {
    kind: &'static str,
    first_use: HashMap<String, usize>,
    file: &'a SourceFile,
}

impl<'a> IdentifierRegistry<'a> {
    /// A registry for one kind of identifier (module, lesson, objective…) in one file.
    pub fn new(kind: &'static str, file: &'a SourceFile) -> Self {
        Self {
            kind,
            first_use: HashMap::new(),
            file,
        }
    }

    /// Records `id`; reports it when malformed or a duplicate. Returns whether it was new and valid.
    pub fn register(&mut self, id: &Spanned<String>, diagnostics: &mut Diagnostics) -> bool {
        let offset = id.span().start;
        let value = id.get_ref();
        if !is_valid_identifier(value) {
            diagnostics.at(
                self.file,
                offset,
                format!(
                    "{} id {value:?} must be lowercase letters, digits and single hyphens (e.g. \"circular-economy\")",
                    self.kind
                ),
            );
            return false;
        }
        if let Some(&earlier) = self.first_use.get(value) {
            let (line, _) = self.file.line_and_column(earlier);
            diagnostics.at(
                self.file,
                offset,
                format!(
                    "{} id {value:?} is used twice; it was first used on line {line}",
                    self.kind
                ),
            );
            return false;
        }
        self.first_use.insert(value.clone(), offset);
        true
    }
}

impl CourseSource {
    /// Parses course.toml; on a syntax or shape error reports it and returns `None`.
    pub fn parse(file: &SourceFile, diagnostics: &mut Diagnostics) -> Option<Self> {
        match toml::from_str::<Self>(&file.text) {
            Ok(source) => Some(source),
            Err(error) => {
                let offset = error.span().map_or(0, |span| span.start);
                diagnostics.at(file, offset, error.message().to_string());
                None
            }
        }
    }

    /// Checks what needs only course.toml: identifiers, references between its own tables, required text.
    pub fn check(&self, file: &SourceFile, diagnostics: &mut Diagnostics) {
        IdentifierRegistry::new("course", file).register(&self.id, diagnostics);
        for (field, value) in [
            ("title", &self.title),
            ("version", &self.version),
            ("language", &self.language),
        ] {
            if value.trim().is_empty() {
                diagnostics.at(
                    file,
                    file.find_key(field),
                    format!("the course {field} is empty"),
                );
            }
        }
        if self.modules.is_empty() {
            diagnostics.at(
                file,
                file.text.len(),
                "the course has no modules; add at least one [[modules]] table with id and title",
            );
        }
        let mut modules = IdentifierRegistry::new("module", file);
        let mut lessons = IdentifierRegistry::new("lesson", file);
        for module in &self.modules {
            modules.register(&module.id, diagnostics);
            if module.title.trim().is_empty() {
                diagnostics.at(
                    file,
                    module.id.span().start,
                    format!("module {:?} has an empty title", module.id.get_ref()),
                );
            }
            if module.lessons.is_empty() {
                diagnostics.at(
                    file,
                    module.id.span().start,
                    format!("module {:?} lists no lessons", module.id.get_ref()),
                );
            }
            for lesson in &module.lessons {
                lessons.register(lesson, diagnostics);
            }
        }
        let mut objectives = IdentifierRegistry::new("objective", file);
        for objective in &self.objectives {
            objectives.register(&objective.id, diagnostics);
            if !self
                .modules
                .iter()
                .any(|module| module.id.get_ref() == objective.module.get_ref())
            {
                diagnostics.at(
                    file,
                    objective.module.span().start,
                    format!(
                        "objective {:?} belongs to unknown module {:?}",
                        objective.id.get_ref(),
                        objective.module.get_ref()
                    ),
                );
            }
        }
        let mut exams = IdentifierRegistry::new("exam", file);
        for exam in &self.exams {
            exams.register(&exam.id, diagnostics);
        }
        for exam in &self.completion.exams_passed {
            if !self
                .exams
                .iter()
                .any(|declared| declared.id.get_ref() == exam.get_ref())
            {
                diagnostics.at(
                    file,
                    exam.span().start,
                    format!(
                        "completion requires exam {:?}, which no [[exams]] table declares",
                        exam.get_ref()
                    ),
                );
            }
        }
    }
}

/// Where a lesson's source file lives inside the course folder.
pub fn lesson_path(course_directory: &Path, lesson_id: &str) -> std::path::PathBuf {
    course_directory
        .join("lessons")
        .join(format!("{lesson_id}.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_lowercase_hyphenated_words() {
        for good in ["a", "circular-economy", "module-2"] {
            assert!(is_valid_identifier(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "Circular",
            "with space",
            "a_b",
            "ünï",
            "../x",
        ] {
            assert!(!is_valid_identifier(bad), "{bad}");
        }
    }
}
