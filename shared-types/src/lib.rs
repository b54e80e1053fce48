//! Wire types shared by the ElevateCRM backend and its apps, plus the pure
//! parsers both sides need. Nothing here does I/O.

pub mod api;
pub mod barcode;
pub mod count_schedules;
pub mod counts;
pub mod crm;
pub mod events;
pub mod gs1;
pub mod identity;
pub mod inventory;
pub mod purchasing;
pub mod sync;
pub mod transfers;
