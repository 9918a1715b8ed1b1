//! `cargo xtask bench`: builds the release bundle and measures it in Debian Chromium on
//! loopback — critical-path bytes, cold and repeat first-lesson times against a static-page
//! floor, Lighthouse, interaction and search timings, memory, and the server's certificate
//! throughput — then prints a table and writes target/bench/report.json.
//!
//! The browser measures live in bench/browser.mjs and bench/lighthouse.mjs (Node, pinned in
//! bench/package.json); the server's in `crate::bench_server`. Timings are reported here and
//! never asserted in tests; only the size budget is enforced (`crate::budget`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use crate::command::{self, Failure, describe};
use crate::server::{self, Profile, RunningServer};
use crate::{budget, bundle};

/// Where the report and the served copy of the bundle go.
const BENCH_DIRECTORY: &str = "target/bench";
/// The reader build's wasm as linked (the first lesson's), with the function names twiggy shows.
const READER_WASM_WITH_NAMES: &str =
    "target/wasm32-unknown-unknown/wasm-release/specialist-reader.wasm";

/// What `cargo xtask bench` was asked for.
struct Options {
    build: bool,
    runs: u32,
    browser: bool,
    lighthouse: bool,
    server: bool,
}

fn options(arguments: &[String]) -> Result<Options, Failure> {
    let mut options = Options {
        build: true,
        runs: 5,
        browser: true,
        lighthouse: true,
        server: true,
    };
    let mut arguments = arguments.iter();
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--no-build" => options.build = false,
            "--no-browser" => options.browser = false,
            "--no-lighthouse" => options.lighthouse = false,
            "--no-server" => options.server = false,
            "--runs" => {
                options.runs = arguments
                    .next()
                    .and_then(|runs| runs.parse().ok())
                    .filter(|runs| *runs > 0)
                    .ok_or_else(|| {
                        Failure::new("bench", "--runs needs a whole number above 0", None)
                    })?;
            }
            other => {
                return Err(Failure::new(
                    "bench",
                    format!("unknown option {other:?}"),
                    Some("cargo xtask bench [--no-build] [--runs N] [--no-browser] [--no-lighthouse] [--no-server]".into()),
                ));
            }
        }
    }
    Ok(options)
}

/// Runs every measure and writes the report.
pub fn run(root: &Path, arguments: &[String]) -> Result<(), Failure> {
    let started = Instant::now();
    let options = options(arguments)?;
    let directory = root.join(BENCH_DIRECTORY);
    std::fs::create_dir_all(&directory).map_err(|error| {
        Failure::new(
            "bench",
            format!("cannot create {}: {error}", directory.display()),
            None,
        )
    })?;
    let bundle = if options.build {
        bundle::build_release(root)?
    } else {
        root.join(bundle::BUNDLE_DIRECTORY)
    };
    let failed = |detail: String| Failure::new("bench", detail, None);
    let files = budget::critical_path(&bundle).map_err(failed)?;
    let budget = budget::read_budget(root).map_err(failed)?;
    let total = budget::total(&files);
    let home = budget::total(&budget::home_path(&bundle).map_err(failed)?);
    let mut report = json!({
        "critical_path": {
            "files": files.iter().map(|file| json!({"name": file.name, "raw": file.raw, "gzip": file.gzip, "brotli": file.brotli})).collect::<Vec<_>>(),
            "total": {"raw": total.raw, "gzip": total.gzip, "brotli": total.brotli},
            "target_gzip_bytes": budget.target_gzip_bytes,
            "ceiling_gzip_bytes": budget.ceiling_gzip_bytes,
        },
        "home_path": {"raw": home.raw, "gzip": home.gzip, "brotli": home.brotli},
        "twiggy_top": twiggy_top(root, files.iter().find(|file| file.name.ends_with(".wasm")).map_or(0, |file| file.raw)),
        "runs": options.runs,
    });

    if options.browser || options.lighthouse {
        let site = serve_copy(root, &bundle, &files).map_err(failed)?;
        let binary = server::build(root, Profile::Release)?;
        let database = root.join(BENCH_DIRECTORY).join("site.sqlite");
        let _ = std::fs::remove_file(&database);
        let running =
            RunningServer::start(&binary, &site, &root.join("course"), &database, "0", "/")?;
        let lesson = first_lesson(&bundle).map_err(failed)?;
        let base_url = if running.url.ends_with('/') {
            running.url.clone()
        } else {
            format!("{}/", running.url)
        };
        if options.browser {
            report["browser"] = node_script(root, "browser.mjs", &base_url, &lesson, options.runs);
        }
        if options.lighthouse {
            report["lighthouse"] =
                node_script(root, "lighthouse.mjs", &base_url, &lesson, options.runs);
        }
    }
    if options.server {
        report["server"] = crate::bench_server::measure(root)
            .unwrap_or_else(|failure| json!({"error": failure.to_string()}));
    }
    report["seconds"] = json!(started.elapsed().as_secs());
    let path = root.join(BENCH_DIRECTORY).join("report.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .map_err(|error| failed(format!("cannot write {}: {error}", path.display())))?;
    print!("{}", summary(&report, &files));
    println!(
        "bench: report written to {} in {} s",
        path.display(),
        started.elapsed().as_secs()
    );
    Ok(())
}

/// A copy of the bundle with the floor page beside it: the first lesson as a plain static
/// page with the app's own stylesheet, in the markup the app puts it in.
fn serve_copy(root: &Path, bundle: &Path, files: &[budget::Sized]) -> Result<PathBuf, String> {
    let site = root.join(BENCH_DIRECTORY).join("site");
    let _ = std::fs::remove_dir_all(&site);
    bundle::copy_folder(bundle, &site)
        .map_err(|error| format!("cannot copy the bundle: {error}"))?;
    let stylesheet = files
        .iter()
        .find(|file| file.name.ends_with(".css"))
        .map(|file| file.name.clone())
        .ok_or("no stylesheet on the critical path")?;
    let lesson_file = files
        .last()
        .map(|file| file.name.clone())
        .ok_or("no lesson")?;
    let fragment = std::fs::read_to_string(bundle.join(&lesson_file))
        .map_err(|error| format!("cannot read {lesson_file}: {error}"))?;
    let floor = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Floor: the first lesson as a static page</title>\n<link rel=\"stylesheet\" href=\"{stylesheet}\">\n</head>\n<body>\n<main id=\"main\"><article class=\"lesson-body\">{fragment}</article></main>\n</body>\n</html>\n"
    );
    // Precompressed like every page of the bundle, so both sides travel gzip-encoded.
    let floor = floor.into_bytes();
    for (name, bytes) in [
        ("bench-floor.html", floor.clone()),
        ("bench-floor.html.gz", bundle::gzip(&floor)),
        ("bench-floor.html.br", bundle::brotli(&floor)),
    ] {
        std::fs::write(site.join(name), bytes).map_err(|error| error.to_string())?;
    }
    Ok(site)
}

fn first_lesson(bundle: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(bundle.join("course/manifest.json"))
        .map_err(|error| format!("cannot read the course manifest: {error}"))?;
    let manifest: Value = serde_json::from_str(&text).map_err(|error| error.to_string())?;
    budget::first_lesson(&manifest, "id")
}

/// Runs bench/NAME with the bench's environment and returns the JSON it wrote, or the error.
fn node_script(root: &Path, name: &str, base_url: &str, lesson: &str, runs: u32) -> Value {
    let output = root
        .join(BENCH_DIRECTORY)
        .join(name.replace(".mjs", ".json"));
    let _ = std::fs::remove_file(&output);
    let mut node = Command::new("node");
    node.arg(name)
        .current_dir(root.join("bench"))
        .env("BENCH_URL", base_url)
        .env("BENCH_LESSON", lesson)
        .env("BENCH_RUNS", runs.to_string())
        .env("BENCH_OUT", &output)
        .env("CHROME_PATH", "/usr/bin/chromium");
    println!("bench: {}", describe(&node));
    if let Err(failure) = command::run(
        name,
        &mut node,
        Some("cargo xtask setup installs bench/node_modules".into()),
    ) {
        return json!({"error": failure.to_string()});
    }
    std::fs::read_to_string(&output)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(
            || json!({"error": format!("{name} wrote no JSON to {}", output.display())}),
        )
}

/// twiggy's ten largest items of the reader build as shipped: the linked wasm through
/// wasm-bindgen and wasm-opt -Oz as Trunk runs them, but keeping the function names (which
/// the shipped file drops) so that the items can be named.
fn twiggy_top(root: &Path, shipped_bytes: usize) -> Value {
    let named = root.join(BENCH_DIRECTORY).join("named");
    let _ = std::fs::remove_dir_all(&named);
    let steps = [
        command::tool(root, "wasm-bindgen")
            .args(["--target", "web", "--keep-debug", "--out-dir"])
            .arg(&named)
            .arg(root.join(READER_WASM_WITH_NAMES))
            .output(),
        command::tool(root, "wasm-opt")
            .args([
                "-Oz",
                "-g",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(named.join("specialist-reader_bg.wasm"))
            .arg("-o")
            .arg(named.join("reader.wasm"))
            .output(),
        command::tool(root, "twiggy")
            .args(["top", "-n", "40", "-f", "csv"])
            .arg(named.join("reader.wasm"))
            .output(),
    ];
    let mut last = None;
    for step in steps {
        match step {
            Ok(output) if output.status.success() => last = Some(output.stdout),
            Ok(output) => {
                return json!({"error": String::from_utf8_lossy(&output.stderr).trim().to_string()});
            }
            Err(error) => {
                return json!({"error": format!("{error} (cargo xtask setup installs wasm-bindgen, wasm-opt and twiggy)")});
            }
        }
    }
    let text = String::from_utf8_lossy(&last.unwrap_or_default()).into_owned();
    let rows: Vec<Value> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields = csv_fields(line);
            let name = fields.first()?.clone();
            // The name section is not shipped; it is here only to name the rest.
            if name.contains("function names") || name.starts_with("custom section") {
                return None;
            }
            let bytes: u64 = fields.get(1)?.parse().ok()?;
            // A share of the wasm as shipped, which has no name section.
            let percent = bytes as f64 * 100.0 / shipped_bytes.max(1) as f64;
            Some(json!({"item": name, "bytes": bytes, "percent": percent}))
        })
        .take(10)
        .collect();
    Value::Array(rows)
}

/// The fields of one CSV line, with RFC 4180 quoting.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut characters = line.chars().peekable();
    while let Some(character) = characters.next() {
        match (character, quoted) {
            ('"', true) if characters.peek() == Some(&'"') => {
                characters.next();
                fields.last_mut().expect("one field").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (other, _) => fields.last_mut().expect("one field").push(other),
        }
    }
    fields
}

/// A number from the report, formatted, or "–" when the measure is missing.
fn figure(value: &Value, unit: &str) -> String {
    match value.as_f64() {
        Some(number) if unit == "ms" => format!("{number:.1} ms"),
        Some(number) if unit == "MiB" => format!("{:.1} MiB", number / 1_048_576.0),
        Some(number) => format!("{number:.2}{unit}"),
        None => value.get("error").and_then(Value::as_str).map_or_else(
            || "–".to_string(),
            |error| format!("error: {}", error.lines().next().unwrap_or(error)),
        ),
    }
}

/// The report as the table the note quotes.
fn summary(report: &Value, files: &[budget::Sized]) -> String {
    let mut text =
        String::from("\nCritical path (first visit to the first lesson, reader build):\n");
    text.push_str(&budget::table(files));
    let critical = &report["critical_path"];
    text.push_str(&format!(
        "  budget: target {} bytes gzip, enforced ceiling {}\n",
        critical["target_gzip_bytes"], critical["ceiling_gzip_bytes"]
    ));
    text.push_str(&format!(
        "  for comparison, a first visit to the course home (study build, no lesson): {} bytes gzip\n",
        report["home_path"]["gzip"]
    ));
    let browser = &report["browser"];
    // Each row: its label, where its figure is in the browser report, and its unit.
    let rows: [(&str, &[&str], &str); 19] = [
        (
            "cold first lesson, app (median)",
            &["cold", "app_median_ms"],
            "ms",
        ),
        (
            "cold first lesson, app taken over (median)",
            &["cold", "app_ready_median_ms"],
            "ms",
        ),
        (
            "cold first lesson, static floor (median)",
            &["cold", "floor_median_ms"],
            "ms",
        ),
        ("cold ratio app / floor", &["cold", "ratio"], "×"),
        (
            "repeat visit, service worker (median)",
            &["repeat", "online_median_ms"],
            "ms",
        ),
        (
            "repeat visit, offline (median)",
            &["repeat", "offline_median_ms"],
            "ms",
        ),
        (
            "answer → saved and repainted, 4× CPU",
            &["interaction", "cpu4", "answer_ms"],
            "ms",
        ),
        (
            "answer → saved and repainted, 1× CPU",
            &["interaction", "cpu1", "answer_ms"],
            "ms",
        ),
        (
            "answer → saved and in the DOM, 1× CPU",
            &["interaction", "cpu1", "answer_dom_change_median_ms"],
            "ms",
        ),
        (
            "next lesson, 4× CPU",
            &["interaction", "cpu4", "next_lesson_ms"],
            "ms",
        ),
        (
            "next lesson, 1× CPU",
            &["interaction", "cpu1", "next_lesson_ms"],
            "ms",
        ),
        (
            "search per keystroke, 4× CPU (median)",
            &["interaction", "cpu4", "search_keystroke_median_ms"],
            "ms",
        ),
        (
            "search per keystroke, 1× CPU (median)",
            &["interaction", "cpu1", "search_keystroke_median_ms"],
            "ms",
        ),
        (
            "search per keystroke, 1× CPU (max)",
            &["interaction", "cpu1", "search_keystroke_max_ms"],
            "ms",
        ),
        (
            "search keystroke → results in the DOM, 1× CPU",
            &[
                "interaction",
                "cpu1",
                "search_keystroke_dom_change_median_ms",
            ],
            "ms",
        ),
        (
            "search keystroke → results in the DOM, 4× CPU",
            &[
                "interaction",
                "cpu4",
                "search_keystroke_dom_change_median_ms",
            ],
            "ms",
        ),
        (
            "lesson → course home (reader hands over), 4× CPU",
            &["interaction", "hand_over_median_ms"],
            "ms",
        ),
        (
            "JS heap after every lesson",
            &["memory", "js_heap_used_bytes"],
            "MiB",
        ),
        (
            "wasm memory after every lesson",
            &["memory", "wasm_memory_bytes"],
            "MiB",
        ),
    ];
    text.push_str("\nBrowser (Debian Chromium; cold and repeat: 562.5 ms RTT, 1.44 Mbps down, 0.675 Mbps up, 4× CPU):\n");
    for (label, path, unit) in rows {
        let value = path.iter().fold(browser, |value, key| &value[*key]);
        text.push_str(&format!("  {label:<44} {}\n", figure(value, unit)));
    }
    text.push_str("\nLighthouse (mobile defaults, median):\n");
    text.push_str(&format!(
        "  {:<10} {:>6} {:>10} {:>10} {:>10} {:>6}\n",
        "page", "score", "FCP", "LCP", "TBT", "CLS"
    ));
    for page in ["home", "lesson"] {
        let figures = &report["lighthouse"][page];
        text.push_str(&format!(
            "  {page:<10} {:>6} {:>10} {:>10} {:>10} {:>6}\n",
            figures["score"]
                .as_f64()
                .map_or("–".into(), |score| format!("{score:.0}")),
            figure(&figures["fcp_ms"], "ms"),
            figure(&figures["lcp_ms"], "ms"),
            figure(&figures["tbt_ms"], "ms"),
            figures["cls"]
                .as_f64()
                .map_or("–".into(), |cls| format!("{cls:.3}")),
        ));
    }
    let server = &report["server"];
    text.push_str(
        "\nServer (certificates verified, re-graded and stored; loopback, autocannon):\n",
    );
    text.push_str(&format!(
        "  throughput {} certificates/s; at {} /s: p50 {}, p99 {}\n",
        server["throughput"]["certificates_per_second"],
        server["fixed_rate"]["rate_per_second"],
        figure(&server["fixed_rate"]["p50_ms"], "ms"),
        figure(&server["fixed_rate"]["p99_ms"], "ms"),
    ));
    if let Some(error) = server.get("error") {
        text.push_str(&format!("  error: {error}\n"));
    }
    text.push_str(
        "\ntwiggy top 10 (reader build as shipped, names kept; share of the shipped wasm):\n",
    );
    for row in report["twiggy_top"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "  {:>9} {:>6.2} %  {}\n",
            row["bytes"],
            row["percent"].as_f64().unwrap_or(0.0),
            row["item"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(100)
                .collect::<String>()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_keep_quoted_commas_and_quotes() {
        assert_eq!(
            csv_fields(r#""data segment "".rodata""",45018,1.89,,"#),
            ["data segment \".rodata\"", "45018", "1.89", "", ""]
        );
        assert_eq!(
            csv_fields("a<b, c>::f,12,0.5"),
            ["a<b", " c>::f", "12", "0.5"]
        );
    }
}
