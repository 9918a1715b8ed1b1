//! Enforces the architecture invariant that specialist-core has no web, IO, clock, RNG or async-runtime dependencies.

use std::collections::BTreeSet;
use std::process::Command;

/// Crate names (or prefixes ending in '-') that would let core touch the browser, the
/// network, the file system, a clock or randomness. Core takes those in as arguments instead.
const FORBIDDEN: &[&str] = &[
    "leptos",
    "leptos_",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "gloo",
    "gloo-",
    "tokio",
    "async-std",
    "smol",
    "mio",
    "hyper",
    "reqwest",
    "axum",
    "rusqlite",
    "getrandom",
    "rand",
    "chrono",
    "time",
    "std-time",
];

fn is_forbidden(name: &str) -> bool {
    FORBIDDEN.iter().any(|forbidden| {
        name == *forbidden || (forbidden.ends_with(['-', '_']) && name.starts_with(forbidden))
    })
}

/// Every crate reached from specialist-core through normal (non-dev) edges, on every
/// target platform, with all of core's own features on (`crypto` included). `cargo tree -p`
/// resolves features for core alone; `cargo metadata` would unify them with the rest of the
/// workspace and blame core for what the server enables in a shared dependency.
fn normal_dependency_closure_of_core() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--locked",
            "--package",
            "specialist-core",
            "--all-features",
            "--edges",
            "normal",
            "--target",
            "all",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "specialist-core")
        .map(str::to_string)
        .collect()
}

#[test]
fn core_has_no_web_io_clock_or_rng_dependencies() {
    let closure = normal_dependency_closure_of_core();
    assert!(
        closure.contains("serde"),
        "the walk must see core's real dependencies: {closure:?}"
    );
    let offenders: Vec<&String> = closure.iter().filter(|name| is_forbidden(name)).collect();
    assert!(
        offenders.is_empty(),
        "specialist-core must stay pure (no web, IO, clock or RNG), but depends on {offenders:?}; \
         pass such things in as arguments from the app or server instead"
    );
}

#[test]
fn the_forbidden_list_catches_the_crates_it_names() {
    for name in [
        "leptos",
        "leptos_dom",
        "web-sys",
        "js-sys",
        "wasm-bindgen",
        "gloo-net",
        "tokio",
        "getrandom",
    ] {
        assert!(is_forbidden(name), "{name} should be forbidden");
    }
    for name in [
        "serde",
        "serde_derive",
        "timeago-free-name",
        "randomized-name",
    ] {
        assert!(!is_forbidden(name), "{name} should be allowed");
    }
}
