//! Property tests of the GS1 parser: valid data survives encode → parse in
//! both forms, any single-digit change to a check-digited key is caught, and
//! no input — however garbled — makes the parser or classifier panic.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use shared_types::barcode::{classify, with_check_digit};
use shared_types::gs1::{encode_bracketed, encode_gs, Gs1Data, Gs1Error, Gs1Parser};

const CASES: u32 = 2_000;
const REFERENCE_YEAR: i32 = 2025;

fn parser() -> Gs1Parser {
    Gs1Parser::with_reference_year(REFERENCE_YEAR)
}

const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET39: &str = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn chars_from(set: &'static str, min: usize, max: usize) -> BoxedStrategy<String> {
    let chars: Vec<char> = set.chars().collect();
    prop::collection::vec(prop::sample::select(chars), min..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

fn digits(min: usize, max: usize) -> BoxedStrategy<String> {
    chars_from("0123456789", min, max)
}

/// A key of `len` digits with a correct check digit.
fn key(len: usize) -> BoxedStrategy<String> {
    digits(len - 1, len - 1)
        .prop_map(|body| with_check_digit(&body).unwrap())
        .boxed()
}

/// YYMMDD with day 01–28 or, when `zero_day`, also 00.
fn yymmdd(zero_day: bool) -> BoxedStrategy<String> {
    let first_day = u32::from(!zero_day);
    (0u32..100, 1u32..=12, first_day..=28)
        .prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
        .boxed()
}

/// (AI, valid data) pairs covering every kind of format. No two AIs here
/// are a forbidden pair, so any subset is a valid message.
fn element() -> impl Strategy<Value = (String, String)> {
    let fixed =
        |ai: &'static str, s: BoxedStrategy<String>| s.prop_map(move |v| (ai.to_owned(), v));
    prop_oneof![
        fixed("00", key(18)),
        fixed("01", key(14)),
        fixed("10", chars_from(CSET82, 1, 20)),
        fixed("11", yymmdd(true)),
        fixed("13", yymmdd(true)),
        fixed("15", yymmdd(true)),
        fixed("16", yymmdd(true)),
        fixed("17", yymmdd(true)),
        fixed("20", digits(2, 2)),
        fixed("21", chars_from(CSET82, 1, 20)),
        fixed("240", chars_from(CSET82, 1, 30)),
        fixed("241", chars_from(CSET82, 1, 30)),
        fixed("250", chars_from(CSET82, 1, 30)),
        (key(13), chars_from(CSET82, 0, 17)).prop_map(|(k, t)| ("253".to_owned(), k + &t)),
        fixed("30", digits(1, 8)),
        ("31[0-6][0-5]", digits(6, 6)).prop_map(|(ai, v)| (ai, v)),
        ("(33[0-7]|34[0-9])[0-5]", digits(6, 6)).prop_map(|(ai, v)| (ai, v)),
        ("392[0-9]", digits(1, 15)).prop_map(|(ai, v)| (ai, v)),
        fixed("400", chars_from(CSET82, 1, 30)),
        ("41[0-4]", key(13)).prop_map(|(ai, v)| (ai, v)),
        fixed("422", digits(3, 3)),
        (yymmdd(false), 0u32..24, 0u32..60)
            .prop_map(|(d, h, m)| ("7003".to_owned(), format!("{d}{h:02}{m:02}"))),
        (
            yymmdd(false),
            0u32..24,
            prop::option::of((0u32..60, prop::option::of(0u32..60)))
        )
            .prop_map(|(d, h, rest)| {
                let mut v = format!("{d}{h:02}");
                if let Some((m, s)) = rest {
                    v += &format!("{m:02}");
                    if let Some(s) = s {
                        v += &format!("{s:02}");
                    }
                }
                ("8008".to_owned(), v)
            }),
        (key(13), chars_from(CSET82, 0, 16))
            .prop_map(|(k, t)| ("8003".to_owned(), format!("0{k}{t}"))),
        fixed("8005", digits(6, 6)),
        (key(14), digits(4, 4)).prop_map(|(k, t)| ("8006".to_owned(), k + &t)),
        fixed("8010", chars_from(CSET39, 1, 30)),
        fixed("8017", key(18)),
        fixed("90", chars_from(CSET82, 1, 30)),
        fixed("99", chars_from(CSET82, 1, 90)),
    ]
}

/// A message: distinct AIs (the family digit aside, so 3102 and 3103 never
/// meet), in random order.
fn message() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(element(), 1..8).prop_map(|mut v| {
        let family = |ai: &str| {
            if ai.len() == 4 && ai.starts_with('3') {
                ai[..3].to_owned()
            } else {
                ai.to_owned()
            }
        };
        let mut seen = std::collections::HashSet::new();
        v.retain(|(ai, _)| seen.insert(family(ai)));
        v
    })
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn valid_messages_round_trip_in_both_forms(message in message()) {
        let p = parser();
        let elements: Vec<_> = message
            .iter()
            .map(|(ai, raw)| p.element(ai, raw).unwrap_or_else(|e| panic!("generator made invalid ({ai}){raw}: {e}")))
            .collect();
        let gs = encode_gs(&elements);
        let bracketed = encode_bracketed(&elements);
        prop_assert_eq!(&p.elements(&gs).unwrap(), &elements, "GS form {:?}", gs);
        prop_assert_eq!(&p.elements(&bracketed).unwrap(), &elements, "bracketed {:?}", bracketed);
        // With a symbology identifier and a scanner's trailing newline.
        let framed = format!("]d2{gs}\r\n");
        prop_assert_eq!(p.parse(&framed).unwrap(), Gs1Data::from_elements(elements));
    }

    #[test]
    fn generated_gs1_data_round_trips(
        gtin in key(14),
        lot in prop::option::of(chars_from(CSET82, 1, 20)),
        serial in prop::option::of(chars_from(CSET82, 1, 20)),
        expiry in prop::option::of((0i32..=74, 1u32..=12, 0u32..=31)),
        weight in prop::option::of((0i64..1_000_000, 0u32..=5)),
        count in prop::option::of(0u64..100_000_000),
    ) {
        // Clamp the day to the month so every generated date is real.
        let expiry = expiry.map(|(yy, m, d)| {
            let year = 2000 + yy; // within the window around 2025
            let last = NaiveDate::from_ymd_opt(year + i32::from(m == 12), m % 12 + 1, 1)
                .unwrap()
                .pred_opt()
                .unwrap()
                .day();
            (yy, m, d.min(last), last)
        });
        let mut raw: Vec<(String, String)> = vec![("01".into(), gtin.clone())];
        if let Some((yy, m, d, _)) = expiry {
            raw.push(("17".into(), format!("{yy:02}{m:02}{d:02}")));
        }
        if let Some((v, n)) = weight {
            raw.push((format!("310{n}"), format!("{v:06}")));
        }
        if let Some(l) = &lot { raw.push(("10".into(), l.clone())); }
        if let Some(c) = count { raw.push(("30".into(), c.to_string())); }
        if let Some(s) = &serial { raw.push(("21".into(), s.clone())); }

        let p = parser();
        let elements: Vec<_> = raw.iter().map(|(ai, v)| p.element(ai, v).unwrap()).collect();
        for text in [encode_gs(&elements), encode_bracketed(&elements)] {
            let data = p.parse(&text).unwrap();
            prop_assert_eq!(data.gtin.as_deref(), Some(gtin.as_str()));
            prop_assert_eq!(&data.lot, &lot);
            prop_assert_eq!(&data.serial, &serial);
            prop_assert_eq!(data.variable_count, count);
            prop_assert_eq!(data.net_weight_kg, weight.map(|(v, n)| Decimal::new(v, n)));
            let expected_expiry = expiry.map(|(yy, m, d, last)| {
                NaiveDate::from_ymd_opt(2000 + yy, m, if d == 0 { last } else { d }).unwrap()
            });
            prop_assert_eq!(data.expiry, expected_expiry);
        }
    }

    #[test]
    fn one_changed_digit_in_a_key_is_detected(
        (ai, value) in prop_oneof![
            key(18).prop_map(|k| ("00", k)),
            key(14).prop_map(|k| ("01", k)),
            key(14).prop_map(|k| ("02", k)),
            key(13).prop_map(|k| ("410", k)),
            key(13).prop_map(|k| ("414", k)),
            key(18).prop_map(|k| ("8017", k)),
        ],
        index in any::<prop::sample::Index>(),
        bump in 1u8..=9,
    ) {
        let mut bytes = value.clone().into_bytes();
        let i = index.index(bytes.len());
        bytes[i] = b'0' + (bytes[i] - b'0' + bump) % 10;
        let mutated = String::from_utf8(bytes).unwrap();
        let p = parser();
        for text in [format!("{ai}{mutated}"), format!("({ai}){mutated}(10)LOT1")] {
            match p.parse(&text) {
                Err(Gs1Error::BadCheckDigit { ai: got, .. }) => prop_assert_eq!(got, ai),
                other => prop_assert!(false, "{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parser().parse(&text);
        let _ = parser().digital_link(&text);
        let _ = classify(&text);
    }

    #[test]
    fn near_gs1_text_never_panics(text in "(\\]d2|\\]C1|https://x/01/|\\()?[0-9()\u{1d}A/%?=&\\\\é]{0,60}") {
        let _ = parser().parse(&text);
        let _ = classify(&text);
    }
}
