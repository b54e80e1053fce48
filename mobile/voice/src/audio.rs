//! WAV input and conversion to Whisper's input format (16 kHz, mono, `f32` in [-1, 1]).
//!
//! Phones record at 44.1 or 48 kHz, often in stereo; Whisper's mel front end is fixed at
//! 16 kHz. Linear interpolation is enough here: speech energy sits well below the 8 kHz
//! Nyquist limit, and what matters is that words stay intelligible, not hi-fi fidelity.

use std::path::Path;

/// The only sample rate Whisper accepts.
pub const WHISPER_SAMPLE_RATE: u32 = 16_000;

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot read WAV file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: hound::Error,
    },
    #[error("unsupported WAV format: {0}")]
    Unsupported(String),
}

/// Reads a WAV file (PCM 8/16/24/32-bit or 32-bit float, any channel count and rate) and
/// returns 16 kHz mono samples in [-1, 1].
pub fn read_wav_16k_mono(path: impl AsRef<Path>) -> Result<Vec<f32>, AudioError> {
    let path = path.as_ref();
    let read_err = |source| AudioError::Read {
        path: path.display().to_string(),
        source,
    };
    let reader = hound::WavReader::open(path).map_err(read_err)?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(AudioError::Unsupported(format!(
            "{} channels at {} Hz",
            spec.channels, spec.sample_rate
        )));
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(read_err)?,
        (hound::SampleFormat::Int, bits @ 1..=32) => {
            // Full scale of a signed `bits`-wide sample; hound sign-extends into i32.
            let scale = 1.0 / (1_i64 << (bits - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(read_err)?
        }
        (format, bits) => {
            return Err(AudioError::Unsupported(format!(
                "{format:?} with {bits} bits"
            )));
        }
    };
    let mono = downmix(&interleaved, usize::from(spec.channels));
    Ok(resample_linear(
        &mono,
        spec.sample_rate,
        WHISPER_SAMPLE_RATE,
    ))
}

/// Averages interleaved channels into one.
pub fn downmix(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

/// Resamples mono audio by linear interpolation between neighbouring samples.
pub fn resample_linear(samples: &[f32], from_hz: u32, to_hz: u32) -> Vec<f32> {
    if from_hz == to_hz || samples.is_empty() {
        return samples.to_vec();
    }
    let out_len = (samples.len() as u64 * u64::from(to_hz) / u64::from(from_hz)) as usize;
    let step = f64::from(from_hz) / f64::from(to_hz);
    let last = samples.len() - 1;
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * step;
            let idx = (pos.floor() as usize).min(last);
            let frac = (pos - idx as f64) as f32;
            let next = samples[(idx + 1).min(last)];
            samples[idx] + (next - samples[idx]) * frac
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, spec: hound::WavSpec, samples: &[i16]) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for s in samples {
            w.write_sample(*s).unwrap();
        }
        w.finalize().unwrap();
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("elevate-voice-{}-{name}", std::process::id()))
    }

    #[test]
    fn stereo_48k_becomes_16k_mono() {
        let path = temp_path("stereo48.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        // One second: left at +half scale, right at -quarter scale → mono +1/8.
        let frames: Vec<i16> = (0..48_000).flat_map(|_| [16_384_i16, -8_192]).collect();
        write_wav(&path, spec, &frames);
        let out = read_wav_16k_mono(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(out.len(), 16_000);
        assert!(
            out.iter().all(|s| (s - 0.125).abs() < 1e-4),
            "{:?}",
            &out[..4]
        );
    }

    #[test]
    fn sixteen_k_mono_is_passed_through_scaled() {
        let path = temp_path("mono16.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        write_wav(&path, spec, &[0, 32_767, -32_768, 16_384]);
        let out = read_wav_16k_mono(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(out.len(), 4);
        assert!((out[1] - 0.99997).abs() < 1e-4);
        assert_eq!(out[2], -1.0);
        assert_eq!(out[3], 0.5);
    }

    #[test]
    fn upsampling_interpolates_between_samples() {
        let out = resample_linear(&[0.0, 1.0], 8_000, 16_000);
        assert_eq!(out, vec![0.0, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn downsampling_keeps_a_sine_recognisable() {
        // A 440 Hz tone at 44.1 kHz must come out as a 440 Hz tone at 16 kHz.
        let input: Vec<f32> = (0..44_100)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 44_100.0).sin())
            .collect();
        let out = resample_linear(&input, 44_100, 16_000);
        assert_eq!(out.len(), 16_000);
        let crossings = out.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!(
            (439..=441).contains(&crossings),
            "{crossings} upward zero crossings"
        );
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = read_wav_16k_mono("/nonexistent/visit.wav").unwrap_err();
        assert!(matches!(err, AudioError::Read { .. }), "{err}");
    }
}
