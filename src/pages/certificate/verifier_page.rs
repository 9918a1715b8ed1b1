//! The in-app verifier: paste or drop a certificate or an Open Badges credential and see,
//! offline, whether its signature and structure hold.

use leptos::prelude::*;
use specialist_core::canonical::Canonical;
use specialist_core::certificate::{CERTIFICATE_TYPE, Certificate};
use specialist_core::exam::display::percent_text;
use specialist_core::exam::transcript::Transcript;
use specialist_core::proof::{proof_to_verify, public_key_from_did_key, public_key_from_multibase};

use crate::platform::location::set_document_title;
use crate::platform::{download, issuer_profile, vault};

/// One finding: whether it holds (`None`: could not be told here), and what was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Finding {
    holds: Option<bool>,
    text: String,
}

fn finding(holds: bool, text: impl Into<String>) -> Finding {
    Finding {
        holds: Some(holds),
        text: text.into(),
    }
}

fn undecided(text: impl Into<String>) -> Finding {
    Finding {
        holds: None,
        text: text.into(),
    }
}

/// A credential's issuer id: `issuer.id`, or `issuer` itself when it is a plain string.
fn issuer_id(document: &Canonical) -> Option<&str> {
    document
        .get("issuer")
        .and_then(|issuer| issuer.get("id").or(Some(issuer)))
        .and_then(Canonical::as_text)
}

/// Whether `verification_method` is a key entry (`<issuer>#…`) of `issuer`.
fn signed_by_key_of(verification_method: &str, issuer: &str) -> bool {
    verification_method.starts_with(&format!("{issuer}#"))
}

/// How the signing key of a document was found.
enum SigningKey {
    /// Read from the proof's own `did:key` (a device): proves integrity, not who signed.
    SelfDescribed([u8; 32]),
    /// Found in the configured backend's issuer profile (fetched, or the copy kept from
    /// the last fetch when offline).
    Issuer([u8; 32]),
    /// Not found: a finding says why.
    Unresolved(Finding),
}

/// Finds the key a proof names. A `did:key` carries its key; any other method must be an
/// entry of this deployment's issuer profile. Only the configured backend is asked: a
/// pasted document must not make the page fetch an address of its choosing.
async fn signing_key(
    document: &Canonical,
    verification_method: &str,
    backend_base: &str,
) -> SigningKey {
    if verification_method.starts_with("did:key:") {
        return match public_key_from_did_key(verification_method) {
            Ok(key) => SigningKey::SelfDescribed(key),
            Err(error) => {
                SigningKey::Unresolved(finding(false, format!("Verification method: {error}")))
            }
        };
    }
    let expected_issuer = super::absolute(&format!("{backend_base}api/v1/issuer"));
    let issuer_id = issuer_id(document).unwrap_or_default();
    if issuer_id != expected_issuer || !signed_by_key_of(verification_method, issuer_id) {
        return SigningKey::Unresolved(undecided(format!(
            "It is signed by {verification_method}, a key of {issuer_id}, not of this deployment's backend ({expected_issuer}); check it against that issuer's published keys."
        )));
    }
    let Some(profile) = issuer_profile::load(&expected_issuer).await else {
        return SigningKey::Unresolved(undecided(
            "The issuer's published keys could not be loaded (offline, and never loaded on this device), so the signature could not be checked.",
        ));
    };
    let listed = profile
        .get("verificationMethod")
        .and_then(Canonical::as_list)
        .and_then(|methods| {
            methods.iter().find(|method| {
                method.get("id").and_then(Canonical::as_text) == Some(verification_method)
            })
        })
        .and_then(|method| {
            method
                .get("publicKeyMultibase")
                .and_then(Canonical::as_text)
        })
        .and_then(|multibase| public_key_from_multibase(multibase).ok());
    match listed {
        Some(key) => SigningKey::Issuer(key),
        None => SigningKey::Unresolved(finding(
            false,
            "The signing key is not among the keys the issuer publishes.",
        )),
    }
}

/// Checks a document's signature and structure; returns a summary line and the findings.
async fn check(text: String, backend_base: String) -> (String, Vec<Finding>) {
    let mut findings = Vec::new();
    let Ok(value) = web_sys::js_sys::JSON::parse(&text) else {
        return (
            "This is not a JSON document.".into(),
            vec![finding(false, "The text could not be read as JSON.")],
        );
    };
    let document: Canonical = match serde_wasm_bindgen::from_value(value.clone()) {
        Ok(document) => document,
        Err(error) => {
            return (
                "This document cannot be checked.".into(),
                vec![finding(
                    false,
                    format!("Its structure is not a signed document: {error}"),
                )],
            );
        }
    };
    let proof = match proof_to_verify(&document) {
        Ok(proof) => proof,
        Err(error) => {
            return (
                "This document carries no valid proof.".into(),
                vec![finding(false, format!("Proof: {error}"))],
            );
        }
    };
    let mut self_described = false;
    let key = match signing_key(&document, &proof.verification_method, &backend_base).await {
        SigningKey::SelfDescribed(key) => {
            self_described = true;
            key
        }
        SigningKey::Issuer(key) => {
            findings.push(finding(
                true,
                "The signing key is one the issuer publishes.",
            ));
            key
        }
        SigningKey::Unresolved(unresolved) => {
            return (
                "The signature could not be checked.".into(),
                vec![unresolved],
            );
        }
    };
    let signed = vault::verify(&key, &proof.hash_data, &proof.signature)
        .await
        .unwrap_or(false);
    findings.push(finding(
        signed,
        if signed {
            format!("The eddsa-jcs-2022 signature holds (signed {}).", proof.created)
        } else {
            "The signature does not match the document: it was changed after signing, or signed by another key.".into()
        },
    ));

    let kind = document.get("type");
    let summary;
    if kind.and_then(Canonical::as_text) == Some(CERTIFICATE_TYPE) {
        match serde_wasm_bindgen::from_value::<Certificate>(value) {
            Ok(certificate) => {
                let key_matches =
                    public_key_from_multibase(&certificate.device_key.public_key_multibase)
                        .is_ok_and(|device_key| device_key == key);
                findings.push(finding(
                    key_matches,
                    if key_matches {
                        format!(
                            "It was signed by the device key it names ({}).",
                            certificate.device_key.protection.describe()
                        )
                    } else {
                        "It was signed by a key other than the device key it names.".into()
                    },
                ));
                for exam in &certificate.exams {
                    let transcript = Transcript {
                        events: exam.transcript.clone(),
                    };
                    let intact =
                        transcript.verify().is_ok() && transcript.head() == exam.transcript_head;
                    findings.push(finding(
                        intact,
                        format!(
                            "{}: {} (pass mark {}); its transcript of {} events is {}.",
                            exam.title,
                            percent_text(exam.score_basis_points),
                            percent_text(exam.pass_mark_basis_points),
                            exam.transcript.len(),
                            if intact { "intact" } else { "broken" }
                        ),
                    ));
                }
                summary = format!(
                    "Completion certificate of {} for {} {}, made {}. Only the server's credential certifies the result; this check shows the file is intact.",
                    certificate.learner.name,
                    certificate.course.title,
                    certificate.course.version,
                    certificate.issued_at
                );
            }
            Err(error) => {
                findings.push(finding(
                    false,
                    format!("Its certificate structure is wrong: {error}"),
                ));
                summary = "A certificate with a wrong structure.".into();
            }
        }
    } else if kind.and_then(Canonical::as_list).is_some_and(|types| {
        types
            .iter()
            .any(|item| item.as_text() == Some("OpenBadgeCredential"))
    }) {
        if self_described {
            // A did:key signs for itself: it vouches for a credential only when it is the
            // issuer, and even then it is not this deployment's backend.
            let issuer_is_signer = issuer_id(&document)
                .is_some_and(|issuer| signed_by_key_of(&proof.verification_method, issuer));
            findings.push(if issuer_is_signer {
                undecided("It is issued and signed by a did:key, not by this deployment's backend.")
            } else {
                finding(false, "It is signed by a key that is not the issuer's: the issuer publishes no such key.")
            });
        }
        let contexts: Vec<&str> = document
            .get("@context")
            .and_then(Canonical::as_list)
            .map(|list| list.iter().filter_map(Canonical::as_text).collect())
            .unwrap_or_default();
        let contexts_hold = contexts.first() == Some(&"https://www.w3.org/ns/credentials/v2")
            && contexts.get(1).is_some_and(|context| {
                context.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context")
            });
        findings.push(finding(
            contexts_hold,
            if contexts_hold {
                "Its contexts are VC 2.0 then Open Badges 3.0.".to_string()
            } else {
                format!("Its contexts are not VC 2.0 then Open Badges 3.0: {contexts:?}")
            },
        ));
        let text_at = |path: &[&str]| {
            path.iter()
                .try_fold(&document, |value, key| value.get(key))
                .and_then(Canonical::as_text)
                .unwrap_or("")
                .to_string()
        };
        summary = format!(
            "Open Badges credential “{}”, issued by {} on {}.",
            text_at(&["name"]),
            text_at(&["issuer", "name"]),
            text_at(&["validFrom"])
        );
    } else {
        findings.push(finding(
            false,
            "It is neither a Specialist certificate nor an Open Badges credential.",
        ));
        summary = "An unknown kind of document.".into();
    }
    (summary, findings)
}

/// Paste or drop a document; the result lists each check.
#[component]
pub fn VerifierPage() -> impl IntoView {
    set_document_title("Check a certificate");
    let text = RwSignal::new(String::new());
    let backend_base = crate::state::Settings::use_context()
        .0
        .with_value(|config| config.backend_base());
    let checking =
        Action::new_local(move |text: &String| check(text.clone(), backend_base.clone()));
    let load_file = move |file: Option<web_sys::File>| {
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                let contents = download::file_text(file)
                    .await
                    .unwrap_or_else(|error| error);
                text.set(contents.clone());
                checking.dispatch(contents);
            });
        }
    };
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        load_file(
            event
                .data_transfer()
                .and_then(|transfer| transfer.files())
                .and_then(|files| files.get(0)),
        );
    };
    let on_choose = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        load_file(input.files().and_then(|files| files.get(0)));
    };
    view! {
        <h1>"Check a certificate"</h1>
        <p>"Paste or drop a signed certificate or an Open Badges credential (JSON). The check runs on this device; nothing is sent."</p>
        <div class="drop-zone" on:dragover=|event: leptos::ev::DragEvent| event.prevent_default() on:drop=on_drop>
            <label for="verify-text">"Certificate or credential JSON"</label>
            <textarea id="verify-text" rows="8" prop:value=text
                on:input=move |event| text.set(event_target_value(&event))></textarea>
            <label for="verify-file">"Or choose a file"</label>
            <input id="verify-file" type="file" accept="application/json,.json" on:change=on_choose/>
        </div>
        <button type="button" class="button" on:click=move |_| { checking.dispatch(text.get_untracked()); }>"Check"</button>
        <div aria-live="polite">
            {move || checking.value().get().map(|(summary, findings)| {
                // Green only when every check held: a signature by a key nobody vouches for
                // (an issuer not confirmed, or not reachable now) proves nothing on its own.
                let (token, class, heading) = if findings.iter().any(|finding| finding.holds == Some(false)) {
                    ("false", "verdict verdict-fails", "This document does not hold")
                } else if findings.iter().any(|finding| finding.holds.is_none()) {
                    ("unconfirmed", "verdict verdict-unconfirmed", "The signature holds, but who signed it is not confirmed")
                } else {
                    ("true", "verdict verdict-holds", "Signature and structure hold")
                };
                view! {
                    <section class=class data-holds=token>
                        <h2>{heading}</h2>
                        <p>{summary}</p>
                        <ul class="findings">
                            {findings.into_iter().map(|finding| view! {
                                <li class=match finding.holds { Some(true) => "finding-holds", Some(false) => "finding-fails", None => "finding-undecided" }>
                                    <span class="visually-hidden">{match finding.holds { Some(true) => "Holds: ", Some(false) => "Fails: ", None => "Not checked: " }}</span>
                                    {finding.text}
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })}
        </div>
    }
}
