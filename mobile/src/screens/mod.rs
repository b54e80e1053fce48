//! Screens: each is `state` (plain data + rules, unit-tested) and `view` (the component).

pub mod common;
pub mod count;
pub mod home;
pub mod login;
pub mod lookup;
pub mod moves;
pub mod pick;
pub mod receive;
pub mod settings;
pub mod sync;
