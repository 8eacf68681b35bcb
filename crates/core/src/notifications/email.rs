//! Notification e-mails: one right away for kinds routed to "e-mail
//! immediately", and the digests. Plain text first and an HTML part, in the
//! recipient's language; `List-Unsubscribe` with `List-Unsubscribe-Post`
//! (RFC 8058) carrying a signed link, `List-Id` per community, and
//! `Message-ID`/`In-Reply-To`/`References` so that a thread's e-mails group
//! in mail clients. Each message is queued as a mail job in the same
//! transaction that marks its records sent, so no record is mailed twice.

use std::collections::HashMap;

use super::prefs::{Channel, Kind};
use super::unsubscribe::{LIFETIME, Signer, Target};
use super::{Filter, Item};
use crate::accounts::User;
use crate::db::{Db, now};
use crate::i18n::{Arg, Lang};
use crate::jobs::{Job, Queue};
use crate::publications::tick;
use crate::state::AppState;

/// What the e-mails need to know of the instance.
#[derive(Debug, Clone)]
pub struct Env {
    pub base_url: String,
    pub instance: String,
    /// The host of the public address, for `Message-ID` and `List-Id`.
    pub host: String,
    /// The domain of reply addresses, when replies by e-mail are on.
    pub reply_domain: Option<String>,
}

impl Env {
    pub fn new(base_url: &str, instance: &str) -> Env {
        let base_url = base_url.trim_end_matches('/').to_string();
        let rest = base_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&base_url);
        let host = rest
            .split(['/', ':'])
            .next()
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost")
            .to_ascii_lowercase();
        Env {
            base_url,
            instance: instance.to_string(),
            host,
            reply_domain: None,
        }
    }
    pub fn of(state: &AppState) -> Env {
        Env {
            reply_domain: state.config.reply_domain(),
            ..Env::new(&state.config.public_url(), &state.instance_name())
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
    fn unsubscribe_url(&self, token: &str) -> String {
        self.url(&crate::urls::notifications_unsubscribe(token))
    }
    /// `List-Id` of a community: `"Name" <slug.host>` (RFC 2919).
    fn list_id(&self, slug: &str, name: &str) -> String {
        let name: String = name.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
        format!("\"{name}\" <{slug}.{}>", self.host)
    }
}

/// A composed notification e-mail.
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub headers: Vec<(String, String)>,
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The language of a person's e-mails.
pub fn lang_of(user: &User) -> Lang {
    Lang::from_code(&user.locale).unwrap_or_default()
}

/// Where a person's notification e-mails go: a verified address of an
/// active local account.
pub fn address(user: &User) -> Option<String> {
    let active = user.status == crate::accounts::Status::Active && user.domain.is_none();
    user.email
        .clone()
        .filter(|e| active && user.email_verified && !e.trim().is_empty())
}

/// Headers asking for one-click unsubscribe to `target`.
fn unsubscribe_headers(env: &Env, token: &str) -> Vec<(String, String)> {
    vec![
        (
            "List-Unsubscribe".into(),
            format!("<{}>", env.unsubscribe_url(token)),
        ),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
    ]
}

/// The thread a record belongs to, as a message id.
fn thread_id(env: &Env, publication_id: i64) -> String {
    format!("<publication.{publication_id}@{}>", env.host)
}

/// The e-mail for one record sent right away.
pub fn compose_one(env: &Env, signer: &Signer, user: &User, item: &Item, title: &str) -> Composed {
    let lang = lang_of(user);
    let what = super::describe(lang, item);
    let link = env.url(&item.link());
    let expires = now() + LIFETIME;
    let kind = Kind::of_record(&item.kind);
    let token = signer.token(user.id, &Target::Kind(kind), expires);
    let kind_name = lang.t(&format!("notify-kind-{}", kind.code().replace('_', "-")));
    let subject = match (&item.place, title.is_empty()) {
        (Some((_, _, c)), false) => format!("[{c}] {title}"),
        (Some((_, _, c)), true) => format!("[{c}] {what}"),
        (None, false) => title.to_string(),
        (None, true) => what.clone(),
    };
    let mut text = format!("{what}\n\n");
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:36em\">",
    );
    html.push_str(&format!("<p>{}</p>", escape(&what)));
    if !title.is_empty() {
        text.push_str(&format!("{title}\n"));
        html.push_str(&format!(
            "<h1 style=\"font-size:1.2em\">{}</h1>",
            escape(title)
        ));
    }
    if !item.excerpt.is_empty() {
        text.push_str(&format!("{}\n", item.excerpt));
        html.push_str(&format!(
            "<blockquote>{}</blockquote>",
            escape(&item.excerpt)
        ));
    }
    text.push_str(&format!("\n{}: {link}\n", lang.t("notify-mail-open")));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>",
        escape(&link),
        escape(&lang.t("notify-mail-open"))
    ));
    // Replies, mentions and followed threads can be answered by e-mail.
    let answerable = matches!(
        item.kind.as_str(),
        super::REPLY | super::FOLLOWED_REPLY | super::MENTION
    );
    let reply_to = item.publication_id.filter(|_| answerable).and_then(|p| {
        super::inbound::reply_to_of(signer, env.reply_domain.as_deref(), user, p, item.reply_id)
    });
    if reply_to.is_some() {
        text.push_str(&format!("{}\n", lang.t("notify-mail-reply-hint")));
        html.push_str(&format!(
            "<p>{}</p>",
            escape(&lang.t("notify-mail-reply-hint"))
        ));
    }
    let why = lang.ta(
        "notify-mail-why-now",
        &[
            ("name", Arg::from(kind_name)),
            ("instance", Arg::from(env.instance.clone())),
        ],
    );
    let stop = env.unsubscribe_url(&token);
    let settings = env.url(crate::urls::NOTIFICATION_SETTINGS);
    text.push_str(&format!(
        "\n-- \n{why}\n{}: {stop}\n{}: {settings}\n",
        lang.t("notify-mail-stop-kind"),
        lang.t("notify-mail-settings")
    ));
    html.push_str(&format!(
        "<p style=\"color:#555\">{}<br><a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p></body></html>",
        escape(&why),
        escape(&stop),
        escape(&lang.t("notify-mail-stop-kind")),
        escape(&settings),
        escape(&lang.t("notify-mail-settings"))
    ));
    let mut headers = unsubscribe_headers(env, &token);
    headers.push((
        "Message-ID".into(),
        format!("<notification.{}.{}@{}>", item.id, user.id, env.host),
    ));
    if let Some(p) = item.publication_id {
        let root = thread_id(env, p);
        headers.push(("In-Reply-To".into(), root.clone()));
        headers.push(("References".into(), root));
    }
    if let Some((_, slug, name)) = &item.place {
        headers.push(("List-Id".into(), env.list_id(slug, name)));
    }
    if let Some(r) = reply_to {
        headers.push(("Reply-To".into(), r));
    }
    Composed {
        subject,
        text,
        html,
        headers,
    }
}

/// The digest of `items` (already routed to `period`, newest first):
/// grouped by community, the communities with the newest activity first.
pub fn compose_digest(
    env: &Env,
    signer: &Signer,
    user: &User,
    period: Channel,
    items: &[(Item, Option<String>)],
) -> Composed {
    let lang = lang_of(user);
    let expires = now() + LIFETIME;
    let token = signer.token(user.id, &Target::Digest(period), expires);
    let name = lang.t(if period == Channel::Weekly {
        "notify-digest-weekly"
    } else {
        "notify-digest-daily"
    });
    let subject = lang.ta(
        "notify-digest-subject",
        &[
            ("name", Arg::from(name.clone())),
            ("instance", Arg::from(env.instance.clone())),
            ("count", Arg::Num(items.len() as i64)),
        ],
    );
    // Groups in order of their newest record (items come newest first).
    let mut order: Vec<Option<i64>> = Vec::new();
    let mut groups: HashMap<Option<i64>, Vec<&(Item, Option<String>)>> = HashMap::new();
    for it in items {
        let key = it.0.place.as_ref().map(|(id, _, _)| *id);
        if !groups.contains_key(&key) {
            order.push(key);
        }
        groups.entry(key).or_default().push(it);
    }
    let intro = lang.ta(
        "notify-digest-intro",
        &[("count", Arg::Num(items.len() as i64))],
    );
    let mut text = format!("{intro}\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:40em\"><p>{}</p>",
        escape(&intro)
    );
    for key in &order {
        let list = &groups[key];
        let heading = list[0]
            .0
            .place
            .as_ref()
            .map(|(_, _, n)| n.clone())
            .unwrap_or_else(|| lang.t("notify-digest-elsewhere"));
        text.push_str(&format!("\n## {heading}\n"));
        html.push_str(&format!(
            "<h2 style=\"font-size:1.1em\">{}</h2><ul>",
            escape(&heading)
        ));
        for (item, title) in list.iter().map(|x| (&x.0, &x.1)) {
            let what = super::describe(lang, item);
            let title = title.clone().unwrap_or_default();
            let link = env.url(&item.link());
            let when = crate::i18n::format_datetime(lang, item.created_at);
            text.push_str(&format!("\n- {what} ({when})\n"));
            html.push_str(&format!(
                "<li><p>{} <small>({})</small>",
                escape(&what),
                escape(&when)
            ));
            if !title.is_empty() {
                text.push_str(&format!("  {title}\n"));
                html.push_str(&format!("<br><strong>{}</strong>", escape(&title)));
            }
            if !item.excerpt.is_empty() {
                text.push_str(&format!("  « {} »\n", item.excerpt));
                html.push_str(&format!("<br>« {} »", escape(&item.excerpt)));
            }
            text.push_str(&format!("  {link}\n"));
            html.push_str(&format!(
                "<br><a href=\"{}\">{}</a></p></li>",
                escape(&link),
                escape(&lang.t("notify-mail-open"))
            ));
        }
        html.push_str("</ul>");
        if let Some((cid, _, cname)) = &list[0].0.place {
            let t = signer.token(user.id, &Target::Community(*cid), expires);
            let mute = lang.ta(
                "notify-mail-mute-community",
                &[("community", Arg::from(cname.clone()))],
            );
            let url = env.unsubscribe_url(&t);
            text.push_str(&format!("  ({mute}: {url})\n"));
            html.push_str(&format!(
                "<p><small><a href=\"{}\">{}</a></small></p>",
                escape(&url),
                escape(&mute)
            ));
        }
    }
    let why = lang.ta(
        "notify-mail-why-digest",
        &[
            ("name", Arg::from(name)),
            ("instance", Arg::from(env.instance.clone())),
        ],
    );
    let stop = env.unsubscribe_url(&token);
    let settings = env.url(crate::urls::NOTIFICATION_SETTINGS);
    text.push_str(&format!(
        "\n-- \n{why}\n{}: {stop}\n{}: {settings}\n",
        lang.t("notify-mail-stop-digest"),
        lang.t("notify-mail-settings")
    ));
    html.push_str(&format!(
        "<p style=\"color:#555\">{}<br><a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p></body></html>",
        escape(&why),
        escape(&stop),
        escape(&lang.t("notify-mail-stop-digest")),
        escape(&settings),
        escape(&lang.t("notify-mail-settings"))
    ));
    let mut headers = unsubscribe_headers(env, &token);
    headers.push((
        "List-Id".into(),
        format!(
            "\"{}\" <digest.{}>",
            env.instance.replace(['"', '\\'], ""),
            env.host
        ),
    ));
    Composed {
        subject,
        text,
        html,
        headers,
    }
}

/// The mail job of a composed message.
pub fn job(to: &str, lang: Lang, c: Composed) -> Job {
    Job::Mail {
        to: to.to_string(),
        subject: c.subject,
        text: c.text,
        html: Some(c.html),
        lang: lang.code().to_string(),
        headers: c.headers,
    }
}

/// How far back the immediate pass looks (older records are left alone).
pub const IMMEDIATE_WINDOW: i64 = 2 * 86400;

/// The immediate pass (every node, every minute; tests call it): each
/// record not yet looked at is routed now — with the policy of now — and
/// e-mailed if its kind says "e-mail immediately". A record is claimed by
/// a conditional update in the transaction that queues its e-mail, so two
/// nodes never mail it twice. Returns the number of e-mails queued.
pub async fn send_due(state: &AppState, at: i64) -> Result<usize, sqlx::Error> {
    let db = &state.db;
    tick();
    let users: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT user_id FROM notifications WHERE emailed_at IS NULL AND created_at > $1 AND created_at <= $2 \
         ORDER BY user_id LIMIT 500",
    )
    .bind(at - IMMEDIATE_WINDOW)
    .bind(at)
    .fetch_all(&db.pool)
    .await?;
    if users.is_empty() {
        return Ok(0);
    }
    let env = Env::of(state);
    let signer = Signer::load(db).await?;
    let mut sent = 0;
    for uid in users {
        sent += send_due_for(db, &env, &signer, uid, at).await?;
    }
    Ok(sent)
}

async fn send_due_for(
    db: &Db,
    env: &Env,
    signer: &Signer,
    uid: i64,
    at: i64,
) -> Result<usize, sqlx::Error> {
    let Some(user) = crate::accounts::by_id(db, uid).await? else {
        return Ok(0);
    };
    let items = super::fetch_with(
        db,
        &user,
        200,
        Filter {
            after: Some(at - IMMEDIATE_WINDOW),
            until: Some(at),
            unmailed: true,
            excerpts: true,
            keep_never: true,
            ..Filter::default()
        },
    )
    .await?;
    let to = address(&user);
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for (item, title) in &items {
        let mail = item.channel == Channel::Email && to.is_some();
        tick();
        let claimed = sqlx::query(
            "UPDATE notifications SET emailed_at = $1 WHERE id = $2 AND emailed_at IS NULL",
        )
        .bind(if mail { at.max(1) } else { 0 })
        .bind(item.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if claimed
            && mail
            && let Some(to) = &to
        {
            let c = compose_one(env, signer, &user, item, title.as_deref().unwrap_or(""));
            Queue::push_in(&mut tx, &job(to, lang_of(&user), c), None).await?;
            sent += 1;
        }
    }
    // What the policy hides now is never mailed later either.
    tick();
    sqlx::query(
        "UPDATE notifications SET emailed_at = 0 WHERE user_id = $1 AND emailed_at IS NULL AND created_at <= $2",
    )
    .bind(uid)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(sent)
}
