//! Measures Whisper's real-time factor (transcription time / audio duration) on WAV files.
//!
//! Usage: voice-bench [--threads N] --model PATH [--model PATH ...] FILE.wav...
//!
//! Each model transcribes every file once untimed (warm-up: first-call allocations and
//! page faults are not what a rep waits for on the second note), then once timed. Prints
//! a Markdown table for docs/VOICE.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use elevate_voice::transcribe::audio_seconds;
use elevate_voice::{read_wav_16k_mono, Transcriber, WhisperConfig, WhisperTranscriber};

struct Args {
    threads: u16,
    models: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        threads: 2,
        models: Vec::new(),
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--threads" => {
                let v = it.next().ok_or("--threads needs a value")?;
                args.threads = v.parse().map_err(|e| format!("--threads {v}: {e}"))?;
            }
            "--model" => args
                .models
                .push(it.next().ok_or("--model needs a path")?.into()),
            "-h" | "--help" => return Err(String::new()),
            _ => args.files.push(arg.into()),
        }
    }
    if args.models.is_empty() || args.files.is_empty() {
        return Err("need at least one --model and one WAV file".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}\nusage: voice-bench [--threads N] --model PATH [--model PATH ...] FILE.wav...");
            return ExitCode::from(2);
        }
    };
    let mut clips = Vec::new();
    for f in &args.files {
        match read_wav_16k_mono(f) {
            Ok(audio) => clips.push((f.clone(), audio)),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let total_audio: f64 = clips.iter().map(|(_, a)| audio_seconds(a)).sum();

    println!(
        "| model | encoder window | threads | clips | audio (s) | transcription (s) | RTF | worst clip RTF |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // Each model twice, in the same run: Whisper's fixed 30 s window (the reference,
    // what whisper.cpp does by default) and the window fitted to each note (the app).
    let runs = args.models.iter().flat_map(|m| [(m, false), (m, true)]);
    for (model, fit) in runs {
        let config = WhisperConfig {
            threads: args.threads,
            fit_audio_ctx: fit,
            ..WhisperConfig::default()
        };
        let mut whisper = match WhisperTranscriber::load(model, config) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut total = 0.0;
        let mut worst: f64 = 0.0;
        for (path, audio) in &clips {
            if let Err(e) = whisper.transcribe(audio) {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            let start = Instant::now();
            let text = match whisper.transcribe(audio) {
                Ok(t) => t.text,
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            };
            let secs = start.elapsed().as_secs_f64();
            total += secs;
            worst = worst.max(secs / audio_seconds(audio));
            eprintln!(
                "{:>6.2}s audio {:>6.3}s  {}",
                audio_seconds(audio),
                secs,
                text
            );
        }
        let name = model.file_name().map_or_else(
            || model.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let window = if fit {
            "fitted to the note"
        } else {
            "30 s (default)"
        };
        println!(
            "| {name} | {window} | {} | {} | {total_audio:.1} | {total:.2} | {:.3} | {worst:.3} |",
            args.threads,
            clips.len(),
            total / total_audio
        );
    }
    ExitCode::SUCCESS
}
