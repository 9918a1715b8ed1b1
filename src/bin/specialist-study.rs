//! Entry point of the study build, the one a learner's first visit loads (see index.html).

fn main() {
    specialist::start_study();
}
