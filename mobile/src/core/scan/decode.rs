//! Barcode decoding from grayscale frames with rxing.
//!
//! Speed comes from doing less: only the formats a warehouse uses are tried; a cheap
//! pass (no TryHarder) runs first on the region where the last code was found, then on a
//! 2× downscaled frame, and only when those miss does the full-resolution TryHarder pass
//! run. Labels are scanned one after another from about the same distance, so the
//! region of the last hit is usually where the next one is.

use crate::platform::LumaFrame;
use rxing::helpers::detect_in_luma_slice_with_hints;
use rxing::{
    BarcodeFormat, DecodeHints, RXingResult, RXingResultMetadataType, RXingResultMetadataValue,
};
use std::collections::HashSet;

/// The symbologies the app reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFormat {
    Ean13,
    Ean8,
    UpcA,
    UpcE,
    Code128,
    Qr,
    DataMatrix,
}

impl CodeFormat {
    pub const ALL: [CodeFormat; 7] = [
        CodeFormat::Ean13,
        CodeFormat::Ean8,
        CodeFormat::UpcA,
        CodeFormat::UpcE,
        CodeFormat::Code128,
        CodeFormat::Qr,
        CodeFormat::DataMatrix,
    ];

    pub fn rxing(self) -> BarcodeFormat {
        match self {
            CodeFormat::Ean13 => BarcodeFormat::EAN_13,
            CodeFormat::Ean8 => BarcodeFormat::EAN_8,
            CodeFormat::UpcA => BarcodeFormat::UPC_A,
            CodeFormat::UpcE => BarcodeFormat::UPC_E,
            CodeFormat::Code128 => BarcodeFormat::CODE_128,
            CodeFormat::Qr => BarcodeFormat::QR_CODE,
            CodeFormat::DataMatrix => BarcodeFormat::DATA_MATRIX,
        }
    }

    pub fn from_rxing(format: &BarcodeFormat) -> Option<CodeFormat> {
        CodeFormat::ALL.into_iter().find(|f| f.rxing() == *format)
    }

    /// Matrix (2-D) symbologies.
    pub fn is_2d(self) -> bool {
        matches!(self, CodeFormat::Qr | CodeFormat::DataMatrix)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CodeFormat::Ean13 => "EAN-13",
            CodeFormat::Ean8 => "EAN-8",
            CodeFormat::UpcA => "UPC-A",
            CodeFormat::UpcE => "UPC-E",
            CodeFormat::Code128 => "Code 128",
            CodeFormat::Qr => "QR",
            CodeFormat::DataMatrix => "DataMatrix",
        }
    }
}

/// A code found in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with a GS1 symbology identifier (`]C1`, `]d2`, `]Q3`) in front when
    /// the symbol carried GS1 data, so the GS1 parser knows what it is reading.
    pub text: String,
    pub format: CodeFormat,
}

/// A region of a frame, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Which decoding passes to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// Try the (enlarged) region of the last hit first.
    pub last_region: bool,
    /// Try a 2× downscaled frame without TryHarder before the full one.
    pub fast_pass: bool,
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy {
            last_region: true,
            fast_pass: true,
        }
    }
}

/// Decodes frames; keeps the region of the last hit between calls.
#[derive(Debug, Clone)]
pub struct Decoder {
    formats: HashSet<BarcodeFormat>,
    strategy: Strategy,
    last_region: Option<Region>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(&CodeFormat::ALL)
    }
}

impl Decoder {
    pub fn new(formats: &[CodeFormat]) -> Self {
        Decoder {
            formats: formats.iter().map(|f| f.rxing()).collect(),
            strategy: Strategy::default(),
            last_region: None,
        }
    }

    pub fn with_strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    fn hints(&self, try_harder: bool) -> DecodeHints {
        DecodeHints {
            PossibleFormats: Some(self.formats.clone()),
            TryHarder: Some(try_harder),
            // Code 128: report a leading FNC1 as `]C1` and later ones as GS.
            AssumeGs1: Some(true),
            ..DecodeHints::default()
        }
    }

    /// The first code found in `frame`, if any.
    pub fn decode(&mut self, frame: &LumaFrame) -> Option<Decoded> {
        let (w, h) = (frame.width(), frame.height());
        if self.strategy.last_region {
            if let Some(region) = self.last_region {
                let crop = crop(frame.pixels(), w, region);
                if let Some(hit) = self.run(&crop, region.width, region.height, false) {
                    let found = hit_region(&hit, region.x, region.y, 1, w, h);
                    self.last_region = found.or(Some(region));
                    return Some(to_decoded(&hit));
                }
            }
        }
        if self.strategy.fast_pass && w >= 640 && h >= 360 {
            let (small, sw, sh) = downscale2(frame.pixels(), w, h);
            if let Some(hit) = self.run(&small, sw, sh, false) {
                self.last_region = hit_region(&hit, 0, 0, 2, w, h);
                return Some(to_decoded(&hit));
            }
        }
        match self.run(frame.pixels(), w, h, true) {
            Some(hit) => {
                self.last_region = hit_region(&hit, 0, 0, 1, w, h);
                Some(to_decoded(&hit))
            }
            None => None,
        }
    }

    fn run(&self, luma: &[u8], w: u32, h: u32, try_harder: bool) -> Option<RXingResult> {
        let mut hints = self.hints(try_harder);
        detect_in_luma_slice_with_hints(luma, w, h, None, &mut hints).ok()
    }
}

fn to_decoded(hit: &RXingResult) -> Decoded {
    let format = CodeFormat::from_rxing(hit.getBarcodeFormat()).unwrap_or(CodeFormat::Code128);
    let mut text = hit.getText().to_owned();
    if let Some(RXingResultMetadataValue::SymbologyIdentifier(id)) = hit
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        let gs1 = matches!(id.as_str(), "]C1" | "]d2" | "]Q3" | "]e0" | "]J1");
        if gs1 && !text.starts_with(id.as_str()) {
            text.insert_str(0, id);
        }
    }
    Decoded { text, format }
}

/// The result points' bounding box, mapped back to frame pixels and enlarged, so the
/// next frame's search covers some hand movement.
fn hit_region(hit: &RXingResult, ox: u32, oy: u32, scale: u32, w: u32, h: u32) -> Option<Region> {
    let points = hit.getPoints();
    if points.is_empty() {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in points {
        x0 = x0.min(p.x);
        y0 = y0.min(p.y);
        x1 = x1.max(p.x);
        y1 = y1.max(p.y);
    }
    let s = scale as f32;
    let (x0, y0, x1, y1) = (
        x0 * s + ox as f32,
        y0 * s + oy as f32,
        x1 * s + ox as f32,
        y1 * s + oy as f32,
    );
    // 1-D codes report points on one scan line: give the box height.
    let bw = (x1 - x0).max(1.0);
    let bh = (y1 - y0).max(bw * 0.4);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (rw, rh) = (bw * 1.8 + 80.0, bh * 1.8 + 80.0);
    let x = (cx - rw / 2.0).max(0.0) as u32;
    let y = (cy - rh / 2.0).max(0.0) as u32;
    let width = (rw as u32).min(w.saturating_sub(x));
    let height = (rh as u32).min(h.saturating_sub(y));
    (width >= 32 && height >= 32).then_some(Region {
        x,
        y,
        width,
        height,
    })
}

fn crop(pixels: &[u8], w: u32, r: Region) -> Vec<u8> {
    let mut out = Vec::with_capacity((r.width * r.height) as usize);
    for row in r.y..r.y + r.height {
        let start = (row * w + r.x) as usize;
        out.extend_from_slice(&pixels[start..start + r.width as usize]);
    }
    out
}

/// Halves both sides by averaging 2×2 blocks.
pub fn downscale2(pixels: &[u8], w: u32, h: u32) -> (Vec<u8>, u32, u32) {
    let (sw, sh) = (w / 2, h / 2);
    let mut out = Vec::with_capacity((sw * sh) as usize);
    let w = w as usize;
    for y in 0..sh as usize {
        let r0 = &pixels[2 * y * w..];
        let r1 = &pixels[(2 * y + 1) * w..];
        for x in 0..sw as usize {
            let s =
                r0[2 * x] as u16 + r0[2 * x + 1] as u16 + r1[2 * x] as u16 + r1[2 * x + 1] as u16;
            out.push((s / 4) as u8);
        }
    }
    (out, sw, sh)
}
