//! Lead scoring data: each contact's features, the tenant's weights, learned
//! models and stored scores.

use std::collections::BTreeMap;

use chrono::Utc;
use shared_types::crm::{LeadScore, Outcome, RankedLead, ScoreFactor, ScoringRun};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::enum_from_text;
use crate::domain::scoring::{self, default_weights, rule_score, Model};

/// One contact's features (in [`crate::domain::scoring::FEATURES`] order) and its outcome, if any.
pub struct ContactFeatures {
    pub id: Uuid,
    pub outcome: Option<Outcome>,
    pub x: Vec<f64>,
}

#[derive(sqlx::FromRow)]
struct FeatureRow {
    id: Uuid,
    outcome: Option<String>,
    has_email: f64,
    has_phone: f64,
    has_address: f64,
    has_company: f64,
    decision_maker: f64,
    stage_qualified: f64,
    consent_email_marketing: f64,
    activities_30d: f64,
    visits_90d: f64,
    calls_90d: f64,
    emails_90d: f64,
    open_tasks: f64,
    days_since_last_activity: f64,
}

/// Features of live (not merged) contacts, or of one contact.
pub async fn features(
    conn: &mut PgConnection,
    only: Option<Uuid>,
) -> Result<Vec<ContactFeatures>, sqlx::Error> {
    features_in(conn, only.map(|id| vec![id]).as_deref()).await
}

/// Features of all live contacts (`None`) or of those listed.
pub async fn features_in(
    conn: &mut PgConnection,
    only: Option<&[Uuid]>,
) -> Result<Vec<ContactFeatures>, sqlx::Error> {
    let rows: Vec<FeatureRow> = sqlx::query_as(
        r"SELECT c.id, c.outcome,
            (EXISTS (SELECT 1 FROM contact_channels e WHERE e.contact_id = c.id AND e.kind = 'email'))::int::float8 AS has_email,
            (EXISTS (SELECT 1 FROM contact_channels e WHERE e.contact_id = c.id AND e.kind = 'phone'))::int::float8 AS has_phone,
            (jsonb_array_length(c.addresses) > 0)::int::float8 AS has_address,
            (c.kind = 'organization' OR c.organization_id IS NOT NULL)::int::float8 AS has_company,
            (COALESCE(c.job_title, '') ~* '(director|owner|ceo|chief|head|manager|buyer|purchas|founder)')::int::float8 AS decision_maker,
            (c.lifecycle_stage IN ('qualified', 'opportunity'))::int::float8 AS stage_qualified,
            (COALESCE(c.consents -> 'email_marketing' ->> 'granted', 'false') = 'true')::int::float8 AS consent_email_marketing,
            LEAST(count(a.id) FILTER (WHERE a.occurred_at >= now() - interval '30 days'), 10)::float8 AS activities_30d,
            LEAST(count(a.id) FILTER (WHERE a.kind = 'visit' AND a.occurred_at >= now() - interval '90 days'), 10)::float8 AS visits_90d,
            LEAST(count(a.id) FILTER (WHERE a.kind = 'call' AND a.occurred_at >= now() - interval '90 days'), 10)::float8 AS calls_90d,
            LEAST(count(a.id) FILTER (WHERE a.kind = 'email' AND a.occurred_at >= now() - interval '90 days'), 10)::float8 AS emails_90d,
            LEAST(count(a.id) FILTER (WHERE a.kind = 'task' AND a.completed_at IS NULL), 10)::float8 AS open_tasks,
            LEAST(COALESCE(EXTRACT(epoch FROM now() - max(a.occurred_at)) / 86400.0, 180), 180)::float8 AS days_since_last_activity
          FROM contacts c LEFT JOIN activities a ON a.contact_id = c.id
         WHERE c.merged_into_id IS NULL AND ($1::uuid[] IS NULL OR c.id = ANY($1))
         GROUP BY c.id
         ORDER BY c.id",
    )
    .bind(only)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let days = r.days_since_last_activity.max(0.0);
            Ok(ContactFeatures {
                id: r.id,
                outcome: r.outcome.as_deref().map(enum_from_text).transpose()?,
                x: vec![
                    r.has_email,
                    r.has_phone,
                    r.has_address,
                    r.has_company,
                    r.decision_maker,
                    r.stage_qualified,
                    r.consent_email_marketing,
                    r.activities_30d,
                    r.visits_90d,
                    r.calls_90d,
                    r.emails_90d,
                    r.open_tasks,
                    days,
                ],
            })
        })
        .collect()
}

/// The tenant's weights (defaults where unset).
pub async fn weights(conn: &mut PgConnection) -> Result<BTreeMap<String, f64>, sqlx::Error> {
    let stored: Option<Json<BTreeMap<String, f64>>> =
        sqlx::query_scalar("SELECT weights FROM lead_scoring_settings")
            .fetch_optional(conn)
            .await?;
    let mut w = default_weights();
    if let Some(s) = stored {
        w.extend(s.0);
    }
    Ok(w)
}

pub async fn save_weights(
    conn: &mut PgConnection,
    w: &BTreeMap<String, f64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lead_scoring_settings (weights) VALUES ($1)
         ON CONFLICT (tenant_id) DO UPDATE SET weights = EXCLUDED.weights, updated_at = now()",
    )
    .bind(Json(w))
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest model, if one was ever trained.
pub async fn latest_model(conn: &mut PgConnection) -> Result<Option<Model>, sqlx::Error> {
    let m: Option<Json<Model>> = sqlx::query_scalar(
        "SELECT model FROM lead_score_models ORDER BY trained_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(m.map(|m| m.0))
}

pub async fn insert_model(
    conn: &mut PgConnection,
    m: &Model,
    examples: i32,
    auc: Option<f64>,
    rule_auc: Option<f64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lead_score_models (id, model, training_examples, auc, rule_auc)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(Json(m))
    .bind(examples)
    .bind(auc)
    .bind(rule_auc)
    .execute(conn)
    .await?;
    Ok(())
}

/// Scores one contact from its features, the weights and the model.
pub fn score(
    f: &ContactFeatures,
    weights: &BTreeMap<String, f64>,
    model: Option<&Model>,
) -> LeadScore {
    let (rule, rule_factors) = rule_score(&f.x, weights);
    let (model_probability, model_factors) = match model {
        Some(m) => {
            let (p, fs) = m.predict(&f.x);
            (Some(p), fs)
        }
        None => (None, Vec::new()),
    };
    LeadScore {
        contact_id: f.id,
        rule_score: rule,
        rule_factors,
        model_probability,
        model_factors,
        computed_at: Utc::now(),
    }
}

/// Stores scores (replacing earlier ones).
pub async fn store(conn: &mut PgConnection, scores: &[LeadScore]) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = scores.iter().map(|s| s.contact_id).collect();
    let rules: Vec<f64> = scores.iter().map(|s| s.rule_score).collect();
    let rule_f: Vec<Json<&Vec<ScoreFactor>>> =
        scores.iter().map(|s| Json(&s.rule_factors)).collect();
    let probs: Vec<Option<f64>> = scores.iter().map(|s| s.model_probability).collect();
    let model_f: Vec<Json<&Vec<ScoreFactor>>> =
        scores.iter().map(|s| Json(&s.model_factors)).collect();
    sqlx::query(
        "INSERT INTO lead_scores (contact_id, rule_score, rule_factors, model_probability, model_factors)
         SELECT * FROM unnest($1::uuid[], $2::float8[], $3::jsonb[], $4::float8[], $5::jsonb[])
         ON CONFLICT (contact_id) DO UPDATE SET rule_score = EXCLUDED.rule_score,
             rule_factors = EXCLUDED.rule_factors, model_probability = EXCLUDED.model_probability,
             model_factors = EXCLUDED.model_factors, computed_at = now()",
    )
    .bind(&ids)
    .bind(&rules)
    .bind(&rule_f)
    .bind(&probs)
    .bind(&model_f)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live score of one contact (rule score now, with the newest model).
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<LeadScore>, sqlx::Error> {
    let f = features(conn, Some(id)).await?.pop();
    let Some(f) = f else { return Ok(None) };
    let w = weights(conn).await?;
    let m = latest_model(conn).await?;
    Ok(Some(score(&f, &w, m.as_ref())))
}

/// Recomputes every live contact's score: trains the learned model first when the
/// won/lost history suffices (keeping the newest earlier model while it still
/// does), then scores everyone and stores the scores.
pub async fn recompute_all(conn: &mut PgConnection) -> Result<ScoringRun, sqlx::Error> {
    let all = features(&mut *conn, None).await?;
    let weights = weights(&mut *conn).await?;
    let labelled: Vec<&ContactFeatures> = all.iter().filter(|f| f.outcome.is_some()).collect();
    let xs: Vec<Vec<f64>> = labelled.iter().map(|f| f.x.clone()).collect();
    let ys: Vec<bool> = labelled
        .iter()
        .map(|f| f.outcome == Some(Outcome::Won))
        .collect();
    let trained = Model::train(&xs, &ys);
    let rule_auc = {
        let s: Vec<f64> = xs.iter().map(|x| rule_score(x, &weights).0).collect();
        scoring::auc(&s, &ys)
    };
    let model_auc = trained.as_ref().and_then(|m| {
        let s: Vec<f64> = xs.iter().map(|x| m.predict(x).0).collect();
        scoring::auc(&s, &ys)
    });
    if let Some(m) = &trained {
        insert_model(&mut *conn, m, xs.len() as i32, model_auc, rule_auc).await?;
    }
    // A tenant whose history no longer suffices keeps no stale model in use.
    let model = match trained {
        Some(m) => Some(m),
        None if xs.len() >= scoring::MIN_EXAMPLES => latest_model(&mut *conn).await?,
        None => None,
    };
    let scores: Vec<LeadScore> = all
        .iter()
        .map(|f| score(f, &weights, model.as_ref()))
        .collect();
    store(&mut *conn, &scores).await?;
    // Contacts merged away keep no score.
    sqlx::query(
        "DELETE FROM lead_scores s USING contacts c
          WHERE c.id = s.contact_id AND c.merged_into_id IS NOT NULL",
    )
    .execute(&mut *conn)
    .await?;
    Ok(ScoringRun {
        contacts_scored: scores.len() as i64,
        training_examples: xs.len() as i64,
        model_trained: model.is_some(),
        model_auc,
        rule_auc,
    })
}

/// Rescores the listed contacts with the current weights and newest model (no
/// training); merged or deleted contacts are skipped. Returns how many were scored.
pub async fn rescore(conn: &mut PgConnection, ids: &[Uuid]) -> Result<usize, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let fs = features_in(&mut *conn, Some(ids)).await?;
    let weights = weights(&mut *conn).await?;
    let labelled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM contacts WHERE merged_into_id IS NULL AND outcome IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    let model = if labelled as usize >= scoring::MIN_EXAMPLES {
        latest_model(&mut *conn).await?
    } else {
        None
    };
    let scores: Vec<LeadScore> = fs
        .iter()
        .map(|f| score(f, &weights, model.as_ref()))
        .collect();
    store(conn, &scores).await?;
    Ok(scores.len())
}

#[derive(sqlx::FromRow)]
struct RankedRow {
    contact_id: Uuid,
    display_name: String,
    rule_score: f64,
    model_probability: Option<f64>,
    rule_factors: Json<Vec<ScoreFactor>>,
    computed_at: chrono::DateTime<Utc>,
    total_count: i64,
}

/// Stored scores of live contacts, best first (learned probability when there is
/// one, then the rule score), with the total.
pub async fn ranked(
    conn: &mut PgConnection,
    paging: crate::http::extract::Paging,
) -> Result<(Vec<RankedLead>, i64), sqlx::Error> {
    let rows: Vec<RankedRow> = sqlx::query_as(
        "SELECT s.contact_id, c.display_name, s.rule_score, s.model_probability,
                s.rule_factors, s.computed_at, count(*) OVER () AS total_count
           FROM lead_scores s JOIN contacts c ON c.id = s.contact_id
          WHERE c.merged_into_id IS NULL
          ORDER BY s.model_probability DESC NULLS LAST, s.rule_score DESC, s.contact_id
          LIMIT $1 OFFSET $2",
    )
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.total_count);
    Ok((
        rows.into_iter()
            .map(|r| RankedLead {
                contact_id: r.contact_id,
                display_name: r.display_name,
                rule_score: r.rule_score,
                model_probability: r.model_probability,
                rule_factors: r.rule_factors.0,
                computed_at: r.computed_at,
            })
            .collect(),
        total,
    ))
}
