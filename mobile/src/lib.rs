//! ElevateCRM phone app (Dioxus 0.7).
//!
//! - [`core`]: logic without UI (settings, theme rules; later the local store, sync
//!   engine, scan pipeline and note parser).
//! - [`screens`]: one module per screen, each with its state and its view.
//! - [`platform`]: services that differ per target (storage, network status, camera
//!   frames) behind traits, with desktop and in-memory implementations.
//! - [`i18n`]: the English/German string catalogue every UI text goes through.
//!
//! Renderers are features: `desktop` (default) for the runnable stand-in, `web` and
//! `mobile` for `dx build`. Without any of them the crate still builds and its component
//! tests run through server-side rendering.

pub mod app;
pub mod branding;
pub mod core;
pub mod i18n;
pub mod platform;
pub mod screens;
pub mod styles;
pub mod widgets;

pub use app::{App, AppShell, AppShellProps, Screen, Session};
