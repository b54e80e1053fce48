//! Memory of a long offline session: 5,000 scans resolved against the local cache and
//! recorded as count lines in an on-disk store, with no network. Prints the process's
//! resident memory (VmRSS, VmHWM) before and after. Measures the app's core (store, scan
//! resolution, op log) — not the webview, which is a separate process on desktop.
//!
//! `scan-session <db path> [scans]`

#[cfg(not(target_arch = "wasm32"))]
use {
    elevate_mobile::core::fixtures::{self, Warehouse},
    elevate_mobile::core::store::Store,
    elevate_mobile::screens::count::CountState,
};

#[cfg(not(target_arch = "wasm32"))]
fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" / ")
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "scan-session.db".to_owned());
    let scans: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let _ = std::fs::remove_file(&path);
    let store = Store::open(&path).expect("store opens");
    store
        .apply_pull(&Warehouse::new().pull_page("c1"))
        .expect("demo data");
    println!("{{\"phase\":\"start\",\"rss_hwm\":\"{}\"}}", rss());
    let mut count = CountState::load(&store).expect("sessions");
    count.scan(&store, fixtures::COUNT_CODE).expect("session");
    let codes = [fixtures::EAN_WIDGET, fixtures::SKU_BOLT];
    let bins = [fixtures::BIN_A01, fixtures::BIN_A02];
    let started = std::time::Instant::now();
    for i in 0..scans {
        if i % 50 == 0 {
            count.scan(&store, bins[(i / 50) % 2]).expect("bin");
        }
        count.scan(&store, codes[i % 2]).expect("scan");
    }
    let counts = store.op_counts().expect("counts");
    println!(
        "{{\"phase\":\"after\",\"scans\":{scans},\"pending_ops\":{},\"ms_per_scan\":{:.3},\"rss_hwm\":\"{}\"}}",
        counts.pending,
        started.elapsed().as_secs_f64() * 1000.0 / scans as f64,
        rss()
    );
}

/// The tool needs the on-disk SQLite store, which the browser build does not have.
#[cfg(target_arch = "wasm32")]
fn main() {}
