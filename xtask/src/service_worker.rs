//! Generating the service worker (`sw.js`) for a built bundle: the list of every file with
//! the SHA-256 of its bytes, the bundle's version, and that version stamped into index.html.
//!
//! Trunk's post-build hook runs this on every release build, and xtask runs it again on a
//! test bundle after publishing another course into it, so the list always matches the
//! files beside it.

use std::path::Path;

use sha2::{Digest, Sha256};
use specialist_core::exam::seal::{sha256_hex, to_hex};

/// The template, with `__VERSION__` and `__FILES__` to fill in.
const TEMPLATE: &str = include_str!("service-worker.js");

/// The generated worker's file name, beside index.html.
pub const SERVICE_WORKER: &str = "sw.js";

/// The meta element that tells the page which version it is.
const VERSION_META: &str = "<meta name=\"specialist-version\" content=\"";

/// Files the worker never precaches: itself, and the precompressed variants (the server
/// picks those by Accept-Encoding; the cache holds the decoded bytes).
fn precached(path: &str) -> bool {
    path != SERVICE_WORKER
        && !path.ends_with(".gz")
        && !path.ends_with(".br")
        && !path.ends_with(".DS_Store")
}

/// Every precached file of `directory` as (path relative to it with `/`, bytes), sorted.
fn bundle_files(directory: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for path in crate::bundle::files_under(directory)? {
        let relative = crate::bundle::relative_path(directory, &path);
        if precached(&relative) {
            files.push((relative, std::fs::read(&path)?));
        }
    }
    files.sort();
    Ok(files)
}

/// index.html without a version stamp (so stamping twice gives the same file). The stamp
/// is the line [`generate`] puts right after `<head>`: a newline, indentation, the element.
fn without_stamp(html: &str) -> String {
    let Some(found) = html.find(VERSION_META) else {
        return html.to_string();
    };
    let start = html[..found].trim_end_matches(' ').len();
    let start = if html[..start].ends_with('\n') {
        start - 1
    } else {
        start
    };
    let end = html[found..]
        .find('>')
        .map_or(html.len(), |offset| found + offset + 1);
    format!("{}{}", &html[..start], &html[end..])
}

/// The bundle's version: a digest of every file but index.html (which references the
/// others by hashed name and carries the stamp) and config.json (the admin's to edit).
fn version(files: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        if path == "index.html" || path == "config.json" {
            continue;
        }
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(Sha256::digest(bytes));
    }
    to_hex(&hasher.finalize())[..16].to_string()
}

/// Writes `sw.js` for the bundle in `directory` and stamps its version into index.html;
/// returns the version.
pub fn generate(directory: &Path) -> Result<String, String> {
    let index = directory.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|error| format!("reading {}: {error}", index.display()))?;
    let mut files = bundle_files(directory)
        .map_err(|error| format!("listing {}: {error}", directory.display()))?;
    let version = version(&files);
    let html = without_stamp(&html);
    let Some(head) = html.find("<head>") else {
        return Err(format!("{} has no <head>", index.display()));
    };
    let head_end = head + "<head>".len();
    let stamped = format!(
        "{}\n    {VERSION_META}{version}\">{}",
        &html[..head_end],
        &html[head_end..]
    );
    std::fs::write(&index, &stamped)
        .map_err(|error| format!("writing {}: {error}", index.display()))?;
    for (path, bytes) in &mut files {
        if path == "index.html" {
            *bytes = stamped.clone().into_bytes();
        }
    }
    let list = files
        .iter()
        .map(|(path, bytes)| format!("  [{path:?}, \"{}\"]", sha256_hex(bytes)))
        .collect::<Vec<_>>()
        .join(",\n");
    let worker = TEMPLATE
        .replace("__VERSION__", &version)
        .replace("__FILES__", &format!("[\n{list}\n]"));
    let worker_path = directory.join(SERVICE_WORKER);
    std::fs::write(&worker_path, worker)
        .map_err(|error| format!("writing {}: {error}", worker_path.display()))?;
    // A precompressed copy of a file just rewritten would be stale; the bundle step makes
    // new ones.
    for name in ["index.html", SERVICE_WORKER] {
        for suffix in ["gz", "br"] {
            let _ = std::fs::remove_file(directory.join(format!("{name}.{suffix}")));
        }
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(name: &str) -> std::path::PathBuf {
        let directory = std::env::temp_dir().join(format!(
            "xtask-service-worker-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(directory.join("course")).unwrap();
        std::fs::write(
            directory.join("index.html"),
            "<!doctype html><html><head><title>t</title></head></html>",
        )
        .unwrap();
        std::fs::write(directory.join("app-0123456789abcdef.wasm"), b"wasm").unwrap();
        std::fs::write(directory.join("app-0123456789abcdef.wasm.gz"), b"gz").unwrap();
        std::fs::write(directory.join("config.json"), "{}").unwrap();
        std::fs::write(directory.join("course/manifest.json"), "{}").unwrap();
        directory
    }

    fn worker(directory: &Path) -> String {
        std::fs::read_to_string(directory.join(SERVICE_WORKER)).unwrap()
    }

    #[test]
    fn the_worker_lists_every_file_with_its_hash_and_no_compressed_variant() {
        let directory = bundle("list");
        let version = generate(&directory).unwrap();
        let worker = worker(&directory);
        assert!(worker.contains(&format!("const VERSION = \"{version}\";")));
        let wasm_hash = sha256_hex(b"wasm");
        assert!(worker.contains(&format!("[\"app-0123456789abcdef.wasm\", \"{wasm_hash}\"]")));
        for path in ["config.json", "course/manifest.json", "index.html"] {
            assert!(
                worker.contains(&format!("[\"{path}\", ")),
                "{path} is precached"
            );
        }
        assert!(!worker.contains(".wasm.gz"));
        assert!(!worker.contains("\"sw.js\""));
        let index = std::fs::read_to_string(directory.join("index.html")).unwrap();
        assert!(index.contains(&format!(
            "<meta name=\"specialist-version\" content=\"{version}\">"
        )));
        let index_hash = sha256_hex(index.as_bytes());
        assert!(
            worker.contains(&format!("[\"index.html\", \"{index_hash}\"]")),
            "the list holds the stamped index.html"
        );
        std::fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn the_version_follows_the_files_but_not_config_json_and_stamping_twice_is_stable() {
        let directory = bundle("version");
        let first = generate(&directory).unwrap();
        let stamped = std::fs::read_to_string(directory.join("index.html")).unwrap();
        assert_eq!(generate(&directory).unwrap(), first);
        assert_eq!(
            std::fs::read_to_string(directory.join("index.html")).unwrap(),
            stamped,
            "regenerating replaces the stamp rather than adding one"
        );
        std::fs::write(directory.join("config.json"), r#"{"backend_url":"x"}"#).unwrap();
        assert_eq!(
            generate(&directory).unwrap(),
            first,
            "an admin's config edit is no new version"
        );
        std::fs::write(directory.join("course/manifest.json"), r#"{"v":2}"#).unwrap();
        assert_ne!(
            generate(&directory).unwrap(),
            first,
            "a new course is a new version"
        );
        std::fs::remove_dir_all(directory).unwrap();
    }
}
