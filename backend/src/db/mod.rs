//! Queries. Every function takes a connection already scoped to a tenant (a
//! `TenantTx`), so row-level security applies; none filters by tenant by hand as
//! its only guard.

pub mod activities;
pub mod api_keys;
pub mod contacts;
pub mod count_schedules;
pub mod counts;
pub mod crm_search;
pub mod events;
pub mod idempotency;
pub mod locations;
pub mod mfa;
pub mod notifications;
pub mod outbox;
pub mod picking;
pub mod preferences;
pub mod products;
pub mod purchasing;
pub mod reorder;
pub mod rls;
pub mod roles;
pub mod scoring;
pub mod segments;
pub mod sessions;
pub mod stock;
pub mod sync;
pub mod tasks;
pub mod tenants;
pub mod transfers;
pub mod user_tokens;
pub mod users;
pub mod views;
pub mod webhooks;

/// Runs the embedded migrations (as the schema owner).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
