//! Building the search index the app fetches the first time the learner searches.

use specialist_core::search::SearchIndex;

use crate::glossary::Term;
use crate::lesson::CompiledLesson;

/// Builds the index from compiled lessons (in course order) and the glossary.
pub fn build<'a>(lessons: impl Iterator<Item = &'a CompiledLesson>, terms: &[Term]) -> SearchIndex {
    let sections = lessons
        .flat_map(|lesson| {
            lesson
                .sections
                .iter()
                .filter(|section| !section.text.is_empty() || !section.heading.is_empty())
                .map(|section| {
                    (
                        lesson.id.clone(),
                        section.heading.clone(),
                        section
                            .text
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
        })
        .collect();
    let terms = terms
        .iter()
        .map(|term| {
            (
                term.entry.id.clone(),
                term.entry.term.clone(),
                term.definition_text.clone(),
            )
        })
        .collect();
    SearchIndex { sections, terms }
}
