//! Timed exams: the pure parts of the exam engine — the published exam model with sealed
//! keys, seeded assembly, the deadline clock, grading, the transcript and the attempt
//! state machine. The app saves and renders; everything decided lives here.

pub mod assembly;
pub mod attempt;
pub mod clock;
pub mod display;
pub mod grading;
pub mod published;
pub mod random;
pub mod seal;
pub mod transcript;
