//! Interface language: Project Fluent files in `locales/<lang>/*.ftl`,
//! French (fr-CA) first, English second. CLDR plural rules come from Fluent
//! ("0 commentaire", "2 commentaires").

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "fr-CA",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr-CA");
static EN: LanguageIdentifier = langid!("en");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "fr-CA")]
    Fr,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr-CA",
            Lang::En => "en",
        }
    }

    /// Name of the language in itself, for the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Best supported language of an `Accept-Language` header (q-values honoured).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Lang::from_code(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// Translate a message without arguments.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// Translate a message with arguments. Numbers select CLDR plural forms.
    pub fn ta(self, key: &str, args: &[(&'static str, Arg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Arg::Str(s) => FluentValue::from(s.clone()),
                    Arg::Num(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*k), value)
            })
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// Translate a message without arguments, if the key exists.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// Whether a key exists (also checked by tests that both files are
    /// complete).
    pub fn has(self, key: &str) -> bool {
        thread_local! {
            // Messages with selectors need their variables to format at
            // all: a sample of every variable, built once per thread.
            static SAMPLE: HashMap<Cow<'static, str>, FluentValue<'static>> = [
                "name", "email", "link", "instance", "date", "days", "page", "pages", "device",
                "browser", "os", "passkey", "reset", "created", "updated", "unchanged", "issues", "ignored", "community",
                "version", "used", "quota", "day", "zone", "id", "host",
            ]
            .into_iter()
            .map(|k| (Cow::Borrowed(k), FluentValue::from("x")))
            .chain(std::iter::once((
                Cow::Borrowed("count"),
                FluentValue::from(1),
            )))
            .collect();
        }
        SAMPLE.with(|sample| {
            LOCALES
                .try_lookup_with_args(self.id(), key, sample)
                .is_some()
        })
    }
}

#[derive(Debug, Clone)]
pub enum Arg {
    Str(String),
    Num(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month's name (1 = January) in the interface language.
pub fn month_name(lang: Lang, month: u32) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Fr => MONTHS_FR[i],
    }
}

/// Format a Unix time as a date and time for people, in Québec's time zone
/// rules (EST/EDT). Kept dependency-free: the offset follows the North
/// American DST rule (second Sunday of March to first Sunday of November).
pub fn format_datetime(lang: Lang, unix: i64) -> String {
    use time::OffsetDateTime;
    let Ok(utc) = OffsetDateTime::from_unix_timestamp(unix) else {
        return String::new();
    };
    let offset_h = if is_eastern_dst(utc) { -4 } else { -5 };
    let local = utc + time::Duration::hours(offset_h);
    let m = local.month() as u32;
    match lang {
        Lang::Fr => format!(
            "{} {} {} à {} h {:02}",
            local.day(),
            month_name(Lang::Fr, m),
            local.year(),
            local.hour(),
            local.minute()
        ),
        Lang::En => {
            let (h12, ampm) = match local.hour() {
                0 => (12, "a.m."),
                h @ 1..=11 => (h, "a.m."),
                12 => (12, "p.m."),
                h => (h - 12, "p.m."),
            };
            format!(
                "{} {}, {} at {}:{:02} {}",
                month_name(Lang::En, m),
                local.day(),
                local.year(),
                h12,
                local.minute(),
                ampm
            )
        }
    }
}

fn is_eastern_dst(utc: time::OffsetDateTime) -> bool {
    use time::{Date, Month, Weekday};
    let year = utc.year();
    let nth_sunday = |month: Month, n: u8| -> Option<Date> {
        Date::from_iso_week_date(year, 1, Weekday::Monday).ok()?; // keeps the year valid
        let first = Date::from_calendar_date(year, month, 1).ok()?;
        let offset = (7 - first.weekday().number_days_from_sunday()) % 7;
        first.checked_add(time::Duration::days(
            i64::from(offset) + 7 * (i64::from(n) - 1),
        ))
    };
    let (Some(start), Some(end)) = (nth_sunday(Month::March, 2), nth_sunday(Month::November, 1))
    else {
        return false;
    };
    // 2:00 local standard time = 7:00 UTC at the start; 2:00 local daylight time = 6:00 UTC at the end.
    let start = start.with_hms(7, 0, 0).map(|d| d.assume_utc());
    let end = end.with_hms(6, 0, 0).map(|d| d.assume_utc());
    match (start, end) {
        (Ok(s), Ok(e)) => utc >= s && utc < e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_t_finds_what_exists_only() {
        assert_eq!(
            Lang::Fr.try_t("community-kind-watch").as_deref(),
            Some("Veille")
        );
        assert!(Lang::En.try_t("community-kind-watch").is_some());
        assert_eq!(Lang::Fr.try_t("community-kind-nothing-such"), None);
        assert!(Lang::Fr.has("community-kind-watch") && !Lang::Fr.has("nothing-such"));
    }

    #[test]
    fn accept_language_picks_best_supported() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,fr;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de, fr-CA;q=0.5"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(
            Lang::from_accept_language("fr;q=0.4, en;q=0.6"),
            Some(Lang::En)
        );
    }

    #[test]
    fn plurals_follow_cldr() {
        let n = |l: Lang, c: i64| l.ta("comment-count", &[("count", c.into())]);
        assert_eq!(n(Lang::Fr, 0), "0 commentaire");
        assert_eq!(n(Lang::Fr, 1), "1 commentaire");
        assert_eq!(n(Lang::Fr, 2), "2 commentaires");
        assert_eq!(n(Lang::En, 0), "0 comments");
        assert_eq!(n(Lang::En, 1), "1 comment");
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let parse = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| {
                    !l.starts_with([' ', '#', '\t', '.', '[', '*', '}']) && l.contains(" =")
                })
                .filter_map(|l| l.split(" =").next().map(|k| k.trim().to_string()))
                .collect()
        };
        let read_dir = |d: &str| -> String {
            let mut all = String::new();
            let mut files: Vec<_> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for f in files {
                all.push_str(&std::fs::read_to_string(f).unwrap());
                all.push('\n');
            }
            all
        };
        let fr = parse(&read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../locales/fr-CA"
        )));
        let en = parse(&read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../locales/en"
        )));
        assert!(fr.len() > 50, "French file should hold the interface");
        let missing_en: Vec<_> = fr.iter().filter(|k| !en.contains(k)).collect();
        let missing_fr: Vec<_> = en.iter().filter(|k| !fr.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_fr.is_empty(), "missing in fr-CA: {missing_fr:?}");
        for k in &fr {
            assert!(Lang::Fr.has(k) && Lang::En.has(k), "{k} does not resolve");
        }
    }

    #[test]
    fn dates_use_eastern_time() {
        // 2026-07-01 16:30 UTC = 12:30 EDT
        assert_eq!(
            format_datetime(Lang::Fr, 1_782_923_400),
            "1 juillet 2026 à 12 h 30"
        );
        // 2026-01-15 17:05 UTC = 12:05 EST
        assert_eq!(
            format_datetime(Lang::En, 1_768_496_700),
            "January 15, 2026 at 12:05 p.m."
        );
    }
}
