//! Settings: server URL, language, theme and text size, remembered on the phone.

mod view;

pub use view::SettingsScreen;
