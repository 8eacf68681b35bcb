//! Outgoing e-mail.
//!
//! Two delivery modes:
//! - **SMTP** (when `[smtp] host` is configured): messages go through a lettre
//!   async SMTP transport built once at start-up.
//! - **Outbox** (default, no host): each message is written as a complete
//!   RFC 5322 `.eml` file in a local directory and logged, including every
//!   http(s) link of the text part, so a local administrator can follow
//!   verification links from the console without any mail server.
//!
//! Messages are UTF-8, `text/plain` alone or `multipart/alternative` with the
//! plain-text part first, and are flagged `Auto-Submitted: auto-generated`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

mod bulk;
pub use bulk::{Bulk, BulkError, Prepared};

/// Default sender used when the configuration does not specify one.
pub const DEFAULT_FROM: &str = "Passerelles <noreply@localhost>";
/// Default SMTP command timeout, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 20;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), port 587 by default.
    #[default]
    StartTls,
    /// Implicit TLS ("submissions"), port 465 by default.
    Tls,
    /// No encryption at all, port 25 by default. Only for local relays and tests.
    None,
}

impl SmtpSecurity {
    /// The conventional port for this security mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }
}

/// `[smtp]` section of the configuration.
#[derive(Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SmtpConfig {
    /// SMTP server host name. `None` selects the file outbox mode.
    pub host: Option<String>,
    /// Port; defaults to 587 (starttls), 465 (tls) or 25 (none).
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Never printed: the `Debug` implementation redacts it.
    pub password: Option<String>,
    /// Sender mailbox, e.g. `Passerelles <noreply@example.org>`.
    pub from: String,
    /// SMTP command timeout in seconds (0 means the default, 20).
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: None,
            port: None,
            security: SmtpSecurity::default(),
            username: None,
            password: None,
            from: DEFAULT_FROM.to_owned(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl SmtpConfig {
    /// The configured port, or the conventional one for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.security.default_port())
    }

    fn effective_timeout(&self) -> Duration {
        let secs = if self.timeout_secs == 0 {
            DEFAULT_TIMEOUT_SECS
        } else {
            self.timeout_secs
        };
        Duration::from_secs(secs)
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Recipient, `addr@example.org` or `Name <addr@example.org>`.
    pub to: String,
    pub subject: String,
    /// Plain-text body (always present, sent first).
    pub text: String,
    /// Optional HTML alternative.
    pub html: Option<String>,
    /// Language tag of the message ("fr-CA" or "en"), sent as `Content-Language`.
    pub lang: String,
    /// More headers, e.g. `List-Unsubscribe`, `List-Id`, `In-Reply-To`; a
    /// `Message-ID` here replaces the generated one.
    pub headers: Vec<(String, String)>,
    /// Files attached after the body (e.g. an event's `.ics`).
    pub attachments: Vec<MailAttachment>,
}

/// A text file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub name: String,
    /// Its full type, e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub body: String,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient (or the resulting envelope) is not a valid address;
    /// carries the address as given. Permanent: retrying will not help.
    #[error("invalid e-mail address: {0:?}")]
    InvalidAddress(String),
    /// The SMTP exchange or the outbox write failed. Retryable.
    #[error("mail transport failure: {0}")]
    Transport(String),
}

impl MailError {
    /// Whether retrying the same message later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Transport(_))
    }
}

/// Sends e-mail either over SMTP or into a local outbox directory.
///
/// Cheap to clone: the transport is shared.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    delivery: Delivery,
}

enum Delivery {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
        port: u16,
        /// For the bulk sender's own connections (`Bulk`).
        config: SmtpConfig,
    },
    Outbox {
        dir: PathBuf,
    },
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mailer");
        d.field("from", &self.inner.from.to_string());
        match &self.inner.delivery {
            Delivery::Smtp { host, port, .. } => d.field("smtp", &format!("{host}:{port}")),
            Delivery::Outbox { dir } => d.field("outbox", dir),
        };
        d.finish()
    }
}

impl Mailer {
    /// SMTP mode when `config.host` is `Some`, otherwise outbox mode writing
    /// to `outbox_dir` (created if missing).
    pub fn new(config: &SmtpConfig, outbox_dir: PathBuf) -> anyhow::Result<Mailer> {
        let from_str = if config.from.trim().is_empty() {
            DEFAULT_FROM
        } else {
            config.from.trim()
        };
        let from: Mailbox = from_str
            .parse()
            .with_context(|| format!("invalid sender address in [smtp] from: {from_str:?}"))?;

        let delivery = match config.host.as_deref().map(str::trim) {
            Some(host) if !host.is_empty() => {
                let port = config.effective_port();
                let builder = match config.security {
                    SmtpSecurity::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .with_context(|| format!("cannot set up STARTTLS for {host}"))?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .with_context(|| format!("cannot set up TLS for {host}"))?,
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                };
                let mut builder = builder.port(port).timeout(Some(config.effective_timeout()));
                if let Some(username) = config.username.as_deref().filter(|u| !u.is_empty()) {
                    builder = builder.credentials(Credentials::new(
                        username.to_owned(),
                        config.password.clone().unwrap_or_default(),
                    ));
                }
                Delivery::Smtp {
                    transport: builder.build(),
                    host: host.to_owned(),
                    port,
                    config: config.clone(),
                }
            }
            _ => {
                std::fs::create_dir_all(&outbox_dir).with_context(|| {
                    format!(
                        "cannot create mail outbox directory {}",
                        outbox_dir.display()
                    )
                })?;
                Delivery::Outbox { dir: outbox_dir }
            }
        };

        Ok(Mailer {
            inner: Arc::new(Inner { from, delivery }),
        })
    }

    /// Whether messages go to an SMTP server (as opposed to the file outbox).
    pub fn is_smtp(&self) -> bool {
        matches!(self.inner.delivery, Delivery::Smtp { .. })
    }

    /// Send one message.
    ///
    /// `multipart/alternative` (plain text first) when `html` is set,
    /// `text/plain` otherwise; UTF-8; headers From, To, Subject (RFC 2047),
    /// Date, Message-ID, Content-Language and `Auto-Submitted: auto-generated`.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = self.build_message(mail)?;
        match &self.inner.delivery {
            Delivery::Smtp { transport, .. } => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Transport(e.to_string()))?;
                tracing::info!(to = %mail.to, subject = %mail.subject, "mail sent over SMTP");
                Ok(())
            }
            Delivery::Outbox { dir } => {
                let path = write_outbox(dir, &message.formatted()).await?;
                let links = extract_links(&mail.text);
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    path = %path.display(),
                    links = %links.join(" "),
                    "mail written to outbox"
                );
                for link in &links {
                    tracing::info!("mail link: {link}");
                }
                Ok(())
            }
        }
    }

    /// A sender of many messages over one connection, in two steps per
    /// message (see [`Bulk`]).
    pub fn bulk(&self) -> Bulk {
        Bulk {
            mailer: self.clone(),
            conn: None,
        }
    }

    fn build_message(&self, mail: &OutgoingMail) -> Result<Message, MailError> {
        let to: Mailbox = mail.to.trim().parse().map_err(|e| {
            tracing::debug!(to = %mail.to, error = %e, "rejecting invalid recipient address");
            MailError::InvalidAddress(mail.to.clone())
        })?;

        let message_id = mail
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Message-ID"))
            .map(|(_, v)| v.clone());
        let mut builder = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .date_now()
            .message_id(message_id)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                sanitize_lang(&mail.lang),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        for (name, value) in &mail.headers {
            // A value with a line break would start another header field:
            // the message is refused (permanently), never sent without it.
            if value.contains(['\r', '\n']) {
                return Err(MailError::InvalidAddress(mail.to.clone()));
            }
            let ok_name =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ok_name || name.eq_ignore_ascii_case("Message-ID") {
                continue;
            }
            let Ok(header) = HeaderName::new_from_ascii(name.clone()) else {
                continue;
            };
            builder = builder.raw_header(HeaderValue::new(header, value.clone()));
        }
        let built = match (&mail.html, mail.attachments.is_empty()) {
            (Some(html), true) => builder.multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                html.clone(),
            )),
            (None, true) => builder.singlepart(SinglePart::plain(mail.text.clone())),
            (html, false) => {
                let mut mixed = match html {
                    Some(h) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
                        mail.text.clone(),
                        h.clone(),
                    )),
                    None => MultiPart::mixed().singlepart(SinglePart::plain(mail.text.clone())),
                };
                for a in &mail.attachments {
                    let ct = lettre::message::header::ContentType::parse(&a.content_type)
                        .map_err(|_| MailError::InvalidAddress(mail.to.clone()))?;
                    mixed = mixed.singlepart(
                        lettre::message::Attachment::new(a.name.clone()).body(a.body.clone(), ct),
                    );
                }
                builder.multipart(mixed)
            }
        };
        built.map_err(|e| {
            tracing::debug!(to = %mail.to, error = %e, "cannot build message");
            MailError::InvalidAddress(mail.to.clone())
        })
    }
}

/// Keeps a language tag to `[A-Za-z0-9-]`, falling back to "en".
fn sanitize_lang(lang: &str) -> String {
    let lang = lang.trim();
    if !lang.is_empty()
        && lang.len() <= 35
        && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        lang.to_owned()
    } else {
        "en".to_owned()
    }
}

/// Writes `bytes` to `<dir>/<unix-millis>-<random hex>.eml` atomically
/// (temporary file then rename) and returns the final path.
async fn write_outbox(dir: &Path, bytes: &[u8]) -> Result<PathBuf, MailError> {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let suffix = hex::encode(rand::random::<[u8; 8]>());
    let name = format!("{millis}-{suffix}");
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(format!("{name}.eml"));

    let io_err = |what: &str, p: &Path, e: std::io::Error| {
        MailError::Transport(format!("cannot {what} {}: {e}", p.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io_err("create outbox directory", dir, e))?;
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|e| io_err("write", &tmp, e))?;
    if let Err(e) = tokio::fs::rename(&tmp, &path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(io_err("rename outbox file to", &path, e));
    }
    Ok(path)
}

/// Returns the `http://` and `https://` URLs found in `text`, in order.
///
/// A URL stops at whitespace, `<`, `>` or a double quote; trailing sentence
/// punctuation (`.`, `,`, `;`, `:`, `!`, `?`, quotes) and unbalanced closing
/// brackets such as `)` are trimmed.
pub fn extract_links(text: &str) -> Vec<String> {
    // ASCII lowercasing keeps byte offsets identical to `text`.
    let lower = text.to_ascii_lowercase();
    let mut links = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let next = ["http://", "https://"]
            .iter()
            .filter_map(|scheme| lower[pos..].find(scheme).map(|i| (pos + i, scheme.len())))
            .min_by_key(|&(start, _)| start);
        let Some((start, scheme_len)) = next else {
            break;
        };
        let rest = &text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(rest.len());
        let url = trim_url_end(&rest[..end]);
        if url.len() > scheme_len {
            links.push(url.to_owned());
        }
        pos = start + end.max(scheme_len);
    }
    links
}

fn trim_url_end(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().last() else {
            return url;
        };
        let trim = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            '}' => url.matches('{').count() < url.matches('}').count(),
            _ => false,
        };
        if !trim {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "passerelles-mail-{tag}-{}-{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 6]>())
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn eml_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    /// Minimal MIME helpers, enough to check what lettre produced.
    fn split_head_body(entity: &str) -> (&str, &str) {
        match entity.find("\r\n\r\n") {
            Some(i) => (&entity[..i], &entity[i + 4..]),
            None => (entity, ""),
        }
    }

    fn header(head: &str, name: &str) -> Option<String> {
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", "\t");
        unfolded.split("\r\n").find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    fn decode_qp(s: &str) -> Vec<u8> {
        let s = s.replace("=\r\n", "");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }

    fn decode_body(head: &str, body: &str) -> String {
        use base64::Engine as _;
        let cte = header(head, "Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match cte.as_str() {
            "quoted-printable" => decode_qp(body),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap(),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8(bytes).unwrap().replace("\r\n", "\n")
    }

    /// RFC 2047: encoded words are decoded, whitespace between two adjacent
    /// encoded words is dropped, everything else is kept verbatim.
    fn decode_encoded_words(value: &str) -> String {
        use base64::Engine as _;
        fn decode_word(word: &str) -> Option<Vec<u8>> {
            let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
            let mut it = inner.splitn(3, '?');
            let (charset, enc, text) = (it.next()?, it.next()?, it.next()?);
            assert!(charset.eq_ignore_ascii_case("utf-8"), "{charset}");
            if enc.eq_ignore_ascii_case("b") {
                base64::engine::general_purpose::STANDARD.decode(text).ok()
            } else {
                Some(decode_qp(&text.replace('_', " ")))
            }
        }
        let mut out = String::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut ws = String::new();
        let mut prev_encoded = false;
        let mut chars = value.chars().peekable();
        while chars.peek().is_some() {
            ws.clear();
            while let Some(c) = chars.next_if(|c| c.is_whitespace()) {
                ws.push(c);
            }
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
            match decode_word(&word) {
                Some(bytes) => {
                    if !prev_encoded {
                        out.push_str(&ws);
                    }
                    pending.extend(bytes);
                    prev_encoded = true;
                }
                None => {
                    out.push_str(&String::from_utf8(std::mem::take(&mut pending)).unwrap());
                    out.push_str(&ws);
                    out.push_str(&word);
                    prev_encoded = false;
                }
            }
        }
        out.push_str(&String::from_utf8(pending).unwrap());
        out
    }

    fn sample(html: bool) -> OutgoingMail {
        OutgoingMail {
            attachments: Vec::new(),
            headers: Vec::new(),
            to: "Éloïse Tremblay <eloise@example.org>".to_owned(),
            subject: "Vérifiez votre adresse courriel — Passerelles".to_owned(),
            text: "Bonjour Éloïse,\n\nCliquez ici : https://passerelles.test/verifier?jeton=abc123.\n\nÀ bientôt!\n".to_owned(),
            html: html.then(|| {
                "<p>Bonjour Éloïse,</p><p><a href=\"https://passerelles.test/verifier?jeton=abc123\">Vérifier</a></p>".to_owned()
            }),
            lang: "fr-CA".to_owned(),
        }
    }

    #[tokio::test]
    async fn outbox_writes_parsable_multipart_eml() {
        let dir = temp_dir("multi");
        let mailer = Mailer::new(&SmtpConfig::default(), dir.clone()).unwrap();
        assert!(!mailer.is_smtp());
        let mail = sample(true);
        mailer.send(&mail).await.unwrap();

        let files = eml_files(&dir);
        assert_eq!(files.len(), 1, "{files:?}");
        let path = &files[0];
        let name = path.file_name().unwrap().to_str().unwrap();
        let (millis, rest) = name.split_once('-').unwrap();
        assert!(millis.parse::<u128>().unwrap() > 1_600_000_000_000);
        let rand_hex = rest.strip_suffix(".eml").unwrap();
        assert_eq!(rand_hex.len(), 16);
        assert!(rand_hex.bytes().all(|b| b.is_ascii_hexdigit()));

        let raw = std::fs::read_to_string(path).unwrap();
        assert!(raw.is_ascii(), "message must be 7-bit clean:\n{raw}");
        assert!(raw.lines().all(|l| l.len() <= 998));
        let (head, body) = split_head_body(&raw);

        let subject = header(head, "Subject").unwrap();
        assert!(
            subject.contains("=?"),
            "subject should be RFC 2047 encoded: {subject}"
        );
        assert_eq!(decode_encoded_words(&subject), mail.subject);
        assert!(
            header(head, "From")
                .unwrap()
                .contains("<noreply@localhost>")
        );
        assert!(header(head, "To").unwrap().contains("<eloise@example.org>"));
        assert!(header(head, "Date").is_some());
        assert!(header(head, "Message-ID").unwrap().starts_with('<'));
        assert_eq!(header(head, "Content-Language").unwrap(), "fr-CA");
        assert_eq!(header(head, "Auto-Submitted").unwrap(), "auto-generated");
        assert_eq!(header(head, "MIME-Version").unwrap(), "1.0");

        let ct = header(head, "Content-Type").unwrap();
        assert!(ct.starts_with("multipart/alternative"), "{ct}");
        let boundary = ct
            .split("boundary=")
            .nth(1)
            .unwrap()
            .trim_matches('"')
            .to_owned();
        let delimiter = format!("--{boundary}");
        let parts: Vec<&str> = body
            .split(delimiter.as_str())
            .skip(1)
            .filter(|p| !p.starts_with("--"))
            .map(|p| p.trim_start_matches("\r\n"))
            .collect();
        assert_eq!(parts.len(), 2);

        let (h1, b1) = split_head_body(parts[0]);
        let ct1 = header(h1, "Content-Type").unwrap().to_ascii_lowercase();
        assert!(
            ct1.starts_with("text/plain") && ct1.contains("charset=utf-8"),
            "{ct1}"
        );
        assert_eq!(decode_body(h1, b1).trim_end(), mail.text.trim_end());

        let (h2, b2) = split_head_body(parts[1]);
        let ct2 = header(h2, "Content-Type").unwrap().to_ascii_lowercase();
        assert!(
            ct2.starts_with("text/html") && ct2.contains("charset=utf-8"),
            "{ct2}"
        );
        assert_eq!(
            decode_body(h2, b2).trim_end(),
            mail.html.as_deref().unwrap().trim_end()
        );

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn outbox_plain_text_only() {
        let dir = temp_dir("plain");
        let mailer = Mailer::new(&SmtpConfig::default(), dir.clone()).unwrap();
        let mut mail = sample(false);
        mail.lang = "en".to_owned();
        mail.subject = "Verify your address".to_owned();
        mailer.send(&mail).await.unwrap();
        mailer.clone().send(&mail).await.unwrap();

        let files = eml_files(&dir);
        assert_eq!(files.len(), 2);
        assert!(files.iter().all(|f| f.extension().unwrap() == "eml"));
        let raw = std::fs::read_to_string(&files[0]).unwrap();
        let (head, body) = split_head_body(&raw);
        assert_eq!(header(head, "Subject").unwrap(), "Verify your address");
        assert_eq!(header(head, "Content-Language").unwrap(), "en");
        let ct = header(head, "Content-Type").unwrap().to_ascii_lowercase();
        assert!(
            ct.starts_with("text/plain") && ct.contains("charset=utf-8"),
            "{ct}"
        );
        assert!(!raw.contains("multipart"));
        assert_eq!(decode_body(head, body).trim_end(), mail.text.trim_end());

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn invalid_address_is_typed_error() {
        let dir = temp_dir("invalid");
        let mailer = Mailer::new(&SmtpConfig::default(), dir.clone()).unwrap();
        for to in ["not an address", "", "a@b\r\nBcc: x@y.z", "<@example.org>"] {
            let mut mail = sample(false);
            mail.to = to.to_owned();
            let err = mailer.send(&mail).await.unwrap_err();
            assert!(
                matches!(&err, MailError::InvalidAddress(a) if a == to),
                "{to:?}: {err:?}"
            );
            assert!(!err.is_retryable());
        }
        assert!(eml_files(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn header_injection_in_lang_is_neutralised() {
        assert_eq!(sanitize_lang("fr-CA"), "fr-CA");
        assert_eq!(sanitize_lang(" en "), "en");
        assert_eq!(sanitize_lang("fr\r\nBcc: x@y.z"), "en");
        assert_eq!(sanitize_lang(""), "en");
    }

    #[test]
    fn invalid_from_is_rejected() {
        let config = SmtpConfig {
            from: "nope".to_owned(),
            ..SmtpConfig::default()
        };
        assert!(Mailer::new(&config, temp_dir("from")).is_err());
    }

    #[test]
    fn smtp_mode_is_selected_by_host() {
        let config = SmtpConfig {
            host: Some("127.0.0.1".to_owned()),
            security: SmtpSecurity::None,
            ..SmtpConfig::default()
        };
        let mailer = Mailer::new(&config, temp_dir("unused")).unwrap();
        assert!(mailer.is_smtp());
        assert_eq!(config.effective_port(), 25);
        assert_eq!(SmtpConfig::default().effective_port(), 587);
        let tls = SmtpConfig {
            security: SmtpSecurity::Tls,
            ..SmtpConfig::default()
        };
        assert_eq!(tls.effective_port(), 465);

        // The TLS variants build their transport (no connection happens yet).
        for security in [SmtpSecurity::StartTls, SmtpSecurity::Tls] {
            let config = SmtpConfig {
                host: Some("smtp.example.org".to_owned()),
                security,
                username: Some("alice".to_owned()),
                password: Some("secret".to_owned()),
                ..SmtpConfig::default()
            };
            assert!(Mailer::new(&config, temp_dir("unused")).unwrap().is_smtp());
        }
    }

    #[test]
    fn config_defaults_and_serde() {
        let c = SmtpConfig::default();
        assert_eq!(c.from, "Passerelles <noreply@localhost>");
        assert_eq!(c.timeout_secs, 20);
        assert_eq!(c.security, SmtpSecurity::StartTls);
        assert!(c.host.is_none());

        let c: SmtpConfig =
            toml::from_str("host = \"smtp.example.org\"\nsecurity = \"tls\"\nusername = \"u\"\n")
                .unwrap();
        assert_eq!(c.security, SmtpSecurity::Tls);
        assert_eq!(c.host.as_deref(), Some("smtp.example.org"));
        assert_eq!(c.timeout_secs, 20);
        assert_eq!(c.from, DEFAULT_FROM);
        let c: SmtpConfig = toml::from_str("security = \"none\"").unwrap();
        assert_eq!(c.security, SmtpSecurity::None);
        let c: SmtpConfig = toml::from_str("security = \"starttls\"").unwrap();
        assert_eq!(c.security, SmtpSecurity::StartTls);
        assert!(toml::from_str::<SmtpConfig>("security = \"ssl\"").is_err());
    }

    #[test]
    fn debug_redacts_password() {
        let config = SmtpConfig {
            host: Some("smtp.example.org".to_owned()),
            username: Some("alice".to_owned()),
            password: Some("hunter2-super-secret".to_owned()),
            ..SmtpConfig::default()
        };
        let dbg = format!("{config:?}");
        let pretty = format!("{config:#?}");
        for s in [&dbg, &pretty] {
            assert!(!s.contains("hunter2-super-secret"), "{s}");
            assert!(s.contains("[redacted]"));
            assert!(s.contains("alice"));
            assert!(s.contains("smtp.example.org"));
        }
        let none = format!("{:?}", SmtpConfig::default());
        assert!(none.contains("password: None"));

        let mailer = Mailer::new(&config, temp_dir("dbg")).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }

    #[test]
    fn extract_links_cases() {
        assert_eq!(
            extract_links("Cliquez : https://a.test/v?t=1&u=2. Merci"),
            vec!["https://a.test/v?t=1&u=2"]
        );
        assert_eq!(
            extract_links("(voir http://x.test/a) et <https://y.test/b>"),
            vec!["http://x.test/a", "https://y.test/b"]
        );
        assert_eq!(
            extract_links("https://en.wikipedia.org/wiki/Foo_(bar)"),
            vec!["https://en.wikipedia.org/wiki/Foo_(bar)"]
        );
        assert_eq!(
            extract_links("a\nhttps://z.test/é?x=1\thttps://w.test,"),
            vec!["https://z.test/é?x=1", "https://w.test"]
        );
        assert_eq!(
            extract_links("<a href=\"https://q.test/1\">HTTPS://Q.test/2</a>"),
            vec!["https://q.test/1", "HTTPS://Q.test/2"]
        );
        assert!(extract_links("no links, ftp://x.test, https:// alone").is_empty());
        assert!(extract_links("").is_empty());
    }
}
