//! Lead scoring: transparent rule scores with their factors and tenant weights;
//! no history → rule scores only; with a generated won/lost history whose signal
//! is known, the learned model ranks held-out contacts better (AUC) than the
//! rule score does.

use elevate_tests::{Resp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {} {}", r.status, r.text))
        .to_owned()
}

fn factors(v: &Value) -> Vec<(String, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["factor"].as_str().unwrap().to_owned(),
                f["contribution"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn without_history_scores_are_rule_scores_with_factors_and_follow_the_weights() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-score-rules").await;
    let tok = t.token.as_str();
    let r = app
        .post(
            "/api/v1/contacts",
            Some(tok),
            &json!({"kind": "person", "first_name": "Ann", "last_name": "Lee", "job_title": "Head of Purchasing",
                    "emails": [{"address": "ann@example.com"}], "lifecycle_stage": "qualified"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ann = id(&r);
    for i in 0..2 {
        let r = app
            .post(
                "/api/v1/activities",
                Some(tok),
                &json!({"kind": "visit", "contact_id": ann, "subject": format!("Visit {i}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .post("/api/v1/scoring/recompute", Some(tok), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["model_trained"], false);
    assert_eq!(r.body["contacts_scored"], 1);
    assert_eq!(r.body["training_examples"], 0);

    let r = app
        .get(&format!("/api/v1/contacts/{ann}/score"), Some(tok))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["model_probability"], Value::Null);
    assert_eq!(r.body["model_factors"], json!([]));
    // Defaults: email 10 + decision maker 15 + qualified 10 + 2 visits × 5 + 2
    // activities in 30 days × 3 − ~0 days since the last one.
    let score = r.body["rule_score"].as_f64().unwrap();
    assert!((score - 51.0).abs() < 0.01, "{}", r.text);
    let f = factors(&r.body["rule_factors"]);
    assert_eq!(f[0], ("decision_maker".to_owned(), 15.0));
    assert!(f.len() <= 5 && f.iter().any(|(n, _)| n == "visits_90d"));

    let r = app
        .call(
            Method::PUT,
            "/api/v1/scoring/settings",
            Some(tok),
            Some(&json!({"weights": {"has_email": 40, "decision_maker": 0}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["weights"]["visits_90d"], 5.0);
    let r = app
        .get(&format!("/api/v1/contacts/{ann}/score"), Some(tok))
        .await;
    let f = factors(&r.body["rule_factors"]);
    assert_eq!(f[0], ("has_email".to_owned(), 40.0));
    assert!(f.iter().all(|(n, _)| n != "decision_maker"));
    let r = app
        .call(
            Method::PUT,
            "/api/v1/scoring/settings",
            Some(tok),
            Some(&json!({"weights": {"shoe_size": 3}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // The 360° view carries the score.
    let r = app
        .get(&format!("/api/v1/contacts/{ann}/360"), Some(tok))
        .await;
    assert_eq!(r.body["score"]["rule_factors"][0]["factor"], "has_email");
}

/// Deterministic pseudo-random numbers in [0, 1).
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    // Pairwise: P(score of a positive > score of a negative), ties half.
    let mut wins = 0.0;
    let mut pairs = 0.0;
    for (i, si) in scores.iter().enumerate() {
        if !labels[i] {
            continue;
        }
        for (j, sj) in scores.iter().enumerate() {
            if labels[j] {
                continue;
            }
            pairs += 1.0;
            if si > sj {
                wins += 1.0;
            } else if si == sj {
                wins += 0.5;
            }
        }
    }
    wins / pairs
}

#[tokio::test]
async fn the_learned_model_beats_the_rule_score_on_a_history_with_a_known_signal() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-score-model").await;
    let tok = t.token.as_str();
    let tenant = t.tenant_id;

    // The signal: won when many e-mails were exchanged in the last three months.
    // The default rules weigh profile fields (e-mail address, job title) heavily,
    // which here are pure noise, and e-mails only lightly.
    let mut rng = Rng(0x5eed_2026_1125);
    let n_train = 400;
    let n_test = 200;
    let mut held_out: Vec<(Uuid, bool)> = Vec::new();
    let owner = &app.db.owner;
    for i in 0..(n_train + n_test) {
        let id = Uuid::now_v7();
        let mails = (rng.unit() * 7.0).floor() as i64;
        let has_email = rng.unit() < 0.5;
        let decision_maker = rng.unit() < 0.5;
        let p_win = 1.0 / (1.0 + (-(1.3 * (mails as f64 - 3.0))).exp());
        let won = rng.unit() < p_win;
        let train = i < n_train;
        sqlx::query(
            "INSERT INTO contacts (id, tenant_id, kind, display_name, last_name, job_title, outcome, outcome_at)
             VALUES ($1, $2, 'person', $3, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END)",
        )
        .bind(id)
        .bind(tenant)
        .bind(format!("Lead {i}"))
        .bind(if decision_maker { "Purchasing Manager" } else { "Assistant" })
        .bind(train.then_some(if won { "won" } else { "lost" }))
        .execute(owner)
        .await
        .unwrap();
        if has_email {
            sqlx::query(
                "INSERT INTO contact_channels (id, tenant_id, contact_id, kind, value, normalized, is_primary)
                 VALUES ($1, $2, $3, 'email', $4, $4, true)",
            )
            .bind(Uuid::now_v7())
            .bind(tenant)
            .bind(id)
            .bind(format!("lead{i}@example.com"))
            .execute(owner)
            .await
            .unwrap();
        }
        for k in 0..mails {
            sqlx::query(
                "INSERT INTO activities (id, tenant_id, kind, contact_id, subject, occurred_at)
                 VALUES ($1, $2, 'email', $3, 'E-mail', now() - make_interval(days => $4::int))",
            )
            .bind(Uuid::now_v7())
            .bind(tenant)
            .bind(id)
            .bind((35 + 7 * k) as i32)
            .execute(owner)
            .await
            .unwrap();
        }
        if !train {
            held_out.push((id, won));
        }
    }

    let r = app
        .post("/api/v1/scoring/recompute", Some(tok), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["model_trained"], true, "{}", r.text);
    assert_eq!(r.body["training_examples"], n_train);
    assert_eq!(r.body["contacts_scored"], n_train + n_test);

    let mut rule = Vec::new();
    let mut model = Vec::new();
    let mut labels = Vec::new();
    let mut top_factor_mails = 0;
    for (id, won) in &held_out {
        let r = app
            .get(&format!("/api/v1/contacts/{id}/score"), Some(tok))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        rule.push(r.body["rule_score"].as_f64().unwrap());
        model.push(
            r.body["model_probability"]
                .as_f64()
                .unwrap_or_else(|| panic!("no model probability: {}", r.text)),
        );
        let mf = factors(&r.body["model_factors"]);
        assert!(!mf.is_empty() && mf.len() <= 5, "{}", r.text);
        if mf[0].0 == "emails_90d" {
            top_factor_mails += 1;
        }
        labels.push(*won);
    }
    let (rule_auc, model_auc) = (auc(&rule, &labels), auc(&model, &labels));
    println!("held-out AUC: rule {rule_auc:.3}, model {model_auc:.3}");
    assert!(
        model_auc > rule_auc + 0.05,
        "model AUC {model_auc:.3} should beat rule AUC {rule_auc:.3}"
    );
    assert!(model_auc > 0.75, "model AUC {model_auc:.3}");
    assert!(
        top_factor_mails > n_test / 2,
        "the known signal should be the top factor for most contacts ({top_factor_mails})"
    );
}

/// Waits until the ranked leads list satisfies `ok` (the scoring job runs in the
/// outbox worker, shortly after the events that call for it).
async fn leads_until(app: &TestApp, tok: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = app.get("/api/v1/scoring/leads?limit=10", Some(tok)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if ok(&r.body) {
            return r.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never happened: {}",
            r.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Scores follow events without anyone pressing "recompute": new contacts are
/// scored, visits lift a contact to the top of the ranked list, new weights
/// rescore everyone, and a merged-away contact leaves the list.
#[tokio::test]
async fn a_job_keeps_stored_scores_fresh_as_contacts_and_visits_change() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-score-job").await;
    let tok = t.token.as_str();
    let _worker = app.start_worker();
    let mut ids = Vec::new();
    for (first, email) in [
        ("Ada", "ada@job.example"),
        ("Bo", "bo@job.example"),
        ("Cy", "cy@job.example"),
    ] {
        let r = app
            .post(
                "/api/v1/contacts",
                Some(tok),
                &json!({"kind": "person", "first_name": first, "last_name": "Job",
                        "emails": [{"address": email}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(id(&r));
    }
    let (ada, bo, cy) = (&ids[0], &ids[1], &ids[2]);
    let body = leads_until(&app, tok, "all three scored", |b| b["total_count"] == 3).await;
    let first_scores: Vec<f64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule_score"].as_f64().unwrap())
        .collect();
    assert!(
        first_scores.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-9),
        "equal profiles, equal scores: {body}"
    );

    // Two visits to Bo: Bo rises to the top with visits among the factors.
    for i in 0..2 {
        let r = app
            .post(
                "/api/v1/activities",
                Some(tok),
                &json!({"kind": "visit", "contact_id": bo, "subject": format!("Visit {i}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let body = leads_until(&app, tok, "Bo ranked first", |b| {
        b["items"][0]["contact_id"] == bo.as_str()
            && b["items"][0]["rule_factors"].as_array().is_some_and(|f| {
                f.iter()
                    .any(|f| f["factor"] == "visits_90d" && f["value"] == 2.0)
            })
    })
    .await;
    let bo_score = body["items"][0]["rule_score"].as_f64().unwrap();
    let ada_score = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["contact_id"] == ada.as_str())
        .unwrap()["rule_score"]
        .as_f64()
        .unwrap();
    assert!(bo_score > ada_score, "{body}");
    // The stored score is the live one.
    let live = app
        .get(&format!("/api/v1/contacts/{bo}/score"), Some(tok))
        .await;
    assert!((live.body["rule_score"].as_f64().unwrap() - bo_score).abs() < 0.01);

    // Visits weigh nothing now: everyone is rescored, Bo's lead shrinks to the
    // recency and activity points.
    let r = app
        .call(
            Method::PUT,
            "/api/v1/scoring/settings",
            Some(tok),
            Some(&json!({"weights": {"visits_90d": 0.0}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    leads_until(&app, tok, "rescored with the new weights", |b| {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["contact_id"] == bo.as_str())
            .is_some_and(|i| i["rule_score"].as_f64().unwrap() < bo_score - 1.0)
    })
    .await;

    // Cy (the same person as Bo) is merged into Bo: Cy leaves the ranking.
    let r = app
        .post(
            &format!("/api/v1/contacts/{bo}/merge"),
            Some(tok),
            &json!({"duplicate_id": cy}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    leads_until(&app, tok, "the merged contact removed", |b| {
        b["total_count"] == 2
            && b["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["contact_id"] != cy.as_str())
    })
    .await;

    // Every scoring delivery gets done (none dead), and the merged-away contact's
    // stored score is gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (pending, dead): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE o.status = 'pending'), count(*) FILTER (WHERE o.status = 'dead')
               FROM outbox o JOIN outbox_destinations d ON d.id = o.destination_id
              WHERE d.kind = 'scoring' AND o.tenant_id = $1",
        )
        .bind(t.tenant_id)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        assert_eq!(dead, 0);
        if pending == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{pending} scoring deliveries stuck"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stale: i64 = sqlx::query_scalar("SELECT count(*) FROM lead_scores WHERE contact_id = $1")
        .bind(Uuid::parse_str(cy).unwrap())
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(stale, 0, "the merged contact kept a stored score");
}
