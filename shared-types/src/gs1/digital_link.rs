//! GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax 1.x), the
//! form GS1 QR codes on consumer packs increasingly carry:
//! `https://example.com/anything/01/09506000134352/10/ABC123?17=261231`.
//!
//! Any domain and any path prefix are allowed; the GS1 part is the trailing
//! run of `/AI/value` pairs that starts with a primary key AI, plus query
//! parameters whose names are AIs (others, such as `linkType`, are ignored).

use super::parse::interpret;
use super::table;
use super::{Gs1Element, Gs1Error};

/// AIs that may start the path (primary keys).
const PRIMARY_KEYS: [&str; 15] = [
    "00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013",
    "8017", "8018",
];

fn not_dl(reason: &str) -> Gs1Error {
    Gs1Error::NotDigitalLink {
        reason: reason.to_owned(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn is_ai(segment: &str) -> bool {
    !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && table::lookup(segment).is_some()
}

/// Offset of `part` (a sub-slice of `whole`) within `whole`, for error positions.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

pub(crate) fn parse(uri: &str, year: i32) -> Result<Vec<Gs1Element>, Gs1Error> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .ok_or_else(|| not_dl("it does not start with http:// or https://"))?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path
        .find('/')
        .map(|slash| &path[slash..])
        .ok_or_else(|| not_dl("it has no path"))?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // The GS1 part is the *trailing* run of pairs, so the earliest start
    // whose remainder is all (AI, value) pairs with a primary key first.
    let start = (0..segments.len())
        .find(|&i| {
            (segments.len() - i).is_multiple_of(2)
                && PRIMARY_KEYS.contains(&segments[i])
                && segments[i..].iter().step_by(2).all(|s| is_ai(s))
        })
        .ok_or_else(|| not_dl("its path has no GS1 key such as /01/<GTIN>"))?;

    let mut pairs: Vec<(&str, &str)> = segments[start..]
        .chunks(2)
        .map(|pair| (pair[0], pair[1]))
        .collect();
    pairs.extend(
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| is_ai(k)),
    );

    pairs
        .into_iter()
        .map(|(ai, encoded)| {
            let mut value = percent_decode(encoded)
                .ok_or_else(|| not_dl("a value has invalid percent-encoding"))?;
            // Digital Link lets GTIN-8/12/13 stand for the GTIN-14 they pad to.
            if ai == "01" && matches!(value.len(), 8 | 12 | 13) {
                value = format!("{value:0>14}");
            }
            let def = table::lookup(ai).ok_or_else(|| not_dl("unknown AI"))?;
            let value_kind = interpret(def, ai, &value, offset_in(uri, encoded), year)?;
            Ok(Gs1Element {
                ai: ai.to_owned(),
                raw: value,
                value: value_kind,
            })
        })
        .collect()
}
