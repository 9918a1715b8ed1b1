//! The Open Badges 3.0 OpenBadgeCredential the server issues for an accepted certificate,
//! signed by the issuer with an eddsa-jcs-2022 Data Integrity proof.
//!
//! The credential is built as a [`Canonical`] value, so it carries no floats (scores are
//! strings such as "87.50") and its signed bytes are exactly what JCS makes of it.

use specialist_core::canonical::{Canonical, CanonicalError, to_canonical};
use specialist_core::certificate::{Certificate, CourseAuthority, RegradedExam};
use specialist_core::exam::seal::sha256_hex;
use specialist_core::proof::{self, ProofOptions};

use crate::issuer::{Issuer, IssuerKey};

/// The credential's `@context`, in the order Open Badges 3.0 requires.
pub const CREDENTIAL_CONTEXT: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// The path, below the public URL, under which certificates and their credentials live.
pub const CERTIFICATES_PATH: &str = "api/v1/certificates/";

/// Everything a credential is made of.
pub struct CredentialInput<'a> {
    /// The accepted certificate.
    pub certificate: &'a Certificate,
    /// The exams as the server re-graded them.
    pub regraded: &'a [RegradedExam],
    /// The course the server holds.
    pub course: &'a CourseAuthority,
    /// The issuer.
    pub issuer: &'a Issuer,
    /// The key that signs.
    pub key: &'a IssuerKey,
    /// The public base URL, ending with `/`.
    pub public_url: &'a str,
    /// When the certificate was first accepted, `YYYY-MM-DDTHH:MM:SSZ`.
    pub valid_from: &'a str,
    /// A fresh random salt for the hashed email address.
    pub salt: &'a str,
}

/// The uuid part of a certificate id (`urn:uuid:<uuid>`), when the id has that form.
pub fn uuid_of(certificate_id: &str) -> Option<&str> {
    certificate_id
        .strip_prefix("urn:uuid:")
        .filter(|uuid| is_uuid(uuid))
}

/// True for a lowercase hyphenated UUID: 8-4-4-4-12 hexadecimal digits.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length
                && group
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        })
}

/// The URL of a certificate's credential: also the credential's `id`.
pub fn credential_url(public_url: &str, uuid: &str) -> String {
    format!("{public_url}{CERTIFICATES_PATH}{uuid}")
}

/// Basis points as a percent with two decimals: 8750 → "87.50".
pub fn percent_text(basis_points: u32) -> String {
    format!("{}.{:02}", basis_points / 100, basis_points % 100)
}

/// Basis points as a short percent: 6000 → "60", 6250 → "62.50".
pub fn short_percent_text(basis_points: u32) -> String {
    if basis_points.is_multiple_of(100) {
        (basis_points / 100).to_string()
    } else {
        percent_text(basis_points)
    }
}

/// An Open Badges IdentityHash: "sha256$" and the hex SHA-256 of the identity followed by the salt.
pub fn identity_hash(identity: &str, salt: &str) -> String {
    format!(
        "sha256${}",
        sha256_hex(format!("{identity}{salt}").as_bytes())
    )
}

fn text(value: impl Into<String>) -> Canonical {
    Canonical::Text(value.into())
}

fn texts<const COUNT: usize>(values: [&str; COUNT]) -> Canonical {
    Canonical::List(values.iter().map(|value| text(*value)).collect())
}

/// The achievement's id: stable for one course version.
pub fn achievement_id(course_id: &str, version: &str) -> String {
    format!("urn:specialist:achievement:{course_id}:{version}")
}

/// What completing the course requires, in words, from the manifest's completion rules.
pub fn criteria_narrative(course: &CourseAuthority) -> String {
    let manifest = &course.manifest;
    let mut parts = Vec::new();
    if manifest.completion.all_required_lessons {
        let required = manifest.lessons().filter(|lesson| lesson.required).count();
        parts.push(if required == 1 {
            "complete the required lesson".to_string()
        } else {
            format!("complete all {required} required lessons")
        });
    }
    let exams: Vec<String> = manifest
        .completion
        .exams_passed
        .iter()
        .map(|exam_id| {
            manifest
                .exams
                .iter()
                .find(|exam| &exam.id == exam_id)
                .map_or_else(
                    || exam_id.clone(),
                    |exam| {
                        format!(
                            "{} (pass mark {} %, {} min)",
                            exam.title, exam.pass_mark_percent, exam.time_limit_minutes
                        )
                    },
                )
        })
        .collect();
    if !exams.is_empty() {
        parts.push(format!("pass {}", exams.join(", ")));
    }
    let requirements = if parts.is_empty() {
        "complete the course".to_string()
    } else {
        parts.join(" and ")
    };
    format!(
        "To earn this certification a learner must {requirements} of {} version {}. \
         The issuer re-grades every exam attempt from its hash-chained transcript with the answer keys it holds, \
         and checks the time taken against the limit, before issuing the credential.",
        manifest.title, manifest.version
    )
}

/// Builds the credential and signs it with `input.key`; the answer is the signed credential.
pub fn issue(input: &CredentialInput<'_>) -> Result<Canonical, CanonicalError> {
    let certificate = input.certificate;
    let manifest = &input.course.manifest;
    let uuid = uuid_of(&certificate.id).unwrap_or(&certificate.id);
    let achievement = achievement_id(&manifest.id, &manifest.version);
    let result_description_id = |exam: &str| format!("{achievement}:result:{exam}");

    let mut identifier = vec![Canonical::object([
        ("type", text("IdentityObject")),
        ("identityType", text("name")),
        ("hashed", Canonical::Boolean(false)),
        ("identityHash", text(certificate.learner.name.clone())),
    ])];
    let email = certificate.learner.email.trim();
    if !email.is_empty() {
        identifier.push(Canonical::object([
            ("type", text("IdentityObject")),
            ("identityType", text("emailAddress")),
            ("hashed", Canonical::Boolean(true)),
            ("identityHash", text(identity_hash(email, input.salt))),
            ("salt", text(input.salt)),
        ]));
    }

    let mut result_descriptions = Vec::new();
    let mut results = Vec::new();
    let mut evidence = Vec::new();
    for regraded in input.regraded {
        let claimed = certificate
            .exams
            .iter()
            .find(|evidence| evidence.exam == regraded.exam);
        let title = claimed.map_or(regraded.exam.as_str(), |claimed| claimed.title.as_str());
        let description_id = result_description_id(&regraded.exam);
        result_descriptions.push(Canonical::object([
            ("id", text(description_id.clone())),
            ("type", texts(["ResultDescription"])),
            ("name", text(title)),
            ("resultType", text("Percent")),
            (
                "requiredValue",
                text(percent_text(regraded.pass_mark_basis_points)),
            ),
            ("valueMin", text("0.00")),
            ("valueMax", text("100.00")),
        ]));
        results.push(Canonical::object([
            ("type", texts(["Result"])),
            ("resultDescription", text(description_id)),
            ("value", text(percent_text(regraded.score_basis_points))),
            ("status", text("Completed")),
        ]));
        if let Some(claimed) = claimed {
            evidence.push(Canonical::object([
                ("type", texts(["Evidence"])),
                ("name", text(title)),
                (
                    "narrative",
                    text(format!(
                        "Score {} % (pass mark {} %), attempt {}, time limit at {} % (accommodation), submitted {}, transcript SHA-256 {}",
                        percent_text(regraded.score_basis_points),
                        short_percent_text(regraded.pass_mark_basis_points),
                        claimed.attempt,
                        claimed.accommodation_percent,
                        claimed.submitted_at,
                        claimed.transcript_head
                    )),
                ),
            ]));
        }
    }

    let mut achievement_object = Canonical::object([
        ("id", text(achievement)),
        ("type", texts(["Achievement"])),
        ("achievementType", text("Certification")),
        ("name", text(manifest.title.clone())),
        ("description", text(manifest.description.clone())),
        (
            "criteria",
            Canonical::object([("narrative", text(criteria_narrative(input.course)))]),
        ),
        ("version", text(manifest.version.clone())),
        ("inLanguage", text(manifest.language.clone())),
    ]);
    achievement_object.insert("resultDescription", Canonical::List(result_descriptions));

    let learner = &certificate.learner;
    let who = if learner.organisation.trim().is_empty() {
        learner.name.clone()
    } else {
        format!("{} ({})", learner.name, learner.organisation)
    };
    let credential = Canonical::object([
        ("@context", texts(CREDENTIAL_CONTEXT)),
        ("id", text(credential_url(input.public_url, uuid))),
        (
            "type",
            texts(["VerifiableCredential", "OpenBadgeCredential"]),
        ),
        ("name", text(format!("{} certification", manifest.title))),
        (
            "description",
            text(format!(
                "{who} completed {} version {} and passed its exams, re-graded by the issuer.",
                manifest.title, manifest.version
            )),
        ),
        (
            "issuer",
            to_canonical(&input.issuer.reference(input.public_url))?,
        ),
        ("validFrom", text(input.valid_from)),
        (
            "credentialSubject",
            Canonical::object([
                ("type", texts(["AchievementSubject"])),
                ("identifier", Canonical::List(identifier)),
                ("achievement", achievement_object),
                ("result", Canonical::List(results)),
            ]),
        ),
        ("evidence", Canonical::List(evidence)),
    ]);
    Ok(proof::sign(
        &credential,
        input.key.signing_key(),
        &ProofOptions {
            created: input.valid_from.to_string(),
            verification_method: input.key.verification_method(&Issuer::id(input.public_url)),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hashes_match_the_open_badges_example() {
        // The example in the Open Badges 3.0 data model: 'a@example.com' salted with 'Kosher'.
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }

    #[test]
    fn percents_are_text_with_two_decimals() {
        assert_eq!(percent_text(8750), "87.50");
        assert_eq!(percent_text(10_000), "100.00");
        assert_eq!(percent_text(5), "0.05");
        assert_eq!(short_percent_text(6000), "60");
        assert_eq!(short_percent_text(6250), "62.50");
    }

    #[test]
    fn only_lowercase_hyphenated_uuids_are_certificate_ids() {
        assert_eq!(
            uuid_of("urn:uuid:00000000-0000-4000-8000-000000000001"),
            Some("00000000-0000-4000-8000-000000000001")
        );
        for bad in [
            "urn:uuid:x",
            "00000000-0000-4000-8000-000000000001",
            "urn:uuid:00000000-0000-4000-8000-00000000000G",
            "urn:uuid:00000000-0000-4000-8000-00000000000A",
            "urn:uuid:000000000000-4000-8000-000000000001",
        ] {
            assert_eq!(uuid_of(bad), None, "{bad}");
        }
    }
}
