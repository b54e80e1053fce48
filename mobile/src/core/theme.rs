//! Light/dark theme choice and the colour palettes behind the CSS variables.
//!
//! The palettes live in Rust rather than only in CSS so a test can check every
//! foreground/background pair against the WCAG 2.1 AA contrast thresholds.
//! Brand colours follow `assets/brand/README.md`: Deep Indigo `#3730A3` for accents on
//! light surfaces, Guru Teal `#0D9488`, and Mint `#5EEAD4` / light indigo on dark ones
//! (the brand's Elevate Indigo `#5B55E8` is only 3.3:1 on the dark background).

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The user's theme preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    /// Follow the operating system (`prefers-color-scheme`).
    #[default]
    System,
}

impl Theme {
    /// Every choice, in the order a picker shows them.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The CSS class put on the app root; `theme-system` is resolved by a media query.
    pub fn css_class(self) -> &'static str {
        match self {
            Theme::Light => "theme-light",
            Theme::Dark => "theme-dark",
            Theme::System => "theme-system",
        }
    }

    /// Stable identifier for forms and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    /// Parses the identifier produced by [`Theme::as_str`].
    pub fn from_id(id: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == id)
    }

    /// Whether the dark palette applies, given what the OS prefers.
    pub fn is_dark(self, os_prefers_dark: bool) -> bool {
        match self {
            Theme::Light => false,
            Theme::Dark => true,
            Theme::System => os_prefers_dark,
        }
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Builds a colour from `0xRRGGBB`.
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// WCAG 2.1 relative luminance.
    pub fn relative_luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2.1 contrast ratio between two colours (1.0 ..= 21.0).
    pub fn contrast_ratio(self, other: Rgb) -> f64 {
        let (a, b) = (self.relative_luminance(), other.relative_luminance());
        let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// `#rrggbb` for CSS.
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// One theme's colours. Each `on_*`/`text*` colour is meant to be read on the background
/// named next to it; [`Palette::text_pairs`] lists those pairs for the contrast test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub bg: Rgb,
    pub surface: Rgb,
    pub text: Rgb,
    pub text_muted: Rgb,
    pub border: Rgb,
    pub primary: Rgb,
    pub on_primary: Rgb,
    pub accent: Rgb,
    pub focus: Rgb,
    pub error: Rgb,
}

/// TECHGURU Deep Indigo (the brand's UI accent on light surfaces).
pub const BRAND_INDIGO: Rgb = Rgb::hex(0x3730A3);
/// TECHGURU Guru Teal.
pub const BRAND_TEAL: Rgb = Rgb::hex(0x0D9488);

impl Palette {
    pub const LIGHT: Palette = Palette {
        bg: Rgb::hex(0xF8FAFC),
        surface: Rgb::hex(0xFFFFFF),
        text: Rgb::hex(0x0F172A),
        text_muted: Rgb::hex(0x475569),
        // Input borders are UI components: they need 3:1, not 4.5:1.
        border: Rgb::hex(0x64748B),
        primary: BRAND_INDIGO,
        on_primary: Rgb::hex(0xFFFFFF),
        // Brand teal is 3.7:1 on white: fine for large text and borders, too light for
        // body text, so text accents use a darker teal.
        accent: Rgb::hex(0x0F766E),
        focus: BRAND_TEAL,
        error: Rgb::hex(0xB91C1C),
    };

    pub const DARK: Palette = Palette {
        // Slate 900: the dark background the brand palette was checked against.
        bg: Rgb::hex(0x0F172A),
        surface: Rgb::hex(0x1E293B),
        text: Rgb::hex(0xF1F5F9),
        text_muted: Rgb::hex(0xCBD5E1),
        border: Rgb::hex(0x94A3B8),
        // Brand indigo is too dark on a dark background; a lighter indigo keeps the hue.
        primary: Rgb::hex(0xA5B4FC),
        on_primary: Rgb::hex(0x1E1B4B),
        accent: Rgb::hex(0x5EEAD4),
        focus: Rgb::hex(0x2DD4BF),
        error: Rgb::hex(0xFCA5A5),
    };

    /// Pairs of (name, foreground, background) that carry text; WCAG AA needs 4.5:1.
    pub fn text_pairs(&self) -> [(&'static str, Rgb, Rgb); 7] {
        [
            ("text on bg", self.text, self.bg),
            ("text on surface", self.text, self.surface),
            ("muted on bg", self.text_muted, self.bg),
            ("muted on surface", self.text_muted, self.surface),
            ("on_primary on primary", self.on_primary, self.primary),
            ("accent on surface", self.accent, self.surface),
            ("error on surface", self.error, self.surface),
        ]
    }

    /// Pairs for non-text UI (borders, focus ring); WCAG AA needs 3:1.
    pub fn ui_pairs(&self) -> [(&'static str, Rgb, Rgb); 4] {
        [
            ("border on surface", self.border, self.surface),
            ("focus on bg", self.focus, self.bg),
            ("focus on surface", self.focus, self.surface),
            ("primary on surface", self.primary, self.surface),
        ]
    }

    /// CSS custom-property declarations (`--bg: #...;` ...).
    pub fn css_vars(&self) -> String {
        let vars = [
            ("bg", self.bg),
            ("surface", self.surface),
            ("text", self.text),
            ("text-muted", self.text_muted),
            ("border", self.border),
            ("primary", self.primary),
            ("on-primary", self.on_primary),
            ("accent", self.accent),
            ("focus", self.focus),
            ("error", self.error),
        ];
        let mut out = String::new();
        for (name, colour) in vars {
            // Writing to a String cannot fail.
            let _ = write!(out, "--{name}:{};", colour.css());
        }
        out
    }
}

/// The theme rules: one class per explicit choice, and `theme-system` switching with the
/// OS preference. Prepended to the static stylesheet.
pub fn theme_css() -> String {
    let light = Palette::LIGHT.css_vars();
    let dark = Palette::DARK.css_vars();
    format!(
        ".theme-light,.theme-system{{{light}color-scheme:light;}}\n\
         .theme-dark{{{dark}color-scheme:dark;}}\n\
         @media (prefers-color-scheme: dark){{.theme-system{{{dark}color-scheme:dark;}}}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratio_matches_known_values() {
        let black = Rgb::hex(0x000000);
        let white = Rgb::hex(0xFFFFFF);
        assert!((black.contrast_ratio(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast_ratio(white) - 1.0).abs() < 1e-9);
        // #777777 on white is the classic "just fails AA" grey (4.48:1).
        let grey = Rgb::hex(0x777777).contrast_ratio(white);
        assert!(grey > 4.4 && grey < 4.5, "got {grey}");
    }

    #[test]
    fn both_palettes_meet_wcag_aa() {
        for (theme, palette) in [("light", Palette::LIGHT), ("dark", Palette::DARK)] {
            for (name, fg, bg) in palette.text_pairs() {
                let ratio = fg.contrast_ratio(bg);
                assert!(ratio >= 4.5, "{theme}: {name} is {ratio:.2}:1, needs 4.5:1");
            }
            for (name, fg, bg) in palette.ui_pairs() {
                let ratio = fg.contrast_ratio(bg);
                assert!(ratio >= 3.0, "{theme}: {name} is {ratio:.2}:1, needs 3:1");
            }
        }
    }

    #[test]
    fn theme_css_defines_every_variable_for_each_class() {
        let css = theme_css();
        for class in [".theme-light", ".theme-dark", ".theme-system"] {
            assert!(css.contains(class), "missing {class}");
        }
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(css.contains(&format!("--primary:{}", BRAND_INDIGO.css())));
        assert_eq!(css.matches("--on-primary:").count(), 3);
    }

    #[test]
    fn theme_ids_round_trip_and_system_follows_os() {
        for theme in Theme::ALL {
            assert_eq!(Theme::from_id(theme.as_str()), Some(theme));
        }
        assert_eq!(Theme::from_id("sepia"), None);
        assert!(Theme::System.is_dark(true));
        assert!(!Theme::System.is_dark(false));
        assert!(Theme::Dark.is_dark(false));
        assert!(!Theme::Light.is_dark(true));
    }
}
