//! Password strength policy and Argon2id hashing.
//!
//! Passwords are NFKC-normalised before hashing and verifying (as recommended by
//! NIST SP 800-63B), so the same password typed as precomposed or decomposed
//! Unicode (e.g. "é" vs "e" + combining acute) always verifies.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use unicode_normalization::UnicodeNormalization;

/// Minimum length, in chars.
pub const MIN_LEN: usize = 10;
/// Maximum length, in chars.
pub const MAX_LEN: usize = 256;

/// Usernames shorter than this are not searched for inside the password.
const MIN_USERNAME_LEN_FOR_CHECK: usize = 3;

static COMMON_PASSWORDS_TXT: &str = include_str!("common_passwords.txt");

/// Valid Argon2id PHC string used only if hashing the random dummy password
/// ever fails (it cannot in practice), so that `dummy_hash` stays infallible.
const FALLBACK_DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$dkf/7JeRaS2UbfI3K/FCZg$68cDZWmAJrnxA0VGuovkGIHzoa5OD08KsakIEsfM5Wo";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password is too short")]
    TooShort,
    #[error("password is too long")]
    TooLong,
    #[error("password is too common")]
    Common,
    #[error("password contains the username or e-mail address")]
    ContainsUsername,
}

impl PasswordError {
    /// Fluent message key for this error.
    pub fn message_key(&self) -> &'static str {
        match self {
            PasswordError::TooShort => "password-too-short",
            PasswordError::TooLong => "password-too-long",
            PasswordError::Common => "password-common",
            PasswordError::ContainsUsername => "password-contains-username",
        }
    }
}

fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS_TXT
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            // Shorter entries can never match a password that passed the length check.
            .filter(|line| line.chars().count() >= MIN_LEN)
            .collect()
    })
}

/// Check a new password: length (in chars, after NFKC), not in the
/// common-password list (case-insensitive), not containing the username
/// (case-insensitive, when the username has at least 3 chars) and not equal
/// to the e-mail's local part (case-insensitive).
pub fn check_strength(password: &str, username: &str, email: &str) -> Result<(), PasswordError> {
    let password = normalize(password);
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }

    let lower = password.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(PasswordError::Common);
    }

    let username = normalize(username.trim()).to_lowercase();
    if username.chars().count() >= MIN_USERNAME_LEN_FOR_CHECK && lower.contains(&username) {
        return Err(PasswordError::ContainsUsername);
    }

    let email = normalize(email.trim()).to_lowercase();
    let local_part = email
        .rsplit_once('@')
        .map_or(email.as_str(), |(local, _)| local);
    if !local_part.is_empty() && (lower == local_part || lower == email) {
        return Err(PasswordError::ContainsUsername);
    }

    Ok(())
}

/// Argon2id (argon2 crate defaults: m=19456, t=2, p=1) with a random 16-byte
/// salt; returns the PHC string.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| anyhow::anyhow!("cannot encode password salt: {e}"))?;
    let phc = Argon2::default()
        .hash_password(normalize(password).as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))?;
    Ok(phc.to_string())
}

/// Constant-time verify against a PHC string (parameters are read from the
/// string); false on any parse error or unsupported algorithm.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(normalize(password).as_bytes(), &parsed)
        .is_ok()
}

/// A valid hash of a random password, computed once, to verify against when
/// the account does not exist so that timing does not reveal it.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 32] = rand::random();
        let password: String = random.iter().map(|b| format!("{b:02x}")).collect();
        hash(&password).unwrap_or_else(|_| FALLBACK_DUMMY_HASH.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys() {
        assert_eq!(PasswordError::TooShort.message_key(), "password-too-short");
        assert_eq!(PasswordError::TooLong.message_key(), "password-too-long");
        assert_eq!(PasswordError::Common.message_key(), "password-common");
        assert_eq!(
            PasswordError::ContainsUsername.message_key(),
            "password-contains-username"
        );
    }

    #[test]
    fn length() {
        assert_eq!(
            check_strength("Xq7!vb2#k", "jean", "jean@example.org"),
            Err(PasswordError::TooShort)
        );
        // Counted in chars, not bytes.
        assert_eq!(
            check_strength("éàèùçôîêâ", "jean", "jean@example.org"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            check_strength("éàèùçôîêâë", "jean", "jean@example.org"),
            Ok(())
        );
        assert_eq!(
            check_strength(&"x7Q".repeat(85), "jean", "j@example.org"),
            Ok(())
        );
        assert_eq!(
            check_strength(&"x".repeat(MAX_LEN + 1), "jean", "j@example.org"),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn common() {
        for pw in [
            "motdepasse",
            "MotDePasse",
            "azerty123",
            "1234567890",
            "password123",
            "qwertyuiop",
            "bonjour123",
            "JETAIME123",
            "soleil1234",
        ] {
            if pw.chars().count() < MIN_LEN {
                assert_eq!(
                    check_strength(pw, "x", ""),
                    Err(PasswordError::TooShort),
                    "{pw}"
                );
            } else {
                assert_eq!(
                    check_strength(pw, "x", ""),
                    Err(PasswordError::Common),
                    "{pw}"
                );
            }
        }
        assert!(common_passwords().len() > 1000);
        assert_eq!(check_strength("cheval-bleu-lampe-nuage", "x", ""), Ok(()));
    }

    #[test]
    fn contains_username_or_email() {
        assert_eq!(
            check_strength("xxÉlodie2024xx", "élodie", "e@example.org"),
            Err(PasswordError::ContainsUsername)
        );
        // Short usernames are not searched for.
        assert_eq!(
            check_strength("jo-rivière-bleue", "jo", "x@example.org"),
            Ok(())
        );
        assert_eq!(
            check_strength("Tremblay.Marie", "mt", "tremblay.marie@example.org"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            check_strength(
                "tremblay.marie@example.org",
                "mt",
                "Tremblay.Marie@example.org"
            ),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            check_strength("tremblay.marie.vélo", "mt", "tremblay.marie@example.org"),
            Ok(())
        );
    }

    #[test]
    fn hash_verify_round_trip() {
        let phc = hash("Riviere-Rouge-42").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("Riviere-Rouge-42", &phc));
        assert!(!verify("riviere-rouge-42", &phc));
        assert!(!verify("Riviere-Rouge-42", "not a phc string"));
        assert!(!verify("Riviere-Rouge-42", ""));
        // The fallback dummy hash is a valid PHC string.
        assert!(PasswordHash::new(FALLBACK_DUMMY_HASH).is_ok());
        assert!(PasswordHash::new(dummy_hash()).is_ok());
        assert!(std::ptr::eq(dummy_hash(), dummy_hash()));
    }
}
