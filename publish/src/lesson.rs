//! One lesson: TOML front matter, then Markdown with directive blocks, compiled into a
//! sanitized HTML fragment, its minutes, its knowledge checks and its search sections.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use specialist_core::manifest::ActivitySummary;
use toml::Spanned;

use crate::blocks::{self, Directive};
use crate::diagnostics::{Diagnostics, SourceFile};
use crate::sanitize;
use crate::source::IdentifierRegistry;

/// Reading speed used to turn words into minutes.
pub const WORDS_PER_MINUTE: usize = 180;

/// The `+++` TOML front matter of a lesson file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    objectives: Vec<Spanned<String>>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    activities: Vec<ActivityFrontMatter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityFrontMatter {
    id: Spanned<String>,
    title: String,
    minutes: u32,
}

/// What the rest of the course offers a lesson to link to.
pub struct Context<'a> {
    /// Every lesson id in the course.
    pub lessons: &'a HashSet<String>,
    /// Every glossary term id.
    pub glossary: &'a HashSet<String>,
    /// Every objective id.
    pub objectives: &'a HashSet<String>,
    /// Media files by their source path (`media/x.png`) → the URL the page uses.
    pub media: &'a HashMap<String, String>,
}

/// A heading and the text under it, for search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading text; empty for the text before the first heading.
    pub heading: String,
    /// The plain text of the section.
    pub text: String,
}

/// A compiled lesson.
#[derive(Debug)]
pub struct CompiledLesson {
    /// The lesson id from the front matter.
    pub id: String,
    /// The lesson title.
    pub title: String,
    /// Objectives taught.
    pub objectives: Vec<String>,
    /// Whether course completion requires it.
    pub required: bool,
    /// The sanitized HTML fragment.
    pub html: String,
    /// Words of learner-visible text.
    pub words: usize,
    /// Knowledge check ids in order.
    pub checks: Vec<String>,
    /// Activities with their minutes.
    pub activities: Vec<ActivitySummary>,
    /// Plain text by section, for search.
    pub sections: Vec<Section>,
}

impl CompiledLesson {
    /// Reading minutes at [`WORDS_PER_MINUTE`], rounded to the nearest minute, at least 1.
    pub fn reading_minutes(&self) -> u32 {
        let minutes = (self.words + WORDS_PER_MINUTE / 2) / WORDS_PER_MINUTE;
        u32::try_from(minutes.max(1)).unwrap_or(u32::MAX)
    }

    /// The sum of the activities' minutes.
    pub fn activity_minutes(&self) -> u32 {
        self.activities
            .iter()
            .map(|activity| activity.minutes)
            .sum()
    }
}

/// Splits `+++ … +++` front matter from the body: (front matter, its offset, body offset).
fn split_front_matter(text: &str) -> Option<(&str, usize, usize)> {
    let after_open = text
        .strip_prefix("+++\n")
        .map(|_| 4)
        .or_else(|| text.strip_prefix("+++\r\n").map(|_| 5))?;
    let mut offset = after_open;
    for line in text[after_open..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((&text[after_open..offset], after_open, offset + line.len()));
        }
        offset += line.len();
    }
    None
}

/// Compiles one lesson file. `expected_id` is the id course.toml lists for this file.
pub fn compile(
    file: &SourceFile,
    expected_id: &str,
    context: &Context<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<CompiledLesson> {
    let Some((front_text, front_offset, body_offset)) = split_front_matter(&file.text) else {
        diagnostics.at(file, 0, "the lesson must start with TOML front matter between two `+++` lines (id, title, objectives)");
        return None;
    };
    let front: FrontMatter = match toml::from_str(front_text) {
        Ok(front) => front,
        Err(error) => {
            let offset = front_offset + error.span().map_or(0, |span| span.start);
            diagnostics.at(
                file,
                offset,
                format!("bad front matter: {}", error.message()),
            );
            return None;
        }
    };
    if front.id.get_ref() != expected_id {
        diagnostics.at(
            file,
            front_offset + front.id.span().start,
            format!("the front matter id {:?} differs from {expected_id:?}, the name course.toml uses for this file", front.id.get_ref()),
        );
    }
    if front.title.trim().is_empty() {
        diagnostics.at(file, front_offset, "the lesson title is empty");
    }
    if front.objectives.is_empty() {
        diagnostics.at(
            file,
            front_offset + front.id.span().start,
            "the lesson lists no objectives; name the objectives it teaches",
        );
    }
    for objective in &front.objectives {
        if !context.objectives.contains(objective.get_ref()) {
            diagnostics.at(
                file,
                front_offset + objective.span().start,
                format!(
                    "unknown objective {:?}; objectives are declared in course.toml",
                    objective.get_ref()
                ),
            );
        }
    }
    let mut activity_ids = IdentifierRegistry::default();
    let mut activities = Vec::new();
    for activity in &front.activities {
        activity_ids.register_spanned(file, "activity", &activity.id, front_offset, diagnostics);
        activities.push(ActivitySummary {
            id: activity.id.get_ref().clone(),
            title: activity.title.clone(),
            minutes: activity.minutes,
        });
    }

    let mut renderer = Renderer::new(file, context, &activities);
    renderer.render_document(&file.text[body_offset..], body_offset, diagnostics);
    for activity in &front.activities {
        if !renderer.activity_blocks.contains(activity.id.get_ref()) {
            diagnostics.at(
                file,
                front_offset + activity.id.span().start,
                format!(
                    "activity {:?} has no ```activity block in the lesson",
                    activity.id.get_ref()
                ),
            );
        }
    }
    let Renderer {
        html,
        words,
        checks,
        sections,
        ..
    } = renderer;
    Some(CompiledLesson {
        id: front.id.into_inner(),
        title: front.title,
        objectives: front
            .objectives
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        required: !front.optional,
        html,
        words,
        checks,
        activities,
        sections,
    })
}

/// Where a piece of Markdown sits in its file: exact offsets for Markdown written
/// directly in the file, or one fixed place for Markdown inside a TOML string.
#[derive(Clone, Copy)]
pub enum Origin {
    /// Offsets inside the Markdown map to the file at this base.
    Exact(usize),
    /// Every problem is reported at this offset (the TOML field).
    Field(usize),
}

impl Origin {
    fn offset(self, within: usize) -> usize {
        match self {
            Self::Exact(base) => base + within,
            Self::Field(offset) => offset,
        }
    }
}

/// Renders Markdown into sanitized HTML, counting words and collecting search text.
pub struct Renderer<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) context: &'a Context<'a>,
    pub(crate) activities: &'a [ActivitySummary],
    /// The HTML written so far.
    pub html: String,
    /// Words of learner-visible text.
    pub words: usize,
    /// Search sections.
    pub sections: Vec<Section>,
    /// Knowledge check ids, in order.
    pub checks: Vec<String>,
    /// Activity ids that have a block.
    pub activity_blocks: HashSet<String>,
    pub(crate) block_ids: IdentifierRegistry,
}

impl<'a> Renderer<'a> {
    /// A renderer for Markdown in `file`, linking against `context`.
    pub(crate) fn new(
        file: &'a SourceFile,
        context: &'a Context<'a>,
        activities: &'a [ActivitySummary],
    ) -> Self {
        Self {
            file,
            context,
            activities,
            html: String::new(),
            words: 0,
            sections: vec![Section {
                heading: String::new(),
                text: String::new(),
            }],
            checks: Vec::new(),
            activity_blocks: HashSet::new(),
            block_ids: IdentifierRegistry::default(),
        }
    }

    fn options() -> Options {
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
    }

    /// Adds text to the word count and to the current search section.
    pub(crate) fn count_text(&mut self, text: &str) {
        self.words += text.split_whitespace().count();
        self.sections
            .last_mut()
            .expect("there is always a section")
            .text
            .push_str(text);
    }

    /// Separates the text of two blocks (paragraphs, items, fragments) in the search text.
    pub(crate) fn break_text(&mut self) {
        let section = self.sections.last_mut().expect("there is always a section");
        if !section.text.ends_with(char::is_whitespace) {
            section.text.push(' ');
        }
    }

    /// Renders the lesson body: top-level directive blocks become interactive HTML, everything else Markdown.
    fn render_document(&mut self, markdown: &str, base: usize, diagnostics: &mut Diagnostics) {
        let mut pending: Vec<(Event<'static>, usize)> = Vec::new();
        let mut depth = 0usize;
        // The open directive block: its kind, where its fence starts, and its text so far.
        let mut directive: Option<(Directive, usize, String)> = None;
        let mut heading: Option<String> = None;
        for (event, range) in Parser::new_ext(markdown, Self::options()).into_offset_iter() {
            if let Some((_, _, body)) = &mut directive {
                match event {
                    Event::Text(text) => body.push_str(&text),
                    Event::End(TagEnd::CodeBlock) => {
                        let (kind, start, body) = directive.take().expect("inside a directive");
                        self.flush(&mut pending, diagnostics);
                        // The block's content starts on the line after its opening fence.
                        let fence_end = markdown[start..]
                            .find('\n')
                            .map_or(markdown.len(), |newline| start + newline + 1);
                        let block_html = blocks::render(
                            self,
                            kind,
                            &body,
                            base + fence_end,
                            base + start,
                            diagnostics,
                        );
                        self.html.push_str(&block_html);
                        depth -= 1;
                    }
                    _ => {}
                }
                continue;
            }
            match &event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let name = info.split_whitespace().next().unwrap_or_default();
                    if let Some(kind) = Directive::from_name(name) {
                        if depth > 0 {
                            diagnostics.at(
                                self.file,
                                base + range.start,
                                format!("the ```{name} block must not be nested inside a list or quote; put it at the top level"),
                            );
                        }
                        directive = Some((kind, range.start, String::new()));
                        depth += 1;
                        continue;
                    }
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    if *level == HeadingLevel::H1 {
                        diagnostics.at(
                            self.file,
                            base + range.start,
                            "a lesson uses ## and deeper headings; its title is shown as the page's one # heading",
                        );
                    }
                    if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                        heading = Some(String::new());
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(text) = heading.take() {
                        self.sections.push(Section {
                            heading: text.trim().to_string(),
                            text: String::new(),
                        });
                    }
                }
                Event::Text(text) | Event::Code(text) => match &mut heading {
                    Some(heading_text) => {
                        heading_text.push_str(text);
                        self.words += text.split_whitespace().count();
                    }
                    None => self.count_text(text),
                },
                Event::End(end) if ends_block(end) => self.break_text(),
                Event::SoftBreak | Event::HardBreak => self.break_text(),
                _ => {}
            }
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            pending.push((event.into_static(), base + range.start));
        }
        self.flush(&mut pending, diagnostics);
    }

    /// Renders Markdown that is part of a block (a question, a feedback, a callout body) into sanitized HTML.
    pub(crate) fn render_fragment(
        &mut self,
        markdown: &str,
        origin: Origin,
        diagnostics: &mut Diagnostics,
    ) -> String {
        let mut pending = Vec::new();
        for (event, range) in Parser::new_ext(markdown, Self::options()).into_offset_iter() {
            let offset = origin.offset(range.start);
            if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = &event
                && Directive::from_name(info.split_whitespace().next().unwrap_or_default())
                    .is_some()
            {
                diagnostics.at(
                    self.file,
                    offset,
                    "blocks cannot be nested inside other blocks",
                );
            }
            match &event {
                Event::Text(text) | Event::Code(text) => self.count_text(text),
                Event::End(end) if ends_block(end) => self.break_text(),
                Event::SoftBreak | Event::HardBreak => self.break_text(),
                _ => {}
            }
            pending.push((event.into_static(), offset));
        }
        self.break_text();
        let saved = std::mem::take(&mut self.html);
        self.flush(&mut pending, diagnostics);
        std::mem::replace(&mut self.html, saved)
    }

    /// Renders a Markdown text field of a block's TOML, whose document starts at
    /// `content_offset` in the file; problems are reported at the field.
    pub(crate) fn render_field(
        &mut self,
        field: &Spanned<String>,
        content_offset: usize,
        diagnostics: &mut Diagnostics,
    ) -> String {
        self.render_fragment(
            field.get_ref(),
            Origin::Field(content_offset + field.span().start),
            diagnostics,
        )
    }

    /// Renders pending Markdown events, each with its file offset: rewrites and checks
    /// links and images, then sanitizes the HTML.
    fn flush(&mut self, pending: &mut Vec<(Event<'static>, usize)>, diagnostics: &mut Diagnostics) {
        if pending.is_empty() {
            return;
        }
        let mut rewritten = Vec::with_capacity(pending.len());
        let mut glossary_link_open = false;
        // The alt text of the image being read, and where the image starts.
        let mut image: Option<(String, usize)> = None;
        for (event, offset) in pending.drain(..) {
            match event {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => match self.resolve_link(&dest_url, offset, diagnostics) {
                    LinkTarget::Glossary(term) => {
                        glossary_link_open = true;
                        let term = sanitize::escape(&term);
                        rewritten.push(Event::InlineHtml(
                            format!(r##"<a class="glossary-term" data-term="{term}" href="#/glossary/{term}">"##).into(),
                        ));
                    }
                    LinkTarget::Url(url) => rewritten.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: url.into(),
                        title,
                        id,
                    })),
                },
                Event::End(TagEnd::Link) if glossary_link_open => {
                    glossary_link_open = false;
                    rewritten.push(Event::InlineHtml(CowStr::Borrowed("</a>")));
                }
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    image = Some((String::new(), offset));
                    let url = self.resolve_media(&dest_url, offset, diagnostics);
                    rewritten.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url: url.into(),
                        title,
                        id,
                    }));
                }
                Event::Text(ref text) if image.is_some() => {
                    image.as_mut().expect("checked").0.push_str(text);
                    rewritten.push(event);
                }
                Event::End(TagEnd::Image) => {
                    if let Some((alt, start)) = image.take()
                        && alt.trim().is_empty()
                    {
                        diagnostics.at(
                            self.file,
                            start,
                            "missing alt text: write what the image shows in ![…](…) for learners who cannot see it",
                        );
                    }
                    rewritten.push(event);
                }
                other => rewritten.push(other),
            }
        }
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, rewritten.into_iter());
        self.html.push_str(&sanitize::clean(&html));
    }

    fn resolve_link(
        &self,
        destination: &str,
        at: usize,
        diagnostics: &mut Diagnostics,
    ) -> LinkTarget {
        if let Some(term) = destination.strip_prefix("glossary:") {
            if !self.context.glossary.contains(term) {
                diagnostics.at(
                    self.file,
                    at,
                    format!("broken glossary link: no term {term:?} in glossary.toml"),
                );
            }
            return LinkTarget::Glossary(term.to_string());
        }
        if let Some(lesson) = destination.strip_prefix("lesson:") {
            if !self.context.lessons.contains(lesson) {
                diagnostics.at(
                    self.file,
                    at,
                    format!("broken internal link: no lesson {lesson:?} in course.toml"),
                );
            }
            return LinkTarget::Url(format!("#/lessons/{lesson}"));
        }
        if destination.starts_with("media/") {
            return LinkTarget::Url(self.resolve_media(destination, at, diagnostics));
        }
        let has_scheme = destination.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
        });
        if !has_scheme && !destination.starts_with('#') {
            diagnostics.at(
                self.file,
                at,
                format!("broken internal link {destination:?}: link lessons as lesson:<id>, terms as glossary:<id>, files as media/<name>"),
            );
        }
        // Other schemes pass on to the sanitizer, which keeps only http, https and mailto.
        LinkTarget::Url(destination.to_string())
    }

    /// Maps `media/<name>` to its published URL, reporting a missing file.
    pub(crate) fn resolve_media(
        &self,
        source: &str,
        at: usize,
        diagnostics: &mut Diagnostics,
    ) -> String {
        if let Some(url) = self.context.media.get(source) {
            return url.clone();
        }
        if source.starts_with("media/") {
            diagnostics.at(
                self.file,
                at,
                format!("missing media file: {source} is not in the course's media folder"),
            );
        }
        source.to_string()
    }
}

/// Whether an end tag closes a block (whose text is separated from the next in search).
fn ends_block(end: &TagEnd) -> bool {
    !matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

enum LinkTarget {
    Glossary(String),
    Url(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_from_the_body() {
        let text = "+++\nid = \"a\"\n+++\nBody\n";
        let (front, front_offset, body_offset) = split_front_matter(text).unwrap();
        assert_eq!(front, "id = \"a\"\n");
        assert_eq!(front_offset, 4);
        assert_eq!(&text[body_offset..], "Body\n");
        assert!(split_front_matter("no front matter").is_none());
        assert!(
            split_front_matter("+++\nid = 1\n").is_none(),
            "an unclosed front matter is refused"
        );
    }
}
