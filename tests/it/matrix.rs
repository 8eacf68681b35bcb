//! The permission matrix of issues 3 and 12, end to end over real HTTP:
//! channel (HTML page, API, RSS/Atom, attachment download, notification,
//! mention, the bare id, the tag lookup, stored images, what was written
//! earlier) × visibility (open, private, unlisted, archived, removed,
//! widened: private then shared into an open community) × viewer
//! (anonymous, signed-in outsider, pending requester, member, moderator,
//! banned member, suspended account, instance admin).
//!
//! The fixture is built once; every cell is run; the expected values are
//! written out below from the issues' rules (never computed by calling the
//! policy), and the test fails with a table of every wrong cell.
//!
//! The rules the table follows:
//! - open and unlisted communities are read by anyone (unlisted: by link —
//!   a publication's link carries its key, which the community's page
//!   gives); private ones only by their active members (and instance
//!   admins); archived ones stay readable (read-only);
//! - a publication is *found* by its bare id (`/p/{id}`, the API without
//!   key) only where it may be found without a link: an unlisted
//!   community's publications only by its members (ids are sequential);
//! - a publication removed by a community's moderators is seen only by
//!   those moderators and instance admins (its author gets a notice);
//! - suspended or pending accounts act as nobody: on pages they are
//!   anonymous readers, the API refuses their tokens, they get no
//!   notifications; a banned member is an outsider who may not read a
//!   private community (open content stays public);
//! - feeds are built for an anonymous reader, whoever fetches them;
//! - a publication's page and its community's listing (HTML, and API) agree;
//! - notifications (a new reply on a followed publication) and mentions reach
//!   a person only while they may read the publication; so do their e-mails,
//!   their daily digests and their Web Push messages, decided when they are
//!   sent (issue 16);
//! - metadata: a tag is known (page and API) to whoever may find a visible
//!   publication carrying it; to anyone else it answers exactly as a tag
//!   that does not exist;
//! - stored images (an attachment's thumbnail) are served as the
//!   publication is, `public` only when anyone finds it, never by id;
//! - widened by sharing: a private publication its author shares into an
//!   open community is then read by everyone, but what was written before
//!   (its first reply, its earlier version) stays with its first audience.
//!
//! The newsletter channels (an issue's archive page, the archive feed, the
//! issue by e-mail, proposals) have their own table, by the list's
//! audience: `matrix_newsletter.rs`. Who manages news feeds (page and API)
//! by owner (community, territory, organisation): `matrix_news.rs`.
//!
//! Events (issue 15) have their own matrix, `matrix_events.rs`: page, API,
//! agenda, month, week, `.ics`, community / instance / tag / territory
//! feeds, Atom, search (page, API, tag filter) and the private feed.

use std::collections::HashMap;

use passerelles::accounts::User;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::writing::{community, exec, member, token_for};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Channel {
    Page,
    Api,
    Feed,
    Attachment,
    Notification,
    /// The same notification by e-mail (issue 16), decided when it is sent.
    Email,
    /// The same notification in the daily digest (issue 16), built at the
    /// person's hour with the policy of then.
    Digest,
    /// The same notification by Web Push (issue 16): the payload queued
    /// for the person's browser by the push pass.
    Push,
    Mention,
    ById,
    Tag,
    Media,
    Earlier,
    /// The author's member page (`/u/{username}`), its recent publications.
    Profile,
    /// ActivityPub (issue 18): the publication's id (`/p/{id}`, no key: ids
    /// carry none), a reply's (`/p/{id}/replies/{rid}`) and its community's
    /// outbox, asked with
    /// `Accept: application/activity+json` as a remote server asks them.
    ActivityPub,
    /// The health page of the publication's community (issue 20,
    /// `/c/{slug}/health`: its animators and owners, administrators) and
    /// the instance view (`/admin/health`: administrators).
    Health,
    /// An item a news feed brought into the community (issue 17, C14): a
    /// watch item from an external source, its page read like the
    /// community's other publications.
    News,
    /// The community's archive (issue 20, `POST /c/{slug}/export`): its
    /// owners (none among these viewers) and administrators; read back, it
    /// holds the publication.
    CommunityExport,
    /// The community's blocks from the fediverse (issue 18,
    /// `/c/{slug}/moderation/federation`: its form to block a remote person
    /// or instance): its moderators and administrators, for a community on
    /// the fediverse only.
    FederationBlocks,
    /// Its old address after an import (issue 20): the path it had on the
    /// forum it came from, asked under that forum's name (its domain
    /// points here now) and under ours — a 301 to its page for whoever
    /// finds it by its bare id, for anyone else the answer of an old
    /// address no item claims (its existence, new id and community do not
    /// leak).
    Moved,
    /// The administration of imports (issue 20, `/admin/imports` and a
    /// run's report, which names the items it skipped): administrators only.
    Imports,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Vis {
    Open,
    Private,
    Unlisted,
    Archived,
    Removed,
    Widened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Viewer {
    Anonymous,
    Outsider,
    Pending,
    Member,
    Moderator,
    Banned,
    Suspended,
    Admin,
}

const CHANNELS: [Channel; 21] = [
    Channel::Page,
    Channel::Api,
    Channel::Feed,
    Channel::Attachment,
    Channel::Notification,
    Channel::Email,
    Channel::Digest,
    Channel::Push,
    Channel::Mention,
    Channel::ById,
    Channel::Tag,
    Channel::Media,
    Channel::Earlier,
    Channel::Profile,
    Channel::ActivityPub,
    Channel::Health,
    Channel::News,
    Channel::CommunityExport,
    Channel::FederationBlocks,
    Channel::Moved,
    Channel::Imports,
];
const VISES: [Vis; 6] = [
    Vis::Open,
    Vis::Private,
    Vis::Unlisted,
    Vis::Archived,
    Vis::Removed,
    Vis::Widened,
];
const VIEWERS: [Viewer; 8] = [
    Viewer::Anonymous,
    Viewer::Outsider,
    Viewer::Pending,
    Viewer::Member,
    Viewer::Moderator,
    Viewer::Banned,
    Viewer::Suspended,
    Viewer::Admin,
];

/// Expected: may this viewer get the publication through this channel?
/// One row per (channel, visibility); columns in `VIEWERS` order:
///   anon, outsider, pending, member, moderator, banned, suspended, admin.
const T: bool = true;
const F: bool = false;
#[rustfmt::skip]
const EXPECTED: [(Channel, Vis, [bool; 8]); 126] = [
    //                                  anon outs pend memb mod  ban  susp admin
    // Its link (for an unlisted community's publication: with its key).
    (Channel::Page, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Private,      [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Page, Vis::Unlisted,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Removed,      [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Page, Vis::Widened,      [T,   T,   T,   T,   T,   T,   T,   T]),

    // The API refuses a suspended account's token outright.
    (Channel::Api, Vis::Open,          [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Private,       [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Api, Vis::Unlisted,      [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Archived,      [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Removed,       [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Api, Vis::Widened,       [T,   T,   T,   T,   T,   T,   F,   T]),

    // Feeds are for an anonymous reader, whoever asks.
    (Channel::Feed, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Private,      [F,   F,   F,   F,   F,   F,   F,   F]),
    (Channel::Feed, Vis::Unlisted,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Removed,      [F,   F,   F,   F,   F,   F,   F,   F]),
    (Channel::Feed, Vis::Widened,      [T,   T,   T,   T,   T,   T,   T,   T]),

    (Channel::Attachment, Vis::Open,     [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Private,  [F, F,   F,   T,   T,   F,   F,   T]),
    (Channel::Attachment, Vis::Unlisted, [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Archived, [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Removed,  [F, F,   F,   F,   T,   F,   F,   T]),
    (Channel::Attachment, Vis::Widened,  [T, T,   T,   T,   T,   T,   T,   T]),

    // Everyone signed in follows every publication; the owner replies
    // (before the widened one is shared: its first readers only).
    (Channel::Notification, Vis::Open,     [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Private,  [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Notification, Vis::Unlisted, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Archived, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Removed,  [F, F, F,   F,   T,   F,   F,   T]),
    (Channel::Notification, Vis::Widened,  [F, F, F,   T,   T,   F,   F,   T]),

    // The same reply by e-mail, everyone having asked for it right away:
    // the immediate pass asks the policy when it sends.
    (Channel::Email, Vis::Open,     [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Email, Vis::Private,  [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Email, Vis::Unlisted, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Email, Vis::Archived, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Email, Vis::Removed,  [F, F, F,   F,   T,   F,   F,   T]),
    (Channel::Email, Vis::Widened,  [F, F, F,   T,   T,   F,   F,   T]),

    // … in the daily digest, then by push (a browser subscribed each):
    // the digest and the push pass ask the policy when they are built.
    (Channel::Digest, Vis::Open,     [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Digest, Vis::Private,  [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Digest, Vis::Unlisted, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Digest, Vis::Archived, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Digest, Vis::Removed,  [F, F, F,   F,   T,   F,   F,   T]),
    (Channel::Digest, Vis::Widened,  [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Push, Vis::Open,       [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Push, Vis::Private,    [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Push, Vis::Unlisted,   [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Push, Vis::Archived,   [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Push, Vis::Removed,    [F, F, F,   F,   T,   F,   F,   T]),
    (Channel::Push, Vis::Widened,    [F, F, F,   T,   T,   F,   F,   T]),

    // The owner mentions everyone in a reply (same moment).
    (Channel::Mention, Vis::Open,      [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Mention, Vis::Unlisted,  [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Archived,  [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Removed,   [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Mention, Vis::Widened,   [F,   F,   F,   T,   T,   F,   F,   T]),

    // `/p/{id}` alone (page and API): an unlisted publication is not
    // found by its sequential id except by its community's members.
    (Channel::ById, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ById, Vis::Private,      [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::ById, Vis::Unlisted,     [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::ById, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ById, Vis::Removed,      [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::ById, Vis::Widened,      [T,   T,   T,   T,   T,   T,   T,   T]),

    // The tag it alone carries (page; the API agrees): known to whoever
    // finds a visible publication with it, unknown to anyone else. Tag
    // pages never show hidden or removed content, even to moderators.
    (Channel::Tag, Vis::Open,          [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Tag, Vis::Private,       [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Tag, Vis::Unlisted,      [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Tag, Vis::Archived,      [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Tag, Vis::Removed,       [F,   F,   F,   F,   F,   F,   F,   F]),
    (Channel::Tag, Vis::Widened,       [T,   T,   T,   T,   T,   T,   T,   T]),

    // An image attachment's thumbnail, through its publication's link.
    (Channel::Media, Vis::Open,        [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Media, Vis::Private,     [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Media, Vis::Unlisted,    [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Media, Vis::Archived,    [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Media, Vis::Removed,     [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Media, Vis::Widened,     [T,   T,   T,   T,   T,   T,   T,   T]),

    // Its first reply and its earlier version (page and history; the
    // API's replies agree): written before the widened one was shared, so
    // for its first audience only.
    (Channel::Earlier, Vis::Open,      [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Earlier, Vis::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Earlier, Vis::Unlisted,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Earlier, Vis::Archived,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Earlier, Vis::Removed,   [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Earlier, Vis::Widened,   [F,   F,   F,   T,   T,   F,   F,   T]),

    // A member page lists like a tag page: what the viewer may read, except
    // unlisted communities they are not in, and nothing removed.
    (Channel::Profile, Vis::Open,      [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Profile, Vis::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Profile, Vis::Unlisted,  [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Profile, Vis::Archived,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Profile, Vis::Removed,   [F,   F,   F,   F,   F,   F,   F,   F]),
    (Channel::Profile, Vis::Widened,   [T,   T,   T,   T,   T,   T,   T,   T]),

    // The fediverse sees what an anonymous reader finds without a link in
    // an open community, whoever's session asks: private and unlisted
    // communities are not federated at all, removed content is gone.
    (Channel::ActivityPub, Vis::Open,     [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::ActivityPub, Vis::Private,  [F, F,   F,   F,   F,   F,   F,   F]),
    (Channel::ActivityPub, Vis::Unlisted, [F, F,   F,   F,   F,   F,   F,   F]),
    (Channel::ActivityPub, Vis::Archived, [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::ActivityPub, Vis::Removed,  [F, F,   F,   F,   F,   F,   F,   F]),
    (Channel::ActivityPub, Vis::Widened,  [T, T,   T,   T,   T,   T,   T,   T]),

    // Community health: aggregates for the community's animators and
    // owners (none among these viewers; the moderator is not one) and
    // administrators; the instance view for administrators.
    (Channel::Health, Vis::Open,       [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Health, Vis::Private,    [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Health, Vis::Unlisted,   [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Health, Vis::Archived,   [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Health, Vis::Removed,    [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Health, Vis::Widened,    [F,   F,   F,   F,   F,   F,   F,   T]),
    // The community's archive: its owners and administrators only.
    (Channel::CommunityExport, Vis::Open,     [F, F, F, F, F, F, F, T]),
    (Channel::CommunityExport, Vis::Private,  [F, F, F, F, F, F, F, T]),
    (Channel::CommunityExport, Vis::Unlisted, [F, F, F, F, F, F, F, T]),
    (Channel::CommunityExport, Vis::Archived, [F, F, F, F, F, F, F, T]),
    (Channel::CommunityExport, Vis::Removed,  [F, F, F, F, F, F, F, T]),
    (Channel::CommunityExport, Vis::Widened,  [F, F, F, F, F, F, F, T]),
    // Blocking from the fediverse: the community's moderators and
    // administrators, where the community is federated (open, archived
    // too); private and unlisted ones (the widened one starts private)
    // have no such page.
    (Channel::FederationBlocks, Vis::Open,     [F, F, F, F, T, F, F, T]),
    (Channel::FederationBlocks, Vis::Private,  [F, F, F, F, F, F, F, F]),
    (Channel::FederationBlocks, Vis::Unlisted, [F, F, F, F, F, F, F, F]),
    (Channel::FederationBlocks, Vis::Archived, [F, F, F, F, T, F, F, T]),
    (Channel::FederationBlocks, Vis::Removed,  [F, F, F, F, T, F, F, T]),
    (Channel::FederationBlocks, Vis::Widened,  [F, F, F, F, F, F, F, F]),
    // An aggregated news item: as the community's own publications.
    (Channel::News, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::News, Vis::Private,      [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::News, Vis::Unlisted,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::News, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::News, Vis::Removed,      [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::News, Vis::Widened,      [T,   T,   T,   T,   T,   T,   T,   T]),
    // Its old address leads where its bare id is found (`ById`).
    (Channel::Moved, Vis::Open,        [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Moved, Vis::Private,     [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Moved, Vis::Unlisted,    [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Moved, Vis::Archived,    [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Moved, Vis::Removed,     [F,   F,   F,   F,   T,   F,   F,   T]),
    (Channel::Moved, Vis::Widened,     [T,   T,   T,   T,   T,   T,   T,   T]),
    // The imports' page and reports: administrators only.
    (Channel::Imports, Vis::Open,      [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Imports, Vis::Private,   [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Imports, Vis::Unlisted,  [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Imports, Vis::Archived,  [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Imports, Vis::Removed,   [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::Imports, Vis::Widened,   [F,   F,   F,   F,   F,   F,   F,   T]),
];

/// The forum the matrix's publications were imported from (Channel::Moved).
const OLD_FORUM: &str = "forum.ancien.example";

fn username(v: Viewer) -> Option<&'static str> {
    Some(match v {
        Viewer::Anonymous => return None,
        Viewer::Outsider => "dehors",
        Viewer::Pending => "demandeur",
        Viewer::Member => "membre",
        Viewer::Moderator => "vigile",
        Viewer::Banned => "banni",
        Viewer::Suspended => "suspendu",
        Viewer::Admin => "gardienne",
    })
}

fn slug(v: Vis) -> &'static str {
    match v {
        Vis::Open => "ouverte",
        Vis::Private => "privee",
        Vis::Unlisted => "non-listee",
        Vis::Archived => "archivee",
        Vis::Removed => "moderee",
        Vis::Widened => "elargie",
    }
}

/// The community whose listing and feed show the publication: for the
/// widened one, the open community it was shared into.
fn listed_in(v: Vis) -> &'static str {
    match v {
        Vis::Widened => "elargie-place",
        v => slug(v),
    }
}

struct Who {
    user: Option<User>,
    client: reqwest::Client,
    token: Option<String>,
}

struct Item {
    publication: i64,
    attachment: i64,
    image: i64,
    reply: i64,
    mention: i64,
    /// Its link's query (`?k=…` in an unlisted community, else empty).
    kq: String,
    /// The key of the tag it alone carries.
    tag: String,
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// What an answer says beyond its details: status and error code or title.
fn gist(status: u16, body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return format!("{status} {}", v["error"]["code"]);
    }
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    format!("{status} {title}")
}

#[tokio::test]
async fn permission_matrix_channel_visibility_viewer() {
    let app = TestApp::spawn().await;
    let api = reqwest::Client::new();

    // People: one of each kind, signed in on the web and holding an API token.
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let mut who: HashMap<Viewer, Who> = HashMap::new();
    for v in VIEWERS {
        let w = match username(v) {
            None => Who {
                user: None,
                client: app.client(),
                token: None,
            },
            Some(name) => {
                let (client, user) = app.logged_in(name, v == Viewer::Admin).await;
                let token = token_for(&app, &user).await;
                Who {
                    user: Some(user),
                    client,
                    token: Some(token),
                }
            }
        };
        who.insert(v, w);
    }
    let user = |v: Viewer| who[&v].user.clone().expect("signed-in viewer");

    // One community per visibility, the same people in each (the widened
    // publication starts in a private one; the open one it is shared into
    // is anyone's to read).
    let mut items: HashMap<Vis, Item> = HashMap::new();
    community(&app, "elargie-place", "open", "open", &owner).await;
    for vis in VISES {
        let visibility = match vis {
            Vis::Private | Vis::Widened => "private",
            Vis::Unlisted => "unlisted",
            _ => "open",
        };
        let join = if visibility == "private" {
            "request"
        } else {
            "open"
        };
        let c = community(&app, slug(vis), visibility, join, &owner).await;
        member(&app, c, &user(Viewer::Pending), "member", "requested").await;
        member(&app, c, &user(Viewer::Member), "member", "active").await;
        member(&app, c, &user(Viewer::Moderator), "moderator", "active").await;
        member(&app, c, &user(Viewer::Banned), "member", "banned").await;
        member(&app, c, &user(Viewer::Suspended), "member", "active").await;

        // The owner publishes (API) with a tag of its own, then redacts it
        // (its first text stays in its history), and attaches two files.
        let res = api
            .post(app.at("/api/v1/publications"))
            .bearer_auth(&owner_token)
            .json(&json!({
                "kind": "discussion",
                "title": format!("Titre {}", slug(vis)),
                "body": format!("Texte confidentiel {} brouillon-{}", slug(vis), slug(vis)),
                "tags": [format!("Marque {}", slug(vis))],
                "communities": [slug(vis)],
            }))
            .send()
            .await
            .expect("publish");
        assert_eq!(res.status(), 201, "publish in {vis:?}");
        let out: Value = res.json().await.expect("json");
        let pid = out["id"].as_i64().expect("id");
        let res = api
            .patch(app.at(&format!("/api/v1/publications/{pid}")))
            .bearer_auth(&owner_token)
            .json(&json!({ "body": format!("Texte confidentiel {}", slug(vis)) }))
            .send()
            .await
            .expect("edit");
        assert_eq!(res.status(), 200, "edit in {vis:?}");
        let form = Form::new()
            .part(
                "file",
                Part::bytes(b"Compte rendu de la rencontre\n".to_vec())
                    .file_name("compte-rendu.txt"),
            )
            .part("file", Part::bytes(png(200, 120)).file_name("photo.png"));
        let res = api
            .post(app.at(&format!("/api/v1/publications/{pid}/attachments")))
            .bearer_auth(&owner_token)
            .multipart(form)
            .send()
            .await
            .expect("attach");
        assert!(
            res.status().is_success(),
            "attach in {vis:?}: {}",
            res.status()
        );
        let aid: i64 = crate::writing::scalar(
            &app,
            "SELECT id FROM attachments WHERE publication_id = $1 AND thumbnail_media_id IS NULL",
            pid,
        )
        .await;
        let image: i64 = crate::writing::scalar(
            &app,
            "SELECT id FROM attachments WHERE publication_id = $1 AND thumbnail_media_id IS NOT NULL",
            pid,
        )
        .await;
        let (key, tag): (String, String) = sqlx::query_as(
            "SELECT p.public_key, t.name FROM publications p JOIN publication_tags pt ON pt.publication_id = p.id \
             JOIN tags t ON t.id = pt.tag_id WHERE p.id = $1",
        )
        .bind(pid)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("key and tag");
        items.insert(
            vis,
            Item {
                publication: pid,
                attachment: aid,
                image,
                reply: 0,
                mention: 0,
                kq: if vis == Vis::Unlisted {
                    format!("?k={key}")
                } else {
                    String::new()
                },
                tag,
            },
        );
    }

    // Everyone signed in follows every publication (as if they had before
    // losing access), then the account is suspended.
    for vis in VISES {
        for v in VIEWERS {
            if let Some(u) = &who[&v].user {
                sqlx::query(
                    "INSERT INTO follows (user_id, publication_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(u.id)
                .bind(items[&vis].publication)
                .bind(passerelles::db::now())
                .execute(&app.state.db.pool)
                .await
                .expect("follow");
            }
        }
    }
    exec(
        &app,
        "UPDATE users SET status = 'suspended' WHERE id = $1",
        user(Viewer::Suspended).id,
    )
    .await;

    // The owner replies (followers are notified), then mentions everyone.
    let mentions: String = VIEWERS
        .iter()
        .filter_map(|v| username(*v))
        .map(|n| format!("@{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    let reply = |pid: i64, body: String| {
        let req = api
            .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
            .bearer_auth(&owner_token)
            .json(&json!({ "body": body }));
        async move {
            let res = req.send().await.expect("reply");
            assert_eq!(res.status(), 201, "reply to {pid}");
            let out: Value = res.json().await.expect("json");
            out["id"].as_i64().expect("reply id")
        }
    };
    for vis in VISES {
        let pid = items[&vis].publication;
        let first = reply(pid, "Merci à toutes et à tous.".to_string()).await;
        let mention = reply(pid, format!("Bonjour {mentions}")).await;
        let it = items.get_mut(&vis).expect("item");
        it.reply = first;
        it.mention = mention;
    }

    // All that was a while ago; then the owner shares the widened one into
    // the open community, and replies once more everywhere.
    for sql in [
        "UPDATE publications SET created_at = created_at - 100, updated_at = updated_at - 100 WHERE id > $1",
        "UPDATE publication_communities SET added_at = added_at - 100 WHERE publication_id > $1",
        "UPDATE publication_revisions SET created_at = created_at - 100 WHERE id > $1",
        "UPDATE replies SET created_at = created_at - 100, updated_at = updated_at - 100 WHERE id > $1",
    ] {
        exec(&app, sql, 0).await;
    }
    let res = api
        .post(app.at(&format!(
            "/api/v1/publications/{}/communities",
            items[&Vis::Widened].publication
        )))
        .bearer_auth(&owner_token)
        .json(&json!({ "community": "elargie-place" }))
        .send()
        .await
        .expect("share");
    assert_eq!(res.status(), 200, "its author shares it");
    for vis in VISES {
        reply(items[&vis].publication, "Suite pour tous.".to_string()).await;
    }

    // Then the archived community is archived and the moderated publication removed.
    exec(
        &app,
        "UPDATE communities SET status = 'archived' WHERE slug = 'archivee' AND id > $1",
        0,
    )
    .await;
    exec(
        &app,
        "UPDATE publication_communities SET status = 'removed', status_reason = 'Hors sujet' WHERE publication_id = $1",
        items[&Vis::Removed].publication,
    )
    .await;

    // Each signed-in viewer's notifications, once (reply id, kind).
    let mut notified: HashMap<Viewer, Vec<(i64, String)>> = HashMap::new();
    for v in VIEWERS {
        let mut got = Vec::new();
        if let Some(token) = &who[&v].token {
            let res = api
                .get(app.at("/api/v1/notifications"))
                .bearer_auth(token)
                .send()
                .await
                .expect("notifications");
            if res.status() == 200 {
                let list: Value = res.json().await.expect("json");
                for n in list["items"].as_array().cloned().unwrap_or_default() {
                    if let (Some(r), Some(k)) = (n["reply_id"].as_i64(), n["kind"].as_str()) {
                        got.push((r, k.to_string()));
                    }
                }
            }
        }
        notified.insert(v, got);
    }

    // By e-mail (issue 16): everyone signed in asks for replies by e-mail
    // right away, then the immediate pass runs (what it had looked at
    // before is looked at again: it routes with the choices of now).
    let mailed_before = app.sink.all().len();
    for v in VIEWERS {
        if let Some(u) = &who[&v].user {
            for kind in ["reply", "followed_reply"] {
                sqlx::query(
                    "INSERT INTO notification_prefs (user_id, kind, channel) VALUES ($1, $2, 'email')",
                )
                .bind(u.id)
                .bind(kind)
                .execute(&app.state.db.pool)
                .await
                .expect("preference");
            }
        }
    }
    exec(
        &app,
        "UPDATE notifications SET emailed_at = NULL WHERE id > $1",
        0,
    )
    .await;
    passerelles::notifications::email::send_due(&app.state, passerelles::db::now())
        .await
        .expect("immediate e-mails");
    app.drain_jobs().await;
    // The worker may be sending some of them: wait until none is left.
    for _ in 0..300 {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'mail'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("jobs");
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mails: Vec<crate::smtp_sink::ReceivedMail> =
        app.sink.all().into_iter().skip(mailed_before).collect();

    // The same replies in the daily digest: everyone signed in moves them
    // there, and each person's digest is built at 9 in Toronto (their hour
    // is 8) with the policy of then.
    use passerelles::notifications::prefs::Channel as Route;
    exec(
        &app,
        "UPDATE notification_prefs SET channel = 'daily' WHERE kind IN ('reply', 'followed_reply') AND user_id > $1",
        0,
    )
    .await;
    let digested_before = app.sink.all().len();
    let nine = {
        let now = passerelles::db::now();
        (0..48)
            .map(|k| now + k * 3600)
            .find(|t| passerelles::notifications::prefs::Zone::Toronto.local(*t).1 == 9)
            .expect("an hour")
    };
    let env = passerelles::notifications::email::Env::of(&app.state);
    let signer = passerelles::notifications::unsubscribe::Signer::load(&app.state.db)
        .await
        .expect("signer");
    for v in VIEWERS {
        if let Some(u) = &who[&v].user {
            passerelles::notifications::digest::one(
                &app.state.db,
                &env,
                &signer,
                Route::Daily,
                u.id,
                nine,
            )
            .await
            .expect("digest");
        }
    }
    app.drain_jobs().await;
    for _ in 0..300 {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'mail'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("jobs");
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let digests: Vec<crate::smtp_sink::ReceivedMail> =
        app.sink.all().into_iter().skip(digested_before).collect();

    // By push: everyone signed in moves them to push and has one browser
    // subscribed; the push pass queues one job per message. Its endpoint
    // is not a public address, so each job fails at delivery and stays in
    // the queue, where its payload is read.
    exec(
        &app,
        "UPDATE notification_prefs SET channel = 'push' WHERE kind IN ('reply', 'followed_reply') AND user_id > $1",
        0,
    )
    .await;
    let mut browser_of: HashMap<i64, Viewer> = HashMap::new();
    for v in VIEWERS {
        if let Some(u) = &who[&v].user {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) \
                 VALUES ($1, $2, 'cle', 'secret', $3) RETURNING id",
            )
            .bind(u.id)
            .bind(format!("https://127.0.0.1/push/{}", u.username))
            .bind(passerelles::db::now())
            .fetch_one(&app.state.db.pool)
            .await
            .expect("subscription");
            browser_of.insert(id, v);
        }
    }
    exec(
        &app,
        "UPDATE notifications SET pushed_at = NULL WHERE id > $1",
        0,
    )
    .await;
    passerelles::notifications::push::send_due(&app.state, passerelles::db::now())
        .await
        .expect("push pass");
    let mut pushed: HashMap<Viewer, Vec<String>> = HashMap::new();
    let queued: Vec<String> = sqlx::query_scalar("SELECT payload FROM jobs WHERE queue = 'push'")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("push jobs");
    for job in queued {
        let Ok(passerelles::jobs::Job::Push {
            subscription_id,
            payload,
            ..
        }) = serde_json::from_str(&job)
        else {
            panic!("not a push job: {job}");
        };
        let p: passerelles::notifications::push::Payload =
            serde_json::from_str(&payload).expect("payload");
        pushed
            .entry(browser_of[&subscription_id])
            .or_default()
            .push(p.url);
    }

    // A tag nobody used, and an id nothing has: what "unknown" looks like.
    let anonymous = app.client();
    let (s, b) = fetch(&anonymous, app.at("/tags/marque-inconnue")).await;
    let unknown_tag_page = gist(s, &b);
    let (s, b) = fetch(
        &anonymous,
        app.at("/api/v1/tags/marque-inconnue/publications"),
    )
    .await;
    let unknown_tag_api = gist(s, &b);

    // A news feed's item in each community (issue 17), removed or widened
    // like the publication of its row.
    let mut news: HashMap<Vis, (i64, String)> = HashMap::new();
    for vis in VISES {
        let cid: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE slug = $1")
            .bind(slug(vis))
            .fetch_one(&app.state.db.pool)
            .await
            .expect("community");
        let mut conn = app.state.db.pool.acquire().await.expect("conn");
        let excerpt = format!("Article externe {}", slug(vis));
        let url = format!("https://journal.example/{}", slug(vis));
        let nid = passerelles::publications::create_external(
            &mut conn,
            app.state.db.backend,
            &passerelles::publications::External {
                community_id: cid,
                title: &format!("Nouvelle {}", slug(vis)),
                excerpt: &excerpt,
                url: &url,
                url_key: &url,
                source_name: "Journal",
                tags: &[],
                published: None,
                lang: "fr",
            },
        )
        .await
        .expect("aggregated item");
        drop(conn);
        if vis == Vis::Removed {
            exec(
                &app,
                "UPDATE publication_communities SET status = 'removed' WHERE publication_id = $1",
                nid,
            )
            .await;
        }
        if vis == Vis::Widened {
            exec(
                &app,
                "INSERT INTO publication_communities (publication_id, community_id, added_at) \
                 SELECT $1, id, 0 FROM communities WHERE slug = 'elargie-place'",
                nid,
            )
            .await;
        }
        let key: String = sqlx::query_scalar("SELECT public_key FROM publications WHERE id = $1")
            .bind(nid)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("key");
        let kq = if vis == Vis::Unlisted {
            format!("?k={key}")
        } else {
            String::new()
        };
        news.insert(vis, (nid, kq));
    }

    // Each publication came from an older forum (issue 20): its old
    // address is recorded as an import records it, and an import run's
    // report names it among the items skipped (a reply of it left out).
    let mut moved: HashMap<Vis, (String, i64)> = HashMap::new();
    for (n, vis) in VISES.iter().enumerate() {
        let old = format!("/t/sujet-{}/{}", slug(*vis), 500 + n);
        let mut conn = app.state.db.pool.acquire().await.expect("conn");
        passerelles::portability::aliases::record_in(
            &mut conn,
            "discourse:matrice",
            OLD_FORUM,
            &old,
            "publication",
            items[vis].publication,
        )
        .await
        .expect("old address");
        drop(conn);
        let run = passerelles::portability::runs::start(
            &app.state.db,
            "discourse",
            "matrice",
            None,
            false,
            &passerelles::actor::Actor::CLI,
        )
        .await
        .expect("run");
        let report = passerelles::portability::Report {
            lines: vec![passerelles::portability::Line {
                kind: "reply",
                external_id: format!("{}", 900 + n),
                label: format!("Titre {}", slug(*vis)),
                outcome: passerelles::portability::Outcome::Skipped("sans auteur".into()),
            }],
            dry_run: false,
        };
        passerelles::portability::runs::finish(&app.state.db, run, &report, &[])
            .await
            .expect("report");
        moved.insert(*vis, (old, run));
    }
    // What an old address nobody claims gets, under each name.
    let header_get = |client: &reqwest::Client, path: &str, host: Option<&str>| {
        let mut req = client.get(app.at(path));
        if let Some(h) = host {
            req = req.header("host", h);
        }
        async move {
            let res = req.send().await.expect("old address");
            let status = res.status().as_u16();
            let header = |n: &str| {
                res.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let (location, cache) = (header("location"), header("cache-control"));
            (
                status,
                location,
                cache,
                res.text().await.unwrap_or_default(),
            )
        }
    };
    let runs_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_runs")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("runs");

    // Run every cell.
    let mut actual: HashMap<(Channel, Vis, Viewer), bool> = HashMap::new();
    let mut notes: Vec<String> = Vec::new();
    for vis in VISES {
        let it = &items[&vis];
        let pid = it.publication;
        let kq = &it.kq;
        let title = format!("Titre {}", slug(vis));
        let marker = format!("Texte confidentiel {}", slug(vis));
        let draft = format!("brouillon-{}", slug(vis));
        let listed = listed_in(vis);
        for v in VIEWERS {
            let w = &who[&v];
            let api_get = |path: String| {
                let mut req = api.get(app.at(&path));
                if let Some(t) = &w.token {
                    req = req.bearer_auth(t);
                }
                async move {
                    let res = req.send().await.expect("api");
                    let status = res.status().as_u16();
                    (status, res.text().await.unwrap_or_default())
                }
            };
            // HTML: the publication's link and the community page's listing agree.
            let (status, page_body) = fetch(&w.client, app.at(&format!("/p/{pid}{kq}"))).await;
            let on_page = status == 200 && page_body.contains(&marker);
            let (status, body) = fetch(&w.client, app.at(&format!("/c/{listed}"))).await;
            let in_listing = status == 200 && body.contains(&title);
            if on_page != in_listing {
                notes.push(format!(
                    "{vis:?}/{v:?}: publication page {on_page} but community listing {in_listing}"
                ));
            }
            if in_listing && !body.contains(&format!("href=\"/p/{pid}{kq}\"")) {
                notes.push(format!("{vis:?}/{v:?}: the listing does not give its link"));
            }
            actual.insert((Channel::Page, vis, v), on_page && in_listing);
            let (nid, nkq) = &news[&vis];
            let (status, body) = fetch(&w.client, app.at(&format!("/p/{nid}{nkq}"))).await;
            actual.insert(
                (Channel::News, vis, v),
                status == 200 && body.contains(&format!("Article externe {}", slug(vis))),
            );

            let (status, body) = api_get(format!("/api/v1/publications/{pid}{kq}")).await;
            let in_api = status == 200 && body.contains(&marker);
            let (status, body) =
                api_get(format!("/api/v1/communities/{listed}/publications")).await;
            let in_api_listing = status == 200 && body.contains(&title);
            let (status, replies_body) =
                api_get(format!("/api/v1/publications/{pid}/replies{kq}")).await;
            let replies_ok = status == 200 && replies_body.contains("Suite pour tous");
            if in_api != replies_ok {
                notes.push(format!(
                    "{vis:?}/{v:?}: API publication {in_api} but API replies {replies_ok}"
                ));
            }
            if in_api != in_api_listing {
                notes.push(format!(
                    "{vis:?}/{v:?}: API publication {in_api} but API community listing {in_api_listing}"
                ));
            }
            actual.insert((Channel::Api, vis, v), in_api && in_api_listing);

            let (rs, rss) = fetch(&w.client, app.at(&format!("/c/{listed}/feed.rss"))).await;
            let (as_, atom) = fetch(&w.client, app.at(&format!("/c/{listed}/feed.atom"))).await;
            let in_rss = rs == 200 && rss.contains(&title);
            let in_atom = as_ == 200 && atom.contains(&title);
            if in_rss != in_atom {
                notes.push(format!("{vis:?}/{v:?}: RSS {in_rss} but Atom {in_atom}"));
            }
            actual.insert((Channel::Feed, vis, v), in_rss && in_atom);

            let ap = |path: String| {
                let req = w
                    .client
                    .get(app.at(&path))
                    .header("accept", "application/activity+json");
                async move {
                    let res = req.send().await.expect("activitypub get");
                    let status = res.status().as_u16();
                    (status, res.text().await.unwrap_or_default())
                }
            };
            let (status, body) = ap(format!("/p/{pid}")).await;
            let as_object = status == 200 && body.contains(&marker);
            let (status, body) = ap(format!("/c/{listed}/outbox")).await;
            let in_outbox = status == 200 && body.contains(&title);
            if as_object != in_outbox {
                notes.push(format!(
                    "{vis:?}/{v:?}: ActivityPub object {as_object} but outbox {in_outbox}"
                ));
            }
            // A reply's id (`/p/{id}/replies/{rid}`) answers its `Note`
            // exactly where the publication's does.
            let (status, body) = ap(format!("/p/{pid}/replies/{}", it.reply)).await;
            let as_note = status == 200 && body.contains("Merci à toutes");
            if as_note != as_object {
                notes.push(format!(
                    "{vis:?}/{v:?}: ActivityPub object {as_object} but its reply {as_note}"
                ));
            }
            actual.insert(
                (Channel::ActivityPub, vis, v),
                as_object && in_outbox && as_note,
            );

            let (status, body) = fetch(&w.client, app.at("/u/proprio")).await;
            actual.insert(
                (Channel::Profile, vis, v),
                status == 200 && body.contains(&title),
            );

            let (status, body) =
                fetch(&w.client, app.at(&format!("/c/{}/health", slug(vis)))).await;
            let community_health = status == 200 && body.contains("ch-replies");
            let (status, _) = fetch(&w.client, app.at("/admin/health")).await;
            if community_health != (status == 200) {
                notes.push(format!(
                    "{vis:?}/{v:?}: community health {community_health} but instance view {status}"
                ));
            }
            actual.insert((Channel::Health, vis, v), community_health);

            // The page with the form to block from the fediverse, and the
            // form itself: anyone else is refused before anything happens
            // (an instance that does not exist is not even looked up).
            let blocks_page = format!("/c/{}/moderation/federation", slug(vis));
            let (status, body) = fetch(&w.client, app.at(&blocks_page)).await;
            let shown = status == 200 && body.contains("id=\"f-who\"");
            let (_, home) = fetch(&w.client, app.at("/")).await;
            let csrf = crate::harness::form_value(&home, "csrf").unwrap_or_default();
            let res = w
                .client
                .post(app.at(&blocks_page))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("who", "nulle-part.invalid"),
                    ("reason", ""),
                ])
                .send()
                .await
                .expect("block");
            // A moderator's empty reason is refused with the form (422).
            let answered = res.status() == 422;
            if shown != answered {
                notes.push(format!(
                    "{vis:?}/{v:?}: blocks page {shown} but the form answered {}",
                    res.status()
                ));
            }
            actual.insert((Channel::FederationBlocks, vis, v), shown && answered);

            let (_, home) = fetch(&w.client, app.at("/")).await;
            let csrf = crate::harness::form_value(&home, "csrf").unwrap_or_default();
            let res = w
                .client
                .post(app.at(&format!("/c/{}/export", slug(vis))))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .expect("export");
            let exported = if res.status() == 200 {
                let bytes = res.bytes().await.expect("zip");
                let file = app.data_dir.join(format!("matrix-{vis:?}-{v:?}.zip"));
                std::fs::write(&file, &bytes).expect("write");
                passerelles::portability::export::Archive::open(&file)
                    .map(|a| a.bundle.publications.iter().any(|p| p.title == title))
                    .unwrap_or(false)
            } else {
                false
            };
            actual.insert((Channel::CommunityExport, vis, v), exported);

            // Its old address, under the old forum's name and under ours:
            // a 301 to its page, or exactly what an unclaimed one gets.
            let (old, run) = &moved[&vis];
            let unclaimed = format!("/t/sujet-inconnu/{}", 9000 + pid);
            let mut followed = Vec::new();
            for (host, to) in [
                (Some(OLD_FORUM), app.at(&format!("/p/{pid}"))),
                (None, format!("/p/{pid}")),
            ] {
                let (s1, loc, cache, b1) = header_get(&w.client, old, host).await;
                let went = s1 == 301 && loc == to;
                if !went {
                    let (s0, _, _, b0) = header_get(&w.client, &unclaimed, host).await;
                    if gist(s1, &b1) != gist(s0, &b0) {
                        notes.push(format!(
                            "{vis:?}/{v:?}: old address under {host:?} answers «{}» ({loc}), not as an unclaimed one «{}»",
                            gist(s1, &b1),
                            gist(s0, &b0)
                        ));
                    }
                } else {
                    let anyone = matches!(vis, Vis::Open | Vis::Archived | Vis::Widened);
                    if cache.starts_with("private") == anyone {
                        notes.push(format!(
                            "{vis:?}/{v:?}: redirect under {host:?} has Cache-Control «{cache}»"
                        ));
                    }
                }
                followed.push(went);
            }
            if followed[0] != followed[1] {
                notes.push(format!(
                    "{vis:?}/{v:?}: old address under the forum's name {} but under ours {}",
                    followed[0], followed[1]
                ));
            }
            actual.insert((Channel::Moved, vis, v), followed[0] && followed[1]);

            // The imports' page, a run's report, and the form.
            let (status, body) = fetch(&w.client, app.at(&format!("/admin/imports/{run}"))).await;
            let report = status == 200 && body.contains(&title);
            let (status, list) = fetch(&w.client, app.at("/admin/imports")).await;
            let listed_runs = status == 200 && list.contains(&format!("/admin/imports/{run}"));
            if report != listed_runs {
                notes.push(format!(
                    "{vis:?}/{v:?}: import report {report} but imports page {listed_runs}"
                ));
            }
            let res = w
                .client
                .post(app.at("/admin/imports"))
                .multipart(
                    Form::new()
                        .text("csrf", csrf.clone())
                        .text("dry_run", "1")
                        .part(
                            "file",
                            Part::bytes(b"pas une archive".to_vec()).file_name("x.zip"),
                        ),
                )
                .send()
                .await
                .expect("import form");
            let form_status = res.status().as_u16();
            let (form_status, form_body) = (form_status, res.text().await.unwrap_or_default());
            // An administrator is told the file is unreadable (422); anyone
            // else is refused before the archive is read.
            if (form_status == 422) != report {
                notes.push(format!(
                    "{vis:?}/{v:?}: the import form answers {}",
                    gist(form_status, &form_body)
                ));
            }
            actual.insert((Channel::Imports, vis, v), report);

            let (status, body) = fetch(
                &w.client,
                app.at(&format!("/p/{pid}/attachments/{}{kq}", it.attachment)),
            )
            .await;
            let by_page = status == 200 && body.contains("Compte rendu");
            let (status, body) = api_get(format!(
                "/api/v1/publications/{pid}/attachments/{}{kq}",
                it.attachment
            ))
            .await;
            let by_api = status == 200 && body.contains("Compte rendu");
            // The API refuses a suspended account's token: only compare otherwise.
            if v != Viewer::Suspended && by_page != by_api {
                notes.push(format!(
                    "{vis:?}/{v:?}: attachment by page {by_page} but by API {by_api}"
                ));
            }
            actual.insert((Channel::Attachment, vis, v), by_page);

            let got = &notified[&v];
            actual.insert(
                (Channel::Notification, vis, v),
                got.iter()
                    .any(|(r, k)| *r == it.reply && (k == "followed_reply" || k == "reply")),
            );
            let address = who[&v].user.as_ref().and_then(|u| u.email.clone());
            actual.insert(
                (Channel::Email, vis, v),
                address.as_ref().is_some_and(|a| {
                    mails.iter().any(|m| {
                        m.to.iter().any(|t| t.eq_ignore_ascii_case(a))
                            && m.text_part().contains(&format!("#r-{}\n", it.reply))
                    })
                }),
            );
            actual.insert(
                (Channel::Digest, vis, v),
                address.as_ref().is_some_and(|a| {
                    digests.iter().any(|m| {
                        m.to.iter().any(|t| t.eq_ignore_ascii_case(a))
                            && m.text_part().contains(&format!("#r-{}\n", it.reply))
                    })
                }),
            );
            actual.insert(
                (Channel::Push, vis, v),
                pushed.get(&v).is_some_and(|urls| {
                    urls.iter()
                        .any(|u| u.ends_with(&format!("#r-{}", it.reply)))
                }),
            );
            actual.insert(
                (Channel::Mention, vis, v),
                got.iter().any(|(r, k)| *r == it.mention && k == "mention"),
            );

            // By its bare id: found, or answered as an id that does not exist.
            let (s1, b1) = fetch(&w.client, app.at(&format!("/p/{pid}"))).await;
            let (s2, b2) = api_get(format!("/api/v1/publications/{pid}")).await;
            let found = s1 == 200 && b1.contains(&marker);
            let found_api = s2 == 200 && b2.contains(&marker);
            if v != Viewer::Suspended && found != found_api {
                notes.push(format!(
                    "{vis:?}/{v:?}: by id, page {found} but API {found_api}"
                ));
            }
            if !found {
                let (s0, b0) = fetch(&w.client, app.at("/p/987654")).await;
                if gist(s1, &b1) != gist(s0, &b0) && s1 != 200 {
                    notes.push(format!(
                        "{vis:?}/{v:?}: /p/{pid} is not answered as an unknown id"
                    ));
                }
            }
            actual.insert((Channel::ById, vis, v), found);

            // The tag it alone carries.
            let tag = passerelles::urls::encode_path(&it.tag);
            let (s1, b1) = fetch(&w.client, app.at(&format!("/tags/{tag}"))).await;
            let (s2, b2) = api_get(format!("/api/v1/tags/{tag}/publications")).await;
            let known = s1 == 200 && b1.contains(&title);
            let known_api = s2 == 200 && b2.contains(&title);
            if v != Viewer::Suspended && known != known_api {
                notes.push(format!(
                    "{vis:?}/{v:?}: tag page {known} but tag API {known_api}"
                ));
            }
            if !known && gist(s1, &b1) != unknown_tag_page {
                notes.push(format!("{vis:?}/{v:?}: the tag page answers «{}», not as an unknown tag «{unknown_tag_page}»", gist(s1, &b1)));
            }
            if !known_api && v != Viewer::Suspended && gist(s2, &b2) != unknown_tag_api {
                notes.push(format!(
                    "{vis:?}/{v:?}: the tag API answers «{}», not as an unknown tag",
                    gist(s2, &b2)
                ));
            }
            actual.insert((Channel::Tag, vis, v), known);

            // The image attachment's thumbnail, and never the image by its id.
            let res = w
                .client
                .get(app.at(&format!("/p/{pid}/attachments/{}/thumbnail{kq}", it.image)))
                .send()
                .await
                .expect("thumbnail");
            let shown = res.status() == 200
                && res
                    .headers()
                    .get("content-type")
                    .and_then(|c| c.to_str().ok())
                    == Some("image/jpeg");
            if shown {
                let cc = res
                    .headers()
                    .get("cache-control")
                    .and_then(|c| c.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let public = matches!(vis, Vis::Open | Vis::Archived | Vis::Widened);
                if cc.starts_with("public") != public {
                    notes.push(format!("{vis:?}/{v:?}: thumbnail Cache-Control «{cc}»"));
                }
            }
            let media_id: i64 = crate::writing::scalar(
                &app,
                "SELECT thumbnail_media_id FROM attachments WHERE id = $1",
                it.image,
            )
            .await;
            let (s, _) = fetch(&w.client, app.at(&format!("/media/{media_id}"))).await;
            if s != 404 {
                notes.push(format!("{vis:?}/{v:?}: /media/{media_id} answers {s}"));
            }
            actual.insert((Channel::Media, vis, v), shown);

            // What was written first: its first reply and its earlier version.
            let first_reply = on_page && page_body.contains("Merci à toutes et à tous");
            let (s, history) = fetch(&w.client, app.at(&format!("/p/{pid}/history{kq}"))).await;
            let first_version = s == 200 && history.contains(&draft);
            if first_reply != first_version {
                notes.push(format!(
                    "{vis:?}/{v:?}: first reply {first_reply} but earlier version {first_version}"
                ));
            }
            let api_first = replies_ok && replies_body.contains("Merci à toutes et à tous");
            if v != Viewer::Suspended && api_first != first_reply {
                notes.push(format!(
                    "{vis:?}/{v:?}: first reply on the page {first_reply} but in the API {api_first}"
                ));
            }
            actual.insert((Channel::Earlier, vis, v), first_reply && first_version);
        }
    }

    let runs_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_runs")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("runs");
    if runs_after != runs_before {
        notes.push(format!(
            "the import form started {} runs",
            runs_after - runs_before
        ));
    }

    // Compare every cell, then report all the wrong ones at once.
    let mut wrong: Vec<String> = Vec::new();
    let mut checked = 0;
    for (channel, vis, row) in EXPECTED {
        for (i, v) in VIEWERS.iter().enumerate() {
            checked += 1;
            let want = row[i];
            let got = actual[&(channel, vis, *v)];
            if want != got {
                wrong.push(format!(
                    "| {:<12} | {:<8} | {:<9} | {:<8} | {:<8} |",
                    format!("{channel:?}"),
                    format!("{vis:?}"),
                    format!("{v:?}"),
                    if want { "sees" } else { "refused" },
                    if got { "sees" } else { "refused" },
                ));
            }
        }
    }
    assert_eq!(checked, CHANNELS.len() * VISES.len() * VIEWERS.len());
    assert!(
        wrong.is_empty() && notes.is_empty(),
        "{} of {checked} cells wrong:\n| channel      | vis      | viewer    | expected | actual   |\n{}\n{}",
        wrong.len(),
        wrong.join("\n"),
        notes.join("\n")
    );
}

/// Lookups by name of people and communities (page and API): someone who
/// may not see them gets exactly the answer a name that does not exist
/// gets. Columns: anonymous, signed-in outsider, the community's creator,
/// instance admin.
#[tokio::test]
async fn metadata_lookups_answer_invisible_as_unknown() {
    let app = TestApp::spawn().await;
    let (creator_web, creator) = app.logged_in("fondatrice", false).await;
    let creator_token = token_for(&app, &creator).await;
    let (outsider_web, outsider) = app.logged_in("dehors", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let (admin_web, admin) = app.logged_in("gardienne", true).await;
    let admin_token = token_for(&app, &admin).await;
    for (name, status) in [("suspendu", "suspended"), ("attente", "pending")] {
        let u = app.create_user(name, false).await;
        sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(u.id)
            .execute(&app.state.db.pool)
            .await
            .expect("status");
    }
    for (slug, status) in [("demandee", "pending"), ("refusee", "refused")] {
        let c = community(&app, slug, "open", "open", &creator).await;
        sqlx::query("UPDATE communities SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(c)
            .execute(&app.state.db.pool)
            .await
            .expect("status");
    }
    // (what, page, API, unknown name, [anon, outsider, creator, admin])
    #[rustfmt::skip]
    let rows: [(&str, &str, &str, &str, [bool; 4]); 4] = [
        ("suspended person", "/u/suspendu", "/api/v1/users/suspendu", "personne", [F, F, F, T]),
        ("pending person",   "/u/attente",  "/api/v1/users/attente",  "personne", [F, F, F, T]),
        ("pending community", "/c/demandee", "/api/v1/communities/demandee", "inconnue", [F, F, T, T]),
        ("refused community", "/c/refusee",  "/api/v1/communities/refusee",  "inconnue", [F, F, T, T]),
    ];
    let anonymous = app.client();
    let askers: [(&reqwest::Client, Option<&str>); 4] = [
        (&anonymous, None),
        (&outsider_web, Some(outsider_token.as_str())),
        (&creator_web, Some(creator_token.as_str())),
        (&admin_web, Some(admin_token.as_str())),
    ];
    let mut wrong = Vec::new();
    for (what, page, api, unknown, expected) in rows {
        let name = page.rsplit('/').next().unwrap_or("");
        let unknown_page = page.replace(name, unknown);
        let unknown_api = api.replace(name, unknown);
        for (i, (client, token)) in askers.iter().enumerate() {
            let (sp, bp) = fetch(client, app.at(page)).await;
            let mut req = reqwest::Client::new().get(app.at(api));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("api");
            let sa = res.status().as_u16();
            let ba = res.text().await.unwrap_or_default();
            let known = sp == 200 && sa == 200;
            if known != expected[i] {
                wrong.push(format!(
                    "{what}, viewer {i}: known {known} (page {sp}, API {sa})"
                ));
            }
            if !known {
                let (su, bu) = fetch(client, app.at(&unknown_page)).await;
                let mut req = reqwest::Client::new().get(app.at(&unknown_api));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let res = req.send().await.expect("api");
                let sua = res.status().as_u16();
                let bua = res.text().await.unwrap_or_default();
                if gist(sp, &bp) != gist(su, &bu) || gist(sa, &ba) != gist(sua, &bua) {
                    wrong.push(format!(
                        "{what}, viewer {i}: not answered as an unknown name"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn fetch(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

// ---- organisations and initiatives (issue 14) ------------------------------------------------

/// Organisations and initiatives: channel × kind × viewer, written out
/// from the rules — an unverified or members-only organisation is seen only
/// by its members and administrators; a proposed initiative only by its
/// proposer and administrators (the moderators); nothing else leaks through
/// the directory, the CSV, the GeoJSON or the API.
#[tokio::test]
async fn organisations_and_initiatives_matrix() {
    use crate::organisations::places;
    let app = TestApp::spawn().await;
    places(&app).await;
    let insider = app.create_user("interne", false).await;
    let outsider = app.create_user("externe", false).await;
    let admin = app.create_user("gestion", true).await;
    let db = &app.state.db.pool;
    for (slug, status, vis) in [
        ("org-publique", "verified", "public"),
        ("org-non-verifiee", "unverified", "public"),
        ("org-membres", "verified", "members"),
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, status, visibility, lat, lon, place_id, created_at, updated_at) \
             VALUES ($1, $1, $2, $3, 46.34, -72.54, (SELECT id FROM territories WHERE slug = 'trois-rivieres'), 0, 0) RETURNING id",
        )
        .bind(slug)
        .bind(status)
        .bind(vis)
        .fetch_one(db)
        .await
        .unwrap();
        sqlx::query("INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, 'admin', 'active', 0)")
            .bind(id)
            .bind(insider.id)
            .execute(db)
            .await
            .unwrap();
    }
    for (slug, status) in [
        ("ini-validee", "validated"),
        ("ini-proposee", "proposed"),
        ("ini-refusee", "refused"),
    ] {
        sqlx::query(
            "INSERT INTO initiatives (slug, name, category, status, proposed_by, lat, lon, territory_id, created_at, updated_at) \
             VALUES ($1, $1, 'jardin', $2, $3, 46.34, -72.54, (SELECT id FROM territories WHERE slug = 'trois-rivieres'), 0, 0)",
        )
        .bind(slug)
        .bind(status)
        .bind(insider.id)
        .execute(db)
        .await
        .unwrap();
    }
    let mut clients = Vec::new();
    for u in [None, Some(&outsider), Some(&insider), Some(&admin)] {
        let c = app.client();
        let token = match u {
            Some(u) => {
                app.login(&c, &u.username, crate::harness::PASSWORD).await;
                Some(token_for(&app, u).await)
            }
            None => None,
        };
        clients.push((c, token));
    }
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Ch {
        Page,
        Listing,
        Csv,
        GeoJson,
        Api,
        ApiGeoJson,
    }
    // Columns: anonymous, outsider, member/proposer, administrator.
    #[rustfmt::skip]
    let expected: &[(&str, Ch, [bool; 4])] = &[
        ("org-publique",     Ch::Page,       [T, T, T, T]),
        ("org-publique",     Ch::Listing,    [T, T, T, T]),
        ("org-publique",     Ch::Csv,        [T, T, T, T]),
        ("org-publique",     Ch::GeoJson,    [T, T, T, T]),
        ("org-publique",     Ch::Api,        [T, T, T, T]),
        ("org-publique",     Ch::ApiGeoJson, [T, T, T, T]),
        ("org-non-verifiee", Ch::Page,       [F, F, T, T]),
        ("org-non-verifiee", Ch::Listing,    [F, F, T, T]),
        ("org-non-verifiee", Ch::Csv,        [F, F, T, T]),
        ("org-non-verifiee", Ch::GeoJson,    [F, F, T, T]),
        ("org-non-verifiee", Ch::Api,        [F, F, T, T]),
        ("org-non-verifiee", Ch::ApiGeoJson, [F, F, T, T]),
        ("org-membres",      Ch::Page,       [F, F, T, T]),
        ("org-membres",      Ch::Listing,    [F, F, T, T]),
        ("org-membres",      Ch::Csv,        [F, F, T, T]),
        ("org-membres",      Ch::GeoJson,    [F, F, T, T]),
        ("org-membres",      Ch::Api,        [F, F, T, T]),
        ("org-membres",      Ch::ApiGeoJson, [F, F, T, T]),
        ("ini-validee",      Ch::Page,       [T, T, T, T]),
        ("ini-validee",      Ch::Listing,    [T, T, T, T]),
        ("ini-validee",      Ch::GeoJson,    [T, T, T, T]),
        ("ini-validee",      Ch::Api,        [T, T, T, T]),
        ("ini-validee",      Ch::ApiGeoJson, [T, T, T, T]),
        ("ini-proposee",     Ch::Page,       [F, F, T, T]),
        ("ini-proposee",     Ch::Listing,    [F, F, T, T]),
        ("ini-proposee",     Ch::GeoJson,    [F, F, T, T]),
        ("ini-proposee",     Ch::Api,        [F, F, T, T]),
        ("ini-proposee",     Ch::ApiGeoJson, [F, F, T, T]),
        ("ini-refusee",      Ch::Page,       [F, F, T, T]),
        ("ini-refusee",      Ch::Listing,    [F, F, T, T]),
        ("ini-refusee",      Ch::GeoJson,    [F, F, T, T]),
        ("ini-refusee",      Ch::Api,        [F, F, T, T]),
    ];
    let mut wrong = Vec::new();
    for (slug, ch, cols) in expected {
        let org = slug.starts_with("org-");
        for (col, (client, token)) in clients.iter().enumerate() {
            let (path, api) = match (ch, org) {
                (Ch::Page, true) => (format!("/o/{slug}"), false),
                (Ch::Page, false) => (format!("/i/{slug}"), false),
                (Ch::Listing, true) => ("/organisations?territory=mauricie".to_string(), false),
                (Ch::Listing, false) => ("/initiatives?territory=mauricie".to_string(), false),
                (Ch::Csv, _) => ("/organisations.csv".to_string(), false),
                (Ch::GeoJson, true) => ("/organisations.geojson".to_string(), false),
                (Ch::GeoJson, false) => ("/initiatives.geojson".to_string(), false),
                (Ch::Api, true) => (format!("/api/v1/organisations/{slug}"), true),
                (Ch::Api, false) => (format!("/api/v1/initiatives/{slug}"), true),
                (Ch::ApiGeoJson, true) => ("/api/v1/organisations.geojson".to_string(), true),
                (Ch::ApiGeoJson, false) => ("/api/v1/initiatives.geojson".to_string(), true),
            };
            let req = if api {
                let mut r = reqwest::Client::new().get(app.at(&path));
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                r
            } else {
                client.get(app.at(&path))
            };
            let res = req.send().await.unwrap();
            let code = res.status().as_u16();
            let body = res.text().await.unwrap();
            let seen = match ch {
                Ch::Page | Ch::Api => code == 200,
                _ => {
                    code == 200 && {
                        // In listings, the slug must appear as an item, not only in a filter.
                        body.contains(&format!("/o/{slug}")) || body.contains(&format!("/i/{slug}"))
                    }
                }
            };
            if seen != cols[col] {
                wrong.push(format!(
                    "{slug} {ch:?} viewer#{col}: expected {}, got {seen} ({code})",
                    cols[col]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}

/// The library's rows (issue 19): a resource's page, API record, file,
/// citation, its library's listing and search by a word inside its PDF
/// (results page, the library's filter, the API) × where it is placed (an open,
/// private or unlisted community, the instance library only, removed from
/// an open community) × viewer. Written from the rules: a resource is read
/// through the instance library (everyone) or a community where the viewer
/// may find content — an unlisted community's resources by its members only
/// (they have no by-link key); a removed one by administrators only; every
/// refusal is the 404 of an id that does not exist.
#[tokio::test]
async fn library_matrix_channel_placement_viewer() {
    use crate::library::{contribute, location};
    let app = TestApp::spawn().await;
    let (member_client, m) = app.logged_in("membre", false).await;
    let (outsider_client, o) = app.logged_in("dehors", false).await;
    let (admin_client, a) = app.logged_in("gestion", true).await;
    for (slug, vis) in [
        ("lib-ouverte", "open"),
        ("lib-privee", "private"),
        ("lib-non-listee", "unlisted"),
    ] {
        community(&app, slug, vis, "open", &m).await;
    }
    let mut placed = Vec::new();
    for (name, client, fields) in [
        ("open", &member_client, vec![("communities", "lib-ouverte")]),
        (
            "private",
            &member_client,
            vec![("communities", "lib-privee")],
        ),
        (
            "unlisted",
            &member_client,
            vec![("communities", "lib-non-listee")],
        ),
        ("instance", &admin_client, vec![("library", "1")]),
        (
            "removed",
            &member_client,
            vec![("communities", "lib-ouverte")],
        ),
    ] {
        let title = format!("Ressource {name}");
        let mut f = vec![("kind", "guide"), ("title", title.as_str())];
        f.extend(fields);
        // The PDF's one distinctive word: search finds the resource by it.
        let word = format!("zorglub{name}");
        let res = contribute(
            &app,
            client,
            &f,
            vec![(
                "f.pdf",
                passerelles::library::pdftext::sample_pdf(&format!("Rapport {word} annuel")),
            )],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        let path = location(&res);
        let id: i64 = path.trim_start_matches("/r/").parse().expect("id");
        let fid: i64 = sqlx::query_scalar("SELECT id FROM resource_files WHERE resource_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("file");
        placed.push((name, id, fid, title));
    }
    exec(
        &app,
        "UPDATE resources SET status = 'removed' WHERE id = $1",
        placed[4].1,
    )
    .await;
    let listing = |name: &str| match name {
        "private" => "/c/lib-privee/library",
        "unlisted" => "/c/lib-non-listee/library",
        "instance" => "/library",
        _ => "/c/lib-ouverte/library",
    };
    // Expected: (placement, viewer) → readable on every channel.
    let expected = |placement: &str, viewer: &str| -> bool {
        match (placement, viewer) {
            (_, "admin") => true,
            ("open" | "instance", _) => true,
            ("private" | "unlisted", "member") => true,
            _ => false,
        }
    };
    let tokens = [
        ("anonymous", None),
        ("outsider", Some(token_for(&app, &o).await)),
        ("member", Some(token_for(&app, &m).await)),
        ("admin", Some(token_for(&app, &a).await)),
    ];
    let api = reqwest::Client::new();
    let mut wrong = Vec::new();
    for (viewer, token) in &tokens {
        let client = match *viewer {
            "outsider" => outsider_client.clone(),
            "member" => member_client.clone(),
            "admin" => admin_client.clone(),
            _ => app.client(),
        };
        for (name, id, fid, title) in &placed {
            let want = expected(name, viewer);
            let mut cells: Vec<(&str, bool)> = Vec::new();
            for (channel, url) in [
                ("page", format!("/r/{id}")),
                ("file", format!("/r/{id}/files/{fid}")),
                ("citation", format!("/r/{id}/cite.ris")),
            ] {
                let (s, body) = fetch(&client, app.at(&url)).await;
                cells.push((
                    channel,
                    s == 200 && body.contains(&title[..]) || (channel == "file" && s == 200),
                ));
            }
            let mut rq = api.get(app.at(&format!("/api/v1/resources/{id}")));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            cells.push(("api", rq.send().await.expect("api").status() == 200));
            let (_, body) = fetch(&client, app.at(listing(name))).await;
            cells.push(("listing", body.contains(&format!("href=\"/r/{id}\""))));
            // Search, by a word found only inside the resource's PDF: the
            // results page, the library's own filter and the API.
            let word = format!("zorglub{name}");
            let (_, body) = fetch(&client, app.at(&format!("/search?q={word}"))).await;
            cells.push(("search", body.contains(&format!("href=\"/r/{id}\""))));
            let (_, body) = fetch(&client, app.at(&format!("{}?q={word}", listing(name)))).await;
            cells.push(("pdf-words", body.contains(&format!("href=\"/r/{id}\""))));
            let mut rq = api.get(app.at(&format!("/api/v1/search?q={word}")));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            let found = rq
                .send()
                .await
                .expect("api search")
                .text()
                .await
                .unwrap_or_default();
            cells.push(("api-search", found.contains(&format!("\"/r/{id}\""))));
            for (channel, got) in cells {
                if got != want {
                    wrong.push(format!(
                        "{channel:9} {name:9} {viewer:10} expected {want}, got {got}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}

/// Community wikis and file spaces (issue 19, C19) follow the community's
/// visibility: read by whoever may *find* the community's content (an
/// unlisted community's pages and files by its members only: their
/// addresses are guessable), on every channel — the page, its history and
/// a diff, the wiki's outline, the file listing and a download. Columns:
/// anonymous, signed-in outsider, pending requester, member, moderator,
/// banned member, suspended account, instance admin. Written out, never
/// computed by calling the policy.
#[rustfmt::skip]
const SPACE_EXPECTED: [(&str, &str, [bool; 8]); 24] = [
    //                          anon outs pend memb mod  ban  susp admin
    ("wiki-page",    "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-page",    "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-page",    "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-page",    "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-history", "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-history", "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-history", "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-history", "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-diff",    "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-diff",    "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-diff",    "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-diff",    "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-outline", "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("wiki-outline", "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-outline", "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("wiki-outline", "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
    ("files",        "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("files",        "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("files",        "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("files",        "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
    ("file",         "open",     [T,   T,   T,   T,   T,   T,   T,   T]),
    ("file",         "private",  [F,   F,   F,   T,   T,   F,   F,   T]),
    ("file",         "unlisted", [F,   F,   F,   T,   T,   F,   F,   T]),
    ("file",         "archived", [T,   T,   T,   T,   T,   T,   T,   T]),
];

#[tokio::test]
async fn community_space_matrix_channel_visibility_viewer() {
    use passerelles::actor::Actor;
    use passerelles::wiki::ops::{Saved, Values};
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let mut clients: Vec<(Viewer, reqwest::Client)> = Vec::new();
    let mut users: HashMap<Viewer, User> = HashMap::new();
    for v in VIEWERS {
        match username(v) {
            None => clients.push((v, app.client())),
            Some(name) => {
                let (client, user) = app.logged_in(name, v == Viewer::Admin).await;
                clients.push((v, client));
                users.insert(v, user);
            }
        }
    }
    let by_owner = Actor::person(&owner);
    let mut places: Vec<(&str, String, i64, i64, i64)> = Vec::new();
    for (vis, visibility) in [
        ("open", "open"),
        ("private", "private"),
        ("unlisted", "unlisted"),
        ("archived", "open"),
    ] {
        let slug = format!("espace-{vis}");
        let join = if visibility == "private" {
            "request"
        } else {
            "open"
        };
        let c = community(&app, &slug, visibility, join, &owner).await;
        member(&app, c, &users[&Viewer::Pending], "member", "requested").await;
        member(&app, c, &users[&Viewer::Member], "member", "active").await;
        member(&app, c, &users[&Viewer::Moderator], "moderator", "active").await;
        member(&app, c, &users[&Viewer::Banned], "member", "banned").await;
        member(&app, c, &users[&Viewer::Suspended], "member", "active").await;
        let page = passerelles::wiki::ops::create(
            &app.state,
            &by_owner,
            &slug,
            &Values {
                title: format!("Procès-verbal {vis}"),
                body: format!("Décision secrète {vis}"),
                ..Values::default()
            },
        )
        .await
        .expect("page");
        let first = page.revision_id;
        let saved = passerelles::wiki::ops::edit(
            &app.state,
            &by_owner,
            &slug,
            &page.slug,
            &Values {
                title: page.title.clone(),
                body: format!("Décision secrète {vis}, corrigée"),
                base_revision: first,
                ..Values::default()
            },
        )
        .await
        .expect("edit");
        let Saved::Page(page) = saved else {
            panic!("no conflict expected")
        };
        let files = passerelles::space::ops::upload(
            &app.state,
            &by_owner,
            &slug,
            0,
            vec![passerelles::publications::Upload {
                name: format!("budget-{vis}.txt"),
                bytes: format!("Budget confidentiel {vis}\n").into_bytes(),
            }],
        )
        .await
        .expect("upload");
        places.push((vis, slug, first, page.revision_id, files[0].id));
    }
    exec(
        &app,
        "UPDATE communities SET status = 'archived' WHERE slug = 'espace-archived' AND id > $1",
        0,
    )
    .await;
    exec(
        &app,
        "UPDATE users SET status = 'suspended' WHERE id = $1",
        users[&Viewer::Suspended].id,
    )
    .await;

    let mut wrong = Vec::new();
    let mut checked = 0;
    for (channel, vis, row) in SPACE_EXPECTED {
        let (_, slug, first, second, file) = places.iter().find(|p| p.0 == vis).expect("place");
        let page = format!("/c/{slug}/wiki/proces-verbal-{vis}");
        for (i, (viewer, client)) in clients.iter().enumerate() {
            checked += 1;
            let got = match channel {
                "wiki-page" => {
                    let (s, b) = fetch(client, app.at(&page)).await;
                    s == 200 && b.contains("Décision secrète")
                }
                "wiki-history" => {
                    let (s, b) = fetch(client, app.at(&format!("{page}/history"))).await;
                    s == 200 && b.contains("/diff?")
                }
                "wiki-diff" => {
                    let (s, b) = fetch(
                        client,
                        app.at(&format!("{page}/diff?from={first}&to={second}")),
                    )
                    .await;
                    s == 200 && b.contains("corrigée")
                }
                "wiki-outline" => {
                    let (s, b) = fetch(client, app.at(&format!("/c/{slug}/wiki"))).await;
                    s == 200 && b.contains(&format!("href=\"{page}\""))
                }
                "files" => {
                    let (s, b) = fetch(client, app.at(&format!("/c/{slug}/files"))).await;
                    s == 200 && b.contains(&format!("budget-{vis}.txt"))
                }
                _ => {
                    let (s, b) = fetch(client, app.at(&format!("/c/{slug}/files/{file}"))).await;
                    s == 200 && b.contains("Budget confidentiel")
                }
            };
            if got != row[i] {
                wrong.push(format!(
                    "{channel:13} {vis:9} {viewer:?}: expected {}, got {got}",
                    row[i]
                ));
            }
        }
    }
    assert_eq!(checked, SPACE_EXPECTED.len() * VIEWERS.len());
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}
