//! Entry point of the Specialist app: installs the panic hook and mounts the root component.

mod app;
mod components;
mod lms;
mod outbox;
mod pages;
mod platform;
mod route;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
