//! Naming the app's three builds by content hash and telling index.html's loader about them.
//!
//! Trunk builds the reader, study and full builds (src/capabilities.rs) and injects none
//! (index.html's loader picks one); the reader and full builds are `data-type="worker"` apps
//! only because Trunk allows one main app. This step, run after every build by Trunk's post-build hook
//! and again for every test bundle (a republished course changes the lesson files), renames
//! each to `specialist-<build>-<16 hex>.js` / `_bg.wasm` and the full build's stylesheet to
//! `full-<16 hex>.css` (so the server serves them as immutable) and
//! writes their names, the snippets each imports (preloaded with it rather than after it)
//! and each lesson's file into the `specialist-builds` JSON element.

use std::path::Path;

use sha2::{Digest, Sha256};
use specialist_core::exam::seal::to_hex;

/// The three builds, by the Cargo binary names in index.html.
pub const BUILDS: [(&str, &str); 3] = [
    ("reader", "specialist-reader"),
    ("study", "specialist-study"),
    ("full", "specialist-full"),
];

/// The element index.html's loader reads.
const ELEMENT_START: &str = "<script id=\"specialist-builds\" type=\"application/json\">";

/// Renames freshly built apps to hashed names and writes the loader's JSON into index.html.
/// With `minify_from` (the repository root, whose tools/ holds terser and csso), as release
/// builds do, it first minifies the stylesheet, each build's JS and the snippets it imports,
/// and index.html.
pub fn stamp(directory: &Path, minify_from: Option<&Path>) -> Result<(), String> {
    if let Some(root) = minify_from {
        for stylesheet in files_with_extension(directory, "css")? {
            minify(root, &stylesheet, Kind::Stylesheet)?;
        }
    }
    let mut builds = serde_json::Map::new();
    for (key, name) in BUILDS {
        // Minifying keeps every import's path, so the list is read once, before.
        let (js, _) = current_files(directory, name)?;
        let imports = imported_files(directory, &js)?;
        if let Some(root) = minify_from {
            for file in imports.iter().chain([&js]) {
                minify(root, &directory.join(file), Kind::Module)?;
            }
        }
        let (js, wasm) = hashed_names(directory, name)?;
        builds.insert(
            key.into(),
            serde_json::json!({ "js": js, "wasm": wasm, "imports": imports }),
        );
    }
    if let Some(full) = builds.get_mut("full") {
        full["styles"] = hashed_stylesheet(directory)?.into();
    }
    builds.insert("lessons".into(), lesson_files(directory)?.into());
    let index = directory.join("index.html");
    let mut html = std::fs::read_to_string(&index)
        .map_err(|error| format!("cannot read {}: {error}", index.display()))?;
    if let Some(root) = minify_from {
        html =
            minified_page(root, &html).map_err(|error| format!("{}: {error}", index.display()))?;
    }
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

/// The first line of a file [`minify`] wrote, so that stamping again leaves it alone.
const MINIFIED: &str = "/* minified by cargo xtask */";

/// What [`minify`] is given.
#[derive(Clone, Copy)]
enum Kind {
    /// An ES module (wasm-bindgen's glue and snippets).
    Module,
    /// A classic script (index.html's loader).
    Script,
    /// A stylesheet.
    Stylesheet,
}

/// Minifies the file at `path` in place (terser for JS, csso without restructuring for
/// CSS), unless it already was. They are written to be read; minified, the study build's
/// glue is a quarter smaller after gzip, index.html 30 % and the CSS 17 %, all on the
/// critical path (bench/budget.toml). Trunk's own minifier fails on the glue (Trunk.toml).
fn minify(root: &Path, path: &Path, kind: Kind) -> Result<(), String> {
    let read = || {
        std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    if read()?.starts_with(MINIFIED) {
        return Ok(());
    }
    let (program, arguments): (&str, &[&str]) = match kind {
        Kind::Module => ("terser", &["--module", "--compress", "--mangle"]),
        Kind::Script => ("terser", &["--compress", "--mangle"]),
        Kind::Stylesheet => ("csso", &["--no-restructure"]),
    };
    let mut command = crate::command::tool(root, program);
    command.arg(path).args(arguments).arg("--output").arg(path);
    crate::command::run(
        program,
        &mut command,
        Some(format!(
            "cargo xtask setup installs {program} in tools/node_modules"
        )),
    )
    .map_err(|failure| failure.to_string())?;
    std::fs::write(path, format!("{MINIFIED}\n{}", read()?))
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// `html` with its inline loader script minified and its comments dropped.
fn minified_page(root: &Path, html: &str) -> Result<String, String> {
    const LOADER_START: &str = "<script>";
    let start = html
        .find(LOADER_START)
        .map(|found| found + LOADER_START.len())
        .ok_or("no inline loader <script>")?;
    let end = start
        + html[start..]
            .find("</script>")
            .ok_or("the loader <script> is not closed")?;
    let scratch = std::env::temp_dir().join(format!("specialist-loader-{}.js", std::process::id()));
    std::fs::write(&scratch, &html[start..end])
        .map_err(|error| format!("cannot write {}: {error}", scratch.display()))?;
    let minified = minify(root, &scratch, Kind::Script).and_then(|()| {
        std::fs::read_to_string(&scratch)
            .map_err(|error| format!("cannot read {}: {error}", scratch.display()))
    });
    let _ = std::fs::remove_file(&scratch);
    let page = format!("{}{}{}", &html[..start], minified?.trim_end(), &html[end..]);
    without_comments(&page)
}

/// `html` without its `<!-- … -->` comments, which explain the source to its readers; a
/// comment left open is an error rather than the rest of the page dropped.
fn without_comments(html: &str) -> Result<String, String> {
    let mut kept = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        kept.push_str(&rest[..start]);
        let end = rest[start..]
            .find("-->")
            .ok_or("a <!-- comment is never closed")?;
        rest = &rest[start + end + "-->".len()..];
    }
    kept.push_str(rest);
    Ok(kept)
}

/// The files directly in `directory` whose names end in `.extension`.
fn files_with_extension(
    directory: &Path,
    extension: &str,
) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| format!("cannot list {}: {error}", directory.display()))?;
    Ok(entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|found| found == extension))
        .collect())
}

/// The files the module `entry` imports statically, directly or through the files it
/// imports (a snippet may import another), each once, as paths relative to `directory`.
fn imported_files(directory: &Path, entry: &str) -> Result<Vec<String>, String> {
    let mut found: Vec<String> = Vec::new();
    let mut unread = vec![entry.to_string()];
    while let Some(file) = unread.pop() {
        let source = std::fs::read_to_string(directory.join(&file))
            .map_err(|error| format!("cannot read {file}: {error}"))?;
        let folder = file.rsplit_once('/').map_or("", |(folder, _)| folder);
        for specifier in static_imports(&source) {
            let Some(path) = resolve(folder, &specifier) else {
                continue;
            };
            if path != entry && !found.contains(&path) {
                found.push(path.clone());
                unread.push(path);
            }
        }
    }
    Ok(found)
}

/// A relative import `specifier` (`./x.js`, `../x.js`) of a file in `folder`, as a path
/// from the bundle's root; `None` for a bare name or a URL, which are not the bundle's.
fn resolve(folder: &str, specifier: &str) -> Option<String> {
    if !specifier.starts_with("./") && !specifier.starts_with("../") {
        return None;
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|part| !part.is_empty()).collect();
    for part in specifier.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    Some(parts.join("/"))
}

/// The modules a JS module imports statically, as written, each once. Reads
/// wasm-bindgen's output as written (one import a line) and as minified (one line).
fn static_imports(js: &str) -> Vec<String> {
    let mut imports: Vec<String> = Vec::new();
    for statement in js.split([';', '\n']).map(str::trim_start) {
        // `import x from`, `import{`, `import*`, `import "` — not `import(` or `import.meta`.
        let Some(rest) = statement
            .strip_prefix("import")
            .filter(|rest| rest.starts_with([' ', '{', '*', '"', '\'']))
        else {
            continue;
        };
        // The module is the statement's last quoted string.
        let Some(path) = rest
            .trim_end()
            .rsplit(['\'', '"'])
            .nth(1)
            .map(str::to_string)
        else {
            continue;
        };
        if !imports.contains(&path) {
            imports.push(path);
        }
    }
    imports
}

/// The full build's own stylesheet (style/full.css, which index.html has Trunk copy
/// unlinked; the loader links it for the full build only), renamed like the builds (when it
/// is not yet) to `full-<16 hex>.css` by a SHA-256 of its bytes.
fn hashed_stylesheet(directory: &Path) -> Result<String, String> {
    let plain = directory.join("full.css");
    if plain.exists() {
        let bytes = std::fs::read(&plain)
            .map_err(|error| format!("cannot read {}: {error}", plain.display()))?;
        let name = format!("full-{}.css", &to_hex(&Sha256::digest(&bytes))[..16]);
        std::fs::rename(&plain, directory.join(&name))
            .map_err(|error| format!("cannot rename {}: {error}", plain.display()))?;
        return Ok(name);
    }
    let found: Vec<String> = files_with_extension(directory, "css")?
        .iter()
        .filter_map(|path| path.file_name()?.to_str().map(str::to_string))
        .filter(|name| {
            name.strip_prefix("full-")
                .and_then(|rest| rest.strip_suffix(".css"))
                .is_some_and(|hash| {
                    hash.len() == 16 && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
                })
        })
        .collect();
    match found.as_slice() {
        [name] => Ok(name.clone()),
        [] => Err(format!(
            "{}: no full.css (index.html has Trunk copy it)",
            directory.display()
        )),
        _ => Err(format!(
            "{}: more than one full-<hash>.css",
            directory.display()
        )),
    }
}

/// The build's JS and wasm, renamed (when they are not yet) to a SHA-256 of their bytes:
/// Trunk leaves the worker-typed builds unhashed, and its own hash of the study build drops
/// leading zeros, which the server's `name-<16 hex>` rule for immutable files would not
/// recognise.
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
            // Trunk names the study build with its own (here short) hash, the others plain.
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
            // A snippet that imports another, which is preloaded with it.
            let snippets = directory.join(format!("snippets/{name}"));
            std::fs::create_dir_all(&snippets).unwrap();
            std::fs::write(snippets.join("x.js"), "import { y } from \"./y.js\";\n").unwrap();
            std::fs::write(snippets.join("y.js"), "export const y = 1;\n").unwrap();
        }
        std::fs::write(
            directory.join("course/manifest.json"),
            r#"{"modules":[{"lessons":[{"id":"a","file":"lessons/a-1.html"}]},{"lessons":[{"id":"b","file":"lessons/b-2.html"}]}]}"#,
        )
        .unwrap();
        std::fs::write(directory.join("full.css"), ".exam-facts{display:grid}").unwrap();
        std::fs::write(
            directory.join("index.html"),
            format!("<head>{ELEMENT_START}{{}}</script></head>"),
        )
        .unwrap();
        stamp(&directory, None).unwrap();
        let first = std::fs::read_to_string(directory.join("index.html")).unwrap();
        // Stamping again (a test bundle after republishing) finds the hashed names.
        stamp(&directory, None).unwrap();
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
        assert!(
            json["reader"]["js"]
                .as_str()
                .unwrap()
                .starts_with("specialist-reader-")
        );
        let styles = json["full"]["styles"].as_str().unwrap();
        assert_eq!(styles.len(), "full-".len() + 16 + ".css".len());
        assert!(directory.join(styles).exists());
        assert!(!directory.join("full.css").exists());
        assert_eq!(json["lessons"]["b"], "lessons/b-2.html");
        assert_eq!(
            json["full"]["imports"],
            serde_json::json!([
                "snippets/specialist-full/x.js",
                "snippets/specialist-full/y.js"
            ])
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn the_snippets_a_build_imports_are_found_in_minified_glue_too() {
        let minified = r#"/* minified by cargo xtask */
import{a as e}from"./snippets/s/inline0.js";import*as b from"./snippets/s/x.js";import{c}from'./snippets/s/inline0.js';const u=new URL("x_bg.wasm",import.meta.url);import("./later.js")"#;
        assert_eq!(
            static_imports(minified),
            ["./snippets/s/inline0.js", "./snippets/s/x.js"]
        );
        assert_eq!(
            resolve("snippets/s/src", "./x.js").as_deref(),
            Some("snippets/s/src/x.js")
        );
        assert_eq!(
            resolve("snippets/s/src", "../y.js").as_deref(),
            Some("snippets/s/y.js")
        );
        assert_eq!(resolve("", "../outside.js"), None);
        assert_eq!(resolve("", "https://example.com/x.js"), None);
    }

    #[test]
    fn comments_are_dropped_from_the_page_and_nothing_else() {
        assert_eq!(
            without_comments("<head><!-- why --><title>a</title><!--\n more --></head>").unwrap(),
            "<head><title>a</title></head>"
        );
        assert!(without_comments("<head><!-- open</head>").is_err());
    }

    #[test]
    fn minifying_marks_each_file_so_that_stamping_again_keeps_its_bytes_and_name() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let directory = std::env::temp_dir().join(format!("xtask-minify-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let file = directory.join("glue.js");
        std::fs::write(
            &file,
            "import { a } from './snippets/s/x.js';\n// Read me.\nexport function add(longName) {\n  return a(longName) + 1;\n}\n",
        )
        .unwrap();
        minify(root, &file, Kind::Module).unwrap();
        let once = std::fs::read_to_string(&file).unwrap();
        assert!(once.starts_with(MINIFIED), "{once}");
        assert!(
            !once.contains("Read me") && !once.contains("longName"),
            "{once}"
        );
        assert_eq!(static_imports(&once), ["./snippets/s/x.js"]);
        minify(root, &file, Kind::Module).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), once);

        let stylesheet = directory.join("main-0123.css");
        std::fs::write(&stylesheet, "/* Why. */\nmain {\n  margin: 0px;\n}\n").unwrap();
        minify(root, &stylesheet, Kind::Stylesheet).unwrap();
        let once = std::fs::read_to_string(&stylesheet).unwrap();
        assert_eq!(once, format!("{MINIFIED}\nmain{{margin:0}}"));
        minify(root, &stylesheet, Kind::Stylesheet).unwrap();
        assert_eq!(std::fs::read_to_string(&stylesheet).unwrap(), once);
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
