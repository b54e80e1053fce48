//! GS1 identification keys in barcodes: the mod-10 check digit shared by
//! GTIN (EAN-8, UPC-A, EAN-13, GTIN-14), SSCC and GLN, UPC-A → GTIN-14
//! normalisation, and [`classify`], which decides what a decoded barcode's
//! text is: a plain EAN/UPC, a GS1 element string, or something else.
//!
//! Everything here is pure; the phone calls it on the scanner's output and the
//! backend calls it on whatever the phone (or a USB scanner) sent.

use serde::{Deserialize, Serialize};

use crate::gs1::{self, Gs1Data, Gs1Error};

/// Why a string is not a valid GS1 key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BarcodeError {
    /// Nothing to check.
    #[error("the code is empty")]
    Empty,
    /// A character other than 0-9.
    #[error("character {character:?} at position {position} is not a digit")]
    NonDigit { position: usize, character: char },
    /// The number of digits does not fit the key type.
    #[error("a {key} has {expected} digits, this code has {found}")]
    WrongLength {
        key: String,
        expected: String,
        found: usize,
    },
    /// The last digit is not the mod-10 check digit of the others.
    #[error("check digit is {found}, but the other digits require {expected}")]
    BadCheckDigit { expected: u8, found: u8 },
    /// UPC-E exists only for number systems 0 and 1.
    #[error("a UPC-E code starts with 0 or 1")]
    UpcENumberSystem,
}

fn digits_of(code: &str) -> Result<Vec<u8>, BarcodeError> {
    if code.is_empty() {
        return Err(BarcodeError::Empty);
    }
    code.chars()
        .enumerate()
        .map(|(position, character)| {
            character
                .to_digit(10)
                .filter(|_| character.is_ascii_digit())
                .map(|d| d as u8)
                .ok_or(BarcodeError::NonDigit {
                    position,
                    character,
                })
        })
        .collect()
}

/// The GS1 mod-10 check digit for `body` (all digits *except* the check digit).
///
/// Weights alternate 3, 1, 3, … starting from the rightmost body digit, which
/// is why the same routine serves every key length (GS1 General
/// Specifications §7.9.1) and why left-padding with zeros (UPC-A → GTIN-14)
/// never changes the check digit.
pub fn compute_check_digit(body: &str) -> Result<u8, BarcodeError> {
    let digits = digits_of(body)?;
    Ok(check_digit_of(&digits))
}

fn check_digit_of(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks the last digit of `code` against the mod-10 check digit of the rest.
pub fn validate_check_digit(code: &str) -> Result<(), BarcodeError> {
    let digits = digits_of(code)?;
    if digits.len() < 2 {
        return Err(BarcodeError::WrongLength {
            key: "GS1 key".into(),
            expected: "at least 2".into(),
            found: digits.len(),
        });
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let expected = check_digit_of(body);
    if expected == check[0] {
        Ok(())
    } else {
        Err(BarcodeError::BadCheckDigit {
            expected,
            found: check[0],
        })
    }
}

/// `true` when `code` is all digits and ends in its correct mod-10 check digit.
pub fn has_valid_check_digit(code: &str) -> bool {
    validate_check_digit(code).is_ok()
}

/// Appends the check digit to `body`, e.g. to build a GTIN from a company
/// prefix and item reference.
pub fn with_check_digit(body: &str) -> Result<String, BarcodeError> {
    let check = compute_check_digit(body)?;
    Ok(format!("{body}{check}"))
}

/// The GTIN family member a code's length says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GtinFormat {
    /// GTIN-8, printed as EAN-8.
    Ean8,
    /// GTIN-12, printed as UPC-A.
    UpcA,
    /// GTIN-12 printed zero-suppressed as UPC-E (8 digits).
    UpcE,
    /// GTIN-13, printed as EAN-13.
    Ean13,
    /// GTIN-14, printed as ITF-14 or inside GS1 element strings.
    Gtin14,
}

impl GtinFormat {
    fn from_len(len: usize) -> Option<Self> {
        match len {
            8 => Some(Self::Ean8),
            12 => Some(Self::UpcA),
            13 => Some(Self::Ean13),
            14 => Some(Self::Gtin14),
            _ => None,
        }
    }
}

/// Validates a GTIN of any length (8, 12, 13 or 14 digits) and says which it is.
pub fn validate_gtin(code: &str) -> Result<GtinFormat, BarcodeError> {
    let digits = digits_of(code)?;
    let format = GtinFormat::from_len(digits.len()).ok_or(BarcodeError::WrongLength {
        key: "GTIN".into(),
        expected: "8, 12, 13 or 14".into(),
        found: digits.len(),
    })?;
    validate_check_digit(code)?;
    Ok(format)
}

fn validate_fixed(code: &str, key: &str, len: usize) -> Result<(), BarcodeError> {
    let digits = digits_of(code)?;
    if digits.len() != len {
        return Err(BarcodeError::WrongLength {
            key: key.into(),
            expected: len.to_string(),
            found: digits.len(),
        });
    }
    validate_check_digit(code)
}

/// Validates an SSCC (18 digits, mod-10 check digit).
pub fn validate_sscc(code: &str) -> Result<(), BarcodeError> {
    validate_fixed(code, "SSCC", 18)
}

/// Validates a GLN (13 digits, mod-10 check digit).
pub fn validate_gln(code: &str) -> Result<(), BarcodeError> {
    validate_fixed(code, "GLN", 13)
}

/// Validates a GTIN of any length and left-pads it with zeros to the 14-digit
/// form that databases should store, so the same product scanned as UPC-A,
/// as EAN-13 or from a GS1 element string gets one key.
pub fn normalize_gtin14(code: &str) -> Result<String, BarcodeError> {
    validate_gtin(code)?;
    Ok(format!("{code:0>14}"))
}

/// Expands an 8-digit UPC-E code (number system 0 or 1, six digits, check
/// digit) to its 12-digit UPC-A, whose check digit it shares.
pub fn expand_upce(code: &str) -> Result<String, BarcodeError> {
    let d = digits_of(code)?;
    if d.len() != 8 {
        return Err(BarcodeError::WrongLength {
            key: "UPC-E".into(),
            expected: "8".into(),
            found: d.len(),
        });
    }
    let c = |i: usize| char::from(b'0' + d[i]);
    let (ns, x, check) = (c(0), &d[1..7], c(7));
    let s = |r: std::ops::Range<usize>| {
        x[r].iter()
            .map(|&b| char::from(b'0' + b))
            .collect::<String>()
    };
    // The last data digit says where the suppressed zeros were (UPC-E zero suppression rules).
    let body = match x[5] {
        0..=2 => format!("{}{}0000{}", s(0..2), x[5], s(2..5)),
        3 => format!("{}00000{}", s(0..3), s(3..5)),
        4 => format!("{}00000{}", s(0..4), s(4..5)),
        _ => format!("{}0000{}", s(0..5), x[5]),
    };
    if !matches!(ns, '0' | '1') {
        return Err(BarcodeError::UpcENumberSystem);
    }
    let upca = format!("{ns}{body}{check}");
    validate_check_digit(&upca)?;
    Ok(upca)
}

/// What a scanned barcode's text turned out to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScannedCode {
    /// A plain retail barcode (EAN-8, UPC-A, EAN-13, ITF-14) with a valid check digit.
    Gtin {
        format: GtinFormat,
        /// The GTIN zero-padded to 14 digits.
        gtin14: String,
    },
    /// A GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR, or a GS1 Digital Link URI).
    Gs1(Box<Gs1Data>),
    /// The text is marked as GS1 (symbology identifier, FNC1 separators,
    /// bracketed AIs) but does not parse; the error says why.
    MalformedGs1 { text: String, error: Gs1Error },
    /// Anything else: an internal Code 128 label, a free-text QR, a URL.
    Other { text: String },
}

/// Symbology identifiers (ISO/IEC 15424) that announce GS1 data.
const GS1_SYMBOLOGY_IDS: [&str; 5] = ["]C1", "]d2", "]Q3", "]e0", "]J1"];

/// Decides what `code` (a barcode's decoded text) is.
///
/// The order matters and follows what is least likely to misread a code:
/// 1. 8, 12, 13 or 14 digits with a valid check digit are a plain GTIN;
///    8 digits that are not a valid EAN-8 but a valid UPC-E are expanded.
/// 2. Text that *announces* GS1 — a GS1 symbology identifier, an FNC1 (GS,
///    ASCII 29), a leading `(nn)` bracketed AI, or a Digital Link URI whose
///    path holds a GS1 key — is parsed as GS1; if that fails the error is
///    kept ([`ScannedCode::MalformedGs1`]) rather than silently calling it
///    free text.
/// 3. Unmarked text (scanners often drop the leading FNC1) is GS1 only if it
///    parses completely *and* starts with a check-digited key AI of
///    predefined length — (00), (01), (02), (03) or (41x); otherwise "10ABC" on an internal
///    Code 128 label would be misread as a batch number.
/// 4. Everything else is [`ScannedCode::Other`].
pub fn classify(code: &str) -> ScannedCode {
    let text = code.trim_matches(|c: char| c.is_whitespace() && c != gs1::GS);
    if let Some(format) = GtinFormat::from_len(text.len()) {
        if text.bytes().all(|b| b.is_ascii_digit()) && has_valid_check_digit(text) {
            return ScannedCode::Gtin {
                format,
                gtin14: format!("{text:0>14}"),
            };
        }
    }
    // Not a valid EAN-8, but a valid zero-suppressed UPC-A.
    if text.len() == 8 {
        if let Ok(upca) = expand_upce(text) {
            return ScannedCode::Gtin {
                format: GtinFormat::UpcE,
                gtin14: format!("{upca:0>14}"),
            };
        }
    }
    let announced = GS1_SYMBOLOGY_IDS.iter().any(|id| text.starts_with(id))
        || text.contains(gs1::GS)
        || looks_bracketed(text);
    if announced {
        return match gs1::parse(text) {
            Ok(data) => ScannedCode::Gs1(Box::new(data)),
            Err(error) => ScannedCode::MalformedGs1 {
                text: text.to_owned(),
                error,
            },
        };
    }
    if text.starts_with("http://") || text.starts_with("https://") {
        // A URL is GS1 only if it is a Digital Link; any other URL is ordinary QR content.
        return match gs1::parse_digital_link(text) {
            Ok(elements) => ScannedCode::Gs1(Box::new(Gs1Data::from_elements(elements))),
            Err(Gs1Error::NotDigitalLink { .. }) => ScannedCode::Other {
                text: text.to_owned(),
            },
            // A Digital Link whose data is wrong (bad check digit, bad date).
            Err(error) => ScannedCode::MalformedGs1 {
                text: text.to_owned(),
                error,
            },
        };
    }
    if gs1::starts_with_checked_key(text) {
        if let Ok(data) = gs1::parse(text) {
            return ScannedCode::Gs1(Box::new(data));
        }
    }
    ScannedCode::Other {
        text: text.to_owned(),
    }
}

/// `(` followed by 2–4 digits and `)`: the human-readable GS1 form.
fn looks_bracketed(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('(') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (2..=4).contains(&digits) && rest.as_bytes().get(digits) == Some(&b')')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_published_examples() {
        // GS1 General Specifications examples and real retail codes.
        assert_eq!(compute_check_digit("0950600013435").unwrap(), 2);
        assert_eq!(compute_check_digit("400638133393").unwrap(), 1); // EAN-13 4006381333931
        assert_eq!(compute_check_digit("03600029145").unwrap(), 2); // UPC-A 036000291452
        assert_eq!(compute_check_digit("9638507").unwrap(), 4); // EAN-8 96385074
        assert_eq!(compute_check_digit("10614141123456789").unwrap(), 7); // SSCC 106141411234567897
        assert_eq!(compute_check_digit("950600001300").unwrap(), 8); // GLN 9506000013008
    }

    #[test]
    fn validates_each_key_type() {
        assert_eq!(validate_gtin("96385074"), Ok(GtinFormat::Ean8));
        assert_eq!(validate_gtin("036000291452"), Ok(GtinFormat::UpcA));
        assert_eq!(validate_gtin("4006381333931"), Ok(GtinFormat::Ean13));
        assert_eq!(validate_gtin("09506000134352"), Ok(GtinFormat::Gtin14));
        assert_eq!(
            validate_sscc("106141410000415"),
            Err(BarcodeError::WrongLength {
                key: "SSCC".into(),
                expected: "18".into(),
                found: 15
            })
        );
        assert!(validate_sscc("106141411234567897").is_ok());
        assert!(validate_gln("9506000013008").is_ok());
        assert_eq!(
            validate_gln("9506000013002"),
            Err(BarcodeError::BadCheckDigit {
                expected: 8,
                found: 2
            })
        );
        assert_eq!(
            validate_gtin("40063813339a1"),
            Err(BarcodeError::NonDigit {
                position: 11,
                character: 'a'
            })
        );
        assert_eq!(validate_gtin(""), Err(BarcodeError::Empty));
    }

    #[test]
    fn upc_a_normalises_to_gtin14_with_same_check_digit() {
        assert_eq!(normalize_gtin14("036000291452").unwrap(), "00036000291452");
        assert_eq!(normalize_gtin14("96385074").unwrap(), "00000096385074");
        assert!(has_valid_check_digit("00036000291452"));
        assert!(normalize_gtin14("036000291453").is_err());
    }

    #[test]
    fn upce_expands_by_its_last_digit() {
        // Published UPC-E / UPC-A pairs, one per zero-suppression rule.
        assert_eq!(expand_upce("04252614").unwrap(), "042100005264");
        assert_eq!(expand_upce("01234565").unwrap(), "012345000065");
        assert_eq!(expand_upce("01234531").unwrap(), "012300000451");
        assert_eq!(expand_upce("01234543").unwrap(), "012340000053");
        assert_eq!(expand_upce("21234543"), Err(BarcodeError::UpcENumberSystem));
        assert!(matches!(
            expand_upce("04252615"),
            Err(BarcodeError::BadCheckDigit { .. })
        ));
        assert_eq!(
            classify("04252614"),
            ScannedCode::Gtin {
                format: GtinFormat::UpcE,
                gtin14: "00042100005264".into()
            }
        );
    }

    #[test]
    fn with_check_digit_appends() {
        assert_eq!(with_check_digit("0950600013435").unwrap(), "09506000134352");
    }

    #[test]
    fn classify_plain_retail_codes() {
        assert_eq!(
            classify("036000291452"),
            ScannedCode::Gtin {
                format: GtinFormat::UpcA,
                gtin14: "00036000291452".into()
            }
        );
        assert_eq!(
            classify("4006381333931\n"),
            ScannedCode::Gtin {
                format: GtinFormat::Ean13,
                gtin14: "04006381333931".into()
            }
        );
        // Right length, wrong check digit: not a GTIN, and no GS1 marker either.
        assert_eq!(
            classify("4006381333932"),
            ScannedCode::Other {
                text: "4006381333932".into()
            }
        );
    }

    #[test]
    fn classify_gs1_forms() {
        let gs = "]d20109506000134352\u{1d}10ABC123";
        match classify(gs) {
            ScannedCode::Gs1(data) => {
                assert_eq!(data.gtin.as_deref(), Some("09506000134352"));
                assert_eq!(data.lot.as_deref(), Some("ABC123"));
            }
            other => panic!("expected GS1, got {other:?}"),
        }
        // Unmarked but starting with (01) and a valid check digit.
        assert!(matches!(
            classify("010950600013435210ABC123"),
            ScannedCode::Gs1(_)
        ));
        // Marked but broken: the error is kept.
        match classify("(01)09506000134353") {
            ScannedCode::MalformedGs1 { error, .. } => {
                assert!(matches!(error, Gs1Error::BadCheckDigit { .. }), "{error}")
            }
            other => panic!("expected malformed GS1, got {other:?}"),
        }
    }

    #[test]
    fn classify_free_text_and_urls() {
        // Would parse as AI (10) batch "ABC", but nothing says it is GS1.
        assert_eq!(
            classify("10ABC"),
            ScannedCode::Other {
                text: "10ABC".into()
            }
        );
        assert_eq!(
            classify("https://example.com/menu"),
            ScannedCode::Other {
                text: "https://example.com/menu".into()
            }
        );
        match classify("https://id.gs1.org/01/09506000134352/10/ABC%2F1?17=261231") {
            ScannedCode::Gs1(data) => {
                assert_eq!(data.gtin.as_deref(), Some("09506000134352"));
                assert_eq!(data.lot.as_deref(), Some("ABC/1"));
                assert_eq!(data.expiry, chrono::NaiveDate::from_ymd_opt(2026, 12, 31));
            }
            other => panic!("expected GS1, got {other:?}"),
        }
    }
}
