//! The app's pages, one per route. Pages read signals, call core and render; they never touch web-sys.

mod course_home;
mod module_page;
mod not_found;

pub use course_home::CourseHome;
pub use module_page::ModulePage;
pub use not_found::NotFound;
