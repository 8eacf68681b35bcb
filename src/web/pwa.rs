//! Installing the site on a phone or desktop (C26): the Web App Manifest
//! (`/manifest.webmanifest`, linked from every page) and its PNG icons —
//! 192 and 512 px, and a 512 px "maskable" one whose drawing stays in the
//! central safe zone. The icons are drawn here, once per process, from the
//! favicon's footbridge (an arch over a deck with three hangers) in white
//! on the brand's green; nothing to keep in sync by hand.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::AppState;

/// The brand's green (the favicon's stroke), the icons' background and the
/// manifest's theme colour.
pub const THEME: &str = "#1f5f5b";
const THEME_RGB: [u8; 3] = [0x1f, 0x5f, 0x5b];
pub const ICON_192: &str = "/static/icon-192.png";
pub const ICON_512: &str = "/static/icon-512.png";
pub const ICON_MASKABLE: &str = "/static/icon-maskable-512.png";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manifest.webmanifest", get(manifest))
        .route(
            ICON_192,
            get(|h: HeaderMap| async move { png(&h, Icon::Any192) }),
        )
        .route(
            ICON_512,
            get(|h: HeaderMap| async move { png(&h, Icon::Any512) }),
        )
        .route(
            ICON_MASKABLE,
            get(|h: HeaderMap| async move { png(&h, Icon::Maskable512) }),
        )
}

async fn manifest(State(state): State<AppState>) -> Response {
    let name = state.instance_name();
    let short: String = name.chars().take(12).collect();
    let body = serde_json::json!({
        "name": name,
        "short_name": short,
        "lang": "fr-CA",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            {"src": ICON_192, "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": ICON_512, "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": ICON_MASKABLE, "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
        ]
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}

#[derive(Clone, Copy)]
enum Icon {
    Any192,
    Any512,
    Maskable512,
}

fn png(headers: &HeaderMap, icon: Icon) -> Response {
    static CACHE: [OnceLock<(Vec<u8>, String)>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (slot, size, scale) = match icon {
        Icon::Any192 => (0, 192, 0.86),
        Icon::Any512 => (1, 512, 0.86),
        // The maskable safe zone is the central circle of 80 % diameter.
        Icon::Maskable512 => (2, 512, 0.56),
    };
    let (bytes, etag) = CACHE[slot].get_or_init(|| {
        let b = draw(size, scale);
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&b)[..8]));
        (b, etag)
    });
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/png".to_string()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            (header::ETAG, etag.clone()),
        ],
        bytes.clone(),
    )
        .into_response()
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    (x * x + y * y).sqrt()
}

/// The favicon's strokes in its 32-unit box: (polyline, stroke width).
fn strokes() -> Vec<(Vec<(f32, f32)>, f32)> {
    // The arch: the quadratic curve M4 21 Q16 1 28 21.
    let arch: Vec<(f32, f32)> = (0..=48)
        .map(|i| {
            let t = i as f32 / 48.0;
            let u = 1.0 - t;
            (
                u * u * 4.0 + 2.0 * u * t * 16.0 + t * t * 28.0,
                u * u * 21.0 + 2.0 * u * t * 1.0 + t * t * 21.0,
            )
        })
        .collect();
    vec![
        (arch, 3.0),
        (vec![(2.0, 21.0), (30.0, 21.0)], 3.0),
        (vec![(10.0, 14.0), (10.0, 21.0)], 2.0),
        (vec![(16.0, 11.5), (16.0, 21.0)], 2.0),
        (vec![(22.0, 14.0), (22.0, 21.0)], 2.0),
    ]
}

/// A `size`² PNG: the green square, the footbridge in white taking
/// `scale` of the width, centred; edges smoothed by 4×4 supersampling.
fn draw(size: u32, scale: f32) -> Vec<u8> {
    let strokes = strokes();
    let unit = size as f32 * scale / 28.0; // the drawing spans x 2..30
    // The drawing's box is x 2..30, y ~1..22.5: centre it.
    let (cx, cy) = (16.0, 11.75);
    let img = image::RgbaImage::from_fn(size, size, |px, py| {
        let mut covered = 0u32;
        for sy in 0..4 {
            for sx in 0..4 {
                let x = (px as f32 + (sx as f32 + 0.5) / 4.0 - size as f32 / 2.0) / unit + cx;
                let y = (py as f32 + (sy as f32 + 0.5) / 4.0 - size as f32 / 2.0) / unit + cy;
                let inside = strokes.iter().any(|(line, w)| {
                    line.windows(2)
                        .any(|s| segment_distance((x, y), s[0], s[1]) <= w / 2.0)
                });
                covered += u32::from(inside);
            }
        }
        let a = covered as f32 / 16.0;
        let mix = |c: u8| (c as f32 * (1.0 - a) + 255.0 * a).round() as u8;
        image::Rgba([mix(THEME_RGB[0]), mix(THEME_RGB[1]), mix(THEME_RGB[2]), 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .map(|_| out.into_inner())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_have_their_size_and_a_drawing_in_the_safe_zone() {
        for (size, scale) in [(192, 0.86), (512, 0.56)] {
            let png = draw(size, scale);
            let img = image::load_from_memory(&png).expect("png").to_rgba8();
            assert_eq!(img.dimensions(), (size, size));
            // Corners are the background; some pixels are white.
            assert_eq!(img.get_pixel(0, 0).0[..3], THEME_RGB);
            assert!(img.pixels().any(|p| p.0[..3] == [255, 255, 255]));
            // Every white pixel lies within the central 80 % circle.
            let r = size as f32 * 0.4;
            for (x, y, p) in img.enumerate_pixels() {
                if p.0[..3] != THEME_RGB && scale < 0.7 {
                    let (dx, dy) = (x as f32 - size as f32 / 2.0, y as f32 - size as f32 / 2.0);
                    assert!(
                        (dx * dx + dy * dy).sqrt() <= r,
                        "({x},{y}) outside the safe zone"
                    );
                }
            }
        }
    }
}
