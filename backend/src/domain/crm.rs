//! CRM rules without I/O: normalising e-mails and phones, checking names, tags,
//! addresses, consents, custom properties (against the tenant's JSON Schema) and
//! the structured part of a visit.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::crm::{
    Address, Consent, ConsentChange, ContactEmail, ContactPhone, PhoneInput, VisitDetails,
    VisitLine,
};

use crate::domain::identity::{Email, InvalidValue};
use crate::domain::stock::label;

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue {
        field,
        message: message.into(),
    }
}

/// Text search configurations a tenant may choose.
pub const SEARCH_LANGUAGES: &[&str] = &[
    "simple",
    "english",
    "german",
    "french",
    "spanish",
    "italian",
    "dutch",
    "portuguese",
];

/// An optional short text: trimmed, empty → `None`.
pub fn opt_label(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, InvalidValue> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => label(field, s, max).map(Some),
    }
}

/// A long free text (notes, transcripts): control characters other than line
/// breaks and tabs are refused.
pub fn long_text(field: &'static str, raw: &str, max: usize) -> Result<String, InvalidValue> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(s.to_owned())
}

/// Normalises a phone number for duplicate detection: a leading `+` (or `00`)
/// and the digits; separators, spaces and brackets are dropped. 6–15 digits.
pub fn normalize_phone(raw: &str) -> Result<String, InvalidValue> {
    let s = raw.trim();
    let err = || invalid("phones", format!("'{s}' is not a phone number"));
    if s.is_empty() || s.chars().count() > 40 {
        return Err(err());
    }
    let mut international = s.starts_with('+');
    let mut digits = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' | ' ' | '-' | '.' | '(' | ')' | '/' => {}
            _ => return Err(err()),
        }
    }
    if !international && digits.starts_with("00") {
        international = true;
        digits.drain(..2);
    }
    if !(6..=15).contains(&digits.len()) {
        return Err(err());
    }
    Ok(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

/// E-mails: normalised (trimmed, lower-cased), no duplicates, exactly one primary
/// (the first if none is marked).
pub fn emails(list: Vec<ContactEmail>) -> Result<Vec<ContactEmail>, InvalidValue> {
    if list.len() > 20 {
        return Err(invalid("emails", "at most 20 e-mail addresses"));
    }
    let mut out: Vec<ContactEmail> = Vec::with_capacity(list.len());
    for e in list {
        let address = Email::parse("emails", &e.address)?.as_str().to_owned();
        if out.iter().any(|o| o.address == address) {
            return Err(invalid("emails", format!("{address} is listed twice")));
        }
        out.push(ContactEmail {
            address,
            label: opt_label("emails", e.label.as_deref(), 40)?,
            primary: e.primary,
        });
    }
    one_primary(&mut out, |e| &mut e.primary);
    Ok(out)
}

/// Phones: normalised, no duplicates (after normalising), one primary.
pub fn phones(list: Vec<PhoneInput>) -> Result<Vec<ContactPhone>, InvalidValue> {
    if list.len() > 20 {
        return Err(invalid("phones", "at most 20 phone numbers"));
    }
    let mut out: Vec<ContactPhone> = Vec::with_capacity(list.len());
    for p in list {
        let normalized = normalize_phone(&p.number)?;
        if out.iter().any(|o| o.normalized == normalized) {
            return Err(invalid("phones", format!("{} is listed twice", p.number)));
        }
        out.push(ContactPhone {
            number: p.number.trim().to_owned(),
            normalized,
            label: opt_label("phones", p.label.as_deref(), 40)?,
            primary: p.primary,
        });
    }
    one_primary(&mut out, |p| &mut p.primary);
    Ok(out)
}

fn one_primary<T>(list: &mut [T], flag: impl Fn(&mut T) -> &mut bool) {
    let mut seen = false;
    for item in list.iter_mut() {
        let f = flag(item);
        if *f && seen {
            *f = false;
        }
        seen |= *f;
    }
    if !seen {
        if let Some(first) = list.first_mut() {
            *flag(first) = true;
        }
    }
}

/// Tags: trimmed, lower-cased, 1–50 characters, unique, sorted; at most 50.
pub fn tags(list: Vec<String>) -> Result<Vec<String>, InvalidValue> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for t in list {
        let t = label("tags", &t, 50)?.to_lowercase();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 50 {
        return Err(invalid("tags", "at most 50 tags"));
    }
    out.sort();
    Ok(out)
}

/// Addresses: every part optional but not all empty; country is ISO alpha-2.
pub fn addresses(list: Vec<Address>) -> Result<Vec<Address>, InvalidValue> {
    if list.len() > 10 {
        return Err(invalid("addresses", "at most 10 addresses"));
    }
    list.into_iter()
        .map(|a| {
            let country = match a.country.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(c) if c.len() == 2 && c.chars().all(|x| x.is_ascii_alphabetic()) => {
                    Some(c.to_ascii_uppercase())
                }
                Some(c) => {
                    return Err(invalid(
                        "addresses",
                        format!("country '{c}' must be an ISO 3166 two-letter code"),
                    ))
                }
            };
            let out = Address {
                label: opt_label("addresses", a.label.as_deref(), 40)?,
                line1: opt_label("addresses", a.line1.as_deref(), 200)?,
                line2: opt_label("addresses", a.line2.as_deref(), 200)?,
                city: opt_label("addresses", a.city.as_deref(), 100)?,
                region: opt_label("addresses", a.region.as_deref(), 100)?,
                postal_code: opt_label("addresses", a.postal_code.as_deref(), 20)?,
                country,
            };
            if out == Address::default()
                || (out.label.is_some()
                    && out.line1.is_none()
                    && out.city.is_none()
                    && out.postal_code.is_none()
                    && out.country.is_none())
            {
                return Err(invalid(
                    "addresses",
                    "an address needs at least a line, city, postal code or country",
                ));
            }
            Ok(out)
        })
        .collect()
}

/// Applies consent changes on top of the current state. A purpose is a
/// snake_case word; the source says where the consent came from.
pub fn apply_consents(
    current: &mut BTreeMap<String, Consent>,
    changes: &[ConsentChange],
    now: DateTime<Utc>,
) -> Result<(), InvalidValue> {
    for c in changes {
        let purpose = c.purpose.trim();
        if purpose.is_empty()
            || purpose.len() > 64
            || !purpose
                .chars()
                .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
        {
            return Err(invalid(
                "consents",
                format!("purpose '{purpose}' must be a snake_case word"),
            ));
        }
        let source = label("consents", &c.source, 200)?;
        let at = c.at.unwrap_or(now);
        if at > now + chrono::Duration::minutes(5) {
            return Err(invalid(
                "consents",
                "a consent cannot be dated in the future",
            ));
        }
        current.insert(
            purpose.to_owned(),
            Consent {
                granted: c.granted,
                at,
                source,
            },
        );
    }
    Ok(())
}

/// Checks a tenant's JSON Schema for custom properties: a valid schema whose
/// instances are objects.
pub fn check_schema(schema: &serde_json::Value) -> Result<(), InvalidValue> {
    check_schema_for("contact_properties_schema", schema)
}

/// [`check_schema`] for the setting named `field` (contacts, products).
pub fn check_schema_for(
    field: &'static str,
    schema: &serde_json::Value,
) -> Result<(), InvalidValue> {
    if !schema.is_object() {
        return Err(invalid(field, "must be a JSON Schema object"));
    }
    if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
        return Err(invalid(
            field,
            "must describe an object (\"type\": \"object\")",
        ));
    }
    jsonschema::validator_for(schema)
        .map_err(|e| invalid(field, format!("is not a valid JSON Schema: {e}")))?;
    Ok(())
}

/// Validates custom properties against the tenant's schema; the message lists the
/// first few problems with their JSON pointers.
pub fn check_properties(
    schema: &serde_json::Value,
    properties: &serde_json::Value,
) -> Result<(), InvalidValue> {
    if !properties.is_object() {
        return Err(invalid("properties", "must be a JSON object"));
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        invalid(
            "properties",
            format!("the tenant's property schema is not valid: {e}"),
        )
    })?;
    let problems: Vec<String> = validator
        .iter_errors(properties)
        .take(5)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid("properties", problems.join("; ")))
    }
}

/// The structured part of a visit: product lines (1–200 with a name, a positive
/// quantity with at most 6 decimals), follow-up and next action.
pub fn visit_details(v: VisitDetails) -> Result<VisitDetails, InvalidValue> {
    if v.lines.len() > 200 {
        return Err(invalid("lines", "at most 200 product lines"));
    }
    let lines = v
        .lines
        .into_iter()
        .map(|l| {
            let quantity = match l.quantity {
                None => None,
                Some(q) if q > Decimal::ZERO && q.scale() <= 6 => Some(q.normalize()),
                Some(q) => {
                    return Err(invalid(
                        "lines",
                        format!("quantity {q} must be positive with at most 6 decimals"),
                    ))
                }
            };
            Ok(VisitLine {
                product_id: l.product_id,
                product_name: label("lines", &l.product_name, 200)?,
                quantity,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VisitDetails {
        lines,
        follow_up: v.follow_up,
        next_action: v.next_action,
    })
}

/// The op id a phone gives an offline operation: 1–100 visible ASCII characters.
pub fn op_id(raw: Option<&str>) -> Result<Option<String>, InvalidValue> {
    match raw {
        None => Ok(None),
        Some(s) => {
            let s = s.trim();
            if s.is_empty() || s.len() > 100 || !s.bytes().all(|b| b.is_ascii_graphic()) {
                Err(invalid("op_id", "must be 1–100 visible ASCII characters"))
            } else {
                Ok(Some(s.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phones_normalise_to_the_same_key_whatever_the_separators() {
        assert_eq!(
            normalize_phone("+49 (30) 1234-5678").unwrap(),
            "+493012345678"
        );
        assert_eq!(
            normalize_phone("0049 30 12345678").unwrap(),
            "+493012345678"
        );
        assert_eq!(normalize_phone("030/123 456 78").unwrap(), "03012345678");
        assert!(normalize_phone("call me").is_err());
        assert!(normalize_phone("123").is_err());
    }

    #[test]
    fn emails_are_lowercased_deduplicated_and_get_one_primary() {
        let out = emails(vec![
            ContactEmail {
                address: " Ann@Example.COM ".into(),
                label: None,
                primary: false,
            },
            ContactEmail {
                address: "ann@work.example".into(),
                label: Some("work".into()),
                primary: false,
            },
        ])
        .unwrap();
        assert_eq!(out[0].address, "ann@example.com");
        assert!(out[0].primary && !out[1].primary);
        let dup = emails(vec![
            ContactEmail {
                address: "a@b.co".into(),
                label: None,
                primary: false,
            },
            ContactEmail {
                address: "A@B.CO".into(),
                label: None,
                primary: true,
            },
        ]);
        assert!(dup.is_err());
    }

    #[test]
    fn properties_are_checked_against_the_schema() {
        let schema = json!({"type": "object", "properties": {"employees": {"type": "integer", "minimum": 0}}, "additionalProperties": false});
        check_schema(&schema).unwrap();
        check_properties(&schema, &json!({"employees": 12})).unwrap();
        let e = check_properties(&schema, &json!({"employees": -1})).unwrap_err();
        assert!(e.message.contains("/employees"), "{}", e.message);
        assert!(check_properties(&schema, &json!({"other": 1})).is_err());
        assert!(check_schema(&json!({"type": "array"})).is_err());
        assert!(check_schema(&json!({"type": "object", "minProperties": "x"})).is_err());
    }
}
