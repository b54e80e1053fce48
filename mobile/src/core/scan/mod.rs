//! Scanning: frames → rxing decode (worker thread) → de-duplicated codes → GS1 parse →
//! resolution against the local cache. Keyboard-wedge scanners join at the same point
//! as decoded camera frames.

pub mod decode;
pub mod pipeline;
pub mod resolve;
pub mod synth;

pub use decode::{CodeFormat, Decoded, Decoder, Strategy};
pub use pipeline::{
    Dedupe, FrameStats, Scan, ScanEvent, ScanFeedback, ScanOrigin, ScanWorker, SilentFeedback,
    WedgeBuffer,
};
pub use resolve::{resolve, ProductHit, Resolved};
