//! Inbound mail: the small SMTP listener `serve` runs when
//! `[inbound_mail] enabled` and `listen` are set (RFC 5321, the subset a
//! relaying mail server uses: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT; no TLS, no AUTH — put it on a private address behind the
//! instance's mail server). Only reply addresses of this instance are
//! accepted at RCPT (`550 5.1.1` otherwise), so it relays nothing. Each
//! message goes to `notifications::inbound::receive`, and its outcome is
//! the answer to DATA: `250` when the reply is published, `550` with the
//! reason when refused (forged sender, thread no longer visible…), `451`
//! to try later. `passerelles mail-in` is the same for a pipe or a maildir.

use std::sync::Arc;
use std::time::Duration;

use passerelles_core::notifications::inbound::{self, Outcome};
use passerelles_core::notifications::unsubscribe::Signer;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::state::AppState;

/// Sessions served at once; more wait for a free one.
const SESSIONS: usize = 32;
/// Longest command line (RFC 5321 §4.5.3.1.4 says 512).
const LINE: u64 = 2048;
/// Silence allowed between two lines.
const IDLE: Duration = Duration::from_secs(120);
/// Recipients in one transaction.
const RECIPIENTS: usize = 20;

/// Accept sessions until `stop` turns true.
pub async fn listen(
    state: AppState,
    listener: TcpListener,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(SESSIONS));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = session(&state, stream).await {
                tracing::debug!(%peer, error = %e, "inbound SMTP session ended");
            }
            drop(slot);
        });
    }
}

async fn reply(w: &mut (impl AsyncWriteExt + Unpin), line: &str) -> std::io::Result<()> {
    w.write_all(line.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}

/// One line (without its end), `None` at the end of the stream; an error
/// after `IDLE` of silence.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let n = tokio::time::timeout(IDLE, (&mut *r).take(limit).read_until(b'\n', buf))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(None);
    }
    let complete = buf.ends_with(b"\n");
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(complete))
}

/// The address inside `FROM:<…>` / `TO:<…>`.
fn path_of(arg: &str) -> Option<String> {
    let (_, rest) = arg.split_once(':')?;
    let rest = rest.trim();
    let inner = match rest.strip_prefix('<') {
        Some(r) => r.split('>').next()?,
        None => rest.split_whitespace().next().unwrap_or(""),
    };
    Some(inner.trim().to_string())
}

async fn session(state: &AppState, stream: TcpStream) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let host = state
        .config
        .reply_domain()
        .unwrap_or_else(|| "localhost".into());
    let max = state.config.inbound_mail.max_bytes;
    reply(&mut w, &format!("220 {host} Passerelles ESMTP")).await?;
    let signer = match Signer::load(&state.db).await {
        Ok(s) => s,
        Err(_) => {
            reply(&mut w, "421 4.3.0 service not available, try later").await?;
            return Ok(());
        }
    };
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    let mut line = Vec::new();
    let mut errors = 0;
    loop {
        let Some(complete) = read_line(&mut r, &mut line, LINE).await? else {
            return Ok(());
        };
        if !complete {
            reply(&mut w, "500 5.5.2 line too long").await?;
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).to_string();
        let (verb, arg) = text
            .split_once(' ')
            .map(|(v, a)| (v.to_ascii_uppercase(), a.trim().to_string()))
            .unwrap_or_else(|| (text.trim().to_ascii_uppercase(), String::new()));
        match verb.as_str() {
            "EHLO" => {
                from = None;
                rcpts.clear();
                reply(
                    &mut w,
                    &format!(
                        "250-{host}\r\n250-8BITMIME\r\n250-SIZE {max}\r\n250 ENHANCEDSTATUSCODES"
                    ),
                )
                .await?
            }
            "HELO" => {
                from = None;
                rcpts.clear();
                reply(&mut w, &format!("250 {host}")).await?
            }
            "MAIL" => match path_of(&arg) {
                Some(p) if arg.to_ascii_uppercase().starts_with("FROM:") => {
                    from = Some(p);
                    rcpts.clear();
                    reply(&mut w, "250 2.1.0 ok").await?
                }
                _ => reply(&mut w, "501 5.5.4 syntax: MAIL FROM:<address>").await?,
            },
            "RCPT" => {
                let path = path_of(&arg).filter(|_| arg.to_ascii_uppercase().starts_with("TO:"));
                match (&from, path) {
                    (None, _) => reply(&mut w, "503 5.5.1 MAIL first").await?,
                    (_, None) => reply(&mut w, "501 5.5.4 syntax: RCPT TO:<address>").await?,
                    (Some(_), Some(_)) if rcpts.len() >= RECIPIENTS => {
                        reply(&mut w, "452 4.5.3 too many recipients").await?
                    }
                    (Some(_), Some(to)) => {
                        if inbound::verify(&signer, &host, &to).is_some() {
                            rcpts.push(to.to_ascii_lowercase());
                            reply(&mut w, "250 2.1.5 ok").await?
                        } else {
                            errors += 1;
                            let (code, status, reason) = inbound::Refusal::UnknownAddress.smtp();
                            reply(&mut w, &format!("{code} {status} {reason}")).await?
                        }
                    }
                }
            }
            "DATA" => {
                if rcpts.is_empty() {
                    reply(&mut w, "503 5.5.1 RCPT first").await?;
                    continue;
                }
                reply(&mut w, "354 end data with <CR><LF>.<CR><LF>").await?;
                let mut data: Vec<u8> = Vec::new();
                let mut too_large = false;
                loop {
                    let Some(_) = read_line(&mut r, &mut line, 1 << 20).await? else {
                        return Ok(());
                    };
                    if line == b"." {
                        break;
                    }
                    let content = line.strip_prefix(b".").unwrap_or(&line);
                    if data.len() + content.len() + 2 > max {
                        too_large = true;
                        continue;
                    }
                    data.extend_from_slice(content);
                    data.extend_from_slice(b"\r\n");
                }
                let answer = if too_large {
                    let (code, status, reason) = inbound::Refusal::TooLarge.smtp();
                    format!("{code} {status} {reason}")
                } else {
                    match inbound::receive(state, &data, &rcpts).await {
                        Ok((Outcome::Replied { reply_id, .. }, _)) => {
                            format!("250 2.0.0 reply {reply_id} published")
                        }
                        Ok((Outcome::Duplicate, _)) => "250 2.0.0 already received".to_string(),
                        Ok((Outcome::Refused(r), _)) => {
                            let (code, status, reason) = r.smtp();
                            format!("{code} {status} {reason}")
                        }
                        Ok((Outcome::Later(why), _)) => {
                            tracing::info!(reason = %why, "inbound reply deferred");
                            "451 4.3.0 try again later".to_string()
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "inbound reply failed");
                            "451 4.3.0 try again later".to_string()
                        }
                    }
                };
                from = None;
                rcpts.clear();
                reply(&mut w, &answer).await?
            }
            "RSET" => {
                from = None;
                rcpts.clear();
                reply(&mut w, "250 2.0.0 ok").await?
            }
            "NOOP" => reply(&mut w, "250 2.0.0 ok").await?,
            "VRFY" => reply(&mut w, "252 2.5.0 cannot verify").await?,
            "QUIT" => {
                reply(&mut w, &format!("221 2.0.0 {host} closing")).await?;
                return Ok(());
            }
            _ => {
                errors += 1;
                reply(&mut w, "500 5.5.2 command not recognised").await?
            }
        }
        if errors > 20 {
            reply(&mut w, "421 4.7.0 too many errors").await?;
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn paths_are_read() {
        assert_eq!(path_of("FROM:<a@b.c> SIZE=10").as_deref(), Some("a@b.c"));
        assert_eq!(path_of("TO: <r@x>").as_deref(), Some("r@x"));
        assert_eq!(path_of("FROM:<>").as_deref(), Some(""));
        assert_eq!(path_of("nothing"), None);
    }
}
