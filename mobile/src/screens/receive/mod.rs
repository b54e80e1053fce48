//! Receiving against a purchase order by scan.

mod state;
mod view;

pub use state::ReceiveState;
pub use view::ReceiveScreen;
