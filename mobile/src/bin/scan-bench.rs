//! Scanning benchmark: generates frames (1280×720 grayscale; EAN-13, Code 128, GS1-128,
//! QR, GS1 DataMatrix; with blur, noise, rotation and uneven light), writes them as PGM
//! files for the reference decoder, and decodes each with the app's decoder (strategy
//! as in the app) and with plain rxing (all formats, TryHarder) for comparison.
//!
//! `scan-bench <out dir> [frames]` prints one JSON object per decoder.

use elevate_mobile::core::fixtures;
use elevate_mobile::core::scan::synth::{render, FrameSpec};
use elevate_mobile::core::scan::{CodeFormat, Decoder};
use std::io::Write;
use std::time::Instant;

fn specs(n: usize) -> Vec<FrameSpec> {
    let contents: [(&str, CodeFormat, bool); 5] = [
        (fixtures::EAN_WIDGET, CodeFormat::Ean13, false),
        (fixtures::SKU_BOLT, CodeFormat::Code128, false),
        ("", CodeFormat::Code128, true),
        (fixtures::BIN_A01, CodeFormat::Qr, false),
        ("", CodeFormat::DataMatrix, true),
    ];
    let gs1_128 = format!("01{}1727123110LOT42", fixtures::GTIN_GADGET_CASE);
    let gs1_dm = format!("01{}10LOT7\u{1d}17270630", fixtures::GTIN_GADGET_CASE);
    (0..n)
        .map(|i| {
            let (c, format, gs1) = contents[i % contents.len()];
            let content = match (format, gs1) {
                (CodeFormat::Code128, true) => gs1_128.clone(),
                (CodeFormat::DataMatrix, true) => gs1_dm.clone(),
                _ => c.to_owned(),
            };
            let mut spec = FrameSpec::clean(&content, format);
            spec.gs1 = gs1;
            let k = i / contents.len();
            // Deterministic spread of distortions.
            spec.module_px = if format.is_2d() {
                5 + (k % 4) as u32
            } else {
                3 + (k % 3) as u32
            };
            spec.blur = (k % 3 == 2) as u32;
            spec.noise = [0.0, 4.0, 8.0][k % 3];
            spec.rotation_deg = [0.0, 3.0, -6.0, 10.0][(k / 3) % 4];
            spec.uneven_light = [0.0, 0.4, 0.7][(k / 2) % 3];
            spec.centre = [(0.5, 0.5), (0.35, 0.4), (0.65, 0.6), (0.45, 0.65)][(k / 5) % 4];
            spec.seed = i as u64;
            spec
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "target/scan-bench".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(250);
    std::fs::create_dir_all(&out).expect("output dir");
    let specs = specs(n);
    let mut frames = Vec::with_capacity(n);
    let mut manifest = std::fs::File::create(format!("{out}/manifest.tsv")).expect("manifest");
    for (i, spec) in specs.iter().enumerate() {
        let frame = render(spec).expect("frame renders");
        let path = format!("{out}/frame-{i:04}.pgm");
        let mut f = std::fs::File::create(&path).expect("frame file");
        write!(f, "P5\n{} {}\n255\n", frame.width(), frame.height()).expect("write");
        f.write_all(frame.pixels()).expect("write");
        writeln!(
            manifest,
            "{path}\t{:?}\t{}",
            spec.format,
            spec.content.escape_default()
        )
        .expect("write");
        frames.push(frame);
    }
    let expected: Vec<String> = specs
        .iter()
        .map(|s| s.content.replace('\u{1d}', ""))
        .collect();
    let strip = |t: &str| {
        t.trim_start_matches("]C1")
            .trim_start_matches("]d2")
            .trim_start_matches("]Q3")
            .replace('\u{1d}', "")
    };

    // The app's decoder, one instance across frames (as the camera worker uses it).
    let mut app = Decoder::default();
    let started = Instant::now();
    let mut hits = 0;
    for (frame, want) in frames.iter().zip(&expected) {
        if app.decode(frame).is_some_and(|d| strip(&d.text) == *want) {
            hits += 1;
        }
    }
    let app_ms = started.elapsed().as_secs_f64() * 1000.0 / n as f64;
    println!(
        "{{\"decoder\":\"app\",\"frames\":{n},\"decoded\":{hits},\"ms_per_frame\":{app_ms:.2}}}"
    );

    // Plain rxing: every format, TryHarder, full frame.
    let started = Instant::now();
    let mut hits = 0;
    for (frame, want) in frames.iter().zip(&expected) {
        let mut hints = rxing::DecodeHints {
            TryHarder: Some(true),
            AssumeGs1: Some(true),
            ..rxing::DecodeHints::default()
        };
        if let Ok(r) = rxing::helpers::detect_in_luma_with_hints(
            frame.pixels().to_vec(),
            frame.width(),
            frame.height(),
            None,
            &mut hints,
        ) {
            if strip(r.getText()) == *want {
                hits += 1;
            }
        }
    }
    let plain_ms = started.elapsed().as_secs_f64() * 1000.0 / n as f64;
    println!("{{\"decoder\":\"rxing_all_formats\",\"frames\":{n},\"decoded\":{hits},\"ms_per_frame\":{plain_ms:.2}}}");
}
