//! Lead scoring: the tenant's rule weights, recomputing (and training the learned
//! model on won/lost history), and one contact's score with its factors.

use serde_json::json;
use shared_types::crm::{LeadScore, Outcome, ScoringRun, ScoringSettings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::events::NewEvent;
use crate::domain::permissions::Permission;
use crate::domain::scoring::{self, Model};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath};
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
    let all = db::scoring::features(tx.conn(), None).await?;
    let weights = db::scoring::weights(tx.conn()).await?;
    let labelled: Vec<&db::scoring::ContactFeatures> =
        all.iter().filter(|f| f.outcome.is_some()).collect();
    let xs: Vec<Vec<f64>> = labelled.iter().map(|f| f.x.clone()).collect();
    let ys: Vec<bool> = labelled
        .iter()
        .map(|f| f.outcome == Some(Outcome::Won))
        .collect();
    let trained = Model::train(&xs, &ys);
    let rule_auc = {
        let s: Vec<f64> = xs
            .iter()
            .map(|x| scoring::rule_score(x, &weights).0)
            .collect();
        scoring::auc(&s, &ys)
    };
    let model_auc = trained.as_ref().and_then(|m| {
        let s: Vec<f64> = xs.iter().map(|x| m.predict(x).0).collect();
        scoring::auc(&s, &ys)
    });
    if let Some(m) = &trained {
        db::scoring::insert_model(tx.conn(), m, xs.len() as i32, model_auc, rule_auc).await?;
    }
    // A tenant whose history no longer suffices keeps no stale model in use.
    let model = match trained {
        Some(m) => Some(m),
        None if xs.len() >= scoring::MIN_EXAMPLES => db::scoring::latest_model(tx.conn()).await?,
        None => None,
    };
    let scores: Vec<LeadScore> = all
        .iter()
        .map(|f| db::scoring::score(f, &weights, model.as_ref()))
        .collect();
    db::scoring::store(tx.conn(), &scores).await?;
    let run = ScoringRun {
        contacts_scored: scores.len() as i64,
        training_examples: xs.len() as i64,
        model_trained: model.is_some(),
        model_auc,
        rule_auc,
    };
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
