//! Building the release bundle with Trunk, precompressing it, and reporting its sizes.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::command::{self, Failure, tool};

/// Where Trunk writes the bundle (Trunk.toml `dist`).
pub const BUNDLE_DIRECTORY: &str = "target/bundle";

/// File types worth compressing; images such as PNG are compressed already.
const COMPRESSIBLE: &[&str] = &[
    "html",
    "js",
    "mjs",
    "wasm",
    "css",
    "json",
    "svg",
    "txt",
    "xml",
    "webmanifest",
    "map",
];

/// What the release wasm builds add to the compiler's flags, beyond .cargo/config.toml's
/// (cargo merges the two). They cut the study build by about 18 KB gzip (bench/budget.toml):
/// - the standard library is compiled with the app, at opt-level "z" and with LTO across
///   it, instead of linked prebuilt at opt-level 3;
/// - a panic traps at once: no panic message, no formatting machinery, no hook;
/// - panics carry no source locations (their file paths were in the wasm's data);
/// - a derived `Debug` prints only the type's name. Messages a learner reads never come
///   from derived `Debug`: they quote strings, whose `Debug` is written by hand and kept.
///
/// These are unstable options of the pinned stable toolchain, enabled with
/// RUSTC_BOOTSTRAP (rust-toolchain.toml adds the rust-src they need). Architecture
/// decision: the budget is worth it, and a toolchain that dropped one of them fails the
/// build loudly rather than building something else. Only the release bundle uses them;
/// `trunk serve` and clippy build as usual, with panic messages.
const RELEASE_WASM_FLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=shallow";

/// `trunk build --release` (wasm-release profile, wasm-opt -Oz, [`RELEASE_WASM_FLAGS`]),
/// then a `.br` and a `.gz` beside every compressible file, which the server sends to
/// clients that accept them.
pub fn build_release(root: &Path) -> Result<PathBuf, Failure> {
    println!("bundle: trunk build --release (profile wasm-release, std built in, wasm-opt -Oz)");
    command::run(
        "trunk",
        tool(root, "trunk")
            .args(["build", "--release"])
            .env("NO_COLOR", "true")
            // Trunk.toml's hooks, which build host tools, remove the first two again.
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                RELEASE_WASM_FLAGS,
            ),
        Some("trunk build --release   (after cargo xtask setup)".into()),
    )?;
    let directory = root.join(BUNDLE_DIRECTORY);
    precompress(&directory).map_err(|error| {
        Failure::new(
            "precompress",
            format!("failed in {}: {error}", directory.display()),
            None,
        )
    })?;
    Ok(directory)
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_folder(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), destination)?;
        }
    }
    Ok(())
}

/// `path` relative to `base`, with `/` between the parts (as URLs and zip entries want).
pub fn relative_path(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .expect("listed under the base")
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every file under `directory`, sorted.
pub fn files_under(directory: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn extension(path: &Path) -> &str {
    path.extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
}

/// Gzip at the highest level, as browsers and every static server understand it.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

/// Brotli at quality 11, window 22: slow to make once, smallest to send every time.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut output = Vec::new();
    let parameters = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut output, &parameters)
        .expect("compressing in memory cannot fail");
    output
}

pub fn precompress(directory: &Path) -> std::io::Result<()> {
    for path in files_under(directory)? {
        if !COMPRESSIBLE.contains(&extension(&path)) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        for (suffix, compressed) in [("gz", gzip(&bytes)), ("br", brotli(&bytes))] {
            // A variant that saves nothing is not worth a second file.
            if compressed.len() < bytes.len() {
                let mut name = path.clone().into_os_string();
                name.push(format!(".{suffix}"));
                std::fs::write(name, compressed)?;
            }
        }
    }
    Ok(())
}

/// Prints the raw, gzip and brotli size of the bundle's wasm, JS and CSS, and their total.
pub fn print_sizes(directory: &Path) {
    let Ok(files) = files_under(directory) else {
        println!("sizes: cannot read {}", directory.display());
        return;
    };
    println!("\nBundle sizes ({}):", directory.display());
    println!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    let mut totals = [0usize; 3];
    for path in files
        .iter()
        .filter(|path| matches!(extension(path), "wasm" | "js" | "css"))
    {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let sizes = [bytes.len(), gzip(&bytes).len(), brotli(&bytes).len()];
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        let name = path
            .strip_prefix(directory)
            .unwrap_or(path)
            .display()
            .to_string();
        println!(
            "  {name:<44} {:>10} {:>10} {:>10}",
            sizes[0], sizes[1], sizes[2]
        );
    }
    println!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "wasm + js + css", totals[0], totals[1], totals[2]
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_compressions_round_trip_and_shrink_repetitive_text() {
        let text = "Specialist course text. ".repeat(200).into_bytes();
        let gzipped = gzip(&text);
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text);
        assert!(gzipped.len() < text.len() / 10);

        let compressed = brotli(&text);
        let mut decompressed = Vec::new();
        brotli::BrotliDecompress(&mut &compressed[..], &mut decompressed).unwrap();
        assert_eq!(decompressed, text);
        assert!(compressed.len() <= gzipped.len());
    }

    #[test]
    fn precompress_writes_variants_only_for_compressible_files_that_shrink() {
        let directory =
            std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        std::fs::create_dir_all(directory.join("course")).unwrap();
        std::fs::write(
            directory.join("course/lesson.json"),
            "{\"text\": \"aaaa\"}".repeat(100),
        )
        .unwrap();
        std::fs::write(
            directory.join("photo.png"),
            "not compressed again".repeat(100),
        )
        .unwrap();
        std::fs::write(directory.join("tiny.js"), "1").unwrap();
        precompress(&directory).unwrap();
        assert!(directory.join("course/lesson.json.br").is_file());
        assert!(directory.join("course/lesson.json.gz").is_file());
        assert!(!directory.join("photo.png.gz").exists());
        assert!(
            !directory.join("tiny.js.gz").exists(),
            "a variant larger than the file is not written"
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
