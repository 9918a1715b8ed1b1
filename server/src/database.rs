//! The SQLite store: opening (creating on first run), schema migrations, and async access.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// Migrations in order; `PRAGMA user_version` records how many have run.
/// Append only: a released migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: when this database was created and by which server version.
    "CREATE TABLE instance (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
     );
     INSERT INTO instance (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));",
    // 2: every accepted certificate, once, with the credential issued for it.
    "CREATE TABLE certificates (
        id              TEXT PRIMARY KEY NOT NULL,
        document_sha256 TEXT NOT NULL,
        document        BLOB NOT NULL,
        credential      BLOB NOT NULL,
        course_id       TEXT NOT NULL,
        course_version  TEXT NOT NULL,
        learner_name    TEXT NOT NULL,
        received_at     TEXT NOT NULL
     ) STRICT;",
    // 3: which learner each certified attempt belongs to, so one passed attempt cannot
    // be copied into certificates for other learners.
    "CREATE TABLE certified_attempts (
        course_id      TEXT NOT NULL,
        exam_id        TEXT NOT NULL,
        seed           INTEGER NOT NULL,
        learner        TEXT NOT NULL,
        certificate_id TEXT NOT NULL,
        PRIMARY KEY (course_id, exam_id, seed)
     ) STRICT;",
];

/// A certificate as stored: the document the device signed and the credential issued for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The certificate id, `urn:uuid:…`; the idempotency key.
    pub id: String,
    /// SHA-256 (hex) of the document's canonical (RFC 8785) bytes.
    pub document_sha256: String,
    /// The document's canonical bytes, device proof included.
    pub document: Vec<u8>,
    /// The issued credential, exactly the bytes every answer carries.
    pub credential: Vec<u8>,
    /// The course id.
    pub course_id: String,
    /// The course version.
    pub course_version: String,
    /// The learner's name, for finding a certificate by hand.
    pub learner_name: String,
    /// When the certificate was first accepted (the credential's validFrom).
    pub received_at: String,
}

/// What storing a certificate did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// This call stored it.
    Inserted(StoredCertificate),
    /// A certificate with the same id was already stored (perhaps a different document);
    /// it is returned unchanged.
    AlreadyThere(StoredCertificate),
    /// An attempt of this certificate was already certified for another learner; nothing
    /// was stored.
    AttemptTaken {
        /// The exam whose attempt was taken.
        exam: String,
    },
}

/// One attempt a certificate relies on, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedAttempt {
    /// The exam id.
    pub exam: String,
    /// The attempt's seed (below 2^53).
    pub seed: u64,
}

/// A problem with the database, naming the file.
#[derive(Debug)]
pub struct DatabaseError {
    path: PathBuf,
    action: &'static str,
    cause: String,
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "cannot {} the database at {}: {}",
            self.action,
            self.path.display(),
            self.cause
        )
    }
}

impl std::error::Error for DatabaseError {}

/// A shared handle to the SQLite database. SQLite calls block, so they run on
/// tokio's blocking pool, never on the request threads.
#[derive(Clone)]
pub struct Database {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl Database {
    /// Opens the database at `path`, creating the file and its folder on first run
    /// and bringing the schema up to date.
    pub fn open(path: &Path) -> Result<Self, DatabaseError> {
        let error = |action: &'static str, cause: String| DatabaseError {
            path: path.to_path_buf(),
            action,
            cause,
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|cause| error("create the folder of", cause.to_string()))?;
        }
        let mut connection =
            Connection::open(path).map_err(|cause| error("open", cause.to_string()))?;
        connection
            .execute_batch(
                // FULL makes every commit durable before the server answers 201: a credential
                // the client was told about must survive a power cut.
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
            )
            .map_err(|cause| error("open", cause.to_string()))?;
        migrate(&mut connection).map_err(|cause| error("migrate", cause.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// The schema version the database is at (the number of migrations applied).
    pub fn schema_version(&self) -> usize {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        connection
            .query_row("PRAGMA user_version", [], |row| row.get::<_, usize>(0))
            .unwrap_or(0)
    }

    /// Runs `work` with the connection on tokio's blocking pool. The one connection sits
    /// behind a mutex, so each call sees and leaves the database in a consistent state.
    async fn run<T, Work>(&self, action: &'static str, work: Work) -> Result<T, DatabaseError>
    where
        T: Send + 'static,
        Work: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let database = self.clone();
        let error = move |cause: String| DatabaseError {
            path: database.path.clone(),
            action,
            cause,
        };
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(|join_error| error(join_error.to_string()))?
        .map_err(|cause| error(cause.to_string()))
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> Result<(), DatabaseError> {
        self.run("query", |connection| {
            connection
                .query_row("SELECT count(*) FROM instance", [], |row| {
                    row.get::<_, i64>(0)
                })
                .map(|_| ())
        })
        .await
    }

    /// The stored certificate with this id, if any.
    pub async fn find_certificate(
        &self,
        id: &str,
    ) -> Result<Option<StoredCertificate>, DatabaseError> {
        let id = id.to_string();
        self.run("read a certificate from", move |connection| {
            select_certificate(connection, &id)
        })
        .await
    }

    /// Stores `certificate` unless one with its id is already there, and returns what is
    /// stored under that id. The insert and the read happen in one transaction, so any
    /// number of concurrent calls with one id store exactly one row and all see it.
    pub async fn store_certificate(
        &self,
        certificate: StoredCertificate,
        learner: String,
        attempts: Vec<CertifiedAttempt>,
    ) -> Result<Stored, DatabaseError> {
        self.run("store a certificate in", move |connection| {
            let transaction = connection.transaction()?;
            let inserted = transaction.execute(
                "INSERT INTO certificates
                    (id, document_sha256, document, credential, course_id, course_version, learner_name, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO NOTHING",
                rusqlite::params![
                    certificate.id,
                    certificate.document_sha256,
                    certificate.document,
                    certificate.credential,
                    certificate.course_id,
                    certificate.course_version,
                    certificate.learner_name,
                    certificate.received_at,
                ],
            )? == 1;
            if inserted {
                for attempt in &attempts {
                    let seed = i64::try_from(attempt.seed).unwrap_or(i64::MAX);
                    transaction.execute(
                        "INSERT INTO certified_attempts (course_id, exam_id, seed, learner, certificate_id)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (course_id, exam_id, seed) DO NOTHING",
                        rusqlite::params![certificate.course_id, attempt.exam, seed, learner, certificate.id],
                    )?;
                    let owner: String = transaction.query_row(
                        "SELECT learner FROM certified_attempts
                         WHERE course_id = ?1 AND exam_id = ?2 AND seed = ?3",
                        rusqlite::params![certificate.course_id, attempt.exam, seed],
                        |row| row.get(0),
                    )?;
                    if owner != learner {
                        // Dropping the transaction rolls the certificate back too.
                        return Ok(Stored::AttemptTaken {
                            exam: attempt.exam.clone(),
                        });
                    }
                }
            }
            let stored = select_certificate(&transaction, &certificate.id)?
                .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            transaction.commit()?;
            Ok(if inserted {
                Stored::Inserted(stored)
            } else {
                Stored::AlreadyThere(stored)
            })
        })
        .await
    }

    /// How many certificates are stored.
    pub async fn certificate_count(&self) -> Result<u64, DatabaseError> {
        self.run("count the certificates in", |connection| {
            connection.query_row("SELECT count(*) FROM certificates", [], |row| {
                row.get::<_, u64>(0)
            })
        })
        .await
    }
}

/// Reads one certificate row.
fn select_certificate(
    connection: &Connection,
    id: &str,
) -> rusqlite::Result<Option<StoredCertificate>> {
    let mut statement = connection.prepare_cached(
        "SELECT id, document_sha256, document, credential, course_id, course_version, learner_name, received_at
         FROM certificates WHERE id = ?1",
    )?;
    let mut rows = statement.query([id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    Ok(Some(StoredCertificate {
        id: row.get(0)?,
        document_sha256: row.get(1)?,
        document: row.get(2)?,
        credential: row.get(3)?,
        course_id: row.get(4)?,
        course_version: row.get(5)?,
        learner_name: row.get(6)?,
        received_at: row.get(7)?,
    }))
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let applied: usize = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index + 1)?;
        transaction.commit()?;
    }
    Ok(())
}
