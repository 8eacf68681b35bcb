//! Username validation, canonical (uniqueness) form and confusable skeleton.
//!
//! Three forms of a username exist:
//! - the *display* form returned by [`validate`]: trimmed, NFKC-normalised, case kept;
//! - the *canonical* form ([`canonical`]): case-insensitive uniqueness key;
//! - the *skeleton* ([`skeleton`]): UTS #39 confusable skeleton used to refuse
//!   look-alikes of an existing name ("paypal" vs "pаypal" with a Cyrillic "а").

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_security::{MixedScript, RestrictionLevel, RestrictionLevelDetection};

/// Minimum length, in chars after NFKC.
pub const MIN_LEN: usize = 3;
/// Maximum length, in chars after NFKC.
pub const MAX_LEN: usize = 30;

/// Maximum number of consecutive combining marks (guards against "Zalgo" text
/// while leaving room for scripts that stack a few marks).
const MAX_CONSECUTIVE_MARKS: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("username is too short")]
    TooShort,
    #[error("username is too long")]
    TooLong,
    #[error("username contains characters that are not allowed")]
    InvalidChars,
    #[error("username must start with a letter or a digit")]
    BadStart,
    #[error("username is reserved")]
    Reserved,
    #[error("username mixes writing systems in a confusing way")]
    MixedScript,
}

impl UsernameError {
    /// Fluent message key for this error.
    pub fn message_key(&self) -> &'static str {
        match self {
            UsernameError::TooShort => "username-too-short",
            UsernameError::TooLong => "username-too-long",
            UsernameError::InvalidChars => "username-invalid-chars",
            UsernameError::BadStart => "username-bad-start",
            UsernameError::Reserved => "username-reserved",
            UsernameError::MixedScript => "username-mixed-script",
        }
    }
}

/// Names that cannot be registered (routes, roles, the platform itself…).
/// Compared on the canonical form and on the skeleton, so "ADMIN", "adm1n"
/// and "Passerelles" are refused too.
const RESERVED: &[&str] = &[
    // Roles and authority.
    "admin",
    "administrator",
    "administrateur",
    "administratrice",
    "root",
    "superuser",
    "sysadmin",
    "system",
    "systeme",
    "système",
    "moderator",
    "moderateur",
    "modérateur",
    "moderatrice",
    "modératrice",
    "moderation",
    "modération",
    "mod",
    "staff",
    "team",
    "equipe",
    "équipe",
    "official",
    "officiel",
    "officielle",
    "owner",
    "security",
    "securite",
    "sécurité",
    "support",
    "help",
    "aide",
    "contact",
    "info",
    "infos",
    // The platform itself.
    "passerelles",
    "passerelle",
    // Mail-related.
    "mail",
    "email",
    "courriel",
    "noreply",
    "no-reply",
    "postmaster",
    "hostmaster",
    "webmaster",
    "abuse",
    // Routes and technical names.
    "api",
    "www",
    "about",
    "a-propos",
    "apropos",
    "login",
    "logout",
    "signin",
    "signout",
    "signup",
    "register",
    "connexion",
    "deconnexion",
    "déconnexion",
    "inscription",
    "settings",
    "parametres",
    "paramètres",
    "account",
    "compte",
    "profile",
    "profil",
    "user",
    "users",
    "utilisateur",
    "utilisatrice",
    "static",
    "assets",
    "public",
    "media",
    "uploads",
    "avatar",
    "avatars",
    "well-known",
    "wellknown",
    "favicon.ico",
    "robots.txt",
    "sitemap.xml",
    "feed",
    "rss",
    "atom",
    "health",
    "healthz",
    "metrics",
    "status",
    "docs",
    "blog",
    "dashboard",
    "home",
    "accueil",
    "search",
    "recherche",
    "new",
    "edit",
    "delete",
    "privacy",
    "confidentialite",
    "confidentialité",
    "terms",
    "conditions",
    "legal",
    "cdn",
    "null",
    "undefined",
    "anonymous",
    "anonyme",
    "nobody",
    "everyone",
    "tout-le-monde",
];

fn reserved_skeletons() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| RESERVED.iter().map(|name| skeleton(name)).collect())
}

fn reserved_canonicals() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| RESERVED.iter().map(|name| canonical(name)).collect())
}

/// Default_Ignorable_Code_Point (DerivedCoreProperties.txt): invisible
/// characters, some of which are letters (Hangul fillers) and would otherwise
/// pass the letter check.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

fn is_separator(c: char) -> bool {
    matches!(c, '_' | '-' | '.')
}

/// Trim, NFKC-normalise and validate a username as typed; returns the display
/// form (case kept).
///
/// Allowed: Unicode letters and digits (plus the combining marks some scripts
/// need, never first), '_', '-', '.'; must start with a letter or digit;
/// length counted in chars after NFKC. Names mixing scripts in a confusing way
/// (e.g. Latin + Cyrillic) and reserved names are refused.
pub fn validate(input: &str) -> Result<String, UsernameError> {
    let name: String = input.trim().nfkc().collect();
    // NFKC may expose leading/trailing white space (e.g. from compatibility
    // characters); trim again so the display form never carries any.
    let name = name.trim().to_string();

    let len = name.chars().count();
    if len < MIN_LEN {
        return Err(UsernameError::TooShort);
    }
    if len > MAX_LEN {
        return Err(UsernameError::TooLong);
    }

    let mut marks_in_a_row = 0usize;
    for c in name.chars() {
        if is_default_ignorable(c) {
            return Err(UsernameError::InvalidChars);
        }
        if is_combining_mark(c) {
            marks_in_a_row += 1;
            if marks_in_a_row > MAX_CONSECUTIVE_MARKS {
                return Err(UsernameError::InvalidChars);
            }
            continue;
        }
        marks_in_a_row = 0;
        if !(c.is_alphanumeric() || is_separator(c)) {
            return Err(UsernameError::InvalidChars);
        }
    }

    match name.chars().next() {
        Some(first) if first.is_alphanumeric() && !is_combining_mark(first) => {}
        _ => return Err(UsernameError::BadStart),
    }

    if !script_mix_ok(&name) {
        return Err(UsernameError::MixedScript);
    }

    if reserved_canonicals().contains(&canonical(&name))
        || reserved_skeletons().contains(&skeleton(&name))
    {
        return Err(UsernameError::Reserved);
    }

    Ok(name)
}

/// A name is acceptable if it is single-script (UTS #39 resolved script set
/// not empty; digits and separators are Common and fit any script) or at most
/// "moderately restrictive": Latin plus one other recommended script that is
/// neither Cyrillic nor Greek, or Latin + Han + Kana/Hangul/Bopomofo.
///
/// The single-script case is checked first so that names written entirely in
/// a "limited use" script (e.g. Inuktitut syllabics) are not refused merely
/// because the script is not in the general identifier profile.
fn script_mix_ok(name: &str) -> bool {
    name.is_single_script() || name.check_restriction_level(RestrictionLevel::ModeratelyRestrictive)
}

/// Uniqueness key: NFKC + full lowercase (case-insensitive) of a validated
/// name. "Élodie", "ÉLODIE" and "e\u{301}lodie" give the same key.
///
/// Besides `to_lowercase`, the two full case-folding differences that matter
/// for names are applied: final sigma "ς" folds to "σ" and "ß" to "ss", so
/// "ΟΔΟΣ"/"οδοσ" and "Straße"/"STRASSE" share a key.
pub fn canonical(name: &str) -> String {
    let nfkc: String = name.trim().nfkc().collect();
    let mut lower = String::with_capacity(nfkc.len());
    for c in nfkc.to_lowercase().chars() {
        match c {
            'ς' => lower.push('σ'),
            'ß' => lower.push_str("ss"),
            other => lower.push(other),
        }
    }
    lower.nfkc().collect()
}

/// Confusable "skeleton" (UTS #39) of the canonical form, used to refuse
/// look-alikes of an existing name: "paypal" vs "pаypal" (Cyrillic а),
/// "rn" vs "m", "l" vs "1"/"I", "0" vs "o" collide, and so do "jean.paul",
/// "jean-paul" and "jean_paul".
///
/// Because the display form keeps case, a lowercase "i" may be shown as "I",
/// which is indistinguishable from "l" in many fonts: "i" is therefore folded
/// to "l" as well.
pub fn skeleton(name: &str) -> String {
    let mut current = canonical(name);
    // skeleton() can output uppercase prototypes ("0" -> "O"); lowercasing can
    // in turn expose new prototypes, so iterate to a fixed point (bounded).
    for _ in 0..4 {
        let next = unicode_security::skeleton(&current)
            .collect::<String>()
            .to_lowercase();
        if next == current {
            break;
        }
        current = next;
    }
    current
        .chars()
        .map(|c| match c {
            '_' | '-' | '.' => '_',
            'i' => 'l',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys() {
        assert_eq!(UsernameError::TooShort.message_key(), "username-too-short");
        assert_eq!(UsernameError::TooLong.message_key(), "username-too-long");
        assert_eq!(
            UsernameError::InvalidChars.message_key(),
            "username-invalid-chars"
        );
        assert_eq!(UsernameError::BadStart.message_key(), "username-bad-start");
        assert_eq!(UsernameError::Reserved.message_key(), "username-reserved");
        assert_eq!(
            UsernameError::MixedScript.message_key(),
            "username-mixed-script"
        );
    }

    #[test]
    fn accepts_french_names() {
        assert_eq!(validate("Élodie").as_deref(), Ok("Élodie"));
        assert_eq!(validate("françois_2").as_deref(), Ok("françois_2"));
        assert_eq!(validate("Zoë-Anne").as_deref(), Ok("Zoë-Anne"));
        assert_eq!(validate("jean.paul").as_deref(), Ok("jean.paul"));
        assert_eq!(validate("Œuvre_Québec").as_deref(), Ok("Œuvre_Québec"));
        assert_eq!(validate("123soleil").as_deref(), Ok("123soleil"));
    }

    #[test]
    fn accepts_other_scripts() {
        // Single-script names in various scripts.
        assert!(validate("Дмитрий").is_ok());
        assert!(validate("Νίκος").is_ok());
        assert!(validate("محمد_99").is_ok());
        assert!(validate("ᐃᓄᒃᑎᑐᑦ").is_ok()); // Inuktitut syllabics
        assert!(validate("नम्रता").is_ok()); // Devanagari with virama
        assert!(validate("山田太郎").is_ok());
        // Latin + Han + Kana is "highly restrictive": fine.
        assert!(validate("tanakaさん山").is_ok());
    }

    #[test]
    fn trims_and_normalises() {
        assert_eq!(validate("  Élodie \n").as_deref(), Ok("Élodie"));
        // Decomposed é becomes precomposed.
        assert_eq!(validate("e\u{301}lodie").as_deref(), Ok("élodie"));
        // Full-width letters are folded by NFKC.
        assert_eq!(validate("ｊｅａｎ").as_deref(), Ok("jean"));
    }

    #[test]
    fn length_rules() {
        assert_eq!(validate(""), Err(UsernameError::TooShort));
        assert_eq!(validate("   "), Err(UsernameError::TooShort));
        assert_eq!(validate("ab"), Err(UsernameError::TooShort));
        assert!(validate("abc").is_ok());
        // Counted in chars, not bytes: 3 accented letters are enough.
        assert!(validate("éàü").is_ok());
        assert!(validate(&"é".repeat(MAX_LEN)).is_ok());
        assert_eq!(
            validate(&"a".repeat(MAX_LEN + 1)),
            Err(UsernameError::TooLong)
        );
        // Decomposed input is counted after NFKC.
        assert!(validate(&"e\u{301}".repeat(MAX_LEN)).is_ok());
    }

    #[test]
    fn invalid_chars() {
        for bad in [
            "jean paul",
            "jean@paul",
            "jean/paul",
            "élodie!",
            "a<script>",
            "emoji😀x",
            "tab\there",
            "zero\u{200B}width",
            "hangul\u{3164}filler",
            "rtl\u{202E}override",
        ] {
            assert_eq!(validate(bad), Err(UsernameError::InvalidChars), "{bad:?}");
        }
        // Zalgo-style stacking of combining marks.
        assert_eq!(
            validate("ab\u{300}\u{301}\u{302}\u{303}\u{304}\u{305}"),
            Err(UsernameError::InvalidChars)
        );
    }

    #[test]
    fn bad_start() {
        assert_eq!(validate("_jean"), Err(UsernameError::BadStart));
        assert_eq!(validate("-jean"), Err(UsernameError::BadStart));
        assert_eq!(validate(".jean"), Err(UsernameError::BadStart));
        assert_eq!(validate("\u{301}jean"), Err(UsernameError::BadStart));
        assert!(validate("2jean").is_ok());
    }

    #[test]
    fn reserved() {
        for name in [
            "admin",
            "ADMIN",
            "Administrator",
            "root",
            "api",
            "www",
            "mail",
            "support",
            "system",
            "passerelles",
            "Passerelles",
            "moderator",
            "help",
            "about",
            "login",
            "logout",
            "signup",
            "settings",
            "static",
            "well-known",
            "well_known",
            // Look-alikes of reserved names are refused too.
            "adm1n",
            "adrnin",
            "r00t",
        ] {
            assert_eq!(validate(name), Err(UsernameError::Reserved), "{name:?}");
        }
        assert!(validate("administration_club").is_ok());
    }

    #[test]
    fn mixed_script() {
        // Latin + Cyrillic "а".
        assert_eq!(validate("pаypal"), Err(UsernameError::MixedScript));
        // Latin + Greek "ο".
        assert_eq!(validate("gοogle"), Err(UsernameError::MixedScript));
        // Cyrillic + Greek.
        assert_eq!(validate("дмиτрий"), Err(UsernameError::MixedScript));
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical("Élodie"), canonical("ÉLODIE"));
        assert_eq!(canonical("Élodie"), canonical("e\u{301}lodie"));
        assert_eq!(canonical("Élodie"), "élodie");
        assert_eq!(canonical("ΟΔΟΣ"), canonical("οδοσ"));
        assert_eq!(canonical("Straße"), canonical("STRASSE"));
        assert_ne!(canonical("jean.paul"), canonical("jean_paul"));
    }

    #[test]
    fn skeleton_collisions() {
        assert_eq!(skeleton("paypal"), skeleton("pаypal"));
        assert_eq!(skeleton("modem"), skeleton("rnodern"));
        assert_eq!(skeleton("lan"), skeleton("1an"));
        assert_eq!(skeleton("lan"), skeleton("Ian"));
        assert_eq!(skeleton("b0b"), skeleton("bob"));
        assert_eq!(skeleton("jean.paul"), skeleton("jean_paul"));
        assert_eq!(skeleton("jean-paul"), skeleton("jean_paul"));
        assert_eq!(skeleton("Élodie"), skeleton("ÉLODIE"));
        assert_eq!(skeleton("Élodie"), skeleton("e\u{301}lodie"));
        assert_ne!(skeleton("jean"), skeleton("jeanne"));
        assert_ne!(skeleton("paul"), skeleton("saul"));
    }
}
