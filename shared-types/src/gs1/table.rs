//! The GS1 Application Identifier table (GS1 General Specifications §3,
//! summarised in the GS1 Barcode Syntax Dictionary), and the table of AIs
//! with a predefined length (§7.8.5, "first two digits" table), which is what
//! decides whether an element string needs an FNC1 separator after it.
//!
//! Only the format and meaning the parser needs are recorded. AIs not listed
//! here are reported as unknown rather than guessed at: a wrong guess at the
//! length of one AI would corrupt every element after it.

use super::{MeasureQuantity, MeasureUnit};

/// Which characters a field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// `0`–`9`.
    Numeric,
    /// GS1 AI encodable character set 82 (§7.11, Figure 7.11-1).
    Cset82,
    /// GS1 AI encodable character set 39 (`#`, `-`, `/`, `0`–`9`, `A`–`Z`).
    Cset39,
}

impl Charset {
    pub(crate) fn allows(self, b: u8) -> bool {
        match self {
            Charset::Numeric => b.is_ascii_digit(),
            Charset::Cset82 => {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'!' | b'"'
                            | b'%'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b'-'
                            | b'.'
                            | b'/'
                            | b':'
                            | b';'
                            | b'<'
                            | b'='
                            | b'>'
                            | b'?'
                            | b'_'
                    )
            }
            Charset::Cset39 => {
                b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'#' | b'-' | b'/')
            }
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Charset::Numeric => "a numeric field (digits 0-9 only)",
            Charset::Cset82 => "GS1 character set 82",
            Charset::Cset39 => "GS1 character set 39",
        }
    }
}

/// Which GS1 key a check-digited numeric field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Gtin,
    Sscc,
    Gln,
    /// GSRN, GSIN and other keys that have no typed value of their own.
    Other,
}

/// How a date with day `00` is read (allowed only where the spec says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZeroDay {
    /// `00` is invalid.
    Forbidden,
    /// `00` means "some day in the month": the first day is used.
    StartOfMonth,
    /// `00` means the last day of the month (best before, sell by, expiry:
    /// General Specifications §3.4.6, §3.4.7, §3.4.8).
    EndOfMonth,
}

/// The syntax and meaning of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A GS1 key of `len` digits ending in a mod-10 check digit.
    Key { len: usize, kind: KeyKind },
    /// A key with a check digit followed by a component (GDTI, GCN, GRAI,
    /// ITIP). `lead_zero` keys (GRAI) start with a mandatory `0` filler.
    KeyWithTail {
        key_len: usize,
        lead_zero: bool,
        tail_min: usize,
        tail_max: usize,
        tail: Charset,
    },
    /// YYMMDD.
    Date(ZeroDay),
    /// YYMMDDHH, then optional MM and SS.
    DateTime { min: usize, max: usize },
    /// A count of items, N..max.
    Count { max: usize },
    /// N6 measure, decimal places given by the AI's last digit.
    Measure {
        quantity: MeasureQuantity,
        unit: MeasureUnit,
        logistic: bool,
    },
    /// N..15 amount (with a leading ISO 4217 numeric currency code when
    /// `currency`), decimal places given by the AI's last digit.
    Amount { currency: bool },
    /// A fixed-length number whose decimal places are given by the AI's last digit.
    ImpliedDecimal { len: usize },
    /// Text of `min..=max` characters from `charset`.
    Plain {
        charset: Charset,
        min: usize,
        max: usize,
    },
}

impl Format {
    /// The longest data field this format allows.
    pub(crate) fn max_len(self) -> usize {
        match self {
            Format::Key { len, .. } => len,
            Format::KeyWithTail {
                key_len, tail_max, ..
            } => key_len + tail_max,
            Format::Date(_) => 6,
            Format::DateTime { max, .. } | Format::Count { max } => max,
            Format::Measure { .. } => 6,
            Format::Amount { currency } => 15 + if currency { 3 } else { 0 },
            Format::ImpliedDecimal { len } => len,
            Format::Plain { max, .. } => max,
        }
    }

    /// The shortest data field this format allows.
    pub(crate) fn min_len(self) -> usize {
        match self {
            Format::Key { len, .. } => len,
            Format::KeyWithTail {
                key_len, tail_min, ..
            } => key_len + tail_min,
            Format::Date(_) | Format::Measure { .. } => 6,
            Format::DateTime { min, .. } => min,
            Format::Count { .. } => 1,
            Format::Amount { currency } => 1 + if currency { 3 } else { 0 },
            Format::ImpliedDecimal { len } => len,
            Format::Plain { min, .. } => min,
        }
    }
}

/// One row of the AI table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AiDef {
    /// The AI, or for a family such as 310n its first three digits.
    pub prefix: &'static str,
    /// For a family, the allowed range of the final digit (which usually
    /// gives the number of decimal places).
    pub family: Option<(u8, u8)>,
    /// Plain-language name used in messages ("expiry date").
    pub name: &'static str,
    pub format: Format,
}

impl AiDef {
    pub(crate) fn ai_len(&self) -> usize {
        self.prefix.len() + usize::from(self.family.is_some())
    }

    /// Whether `ai` (exactly) is this row's AI.
    pub(crate) fn matches(&self, ai: &str) -> bool {
        ai.len() == self.ai_len() && self.matches_start(ai.as_bytes())
    }

    /// Whether `input` starts with this row's AI.
    pub(crate) fn matches_start(&self, input: &[u8]) -> bool {
        let p = self.prefix.as_bytes();
        if !input.starts_with(p) {
            return false;
        }
        match self.family {
            None => true,
            Some((lo, hi)) => input
                .get(p.len())
                .is_some_and(|&b| b.is_ascii_digit() && (lo..=hi).contains(&(b - b'0'))),
        }
    }
}

const fn plain(
    prefix: &'static str,
    name: &'static str,
    charset: Charset,
    min: usize,
    max: usize,
) -> AiDef {
    AiDef {
        prefix,
        family: None,
        name,
        format: Format::Plain { charset, min, max },
    }
}

const fn x(prefix: &'static str, name: &'static str, max: usize) -> AiDef {
    plain(prefix, name, Charset::Cset82, 1, max)
}

const fn n(prefix: &'static str, name: &'static str, min: usize, max: usize) -> AiDef {
    plain(prefix, name, Charset::Numeric, min, max)
}

const fn key(prefix: &'static str, name: &'static str, len: usize, kind: KeyKind) -> AiDef {
    AiDef {
        prefix,
        family: None,
        name,
        format: Format::Key { len, kind },
    }
}

const fn date(prefix: &'static str, name: &'static str, zero: ZeroDay) -> AiDef {
    AiDef {
        prefix,
        family: None,
        name,
        format: Format::Date(zero),
    }
}

const fn family(prefix: &'static str, name: &'static str, lo: u8, hi: u8, format: Format) -> AiDef {
    AiDef {
        prefix,
        family: Some((lo, hi)),
        name,
        format,
    }
}

const fn measure(
    prefix: &'static str,
    name: &'static str,
    quantity: MeasureQuantity,
    unit: MeasureUnit,
    logistic: bool,
) -> AiDef {
    family(
        prefix,
        name,
        0,
        5,
        Format::Measure {
            quantity,
            unit,
            logistic,
        },
    )
}

const fn with_tail(
    prefix: &'static str,
    name: &'static str,
    key_len: usize,
    lead_zero: bool,
    tail_min: usize,
    tail_max: usize,
    tail: Charset,
) -> AiDef {
    AiDef {
        prefix,
        family: None,
        name,
        format: Format::KeyWithTail {
            key_len,
            lead_zero,
            tail_min,
            tail_max,
            tail,
        },
    }
}

use Charset::{Cset39, Cset82, Numeric};
use MeasureQuantity as Q;
use MeasureUnit as U;

/// The AI table. GS1 AIs are prefix-free, so at most one row matches the
/// start of any input (a unit test checks this).
#[rustfmt::skip]
pub(crate) static AI_TABLE: &[AiDef] = &[
    key("00", "SSCC", 18, KeyKind::Sscc),
    key("01", "GTIN", 14, KeyKind::Gtin),
    key("02", "GTIN of contained trade items", 14, KeyKind::Gtin),
    key("03", "GTIN of a made-to-order trade item", 14, KeyKind::Gtin),
    x("10", "batch or lot number", 20),
    date("11", "production date", ZeroDay::StartOfMonth),
    date("12", "due date", ZeroDay::EndOfMonth),
    date("13", "packaging date", ZeroDay::StartOfMonth),
    date("15", "best before date", ZeroDay::EndOfMonth),
    date("16", "sell by date", ZeroDay::EndOfMonth),
    date("17", "expiry date", ZeroDay::EndOfMonth),
    n("20", "internal product variant", 2, 2),
    x("21", "serial number", 20),
    x("22", "consumer product variant", 20),
    x("235", "third-party controlled serial extension", 28),
    x("240", "additional product identification", 30),
    x("241", "customer part number", 30),
    n("242", "made-to-order variation number", 1, 6),
    x("243", "packaging component number", 20),
    x("250", "secondary serial number", 30),
    x("251", "reference to source entity", 30),
    with_tail("253", "global document type identifier (GDTI)", 13, false, 0, 17, Cset82),
    x("254", "GLN extension component", 20),
    with_tail("255", "global coupon number (GCN)", 13, false, 0, 12, Numeric),
    AiDef { prefix: "30", family: None, name: "variable count", format: Format::Count { max: 8 } },
    measure("310", "net weight (kg)", Q::NetWeight, U::Kilogram, false),
    measure("311", "length (m)", Q::Length, U::Metre, false),
    measure("312", "width (m)", Q::Width, U::Metre, false),
    measure("313", "depth (m)", Q::Depth, U::Metre, false),
    measure("314", "area (m²)", Q::Area, U::SquareMetre, false),
    measure("315", "net volume (l)", Q::NetVolume, U::Litre, false),
    measure("316", "net volume (m³)", Q::NetVolume, U::CubicMetre, false),
    measure("320", "net weight (lb)", Q::NetWeight, U::Pound, false),
    measure("321", "length (in)", Q::Length, U::Inch, false),
    measure("322", "length (ft)", Q::Length, U::Foot, false),
    measure("323", "length (yd)", Q::Length, U::Yard, false),
    measure("324", "width (in)", Q::Width, U::Inch, false),
    measure("325", "width (ft)", Q::Width, U::Foot, false),
    measure("326", "width (yd)", Q::Width, U::Yard, false),
    measure("327", "depth (in)", Q::Depth, U::Inch, false),
    measure("328", "depth (ft)", Q::Depth, U::Foot, false),
    measure("329", "depth (yd)", Q::Depth, U::Yard, false),
    measure("330", "logistic gross weight (kg)", Q::GrossWeight, U::Kilogram, true),
    measure("331", "logistic length (m)", Q::Length, U::Metre, true),
    measure("332", "logistic width (m)", Q::Width, U::Metre, true),
    measure("333", "logistic depth (m)", Q::Depth, U::Metre, true),
    measure("334", "logistic area (m²)", Q::Area, U::SquareMetre, true),
    measure("335", "logistic volume (l)", Q::Volume, U::Litre, true),
    measure("336", "logistic volume (m³)", Q::Volume, U::CubicMetre, true),
    measure("337", "kilograms per square metre", Q::AreaDensity, U::KilogramPerSquareMetre, false),
    measure("340", "logistic gross weight (lb)", Q::GrossWeight, U::Pound, true),
    measure("341", "logistic length (in)", Q::Length, U::Inch, true),
    measure("342", "logistic length (ft)", Q::Length, U::Foot, true),
    measure("343", "logistic length (yd)", Q::Length, U::Yard, true),
    measure("344", "logistic width (in)", Q::Width, U::Inch, true),
    measure("345", "logistic width (ft)", Q::Width, U::Foot, true),
    measure("346", "logistic width (yd)", Q::Width, U::Yard, true),
    measure("347", "logistic depth (in)", Q::Depth, U::Inch, true),
    measure("348", "logistic depth (ft)", Q::Depth, U::Foot, true),
    measure("349", "logistic depth (yd)", Q::Depth, U::Yard, true),
    measure("350", "area (in²)", Q::Area, U::SquareInch, false),
    measure("351", "area (ft²)", Q::Area, U::SquareFoot, false),
    measure("352", "area (yd²)", Q::Area, U::SquareYard, false),
    measure("353", "logistic area (in²)", Q::Area, U::SquareInch, true),
    measure("354", "logistic area (ft²)", Q::Area, U::SquareFoot, true),
    measure("355", "logistic area (yd²)", Q::Area, U::SquareYard, true),
    measure("356", "net weight (troy oz)", Q::NetWeight, U::TroyOunce, false),
    measure("357", "net weight or volume (oz)", Q::NetVolume, U::Ounce, false),
    measure("360", "net volume (qt)", Q::NetVolume, U::Quart, false),
    measure("361", "net volume (gal US)", Q::NetVolume, U::GallonUs, false),
    measure("362", "logistic volume (qt)", Q::Volume, U::Quart, true),
    measure("363", "logistic volume (gal US)", Q::Volume, U::GallonUs, true),
    measure("364", "net volume (in³)", Q::NetVolume, U::CubicInch, false),
    measure("365", "net volume (ft³)", Q::NetVolume, U::CubicFoot, false),
    measure("366", "net volume (yd³)", Q::NetVolume, U::CubicYard, false),
    measure("367", "logistic volume (in³)", Q::Volume, U::CubicInch, true),
    measure("368", "logistic volume (ft³)", Q::Volume, U::CubicFoot, true),
    measure("369", "logistic volume (yd³)", Q::Volume, U::CubicYard, true),
    AiDef { prefix: "37", family: None, name: "count of trade items", format: Format::Count { max: 8 } },
    family("390", "amount payable", 0, 9, Format::Amount { currency: false }),
    family("391", "amount payable with ISO currency", 0, 9, Format::Amount { currency: true }),
    family("392", "amount payable for a variable measure item", 0, 9, Format::Amount { currency: false }),
    family("393", "amount payable for a variable measure item with ISO currency", 0, 9, Format::Amount { currency: true }),
    family("394", "percentage discount of a coupon", 0, 3, Format::ImpliedDecimal { len: 4 }),
    family("395", "amount payable per unit of measure", 0, 5, Format::ImpliedDecimal { len: 6 }),
    x("400", "customer purchase order number", 30),
    x("401", "global identification number for consignment (GINC)", 30),
    key("402", "global shipment identification number (GSIN)", 17, KeyKind::Other),
    x("403", "routing code", 30),
    key("410", "ship-to GLN", 13, KeyKind::Gln),
    key("411", "bill-to GLN", 13, KeyKind::Gln),
    key("412", "purchased-from GLN", 13, KeyKind::Gln),
    key("413", "ship-for GLN", 13, KeyKind::Gln),
    key("414", "physical location GLN", 13, KeyKind::Gln),
    key("415", "invoicing party GLN", 13, KeyKind::Gln),
    key("416", "production or service location GLN", 13, KeyKind::Gln),
    key("417", "party GLN", 13, KeyKind::Gln),
    x("420", "ship-to postal code", 20),
    plain("421", "ship-to postal code with ISO country code", Cset82, 4, 12),
    n("422", "country of origin", 3, 3),
    n("423", "country of initial processing", 3, 15),
    n("424", "country of processing", 3, 3),
    n("425", "country of disassembly", 3, 15),
    n("426", "country covering full process chain", 3, 3),
    plain("427", "country subdivision of origin", Cset82, 1, 3),
    x("4300", "ship-to company name", 35),
    x("4301", "ship-to contact", 35),
    x("4302", "ship-to address line 1", 70),
    x("4303", "ship-to address line 2", 70),
    x("4304", "ship-to suburb", 70),
    x("4305", "ship-to locality", 70),
    x("4306", "ship-to region", 70),
    plain("4307", "ship-to country code", Cset82, 2, 2),
    x("4308", "ship-to telephone number", 30),
    n("4309", "ship-to GEO location", 20, 20),
    x("4310", "return-to company name", 35),
    x("4311", "return-to contact", 35),
    x("4312", "return-to address line 1", 70),
    x("4313", "return-to address line 2", 70),
    x("4314", "return-to suburb", 70),
    x("4315", "return-to locality", 70),
    x("4316", "return-to region", 70),
    plain("4317", "return-to country code", Cset82, 2, 2),
    x("4318", "return-to postal code", 20),
    x("4319", "return-to telephone number", 30),
    x("4320", "service code description", 35),
    n("4321", "dangerous goods flag", 1, 1),
    n("4322", "authority to leave flag", 1, 1),
    n("4323", "signature required flag", 1, 1),
    n("4324", "not before delivery date and time", 10, 10),
    n("4325", "not after delivery date and time", 10, 10),
    date("4326", "release date", ZeroDay::Forbidden),
    n("7001", "NATO stock number", 13, 13),
    x("7002", "UN/ECE meat carcasses and cuts classification", 30),
    AiDef { prefix: "7003", family: None, name: "expiration date and time", format: Format::DateTime { min: 10, max: 10 } },
    n("7004", "active potency", 1, 4),
    x("7005", "catch area", 12),
    date("7006", "first freeze date", ZeroDay::Forbidden),
    n("7007", "harvest date", 6, 12),
    x("7008", "species for fishery purposes", 3),
    x("7009", "fishing gear type", 10),
    x("7010", "production method", 2),
    x("7020", "refurbishment lot ID", 20),
    x("7021", "functional status", 20),
    x("7022", "revision status", 20),
    x("7023", "GIAI of an assembly", 30),
    family("703", "number of processor with ISO country code", 0, 9, Format::Plain { charset: Cset82, min: 4, max: 30 }),
    family("723", "certification reference", 0, 9, Format::Plain { charset: Cset82, min: 3, max: 30 }),
    x("7240", "protocol ID", 20),
    n("8001", "roll products (width, length, core diameter, direction, splices)", 14, 14),
    x("8002", "cellular mobile telephone identifier", 20),
    with_tail("8003", "global returnable asset identifier (GRAI)", 14, true, 0, 16, Cset82),
    x("8004", "global individual asset identifier (GIAI)", 30),
    n("8005", "price per unit of measure", 6, 6),
    with_tail("8006", "identification of an individual trade item piece (ITIP)", 14, false, 4, 4, Numeric),
    plain("8007", "international bank account number (IBAN)", Cset82, 1, 34),
    AiDef { prefix: "8008", family: None, name: "date and time of production", format: Format::DateTime { min: 8, max: 12 } },
    x("8009", "optically readable sensor indicator", 50),
    plain("8010", "component/part identifier (CPID)", Cset39, 1, 30),
    n("8011", "CPID serial number", 1, 12),
    x("8012", "software version", 20),
    x("8013", "global model number (GMN)", 25),
    key("8017", "global service relation number of the provider (GSRN)", 18, KeyKind::Other),
    key("8018", "global service relation number of the recipient (GSRN)", 18, KeyKind::Other),
    n("8019", "service relation instance number", 1, 10),
    x("8020", "payment slip reference number", 25),
    with_tail("8026", "ITIP of contained trade item pieces", 14, false, 4, 4, Numeric),
    n("8111", "loyalty points of a coupon", 4, 4),
    x("8200", "extended packaging URL", 70),
    x("90", "information mutually agreed between trading partners", 30),
    x("91", "company internal information", 90),
    x("92", "company internal information", 90),
    x("93", "company internal information", 90),
    x("94", "company internal information", 90),
    x("95", "company internal information", 90),
    x("96", "company internal information", 90),
    x("97", "company internal information", 90),
    x("98", "company internal information", 90),
    x("99", "company internal information", 90),
];

/// The row whose AI starts `input`, if any.
pub(crate) fn lookup_start(input: &[u8]) -> Option<&'static AiDef> {
    AI_TABLE.iter().find(|def| def.matches_start(input))
}

/// The row for exactly `ai`.
pub(crate) fn lookup(ai: &str) -> Option<&'static AiDef> {
    AI_TABLE.iter().find(|def| def.matches(ai))
}

/// Data length of AIs whose first two digits are in the predefined-length
/// table (General Specifications Figure 7.8.5-2). These never take an FNC1
/// separator; every other AI does, even when its own format is fixed length.
pub(crate) fn predefined_data_len(ai: &str) -> Option<usize> {
    let total = match ai.get(..2)? {
        "00" => 20,
        "01" | "02" | "03" => 16,
        "04" => 18,
        "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" => 8,
        "20" => 4,
        "31" | "32" | "33" | "34" | "35" | "36" => 10,
        "41" => 16,
        _ => return None,
    };
    Some(total - ai.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_prefix_free() {
        for (i, a) in AI_TABLE.iter().enumerate() {
            for b in &AI_TABLE[i + 1..] {
                let shorter = a.prefix.len().min(b.prefix.len());
                let clash = a.prefix[..shorter] == b.prefix[..shorter]
                    && (a.prefix.len() == b.prefix.len() || {
                        // A shorter plain AI that is a prefix of a longer one would shadow it.
                        let (short, long) = if a.prefix.len() < b.prefix.len() {
                            (a, b)
                        } else {
                            (b, a)
                        };
                        short.family.is_none() || short.matches_start(long.prefix.as_bytes())
                    });
                assert!(!clash, "AIs {} and {} overlap", a.prefix, b.prefix);
            }
        }
    }

    #[test]
    fn predefined_lengths_agree_with_formats() {
        for def in AI_TABLE {
            let ai = format!(
                "{}{}",
                def.prefix,
                if def.family.is_some() { "0" } else { "" }
            );
            if let Some(len) = predefined_data_len(&ai) {
                assert_eq!(def.format.min_len(), len, "AI {ai}");
                assert_eq!(def.format.max_len(), len, "AI {ai}");
            }
        }
    }

    #[test]
    fn cset82_has_82_characters_and_cset39_has_39() {
        assert_eq!(
            (0u8..=127).filter(|&b| Charset::Cset82.allows(b)).count(),
            82
        );
        assert_eq!(
            (0u8..=127).filter(|&b| Charset::Cset39.allows(b)).count(),
            39
        );
        assert!(!Charset::Cset82.allows(b' '));
        assert!(!Charset::Cset82.allows(b'#'));
        assert!(!Charset::Cset82.allows(0x1d));
    }
}
