//! Guided picking: walk order, scan location then product, short pick with a reason.

mod state;
mod view;

pub use state::{PickState, ShortReason};
pub use view::PickScreen;
