//! Reproduces the W3C eddsa-jcs-2022 test vectors step by step, then checks that verification refuses tampering.
//!
//! The vectors come from w3c/vc-di-eddsa (see tests/fixtures/VECTORS.md). The signed
//! document is the "Alumni Credential"; its unsigned form is signedJCS.json without its
//! proof (the folder's unsigned.json is a different credential, used by other suites), and
//! canonDocJCS.txt pins that choice. The .txt files end without a newline, so they are
//! compared byte for byte with nothing trimmed.

use std::fs;

use sha2::{Digest, Sha256};
use specialist_core::canonical::Canonical;
use specialist_core::proof::{
    self, ProofError, ProofOptions, did_key_verification_method, hash_data, multibase_decode,
    multibase_encode, proof_config, proof_to_verify, public_key_from_did_key,
    public_key_from_multibase, public_key_multibase,
};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/eddsa-jcs-2022"
);

/// The multicodec prefix of an Ed25519 private key (0x1300, as an unsigned varint).
const ED25519_PRIVATE_KEY_PREFIX: [u8; 2] = [0x80, 0x26];

fn fixture_text(name: &str) -> String {
    let path = format!("{VECTORS}/{name}");
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn fixture_json(name: &str) -> Canonical {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn key_pair_text(member: &str) -> String {
    fixture_json("keyPair.json")
        .get(member)
        .and_then(Canonical::as_text)
        .unwrap()
        .to_string()
}

/// The vector's public key, read from publicKeyMultibase.
fn vector_public_key() -> [u8; 32] {
    public_key_from_multibase(&key_pair_text("publicKeyMultibase")).unwrap()
}

/// The vector's 32-byte Ed25519 seed, read from privateKeyMultibase.
fn vector_seed() -> [u8; 32] {
    let bytes = multibase_decode(&key_pair_text("privateKeyMultibase")).unwrap();
    let seed = bytes
        .strip_prefix(&ED25519_PRIVATE_KEY_PREFIX)
        .expect("an Ed25519 private key multicodec");
    seed.try_into().unwrap()
}

/// The credential as signed: signedJCS.json without its proof.
fn unsigned_document() -> Canonical {
    let mut document = fixture_json("signedJCS.json");
    document
        .remove("proof")
        .expect("the signed vector has a proof");
    document
}

fn vector_options() -> ProofOptions {
    let signed = fixture_json("signedJCS.json");
    let proof = signed.get("proof").unwrap();
    ProofOptions {
        created: proof
            .get("created")
            .and_then(Canonical::as_text)
            .unwrap()
            .into(),
        verification_method: proof
            .get("verificationMethod")
            .and_then(Canonical::as_text)
            .unwrap()
            .into(),
    }
}

#[test]
fn key_pair_multibase_round_trips() {
    let public_text = key_pair_text("publicKeyMultibase");
    let public_key = vector_public_key();
    assert_eq!(public_key_multibase(&public_key), public_text);
    assert!(public_text.starts_with("z6Mk"));

    let private_text = key_pair_text("privateKeyMultibase");
    let mut private_bytes = ED25519_PRIVATE_KEY_PREFIX.to_vec();
    private_bytes.extend_from_slice(&vector_seed());
    assert_eq!(multibase_encode(&private_bytes), private_text);

    let method = did_key_verification_method(&public_key);
    assert_eq!(method, vector_options().verification_method);
    assert_eq!(public_key_from_did_key(&method).unwrap(), public_key);
}

#[test]
fn canonical_document_matches_the_vector() {
    assert_eq!(
        String::from_utf8(unsigned_document().to_bytes()).unwrap(),
        fixture_text("canonDocJCS.txt")
    );
}

#[test]
fn proof_configuration_matches_the_vector() {
    let config = proof_config(&unsigned_document(), &vector_options());
    assert_eq!(
        String::from_utf8(config.to_bytes()).unwrap(),
        fixture_text("proofCanonJCS.txt")
    );
    assert_eq!(config, fixture_json("proofConfigJCS.json"));
}

#[test]
fn hashes_match_the_vector() {
    let document = unsigned_document();
    let config = proof_config(&document, &vector_options());
    assert_eq!(
        hex(&Sha256::digest(document.to_bytes())),
        fixture_text("docHashJCS.txt")
    );
    assert_eq!(
        hex(&Sha256::digest(config.to_bytes())),
        fixture_text("proofHashJCS.txt")
    );
    let combined = hash_data(&document, &config);
    assert_eq!(hex(&combined), fixture_text("combinedHashJCS.txt"));
    assert_eq!(
        &combined[..32],
        Sha256::digest(config.to_bytes()).as_slice(),
        "the proof configuration's hash comes first"
    );
}

#[test]
fn the_signed_vector_takes_apart_without_crypto() {
    let parts = proof_to_verify(&fixture_json("signedJCS.json")).unwrap();
    assert_eq!(hex(&parts.hash_data), fixture_text("combinedHashJCS.txt"));
    assert_eq!(hex(&parts.signature), fixture_text("sigHexJCS.txt"));
    assert_eq!(
        multibase_encode(&parts.signature),
        fixture_text("sigBTC58JCS.txt")
    );
    let options = vector_options();
    assert_eq!(parts.verification_method, options.verification_method);
    assert_eq!(parts.created, options.created);
}

#[test]
fn attaching_the_vector_signature_gives_the_signed_vector() {
    let document = unsigned_document();
    let config = proof_config(&document, &vector_options());
    let signature: [u8; 64] = multibase_decode(&fixture_text("sigBTC58JCS.txt"))
        .unwrap()
        .try_into()
        .unwrap();
    let secured = proof::attach_proof(&document, config, &signature);
    assert_eq!(
        serde_json::to_value(&secured).unwrap(),
        serde_json::from_str::<serde_json::Value>(&fixture_text("signedJCS.json")).unwrap()
    );
}

#[test]
fn another_cryptosuite_is_refused_before_any_signature_check() {
    let mut secured = fixture_json("signedJCS.json");
    let mut proof = secured.remove("proof").unwrap();
    proof.insert("cryptosuite", Canonical::Text("ecdsa-jcs-2019".into()));
    secured.insert("proof", proof);
    let error = proof_to_verify(&secured).unwrap_err();
    assert_eq!(
        error,
        ProofError::UnexpectedValue {
            member: "cryptosuite",
            found: "ecdsa-jcs-2019".into(),
            expected: "eddsa-jcs-2022",
        }
    );
    assert_eq!(
        error.to_string(),
        "the proof's cryptosuite is \"ecdsa-jcs-2019\", expected \"eddsa-jcs-2022\""
    );
}

#[test]
fn a_proof_value_that_is_not_multibase_is_refused() {
    let mut secured = fixture_json("signedJCS.json");
    let mut proof = secured.remove("proof").unwrap();
    proof.insert("proofValue", Canonical::Text("uQUJD".into()));
    secured.insert("proof", proof);
    let error = proof_to_verify(&secured).unwrap_err();
    assert!(matches!(error, ProofError::ProofValue(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("proofValue is not base58btc multibase"),
        "{error}"
    );
}

#[cfg(feature = "crypto")]
mod with_crypto {
    use ed25519_dalek::SigningKey;
    use specialist_core::proof::{sign, verify, verify_signature};

    use super::*;

    fn vector_signing_key() -> SigningKey {
        let key = SigningKey::from_bytes(&vector_seed());
        assert_eq!(key.verifying_key().to_bytes(), vector_public_key());
        key
    }

    /// signedJCS.json with its proof edited by `edit`.
    fn with_edited_proof(edit: impl FnOnce(&mut Canonical)) -> Canonical {
        let mut secured = fixture_json("signedJCS.json");
        let mut proof = secured.remove("proof").unwrap();
        edit(&mut proof);
        secured.insert("proof", proof);
        secured
    }

    #[test]
    fn signing_reproduces_the_vector_signature_and_document() {
        let secured = sign(
            &unsigned_document(),
            &vector_signing_key(),
            &vector_options(),
        );
        let proof_value = secured
            .get("proof")
            .and_then(|proof| proof.get("proofValue"))
            .and_then(Canonical::as_text)
            .unwrap();
        assert_eq!(proof_value, fixture_text("sigBTC58JCS.txt"));
        assert_eq!(
            hex(&multibase_decode(proof_value).unwrap()),
            fixture_text("sigHexJCS.txt")
        );
        assert_eq!(
            serde_json::to_value(&secured).unwrap(),
            serde_json::from_str::<serde_json::Value>(&fixture_text("signedJCS.json")).unwrap()
        );
    }

    #[test]
    fn signing_a_signed_document_replaces_its_proof() {
        let secured = sign(
            &fixture_json("signedJCS.json"),
            &vector_signing_key(),
            &vector_options(),
        );
        assert_eq!(
            secured.to_bytes(),
            fixture_json("signedJCS.json").to_bytes()
        );
    }

    #[test]
    fn the_signed_vector_verifies_with_the_vector_key() {
        let parts = verify(&fixture_json("signedJCS.json"), &vector_public_key()).unwrap();
        assert_eq!(
            public_key_from_did_key(&parts.verification_method).unwrap(),
            vector_public_key()
        );
    }

    #[test]
    fn a_flipped_signature_byte_is_refused() {
        let secured = with_edited_proof(|proof| {
            let mut signature = multibase_decode(
                proof
                    .get("proofValue")
                    .and_then(Canonical::as_text)
                    .unwrap(),
            )
            .unwrap();
            signature[10] ^= 0x01;
            proof.insert("proofValue", Canonical::Text(multibase_encode(&signature)));
        });
        assert_eq!(
            verify(&secured, &vector_public_key()),
            Err(ProofError::InvalidSignature)
        );
    }

    #[test]
    fn an_edited_credential_subject_is_refused() {
        let mut secured = fixture_json("signedJCS.json");
        let mut subject = secured.remove("credentialSubject").unwrap();
        subject.insert(
            "alumniOf",
            Canonical::Text("The School of Counterexamples".into()),
        );
        secured.insert("credentialSubject", subject);
        assert_eq!(
            verify(&secured, &vector_public_key()),
            Err(ProofError::InvalidSignature)
        );
    }

    #[test]
    fn a_wrong_key_is_refused() {
        let other_key = SigningKey::from_bytes(&[42; 32]).verifying_key().to_bytes();
        assert_eq!(
            verify(&fixture_json("signedJCS.json"), &other_key),
            Err(ProofError::InvalidSignature)
        );
    }

    #[test]
    fn a_changed_creation_time_is_refused() {
        let secured = with_edited_proof(|proof| {
            proof.insert("created", Canonical::Text("2023-02-24T23:36:39Z".into()));
        });
        assert_eq!(
            verify(&secured, &vector_public_key()),
            Err(ProofError::InvalidSignature)
        );
    }

    #[test]
    fn another_cryptosuite_is_refused_by_verify() {
        let secured = with_edited_proof(|proof| {
            proof.insert("cryptosuite", Canonical::Text("eddsa-rdfc-2022".into()));
        });
        assert!(matches!(
            verify(&secured, &vector_public_key()),
            Err(ProofError::UnexpectedValue {
                member: "cryptosuite",
                ..
            })
        ));
    }

    #[test]
    fn a_public_key_off_the_curve_is_refused() {
        // y = 2 has no x on edwards25519, so these bytes decode to no point.
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        let error = verify_signature(&not_a_point, b"message", &[0; 64]).unwrap_err();
        assert!(matches!(error, ProofError::PublicKey(_)), "{error:?}");
    }
}
