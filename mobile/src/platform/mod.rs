//! Services that differ per target (desktop, Android, iOS, web), behind traits.
//!
//! Screens and `core` only see these traits; the launcher picks implementations and puts
//! them into the Dioxus context as [`AppServices`]. Tests use the in-memory fakes here.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::core::auth::{AuthTransport, FakeAuth, HttpAuth};
use crate::core::scan::{ScanFeedback, SilentFeedback};
use crate::core::store::{SharedStore, Store};
use crate::core::sync::{NoSync, SyncControl};

#[cfg(feature = "desktop")]
pub mod desktop;
#[cfg(not(target_arch = "wasm32"))]
mod fs;
#[cfg(not(target_arch = "wasm32"))]
pub use fs::FileStorage;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// A small key/value store for settings and tokens (the op log and cached reference
/// data go to the local store instead).
pub trait Storage: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    fn put(&self, key: &str, value: &[u8]) -> Result<(), StorageError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), StorageError>;
}

/// A storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Keys become file names on some platforms, so they are restricted to a safe set.
    #[error("invalid storage key {0:?}: use 1-64 of [A-Za-z0-9._-], not starting with '.'")]
    InvalidKey(String),
    #[error("storage I/O failed for key {key:?}")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
}

/// Checks a key the same way for every implementation, so a key that works in tests
/// also works on the phone.
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let ok = (1..=64).contains(&key.len())
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.to_owned()))
    }
}

/// Process-local storage: the test fake, and the fallback when no persistent store exists.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    entries: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStorage {
    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic while holding the lock cannot leave a half-written map entry, so the
        // data is still consistent and poisoning can be ignored.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        validate_key(key)?;
        Ok(self.entries().get(key).cloned())
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        validate_key(key)?;
        self.entries().insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        self.entries().remove(key);
        Ok(())
    }
}

/// Whether the backend is reachable, as far as the device knows. Sync waits for `true`;
/// nothing else in the app may block on it.
pub trait NetworkStatus: Send + Sync {
    fn is_online(&self) -> bool;
}

/// A network status set by hand: the desktop stand-in (online) and the test fake.
#[derive(Debug)]
pub struct FixedNetworkStatus(AtomicBool);

impl FixedNetworkStatus {
    pub fn new(online: bool) -> Self {
        Self(AtomicBool::new(online))
    }

    pub fn set_online(&self, online: bool) {
        self.0.store(online, Ordering::Relaxed);
    }
}

impl NetworkStatus for FixedNetworkStatus {
    fn is_online(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// One grayscale camera frame, row-major, one byte per pixel: the input the barcode
/// decoder takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaFrame {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// A frame could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {width}x{height} needs {expected} bytes, got {actual}")]
    SizeMismatch {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("camera unavailable: {0}")]
    Unavailable(String),
}

impl LumaFrame {
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, FrameError> {
        let expected = width as usize * height as usize;
        if pixels.len() != expected || expected == 0 {
            return Err(FrameError::SizeMismatch {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// A camera (or anything else) that yields frames for the scanner.
pub trait FrameSource: Send {
    /// The next frame; `Ok(None)` when the source has ended (a camera never ends).
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, FrameError>;
}

/// Plays back a fixed list of frames once: the desktop and test stand-in for a camera.
#[derive(Debug, Default)]
pub struct StillFrames {
    frames: VecDeque<LumaFrame>,
}

impl StillFrames {
    pub fn new(frames: impl IntoIterator<Item = LumaFrame>) -> Self {
        Self {
            frames: frames.into_iter().collect(),
        }
    }
}

impl FrameSource for StillFrames {
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, FrameError> {
        Ok(self.frames.pop_front())
    }
}

/// The device camera as a frame source. On phones this wraps CameraX/AVFoundation; on
/// desktop an image file stands in for it (see `platform::desktop`).
pub trait Camera: Send + Sync {
    /// Whether a camera button makes sense at all.
    fn available(&self) -> bool;
    /// Starts delivering frames.
    fn open(&self) -> Result<Box<dyn FrameSource>, FrameError>;
}

/// No camera (tests, desktop without a stand-in image).
#[derive(Debug, Default)]
pub struct NoCamera;

impl Camera for NoCamera {
    fn available(&self) -> bool {
        false
    }
    fn open(&self) -> Result<Box<dyn FrameSource>, FrameError> {
        Err(FrameError::Unavailable("no camera on this device".into()))
    }
}

/// A camera that shows the same frames every time it is opened (component tests, demos).
#[derive(Debug, Clone, Default)]
pub struct FixedCamera(pub Vec<LumaFrame>);

impl Camera for FixedCamera {
    fn available(&self) -> bool {
        true
    }
    fn open(&self) -> Result<Box<dyn FrameSource>, FrameError> {
        Ok(Box::new(StillFrames::new(self.0.clone())))
    }
}

/// The services a running app has, shared through the Dioxus context.
///
/// Cheap to clone; `Send + Sync` because the desktop launcher hands it over from the
/// main thread.
#[derive(Clone)]
pub struct AppServices {
    pub storage: Arc<dyn Storage>,
    pub network: Arc<dyn NetworkStatus>,
    /// The local store (cache + op log): SQLite natively, `localStorage` in the browser.
    pub store: SharedStore,
    /// Sync status and the "sync now" trigger.
    pub sync: Arc<dyn SyncControl>,
    /// Beep/vibrate/flash on every accepted scan.
    pub feedback: Arc<dyn ScanFeedback>,
    /// Frames for the scanner.
    pub camera: Arc<dyn Camera>,
    /// Sign-in and device registration (the backend over HTTP; a fake in tests).
    pub auth: Arc<dyn AuthTransport>,
}

impl AppServices {
    /// In-memory services: tests, and the fallback when the launcher provided none.
    pub fn in_memory() -> Self {
        Self::with(
            Arc::new(MemoryStorage::default()),
            Arc::new(FixedNetworkStatus::new(true)),
            memory_store(),
        )
    }

    /// Services over the given storage, network and store, with no background sync.
    pub fn with(
        storage: Arc<dyn Storage>,
        network: Arc<dyn NetworkStatus>,
        store: SharedStore,
    ) -> Self {
        Self {
            storage,
            sync: Arc::new(NoSync {
                store: store.clone(),
                network: network.clone(),
                error: None,
            }),
            network,
            store,
            feedback: Arc::new(SilentFeedback),
            camera: Arc::new(NoCamera),
            auth: http_auth(),
        }
    }
}

/// The backend's sign-in over HTTP. Building the client only fails when the TLS backend
/// cannot start; sign-in then reports the server as unreachable.
fn http_auth() -> Arc<dyn AuthTransport> {
    match HttpAuth::new() {
        Ok(auth) => Arc::new(auth),
        Err(e) => {
            eprintln!("HTTP client not available: {e}");
            let fake = FakeAuth::new();
            fake.set_offline(true);
            Arc::new(fake)
        }
    }
}

/// An empty in-memory store. Opening one only fails when the process is out of memory.
pub fn memory_store() -> SharedStore {
    Store::open_in_memory()
        .expect("an in-memory store opens")
        .shared()
}

impl std::fmt::Debug for AppServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServices")
            .field("online", &self.network.is_online())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract every `Storage` must meet; run against each implementation.
    pub(crate) fn storage_contract(storage: &dyn Storage) {
        assert!(storage.get("a.json").unwrap().is_none());
        storage.put("a.json", b"one").unwrap();
        storage.put("b-2_x", b"two").unwrap();
        assert_eq!(storage.get("a.json").unwrap().as_deref(), Some(&b"one"[..]));
        storage.put("a.json", b"three").unwrap();
        assert_eq!(
            storage.get("a.json").unwrap().as_deref(),
            Some(&b"three"[..])
        );
        storage.delete("a.json").unwrap();
        storage.delete("a.json").unwrap();
        assert!(storage.get("a.json").unwrap().is_none());
        assert_eq!(storage.get("b-2_x").unwrap().as_deref(), Some(&b"two"[..]));
        for bad in [
            "",
            "../etc/passwd",
            ".hidden",
            "a/b",
            "a b",
            &"k".repeat(65),
        ] {
            assert!(
                matches!(storage.put(bad, b"x"), Err(StorageError::InvalidKey(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn memory_storage_meets_the_contract() {
        storage_contract(&MemoryStorage::default());
    }

    #[test]
    fn network_status_can_be_flipped() {
        let net = FixedNetworkStatus::new(true);
        assert!(net.is_online());
        net.set_online(false);
        assert!(!net.is_online());
    }

    #[test]
    fn luma_frame_checks_its_size() {
        assert!(LumaFrame::new(2, 2, vec![0; 4]).is_ok());
        assert!(matches!(
            LumaFrame::new(2, 2, vec![0; 3]),
            Err(FrameError::SizeMismatch {
                expected: 4,
                actual: 3,
                ..
            })
        ));
        assert!(LumaFrame::new(0, 0, vec![]).is_err());
    }

    #[test]
    fn still_frames_play_each_frame_once_in_order() {
        let a = LumaFrame::new(1, 1, vec![10]).unwrap();
        let b = LumaFrame::new(1, 1, vec![20]).unwrap();
        let mut source = StillFrames::new([a.clone(), b.clone()]);
        assert_eq!(source.next_frame().unwrap(), Some(a));
        assert_eq!(source.next_frame().unwrap(), Some(b));
        assert_eq!(source.next_frame().unwrap(), None);
    }
}
