//! Contacts, their e-mails and phones, CRM settings, duplicates and merges.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use shared_types::crm::{
    Address, Consent, Contact, ContactEmail, ContactKind, ContactPhone, ContactSummary,
    LifecycleStage, Outcome,
};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};
use crate::http::extract::Paging;

/// The tenant's CRM settings (defaults when never saved).
pub async fn settings(conn: &mut PgConnection) -> Result<(serde_json::Value, String), sqlx::Error> {
    let row: Option<(serde_json::Value, String)> =
        sqlx::query_as("SELECT contact_schema, search_config FROM crm_settings")
            .fetch_optional(conn)
            .await?;
    Ok(row.unwrap_or_else(|| (serde_json::json!({"type": "object"}), "simple".to_owned())))
}

/// Saves the settings; a new search language re-indexes contacts and activities.
pub async fn save_settings(
    conn: &mut PgConnection,
    schema: &serde_json::Value,
    search_config: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO crm_settings (contact_schema, search_config) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET contact_schema = EXCLUDED.contact_schema,
             search_config = EXCLUDED.search_config, updated_at = now()",
    )
    .bind(schema)
    .bind(search_config)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE contacts SET ts_config = $1::regconfig WHERE ts_config <> $1::regconfig")
        .bind(search_config)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE activities SET ts_config = $1::regconfig WHERE ts_config <> $1::regconfig")
        .bind(search_config)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tenant's text search configuration, as SQL for a `regconfig`.
pub const TS_CONFIG: &str =
    "COALESCE((SELECT search_config FROM crm_settings), 'simple')::regconfig";

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: Uuid,
    kind: String,
    display_name: String,
    first_name: Option<String>,
    last_name: Option<String>,
    job_title: Option<String>,
    organization_id: Option<Uuid>,
    organization_name: Option<String>,
    owner_id: Option<Uuid>,
    lifecycle_stage: String,
    outcome: Option<String>,
    outcome_at: Option<DateTime<Utc>>,
    tags: Vec<String>,
    addresses: Json<Vec<Address>>,
    properties: serde_json::Value,
    consents: Json<BTreeMap<String, Consent>>,
    merged_into_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "c.id, c.kind, c.display_name, c.first_name, c.last_name, c.job_title,
    c.organization_id, o.display_name AS organization_name, c.owner_id, c.lifecycle_stage,
    c.outcome, c.outcome_at, c.tags, c.addresses, c.properties, c.consents, c.merged_into_id,
    c.created_at, c.updated_at";
const FROM: &str = "contacts c LEFT JOIN contacts o ON o.id = c.organization_id";

#[derive(sqlx::FromRow)]
struct ChannelRow {
    contact_id: Uuid,
    kind: String,
    value: String,
    normalized: String,
    label: Option<String>,
    is_primary: bool,
}

#[derive(Default)]
struct Channels {
    emails: Vec<ContactEmail>,
    phones: Vec<ContactPhone>,
}

async fn channels_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Channels>, sqlx::Error> {
    let rows: Vec<ChannelRow> = sqlx::query_as(
        "SELECT contact_id, kind, value, normalized, label, is_primary FROM contact_channels
          WHERE contact_id = ANY($1) ORDER BY contact_id, kind, position, id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    let mut out: BTreeMap<Uuid, Channels> = BTreeMap::new();
    for r in rows {
        let ch = out.entry(r.contact_id).or_default();
        if r.kind == "email" {
            ch.emails.push(ContactEmail {
                address: r.value,
                label: r.label,
                primary: r.is_primary,
            });
        } else {
            ch.phones.push(ContactPhone {
                number: r.value,
                normalized: r.normalized,
                label: r.label,
                primary: r.is_primary,
            });
        }
    }
    Ok(out)
}

impl ContactRow {
    fn into_contact(self, ch: Channels) -> Result<Contact, sqlx::Error> {
        Ok(Contact {
            id: self.id,
            kind: enum_from_text(&self.kind)?,
            display_name: self.display_name,
            first_name: self.first_name,
            last_name: self.last_name,
            job_title: self.job_title,
            organization_id: self.organization_id,
            organization_name: self.organization_name,
            owner_id: self.owner_id,
            lifecycle_stage: enum_from_text(&self.lifecycle_stage)?,
            outcome: self.outcome.as_deref().map(enum_from_text).transpose()?,
            outcome_at: self.outcome_at,
            tags: self.tags,
            emails: ch.emails,
            phones: ch.phones,
            addresses: self.addresses.0,
            properties: self.properties,
            consents: self.consents.0,
            merged_into_id: self.merged_into_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

async fn with_channels(
    conn: &mut PgConnection,
    rows: Vec<ContactRow>,
) -> Result<Vec<Contact>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut ch = channels_of(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let c = ch.remove(&r.id).unwrap_or_default();
            r.into_contact(c)
        })
        .collect()
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Contact>, sqlx::Error> {
    let row: Option<ContactRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_channels(conn, vec![r]).await?.pop()),
    }
}

/// Locks a contact row for a change (merge, update).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// A validated contact to write (insert or full replacement on update).
pub struct ContactData {
    pub kind: ContactKind,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    pub organization_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub lifecycle_stage: LifecycleStage,
    pub outcome: Option<Outcome>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub emails: Vec<ContactEmail>,
    pub phones: Vec<ContactPhone>,
    pub addresses: Vec<Address>,
    pub properties: serde_json::Value,
    pub consents: BTreeMap<String, Consent>,
}

impl ContactData {
    pub fn from_contact(c: Contact) -> Self {
        Self {
            kind: c.kind,
            display_name: c.display_name,
            first_name: c.first_name,
            last_name: c.last_name,
            job_title: c.job_title,
            organization_id: c.organization_id,
            owner_id: c.owner_id,
            lifecycle_stage: c.lifecycle_stage,
            outcome: c.outcome,
            outcome_at: c.outcome_at,
            tags: c.tags,
            emails: c.emails,
            phones: c.phones,
            addresses: c.addresses,
            properties: c.properties,
            consents: c.consents,
        }
    }

    /// Everything searchable besides the display name.
    fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.first_name.as_deref());
        parts.extend(self.last_name.as_deref());
        parts.extend(self.job_title.as_deref());
        for e in &self.emails {
            parts.push(&e.address);
            // The local part and the domain as words of their own.
            parts.extend(e.address.split(['@', '.']));
        }
        for p in &self.phones {
            parts.push(&p.normalized);
        }
        parts.extend(self.tags.iter().map(String::as_str));
        parts.join(" ")
    }
}

pub async fn insert(conn: &mut PgConnection, d: &ContactData) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(&format!(
        "INSERT INTO contacts (id, kind, display_name, first_name, last_name, job_title,
            organization_id, owner_id, lifecycle_stage, outcome, outcome_at, tags, addresses,
            properties, consents, search_text, ts_config)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, {TS_CONFIG})"
    ))
    .bind(id)
    .bind(enum_text(&d.kind))
    .bind(&d.display_name)
    .bind(&d.first_name)
    .bind(&d.last_name)
    .bind(&d.job_title)
    .bind(d.organization_id)
    .bind(d.owner_id)
    .bind(enum_text(&d.lifecycle_stage))
    .bind(d.outcome.as_ref().map(enum_text))
    .bind(d.outcome_at)
    .bind(&d.tags)
    .bind(Json(&d.addresses))
    .bind(&d.properties)
    .bind(Json(&d.consents))
    .bind(d.search_text())
    .execute(&mut *conn)
    .await?;
    replace_channels(conn, id, &d.emails, &d.phones).await?;
    Ok(id)
}

pub async fn update(conn: &mut PgConnection, id: Uuid, d: &ContactData) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contacts SET kind = $2, display_name = $3, first_name = $4, last_name = $5,
            job_title = $6, organization_id = $7, owner_id = $8, lifecycle_stage = $9,
            outcome = $10, outcome_at = $11, tags = $12, addresses = $13, properties = $14,
            consents = $15, search_text = $16
          WHERE id = $1",
    )
    .bind(id)
    .bind(enum_text(&d.kind))
    .bind(&d.display_name)
    .bind(&d.first_name)
    .bind(&d.last_name)
    .bind(&d.job_title)
    .bind(d.organization_id)
    .bind(d.owner_id)
    .bind(enum_text(&d.lifecycle_stage))
    .bind(d.outcome.as_ref().map(enum_text))
    .bind(d.outcome_at)
    .bind(&d.tags)
    .bind(Json(&d.addresses))
    .bind(&d.properties)
    .bind(Json(&d.consents))
    .bind(d.search_text())
    .execute(&mut *conn)
    .await?;
    replace_channels(conn, id, &d.emails, &d.phones).await
}

async fn replace_channels(
    conn: &mut PgConnection,
    id: Uuid,
    emails: &[ContactEmail],
    phones: &[ContactPhone],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM contact_channels WHERE contact_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let mut kinds = Vec::new();
    let mut values = Vec::new();
    let mut normalized = Vec::new();
    let mut labels: Vec<Option<String>> = Vec::new();
    let mut primary = Vec::new();
    let mut position = Vec::new();
    for (i, e) in emails.iter().enumerate() {
        kinds.push("email".to_owned());
        values.push(e.address.clone());
        normalized.push(e.address.clone());
        labels.push(e.label.clone());
        primary.push(e.primary);
        position.push(i as i32);
    }
    for (i, p) in phones.iter().enumerate() {
        kinds.push("phone".to_owned());
        values.push(p.number.clone());
        normalized.push(p.normalized.clone());
        labels.push(p.label.clone());
        primary.push(p.primary);
        position.push(i as i32);
    }
    if kinds.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = kinds.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO contact_channels (id, contact_id, kind, value, normalized, label, is_primary, position)
         SELECT i, $2, k, v, n, l, p, pos
           FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::int[])
                AS t(i, k, v, n, l, p, pos)",
    )
    .bind(&ids)
    .bind(id)
    .bind(&kinds)
    .bind(&values)
    .bind(&normalized)
    .bind(&labels)
    .bind(&primary)
    .bind(&position)
    .execute(conn)
    .await?;
    Ok(())
}

/// Filters of the contact list.
#[derive(Debug, Default)]
pub struct ContactFilter {
    /// Case-insensitive substring of the name, or an e-mail/phone it has.
    pub q: Option<String>,
    pub kind: Option<ContactKind>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub owner_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub tag: Option<String>,
    pub include_merged: bool,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &ContactFilter,
    paging: Paging,
) -> Result<(Vec<Contact>, i64), sqlx::Error> {
    let pattern = f.q.as_deref().map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let filter = "($1::text IS NULL OR c.display_name ILIKE $1
            OR EXISTS (SELECT 1 FROM contact_channels ch WHERE ch.contact_id = c.id
                       AND ch.normalized ILIKE $1))
        AND ($2::text IS NULL OR c.kind = $2)
        AND ($3::text IS NULL OR c.lifecycle_stage = $3)
        AND ($4::uuid IS NULL OR c.owner_id = $4)
        AND ($5::uuid IS NULL OR c.organization_id = $5)
        AND ($6::text IS NULL OR c.tags @> ARRAY[$6])
        AND ($7 OR c.merged_into_id IS NULL)";
    let kind = f.kind.as_ref().map(enum_text);
    let stage = f.lifecycle_stage.as_ref().map(enum_text);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM contacts c WHERE {filter}"))
        .bind(&pattern)
        .bind(&kind)
        .bind(&stage)
        .bind(f.owner_id)
        .bind(f.organization_id)
        .bind(&f.tag)
        .bind(f.include_merged)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<ContactRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {filter}
          ORDER BY lower(c.display_name), c.id LIMIT $8 OFFSET $9"
    ))
    .bind(&pattern)
    .bind(&kind)
    .bind(&stage)
    .bind(f.owner_id)
    .bind(f.organization_id)
    .bind(&f.tag)
    .bind(f.include_merged)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(&mut *conn)
    .await?;
    Ok((with_channels(conn, rows).await?, total))
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    kind: String,
    display_name: String,
    job_title: Option<String>,
    organization_id: Option<Uuid>,
    lifecycle_stage: String,
    primary_email: Option<String>,
    primary_phone: Option<String>,
    created_at: DateTime<Utc>,
}

impl SummaryRow {
    fn into_summary(self) -> Result<ContactSummary, sqlx::Error> {
        Ok(ContactSummary {
            id: self.id,
            kind: enum_from_text(&self.kind)?,
            display_name: self.display_name,
            job_title: self.job_title,
            organization_id: self.organization_id,
            lifecycle_stage: enum_from_text(&self.lifecycle_stage)?,
            primary_email: self.primary_email,
            primary_phone: self.primary_phone,
            created_at: self.created_at,
        })
    }
}

const SUMMARY: &str = "c.id, c.kind, c.display_name, c.job_title, c.organization_id,
    c.lifecycle_stage,
    (SELECT value FROM contact_channels e WHERE e.contact_id = c.id AND e.kind = 'email'
      ORDER BY e.is_primary DESC, e.position LIMIT 1) AS primary_email,
    (SELECT value FROM contact_channels p WHERE p.contact_id = c.id AND p.kind = 'phone'
      ORDER BY p.is_primary DESC, p.position LIMIT 1) AS primary_phone,
    c.created_at";

/// Summaries of contacts by id (merged ones included), in name order.
pub async fn summaries(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<ContactSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY} FROM contacts c WHERE c.id = ANY($1)
          ORDER BY lower(c.display_name), c.id"
    ))
    .bind(ids)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

/// People (or child organisations) of an organisation, not merged.
pub async fn members_of(
    conn: &mut PgConnection,
    org: Uuid,
    limit: i64,
) -> Result<Vec<ContactSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY} FROM contacts c WHERE c.organization_id = $1 AND c.merged_into_id IS NULL
          ORDER BY lower(c.display_name), c.id LIMIT $2"
    ))
    .bind(org)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

/// Groups of live contacts sharing a normalised e-mail or phone, optionally only
/// those involving one contact.
pub async fn duplicate_keys(
    conn: &mut PgConnection,
    of_contact: Option<Uuid>,
    paging: Paging,
) -> Result<(Vec<(String, String, Vec<Uuid>)>, i64), sqlx::Error> {
    let base = "SELECT ch.kind, ch.normalized, array_agg(DISTINCT ch.contact_id) AS ids
          FROM contact_channels ch JOIN contacts c ON c.id = ch.contact_id
         WHERE c.merged_into_id IS NULL
         GROUP BY ch.kind, ch.normalized
        HAVING count(DISTINCT ch.contact_id) > 1
           AND ($1::uuid IS NULL OR $1 = ANY(array_agg(ch.contact_id)))";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM ({base}) g"))
        .bind(of_contact)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<(String, String, Vec<Uuid>)> = sqlx::query_as(&format!(
        "{base} ORDER BY ch.kind, ch.normalized LIMIT $2 OFFSET $3"
    ))
    .bind(of_contact)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

/// What a merge moved.
pub struct Moved {
    pub activities: i64,
    pub people: i64,
}

/// Moves everything that points at `from` to `into` and marks `from` merged.
/// The caller has locked both rows and rewritten `into`'s own data.
pub async fn merge_links(
    conn: &mut PgConnection,
    from: Uuid,
    into: Uuid,
) -> Result<Moved, sqlx::Error> {
    let activities = sqlx::query("UPDATE activities SET contact_id = $2 WHERE contact_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *conn)
        .await?
        .rows_affected() as i64;
    let people = sqlx::query(
        "UPDATE contacts SET organization_id = $2 WHERE organization_id = $1 AND id <> $2",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *conn)
    .await?
    .rows_affected() as i64;
    sqlx::query("DELETE FROM contact_channels WHERE contact_id = $1")
        .bind(from)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE contacts SET merged_into_id = $2, organization_id = NULL, search_text = '' WHERE id = $1",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *conn)
    .await?;
    // Contacts merged earlier into `from` now point at the survivor.
    sqlx::query("UPDATE contacts SET merged_into_id = $2 WHERE merged_into_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    Ok(Moved { activities, people })
}

/// Whether a user exists in the tenant (RLS) and is active.
pub async fn user_exists(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = sqlx::query_scalar("SELECT is_active FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found == Some(true))
}
