//! End to end: synthetic speech → WAV → Whisper tiny.en (whisper.cpp) → visit-note parser.
//!
//! Each sentence is spoken by espeak-ng, converted by sox to 16 kHz mono, transcribed with
//! the real model and parsed. Synthetic speech is not perfect and neither is tiny.en, so
//! the bar is 8 of 10 sentences fully right (customer, product, quantity and follow-up
//! date). Needs `espeak-ng` and `sox` (scripts/deps/apt-test.txt) and the model from
//! `scripts/fetch-models`; without them the test fails and says what to run.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use elevate_voice::{
    parse_visit, read_wav_16k_mono, vocabulary_prompt, Candidate, Transcriber, VisitContext,
    WhisperConfig, WhisperTranscriber,
};

struct Spoken {
    text: &'static str,
    customer: &'static str,
    product: &'static str,
    quantity: u32,
    follow_up: (i32, u32, u32),
}

/// Visit on Wednesday 2025-01-15.
const SENTENCES: &[Spoken] = &[
    Spoken { text: "Visited Acme Hardware today. They want twelve boxes of wood screws. Call them next Tuesday.", customer: "c-acme", product: "p-screws", quantity: 12, follow_up: (2025, 1, 21) },
    Spoken { text: "Greenleaf Garden Center ordered twenty four garden hoses. Deliver them on March third.", customer: "c-greenleaf", product: "p-hose", quantity: 24, follow_up: (2025, 3, 3) },
    Spoken { text: "Northside Plumbing needs sixty copper pipes. Follow up tomorrow.", customer: "c-northside", product: "p-pipe", quantity: 60, follow_up: (2025, 1, 16) },
    Spoken { text: "Summit Electrical wants thirty extension cables. Send a quote in two weeks.", customer: "c-summit", product: "p-cable", quantity: 30, follow_up: (2025, 1, 29) },
    Spoken { text: "Riverside Cafe asked for fifteen paint rollers. Visit again at the end of the month.", customer: "c-riverside", product: "p-roller", quantity: 15, follow_up: (2025, 1, 31) },
    Spoken { text: "Bob's Building Supplies will take twenty cement bags. Call back next Friday.", customer: "c-bobs", product: "p-cement", quantity: 20, follow_up: (2025, 1, 24) },
    Spoken { text: "Hartley and Sons want a hundred and fifty work gloves. Deliver next week.", customer: "c-hartley", product: "p-gloves", quantity: 150, follow_up: (2025, 1, 20) },
    Spoken { text: "Kwik Fix Repairs ordered sixty safety gloves. Send the quote by Friday.", customer: "c-kwik", product: "p-gloves", quantity: 60, follow_up: (2025, 1, 17) },
    Spoken { text: "Acme Hardware ordered eight PVC elbows. Call them in two days.", customer: "c-acme", product: "p-elbow", quantity: 8, follow_up: (2025, 1, 17) },
    Spoken { text: "Northside Plumbing wants twenty five drywall sheets. Visit them on Monday.", customer: "c-northside", product: "p-drywall", quantity: 25, follow_up: (2025, 1, 20) },
];

fn customers() -> Vec<Candidate> {
    vec![
        Candidate::new("c-acme", "Acme Hardware Ltd").with_aliases(["Acme"]),
        Candidate::new("c-greenleaf", "Greenleaf Garden Center"),
        Candidate::new("c-bobs", "Bob's Building Supplies"),
        Candidate::new("c-northside", "Northside Plumbing"),
        Candidate::new("c-kwik", "Kwik Fix Repairs"),
        Candidate::new("c-riverside", "Riverside Cafe"),
        Candidate::new("c-hartley", "Hartley & Sons"),
        Candidate::new("c-summit", "Summit Electrical"),
    ]
}

fn products() -> Vec<Candidate> {
    vec![
        Candidate::new("p-pipe", "Copper Pipe 15mm").with_aliases(["copper pipe"]),
        Candidate::new("p-elbow", "PVC Elbow").with_aliases(["elbow joint"]),
        Candidate::new("p-screws", "Wood Screws").with_aliases(["screws"]),
        Candidate::new("p-roller", "Paint Roller"),
        Candidate::new("p-bulb", "LED Bulb").with_aliases(["light bulb"]),
        Candidate::new("p-hose", "Garden Hose"),
        Candidate::new("p-drywall", "Drywall Sheet").with_aliases(["drywall", "plasterboard"]),
        Candidate::new("p-cable", "Extension Cable")
            .with_aliases(["extension lead", "extension cord"]),
        Candidate::new("p-cement", "Cement Bag").with_aliases(["cement"]),
        Candidate::new("p-gloves", "Safety Gloves").with_aliases(["work gloves"]),
    ]
}

fn model_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ELEVATE_WHISPER_MODEL") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/elevate/models/ggml-tiny.en.bin")
}

fn run(cmd: &mut Command) {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {shown}: {e} (install espeak-ng and sox: scripts/deps/apt-test.txt)")
    });
    assert!(
        out.status.success(),
        "{shown} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Speaks `text` into a 16 kHz mono 16-bit WAV in `dir`.
fn synthesise(dir: &Path, index: usize, text: &str) -> PathBuf {
    let raw = dir.join(format!("raw-{index}.wav"));
    let wav = dir.join(format!("visit-{index}.wav"));
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&raw)
        .arg(text));
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16"])
        .arg(&wav));
    wav
}

#[test]
fn spoken_visit_notes_are_transcribed_and_parsed() {
    let model = model_path();
    assert!(
        model.is_file(),
        "Whisper model not found at {}: run scripts/fetch-models (or set ELEVATE_WHISPER_MODEL)",
        model.display()
    );
    let dir = std::env::temp_dir().join(format!("elevate-voice-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let customers = customers();
    let products = products();
    // As the app does: bias the decoder towards the rep's own customer and product names.
    let config = WhisperConfig {
        initial_prompt: Some(vocabulary_prompt(&customers, &products)),
        ..WhisperConfig::default()
    };
    let mut whisper = WhisperTranscriber::load(&model, config).unwrap();
    let ctx = VisitContext {
        visit_date: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
        customers: &customers,
        products: &products,
    };

    let mut rows = Vec::new();
    let mut fully_right = 0;
    for (i, s) in SENTENCES.iter().enumerate() {
        let wav = synthesise(&dir, i, s.text);
        let audio = read_wav_16k_mono(&wav).unwrap();
        let transcript = whisper.transcribe(&audio).unwrap();
        let draft = parse_visit(&transcript.text, &ctx);

        let customer_ok = draft.customer.as_ref().is_some_and(|c| c.id == s.customer);
        let line = draft.lines.iter().find(|l| l.product.id == s.product);
        let product_ok = line.is_some();
        let quantity_ok = line.is_some_and(|l| l.quantity == Some(s.quantity));
        let expected_date = NaiveDate::from_ymd_opt(s.follow_up.0, s.follow_up.1, s.follow_up.2);
        let date_ok = draft.follow_up == expected_date;
        let all = customer_ok && product_ok && quantity_ok && date_ok;
        fully_right += usize::from(all);
        let mark = |ok: bool| if ok { "ok" } else { "MISS" };
        rows.push(format!(
            "| {:>2} | {:<4} | {:<4} | {:<4} | {:<4} | {:<4} | {} |",
            i + 1,
            mark(customer_ok),
            mark(product_ok),
            mark(quantity_ok),
            mark(date_ok),
            if all { "PASS" } else { "FAIL" },
            transcript.text
        ));
        if !all {
            rows.push(format!(
                "|    | expected {} / {} x{} / {:?}; got {:?} / {:?} / {:?}",
                s.customer,
                s.product,
                s.quantity,
                expected_date,
                draft.customer.as_ref().map(|c| &c.id),
                draft
                    .lines
                    .iter()
                    .map(|l| (&l.product.id, l.quantity))
                    .collect::<Vec<_>>(),
                draft.follow_up
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();

    println!("|  # | cust | prod | qty  | date | all  | transcript (tiny.en) |");
    println!("|----|------|------|------|------|------|----------------------|");
    for row in &rows {
        println!("{row}");
    }
    println!("{fully_right} of {} sentences fully right", SENTENCES.len());
    assert!(
        fully_right >= 8,
        "only {fully_right} of {} spoken visit notes were fully right:\n{}",
        SENTENCES.len(),
        rows.join("\n")
    );
}
