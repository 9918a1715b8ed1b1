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
];

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
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
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

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> Result<(), DatabaseError> {
        let database = self.clone();
        tokio::task::spawn_blocking(move || {
            let connection = database
                .connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            connection
                .query_row("SELECT count(*) FROM instance", [], |row| {
                    row.get::<_, i64>(0)
                })
                .map(|_| ())
                .map_err(|cause| DatabaseError {
                    path: database.path.clone(),
                    action: "query",
                    cause: cause.to_string(),
                })
        })
        .await
        .map_err(|join_error| DatabaseError {
            path: self.path.clone(),
            action: "query",
            cause: join_error.to_string(),
        })?
    }
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
