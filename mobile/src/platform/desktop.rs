//! The desktop launcher: the runnable stand-in for the phone on a developer machine and
//! in CI (under Xvfb). Only compiled with the `desktop` feature, which brings webkit/GTK.

use super::{
    AppServices, Camera, FileStorage, FixedNetworkStatus, FrameError, FrameSource, LumaFrame,
    MemoryStorage, StillFrames, Storage,
};
use crate::branding::{ICON_PNG, WINDOW_TITLE};
use crate::core::store::Store;
use crate::core::sync::SessionSync;
use dioxus::desktop::tao::window::Icon;
use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
use std::path::PathBuf;
use std::sync::Arc;

/// Phone-sized logical window (a 6.7" phone's CSS viewport), so layout problems that a
/// phone would show also show on desktop.
pub const WINDOW_SIZE: (f64, f64) = (430.0, 932.0);

/// Environment variable that overrides where desktop settings are kept.
pub const DATA_DIR_ENV: &str = "ELEVATE_MOBILE_DATA_DIR";

/// Decoded RGBA pixels of a PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes a PNG into RGBA8 (the layout window icons want).
pub fn decode_png(bytes: &[u8]) -> Result<RgbaImage, image::ImageError> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)?.to_rgba8();
    let (width, height) = img.dimensions();
    Ok(RgbaImage {
        rgba: img.into_raw(),
        width,
        height,
    })
}

/// The TECHGURU window icon, or `None` (with a message) if it cannot be decoded: a missing
/// icon is cosmetic and must not stop the app.
pub fn window_icon() -> Option<Icon> {
    let decoded = decode_png(ICON_PNG)
        .map_err(|e| eprintln!("window icon not decodable: {e}"))
        .ok()?;
    Icon::from_rgba(decoded.rgba, decoded.width, decoded.height)
        .map_err(|e| eprintln!("window icon rejected: {e}"))
        .ok()
}

/// Where settings live: `$ELEVATE_MOBILE_DATA_DIR`, else `$XDG_DATA_HOME/elevatecrm`,
/// else `~/.local/share/elevatecrm`.
pub fn data_dir() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    env(DATA_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| env("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("elevatecrm")))
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local/share/elevatecrm")))
}

/// Environment variable: `1` fills an empty local store with the demo warehouse
/// (screenshots, the Xvfb test, trying the app without a server).
pub const DEMO_ENV: &str = "ELEVATE_MOBILE_DEMO";

/// Desktop services: settings and the local store on disk (in memory if no data
/// directory is usable), a network status that says online (desktop has no offline
/// detection yet), sign-in and sync against the backend over HTTP, and image files as
/// the camera stand-in.
pub fn services() -> AppServices {
    let dir = data_dir();
    let storage: Arc<dyn Storage> = match dir.clone().map(FileStorage::open) {
        Some(Ok(fs)) => Arc::new(fs),
        Some(Err(e)) => {
            eprintln!("cannot use the data directory ({e}); settings will not be kept");
            Arc::new(MemoryStorage::default())
        }
        None => Arc::new(MemoryStorage::default()),
    };
    let store = match dir.map(|d| Store::open(d.join("local.db"))) {
        Some(Ok(store)) => store.shared(),
        Some(Err(e)) => {
            eprintln!("cannot open the local store ({e}); work will not be kept");
            super::memory_store()
        }
        None => super::memory_store(),
    };
    let network = Arc::new(FixedNetworkStatus::new(true));
    let mut services = AppServices::with(storage, network.clone(), store.clone());
    // Sync runs while someone is signed in, with their token and registered device.
    services.sync = Arc::new(SessionSync::http(store.clone(), network));
    if std::env::var(DEMO_ENV).as_deref() == Ok("1") {
        demo(&mut services);
    }
    if let Some(path) = std::env::var_os(CAMERA_ENV).filter(|v| !v.is_empty()) {
        services.camera = Arc::new(ImageFileCamera(PathBuf::from(path)));
    }
    services
}

/// Demo mode: the demo warehouse in an empty store, and a local demo account (company
/// `demo`, `demo@example.com`, password `demo`) instead of a server; nothing is synced.
fn demo(services: &mut AppServices) {
    let s = crate::core::store::lock(&services.store);
    if s.cursor().ok().flatten().is_none() {
        if let Err(e) = s.apply_pull(&crate::core::fixtures::Warehouse::new().pull_page("demo")) {
            eprintln!("demo data not loaded: {e}");
        }
    }
    drop(s);
    services.auth = Arc::new(crate::core::auth::FakeAuth::new().with_account(
        DEMO_ACCOUNT.0,
        DEMO_ACCOUNT.1,
        DEMO_ACCOUNT.2,
        None,
    ));
    services.sync = Arc::new(crate::core::sync::NoSync {
        store: services.store.clone(),
        network: services.network.clone(),
        error: None,
    });
}

/// Company, email and password of the demo account (demo mode only).
pub const DEMO_ACCOUNT: (&str, &str, &str) = ("demo", "demo@example.com", "demo");

/// Environment variable: a PNG file the desktop "camera" shows (desktop has no camera
/// API here; the Xvfb test scans labels this way).
pub const CAMERA_ENV: &str = "ELEVATE_MOBILE_CAMERA";

/// The desktop camera stand-in: each time it is opened it delivers one frame, read from
/// a PNG file (re-read every time, so a test can swap the label between scans).
#[derive(Debug, Clone)]
pub struct ImageFileCamera(pub PathBuf);

/// Reads a PNG into a grayscale frame.
pub fn read_luma(path: &std::path::Path) -> Result<LumaFrame, FrameError> {
    let img = image::open(path)
        .map_err(|e| FrameError::Unavailable(format!("{}: {e}", path.display())))?;
    let luma = img.to_luma8();
    let (w, h) = luma.dimensions();
    LumaFrame::new(w, h, luma.into_raw())
}

impl Camera for ImageFileCamera {
    fn available(&self) -> bool {
        true
    }
    fn open(&self) -> Result<Box<dyn FrameSource>, FrameError> {
        Ok(Box::new(StillFrames::new([read_luma(&self.0)?])))
    }
}

/// The window: title, phone size, TECHGURU icon, and no white flash before the CSS loads.
pub fn config() -> Config {
    let window = WindowBuilder::new()
        .with_title(WINDOW_TITLE)
        .with_inner_size(LogicalSize::new(WINDOW_SIZE.0, WINDOW_SIZE.1))
        .with_min_inner_size(LogicalSize::new(320.0, 480.0));
    let mut config = Config::new()
        .with_window(window)
        // The app has its own navigation; the desktop menu bar would not exist on a phone.
        .with_menu(None)
        .with_custom_head(
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#.to_owned(),
        );
    if let Some(icon) = window_icon() {
        config = config.with_icon(icon);
    }
    config
}

/// Opens the window and runs the app until it is closed.
pub fn launch() {
    dioxus::LaunchBuilder::desktop()
        .with_cfg(config())
        .with_context(services())
        .launch(crate::App);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_icon_decodes_to_a_square_256px_rgba_image() {
        let icon = decode_png(ICON_PNG).unwrap();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
        // A blank (fully transparent) icon would decode fine and still be wrong.
        assert!(icon.rgba.chunks_exact(4).any(|px| px[3] > 0));
        assert!(window_icon().is_some());
    }

    #[test]
    fn decode_png_rejects_non_png_bytes() {
        assert!(decode_png(b"GIF89a not a png").is_err());
    }
}
