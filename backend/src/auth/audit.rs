//! Auth events on the audit trail. Every auth event goes through [`record`], which
//! appends to the tenant's hash-chained event log (`db::events`) in the same
//! transaction as the change it describes, so the two commit or fail together.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::events::{self, NewEvent};

/// One auth event. `event` is a stable dotted name, e.g. `auth.login.succeeded`.
#[derive(Debug, Clone)]
pub struct AuthEvent<'a> {
    pub event: &'a str,
    /// Who did it (none for anonymous attempts).
    pub actor: Option<Uuid>,
    /// Whom or what it concerns: (kind, id), e.g. `("user", id)`.
    pub subject: Option<(&'a str, Uuid)>,
    pub ip: Option<&'a str>,
    /// Context; never secrets or hashes.
    pub details: Value,
}

impl<'a> AuthEvent<'a> {
    pub fn new(event: &'a str) -> Self {
        Self {
            event,
            actor: None,
            subject: None,
            ip: None,
            details: serde_json::json!({}),
        }
    }

    pub fn actor(mut self, id: Uuid) -> Self {
        self.actor = Some(id);
        self
    }

    /// The user the event concerns.
    pub fn subject(mut self, id: Uuid) -> Self {
        self.subject = Some(("user", id));
        self
    }

    /// Another kind of subject (`api_key`, `role`).
    pub fn subject_of(mut self, kind: &'a str, id: Uuid) -> Self {
        self.subject = Some((kind, id));
        self
    }

    pub fn ip(mut self, ip: &'a str) -> Self {
        self.ip = Some(ip);
        self
    }

    pub fn details(mut self, v: Value) -> Self {
        self.details = v;
        self
    }
}

/// Appends the event to the connection's tenant's event log.
pub async fn record(conn: &mut PgConnection, e: AuthEvent<'_>) -> Result<(), sqlx::Error> {
    let mut data = e.details;
    if let (Some(obj), Some(ip)) = (data.as_object_mut(), e.ip) {
        obj.insert("ip".into(), Value::String(ip.to_owned()));
    }
    let mut ev = NewEvent::new(e.event).data(data);
    if let Some((kind, id)) = e.subject {
        ev = ev.subject(kind, id);
    }
    events::append(conn, e.actor, ev).await?;
    tracing::info!(event = e.event, actor = ?e.actor, subject = ?e.subject.map(|s| s.1), "auth event");
    Ok(())
}
