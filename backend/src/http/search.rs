//! `GET /api/v1/search`: one search box over contacts, companies, activity notes
//! and products, ranked, typo-tolerant and prefix-matching for type-ahead.

use axum::http::StatusCode;
use serde::Deserialize;
use shared_types::api::ErrorCode;
use shared_types::crm::SearchResults;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(guarded(Permission::ContactRead, routes!(search)))
}

/// `?q=&limit=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What was typed so far; every word matches as a prefix.
    pub q: String,
    /// 1–50, default 10.
    pub limit: Option<i64>,
}

/// The words of a query as a prefix `tsquery` (`acme:* & hard:*`). Words keep only
/// letters and digits, so nothing the user types is tsquery syntax.
pub fn prefix_tsquery(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| {
            let w: String = w.chars().take(50).collect::<String>().to_lowercase();
            format!("{w}:*")
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

/// Search contacts, companies, activity notes and (with product access) products.
#[utoipa::path(get, path = "/api/v1/search", tag = "crm",
    security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = SearchResults), ErrorResponses))]
async fn search(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<SearchParams>,
) -> ApiResult<AppJson<SearchResults>> {
    let limit = p.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            "`limit` must be between 1 and 50.",
        ));
    }
    let text: String = p.q.trim().chars().take(200).collect();
    let Some(tsquery) = prefix_tsquery(&text) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            "`q` needs at least one letter or digit.",
        ));
    };
    let products = tx.ctx.can(Permission::ProductRead);
    let hits = db::crm_search::search(tx.conn(), &tsquery, &text, limit, products).await?;
    Ok(AppJson(SearchResults { query: text, hits }))
}

#[cfg(test)]
mod tests {
    use super::prefix_tsquery;

    #[test]
    fn query_words_become_prefix_terms_without_syntax() {
        assert_eq!(prefix_tsquery("Acme hard").unwrap(), "acme:* & hard:*");
        assert_eq!(
            prefix_tsquery("o'brien & !x | (y)").unwrap(),
            "o:* & brien:* & x:* & y:*"
        );
        assert_eq!(prefix_tsquery("müller").unwrap(), "müller:*");
        assert!(prefix_tsquery(" !&| ").is_none());
    }
}
