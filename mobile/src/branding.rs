//! TECHGURU branding shipped inside the binary.
//!
//! The logo is embedded as a `data:` URL rather than served as an asset file: that works
//! unchanged in the desktop webview, on Android/iOS, on the web and in server-side
//! rendering (the component tests), with no asset pipeline to configure.

use base64::Engine as _;
use std::sync::LazyLock;

/// The product's name, as shown next to the logo (the same in every language).
pub const PRODUCT_NAME: &str = "ElevateCRM";

/// The desktop window title.
pub const WINDOW_TITLE: &str = "ElevateCRM by TECHGURU";

/// The TECHGURU logo (PNG).
pub const LOGO_PNG: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/techguru_logo.png"
));

/// The 256 px TECHGURU app icon (PNG), used as the desktop window icon.
pub const ICON_PNG: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/techguru_icon_256.png"
));

static LOGO_DATA_URL: LazyLock<String> = LazyLock::new(|| png_data_url(LOGO_PNG));

/// `data:image/png;base64,...` for the logo, encoded once per process.
pub fn logo_data_url() -> &'static str {
    &LOGO_DATA_URL
}

/// Encodes PNG bytes as a `data:` URL usable in an `img` `src`.
pub fn png_data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    #[test]
    fn embedded_images_are_pngs() {
        assert!(LOGO_PNG.starts_with(PNG_SIGNATURE), "logo is not a PNG");
        assert!(ICON_PNG.starts_with(PNG_SIGNATURE), "icon is not a PNG");
    }

    #[test]
    fn logo_data_url_decodes_back_to_the_logo() {
        let url = logo_data_url();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(decoded, LOGO_PNG);
    }
}
