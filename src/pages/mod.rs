//! The app's pages, one per route. Pages read signals, call core and render; browser
//! details go through `crate::platform`.

mod certificate;
mod course_home;
mod exam;
mod glossary_page;
mod lesson_page;
mod module_page;
mod not_found;
mod search_page;
mod settings_page;

pub use certificate::{CertificatePage, VerifierPage};
pub use course_home::CourseHome;
pub use exam::{AttemptPage, ExamPage, PracticePage, ResultsPage};
pub use glossary_page::GlossaryPage;
pub use lesson_page::LessonPage;
pub use module_page::ModulePage;
pub use not_found::NotFound;
pub use search_page::SearchPage;
pub use settings_page::SettingsPage;
