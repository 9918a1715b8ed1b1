//! The certificate API end to end on a real SQLite file: valid certificates become signed
//! Open Badges credentials exactly once; forged, malformed and oversized ones are refused
//! with their own problem type and leave nothing stored; CORS, rate limit and issuer keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use specialist_core::canonical::Canonical;
use specialist_core::certificate::{
    Certificate, CertificateInput, CourseAuthority, DeviceKey, ExamAuthority, ExamEvidence,
    KeyProtection, Learner,
};
use specialist_core::exam::attempt::{Attempt, ExamRecord};
use specialist_core::exam::clock::ClockReading;
use specialist_core::exam::transcript::{SubmitReason, Transcript};
use specialist_core::progress::{Progress, ProgressEvent};
use specialist_core::proof::{self, ProofOptions};
use specialist_server::{AppState, Database, Issuer, RateLimit, app, load_course};

mod common;
use common::{Answer, send};

/// 2026-03-01T10:00:00Z, when every test attempt starts.
const START_WALL: i64 = 1_772_359_200_000;
/// The monotonic clock reading at that moment (milliseconds since the page loaded).
const START_MONOTONIC: u64 = 5_000;
const MINUTE: u64 = 60_000;
const CERTIFICATE_ID: &str = "urn:uuid:1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b";
const UUID: &str = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b";
const PUBLIC_URL: &str = "https://certificates.example.org/";
const ALLOWED_ORIGIN: &str = "https://lms.example.com";

fn tiny_course_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tiny-course")
}

fn tiny_course() -> CourseAuthority {
    load_course(&tiny_course_directory()).expect("the tiny course compiles")
}

fn at(offset: u64) -> ClockReading {
    ClockReading {
        wall_milliseconds: START_WALL + i64::try_from(offset).unwrap(),
        monotonic_milliseconds: START_MONOTONIC + offset,
    }
}

/// A passed attempt: every question answered right, or only the first when `only_first`
/// (one of two right is 50 %, which still passes the tiny course's 50 % mark).
fn passed_attempt(authority: &ExamAuthority, only_first: bool) -> Attempt {
    let exam = &authority.exam;
    let mut attempt = Attempt::start(exam, 1, false, 4242, 100, at(0)).unwrap();
    let ids: Vec<String> = attempt
        .questions
        .iter()
        .map(|question| question.id.clone())
        .collect();
    for (index, id) in ids.iter().enumerate() {
        if only_first && index > 0 {
            continue;
        }
        let response = authority.answer_keys[id].right_response();
        attempt
            .answer(exam, id, Some(response), at(MINUTE * (index as u64 + 1)))
            .unwrap();
    }
    attempt.submit(exam, SubmitReason::Manual, at(3 * MINUTE));
    assert!(attempt.passed());
    attempt
}

fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// A complete unsigned certificate for the tiny course: the lesson read, `check` passed at
/// 50 % and `final` at 100 %.
fn certificate(course: &CourseAuthority, id: &str) -> Certificate {
    let mut progress = Progress::new(&course.manifest.id);
    progress.apply(ProgressEvent::ReachedEnd {
        lesson: "sky".into(),
    });
    let mut records = BTreeMap::new();
    for authority in &course.exams {
        let mut record = ExamRecord::new(&course.manifest.id, &authority.exam.id);
        record
            .attempts
            .push(passed_attempt(authority, authority.exam.id == "check"));
        records.insert(authority.exam.id.clone(), record);
    }
    let public_key = device_key().verifying_key().to_bytes();
    Certificate::build(CertificateInput {
        id: id.into(),
        manifest: &course.manifest,
        learner: Learner {
            id: "learner-7".into(),
            name: "Ada <Lovelace>".into(),
            email: "ada@example.com".into(),
            organisation: "Analytical Partners".into(),
        },
        issued_at: "2026-03-01T10:30:00Z".into(),
        progress: &progress,
        records: &records,
        device_key: DeviceKey {
            public_key_multibase: proof::public_key_multibase(&public_key),
            protection: KeyProtection::WebcryptoNonExtractable,
        },
    })
    .expect("the course is complete")
}

/// The certificate signed by the test device, as the JSON body the app posts.
fn signed(certificate: &Certificate) -> Vec<u8> {
    let public_key = device_key().verifying_key().to_bytes();
    let secured = proof::sign(
        &certificate.unsigned_document().unwrap(),
        &device_key(),
        &ProofOptions {
            created: certificate.issued_at.clone(),
            verification_method: proof::did_key_verification_method(&public_key),
        },
    );
    serde_json::to_vec(&secured).unwrap()
}

/// Rebuilds a transcript's hash chain after an edit, as a forger holding the device key would.
fn rechain(evidence: &mut ExamEvidence) {
    let mut transcript = Transcript::default();
    for event in &evidence.transcript {
        transcript.append(
            event.event.clone(),
            ClockReading {
                wall_milliseconds: event.wall,
                monotonic_milliseconds: event.monotonic,
            },
        );
    }
    evidence.transcript_head = transcript.head();
    evidence.transcript = transcript.events;
}

/// A temporary folder with an empty bundle, a database and the issuer keys.
struct Fixture {
    root: tempfile::TempDir,
    course: CourseAuthority,
}

impl Fixture {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("bundle")).unwrap();
        std::fs::write(
            root.path().join("bundle/index.html"),
            "<!doctype html><title>Specialist</title>",
        )
        .unwrap();
        Self {
            root,
            course: tiny_course(),
        }
    }

    fn keys(&self) -> PathBuf {
        self.root.path().join("data/issuer-keys")
    }

    fn database(&self) -> Database {
        Database::open(&self.root.path().join("data/specialist.db")).unwrap()
    }

    fn state(&self, requests_per_minute: u32) -> AppState {
        let issuer = Issuer::load_or_create(&self.keys(), "Test Issuer").unwrap();
        AppState::new(
            self.root.path().join("bundle"),
            self.database(),
            "/",
            self.course.clone(),
            issuer,
        )
        .with_public_url(PUBLIC_URL)
        .with_cors_origins(vec![ALLOWED_ORIGIN.into()])
        .with_rate_limit(RateLimit {
            requests_per_minute,
            trust_forwarded_for: false,
        })
    }

    /// The app with a rate limit high enough never to get in the way.
    fn app(&self) -> axum::Router {
        app(self.state(10_000))
    }

    async fn rows(&self) -> u64 {
        self.database().certificate_count().await.unwrap()
    }
}

async fn post_with(router: &axum::Router, content_type: &str, body: Vec<u8>) -> Answer {
    send(
        router,
        Request::post("/api/v1/certificates")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn post(router: &axum::Router, body: Vec<u8>) -> Answer {
    post_with(router, "application/json", body).await
}

async fn get(router: &axum::Router, path: &str) -> Answer {
    send(router, Request::get(path).body(Body::empty()).unwrap()).await
}

/// The issuer's current public key, read from the published profile as a verifier would.
async fn issuer_public_key(router: &axum::Router) -> [u8; 32] {
    let profile = get(router, "/api/v1/issuer").await.json();
    let multibase = profile["verificationMethod"][0]["publicKeyMultibase"]
        .as_str()
        .unwrap();
    proof::public_key_from_multibase(multibase).unwrap()
}

#[tokio::test]
async fn a_valid_certificate_becomes_a_signed_open_badge_that_can_be_fetched_and_verified() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let certificate = certificate(&fixture.course, CERTIFICATE_ID);
    let answer = post(&router, signed(&certificate)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/json");
    let credential_url = format!("{PUBLIC_URL}api/v1/certificates/{UUID}");
    assert_eq!(answer.header("location"), credential_url);

    let credential = answer.json();
    assert_eq!(
        credential["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(credential["id"], credential_url);
    assert_eq!(
        credential["type"],
        serde_json::json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(
        credential["issuer"]["id"],
        format!("{PUBLIC_URL}api/v1/issuer")
    );
    assert_eq!(credential["issuer"]["name"], "Test Issuer");
    let subject = &credential["credentialSubject"];
    assert_eq!(subject["type"], serde_json::json!(["AchievementSubject"]));
    let achievement = &subject["achievement"];
    assert_eq!(achievement["achievementType"], "Certification");
    assert_eq!(achievement["name"], "Tiny Test Course");
    assert_eq!(achievement["version"], "1.0.0");
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("Final test (pass mark 50 %")
    );
    // The learner's name in clear and the email salted and hashed, as Open Badges 3.0 defines.
    let identifiers = subject["identifier"].as_array().unwrap();
    assert_eq!(identifiers[0]["identityType"], "name");
    assert_eq!(identifiers[0]["hashed"], false);
    assert_eq!(identifiers[0]["identityHash"], "Ada <Lovelace>");
    assert_eq!(identifiers[1]["identityType"], "emailAddress");
    assert_eq!(identifiers[1]["hashed"], true);
    let salt = identifiers[1]["salt"].as_str().unwrap();
    assert_eq!(
        identifiers[1]["identityHash"],
        specialist_server::credential::identity_hash("ada@example.com", salt)
    );
    assert!(!answer.text().contains("ada@example.com"));
    // One result per exam, each linked to a Percent result description of the achievement.
    let results = subject["result"].as_array().unwrap();
    let descriptions = achievement["resultDescription"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let values: Vec<&str> = results
        .iter()
        .map(|result| result["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["50.00", "100.00"]);
    for result in results {
        assert_eq!(result["status"], "Completed");
        let description = descriptions
            .iter()
            .find(|description| description["id"] == result["resultDescription"])
            .expect("every result names a declared description");
        assert_eq!(description["resultType"], "Percent");
    }
    let evidence = credential["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2);
    let narrative = evidence[1]["narrative"].as_str().unwrap();
    assert!(
        narrative.starts_with("Score 100.00 % (pass mark 50 %), attempt 1, time limit at 100 % (accommodation), submitted 2026-03-01T10:03:00Z, transcript SHA-256 "),
        "{narrative}"
    );
    assert!(narrative.ends_with(&certificate.exams[1].transcript_head));
    // No floats anywhere: the credential reads as an integer-only document.
    let document: Canonical = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        credential["proof"]["created"], credential["validFrom"],
        "the proof is made when the credential becomes valid"
    );

    // The proof names a key of the issuer profile; resolving it there, as a verifier
    // does, gives a key the issuer controls, and the proof verifies with it.
    let method = credential["proof"]["verificationMethod"].as_str().unwrap();
    assert!(
        method.starts_with(&format!(
            "{}#key-",
            credential["issuer"]["id"].as_str().unwrap()
        )),
        "{method}"
    );
    let profile = get(&router, "/api/v1/issuer").await.json();
    let entry = profile["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == method)
        .expect("the profile lists the proof's verification method");
    assert_eq!(entry["controller"], profile["id"]);
    let issuer_key =
        proof::public_key_from_multibase(entry["publicKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(
        issuer_key,
        issuer_public_key(&router).await,
        "the newest key signs"
    );
    let verified = proof::verify(&document, &issuer_key).expect("the issuer proof verifies");
    assert_eq!(verified.verification_method, method);
    assert_eq!(fixture.rows().await, 1);

    // GET by uuid and by the URL-encoded urn answers the same bytes.
    for path in [
        format!("/api/v1/certificates/{UUID}"),
        format!("/api/v1/certificates/urn%3Auuid%3A{UUID}"),
    ] {
        let fetched = get(&router, &path).await;
        assert_eq!(fetched.status, StatusCode::OK, "{path}");
        assert_eq!(fetched.header("content-type"), "application/json");
        assert_eq!(fetched.body, answer.body, "{path}");
    }

    let page = get(&router, &format!("/verify/{UUID}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("Genuine."), "{html}");
    assert!(
        html.contains("Ada &lt;Lovelace&gt;"),
        "the name is escaped: {html}"
    );
    assert!(!html.contains("Ada <Lovelace>"));
    assert!(html.contains("Analytical Partners"));
    assert!(html.contains("Tiny Test Course"));
    assert!(html.contains("1.0.0"));
    assert!(html.contains("2026-"), "the issued date: {html}");
    assert!(html.contains("<td>100.00 %</td><td>50.00 %</td>"), "{html}");
    assert!(html.contains(&format!("href=\"../api/v1/certificates/{UUID}\"")));
}

#[tokio::test]
async fn unknown_certificates_are_404_as_problem_json_and_as_an_html_page() {
    let fixture = Fixture::new();
    let router = fixture.app();
    get(&router, &format!("/api/v1/certificates/{UUID}"))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    get(&router, "/api/v1/certificates/not-a-uuid")
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let page = get(&router, &format!("/verify/{UUID}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.text().contains("No such certificate"));
    let escaped = get(&router, "/verify/%3Cscript%3E").await;
    assert_eq!(escaped.status, StatusCode::NOT_FOUND);
    assert!(escaped.text().contains("&lt;script&gt;"));
    assert!(!escaped.text().contains("<script>"));
}

/// Posts `body` and checks the problem it is refused with, and that nothing was stored.
async fn assert_refused(
    fixture: &Fixture,
    router: &axum::Router,
    body: Vec<u8>,
    status: StatusCode,
    code: &str,
    detail_contains: &str,
) {
    let problem = post(router, body).await.assert_problem(status, code);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(detail_contains),
        "{code}: {detail:?} should mention {detail_contains:?}"
    );
    assert_eq!(fixture.rows().await, 0, "{code} stored nothing");
}

#[tokio::test]
async fn forged_certificates_are_refused_each_with_its_own_problem_and_nothing_is_stored() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let valid = certificate(&fixture.course, CERTIFICATE_ID);

    // One flipped byte of the signature.
    let mut document: serde_json::Value = serde_json::from_slice(&signed(&valid)).unwrap();
    let proof_value = document["proof"]["proofValue"].as_str().unwrap();
    let mut signature = proof::multibase_decode(proof_value).unwrap();
    signature[10] ^= 0x01;
    document["proof"]["proofValue"] = proof::multibase_encode(&signature).into();
    assert_refused(
        &fixture,
        &router,
        serde_json::to_vec(&document).unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-signature",
        "does not verify",
    )
    .await;

    // Signed by another key than the one the certificate names.
    let mut stranger = valid.clone();
    stranger.device_key.public_key_multibase =
        proof::public_key_multibase(&SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes());
    assert_refused(
        &fixture,
        &router,
        signed(&stranger),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-signature",
        "device_key",
    )
    .await;

    // An edited score, properly re-signed: only the re-grade catches it.
    let mut score = valid.clone();
    score.exams[0].correct = 2;
    score.exams[0].score_basis_points = 10_000;
    assert_refused(
        &fixture,
        &router,
        signed(&score),
        StatusCode::UNPROCESSABLE_ENTITY,
        "score-mismatch",
        "re-grades to 1/2",
    )
    .await;

    // An edited answer in the transcript, not re-chained.
    let mut answer = valid.clone();
    let answered = answer.exams[1]
        .transcript
        .iter()
        .position(|event| {
            matches!(
                event.event,
                specialist_core::exam::transcript::EventKind::Answered { .. }
            )
        })
        .unwrap();
    if let specialist_core::exam::transcript::EventKind::Answered { response, .. } =
        &mut answer.exams[1].transcript[answered].event
    {
        *response = format!("{response}-edited");
    }
    assert_refused(
        &fixture,
        &router,
        signed(&answer),
        StatusCode::UNPROCESSABLE_ENTITY,
        "broken-transcript",
        "hash chain breaks",
    )
    .await;

    // A broken hash chain: one event removed.
    let mut removed = valid.clone();
    removed.exams[1].transcript.remove(1);
    assert_refused(
        &fixture,
        &router,
        signed(&removed),
        StatusCode::UNPROCESSABLE_ENTITY,
        "broken-transcript",
        "final",
    )
    .await;

    // An attempt longer than allowed: the answers and submission moved 30 minutes later on
    // both clocks, re-chained and re-signed.
    let mut slow = valid.clone();
    for event in slow.exams[1].transcript.iter_mut().skip(1) {
        event.wall += 30 * 60_000;
        event.monotonic += 30 * MINUTE;
    }
    rechain(&mut slow.exams[1]);
    assert_refused(
        &fixture,
        &router,
        signed(&slow),
        StatusCode::UNPROCESSABLE_ENTITY,
        "attempt-too-long",
        "longer than the",
    )
    .await;

    // A course version the server does not hold.
    let mut version = valid.clone();
    version.course.version = "9.9.9".into();
    assert_refused(
        &fixture,
        &router,
        signed(&version),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-course-version",
        "9.9.9",
    )
    .await;

    // No proof at all.
    assert_refused(
        &fixture,
        &router,
        serde_json::to_vec(&valid).unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-signature",
        "no proof",
    )
    .await;

    // An id that is not a urn:uuid.
    let bad_id = certificate(&fixture.course, "certificate-1");
    assert_refused(
        &fixture,
        &router,
        signed(&bad_id),
        StatusCode::UNPROCESSABLE_ENTITY,
        "malformed-certificate",
        "urn:uuid:",
    )
    .await;

    // The valid one still goes through afterwards.
    assert_eq!(
        post(&router, signed(&valid)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(fixture.rows().await, 1);
}

#[tokio::test]
async fn bodies_that_are_too_large_not_json_not_a_certificate_or_of_another_type_are_refused() {
    let fixture = Fixture::new();
    let router = fixture.app();

    let mut huge = b"{\"padding\":\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 300 * 1024));
    huge.extend(b"\"}");
    assert_refused(
        &fixture,
        &router,
        huge.clone(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "262144 bytes",
    )
    .await;
    // The body above carries no Content-Length, so it was cut off while read; a declared
    // length over the limit is refused before reading anything.
    let declared = send(
        &router,
        Request::post("/api/v1/certificates")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, huge.len())
            .body(Body::from(huge))
            .unwrap(),
    )
    .await;
    declared.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");

    assert_refused(
        &fixture,
        &router,
        b"{\"type\": \"SpecialistCompletionCertificate\",\n  \"format\": }".to_vec(),
        StatusCode::BAD_REQUEST,
        "malformed-json",
        "line 2 column",
    )
    .await;
    assert_refused(
        &fixture,
        &router,
        b"{\"type\": \"something else\"}".to_vec(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "malformed-certificate",
        "not a certificate",
    )
    .await;
    assert_refused(
        &fixture,
        &router,
        b"{\"score\": 87.5}".to_vec(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "malformed-certificate",
        "integer",
    )
    .await;

    let body = signed(&certificate(&fixture.course, CERTIFICATE_ID));
    for content_type in ["application/xml", "text/plain;charset=ISO-8859-1"] {
        post_with(&router, content_type, body.clone())
            .await
            .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
    send(
        &router,
        Request::post("/api/v1/certificates")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
    .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    assert_eq!(fixture.rows().await, 0);

    // Unknown API paths and methods are problems too.
    get(&router, "/api/v1/nothing")
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    send(
        &router,
        Request::delete(format!("/api/v1/certificates/{UUID}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
}

#[tokio::test]
async fn text_plain_bodies_from_a_keepalive_fetch_are_accepted() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let body = signed(&certificate(&fixture.course, CERTIFICATE_ID));
    let answer = post_with(&router, "text/plain;charset=UTF-8", body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(fixture.rows().await, 1);
}

#[tokio::test]
async fn the_same_document_twice_is_answered_with_the_same_credential_and_another_is_a_conflict() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let certificate = certificate(&fixture.course, CERTIFICATE_ID);
    let body = signed(&certificate);
    let first = post(&router, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);

    // The same document with other whitespace and key order is the same document.
    let reformatted =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&body).unwrap())
            .unwrap();
    assert_ne!(reformatted, body);
    for again in [body.clone(), reformatted] {
        let answer = post(&router, again).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, first.body, "the very same credential bytes");
        assert_eq!(answer.header("location"), first.header("location"));
    }

    // Another validly signed document under the same id.
    let mut other = certificate.clone();
    other.issued_at = "2026-03-01T11:00:00Z".into();
    post(&router, signed(&other))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(fixture.rows().await, 1);
    assert_eq!(
        get(&router, &format!("/api/v1/certificates/{UUID}"))
            .await
            .body,
        first.body
    );
}

#[tokio::test]
async fn a_passed_attempt_certifies_one_learner_and_cannot_be_copied_to_another() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let original = certificate(&fixture.course, CERTIFICATE_ID);
    assert_eq!(
        post(&router, signed(&original)).await.status,
        StatusCode::CREATED
    );

    // The same learner may make a second certificate from the same attempts (say, on a
    // new device after the first was lost).
    let mut again = original.clone();
    again.id = "urn:uuid:2b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b".into();
    again.learner.email = again.learner.email.to_uppercase();
    assert_eq!(
        post(&router, signed(&again)).await.status,
        StatusCode::CREATED
    );

    // Someone else's name and email on the same transcripts, re-signed: refused, not stored.
    let mut copied = original.clone();
    copied.id = "urn:uuid:3b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b".into();
    copied.learner.name = "Bob Copier".into();
    copied.learner.email = "bob@example.org".into();
    let answer = post(&router, signed(&copied)).await;
    answer.assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "attempt-already-certified",
    );
    assert!(
        !String::from_utf8_lossy(&answer.body).contains(&original.learner.name),
        "the refusal does not name the other learner"
    );
    assert_eq!(fixture.rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_posts_of_one_certificate_store_one_row_and_answer_one_credential() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let body = signed(&certificate(&fixture.course, CERTIFICATE_ID));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let router = router.clone();
        let body = body.clone();
        tasks.spawn(async move { post(&router, body).await });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    let created = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::CREATED)
        .count();
    let repeated = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::OK)
        .count();
    assert_eq!((created, repeated), (1, 49));
    assert!(answers.iter().all(|answer| answer.body == answers[0].body));
    assert_eq!(fixture.rows().await, 1);
}

#[tokio::test]
async fn cors_preflight_allows_the_configured_origin_only() {
    let fixture = Fixture::new();
    let router = fixture.app();
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/certificates")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = send(&router, preflight(ALLOWED_ORIGIN)).await;
    assert!(allowed.status.is_success());
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        ALLOWED_ORIGIN
    );
    assert!(
        allowed
            .header("access-control-allow-methods")
            .contains("POST")
    );
    assert!(
        allowed
            .header("access-control-allow-headers")
            .contains("content-type")
    );
    let other = send(&router, preflight("https://evil.example.net")).await;
    assert_eq!(other.header("access-control-allow-origin"), "");

    // The actual request from the allowed origin may read Location.
    let answer = send(
        &router,
        Request::post("/api/v1/certificates")
            .header(header::ORIGIN, ALLOWED_ORIGIN)
            .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(Body::from(signed(&certificate(
                &fixture.course,
                CERTIFICATE_ID,
            ))))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.header("access-control-allow-origin"), ALLOWED_ORIGIN);
    assert!(
        answer
            .header("access-control-expose-headers")
            .contains("location")
    );
}

#[tokio::test]
async fn the_fourth_post_within_a_minute_is_rate_limited_with_retry_after() {
    let fixture = Fixture::new();
    let router = app(fixture.state(3));
    let body = signed(&certificate(&fixture.course, CERTIFICATE_ID));
    let statuses = [
        post(&router, body.clone()).await.status,
        post(&router, body.clone()).await.status,
        post(&router, body.clone()).await.status,
    ];
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::OK, StatusCode::OK]
    );
    let limited = post(&router, body).await;
    limited.assert_problem(StatusCode::TOO_MANY_REQUESTS, "rate-limited");
    let retry_after: u64 = limited.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Reading is not limited.
    assert_eq!(
        get(&router, &format!("/api/v1/certificates/{UUID}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_issuer_key_is_private_reused_and_rotated_with_old_keys_still_published() {
    use std::os::unix::fs::PermissionsExt;

    let fixture = Fixture::new();
    let keys = fixture.keys();
    let first = Issuer::load_or_create(&keys, "Test Issuer").unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&keys)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(
        file.file_name().unwrap().to_str().unwrap(),
        format!("{}.json", first.current().id)
    );
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(file), 0o600);
    assert_eq!(mode(&keys), 0o700);
    let content: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(content["id"], first.current().id.as_str());
    assert!(
        content["privateKeyMultibase"]
            .as_str()
            .unwrap()
            .starts_with('z')
    );

    // A second start reuses the key.
    let second = Issuer::load_or_create(&keys, "Test Issuer").unwrap();
    assert_eq!(second.keys().len(), 1);
    assert_eq!(second.current().public_key(), first.current().public_key());

    // Rotation adds a newer key; the profile lists both, newest first, and the new one signs.
    let rotated = Issuer::rotate(&keys).unwrap();
    assert_eq!(mode(&keys.join(format!("{}.json", rotated.id))), 0o600);
    let router = fixture.app();
    let profile = get(&router, "/api/v1/issuer").await;
    assert_eq!(profile.status, StatusCode::OK);
    let profile = profile.json();
    assert_eq!(profile["id"], format!("{PUBLIC_URL}api/v1/issuer"));
    assert_eq!(profile["type"], serde_json::json!(["Profile"]));
    assert_eq!(profile["name"], "Test Issuer");
    let methods = profile["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    let issuer_id = format!("{PUBLIC_URL}api/v1/issuer");
    assert_eq!(methods[0]["id"], rotated.verification_method(&issuer_id));
    assert_eq!(
        methods[1]["id"],
        first.current().verification_method(&issuer_id)
    );
    assert_eq!(methods[0]["id"], format!("{issuer_id}#{}", rotated.id));
    for method in methods {
        assert_eq!(method["type"], "Multikey");
        assert_eq!(method["controller"], profile["id"]);
    }
    let key_document = get(
        &router,
        &format!("/api/v1/issuer/keys/{}", first.current().id),
    )
    .await;
    assert_eq!(key_document.status, StatusCode::OK);
    assert_eq!(
        key_document.json()["publicKeyMultibase"],
        first.current().public_key_multibase()
    );
    get(&router, "/api/v1/issuer/keys/key-00000000")
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");

    let answer = post(
        &router,
        signed(&certificate(&fixture.course, CERTIFICATE_ID)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(
        answer.json()["proof"]["verificationMethod"],
        rotated.verification_method(&issuer_id)
    );
    let credential: Canonical = serde_json::from_slice(&answer.body).unwrap();
    proof::verify(&credential, &rotated.public_key()).unwrap();

    // A key file others may read stops the server from starting.
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = Issuer::load_or_create(&keys, "Test Issuer")
        .unwrap_err()
        .to_string();
    assert!(error.contains("group or others"), "{error}");
    assert!(error.contains(&file.display().to_string()), "{error}");
}

#[tokio::test]
async fn under_a_base_path_credentials_and_pages_live_below_it() {
    let fixture = Fixture::new();
    let issuer = Issuer::load_or_create(&fixture.keys(), "Test Issuer").unwrap();
    let router = app(AppState::new(
        fixture.root.path().join("bundle"),
        fixture.database(),
        "/lms/pkg/123",
        fixture.course.clone(),
        issuer,
    )
    .with_public_url("https://lms.example.com/lms/pkg/123"));
    let answer = send(
        &router,
        Request::post("/lms/pkg/123/api/v1/certificates")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(signed(&certificate(
                &fixture.course,
                CERTIFICATE_ID,
            ))))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let url = format!("https://lms.example.com/lms/pkg/123/api/v1/certificates/{UUID}");
    assert_eq!(answer.header("location"), url);
    assert_eq!(answer.json()["id"], url);
    let page = get(&router, &format!("/lms/pkg/123/verify/{UUID}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Genuine."));
    assert_eq!(
        get(&router, &format!("/verify/{UUID}")).await.status,
        StatusCode::NOT_FOUND
    );
}
