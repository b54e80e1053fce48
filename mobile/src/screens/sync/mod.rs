//! Sync status: online/offline, pending count, last sync, refused ops to fix or discard.

mod state;
mod view;

pub use state::{kind_key, qty_of, SyncScreenState};
pub use view::SyncScreen;
