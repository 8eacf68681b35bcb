//! Safe Markdown rendering for user content (publications, replies).
//!
//! The pipeline is: bound the source (size, container nesting) → parse with
//! comrak (CommonMark + GFM tables, strikethrough, autolinks, task lists; raw
//! HTML is *escaped*, never passed through) → rewrite the tree (headings
//! shifted below `<h2>`, third-party images turned into links, @mentions and
//! #hashtags linked) → render → sanitise the HTML with ammonia anyway, with a
//! strict allow-list of tags, attributes and URL schemes.
//!
//! Pages never request third parties because of user content: the only
//! images that survive are local (`/media/…`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use comrak::nodes::{AstNode, NodeLink, NodeValue};
use comrak::{Arena, Options};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use unicode_normalization::char::is_combining_mark;

/// Longest source rendered; anything beyond is cut (callers should refuse it earlier).
pub const MAX_SOURCE_BYTES: usize = 100_000;

/// Deepest nesting of block containers (block quotes, list items) kept.
const MAX_NESTING: usize = 32;

/// Longest hashtag, in chars.
const MAX_HASHTAG_CHARS: usize = 100;

/// Only local images are displayed; every other image becomes a link.
const LOCAL_IMAGE_PREFIX: &str = "/media/";

/// `rel` of every link in user content.
const LINK_REL: &str = "nofollow noopener ugc";

/// Characters percent-encoded in the path segment of mention and hashtag links.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Result of [`render`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitised HTML, safe to insert in a page as is.
    pub html: String,
    /// Mentioned usernames, as typed, deduplicated, in order of appearance.
    pub mentions: Vec<String>,
    /// Hashtags, lowercased, deduplicated, in order of appearance.
    pub hashtags: Vec<String>,
}

/// Render Markdown to sanitised HTML and extract mentions and hashtags.
///
/// - CommonMark + GFM tables, strikethrough, autolinks and task lists; a line
///   break in a paragraph is kept as a line break. Raw HTML is shown escaped,
///   as typed; it is never interpreted.
/// - Links keep only `http`, `https`, `mailto` (and relative) URLs and all get
///   `rel="nofollow noopener ugc"`.
/// - Images are kept only when local (`/media/…`); any other image becomes a
///   link to it, so reading a page never contacts a third party.
/// - Headings are shifted by two levels (`#` → `<h3>`, clamped at `<h6>`).
/// - Block quotes and lists nested deeper than 32 levels are flattened before
///   parsing.
/// - `@name` becomes a link to `/u/<name>` (class `mention`), `#mot` a link to
///   `/tags/<mot lowercased>` (class `hashtag`); neither inside code, links, URLs
///   nor e-mail addresses.
pub fn render(source: &str) -> Rendered {
    let source = truncate_bytes(source, MAX_SOURCE_BYTES);
    let source = bound_nesting(source);

    let options = comrak_options();
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &source, &options);

    let mut found = Found::default();
    rewrite(&arena, root, &mut found);

    let mut html = String::new();
    if let Err(err) = comrak::format_html(root, &options, &mut html) {
        // Writing into a String cannot fail; be honest rather than panic if it ever does.
        tracing::error!(error = %err, "markdown rendering failed");
        html.clear();
    }
    let html = sanitizer().clean(&html).to_string();

    Rendered {
        html,
        mentions: found.mentions,
        hashtags: found.hashtags,
    }
}

/// Plain-text excerpt of the rendered content: tags stripped, whitespace
/// collapsed, at most `max_chars` chars, cut on a word boundary with "…".
pub fn excerpt(source: &str, max_chars: usize) -> String {
    let text = html_to_text(&render(source).html);
    shorten(&text, max_chars)
}

/// Plain text as Markdown source that renders back to the same text: every
/// ASCII punctuation character that Markdown (or our mentions and hashtags)
/// could read as syntax is backslash-escaped (CommonMark §2.4).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The same excerpt from already rendered (and sanitised) HTML: no
/// Markdown parsing, so listings stay cheap.
pub fn excerpt_from_html(html: &str, max_chars: usize) -> String {
    // One char more than the excerpt tells `shorten` whether to cut.
    shorten(
        &html_to_text_upto(html, max_chars.saturating_add(1)),
        max_chars,
    )
}

// ---------------------------------------------------------------------------
// Source bounds

fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Flatten container nesting deeper than [`MAX_NESTING`].
///
/// A line can only open new containers through markers at its start (`>`,
/// `-`/`*`/`+`, `1.`/`1)`), and can only stay inside existing list items by
/// indentation (at least two columns per level) or existing block quotes by
/// `>`. So the depth a line reaches is at most its number of markers plus half
/// its prefix indentation. Lines above the bound keep their first markers up
/// to the bound and lose the rest of the prefix (the text stays).
fn bound_nesting(source: &str) -> Cow<'_, str> {
    let mut changed: Option<String> = None;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let Some(cut) = nesting_cut(line) else {
            if let Some(out) = changed.as_mut() {
                out.push_str(line);
            }
            continue;
        };
        let out = changed.get_or_insert_with(|| {
            let mut s = String::with_capacity(source.len());
            s.push_str(&source[..line_start]);
            s
        });
        out.push_str(&line[..cut.keep]);
        out.push_str(&line[cut.rest..]);
    }
    match changed {
        Some(s) => Cow::Owned(s),
        None => Cow::Borrowed(source),
    }
}

struct Cut {
    /// Bytes of the prefix kept.
    keep: usize,
    /// Where the content after the whole container prefix starts.
    rest: usize,
}

/// Where to cut a line whose container prefix nests too deep, if it does.
fn nesting_cut(line: &str) -> Option<Cut> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut markers = 0usize;
    let mut columns = 0usize;
    let mut keep = None;
    loop {
        // Whitespace between markers.
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            columns += if bytes[i] == b'\t' { 4 } else { 1 };
            i += 1;
        }
        let marker_len = marker_at(&bytes[i..]);
        if marker_len == 0 {
            break;
        }
        markers += 1;
        if keep.is_none() && markers + columns / 2 > MAX_NESTING {
            keep = Some(i);
        }
        i += marker_len;
    }
    let keep = keep?;
    // Lines without any marker open no container: nothing to do (also keeps
    // deeply indented code intact). `keep` is only set after a marker.
    Some(Cut { keep, rest: i })
}

/// Length of the container marker at the start of `b` (0 if none): `>`, a
/// bullet followed by a space, tab or end of line, or an ordered marker.
fn marker_at(b: &[u8]) -> usize {
    let followed_by_space =
        |at: usize| at >= b.len() || matches!(b[at], b' ' | b'\t' | b'\n' | b'\r');
    match b.first() {
        Some(b'>') => 1,
        Some(b'-' | b'*' | b'+') if followed_by_space(1) => 1,
        Some(c) if c.is_ascii_digit() => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits <= 9
                && matches!(b.get(digits), Some(b'.' | b')'))
                && followed_by_space(digits + 1)
            {
                digits + 1
            } else {
                0
            }
        }
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// Parsing and tree rewriting

fn comrak_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = false;
    // Show raw HTML as typed text rather than dropping it silently.
    options.render.escape = true;
    options.render.hardbreaks = true;
    options
}

#[derive(Default)]
struct Found {
    mentions: Vec<String>,
    hashtags: Vec<String>,
}

impl Found {
    fn mention(&mut self, name: &str) {
        if !self.mentions.iter().any(|m| m == name) {
            self.mentions.push(name.to_string());
        }
    }

    fn hashtag(&mut self, lower: &str) {
        if !self.hashtags.iter().any(|h| h == lower) {
            self.hashtags.push(lower.to_string());
        }
    }
}

fn rewrite<'a>(arena: &'a Arena<'a>, root: &'a AstNode<'a>, found: &mut Found) {
    let nodes: Vec<&'a AstNode<'a>> = root.descendants().collect();
    for node in nodes {
        let node_kind = kind(&node.data().value);
        match node_kind {
            Kind::Heading => {
                if let NodeValue::Heading(ref mut h) = node.data_mut().value {
                    h.level = h.level.saturating_add(2).min(6);
                }
            }
            Kind::Image => rewrite_image(arena, node),
            Kind::Text => {
                if !inside_link(node) {
                    link_mentions_and_tags(arena, node, found);
                }
            }
            Kind::Other => {}
        }
    }
}

enum Kind {
    Heading,
    Image,
    Text,
    Other,
}

fn kind(value: &NodeValue) -> Kind {
    match value {
        NodeValue::Heading(_) => Kind::Heading,
        NodeValue::Image(_) => Kind::Image,
        NodeValue::Text(_) => Kind::Text,
        _ => Kind::Other,
    }
}

fn inside_link<'a>(node: &'a AstNode<'a>) -> bool {
    // `ancestors` includes the node itself.
    node.ancestors().any(|a| {
        matches!(
            a.data().value,
            NodeValue::Link(_) | NodeValue::Image(_) | NodeValue::WikiLink(_)
        )
    })
}

/// A non-local image becomes a link to the image (its alt text as label); an
/// image that is already inside a link is replaced by its alt text.
fn rewrite_image<'a>(arena: &'a Arena<'a>, node: &'a AstNode<'a>) {
    let link = match &node.data().value {
        NodeValue::Image(link) if !link.url.starts_with(LOCAL_IMAGE_PREFIX) => NodeLink {
            url: link.url.clone(),
            title: link.title.clone(),
        },
        _ => return,
    };
    let in_link = node
        .ancestors()
        .skip(1)
        .any(|a| matches!(a.data().value, NodeValue::Link(_)));
    if node.first_child().is_none() {
        let label = if link.url.is_empty() {
            "image".to_string()
        } else {
            link.url.clone()
        };
        node.append(arena.alloc(NodeValue::Text(Cow::Owned(label)).into()));
    }
    if in_link {
        let children: Vec<_> = node.children().collect();
        for child in children {
            node.insert_before(child);
        }
        node.detach();
    } else {
        node.data_mut().value = NodeValue::Link(Box::new(link));
    }
}

enum Piece<'t> {
    Text(&'t str),
    Mention(&'t str),
    Hashtag(&'t str),
}

fn link_mentions_and_tags<'a>(arena: &'a Arena<'a>, node: &'a AstNode<'a>, found: &mut Found) {
    let text = match &node.data().value {
        NodeValue::Text(t) => t.to_string(),
        _ => return,
    };
    let pieces = split_pieces(&text);
    if !pieces.iter().any(|p| !matches!(p, Piece::Text(_))) {
        return;
    }
    for piece in pieces {
        let new_value = match piece {
            Piece::Text(t) => NodeValue::Text(Cow::Owned(t.to_string())),
            Piece::Mention(name) => {
                found.mention(name);
                NodeValue::Raw(format!(
                    "<a href=\"/u/{}\" class=\"mention\">@{}</a>",
                    utf8_percent_encode(name, SEGMENT),
                    escape_html(name)
                ))
            }
            Piece::Hashtag(tag) => {
                let lower = tag.to_lowercase();
                found.hashtag(&lower);
                NodeValue::Raw(format!(
                    "<a href=\"/tags/{}\" class=\"hashtag\">#{}</a>",
                    utf8_percent_encode(&lower, SEGMENT),
                    escape_html(tag)
                ))
            }
        };
        node.insert_before(arena.alloc(new_value.into()));
    }
    node.detach();
}

fn is_username_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '_' | '-' | '.')
}

fn is_hashtag_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '_' | '-')
}

/// Whether a `@` or `#` preceded by `prev` may start a mention or hashtag:
/// not in the middle of a word, an e-mail address, a path, a query or an entity.
fn starts_token(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            !(c.is_alphanumeric()
                || is_combining_mark(c)
                || matches!(
                    c,
                    '_' | '-'
                        | '.'
                        | '/'
                        | '\\'
                        | '@'
                        | '#'
                        | '&'
                        | '='
                        | '?'
                        | '%'
                        | '+'
                        | '~'
                        | ':'
                        | '$'
                ))
        }
    }
}

fn split_pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain_start = 0;
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if (c == '@' || c == '#') && starts_token(prev) {
            let body_start = i + 1;
            let rest = &text[body_start..];
            let token = if c == '@' {
                mention_at(rest)
            } else {
                hashtag_at(rest)
            };
            if let Some(len) = token {
                if plain_start < i {
                    pieces.push(Piece::Text(&text[plain_start..i]));
                }
                let name = &text[body_start..body_start + len];
                pieces.push(if c == '@' {
                    Piece::Mention(name)
                } else {
                    Piece::Hashtag(name)
                });
                plain_start = body_start + len;
                // Skip the token's chars.
                while let Some(&(j, ch)) = iter.peek() {
                    if j >= plain_start {
                        break;
                    }
                    prev = Some(ch);
                    iter.next();
                }
                continue;
            }
        }
        prev = Some(c);
    }
    if plain_start < text.len() {
        pieces.push(Piece::Text(&text[plain_start..]));
    }
    pieces
}

/// Byte length of a username right after `@`, if one is there.
fn mention_at(rest: &str) -> Option<usize> {
    let run: usize = rest
        .chars()
        .take_while(|&c| is_username_char(c))
        .map(char::len_utf8)
        .sum();
    // `@name@instance`: a remote address (not handled yet) or an e-mail-like text.
    if rest[run..].starts_with('@') {
        return None;
    }
    let name = rest[..run].trim_end_matches(['.', '-', '_']);
    let first = name.chars().next()?;
    let count = name.chars().count();
    if !first.is_alphanumeric()
        || !(crate::username::MIN_LEN..=crate::username::MAX_LEN).contains(&count)
    {
        return None;
    }
    Some(name.len())
}

/// Byte length of a hashtag right after `#`, if one is there.
fn hashtag_at(rest: &str) -> Option<usize> {
    let run: usize = rest
        .chars()
        .take_while(|&c| is_hashtag_char(c))
        .map(char::len_utf8)
        .sum();
    let tag = rest[..run].trim_end_matches(['-', '_']);
    let first = tag.chars().next()?;
    if is_combining_mark(first)
        || !tag.chars().any(char::is_alphabetic)
        || tag.chars().count() > MAX_HASHTAG_CHARS
    {
        return None;
    }
    Some(tag.len())
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Sanitising

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&'static str> = [
            "a",
            "blockquote",
            "br",
            "code",
            "del",
            "em",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "img",
            "input",
            "li",
            "ol",
            "p",
            "pre",
            "strong",
            "table",
            "tbody",
            "td",
            "th",
            "thead",
            "tr",
            "ul",
        ]
        .into_iter()
        .collect();
        let mut attributes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
        let mut allow = |tag: &'static str, attrs: &[&'static str]| {
            attributes.insert(tag, attrs.iter().copied().collect());
        };
        allow("a", &["href", "title", "class"]);
        allow("img", &["src", "alt", "title"]);
        allow("code", &["class"]);
        allow("ol", &["start"]);
        allow("th", &["align"]);
        allow("td", &["align"]);
        allow("input", &["checked"]);

        let mut builder = ammonia::Builder::empty();
        builder
            .tags(tags)
            .tag_attributes(attributes)
            .generic_attributes(HashSet::new())
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some(LINK_REL))
            .strip_comments(true)
            .clean_content_tags(["script", "style"].into_iter().collect())
            // Task-list check boxes are always inert.
            .set_tag_attribute_value("input", "type", "checkbox")
            .set_tag_attribute_value("input", "disabled", "")
            .attribute_filter(filter_attribute);
        builder
    })
}

fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        ("a", "class") => matches!(value, "mention" | "hashtag"),
        ("code", "class") => value.strip_prefix("language-").is_some_and(|lang| {
            !lang.is_empty()
                && lang.len() <= 40
                && lang.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#' | b'.')
                })
        }),
        ("img", "src") => value.starts_with(LOCAL_IMAGE_PREFIX),
        // comrak empties dangerous URLs; a link to nowhere is better than to this page.
        ("a", "href") => !value.trim().is_empty(),
        ("th" | "td", "align") => matches!(value, "left" | "center" | "right"),
        ("ol", "start") => {
            !value.is_empty() && value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit())
        }
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

// ---------------------------------------------------------------------------
// Excerpts

/// Text of sanitised HTML (as produced by [`render`]): tags removed, block
/// boundaries turned into spaces, the entities the serializer emits decoded,
/// whitespace collapsed.
fn html_to_text(html: &str) -> String {
    html_to_text_upto(html, usize::MAX)
}

/// Block-level tags whose boundaries separate words.
const BLOCK_TAGS: [&str; 16] = [
    "p",
    "br",
    "li",
    "blockquote",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "tr",
    "td",
    "th",
    "ul",
    "ol",
    "table",
];

/// Entities the sanitiser's output uses, decoded once (never twice:
/// `&amp;lt;` is the text `&lt;`).
const ENTITIES: [(&str, char); 6] = [
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#39;", '\''),
    ("&nbsp;", '\u{a0}'),
    ("&amp;", '&'),
];

/// The text of sanitised HTML — tags dropped (block tags separate words),
/// entities decoded, whitespace collapsed and trimmed — in one pass that
/// stops after `limit` chars (listings need 221 of a body's thousands).
fn html_to_text_upto(html: &str, limit: usize) -> String {
    let mut out = String::with_capacity(html.len().min(limit.saturating_mul(2)));
    let mut count = 0usize;
    // A separator seen since the last char written (written lazily, so
    // the text never starts or ends with one).
    let mut gap = false;
    let mut push = |c: char, out: &mut String, gap: &mut bool| -> bool {
        if c.is_whitespace() {
            *gap = true;
            return count < limit;
        }
        if *gap && !out.is_empty() {
            if count >= limit {
                return false;
            }
            out.push(' ');
            count += 1;
        }
        *gap = false;
        if count >= limit {
            return false;
        }
        out.push(c);
        count += 1;
        count < limit
    };
    let mut rest = html;
    'outer: while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let after = &rest[1..];
                let Some(gt) = after.find('>') else {
                    break;
                };
                let tag = after[..gt].trim_start_matches('/');
                let name_len = tag.bytes().take_while(u8::is_ascii_alphanumeric).count();
                let name = &tag[..name_len];
                if BLOCK_TAGS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
                    gap = true;
                }
                rest = &after[gt + 1..];
            }
            '&' => {
                for (entity, decoded) in ENTITIES {
                    if rest.starts_with(entity) {
                        rest = &rest[entity.len()..];
                        if !push(decoded, &mut out, &mut gap) {
                            break 'outer;
                        }
                        continue 'outer;
                    }
                }
                rest = &rest[1..];
                if !push('&', &mut out, &mut gap) {
                    break;
                }
            }
            _ => {
                rest = &rest[c.len_utf8()..];
                if !push(c, &mut out, &mut gap) {
                    break;
                }
            }
        }
    }
    out
}

/// At most `max_chars` chars, cut on a word boundary with "…" when shortened.
fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    if max_chars == 0 {
        return String::new();
    }
    // Leave room for the ellipsis.
    let budget = max_chars - 1;
    let cut_at = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..cut_at];
    // Cut on the last word boundary, unless the text is one long word.
    let next_is_space = text[cut_at..].starts_with(char::is_whitespace);
    let head = if next_is_space {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(space) if space > 0 => &head[..space],
            _ => head,
        }
    };
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    format!("{head}…")
}

#[cfg(test)]
mod tests;
