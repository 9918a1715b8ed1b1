//! The imperative shell: the only code that touches the browser (web-sys, JS, storage, network).
//! Pages and components call these functions and never reach for web-sys themselves.

pub mod attempt_lock;
pub mod download;
pub mod fetch;
pub mod issuer_profile;
pub mod lesson_dom;
pub mod lms;
pub mod location;
pub mod service_worker;
pub mod storage;
pub mod time;
pub mod vault;
