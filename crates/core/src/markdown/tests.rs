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
        "&amp;lt;pas une balise&amp;gt; &lt;b&gt; &quot;cité&quot; l&#39;été&nbsp;&nbsp;fin".into(),
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
                    "href", "title", "class", "src", "alt", "start", "align", "checked", "type",
                    "disabled", "rel"
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
    let out = html("[site](https://exemple.ca/page) [mail](mailto:a@exemple.ca) [ftp](ftp://x/y)");
    assert!(
        out.contains(r#"<a href="https://exemple.ca/page" rel="nofollow noopener ugc">site</a>"#),
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
