//! The published course manifest: the small document the app fetches first, with the
//! course structure, titles, minutes, objectives and the names of the content files.

use serde::{Deserialize, Serialize};

/// The manifest format this build writes and reads. Bump it when a field changes meaning,
/// so that an app never misreads a bundle published by another version.
pub const MANIFEST_FORMAT: u32 = 1;

/// Where the manifest lives inside the published bundle, relative to index.html.
pub const MANIFEST_PATH: &str = "course/manifest.json";

/// The folder of the published course inside the bundle; file names in the manifest are relative to it.
pub const COURSE_FOLDER: &str = "course/";

/// The course outline as published: what the app needs before any lesson is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseManifest {
    /// The manifest format, compared with [`MANIFEST_FORMAT`] on load.
    pub format: u32,
    /// Stable course identifier, e.g. `sustainability-specialization`.
    pub id: String,
    /// The course version as authored (semantic version text).
    pub version: String,
    /// SHA-256 (hex) over every published content file, so a certificate can name the exact content.
    pub content_hash: String,
    /// The course title shown to learners.
    pub title: String,
    /// One-paragraph description shown on the course home.
    pub description: String,
    /// Who the course is for.
    pub audience: String,
    /// BCP 47 language tag of the content, e.g. `en`.
    pub language: String,
    /// The minutes of material the authors aim for.
    pub target_minutes: u32,
    /// The minutes of material published: the sum of every lesson's minutes.
    pub total_minutes: u32,
    /// Learning objectives, each owned by a module.
    pub objectives: Vec<Objective>,
    /// Modules in the order learners take them.
    pub modules: Vec<ModuleSummary>,
    /// The course's exams, in order.
    pub exams: Vec<ExamSummary>,
    /// What a learner must do to complete the course.
    pub completion: CompletionRules,
    /// The glossary file, relative to [`COURSE_FOLDER`].
    pub glossary_file: String,
    /// The search index file, relative to [`COURSE_FOLDER`].
    pub search_file: String,
}

/// A learning objective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// Identifier unique within the course.
    pub id: String,
    /// The module that owns it.
    pub module: String,
    /// What the learner will be able to do.
    pub text: String,
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
    /// The sum of its lessons' minutes; for a planned module, its planned minutes.
    pub minutes: u32,
    /// The minutes course.toml plans for it (0 when it plans none).
    #[serde(default)]
    pub planned_minutes: u32,
    /// A module announced with its minutes and objectives whose lessons are not written yet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
    /// Lessons in order (none while planned).
    pub lessons: Vec<LessonSummary>,
}

/// What the outline knows of a lesson before its content is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonSummary {
    /// Identifier unique within the course; used in routes.
    pub id: String,
    /// The lesson title.
    pub title: String,
    /// The content-hashed HTML fragment, relative to [`COURSE_FOLDER`].
    pub file: String,
    /// Reading time from the word count at 180 words per minute.
    pub reading_minutes: u32,
    /// The sum of the lesson's activities' minutes.
    pub activity_minutes: u32,
    /// Reading plus activities.
    pub minutes: u32,
    /// Objective identifiers this lesson teaches.
    pub objectives: Vec<String>,
    /// Whether the course completion rules require this lesson.
    pub required: bool,
    /// Identifiers of the knowledge checks in the lesson; all must be answered to complete it.
    pub checks: Vec<String>,
    /// The activities of the lesson.
    pub activities: Vec<ActivitySummary>,
}

/// An activity (timed worksheet) of a lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySummary {
    /// Identifier unique within the lesson.
    pub id: String,
    /// The activity title.
    pub title: String,
    /// The minutes it is planned to take.
    pub minutes: u32,
}

/// An exam as the outline knows it; its bank and rules are in its own file, fetched when
/// the exam page opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamSummary {
    /// Identifier unique within the course.
    pub id: String,
    /// The exam title.
    pub title: String,
    /// The content-hashed exam file (a `PublishedExam`), relative to [`COURSE_FOLDER`].
    pub file: String,
    /// Questions in each attempt.
    pub question_count: u32,
    /// The time limit before any accommodation.
    pub time_limit_minutes: u32,
    /// The pass mark in percent.
    pub pass_mark_percent: u32,
    /// How many attempts a learner has (an LMS is told "failed" once all are used).
    #[serde(default)]
    pub attempts_allowed: u32,
    /// An exam whose bank is not written yet: listed, never available to learners.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
}

/// A glossary term as published in the glossary file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryEntry {
    /// Identifier used in `glossary:<id>` links.
    pub id: String,
    /// The term as shown.
    pub term: String,
    /// The definition as sanitized HTML.
    pub definition_html: String,
}

/// The course completion rules from course.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRules {
    /// Every lesson marked required must be complete.
    pub all_required_lessons: bool,
    /// These exams must be passed.
    pub exams_passed: Vec<String>,
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

    /// Every lesson in course order.
    pub fn lessons(&self) -> impl Iterator<Item = &LessonSummary> {
        self.modules.iter().flat_map(|module| module.lessons.iter())
    }

    /// Finds a lesson and its module by the lesson's identifier.
    pub fn lesson(&self, id: &str) -> Option<(&ModuleSummary, &LessonSummary)> {
        self.modules.iter().find_map(|module| {
            module
                .lessons
                .iter()
                .find(|lesson| lesson.id == id)
                .map(|lesson| (module, lesson))
        })
    }

    /// The lessons before and after `id` in course order, for previous/next navigation.
    pub fn neighbours(&self, id: &str) -> (Option<&LessonSummary>, Option<&LessonSummary>) {
        let lessons: Vec<&LessonSummary> = self.lessons().collect();
        match lessons.iter().position(|lesson| lesson.id == id) {
            Some(index) => (
                index.checked_sub(1).map(|before| lessons[before]),
                lessons.get(index + 1).copied(),
            ),
            None => (None, None),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn lesson(id: &str, minutes: u32) -> LessonSummary {
        LessonSummary {
            id: id.into(),
            title: id.to_uppercase(),
            file: format!("lessons/{id}-0123456789abcdef.html"),
            reading_minutes: minutes,
            activity_minutes: 0,
            minutes,
            objectives: vec![],
            required: true,
            checks: vec![],
            activities: vec![],
        }
    }

    /// A two-module, three-lesson manifest for tests across core.
    pub(crate) fn sample() -> CourseManifest {
        CourseManifest {
            format: MANIFEST_FORMAT,
            id: "sample".into(),
            version: "1.0.0".into(),
            content_hash: "00".repeat(32),
            title: "Sample".into(),
            description: "A sample course.".into(),
            audience: "Testers".into(),
            language: "en".into(),
            target_minutes: 30,
            total_minutes: 30,
            objectives: vec![],
            modules: vec![
                ModuleSummary {
                    id: "one".into(),
                    title: "One".into(),
                    description: String::new(),
                    minutes: 20,
                    planned_minutes: 0,
                    planned: false,
                    lessons: vec![lesson("a", 10), lesson("b", 10)],
                },
                ModuleSummary {
                    id: "two".into(),
                    title: "Two".into(),
                    description: String::new(),
                    minutes: 10,
                    planned_minutes: 0,
                    planned: false,
                    lessons: vec![lesson("c", 10)],
                },
            ],
            exams: vec![],
            completion: CompletionRules {
                all_required_lessons: true,
                exams_passed: vec![],
            },
            glossary_file: "glossary-0123456789abcdef.json".into(),
            search_file: "search-0123456789abcdef.json".into(),
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
    fn modules_and_lessons_are_found_by_id_and_unknown_ids_are_none() {
        let manifest = sample().checked().unwrap();
        assert_eq!(
            manifest.module("two").map(|module| module.title.as_str()),
            Some("Two")
        );
        assert!(manifest.module("three").is_none());
        let (module, lesson) = manifest.lesson("c").unwrap();
        assert_eq!((module.id.as_str(), lesson.title.as_str()), ("two", "C"));
        assert!(manifest.lesson("z").is_none());
    }

    #[test]
    fn neighbours_cross_module_boundaries_and_stop_at_the_ends() {
        let manifest = sample();
        let ids = |(before, after): (Option<&LessonSummary>, Option<&LessonSummary>)| {
            (
                before.map(|lesson| lesson.id.clone()),
                after.map(|lesson| lesson.id.clone()),
            )
        };
        assert_eq!(ids(manifest.neighbours("a")), (None, Some("b".into())));
        assert_eq!(
            ids(manifest.neighbours("b")),
            (Some("a".into()), Some("c".into()))
        );
        assert_eq!(ids(manifest.neighbours("c")), (Some("b".into()), None));
        assert_eq!(ids(manifest.neighbours("unknown")), (None, None));
    }

    #[test]
    fn the_manifest_round_trips_through_json_unchanged() {
        let manifest = sample();
        let text = serde_json::to_string(&manifest).unwrap();
        let back: CourseManifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, manifest);
    }
}
