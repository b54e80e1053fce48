//! Scanning: frames → rxing decode (worker thread; inline in the browser) → de-duplicated codes → GS1 parse →
//! resolution against the local cache. Keyboard-wedge scanners join at the same point
//! as decoded camera frames.

pub mod decode;
pub mod pipeline;
pub mod resolve;
pub mod synth;

pub use decode::{CodeFormat, Decoded, Decoder, Strategy};
#[cfg(not(target_arch = "wasm32"))]
pub use pipeline::ScanWorker;
pub use pipeline::{
    decode_frames, Dedupe, FrameStats, Scan, ScanEvent, ScanFeedback, ScanOrigin, SilentFeedback,
    WedgeBuffer,
};
pub use resolve::{resolve, ProductHit, Resolved};
