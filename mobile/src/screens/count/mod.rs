//! Counting: session list, scan bin, scan products, +/− and number pad, blind, recount.

mod state;
mod view;

pub use state::{CountLine, CountState};
pub use view::CountScreen;
