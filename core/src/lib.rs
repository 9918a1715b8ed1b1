//! specialist-core: the pure domain of Specialist, shared by the app, the server, the publisher and xtask.
//!
//! Architecture invariant: nothing in this crate performs IO, reads a clock or draws
//! randomness. Time and seeds come in as arguments, so every rule here is a plain
//! function that a unit test can pin down. `tests/architecture.rs` fails the build
//! if the dependency tree gains a web, async-runtime or IO crate.

pub mod backup;
pub mod canonical;
pub mod certificate;
pub mod cmi5;
pub mod config;
pub mod decode;
pub mod encode;
pub mod exam;
pub mod lms;
pub mod manifest;
pub mod outbox;
pub mod progress;
pub mod proof;
pub mod search;
pub mod suspend_data;
pub mod time_on_task;
pub mod timestamp;
