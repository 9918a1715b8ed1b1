//! Entry point of the full build, loaded for exams, the certificate, This device and LMS
//! launches (see index.html and `capabilities.rs`).

fn main() {
    specialist::start_full();
}
