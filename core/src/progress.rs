//! A learner's progress through the course: what they did (events), what it means
//! (lesson and course completion, percent, minutes), and where to continue.
//!
//! The app saves [`Progress`] on every change; this module only computes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::manifest::{CourseManifest, LessonSummary};

/// The saved-progress schema this build writes. Stored progress with another schema is
/// treated as unreadable (kept for download), never silently misread.
pub const PROGRESS_SCHEMA: u32 = 1;

/// Everything saved about one learner's study of one course.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Always [`PROGRESS_SCHEMA`] when written by this build.
    pub schema: u32,
    /// The course this progress belongs to.
    pub course: String,
    /// Per lesson, by lesson id.
    pub lessons: BTreeMap<String, LessonProgress>,
    /// The lesson the learner was last on, for resuming.
    pub last_lesson: Option<String>,
    /// Seconds of counted time on task across the course.
    pub seconds_on_task: u64,
}

/// What the learner did in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The learner reached the end of the lesson at least once.
    pub reached_end: bool,
    /// Knowledge check id → the option indexes chosen (last answer).
    pub checks: BTreeMap<String, Vec<u8>>,
    /// How far down the lesson the learner last was, in thousandths of the page.
    pub scroll_permille: u16,
    /// Activity id → field id → what the learner wrote.
    pub worksheets: BTreeMap<String, BTreeMap<String, String>>,
    /// Seconds of counted time on task in this lesson.
    pub seconds_on_task: u64,
}

/// Something the learner did that changes progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// The learner opened a lesson.
    Opened {
        /// The lesson id.
        lesson: String,
    },
    /// The learner scrolled; `permille` is the position in thousandths of the page.
    Scrolled {
        /// The lesson id.
        lesson: String,
        /// 0 (top) to 1000 (bottom).
        permille: u16,
    },
    /// The learner reached the end of the lesson.
    ReachedEnd {
        /// The lesson id.
        lesson: String,
    },
    /// The learner answered a knowledge check.
    Answered {
        /// The lesson id.
        lesson: String,
        /// The check id.
        check: String,
        /// The chosen option indexes.
        choices: Vec<u8>,
    },
    /// The learner typed in a worksheet field.
    WorksheetEdited {
        /// The lesson id.
        lesson: String,
        /// The activity id.
        activity: String,
        /// The field id.
        field: String,
        /// The whole field value.
        value: String,
    },
    /// Counted time on task (see [`crate::time_on_task`]).
    TimeOnTask {
        /// The lesson id.
        lesson: String,
        /// Seconds to add.
        seconds: u64,
    },
}

impl Progress {
    /// Fresh progress for a course.
    pub fn new(course: &str) -> Self {
        Self {
            schema: PROGRESS_SCHEMA,
            course: course.to_string(),
            ..Self::default()
        }
    }

    /// Applies an event. Returns whether anything changed, so the app saves only real changes.
    pub fn apply(&mut self, event: ProgressEvent) -> bool {
        let before = self.clone();
        match event {
            ProgressEvent::Opened { lesson } => {
                self.lessons.entry(lesson.clone()).or_default();
                self.last_lesson = Some(lesson);
            }
            ProgressEvent::Scrolled { lesson, permille } => {
                self.lessons.entry(lesson).or_default().scroll_permille = permille.min(1000);
            }
            ProgressEvent::ReachedEnd { lesson } => {
                self.lessons.entry(lesson).or_default().reached_end = true
            }
            ProgressEvent::Answered {
                lesson,
                check,
                choices,
            } => {
                self.lessons
                    .entry(lesson)
                    .or_default()
                    .checks
                    .insert(check, choices);
            }
            ProgressEvent::WorksheetEdited {
                lesson,
                activity,
                field,
                value,
            } => {
                self.lessons
                    .entry(lesson)
                    .or_default()
                    .worksheets
                    .entry(activity)
                    .or_default()
                    .insert(field, value);
            }
            ProgressEvent::TimeOnTask { lesson, seconds } => {
                self.lessons.entry(lesson).or_default().seconds_on_task += seconds;
                self.seconds_on_task += seconds;
            }
        }
        *self != before
    }

    /// The learner's progress in a lesson, if any.
    pub fn lesson(&self, id: &str) -> Option<&LessonProgress> {
        self.lessons.get(id)
    }
}

/// Whether a knowledge check answer is right: exactly the correct options chosen (an option
/// chosen twice counts once; one that does not exist is never right).
pub fn check_is_correct(correct: &[bool], chosen: &[u8]) -> bool {
    // A flag per option rather than two sets: sets cost the app's wasm a sort and a tree.
    let mut picked = vec![false; correct.len()];
    for index in chosen {
        match picked.get_mut(usize::from(*index)) {
            Some(flag) => *flag = true,
            None => return false,
        }
    }
    picked.contains(&true) && picked == correct
}

/// Where a lesson stands for the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonStatus {
    /// Never opened.
    NotStarted,
    /// Opened but not complete.
    InProgress,
    /// Reached the end with every knowledge check answered.
    Complete,
}

/// A lesson is complete when the learner reached its end and answered all its knowledge checks.
pub fn lesson_status(lesson: &LessonSummary, progress: &Progress) -> LessonStatus {
    match progress.lesson(&lesson.id) {
        None => LessonStatus::NotStarted,
        Some(done)
            if done.reached_end
                && lesson
                    .checks
                    .iter()
                    .all(|check| done.checks.contains_key(check)) =>
        {
            LessonStatus::Complete
        }
        Some(_) => LessonStatus::InProgress,
    }
}

/// The course-level summary shown on the home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseStanding {
    /// Whole percent of the required lessons' minutes that are complete (0–100).
    pub percent: u32,
    /// Minutes of material in completed lessons.
    pub minutes_done: u32,
    /// Minutes of material in lessons not yet complete.
    pub minutes_remaining: u32,
    /// Required lessons complete / required lessons in all.
    pub required_complete: usize,
    /// The number of required lessons.
    pub required_total: usize,
}

/// Sums progress over the course. Percent counts required lessons by their minutes,
/// so a long lesson weighs more than a short one, and planned modules by their planned
/// minutes, not yet done.
pub fn course_standing(manifest: &CourseManifest, progress: &Progress) -> CourseStanding {
    let mut standing = CourseStanding {
        percent: 0,
        minutes_done: 0,
        minutes_remaining: 0,
        required_complete: 0,
        required_total: 0,
    };
    let (mut required_minutes, mut required_done_minutes) = (0u32, 0u32);
    for lesson in manifest.lessons() {
        let complete = lesson_status(lesson, progress) == LessonStatus::Complete;
        if complete {
            standing.minutes_done += lesson.minutes;
        } else {
            standing.minutes_remaining += lesson.minutes;
        }
        if lesson.required {
            standing.required_total += 1;
            required_minutes += lesson.minutes;
            if complete {
                standing.required_complete += 1;
                required_done_minutes += lesson.minutes;
            }
        }
    }
    // A planned module's minutes are still to come: they count as required and not done, so
    // finishing the written modules does not read as finishing the course.
    for module in manifest.modules.iter().filter(|module| module.planned) {
        required_minutes += module.planned_minutes;
        standing.minutes_remaining += module.planned_minutes;
    }
    standing.percent = (required_done_minutes * 100)
        .checked_div(required_minutes)
        .unwrap_or(100);
    standing
}

/// Whether the course's completion rules hold, given the exams the learner has passed.
pub fn course_complete(
    manifest: &CourseManifest,
    progress: &Progress,
    exams_passed: &BTreeSet<String>,
) -> bool {
    let lessons_done = !manifest.completion.all_required_lessons
        || manifest
            .lessons()
            .filter(|lesson| lesson.required)
            .all(|lesson| lesson_status(lesson, progress) == LessonStatus::Complete);
    lessons_done
        && manifest
            .completion
            .exams_passed
            .iter()
            .all(|exam| exams_passed.contains(exam))
}

/// The lesson the Continue button opens: the last lesson while it is unfinished, else the
/// first unfinished lesson after it (wrapping to the start), else the last lesson of the course.
pub fn continue_lesson<'a>(
    manifest: &'a CourseManifest,
    progress: &Progress,
) -> Option<&'a LessonSummary> {
    let lessons: Vec<&LessonSummary> = manifest.lessons().collect();
    let unfinished =
        |lesson: &&&LessonSummary| lesson_status(lesson, progress) != LessonStatus::Complete;
    let start = progress
        .last_lesson
        .as_deref()
        .and_then(|last| lessons.iter().position(|lesson| lesson.id == last))
        .unwrap_or(0);
    lessons[start..]
        .iter()
        .chain(lessons[..start].iter())
        .find(unfinished)
        .or_else(|| lessons.last())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::tests::sample;

    fn opened(lesson: &str) -> ProgressEvent {
        ProgressEvent::Opened {
            lesson: lesson.into(),
        }
    }

    fn finished(progress: &mut Progress, lesson: &str) {
        progress.apply(opened(lesson));
        progress.apply(ProgressEvent::ReachedEnd {
            lesson: lesson.into(),
        });
    }

    #[test]
    fn a_lesson_completes_only_at_its_end_with_every_check_answered() {
        let mut manifest = sample();
        manifest.modules[0].lessons[0].checks = vec!["q1".into(), "q2".into()];
        let lesson = manifest.modules[0].lessons[0].clone();
        let mut progress = Progress::new("sample");
        assert_eq!(lesson_status(&lesson, &progress), LessonStatus::NotStarted);
        progress.apply(opened("a"));
        assert_eq!(lesson_status(&lesson, &progress), LessonStatus::InProgress);
        progress.apply(ProgressEvent::ReachedEnd { lesson: "a".into() });
        progress.apply(ProgressEvent::Answered {
            lesson: "a".into(),
            check: "q1".into(),
            choices: vec![0],
        });
        assert_eq!(
            lesson_status(&lesson, &progress),
            LessonStatus::InProgress,
            "one check is still unanswered"
        );
        progress.apply(ProgressEvent::Answered {
            lesson: "a".into(),
            check: "q2".into(),
            choices: vec![1, 2],
        });
        assert_eq!(lesson_status(&lesson, &progress), LessonStatus::Complete);
    }

    #[test]
    fn standing_weighs_required_lessons_by_minutes() {
        let mut manifest = sample();
        manifest.modules[1].lessons[0].required = false;
        let mut progress = Progress::new("sample");
        finished(&mut progress, "a");
        let standing = course_standing(&manifest, &progress);
        assert_eq!(
            standing.percent, 50,
            "a (10 min) of required a + b (20 min)"
        );
        assert_eq!(
            (standing.minutes_done, standing.minutes_remaining),
            (10, 20)
        );
        assert_eq!(
            (standing.required_complete, standing.required_total),
            (1, 2)
        );
        finished(&mut progress, "b");
        assert_eq!(course_standing(&manifest, &progress).percent, 100);
    }

    #[test]
    fn planned_modules_count_as_minutes_still_to_come() {
        let mut manifest = sample();
        manifest.modules[1].lessons.clear();
        manifest.modules[1].planned = true;
        manifest.modules[1].planned_minutes = 20;
        let mut progress = Progress::new("sample");
        finished(&mut progress, "a");
        finished(&mut progress, "b");
        let standing = course_standing(&manifest, &progress);
        assert_eq!(
            standing.percent, 50,
            "a + b (20 min) of 20 written + 20 planned"
        );
        assert_eq!(
            (standing.minutes_done, standing.minutes_remaining),
            (20, 20)
        );
    }

    #[test]
    fn the_course_completes_when_required_lessons_and_named_exams_are_done() {
        let mut manifest = sample();
        manifest.completion.exams_passed = vec!["exam-1".into()];
        let mut progress = Progress::new("sample");
        for lesson in ["a", "b", "c"] {
            finished(&mut progress, lesson);
        }
        assert!(!course_complete(&manifest, &progress, &BTreeSet::new()));
        assert!(course_complete(
            &manifest,
            &progress,
            &BTreeSet::from(["exam-1".to_string()])
        ));
        progress.lessons.remove("b");
        assert!(!course_complete(
            &manifest,
            &progress,
            &BTreeSet::from(["exam-1".to_string()])
        ));
    }

    #[test]
    fn continue_resumes_the_last_unfinished_lesson_then_moves_on() {
        let manifest = sample();
        let mut progress = Progress::new("sample");
        assert_eq!(continue_lesson(&manifest, &progress).unwrap().id, "a");
        progress.apply(opened("b"));
        assert_eq!(continue_lesson(&manifest, &progress).unwrap().id, "b");
        finished(&mut progress, "b");
        assert_eq!(continue_lesson(&manifest, &progress).unwrap().id, "c");
        finished(&mut progress, "c");
        assert_eq!(
            continue_lesson(&manifest, &progress).unwrap().id,
            "a",
            "wraps to the first unfinished"
        );
        finished(&mut progress, "a");
        assert_eq!(
            continue_lesson(&manifest, &progress).unwrap().id,
            "c",
            "all done: the last lesson"
        );
    }

    #[test]
    fn a_check_is_right_only_with_exactly_the_correct_options() {
        let correct = [true, false, true];
        assert!(check_is_correct(&correct, &[2, 0]));
        assert!(
            check_is_correct(&correct, &[0, 2, 2]),
            "chosen twice counts once"
        );
        assert!(!check_is_correct(&correct, &[0]), "partial");
        assert!(!check_is_correct(&correct, &[0, 1, 2]), "one too many");
        assert!(!check_is_correct(&correct, &[]), "nothing chosen");
        assert!(
            !check_is_correct(&[false, false], &[]),
            "an empty answer is never right"
        );
        assert!(
            !check_is_correct(&correct, &[7]),
            "an index that does not exist"
        );
    }

    #[test]
    fn events_report_whether_they_changed_anything() {
        let mut progress = Progress::new("sample");
        assert!(progress.apply(opened("a")));
        assert!(!progress.apply(opened("a")));
        assert!(progress.apply(ProgressEvent::Scrolled {
            lesson: "a".into(),
            permille: 2000
        }));
        assert_eq!(
            progress.lesson("a").unwrap().scroll_permille,
            1000,
            "clamped to the bottom"
        );
        let edit = ProgressEvent::WorksheetEdited {
            lesson: "a".into(),
            activity: "w".into(),
            field: "f".into(),
            value: "x".into(),
        };
        assert!(progress.apply(edit.clone()));
        assert!(!progress.apply(edit));
        assert!(progress.apply(ProgressEvent::TimeOnTask {
            lesson: "a".into(),
            seconds: 30
        }));
        assert_eq!(
            (
                progress.seconds_on_task,
                progress.lesson("a").unwrap().seconds_on_task
            ),
            (30, 30)
        );
    }
}
