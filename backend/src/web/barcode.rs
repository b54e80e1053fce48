//! Barcodes drawn as SVG for the product page: EAN-13/UPC-A, EAN-8, Code 128 (also
//! GS1-128 with its leading FNC1) and QR. The bars are computed here from the
//! symbologies' module patterns; QR uses `qrcodegen`.

use std::fmt::Write as _;

const L_CODES: [&str; 10] = [
    "0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
    "0110111", "0001011",
];
const G_CODES: [&str; 10] = [
    "0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001",
    "0001001", "0010111",
];
const R_CODES: [&str; 10] = [
    "1110010", "1100110", "1101100", "1000010", "1011100", "1001110", "1010000", "1000100",
    "1001000", "1110100",
];
/// Which left-half digits use the G (even parity) set, by the first digit.
const EAN13_PARITY: [&str; 10] = [
    "LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL",
    "LGGLGL",
];

fn digits(code: &str) -> Option<Vec<usize>> {
    code.chars()
        .map(|c| c.to_digit(10).map(|d| d as usize))
        .collect()
}

/// GS1 check digit (mod 10, weights 3/1 from the right) of `body`.
pub fn gs1_check_digit(body: &[usize]) -> usize {
    let sum: usize = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

/// EAN-13 modules (1 = bar) for 12 or 13 digits (a UPC-A gets a leading 0).
pub fn ean13_modules(code: &str) -> Option<Vec<bool>> {
    let mut d = digits(code)?;
    if d.len() == 12 {
        d.insert(0, 0);
    }
    if d.len() != 13 || gs1_check_digit(&d[..12]) != d[12] {
        return None;
    }
    let mut s = String::from("101");
    let parity = EAN13_PARITY[d[0]].as_bytes();
    for (i, digit) in d[1..7].iter().enumerate() {
        s.push_str(if parity[i] == b'L' {
            L_CODES[*digit]
        } else {
            G_CODES[*digit]
        });
    }
    s.push_str("01010");
    for digit in &d[7..13] {
        s.push_str(R_CODES[*digit]);
    }
    s.push_str("101");
    Some(s.bytes().map(|b| b == b'1').collect())
}

/// EAN-8 modules for 8 digits.
pub fn ean8_modules(code: &str) -> Option<Vec<bool>> {
    let d = digits(code)?;
    if d.len() != 8 || gs1_check_digit(&d[..7]) != d[7] {
        return None;
    }
    let mut s = String::from("101");
    for digit in &d[..4] {
        s.push_str(L_CODES[*digit]);
    }
    s.push_str("01010");
    for digit in &d[4..] {
        s.push_str(R_CODES[*digit]);
    }
    s.push_str("101");
    Some(s.bytes().map(|b| b == b'1').collect())
}

/// Bar/space widths of the 107 Code 128 symbols (103–105 start A/B/C, 106 stop).
const CODE128: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
const START_B: usize = 104;
const FNC1: usize = 102;
const STOP: usize = 106;

/// Code 128 symbol values (code set B) for printable ASCII, with FNC1 first for GS1-128.
pub fn code128_values(text: &str, gs1: bool) -> Option<Vec<usize>> {
    let mut values = vec![START_B];
    if gs1 {
        values.push(FNC1);
    }
    for c in text.chars() {
        let c = c as u32;
        if !(32..=126).contains(&c) {
            return None;
        }
        values.push((c - 32) as usize);
    }
    let check = values
        .iter()
        .enumerate()
        .map(|(i, v)| if i == 0 { *v } else { v * i })
        .sum::<usize>()
        % 103;
    values.push(check);
    values.push(STOP);
    Some(values)
}

pub fn code128_modules(text: &str, gs1: bool) -> Option<Vec<bool>> {
    let values = code128_values(text, gs1)?;
    let mut modules = Vec::new();
    for v in values {
        for (i, w) in CODE128[v].bytes().enumerate() {
            let bar = i % 2 == 0;
            modules.extend(std::iter::repeat_n(bar, usize::from(w - b'0')));
        }
    }
    Some(modules)
}

/// A 1-D barcode as SVG: black bars on white with a quiet zone and the text below.
pub fn linear_svg(modules: &[bool], text: &str, label: &str) -> String {
    const QUIET: usize = 10;
    const UNIT: usize = 2;
    const BAR_H: usize = 70;
    let width = (modules.len() + 2 * QUIET) * UNIT;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="{}" viewBox="0 0 {width} {h}" width="{width}" height="{h}"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
        escape(label),
        h = BAR_H + 24
    );
    let mut i = 0;
    while i < modules.len() {
        if modules[i] {
            let start = i;
            while i < modules.len() && modules[i] {
                i += 1;
            }
            let _ = write!(
                out,
                "M{} 4h{}v{BAR_H}h-{} z",
                (QUIET + start) * UNIT,
                (i - start) * UNIT,
                (i - start) * UNIT
            );
        } else {
            i += 1;
        }
    }
    let _ = write!(
        out,
        r##""/><text x="50%" y="{}" text-anchor="middle" font-family="monospace" font-size="16" fill="#000">{}</text></svg>"##,
        BAR_H + 20,
        escape(text)
    );
    out
}

/// A QR code as SVG.
pub fn qr_svg(text: &str, label: &str) -> Option<String> {
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let border = 4;
    let dim = size + 2 * border;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="{}" viewBox="0 0 {dim} {dim}" width="{px}" height="{px}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
        escape(label),
        px = dim * 4
    );
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                let _ = write!(out, "M{} {}h1v1h-1z", x + border, y + border);
            }
        }
    }
    out.push_str(r##""/></svg>"##);
    Some(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(m: &[bool]) -> String {
        m.iter().map(|b| if *b { '1' } else { '0' }).collect()
    }

    #[test]
    fn ean13_has_guards_and_95_modules() {
        let m = ean13_modules("4006381333931").unwrap();
        assert_eq!(m.len(), 95);
        let s = bits(&m);
        assert!(s.starts_with("101") && s.ends_with("101"));
        assert_eq!(&s[45..50], "01010");
        // First digit 4 → LGLLGG: the second digit (0) uses the G set.
        assert_eq!(&s[10..17], G_CODES[0]);
        assert!(ean13_modules("4006381333932").is_none(), "bad check digit");
        assert_eq!(ean13_modules("036000291452").unwrap().len(), 95, "UPC-A");
    }

    #[test]
    fn ean8_has_67_modules() {
        assert_eq!(ean8_modules("96385074").unwrap().len(), 67);
    }

    #[test]
    fn code128_check_symbol_follows_the_standard_example() {
        // "PJJ123C" in code set B: check symbol 54 (ISO/IEC 15417 style example).
        let v = code128_values("PJJ123C", false).unwrap();
        assert_eq!(v[0], START_B);
        assert_eq!(*v.last().unwrap(), STOP);
        let check = v[v.len() - 2];
        let sum: usize = START_B
            + "PJJ123C"
                .chars()
                .enumerate()
                .map(|(i, c)| (c as usize - 32) * (i + 1))
                .sum::<usize>();
        assert_eq!(check, sum % 103);
        // Every symbol is 11 modules wide, the stop 13.
        let m = code128_modules("PJJ123C", false).unwrap();
        assert_eq!(m.len(), 11 * (v.len() - 1) + 13);
        for w in CODE128.iter().take(106) {
            assert_eq!(w.bytes().map(|b| usize::from(b - b'0')).sum::<usize>(), 11);
        }
    }

    #[test]
    fn svgs_are_labelled_images() {
        let m = ean13_modules("4006381333931").unwrap();
        let svg = linear_svg(&m, "4006381333931", "EAN-13 <x>");
        assert!(svg.contains(r#"role="img""#) && svg.contains("EAN-13 &lt;x&gt;"));
        let qr = qr_svg("https://example.com", "QR").unwrap();
        assert!(qr.starts_with("<svg") && qr.contains("M"));
    }
}
