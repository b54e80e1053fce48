//! Identity value types. Each parses on construction, so an invalid e-mail or
//! slug cannot exist past the HTTP edge.

use std::fmt;

/// Why a value was rejected; `field` names the input for the error details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue {
        field,
        message: message.into(),
    }
}

/// A lower-cased e-mail address with a plausible shape (`local@domain.tld`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidValue> {
        let s = raw.trim().to_lowercase();
        let err = || {
            invalid(
                field,
                format!("'{}' is not a valid e-mail address", raw.trim()),
            )
        };
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = s.split_once('@').ok_or_else(err)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(err());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's URL-safe identifier: lower-case letters, digits and inner hyphens, 1–63 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// Slugs that would shadow routes or confuse users.
const RESERVED_SLUGS: &[&str] = &["api", "admin", "www", "app", "static", "health", "docs"];

impl Slug {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidValue> {
        let s = raw.trim().to_lowercase();
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if s.is_empty() || s.len() > 63 || !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(invalid(
                field,
                "use 1–63 lower-case letters, digits or inner hyphens",
            ));
        }
        if RESERVED_SLUGS.contains(&s.as_str()) {
            return Err(invalid(field, format!("'{s}' is reserved")));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-empty, trimmed display name of bounded length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidValue> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(invalid(field, "must not be empty"));
        }
        if s.chars().count() > 200 {
            return Err(invalid(field, "must be at most 200 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid(field, "must not contain control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `#RRGGBB` colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexColour(String);

impl HexColour {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidValue> {
        let s = raw.trim();
        let ok =
            s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(invalid(field, "must be a colour like #3730A3"));
        }
        Ok(Self(s.to_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minimum password length (OWASP ASVS 2.1.1).
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 128;

/// A password that meets the length policy. Never printed.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidValue> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_LEN {
            return Err(invalid(
                field,
                format!("must be at least {MIN_PASSWORD_LEN} characters"),
            ));
        }
        if n > MAX_PASSWORD_LEN {
            return Err(invalid(
                field,
                format!("must be at most {MAX_PASSWORD_LEN} characters"),
            ));
        }
        if crate::auth::password::is_common(raw) {
            return Err(invalid(
                field,
                "is one of the most common passwords; choose another",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("email", " Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "@x.io",
            "ann@",
            "ann@x",
            "a b@x.io",
            "ann@x..io",
            "a@b@c.io",
            "ann@.x.io",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(Slug::parse("slug", "Acme-2").unwrap().as_str(), "acme-2");
        for bad in ["", "-a", "a-", "a_b", "api", &"a".repeat(64), "é"] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn colours_and_names() {
        assert_eq!(
            HexColour::parse("c", "#3730a3").unwrap().as_str(),
            "#3730A3"
        );
        assert!(HexColour::parse("c", "3730a3").is_err());
        assert!(HexColour::parse("c", "#3730a").is_err());
        assert!(DisplayName::parse("n", "   ").is_err());
        assert!(DisplayName::parse("n", "a\u{7}b").is_err());
    }

    #[test]
    fn password_length_policy_and_redaction() {
        assert!(NewPassword::parse("password", "short-pass1").is_err());
        let p = NewPassword::parse("password", "correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "NewPassword(<redacted>)");
    }

    proptest! {
        #[test]
        fn slug_parse_is_total_and_accepted_slugs_match_db_check(raw in "\\PC{0,70}") {
            if let Ok(s) = Slug::parse("slug", &raw) {
                let v = s.as_str();
                prop_assert!(!v.is_empty() && v.len() <= 63);
                prop_assert!(v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!v.starts_with('-') && !v.ends_with('-'));
            }
        }

        #[test]
        fn email_parse_never_panics_and_lowercases(raw in "\\PC{0,80}") {
            if let Ok(e) = Email::parse("email", &raw) {
                prop_assert_eq!(e.as_str().to_lowercase(), e.as_str());
                prop_assert!(e.as_str().contains('@'));
            }
        }
    }
}
