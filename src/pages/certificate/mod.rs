//! The completion certificate: what is still missing, the profile the learner confirms,
//! signing on the device, delivery through the outbox, and the printable certificate.

mod verifier_page;

use std::collections::BTreeMap;

use leptos::prelude::*;
use specialist_core::certificate::{
    Certificate, CertificateInput, DeviceKey, Learner as LearnerIdentity, NotYetComplete, uuid_urn,
};
use specialist_core::exam::display::percent_text;
use specialist_core::manifest::CourseManifest;
use specialist_core::outbox::{DeliveryState, OutboxEntry};
use specialist_core::proof::{
    ProofOptions, attach_proof, did_key_verification_method, hash_data, proof_config,
    public_key_multibase,
};
use specialist_core::timestamp::{long_date, utc_timestamp};

use crate::components::QrCode;
use crate::outbox::Outbox;
use crate::platform::location::{local_date_time, set_document_title};
use crate::platform::{download, storage, time, vault};
use crate::route::Route;
use crate::state::{Course, Learner, Settings};

pub use verifier_page::VerifierPage;

/// The saved exam records of every exam in the course.
fn exam_records(
    manifest: &CourseManifest,
) -> BTreeMap<String, specialist_core::exam::attempt::ExamRecord> {
    manifest
        .exams
        .iter()
        .map(|exam| {
            (
                exam.id.clone(),
                storage::load_exam_record(&manifest.id, &exam.id).record,
            )
        })
        .collect()
}

/// Resolves `url` against the page, so what goes into the outbox and the QR code is absolute.
pub(crate) fn absolute(url: &str) -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(url, &base).ok())
        .map_or_else(|| url.to_string(), |resolved| resolved.href())
}

/// Builds the certificate, signs it with the device key, and queues it.
async fn issue(
    manifest: CourseManifest,
    progress: specialist_core::progress::Progress,
    learner: LearnerIdentity,
    certificates_url: String,
    outbox: Outbox,
) -> Result<(), String> {
    let (public_key, protection) = vault::device_key()
        .await
        .map_err(|error| format!("the device key is unavailable: {error}"))?;
    let now = time::wall_milliseconds();
    let issued_at = utc_timestamp(now);
    let records = exam_records(&manifest);
    let certificate = Certificate::build(CertificateInput {
        id: uuid_urn(time::random_bytes()?),
        manifest: &manifest,
        learner,
        issued_at: issued_at.clone(),
        progress: &progress,
        records: &records,
        device_key: DeviceKey {
            public_key_multibase: public_key_multibase(&public_key),
            protection,
        },
    })
    .map_err(|missing| missing.to_string())?;
    let document = certificate
        .unsigned_document()
        .map_err(|error| error.to_string())?;
    let configuration = proof_config(
        &document,
        &ProofOptions {
            created: issued_at,
            verification_method: did_key_verification_method(&public_key),
        },
    );
    let signature = vault::device_sign(&hash_data(&document, &configuration))
        .await
        .map_err(|error| format!("the device could not sign: {error}"))?;
    let secured = attach_proof(&document, configuration, &signature);
    let body = String::from_utf8(secured.to_bytes()).map_err(|error| error.to_string())?;
    outbox
        .queue(OutboxEntry::queued(
            certificate.id,
            specialist_core::outbox::CERTIFICATE,
            absolute(&certificates_url),
            body,
            now,
        ))
        .await
        .map_err(|error| format!("the certificate could not be saved: {error}"))
}

/// Reads a queued certificate's body back.
fn parse_certificate(body: &str) -> Option<Certificate> {
    let value = web_sys::js_sys::JSON::parse(body).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// The certificate page: missing steps, the profile, or the certificate and its delivery.
#[component]
pub fn CertificatePage() -> impl IntoView {
    let course = Course::use_context();
    let outbox = Outbox::use_context();
    set_document_title("Certificate");
    let course_id = course.0.with_value(|manifest| manifest.id.clone());
    let issued = Memo::new(move |_| {
        outbox.entries.with(|entries| {
            entries.iter().rev().find_map(|entry| {
                let certificate = parse_certificate(&entry.body)?;
                (entry.kind == specialist_core::outbox::CERTIFICATE
                    && certificate.course.id == course_id)
                    .then(|| (entry.clone(), certificate))
            })
        })
    });
    view! {
        <h1>"Certificate of completion"</h1>
        {move || outbox.storage_error.get().map(|error| view! { <p class="notice notice-error" role="alert">{error}</p> })}
        {move || {
            if !outbox.loaded.get() {
                return view! { <p class="status" role="status">"Loading your certificate…"</p> }.into_any();
            }
            match issued.get() {
                Some((entry, certificate)) if entry.state == DeliveryState::Rejected => view! {
                    <IssuedCertificate entry certificate/>
                    <section aria-labelledby="new-certificate-title">
                        <h2 id="new-certificate-title">"Make a new certificate"</h2>
                        <NotIssued/>
                    </section>
                }.into_any(),
                Some((entry, certificate)) => view! { <IssuedCertificate entry certificate/> }.into_any(),
                None => view! { <NotIssued/> }.into_any(),
            }
        }}
    }
}

/// Before a certificate exists: what is missing, or the profile to confirm.
#[component]
fn NotIssued() -> impl IntoView {
    let course = Course::use_context();
    let learner = Learner::use_context();
    let missing = Memo::new(move |_| {
        let progress = learner.progress.get();
        course.0.with_value(|manifest| {
            Certificate::build(CertificateInput {
                id: String::new(),
                manifest,
                learner: LearnerIdentity::default(),
                issued_at: String::new(),
                progress: &progress,
                records: &exam_records(manifest),
                device_key: DeviceKey {
                    public_key_multibase: String::new(),
                    protection: specialist_core::certificate::KeyProtection::Software,
                },
            })
            .err()
        })
    });
    move || match missing.get() {
        Some(NotYetComplete::LessonsMissing(lessons)) => {
            let titles = lessons
                .iter()
                .map(|id| {
                    let title = course.0.with_value(|manifest| {
                        manifest
                            .lesson(id)
                            .map_or_else(|| id.clone(), |(_, lesson)| lesson.title.clone())
                    });
                    view! { <li><a href=Route::lesson(id).href()>{title}</a></li> }
                })
                .collect_view();
            view! {
                <p>"Your certificate is made once you complete every required lesson and pass the exams. Lessons still to complete:"</p>
                <ul>{titles}</ul>
            }
            .into_any()
        }
        Some(NotYetComplete::ExamNotPassed(exam)) => {
            let title = course.0.with_value(|manifest| {
                manifest
                    .exams
                    .iter()
                    .find(|candidate| candidate.id == exam)
                    .map_or_else(|| exam.clone(), |found| found.title.clone())
            });
            view! {
                <p>"Your lessons are complete. Pass "<a href=Route::Exam { id: exam }.href()>{title}</a>" to earn your certificate."</p>
            }
            .into_any()
        }
        None => view! { <ProfileForm/> }.into_any(),
    }
}

/// The name, email and organisation printed on the certificate, confirmed by the learner.
#[component]
fn ProfileForm() -> impl IntoView {
    let course = Course::use_context();
    let learner = Learner::use_context();
    let settings = Settings::use_context();
    let outbox = Outbox::use_context();
    let saved = storage::load_profile().unwrap_or_default();
    let name = RwSignal::new(saved.name.clone());
    let email = RwSignal::new(saved.email.clone());
    let organisation = RwSignal::new(saved.organisation.clone());
    let problem = RwSignal::new(None::<String>);
    let create = Action::new_local(move |identity: &LearnerIdentity| {
        let identity = identity.clone();
        let manifest = course.0.get_value();
        let progress = learner.progress.get_untracked();
        let url = settings.0.with_value(|config| config.certificates_url());
        async move { issue(manifest, progress, identity, url, outbox).await }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let identity = LearnerIdentity {
            id: if saved.id.is_empty() {
                match time::random_bytes() {
                    Ok(bytes) => uuid_urn(bytes),
                    Err(error) => {
                        problem.set(Some(error));
                        return;
                    }
                }
            } else {
                saved.id.clone()
            },
            name: name.get_untracked().trim().to_string(),
            email: email.get_untracked().trim().to_string(),
            organisation: organisation.get_untracked().trim().to_string(),
        };
        if identity.name.is_empty() {
            problem.set(Some(
                "Enter your name as it should appear on the certificate.".into(),
            ));
            return;
        }
        if !identity.email.contains('@') {
            problem.set(Some("Enter your email address (it must contain @).".into()));
            return;
        }
        if let Err(error) = storage::save_profile(&identity) {
            problem.set(Some(error));
            return;
        }
        problem.set(None);
        create.dispatch(identity);
    };
    let failure = move || {
        problem.get().or_else(|| {
            create
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| format!("Your certificate could not be made: {error}"))
        })
    };
    view! {
        <p>"You have completed the course. Confirm how your name should appear; the certificate is then signed on this device and sent for verification."</p>
        <form class="profile-form" on:submit=submit novalidate>
            <label for="profile-name">"Full name"</label>
            <input id="profile-name" name="name" autocomplete="name" required
                prop:value=name on:input=move |event| name.set(event_target_value(&event))/>
            <label for="profile-email">"Email"</label>
            <input id="profile-email" name="email" type="email" autocomplete="email" required
                prop:value=email on:input=move |event| email.set(event_target_value(&event))/>
            <label for="profile-organisation">"Organisation"</label>
            <input id="profile-organisation" name="organisation" autocomplete="organization"
                prop:value=organisation on:input=move |event| organisation.set(event_target_value(&event))/>
            {move || failure().map(|message| view! { <p class="notice notice-error" role="alert">{message}</p> })}
            <button type="submit" class="button" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Signing…" } else { "Confirm and create my certificate" }}
            </button>
        </form>
    }
}

/// Words for where a certificate's delivery stands.
fn delivery_status(entry: &OutboxEntry, sending: bool) -> (String, &'static str) {
    match entry.state {
        DeliveryState::Verified => (
            "Verified: the server checked and recorded this certificate.".into(),
            "verified",
        ),
        DeliveryState::Rejected => (
            format!(
                "Rejected by the server: {}",
                entry.last_error.as_deref().unwrap_or("no reason given")
            ),
            "rejected",
        ),
        DeliveryState::Queued if sending => ("Sending to the server…".into(), "sending"),
        DeliveryState::Queued => (
            match &entry.last_error {
                None => "Queued: it will be sent to the server.".into(),
                Some(error) => format!(
                    "Queued: it will be sent when the server can be reached (next try {}). Last try: {error}",
                    local_date_time(entry.next_attempt_wall)
                ),
            },
            "queued",
        ),
    }
}

/// The signed certificate: printable, downloadable, with its delivery state.
#[component]
fn IssuedCertificate(
    /// The outbox entry holding it.
    entry: OutboxEntry,
    /// The certificate itself.
    certificate: Certificate,
) -> impl IntoView {
    let settings = Settings::use_context();
    let outbox = Outbox::use_context();
    let verification_url = absolute(
        &settings
            .0
            .with_value(|config| config.verification_url(&certificate.id)),
    );
    let co_brand = settings.0.with_value(|config| config.co_brand.clone());
    let uuid = certificate.id.trim_start_matches("urn:uuid:").to_string();
    let entry_id = entry.id.clone();
    let rejected = entry.state == DeliveryState::Rejected;
    let entry_id_again = entry.id.clone();
    let certificate_body = entry.body.clone();
    let credential = entry.response.clone();
    let delivery = Memo::new(move |_| {
        let sending = outbox.sending.with(|sending| sending.contains(&entry_id));
        delivery_status(&entry, sending)
    });
    let exams = certificate
        .exams
        .iter()
        .map(|exam| {
            view! {
                <li>
                    <span class="exam-name">{exam.title.clone()}</span>
                    ": " {percent_text(exam.score_basis_points)} " (pass mark " {percent_text(exam.pass_mark_basis_points)} ")"
                </li>
            }
        })
        .collect_view();
    let body = certificate_body;
    let body_name = format!("certificate-{uuid}.json");
    let credential_name = format!("credential-{uuid}.json");
    let download_problem = RwSignal::new(None::<String>);
    let send_again = Action::new_local(move |_: &()| {
        let id = entry_id_again.clone();
        let url = absolute(&settings.0.with_value(|config| config.certificates_url()));
        async move { outbox.send_again(&id, url).await }
    });
    view! {
        <p class=move || format!("delivery delivery-{}", delivery.get().1) role="status"
            data-state=move || delivery.get().1>{move || delivery.get().0}</p>
        <article class="certificate" aria-label="Certificate">
            <header class="certificate-brands">
                <span class="certificate-brand">"Specialist"</span>
                {co_brand.map(|brand| view! {
                    <span class="certificate-co-brand">
                        {(!brand.logo_url.is_empty()).then(|| view! { <img src=brand.logo_url.clone() alt="" height="40"/> })}
                        {brand.name}
                    </span>
                })}
            </header>
            <p class="certificate-kicker">"Certificate of completion"</p>
            <p class="certificate-intro">"This certifies that"</p>
            <p class="certificate-name">{certificate.learner.name.clone()}</p>
            {(!certificate.learner.organisation.is_empty()).then(|| view! {
                <p class="certificate-organisation">{certificate.learner.organisation.clone()}</p>
            })}
            <p class="certificate-intro">"has completed"</p>
            <p class="certificate-course">{certificate.course.title.clone()}</p>
            <p class="certificate-version">"Version " {certificate.course.version.clone()} " · issued " {long_date(&certificate.issued_at).unwrap_or_else(|| certificate.issued_at.clone())}</p>
            <ul class="certificate-scores">{exams}</ul>
            <footer class="certificate-footer">
                <div>
                    <p>"Certificate id"</p>
                    <p class="certificate-id">{uuid}</p>
                    <p>"Verify at"</p>
                    <p class="certificate-url">{verification_url.clone()}</p>
                </div>
                <QrCode text=verification_url label="QR code of the verification address".into()/>
            </footer>
        </article>
        <div class="certificate-actions">
            <button type="button" on:click=|_| { if let Some(window) = web_sys::window() { let _ = window.print(); } }>"Print"</button>
            <button type="button" on:click=move |_| download_problem.set(download::download_text(&body_name, "application/json", &body).err())>
                "Download signed certificate (JSON)"
            </button>
            {credential.map(|credential| view! {
                <button type="button" on:click=move |_| download_problem.set(download::download_text(&credential_name, "application/json", &credential).err())>
                    "Download Open Badges credential (JSON)"
                </button>
            })}
            {rejected.then(|| view! {
                <button type="button" on:click=move |_| { send_again.dispatch(()); }>"Send again"</button>
            })}
            <a href=Route::Verify.href()>"Check a certificate file"</a>
        </div>
        {move || send_again.value().get().and_then(Result::err).map(|error| view! { <p class="notice notice-error" role="alert">{error}</p> })}
        {move || download_problem.get().map(|problem| view! { <p class="notice notice-error" role="alert">{problem}</p> })}
    }
}
