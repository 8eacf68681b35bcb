//! A small but real SMTP server for integration tests.
//!
//! Listens on `127.0.0.1:<ephemeral port>` and speaks enough RFC 5321 for
//! lettre with `security = "none"`: greeting, EHLO/HELO (advertising
//! `AUTH PLAIN LOGIN`, any credentials accepted, authentication optional),
//! MAIL FROM, RCPT TO (several; `refuse-…@` addresses get 550, as an
//! unknown mailbox), DATA (dot-unstuffing, ends at CRLF.CRLF),
//! RSET, NOOP, QUIT; `500` for anything else.
//!
//! Received messages are kept in memory; [`ReceivedMail`] offers just enough
//! MIME decoding (RFC 2047 headers, quoted-printable/base64 bodies,
//! multipart/alternative) to assert on what the application sent.
//!
//! Self-contained: only `std` and `tokio` are used.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Longest command line accepted (RFC 5321 says 512, be lenient).
const MAX_LINE: usize = 64 * 1024;
/// Largest message accepted.
const MAX_MESSAGE: usize = 32 * 1024 * 1024;
const HOSTNAME: &str = "sink.localhost";

/// One message as received over SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Envelope sender (MAIL FROM), without angle brackets; empty for `<>`.
    pub from: String,
    /// Envelope recipients (RCPT TO), without angle brackets.
    pub to: Vec<String>,
    /// The raw message, dot-unstuffed, with its original line endings.
    pub data: String,
    /// User name given with AUTH on that connection, if any.
    pub auth_user: Option<String>,
}

struct Stored {
    mail: ReceivedMail,
    /// Normalized recipients for which `wait_for` already returned this message.
    taken_by: Vec<String>,
}

type Store = Arc<Mutex<Vec<Stored>>>;

fn lock(store: &Store) -> MutexGuard<'_, Vec<Stored>> {
    // A panicking test must not poison the sink for the others.
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An in-process SMTP server; stops accepting connections when dropped.
pub struct SmtpSink {
    pub port: u16,
    store: Store,
    accept_task: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl SmtpSink {
    /// Binds 127.0.0.1 on an ephemeral port and starts serving.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("smtp sink: bind 127.0.0.1:0");
        let port = listener.local_addr().expect("smtp sink: local_addr").port();
        let store: Store = Arc::new(Mutex::new(Vec::new()));
        let accept_store = store.clone();
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((stream, _peer)) = listener.accept().await else {
                    continue;
                };
                let store = accept_store.clone();
                tokio::spawn(async move {
                    // Connection errors (client hang-ups…) only end that session.
                    let _ = serve_connection(stream, store).await;
                });
            }
        });
        SmtpSink {
            port,
            store,
            accept_task,
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits (polling every 50 ms, at most 30 s) for the next message
    /// addressed to `to` that was not yet taken (by a previous `wait_for`
    /// for that same address), and returns it. A message with several
    /// recipients can thus be taken once per recipient.
    ///
    /// `to` may be a bare address or `Name <address>`; comparison is
    /// case-insensitive. Panics, naming the address, on timeout.
    pub async fn wait_for(&self, to: &str) -> ReceivedMail {
        let wanted = normalize_address(to);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            {
                let mut store = lock(&self.store);
                if let Some(entry) = store.iter_mut().find(|e| {
                    !e.taken_by.contains(&wanted)
                        && e.mail.to.iter().any(|r| normalize_address(r) == wanted)
                }) {
                    entry.taken_by.push(wanted);
                    return entry.mail.clone();
                }
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = lock(&self.store)
                    .iter()
                    .map(|e| {
                        format!(
                            "{:?} -> {:?} (taken by {:?})",
                            e.mail.subject(),
                            e.mail.to,
                            e.taken_by
                        )
                    })
                    .collect();
                panic!("smtp sink: no mail for {to} after 30 s; received: {seen:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many messages were received (cheaper than `all().len()`).
    pub fn count(&self) -> usize {
        lock(&self.store).len()
    }

    /// Every message received so far (taken or not), in arrival order.
    pub fn all(&self) -> Vec<ReceivedMail> {
        lock(&self.store).iter().map(|e| e.mail.clone()).collect()
    }
}

fn normalize_address(addr: &str) -> String {
    let addr = addr.trim();
    let inner = match (addr.rfind('<'), addr.rfind('>')) {
        (Some(start), Some(end)) if start < end => &addr[start + 1..end],
        _ => addr,
    };
    inner.trim().to_ascii_lowercase()
}

// ---------------------------------------------------------------------------
// SMTP protocol
// ---------------------------------------------------------------------------

async fn serve_connection(stream: TcpStream, store: Store) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (reader, writer) = stream.into_split();
    serve(BufReader::new(reader), writer, store).await
}

async fn serve<R, W>(mut reader: BufReader<R>, mut writer: W, store: Store) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    reply(
        &mut writer,
        &format!("220 {HOSTNAME} ESMTP test sink ready"),
    )
    .await?;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    let mut auth_user: Option<String> = None;

    loop {
        let Some(line) = read_line(&mut reader).await? else {
            return Ok(());
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_owned()),
            None => (line.trim().to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                from = None;
                rcpts.clear();
                let greeting = format!(
                    "250-{HOSTNAME} greets {arg}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE {MAX_MESSAGE}\r\n250 AUTH PLAIN LOGIN"
                );
                reply(&mut writer, &greeting).await?;
            }
            "HELO" => {
                from = None;
                rcpts.clear();
                reply(&mut writer, &format!("250 {HOSTNAME}")).await?;
            }
            "AUTH" => {
                if auth_user.is_some() {
                    reply(&mut writer, "503 5.5.1 Already authenticated").await?;
                    continue;
                }
                match authenticate(&mut reader, &mut writer, &arg).await? {
                    AuthOutcome::Ok(user) => {
                        auth_user = Some(user);
                        reply(&mut writer, "235 2.7.0 Authentication successful").await?;
                    }
                    AuthOutcome::Cancelled => {
                        reply(&mut writer, "501 5.7.0 Authentication cancelled").await?;
                    }
                    AuthOutcome::Unsupported => {
                        reply(&mut writer, "504 5.5.4 Unrecognized authentication type").await?;
                    }
                    AuthOutcome::Eof => return Ok(()),
                }
            }
            "MAIL" => {
                let Some(path) = strip_prefix_ci(&arg, "FROM:").map(parse_path) else {
                    reply(&mut writer, "501 5.5.4 Syntax: MAIL FROM:<address>").await?;
                    continue;
                };
                if from.is_some() {
                    reply(&mut writer, "503 5.5.1 Nested MAIL command").await?;
                    continue;
                }
                from = Some(path);
                rcpts.clear();
                reply(&mut writer, "250 2.1.0 Ok").await?;
            }
            "RCPT" => {
                if from.is_none() {
                    reply(&mut writer, "503 5.5.1 Need MAIL before RCPT").await?;
                    continue;
                }
                match strip_prefix_ci(&arg, "TO:").map(parse_path) {
                    // Like a real server's unknown mailbox: a permanent refusal.
                    Some(path) if path.to_ascii_lowercase().starts_with("refuse-") => {
                        reply(
                            &mut writer,
                            "550 5.1.1 Recipient address rejected: User unknown",
                        )
                        .await?;
                    }
                    Some(path) if !path.is_empty() => {
                        rcpts.push(path);
                        reply(&mut writer, "250 2.1.5 Ok").await?;
                    }
                    _ => reply(&mut writer, "501 5.5.4 Syntax: RCPT TO:<address>").await?,
                }
            }
            "DATA" => {
                if from.is_none() || rcpts.is_empty() {
                    reply(&mut writer, "503 5.5.1 Need MAIL and RCPT before DATA").await?;
                    continue;
                }
                reply(&mut writer, "354 End data with <CR><LF>.<CR><LF>").await?;
                let Some(data) = read_data(&mut reader).await? else {
                    return Ok(());
                };
                if data.len() > MAX_MESSAGE {
                    reply(&mut writer, "552 5.3.4 Message too big").await?;
                } else {
                    let mail = ReceivedMail {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut rcpts),
                        data: String::from_utf8_lossy(&data).into_owned(),
                        auth_user: auth_user.clone(),
                    };
                    lock(&store).push(Stored {
                        mail,
                        taken_by: Vec::new(),
                    });
                    reply(&mut writer, "250 2.0.0 Ok: queued").await?;
                }
                from = None;
                rcpts.clear();
            }
            "RSET" => {
                from = None;
                rcpts.clear();
                reply(&mut writer, "250 2.0.0 Ok").await?;
            }
            "NOOP" => reply(&mut writer, "250 2.0.0 Ok").await?,
            "QUIT" => {
                reply(
                    &mut writer,
                    &format!("221 2.0.0 {HOSTNAME} closing connection"),
                )
                .await?;
                return Ok(());
            }
            _ => reply(&mut writer, "500 5.5.2 Command not recognized").await?,
        }
    }
}

enum AuthOutcome {
    Ok(String),
    Cancelled,
    Unsupported,
    Eof,
}

/// SASL PLAIN / LOGIN, accepting any credentials; returns the user name.
async fn authenticate<R, W>(
    reader: &mut BufReader<R>,
    writer: &mut W,
    arg: &str,
) -> std::io::Result<AuthOutcome>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut words = arg.split_whitespace();
    let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
    let initial = words.next().map(str::to_owned);

    // Reads one client response line; `None` means EOF, `Some(None)` means "*".
    async fn response<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        reader: &mut BufReader<R>,
        writer: &mut W,
        challenge: &str,
    ) -> std::io::Result<Option<Option<String>>> {
        reply(writer, &format!("334 {challenge}")).await?;
        Ok(read_line(reader)
            .await?
            .map(|l| (l.trim() != "*").then(|| l.trim().to_owned())))
    }

    match mechanism.as_str() {
        "PLAIN" => {
            let encoded = match initial {
                Some(i) => i,
                None => match response(reader, writer, "").await? {
                    None => return Ok(AuthOutcome::Eof),
                    Some(None) => return Ok(AuthOutcome::Cancelled),
                    Some(Some(r)) => r,
                },
            };
            // authzid \0 authcid \0 password
            let decoded = decode_base64(&encoded);
            let user = decoded
                .split(|&b| b == 0)
                .nth(1)
                .map(|u| String::from_utf8_lossy(u).into_owned())
                .unwrap_or_default();
            Ok(AuthOutcome::Ok(user))
        }
        "LOGIN" => {
            let user = match initial {
                Some(i) => i,
                None => match response(reader, writer, "VXNlcm5hbWU6").await? {
                    None => return Ok(AuthOutcome::Eof),
                    Some(None) => return Ok(AuthOutcome::Cancelled),
                    Some(Some(r)) => r,
                },
            };
            match response(reader, writer, "UGFzc3dvcmQ6").await? {
                None => Ok(AuthOutcome::Eof),
                Some(None) => Ok(AuthOutcome::Cancelled),
                Some(Some(_password)) => Ok(AuthOutcome::Ok(
                    String::from_utf8_lossy(&decode_base64(&user)).into_owned(),
                )),
            }
        }
        _ => Ok(AuthOutcome::Unsupported),
    }
}

async fn reply<W: AsyncWrite + Unpin>(writer: &mut W, text: &str) -> std::io::Result<()> {
    // One write per reply: split writes would meet Nagle + delayed ACK.
    writer.write_all(format!("{text}\r\n").as_bytes()).await?;
    writer.flush().await
}

/// One command line without its line ending; `None` at EOF.
async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = read_until_limited(reader, &mut buf, MAX_LINE).await?;
    if n == 0 {
        return Ok(None);
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Reads up to and including `\n`, but never more than `limit` bytes.
async fn read_until_limited<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(total);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let take = chunk.len().min(limit.saturating_sub(buf.len()));
        buf.extend_from_slice(&chunk[..take]);
        let consumed = chunk.len();
        reader.consume(consumed);
        total += consumed;
        if done {
            return Ok(total);
        }
    }
}

/// The DATA payload up to the lone "." line, dot-unstuffed; `None` at EOF.
async fn read_data<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(data));
        }
        let unstuffed = if line.first() == Some(&b'.') {
            &line[1..]
        } else {
            &line[..]
        };
        if data.len() <= MAX_MESSAGE {
            data.extend_from_slice(unstuffed);
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `<addr> PARAM=…` or `addr PARAM=…` -> `addr`.
fn parse_path(arg: &str) -> String {
    let arg = arg.trim_start();
    if let Some(rest) = arg.strip_prefix('<') {
        rest.split('>').next().unwrap_or_default().trim().to_owned()
    } else {
        arg.split_whitespace().next().unwrap_or_default().to_owned()
    }
}

// ---------------------------------------------------------------------------
// Message decoding
// ---------------------------------------------------------------------------

impl ReceivedMail {
    /// First header called `name` (case-insensitive), unfolded and trimmed,
    /// still RFC 2047-encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_entity(&self.data);
        header_in(head, name)
    }

    /// All headers called `name`, unfolded and trimmed.
    pub fn headers(&self, name: &str) -> Vec<String> {
        let (head, _) = split_entity(&self.data);
        unfolded_headers(head)
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }

    /// The Subject header, RFC 2047-decoded ("" when absent).
    pub fn subject(&self) -> String {
        self.header("Subject")
            .map(|s| decode_rfc2047(&s))
            .unwrap_or_default()
    }

    /// The text/plain part, transfer-decoded, with `\n` line endings.
    /// Panics (showing the raw message) when there is none.
    pub fn text_part(&self) -> String {
        self.find_part("text/plain")
            .unwrap_or_else(|| panic!("smtp sink: message has no text/plain part:\n{}", self.data))
    }

    /// The text/html part, transfer-decoded, with `\n` line endings.
    pub fn html_part(&self) -> Option<String> {
        self.find_part("text/html")
    }

    /// http(s) URLs found in the text part, in order.
    pub fn links(&self) -> Vec<String> {
        find_links(&self.text_part())
    }

    /// The first attached part of type `mime`, transfer-decoded.
    pub fn attachment(&self, mime: &str) -> Option<String> {
        let mut leaves = Vec::new();
        collect_leaves(&self.data, 0, &mut leaves);
        leaves
            .into_iter()
            .find(|leaf| leaf.mime == mime && leaf.attachment)
            .map(|leaf| leaf.decode())
    }

    fn find_part(&self, mime: &str) -> Option<String> {
        let mut leaves = Vec::new();
        collect_leaves(&self.data, 0, &mut leaves);
        leaves
            .into_iter()
            .find(|leaf| leaf.mime == mime && !leaf.attachment)
            .map(|leaf| leaf.decode())
    }
}

/// Splits an entity into its header block and its body.
fn split_entity(raw: &str) -> (&str, &str) {
    let crlf = raw.find("\r\n\r\n").map(|i| (i, 4));
    let lf = raw.find("\n\n").map(|i| (i, 2));
    let sep = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match sep {
        Some((i, len)) => (&raw[..i], &raw[i + len..]),
        // Headers only, or a body without headers.
        None if raw.starts_with("\r\n") => ("", &raw[2..]),
        None if raw.starts_with('\n') => ("", &raw[1..]),
        None => (raw, ""),
    }
}

/// `(name, value)` pairs with folded lines joined (CRLF removed, WSP kept).
fn unfolded_headers(head: &str) -> Vec<(String, String)> {
    let mut fields: Vec<String> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.push_str(line);
            }
        } else if !line.is_empty() {
            fields.push(line.to_owned());
        }
    }
    fields
        .into_iter()
        .filter_map(|f| {
            let (name, value) = f.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn header_in(head: &str, name: &str) -> Option<String> {
    unfolded_headers(head)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// `type/subtype` (lowercase) and its parameters (lowercase names, unquoted values).
fn parse_content_type(value: &str) -> (String, HashMap<String, String>) {
    let mut pieces = split_params(value).into_iter();
    let mime = pieces
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let params = pieces
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
                .unwrap_or_else(|| v.to_owned());
            Some((k.trim().to_ascii_lowercase(), v))
        })
        .collect();
    (mime, params)
}

/// Splits on `;` outside double quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

struct Leaf {
    mime: String,
    charset: String,
    encoding: String,
    attachment: bool,
    body: String,
}

impl Leaf {
    fn decode(&self) -> String {
        let bytes = match self.encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(self.body.as_bytes(), false),
            "base64" => decode_base64(&self.body),
            _ => self.body.as_bytes().to_vec(),
        };
        decode_charset(&self.charset, &bytes).replace("\r\n", "\n")
    }
}

/// Depth-first list of the non-multipart parts of `raw`.
fn collect_leaves(raw: &str, depth: usize, out: &mut Vec<Leaf>) {
    let (head, body) = split_entity(raw);
    let (mime, params) = header_in(head, "Content-Type")
        .map(|ct| parse_content_type(&ct))
        .unwrap_or_else(|| ("text/plain".to_owned(), HashMap::new()));

    if mime.starts_with("multipart/")
        && depth < 16
        && let Some(boundary) = params.get("boundary")
    {
        for part in split_multipart(body, boundary) {
            collect_leaves(&part, depth + 1, out);
        }
        return;
    }
    out.push(Leaf {
        charset: params
            .get("charset")
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_else(|| "us-ascii".to_owned()),
        mime,
        encoding: header_in(head, "Content-Transfer-Encoding")
            .unwrap_or_else(|| "7bit".to_owned())
            .to_ascii_lowercase(),
        attachment: header_in(head, "Content-Disposition").is_some_and(|d| {
            d.trim_start()
                .to_ascii_lowercase()
                .starts_with("attachment")
        }),
        body: body.to_owned(),
    });
}

/// Body parts between `--boundary` delimiter lines (preamble and epilogue dropped).
fn split_multipart(body: &str, boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<String> = None;
    for line in body.split_inclusive('\n') {
        let bare = line
            .trim_end_matches(['\r', '\n'])
            .trim_end_matches([' ', '\t']);
        if bare == close {
            parts.extend(current.take());
            break;
        }
        if bare == delimiter {
            parts.extend(current.take());
            current = Some(String::new());
            continue;
        }
        if let Some(part) = current.as_mut() {
            part.push_str(line);
        }
    }
    parts.extend(current);
    parts
        .into_iter()
        .map(|mut p| {
            // The line break before a delimiter belongs to the delimiter.
            if p.ends_with("\r\n") {
                p.truncate(p.len() - 2);
            } else if p.ends_with('\n') {
                p.truncate(p.len() - 1);
            }
            p
        })
        .collect()
}

fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    match charset {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252" => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Quoted-printable (RFC 2045); with `q_encoding`, the RFC 2047 "Q" variant
/// where `_` stands for a space.
fn decode_quoted_printable(input: &[u8], q_encoding: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'=' {
            // Soft line break: "=" followed by optional whitespace then a line ending.
            let mut j = i + 1;
            while j < input.len() && matches!(input[j], b' ' | b'\t') {
                j += 1;
            }
            if input.get(j) == Some(&b'\r') && input.get(j + 1) == Some(&b'\n') {
                i = j + 2;
                continue;
            }
            if input.get(j) == Some(&b'\n') {
                i = j + 1;
                continue;
            }
            if let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex_value),
                input.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push((h << 4) | l);
                i += 3;
                continue;
            }
            out.push(b'=');
        } else if q_encoding && b == b'_' {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// Standard base64 (padding optional, whitespace and junk ignored).
fn decode_base64(input: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in input.as_bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Parses `=?charset?B|Q?text?=`, returning the charset and the raw bytes.
fn parse_encoded_word(word: &str) -> Option<(String, Vec<u8>)> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut it = inner.splitn(3, '?');
    let charset = it.next()?;
    let encoding = it.next()?;
    let text = it.next()?;
    if text.contains('?') && !encoding.eq_ignore_ascii_case("b") {
        return None;
    }
    // RFC 2231 language suffix: charset*lang.
    let charset = charset.split('*').next()?.to_ascii_lowercase();
    let bytes = if encoding.eq_ignore_ascii_case("b") {
        decode_base64(text)
    } else if encoding.eq_ignore_ascii_case("q") {
        decode_quoted_printable(text.as_bytes(), true)
    } else {
        return None;
    };
    Some((charset, bytes))
}

/// RFC 2047 decoding of an unstructured header value: encoded words are
/// decoded (adjacent ones concatenated, the whitespace between them dropped),
/// everything else is kept verbatim.
fn decode_rfc2047(value: &str) -> String {
    let mut out = String::new();
    // Bytes of consecutive encoded words sharing a charset, decoded together
    // so that multi-byte characters split across words survive.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let flush = |pending: &mut Option<(String, Vec<u8>)>, out: &mut String| {
        if let Some((charset, bytes)) = pending.take() {
            out.push_str(&decode_charset(&charset, &bytes));
        }
    };

    let mut rest = value;
    let mut prev_encoded = false;
    while !rest.is_empty() {
        let ws_len = rest.len() - rest.trim_start().len();
        let ws = &rest[..ws_len];
        rest = &rest[ws_len..];
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_len];
        rest = &rest[word_len..];

        match parse_encoded_word(word) {
            Some((charset, bytes)) => {
                if !prev_encoded {
                    out.push_str(ws);
                }
                match pending.as_mut() {
                    Some((c, buf)) if *c == charset => buf.extend(bytes),
                    _ => {
                        flush(&mut pending, &mut out);
                        pending = Some((charset, bytes));
                    }
                }
                prev_encoded = true;
            }
            None => {
                flush(&mut pending, &mut out);
                out.push_str(ws);
                out.push_str(word);
                prev_encoded = false;
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// http(s) URLs: stop at whitespace, `<`, `>` or `"`; trailing sentence
/// punctuation and unbalanced closing parentheses are trimmed.
fn find_links(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut links = Vec::new();
    let mut pos = 0;
    while let Some(found) = ["http://", "https://"]
        .iter()
        .filter_map(|s| lower[pos..].find(s).map(|i| (pos + i, s.len())))
        .min_by_key(|&(start, _)| start)
    {
        let (start, scheme_len) = found;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(rest.len());
        let mut url = &rest[..end];
        while let Some(last) = url.chars().last() {
            let trim = match last {
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' => true,
                ')' => url.matches('(').count() < url.matches(')').count(),
                _ => false,
            };
            if !trim {
                break;
            }
            url = &url[..url.len() - last.len_utf8()];
        }
        if url.len() > scheme_len {
            links.push(url.to_owned());
        }
        pos = start + end.max(scheme_len);
    }
    links
}

// ---------------------------------------------------------------------------
// Self-tests
// ---------------------------------------------------------------------------

#[test]
fn sink_decodes_rfc2047() {
    assert_eq!(decode_rfc2047("Hello world"), "Hello world");
    assert_eq!(
        decode_rfc2047(
            "=?utf-8?b?VsOpcmlmaWV6?= votre adresse courriel =?utf-8?b?4oCU?=  Passerelles"
        ),
        "Vérifiez votre adresse courriel —  Passerelles"
    );
    assert_eq!(
        decode_rfc2047("=?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?= =?utf-8?q?_br=C3=BBl=C3=A9e?="),
        "Café crème brûlée"
    );
    // A multi-byte character split across two encoded words.
    assert_eq!(
        decode_rfc2047("=?utf-8?q?=C3?=\r\n =?utf-8?q?=A9t=C3=A9?="),
        "été"
    );
    assert_eq!(decode_rfc2047("=?iso-8859-1?q?=E9t=E9?="), "été");
    assert_eq!(
        decode_rfc2047("not =?an encoded word"),
        "not =?an encoded word"
    );
}

#[test]
fn sink_parses_multipart_message() {
    let raw = "From: a@b.c\r\nSubject: =?utf-8?q?=C3=89t=C3=A9?=\r\nContent-Type: multipart/alternative;\r\n boundary=\"XyZ\"\r\n\r\npreamble\r\n--XyZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nVoir https://x.test/a?b=3Dc=\r\n&d=3De.\r\n\r\n=C3=80 bient=C3=B4t\r\n--XyZ\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+w4l0w6k8L3A+\r\n--XyZ--\r\nepilogue\r\n";
    let mail = ReceivedMail {
        from: "a@b.c".into(),
        to: vec!["x@y.z".into()],
        data: raw.into(),
        auth_user: None,
    };
    assert_eq!(mail.subject(), "Été");
    assert_eq!(
        mail.header("content-type").as_deref(),
        Some("multipart/alternative; boundary=\"XyZ\"")
    );
    assert_eq!(
        mail.text_part(),
        "Voir https://x.test/a?b=c&d=e.\n\nÀ bientôt"
    );
    assert_eq!(mail.html_part().as_deref(), Some("<p>Été</p>"));
    assert_eq!(mail.links(), vec!["https://x.test/a?b=c&d=e"]);

    let plain = ReceivedMail {
        data: "Subject: hi\r\n\r\nplain body http://a.test/(x) (http://b.test/y)\r\n".into(),
        ..mail
    };
    assert_eq!(plain.html_part(), None);
    assert_eq!(
        plain.text_part(),
        "plain body http://a.test/(x) (http://b.test/y)\n"
    );
    assert_eq!(plain.links(), vec!["http://a.test/(x)", "http://b.test/y"]);
}

#[tokio::test]
async fn sink_speaks_raw_smtp() {
    let sink = SmtpSink::start().await;
    let stream = TcpStream::connect(sink.addr()).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);

    async fn expect<R: AsyncRead + Unpin>(r: &mut BufReader<R>, code: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = read_line(r).await.unwrap().expect("server closed");
            let last = line.as_bytes().get(3) != Some(&b'-');
            assert!(line.starts_with(code), "expected {code}, got {line:?}");
            lines.push(line);
            if last {
                return lines;
            }
        }
    }
    async fn send<W: AsyncWrite + Unpin>(w: &mut W, line: &str) {
        w.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    expect(&mut r, "220").await;
    send(&mut w, "EHLO client.test").await;
    let ehlo = expect(&mut r, "250").await;
    assert!(ehlo.iter().any(|l| l.contains("AUTH PLAIN LOGIN")));
    assert!(!ehlo.iter().any(|l| l.contains("STARTTLS")));
    send(&mut w, "NOOP").await;
    expect(&mut r, "250").await;
    send(&mut w, "FROB nicate").await;
    expect(&mut r, "500").await;
    send(&mut w, "RCPT TO:<early@x.test>").await;
    expect(&mut r, "503").await;
    send(&mut w, "AUTH LOGIN").await;
    expect(&mut r, "334").await;
    send(&mut w, "dXNlcg==").await; // "user"
    expect(&mut r, "334").await;
    send(&mut w, "cGFzcw==").await;
    expect(&mut r, "235").await;

    // An aborted transaction leaves nothing behind.
    send(&mut w, "MAIL FROM:<discard@x.test>").await;
    expect(&mut r, "250").await;
    send(&mut w, "RCPT TO:<discard@x.test>").await;
    expect(&mut r, "250").await;
    send(&mut w, "RSET").await;
    expect(&mut r, "250").await;
    send(&mut w, "DATA").await;
    expect(&mut r, "503").await;

    send(&mut w, "MAIL FROM:<sender@x.test> BODY=8BITMIME").await;
    expect(&mut r, "250").await;
    send(&mut w, "RCPT TO:<One@X.test>").await;
    expect(&mut r, "250").await;
    send(&mut w, "rcpt to:<two@x.test>").await;
    expect(&mut r, "250").await;
    send(&mut w, "DATA").await;
    expect(&mut r, "354").await;
    w.write_all(b"Subject: dots\r\n\r\n..leading dot\r\n.\r\n")
        .await
        .unwrap();
    expect(&mut r, "250").await;
    send(&mut w, "QUIT").await;
    expect(&mut r, "221").await;

    let mail = sink.wait_for("two@x.test").await;
    assert_eq!(mail.from, "sender@x.test");
    assert_eq!(mail.to, vec!["One@X.test", "two@x.test"]);
    assert_eq!(mail.data, "Subject: dots\r\n\r\n.leading dot\r\n");
    assert_eq!(mail.auth_user.as_deref(), Some("user"));
    assert_eq!(mail.text_part(), ".leading dot\n");
    // Taken once per recipient: the other recipient still gets it.
    assert_eq!(sink.wait_for("Someone <one@x.test>").await, mail);
    assert_eq!(sink.all().len(), 1);

    // A second session: HELO, AUTH PLAIN with an initial response, then a
    // message whose body contains a lone dot line (stuffed by the client).
    let stream = TcpStream::connect(sink.addr()).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    expect(&mut r, "220").await;
    send(&mut w, "HELO client.test").await;
    expect(&mut r, "250").await;
    send(&mut w, "AUTH PLAIN AGFsaWNlAHNlY3JldA==").await; // \0alice\0secret
    expect(&mut r, "235").await;
    send(&mut w, "AUTH PLAIN").await;
    expect(&mut r, "503").await;
    send(&mut w, "MAIL FROM:<>").await;
    expect(&mut r, "250").await;
    send(&mut w, "RCPT TO:<one@x.test>").await;
    expect(&mut r, "250").await;
    send(&mut w, "DATA").await;
    expect(&mut r, "354").await;
    w.write_all(b"Subject: second\r\n\r\nline\r\n..\r\nend\r\n.\r\n")
        .await
        .unwrap();
    expect(&mut r, "250").await;
    drop(w); // hang up without QUIT
    let second = sink.wait_for("one@x.test").await;
    assert_eq!(second.from, "");
    assert_eq!(second.auth_user.as_deref(), Some("alice"));
    assert_eq!(second.subject(), "second");
    assert_eq!(second.text_part(), "line\n.\nend\n");
    assert_eq!(sink.all().len(), 2);
}

#[tokio::test]
async fn sink_receives_lettre_message() {
    use passerelles::mail::{Mailer, OutgoingMail, SmtpConfig, SmtpSecurity};

    let sink = SmtpSink::start().await;
    let outbox = std::env::temp_dir().join("passerelles-sink-test-unused-outbox");
    let config = SmtpConfig {
        host: Some("127.0.0.1".to_owned()),
        port: Some(sink.port),
        security: SmtpSecurity::None,
        timeout_secs: 5,
        ..SmtpConfig::default()
    };
    let mailer = Mailer::new(&config, outbox.clone()).unwrap();
    assert!(mailer.is_smtp());

    let subject = "Vérifiez votre adresse courriel — « Passerelles » : étape 1 sur 2, c'est déjà presque fini";
    let text = "Bonjour Gaëlle,\n\nPour confirmer votre adresse, ouvrez ce lien :\nhttps://passerelles.test/courriel/verifier?jeton=3f9a_c0ffee&lang=fr-CA.\n\nÀ bientôt sur Passerelles!\n";
    let html = "<p>Bonjour Gaëlle,</p>\n<p><a href=\"https://passerelles.test/courriel/verifier?jeton=3f9a_c0ffee&amp;lang=fr-CA\">Vérifier mon adresse</a></p>\n";
    mailer
        .send(&OutgoingMail {
            attachments: Vec::new(),
            to: "Gaëlle Côté <gaelle@example.org>".to_owned(),
            subject: subject.to_owned(),
            text: text.to_owned(),
            html: Some(html.to_owned()),
            lang: "fr-CA".to_owned(),
            headers: Vec::new(),
        })
        .await
        .unwrap();

    let got = sink.wait_for("gaelle@example.org").await;
    assert_eq!(got.from, "noreply@localhost");
    assert_eq!(got.to, vec!["gaelle@example.org"]);
    assert_eq!(got.auth_user, None);
    assert!(got.data.is_ascii(), "{}", got.data);
    assert_eq!(got.subject(), subject);
    assert_eq!(got.text_part().trim_end(), text.trim_end());
    assert_eq!(got.html_part().unwrap().trim_end(), html.trim_end());
    assert_eq!(
        got.links(),
        vec!["https://passerelles.test/courriel/verifier?jeton=3f9a_c0ffee&lang=fr-CA"]
    );
    assert_eq!(got.header("content-language").as_deref(), Some("fr-CA"));
    assert_eq!(
        got.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(got.header("Date").is_some());
    assert!(got.header("Message-ID").is_some());
    assert!(got.header("From").unwrap().contains("<noreply@localhost>"));
    assert!(got.header("To").unwrap().contains("<gaelle@example.org>"));
    assert!(
        got.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );

    // Plain-text only, English, through AUTH.
    let with_auth = Mailer::new(
        &SmtpConfig {
            username: Some("relay-user".to_owned()),
            password: Some("relay-pass".to_owned()),
            from: "Équipe Passerelles <equipe@passerelles.test>".to_owned(),
            ..config.clone()
        },
        outbox,
    )
    .unwrap();
    with_auth
        .send(&OutgoingMail {
            attachments: Vec::new(),
            to: "bob@example.org".to_owned(),
            subject: "Reset your password".to_owned(),
            text: "Open http://localhost:8080/reset?t=abc (valid 1 hour).\n".to_owned(),
            html: None,
            lang: "en".to_owned(),
            headers: Vec::new(),
        })
        .await
        .unwrap();
    let got = sink.wait_for("BOB@example.org").await;
    assert_eq!(got.from, "equipe@passerelles.test");
    assert_eq!(got.auth_user.as_deref(), Some("relay-user"));
    assert_eq!(got.subject(), "Reset your password");
    assert_eq!(got.html_part(), None);
    // lettre ends a single-part body with an extra CRLF: compare trimmed.
    assert_eq!(
        got.text_part().trim_end(),
        "Open http://localhost:8080/reset?t=abc (valid 1 hour)."
    );
    assert_eq!(got.links(), vec!["http://localhost:8080/reset?t=abc"]);
    assert_eq!(got.header("Content-Language").as_deref(), Some("en"));
    assert!(
        got.header("Content-Type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(sink.all().len(), 2);

    // An unreachable server is a retryable transport error.
    drop(sink);
    let dead = Mailer::new(
        &SmtpConfig {
            port: Some(1),
            ..config
        },
        std::env::temp_dir(),
    )
    .unwrap();
    let err = dead
        .send(&OutgoingMail {
            attachments: Vec::new(),
            to: "x@example.org".to_owned(),
            subject: "x".to_owned(),
            text: "x".to_owned(),
            html: None,
            lang: "en".to_owned(),
            headers: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, passerelles::mail::MailError::Transport(_)),
        "{err:?}"
    );
}
