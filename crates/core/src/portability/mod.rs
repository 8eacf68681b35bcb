//! Moving communities between instances and platforms (issue 20, C24).
//!
//! One documented, versioned model, [`Bundle`], is both the format of a
//! community archive (`export`: `community.json` plus the files, in a zip;
//! `docs/community-export/README.md`) and what the readers of other
//! platforms produce (`discourse`, `humhub`). One writer (`import`) turns a
//! bundle into rows, item by item, each in its own transaction together
//! with its line in the import ledger (`import_items`): a second run
//! changes nothing, and a run killed mid-way resumes where it stopped.
//! Every item gets a line in the [`Report`] (imported, already there,
//! skipped and why).

pub mod aliases;
pub mod discourse;
pub mod export;
pub mod humhub;
pub mod import;
pub mod runs;

use serde::{Deserialize, Serialize};

/// Value of [`Bundle::format`].
pub const FORMAT: &str = "passerelles-community";
/// Version of the bundle's schema (`docs/community-export/schema-v2.json`;
/// version 1 archives are read too: what version 2 added is optional).
pub const VERSION: i64 = 2;

/// Everything moved: people, communities with their members, publications
/// with their replies, events, wiki pages and files. Ids are the origin's,
/// as strings; references between items use them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Bundle {
    pub format: String,
    pub version: i64,
    /// Names the origin in the import ledger: the same source imported
    /// twice is recognised item by item.
    pub source: String,
    /// The origin's base URL ("https://old.example"): its links in bodies
    /// are rewritten and its old addresses redirected (`aliases`).
    #[serde(default)]
    pub origin: Option<String>,
    pub exported_at: i64,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub communities: Vec<Community>,
    #[serde(default)]
    pub publications: Vec<Publication>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub wiki: Vec<WikiPage>,
    #[serde(default)]
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub bio: String,
    /// Only from platforms whose administrators hand them over (a
    /// community archive never holds addresses).
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    pub created_at: i64,
    #[serde(default)]
    pub consents: Consents,
}

/// What the person agreed to; nothing is assumed beyond it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Consents {
    /// Findable in search and the member directory.
    #[serde(default)]
    pub findable: bool,
    /// Refused the federation of their profile.
    #[serde(default)]
    pub federation_opt_out: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Community {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub charter: String,
    #[serde(default)]
    pub welcome: String,
    #[serde(default)]
    pub theme: String,
    /// open | private | unlisted
    pub visibility: String,
    /// open | request | invitation
    pub join_policy: String,
    pub created_at: i64,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub user: String,
    /// owner | animator | moderator | member
    pub role: String,
    /// active | requested | banned
    #[serde(default = "active")]
    pub state: String,
    pub joined_at: i64,
}

fn active() -> String {
    "active".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Publication {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// discussion | question | watch
    pub kind: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub lang: Option<String>,
    pub author: Option<String>,
    #[serde(default)]
    pub link_url: Option<String>,
    /// Communities it is shared into (their ids in this bundle).
    pub communities: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// visible | hidden | removed | deleted
    #[serde(default = "visible")]
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub replies: Vec<Reply>,
    /// Earlier versions, oldest first (version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// Files attached to it; their bytes are `files/<sha256>` (version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// An earlier version of a publication (title and body) or of a reply
/// (body; the title is empty), as its editor left it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Revision {
    pub editor: Option<String>,
    #[serde(default)]
    pub title: String,
    pub body: String,
    pub created_at: i64,
}

/// A file attached to a publication.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Option<String>,
    pub created_at: i64,
}

fn visible() -> String {
    "visible".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reply {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The reply answered (an id of this publication's replies).
    #[serde(default)]
    pub parent: Option<String>,
    pub author: Option<String>,
    /// Markdown.
    pub body: String,
    #[serde(default = "visible")]
    pub status: String,
    pub created_at: i64,
    /// Earlier versions, oldest first (version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// iCalendar UID, kept when free.
    pub uid: String,
    pub communities: Vec<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub tz: String,
    pub start_local: String,
    pub end_local: String,
    #[serde(default)]
    pub all_day: bool,
    pub starts_at: i64,
    pub ends_at: i64,
    #[serde(default)]
    pub rrule: String,
    #[serde(default)]
    pub exdates: String,
    pub series_ends_at: i64,
    pub place_kind: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub online_url: String,
    #[serde(default)]
    pub online_private: bool,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub capacity: Option<i64>,
    /// The price as the organiser wrote it; empty means free.
    #[serde(default)]
    pub price: String,
    /// Registration questions, one per line.
    #[serde(default)]
    pub questions: String,
    pub organiser: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WikiPage {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub community: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub author: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Every saved version of the page, oldest first, the current one last
    /// (version 2; absent, the page arrives with its current text only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<WikiRevision>,
}

/// One saved version of a wiki page, as its author left it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WikiRevision {
    /// The origin's id of the revision (what `restored_from` names).
    pub id: String,
    pub author: Option<String>,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The author's note about the change.
    #[serde(default)]
    pub note: String,
    /// The revision of the same page this one restored, if it is a restore.
    #[serde(default)]
    pub restored_from: Option<String>,
    pub created_at: i64,
}

/// A file of a community's space; its bytes are `files/<sha256>` in the archive.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct File {
    pub id: String,
    /// Paths (with their query, if any) this item had on the origin
    /// ("/p/12", "/t/velo/34"): answered here with a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub community: String,
    /// Folder names from the space's root, joined by `/` ("" = the root).
    #[serde(default)]
    pub folder: String,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Option<String>,
    pub created_at: i64,
}

/// What happened to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created (its local id).
    Imported(i64),
    /// An existing local row stands for it (an account with the same
    /// e-mail address).
    Linked(i64),
    /// Imported by an earlier run.
    Unchanged(i64),
    /// Not imported, and why (a message for the administrator).
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: &'static str,
    pub external_id: String,
    pub label: String,
    pub outcome: Outcome,
}

/// One line per item, in import order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub lines: Vec<Line>,
    pub dry_run: bool,
}

impl Report {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.lines.iter().filter(|l| f(&l.outcome)).count()
    }
    pub fn imported(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Imported(_) | Outcome::Linked(_)))
    }
    pub fn unchanged(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Unchanged(_)))
    }
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (word, detail) = match &self.outcome {
            Outcome::Imported(id) => ("imported ", format!("→ #{id}")),
            Outcome::Linked(id) => ("linked   ", format!("→ existing #{id}")),
            Outcome::Unchanged(id) => ("unchanged", format!("(#{id})")),
            Outcome::Skipped(why) => ("skipped  ", format!("— {why}")),
        };
        write!(
            f,
            "{word} {} {} {} {detail}",
            self.kind, self.external_id, self.label
        )
    }
}

/// Parse an RFC 3339 date ("2021-03-25T14:02:11.123Z") or HumHub's
/// "2021-03-25 14:02:11" (UTC) into Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|d| d.and_utc().timestamp())
}

// ---- Helpers of the API readers (discourse.rs, humhub.rs) ----

/// A saved API response, the file named in the error.
pub(crate) fn read(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A field as text, whether the API sent a string or a number.
pub(crate) fn s(v: &serde_json::Value, k: &str) -> String {
    match &v[k] {
        serde_json::Value::String(x) => x.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A report line for an item the reader leaves out, with the reason.
pub(crate) fn skip(kind: &'static str, id: &str, label: &str, why: &str) -> Line {
    Line {
        kind,
        external_id: id.to_string(),
        label: label.chars().take(60).collect(),
        outcome: Outcome::Skipped(why.to_string()),
    }
}
