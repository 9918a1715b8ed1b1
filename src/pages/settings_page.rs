//! "This device": storage used and whether the browser keeps it, the offline copy's
//! version, and exporting progress to a file and importing it on another device.

use leptos::prelude::*;
use specialist_core::backup::{ExportSummary, ProgressExport};
use specialist_core::outbox::DeliveryState;
use specialist_core::timestamp::utc_timestamp;

use crate::outbox::Outbox;
use crate::platform::location::set_document_title;
use crate::platform::service_worker;
use crate::platform::{download, storage, time, vault};
use crate::state::{Course, Installation};

/// Bytes in words: "812 KB", "3.4 MB", "1.2 GB".
fn bytes_text(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn summary_text(summary: ExportSummary) -> String {
    let plural = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {}, {}",
        plural(
            summary.lessons_completed,
            "lesson finished",
            "lessons finished"
        ),
        plural(summary.attempts, "exam attempt", "exam attempts"),
        plural(summary.certificates, "certificate", "certificates"),
    )
}

/// The page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    set_document_title("This device");
    view! {
        <article class="settings-page">
            <h1>"This device"</h1>
            <StorageSection/>
            <OfflineSection/>
            <ExportSection/>
            <ImportSection/>
        </article>
    }
}

/// Usage against quota, the nearly-full warning, and asking the browser to keep the data.
#[component]
fn StorageSection() -> impl IntoView {
    let estimate = LocalResource::new(service_worker::storage_estimate);
    let persist = Action::new_local(|_: &()| service_worker::persist_storage());
    Effect::new(move || {
        if persist.value().get().is_some() {
            estimate.refetch();
        }
    });
    let facts = move || {
        estimate.get().map(|estimate| match estimate {
            None => view! { <p>"This browser does not say how much storage the course uses."</p> }.into_any(),
            Some(estimate) => {
                let usage = match (estimate.usage, estimate.quota, estimate.used_percent()) {
                    (Some(usage), Some(quota), Some(percent)) => format!(
                        "The course uses {} of the {} this browser allows it ({percent:.1} %).",
                        bytes_text(usage),
                        bytes_text(quota)
                    ),
                    _ => "This browser does not say how much storage the course uses.".into(),
                };
                let kept = estimate.persisted == Some(true);
                view! {
                    <p data-testid="storage-usage">{usage}</p>
                    {estimate.nearly_full().then(|| view! {
                        <p class="notice notice-warning" role="alert">
                            "Storage is nearly full. Export your progress now, and free space in this browser, or the course may be unable to save."
                        </p>
                    })}
                    {if kept {
                        view! { <p data-testid="storage-persisted">"This browser keeps the course's data even when space runs low."</p> }.into_any()
                    } else {
                        view! {
                            <p data-testid="storage-persisted">
                                "This browser may clear the course's data when space runs low or after weeks without a visit (Safari: 7 days). Export your progress to keep a copy."
                            </p>
                            <button type="button" on:click=move |_| { persist.dispatch(()); }>"Keep my data on this device"</button>
                            {move || (persist.value().get() == Some(false)).then(|| view! {
                                <p role="status">"The browser declined. It may agree once you have used the course more, or after you install it."</p>
                            })}
                        }.into_any()
                    }}
                }
                .into_any()
            }
        })
    };
    view! {
        <section aria-labelledby="storage-title">
            <h2 id="storage-title">"Storage"</h2>
            <Transition fallback=|| view! { <p>"Measuring…"</p> }>{facts}</Transition>
        </section>
    }
}

/// The offline copy's version and what is waiting to be sent.
#[component]
fn OfflineSection() -> impl IntoView {
    let installation = Installation::use_context();
    let outbox = Outbox::use_context();
    view! {
        <section aria-labelledby="offline-title">
            <h2 id="offline-title">"Offline use"</h2>
            <p>
                {move || match installation.version.get() {
                    Some(version) => format!("The course, its lessons and exams are kept on this device for offline use (version {version})."),
                    None => "This copy of the course is not kept for offline use (no service worker in this build or browser).".into(),
                }}
            </p>
            <p>
                {move || match outbox.waiting(specialist_core::outbox::CERTIFICATE) {
                    0 => "Nothing is waiting to be sent.".to_string(),
                    1 => "1 certificate is waiting to be sent; it goes as soon as the network allows.".to_string(),
                    count => format!("{count} certificates are waiting to be sent; they go as soon as the network allows."),
                }}
            </p>
        </section>
    }
}

/// Gathers this course's state from both stores into an export: its certificates, not
/// other courses' (personal data) nor LMS statements (they carry an LMS session's token).
async fn gather(course: String, exams: Vec<String>) -> Result<ProgressExport, String> {
    let outbox = vault::outbox_entries()
        .await?
        .into_iter()
        .filter(|entry| {
            entry.kind == specialist_core::outbox::CERTIFICATE
                && vault::certificate_course(&entry.body).as_deref() == Some(course.as_str())
        })
        .collect();
    let (progress, records, practice, profile) = storage::saved_state(&course, &exams);
    ProgressExport::new(
        &course,
        utc_timestamp(time::wall_milliseconds()),
        progress,
        records,
        practice,
        profile,
        outbox,
    )
}

fn exam_ids(course: Course) -> Vec<String> {
    course
        .0
        .with_value(|manifest| manifest.exams.iter().map(|exam| exam.id.clone()).collect())
}

/// Export to a file.
#[component]
fn ExportSection() -> impl IntoView {
    let course = Course::use_context();
    let export = Action::new_local(move |_: &()| {
        let course_id = course.0.with_value(|manifest| manifest.id.clone());
        let exams = exam_ids(course);
        async move {
            let export = gather(course_id, exams).await?;
            let text = storage::export_text(&export)?;
            download::download_text(&export.file_name(), "application/json", &text)?;
            Ok::<_, String>(format!(
                "Saved {}: {}.",
                export.file_name(),
                summary_text(export.summary())
            ))
        }
    });
    view! {
        <section aria-labelledby="export-title">
            <h2 id="export-title">"Export your progress"</h2>
            <p>"A file with your lessons, exam attempts, profile and certificates, to import on another device or after this browser cleared its data."</p>
            <button type="button" on:click=move |_| { export.dispatch(()); }>"Export progress"</button>
            {move || export.value().get().map(|result| match result {
                Ok(message) => view! { <p role="status" data-testid="export-result">{message}</p> }.into_any(),
                Err(error) => view! { <p role="alert" class="notice notice-error">"The export failed: " {error}</p> }.into_any(),
            })}
        </section>
    }
}

/// Writes an imported export: progress, attempts, practice and profile first (all or
/// nothing), then the certificates (never downgrading one this device already delivered or
/// had refused); should a certificate not save, the progress is put back as it was.
async fn import(export: ProgressExport, exams: Vec<String>) -> Result<(), String> {
    let existing = vault::outbox_entries().await?;
    let before = storage::replace_saved_state(&export, &exams)?;
    for entry in &export.outbox {
        let settled_here = existing
            .iter()
            .any(|kept| kept.id == entry.id && kept.state != DeliveryState::Queued);
        if !settled_here && let Err(error) = vault::save_entry(entry).await {
            storage::restore_saved_keys(before);
            return Err(format!(
                "a certificate could not be stored ({error}); the progress was put back as it was"
            ));
        }
    }
    Ok(())
}

/// Import from a file: checked whole, summarised, and written only when the learner confirms.
#[component]
fn ImportSection() -> impl IntoView {
    let course = Course::use_context();
    let chosen = RwSignal::new(None::<Result<ProgressExport, String>>);
    let on_choose = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        let course_id = course.0.with_value(|manifest| manifest.id.clone());
        leptos::task::spawn_local(async move {
            let checked = download::file_text(file)
                .await
                .and_then(|text| storage::parse_export(&text))
                .and_then(|export| export.check(&course_id).map_err(|error| error.to_string()));
            chosen.set(Some(checked));
        });
    };
    let replace = Action::new_local(move |export: &ProgressExport| {
        let export = export.clone();
        let exams = exam_ids(course);
        async move {
            import(export, exams).await?;
            crate::platform::location::reload();
            Ok::<_, String>(())
        }
    });
    view! {
        <section aria-labelledby="import-title">
            <h2 id="import-title">"Import progress"</h2>
            <p>"Choose a file exported from this course. It replaces the progress on this device once you confirm."</p>
            <label for="import-file">"Progress file"</label>
            <input id="import-file" type="file" accept="application/json,.json" on:change=on_choose/>
            {move || chosen.get().map(|checked| match checked {
                Err(error) => view! {
                    <p role="alert" class="notice notice-error" data-testid="import-error">
                        "This file cannot be imported: " {error} ". Nothing on this device was changed."
                    </p>
                }.into_any(),
                Ok(export) => {
                    let summary = summary_text(export.summary());
                    let exported = specialist_core::timestamp::long_date(&export.exported_at).unwrap_or_else(|| export.exported_at.clone());
                    view! {
                        <div class="notice" role="status" data-testid="import-summary">
                            <p>{format!("Exported on {exported}: {summary}.")}</p>
                            <p>"Importing replaces this device's progress, attempts and profile for this course."</p>
                            <p class="notice-actions">
                                <button type="button" on:click=move |_| { replace.dispatch(export.clone()); }>"Replace this device's progress"</button>
                                <button type="button" class="secondary" on:click=move |_| chosen.set(None)>"Cancel"</button>
                            </p>
                        </div>
                    }.into_any()
                }
            })}
            {move || replace.value().get().and_then(Result::err).map(|error| view! {
                <p role="alert" class="notice notice-error">"The import failed: " {error}</p>
            })}
        </section>
    }
}
