//! `cargo xtask setup`: installs, idempotently, every tool the build and the tests need.
//!
//! Each step first checks what is there (cheaply), and installs only what is missing or
//! at the wrong version, so a second run changes nothing and takes a few seconds.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::command::{self, Failure, output_of, tool};

/// The Trunk release this project is built with (0.22 needs a newer rustc).
const TRUNK_VERSION: &str = "0.21.14";
/// Debian packages: the browser and its driver for the end-to-end tests, xmllint for LMS
/// manifests, pdftoppm (poppler-utils) to read the printed certificate back.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("libxml2-utils", "/usr/bin/xmllint"),
    ("poppler-utils", "/usr/bin/pdftoppm"),
];
/// Folders with a package-lock.json that `npm ci` installs.
const NPM_FOLDERS: &[&str] = &["tools", "tests/e2e", "bench"];
/// twiggy, which `cargo xtask bench` runs to list what is largest in the wasm.
const TWIGGY_VERSION: &str = "0.8.0";

/// Runs every setup step in order, printing one line per step.
pub fn run(root: &Path) -> Result<(), Failure> {
    let started = Instant::now();
    println!("setup: checking tools (installing only what is missing)");
    wasm_target()?;
    rust_source()?;
    trunk(root)?;
    wasm_bindgen(root)?;
    debian_packages()?;
    for folder in NPM_FOLDERS {
        npm_ci(root, folder)?;
    }
    wasm_opt(root)?;
    twiggy(root)?;
    println!("setup: done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn report(step: &str, status: &str) {
    println!("setup: {step:<34} {status}");
}

fn wasm_target() -> Result<(), Failure> {
    rustup_part("target", "wasm32-unknown-unknown")
}

/// The standard library's source, which the release wasm builds compile (bundle.rs).
fn rust_source() -> Result<(), Failure> {
    rustup_part("component", "rust-src")
}

/// Adds a target or component to the project's toolchain unless rustup lists it installed.
fn rustup_part(kind: &str, name: &str) -> Result<(), Failure> {
    let installed =
        output_of(Command::new("rustup").args([kind, "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == name) {
        report(name, "present");
        return Ok(());
    }
    report(name, "installing");
    command::run(
        "rustup",
        Command::new("rustup").args([kind, "add", name]),
        Some(format!("rustup {kind} add {name}")),
    )
}

fn trunk(root: &Path) -> Result<(), Failure> {
    cargo_installed(root, "trunk", TRUNK_VERSION, "trunk")
}

fn twiggy(root: &Path) -> Result<(), Failure> {
    // twiggy calls itself twiggy-opt in its --version line.
    cargo_installed(root, "twiggy", TWIGGY_VERSION, "twiggy-opt")
}

/// Installs `program` at `version` with `cargo install --locked` unless `program --version`
/// already prints `name version`.
fn cargo_installed(root: &Path, program: &str, version: &str, name: &str) -> Result<(), Failure> {
    let step = format!("{program} {version}");
    let found = output_of(tool(root, program).arg("--version"));
    if found.as_deref() == Some(format!("{name} {version}").as_str()) {
        report(&step, "present");
        return Ok(());
    }
    report(
        &step,
        &format!("installing (found: {})", found.as_deref().unwrap_or("none")),
    );
    command::run(
        program,
        Command::new("cargo").args(["install", program, "--version", version, "--locked"]),
        Some(format!(
            "cargo install {program} --version {version} --locked"
        )),
    )
}

/// The version of `package` recorded in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String, Failure> {
    let path = root.join("Cargo.lock");
    let text = std::fs::read_to_string(&path).map_err(|error| {
        Failure::new(
            "Cargo.lock",
            format!("cannot be read: {error}"),
            Some("cargo generate-lockfile".into()),
        )
    })?;
    let lock: toml::Table = toml::from_str(&text)
        .map_err(|error| Failure::new("Cargo.lock", format!("is not valid TOML: {error}"), None))?;
    lock.get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .find(|entry| entry.get("name").and_then(toml::Value::as_str) == Some(package))
        .and_then(|entry| entry.get("version").and_then(toml::Value::as_str))
        .map(str::to_string)
        .ok_or_else(|| Failure::new("Cargo.lock", format!("has no {package} package"), None))
}

/// A value of Trunk.toml's `[tools]` table.
fn trunk_pin(root: &Path, key: &str) -> Result<String, Failure> {
    let text = std::fs::read_to_string(root.join("Trunk.toml"))
        .map_err(|error| Failure::new("Trunk.toml", format!("cannot be read: {error}"), None))?;
    let config: toml::Table = toml::from_str(&text)
        .map_err(|error| Failure::new("Trunk.toml", format!("is not valid TOML: {error}"), None))?;
    config
        .get("tools")
        .and_then(|tools| tools.get(key))
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            Failure::new(
                "Trunk.toml",
                format!("[tools] has no {key}"),
                Some(format!("pin {key} in Trunk.toml [tools]")),
            )
        })
}

fn wasm_bindgen(root: &Path) -> Result<(), Failure> {
    let locked = locked_version(root, "wasm-bindgen")?;
    let pinned = trunk_pin(root, "wasm_bindgen")?;
    if pinned != locked {
        return Err(Failure::new(
            "Trunk.toml",
            format!("[tools] wasm_bindgen is {pinned} but Cargo.lock has wasm-bindgen {locked}"),
            Some(format!("set wasm_bindgen = \"{locked}\" in Trunk.toml")),
        ));
    }
    let step = format!("wasm-bindgen-cli {locked}");
    let found = output_of(tool(root, "wasm-bindgen").arg("--version"));
    if found.as_deref() == Some(&format!("wasm-bindgen {locked}")) {
        report(&step, "present");
        return Ok(());
    }
    report(
        &step,
        &format!("installing (found: {})", found.as_deref().unwrap_or("none")),
    );
    // Without --locked: the registry here lacks some of the versions its lockfile names.
    command::run(
        "wasm-bindgen-cli",
        Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &locked,
            "--force",
        ]),
        Some(format!(
            "cargo install wasm-bindgen-cli --version {locked} --force"
        )),
    )
}

fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).as_deref() == Some("0")
}

fn debian_packages() -> Result<(), Failure> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, binary)| !Path::new(binary).exists())
        .map(|(package, _)| *package)
        .collect();
    let step = "chromium, chromium-driver, xmllint, pdftoppm";
    if missing.is_empty() {
        report(step, "present");
        return Ok(());
    }
    let install_line = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(Failure::new(
            "apt-get",
            format!(
                "is needed for {} and setup is not running as root",
                missing.join(", ")
            ),
            Some(format!("sudo apt-get update && sudo {install_line}")),
        ));
    }
    report(step, &format!("installing {}", missing.join(" ")));
    let hint = Some(format!("apt-get update && {install_line}"));
    command::run(
        "apt-get",
        Command::new("apt-get").args(["update", "-q"]),
        hint.clone(),
    )?;
    command::run(
        "apt-get",
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        hint,
    )
}

/// `npm ci` in `folder`, skipped when node_modules was installed from the same lockfile.
fn npm_ci(root: &Path, folder: &str) -> Result<(), Failure> {
    let directory = root.join(folder);
    let lockfile = std::fs::read(directory.join("package-lock.json")).map_err(|error| {
        Failure::new(
            "npm",
            format!("{folder}/package-lock.json cannot be read: {error}"),
            None,
        )
    })?;
    // A copy of the lockfile inside node_modules records what was installed.
    let stamp = directory.join("node_modules/.specialist-installed-lock.json");
    let step = format!("npm ci in {folder}");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lockfile) {
        report(&step, "up to date");
        return Ok(());
    }
    if output_of(Command::new("npm").arg("--version")).is_none() {
        return Err(Failure::new(
            "npm",
            "is not installed (Node.js 20 or later is needed)",
            Some("apt-get install -y nodejs npm".into()),
        ));
    }
    report(&step, "installing");
    command::run(
        "npm",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&directory)
            // The suite drives Debian's Chromium; no package may download a browser.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
        Some(format!("cd {folder} && npm ci")),
    )?;
    std::fs::write(&stamp, lockfile).map_err(|error| {
        Failure::new(
            "npm",
            format!("cannot write {}: {error}", stamp.display()),
            None,
        )
    })
}

/// Checks that the wasm-opt npm installed is the one Trunk.toml pins, so Trunk never downloads one.
fn wasm_opt(root: &Path) -> Result<(), Failure> {
    let pinned = trunk_pin(root, "wasm_opt")?;
    let binary = command::npm_tools_bin(root).join("wasm-opt");
    let found = output_of(Command::new(&binary).arg("--version")).unwrap_or_default();
    // binaryen prints "wasm-opt version 132 (version_132)"; Trunk compares "version_132".
    let version = found
        .split(' ')
        .nth(2)
        .map(|number| format!("version_{number}"));
    if version.as_deref() == Some(pinned.as_str()) {
        report(&format!("wasm-opt {pinned}"), "present");
        Ok(())
    } else {
        Err(Failure::new(
            "wasm-opt",
            format!("at {} reports {found:?}, but Trunk.toml pins {pinned}", binary.display()),
            Some("make tools/package.json's binaryen version match Trunk.toml [tools] wasm_opt, then cd tools && npm ci".into()),
        ))
    }
}
