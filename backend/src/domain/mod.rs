//! Pure domain rules: types that parse on construction and functions without I/O.

pub mod count;
pub mod crm;
pub mod identity;
pub mod permissions;
pub mod reorder;
pub mod schedule;
pub mod scoring;
pub mod segments;
pub mod stock;
pub mod sync;
pub mod valuation;
pub mod variants;
