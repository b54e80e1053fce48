//! Synthetic camera frames: a barcode written with rxing's encoders, placed on a
//! 1280×720 grey "shelf", then blurred, rotated, lit unevenly and made noisy. The test
//! frame source, the scan tests and the scan benchmark all use these.

use super::decode::CodeFormat;
use crate::platform::{FrameError, FrameSource, LumaFrame};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};

/// What to draw and how badly.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSpec {
    /// Content as encoded. For GS1 symbols, AIs with GS (ASCII 29) between variable-length
    /// fields and no leading FNC1 — the writer adds it.
    pub content: String,
    pub format: CodeFormat,
    pub gs1: bool,
    pub width: u32,
    pub height: u32,
    /// Pixels per module (narrowest bar / matrix cell).
    pub module_px: u32,
    /// Box-blur radius in pixels (0 = sharp).
    pub blur: u32,
    /// Standard deviation of Gaussian-ish noise, in grey levels.
    pub noise: f32,
    /// Rotation in degrees.
    pub rotation_deg: f32,
    /// 0 = even light; 1 = one side of the frame at half brightness.
    pub uneven_light: f32,
    /// Centre of the code as a fraction of the frame.
    pub centre: (f32, f32),
    pub seed: u64,
}

impl FrameSpec {
    /// A clean, centred 1280×720 frame.
    pub fn clean(content: &str, format: CodeFormat) -> Self {
        FrameSpec {
            content: content.to_owned(),
            format,
            gs1: false,
            width: 1280,
            height: 720,
            module_px: if matches!(format, CodeFormat::Qr | CodeFormat::DataMatrix) {
                8
            } else {
                3
            },
            blur: 0,
            noise: 0.0,
            rotation_deg: 0.0,
            uneven_light: 0.0,
            centre: (0.5, 0.5),
            seed: 1,
        }
    }

    pub fn gs1(mut self) -> Self {
        self.gs1 = true;
        self
    }
}

/// Why a frame could not be generated.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode {content:?} as {format:?}: {message}")]
pub struct SynthError {
    pub content: String,
    pub format: CodeFormat,
    pub message: String,
}

/// The code as black (true) / white modules, one cell per module.
fn encode(spec: &FrameSpec) -> Result<(Vec<bool>, u32, u32), SynthError> {
    let err = |message: String| SynthError {
        content: spec.content.clone(),
        format: spec.format,
        message,
    };
    let mut content = spec.content.clone();
    let mut hints = EncodeHints {
        Margin: Some("0".to_owned()),
        ..EncodeHints::default()
    };
    if spec.gs1 {
        match spec.format {
            // Code 128 writes FNC1 for U+00F1; GS1-128 starts with one and uses one
            // as the separator.
            CodeFormat::Code128 => {
                content = format!("\u{f1}{}", content.replace('\u{1d}', "\u{f1}"));
            }
            CodeFormat::DataMatrix => {
                // rxing writes the leading FNC1 only in compact (minimal) encoding.
                hints.Gs1Format = Some(true);
                hints.DataMatrixCompact = Some(true);
            }
            _ => hints.Gs1Format = Some(true),
        }
    }
    let format: BarcodeFormat = spec.format.rxing();
    let matrix = MultiFormatWriter
        .encode_with_hints(&content, &format, 0, 0, &hints)
        .map_err(|e| err(e.to_string()))?;
    let (w, h) = (matrix.width(), matrix.height());
    let mut cells = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            cells.push(matrix.get(x, y));
        }
    }
    Ok((cells, w, h))
}

/// Renders one frame.
pub fn render(spec: &FrameSpec) -> Result<LumaFrame, SynthError> {
    let (cells, cw, ch) = encode(spec)?;
    let one_d = ch == 1;
    let m = spec.module_px.max(1) as f32;
    // 1-D codes: bars 0.35 of their width tall, at least 80 px.
    let code_w = cw as f32 * m;
    let code_h = if one_d {
        (code_w * 0.35).max(80.0)
    } else {
        ch as f32 * m
    };
    let (fw, fh) = (spec.width as f32, spec.height as f32);
    let (cx, cy) = (spec.centre.0 * fw, spec.centre.1 * fh);
    let quiet = 10.0 * m;
    let (sin, cos) = spec.rotation_deg.to_radians().sin_cos();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let paper = 235.0_f32;
    let ink = 25.0_f32;
    let shelf = 120.0_f32;
    let mut px = vec![0f32; (spec.width * spec.height) as usize];
    for y in 0..spec.height {
        for x in 0..spec.width {
            // Inverse-rotate the pixel into code coordinates.
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let u = cos * dx + sin * dy + code_w / 2.0;
            let v = -sin * dx + cos * dy + code_h / 2.0;
            let value = if u >= -quiet && u < code_w + quiet && v >= -quiet && v < code_h + quiet {
                if u >= 0.0 && u < code_w && v >= 0.0 && v < code_h {
                    let col = (u / m) as u32;
                    let row = if one_d { 0 } else { (v / m) as u32 };
                    if cells[(row.min(ch - 1) * cw + col.min(cw - 1)) as usize] {
                        ink
                    } else {
                        paper
                    }
                } else {
                    paper
                }
            } else {
                // A faint texture on the shelf so the binariser has something to chew.
                shelf + ((x / 37 + y / 23) % 3) as f32 * 6.0
            };
            px[(y * spec.width + x) as usize] = value;
        }
    }
    if spec.blur > 0 {
        px = box_blur(&px, spec.width, spec.height, spec.blur);
    }
    let mut out = Vec::with_capacity(px.len());
    for y in 0..spec.height {
        for x in 0..spec.width {
            let light = 1.0 - spec.uneven_light * 0.25 * (x as f32 / fw + y as f32 / fh);
            let noise = if spec.noise > 0.0 {
                // Sum of uniforms: close enough to Gaussian for a camera sensor.
                let s: f32 = (0..3).map(|_| rng.gen_range(-1.0f32..1.0)).sum();
                s * spec.noise
            } else {
                0.0
            };
            let v = px[(y * spec.width + x) as usize] * light + noise;
            out.push(v.clamp(0.0, 255.0) as u8);
        }
    }
    LumaFrame::new(spec.width, spec.height, out).map_err(|e| SynthError {
        content: spec.content.clone(),
        format: spec.format,
        message: e.to_string(),
    })
}

fn box_blur(src: &[f32], w: u32, h: u32, r: u32) -> Vec<f32> {
    let (w, h, r) = (w as usize, h as usize, r as i64);
    let n = (2 * r + 1) as f32;
    let mut tmp = vec![0f32; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0;
            for k in -r..=r {
                let xx = (x as i64 + k).clamp(0, w as i64 - 1) as usize;
                s += src[y * w + xx];
            }
            tmp[y * w + x] = s / n;
        }
    }
    let mut out = vec![0f32; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0;
            for k in -r..=r {
                let yy = (y as i64 + k).clamp(0, h as i64 - 1) as usize;
                s += tmp[yy * w + x];
            }
            out[y * w + x] = s / n;
        }
    }
    out
}

/// A blank frame (the camera pointed at nothing).
pub fn empty_frame(width: u32, height: u32) -> LumaFrame {
    let pixels = (0..width.max(1) * height.max(1))
        .map(|i| 120 + ((i % width) / 37 + (i / width) / 23) as u8 % 3 * 6)
        .collect();
    LumaFrame::new(width.max(1), height.max(1), pixels).expect("pixel count matches the size")
}

/// A test camera: renders its specs on demand, in order, then ends.
#[derive(Debug, Clone)]
pub struct GeneratedFrames {
    specs: std::collections::VecDeque<Option<FrameSpec>>,
}

impl GeneratedFrames {
    /// `None` entries produce an empty frame (no code in view).
    pub fn new(specs: impl IntoIterator<Item = Option<FrameSpec>>) -> Self {
        GeneratedFrames {
            specs: specs.into_iter().collect(),
        }
    }
}

impl FrameSource for GeneratedFrames {
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, FrameError> {
        match self.specs.pop_front() {
            None => Ok(None),
            Some(None) => Ok(Some(empty_frame(1280, 720))),
            Some(Some(spec)) => render(&spec)
                .map(Some)
                .map_err(|e| FrameError::Unavailable(e.to_string())),
        }
    }
}
