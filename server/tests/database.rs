//! The SQLite store on a real file: created on first run, reopened without loss, and clear errors.

use specialist_server::Database;

#[tokio::test]
async fn the_database_and_its_folder_are_created_on_first_run_and_reopen_at_the_same_schema() {
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("nested/data/specialist.db");
    let first = Database::open(&path).unwrap();
    assert!(path.is_file());
    let version = first.schema_version();
    assert!(version >= 1);
    first.ping().await.unwrap();
    drop(first);
    let again = Database::open(&path).unwrap();
    assert_eq!(
        again.schema_version(),
        version,
        "reopening applies no migration twice"
    );
    again.ping().await.unwrap();
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_its_path_and_left_untouched() {
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("specialist.db");
    let garbage = b"this is not an SQLite database, and it must not be overwritten".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let error = Database::open(&path)
        .err()
        .expect("garbage is refused")
        .to_string();
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.starts_with("cannot "), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}
