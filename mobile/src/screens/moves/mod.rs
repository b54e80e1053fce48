//! Move/transfer: scan from, scan product, quantity, scan to.

mod state;
mod view;

pub use state::{MoveState, MoveStep};
pub use view::MoveScreen;
