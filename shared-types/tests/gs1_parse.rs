//! Example-based tests of the GS1 parser: every AI the inventory features
//! rely on, the General Specifications' own examples, and each error kind
//! with its message.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use shared_types::gs1::{
    self, encode_bracketed, encode_gs, DateProblem, Gs1Data, Gs1Element, Gs1Error, Gs1Parser,
    Gs1Value, MeasureQuantity, MeasureUnit, GS,
};

/// Two-digit years in these tests are read against 2025.
fn parser() -> Gs1Parser {
    Gs1Parser::with_reference_year(2025)
}

fn parse(input: &str) -> Gs1Data {
    parser()
        .parse(input)
        .unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
}

fn parse_err(input: &str) -> Gs1Error {
    match parser().parse(input) {
        Ok(data) => panic!("{input:?} should fail, got {data:?}"),
        Err(e) => e,
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn value_of(data: &Gs1Data, ai: &str) -> Gs1Value {
    data.elements
        .iter()
        .find(|e| e.ai == ai)
        .unwrap_or_else(|| panic!("no AI ({ai}) in {data:?}"))
        .value
        .clone()
}

#[test]
fn spec_example_in_bracketed_gs_and_symbology_forms_agree() {
    let bracketed = parse("(01)09506000134352(17)201225(10)ABC123");
    let gs = parse(concat!("0109506000134352", "17201225", "10ABC123"));
    let datamatrix = parse("]d2010950600013435217201225\u{1d}10ABC123\r\n");
    let gs1_128 = parse("]C1010950600013435217201225\u{1d}10ABC123\u{1d}");
    assert_eq!(bracketed.gtin.as_deref(), Some("09506000134352"));
    assert_eq!(bracketed.expiry, Some(ymd(2020, 12, 25)));
    assert_eq!(bracketed.lot.as_deref(), Some("ABC123"));
    assert_eq!(bracketed, gs);
    assert_eq!(bracketed, datamatrix);
    assert_eq!(bracketed, gs1_128);
    assert_eq!(bracketed.elements.len(), 3);
}

#[test]
fn ai_00_sscc() {
    let data = parse("00106141411234567897");
    assert_eq!(data.sscc.as_deref(), Some("106141411234567897"));
    assert_eq!(
        value_of(&data, "00"),
        Gs1Value::Sscc("106141411234567897".into())
    );
    assert_eq!(
        parse_err("00106141411234567898"),
        Gs1Error::BadCheckDigit {
            ai: "00".into(),
            value: "106141411234567898".into(),
            expected: '7',
            found: '8'
        }
    );
}

#[test]
fn ai_01_gtin_and_its_check_digit() {
    assert_eq!(
        parse("0109506000134352").gtin.as_deref(),
        Some("09506000134352")
    );
    let err = parse_err("(01)09506000134353");
    assert_eq!(
        err,
        Gs1Error::BadCheckDigit {
            ai: "01".into(),
            value: "09506000134353".into(),
            expected: '2',
            found: '3'
        }
    );
    assert_eq!(
        err.to_string(),
        "AI (01) GTIN 09506000134353 has a wrong check digit: expected 2, found 3"
    );
    // Letters are not allowed in a numeric key.
    assert!(matches!(
        parse_err("01095060001343A2"),
        Gs1Error::InvalidCharacter {
            character: 'A',
            position: 14,
            ..
        }
    ));
}

#[test]
fn ai_02_with_37_on_a_pallet_label() {
    // A typical SSCC label: pallet SSCC, contained GTIN, count, best before, batch.
    let data = parse("]C100106141411234567897020950600013435215260531\u{1d}3748\u{1d}10L-77");
    assert_eq!(data.sscc.as_deref(), Some("106141411234567897"));
    assert_eq!(data.content_gtin.as_deref(), Some("09506000134352"));
    assert_eq!(data.gtin, None);
    assert_eq!(data.best_before, Some(ymd(2026, 5, 31)));
    assert_eq!(data.count, Some(48));
    assert_eq!(data.lot.as_deref(), Some("L-77"));
}

#[test]
fn ai_10_batch_is_variable_up_to_20() {
    let data = parse("(01)09506000134352(10)ABCDEFGHIJKLMNOPQRST");
    assert_eq!(data.lot.as_deref(), Some("ABCDEFGHIJKLMNOPQRST"));
    let err = parse_err("(10)ABCDEFGHIJKLMNOPQRSTU");
    assert_eq!(
        err,
        Gs1Error::BadLength {
            ai: "10".into(),
            min: 1,
            max: 20,
            found_len: 21
        }
    );
    assert!(
        err.to_string().contains("is an FNC1/GS separator missing?"),
        "{err}"
    );
    assert!(matches!(
        parse_err("(10)"),
        Gs1Error::BadLength { found_len: 0, .. }
    ));
}

#[test]
fn ai_11_and_13_production_and_packaging_dates() {
    let data = parse("(11)250315(13)250400");
    assert_eq!(data.production_date, Some(ymd(2025, 3, 15)));
    // Day 00 outside expiry-type dates: the month is known, the day is not.
    assert_eq!(data.packaging_date, Some(ymd(2025, 4, 1)));
    match value_of(&data, "13") {
        Gs1Value::Date(d) => assert!(!d.day_specified),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ai_15_and_17_day_00_means_end_of_month() {
    let data = parse("(15)240200(17)251200");
    assert_eq!(data.best_before, Some(ymd(2024, 2, 29)), "leap year");
    assert_eq!(data.expiry, Some(ymd(2025, 12, 31)));
    assert_eq!(parse("17250400").expiry, Some(ymd(2025, 4, 30)));
    assert_eq!(parse("17250200").expiry, Some(ymd(2025, 2, 28)));
    assert_eq!(parse("(16)260100").sell_by, Some(ymd(2026, 1, 31)));
}

#[test]
fn ai_17_invalid_dates_are_explained() {
    let err = parse_err("17251340");
    assert_eq!(
        err,
        Gs1Error::InvalidDate {
            ai: "17".into(),
            value: "251340".into(),
            problem: DateProblem::Month { month: 13 }
        }
    );
    assert_eq!(
        err.to_string(),
        "AI (17) expiry date 251340 is not a valid date: month 13"
    );
    assert_eq!(
        parse_err("(17)250231").to_string(),
        "AI (17) expiry date 250231 is not a valid date: day 31 does not exist in 2025-02"
    );
    assert!(matches!(
        parse_err("(17)250001"),
        Gs1Error::InvalidDate {
            problem: DateProblem::Month { month: 0 },
            ..
        }
    ));
}

#[test]
fn two_digit_years_follow_the_century_rule() {
    // Reference 2025: 49 years back, 50 ahead.
    assert_eq!(parse("17751231").expiry, Some(ymd(2075, 12, 31)));
    assert_eq!(parse("11760101").production_date, Some(ymd(1976, 1, 1)));
    let later = Gs1Parser::with_reference_year(2090)
        .parse("17350101")
        .unwrap();
    assert_eq!(later.expiry, Some(ymd(2135, 1, 1)));
}

#[test]
fn ai_21_serial_ends_at_gs() {
    let data = parse("010950600013435221SN-0001/A\u{1d}10B7");
    assert_eq!(data.serial.as_deref(), Some("SN-0001/A"));
    assert_eq!(data.lot.as_deref(), Some("B7"));
}

#[test]
fn ai_30_and_37_counts() {
    assert_eq!(parse("3012").variable_count, Some(12));
    assert_eq!(parse("(30)00000150").variable_count, Some(150));
    assert_eq!(parse("(02)09506000134352(37)1000").count, Some(1000));
    assert!(matches!(
        parse_err("(37)123456789"),
        Gs1Error::BadLength {
            max: 8,
            found_len: 9,
            ..
        }
    ));
    assert!(matches!(
        parse_err("(30)12a"),
        Gs1Error::InvalidCharacter { character: 'a', .. }
    ));
}

#[test]
fn ai_310n_to_316n_measures_with_implied_decimals() {
    let data = parse(
        "(01)09506000134352(3103)001250(3112)000150(3122)000045(3132)000300(3142)012000(3151)007500(3160)000125",
    );
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(data.net_weight_kg, Some(d("1.250")));
    assert_eq!(data.length_m, Some(d("1.50")));
    assert_eq!(data.width_m, Some(d("0.45")));
    assert_eq!(data.depth_m, Some(d("3.00")));
    assert_eq!(data.area_m2, Some(d("120.00")));
    assert_eq!(data.net_volume_l, Some(d("750.0")));
    assert_eq!(data.net_volume_m3, Some(d("125")));
    assert_eq!(
        value_of(&data, "3103"),
        Gs1Value::Measure(gs1::Measure {
            quantity: MeasureQuantity::NetWeight,
            unit: MeasureUnit::Kilogram,
            logistic: false,
            value: d("1.250"),
        })
    );
    // Same measure twice with different decimals is contradictory.
    assert!(matches!(
        parse_err("31030012503102000125"),
        Gs1Error::InvalidCombination { .. }
    ));
    // Six digits exactly: five is a truncation.
    assert_eq!(
        parse_err("310300125"),
        Gs1Error::Truncated {
            ai: "3103".into(),
            expected_len: 6,
            found_len: 5
        }
    );
    // Decimal position beyond 5 is not a defined AI.
    assert!(matches!(
        parse_err("3106001250"),
        Gs1Error::UnknownAi { .. }
    ));
    // Imperial and logistic measures keep their units.
    match value_of(&parse("(3301)002505(3201)000220"), "3301") {
        Gs1Value::Measure(m) => {
            assert_eq!(m.unit, MeasureUnit::Kilogram);
            assert!(m.logistic);
            assert_eq!(m.value, d("250.5"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ai_400_purchase_order() {
    let data = parse("(400)PO-2025/0042(10)X");
    assert_eq!(data.customer_po.as_deref(), Some("PO-2025/0042"));
    assert!(matches!(
        parse_err("(400)1234567890123456789012345678901"),
        Gs1Error::BadLength {
            max: 30,
            found_len: 31,
            ..
        }
    ));
}

#[test]
fn ai_410_to_414_glns() {
    let data = parse(
        "(410)9506000013008(411)9506000013008(412)9506000013008(413)9506000013008(414)9506000013008",
    );
    for gln in [
        &data.ship_to_gln,
        &data.bill_to_gln,
        &data.purchased_from_gln,
        &data.ship_for_gln,
        &data.location_gln,
    ] {
        assert_eq!(gln.as_deref(), Some("9506000013008"));
    }
    assert_eq!(
        value_of(&data, "414"),
        Gs1Value::Gln("9506000013008".into())
    );
    assert_eq!(
        parse_err("4109506000013009"),
        Gs1Error::BadCheckDigit {
            ai: "410".into(),
            value: "9506000013009".into(),
            expected: '8',
            found: '9'
        }
    );
}

#[test]
fn ai_8005_price_per_unit_and_other_common_ais() {
    let data = parse(
        "(01)09506000134352(8005)000150(240)ALT-1(241)CUST-9(250)S2(422)528(3922)1099(3912)9781099(7003)2512311430(8008)25123114",
    );
    assert_eq!(data.price_per_unit.as_deref(), Some("000150"));
    assert_eq!(data.country_of_origin.as_deref(), Some("528"));
    assert_eq!(value_of(&data, "240"), Gs1Value::Text("ALT-1".into()));
    assert_eq!(value_of(&data, "241"), Gs1Value::Text("CUST-9".into()));
    assert_eq!(
        value_of(&data, "3922"),
        Gs1Value::Amount(gs1::Amount {
            value: "10.99".parse().unwrap(),
            currency: None
        })
    );
    assert_eq!(
        value_of(&data, "3912"),
        Gs1Value::Amount(gs1::Amount {
            value: "10.99".parse().unwrap(),
            currency: Some("978".into())
        })
    );
    assert_eq!(
        value_of(&data, "7003"),
        Gs1Value::DateTime(ymd(2025, 12, 31).and_hms_opt(14, 30, 0).unwrap())
    );
    assert_eq!(
        value_of(&data, "8008"),
        Gs1Value::DateTime(ymd(2025, 12, 31).and_hms_opt(14, 0, 0).unwrap())
    );
    assert!(matches!(
        parse_err("(7003)2512312360"),
        Gs1Error::InvalidDate {
            problem: DateProblem::Minute { minute: 60 },
            ..
        }
    ));
    // (422) is fixed at 3 digits but has no predefined length, so it needs a separator.
    let err = parse_err("42252810ABC");
    assert!(
        matches!(
            err,
            Gs1Error::BadLength {
                min: 3,
                max: 3,
                found_len: 8,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn truncated_input() {
    assert_eq!(
        parse_err("010950600013435"),
        Gs1Error::Truncated {
            ai: "01".into(),
            expected_len: 14,
            found_len: 13
        }
    );
    // A GS inside a fixed-length field cuts it short.
    assert_eq!(
        parse_err("0109506000\u{1d}10ABC"),
        Gs1Error::Truncated {
            ai: "01".into(),
            expected_len: 14,
            found_len: 8
        }
    );
    assert_eq!(
        parse_err("(17)2512").to_string(),
        "AI (17) expiry date is truncated: expected 6 characters, found 4"
    );
    // An AI cut in half.
    assert!(matches!(
        parse_err("01095060001343521"),
        Gs1Error::UnknownAi { .. }
    ));
}

#[test]
fn unknown_ai_reports_position() {
    assert_eq!(
        parse_err("010950600013435204123"),
        Gs1Error::UnknownAi {
            ai: "0412".into(),
            position: 16
        }
    );
    // Positions count from the start of the caller's text, symbology identifier included.
    assert_eq!(
        parse_err("]C1010950600013435204123"),
        Gs1Error::UnknownAi {
            ai: "0412".into(),
            position: 19
        }
    );
    assert_eq!(
        parse_err("(01)09506000134352(89)X").to_string(),
        "unknown application identifier starting (89) at position 19"
    );
    assert_eq!(
        parse_err("0109506000134352ABC"),
        Gs1Error::ExpectedAi {
            position: 16,
            found: 'A'
        }
    );
}

#[test]
fn character_sets() {
    assert_eq!(
        parse_err("(10)AB#C"),
        Gs1Error::InvalidCharacter {
            ai: "10".into(),
            character: '#',
            position: 6,
            charset: "GS1 character set 82".into()
        }
    );
    assert!(matches!(
        parse_err("10ABÄ"),
        Gs1Error::InvalidCharacter {
            character: 'Ä',
            position: 4,
            ..
        }
    ));
    assert!(matches!(
        parse_err("(10)A B"),
        Gs1Error::InvalidCharacter { character: ' ', .. }
    ));
    // Every punctuation mark of set 82 is accepted.
    assert_eq!(
        parse("(10)!\"%&'()*+,-./:;<=>?_").lot.as_deref(),
        Some("!\"%&'()*+,-./:;<=>?_")
    );
    // A multi-byte character across the end of a key's digits (found by fuzzing).
    assert_eq!(
        parse_err("25370306030306\u{fffd}537030603"),
        Gs1Error::InvalidCharacter {
            ai: "253".into(),
            character: '\u{fffd}',
            position: 14,
            charset: "a numeric field (digits 0-9 only)".into()
        }
    );
    // Set 39 (CPID) has no lower case.
    assert!(parse("(8010)AB-12/#").elements.len() == 1);
    assert!(matches!(
        parse_err("(8010)ab"),
        Gs1Error::InvalidCharacter { character: 'a', .. }
    ));
}

#[test]
fn duplicates_and_forbidden_pairs() {
    // A symbol may repeat an element verbatim.
    assert_eq!(parse("(10)A(10)A").elements.len(), 1);
    let err = parse_err("(10)A1(21)S(10)B2");
    assert_eq!(
        err,
        Gs1Error::DuplicateAi {
            ai: "10".into(),
            first: "A1".into(),
            second: "B2".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "AI (10) batch or lot number appears twice with different values: \"A1\" and \"B2\""
    );
    assert_eq!(
        parse_err("(01)09506000134352(02)09506000134352"),
        Gs1Error::InvalidCombination {
            ai: "01".into(),
            other: "02".into()
        }
    );
    assert!(matches!(
        parse_err("(37)5(01)09506000134352"),
        Gs1Error::InvalidCombination { .. }
    ));
}

#[test]
fn empty_input() {
    for input in ["", "   ", "]d2", "\u{1d}", "]C1\u{1d}\r\n"] {
        assert_eq!(parser().parse(input), Err(Gs1Error::Empty), "{input:?}");
    }
}

#[test]
fn bracketed_form_details() {
    // Spaces between elements, as printed under a barcode.
    assert_eq!(
        parse("(01) 09506000134352 (10) ABC"),
        parse("(01)09506000134352(10)ABC")
    );
    // A literal "(" followed by digits and ")" inside data is escaped.
    let data = parse("(10)A\\(12)B(21)X");
    assert_eq!(data.lot.as_deref(), Some("A(12)B"));
    assert_eq!(data.serial.as_deref(), Some("X"));
    // An unescaped "(" that does not open an AI is data.
    assert_eq!(parse("(10)A(B)").lot.as_deref(), Some("A(B)"));
    assert!(matches!(
        parse_err("(01"),
        Gs1Error::MalformedBrackets { position: 0, .. }
    ));
    assert!(matches!(
        parse_err("(10)AB x"),
        Gs1Error::InvalidCharacter {
            character: ' ',
            position: 6,
            ..
        }
    ));
}

#[test]
fn digital_link_uris() {
    let uri = "https://id.gs1.org/01/09506000134352/10/ABC%2F123/21/XYZ?17=201225&3103=000195&linkType=gs1:pip";
    let data = parse(uri);
    assert_eq!(data.gtin.as_deref(), Some("09506000134352"));
    assert_eq!(data.lot.as_deref(), Some("ABC/123"));
    assert_eq!(data.serial.as_deref(), Some("XYZ"));
    assert_eq!(data.expiry, Some(ymd(2020, 12, 25)));
    assert_eq!(data.net_weight_kg, Some("0.195".parse().unwrap()));
    // Custom domain with a path prefix, and a GTIN-13 standing for its GTIN-14.
    let data = parse("https://brand.example/products/p/01/4006381333931");
    assert_eq!(data.gtin.as_deref(), Some("04006381333931"));
    // Bad data inside a Digital Link is reported as such.
    assert!(matches!(
        parse_err("https://id.gs1.org/01/09506000134353"),
        Gs1Error::BadCheckDigit { .. }
    ));
    assert!(matches!(
        parser().digital_link("https://example.com/menu/today"),
        Err(Gs1Error::NotDigitalLink { .. })
    ));
}

#[test]
fn encoders_put_separators_only_where_needed() {
    let p = parser();
    let elements = vec![
        p.element("01", "09506000134352").unwrap(),
        p.element("17", "201225").unwrap(),
        p.element("10", "AB(1)").unwrap(),
        p.element("3103", "000195").unwrap(),
        p.element("21", "XYZ").unwrap(),
    ];
    let gs = encode_gs(&elements);
    assert_eq!(
        gs,
        concat!(
            "0109506000134352",
            "17201225",
            "10AB(1)\u{1d}",
            "3103000195",
            "21XYZ"
        )
    );
    assert!(!gs.ends_with(GS));
    let bracketed = encode_bracketed(&elements);
    assert_eq!(
        bracketed,
        "(01)09506000134352(17)201225(10)AB\\(1)(3103)000195(21)XYZ"
    );
    assert_eq!(p.elements(&gs).unwrap(), elements);
    assert_eq!(p.elements(&bracketed).unwrap(), elements);
}

#[test]
fn element_constructor_validates() {
    assert!(Gs1Element::new("01", "09506000134352").is_ok());
    assert!(matches!(
        Gs1Element::new("01", "0950600013435"),
        Err(Gs1Error::Truncated { .. })
    ));
    assert!(matches!(
        Gs1Element::new("04", "1"),
        Err(Gs1Error::UnknownAi { .. })
    ));
    assert_eq!(gs1::ai_name("17"), Some("expiry date"));
    assert_eq!(gs1::ai_name("3103"), Some("net weight (kg)"));
    assert_eq!(gs1::ai_name("3109"), None);
}

#[test]
fn wire_form_is_stable_json() {
    let data = parse("(01)09506000134352(17)201200(3103)001250");
    let json = serde_json::to_value(&data).unwrap();
    assert_eq!(json["gtin"], "09506000134352");
    assert_eq!(json["expiry"], "2020-12-31");
    assert_eq!(json["net_weight_kg"], "1.250");
    assert_eq!(json["elements"][1]["value"]["type"], "date");
    assert_eq!(
        json["elements"][1]["value"]["value"]["day_specified"],
        false
    );
    let back: Gs1Data = serde_json::from_value(json).unwrap();
    assert_eq!(back, data);
    let err = serde_json::to_value(parse_err("(17)251340")).unwrap();
    assert_eq!(err["kind"], "invalid_date");
    assert_eq!(err["problem"]["problem"], "month");
}
