//! Queries. Every function takes a connection already scoped to a tenant (a
//! `TenantTx`), so row-level security applies; none filters by tenant by hand as
//! its only guard.

pub mod events;
pub mod rls;
pub mod tenants;
pub mod users;

/// Runs the embedded migrations (as the schema owner).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
