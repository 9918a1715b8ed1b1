//! The imperative shell: the only code that touches the browser (web-sys, JS, network).
//! Pages and components call these functions and never reach for web-sys themselves.

pub mod fetch;
pub mod location;
