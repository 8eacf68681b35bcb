//! The e-mails Passerelles sends, composed in the recipient's language with
//! a plain-text part (the reference) and a simple HTML part derived from it.

use crate::i18n::{Arg, Lang};
use crate::web::AppState;

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
}
