//! A QR code drawn as one SVG path, so it stays sharp on screen and in print.

use leptos::prelude::*;
use qrcode::{Color, EcLevel, QrCode as Matrix};

/// The SVG path of the dark modules, offset by a four-module quiet zone, and the side
/// length in modules (quiet zone included); `None` when the text is too long for a QR code.
fn path_of(text: &str) -> Option<(String, usize)> {
    let matrix = Matrix::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = matrix.width();
    let mut path = String::new();
    for (index, color) in matrix.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (index % width + 4, index / width + 4);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some((path, width + 8))
}

/// A QR code of `text` (a URL), labelled for assistive technology.
#[component]
pub fn QrCode(
    /// What the code encodes.
    text: String,
    /// The accessible name, e.g. "QR code of the verification address".
    label: String,
) -> impl IntoView {
    path_of(&text).map(|(path, size)| {
        view! {
            <svg class="qr-code" role="img" aria-label=label viewBox=format!("0 0 {size} {size}")
                shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
                <rect width=size height=size fill="#fff"/>
                <path d=path fill="#000"/>
            </svg>
        }
    })
}
