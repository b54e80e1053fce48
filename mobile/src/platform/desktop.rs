//! The desktop launcher: the runnable stand-in for the phone on a developer machine and
//! in CI (under Xvfb). Only compiled with the `desktop` feature, which brings webkit/GTK.

use super::{AppServices, FileStorage, FixedNetworkStatus, MemoryStorage, Storage};
use crate::branding::{ICON_PNG, WINDOW_TITLE};
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

/// Desktop services: settings on disk (in memory if no data directory is usable) and a
/// network status that says online (desktop has no offline detection yet).
pub fn services() -> AppServices {
    let storage: Arc<dyn Storage> = match data_dir().map(FileStorage::open) {
        Some(Ok(fs)) => Arc::new(fs),
        Some(Err(e)) => {
            eprintln!("cannot use the data directory ({e}); settings will not be kept");
            Arc::new(MemoryStorage::default())
        }
        None => Arc::new(MemoryStorage::default()),
    };
    AppServices {
        storage,
        network: Arc::new(FixedNetworkStatus::new(true)),
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
