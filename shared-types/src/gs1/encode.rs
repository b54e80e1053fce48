//! Writing elements back out, in the FNC1/GS form a symbol carries and in
//! the bracketed human-readable form.

use super::{table, Gs1Element, GS};

/// Encodes elements as a symbol's data: each AI followed by its data, with a
/// GS (FNC1) after every field that has no predefined length, except the
/// last. Order is kept as given; put predefined-length AIs first to save
/// separators. No symbology identifier is added.
///
/// Elements are expected to be valid (from the parser or
/// [`Gs1Element::new`](super::Gs1Element::new)); this does not re-check them.
pub fn encode_gs(elements: &[Gs1Element]) -> String {
    let mut out = String::new();
    for (i, el) in elements.iter().enumerate() {
        out.push_str(&el.ai);
        out.push_str(&el.raw);
        let last = i + 1 == elements.len();
        if !last && table::predefined_data_len(&el.ai).is_none() {
            out.push(GS);
        }
    }
    out
}

/// Encodes elements in the bracketed form, `(01)09506000134352(10)ABC`.
/// A `(` inside data is written `\(` so the text parses back unambiguously.
pub fn encode_bracketed(elements: &[Gs1Element]) -> String {
    let mut out = String::new();
    for el in elements {
        out.push('(');
        out.push_str(&el.ai);
        out.push(')');
        out.push_str(&el.raw.replace('(', "\\("));
    }
    out
}
