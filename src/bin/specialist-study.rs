//! Entry point of the study build, which a visit to any page but a lesson loads first (see
//! index.html and `capabilities.rs`).

fn main() {
    specialist::start_study();
}
