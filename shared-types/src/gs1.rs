//! GS1 element strings: parsing, validation and encoding.
//!
//! Reads what a scanner decodes from GS1-128, GS1 DataMatrix, GS1 QR Code and
//! GS1 DataBar — AIs and data with FNC1 as ASCII 29 (GS), optionally preceded
//! by a symbology identifier (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1`) — as well as
//! the human-readable bracketed form `(01)09506000134352(17)201225(10)ABC123`
//! and GS1 Digital Link URIs (`https://id.gs1.org/01/09506000134352/10/ABC123`).
//!
//! The rules follow the GS1 General Specifications: the AI table
//! ([`table`]) gives each field's format; the predefined-length table decides
//! which fields end without a separator; keys are check-digit verified; dates
//! follow the YYMMDD rules including the century rule of §7.12 and day `00`.
//!
//! ```
//! use shared_types::gs1::{self, Gs1Parser};
//!
//! let parser = Gs1Parser::with_reference_year(2025);
//! let data = parser.parse("]d201095060001343521726120010ABC123\u{1d}21XYZ").unwrap();
//! assert_eq!(data.gtin.as_deref(), Some("09506000134352"));
//! // Day 00 in an expiry date means the end of the month.
//! assert_eq!(data.expiry, chrono::NaiveDate::from_ymd_opt(2026, 12, 31));
//! assert_eq!(data.lot.as_deref(), Some("ABC123"));
//! assert_eq!(gs1::encode_bracketed(&data.elements), "(01)09506000134352(17)261200(10)ABC123(21)XYZ");
//! ```

mod digital_link;
mod encode;
mod error;
mod parse;
mod table;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use encode::{encode_bracketed, encode_gs};
pub use error::{DateProblem, Gs1Error};

/// FNC1 as decoders return it inside GS1 data: ASCII 29, "group separator".
pub const GS: char = '\u{1d}';

/// One AI with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gs1Element {
    /// The application identifier, e.g. `"01"` or `"3103"`.
    pub ai: String,
    /// The data exactly as encoded; encoding uses this, so a round trip is lossless.
    pub raw: String,
    /// The data's meaning.
    pub value: Gs1Value,
}

impl Gs1Element {
    /// Builds and validates an element, reading 2-digit years against the current year.
    pub fn new(ai: &str, raw: &str) -> Result<Self, Gs1Error> {
        Gs1Parser::new().element(ai, raw)
    }

    /// A short human-readable name for this element's AI ("expiry date").
    pub fn name(&self) -> &'static str {
        table::lookup(&self.ai).map_or("unknown", |def| def.name)
    }
}

/// The typed meaning of an element's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Gs1Value {
    /// A 14-digit GTIN (check digit verified).
    Gtin(String),
    /// An 18-digit SSCC (check digit verified).
    Sscc(String),
    /// A 13-digit GLN (check digit verified).
    Gln(String),
    /// A YYMMDD date.
    Date(Gs1Date),
    /// YYMMDDHH[MM[SS]].
    DateTime(NaiveDateTime),
    /// A count of items (AI 30, 37).
    Count(u64),
    /// A trade or logistic measure (AIs 310n–369n).
    Measure(Measure),
    /// An amount of money (AIs 390n–393n).
    Amount(Amount),
    /// A number with the decimal point given by the AI (394n, 395n).
    Decimal(Decimal),
    /// Text or digits with no more specific meaning (batch, serial, PO number…).
    Text(String),
}

/// A GS1 date. `date` is the resolved calendar date; when the symbol gave
/// day `00`, `day_specified` is false and `date` is the end of the month for
/// best-before, sell-by, expiry and due dates (GS1 General Specifications
/// §3.4) and the first of the month for production and packaging dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gs1Date {
    pub date: NaiveDate,
    pub day_specified: bool,
}

/// What a measure AI measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureQuantity {
    NetWeight,
    GrossWeight,
    Length,
    Width,
    Depth,
    Area,
    NetVolume,
    Volume,
    /// Kilograms per square metre (337n).
    AreaDensity,
}

/// The unit a measure AI implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureUnit {
    Kilogram,
    Pound,
    TroyOunce,
    Ounce,
    Metre,
    Inch,
    Foot,
    Yard,
    SquareMetre,
    SquareInch,
    SquareFoot,
    SquareYard,
    Litre,
    CubicMetre,
    Quart,
    GallonUs,
    CubicInch,
    CubicFoot,
    CubicYard,
    KilogramPerSquareMetre,
}

/// A measure: value with the AI's implied decimal point applied, and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub quantity: MeasureQuantity,
    pub unit: MeasureUnit,
    /// Logistic measures describe the shipping unit, trade measures the goods.
    pub logistic: bool,
    pub value: Decimal,
}

/// An amount of money; `currency` is the ISO 4217 numeric code when the AI carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amount {
    pub value: Decimal,
    pub currency: Option<String>,
}

/// The fields inventory and logistics code cares about, pulled out of the
/// element list, plus the full list for everything else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gs1Data {
    /// (01) GTIN-14.
    pub gtin: Option<String>,
    /// (02) GTIN of the trade items contained in a logistic unit.
    pub content_gtin: Option<String>,
    /// (00) SSCC.
    pub sscc: Option<String>,
    /// (10) batch or lot.
    pub lot: Option<String>,
    /// (21) serial number.
    pub serial: Option<String>,
    /// (11) production date.
    pub production_date: Option<NaiveDate>,
    /// (13) packaging date.
    pub packaging_date: Option<NaiveDate>,
    /// (15) best before date.
    pub best_before: Option<NaiveDate>,
    /// (16) sell by date.
    pub sell_by: Option<NaiveDate>,
    /// (17) expiry date; day `00` is resolved to the month's last day.
    pub expiry: Option<NaiveDate>,
    /// (30) variable count of items.
    pub variable_count: Option<u64>,
    /// (37) count of trade items contained in a logistic unit.
    pub count: Option<u64>,
    /// (310n) net weight in kilograms.
    pub net_weight_kg: Option<Decimal>,
    /// (311n) length in metres.
    pub length_m: Option<Decimal>,
    /// (312n) width in metres.
    pub width_m: Option<Decimal>,
    /// (313n) depth in metres.
    pub depth_m: Option<Decimal>,
    /// (314n) area in square metres.
    pub area_m2: Option<Decimal>,
    /// (315n) net volume in litres.
    pub net_volume_l: Option<Decimal>,
    /// (316n) net volume in cubic metres.
    pub net_volume_m3: Option<Decimal>,
    /// (400) customer's purchase order number.
    pub customer_po: Option<String>,
    /// (410) ship-to GLN.
    pub ship_to_gln: Option<String>,
    /// (411) bill-to GLN.
    pub bill_to_gln: Option<String>,
    /// (412) purchased-from GLN.
    pub purchased_from_gln: Option<String>,
    /// (413) ship-for GLN.
    pub ship_for_gln: Option<String>,
    /// (414) physical location GLN.
    pub location_gln: Option<String>,
    /// (422) country of origin, ISO 3166 numeric.
    pub country_of_origin: Option<String>,
    /// (8005) price per unit of measure, as encoded (the spec fixes no decimal point).
    pub price_per_unit: Option<String>,
    /// Every element, in the order read, identical duplicates removed.
    pub elements: Vec<Gs1Element>,
}

impl Gs1Data {
    /// Collects the convenience fields from already-validated elements.
    pub fn from_elements(elements: Vec<Gs1Element>) -> Self {
        let mut data = Gs1Data::default();
        for el in &elements {
            let text = Some(el.raw.clone());
            let measure = match &el.value {
                Gs1Value::Measure(m) if !m.logistic => Some(m.value),
                _ => None,
            };
            match (el.ai.as_str(), &el.value) {
                ("00", _) => data.sscc = text,
                ("01", _) => data.gtin = text,
                ("02", _) => data.content_gtin = text,
                ("10", _) => data.lot = text,
                ("21", _) => data.serial = text,
                ("11", Gs1Value::Date(d)) => data.production_date = Some(d.date),
                ("13", Gs1Value::Date(d)) => data.packaging_date = Some(d.date),
                ("15", Gs1Value::Date(d)) => data.best_before = Some(d.date),
                ("16", Gs1Value::Date(d)) => data.sell_by = Some(d.date),
                ("17", Gs1Value::Date(d)) => data.expiry = Some(d.date),
                ("30", Gs1Value::Count(c)) => data.variable_count = Some(*c),
                ("37", Gs1Value::Count(c)) => data.count = Some(*c),
                ("400", _) => data.customer_po = text,
                ("410", _) => data.ship_to_gln = text,
                ("411", _) => data.bill_to_gln = text,
                ("412", _) => data.purchased_from_gln = text,
                ("413", _) => data.ship_for_gln = text,
                ("414", _) => data.location_gln = text,
                ("422", _) => data.country_of_origin = text,
                ("8005", _) => data.price_per_unit = text,
                (ai, _) if ai.len() == 4 && measure.is_some() => match &ai[..3] {
                    "310" => data.net_weight_kg = measure,
                    "311" => data.length_m = measure,
                    "312" => data.width_m = measure,
                    "313" => data.depth_m = measure,
                    "314" => data.area_m2 = measure,
                    "315" => data.net_volume_l = measure,
                    "316" => data.net_volume_m3 = measure,
                    _ => {}
                },
                _ => {}
            }
        }
        data.elements = elements;
        data
    }
}

/// A parser configured with the year that two-digit years are read against.
///
/// GS1 dates carry only YY; §7.12 places them within a window of 49 years
/// back and 50 years ahead of the current year. Passing the year explicitly
/// keeps the parser pure and tests deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gs1Parser {
    reference_year: i32,
}

impl Default for Gs1Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Gs1Parser {
    /// Reads two-digit years against the current calendar year (UTC).
    pub fn new() -> Self {
        Self::with_reference_year(chrono::Utc::now().year())
    }

    /// Reads two-digit years against `year`.
    pub fn with_reference_year(year: i32) -> Self {
        Self {
            reference_year: year,
        }
    }

    /// Parses any supported form into validated elements.
    pub fn elements(&self, input: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
        let elements = parse::split_and_interpret(input, self.reference_year)?;
        parse::check_message(elements)
    }

    /// Parses any supported form into [`Gs1Data`].
    pub fn parse(&self, input: &str) -> Result<Gs1Data, Gs1Error> {
        self.elements(input).map(Gs1Data::from_elements)
    }

    /// Builds and validates one element.
    pub fn element(&self, ai: &str, raw: &str) -> Result<Gs1Element, Gs1Error> {
        let def = table::lookup(ai).ok_or_else(|| Gs1Error::UnknownAi {
            ai: ai.to_owned(),
            position: 0,
        })?;
        let value = parse::interpret(def, ai, raw, 0, self.reference_year)?;
        Ok(Gs1Element {
            ai: ai.to_owned(),
            raw: raw.to_owned(),
            value,
        })
    }

    /// Parses a GS1 Digital Link URI.
    pub fn digital_link(&self, uri: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
        let elements = digital_link::parse(uri, self.reference_year)?;
        parse::check_message(elements)
    }
}

/// Parses GS, bracketed or Digital Link input, reading years against the current year.
pub fn parse(input: &str) -> Result<Gs1Data, Gs1Error> {
    Gs1Parser::new().parse(input)
}

/// Like [`parse`], returning the element list only.
pub fn parse_elements(input: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    Gs1Parser::new().elements(input)
}

/// Parses a GS1 Digital Link URI; any URI without a GS1 key path gives
/// [`Gs1Error::NotDigitalLink`].
pub fn parse_digital_link(uri: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    Gs1Parser::new().digital_link(uri)
}

/// Whether `text` starts with a check-digited key AI that has a predefined
/// length ((00), (01), (02), (03), (41x)) whose check digit holds — strong
/// evidence that unmarked digits are a GS1 element string.
pub(crate) fn starts_with_checked_key(text: &str) -> bool {
    let Some(def) = table::lookup_start(text.as_bytes()) else {
        return false;
    };
    let table::Format::Key { len, .. } = def.format else {
        return false;
    };
    let ai_len = def.ai_len();
    table::predefined_data_len(&text[..ai_len]).is_some()
        && text
            .get(ai_len..ai_len + len)
            .is_some_and(crate::barcode::has_valid_check_digit)
}

/// Plain-language name of an AI, e.g. `"expiry date"` for `"17"`; `None` if unknown.
pub fn ai_name(ai: &str) -> Option<&'static str> {
    table::lookup(ai).map(|def| def.name)
}
