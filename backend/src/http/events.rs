//! The audit trail: list events with filters, and verify the hash chain.

use serde::Deserialize;
use shared_types::api::Page;
use shared_types::events::{ChainVerification, Event};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::ApiResult;
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::AuditRead, routes!(list_events)))
        .routes(guarded(Permission::AuditRead, routes!(verify_events)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Exact kind (`user.created`) or a prefix ending in a dot (`stock.`).
    pub kind: Option<String>,
    /// Only events after this sequence number.
    pub since_seq: Option<i64>,
    pub subject_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The tenant's audit trail and domain events, oldest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "audit",
    security(("bearer" = [])), params(EventQuery),
    responses((status = 200, body = Page<Event>), ErrorResponses))]
async fn list_events(
    mut tx: TenantTx,
    AppQuery(q): AppQuery<EventQuery>,
) -> ApiResult<AppJson<Page<Event>>> {
    tx.ctx.require(Permission::AuditRead)?;
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .validate()?;
    let filter = db::events::EventFilter {
        kind: q.kind,
        since_seq: q.since_seq,
        subject_id: q.subject_id,
        actor_user_id: q.actor_user_id,
    };
    let (items, total_count) = db::events::list(tx.conn(), &filter, paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Re-computes the hash chain and names the first row that was altered or removed.
#[utoipa::path(get, path = "/api/v1/events/verify", tag = "audit",
    security(("bearer" = [])),
    responses((status = 200, body = ChainVerification), ErrorResponses))]
async fn verify_events(mut tx: TenantTx) -> ApiResult<AppJson<ChainVerification>> {
    tx.ctx.require(Permission::AuditRead)?;
    Ok(AppJson(db::events::verify_chain(tx.conn()).await?))
}
