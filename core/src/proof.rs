//! W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite (<https://www.w3.org/TR/vc-di-eddsa/>).
//!
//! A proof signs SHA-256(JCS(proof configuration)) ‖ SHA-256(JCS(document without its proof))
//! with Ed25519 and carries the signature as base58btc multibase in `proofValue`.
//!
//! Everything that is not elliptic-curve arithmetic lives here without extra dependencies:
//! base58btc and multibase, `did:key` for Ed25519 keys, building the proof configuration,
//! hashing, attaching a proof and taking a secured document apart for verification. The
//! signing and verifying themselves sit behind the `crypto` feature (ed25519-dalek), which
//! the server enables and the app's WebAssembly build leaves off to stay small.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::canonical::Canonical;

/// The proof type of every Data Integrity proof.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite this module implements.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The only proof purpose this module signs and accepts: an issuer asserting a claim.
pub const PROOF_PURPOSE: &str = "assertionMethod";

/// The multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint).
const ED25519_PUBLIC_KEY_PREFIX: [u8; 2] = [0xed, 0x01];

/// The Bitcoin base58 alphabet, which multibase calls base58btc.
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Why a proof could not be built, read or verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The secured document is not a JSON object.
    DocumentNotAnObject,
    /// The secured document has no `proof` member.
    MissingProof,
    /// `proof` is an array (a proof set or chain); only a single proof object is accepted.
    ProofSet,
    /// `proof` is neither an object nor an array.
    ProofNotAnObject,
    /// A member the proof needs is missing or is not a string.
    MissingMember(&'static str),
    /// A member of the proof has a value other than the one this cryptosuite requires.
    UnexpectedValue {
        /// The member's name.
        member: &'static str,
        /// The value found.
        found: String,
        /// The value required.
        expected: &'static str,
    },
    /// The proof's `@context` differs from the document's.
    ContextMismatch,
    /// Text that should be base58btc multibase is not; the text says what is wrong.
    Multibase(String),
    /// `proofValue` is unusable; the text says why.
    ProofValue(String),
    /// A public key is malformed; the text says why.
    PublicKey(String),
    /// A verification method is not a `did:key` of an Ed25519 key; the text says why.
    VerificationMethod(String),
    /// The signature does not verify with the given key over the document and proof.
    InvalidSignature,
}

impl fmt::Display for ProofError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DocumentNotAnObject => formatter.write_str("the secured document is not a JSON object"),
            Self::MissingProof => formatter.write_str("the document has no \"proof\""),
            Self::ProofSet => formatter.write_str(
                "the document's \"proof\" is an array (a proof set); only a single proof object is accepted",
            ),
            Self::ProofNotAnObject => formatter.write_str("the document's \"proof\" is not an object"),
            Self::MissingMember(member) => {
                write!(formatter, "the proof has no string \"{member}\"")
            }
            Self::UnexpectedValue {
                member,
                found,
                expected,
            } => write!(
                formatter,
                "the proof's {member} is {found:?}, expected {expected:?}"
            ),
            Self::ContextMismatch => {
                formatter.write_str("the proof's \"@context\" differs from the document's")
            }
            Self::Multibase(reason) => write!(formatter, "not base58btc multibase: {reason}"),
            Self::ProofValue(reason) => write!(formatter, "proofValue {reason}"),
            Self::PublicKey(reason) => write!(formatter, "the public key {reason}"),
            Self::VerificationMethod(reason) => {
                write!(formatter, "the verification method {reason}")
            }
            Self::InvalidSignature => formatter.write_str(
                "the signature does not verify: the document, its proof or the key differ from what was signed",
            ),
        }
    }
}

impl std::error::Error for ProofError {}

/// Encodes bytes in base58 with the Bitcoin alphabet; each leading zero byte becomes a '1'.
pub fn base58_encode(bytes: &[u8]) -> String {
    let leading_zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    // Base-58 digits of the number the bytes spell (big-endian), least significant first.
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for byte in &bytes[leading_zeros..] {
        let mut carry = u32::from(*byte);
        for digit in &mut digits {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut text = String::with_capacity(leading_zeros + digits.len());
    text.extend(std::iter::repeat_n('1', leading_zeros));
    text.extend(
        digits
            .iter()
            .rev()
            .map(|digit| char::from(BASE58_ALPHABET[usize::from(*digit)])),
    );
    text
}

/// The longest base58 text decoded: a 64-byte signature with a prefix is under 100
/// characters. Decoding is quadratic in the length, so longer input is refused unread.
pub const LONGEST_BASE58: usize = 128;

/// Decodes base58 text in the Bitcoin alphabet; each leading '1' becomes a zero byte.
pub fn base58_decode(text: &str) -> Result<Vec<u8>, ProofError> {
    if text.len() > LONGEST_BASE58 {
        return Err(ProofError::Multibase(format!(
            "the base58 text is {} characters long; keys and signatures take at most {LONGEST_BASE58}",
            text.len()
        )));
    }
    let leading_ones = text.bytes().take_while(|byte| *byte == b'1').count();
    // Bytes of the number, least significant first.
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len() * 733 / 1000 + 1);
    for character in text[leading_ones..].chars() {
        let value = u8::try_from(character)
            .ok()
            .and_then(|ascii| BASE58_ALPHABET.iter().position(|letter| *letter == ascii))
            .ok_or_else(|| {
                ProofError::Multibase(format!("{character:?} is not a base58btc character"))
            })?;
        let mut carry = value as u32;
        for byte in &mut bytes {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut decoded = vec![0; leading_ones];
    decoded.extend(bytes.iter().rev());
    Ok(decoded)
}

/// Multibase base58btc: "z" followed by the base58 text of the bytes.
pub fn multibase_encode(bytes: &[u8]) -> String {
    format!("z{}", base58_encode(bytes))
}

/// Reads multibase base58btc text ("z…") back into bytes.
pub fn multibase_decode(text: &str) -> Result<Vec<u8>, ProofError> {
    let Some(base58) = text.strip_prefix('z') else {
        return Err(ProofError::Multibase(format!(
            "{text:?} does not start with \"z\", the base58btc prefix"
        )));
    };
    base58_decode(base58)
}

/// The multibase form of an Ed25519 public key ("z6Mk…"): base58btc of 0xed 0x01 ‖ key.
pub fn public_key_multibase(public_key: &[u8; 32]) -> String {
    let mut bytes = ED25519_PUBLIC_KEY_PREFIX.to_vec();
    bytes.extend_from_slice(public_key);
    multibase_encode(&bytes)
}

/// Reads an Ed25519 public key from its multibase form, checking the 0xed 0x01 prefix.
pub fn public_key_from_multibase(text: &str) -> Result<[u8; 32], ProofError> {
    let bytes =
        multibase_decode(text).map_err(|error| ProofError::PublicKey(format!("is {error}")))?;
    let Some(key) = bytes.strip_prefix(&ED25519_PUBLIC_KEY_PREFIX) else {
        return Err(ProofError::PublicKey(
            "does not start with the Ed25519 multicodec prefix 0xed 0x01".into(),
        ));
    };
    key.try_into().map_err(|_| {
        ProofError::PublicKey(format!(
            "has {} bytes after its prefix, an Ed25519 key has 32",
            key.len()
        ))
    })
}

/// The `did:key` verification method of an Ed25519 public key: "did:key:{mb}#{mb}".
pub fn did_key_verification_method(public_key: &[u8; 32]) -> String {
    let multibase = public_key_multibase(public_key);
    format!("did:key:{multibase}#{multibase}")
}

/// Reads the Ed25519 public key out of a "did:key:{mb}#{mb}" verification method.
pub fn public_key_from_did_key(verification_method: &str) -> Result<[u8; 32], ProofError> {
    let Some(rest) = verification_method.strip_prefix("did:key:") else {
        return Err(ProofError::VerificationMethod(format!(
            "{verification_method:?} does not start with \"did:key:\""
        )));
    };
    let Some((identifier, fragment)) = rest.split_once('#') else {
        return Err(ProofError::VerificationMethod(format!(
            "{verification_method:?} has no \"#\" fragment naming the key"
        )));
    };
    if identifier != fragment {
        return Err(ProofError::VerificationMethod(format!(
            "{verification_method:?} names a fragment other than its own key"
        )));
    }
    public_key_from_multibase(identifier)
}

/// The parts of a proof that the signer chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    /// When the proof was made, as an XML Schema dateTime ("2023-02-24T23:36:38Z"); passed in
    /// because this crate reads no clock.
    pub created: String,
    /// The key that signs, for example a `did:key` from [`did_key_verification_method`].
    pub verification_method: String,
}

/// The proof configuration: the proof without its `proofValue`, plus the document's
/// `@context` when it has one, as eddsa-jcs-2022 prescribes.
pub fn proof_config(document: &Canonical, options: &ProofOptions) -> Canonical {
    let mut config = Canonical::object([
        ("type", Canonical::Text(PROOF_TYPE.into())),
        ("cryptosuite", Canonical::Text(CRYPTOSUITE.into())),
        ("created", Canonical::Text(options.created.clone())),
        (
            "verificationMethod",
            Canonical::Text(options.verification_method.clone()),
        ),
        ("proofPurpose", Canonical::Text(PROOF_PURPOSE.into())),
    ]);
    if let Some(context) = document.get("@context") {
        config.insert("@context", context.clone());
    }
    config
}

/// The 64 bytes that are signed: SHA-256 of the canonical proof configuration, then SHA-256
/// of the canonical document. The document must be given without its proof.
pub fn hash_data(document: &Canonical, proof_config: &Canonical) -> [u8; 64] {
    let mut hash = [0; 64];
    hash[..32].copy_from_slice(&Sha256::digest(proof_config.to_bytes()));
    hash[32..].copy_from_slice(&Sha256::digest(document.to_bytes()));
    hash
}

/// The secured document: `document` with `proof` set to the configuration plus the
/// signature as `proofValue`.
///
/// # Panics
///
/// When `document` is not an object; only objects can carry a proof.
pub fn attach_proof(
    document: &Canonical,
    proof_config: Canonical,
    signature: &[u8; 64],
) -> Canonical {
    let mut proof = proof_config;
    proof.insert("proofValue", Canonical::Text(multibase_encode(signature)));
    let mut secured = document.clone();
    secured.insert("proof", proof);
    secured
}

/// What a verifier needs once a secured document has been taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofToVerify {
    /// The bytes the signature must cover (see [`hash_data`]).
    pub hash_data: [u8; 64],
    /// The Ed25519 signature decoded from `proofValue`.
    pub signature: [u8; 64],
    /// The proof's `verificationMethod`, for the caller to map to a trusted key.
    pub verification_method: String,
    /// The proof's `created`.
    pub created: String,
}

/// The proof's string member `member`.
fn proof_text<'a>(proof: &'a Canonical, member: &'static str) -> Result<&'a str, ProofError> {
    proof
        .get(member)
        .and_then(Canonical::as_text)
        .ok_or(ProofError::MissingMember(member))
}

/// Checks that the proof's `member` is exactly `expected`.
fn expect_value(
    proof: &Canonical,
    member: &'static str,
    expected: &'static str,
) -> Result<(), ProofError> {
    let found = proof_text(proof, member)?;
    if found == expected {
        Ok(())
    } else {
        Err(ProofError::UnexpectedValue {
            member,
            found: found.to_string(),
            expected,
        })
    }
}

/// Takes a secured document apart: checks that its single proof is an eddsa-jcs-2022
/// assertion, decodes the signature and computes the bytes it must cover. The signature
/// itself is checked by `verify` (feature `crypto`) or by the caller.
pub fn proof_to_verify(secured: &Canonical) -> Result<ProofToVerify, ProofError> {
    if secured.as_object().is_none() {
        return Err(ProofError::DocumentNotAnObject);
    }
    let mut document = secured.clone();
    let mut proof = match document.remove("proof") {
        None => return Err(ProofError::MissingProof),
        Some(Canonical::List(_)) => return Err(ProofError::ProofSet),
        Some(proof @ Canonical::Object(_)) => proof,
        Some(_) => return Err(ProofError::ProofNotAnObject),
    };
    expect_value(&proof, "type", PROOF_TYPE)?;
    expect_value(&proof, "cryptosuite", CRYPTOSUITE)?;
    expect_value(&proof, "proofPurpose", PROOF_PURPOSE)?;
    let created = proof_text(&proof, "created")?.to_string();
    let verification_method = proof_text(&proof, "verificationMethod")?.to_string();
    if let Some(context) = proof.get("@context")
        && document.get("@context") != Some(context)
    {
        return Err(ProofError::ContextMismatch);
    }

    let Some(Canonical::Text(proof_value)) = proof.remove("proofValue") else {
        return Err(ProofError::MissingMember("proofValue"));
    };
    let signature_bytes = multibase_decode(&proof_value)
        .map_err(|error| ProofError::ProofValue(format!("is not base58btc multibase ({error})")))?;
    let signature: [u8; 64] = signature_bytes.as_slice().try_into().map_err(|_| {
        ProofError::ProofValue(format!(
            "decodes to {} bytes, but an Ed25519 signature has 64",
            signature_bytes.len()
        ))
    })?;

    // What is left of the proof is exactly the configuration that was signed.
    Ok(ProofToVerify {
        hash_data: hash_data(&document, &proof),
        signature,
        verification_method,
        created,
    })
}

/// Signs `document` and returns it secured with an eddsa-jcs-2022 proof. A proof the
/// document already carries is replaced, so it is neither signed nor kept.
#[cfg(feature = "crypto")]
pub fn sign(
    document: &Canonical,
    signing_key: &ed25519_dalek::SigningKey,
    options: &ProofOptions,
) -> Canonical {
    use ed25519_dalek::Signer;

    let mut unsecured = document.clone();
    unsecured.remove("proof");
    let config = proof_config(&unsecured, options);
    let signature = signing_key.sign(&hash_data(&unsecured, &config));
    attach_proof(&unsecured, config, &signature.to_bytes())
}

/// Checks an Ed25519 signature with the strict rules (no small-order keys, canonical
/// encodings), so that one signature cannot verify under two keys or two messages.
#[cfg(feature = "crypto")]
pub fn verify_signature(
    public_key: &[u8; 32],
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), ProofError> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
        .map_err(|_| ProofError::PublicKey("is not a point on the Ed25519 curve".into()))?;
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(message, &signature)
        .map_err(|_| ProofError::InvalidSignature)
}

/// Verifies a secured document's eddsa-jcs-2022 proof with `public_key` and returns the
/// proof's parts. Which key to trust for the proof's `verificationMethod` is the caller's
/// decision: this checks only that `public_key` made the signature.
#[cfg(feature = "crypto")]
pub fn verify(secured: &Canonical, public_key: &[u8; 32]) -> Result<ProofToVerify, ProofError> {
    let proof = proof_to_verify(secured)?;
    verify_signature(public_key, &proof.hash_data, &proof.signature)?;
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_matches_known_encodings() {
        // Examples from the base58 draft (draft-msporny-base58).
        assert_eq!(base58_encode(b"Hello World!"), "2NEpo7TZRRrLZSi2U");
        assert_eq!(
            base58_encode(b"The quick brown fox jumps over the lazy dog."),
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"
        );
        assert_eq!(base58_encode(&[0, 0, 0x28, 0x7f, 0xb4, 0xcd]), "11233QC4");
        assert_eq!(base58_encode(&[]), "");
        assert_eq!(base58_encode(&[0]), "1");
        assert_eq!(
            base58_decode("11233QC4").unwrap(),
            [0, 0, 0x28, 0x7f, 0xb4, 0xcd]
        );
        assert_eq!(base58_decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn overlong_base58_is_refused_before_it_is_decoded() {
        let long = "2".repeat(LONGEST_BASE58 + 1);
        let error = base58_decode(&long).unwrap_err().to_string();
        assert!(error.contains("at most 128"), "{error}");
        assert!(public_key_from_multibase(&format!("z{}", "2".repeat(300_000))).is_err());
    }

    #[test]
    fn base58_round_trips() {
        let mut state = 0x2545_f491_u32;
        for length in 0..80 {
            let bytes: Vec<u8> = (0..length)
                .map(|index| {
                    // A small deterministic generator; the leading bytes are zero now and then.
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    if index < 2 && length % 3 == 0 {
                        0
                    } else {
                        (state >> 16) as u8
                    }
                })
                .collect();
            assert_eq!(base58_decode(&base58_encode(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn multibase_refuses_other_bases_and_characters() {
        assert!(matches!(
            multibase_decode("f00ff"),
            Err(ProofError::Multibase(reason)) if reason.contains("does not start with \"z\"")
        ));
        for bad in ["z0OIl", "zé"] {
            assert!(
                matches!(multibase_decode(bad), Err(ProofError::Multibase(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn did_keys_must_name_their_own_key() {
        let key = [7; 32];
        let method = did_key_verification_method(&key);
        assert!(method.starts_with("did:key:z6Mk"), "{method}");
        assert_eq!(public_key_from_did_key(&method).unwrap(), key);

        let other = public_key_multibase(&[8; 32]);
        let mismatched = format!("{}#{other}", method.split_once('#').unwrap().0);
        assert!(matches!(
            public_key_from_did_key(&mismatched),
            Err(ProofError::VerificationMethod(_))
        ));
        assert!(matches!(
            public_key_from_did_key("did:web:example.org#key-1"),
            Err(ProofError::VerificationMethod(_))
        ));
        // Right encoding, wrong multicodec (0x1200 is P-256 in "zDna…" keys).
        let wrong_codec = multibase_encode(&[0x80, 0x24, 1, 2, 3]);
        assert!(matches!(
            public_key_from_multibase(&wrong_codec),
            Err(ProofError::PublicKey(reason)) if reason.contains("0xed 0x01")
        ));
    }

    #[test]
    fn proof_to_verify_names_what_is_wrong() {
        let document = Canonical::object([("name", Canonical::Text("x".into()))]);
        let options = ProofOptions {
            created: "2024-01-01T00:00:00Z".into(),
            verification_method: did_key_verification_method(&[7; 32]),
        };
        let secured = attach_proof(&document, proof_config(&document, &options), &[1; 64]);
        let parts = proof_to_verify(&secured).unwrap();
        assert_eq!(parts.signature, [1; 64]);
        assert_eq!(parts.created, options.created);
        assert_eq!(
            parts.hash_data,
            hash_data(&document, &proof_config(&document, &options))
        );

        let mut set = secured.clone();
        let proof = set.remove("proof").unwrap();
        set.insert("proof", Canonical::List(vec![proof.clone()]));
        assert_eq!(proof_to_verify(&set), Err(ProofError::ProofSet));
        assert_eq!(proof_to_verify(&document), Err(ProofError::MissingProof));
        assert_eq!(
            proof_to_verify(&Canonical::Null),
            Err(ProofError::DocumentNotAnObject)
        );

        let mut purpose = secured.clone();
        let mut wrong = proof.clone();
        wrong.insert("proofPurpose", Canonical::Text("authentication".into()));
        purpose.insert("proof", wrong);
        assert_eq!(
            proof_to_verify(&purpose).unwrap_err().to_string(),
            "the proof's proofPurpose is \"authentication\", expected \"assertionMethod\""
        );

        let mut short = secured.clone();
        let mut wrong = proof.clone();
        wrong.insert("proofValue", Canonical::Text(multibase_encode(&[1; 63])));
        short.insert("proof", wrong);
        assert!(matches!(
            proof_to_verify(&short),
            Err(ProofError::ProofValue(reason)) if reason.contains("63 bytes")
        ));

        let mut context = secured;
        let mut wrong = proof;
        wrong.insert("@context", Canonical::Text("https://example.org/".into()));
        context.insert("proof", wrong);
        assert_eq!(proof_to_verify(&context), Err(ProofError::ContextMismatch));
    }
}
