//! ElevateCRM backend: the axum API server, its database layer and domain rules.
//!
//! A request's path: tower layers (request id, trace, body limit, timeout) → the
//! `Ctx` extractor verifies the bearer token → `TenantTx` opens a transaction with
//! `app.tenant_id` set so PostgreSQL row-level security isolates tenants → the
//! handler parses input into domain types → `db` functions read and write → commit.
//! The managers' web view (`web`, under `/app`) renders pages on the server and goes
//! through the same sign-in, `TenantTx` and `db` functions.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod live;
pub mod push;
pub mod seed;
pub mod seed_crm;
pub mod seed_inventory;
pub mod state;
pub mod telemetry;
pub mod web;
pub mod worker;
