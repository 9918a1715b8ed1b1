//! The published course manifest: the small document the app fetches first to show the course outline.

use serde::{Deserialize, Serialize};

/// The manifest format this build writes and reads. Bump it when a field changes meaning,
/// so that an app never misreads a bundle published by another version.
pub const MANIFEST_FORMAT: u32 = 1;

/// Where the manifest lives inside the published bundle, relative to index.html.
pub const MANIFEST_PATH: &str = "course/manifest.json";

/// The course outline as published: what the app needs before any lesson is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseManifest {
    /// The manifest format, compared with [`MANIFEST_FORMAT`] on load.
    pub format: u32,
    /// Stable course identifier, e.g. `sustainability-specialization`.
    pub id: String,
    /// The course version as authored (semantic version text).
    pub version: String,
    /// The course title shown to learners.
    pub title: String,
    /// One-paragraph description shown on the course home.
    pub description: String,
    /// BCP 47 language tag of the content, e.g. `en`.
    pub language: String,
    /// Modules in the order learners take them.
    pub modules: Vec<ModuleSummary>,
}

/// One module of the course outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSummary {
    /// Identifier unique within the course; used in routes.
    pub id: String,
    /// The module title shown to learners.
    pub title: String,
    /// A short summary of what the module covers.
    pub description: String,
}

/// Why a fetched manifest cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    /// The bundle was published in a format this app does not read.
    UnsupportedFormat {
        /// The format the manifest declares.
        found: u32,
    },
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnsupportedFormat { found } => write!(
                formatter,
                "{MANIFEST_PATH} has format {found}, but this app reads format {MANIFEST_FORMAT}; \
                 publish the course with the same Specialist version as the app"
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

impl CourseManifest {
    /// Accepts the manifest only when this app can read its format.
    pub fn checked(self) -> Result<Self, ManifestError> {
        if self.format == MANIFEST_FORMAT {
            Ok(self)
        } else {
            Err(ManifestError::UnsupportedFormat { found: self.format })
        }
    }

    /// Finds a module by its identifier.
    pub fn module(&self, id: &str) -> Option<&ModuleSummary> {
        self.modules.iter().find(|module| module.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CourseManifest {
        CourseManifest {
            format: MANIFEST_FORMAT,
            id: "sample".into(),
            version: "1.0.0".into(),
            title: "Sample".into(),
            description: "A sample course.".into(),
            language: "en".into(),
            modules: vec![
                ModuleSummary {
                    id: "one".into(),
                    title: "One".into(),
                    description: String::new(),
                },
                ModuleSummary {
                    id: "two".into(),
                    title: "Two".into(),
                    description: String::new(),
                },
            ],
        }
    }

    #[test]
    fn a_manifest_of_another_format_is_refused_with_both_formats_named() {
        let mut manifest = sample();
        manifest.format = MANIFEST_FORMAT + 1;
        let error = manifest.checked().unwrap_err();
        assert_eq!(
            error,
            ManifestError::UnsupportedFormat {
                found: MANIFEST_FORMAT + 1
            }
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("format {}", MANIFEST_FORMAT + 1)),
            "{message}"
        );
        assert!(
            message.contains(&format!("reads format {MANIFEST_FORMAT}")),
            "{message}"
        );
    }

    #[test]
    fn modules_are_found_by_id_and_unknown_ids_are_none() {
        let manifest = sample().checked().unwrap();
        assert_eq!(
            manifest.module("two").map(|module| module.title.as_str()),
            Some("Two")
        );
        assert!(manifest.module("three").is_none());
    }

    #[test]
    fn the_manifest_round_trips_through_json_unchanged() {
        let manifest = sample();
        let text = serde_json::to_string(&manifest).unwrap();
        let back: CourseManifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, manifest);
    }
}
