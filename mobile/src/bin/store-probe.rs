//! Records ops in a local store the way the app does, then waits to be killed.
//!
//! Used by the crash test (`tests/store_crash.rs`): it prints `committed <op_id>` only
//! after each op's transaction returned, and the test kills it with SIGKILL at that
//! point — the moment between a scan and its sync.
//!
//! `store-probe <db path> <count>`

#[cfg(not(target_arch = "wasm32"))]
use {
    elevate_mobile::core::fixtures::{Warehouse, BIN_A01, BIN_B01},
    elevate_mobile::core::ops::{NewOp, StockMovePayload},
    elevate_mobile::core::store::Store,
    std::io::Write,
};

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: store-probe <db path> <count>");
        std::process::exit(2);
    };
    let count: u32 = count.parse().unwrap_or(1);
    let store = match Store::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open {path}: {e}");
            std::process::exit(1);
        }
    };
    let fx = Warehouse::new();
    let mut out = std::io::stdout().lock();
    for i in 1..=count {
        let op = NewOp::StockMove(StockMovePayload {
            product_id: fx.widget.id,
            qty: i.into(),
            from_location_id: fx.bin(BIN_A01).id,
            to_location_id: fx.bin(BIN_B01).id,
            lot: None,
        });
        match store.append_op(&op) {
            Ok(op) => {
                let _ = writeln!(out, "committed {}", op.op_id);
                let _ = out.flush();
            }
            Err(e) => {
                eprintln!("append failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    // Wait to be killed, like an app in the background.
    loop {
        std::thread::park();
    }
}

/// The tool needs the on-disk SQLite store, which the browser build does not have.
#[cfg(target_arch = "wasm32")]
fn main() {}
