//! The sign-in screen: server URL, email and password, plus language and theme choice
//! (those must be reachable before signing in, e.g. for a German-only user).

mod state;
mod view;

pub use state::{Attempt, Credentials, Email, LoginErrors, LoginForm, LoginState, LoginStep};
pub use view::LoginScreen;
