//! The home screen after sign-in. A placeholder: it shows who is signed in where, and
//! will hold the entry points to scanning, counts, pick lists and visits.

mod view;

pub use view::HomeScreen;
