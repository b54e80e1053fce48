//! Lead scores follow the events that change them. The outbox sends contact,
//! activity, visit and weight events to the tenant's `scoring` destination; for a
//! batch of them the worker either rescores the contacts they name (with the current
//! weights and newest model), or — when won/lost outcomes, merges or weights changed
//! — recomputes everyone and retrains the model.

use std::collections::BTreeSet;

use shared_types::events::Event;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;

/// What a batch of events calls for.
#[derive(Debug, Default, PartialEq)]
pub struct Work {
    /// Retrain and rescore everyone.
    pub everything: bool,
    /// Contacts named directly.
    pub contacts: BTreeSet<Uuid>,
    /// Activities whose contact must be looked up.
    pub activities: BTreeSet<Uuid>,
}

fn uuid_at(e: &Event, key: &str) -> Option<Uuid> {
    e.data.get(key)?.as_str()?.parse().ok()
}

impl Work {
    pub fn of(events: &[&Event]) -> Self {
        let mut w = Work::default();
        for e in events {
            match e.kind.as_str() {
                "scoring.weights_changed" | "contact.merged" => w.everything = true,
                "contact.updated" => {
                    let outcome = e
                        .data
                        .get("fields")
                        .and_then(|f| f.as_array())
                        .is_some_and(|f| f.iter().any(|x| x == "outcome"));
                    if outcome {
                        w.everything = true;
                    }
                }
                _ => {}
            }
            if e.subject_type.as_deref() == Some("contact") {
                w.contacts.extend(e.subject_id);
            }
            if let Some(c) = uuid_at(e, "contact_id") {
                w.contacts.insert(c);
            } else if e.subject_type.as_deref() == Some("activity") {
                w.activities.extend(e.subject_id);
            }
        }
        w
    }
}

/// Does the work in the caller's (tenant) transaction.
pub async fn apply(conn: &mut PgConnection, w: &Work) -> Result<(), sqlx::Error> {
    if w.everything {
        db::scoring::recompute_all(conn).await?;
        return Ok(());
    }
    let mut ids: Vec<Uuid> = w.contacts.iter().copied().collect();
    if !w.activities.is_empty() {
        let acts: Vec<Uuid> = w.activities.iter().copied().collect();
        let of: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT contact_id FROM activities WHERE id = ANY($1) AND contact_id IS NOT NULL",
        )
        .bind(&acts)
        .fetch_all(&mut *conn)
        .await?;
        ids.extend(of);
        ids.sort();
        ids.dedup();
    }
    db::scoring::rescore(conn, &ids).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(kind: &str, subject: Option<(&str, Uuid)>, data: serde_json::Value) -> Event {
        Event {
            id: Uuid::now_v7(),
            seq: 1,
            kind: kind.into(),
            actor_user_id: None,
            request_id: None,
            subject_type: subject.map(|s| s.0.to_owned()),
            subject_id: subject.map(|s| s.1),
            data,
            created_at: chrono::Utc::now(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_batch_names_its_contacts_and_activities() {
        let (c1, c2, a1) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let es = [
            ev("contact.created", Some(("contact", c1)), json!({})),
            ev(
                "contact.updated",
                Some(("contact", c1)),
                json!({"fields": ["name"]}),
            ),
            ev(
                "visit.logged",
                Some(("activity", Uuid::now_v7())),
                json!({"contact_id": c2}),
            ),
            ev("activity.completed", Some(("activity", a1)), json!({})),
        ];
        let w = Work::of(&es.iter().collect::<Vec<_>>());
        assert!(!w.everything);
        assert_eq!(w.contacts, BTreeSet::from([c1, c2]));
        assert_eq!(w.activities, BTreeSet::from([a1]));
    }

    #[test]
    fn outcomes_merges_and_weights_retrain_everything() {
        let c = Uuid::now_v7();
        for e in [
            ev(
                "contact.updated",
                Some(("contact", c)),
                json!({"fields": ["tags", "outcome"]}),
            ),
            ev(
                "contact.merged",
                Some(("contact", c)),
                json!({"duplicate_id": Uuid::now_v7()}),
            ),
            ev("scoring.weights_changed", None, json!({"weights": {}})),
        ] {
            assert!(Work::of(&[&e]).everything, "{}", e.kind);
        }
    }
}
