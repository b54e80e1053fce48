//! Splitting input into (AI, data) pairs and turning each pair into a typed,
//! validated [`Gs1Value`].

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::table::{self, AiDef, Charset, Format, KeyKind, ZeroDay};
use super::{
    digital_link, Amount, DateProblem, Gs1Date, Gs1Element, Gs1Error, Gs1Value, Measure, GS,
};

const GS_BYTE: u8 = 0x1d;

/// Symbology identifiers a scanner may prefix to GS1 data (ISO/IEC 15424).
const SYMBOLOGY_IDS: [&str; 5] = ["]C1", "]d2", "]Q3", "]e0", "]J1"];

/// Detects the input form and splits it into validated elements (no
/// message-level checks yet).
pub(crate) fn split_and_interpret(input: &str, year: i32) -> Result<Vec<Gs1Element>, Gs1Error> {
    // Scanners in keyboard mode append CR/LF; whitespace is never GS1 data.
    let start = input.len() - input.trim_start().len();
    let mut body = input.trim();
    let mut offset = start;
    if let Some(id) = SYMBOLOGY_IDS.iter().find(|id| body.starts_with(*id)) {
        body = &body[id.len()..];
        offset += id.len();
    }
    if body
        .bytes()
        .all(|b| b == GS_BYTE || b.is_ascii_whitespace())
    {
        return Err(Gs1Error::Empty);
    }
    if body.starts_with("http://") || body.starts_with("https://") {
        return digital_link::parse(body, year);
    }
    if body.starts_with('(') {
        split_bracketed(body, offset, year)
    } else {
        split_gs(body, offset, year)
    }
}

fn read_ai(body: &str, pos: usize, offset: usize) -> Result<&'static AiDef, Gs1Error> {
    let bytes = &body.as_bytes()[pos..];
    if let Some(def) = table::lookup_start(bytes) {
        return Ok(def);
    }
    let digits = bytes
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        let found = body[pos..].chars().next().unwrap_or(GS);
        return Err(Gs1Error::ExpectedAi {
            position: offset + pos,
            found,
        });
    }
    Err(Gs1Error::UnknownAi {
        ai: body[pos..pos + digits].to_owned(),
        position: offset + pos,
    })
}

/// The FNC1/GS form: predefined-length AIs take exactly their length; every
/// other AI runs to the next GS or the end.
fn split_gs(body: &str, offset: usize, year: i32) -> Result<Vec<Gs1Element>, Gs1Error> {
    let bytes = body.as_bytes();
    let mut elements = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // Separators after predefined-length fields, or doubled, are harmless.
        if bytes[pos] == GS_BYTE {
            pos += 1;
            continue;
        }
        let def = read_ai(body, pos, offset)?;
        let ai = &body[pos..pos + def.ai_len()];
        let data_start = pos + ai.len();
        let field_end = bytes[data_start..]
            .iter()
            .position(|&b| b == GS_BYTE)
            .map_or(bytes.len(), |p| data_start + p);
        let data_end = match table::predefined_data_len(ai) {
            // If fewer are there, `interpret` reports the truncation.
            Some(len) => field_end.min(data_start + len),
            None => field_end,
        };
        // A fixed-length slice may cut a multi-byte character; the charset
        // check rejects non-ASCII anyway, so report the character it starts.
        let raw = body.get(data_start..data_end).unwrap_or_else(|| {
            let mut end = data_end;
            while !body.is_char_boundary(end) {
                end += 1;
            }
            &body[data_start..end]
        });
        let value = interpret(def, ai, raw, offset + data_start, year)?;
        elements.push(Gs1Element {
            ai: ai.to_owned(),
            raw: raw.to_owned(),
            value,
        });
        pos = data_start + raw.len();
    }
    Ok(elements)
}

/// Whether `(` at `pos` opens an AI: `(` + 2–4 digits + `)`.
fn opens_ai(bytes: &[u8], pos: usize) -> Option<usize> {
    if bytes.get(pos) != Some(&b'(') {
        return None;
    }
    let digits = bytes[pos + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    ((2..=4).contains(&digits) && bytes.get(pos + 1 + digits) == Some(&b')')).then_some(digits)
}

/// The bracketed human-readable form. Parentheses are legal data characters
/// (character set 82), so inside data `\(` stands for a literal `(`, as in
/// the GS1 Barcode Syntax Engine; an unescaped `(` only ends the data when
/// it opens an AI.
fn split_bracketed(body: &str, offset: usize, year: i32) -> Result<Vec<Gs1Element>, Gs1Error> {
    let bytes = body.as_bytes();
    let mut elements = Vec::new();
    let mut pos = 0;
    loop {
        while pos < bytes.len() && bytes[pos] == b' ' {
            pos += 1;
        }
        if pos == bytes.len() {
            break;
        }
        let Some(digits) = opens_ai(bytes, pos) else {
            return Err(Gs1Error::MalformedBrackets {
                position: offset + pos,
                reason: "expected \"(\", 2 to 4 digits and \")\" to start an AI".into(),
            });
        };
        let ai = &body[pos + 1..pos + 1 + digits];
        let def = table::lookup(ai).ok_or_else(|| Gs1Error::UnknownAi {
            ai: ai.to_owned(),
            position: offset + pos + 1,
        })?;
        let data_start = pos + digits + 2;
        let mut raw = String::new();
        let mut i = data_start;
        while i < bytes.len() {
            if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'(') {
                raw.push('(');
                i += 2;
                continue;
            }
            if opens_ai(bytes, i).is_some() {
                break;
            }
            let c = body[i..].chars().next().unwrap_or(' ');
            raw.push(c);
            i += c.len_utf8();
        }
        let raw = raw.trim_matches(' ');
        let value = interpret(def, ai, raw, offset + data_start, year)?;
        elements.push(Gs1Element {
            ai: ai.to_owned(),
            raw: raw.to_owned(),
            value,
        });
        pos = i;
    }
    Ok(elements)
}

/// AI pairs the General Specifications (§4.14.1) do not allow in one
/// message. A trailing `n` matches the whole family.
const INVALID_PAIRS: &[(&str, &str)] = &[
    ("01", "02"),
    ("01", "37"),
    ("01", "255"),
    ("420", "421"),
    ("422", "426"),
    ("423", "426"),
    ("424", "426"),
    ("425", "426"),
    ("390n", "391n"),
    ("392n", "393n"),
];

fn ai_matches(ai: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('n') {
        Some(prefix) => ai.len() == prefix.len() + 1 && ai.starts_with(prefix),
        None => ai == pattern,
    }
}

/// Message-level rules: identical repeats are dropped (symbols are allowed
/// to repeat an element), conflicting repeats and forbidden pairs are errors.
pub(crate) fn check_message(elements: Vec<Gs1Element>) -> Result<Vec<Gs1Element>, Gs1Error> {
    let mut kept: Vec<Gs1Element> = Vec::with_capacity(elements.len());
    for el in elements {
        if let Some(prev) = kept.iter().find(|k| k.ai == el.ai) {
            if prev.raw == el.raw {
                continue;
            }
            return Err(Gs1Error::DuplicateAi {
                ai: el.ai,
                first: prev.raw.clone(),
                second: el.raw,
            });
        }
        // The same measure or amount with two decimal positions (3102 and 3103).
        let numeric_family = table::lookup(&el.ai).is_some_and(|d| {
            d.family.is_some()
                && matches!(
                    d.format,
                    Format::Measure { .. } | Format::Amount { .. } | Format::ImpliedDecimal { .. }
                )
        });
        if numeric_family {
            if let Some(prev) = kept
                .iter()
                .find(|k| k.ai.len() == 4 && k.ai[..3] == el.ai[..3])
            {
                return Err(Gs1Error::InvalidCombination {
                    ai: prev.ai.clone(),
                    other: el.ai,
                });
            }
        }
        for (a, b) in INVALID_PAIRS {
            for (this, that) in [(a, b), (b, a)] {
                if ai_matches(&el.ai, this) {
                    if let Some(prev) = kept.iter().find(|k| ai_matches(&k.ai, that)) {
                        return Err(Gs1Error::InvalidCombination {
                            ai: prev.ai.clone(),
                            other: el.ai,
                        });
                    }
                }
            }
        }
        kept.push(el);
    }
    Ok(kept)
}

/// Checks every character: those starting before byte `split` against
/// `head`, the rest against `tail` (keys with a serial component).
fn check_charset(
    ai: &str,
    raw: &str,
    split: usize,
    head: Charset,
    tail: Charset,
    data_pos: usize,
) -> Result<(), Gs1Error> {
    for (i, c) in raw.char_indices() {
        let charset = if i < split { head } else { tail };
        if !(c.is_ascii() && charset.allows(c as u8)) {
            return Err(Gs1Error::InvalidCharacter {
                ai: ai.to_owned(),
                character: c,
                position: data_pos + i,
                charset: charset.name().to_owned(),
            });
        }
    }
    Ok(())
}

fn check_digit(ai: &str, key: &str) -> Result<(), Gs1Error> {
    match crate::barcode::validate_check_digit(key) {
        Ok(()) => Ok(()),
        Err(crate::barcode::BarcodeError::BadCheckDigit { expected, found }) => {
            Err(Gs1Error::BadCheckDigit {
                ai: ai.to_owned(),
                value: key.to_owned(),
                expected: char::from(b'0' + expected),
                found: char::from(b'0' + found),
            })
        }
        // Length and digits were checked before; nothing else can fail.
        Err(_) => Ok(()),
    }
}

/// Decimal places from a family AI's last digit (3103 → 3).
fn decimals(ai: &str) -> u32 {
    ai.bytes().last().map_or(0, |b| u32::from(b - b'0'))
}

fn digits_value(raw: &str) -> u64 {
    // Callers pass at most 15 ASCII digits, which always fit.
    raw.bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

/// Validates `raw` against `def` and returns its typed value. `data_pos` is
/// where `raw` starts in the caller's input, for error positions.
pub(crate) fn interpret(
    def: &AiDef,
    ai: &str,
    raw: &str,
    data_pos: usize,
    year: i32,
) -> Result<Gs1Value, Gs1Error> {
    let format = def.format;
    let (min, max) = (format.min_len(), format.max_len());
    if let Some(expected_len) = table::predefined_data_len(ai) {
        if raw.len() < expected_len {
            return Err(Gs1Error::Truncated {
                ai: ai.to_owned(),
                expected_len,
                found_len: raw.len(),
            });
        }
    }
    if !(min..=max).contains(&raw.len()) {
        return Err(Gs1Error::BadLength {
            ai: ai.to_owned(),
            min,
            max,
            found_len: raw.len(),
        });
    }
    // Characters are checked after lengths: a field that is too long usually
    // means a missing separator, a more useful message than the character
    // that happens to follow.
    let (split, head, tail) = match format {
        Format::KeyWithTail { key_len, tail, .. } => (key_len, Charset::Numeric, tail),
        Format::Plain { charset, .. } => (0, charset, charset),
        _ => (0, Charset::Numeric, Charset::Numeric),
    };
    check_charset(ai, raw, split, head, tail, data_pos)?;
    Ok(match format {
        Format::Key { kind, .. } => {
            check_digit(ai, raw)?;
            let raw = raw.to_owned();
            match kind {
                KeyKind::Gtin => Gs1Value::Gtin(raw),
                KeyKind::Sscc => Gs1Value::Sscc(raw),
                KeyKind::Gln => Gs1Value::Gln(raw),
                KeyKind::Other => Gs1Value::Text(raw),
            }
        }
        Format::KeyWithTail {
            key_len, lead_zero, ..
        } => {
            if lead_zero && !raw.starts_with('0') {
                return Err(Gs1Error::MissingZeroFiller { ai: ai.to_owned() });
            }
            check_digit(ai, &raw[..key_len])?;
            Gs1Value::Text(raw.to_owned())
        }
        Format::Date(zero) => Gs1Value::Date(parse_date(ai, raw, zero, year)?),
        Format::DateTime { .. } => Gs1Value::DateTime(parse_date_time(ai, raw, year)?),
        Format::Count { .. } => Gs1Value::Count(digits_value(raw)),
        Format::Measure {
            quantity,
            unit,
            logistic,
        } => Gs1Value::Measure(Measure {
            quantity,
            unit,
            logistic,
            value: Decimal::new(digits_value(raw) as i64, decimals(ai)),
        }),
        Format::Amount { currency } => {
            let (code, amount) = if currency { raw.split_at(3) } else { ("", raw) };
            Gs1Value::Amount(Amount {
                value: Decimal::new(digits_value(amount) as i64, decimals(ai)),
                currency: currency.then(|| code.to_owned()),
            })
        }
        Format::ImpliedDecimal { .. } => {
            Gs1Value::Decimal(Decimal::new(digits_value(raw) as i64, decimals(ai)))
        }
        Format::Plain { .. } => Gs1Value::Text(raw.to_owned()),
    })
}

/// Two-digit year to full year (General Specifications §7.12): within 49
/// years back and 50 years ahead of `reference_year`.
pub(crate) fn resolve_year(yy: i32, reference_year: i32) -> i32 {
    let current_yy = reference_year.rem_euclid(100);
    let century = reference_year - current_yy;
    match yy - current_yy {
        51..=99 => century - 100 + yy,
        -99..=-50 => century + 100 + yy,
        _ => century + yy,
    }
}

fn two(raw: &str, at: usize) -> u32 {
    digits_value(&raw[at..at + 2]) as u32
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn parse_date(
    ai: &str,
    raw: &str,
    zero: ZeroDay,
    reference_year: i32,
) -> Result<Gs1Date, Gs1Error> {
    let invalid = |problem| Gs1Error::InvalidDate {
        ai: ai.to_owned(),
        value: raw.to_owned(),
        problem,
    };
    let year = resolve_year(two(raw, 0) as i32, reference_year);
    let (month, day) = (two(raw, 2), two(raw, 4));
    if !(1..=12).contains(&month) {
        return Err(invalid(DateProblem::Month { month }));
    }
    let date = match (day, zero) {
        (0, ZeroDay::Forbidden) => return Err(invalid(DateProblem::ZeroDay)),
        (0, ZeroDay::StartOfMonth) => NaiveDate::from_ymd_opt(year, month, 1),
        (0, ZeroDay::EndOfMonth) => last_day_of_month(year, month),
        _ => NaiveDate::from_ymd_opt(year, month, day),
    }
    .ok_or_else(|| invalid(DateProblem::Day { day, month, year }))?;
    Ok(Gs1Date {
        date,
        day_specified: day != 0,
    })
}

fn parse_date_time(ai: &str, raw: &str, reference_year: i32) -> Result<NaiveDateTime, Gs1Error> {
    let invalid = |problem| Gs1Error::InvalidDate {
        ai: ai.to_owned(),
        value: raw.to_owned(),
        problem,
    };
    if !raw.len().is_multiple_of(2) {
        return Err(invalid(DateProblem::IncompleteTime));
    }
    let date =
        parse_date(ai, &raw[..6], ZeroDay::Forbidden, reference_year).map_err(|e| match e {
            Gs1Error::InvalidDate { problem, .. } => invalid(problem),
            other => other,
        })?;
    let hour = two(raw, 6);
    let minute = if raw.len() >= 10 { two(raw, 8) } else { 0 };
    let second = if raw.len() >= 12 { two(raw, 10) } else { 0 };
    if hour > 23 {
        return Err(invalid(DateProblem::Hour { hour }));
    }
    if minute > 59 {
        return Err(invalid(DateProblem::Minute { minute }));
    }
    if second > 59 {
        return Err(invalid(DateProblem::Second { second }));
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second)
        .ok_or_else(|| invalid(DateProblem::Hour { hour }))?;
    Ok(date.date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn century_rule_matches_spec_examples() {
        // §7.12: a window of 49 years back, 50 ahead.
        assert_eq!(resolve_year(25, 2025), 2025);
        assert_eq!(resolve_year(75, 2025), 2075);
        assert_eq!(resolve_year(76, 2025), 1976);
        assert_eq!(resolve_year(0, 2025), 2000);
        assert_eq!(resolve_year(49, 2099), 2149);
        assert_eq!(resolve_year(50, 2099), 2050);
        assert_eq!(resolve_year(99, 2000), 1999);
        assert_eq!(resolve_year(50, 2000), 2050);
        assert_eq!(resolve_year(51, 2000), 1951);
    }

    #[test]
    fn last_day_handles_leap_years_and_december() {
        assert_eq!(
            last_day_of_month(2024, 2),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(
            last_day_of_month(2025, 2),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        assert_eq!(
            last_day_of_month(2025, 12),
            NaiveDate::from_ymd_opt(2025, 12, 31)
        );
        assert_eq!(
            last_day_of_month(2025, 4),
            NaiveDate::from_ymd_opt(2025, 4, 30)
        );
    }
}
