//! The issuer's Ed25519 keys: created on first run, kept one JSON file per key with owner-only
//! permissions, rotated by adding a key, and published as Multikey verification methods.
//!
//! Every key file in the folder is loaded: the newest signs new credentials, and all of
//! them stay published so that credentials signed before a rotation still verify.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::json;
use specialist_core::exam::seal::sha256_hex;
use specialist_core::proof::{multibase_decode, multibase_encode, public_key_multibase};
use specialist_core::timestamp::{parse_utc_timestamp, utc_timestamp};

/// The multicodec prefix of an Ed25519 private key (0x1300, as an unsigned varint).
const ED25519_PRIVATE_KEY_PREFIX: [u8; 2] = [0x80, 0x26];

/// The issuer name used when none is configured.
pub const DEFAULT_ISSUER_NAME: &str = "Specialist";

/// The `@context` of the issuer profile, as Open Badges 3.0 orders it.
pub const PROFILE_CONTEXT: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// A problem with the issuer keys, naming the file or folder.
#[derive(Debug)]
pub struct IssuerError {
    path: PathBuf,
    problem: String,
}

impl IssuerError {
    fn new(path: &Path, problem: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for IssuerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "issuer key {}: {}",
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for IssuerError {}

/// One issuer key: its id, when it was made, and the key pair.
#[derive(Clone)]
pub struct IssuerKey {
    /// `key-<first 8 hex digits of SHA-256 of the public key>`; also the key file's name.
    pub id: String,
    /// When the key was made, `YYYY-MM-DDTHH:MM:SSZ`; the newest signs.
    pub created: String,
    signing_key: SigningKey,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private half never reaches a log line.
        formatter
            .debug_struct("IssuerKey")
            .field("id", &self.id)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// The key whose private seed is `seed`, dated `created` (`YYYY-MM-DDTHH:MM:SSZ`). The
    /// server draws seeds itself; this is for tests and tools that bring their own.
    pub fn from_seed(seed: [u8; 32], created: String) -> Self {
        let signing_key = SigningKey::from_bytes(&seed);
        let id = key_id(&signing_key.verifying_key().to_bytes());
        Self {
            id,
            created,
            signing_key,
        }
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key.verifying_key().to_bytes()
    }

    /// The key for signing.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// The public key in Multikey form, `z6Mk…`.
    pub fn public_key_multibase(&self) -> String {
        public_key_multibase(&self.public_key())
    }

    /// The verification method that proofs made with this key name: the key's entry in
    /// the issuer profile `issuer_id` (`…/api/v1/issuer#key-…`), so a verifier that
    /// resolves it finds a key the issuer controls.
    pub fn verification_method(&self, issuer_id: &str) -> String {
        format!("{issuer_id}#{}", self.id)
    }

    /// The Multikey document of this key, controlled by the issuer profile `issuer_id`.
    pub fn multikey(&self, issuer_id: &str) -> serde_json::Value {
        json!({
            "id": self.verification_method(issuer_id),
            "type": "Multikey",
            "controller": issuer_id,
            "publicKeyMultibase": self.public_key_multibase(),
        })
    }
}

/// `key-` and the first 8 hexadecimal digits of SHA-256 over the public key.
fn key_id(public_key: &[u8; 32]) -> String {
    format!("key-{}", &sha256_hex(public_key)[..8])
}

/// What a key file holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KeyFile {
    id: String,
    created: String,
    private_key_multibase: String,
}

/// The issuer: a name and every key in its folder, newest first.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The name shown in the profile and in credentials.
    pub name: String,
    keys: Vec<IssuerKey>,
}

impl Issuer {
    /// An issuer with the given keys (at least one), for tests and tools that keep keys elsewhere.
    ///
    /// # Panics
    ///
    /// When `keys` is empty: an issuer without a key could sign nothing.
    pub fn from_keys(name: impl Into<String>, mut keys: Vec<IssuerKey>) -> Self {
        assert!(!keys.is_empty(), "an issuer needs at least one key");
        sort_newest_first(&mut keys);
        Self {
            name: name.into(),
            keys,
        }
    }

    /// Loads every key in `directory`, creating the folder and a first key when there is none.
    /// Refuses key files that group or others may read, and files that are not key files.
    pub fn load_or_create(directory: &Path, name: &str) -> Result<Self, IssuerError> {
        create_private_directory(directory)?;
        let mut keys = load_keys(directory)?;
        if keys.is_empty() {
            let key = generate_key(directory, &keys)?;
            tracing::info!(key = %key.id, folder = %directory.display(), "created the issuer key");
            keys.push(key);
        }
        Ok(Self::from_keys(name, keys))
    }

    /// Adds a new key to `directory` that is newer than every key there, so it signs from the
    /// next start on; the old keys stay, so what they signed still verifies.
    pub fn rotate(directory: &Path) -> Result<IssuerKey, IssuerError> {
        create_private_directory(directory)?;
        let keys = load_keys(directory)?;
        generate_key(directory, &keys)
    }

    /// The key that signs new credentials: the newest.
    pub fn current(&self) -> &IssuerKey {
        &self.keys[0]
    }

    /// Every key, newest first.
    pub fn keys(&self) -> &[IssuerKey] {
        &self.keys
    }

    /// The key with this id.
    pub fn key(&self, id: &str) -> Option<&IssuerKey> {
        self.keys.iter().find(|key| key.id == id)
    }

    /// The key a proof's `verificationMethod` names, if it is one of this issuer's (at
    /// `public_url`).
    pub fn key_for_verification_method(
        &self,
        public_url: &str,
        verification_method: &str,
    ) -> Option<&IssuerKey> {
        let issuer_id = Self::id(public_url);
        self.keys
            .iter()
            .find(|key| key.verification_method(&issuer_id) == verification_method)
    }

    /// The issuer id: the URL of the profile.
    pub fn id(public_url: &str) -> String {
        format!("{public_url}api/v1/issuer")
    }

    /// The short Profile embedded in credentials: id, type and name.
    pub fn reference(&self, public_url: &str) -> serde_json::Value {
        json!({
            "id": Self::id(public_url),
            "type": ["Profile"],
            "name": self.name,
        })
    }

    /// The full Open Badges 3.0 Profile with every key as a Multikey, newest first.
    pub fn profile(&self, public_url: &str) -> serde_json::Value {
        let id = Self::id(public_url);
        json!({
            "@context": PROFILE_CONTEXT,
            "id": id,
            "type": ["Profile"],
            "name": self.name,
            "verificationMethod": self
                .keys
                .iter()
                .map(|key| key.multikey(&id))
                .collect::<Vec<_>>(),
        })
    }
}

/// Newest `created` first; equal times fall back to the id so the order never depends on
/// the order the folder lists its files in.
fn sort_newest_first(keys: &mut [IssuerKey]) {
    keys.sort_by(|left, right| {
        right
            .created
            .cmp(&left.created)
            .then_with(|| right.id.cmp(&left.id))
    });
}

/// The current time in milliseconds since the epoch.
pub(crate) fn now_milliseconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// Creates the folder readable by the owner only (its parents as usual) if it does not
/// exist, and warns when an existing folder is open to group or others.
fn create_private_directory(directory: &Path) -> Result<(), IssuerError> {
    if directory.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(metadata) = std::fs::metadata(directory) {
                let mode = metadata.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        folder = %directory.display(),
                        mode = %format!("{mode:04o}"),
                        "the issuer key folder is open to group or others; chmod 700 it"
                    );
                }
            }
        }
        return Ok(());
    }
    if let Some(parent) = directory
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            IssuerError::new(parent, format!("cannot create the folder: {error}"))
        })?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(directory)
        .map_err(|error| IssuerError::new(directory, format!("cannot create the folder: {error}")))
}

/// Reads every `*.json` file in the folder as a key.
fn load_keys(directory: &Path) -> Result<Vec<IssuerKey>, IssuerError> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| IssuerError::new(directory, format!("cannot read the folder: {error}")))?;
    let mut keys: Vec<IssuerKey> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| {
            IssuerError::new(directory, format!("cannot read the folder: {error}"))
        })?;
        let path = entry.path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("json") {
            continue;
        }
        let key = load_key(&path)?;
        if let Some(twin) = keys.iter().find(|known| known.id == key.id) {
            return Err(IssuerError::new(
                &path,
                format!("holds the same key as {} (both {})", twin.id, key.id),
            ));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Reads one key file, refusing it when group or others may read it or when it is malformed.
fn load_key(path: &Path) -> Result<IssuerKey, IssuerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::metadata(path)
            .map_err(|error| IssuerError::new(path, format!("cannot be read: {error}")))?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(IssuerError::new(
                path,
                format!(
                    "is open to group or others (mode {mode:04o}); a private key must be readable by its owner only: run chmod 600 on it"
                ),
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| IssuerError::new(path, format!("cannot be read: {error}")))?;
    let file: KeyFile = serde_json::from_str(&text).map_err(|error| {
        IssuerError::new(
            path,
            format!("is not a key file {{\"id\", \"created\", \"privateKeyMultibase\"}}: {error}"),
        )
    })?;
    if parse_utc_timestamp(&file.created).is_none() {
        return Err(IssuerError::new(
            path,
            format!(
                "created {:?} is not a UTC timestamp like 2026-01-31T12:00:00Z",
                file.created
            ),
        ));
    }
    let bytes = multibase_decode(&file.private_key_multibase)
        .map_err(|error| IssuerError::new(path, format!("privateKeyMultibase is {error}")))?;
    let seed: [u8; 32] = bytes
        .strip_prefix(&ED25519_PRIVATE_KEY_PREFIX)
        .and_then(|seed| seed.try_into().ok())
        .ok_or_else(|| {
            IssuerError::new(
                path,
                "privateKeyMultibase is not an Ed25519 private key (0x80 0x26 and 32 bytes)",
            )
        })?;
    let key = IssuerKey::from_seed(seed, file.created);
    if key.id != file.id {
        return Err(IssuerError::new(
            path,
            format!(
                "id {:?} does not match its key, whose id is {:?}",
                file.id, key.id
            ),
        ));
    }
    Ok(key)
}

/// Draws a new key, newer than every key in `existing`, and writes it to the folder.
fn generate_key(directory: &Path, existing: &[IssuerKey]) -> Result<IssuerKey, IssuerError> {
    let mut seed = [0; 32];
    getrandom::getrandom(&mut seed).map_err(|error| {
        IssuerError::new(directory, format!("cannot draw a random key: {error}"))
    })?;
    // Timestamps have whole seconds, so a key made in the same second as the newest one
    // is dated a second later: "the newest signs" must never be a tie.
    let newest = existing
        .iter()
        .filter_map(|key| parse_utc_timestamp(&key.created))
        .max();
    let now = now_milliseconds();
    let created = match newest {
        Some(newest) if newest >= now - now.rem_euclid(1000) => utc_timestamp(newest + 1000),
        _ => utc_timestamp(now),
    };
    let key = IssuerKey::from_seed(seed, created);
    let mut private_key = ED25519_PRIVATE_KEY_PREFIX.to_vec();
    private_key.extend_from_slice(&seed);
    let file = KeyFile {
        id: key.id.clone(),
        created: key.created.clone(),
        private_key_multibase: multibase_encode(&private_key),
    };
    let mut text = serde_json::to_string_pretty(&file)
        .map_err(|error| IssuerError::new(directory, error.to_string()))?;
    text.push('\n');
    write_private_file(&directory.join(format!("{}.json", key.id)), text.as_bytes())?;
    Ok(key)
}

/// Writes a file that only its owner may read: created with mode 0600 (never wider, not even
/// for a moment), written beside its final name and renamed into place, so a crash leaves
/// either no key file or a whole one.
fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), IssuerError> {
    let temporary = path.with_extension("json.partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(IssuerError::new(
            path,
            format!("cannot be written: {error}"),
        ));
    }
    // The rename is durable once the folder itself is synced.
    if let Some(parent) = path.parent()
        && let Ok(folder) = std::fs::File::open(parent)
    {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_id_is_the_first_four_bytes_of_the_public_key_hash() {
        let key = IssuerKey::from_seed([1; 32], "2026-01-01T00:00:00Z".into());
        assert!(key.id.starts_with("key-"));
        assert_eq!(key.id.len(), 12);
        assert_eq!(
            key.verification_method("https://example.org/api/v1/issuer"),
            format!("https://example.org/api/v1/issuer#{}", key.id)
        );
    }

    #[test]
    fn the_newest_key_comes_first_and_ties_are_broken_by_id() {
        let older = IssuerKey::from_seed([1; 32], "2026-01-01T00:00:00Z".into());
        let newer = IssuerKey::from_seed([2; 32], "2026-02-01T00:00:00Z".into());
        let issuer = Issuer::from_keys("Test", vec![older.clone(), newer.clone()]);
        assert_eq!(issuer.current().id, newer.id);
        assert_eq!(issuer.keys()[1].id, older.id);
    }
}
