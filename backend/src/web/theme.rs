//! Themes of the web view: the light and dark palettes and the tenant's brand colours
//! made readable in both.
//!
//! The palettes live here (not only in CSS) so a test checks every text/background pair
//! against WCAG 2.1 AA. A tenant's brand colour is arbitrary; [`readable`] shifts it
//! towards black or white until it reaches 4.5:1 on the theme's surfaces, so white-label
//! colours can never break contrast.

/// The stored preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#RRGGBB`.
    pub fn parse(hex: &str) -> Option<Rgb> {
        let h = hex.strip_prefix('#')?;
        if h.len() != 6 || !h.is_ascii() {
            return None;
        }
        let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Rgb(c(0)?, c(2)?, c(4)?))
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.1 relative luminance.
    pub fn luminance(self) -> f64 {
        fn ch(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * ch(self.0) + 0.7152 * ch(self.1) + 0.0722 * ch(self.2)
    }

    /// WCAG contrast ratio (1–21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Mixes `t` (0–1) of `other` into this colour.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// One theme's colours (CSS custom properties of the same names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub bg: Rgb,
    pub surface: Rgb,
    pub text: Rgb,
    pub muted: Rgb,
    /// Borders of inputs and other controls (non-text: 3:1).
    pub control_border: Rgb,
    pub danger: Rgb,
    pub ok: Rgb,
    /// Text on the accent colour (buttons).
    pub on_accent: Rgb,
}

pub const LIGHT: Palette = Palette {
    bg: Rgb(0xff, 0xff, 0xff),
    surface: Rgb(0xf1, 0xf5, 0xf9),
    text: Rgb(0x0f, 0x17, 0x2a),
    muted: Rgb(0x47, 0x55, 0x69),
    control_border: Rgb(0x64, 0x74, 0x8b),
    danger: Rgb(0xb9, 0x1c, 0x1c),
    ok: Rgb(0x15, 0x80, 0x3d),
    on_accent: Rgb(0xff, 0xff, 0xff),
};

pub const DARK: Palette = Palette {
    bg: Rgb(0x0f, 0x17, 0x2a),
    surface: Rgb(0x1e, 0x29, 0x3b),
    text: Rgb(0xf1, 0xf5, 0xf9),
    muted: Rgb(0xcb, 0xd5, 0xe1),
    control_border: Rgb(0x94, 0xa3, 0xb8),
    danger: Rgb(0xfc, 0xa5, 0xa5),
    ok: Rgb(0x86, 0xef, 0xac),
    on_accent: Rgb(0x0f, 0x17, 0x2a),
};

pub const DEFAULT_PRIMARY: Rgb = Rgb(0x37, 0x30, 0xa3);

/// `color` shifted towards white (on dark palettes) or black (on light ones) in small
/// steps until it has at least `min` contrast with every one of `backgrounds`.
pub fn readable(color: Rgb, backgrounds: &[Rgb], min: f64) -> Rgb {
    let dark_bg = backgrounds.iter().all(|b| b.luminance() < 0.2);
    let target = if dark_bg {
        Rgb(0xff, 0xff, 0xff)
    } else {
        Rgb(0, 0, 0)
    };
    (0..=20)
        .map(|i| color.mix(target, f64::from(i) * 0.05))
        .find(|c| backgrounds.iter().all(|b| c.contrast(*b) >= min))
        .unwrap_or(target)
}

/// The accent colour per theme for a tenant's primary brand colour.
pub fn accents(brand_primary: &str) -> (Rgb, Rgb) {
    let brand = Rgb::parse(brand_primary).unwrap_or(DEFAULT_PRIMARY);
    let light = readable(brand, &[LIGHT.bg, LIGHT.surface, LIGHT.on_accent], 4.5);
    let dark = readable(brand, &[DARK.bg, DARK.surface, DARK.on_accent], 4.5);
    (light, dark)
}

fn vars(p: &Palette, accent: Rgb, stripe: Rgb) -> String {
    format!(
        "--bg:{};--surface:{};--text:{};--muted:{};--control-border:{};--danger:{};--ok:{};--on-accent:{};--accent:{};--stripe:{};",
        p.bg.hex(),
        p.surface.hex(),
        p.text.hex(),
        p.muted.hex(),
        p.control_border.hex(),
        p.danger.hex(),
        p.ok.hex(),
        p.on_accent.hex(),
        accent.hex(),
        stripe.hex()
    )
}

/// The per-tenant CSS: both palettes with the tenant's accent, the dark one applied
/// when chosen or when the system prefers it and the user follows the system.
pub fn tenant_css(brand_primary: &str, brand_accent: &str) -> String {
    let (light, dark) = accents(brand_primary);
    let stripe = Rgb::parse(brand_accent).unwrap_or(Rgb(0x0d, 0x94, 0x88));
    let l = vars(&LIGHT, light, stripe);
    let d = vars(&DARK, dark, stripe);
    format!(
        ":root{{{l}color-scheme:light}}\
         :root[data-theme=dark]{{{d}color-scheme:dark}}\
         @media (prefers-color-scheme: dark){{:root[data-theme=system]{{{d}color-scheme:dark}}}}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &Palette, accent: Rgb) {
        for bg in [p.bg, p.surface] {
            assert!(p.text.contrast(bg) >= 4.5);
            assert!(
                p.muted.contrast(bg) >= 4.5,
                "muted {:?} on {:?}",
                p.muted,
                bg
            );
            assert!(p.danger.contrast(bg) >= 4.5);
            assert!(p.ok.contrast(bg) >= 4.5);
            assert!(accent.contrast(bg) >= 4.5, "accent {accent:?} on {bg:?}");
            assert!(p.control_border.contrast(bg) >= 3.0);
        }
        assert!(p.on_accent.contrast(accent) >= 4.5);
    }

    #[test]
    fn palettes_meet_wcag_aa_with_any_brand_colour() {
        for brand in [
            "#3730A3", "#0D9488", "#FFFF00", "#000000", "#FFFFFF", "#5B55E8", "#ff0000",
        ] {
            let (l, d) = accents(brand);
            check(&LIGHT, l);
            check(&DARK, d);
        }
    }

    #[test]
    fn a_readable_brand_colour_is_kept_as_is() {
        let (l, _) = accents("#3730A3");
        assert_eq!(l, Rgb(0x37, 0x30, 0xa3));
    }

    #[test]
    fn colours_parse_and_print() {
        assert_eq!(Rgb::parse("#0D9488"), Some(Rgb(0x0d, 0x94, 0x88)));
        assert_eq!(Rgb::parse("0D9488"), None);
        assert_eq!(Rgb(1, 2, 255).hex(), "#0102ff");
    }
}
