//! Activities (visits, calls, e-mails, tasks, notes) and the visits API the
//! phone syncs into and the web view lists.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use shared_types::api::Page;
use shared_types::crm::{
    Activity, ActivityForCreate, ActivityForUpdate, ActivityKind, VisitDetails, VisitForCreate,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::activities::{ActivityChanges, ActivityFilter, NewActivity};
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
        .routes(guarded(Permission::ContactRead, routes!(list_activities)))
        .routes(guarded(
            Permission::ActivityManage,
            routes!(create_activity),
        ))
        .routes(guarded(Permission::ContactRead, routes!(get_activity)))
        .routes(guarded(
            Permission::ActivityManage,
            routes!(update_activity),
        ))
        .routes(guarded(Permission::ContactRead, routes!(list_visits)))
        .routes(guarded(Permission::ActivityManage, routes!(create_visit)))
        .routes(guarded(Permission::ContactRead, routes!(get_visit)))
}

/// `?kind=&contact_id=&owner_id=&from=&to=&open=&limit=&offset=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityListParams {
    pub kind: Option<ActivityKind>,
    pub contact_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// Occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Occurred before.
    pub to: Option<DateTime<Utc>>,
    /// `true`: only open (not completed); `false`: only completed.
    pub open: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// List activities, newest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "crm",
    security(("bearer" = [])), params(ActivityListParams),
    responses((status = 200, body = Page<Activity>), ErrorResponses))]
async fn list_activities(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ActivityListParams>,
) -> ApiResult<AppJson<Page<Activity>>> {
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let f = ActivityFilter {
        kind: p.kind,
        contact_id: p.contact_id,
        owner_id: p.owner_id,
        from: p.from,
        to: p.to,
        open: p.open,
    };
    let (items, total_count) = db::activities::list(tx.conn(), &f, paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Validates and inserts; answers 201 for a new activity and 200 (with
/// `Idempotent-Replayed: true`) for an op id already recorded.
async fn create(tx: &mut TenantTx, input: ActivityForCreate) -> ApiResult<(StatusCode, Activity)> {
    let visit = match (input.kind, input.visit) {
        (ActivityKind::Visit, Some(v)) => Some(crm::visit_details(v)?),
        (ActivityKind::Visit, None) => Some(VisitDetails::default()),
        (_, Some(_)) => {
            return Err(ApiError::validation(
                "visit",
                "Only visits have visit details.",
            ))
        }
        (_, None) => None,
    };
    if let Some(c) = input.contact_id {
        let contact = db::contacts::get(tx.conn(), c).await?;
        match contact {
            None => {
                return Err(ApiError::validation(
                    "contact_id",
                    "The contact does not exist.",
                ))
            }
            Some(ct) if ct.merged_into_id.is_some() => {
                return Err(ApiError::validation(
                    "contact_id",
                    "The contact was merged into another; use that one.",
                )
                .with_details(
                    json!({ "field": "contact_id", "merged_into_id": ct.merged_into_id }),
                ))
            }
            Some(_) => {}
        }
    }
    if input.kind == ActivityKind::Visit && input.contact_id.is_none() {
        return Err(ApiError::validation(
            "contact_id",
            "A visit is with a customer: contact_id is required.",
        ));
    }
    let owner_id = match input.owner_id {
        Some(o) => Some(o),
        None if tx.ctx.user_id.is_nil() => None,
        None => Some(tx.ctx.user_id),
    };
    if let Some(o) = owner_id {
        if !db::contacts::user_exists(tx.conn(), o).await? {
            return Err(ApiError::validation(
                "owner_id",
                "The owner is not an active user of this tenant.",
            ));
        }
    }
    let new = NewActivity {
        kind: input.kind,
        contact_id: input.contact_id,
        owner_id,
        subject: label("subject", &input.subject, 200)?,
        notes: crm::long_text("notes", &input.notes, 20_000)?,
        transcript: input
            .transcript
            .as_deref()
            .map(|t| crm::long_text("transcript", t, 20_000))
            .transpose()?,
        visit,
        due_at: input.due_at,
        completed_at: input.completed_at,
        occurred_at: input.occurred_at,
        op_id: crm::op_id(input.op_id.as_deref())?,
        created_by: tx.ctx.user_id,
    };
    let (id, inserted) = db::activities::insert(tx.conn(), &new).await?;
    if inserted {
        let actor = Some(tx.ctx.user_id);
        db::events::append(
            tx.conn(),
            actor,
            NewEvent::new(if new.kind == ActivityKind::Visit {
                "visit.logged"
            } else {
                "activity.created"
            })
            .subject("activity", id)
            .data(json!({ "kind": new.kind, "contact_id": new.contact_id, "op_id": new.op_id })),
        )
        .await?;
    }
    let a = db::activities::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    Ok((
        if inserted {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        a,
    ))
}

async fn respond_created(
    mut tx: TenantTx,
    key: Option<String>,
    status: StatusCode,
    a: &Activity,
) -> ApiResult<Response> {
    let mut resp = idempotency::finish(&mut tx, key.as_deref(), status, a).await?;
    tx.commit().await?;
    if status == StatusCode::OK {
        resp.headers_mut().insert(
            idempotency::REPLAYED_HEADER,
            HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}

/// Log an activity. Idempotent twice over: `Idempotency-Key` replays the stored
/// response, and an `op_id` already recorded answers the existing activity (200).
#[utoipa::path(post, path = "/api/v1/activities", tag = "crm",
    security(("bearer" = [])), request_body = ActivityForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Activity), (status = 200, description = "The op id was already recorded", body = Activity), ErrorResponses))]
async fn create_activity(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<ActivityForCreate>,
) -> ApiResult<Response> {
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "activity.create", &input).await?
    {
        return Ok(replay);
    }
    let (status, a) = create(&mut tx, input).await?;
    respond_created(tx, key, status, &a).await
}

/// One activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Activity id")),
    responses((status = 200, body = Activity), ErrorResponses))]
async fn get_activity(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Activity>> {
    let a = db::activities::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    Ok(AppJson(a))
}

/// Change an activity: subject, notes, transcript, visit details, due date, completion.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Activity id")),
    request_body = ActivityForUpdate,
    responses((status = 200, body = Activity), ErrorResponses))]
async fn update_activity(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<ActivityForUpdate>,
) -> ApiResult<AppJson<Activity>> {
    let current = db::activities::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    if input.visit.is_some() && current.kind != ActivityKind::Visit {
        return Err(ApiError::validation(
            "visit",
            "Only visits have visit details.",
        ));
    }
    let changes = ActivityChanges {
        subject: input
            .subject
            .as_deref()
            .map(|s| label("subject", s, 200))
            .transpose()?,
        notes: input
            .notes
            .as_deref()
            .map(|n| crm::long_text("notes", n, 20_000))
            .transpose()?,
        transcript: input
            .transcript
            .as_deref()
            .map(|t| crm::long_text("transcript", t, 20_000))
            .transpose()?,
        visit: input.visit.map(crm::visit_details).transpose()?,
        due_at: input.due_at,
        completed: input.completed,
    };
    db::activities::update(tx.conn(), id, &changes).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new(
            if input.completed == Some(true) && current.completed_at.is_none() {
                "activity.completed"
            } else {
                "activity.updated"
            },
        )
        .subject("activity", id),
    )
    .await?;
    let a = db::activities::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    tx.commit().await?;
    Ok(AppJson(a))
}

/// `?rep_id=&contact_id=&from=&to=&limit=&offset=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitListParams {
    /// The sales rep (the visit's owner).
    pub rep_id: Option<Uuid>,
    /// The customer.
    pub contact_id: Option<Uuid>,
    /// First day (inclusive, UTC).
    pub from: Option<NaiveDate>,
    /// Last day (inclusive, UTC).
    pub to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// List visits by rep, customer and date range, newest first, with transcript and
/// structured fields.
#[utoipa::path(get, path = "/api/v1/visits", tag = "crm",
    security(("bearer" = [])), params(VisitListParams),
    responses((status = 200, body = Page<Activity>), ErrorResponses))]
async fn list_visits(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<VisitListParams>,
) -> ApiResult<AppJson<Page<Activity>>> {
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    if let (Some(f), Some(t)) = (p.from, p.to) {
        if f > t {
            return Err(ApiError::validation("from", "`from` is after `to`."));
        }
    }
    let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let f = ActivityFilter {
        kind: Some(ActivityKind::Visit),
        contact_id: p.contact_id,
        owner_id: p.rep_id,
        from: p.from.and_then(day_start),
        to: p.to.and_then(|d| d.succ_opt()).and_then(day_start),
        open: None,
    };
    let (items, total_count) = db::activities::list(tx.conn(), &f, paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Record a visit (as the phone syncs it): customer, transcript, product lines,
/// follow-up date and next action. Idempotent by `Idempotency-Key` and by `op_id`.
#[utoipa::path(post, path = "/api/v1/visits", tag = "crm",
    security(("bearer" = [])), request_body = VisitForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Activity), (status = 200, description = "The op id was already recorded", body = Activity), ErrorResponses))]
async fn create_visit(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<VisitForCreate>,
) -> ApiResult<Response> {
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "visit.create", &input).await?
    {
        return Ok(replay);
    }
    let activity = ActivityForCreate {
        kind: ActivityKind::Visit,
        contact_id: Some(input.contact_id),
        owner_id: input.rep_id,
        subject: input.subject.unwrap_or_else(|| "Visit".to_owned()),
        notes: input.notes,
        transcript: input.transcript,
        visit: Some(VisitDetails {
            lines: input.lines,
            follow_up: input.follow_up,
            next_action: input.next_action,
        }),
        due_at: None,
        completed_at: None,
        occurred_at: input.occurred_at,
        op_id: input.op_id,
    };
    let (status, a) = create(&mut tx, activity).await?;
    respond_created(tx, key, status, &a).await
}

/// One visit.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Visit id")),
    responses((status = 200, body = Activity), ErrorResponses))]
async fn get_visit(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<Response> {
    let a = db::activities::get(tx.conn(), id)
        .await?
        .filter(|a| a.kind == ActivityKind::Visit)
        .ok_or_else(|| ApiError::not_found("visit"))?;
    Ok(AppJson(a).into_response())
}
