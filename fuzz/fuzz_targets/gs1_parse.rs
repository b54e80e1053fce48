//! Fuzzes the GS1 parser, the Digital Link reader, the encoders and the
//! barcode classifier: none may panic, and whatever parses must encode and
//! parse back to the same elements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_types::barcode::classify;
use shared_types::gs1::{encode_bracketed, encode_gs, Gs1Parser};

fuzz_target!(|data: &[u8]| {
    // Scanners hand over text; invalid UTF-8 is exercised through the lossy
    // conversion, which is what a caller holding raw bytes would do.
    let text = match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    };
    // A fixed reference year keeps runs reproducible.
    let parser = Gs1Parser::with_reference_year(2025);
    if let Ok(elements) = parser.elements(&text) {
        let gs = encode_gs(&elements);
        assert_eq!(
            parser.elements(&gs).as_ref(),
            Ok(&elements),
            "GS round trip of {text:?}"
        );
        let bracketed = encode_bracketed(&elements);
        assert_eq!(
            parser.elements(&bracketed).as_ref(),
            Ok(&elements),
            "bracketed round trip of {text:?}"
        );
    }
    let _ = parser.digital_link(&text);
    let _ = classify(&text);
});
