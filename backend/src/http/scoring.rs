//! Lead scoring: the tenant's rule weights, recomputing (and training the learned
//! model on won/lost history), and one contact's score with its factors.

use serde_json::json;
use shared_types::api::Page;
use shared_types::crm::{LeadScore, RankedLead, ScoringRun, ScoringSettings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::events::NewEvent;
use crate::domain::permissions::Permission;
use crate::domain::scoring;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::ContactRead,
            routes!(get_scoring_settings),
        ))
        .routes(guarded(
            Permission::TenantManage,
            routes!(update_scoring_settings),
        ))
        .routes(guarded(
            Permission::ContactManage,
            routes!(recompute_scores),
        ))
        .routes(guarded(Permission::ContactRead, routes!(contact_score)))
        .routes(guarded(Permission::ContactRead, routes!(ranked_leads)))
}

/// The rule weights: points per unit of each feature.
#[utoipa::path(get, path = "/api/v1/scoring/settings", tag = "crm",
    security(("bearer" = [])),
    responses((status = 200, body = ScoringSettings), ErrorResponses))]
async fn get_scoring_settings(mut tx: TenantTx) -> ApiResult<AppJson<ScoringSettings>> {
    let weights = db::scoring::weights(tx.conn()).await?;
    Ok(AppJson(ScoringSettings { weights }))
}

/// Set rule weights (features not named keep their current weight).
#[utoipa::path(put, path = "/api/v1/scoring/settings", tag = "crm",
    security(("bearer" = [])), request_body = ScoringSettings,
    responses((status = 200, body = ScoringSettings), ErrorResponses))]
async fn update_scoring_settings(
    mut tx: TenantTx,
    AppJson(input): AppJson<ScoringSettings>,
) -> ApiResult<AppJson<ScoringSettings>> {
    scoring::check_weights(&input.weights).map_err(|m| ApiError::validation("weights", m))?;
    let mut weights = db::scoring::weights(tx.conn()).await?;
    weights.extend(input.weights);
    db::scoring::save_weights(tx.conn(), &weights).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("scoring.weights_changed").data(json!({ "weights": weights })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(ScoringSettings { weights }))
}

/// Recompute every contact's score. With enough won/lost history (20 contacts,
/// 5 of each) a logistic regression is trained first; without, scores are rule
/// scores only.
#[utoipa::path(post, path = "/api/v1/scoring/recompute", tag = "crm",
    security(("bearer" = [])),
    responses((status = 200, body = ScoringRun), ErrorResponses))]
async fn recompute_scores(mut tx: TenantTx) -> ApiResult<AppJson<ScoringRun>> {
    let run = db::scoring::recompute_all(tx.conn()).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("scoring.recomputed").data(serde_json::to_value(&run).unwrap_or_default()),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(run))
}

/// A contact's lead score now: the rule score and, with a trained model, the
/// probability of winning; each with its top contributing factors.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/score", tag = "crm",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, body = LeadScore), ErrorResponses))]
async fn contact_score(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<LeadScore>> {
    let s = db::scoring::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    Ok(AppJson(s))
}

/// Contacts ranked by their stored lead score (learned probability first when a
/// model exists, then the rule score). Scores are kept fresh by a job that follows
/// contact, activity and visit events; `POST /api/v1/scoring/recompute` forces it.
/// An offset past the end gives an empty page with the true `total_count`.
#[utoipa::path(get, path = "/api/v1/scoring/leads", tag = "crm",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<RankedLead>), ErrorResponses))]
async fn ranked_leads(
    mut tx: TenantTx,
    AppQuery(page): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<RankedLead>>> {
    tx.ctx.require(Permission::ContactRead)?;
    let paging = page.validate()?;
    let (items, total_count) = db::scoring::ranked(tx.conn(), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}
