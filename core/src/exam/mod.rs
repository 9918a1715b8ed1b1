//! Timed exams: the pure parts of the exam engine — the deadline clock, seeded assembly
//! and grading. The exam format, sealed keys and the transcript join them with the exam
//! engine issue.

pub mod assembly;
pub mod clock;
pub mod grading;
pub mod random;
