//! Test harness for end-to-end tests: every test gets its own PostgreSQL database
//! (cloned from a migrated template), a real backend listening on a loopback port,
//! and an HTTP client.
//!
//! Databases are created by the `elevate_owner` role (CREATEDB); the server connects
//! as `elevate_app`, exactly as in production, so row-level security is enforced.

pub mod db;
pub mod receiver;
pub mod server;

pub use db::TestDb;
pub use server::{Resp, TestApp};
