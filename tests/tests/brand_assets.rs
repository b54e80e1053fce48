//! Checks on the committed TECHGURU brand assets (rendered by
//! `scripts/gen-brand-assets` from `assets/brand/*.svg`).
//!
//! The apps embed these files with `include_bytes!`, so a bad render (opaque
//! background, missing ICO size, blank frame) would ship silently; these tests
//! decode the real files the way a consumer would.

use std::io::Cursor;
use std::path::PathBuf;

use image::{DynamicImage, GenericImageView, ImageFormat};

/// Sizes Windows and browsers pick from; the ICO must hold exactly these.
const ICO_SIZES: [u32; 4] = [16, 32, 48, 256];

fn asset(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn decode_png(name: &str) -> DynamicImage {
    image::load_from_memory_with_format(&asset(name), ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{name} is not a valid PNG: {e}"))
}

/// (fully transparent, fully opaque) pixel counts of an RGBA8 buffer.
fn alpha_extremes(rgba: &[u8]) -> (usize, usize) {
    let alphas = rgba.chunks_exact(4).map(|px| px[3]);
    let transparent = alphas.clone().filter(|&a| a == 0).count();
    let opaque = alphas.filter(|&a| a == u8::MAX).count();
    (transparent, opaque)
}

#[test]
fn logo_png_is_wide_and_transparent() {
    let logo = decode_png("techguru_logo.png");
    // The file itself must carry alpha; converting to RGBA later would hide an
    // RGB file with a baked-in background.
    assert!(
        logo.color().has_alpha(),
        "logo has no alpha channel: {:?}",
        logo.color()
    );
    let (width, height) = logo.dimensions();
    assert!(width >= 512, "logo is only {width} px wide");
    assert!(
        width > height,
        "a horizontal lockup should be wider than tall"
    );

    let (transparent, opaque) = alpha_extremes(logo.to_rgba8().as_raw());
    assert!(
        transparent > 0,
        "logo has no fully transparent pixels (background not transparent)"
    );
    assert!(
        opaque > 0,
        "logo has no fully opaque pixels (nothing drawn)"
    );
}

#[test]
fn window_icon_and_favicon_are_square_rgba_pngs() {
    for (name, size) in [("techguru_icon_256.png", 256), ("favicon-32.png", 32)] {
        let icon = decode_png(name);
        assert!(icon.color().has_alpha(), "{name} has no alpha channel");
        assert_eq!(icon.dimensions(), (size, size), "{name} has the wrong size");
        let (_, opaque) = alpha_extremes(icon.to_rgba8().as_raw());
        assert!(opaque > 0, "{name} has no opaque pixels");
    }
}

#[test]
fn ico_holds_exactly_the_expected_sizes_each_non_empty() {
    let dir = ico::IconDir::read(Cursor::new(asset("techguru_icon.ico")))
        .expect("techguru_icon.ico is not a valid ICO");
    assert_eq!(dir.resource_type(), ico::ResourceType::Icon);

    let mut sizes: Vec<u32> = dir.entries().iter().map(ico::IconDirEntry::width).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, ICO_SIZES, "ICO sizes");

    for entry in dir.entries() {
        let size = entry.width();
        assert_eq!(entry.height(), size, "{size} px entry is not square");
        let frame = entry
            .decode()
            .unwrap_or_else(|e| panic!("{size} px entry does not decode: {e}"));
        assert_eq!((frame.width(), frame.height()), (size, size));
        let (_, opaque) = alpha_extremes(frame.rgba_data());
        assert!(opaque > 0, "{size} px entry has no opaque pixels");
        // A real icon shows a mark, not a flat tile: at least two distinct
        // opaque colours (tile and chevrons).
        let mut colours: Vec<&[u8]> = frame
            .rgba_data()
            .chunks_exact(4)
            .filter(|px| px[3] == u8::MAX)
            .collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(
            colours.len() >= 2,
            "{size} px entry is a single flat colour"
        );
    }
}

#[test]
fn ico_decodes_with_the_image_crate_too() {
    // A second, independent decoder: `image` picks the largest entry, which is
    // what most consumers (window icons, favicons) will load.
    let icon = image::load_from_memory_with_format(&asset("techguru_icon.ico"), ImageFormat::Ico)
        .expect("image crate cannot decode techguru_icon.ico");
    assert_eq!(icon.dimensions(), (256, 256));
    let (_, opaque) = alpha_extremes(icon.to_rgba8().as_raw());
    assert!(opaque > 0, "largest ICO entry has no opaque pixels");
}
