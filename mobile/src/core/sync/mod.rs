//! Sync: the engine (push ops, pull changes), its transport, retry policy and the
//! background runner.

pub mod backoff;
pub mod engine;
pub mod transport;
pub mod wire;

pub use backoff::BackoffPolicy;
pub use engine::{
    status_from_store, NoSync, RunnerConfig, SessionSync, SyncControl, SyncEngine, SyncError,
    SyncReport, SyncRunner, SyncStatus, TransportFactory, DEFAULT_BATCH,
};
pub use transport::{AsyncTransport, FakeServer, HttpTransport, SyncTransport, TransportError};

#[cfg(test)]
mod tests;
