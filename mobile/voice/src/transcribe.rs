//! Speech to text on the device with Whisper (whisper.cpp through `whisper-rs`).
//!
//! [`Transcriber`] is the seam the app depends on; [`WhisperTranscriber`] is the real
//! implementation. Defaults suit a phone: two threads (leaving cores for the UI), greedy
//! decoding (beam search costs ~3-5x the time for little gain on short notes), and a
//! fixed language so the English-only `tiny.en` model skips language detection.

use std::path::Path;
use std::sync::Once;

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::audio::WHISPER_SAMPLE_RATE;

/// What a transcriber heard.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    /// The whole text, segments joined by single spaces and trimmed.
    pub text: String,
    /// Segments as the model produced them, with start/end in milliseconds.
    pub segments: Vec<Segment>,
}

/// One stretch of speech.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

/// Why transcription failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    #[error("Whisper model not found at {0} (run scripts/fetch-models)")]
    ModelMissing(String),
    #[error("cannot load Whisper model {path}: {source}")]
    Load {
        path: String,
        #[source]
        source: whisper_rs::WhisperError,
    },
    #[error("no audio to transcribe")]
    EmptyAudio,
    #[error("Whisper failed: {0}")]
    Whisper(#[from] whisper_rs::WhisperError),
}

/// Turns 16 kHz mono `f32` audio into text.
pub trait Transcriber {
    /// Transcribes `audio` (16 kHz, mono, samples in [-1, 1]).
    fn transcribe(&mut self, audio: &[f32]) -> Result<Transcript, TranscribeError>;
}

/// Settings for [`WhisperTranscriber`].
#[derive(Debug, Clone, PartialEq)]
pub struct WhisperConfig {
    /// CPU threads for whisper.cpp.
    pub threads: u16,
    /// Spoken language (ISO 639-1); `None` lets a multilingual model detect it.
    pub language: Option<String>,
    /// Optional text shown to the decoder as preceding context, e.g. the rep's customer
    /// and product names, which biases spelling towards them.
    pub initial_prompt: Option<String>,
    /// Size the encoder's window to the note instead of Whisper's fixed 30 s. A visit
    /// note lasts 5–15 s, so this spares most of the encoder's work (the largest part
    /// of a transcription on a phone CPU).
    pub fit_audio_ctx: bool,
}

impl Default for WhisperConfig {
    fn default() -> Self {
        Self {
            threads: 2,
            language: Some("en".to_owned()),
            initial_prompt: None,
            fit_audio_ctx: true,
        }
    }
}

/// Encoder frames for `seconds` of audio: Whisper's 1,500 frames cover 30 s (50 per
/// second); a margin keeps the last words, and a floor keeps very short clips stable.
pub fn fitted_audio_ctx(seconds: f64) -> i32 {
    const FULL: f64 = 1500.0;
    let frames = (seconds * 50.0).ceil() + 128.0;
    frames.clamp(384.0, FULL) as i32
}

/// Whisper via whisper.cpp, holding a loaded model and one decoding state.
pub struct WhisperTranscriber {
    // The state borrows nothing from the context at the Rust level but keeps it alive
    // through an Arc inside whisper-rs; we hold the context too so it is obviously owned.
    _context: WhisperContext,
    state: whisper_rs::WhisperState,
    config: WhisperConfig,
}

impl std::fmt::Debug for WhisperTranscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperTranscriber")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

static QUIET_LOGS: Once = Once::new();

impl WhisperTranscriber {
    /// Loads a ggml Whisper model (e.g. `ggml-tiny.en.bin`) from `path`.
    pub fn load(path: impl AsRef<Path>, config: WhisperConfig) -> Result<Self, TranscribeError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(TranscribeError::ModelMissing(shown));
        }
        // whisper.cpp logs every load and decode to stderr; route it into whisper-rs's
        // (disabled) logging backends instead so the app's own output stays readable.
        QUIET_LOGS.call_once(whisper_rs::install_logging_hooks);
        let load_err = |source| TranscribeError::Load {
            path: shown.clone(),
            source,
        };
        let context = WhisperContext::new_with_params(&shown, WhisperContextParameters::default())
            .map_err(load_err)?;
        let state = context.create_state().map_err(load_err)?;
        Ok(Self {
            _context: context,
            state,
            config,
        })
    }

    /// The settings this transcriber runs with.
    pub fn config(&self) -> &WhisperConfig {
        &self.config
    }
}

impl Transcriber for WhisperTranscriber {
    fn transcribe(&mut self, audio: &[f32]) -> Result<Transcript, TranscribeError> {
        if audio.is_empty() {
            return Err(TranscribeError::EmptyAudio);
        }
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(i32::from(self.config.threads.max(1)));
        params.set_language(self.config.language.as_deref());
        if let Some(prompt) = &self.config.initial_prompt {
            params.set_initial_prompt(prompt);
        }
        params.set_translate(false);
        // Each note is transcribed on its own; earlier notes must not leak in as context.
        params.set_no_context(true);
        // Suppress non-speech tokens ("[MUSIC]", "(coughs)") that a parser would trip on.
        params.set_suppress_nst(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        if self.config.fit_audio_ctx {
            params.set_audio_ctx(fitted_audio_ctx(audio_seconds(audio)));
        }

        self.state.full(params, audio)?;
        let mut segments = Vec::new();
        for segment in self.state.as_iter() {
            let text = segment.to_str_lossy()?.trim().to_owned();
            if text.is_empty() {
                continue;
            }
            // whisper.cpp reports timestamps in centiseconds.
            segments.push(Segment {
                start_ms: segment.start_timestamp() * 10,
                end_ms: segment.end_timestamp() * 10,
                text,
            });
        }
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Transcript { text, segments })
    }
}

/// Seconds of audio in `samples` at Whisper's sample rate.
pub fn audio_seconds(samples: &[f32]) -> f64 {
    samples.len() as f64 / f64::from(WHISPER_SAMPLE_RATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_says_how_to_get_it() {
        let err =
            WhisperTranscriber::load("/nonexistent/ggml-tiny.en.bin", WhisperConfig::default())
                .unwrap_err();
        assert!(matches!(err, TranscribeError::ModelMissing(_)));
        assert!(err.to_string().contains("scripts/fetch-models"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_model_fails_to_load() {
        let path =
            std::env::temp_dir().join(format!("elevate-voice-{}-bogus.bin", std::process::id()));
        std::fs::write(&path, b"not a ggml file").unwrap();
        let err = WhisperTranscriber::load(&path, WhisperConfig::default()).unwrap_err();
        std::fs::remove_file(&path).ok();
        assert!(matches!(err, TranscribeError::Load { .. }), "{err}");
    }

    #[test]
    fn defaults_suit_a_phone() {
        let c = WhisperConfig::default();
        assert_eq!(c.threads, 2);
        assert_eq!(c.language.as_deref(), Some("en"));
        assert!(c.fit_audio_ctx);
    }

    #[test]
    fn the_encoder_window_follows_the_note_within_bounds() {
        // 6 s → 300 frames + 128 margin; a blip keeps the floor; 40 s the full window.
        assert_eq!(fitted_audio_ctx(6.0), 428);
        assert_eq!(fitted_audio_ctx(0.5), 384);
        assert_eq!(fitted_audio_ctx(13.0), 778);
        assert_eq!(fitted_audio_ctx(40.0), 1500);
        let mut last = 0;
        for tenths in 0..400 {
            let n = fitted_audio_ctx(f64::from(tenths) / 10.0);
            assert!(n >= last && (384..=1500).contains(&n));
            last = n;
        }
    }

    #[test]
    fn audio_seconds_uses_16k() {
        assert_eq!(audio_seconds(&vec![0.0; 24_000]), 1.5);
    }
}
