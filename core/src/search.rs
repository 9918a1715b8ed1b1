//! Course search: the published index and the as-you-type query over it.

use serde::{Deserialize, Serialize};

/// The published search index. Arrays instead of objects keep field names out of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchIndex {
    /// `(lesson id, section heading, section text)` in course order.
    pub sections: Vec<(String, String, String)>,
    /// `(term id, term, definition text)`.
    pub terms: Vec<(String, String, String)>,
}

/// An index with every text folded once, when it loads: folding the whole course again on
/// every keystroke was most of a keystroke's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedIndex {
    index: SearchIndex,
    /// Each section's text, folded, in the index's order.
    sections: Vec<String>,
    /// Each term's name and definition, folded, in the index's order.
    terms: Vec<(String, String)>,
}

impl PreparedIndex {
    /// Folds every text of `index` once.
    pub fn new(index: SearchIndex) -> Self {
        let sections = index
            .sections
            .iter()
            .map(|(_, _, text)| fold(text))
            .collect();
        let terms = index
            .terms
            .iter()
            .map(|(_, name, definition)| (fold(name), fold(definition)))
            .collect();
        Self {
            index,
            sections,
            terms,
        }
    }
}

/// Where a result leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitTarget {
    /// A lesson section.
    Lesson {
        /// The lesson id.
        lesson: String,
        /// The section heading (empty before the first heading).
        heading: String,
    },
    /// A glossary term.
    Term {
        /// The term id.
        term: String,
        /// The term as shown.
        name: String,
    },
}

/// One search result with a snippet around the first match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Where the result leads.
    pub target: HitTarget,
    /// Text before the match (with a leading ellipsis when cut).
    pub before: String,
    /// The matched text as written.
    pub matched: String,
    /// Text after the match (with a trailing ellipsis when cut).
    pub after: String,
    /// How many times the query occurs in this result's text.
    pub occurrences: usize,
}

/// Characters of context shown on each side of a match.
const CONTEXT: usize = 60;
/// The fewest characters worth searching for.
pub const MINIMUM_QUERY: usize = 2;

/// Lowercases for matching, keeping every character's byte length (so offsets found in
/// the folded text are offsets in the original). Folds ASCII and the Latin-1 letters
/// (À–Þ), which covers the languages courses are written in today; the full Unicode case
/// tables would add about 8 KB to the wasm for scripts no course uses yet.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|character| match character {
            'A'..='Z' => character.to_ascii_lowercase(),
            'À'..='Þ' if character != '×' => {
                char::from_u32(u32::from(character) + 32).unwrap_or(character)
            }
            _ => character,
        })
        .collect()
}

fn snippet(text: &str, start: usize, length: usize) -> (String, String, String) {
    let mut from = start.saturating_sub(CONTEXT);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (start + length + CONTEXT).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    // Cut at word boundaries so the snippet does not start or end mid-word.
    if from > 0
        && let Some(space) = text[from..start].find(' ')
    {
        from += space + 1;
    }
    if to < text.len()
        && let Some(space) = text[start + length..to].rfind(' ')
    {
        to = start + length + space;
    }
    let before = format!("{}{}", if from > 0 { "…" } else { "" }, &text[from..start]);
    let after = format!(
        "{}{}",
        &text[start + length..to],
        if to < text.len() { "…" } else { "" }
    );
    (before, text[start..start + length].to_string(), after)
}

/// Finds `query` (case-insensitive) in every section and term. Results: terms whose name
/// matches first, then lesson sections by how often the query occurs, then course order;
/// one result per lesson (its best section).
pub fn search(prepared: &PreparedIndex, query: &str) -> Vec<Hit> {
    let index = &prepared.index;
    let needle = fold(query.trim());
    if needle.chars().count() < MINIMUM_QUERY {
        return Vec::new();
    }
    // Folding keeps every byte offset, so a match in the folded text is one in the original.
    let find = |folded: &str| -> Option<(usize, usize)> {
        let first = folded.find(&needle)?;
        Some((first, folded.matches(&needle).count()))
    };
    let mut term_hits = Vec::new();
    for ((id, name, definition), (folded_name, folded_definition)) in
        index.terms.iter().zip(&prepared.terms)
    {
        let in_name = find(folded_name);
        let in_definition = find(folded_definition);
        let (text, (start, _)) = match (in_name, in_definition) {
            (Some(found), _) => (name, found),
            (None, Some(found)) => (definition, found),
            (None, None) => continue,
        };
        let (before, matched, after) = snippet(text, start, needle.len());
        let occurrences =
            in_name.map_or(0, |(_, count)| count) + in_definition.map_or(0, |(_, count)| count);
        term_hits.push((
            in_name.is_none(),
            Hit {
                target: HitTarget::Term {
                    term: id.clone(),
                    name: name.clone(),
                },
                before,
                matched,
                after,
                occurrences,
            },
        ));
    }
    // Unstable sorts with a unique tie-breaker (the original order) give stable results
    // with less code than a stable sort, which matters in the wasm.
    let mut term_hits: Vec<(usize, (bool, Hit))> = term_hits.into_iter().enumerate().collect();
    term_hits.sort_unstable_by_key(|(order, (definition_only, _))| (*definition_only, *order));
    let term_hits: Vec<(bool, Hit)> = term_hits.into_iter().map(|(_, hit)| hit).collect();

    // The best section of each lesson, keeping course order for ties.
    let mut lesson_hits: Vec<(usize, Hit)> = Vec::new();
    for (order, ((lesson, heading, text), folded)) in
        index.sections.iter().zip(&prepared.sections).enumerate()
    {
        let Some((start, occurrences)) = find(folded) else {
            continue;
        };
        let (before, matched, after) = snippet(text, start, needle.len());
        let hit = Hit {
            target: HitTarget::Lesson {
                lesson: lesson.clone(),
                heading: heading.clone(),
            },
            before,
            matched,
            after,
            occurrences,
        };
        let same_lesson = lesson_hits.iter_mut().find(|(_, existing)| matches!(&existing.target, HitTarget::Lesson { lesson: other, .. } if other == lesson));
        match same_lesson {
            Some((_, existing)) => {
                let total = existing.occurrences + occurrences;
                if occurrences > existing.occurrences {
                    *existing = hit;
                }
                existing.occurrences = total;
            }
            None => lesson_hits.push((order, hit)),
        }
    }
    lesson_hits.sort_unstable_by(|(order_a, a), (order_b, b)| {
        b.occurrences.cmp(&a.occurrences).then(order_a.cmp(order_b))
    });
    term_hits
        .into_iter()
        .map(|(_, hit)| hit)
        .chain(lesson_hits.into_iter().map(|(_, hit)| hit))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex {
            sections: vec![
                (
                    "intro".into(),
                    String::new(),
                    "Carbon accounting starts with the GHG Protocol.".into(),
                ),
                (
                    "intro".into(),
                    "Scopes".into(),
                    "Scope 3 covers the value chain. Carbon, carbon, carbon.".into(),
                ),
                (
                    "refurbished".into(),
                    String::new(),
                    "Refurbished equipment extends product life and cuts embodied carbon.".into(),
                ),
                (
                    "energy".into(),
                    String::new(),
                    "PUE measures data-centre overhead.".into(),
                ),
            ],
            terms: vec![(
                "pue".into(),
                "PUE".into(),
                "Power usage effectiveness.".into(),
            )],
        }
    }

    fn lessons(hits: &[Hit]) -> Vec<String> {
        hits.iter()
            .filter_map(|hit| match &hit.target {
                HitTarget::Lesson { lesson, .. } => Some(lesson.clone()),
                HitTarget::Term { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_word_in_one_lesson_only_finds_that_lesson_first_with_the_match_highlighted() {
        let hits = search(&PreparedIndex::new(index()), "REFURBISHED");
        assert_eq!(lessons(&hits), ["refurbished"]);
        assert_eq!(hits[0].matched, "Refurbished");
        assert_eq!(hits[0].before, "");
        assert!(hits[0].after.starts_with(" equipment"));
    }

    #[test]
    fn lessons_rank_by_occurrences_and_appear_once() {
        let hits = search(&PreparedIndex::new(index()), "carbon");
        assert_eq!(lessons(&hits), ["intro", "refurbished"]);
        assert_eq!(
            hits[0].occurrences, 4,
            "1 in the first section and 3 in the second"
        );
        assert_eq!(
            hits[0].target,
            HitTarget::Lesson {
                lesson: "intro".into(),
                heading: "Scopes".into()
            }
        );
    }

    #[test]
    fn terms_whose_name_matches_come_before_lessons() {
        let hits = search(&PreparedIndex::new(index()), "pue");
        assert_eq!(
            hits[0].target,
            HitTarget::Term {
                term: "pue".into(),
                name: "PUE".into()
            }
        );
        assert_eq!(lessons(&hits), ["energy"]);
    }

    #[test]
    fn short_or_blank_queries_find_nothing_and_unknown_words_find_nothing() {
        assert!(search(&PreparedIndex::new(index()), " c ").is_empty());
        assert!(search(&PreparedIndex::new(index()), "").is_empty());
        assert!(search(&PreparedIndex::new(index()), "photosynthesis").is_empty());
    }

    #[test]
    fn snippets_cut_at_words_and_mark_the_cuts() {
        let text = format!("{}needle {}", "word ".repeat(30), "tail ".repeat(30));
        let start = text.find("needle").unwrap();
        let (before, matched, after) = snippet(&text, start, 6);
        assert_eq!(matched, "needle");
        assert!(
            before.starts_with('…') && before.ends_with("word "),
            "{before:?}"
        );
        assert!(
            after.ends_with('…') && after.starts_with(" tail"),
            "{after:?}"
        );
        assert!(!before[3..].starts_with(' '));
    }

    #[test]
    fn non_ascii_text_is_matched_without_breaking_characters() {
        let index = SearchIndex {
            sections: vec![(
                "x".into(),
                String::new(),
                "Ökologie und Kreislaufwirtschaft — ÉCO.".into(),
            )],
            terms: vec![],
        };
        let index = PreparedIndex::new(index);
        let hits = search(&index, "éco");
        assert_eq!(hits[0].matched, "ÉCO");
        assert_eq!(search(&index, "ökologie")[0].matched, "Ökologie");
    }
}
