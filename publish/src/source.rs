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
    /// Exams, referenced by id; each one's settings and bank are in `exams/<id>.toml`.
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
    /// The minutes of material planned; the lessons must add up to within
    /// [`crate::MODULE_MINUTES_TOLERANCE_PERCENT`] of it.
    #[serde(default)]
    pub minutes: Option<Spanned<u32>>,
    /// Announced with its minutes and objectives, its lessons not written yet.
    #[serde(default)]
    pub planned: bool,
}

/// One `[[exams]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamReference {
    /// Identifier unique within the course.
    pub id: Spanned<String>,
    /// Title shown to learners.
    pub title: String,
    /// Announced, its bank not written yet: no exam file, never available to learners.
    #[serde(default)]
    pub planned: bool,
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

/// Reports an identifier that is malformed or already used, remembering where each was
/// first used. One registry is one namespace (modules of a course, blocks of a lesson…).
#[derive(Default)]
pub struct IdentifierRegistry {
    first_use: HashMap<String, usize>,
}

impl IdentifierRegistry {
    /// Records `id`, written at `offset` of `file`; reports it when malformed or a
    /// duplicate. `kind` names it in messages ("module", "knowledge check"…). Returns
    /// whether it was new and valid.
    pub fn register(
        &mut self,
        file: &SourceFile,
        kind: &str,
        id: &str,
        offset: usize,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        if !is_valid_identifier(id) {
            diagnostics.at(
                file,
                offset,
                format!("{kind} id {id:?} must be lowercase letters, digits and single hyphens (e.g. \"circular-economy\")"),
            );
            return false;
        }
        if let Some(&earlier) = self.first_use.get(id) {
            let (line, _) = file.line_and_column(earlier);
            diagnostics.at(
                file,
                offset,
                format!("{kind} id {id:?} is used twice; it was first used on line {line}"),
            );
            return false;
        }
        self.first_use.insert(id.to_string(), offset);
        true
    }

    /// [`Self::register`] for an identifier parsed with its span from a TOML document
    /// that starts at `base` in `file`.
    pub fn register_spanned(
        &mut self,
        file: &SourceFile,
        kind: &str,
        id: &Spanned<String>,
        base: usize,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        self.register(
            file,
            kind,
            id.get_ref(),
            base + id.span().start,
            diagnostics,
        )
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
        IdentifierRegistry::default().register_spanned(file, "course", &self.id, 0, diagnostics);
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
        let mut modules = IdentifierRegistry::default();
        let mut lessons = IdentifierRegistry::default();
        for module in &self.modules {
            modules.register_spanned(file, "module", &module.id, 0, diagnostics);
            if module.title.trim().is_empty() {
                diagnostics.at(
                    file,
                    module.id.span().start,
                    format!("module {:?} has an empty title", module.id.get_ref()),
                );
            }
            if module.planned {
                if !module.lessons.is_empty() {
                    diagnostics.at(
                        file,
                        module.id.span().start,
                        format!(
                            "module {:?} is planned but lists lessons; remove `planned = true` once its lessons are written",
                            module.id.get_ref()
                        ),
                    );
                }
                if module.minutes.is_none() {
                    diagnostics.at(
                        file,
                        module.id.span().start,
                        format!(
                            "module {:?} is planned but has no minutes; a planned module carries its planned minutes",
                            module.id.get_ref()
                        ),
                    );
                }
            } else if module.lessons.is_empty() {
                diagnostics.at(
                    file,
                    module.id.span().start,
                    format!(
                        "module {:?} lists no lessons (mark it `planned = true` with its `minutes` until they are written)",
                        module.id.get_ref()
                    ),
                );
            }
            for lesson in &module.lessons {
                lessons.register_spanned(file, "lesson", lesson, 0, diagnostics);
            }
        }
        let mut objectives = IdentifierRegistry::default();
        for objective in &self.objectives {
            objectives.register_spanned(file, "objective", &objective.id, 0, diagnostics);
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
        let mut exams = IdentifierRegistry::default();
        for exam in &self.exams {
            exams.register_spanned(file, "exam", &exam.id, 0, diagnostics);
            if exam.title.trim().is_empty() {
                diagnostics.at(
                    file,
                    exam.id.span().start,
                    format!("exam {:?} has an empty title", exam.id.get_ref()),
                );
            }
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
