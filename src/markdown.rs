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
mod tests {
    use super::*;

    /// The former multi-pass version: the single pass must agree with it.
    fn html_to_text_reference(html: &str) -> String {
        let mut raw = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            raw.push_str(&rest[..lt]);
            let after = &rest[lt + 1..];
            let Some(gt) = after.find('>') else {
                rest = "";
                break;
            };
            let tag = after[..gt].trim_start_matches('/');
            let name: String = tag
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if matches!(
                name.as_str(),
                "p" | "br"
                    | "li"
                    | "blockquote"
                    | "pre"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "hr"
                    | "tr"
                    | "td"
                    | "th"
                    | "ul"
                    | "ol"
                    | "table"
            ) {
                raw.push(' ');
            }
            rest = &after[gt + 1..];
        }
        raw.push_str(rest);
        let decoded = raw
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&nbsp;", "\u{a0}")
            .replace("&amp;", "&");
        decoded.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn single_pass_text_agrees_with_the_reference() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "   ".into(),
            "<p>Un <strong>vélo</strong> &amp; une <em>remorque</em></p><p>Deux</p>".into(),
            "&amp;lt;pas une balise&amp;gt; &lt;b&gt; &quot;cité&quot; l&#39;été&nbsp;&nbsp;fin"
                .into(),
            "<P>Majuscules</P><BR>suite<Li>item</LI>".into(),
            "texte <a href=\"x\">lien</a>< sans fin".into(),
            "  début\n\n\tmilieu   fin  ".into(),
            "<ul><li>un</li><li>deux</li></ul><table><tr><td>a</td><td>b</td></tr></table>".into(),
            "&unknown; & seul &am".into(),
            "mot".repeat(400),
        ];
        for md in [
            "# Titre\n\nUn paragraphe *long* avec [un lien](https://exemple.org) et du `code`.\n\n- un\n- deux\n\n> cité",
            "Économie sociale : l'œuvre des coopératives & des OBNL <script>x</script>",
        ] {
            inputs.push(render(md).html);
        }
        // Seeded mixtures of fragments, including cuts inside tags and entities.
        let frags = [
            "<p>",
            "</p>",
            "<br>",
            "<em>",
            "</em>",
            "&amp;",
            "&lt;",
            "&nbsp;",
            "&#39;",
            " ",
            "\n",
            "é",
            "œuvre",
            "mot",
            "<",
            ">",
            "&",
            "Saint-Jean",
            "<li>",
            "</LI>",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2_000 {
            let mut x = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 58) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                x.push_str(frags[(seed >> 33) as usize % frags.len()]);
            }
            inputs.push(x);
        }
        for x in &inputs {
            let reference = html_to_text_reference(x);
            assert_eq!(html_to_text(x), reference, "{x:?}");
            for n in [0, 1, 2, 5, 17, 220, 5_000] {
                assert_eq!(
                    excerpt_from_html(x, n),
                    shorten(&reference, n),
                    "{x:?} at {n}"
                );
            }
        }
    }

    fn html(source: &str) -> String {
        render(source).html
    }

    /// Tags present in `html`, lowercased.
    fn tag_names(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .filter_map(|s| {
                let name: String = s
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                (!name.is_empty()).then(|| name.to_ascii_lowercase())
            })
            .collect()
    }

    /// Attributes of a serialized start tag (`name attr="value" …`).
    fn attributes(tag: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = tag.trim_start_matches('/');
        rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || rest == "/" {
                break;
            }
            let name_end = rest.find(['=', ' ']).unwrap_or(rest.len());
            let name = rest[..name_end].to_string();
            rest = &rest[name_end..];
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix("=\"") {
                let end = after.find('"').unwrap_or(after.len());
                value = after[..end].to_string();
                rest = after.get(end + 1..).unwrap_or("");
            }
            out.push((name, value));
        }
        out
    }

    fn assert_safe(source: &str) {
        let out = html(source);
        // Text never contains a raw '<' (the serializer escapes it), so each
        // '<' starts a tag; only tags and their attributes can be dangerous.
        let tags: Vec<String> = out
            .split('<')
            .skip(1)
            .map(|s| s.split('>').next().unwrap_or("").to_ascii_lowercase())
            .collect();
        for name in tag_names(&out) {
            assert!(
                [
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
                    "ul"
                ]
                .contains(&name.as_str()),
                "tag {name} in {out:?} from {source:?}"
            );
        }
        for tag in &tags {
            for (name, value) in attributes(tag) {
                assert!(
                    [
                        "href", "title", "class", "src", "alt", "start", "align", "checked",
                        "type", "disabled", "rel"
                    ]
                    .contains(&name.as_str()),
                    "attribute {name} in <{tag}> from {source:?}"
                );
                if name == "href" || name == "src" {
                    let v = value.trim_start();
                    assert!(
                        v.starts_with("http://")
                            || v.starts_with("https://")
                            || v.starts_with("mailto:")
                            || v.starts_with('/')
                            || v.starts_with('#')
                            || !v.contains(':'),
                        "{name}={value} in <{tag}> from {source:?}"
                    );
                }
            }
        }
        // Every image is local.
        for part in out.split("<img").skip(1) {
            let tag = part.split('>').next().unwrap_or("");
            if let Some(src) = tag.split("src=\"").nth(1) {
                assert!(src.starts_with("/media/"), "image {tag} in {out:?}");
            }
        }
    }

    #[test]
    fn hostile_corpus() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1) )",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](data:image/png;base64,iVBORw0KGgo=)",
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=alert(1)>",
            "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
            "<iframe src=\"https://evil.example/\"></iframe>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "[x](vbscript:msgbox(1))",
            "![](https://tracker.example/p.gif)",
            "![pixel](//tracker.example/p.gif)",
            "<style>body{display:none}</style>",
            "[x](&#106;avascript:alert(1))",
            "[x](&#x6A;avascript&#58;alert(1))",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "[x][ref]\n\n[ref]: javascript:alert(1)",
            "<form action=/logout><button>x</button></form>",
            "<div style=\"position:fixed\">x</div>",
            "<object data=x></object><embed src=x>",
            "```html\n<script>alert(1)</script>\n```",
            "<<script>script>alert(1)<</script>/script>",
            "<!-- <script>alert(1)</script> -->",
            "[a](https://ok.example \"t\\\" onmouseover=alert(1)\")",
            "<https://ok.example/\" onmouseover=\"alert(1)>",
            "www.example.com/\"onmouseover=\"alert(1)",
        ];
        for source in corpus {
            assert_safe(source);
        }
        // Third-party image → link, no <img>.
        let out = html("![](https://tracker.example/p.gif)");
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains("href=\"https://tracker.example/p.gif\""),
            "{out}"
        );
        // Raw HTML is shown as text.
        let out = html("<script>alert(1)</script>");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        // javascript: links lose their href.
        let out = html("[x](JaVaScRiPt:alert(1))");
        assert_eq!(out, "<p><a rel=\"nofollow noopener ugc\">x</a></p>\n");
    }

    #[test]
    fn links_and_images() {
        let out =
            html("[site](https://exemple.ca/page) [mail](mailto:a@exemple.ca) [ftp](ftp://x/y)");
        assert!(
            out.contains(
                r#"<a href="https://exemple.ca/page" rel="nofollow noopener ugc">site</a>"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"href="mailto:a@exemple.ca""#), "{out}");
        assert!(!out.contains("ftp:"), "{out}");
        // Every link carries rel, autolinks too.
        let out = html("voir https://exemple.ca et www.exemple.ca");
        assert_eq!(out.matches("<a ").count(), 2, "{out}");
        assert_eq!(
            out.matches(r#"rel="nofollow noopener ugc""#).count(),
            2,
            "{out}"
        );
        // Local images stay.
        let out = html("![Logo](/media/abc.jpg \"titre\")");
        assert!(
            out.contains(r#"<img src="/media/abc.jpg" alt="Logo" title="titre">"#),
            "{out}"
        );
        // A remote image inside a link becomes its alt text.
        let out = html("[![badge](https://ci.example/b.svg)](https://ci.example/)");
        assert!(!out.contains("<img"), "{out}");
        assert_eq!(out.matches("<a ").count(), 1, "{out}");
        assert!(out.contains(">badge</a>"), "{out}");
    }

    #[test]
    fn gfm_features() {
        let out = html("| a | b |\n|:-|-:|\n| 1 | 2 |\n\n~~barré~~\n\n- [x] fait\n- [ ] à faire");
        assert!(out.contains("<table>"), "{out}");
        assert!(out.contains(r#"<th align="left">a</th>"#), "{out}");
        assert!(out.contains("<del>barré</del>"), "{out}");
        // Attribute order is not stable (the sanitiser keeps them in a map).
        let items: Vec<&str> = out.split("<li>").skip(1).collect();
        assert_eq!(items.len(), 2, "{out}");
        for (item, checked) in items.iter().zip([true, false]) {
            let input = item.split('>').next().unwrap_or("");
            assert!(
                input.starts_with("<input")
                    && input.contains(r#"type="checkbox""#)
                    && input.contains(r#"disabled="""#),
                "{out}"
            );
            assert_eq!(input.contains(r#"checked="""#), checked, "{out}");
        }
        assert!(
            items[0].contains("> fait</li>") && items[1].contains("> à faire</li>"),
            "{out}"
        );
        let out = html("```rust\nfn main() {}\n```");
        assert!(out.contains(r#"<code class="language-rust">"#), "{out}");
        let out = html("```x\" onclick=\"y\nz\n```");
        assert!(!out.contains("onclick"), "{out}");
        let out = html("ligne 1\nligne 2");
        assert!(out.contains("<br>"), "{out}");
        let out = html("3. trois\n4. quatre");
        assert!(out.contains(r#"<ol start="3">"#), "{out}");
    }

    #[test]
    fn headings_are_shifted() {
        let out = html("# Un\n\n## Deux\n\n### Trois\n\n#### Quatre\n\n###### Six\n\nSetext\n===");
        assert!(!out.contains("<h1") && !out.contains("<h2"), "{out}");
        assert!(out.contains("<h3>Un</h3>"), "{out}");
        assert!(out.contains("<h4>Deux</h4>"), "{out}");
        assert!(out.contains("<h5>Trois</h5>"), "{out}");
        assert!(out.contains("<h6>Quatre</h6>"), "{out}");
        assert!(out.contains("<h6>Six</h6>"), "{out}");
        assert!(out.contains("<h3>Setext</h3>"), "{out}");
    }

    fn max_depth(html: &str, tag: &str) -> usize {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let (mut depth, mut max) = (0usize, 0usize);
        let mut rest = html;
        loop {
            let o = rest.find(&open);
            let c = rest.find(&close);
            match (o, c) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    max = max.max(depth);
                    rest = &rest[o + open.len()..];
                }
                (_, Some(c)) => {
                    depth = depth.saturating_sub(1);
                    rest = &rest[c + close.len()..];
                }
                (Some(o), None) => {
                    depth += 1;
                    max = max.max(depth);
                    rest = &rest[o + open.len()..];
                }
                (None, None) => break,
            }
        }
        max
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let quote = format!("{} fond", "> ".repeat(10_000));
        let out = html(&quote);
        assert!(
            max_depth(&out, "blockquote") <= MAX_NESTING,
            "depth {}",
            max_depth(&out, "blockquote")
        );
        assert!(out.contains("fond"));

        let compact = format!("{}x", ">".repeat(10_000));
        let out = html(&compact);
        assert!(max_depth(&out, "blockquote") <= MAX_NESTING);

        let lists = format!("{}x", "- ".repeat(10_000));
        let out = html(&lists);
        assert!(
            max_depth(&out, "ul") <= MAX_NESTING,
            "depth {}",
            max_depth(&out, "ul")
        );

        let ordered = format!("{}x", "1. ".repeat(10_000));
        let out = html(&ordered);
        assert!(max_depth(&out, "ol") <= MAX_NESTING);

        let mixed = format!("{}x", "> - 1) ".repeat(3_000));
        let out = html(&mixed);
        let total = max_depth(&out, "blockquote") + max_depth(&out, "ul") + max_depth(&out, "ol");
        assert!(total <= MAX_NESTING + 2, "total {total}");

        // Growing indentation, one level per line.
        let mut staircase = String::new();
        for level in 0..400 {
            staircase.push_str(&"  ".repeat(level));
            staircase.push_str("- x\n");
        }
        let out = html(&staircase);
        assert!(
            max_depth(&out, "ul") <= MAX_NESTING + 1,
            "depth {}",
            max_depth(&out, "ul")
        );

        // Many lines of deep quotes.
        let many = format!("{}x\n", "> ".repeat(200)).repeat(200);
        let out = html(&many);
        assert!(max_depth(&out, "blockquote") <= MAX_NESTING);

        // Normal nesting is untouched.
        assert_eq!(
            bound_nesting("> > a\n- - b\n    code\n"),
            "> > a\n- - b\n    code\n"
        );
    }

    #[test]
    fn large_bodies() {
        let paragraph =
            "Lorem ipsum dolor sit amet, **consectetur** _adipiscing_ elit. #tag @marie\n\n";
        let body = paragraph.repeat(MAX_SOURCE_BYTES / paragraph.len());
        assert!(body.len() <= MAX_SOURCE_BYTES);
        let out = render(&body);
        assert!(out.html.len() > body.len() / 2);
        assert_eq!(out.hashtags, vec!["tag"]);
        assert_eq!(out.mentions, vec!["marie"]);

        // Over the limit: cut, not refused, and still valid UTF-8.
        let big = "é".repeat(MAX_SOURCE_BYTES);
        let out = render(&big);
        assert!(out.html.len() < MAX_SOURCE_BYTES + 100);

        // Pathological inline content.
        for source in [
            "*".repeat(50_000),
            "[".repeat(50_000),
            "![".repeat(25_000),
            "`".repeat(50_000),
            "<".repeat(50_000),
            "a_".repeat(25_000),
            "@a".repeat(25_000),
            "#a ".repeat(25_000),
            "| a ".repeat(10_000) + "\n" + &"|-".repeat(10_000),
        ] {
            let _ = render(&source);
        }
    }

    #[test]
    fn mentions() {
        let out = render("Merci @Élodie et @jean.paul_2. Salut @Élodie!");
        assert_eq!(out.mentions, vec!["Élodie", "jean.paul_2"]);
        assert!(
            out.html.contains(
                r#"<a href="/u/%C3%89lodie" class="mention" rel="nofollow noopener ugc">@Élodie</a>"#
            ),
            "{}",
            out.html
        );
        assert!(
            out.html.contains(r#"href="/u/jean.paul_2""#),
            "{}",
            out.html
        );
        // The trailing dot ends the sentence, not the name.
        assert!(out.html.contains(">@jean.paul_2</a>."), "{}", out.html);

        // Not in code, links, e-mail addresses, URLs.
        let out = render(
            "`@code`\n\n```\n@bloc\n```\n\n[@lien](https://x.example) marie@exemple.ca \
             https://social.example/@alice exemple.ca/@bob @remote@instance.example",
        );
        assert!(out.mentions.is_empty(), "{:?}", out.mentions);
        assert!(!out.html.contains("class=\"mention\""), "{}", out.html);
        let out = render("    @indented code");
        assert!(out.mentions.is_empty());

        // Too short or starting with a separator.
        let out = render("@ab @_x @-yy @...");
        assert!(out.mentions.is_empty(), "{:?}", out.mentions);

        // Inside emphasis and lists.
        let out = render("- *@marie* et **@Zoé**");
        assert_eq!(out.mentions, vec!["marie", "Zoé"]);
    }

    #[test]
    fn hashtags() {
        let out = render(
            "Vive l'#économie_sociale et la #ÉconomieSociale, #2024 #2024bilan #Économie_Sociale",
        );
        assert_eq!(
            out.hashtags,
            vec!["économie_sociale", "économiesociale", "2024bilan"]
        );
        assert!(
            out.html.contains(
                r#"<a href="/tags/%C3%A9conomiesociale" class="hashtag" rel="nofollow noopener ugc">#ÉconomieSociale</a>"#
            ),
            "{}",
            out.html
        );
        // Headings are not hashtags; hashtags inside headings are.
        let out = render("# titre\n\n## Parlons #coop");
        assert_eq!(out.hashtags, vec!["coop"]);
        // Not in code, URLs, fragments, entities.
        let out = render(
            "`#code` https://exemple.ca/page#section <https://x.example/#frag> exemple.ca/#ancre \
             [lien](#ancre) a#b C# issue#12 &amp;#x",
        );
        assert!(out.hashtags.is_empty(), "{:?}", out.hashtags);
        assert!(!out.html.contains("class=\"hashtag\""), "{}", out.html);
        // In parentheses and after punctuation.
        let out = render("(#coop) «#québec»");
        assert_eq!(out.hashtags, vec!["coop", "québec"]);
    }

    #[test]
    fn excerpts() {
        let source = "# Titre\n\nUn *texte* avec [un lien](https://x.example) &amp; des <b>balises</b>.\n\n- un\n- deux";
        let text = excerpt(source, 1000);
        assert_eq!(
            text,
            "Titre Un texte avec un lien & des <b>balises</b>. un deux"
        );
        let short = excerpt(source, 20);
        assert!(short.chars().count() <= 20, "{short}");
        assert!(short.ends_with('…'), "{short}");
        assert_eq!(short, "Titre Un texte avec…");
        assert_eq!(excerpt("motextrêmementlong", 5), "mote…");
        assert_eq!(excerpt("abc", 0), "");
        assert_eq!(excerpt("abc", 3), "abc");
    }

    #[test]
    fn random_input_never_panics() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = "> -*+_`#@[]()!<>&;:/\\|~\n\n  \t1.éÉa0\"'=x"
            .chars()
            .collect();
        for round in 0..3000 {
            let len = (next() % 200) as usize;
            let source: String = if round % 2 == 0 {
                let bytes: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            };
            let out = render(&source);
            let lower = out.html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{source:?}");
            let _ = excerpt(&source, 50);
        }
    }
}
