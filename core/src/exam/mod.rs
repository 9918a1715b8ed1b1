//! Timed exams: the pure parts of the exam engine. So far the exam clock; assembly,
//! grading and the transcript join it with the exam engine issue.

pub mod assembly;
pub mod clock;
pub mod random;
