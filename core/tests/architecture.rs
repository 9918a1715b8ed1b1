//! Enforces the architecture invariant that specialist-core has no web, IO, clock, RNG or async-runtime dependencies.

use std::collections::{BTreeSet, HashMap};
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

/// Walks the resolved dependency graph from specialist-core through normal
/// (non-dev) edges, for every target platform, and returns every crate name reached.
fn normal_dependency_closure_of_core() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (
                package["id"].as_str().unwrap(),
                package["name"].as_str().unwrap(),
            )
        })
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap(), node))
        .collect();
    let core_id = names
        .iter()
        .find(|(_, name)| **name == "specialist-core")
        .map(|(id, _)| *id)
        .expect("specialist-core is in the workspace");

    let mut reached = BTreeSet::new();
    let mut stack = vec![core_id];
    let mut seen = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dependency in nodes[id]["deps"].as_array().unwrap() {
            let is_normal_edge = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].is_null());
            if is_normal_edge {
                let dependency_id = dependency["pkg"].as_str().unwrap();
                reached.insert(names[dependency_id].to_string());
                stack.push(dependency_id);
            }
        }
    }
    reached
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
