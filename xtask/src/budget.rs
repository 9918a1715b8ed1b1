//! The critical path and its size budget: what a first visit downloads before the first
//! lesson's text shows, file by file, checked against bench/budget.toml.

use std::path::Path;

use crate::bundle::{brotli, gzip};
use crate::command::Failure;

/// The budget file, relative to the workspace root.
pub const BUDGET_FILE: &str = "bench/budget.toml";

/// One file of the critical path and its sizes in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sized {
    /// The path relative to the bundle, or a label for what it is.
    pub name: String,
    /// Bytes on disk.
    pub raw: usize,
    /// Bytes gzip-compressed (level 9, as xtask precompresses).
    pub gzip: usize,
    /// Bytes brotli-compressed (quality 11).
    pub brotli: usize,
}

/// The limits in bench/budget.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Issue 7's target for the critical path, gzip bytes.
    pub target_gzip_bytes: usize,
    /// What `cargo xtask test` enforces now: the critical path may not grow past it.
    pub ceiling_gzip_bytes: usize,
}

/// Reads bench/budget.toml.
pub fn read_budget(root: &Path) -> Result<Budget, String> {
    let path = root.join(BUDGET_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    let number = |key: &str| {
        table
            .get("critical_path")
            .and_then(|section| section.get(key))
            .and_then(toml::Value::as_integer)
            .and_then(|value| usize::try_from(value).ok())
            .ok_or_else(|| {
                format!(
                    "{}: [critical_path] {key} must be a whole number of bytes",
                    path.display()
                )
            })
    };
    Ok(Budget {
        target_gzip_bytes: number("target_gzip_bytes")?,
        ceiling_gzip_bytes: number("ceiling_gzip_bytes")?,
    })
}

/// The files a first visit to the first lesson needs, in the order they are asked for:
/// index.html, the reader build's JS (with the snippets it imports) and wasm, the CSS,
/// config.json, the web app manifest, the course manifest and the first lesson.
pub fn critical_path(bundle: &Path) -> Result<Vec<Sized>, String> {
    // index.html's loader starts the reader build on a lesson address.
    first_visit(bundle, "reader", true)
}

/// What a first visit to the course home downloads (the study build; no lesson), which
/// `cargo xtask bench` reports beside the critical path.
pub fn home_path(bundle: &Path) -> Result<Vec<Sized>, String> {
    first_visit(bundle, "study", false)
}

/// The files a first visit that starts `build_name` needs, with the first lesson or not.
fn first_visit(bundle: &Path, build_name: &str, with_lesson: bool) -> Result<Vec<Sized>, String> {
    let index = read_text(bundle, "index.html")?;
    let builds = crate::builds::read(&index).map_err(|error| format!("index.html: {error}"))?;
    let build = &builds[build_name];
    let js = build["js"]
        .as_str()
        .ok_or_else(|| format!("index.html names no {build_name} build"))?
        .to_string();
    let wasm = build["wasm"]
        .as_str()
        .ok_or_else(|| format!("index.html names no {build_name} wasm"))?
        .to_string();
    let css = stylesheet(&index).ok_or("index.html links no stylesheet")?;
    let manifest: serde_json::Value =
        serde_json::from_str(&read_text(bundle, "course/manifest.json")?)
            .map_err(|error| format!("course/manifest.json: {error}"))?;

    let mut names = vec!["index.html".to_string(), js];
    names.extend(
        build["imports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|path| path.as_str().map(str::to_string)),
    );
    names.extend([
        wasm,
        css,
        "config.json".into(),
        "manifest.webmanifest".into(),
        "course/manifest.json".into(),
    ]);
    if with_lesson {
        names.push(format!("course/{}", first_lesson(&manifest, "file")?));
    }
    names
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(bundle.join(&name))
                .map_err(|error| format!("cannot read {name}: {error}"))?;
            Ok(Sized {
                raw: bytes.len(),
                gzip: gzip(&bytes).len(),
                brotli: brotli(&bytes).len(),
                name,
            })
        })
        .collect()
}

/// The sum of `files`' sizes, labelled.
pub fn total(files: &[Sized]) -> Sized {
    files.iter().fold(
        Sized {
            name: "critical path".into(),
            raw: 0,
            gzip: 0,
            brotli: 0,
        },
        |sum, file| Sized {
            raw: sum.raw + file.raw,
            gzip: sum.gzip + file.gzip,
            brotli: sum.brotli + file.brotli,
            ..sum
        },
    )
}

/// The files and their total as a table.
pub fn table(files: &[Sized]) -> String {
    let mut text = format!(
        "  {:<64} {:>9} {:>9} {:>9}\n",
        "file", "raw", "gzip", "brotli"
    );
    for file in files.iter().chain([&total(files)]) {
        text.push_str(&format!(
            "  {:<64} {:>9} {:>9} {:>9}\n",
            file.name, file.raw, file.gzip, file.brotli
        ));
    }
    text
}

/// Fails, with every file's size, when the critical path is over the enforced ceiling.
pub fn enforce(root: &Path, bundle: &Path) -> Result<(), Failure> {
    let failed = |detail: String| Failure::new("size budget", detail, None);
    let budget = read_budget(root).map_err(failed)?;
    let files = critical_path(bundle).map_err(failed)?;
    let sum = total(&files);
    println!(
        "size budget: critical path {} bytes gzip; enforced ceiling {}, target {} ({BUDGET_FILE})",
        sum.gzip, budget.ceiling_gzip_bytes, budget.target_gzip_bytes
    );
    if sum.gzip > budget.ceiling_gzip_bytes {
        return Err(Failure::new(
            "size budget",
            format!(
                "the critical path is {} bytes gzip, over the {} bytes {BUDGET_FILE} allows:\n{}",
                sum.gzip,
                budget.ceiling_gzip_bytes,
                table(&files)
            ),
            Some("make the reader build smaller (twiggy top; cargo xtask bench lists the largest items)".into()),
        ));
    }
    Ok(())
}

/// A field of the course's first lesson (a planned module has none, so it is skipped).
pub fn first_lesson(manifest: &serde_json::Value, field: &str) -> Result<String, String> {
    manifest["modules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|module| module["lessons"].as_array().into_iter().flatten())
        .find_map(|lesson| lesson[field].as_str())
        .map(str::to_string)
        .ok_or_else(|| "course/manifest.json has no lesson".into())
}

fn read_text(bundle: &Path, name: &str) -> Result<String, String> {
    std::fs::read_to_string(bundle.join(name))
        .map_err(|error| format!("cannot read {name}: {error}"))
}

/// The first `<link rel="stylesheet" href="…">` of index.html.
fn stylesheet(index: &str) -> Option<String> {
    index.split("<link").find_map(|tag| {
        if !tag.contains("rel=\"stylesheet\"") {
            return None;
        }
        let href = tag.split("href=\"").nth(1)?;
        let href = href.split('"').next()?;
        Some(href.trim_start_matches("./").to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_critical_path_lists_each_file_once_and_the_budget_catches_growth() {
        let bundle = std::env::temp_dir().join(format!("xtask-budget-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&bundle);
        std::fs::create_dir_all(bundle.join("course/lessons")).unwrap();
        std::fs::create_dir_all(bundle.join("snippets/app/src")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(bundle.join(name), text).unwrap();
        write(
            "index.html",
            r#"<link rel="stylesheet" href="./main-1.css"><script id="specialist-builds" type="application/json">{"reader":{"js":"reader-1.js","wasm":"reader-1_bg.wasm","imports":["snippets/app/src/x.js"]},"study":{"js":"study-1.js","wasm":"study-1_bg.wasm","imports":[]}}</script>"#,
        );
        write(
            "reader-1.js",
            "import { a } from './snippets/app/src/x.js';",
        );
        write("snippets/app/src/x.js", "export const a = 1;");
        write("reader-1_bg.wasm", &"w".repeat(5000));
        write("main-1.css", "body{}");
        write("config.json", "{}");
        write("manifest.webmanifest", "{}");
        write(
            "course/manifest.json",
            r#"{"modules":[{"lessons":[]},{"lessons":[{"file":"lessons/first-1.html"}]}]}"#,
        );
        write("course/lessons/first-1.html", "<p>First</p>");
        let files = critical_path(&bundle).unwrap();
        let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "reader-1.js",
                "snippets/app/src/x.js",
                "reader-1_bg.wasm",
                "main-1.css",
                "config.json",
                "manifest.webmanifest",
                "course/manifest.json",
                "course/lessons/first-1.html"
            ]
        );
        let sum = total(&files);
        assert_eq!(sum.raw, files.iter().map(|file| file.raw).sum::<usize>());
        assert!(sum.gzip < sum.raw, "5,000 repeated bytes compress");

        let root = bundle.join("root");
        std::fs::create_dir_all(root.join("bench")).unwrap();
        let budget = |ceiling: usize| {
            std::fs::write(
                root.join(BUDGET_FILE),
                format!(
                    "[critical_path]\ntarget_gzip_bytes = 100\nceiling_gzip_bytes = {ceiling}\n"
                ),
            )
            .unwrap();
        };
        budget(sum.gzip);
        assert!(enforce(&root, &bundle).is_ok());
        budget(sum.gzip - 1);
        let failure = enforce(&root, &bundle).unwrap_err();
        assert!(
            failure.detail.contains("reader-1_bg.wasm"),
            "{}",
            failure.detail
        );
        assert!(failure.detail.contains(&format!("{}", sum.gzip)));
        std::fs::remove_dir_all(&bundle).unwrap();
    }
}
