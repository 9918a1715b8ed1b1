//! Naming the app's two builds by content hash and telling index.html's loader about them.
//!
//! Trunk builds the study and the full build (src/capabilities.rs) and injects neither
//! (index.html's loader picks one); the full build is a `data-type="worker"` app only because
//! Trunk allows one main app. This step, run after every build by Trunk's post-build hook
//! and again for every test bundle (a republished course changes the lesson files), renames
//! both `specialist-<build>-<16 hex>.js` / `_bg.wasm` (so the server serves them as
//! immutable) and
//! writes their names, the snippets each imports (preloaded with it rather than after it)
//! and each lesson's file into the `specialist-builds` JSON element.

use std::path::Path;

use sha2::{Digest, Sha256};
use specialist_core::exam::seal::to_hex;

/// The two builds, by the Cargo binary names in index.html.
pub const BUILDS: [(&str, &str); 2] = [("study", "specialist-study"), ("full", "specialist-full")];

/// The element index.html's loader reads.
const ELEMENT_START: &str = "<script id=\"specialist-builds\" type=\"application/json\">";

/// Renames freshly built apps to hashed names and writes the loader's JSON into index.html.
pub fn stamp(directory: &Path) -> Result<(), String> {
    let mut builds = serde_json::Map::new();
    for (key, name) in BUILDS {
        let (js, wasm) = hashed_names(directory, name)?;
        let source = std::fs::read_to_string(directory.join(&js))
            .map_err(|error| format!("cannot read {js}: {error}"))?;
        let imports = static_imports(&source);
        builds.insert(
            key.into(),
            serde_json::json!({ "js": js, "wasm": wasm, "imports": imports }),
        );
    }
    builds.insert("lessons".into(), lesson_files(directory)?.into());
    let index = directory.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|error| format!("cannot read {}: {error}", index.display()))?;
    let range = element_range(&html).map_err(|error| format!("{}: {error}", index.display()))?;
    let json = serde_json::Value::Object(builds).to_string();
    let stamped = format!("{}{json}{}", &html[..range.start], &html[range.end..]);
    std::fs::write(&index, stamped)
        .map_err(|error| format!("cannot write {}: {error}", index.display()))
}

/// The JSON index.html's loader reads, as [`stamp`] wrote it into `html`.
pub fn read(html: &str) -> Result<serde_json::Value, String> {
    let range = element_range(html)?;
    serde_json::from_str(&html[range]).map_err(|error| format!("the builds element: {error}"))
}

/// Where the builds element's JSON is in `html`, between its tags.
fn element_range(html: &str) -> Result<std::ops::Range<usize>, String> {
    let start = html
        .find(ELEMENT_START)
        .map(|found| found + ELEMENT_START.len())
        .ok_or_else(|| format!("no {ELEMENT_START} element"))?;
    let end = start
        + html[start..]
            .find("</script>")
            .ok_or("the builds element is not closed")?;
    Ok(start..end)
}

/// The files a wasm-bindgen JS module imports statically (its snippets), deduplicated.
fn static_imports(js: &str) -> Vec<String> {
    let mut imports: Vec<String> = Vec::new();
    for line in js.lines().filter(|line| line.starts_with("import ")) {
        let Some(path) = line
            .split(['\'', '"'])
            .nth(1)
            .map(|path| path.trim_start_matches("./").to_string())
        else {
            continue;
        };
        if !imports.contains(&path) {
            imports.push(path);
        }
    }
    imports
}

/// The build's JS and wasm, renamed (when they are not yet) to a SHA-256 of their bytes:
/// Trunk leaves the full build unhashed, and its own hash of the study build drops leading
/// zeros, which the server's `name-<16 hex>` rule for immutable files would not recognise.
fn hashed_names(directory: &Path, name: &str) -> Result<(String, String), String> {
    let (js, wasm) = current_files(directory, name)?;
    let read = |file: &str| {
        std::fs::read(directory.join(file)).map_err(|error| format!("cannot read {file}: {error}"))
    };
    let mut hasher = Sha256::new();
    hasher.update(read(&js)?);
    hasher.update(read(&wasm)?);
    let hash = to_hex(&hasher.finalize())[..16].to_string();
    let named = (
        format!("{name}-{hash}.js"),
        format!("{name}-{hash}_bg.wasm"),
    );
    if js != named.0 {
        for (from, to) in [(&js, &named.0), (&wasm, &named.1)] {
            std::fs::rename(directory.join(from), directory.join(to))
                .map_err(|error| format!("cannot rename {from}: {error}"))?;
        }
    }
    Ok(named)
}

/// The one build of `name` in `directory`: `name.js` as Trunk wrote it, or `name-<hex>.js`.
fn current_files(directory: &Path, name: &str) -> Result<(String, String), String> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| format!("cannot list {}: {error}", directory.display()))?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".js") else {
            continue;
        };
        let ours = stem == name
            || stem.strip_prefix(&format!("{name}-")).is_some_and(|hash| {
                (1..=16).contains(&hash.len()) && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
            });
        if ours {
            found.push((file.clone(), format!("{stem}_bg.wasm")));
        }
    }
    match found.as_slice() {
        [(js, wasm)] if directory.join(wasm).exists() => Ok((js.clone(), wasm.clone())),
        [] => Err(format!(
            "{}: no build of {name} (index.html names it for Trunk)",
            directory.display()
        )),
        _ => Err(format!(
            "{}: more than one build of {name}, or its wasm is missing",
            directory.display()
        )),
    }
}

/// Each lesson's id and file (relative to `course/`), from the published manifest.
fn lesson_files(directory: &Path) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let path = directory.join("course/manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
    let mut lessons = serde_json::Map::new();
    for module in manifest["modules"].as_array().into_iter().flatten() {
        for lesson in module["lessons"].as_array().into_iter().flatten() {
            if let (Some(id), Some(file)) = (lesson["id"].as_str(), lesson["file"].as_str()) {
                lessons.insert(id.into(), file.into());
            }
        }
    }
    Ok(lessons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_builds_are_renamed_by_hash_and_named_with_every_lesson_in_index_html() {
        let directory = std::env::temp_dir().join(format!("xtask-builds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(directory.join("course")).unwrap();
        for (_, name) in BUILDS {
            // Trunk names the study build with its own (here short) hash, the full one plain.
            let stem = if name == "specialist-study" {
                format!("{name}-abc")
            } else {
                name.to_string()
            };
            std::fs::write(
                directory.join(format!("{stem}.js")),
                // Imported twice, as wasm-bindgen's output does: listed once.
                format!(
                    "import {{ a }} from './snippets/{name}/x.js';\nimport * as b from \"./snippets/{name}/x.js\"\n"
                ),
            )
            .unwrap();
            std::fs::write(directory.join(format!("{stem}_bg.wasm")), b"wasm").unwrap();
        }
        std::fs::write(
            directory.join("course/manifest.json"),
            r#"{"modules":[{"lessons":[{"id":"a","file":"lessons/a-1.html"}]},{"lessons":[{"id":"b","file":"lessons/b-2.html"}]}]}"#,
        )
        .unwrap();
        std::fs::write(
            directory.join("index.html"),
            format!("<head>{ELEMENT_START}{{}}</script></head>"),
        )
        .unwrap();
        stamp(&directory).unwrap();
        let first = std::fs::read_to_string(directory.join("index.html")).unwrap();
        // Stamping again (a test bundle after republishing) finds the hashed names.
        stamp(&directory).unwrap();
        let second = std::fs::read_to_string(directory.join("index.html")).unwrap();
        assert_eq!(first, second);
        let json = read(&first).unwrap();
        let study_js = json["study"]["js"].as_str().unwrap();
        assert!(study_js.starts_with("specialist-study-") && study_js.ends_with(".js"));
        assert_eq!(study_js.len(), "specialist-study-".len() + 16 + ".js".len());
        assert!(!directory.join("specialist-study-abc.js").exists());
        assert!(directory.join(study_js).exists());
        assert!(
            directory
                .join(json["full"]["wasm"].as_str().unwrap())
                .exists()
        );
        assert!(!directory.join("specialist-full.js").exists());
        assert_eq!(json["lessons"]["b"], "lessons/b-2.html");
        assert_eq!(
            json["full"]["imports"],
            serde_json::json!(["snippets/specialist-full/x.js"])
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
