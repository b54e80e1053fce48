//! Lead scoring data: each contact's features, the tenant's weights, learned
//! models and stored scores.

use std::collections::BTreeMap;

use chrono::Utc;
use shared_types::crm::{LeadScore, Outcome, ScoreFactor};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::enum_from_text;
use crate::domain::scoring::{default_weights, rule_score, Model};

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
         WHERE c.merged_into_id IS NULL AND ($1::uuid IS NULL OR c.id = $1)
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
