//! The authored course description (course.toml) as parsed, and the checks that keep it publishable.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::PublishError;

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
    /// BCP 47 language tag.
    pub language: String,
    /// Modules in learning order.
    #[serde(default)]
    pub modules: Vec<ModuleSource>,
}

/// One `[[modules]]` table of course.toml.
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
}

/// Identifiers appear in URLs and file names, so they are kept to lowercase ASCII words joined by hyphens.
fn is_valid_identifier(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

impl CourseSource {
    /// Parses course.toml text and checks it, naming `path` and the place of the first problem.
    pub fn parse(path: &Path, text: &str) -> Result<Self, PublishError> {
        let source: Self = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            PublishError::at(path, text, offset, error.message().to_string())
        })?;
        source.check(path, text)?;
        Ok(source)
    }

    fn check(&self, path: &Path, text: &str) -> Result<(), PublishError> {
        let identifier_error = |id: &Spanned<String>, what: &str| {
            PublishError::at(
                path,
                text,
                id.span().start,
                format!(
                    "{what} id {:?} must be lowercase letters, digits and single hyphens (e.g. \"circular-economy\")",
                    id.get_ref()
                ),
            )
        };
        if !is_valid_identifier(self.id.get_ref()) {
            return Err(identifier_error(&self.id, "course"));
        }
        for (field, value) in [
            ("title", &self.title),
            ("version", &self.version),
            ("language", &self.language),
        ] {
            if value.trim().is_empty() {
                return Err(PublishError::at(
                    path,
                    text,
                    0,
                    format!("the course {field} is empty"),
                ));
            }
        }
        if self.modules.is_empty() {
            return Err(PublishError::at(
                path,
                text,
                text.len(),
                "the course has no modules; add at least one [[modules]] table with id and title",
            ));
        }
        let mut first_use: HashMap<&str, usize> = HashMap::new();
        for module in &self.modules {
            let id = module.id.get_ref();
            if !is_valid_identifier(id) {
                return Err(identifier_error(&module.id, "module"));
            }
            if module.title.trim().is_empty() {
                return Err(PublishError::at(
                    path,
                    text,
                    module.id.span().start,
                    format!("module {id:?} has an empty title"),
                ));
            }
            if let Some(&earlier) = first_use.get(id.as_str()) {
                let (earlier_line, _) = crate::line_and_column(text, earlier);
                return Err(PublishError::at(
                    path,
                    text,
                    module.id.span().start,
                    format!(
                        "module id {id:?} is used twice; it was first used on line {earlier_line}"
                    ),
                ));
            }
            first_use.insert(id, module.id.span().start);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_lowercase_hyphenated_words() {
        for good in ["a", "circular-economy", "module-2"] {
            assert!(is_valid_identifier(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Circular", "with space", "a_b", "ünï"] {
            assert!(!is_valid_identifier(bad), "{bad}");
        }
    }
}
