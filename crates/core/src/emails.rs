//! The e-mails Passerelles sends, composed in the recipient's language with
//! a plain-text part (the reference) and a simple HTML part derived from it.

use crate::accounts::User;
use crate::i18n::{Arg, Lang};
use crate::state::AppState;

pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `<kind>-subject` and `<kind>-body` from the translation files.
pub fn compose(lang: Lang, kind: &str, args: &[(&'static str, Arg)]) -> Composed {
    let subject = lang.ta(&format!("mail-{kind}-subject"), args);
    let body = lang.ta(&format!("mail-{kind}-body"), args);
    let signature = lang.ta("mail-signature", args);
    let text = format!("{body}\n\n-- \n{signature}\n");
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:36em\">",
    );
    for para in body.split("\n\n") {
        html.push_str("<p>");
        for (i, line) in para.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            html.push_str(&linkify(line));
        }
        html.push_str("</p>");
    }
    html.push_str(&format!(
        "<p style=\"color:#555\">{}</p></body></html>",
        escape(&signature)
    ));
    Composed {
        subject,
        text,
        html,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn linkify(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            if w.starts_with("https://") || w.starts_with("http://") {
                let e = escape(w);
                format!("<a href=\"{e}\">{e}</a>")
            } else {
                escape(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Queue a `mail-<kind>` message with, when `reason` is not empty, a last
/// paragraph before the signature: the `intro_key` sentence, then the reason
/// (a refusal's, a removal's) as the deciding person typed it.
pub async fn send_with_reason(
    state: &AppState,
    to: &str,
    lang: Lang,
    kind: &str,
    args: &[(&'static str, Arg)],
    intro_key: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    if reason.is_empty() {
        return send(state, to, lang, kind, args).await;
    }
    let mut args = args.to_vec();
    args.push(("instance", Arg::Str(state.instance_name())));
    let c = compose(lang, kind, &args);
    let intro = lang.t(intro_key);
    let text = match c.text.find("\n\n-- \n") {
        Some(i) => format!("{}\n\n{intro}\n{reason}{}", &c.text[..i], &c.text[i..]),
        None => format!("{}\n\n{intro}\n{reason}\n", c.text),
    };
    let para = format!(
        "<p>{}<br>{}</p>",
        escape(&intro),
        escape(reason).replace('\n', "<br>")
    );
    let html = match c.html.rfind("<p style=") {
        Some(i) => format!("{}{para}{}", &c.html[..i], &c.html[i..]),
        None => c.html,
    };
    state.send_mail(to, lang, c.subject, text, Some(html)).await
}

/// Queue one composed e-mail.
pub async fn send(
    state: &AppState,
    to: &str,
    lang: Lang,
    kind: &str,
    args: &[(&'static str, Arg)],
) -> Result<(), sqlx::Error> {
    let mut args = args.to_vec();
    args.push(("instance", Arg::Str(state.instance_name())));
    let c = compose(lang, kind, &args);
    state
        .send_mail(to, lang, c.subject, c.text, Some(c.html))
        .await
}

/// Security notices: a way to sign in to the account changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    PasskeyAdded,
    PasskeyRemoved,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodes,
    PasswordChanged,
}

impl Notice {
    /// The message kind: `mail-<kind>-subject` / `mail-<kind>-body`.
    pub fn kind(self) -> &'static str {
        match self {
            Notice::PasskeyAdded => "security-passkey-added",
            Notice::PasskeyRemoved => "security-passkey-removed",
            Notice::TotpEnabled => "security-totp-enabled",
            Notice::TotpDisabled => "security-totp-disabled",
            Notice::RecoveryCodes => "security-recovery-codes",
            Notice::PasswordChanged => "security-password-changed",
        }
    }
}

/// The arguments of a security notice: who, when, from which device, and
/// where to act if it was not them.
pub fn notice_args(
    state: &AppState,
    user: &User,
    user_agent: &str,
    when: i64,
    passkey: &str,
) -> Vec<(&'static str, Arg)> {
    let lang = user.lang();
    vec![
        ("name", Arg::from(user.shown_name())),
        ("date", Arg::from(crate::i18n::format_datetime(lang, when))),
        (
            "device",
            Arg::from(crate::useragent::label(lang, user_agent)),
        ),
        ("passkey", Arg::from(passkey)),
        ("link", Arg::from(state.url("/settings/security"))),
        ("reset", Arg::from(state.url("/password/forgot"))),
    ]
}

/// Tell the account's address that one of its sign-in factors changed
/// (`passkey`: the passkey's name, for those notices). Best effort: the
/// change is made already, so an account without an address, or a queue
/// that fails, is logged and never fails the action.
pub async fn security_notice(
    state: &AppState,
    user: &User,
    notice: Notice,
    user_agent: &str,
    passkey: &str,
) {
    let Some(to) = user.email.as_deref().filter(|e| !e.is_empty()) else {
        return;
    };
    let args = notice_args(state, user, user_agent, crate::db::now(), passkey);
    if let Err(e) = send(state, to, user.lang(), notice.kind(), &args).await {
        tracing::warn!(user = user.id, kind = notice.kind(), error = %e, "security notice not queued");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_and_links() {
        let args = [
            ("name", Arg::from("Élodie")),
            (
                "link",
                Arg::from("https://p.example/verify-email?token=a<b"),
            ),
            ("instance", Arg::from("Passerelles")),
        ];
        let fr = compose(Lang::Fr, "verify", &args);
        let en = compose(Lang::En, "verify", &args);
        assert_ne!(fr.subject, en.subject);
        assert!(
            fr.text.contains("Élodie")
                && fr.text.contains("https://p.example/verify-email?token=a<b")
        );
        assert!(
            fr.html
                .contains("<a href=\"https://p.example/verify-email?token=a&lt;b\">")
        );
        assert!(!fr.html.contains("a<b"), "HTML part is escaped");
    }

    #[test]
    fn security_notices_name_the_change_the_time_and_the_device() {
        let all = [
            Notice::PasskeyAdded,
            Notice::PasskeyRemoved,
            Notice::TotpEnabled,
            Notice::TotpDisabled,
            Notice::RecoveryCodes,
            Notice::PasswordChanged,
        ];
        let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        for lang in Lang::ALL {
            let args = [
                ("name", Arg::from("Élodie")),
                (
                    "date",
                    Arg::from(crate::i18n::format_datetime(lang, 1_782_923_400)),
                ),
                ("device", Arg::from(crate::useragent::label(lang, ua))),
                ("passkey", Arg::from("Téléphone")),
                ("link", Arg::from("https://p.example/settings/security")),
                ("reset", Arg::from("https://p.example/password/forgot")),
                ("instance", Arg::from("Passerelles")),
            ];
            let mut subjects = Vec::new();
            for n in all {
                let c = compose(lang, n.kind(), &args);
                assert!(!c.subject.starts_with("mail-"), "{lang:?} {n:?} subject");
                assert!(c.text.contains("Élodie"), "{lang:?} {n:?}");
                let (date, device) = match lang {
                    Lang::Fr => ("1 juillet 2026 à 12 h 30", "Firefox sur Linux"),
                    Lang::En => ("July 1, 2026 at 12:30 p.m.", "Firefox on Linux"),
                };
                assert!(c.text.contains(date), "{lang:?} {n:?}: {}", c.text);
                assert!(c.text.contains(device), "{lang:?} {n:?}: {}", c.text);
                assert!(
                    c.html
                        .contains("<a href=\"https://p.example/settings/security\">"),
                    "{lang:?} {n:?}: the security settings, linked"
                );
                if matches!(n, Notice::PasskeyAdded | Notice::PasskeyRemoved) {
                    assert!(c.text.contains("Téléphone"), "{lang:?} {n:?}");
                }
                if n == Notice::PasswordChanged {
                    assert!(c.text.contains("https://p.example/password/forgot"));
                }
                subjects.push(c.subject);
            }
            subjects.sort();
            subjects.dedup();
            assert_eq!(subjects.len(), all.len(), "one subject per change");
        }
        assert_ne!(
            compose(Lang::Fr, Notice::TotpDisabled.kind(), &[]).subject,
            compose(Lang::En, Notice::TotpDisabled.kind(), &[]).subject
        );
    }
}
