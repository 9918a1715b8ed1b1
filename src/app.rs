//! The root component: loads the course manifest, provides the course, the learner and the
//! glossary to every page, counts time on task, and shows the page the hash route names.

use leptos::prelude::*;
use specialist_core::config::{Config, OverrideSource};
use specialist_core::manifest::{CourseManifest, MANIFEST_PATH};
use specialist_core::progress::{ProgressEvent, continue_lesson};
use specialist_core::time_on_task::TimeOnTask;

use crate::capabilities::{Capabilities, Connection};
use crate::components::{AppStatus, GlossaryPopover, StorageNotice};
use crate::pages::{LessonPage, NotFound};
use crate::platform::{self, location, time};
use crate::route::Route;
use crate::state::{Course, Glossary, Installation, Learner, Settings};

/// Why a document the app needs (the manifest, an exam) could not be shown, in words.
#[derive(Debug, Clone)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

async fn load_manifest(
    capabilities: Capabilities,
) -> Result<(CourseManifest, Config, Connection), LoadError> {
    let manifest: CourseManifest = platform::fetch::fetch_decoded(MANIFEST_PATH)
        .await
        .map_err(|error| LoadError(error.to_string()))?;
    let manifest = manifest
        .checked()
        .map_err(|error| LoadError(error.to_string()))?;
    let mut config = load_config().await?;
    // The LMS's launch is read once, here: its settings apply before anything renders.
    let lms = (capabilities.connect_lms)().await;
    // config.json, then the launch link's parameters, then what the LMS passes.
    let mut warnings = config.check();
    warnings.extend(config.apply_overrides(
        &crate::route::query_pairs(&location::search()),
        OverrideSource::LaunchLink,
    ));
    if let Some((_, launch)) = &lms {
        warnings.extend(config.apply_overrides(
            &crate::route::query_pairs(&launch.launch_data),
            OverrideSource::LaunchData,
        ));
    }
    for warning in warnings {
        web_sys::console::warn_1(&format!("Specialist settings: {warning}").into());
    }
    Ok((manifest, config, lms))
}

/// config.json beside index.html: none means defaults; a broken one stops the app with its
/// problem named, since an admin must fix it before certificates can go anywhere.
async fn load_config() -> Result<Config, LoadError> {
    match platform::fetch::fetch_decoded::<Config>(CONFIG_PATH).await {
        Ok(config) => Ok(config),
        Err(platform::fetch::FetchError::Status { status: 404, .. }) => Ok(Config::default()),
        Err(error) => Err(LoadError(error.to_string())),
    }
}

/// Where the deployment's settings are, relative to index.html.
const CONFIG_PATH: &str = "config.json";

/// The whole app: header, then the course player once the course has loaded (or why not).
#[component]
pub fn App(
    /// What this build can do beyond studying.
    capabilities: Capabilities,
) -> impl IntoView {
    let route = location::hash_route();
    location::take_over_scroll_restoration();
    // A signal filled by a task rather than a resource under Transition and ErrorBoundary:
    // the course loads once per page, and that async machinery cost the study build 23 KB
    // gzip (bench/budget.toml).
    let loaded =
        RwSignal::new_local(None::<Result<(CourseManifest, Config, Connection), LoadError>>);
    leptos::task::spawn_local(async move { loaded.set(Some(load_manifest(capabilities).await)) });
    let partner = PartnerBrand(RwSignal::new(None));
    provide_context(partner);

    view! {
        <a class="skip-link" href="#main" on:click=|event| { event.prevent_default(); location::focus_element("main"); }>
            "Skip to content"
        </a>
        <header class="site-header">
            <a class="brand" href=Route::Home.href()>"Specialist"</a>
            {move || partner.0.get().filter(|brand| !brand.name.is_empty()).map(|brand| view! {
                <span class="header-partner" data-testid="header-partner">
                    <span class="visually-hidden">"with "</span>
                    {(!brand.logo_url.is_empty()).then(|| view! { <img src=brand.logo_url.clone() alt="" height="24"/> })}
                    {brand.name}
                </span>
            })}
            <nav aria-label="Site">
                <a href=Route::Search { query: String::new() }.href()>"Search"</a>
                <a href=Route::Certificate.href()>"Certificate"</a>
                <a href=Route::Settings.href()>"This device"</a>
            </nav>
        </header>
        <main id="main" tabindex="-1">
            {move || match loaded.get() {
                None => view! { <p class="status" role="status">"Loading the course…"</p> }.into_any(),
                Some(Err(error)) => view! { <LoadFailed error/> }.into_any(),
                Some(Ok((manifest, config, lms))) => view! { <CoursePlayer manifest config lms route capabilities/> }.into_any(),
            }}
        </main>
    }
}

/// Provides the course state, resumes, counts time on task, and renders the current page.
#[component]
fn CoursePlayer(
    /// The loaded course outline.
    manifest: CourseManifest,
    /// The deployment's settings.
    config: Config,
    /// The LMS that launched the app, if one did.
    lms: Connection,
    /// The current route, from the address bar.
    route: ReadSignal<Route>,
    /// What this build can do beyond studying.
    capabilities: Capabilities,
) -> impl IntoView {
    apply_branding(&config);
    let services = (capabilities.start_services)(&manifest, lms);
    let learner = Learner::load(&manifest.id, services.read_only);
    let glossary = Glossary::new(manifest.glossary_file.clone());
    let course = Course(StoredValue::new(manifest));
    provide_context(course);
    provide_context(learner);
    provide_context(glossary);
    provide_context(Settings(StoredValue::new(config)));
    provide_context(Installation::start(learner));

    // Opening the course without a route resumes the lesson the learner was on.
    if location::opened_without_route()
        && let Some(last) = learner
            .progress
            .with_untracked(|progress| progress.last_lesson.clone())
        && course
            .0
            .with_value(|manifest| manifest.lesson(&last).is_some())
    {
        location::navigate(&Route::lesson(&last));
    }
    count_time_on_task(route, learner);
    (services.after_load)(course, learner, route);
    // Lessons restore their own scroll position; every other page opens at its top. After
    // a page change, focus moves to the main region, as it would on a new document. A lesson
    // replaces the loader's early paint when its content is in; any other page at once.
    Effect::new(move |previous: Option<()>| {
        if !matches!(route.get(), Route::Lesson { .. }) {
            location::remove_early_paint();
            location::scroll_to(0.0);
        }
        if previous.is_some() {
            location::focus_without_scrolling("main");
        }
    });

    let page = move || match route.get() {
        Route::Lesson { id, find } => {
            if course
                .0
                .with_value(|manifest| manifest.lesson(&id).is_some())
            {
                view! { <LessonPage id find/> <GlossaryPopover/> }.into_any()
            } else {
                view! { <NotFound what=format!("lesson “{id}”")/> }.into_any()
            }
        }
        Route::NotFound { hash } => view! { <NotFound what=format!("page “{hash}”")/> }.into_any(),
        other => (capabilities.page)(other),
    };
    view! { {(capabilities.status)(route)} <AppStatus route/> <StorageNotice/> {page} }
}

/// Shows the partner's name and logo in the header and uses its accent colour, made
/// readable or refused with a console warning; warns of a locale this build lacks.
fn apply_branding(config: &Config) {
    use specialist_core::config::Accent;
    let warn =
        |text: String| web_sys::console::warn_1(&format!("Specialist settings: {text}").into());
    if let Some(brand) = &config.co_brand {
        expect_context::<PartnerBrand>().0.set(Some(brand.clone()));
        match brand.accent() {
            Some(Accent::AsGiven(colour)) => location::set_partner_accent(&colour),
            Some(Accent::Darkened { given, used }) => {
                warn(format!(
                    "accent colour {given} is too light for white text (contrast under 4.5:1); using {used}"
                ));
                location::set_partner_accent(&used);
            }
            Some(Accent::Refused(given)) => {
                warn(format!(
                    "accent colour {given:?} is not a #rrggbb colour; ignored"
                ));
            }
            None => {}
        }
    }
    if !config.locale.is_empty() && !config.locale.to_ascii_lowercase().starts_with("en") {
        warn(format!(
            "locale {:?} is not available yet; the interface is in English",
            config.locale
        ));
    }
}

/// The partner's brand for the header, once config.json (and its overrides) are read.
#[derive(Clone, Copy)]
pub struct PartnerBrand(pub RwSignal<Option<specialist_core::config::CoBrand>>);

/// Counts time on task while a lesson is open: only while the page is visible and the
/// learner has interacted in the last five minutes; credited every 15 seconds and on leaving.
fn count_time_on_task(route: ReadSignal<Route>, learner: Learner) {
    let meter = StoredValue::new(TimeOnTask::start(time::monotonic_milliseconds()));
    // Takes the time counted so far and credits it to `page` when that is a lesson; time
    // on other pages is taken too, so it never lands on the next lesson.
    let credit_to = move |page: Route| {
        let seconds = meter
            .try_update_value(|meter| meter.take_seconds(time::monotonic_milliseconds()))
            .unwrap_or(0);
        if seconds > 0
            && let Route::Lesson { id, .. } = page
        {
            learner.record(ProgressEvent::TimeOnTask {
                lesson: id,
                seconds,
            });
        }
    };
    let credit = move || credit_to(route.get_untracked());
    let interacted =
        move || meter.update_value(|meter| meter.interaction(time::monotonic_milliseconds()));
    let handles = [
        window_event_listener(leptos::ev::pointerdown, move |_| interacted()),
        window_event_listener(leptos::ev::keydown, move |_| interacted()),
        window_event_listener(leptos::ev::scroll, move |_| interacted()),
        window_event_listener(leptos::ev::input, move |_| interacted()),
    ];
    let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| {
        meter.update_value(|meter| {
            meter.visibility(time::monotonic_milliseconds(), time::page_visible())
        });
        credit();
    });
    // Time spent on a page is settled before the route moves on.
    Effect::new(move |previous: Option<Route>| {
        let current = route.get();
        if let Some(previous) = previous {
            credit_to(previous);
        }
        meter.update_value(|meter| meter.interaction(time::monotonic_milliseconds()));
        current
    });
    let interval = set_interval_with_handle(credit, std::time::Duration::from_secs(15)).ok();
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
        visibility.remove();
        if let Some(interval) = interval {
            interval.clear();
        }
    });
}

/// The Continue target for the home page (the first lesson when nothing was opened yet).
pub fn continue_route(course: Course, learner: Learner) -> Option<Route> {
    course.0.with_value(|manifest| {
        learner.progress.with(|progress| {
            continue_lesson(manifest, progress).map(|lesson| Route::lesson(&lesson.id))
        })
    })
}

/// The panel shown when the course cannot be loaded, with each reason and a way to retry.
#[component]
fn LoadFailed(
    /// Why the course could not be loaded.
    error: LoadError,
) -> impl IntoView {
    let reload = |_| location::reload();
    location::remove_early_paint();
    view! {
        <section class="error-panel" role="alert">
            <h1>"The course could not be loaded"</h1>
            <ul>
                <li>{error.to_string()}</li>
            </ul>
            <p>"Your saved progress is kept on this device. Check your connection and try again."</p>
            <button on:click=reload>"Try again"</button>
        </section>
    }
}
