//! The scan pipeline: frames are decoded on a worker thread and codes come out of a
//! channel, so the UI thread never waits for a decoder. Camera frames and hardware
//! scanner ("keyboard wedge") input end up as the same [`Scan`] events.
//!
//! The browser has no threads: there the same loop ([`decode_frames`]) runs inline on the
//! page's thread, which is busy while a camera's frames are decoded.

use super::decode::{CodeFormat, Decoder};
use crate::platform::FrameSource;
use std::sync::atomic::{AtomicBool, Ordering};
use web_time::Instant;
#[cfg(not(target_arch = "wasm32"))]
use {
    std::sync::mpsc::{self, Receiver, Sender},
    std::sync::Arc,
    std::thread::JoinHandle,
};

/// Where a code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrigin {
    Camera(CodeFormat),
    /// A hardware scanner that types the code and presses Enter.
    Keyboard,
}

/// One accepted scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub text: String,
    pub origin: ScanOrigin,
}

/// Told about every accepted scan at once, on the thread that found it, before the UI
/// is: beep, vibrate, flash. Must return quickly.
pub trait ScanFeedback: Send + Sync {
    fn on_scan(&self, scan: &Scan);
}

/// No feedback (tests; platforms without a speaker).
#[derive(Debug, Default)]
pub struct SilentFeedback;

impl ScanFeedback for SilentFeedback {
    fn on_scan(&self, _scan: &Scan) {}
}

/// Suppresses the same code seen in consecutive camera frames: a label held in front of
/// the camera is one scan, not thirty. The same code counts again once it has been out of
/// view for more than `window` frames (the operator scanned it a second time on purpose).
#[derive(Debug, Clone)]
pub struct Dedupe {
    window: u32,
    last: Option<String>,
    frames_since_seen: u32,
}

impl Dedupe {
    pub fn new(window: u32) -> Self {
        Dedupe {
            window,
            last: None,
            frames_since_seen: 0,
        }
    }

    /// Feeds one frame's result; `true` if the code is a new scan.
    pub fn accept(&mut self, code: Option<&str>) -> bool {
        match code {
            None => {
                self.frames_since_seen = self.frames_since_seen.saturating_add(1);
                false
            }
            Some(code) => {
                let repeat =
                    self.last.as_deref() == Some(code) && self.frames_since_seen <= self.window;
                self.last = Some(code.to_owned());
                self.frames_since_seen = 0;
                !repeat
            }
        }
    }
}

/// Collects keystrokes from a keyboard-wedge scanner: characters until Enter.
#[derive(Debug, Clone, Default)]
pub struct WedgeBuffer {
    buffer: String,
}

/// Longest code a wedge may type; longer input is not a scan (a cat on the keyboard).
pub const WEDGE_MAX_LEN: usize = 512;

impl WedgeBuffer {
    /// A typed character. Scanners send GS as Ctrl+] or as the character itself.
    pub fn push(&mut self, c: char) {
        if self.buffer.len() < WEDGE_MAX_LEN {
            self.buffer.push(c);
        }
    }

    /// A key by its DOM name (`"Enter"`, `"a"`, `"Backspace"`). Returns the completed
    /// code on Enter (or Tab, which some scanners send instead).
    pub fn key(&mut self, key: &str) -> Option<String> {
        match key {
            "Enter" | "Tab" => self.finish(),
            "Backspace" => {
                self.buffer.pop();
                None
            }
            k if k.chars().count() == 1 => {
                k.chars().for_each(|c| self.push(c));
                None
            }
            _ => None,
        }
    }

    /// Ends the current code; `None` if nothing but whitespace was typed.
    pub fn finish(&mut self) -> Option<String> {
        let code = std::mem::take(&mut self.buffer);
        let code = code.trim_matches(|c: char| c.is_whitespace() && c != '\u{1d}');
        (!code.is_empty()).then(|| code.to_owned())
    }

    pub fn pending(&self) -> &str {
        &self.buffer
    }
}

/// Timing of one decoded frame, for the benchmark and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameStats {
    pub decode_ms: f64,
    pub hit: bool,
}

/// Events from the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanEvent {
    Scan(Scan),
    /// The frame source ended or failed; the worker has stopped.
    Stopped {
        error: Option<String>,
    },
}

/// Decodes frames from `source` until it ends or fails, `stop` is set, or `emit` answers
/// `false`. Each accepted scan goes to `feedback` and then to `emit`; the last event is
/// always [`ScanEvent::Stopped`]. Answers the per-frame timings.
pub fn decode_frames(
    source: &mut dyn FrameSource,
    decoder: &mut Decoder,
    dedupe_window: u32,
    feedback: &dyn ScanFeedback,
    stop: &AtomicBool,
    mut emit: impl FnMut(ScanEvent) -> bool,
) -> Vec<FrameStats> {
    let mut dedupe = Dedupe::new(dedupe_window);
    let mut stats = Vec::new();
    let error = loop {
        if stop.load(Ordering::Relaxed) {
            break None;
        }
        let frame = match source.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        };
        let started = Instant::now();
        let found = decoder.decode(&frame);
        stats.push(FrameStats {
            decode_ms: started.elapsed().as_secs_f64() * 1000.0,
            hit: found.is_some(),
        });
        if dedupe.accept(found.as_ref().map(|d| d.text.as_str())) {
            if let Some(d) = found {
                let scan = Scan {
                    text: d.text,
                    origin: ScanOrigin::Camera(d.format),
                };
                feedback.on_scan(&scan);
                if !emit(ScanEvent::Scan(scan)) {
                    break None; // nobody listens any more
                }
            }
        }
    };
    emit(ScanEvent::Stopped { error });
    stats
}

/// A running decoder thread (native targets).
#[cfg(not(target_arch = "wasm32"))]
pub struct ScanWorker {
    handle: Option<JoinHandle<Vec<FrameStats>>>,
    stop: Arc<AtomicBool>,
}

#[cfg(not(target_arch = "wasm32"))]
impl ScanWorker {
    /// Starts decoding frames from `source` on a new thread. Accepted scans go to the
    /// returned channel after `feedback` was told.
    pub fn spawn(
        mut source: Box<dyn FrameSource>,
        mut decoder: Decoder,
        dedupe_window: u32,
        feedback: Arc<dyn ScanFeedback>,
    ) -> (ScanWorker, Receiver<ScanEvent>) {
        let (tx, rx): (Sender<ScanEvent>, Receiver<ScanEvent>) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("scan-decoder".into())
            .spawn(move || {
                decode_frames(
                    &mut *source,
                    &mut decoder,
                    dedupe_window,
                    &*feedback,
                    &stop_flag,
                    |event| tx.send(event).is_ok(),
                )
            })
            .expect("spawning the decoder thread");
        (
            ScanWorker {
                handle: Some(handle),
                stop,
            },
            rx,
        )
    }

    /// Asks the worker to stop after the current frame.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the worker to end; returns per-frame timings.
    pub fn join(mut self) -> Vec<FrameStats> {
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for ScanWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_drops_repeats_until_the_code_was_out_of_view_long_enough() {
        let mut d = Dedupe::new(2);
        assert!(d.accept(Some("A")));
        assert!(!d.accept(Some("A")));
        assert!(!d.accept(None));
        assert!(!d.accept(Some("A")), "one missed frame is a flicker");
        assert!(d.accept(Some("B")));
        assert!(d.accept(Some("A")), "another code in between ends the run");
        for _ in 0..3 {
            d.accept(None);
        }
        assert!(
            d.accept(Some("A")),
            "away for longer than the window: a new scan"
        );
    }

    #[test]
    fn wedge_collects_characters_until_enter() {
        let mut w = WedgeBuffer::default();
        for k in ["4", "0", "0", "6", "Shift", "x", "Backspace"] {
            assert_eq!(w.key(k), None);
        }
        assert_eq!(w.pending(), "4006");
        assert_eq!(w.key("Enter").as_deref(), Some("4006"));
        assert_eq!(w.key("Enter"), None, "an empty Enter is no scan");
        w.push('\u{1d}');
        w.push('1');
        assert_eq!(
            w.finish().as_deref(),
            Some("\u{1d}1"),
            "GS is data, not whitespace"
        );
    }
}
