//! Link previews for the collaborative watch.
//!
//! Everything goes through the guarded [`Fetcher`]; the preview image is a
//! JPEG thumbnail made here, so pages never load a third-party image.

use std::borrow::Cow;

use std::net::SocketAddr;
use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, Rgb, RgbImage};
use url::Url;

use crate::fetch::{FetchError, FetchPolicy, Fetched, Fetcher};

/// Largest page read.
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// Largest image read (the page itself when it is an image, or its og:image).
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Width of the thumbnail, at most.
pub const THUMBNAIL_WIDTH: u32 = 400;
/// Height of the thumbnail, at most (very tall images are scaled further).
pub const THUMBNAIL_MAX_HEIGHT: u32 = 1200;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: u8 = 5;
const MAX_TITLE_CHARS: usize = 300;
const MAX_DESCRIPTION_CHARS: usize = 1000;
const MAX_SITE_CHARS: usize = 100;
const JPEG_QUALITY: u8 = 80;
const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
const IMAGE_ACCEPT: &str = "image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5";

/// Query parameters that only track the reader.
const TRACKING_PARAMS: &[&str] = &["fbclid", "gclid", "mc_eid", "dclid", "msclkid"];

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Preview {
    /// Final URL, after redirects.
    pub url: String,
    pub title: String,
    pub description: String,
    pub site_name: String,
    /// JPEG thumbnail made locally (≤ 400 px wide), never a remote URL.
    pub image: Option<Vec<u8>>,
    /// Media type of the page, lowercased, without parameters (e.g. `text/html`).
    pub content_type: String,
}

/// Normalise a URL for "already shared" detection: lowercase scheme and host,
/// no default port, no fragment, no tracking parameters (`utm_*`, `fbclid`,
/// `gclid`, `mc_eid`…), remaining parameters sorted, no trailing slash on the
/// path (except the root).
pub fn normalize_url(input: &str) -> Result<String, FetchError> {
    let mut url = Url::parse(input.trim()).map_err(|_| FetchError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::ForbiddenScheme);
    }
    if url.host().is_none() {
        return Err(FetchError::InvalidUrl);
    }
    url.set_fragment(None);

    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| {
            let key = key.to_ascii_lowercase();
            !key.starts_with("utm_") && !TRACKING_PARAMS.contains(&key.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    if params.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(params);
    }

    let path = url.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed }.to_string();
        url.set_path(&trimmed);
    }
    Ok(url.to_string())
}

/// Fetch `url` (2 MiB, 10 s, 5 redirects) and build its preview.
///
/// HTML pages give their Open Graph / Twitter / `<title>` / meta description
/// and site name (else the host) and their `og:image`, fetched through the same
/// guards (5 MiB, 10 s) and turned into a JPEG thumbnail; a broken image only
/// means no image. Other documents are named after the last path segment; an
/// image is its own preview image. `allow` lists socket addresses exempt from
/// the public-address rule (tests only).
pub async fn fetch_preview(
    fetcher: &Fetcher,
    url: &str,
    allow: &[SocketAddr],
) -> Result<Preview, FetchError> {
    fetch_preview_in(fetcher, url, allow, &crate::images::Pool::new(1)).await
}

/// [`fetch_preview`], the thumbnail decoded in the node's image `pool`
/// (what the application uses; the pool-less form is for tests and tools).
pub async fn fetch_preview_in(
    fetcher: &Fetcher,
    url: &str,
    allow: &[SocketAddr],
    pool: &crate::images::Pool,
) -> Result<Preview, FetchError> {
    let policy = FetchPolicy {
        max_bytes: MAX_PAGE_BYTES,
        timeout: TIMEOUT,
        max_redirects: MAX_REDIRECTS,
        allow_loopback_for_tests: allow.to_vec(),
        accept: PAGE_ACCEPT,
    };
    let page = fetcher
        .get_with_body_limit(url, &policy, |content_type| {
            match declared_kind(content_type) {
                Kind::Html | Kind::Unknown => Some(MAX_PAGE_BYTES),
                Kind::Image => Some(MAX_IMAGE_BYTES),
                // A PDF or a video is only named: do not download it.
                Kind::Other => None,
            }
        })
        .await?;

    let host = page.final_url.host_str().unwrap_or_default().to_string();
    let declared = media_type(page.content_type.as_deref());
    let kind = match declared_kind(page.content_type.as_deref()) {
        Kind::Unknown => sniff(&page.body),
        kind => kind,
    };

    let mut preview = Preview {
        url: page.final_url.to_string(),
        site_name: cap_chars(&host, MAX_SITE_CHARS),
        content_type: declared.unwrap_or_default(),
        ..Preview::default()
    };

    match kind {
        Kind::Html => {
            if preview.content_type.is_empty() {
                preview.content_type = "text/html".to_string();
            }
            let meta = extract_meta(&decode_text(&page.body, page.content_type.as_deref()));
            preview.title = meta.title;
            preview.description = meta.description;
            if !meta.site_name.is_empty() {
                preview.site_name = meta.site_name;
            }
            if preview.title.is_empty() {
                preview.title = file_name(&page.final_url);
            }
            if let Some(image) = meta.image
                && let Ok(image_url) = page.final_url.join(&image)
            {
                preview.image = fetch_thumbnail(fetcher, image_url.as_str(), allow, pool).await;
            }
        }
        Kind::Image => {
            preview.title = file_name(&page.final_url);
            if preview.content_type.is_empty()
                && let Ok(format) = image::guess_format(&page.body)
            {
                preview.content_type = format.to_mime_type().to_string();
            }
            preview.image = thumbnail_blocking(page.body, pool).await;
        }
        Kind::Other | Kind::Unknown => {
            preview.title = file_name(&page.final_url);
        }
    }
    Ok(preview)
}

// ---------------------------------------------------------------------------
// Content kinds

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Image,
    Other,
    /// No usable `Content-Type`: decided by sniffing the body.
    Unknown,
}

/// The media type of a `Content-Type` header: lowercased, without parameters.
fn media_type(content_type: Option<&str>) -> Option<String> {
    let essence = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

fn declared_kind(content_type: Option<&str>) -> Kind {
    match media_type(content_type).as_deref() {
        None | Some("application/octet-stream" | "text/plain" | "binary/octet-stream") => {
            Kind::Unknown
        }
        Some("text/html" | "application/xhtml+xml") => Kind::Html,
        Some(t) if t.starts_with("image/") => Kind::Image,
        Some(_) => Kind::Other,
    }
}

fn sniff(body: &[u8]) -> Kind {
    if image::guess_format(body).is_ok() {
        return Kind::Image;
    }
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<head")
        || head.contains("<title")
        || head.contains("<meta")
    {
        Kind::Html
    } else {
        Kind::Other
    }
}

/// Last path segment, percent-decoded; the host when the path is empty.
fn file_name(url: &Url) -> String {
    let segment = url
        .path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let name = clean_text(&segment);
    if name.is_empty() {
        cap_chars(url.host_str().unwrap_or_default(), MAX_TITLE_CHARS)
    } else {
        cap_chars(&name, MAX_TITLE_CHARS)
    }
}

// ---------------------------------------------------------------------------
// Text decoding

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Windows1252,
    Latin9,
    Utf16Le,
    Utf16Be,
}

fn charset_from_label(label: &str) -> Option<Charset> {
    let label = label
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase();
    Some(match label.as_str() {
        "utf-8" | "utf8" | "unicode-1-1-utf-8" => Charset::Utf8,
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "l1" | "windows-1252" | "cp1252"
        | "x-cp1252" | "us-ascii" | "ascii" | "cp819" | "ibm819" | "iso-ir-100" => {
            Charset::Windows1252
        }
        "iso-8859-15" | "iso8859-15" | "iso_8859-15" | "latin9" | "l9" => Charset::Latin9,
        "utf-16le" | "utf-16" => Charset::Utf16Le,
        "utf-16be" => Charset::Utf16Be,
        _ => return None,
    })
}

/// The value after `charset=` in `text` (a header or the start of a page).
fn charset_param(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = &text[at + "charset".len()..];
    let rest = rest.trim_start().strip_prefix('=')?;
    let rest = rest.trim_start().trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Decode a page: BOM, then the header's charset, then a `<meta>` charset in
/// the first 4 KiB, then UTF-8 if valid, else Windows-1252 (what browsers do
/// for undeclared Western pages). Unknown charsets decode as lossy UTF-8.
fn decode_text(body: &[u8], content_type: Option<&str>) -> String {
    let (charset, body) = if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        (Some(Charset::Utf8), rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFF\xFE") {
        (Some(Charset::Utf16Le), rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFE\xFF") {
        (Some(Charset::Utf16Be), rest)
    } else {
        let declared = content_type.and_then(charset_param).map(charset_from_label);
        let charset = match declared {
            Some(known) => known.or(Some(Charset::Utf8)),
            None => {
                let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
                charset_param(&head).and_then(charset_from_label)
            }
        };
        (charset, body)
    };
    let charset = charset.unwrap_or(if std::str::from_utf8(body).is_ok() {
        Charset::Utf8
    } else {
        Charset::Windows1252
    });
    match charset {
        Charset::Utf8 => String::from_utf8_lossy(body).into_owned(),
        Charset::Windows1252 => body.iter().map(|&b| windows_1252(b)).collect(),
        Charset::Latin9 => body.iter().map(|&b| latin9(b)).collect(),
        Charset::Utf16Le | Charset::Utf16Be => {
            let units = body.chunks_exact(2).map(|pair| {
                if charset == Charset::Utf16Le {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
    }
}

/// Windows-1252 (the web's "ISO-8859-1") byte → char.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// ISO-8859-15 byte → char.
fn latin9(b: u8) -> char {
    match b {
        0xA4 => '€',
        0xA6 => 'Š',
        0xA8 => 'š',
        0xB4 => 'Ž',
        0xB8 => 'ž',
        0xBC => 'Œ',
        0xBD => 'œ',
        0xBE => 'Ÿ',
        _ => char::from(b),
    }
}

/// Named character references from U+00A0 to U+00FF, in order.
const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other common named references.
const OTHER_ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("OElig", 'Œ'),
    ("oelig", 'œ'),
    ("Scaron", 'Š'),
    ("scaron", 'š'),
    ("Yuml", 'Ÿ'),
    ("fnof", 'ƒ'),
    ("circ", 'ˆ'),
    ("tilde", '˜'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("dagger", '†'),
    ("Dagger", '‡'),
    ("bull", '•'),
    ("hellip", '…'),
    ("permil", '‰'),
    ("prime", '′'),
    ("Prime", '″'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("euro", '€'),
    ("trade", '™'),
    ("larr", '←'),
    ("rarr", '→'),
    ("uarr", '↑'),
    ("darr", '↓'),
    ("hearts", '♥'),
    ("star", '☆'),
    ("check", '✓'),
    ("nbsp", '\u{A0}'),
];

fn named_entity(name: &str) -> Option<char> {
    if let Some(i) = LATIN1_ENTITIES.iter().position(|&n| n == name) {
        return u32::try_from(0xA0 + i).ok().and_then(char::from_u32);
    }
    OTHER_ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, c)| c)
}

/// Decode HTML character references (numeric, and the common named ones).
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_reference(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The char of the reference at the start of `s` (just after '&') and the
/// bytes it used, if it is one.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (digits, radix, prefix) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() && (*b as char).is_digit(radix))
            .count();
        if len == 0 {
            return None;
        }
        let value = if len > 8 {
            u32::MAX
        } else {
            u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX)
        };
        let c = match value {
            0x80..=0x9F => windows_1252(u8::try_from(value).unwrap_or(0)),
            0 => char::REPLACEMENT_CHARACTER,
            v => char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER),
        };
        let semicolon = usize::from(digits[len..].starts_with(';'));
        return Some((c, prefix + len + semicolon));
    }
    let len = s.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if len == 0 || !s[len..].starts_with(';') {
        return None;
    }
    named_entity(&s[..len]).map(|c| (c, len + 1))
}

/// Entities decoded, control characters dropped, whitespace collapsed, trimmed.
fn clean_text(raw: &str) -> String {
    let decoded = decode_entities(raw);
    let mut out = String::with_capacity(decoded.len());
    for word in decoded
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    out.trim().to_string()
}

/// At most `max` chars; a longer text is cut and ends with "…".
fn cap_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

// ---------------------------------------------------------------------------
// Metadata

#[derive(Debug, Default)]
struct Meta {
    title: String,
    description: String,
    site_name: String,
    /// As written in the page (relative or absolute).
    image: Option<String>,
}

fn extract_meta(html: &str) -> Meta {
    // Metadata lives in <head>; stopping there also avoids <title> elements of
    // inline SVG in the body.
    let lower = html.to_ascii_lowercase();
    let head = match lower.find("</head") {
        Some(end) => &html[..end],
        None => html,
    };
    let Ok(dom) = tl::parse(head, tl::ParserOptions::default()) else {
        return Meta::default();
    };
    let parser = dom.parser();

    let mut metas: Vec<(String, String)> = Vec::new();
    let mut title: Option<String> = None;
    for node in dom.nodes() {
        let Some(tag) = node.as_tag() else { continue };
        let name = tag.name().as_utf8_str().to_ascii_lowercase();
        match name.as_str() {
            "meta" => {
                let mut key = None;
                let mut content = None;
                for (attr, value) in tag.attributes().iter() {
                    let Some(value) = value else { continue };
                    match attr.to_ascii_lowercase().as_str() {
                        "property" | "name" | "itemprop" if key.is_none() => {
                            key = Some(value.trim().to_ascii_lowercase());
                        }
                        "content" => content = Some(value.into_owned()),
                        _ => {}
                    }
                }
                if let (Some(key), Some(content)) = (key, content) {
                    metas.push((key, content));
                }
            }
            "title" if title.is_none() => {
                title = Some(tag.inner_text(parser).into_owned());
            }
            _ => {}
        }
    }

    let first = |keys: &[&str], max: usize| -> String {
        keys.iter()
            .find_map(|key| {
                metas
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| clean_text(v))
                    .find(|v| !v.is_empty())
            })
            .map(|v| cap_chars(&v, max))
            .unwrap_or_default()
    };

    let mut meta = Meta {
        title: first(&["og:title", "twitter:title"], MAX_TITLE_CHARS),
        description: first(
            &["og:description", "twitter:description", "description"],
            MAX_DESCRIPTION_CHARS,
        ),
        site_name: first(&["og:site_name", "application-name"], MAX_SITE_CHARS),
        image: None,
    };
    if meta.title.is_empty() {
        meta.title = cap_chars(
            &clean_text(title.as_deref().unwrap_or_default()),
            MAX_TITLE_CHARS,
        );
    }
    let image = first(
        &[
            "og:image:secure_url",
            "og:image:url",
            "og:image",
            "twitter:image",
            "twitter:image:src",
        ],
        2048,
    );
    if !image.is_empty() {
        meta.image = Some(image);
    }
    meta
}

// ---------------------------------------------------------------------------
// Thumbnails

async fn fetch_thumbnail(
    fetcher: &Fetcher,
    url: &str,
    allow: &[SocketAddr],
    pool: &crate::images::Pool,
) -> Option<Vec<u8>> {
    let policy = FetchPolicy {
        max_bytes: MAX_IMAGE_BYTES,
        timeout: TIMEOUT,
        max_redirects: MAX_REDIRECTS,
        allow_loopback_for_tests: allow.to_vec(),
        accept: IMAGE_ACCEPT,
    };
    match fetcher.get(url, &policy).await {
        Ok(Fetched { body, .. }) => thumbnail_blocking(body, pool).await,
        Err(err) => {
            tracing::debug!(url, error = %err, "preview image not fetched");
            None
        }
    }
}

async fn thumbnail_blocking(bytes: bytes::Bytes, pool: &crate::images::Pool) -> Option<Vec<u8>> {
    // Refused by its header (too many pixels…): no turn taken.
    crate::images::probe(&bytes).ok()?;
    match pool.run(move || make_thumbnail(&bytes)).await {
        Ok(result) => result,
        Err(err) => {
            tracing::warn!(error = %err, "thumbnail not made");
            None
        }
    }
}

/// A JPEG (quality 80) at most [`THUMBNAIL_WIDTH`] wide (and
/// [`THUMBNAIL_MAX_HEIGHT`] tall), ratio kept, never enlarged, alpha flattened
/// on white. The format is sniffed (PNG, JPEG, WebP, GIF), dimensions are
/// checked from the header before decoding, decoding runs under limits.
fn make_thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    // The same bounds as every upload: sniffed format, sides, pixel count,
    // memory — checked from the header before decoding.
    let (mut img, orientation) = crate::images::decode_bounded(bytes).ok()?;
    img.apply_orientation(orientation);

    let (width, height) = (img.width(), img.height());
    let scale = (f64::from(THUMBNAIL_WIDTH) / f64::from(width))
        .min(f64::from(THUMBNAIL_MAX_HEIGHT) / f64::from(height))
        .min(1.0);
    let rgb = flatten_on_white(img);
    let rgb = if scale < 1.0 {
        let new_w = ((f64::from(width) * scale).round() as u32).clamp(1, THUMBNAIL_WIDTH);
        let new_h = ((f64::from(height) * scale).round() as u32).clamp(1, THUMBNAIL_MAX_HEIGHT);
        image::imageops::resize(&rgb, new_w, new_h, FilterType::Triangle)
    } else {
        rgb
    };

    let mut out = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    rgb.write_with_encoder(encoder).ok()?;
    Some(out)
}

fn flatten_on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let a = u32::from(a);
        let blend = |c: u8| -> u8 {
            let v = (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(v).unwrap_or(u8::MAX)
        };
        Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;
    use std::io::Cursor;

    #[test]
    fn normalize() {
        let cases = [
            (
                "HTTP://Example.COM:80/a/b/?utm_source=x&b=2&a=1&fbclid=z#frag",
                "http://example.com/a/b?a=1&b=2",
            ),
            ("https://example.com:443/", "https://example.com/"),
            ("https://example.com", "https://example.com/"),
            ("https://example.com:8443/x/", "https://example.com:8443/x"),
            ("https://example.com///", "https://example.com/"),
            ("https://example.com/a//", "https://example.com/a"),
            (
                "https://exemple.ca/p?UTM_Medium=a&gclid=1&mc_eid=2&q=caf%C3%A9",
                "https://exemple.ca/p?q=caf%C3%A9",
            ),
            (
                "https://exemple.ca/p?z=1&a=2&a=1",
                "https://exemple.ca/p?a=1&a=2&z=1",
            ),
            (
                "https://exemple.ca/p?utm_campaign=x",
                "https://exemple.ca/p",
            ),
            (
                "https://ÉCOLE.example/Été",
                "https://xn--cole-9oa.example/%C3%89t%C3%A9",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_url(input).as_deref(), Ok(expected), "{input}");
        }
        // Same page shared twice with different tracking.
        assert_eq!(
            normalize_url("https://exemple.ca/article/?utm_source=fb"),
            normalize_url("https://EXEMPLE.ca/article#commentaires")
        );
        assert_eq!(normalize_url("ftp://x/"), Err(FetchError::ForbiddenScheme));
        assert_eq!(
            normalize_url("javascript:alert(1)"),
            Err(FetchError::ForbiddenScheme)
        );
        assert_eq!(
            normalize_url("mailto:a@b.c"),
            Err(FetchError::ForbiddenScheme)
        );
        assert_eq!(
            normalize_url("pas une adresse"),
            Err(FetchError::InvalidUrl)
        );
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("L&#39;&eacute;conomie &amp; co"),
            "L'économie & co"
        );
        assert_eq!(decode_entities("&#x51;u&#233;bec&#x2019;"), "Québec’");
        assert_eq!(
            decode_entities("&#150; &#0; &#1114112; &#xD800;"),
            "– \u{FFFD} \u{FFFD} \u{FFFD}"
        );
        assert_eq!(
            decode_entities("AT&T &unknown; & &#; &#x;"),
            "AT&T &unknown; & &#; &#x;"
        );
        assert_eq!(
            decode_entities("&laquo;&nbsp;Oui&nbsp;&raquo; &hellip;"),
            "«\u{a0}Oui\u{a0}» …"
        );
        assert_eq!(decode_entities("&#99999999999999999999;"), "\u{FFFD}");
    }

    #[test]
    fn charsets() {
        let latin1 = b"<title>Caf\xe9 \xe0 Qu\xe9bec \x80</title>";
        assert_eq!(
            decode_text(latin1, Some("text/html; charset=ISO-8859-1")),
            "<title>Café à Québec €</title>"
        );
        // Undeclared and not UTF-8: Windows-1252.
        assert_eq!(
            decode_text(latin1, Some("text/html")),
            "<title>Café à Québec €</title>"
        );
        // Declared in a meta.
        let meta = b"<meta charset=\"windows-1252\"><title>\xc9t\xe9</title>";
        assert!(decode_text(meta, None).ends_with("<title>Été</title>"));
        let meta =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\">\xa4";
        assert!(decode_text(meta, None).ends_with('€'));
        // UTF-8 with or without declaration, BOM, invalid bytes.
        assert_eq!(decode_text("Été".as_bytes(), None), "Été");
        assert_eq!(decode_text(b"\xEF\xBB\xBFx", None), "x");
        assert_eq!(
            decode_text(b"a\xffb", Some("text/html; charset=utf-8")),
            "a\u{FFFD}b"
        );
        assert_eq!(
            decode_text(b"a\xffb", Some("text/html; charset=klingon")),
            "a\u{FFFD}b"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Été".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(&utf16, None), "Été");
    }

    #[test]
    fn metadata() {
        let html = r#"<!DOCTYPE html><html><head>
            <META PROPERTY="og:title" content="L&#39;économie sociale au Québec">
            <meta name="twitter:title" content="Autre">
            <title>  Titre   de la page </title>
            <meta name="description" content="  Une  description
               sur deux lignes &amp; plus ">
            <meta property="og:site_name" content="Chantier">
            <meta property="og:image" content="/img.png">
            </head><body><svg><title>SVG</title></svg></body></html>"#;
        let meta = extract_meta(html);
        assert_eq!(meta.title, "L'économie sociale au Québec");
        assert_eq!(meta.description, "Une description sur deux lignes & plus");
        assert_eq!(meta.site_name, "Chantier");
        assert_eq!(meta.image.as_deref(), Some("/img.png"));

        let meta = extract_meta(
            "<html><head><title>Seulement &laquo; un titre &raquo;</title></head></html>",
        );
        assert_eq!(meta.title, "Seulement « un titre »");
        assert_eq!(meta.description, "");
        assert_eq!(meta.image, None);

        let long = format!("<meta property=og:title content='{}'>", "é".repeat(500));
        let meta = extract_meta(&long);
        assert_eq!(meta.title.chars().count(), MAX_TITLE_CHARS);
        assert!(meta.title.ends_with('…'));

        // Garbage does not panic.
        for junk in [
            "<",
            "<meta",
            "<meta content=",
            "<title>",
            "</head>",
            "<<<>>>",
            "<meta property=\"og:title\" content=\"x",
        ] {
            let _ = extract_meta(junk);
        }
    }

    #[test]
    fn file_names() {
        let url = Url::parse("https://exemple.ca/docs/rapport%20annuel%202024.pdf").expect("url");
        assert_eq!(file_name(&url), "rapport annuel 2024.pdf");
        let url = Url::parse("https://exemple.ca/dossier/").expect("url");
        assert_eq!(file_name(&url), "dossier");
        let url = Url::parse("https://exemple.ca/").expect("url");
        assert_eq!(file_name(&url), "exemple.ca");
    }

    #[test]
    fn thumbnails() {
        let img = image::RgbaImage::from_fn(1000, 500, |x, _| {
            image::Rgba([(x % 256) as u8, 10, 200, 128])
        });
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(img)
            .write_to(&mut png, ImageFormat::Png)
            .expect("encode");
        let thumb = make_thumbnail(png.get_ref()).expect("thumbnail");
        let out = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((out.width(), out.height()), (400, 200));

        // Small images are not enlarged; tall ones are bounded.
        let small = DynamicImage::ImageRgb8(RgbImage::new(50, 20));
        let mut png = Cursor::new(Vec::new());
        small.write_to(&mut png, ImageFormat::Png).expect("encode");
        let out =
            image::load_from_memory(&make_thumbnail(png.get_ref()).expect("thumb")).expect("jpeg");
        assert_eq!((out.width(), out.height()), (50, 20));
        let tall = DynamicImage::ImageRgb8(RgbImage::new(100, 4000));
        let mut png = Cursor::new(Vec::new());
        tall.write_to(&mut png, ImageFormat::Png).expect("encode");
        let out =
            image::load_from_memory(&make_thumbnail(png.get_ref()).expect("thumb")).expect("jpeg");
        assert_eq!((out.width(), out.height()), (30, 1200));

        assert_eq!(make_thumbnail(b"not an image"), None);
        assert_eq!(make_thumbnail(b"\x89PNG\r\n\x1a\n garbage"), None);
        // A header claiming huge dimensions is refused before decoding.
        let mut huge = Vec::new();
        huge.extend_from_slice(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR");
        huge.extend_from_slice(&100_000u32.to_be_bytes());
        huge.extend_from_slice(&100_000u32.to_be_bytes());
        huge.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(make_thumbnail(&huge), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(declared_kind(Some("text/html; charset=utf-8")), Kind::Html);
        assert_eq!(declared_kind(Some("Application/XHTML+XML")), Kind::Html);
        assert_eq!(declared_kind(Some("image/png")), Kind::Image);
        assert_eq!(declared_kind(Some("application/pdf")), Kind::Other);
        assert_eq!(declared_kind(None), Kind::Unknown);
        assert_eq!(sniff(b"  <!DOCTYPE html><p>"), Kind::Html);
        assert_eq!(sniff(b"%PDF-1.7"), Kind::Other);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Kind::Image);
    }
}

/// Entry points for the fuzz targets (`fuzz/`): the pure parsing of what a
/// third-party server sends us, without the network.
#[doc(hidden)]
pub mod fuzzing {
    /// A fetched page as `fetch_preview` reads it: kind from the declared type
    /// or sniffed, text decoded with its charset, metadata from `<head>`.
    /// Returns (title, description, site name, image).
    pub fn page(
        body: &[u8],
        content_type: Option<&str>,
    ) -> (String, String, String, Option<String>) {
        let _ = super::media_type(content_type);
        let _ = match super::declared_kind(content_type) {
            super::Kind::Unknown => super::sniff(body),
            kind => kind,
        };
        let meta = super::extract_meta(&super::decode_text(body, content_type));
        (meta.title, meta.description, meta.site_name, meta.image)
    }

    /// A fetched image made into a thumbnail.
    pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
        super::make_thumbnail(bytes)
    }
}
