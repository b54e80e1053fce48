//! Scan-to-lookup: what is this, and where is it?

mod state;
mod view;

pub use state::{LookupResult, LookupState};
pub use view::LookupScreen;
