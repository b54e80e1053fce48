//! App logic with no UI and no platform calls: settings, theme rules, the local store and
//! op log, the scan pipeline and the sync engine.
//!
//! Everything here is plain Rust so it is unit-tested without a window or a webview.

pub mod auth;
pub mod fixtures;
mod http;
pub mod ops;
pub mod refdata;
pub mod scan;
pub mod settings;
pub mod store;
pub mod sync;
pub mod theme;

pub use settings::{AppSettings, ServerUrl, ServerUrlError, SettingsError, TextSize, SETTINGS_KEY};
pub use theme::{Palette, Rgb, Theme};
