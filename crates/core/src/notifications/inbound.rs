//! Replies by e-mail (like Discourse). The e-mail of a reply, a mention or
//! a followed thread carries a per-recipient reply address,
//! `reply+<user>-<publication>-<reply>-<tag>@<domain>`, whose tag is a MAC
//! under the instance's key: it says who may answer what, and cannot be
//! made for another person or thread. A message sent to it (through the
//! SMTP listener of `serve`, or piped to `passerelles mail-in`) is parsed
//! here (`parse`: MIME by `mail-parser`; quoted text and signature
//! stripped), its sender checked against the address's owner, then turned
//! into a reply by `publications::ops::add_reply` — the same operation and
//! policy as the page, evaluated now: a person who can no longer see the
//! thread is refused. Every refusal has a reason, given back as an SMTP
//! answer or a bounce e-mail (`bounce`).
//!
//! Lower-case hex and decimal only in the local part: some mail servers
//! fold its case.

use mail_parser::MessageParser;

use super::unsubscribe::{Signer, constant_eq};
use crate::accounts::User;
use crate::actor::Actor;
use crate::db::now;
use crate::error::AppError;
use crate::i18n::{Arg, Lang};
use crate::jobs::Job;
use crate::publications::tick;
use crate::state::AppState;

/// Bytes of the MAC kept in an address (80 bits).
const TAG_BYTES: usize = 10;

/// What a reply address stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTo {
    pub user_id: i64,
    pub publication_id: i64,
    /// The reply answered (none: the publication itself).
    pub parent_id: Option<i64>,
}

fn payload(r: &ReplyTo) -> String {
    format!(
        "reply:{}:{}:{}",
        r.user_id,
        r.publication_id,
        r.parent_id.unwrap_or(0)
    )
}

/// The local part of the reply address for `r` (at most 64 characters).
pub fn local_part(signer: &Signer, r: &ReplyTo) -> String {
    let tag = signer.mac(payload(r).as_bytes());
    format!(
        "reply+{}-{}-{}-{}",
        r.user_id,
        r.publication_id,
        r.parent_id.unwrap_or(0),
        hex::encode(&tag[..TAG_BYTES])
    )
}

/// The full reply address.
pub fn address(signer: &Signer, domain: &str, r: &ReplyTo) -> String {
    format!("{}@{domain}", local_part(signer, r))
}

/// What an address stands for, if it is one of ours on `domain` and its tag
/// holds.
pub fn verify(signer: &Signer, domain: &str, address: &str) -> Option<ReplyTo> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, host) = address.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    let local = local.to_ascii_lowercase();
    let rest = local.strip_prefix("reply+")?;
    let mut parts = rest.split('-');
    let number = |s: Option<&str>| -> Option<i64> {
        let s = s?;
        (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let user_id = number(parts.next())?;
    let publication_id = number(parts.next())?;
    let parent = number(parts.next())?;
    let tag = hex::decode(parts.next()?).ok()?;
    if parts.next().is_some() || user_id <= 0 || publication_id <= 0 {
        return None;
    }
    let r = ReplyTo {
        user_id,
        publication_id,
        parent_id: (parent > 0).then_some(parent),
    };
    let full = signer.mac(payload(&r).as_bytes());
    (tag.len() == TAG_BYTES && constant_eq(&full[..TAG_BYTES], &tag)).then_some(r)
}

/// What a message says, as far as replies care.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The `From` address, lower-case.
    pub from: Option<String>,
    /// Addresses it was sent to: `To`, `Cc`, `Delivered-To`,
    /// `X-Original-To`, `Envelope-To`.
    pub recipients: Vec<String>,
    pub message_id: Option<String>,
    /// An automatic message (auto-reply, bounce, list): never answered.
    pub automatic: bool,
    /// The new text: the first plain-text body (or the HTML one as text),
    /// without quoted text or signature.
    pub text: String,
}

/// Longest text kept from a message (the reply's own limit applies after).
const MAX_TEXT: usize = 64 * 1024;

/// Parse a raw message (RFC 5322 + MIME). `None` if it has no headers at all.
pub fn parse(raw: &[u8]) -> Option<Parsed> {
    let msg = MessageParser::default().parse(raw)?;
    if msg.headers().is_empty() {
        return None;
    }
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| a.contains('@'));
    let mut recipients: Vec<String> = Vec::new();
    for list in [msg.to(), msg.cc()].into_iter().flatten() {
        for a in list.iter() {
            if let Some(a) = a.address() {
                recipients.push(a.trim().to_ascii_lowercase());
            }
        }
    }
    let mut automatic = false;
    for (name, value) in msg.headers_raw() {
        let value = value.trim();
        if ["delivered-to", "x-original-to", "envelope-to"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            let v = value.trim_start_matches('<').trim_end_matches('>').trim();
            if v.contains('@') {
                recipients.push(v.to_ascii_lowercase());
            }
        }
        let lower = value.to_ascii_lowercase();
        automatic |= (name.eq_ignore_ascii_case("auto-submitted") && !lower.starts_with("no"))
            || (name.eq_ignore_ascii_case("precedence")
                && ["bulk", "junk", "list", "auto_reply"]
                    .iter()
                    .any(|p| lower.starts_with(p)))
            || name.eq_ignore_ascii_case("x-autoreply")
            || name.eq_ignore_ascii_case("x-autorespond")
            || (name.eq_ignore_ascii_case("return-path") && lower.replace(' ', "") == "<>");
    }
    recipients.dedup();
    let body = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let body: String = body.chars().take(MAX_TEXT).collect();
    Some(Parsed {
        from,
        recipients,
        message_id: msg
            .message_id()
            .map(|m| m.trim().chars().take(500).collect::<String>())
            .filter(|m| !m.is_empty()),
        automatic,
        text: strip_quoted(&body),
    })
}

/// A line that introduces quoted text: "On … wrote:", "Le … a écrit :",
/// an Outlook separator or header block.
fn quote_header(line: &str, next: Option<&str>) -> bool {
    let l = line.trim();
    let lower = l.to_lowercase();
    let wrote = |s: &str| {
        s.ends_with("wrote:")
            || s.ends_with("a écrit :")
            || s.ends_with("a écrit:")
            || s.ends_with("a écrit :")
    };
    if (lower.starts_with("on ") || lower.starts_with("le ")) && wrote(&lower) {
        return true;
    }
    // Gmail wraps a long "On … <address>" line before "wrote:".
    if (lower.starts_with("on ") || lower.starts_with("le "))
        && next.is_some_and(|n| wrote(&n.trim().to_lowercase()) && n.trim().len() < 16)
    {
        return true;
    }
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || lower.starts_with("-----message d'origine-----")
        || lower.starts_with("----- message d'origine -----")
        || lower.starts_with("-------- message original --------")
        || lower.starts_with("-------- original message --------")
        || (l.len() >= 20 && l.chars().all(|c| c == '_'))
    {
        return true;
    }
    // Outlook: "From: …" (or "De : …") followed by "Sent:"/"Date:"/"Envoyé :".
    (lower.starts_with("from:") || lower.starts_with("de :") || lower.starts_with("de:"))
        && next.is_some_and(|n| {
            let n = n.trim().to_lowercase();
            ["sent:", "date:", "envoyé :", "envoyé:", "to:", "à :"]
                .iter()
                .any(|p| n.starts_with(p))
        })
}

/// The new text of a reply: everything before the quoted message, without
/// `>` lines, the signature (after "-- ") or a "Sent from my phone" line.
pub fn strip_quoted(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed_end = line.trim_end();
        if trimmed_end == "--" || *line == "-- " || trimmed_end == "—" {
            break;
        }
        if quote_header(line, lines.get(i + 1).copied()) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        let lower = line.trim().to_lowercase();
        if lower.starts_with("sent from my ")
            || lower.starts_with("envoyé de mon ")
            || lower.starts_with("envoyé à partir de ")
            || lower.starts_with("get outlook for ")
        {
            continue;
        }
        kept.push(trimmed_end);
    }
    // No run of more than one blank line; none at either end.
    let mut out: Vec<&str> = Vec::new();
    for l in kept {
        if l.is_empty() && out.last().is_none_or(|p: &&str| p.is_empty()) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Why a message was not made a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than `inbound_mail.max_bytes`.
    TooLarge,
    /// Not a message.
    Unparsable,
    /// Sent to no reply address of ours (unknown, altered or expired).
    UnknownAddress,
    /// The sender is not the person the address was given to.
    ForgedSender,
    /// An auto-reply, a bounce or a list message.
    Automatic,
    /// Nothing left once quotes and signature are taken away.
    Empty,
    /// The text was refused (too long…).
    InvalidText,
    /// The thread is locked.
    Locked,
    /// The person may no longer reply there (left the community, the
    /// publication was removed or hidden, the account suspended).
    NotAllowed,
}

impl Refusal {
    /// The SMTP answer (RFC 5321 code, RFC 3463 enhanced status, reason).
    pub fn smtp(self) -> (u16, &'static str, &'static str) {
        match self {
            Refusal::TooLarge => (552, "5.3.4", "message too large"),
            Refusal::Unparsable => (550, "5.6.0", "the message could not be read"),
            Refusal::UnknownAddress => (
                550,
                "5.1.1",
                "no such reply address (unknown, altered or no longer valid)",
            ),
            Refusal::ForgedSender => (
                550,
                "5.7.1",
                "the sender is not the person this reply address belongs to",
            ),
            Refusal::Automatic => (550, "5.7.1", "automatic messages are not accepted"),
            Refusal::Empty => (
                550,
                "5.6.0",
                "the reply is empty once quoted text and signature are removed",
            ),
            Refusal::InvalidText => (550, "5.6.0", "the reply text was refused (too long?)"),
            Refusal::Locked => (550, "5.7.1", "the thread is locked"),
            Refusal::NotAllowed => (
                550,
                "5.7.1",
                "you may no longer reply in this thread (you cannot see it any more)",
            ),
        }
    }
    /// The message key of the bounce e-mail's explanation.
    fn key(self) -> &'static str {
        match self {
            Refusal::TooLarge => "mail-in-refused-too-large",
            Refusal::Unparsable => "mail-in-refused-unparsable",
            Refusal::UnknownAddress => "mail-in-refused-unknown",
            Refusal::ForgedSender => "mail-in-refused-forged",
            Refusal::Automatic => "mail-in-refused-automatic",
            Refusal::Empty => "mail-in-refused-empty",
            Refusal::InvalidText => "mail-in-refused-invalid",
            Refusal::Locked => "mail-in-refused-locked",
            Refusal::NotAllowed => "mail-in-refused-not-allowed",
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Replied {
        publication_id: i64,
        reply_id: i64,
    },
    /// The same message (by `Message-ID`) was already taken in.
    Duplicate,
    Refused(Refusal),
    /// Try again later (the write limit, or the database unavailable).
    Later(String),
}

/// The first reply address among `addresses` that verifies.
pub fn find_address<'a>(
    signer: &Signer,
    domain: &str,
    addresses: impl IntoIterator<Item = &'a String>,
) -> Option<ReplyTo> {
    addresses
        .into_iter()
        .find_map(|a| verify(signer, domain, a))
}

/// Take a message in. `envelope` are the SMTP recipients (RCPT TO) or the
/// one the pipe was given; the message's own headers are looked at when
/// none of them is a reply address.
pub async fn receive(
    state: &AppState,
    raw: &[u8],
    envelope: &[String],
) -> Result<(Outcome, Option<Parsed>), sqlx::Error> {
    let Some(domain) = state.config.reply_domain() else {
        return Ok((Outcome::Refused(Refusal::UnknownAddress), None));
    };
    if raw.len() > state.config.inbound_mail.max_bytes {
        return Ok((Outcome::Refused(Refusal::TooLarge), None));
    }
    let Some(parsed) = parse(raw) else {
        return Ok((Outcome::Refused(Refusal::Unparsable), None));
    };
    let outcome = take_in(state, &domain, &parsed, envelope).await?;
    Ok((outcome, Some(parsed)))
}

async fn take_in(
    state: &AppState,
    domain: &str,
    parsed: &Parsed,
    envelope: &[String],
) -> Result<Outcome, sqlx::Error> {
    let db = &state.db;
    let signer = Signer::load(db).await?;
    let Some(to) = find_address(&signer, domain, envelope)
        .or_else(|| find_address(&signer, domain, &parsed.recipients))
    else {
        return Ok(Outcome::Refused(Refusal::UnknownAddress));
    };
    if parsed.automatic {
        return Ok(Outcome::Refused(Refusal::Automatic));
    }
    let Some(user) = crate::accounts::by_id(db, to.user_id).await? else {
        return Ok(Outcome::Refused(Refusal::UnknownAddress));
    };
    let Some(own) = super::email::address(&user) else {
        return Ok(Outcome::Refused(Refusal::NotAllowed));
    };
    if parsed.from.as_deref() != Some(own.trim().to_ascii_lowercase().as_str()) {
        return Ok(Outcome::Refused(Refusal::ForgedSender));
    }
    if let Some(mid) = &parsed.message_id {
        tick();
        let seen: Option<String> =
            sqlx::query_scalar("SELECT message_id FROM inbound_mail WHERE message_id = $1")
                .bind(mid)
                .fetch_optional(&db.pool)
                .await?;
        if seen.is_some() {
            return Ok(Outcome::Duplicate);
        }
    }
    if parsed.text.trim().is_empty() {
        return Ok(Outcome::Refused(Refusal::Empty));
    }
    let actor = Actor::person(&user);
    let made = crate::publications::ops::add_reply(
        state,
        &actor,
        to.publication_id,
        to.parent_id,
        &parsed.text,
    )
    .await;
    let reply_id = match made {
        Ok(id) => id,
        Err(e) => return Ok(refusal_of(e)),
    };
    if let Some(mid) = &parsed.message_id {
        tick();
        sqlx::query(
            "INSERT INTO inbound_mail (message_id, user_id, reply_id, received_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(mid)
        .bind(user.id)
        .bind(reply_id)
        .bind(now())
        .execute(&db.pool)
        .await?;
    }
    tracing::info!(
        user = user.id,
        publication = to.publication_id,
        reply = reply_id,
        "reply by e-mail"
    );
    Ok(Outcome::Replied {
        publication_id: to.publication_id,
        reply_id,
    })
}

fn refusal_of(e: AppError) -> Outcome {
    match e {
        AppError::NotFound | AppError::Forbidden | AppError::Unauthorized => {
            Outcome::Refused(Refusal::NotAllowed)
        }
        AppError::Conflict { code: "locked", .. } => Outcome::Refused(Refusal::Locked),
        AppError::Conflict { .. } => Outcome::Refused(Refusal::NotAllowed),
        AppError::Invalid { .. } | AppError::TooLarge | AppError::BadRequest { .. } => {
            Outcome::Refused(Refusal::InvalidText)
        }
        AppError::TooManyRequests { .. } => Outcome::Later("write limit reached".into()),
        other => Outcome::Later(other.to_string()),
    }
}

/// Queue a bounce-style answer to the sender of a refused message (the
/// pipe path; the SMTP listener answers in the session instead). Nothing
/// is sent to automatic messages or a message without a sender. The text
/// is in French and English (the sender may be no one we know).
pub async fn bounce(
    state: &AppState,
    parsed: &Parsed,
    refusal: Refusal,
) -> Result<bool, sqlx::Error> {
    let Some(to) = parsed.from.clone() else {
        return Ok(false);
    };
    if parsed.automatic || to.parse::<lettre::Address>().is_err() {
        return Ok(false);
    }
    let instance = state.instance_name();
    let (code, status, reason) = refusal.smtp();
    let mut text = String::new();
    let mut subject = Vec::new();
    for lang in [Lang::from_code("fr-CA"), Lang::from_code("en")]
        .into_iter()
        .flatten()
    {
        subject.push(lang.t("mail-in-bounce-subject"));
        text.push_str(&lang.ta(
            "mail-in-bounce-intro",
            &[("instance", Arg::from(instance.clone()))],
        ));
        text.push_str("\n\n");
        text.push_str(&lang.t(refusal.key()));
        text.push_str("\n\n");
    }
    text.push_str(&format!("{code} {status} {reason}\n"));
    let job = Job::Mail {
        to,
        subject: subject.join(" / "),
        text,
        html: None,
        lang: "fr-CA".into(),
        headers: Vec::new(),
    };
    state.jobs.push(&state.db, &job, None).await?;
    Ok(true)
}

/// The reply address to put in a notification e-mail about `user` and
/// this record, when replies by e-mail are on.
pub fn reply_to_of(
    signer: &Signer,
    domain: Option<&str>,
    user: &User,
    publication_id: i64,
    reply_id: Option<i64>,
) -> Option<String> {
    domain.map(|d| {
        address(
            signer,
            d,
            &ReplyTo {
                user_id: user.id,
                publication_id,
                parent_id: reply_id,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_signed_per_person_and_thread() {
        let s = Signer::from_secret(b"k");
        let r = ReplyTo {
            user_id: 42,
            publication_id: 7,
            parent_id: Some(9),
        };
        let a = address(&s, "exemple.org", &r);
        assert!(a.split('@').next().unwrap().len() <= 64, "{a}");
        assert_eq!(verify(&s, "exemple.org", &a), Some(r));
        // Case folded by a mail server: still good.
        assert_eq!(verify(&s, "EXEMPLE.org", &a.to_uppercase()), Some(r));
        assert_eq!(verify(&s, "autre.org", &a), None, "another domain");
        // Another person or thread with the same tag.
        let tag = a.split('-').nth(3).unwrap().split('@').next().unwrap();
        for forged in [
            format!("reply+43-7-9-{tag}@exemple.org"),
            format!("reply+42-8-9-{tag}@exemple.org"),
            format!("reply+42-7-0-{tag}@exemple.org"),
        ] {
            assert_eq!(verify(&s, "exemple.org", &forged), None, "{forged}");
        }
        let other = Signer::from_secret(b"other");
        assert_eq!(verify(&other, "exemple.org", &a), None);
        let top = ReplyTo {
            parent_id: None,
            ..r
        };
        assert_eq!(
            verify(&s, "exemple.org", &address(&s, "exemple.org", &top)),
            Some(top)
        );
    }

    #[test]
    fn quoted_text_and_signatures_are_stripped() {
        let body = "Merci, je serai là.\r\n\r\nÀ jeudi !\r\n\r\nLe jeu. 3 déc. 2026 à 10:02, Passerelles <noreply@x> a écrit :\r\n> Une réponse\r\n> -- \r\n";
        assert_eq!(strip_quoted(body), "Merci, je serai là.\n\nÀ jeudi !");
        let gmail =
            "Yes.\n\nOn Thu, Dec 3, 2026 at 10:02 AM Passerelles <noreply@x>\nwrote:\n> old\n";
        assert_eq!(strip_quoted(gmail), "Yes.");
        let sig = "Answer here\n> quoted inline\nmore\n-- \nBob\n555-1234\n";
        assert_eq!(strip_quoted(sig), "Answer here\nmore");
        let outlook = "Top\n\nFrom: Passerelles <noreply@x>\nSent: Thursday\nTo: bob\n\nold text";
        assert_eq!(strip_quoted(outlook), "Top");
        let phone = "Ok\n\nEnvoyé de mon iPhone";
        assert_eq!(strip_quoted(phone), "Ok");
        assert_eq!(strip_quoted("> only a quote\n"), "");
    }

    #[test]
    fn a_mime_message_is_read() {
        let raw = b"From: Bob <BOB@Exemple.qc.ca>\r\nTo: reply+1-2-0-00@x.test\r\nDelivered-To: <other@x.test>\r\nMessage-ID: <m1@x>\r\nSubject: Re: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nD'accord, =E0 demain.\r\n\r\n> cit=E9\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>ignored</p>\r\n--b--\r\n";
        let p = parse(raw).expect("parsed");
        assert_eq!(p.from.as_deref(), Some("bob@exemple.qc.ca"));
        assert_eq!(p.recipients, vec!["reply+1-2-0-00@x.test", "other@x.test"]);
        assert_eq!(p.message_id.as_deref(), Some("m1@x"));
        assert!(!p.automatic);
        assert_eq!(p.text, "D'accord, à demain.");
        let auto = b"From: a@b.c\r\nAuto-Submitted: auto-replied\r\n\r\nAway\r\n";
        assert!(parse(auto).expect("parsed").automatic);
        assert_eq!(parse(b""), None);
    }
}
