//! The blocks authors write as fenced code blocks named by the directive (```note, ```check …):
//! their TOML or Markdown content, their checks, and the accessible HTML they become.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::diagnostics::Diagnostics;
use crate::lesson::{Origin, Renderer};
use crate::sanitize::escape;
use crate::source::is_valid_identifier;

/// A block kind, named by the fence's info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// A `` ```note `` fence: a Markdown callout.
    Note,
    /// A `` ```tip `` fence: a Markdown callout.
    Tip,
    /// A `` ```warning `` fence: a Markdown callout.
    Warning,
    /// A `` ```check `` fence: an ungraded knowledge check (TOML).
    Check,
    /// A `` ```reveal `` fence: a card whose answer opens on demand (TOML).
    Reveal,
    /// A `` ```scenario `` fence: branching choices with consequences (TOML).
    Scenario,
    /// A `` ```activity `` fence: a timed worksheet (TOML).
    Activity,
    /// A `` ```figure `` fence: an image with required alt text and a caption (TOML).
    Figure,
}

impl Directive {
    /// The directive a fence info string names, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "note" => Self::Note,
            "tip" => Self::Tip,
            "warning" => Self::Warning,
            "check" => Self::Check,
            "reveal" => Self::Reveal,
            "scenario" => Self::Scenario,
            "activity" => Self::Activity,
            "figure" => Self::Figure,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Tip => "tip",
            Self::Warning => "warning",
            Self::Check => "check",
            Self::Reveal => "reveal",
            Self::Scenario => "scenario",
            Self::Activity => "activity",
            Self::Figure => "figure",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBlock {
    id: Spanned<String>,
    question: Spanned<String>,
    #[serde(default)]
    multiple: bool,
    options: Vec<CheckOption>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckOption {
    text: Spanned<String>,
    #[serde(default)]
    correct: bool,
    feedback: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBlock {
    prompt: Spanned<String>,
    answer: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioBlock {
    id: Spanned<String>,
    title: String,
    start: Spanned<String>,
    steps: Vec<ScenarioStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioStep {
    id: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    choices: Vec<ScenarioChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioChoice {
    text: Spanned<String>,
    consequence: Spanned<String>,
    next: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBlock {
    id: Spanned<String>,
    instructions: Spanned<String>,
    fields: Vec<WorksheetField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorksheetField {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    kind: FieldKind,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum FieldKind {
    Text,
    #[default]
    LongText,
    Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureBlock {
    src: Spanned<String>,
    alt: Spanned<String>,
    #[serde(default)]
    caption: Option<Spanned<String>>,
    width: Option<u32>,
    height: Option<u32>,
}

/// Parses a TOML block body, reporting a problem at its place in the lesson file.
fn parse<T: DeserializeOwned>(
    renderer: &Renderer<'_>,
    kind: Directive,
    body: &str,
    content_offset: usize,
    diagnostics: &mut Diagnostics,
) -> Option<T> {
    match toml::from_str(body) {
        Ok(block) => Some(block),
        Err(error) => {
            let offset = content_offset + error.span().map_or(0, |span| span.start);
            diagnostics.at(
                renderer.file,
                offset,
                format!("bad ```{} block: {}", kind.name(), error.message()),
            );
            None
        }
    }
}

/// Renders one block. `content_offset` is where its body starts in the file, `fence_offset` where its fence is.
pub fn render(
    renderer: &mut Renderer<'_>,
    kind: Directive,
    body: &str,
    content_offset: usize,
    fence_offset: usize,
    diagnostics: &mut Diagnostics,
) -> String {
    match kind {
        Directive::Note | Directive::Tip | Directive::Warning => {
            let inner = renderer.render_fragment(body, Origin::Exact(content_offset), diagnostics);
            let label = match kind {
                Directive::Note => "Note",
                Directive::Tip => "Tip",
                _ => "Warning",
            };
            format!(
                r#"<aside class="callout callout-{}" role="note"><p class="callout-label">{label}</p>{inner}</aside>"#,
                kind.name()
            )
        }
        Directive::Reveal => {
            let Some(block) =
                parse::<RevealBlock>(renderer, kind, body, content_offset, diagnostics)
            else {
                return String::new();
            };
            let prompt = renderer.render_field(&block.prompt, content_offset, diagnostics);
            let answer = renderer.render_field(&block.answer, content_offset, diagnostics);
            format!(
                r#"<details class="reveal-card"><summary>{}</summary><div class="reveal-answer">{answer}</div></details>"#,
                unwrap_paragraph(&prompt)
            )
        }
        Directive::Figure => {
            let Some(block) =
                parse::<FigureBlock>(renderer, kind, body, content_offset, diagnostics)
            else {
                return String::new();
            };
            if block.alt.get_ref().trim().is_empty() {
                diagnostics.at(
                    renderer.file,
                    content_offset + block.alt.span().start,
                    "missing alt text: the figure's alt must say what it shows",
                );
            }
            let source = renderer.resolve_media(
                block.src.get_ref(),
                content_offset + block.src.span().start,
                diagnostics,
            );
            renderer.count_text(block.alt.get_ref());
            renderer.break_text();
            let size = match (block.width, block.height) {
                (Some(width), Some(height)) => format!(r#" width="{width}" height="{height}""#),
                _ => String::new(),
            };
            let caption = block
                .caption
                .map(|caption| {
                    let html = renderer.render_field(&caption, content_offset, diagnostics);
                    format!("<figcaption>{}</figcaption>", unwrap_paragraph(&html))
                })
                .unwrap_or_default();
            format!(
                r#"<figure><img src="{}" alt="{}"{size} loading="lazy">{caption}</figure>"#,
                escape(&source),
                escape(block.alt.get_ref())
            )
        }
        Directive::Check => parse::<CheckBlock>(renderer, kind, body, content_offset, diagnostics)
            .map(|block| render_check(renderer, &block, content_offset, diagnostics))
            .unwrap_or_default(),
        Directive::Scenario => {
            parse::<ScenarioBlock>(renderer, kind, body, content_offset, diagnostics)
                .map(|block| render_scenario(renderer, &block, content_offset, diagnostics))
                .unwrap_or_default()
        }
        Directive::Activity => {
            parse::<ActivityBlock>(renderer, kind, body, content_offset, diagnostics)
                .map(|block| {
                    render_activity(renderer, &block, content_offset, fence_offset, diagnostics)
                })
                .unwrap_or_default()
        }
    }
}

/// Markdown wraps a single line in `<p>`; inside a legend, summary or button that paragraph must go.
pub(crate) fn unwrap_paragraph(html: &str) -> &str {
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|rest| rest.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner,
        _ => trimmed,
    }
}

/// Registers a block id (check, scenario, activity) as unique within the lesson.
fn register_block_id(
    renderer: &mut Renderer<'_>,
    what: &str,
    id: &Spanned<String>,
    content_offset: usize,
    diagnostics: &mut Diagnostics,
) -> bool {
    let file = renderer.file;
    renderer
        .block_ids
        .register_spanned(file, what, id, content_offset, diagnostics)
}

fn render_check(
    renderer: &mut Renderer<'_>,
    block: &CheckBlock,
    content_offset: usize,
    diagnostics: &mut Diagnostics,
) -> String {
    let id = block.id.get_ref();
    if register_block_id(
        renderer,
        "knowledge check",
        &block.id,
        content_offset,
        diagnostics,
    ) {
        renderer.checks.push(id.clone());
    }
    let at = content_offset + block.id.span().start;
    let correct = block.options.iter().filter(|option| option.correct).count();
    if block.options.len() < 2 {
        diagnostics.at(
            renderer.file,
            at,
            format!("knowledge check {id:?} needs at least two options"),
        );
    }
    if correct == 0 {
        diagnostics.at(
            renderer.file,
            at,
            format!("knowledge check {id:?} has no correct option; mark one with correct = true"),
        );
    } else if !block.multiple && correct > 1 {
        diagnostics.at(renderer.file, at, format!("knowledge check {id:?} has {correct} correct options; set multiple = true or mark one"));
    }
    let question = renderer.render_field(&block.question, content_offset, diagnostics);
    let (input_type, hint) = if block.multiple {
        ("checkbox", "Choose every answer that applies.")
    } else {
        ("radio", "Choose one answer.")
    };
    let escaped_id = escape(id);
    let mut html = format!(
        r#"<form class="knowledge-check" data-check="{escaped_id}" data-multiple="{}"><fieldset><legend class="check-question">{}</legend><p class="check-hint">{hint}</p>"#,
        block.multiple,
        unwrap_paragraph(&question)
    );
    for (index, option) in block.options.iter().enumerate() {
        let text = renderer.render_field(&option.text, content_offset, diagnostics);
        let feedback = renderer.render_field(&option.feedback, content_offset, diagnostics);
        let _ = write!(
            html,
            r#"<div class="check-option"><label><input type="{input_type}" name="check-{escaped_id}" value="{index}" data-correct="{}"> <span>{}</span></label><div class="check-feedback" hidden>{feedback}</div></div>"#,
            option.correct,
            unwrap_paragraph(&text)
        );
    }
    html.push_str(r#"</fieldset><button type="submit">Check answer</button><p class="check-result" role="status"></p></form>"#);
    html
}

fn render_scenario(
    renderer: &mut Renderer<'_>,
    block: &ScenarioBlock,
    content_offset: usize,
    diagnostics: &mut Diagnostics,
) -> String {
    let file = renderer.file;
    register_block_id(renderer, "scenario", &block.id, content_offset, diagnostics);
    let scenario = block.id.get_ref();
    let mut steps: HashMap<&str, &ScenarioStep> = HashMap::new();
    for step in &block.steps {
        let at = content_offset + step.id.span().start;
        if steps.insert(step.id.get_ref(), step).is_some() {
            diagnostics.at(
                file,
                at,
                format!(
                    "scenario {scenario:?} has two steps with id {:?}",
                    step.id.get_ref()
                ),
            );
        }
        if step.choices.is_empty() && step.id.get_ref() == block.start.get_ref() {
            diagnostics.at(
                file,
                at,
                format!("the first step of scenario {scenario:?} offers no choices"),
            );
        }
        for choice in &step.choices {
            if let Some(next) = &choice.next
                && !block
                    .steps
                    .iter()
                    .any(|candidate| candidate.id.get_ref() == next.get_ref())
            {
                diagnostics.at(
                    file,
                    content_offset + next.span().start,
                    format!(
                        "scenario {scenario:?}: no step {:?} to go next to",
                        next.get_ref()
                    ),
                );
            }
        }
    }
    if !steps.contains_key(block.start.get_ref().as_str()) {
        diagnostics.at(
            file,
            content_offset + block.start.span().start,
            format!(
                "scenario {scenario:?} starts at unknown step {:?}",
                block.start.get_ref()
            ),
        );
    } else {
        check_scenario_paths(renderer, block, &steps, content_offset, diagnostics);
    }

    let mut html = format!(
        r#"<section class="scenario" data-scenario="{}" data-start="{}"><h3 class="scenario-title">{}</h3>"#,
        escape(scenario),
        escape(block.start.get_ref()),
        escape(&block.title)
    );
    renderer.count_text(&block.title);
    renderer.break_text();
    for step in &block.steps {
        let is_start = step.id.get_ref() == block.start.get_ref();
        let text = renderer.render_field(&step.text, content_offset, diagnostics);
        let _ = write!(
            html,
            r#"<div class="scenario-step" data-step="{}"{}><div class="scenario-text">{text}</div>"#,
            escape(step.id.get_ref()),
            if is_start { "" } else { " hidden" }
        );
        if step.choices.is_empty() {
            html.push_str(r#"<p class="scenario-end">End of scenario.</p>"#);
        } else {
            html.push_str(r#"<ul class="scenario-choices">"#);
            for (index, choice) in step.choices.iter().enumerate() {
                let text = renderer.render_field(&choice.text, content_offset, diagnostics);
                let consequence =
                    renderer.render_field(&choice.consequence, content_offset, diagnostics);
                let next = choice
                    .next
                    .as_ref()
                    .map(|next| format!(r#" data-next="{}""#, escape(next.get_ref())))
                    .unwrap_or_default();
                let _ = write!(
                    html,
                    r#"<li><button type="button" class="scenario-choice" data-choice="{index}"{next}>{}</button><div class="scenario-consequence" hidden>{consequence}</div></li>"#,
                    unwrap_paragraph(&text)
                );
            }
            html.push_str("</ul>");
        }
        html.push_str("</div>");
    }
    html.push_str(r#"<button type="button" class="scenario-restart" hidden>Start the scenario again</button></section>"#);
    html
}

/// A scenario must be a tree-like path: every step reachable from the start, no way back
/// to an earlier step, and at least one path with two decisions in a row.
fn check_scenario_paths(
    renderer: &Renderer<'_>,
    block: &ScenarioBlock,
    steps: &HashMap<&str, &ScenarioStep>,
    content_offset: usize,
    diagnostics: &mut Diagnostics,
) {
    fn depth<'a>(
        step: &'a str,
        steps: &HashMap<&str, &'a ScenarioStep>,
        path: &mut Vec<&'a str>,
        reached: &mut HashSet<&'a str>,
        cycle: &mut Option<&'a str>,
    ) -> usize {
        if path.contains(&step) {
            cycle.get_or_insert(step);
            return 0;
        }
        let Some(&current) = steps.get(step) else {
            return 0;
        };
        reached.insert(step);
        path.push(step);
        let deepest = current
            .choices
            .iter()
            .map(|choice| {
                1 + choice
                    .next
                    .as_ref()
                    .map_or(0, |next| depth(next.get_ref(), steps, path, reached, cycle))
            })
            .max()
            .unwrap_or(0);
        path.pop();
        deepest
    }
    let scenario = block.id.get_ref();
    let mut reached = HashSet::new();
    let mut cycle = None;
    let decisions = depth(
        block.start.get_ref(),
        steps,
        &mut Vec::new(),
        &mut reached,
        &mut cycle,
    );
    let at = content_offset + block.id.span().start;
    if let Some(step) = cycle {
        diagnostics.at(
            renderer.file,
            at,
            format!(
                "scenario {scenario:?} loops back to step {step:?}; each choice must lead forward"
            ),
        );
    }
    if decisions < 2 {
        diagnostics.at(renderer.file, at, format!("scenario {scenario:?} is only {decisions} decision deep; give it at least two steps of choices"));
    }
    for step in &block.steps {
        if !reached.contains(step.id.get_ref().as_str()) {
            diagnostics.at(
                renderer.file,
                content_offset + step.id.span().start,
                format!(
                    "scenario {scenario:?}: no choice leads to step {:?}",
                    step.id.get_ref()
                ),
            );
        }
    }
}

fn render_activity(
    renderer: &mut Renderer<'_>,
    block: &ActivityBlock,
    content_offset: usize,
    fence_offset: usize,
    diagnostics: &mut Diagnostics,
) -> String {
    let id = block.id.get_ref();
    register_block_id(renderer, "activity", &block.id, content_offset, diagnostics);
    renderer.activity_blocks.insert(id.clone());
    let Some(activity) = renderer
        .activities
        .iter()
        .find(|activity| &activity.id == id)
        .cloned()
    else {
        diagnostics.at(
            renderer.file,
            fence_offset,
            format!("activity {id:?} is not listed in the front matter's [[activities]] (with its title and minutes)"),
        );
        return String::new();
    };
    let instructions = renderer.render_field(&block.instructions, content_offset, diagnostics);
    let escaped_id = escape(id);
    let mut html = format!(
        r#"<section class="activity" data-activity="{escaped_id}" data-minutes="{minutes}"><h3 class="activity-title">{title} <span class="activity-minutes">{minutes} min</span></h3><div class="activity-instructions">{instructions}</div><form class="worksheet" data-activity="{escaped_id}">"#,
        minutes = activity.minutes,
        title = escape(&activity.title),
    );
    renderer.count_text(&activity.title);
    renderer.break_text();
    let mut field_ids = HashSet::new();
    for field in &block.fields {
        let field_id = field.id.get_ref();
        if !is_valid_identifier(field_id) || !field_ids.insert(field_id.clone()) {
            diagnostics.at(
                renderer.file,
                content_offset + field.id.span().start,
                format!("worksheet field id {field_id:?} is malformed or used twice"),
            );
        }
        renderer.count_text(&field.label);
        renderer.break_text();
        let element_id = format!("activity-{escaped_id}-{}", escape(field_id));
        let control = match field.kind {
            FieldKind::LongText => format!(
                r#"<textarea id="{element_id}" name="{}" rows="4"></textarea>"#,
                escape(field_id)
            ),
            FieldKind::Text => format!(
                r#"<input id="{element_id}" name="{}" type="text">"#,
                escape(field_id)
            ),
            FieldKind::Number => format!(
                r#"<input id="{element_id}" name="{}" type="number" inputmode="decimal">"#,
                escape(field_id)
            ),
        };
        let _ = write!(
            html,
            r#"<div class="worksheet-field"><label for="{element_id}">{}</label>{control}</div>"#,
            escape(&field.label)
        );
    }
    if block.fields.is_empty() {
        diagnostics.at(
            renderer.file,
            content_offset + block.id.span().start,
            format!("activity {id:?} has no worksheet fields"),
        );
    }
    html.push_str(
        r#"<div class="worksheet-actions"><button type="button" data-action="timer">Start the timer</button><button type="button" data-action="download">Download the worksheet</button><span class="worksheet-timer" role="timer" aria-live="off"></span><span class="worksheet-status" role="status"></span></div></form></section>"#,
    );
    html
}
