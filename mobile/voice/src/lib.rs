//! On-device voice notes for ElevateCRM's phone app.
//!
//! A sales rep records a visit by voice; the audio never leaves the phone. This crate
//! turns that recording into a reviewable [`note::VisitDraft`]:
//!
//! 1. [`audio`] reads a WAV file and brings it to what Whisper expects (16 kHz mono `f32`).
//! 2. [`transcribe`] runs Whisper through whisper.cpp ([`transcribe::WhisperTranscriber`]),
//!    behind the [`transcribe::Transcriber`] trait so screens can be tested with a fake.
//! 3. [`note`] is a pure parser: transcript + visit date + the rep's customers and products
//!    → customer, product lines with quantities, follow-up date and next action, each with
//!    a confidence so the UI can ask the rep to check the uncertain parts.
//!
//! The model file (`ggml-tiny.en.bin`) is produced by `scripts/fetch-models`; see
//! `docs/VOICE.md`.

pub mod audio;
pub mod note;
pub mod transcribe;

pub use audio::{read_wav_16k_mono, AudioError, WHISPER_SAMPLE_RATE};
pub use note::{
    parse_visit, vocabulary_prompt, Candidate, Match, NextAction, ProductQty, VisitContext,
    VisitDraft,
};
pub use transcribe::{TranscribeError, Transcriber, Transcript, WhisperConfig, WhisperTranscriber};
