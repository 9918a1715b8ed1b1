//! Entry point of the reader build, the one a first visit to a lesson loads (see index.html
//! and `capabilities.rs`).

fn main() {
    specialist::start_reader();
}
