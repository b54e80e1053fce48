//! Notification rules: which event notifies whom, with what text.
//!
//! - `reorder.suggested` → users whose roles grant `purchasing.order.approve`
//!   (warehouse and purchasing managers, who act on reorder suggestions);
//! - `approval.requested` → the approvers named in `data.approver_ids`, else the
//!   holders of the permission named in `data.permission` (default
//!   `purchasing.order.approve`); never the requester;
//! - `approval.decided` → the requester (`data.requested_by`).

use std::collections::BTreeMap;

use shared_types::events::Event;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::notifications as db;
use crate::domain::permissions::Permission;
use crate::push::PushMessage;

/// The rendered notification and its recipients.
pub struct Rendered {
    pub title: String,
    pub body: String,
    pub recipients: Vec<Uuid>,
}

fn text(e: &Event, key: &str) -> Option<String> {
    e.data.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

fn uuids(v: Option<&serde_json::Value>) -> Vec<Uuid> {
    match v {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().and_then(|s| s.parse().ok()))
            .collect(),
        Some(serde_json::Value::String(s)) => s.parse().ok().into_iter().collect(),
        _ => vec![],
    }
}

/// Applies the rules; `None` for kinds that notify nobody.
pub async fn render(conn: &mut PgConnection, e: &Event) -> Result<Option<Rendered>, sqlx::Error> {
    let subject = text(e, "title")
        .or_else(|| text(e, "summary"))
        .or_else(|| e.subject_type.clone().map(|s| s.replace('_', " ")))
        .unwrap_or_else(|| "item".into());
    let (title, body, mut recipients) = match e.kind.as_str() {
        "reorder.suggested" => {
            let what = text(e, "sku")
                .or_else(|| text(e, "product_name"))
                .unwrap_or(subject);
            let users =
                db::users_with_permission(conn, Permission::PurchaseApprove.as_str()).await?;
            (
                "Reorder suggested".to_owned(),
                format!("{what} is below its reorder point."),
                users,
            )
        }
        "approval.requested" => {
            let named = uuids(e.data.get("approver_ids"));
            let users = if named.is_empty() {
                let perm = text(e, "permission")
                    .and_then(|p| Permission::parse(&p))
                    .unwrap_or(Permission::PurchaseApprove);
                db::users_with_permission(conn, perm.as_str()).await?
            } else {
                db::active_users(conn, &named).await?
            };
            (
                "Approval requested".to_owned(),
                format!("{subject} awaits your approval."),
                users,
            )
        }
        "approval.decided" => {
            let decision = text(e, "decision").unwrap_or_else(|| "decided".into());
            let requester = uuids(e.data.get("requested_by"));
            let users = db::active_users(conn, &requester).await?;
            let body = match text(e, "reason") {
                Some(reason) => format!("{subject} was {decision}: {reason}"),
                None => format!("{subject} was {decision}."),
            };
            (format!("Request {decision}"), body, users)
        }
        _ => return Ok(None),
    };
    if e.kind != "approval.decided" {
        if let Some(actor) = e.actor_user_id {
            recipients.retain(|u| *u != actor);
        }
    }
    Ok(Some(Rendered {
        title,
        body,
        recipients,
    }))
}

/// The push payload for a stored notification.
pub fn message(e: &Event, r: &Rendered) -> PushMessage {
    let mut data = BTreeMap::new();
    data.insert("kind".to_owned(), e.kind.clone());
    data.insert("event_id".to_owned(), e.id.to_string());
    data.insert("seq".to_owned(), e.seq.to_string());
    if let Some(s) = e.subject_id {
        data.insert("subject_id".to_owned(), s.to_string());
    }
    PushMessage {
        title: r.title.clone(),
        body: r.body.clone(),
        data,
    }
}
