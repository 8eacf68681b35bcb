//! Importing an existing subscriber list from a CSV file, with a report
//! line by line. The file: one address per line in the first column, an
//! optional language (`fr-CA`, `en`) in the second; comma or semicolon
//! separated (the separator of the first line), RFC 4180 quotes, a header
//! line is recognised by its first field holding no `@`.
//!
//! Imported addresses are `pending` and get the double opt-in e-mail,
//! unless the editor attests the people consented before: then they are
//! active, and the attestation is the consent record (Law 25: the date
//! given, source `import-attested`, the wording they agreed to, how it
//! was obtained, who attested). Someone who unsubscribed is never put back
//! by an import.

use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::state::AppState;

use super::Access;

/// Lines read from one file, at most.
pub const MAX_LINES: usize = 5000;
/// Bytes of one file, at most.
pub const MAX_BYTES: usize = 1024 * 1024;

/// One record of the file: its line number (1-based, where it starts)
/// and its fields, unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Read CSV text into records (RFC 4180 quoting; `,` or `;` as found on
/// the first line; CR LF or LF; empty lines skipped). Never fails: a
/// missing closing quote ends the field at the end of the input.
pub fn parse(input: &str) -> Vec<Record> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first = input.lines().next().unwrap_or("");
    let sep = if first.matches(';').count() > first.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = input.chars().peekable();
    let mut push_record = |fields: &mut Vec<String>, field: &mut String, start: usize| {
        fields.push(std::mem::take(field));
        let r = std::mem::take(fields);
        if !(r.len() == 1 && r[0].trim().is_empty()) {
            out.push(Record {
                line: start,
                fields: r,
            });
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            c if c == sep => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                push_record(&mut fields, &mut field, start);
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        push_record(&mut fields, &mut field, start);
    }
    out
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineReport {
    pub line: usize,
    pub email: String,
    /// A message key: `newsletter-import-added`, `…-confirm-sent`,
    /// `…-already`, `…-unsubscribed`, `…-invalid`, `…-duplicate`,
    /// `…-too-many`.
    pub outcome: &'static str,
}

/// The editor's attestation that the people on the list consented before.
#[derive(Debug, Clone, Default)]
pub struct Attestation {
    /// When they consented (unix time).
    pub consented_at: i64,
    /// How it was obtained (a form at an event, a paper sign-up sheet…).
    pub source: String,
    /// The words they agreed to.
    pub wording: String,
}

fn invalid(field: &str, key: &str) -> AppError {
    AppError::Invalid {
        fields: vec![(field.to_string(), key.to_string())],
    }
}

/// Import `csv` into the list. Editors only. With `attest`, the
/// addresses become active with that consent record; without, each new
/// address is sent the confirmation e-mail in its language.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    csv: &str,
    attest: Option<&Attestation>,
) -> AppResult<Vec<LineReport>> {
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    if csv.len() > MAX_BYTES {
        return Err(invalid("file", "newsletter-import-error-size"));
    }
    if let Some(at) = attest {
        if at.source.trim().is_empty() || at.source.chars().count() > 500 {
            return Err(invalid("source", "newsletter-import-error-source"));
        }
        if at.wording.trim().is_empty() || at.wording.chars().count() > 2000 {
            return Err(invalid("wording", "newsletter-import-error-wording"));
        }
        if at.consented_at <= 0 || at.consented_at > now() + 86400 {
            return Err(invalid("consented_on", "newsletter-import-error-date"));
        }
    }
    let records = parse(csv);
    if records.is_empty() {
        return Err(invalid("file", "newsletter-import-error-empty"));
    }
    let mut report = Vec::with_capacity(records.len());
    let mut seen = std::collections::HashSet::new();
    let mut confirmations: Vec<(String, Lang, String)> = Vec::new();
    let mut tx = state.db.begin().await?;
    let t = now();
    for (i, r) in records.iter().enumerate() {
        let raw = r.fields.first().map(|f| f.trim()).unwrap_or("");
        if i == 0 && !raw.contains('@') {
            continue; // a header line
        }
        let email = raw.to_lowercase();
        if report.len() >= MAX_LINES {
            report.push(LineReport {
                line: r.line,
                email,
                outcome: "newsletter-import-too-many",
            });
            break;
        }
        let outcome = if !super::ops::valid_email(&email) {
            "newsletter-import-invalid"
        } else if !seen.insert(email.clone()) {
            "newsletter-import-duplicate"
        } else {
            let lang = r
                .fields
                .get(1)
                .and_then(|l| Lang::from_code(l.trim()))
                .unwrap_or_default();
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT status FROM newsletter_subscribers WHERE list_id = $1 AND email = $2",
            )
            .bind(a.list.id)
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
            match existing.as_deref() {
                Some("unsubscribed") => "newsletter-import-unsubscribed",
                Some("active") => "newsletter-import-already",
                Some(_) if attest.is_none() => "newsletter-import-already",
                Some(_) | None => match attest {
                    Some(at) => {
                        sqlx::query(
                            "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_at, consent_source, \
                             consent_wording, consent_note, consent_by, created_at) \
                             VALUES ($1, $2, 'active', $3, $4, 'import-attested', $5, $6, $7, $8) \
                             ON CONFLICT (list_id, email) DO UPDATE SET status = 'active', consent_at = $4, \
                             consent_source = 'import-attested', consent_wording = $5, consent_note = $6, consent_by = $7, \
                             confirm_hash = NULL WHERE newsletter_subscribers.status = 'pending'",
                        )
                        .bind(a.list.id)
                        .bind(&email)
                        .bind(lang.code())
                        .bind(at.consented_at)
                        .bind(at.wording.trim())
                        .bind(at.source.trim())
                        .bind(actor.audit_id())
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                        "newsletter-import-added"
                    }
                    None => {
                        let token = hex::encode(rand::random::<[u8; 24]>());
                        let wording = lang.ta(
                            "newsletter-consent-label",
                            &[("name", Arg::Str(a.list.name.clone()))],
                        );
                        sqlx::query(
                            "INSERT INTO newsletter_subscribers (list_id, email, status, lang, confirm_hash, confirm_expires_at, \
                             consent_source, consent_wording, consent_by, created_at) \
                             VALUES ($1, $2, 'pending', $3, $4, $5, 'import-confirmed', $6, $7, $8)",
                        )
                        .bind(a.list.id)
                        .bind(&email)
                        .bind(lang.code())
                        .bind(super::ops::token_hash(&token))
                        .bind(t + super::ops::CONFIRM_TTL)
                        .bind(&wording)
                        .bind(actor.audit_id())
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                        confirmations.push((email.clone(), lang, token));
                        "newsletter-import-confirm-sent"
                    }
                },
            }
        };
        report.push(LineReport {
            line: r.line,
            email,
            outcome,
        });
    }
    let added = report
        .iter()
        .filter(|l| {
            matches!(
                l.outcome,
                "newsletter-import-added" | "newsletter-import-confirm-sent"
            )
        })
        .count();
    audit_in(
        &mut tx,
        actor,
        if attest.is_some() {
            "newsletter_import_attested"
        } else {
            "newsletter_import"
        },
        None,
        &format!("{}: {added}", a.list.slug),
    )
    .await?;
    tx.commit().await?;
    for (email, lang, token) in confirmations {
        let link = state.url(&crate::urls::newsletter_confirm(&token));
        crate::emails::send(
            state,
            &email,
            lang,
            "newsletter-confirm",
            &[
                ("name", Arg::Str(a.list.name.clone())),
                ("link", Arg::Str(link)),
            ],
        )
        .await?;
    }
    Ok(report)
}

/// For the fuzz target: parsing never panics, every record has at least
/// one field, and line numbers never go backwards.
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let records = parse(&text);
    let mut last = 0;
    for r in &records {
        assert!(!r.fields.is_empty());
        assert!(r.line >= last, "line numbers go forward");
        assert!(r.line <= text.len() + 1);
        last = r.line;
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn fields(input: &str) -> Vec<Vec<String>> {
        parse(input).into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn reads_commas_semicolons_quotes_and_line_numbers() {
        assert_eq!(
            fields("courriel,langue\r\na@b.qc.ca,en\n\n\"c@d.org\",fr-CA\n"),
            vec![
                vec!["courriel".to_string(), "langue".into()],
                vec!["a@b.qc.ca".into(), "en".into()],
                vec!["c@d.org".into(), "fr-CA".into()],
            ]
        );
        assert_eq!(
            fields("a@b.ca;\"Dupont; \"\"Jeanne\"\"\"\n"),
            vec![vec!["a@b.ca".to_string(), "Dupont; \"Jeanne\"".into()]]
        );
        let r = parse("x@y.ca\n\"multi\nligne\",z\nw@v.ca");
        assert_eq!(r.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert_eq!(fields("\u{feff}a@b.ca"), vec![vec!["a@b.ca".to_string()]]);
        assert_eq!(
            fields("\"non fermé,x"),
            vec![vec!["non fermé,x".to_string()]]
        );
    }
}
