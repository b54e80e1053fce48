//! Segments: saved rule sets over contacts, with counts, members and CSV export.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use shared_types::api::Page;
use shared_types::crm::{
    ContactSummary, Segment, SegmentCount, SegmentForCreate, SegmentForUpdate, SegmentPreview,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::events::NewEvent;
use crate::domain::crm::opt_label;
use crate::domain::permissions::Permission;
use crate::domain::segments;
use crate::domain::stock::label;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::ContactRead, routes!(list_segments)))
        .routes(guarded(Permission::ContactManage, routes!(create_segment)))
        .routes(guarded(Permission::ContactRead, routes!(preview_segment)))
        .routes(guarded(Permission::ContactRead, routes!(get_segment)))
        .routes(guarded(Permission::ContactManage, routes!(update_segment)))
        .routes(guarded(Permission::ContactManage, routes!(delete_segment)))
        .routes(guarded(Permission::ContactRead, routes!(segment_count)))
        .routes(guarded(Permission::ContactRead, routes!(segment_members)))
        .routes(guarded(Permission::ContactRead, routes!(segment_export)))
}

fn name_conflict(e: sqlx::Error, name: &str) -> ApiError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("segments_tenant_name_key") => {
            ApiError::conflict("name", format!("A segment named '{name}' already exists."))
        }
        _ => e.into(),
    }
}

/// List saved segments by name.
#[utoipa::path(get, path = "/api/v1/segments", tag = "crm",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<Segment>), ErrorResponses))]
async fn list_segments(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<Segment>>> {
    let paging = p.validate()?;
    let (items, total_count) = db::segments::list(tx.conn(), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Save a segment. Rules are checked (fields, operators, value types) first.
#[utoipa::path(post, path = "/api/v1/segments", tag = "crm",
    security(("bearer" = [])), request_body = SegmentForCreate,
    responses((status = 201, body = Segment), ErrorResponses))]
async fn create_segment(
    mut tx: TenantTx,
    AppJson(input): AppJson<SegmentForCreate>,
) -> ApiResult<(StatusCode, AppJson<Segment>)> {
    let name = label("name", &input.name, 100)?;
    let description = opt_label("description", input.description.as_deref(), 500)?;
    segments::validate(&input.rules)?;
    let by = tx.ctx.user_id;
    let s = db::segments::insert(tx.conn(), &name, description.as_deref(), &input.rules, by)
        .await
        .map_err(|e| name_conflict(e, &name))?;
    db::events::append(
        tx.conn(),
        Some(by),
        NewEvent::new("segment.created")
            .subject("segment", s.id)
            .data(json!({ "name": s.name })),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(s)))
}

/// Evaluate rules without saving them: the count and every member's id.
#[utoipa::path(post, path = "/api/v1/segments/preview", tag = "crm",
    security(("bearer" = [])), request_body = SegmentPreview,
    responses((status = 200, body = SegmentCount), ErrorResponses))]
async fn preview_segment(
    mut tx: TenantTx,
    AppJson(input): AppJson<SegmentPreview>,
) -> ApiResult<AppJson<SegmentCount>> {
    let compiled = segments::compile(&input.rules)?;
    let mut ids = db::segments::member_ids(tx.conn(), &compiled, None).await?;
    ids.sort();
    Ok(AppJson(SegmentCount {
        count: ids.len() as i64,
        ids,
    }))
}

async fn load(tx: &mut TenantTx, id: Uuid) -> ApiResult<Segment> {
    db::segments::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("segment"))
}

/// One segment.
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 200, body = Segment), ErrorResponses))]
async fn get_segment(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Segment>> {
    Ok(AppJson(load(&mut tx, id).await?))
}

/// Rename a segment or change its rules.
#[utoipa::path(patch, path = "/api/v1/segments/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id")),
    request_body = SegmentForUpdate,
    responses((status = 200, body = Segment), ErrorResponses))]
async fn update_segment(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<SegmentForUpdate>,
) -> ApiResult<AppJson<Segment>> {
    load(&mut tx, id).await?;
    let name = input
        .name
        .as_deref()
        .map(|n| label("name", n, 100))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| label("description", d, 500))
        .transpose()?;
    if let Some(r) = &input.rules {
        segments::validate(r)?;
    }
    db::segments::update(
        tx.conn(),
        id,
        name.as_deref(),
        description.as_deref(),
        input.rules.as_ref(),
    )
    .await
    .map_err(|e| name_conflict(e, name.as_deref().unwrap_or_default()))?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("segment.updated").subject("segment", id),
    )
    .await?;
    let s = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(AppJson(s))
}

/// Delete a segment.
#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 204), ErrorResponses))]
async fn delete_segment(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<StatusCode> {
    if !db::segments::delete(tx.conn(), id).await? {
        return Err(ApiError::not_found("segment"));
    }
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("segment.deleted").subject("segment", id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many contacts are in the segment now.
#[utoipa::path(get, path = "/api/v1/segments/{id}/count", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 200, body = SegmentCount), ErrorResponses))]
async fn segment_count(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<SegmentCount>> {
    let s = load(&mut tx, id).await?;
    let compiled = segments::compile(&s.rules)?;
    let count = db::segments::count(tx.conn(), &compiled).await?;
    Ok(AppJson(SegmentCount {
        count,
        ids: Vec::new(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The segment's members, in name order.
#[utoipa::path(get, path = "/api/v1/segments/{id}/members", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id"), MemberParams),
    responses((status = 200, body = Page<ContactSummary>), ErrorResponses))]
async fn segment_members(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<MemberParams>,
) -> ApiResult<AppJson<Page<ContactSummary>>> {
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let s = load(&mut tx, id).await?;
    let compiled = segments::compile(&s.rules)?;
    let total_count = db::segments::count(tx.conn(), &compiled).await?;
    let ids = db::segments::member_ids(tx.conn(), &compiled, Some(paging)).await?;
    let items = db::contacts::summaries(tx.conn(), &ids).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

fn csv_field(s: &str) -> String {
    // Quote always; double inner quotes. A leading =, +, - or @ is prefixed with
    // an apostrophe so spreadsheets do not run it as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The segment's members as CSV (UTF-8, header row, one contact per line).
#[utoipa::path(get, path = "/api/v1/segments/{id}/export", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 200, content_type = "text/csv", body = String), ErrorResponses))]
async fn segment_export(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<Response> {
    let s = load(&mut tx, id).await?;
    let compiled = segments::compile(&s.rules)?;
    let ids = db::segments::member_ids(tx.conn(), &compiled, None).await?;
    let mut out = String::from(
        "id,kind,display_name,first_name,last_name,job_title,organization,lifecycle_stage,email,phone,tags,created_at\r\n",
    );
    for chunk in ids.chunks(1000) {
        for r in db::segments::export_rows(tx.conn(), chunk).await? {
            let fields = [
                r.id.to_string(),
                r.kind,
                r.display_name,
                r.first_name.unwrap_or_default(),
                r.last_name.unwrap_or_default(),
                r.job_title.unwrap_or_default(),
                r.organization.unwrap_or_default(),
                r.lifecycle_stage,
                r.email.unwrap_or_default(),
                r.phone.unwrap_or_default(),
                r.tags.join(";"),
                r.created_at.to_rfc3339(),
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push_str("\r\n");
        }
    }
    let mut resp = (StatusCode::OK, out).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let filename = format!("attachment; filename=\"segment-{id}.csv\"");
    if let Ok(v) = HeaderValue::from_str(&filename) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
