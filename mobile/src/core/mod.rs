//! App logic with no UI and no platform calls: settings, theme rules and (later) the
//! local store, sync engine, scan pipeline and note parser.
//!
//! Everything here is plain Rust so it is unit-tested without a window or a webview.

pub mod settings;
pub mod theme;

pub use settings::{AppSettings, ServerUrl, ServerUrlError, SettingsError, SETTINGS_KEY};
pub use theme::{Palette, Rgb, Theme};
