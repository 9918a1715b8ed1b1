//! glossary.toml: the course's terms, which lessons link as `[text](glossary:<id>)`.

use serde::Deserialize;
use specialist_core::manifest::GlossaryEntry;
use toml::Spanned;

use crate::diagnostics::{Diagnostics, SourceFile};
use crate::sanitize;
use crate::source::IdentifierRegistry;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GlossarySource {
    #[serde(default)]
    terms: Vec<TermSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermSource {
    id: Spanned<String>,
    term: String,
    definition: String,
}

/// A compiled glossary term: what is published, and the plain definition for search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The published entry.
    pub entry: GlossaryEntry,
    /// The definition as written, for search.
    pub definition_text: String,
}

/// Parses and checks the glossary; problems are reported and the valid terms returned.
pub fn compile(file: &SourceFile, diagnostics: &mut Diagnostics) -> Vec<Term> {
    let source: GlossarySource = match toml::from_str(&file.text) {
        Ok(source) => source,
        Err(error) => {
            diagnostics.at(
                file,
                error.span().map_or(0, |span| span.start),
                error.message().to_string(),
            );
            return Vec::new();
        }
    };
    let mut ids = IdentifierRegistry::default();
    let mut terms = Vec::new();
    for term in source.terms {
        if !ids.register_spanned(file, "glossary term", &term.id, 0, diagnostics) {
            continue;
        }
        if term.term.trim().is_empty() || term.definition.trim().is_empty() {
            diagnostics.at(
                file,
                term.id.span().start,
                format!(
                    "glossary term {:?} needs a term and a definition",
                    term.id.get_ref()
                ),
            );
        }
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&term.definition));
        terms.push(Term {
            entry: GlossaryEntry {
                id: term.id.into_inner(),
                term: term.term,
                definition_html: sanitize::clean(&html),
            },
            definition_text: term.definition,
        });
    }
    terms
}
