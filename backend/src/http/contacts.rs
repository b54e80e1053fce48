//! Contacts (people and organisations), CRM settings, duplicates and merges.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use shared_types::api::Page;
use shared_types::crm::{
    Contact, Contact360, ContactForCreate, ContactForUpdate, ContactKind, CrmSettings,
    CrmSettingsForUpdate, DuplicateGroup, FollowUp, LifecycleStage, MergeRequest, MergeResult,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::contacts::{ContactData, ContactFilter};
use crate::db::events::NewEvent;
use crate::domain::crm;
use crate::domain::permissions::Permission;
use crate::domain::stock::label;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::idempotency;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::ContactRead, routes!(list_contacts)))
        .routes(guarded(Permission::ContactManage, routes!(create_contact)))
        .routes(guarded(Permission::ContactRead, routes!(duplicates)))
        .routes(guarded(Permission::ContactRead, routes!(get_contact)))
        .routes(guarded(Permission::ContactManage, routes!(update_contact)))
        .routes(guarded(Permission::ContactManage, routes!(merge_contact)))
        .routes(guarded(Permission::ContactRead, routes!(contact_360)))
        .routes(guarded(Permission::ContactRead, routes!(get_crm_settings)))
        .routes(guarded(
            Permission::TenantManage,
            routes!(update_crm_settings),
        ))
}

/// `?q=&kind=&lifecycle_stage=&owner_id=&organization_id=&tag=&include_merged=&limit=&offset=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// Substring of the name, e-mail or phone (case-insensitive).
    pub q: Option<String>,
    pub kind: Option<ContactKind>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub owner_id: Option<Uuid>,
    /// People (and child organisations) of this organisation.
    pub organization_id: Option<Uuid>,
    pub tag: Option<String>,
    pub include_merged: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// List contacts with filters, in name order.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "crm",
    security(("bearer" = [])), params(ContactListParams),
    responses((status = 200, body = Page<Contact>), ErrorResponses))]
async fn list_contacts(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ContactListParams>,
) -> ApiResult<AppJson<Page<Contact>>> {
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let f = ContactFilter {
        q: p.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        kind: p.kind,
        lifecycle_stage: p.lifecycle_stage,
        owner_id: p.owner_id,
        organization_id: p.organization_id,
        tag: p
            .tag
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty()),
        include_merged: p.include_merged.unwrap_or(false),
    };
    let (items, total_count) = db::contacts::list(tx.conn(), &f, paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

fn display_name(
    kind: ContactKind,
    name: Option<&str>,
    first: &Option<String>,
    last: &Option<String>,
) -> ApiResult<String> {
    match kind {
        ContactKind::Organization => {
            if first.is_some() || last.is_some() {
                return Err(ApiError::validation(
                    "first_name",
                    "Organisations have a `name`, not first and last names.",
                ));
            }
            let name =
                name.ok_or_else(|| ApiError::validation("name", "An organisation needs a name."))?;
            Ok(label("name", name, 200)?)
        }
        ContactKind::Person => {
            if name.is_some() {
                return Err(ApiError::validation(
                    "name",
                    "People have `first_name` and `last_name`, not `name`.",
                ));
            }
            let full = [first.as_deref(), last.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if full.is_empty() {
                return Err(ApiError::validation(
                    "last_name",
                    "A person needs a first or last name.",
                ));
            }
            Ok(full)
        }
    }
}

/// Checks the organisation link: it exists, is an organisation, is not merged and
/// (for an organisation) does not make a cycle.
async fn check_organization(
    tx: &mut TenantTx,
    contact: Option<Uuid>,
    org: Option<Uuid>,
) -> ApiResult<()> {
    let Some(org) = org else { return Ok(()) };
    let mut current = Some(org);
    for _ in 0..32 {
        let Some(id) = current else { return Ok(()) };
        if Some(id) == contact {
            return Err(ApiError::validation(
                "organization_id",
                "An organisation cannot belong to itself or to one of its own.",
            ));
        }
        let row: Option<(String, Option<Uuid>, Option<Uuid>)> = sqlx::query_as(
            "SELECT kind, organization_id, merged_into_id FROM contacts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
        let Some((kind, parent, merged)) = row else {
            return Err(ApiError::validation(
                "organization_id",
                "The organisation does not exist.",
            ));
        };
        if id == org && (kind != "organization" || merged.is_some()) {
            return Err(ApiError::validation(
                "organization_id",
                "organization_id must name an organisation that was not merged away.",
            ));
        }
        current = parent;
    }
    Err(ApiError::validation(
        "organization_id",
        "The organisation tree is too deep.",
    ))
}

async fn check_owner(tx: &mut TenantTx, owner: Option<Uuid>) -> ApiResult<()> {
    if let Some(o) = owner {
        if !db::contacts::user_exists(tx.conn(), o).await? {
            return Err(ApiError::validation(
                "owner_id",
                "The owner is not an active user of this tenant.",
            ));
        }
    }
    Ok(())
}

async fn consent_events(
    tx: &mut TenantTx,
    contact: Uuid,
    changes: &[shared_types::crm::ConsentChange],
    state: &BTreeMap<String, shared_types::crm::Consent>,
) -> ApiResult<()> {
    for c in changes {
        let Some(now) = state.get(c.purpose.trim()) else {
            continue;
        };
        let actor = Some(tx.ctx.user_id);
        db::events::append(
            tx.conn(),
            actor,
            NewEvent::new("contact.consent_changed")
                .subject("contact", contact)
                .data(json!({ "purpose": c.purpose.trim(), "granted": now.granted,
                              "at": now.at, "source": now.source })),
        )
        .await?;
    }
    Ok(())
}

/// Create a contact: a person or an organisation. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "crm",
    security(("bearer" = [])), request_body = ContactForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Contact), ErrorResponses))]
async fn create_contact(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<ContactForCreate>,
) -> ApiResult<Response> {
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "contact.create", &input).await?
    {
        return Ok(replay);
    }
    let now = Utc::now();
    let first_name = crm::opt_label("first_name", input.first_name.as_deref(), 100)?;
    let last_name = crm::opt_label("last_name", input.last_name.as_deref(), 100)?;
    let display_name = display_name(input.kind, input.name.as_deref(), &first_name, &last_name)?;
    let (schema, _) = db::contacts::settings(tx.conn()).await?;
    let properties = input.properties.unwrap_or_else(|| json!({}));
    crm::check_properties(&schema, &properties)?;
    let mut consents = BTreeMap::new();
    crm::apply_consents(&mut consents, &input.consents, now)?;
    let owner_id = match input.owner_id {
        Some(o) => Some(o),
        None if tx.ctx.user_id.is_nil() => None,
        None => Some(tx.ctx.user_id),
    };
    check_owner(&mut tx, owner_id).await?;
    check_organization(&mut tx, None, input.organization_id).await?;
    let data = ContactData {
        kind: input.kind,
        display_name,
        first_name,
        last_name,
        job_title: crm::opt_label("job_title", input.job_title.as_deref(), 100)?,
        organization_id: input.organization_id,
        owner_id,
        lifecycle_stage: input.lifecycle_stage.unwrap_or(LifecycleStage::Lead),
        outcome: input.outcome,
        outcome_at: input.outcome.map(|_| now),
        tags: crm::tags(input.tags.clone())?,
        emails: crm::emails(input.emails.clone())?,
        phones: crm::phones(input.phones.clone())?,
        addresses: crm::addresses(input.addresses.clone())?,
        properties,
        consents,
    };
    let id = db::contacts::insert(tx.conn(), &data).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("contact.created")
            .subject("contact", id)
            .data(json!({ "kind": data.kind, "display_name": data.display_name })),
    )
    .await?;
    consent_events(&mut tx, id, &input.consents, &data.consents).await?;
    let contact = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &contact).await?;
    tx.commit().await?;
    Ok(resp)
}

/// One contact with its e-mails, phones, addresses, properties and consents.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, body = Contact), ErrorResponses))]
async fn get_contact(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Contact>> {
    let c = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    Ok(AppJson(c))
}

/// Change a contact. Lists are replaced whole; consent changes are applied on top.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Contact id")),
    request_body = ContactForUpdate,
    responses((status = 200, body = Contact), ErrorResponses))]
async fn update_contact(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<ContactForUpdate>,
) -> ApiResult<AppJson<Contact>> {
    if !db::contacts::lock(tx.conn(), id).await? {
        return Err(ApiError::not_found("contact"));
    }
    let current = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    if current.merged_into_id.is_some() {
        return Err(ApiError::conflict(
            "id",
            "This contact was merged into another; change that one.",
        ));
    }
    let now = Utc::now();
    let mut d = ContactData::from_contact(current);
    let mut changed: Vec<&str> = Vec::new();
    if input.first_name.is_some() || input.last_name.is_some() || input.name.is_some() {
        if input.first_name.is_some() {
            d.first_name = crm::opt_label("first_name", input.first_name.as_deref(), 100)?;
        }
        if input.last_name.is_some() {
            d.last_name = crm::opt_label("last_name", input.last_name.as_deref(), 100)?;
        }
        let name = match d.kind {
            ContactKind::Organization => Some(input.name.as_deref().unwrap_or(&d.display_name)),
            ContactKind::Person => input.name.as_deref(),
        };
        d.display_name = display_name(d.kind, name, &d.first_name, &d.last_name)?;
        changed.push("name");
    }
    if input.job_title.is_some() {
        d.job_title = crm::opt_label("job_title", input.job_title.as_deref(), 100)?;
        changed.push("job_title");
    }
    if input.clear_organization {
        d.organization_id = None;
        changed.push("organization_id");
    } else if let Some(org) = input.organization_id {
        check_organization(&mut tx, Some(id), Some(org)).await?;
        d.organization_id = Some(org);
        changed.push("organization_id");
    }
    if let Some(o) = input.owner_id {
        check_owner(&mut tx, Some(o)).await?;
        d.owner_id = Some(o);
        changed.push("owner_id");
    }
    if let Some(s) = input.lifecycle_stage {
        d.lifecycle_stage = s;
        changed.push("lifecycle_stage");
    }
    if let Some(o) = input.outcome {
        if d.outcome != Some(o) {
            d.outcome = Some(o);
            d.outcome_at = Some(now);
        }
        changed.push("outcome");
    }
    if let Some(t) = input.tags {
        d.tags = crm::tags(t)?;
        changed.push("tags");
    }
    if let Some(e) = input.emails {
        d.emails = crm::emails(e)?;
        changed.push("emails");
    }
    if let Some(p) = input.phones {
        d.phones = crm::phones(p)?;
        changed.push("phones");
    }
    if let Some(a) = input.addresses {
        d.addresses = crm::addresses(a)?;
        changed.push("addresses");
    }
    if let Some(p) = input.properties {
        let (schema, _) = db::contacts::settings(tx.conn()).await?;
        crm::check_properties(&schema, &p)?;
        d.properties = p;
        changed.push("properties");
    }
    if !input.consents.is_empty() {
        crm::apply_consents(&mut d.consents, &input.consents, now)?;
        changed.push("consents");
    }
    db::contacts::update(tx.conn(), id, &d).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("contact.updated")
            .subject("contact", id)
            .data(json!({ "fields": changed })),
    )
    .await?;
    consent_events(&mut tx, id, &input.consents, &d.consents).await?;
    let c = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    tx.commit().await?;
    Ok(AppJson(c))
}

/// `?contact_id=&limit=&offset=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateParams {
    /// Only groups this contact is in.
    pub contact_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Contacts that share a normalised e-mail address or phone number.
#[utoipa::path(get, path = "/api/v1/contacts/duplicates", tag = "crm",
    security(("bearer" = [])), params(DuplicateParams),
    responses((status = 200, body = Page<DuplicateGroup>), ErrorResponses))]
async fn duplicates(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<DuplicateParams>,
) -> ApiResult<AppJson<Page<DuplicateGroup>>> {
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (keys, total_count) = db::contacts::duplicate_keys(tx.conn(), p.contact_id, paging).await?;
    let mut items = Vec::with_capacity(keys.len());
    for (kind, value, ids) in keys {
        items.push(DuplicateGroup {
            matched_on: kind,
            value,
            contacts: db::contacts::summaries(tx.conn(), &ids).await?,
        });
    }
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Merge a duplicate into this contact, in one transaction: the duplicate's
/// activities and people move here, its e-mails, phones, addresses and tags are
/// added, missing fields and properties are filled in, the newer consent per
/// purpose wins; the duplicate is kept, marked merged, and a `contact.merged`
/// event is recorded. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "The contact that stays"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = MergeRequest,
    responses((status = 200, body = MergeResult), ErrorResponses))]
async fn merge_contact(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<MergeRequest>,
) -> ApiResult<Response> {
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "contact.merge", &(id, &input)).await?
    {
        return Ok(replay);
    }
    let dup_id = input.duplicate_id;
    // Lock both in id order so two opposite merges cannot deadlock.
    let (first, second) = if id < dup_id {
        (id, dup_id)
    } else {
        (dup_id, id)
    };
    db::contacts::lock(tx.conn(), first).await?;
    db::contacts::lock(tx.conn(), second).await?;
    let keep = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    if id == dup_id {
        return Err(ApiError::validation(
            "duplicate_id",
            "A contact cannot be merged into itself.",
        ));
    }
    let dup = db::contacts::get(tx.conn(), dup_id)
        .await?
        .ok_or_else(|| ApiError::validation("duplicate_id", "The duplicate does not exist."))?;
    if keep.merged_into_id.is_some() || dup.merged_into_id.is_some() {
        return Err(ApiError::conflict(
            "duplicate_id",
            "One of the contacts was already merged into another.",
        ));
    }
    if keep.kind != dup.kind {
        return Err(ApiError::validation(
            "duplicate_id",
            "A person and an organisation cannot be merged.",
        ));
    }
    let (schema, _) = db::contacts::settings(tx.conn()).await?;
    let mut d = ContactData::from_contact(keep);
    let added_emails = dup
        .emails
        .iter()
        .filter(|e| !d.emails.iter().any(|x| x.address == e.address))
        .map(|e| {
            let mut e = e.clone();
            e.primary = false;
            e
        })
        .collect::<Vec<_>>();
    let added_phones = dup
        .phones
        .iter()
        .filter(|p| !d.phones.iter().any(|x| x.normalized == p.normalized))
        .map(|p| {
            let mut p = p.clone();
            p.primary = false;
            p
        })
        .collect::<Vec<_>>();
    let (n_emails, n_phones) = (added_emails.len() as i64, added_phones.len() as i64);
    d.emails.extend(added_emails);
    d.phones.extend(added_phones);
    for a in dup.addresses {
        if !d.addresses.contains(&a) {
            d.addresses.push(a);
        }
    }
    let mut tags = d.tags.clone();
    tags.extend(dup.tags);
    d.tags = crm::tags(tags)?;
    d.first_name = d.first_name.or(dup.first_name);
    d.last_name = d.last_name.or(dup.last_name);
    d.job_title = d.job_title.or(dup.job_title);
    d.owner_id = d.owner_id.or(dup.owner_id);
    d.organization_id = d.organization_id.or(dup.organization_id);
    if d.organization_id == Some(dup_id) || d.organization_id == Some(id) {
        d.organization_id = dup.organization_id.filter(|o| *o != id);
    }
    if d.outcome.is_none() {
        d.outcome = dup.outcome;
        d.outcome_at = dup.outcome_at;
    }
    if let (Some(mine), Some(theirs)) = (d.properties.as_object(), dup.properties.as_object()) {
        let mut merged = theirs.clone();
        merged.extend(mine.clone());
        let merged = serde_json::Value::Object(merged);
        // Keep the survivor's own properties if the union breaks the schema.
        if crm::check_properties(&schema, &merged).is_ok() {
            d.properties = merged;
        }
    }
    for (purpose, c) in dup.consents {
        let newer = d.consents.get(&purpose).is_none_or(|mine| c.at > mine.at);
        if newer {
            d.consents.insert(purpose, c);
        }
    }
    let moved = db::contacts::merge_links(tx.conn(), dup_id, id).await?;
    db::contacts::update(tx.conn(), id, &d).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("contact.merged")
            .subject("contact", id)
            .data(json!({
                "duplicate_id": dup_id,
                "duplicate_name": dup.display_name,
                "moved_activities": moved.activities,
                "moved_people": moved.people,
                "added_emails": n_emails,
                "added_phones": n_phones,
            })),
    )
    .await?;
    let contact = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    let out = MergeResult {
        contact,
        merged_id: dup_id,
        moved_activities: moved.activities,
        moved_people: moved.people,
        added_emails: n_emails,
        added_phones: n_phones,
    };
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &out).await?;
    tx.commit().await?;
    Ok(resp)
}

/// The tenant's CRM settings: custom property schema and search language.
#[utoipa::path(get, path = "/api/v1/crm/settings", tag = "crm",
    security(("bearer" = [])),
    responses((status = 200, body = CrmSettings), ErrorResponses))]
async fn get_crm_settings(mut tx: TenantTx) -> ApiResult<AppJson<CrmSettings>> {
    let (schema, lang) = db::contacts::settings(tx.conn()).await?;
    Ok(AppJson(CrmSettings {
        contact_properties_schema: schema,
        search_language: lang,
    }))
}

/// Change the CRM settings. A new property schema applies to later writes; a new
/// search language re-indexes contacts and activity notes.
#[utoipa::path(put, path = "/api/v1/crm/settings", tag = "crm",
    security(("bearer" = [])), request_body = CrmSettingsForUpdate,
    responses((status = 200, body = CrmSettings), ErrorResponses))]
async fn update_crm_settings(
    mut tx: TenantTx,
    AppJson(input): AppJson<CrmSettingsForUpdate>,
) -> ApiResult<AppJson<CrmSettings>> {
    let (mut schema, mut lang) = db::contacts::settings(tx.conn()).await?;
    if let Some(s) = input.contact_properties_schema {
        crm::check_schema(&s)?;
        schema = s;
    }
    if let Some(l) = input.search_language {
        let l = l.trim().to_lowercase();
        if !crm::SEARCH_LANGUAGES.contains(&l.as_str()) {
            return Err(ApiError::validation(
                "search_language",
                format!("Choose one of: {}.", crm::SEARCH_LANGUAGES.join(", ")),
            ));
        }
        lang = l;
    }
    db::contacts::save_settings(tx.conn(), &schema, &lang).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("crm.settings_changed").data(json!({ "search_language": lang })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(CrmSettings {
        contact_properties_schema: schema,
        search_language: lang,
    }))
}

/// Everything about a contact on one screen: the contact, its company and people,
/// recent activities, open tasks, the next follow-up, what they buy most with the
/// stock of those products, and the lead score when one was computed.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/360", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, body = Contact360), ErrorResponses))]
async fn contact_360(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Contact360>> {
    let contact = db::contacts::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    let company = match (contact.kind, contact.organization_id) {
        (ContactKind::Person, Some(org)) => db::contacts::summaries(tx.conn(), &[org]).await?.pop(),
        _ => None,
    };
    let people = match (contact.kind, contact.organization_id) {
        (ContactKind::Organization, _) => db::contacts::members_of(tx.conn(), id, 50).await?,
        (ContactKind::Person, Some(org)) => db::contacts::members_of(tx.conn(), org, 50)
            .await?
            .into_iter()
            .filter(|p| p.id != id)
            .collect(),
        (ContactKind::Person, None) => Vec::new(),
    };
    let recent_activities = db::activities::recent_of(tx.conn(), id, 10).await?;
    let open_tasks = db::activities::open_tasks_of(tx.conn(), id, 10).await?;
    let today = Utc::now().date_naive();
    let next_follow_up = db::activities::next_follow_up(tx.conn(), id, today)
        .await?
        .map(|(date, activity_id, source, subject, visit)| FollowUp {
            date,
            activity_id,
            source,
            subject,
            next_action: visit.and_then(|v| v.0.next_action),
        });
    let top_products = if tx.ctx.can(Permission::StockRead) {
        db::crm_search::top_products(tx.conn(), id, 5).await?
    } else {
        Vec::new()
    };
    let score = crate::db::scoring::get(tx.conn(), id).await?;
    Ok(AppJson(Contact360 {
        contact,
        company,
        people,
        recent_activities,
        open_tasks,
        next_follow_up,
        top_products,
        score,
    }))
}
