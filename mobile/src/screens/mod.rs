//! Screens: each is `state` (plain data + rules, unit-tested) and `view` (the component).

pub mod home;
pub mod login;
