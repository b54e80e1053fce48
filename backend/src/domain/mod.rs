//! Pure domain rules: types that parse on construction and functions without I/O.

pub mod count;
pub mod identity;
pub mod permissions;
pub mod reorder;
pub mod stock;
pub mod sync;
pub mod valuation;
