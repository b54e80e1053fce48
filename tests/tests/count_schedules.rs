//! Cycle-count schedules run by the worker job (ABC classes by value, a count
//! frequency per class, sessions assigned to counters, events), and tasks: count
//! sessions and pick lists assigned to users reach only those users' pulls.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use elevate_backend::worker::schedules::run_due;
use elevate_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn costed(app: &TestApp, token: &str, sku: &str, cost: &str) -> String {
    let r = app
        .post(
            "/api/v1/products",
            Some(token),
            &json!({"sku": sku, "name": sku, "cost": cost}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

async fn schedule(app: &TestApp, f: &Fixture, id: &str) -> Value {
    let r = app
        .get("/api/v1/count-schedules?limit=100", Some(&f.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no schedule {id}: {}", r.text))
        .clone()
}

async fn session(app: &TestApp, f: &Fixture, id: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/counts/{id}"), Some(&f.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["session"].clone()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

/// Every change of a full pull (all pages).
async fn pull_all(app: &TestApp, token: &str, since: Option<&str>) -> (Vec<Value>, String) {
    let mut cursor = since.map(str::to_owned);
    let mut out = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync/pull?since={c}&limit=500"),
            None => "/api/v1/sync/pull?limit=500".to_owned(),
        };
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        out.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            return (out, cursor.unwrap());
        }
    }
}

fn tasks(changes: &[Value]) -> Vec<&Value> {
    changes.iter().filter(|c| c["entity"] == "task").collect()
}

#[tokio::test]
async fn a_schedule_opens_cycle_counts_of_the_due_classes_assigns_them_and_raises_events() {
    let app = TestApp::spawn().await.unwrap();
    let slug = "count-schedule";
    let f = setup(&app, slug).await;
    let t = &f.token;
    let big = costed(&app, t, "BIG", "100").await;
    let small = costed(&app, t, "SMALL", "1").await;
    for (p, bin) in [(&big, &f.bin_a), (&small, &f.bin_b)] {
        mv(
            &app,
            t,
            json!({"product_id": p, "qty": "10", "from_location_id": f.supplier, "to_location_id": bin}),
        )
        .await;
    }
    let (counter, counter_token) = add_user(&app, &f.token, slug, "counter", &["warehouse"]).await;
    // Whole seconds, as the database keeps them.
    let first = DateTime::from_timestamp(Utc::now().timestamp() + 86_400, 0).unwrap();
    let r = app
        .post(
            "/api/v1/count-schedules",
            Some(t),
            &json!({"name": "Weekly WH1", "warehouse_id": f.wh1, "every_days": 7,
                    "first_run_at": first,
                    "policy": {"basis": "value", "a_share_pct": "80", "b_share_pct": "95",
                               "a_every_days": 7, "c_every_days": 60},
                    "assignee_ids": [counter]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sched = id(&r);
    assert_eq!(r.body["runs"], 0);

    // Nothing is due before the first run.
    assert_eq!(
        run_due(&app.state.db, first - Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(events(&app, f.tenant_id, "count.scheduled").await, 0);

    // The first run: both products never counted, so both are due.
    assert_eq!(run_due(&app.state.db, first).await.unwrap(), 1);
    let s = schedule(&app, &f, &sched).await;
    assert_eq!(s["runs"], 1);
    assert_eq!(time(&s["next_run_at"]), first + Duration::days(7));
    let s1 = s["last_session_id"].as_str().unwrap().to_owned();
    let one = session(&app, &f, &s1).await;
    assert_eq!(one["kind"], "cycle");
    assert_eq!(one["warehouse_id"], f.wh1.as_str());
    let mut products: Vec<&str> = one["product_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    products.sort();
    let mut both = vec![big.as_str(), small.as_str()];
    both.sort();
    assert_eq!(products, both);
    let class = |sess: &Value, p: &str| {
        sess["abc"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["product_id"] == p)
            .unwrap()["class"]
            .clone()
    };
    assert_eq!(class(&one, &big), "A");
    assert_eq!(class(&one, &small), "C");
    assert_eq!(events(&app, f.tenant_id, "count.scheduled").await, 1);
    assert_eq!(events(&app, f.tenant_id, "count.opened").await, 1);
    assert_eq!(events(&app, f.tenant_id, "task.assigned").await, 1);
    // Served: the same moment runs nothing again.
    assert_eq!(run_due(&app.state.db, first).await.unwrap(), 0);

    // The session is the counter's task, on their phone and not on the admin's.
    let (changes, _) = pull_all(&app, &counter_token, None).await;
    let mine = tasks(&changes);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["data"]["subject_id"], s1.as_str());
    assert_eq!(mine[0]["data"]["kind"], "count_session");
    let (admin_changes, _) = pull_all(&app, t, None).await;
    assert!(tasks(&admin_changes).is_empty());

    // Counted and approved now: at the next run (a week on) the A product is due
    // again (every 7 days), the C product not (every 60 days).
    let seq = app.get("/api/v1/sync/pull?limit=1", Some(t)).await.body["ledger_seq"]
        .as_i64()
        .unwrap();
    for (p, bin) in [(&big, &f.bin_a), (&small, &f.bin_b)] {
        let r = app
            .post(
                &format!("/api/v1/counts/{s1}/lines"),
                Some(&counter_token),
                &json!({"location_id": bin, "product_id": p, "counted_qty": "10",
                        "based_on_server_seq": seq}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .post(&format!("/api/v1/counts/{s1}/approve"), Some(t), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["posted"].as_array().unwrap().len(), 2, "{}", r.text);

    let second = first + Duration::days(7);
    assert_eq!(run_due(&app.state.db, second).await.unwrap(), 1);
    let s = schedule(&app, &f, &sched).await;
    assert_eq!(s["runs"], 2);
    let s2 = s["last_session_id"].as_str().unwrap().to_owned();
    assert_ne!(s2, s1);
    assert_eq!(session(&app, &f, &s2).await["product_ids"], json!([big]));

    // A manual run now: everything was just counted, so no session is opened,
    // but the run is recorded and raised.
    let r = app
        .post(
            &format!("/api/v1/count-schedules/{sched}/run"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["session_id"], Value::Null);
    assert_eq!(r.body["products"], 0);
    assert_eq!(events(&app, f.tenant_id, "count.scheduled").await, 3);
    assert_eq!(events(&app, f.tenant_id, "count.opened").await, 2);

    // Paused: the worker skips it however late it is.
    let r = app
        .post(
            &format!("/api/v1/count-schedules/{sched}/pause"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["active"], false, "{}", r.text);
    assert_eq!(
        run_due(&app.state.db, first + Duration::days(400))
            .await
            .unwrap(),
        0
    );

    // Counters cannot manage schedules.
    let r = app
        .post(
            &format!("/api/v1/count-schedules/{sched}/resume"),
            Some(&counter_token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

#[tokio::test]
async fn assigned_tasks_reach_only_their_users_and_unassigning_leaves_a_tombstone() {
    let app = TestApp::spawn().await.unwrap();
    let slug = "tasks";
    let f = setup(&app, slug).await;
    let t = &f.token;
    let p = costed(&app, t, "P-1", "5").await;
    mv(
        &app,
        t,
        json!({"product_id": p, "qty": "10", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    let (ann, ann_token) = add_user(&app, &f.token, slug, "ann", &["warehouse"]).await;
    let (_bob, bob_token) = add_user(&app, &f.token, slug, "bob", &["warehouse"]).await;
    let (_, ann_start) = pull_all(&app, &ann_token, None).await;
    let (_, bob_start) = pull_all(&app, &bob_token, None).await;

    let r = app
        .post(
            "/api/v1/counts",
            Some(t),
            &json!({"kind": "spot", "warehouse_id": f.wh1, "location_ids": [f.bin_a]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let count = id(&r);
    let r = app
        .post(
            "/api/v1/pick-lists",
            Some(t),
            &json!({"warehouse_id": f.wh1, "output_location_id": f.bin_b,
                    "lines": [{"order_ref": "SO-1/1", "product_id": p, "qty": "3"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pick = id(&r);

    // Only active users of the tenant can be assigned.
    let other = app.sign_up("tasks-other").await;
    let r = app
        .post(
            &format!("/api/v1/counts/{count}/assignees"),
            Some(t),
            &json!({"user_ids": [other.admin_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_code(), "validation_failed");

    let r = app
        .post(
            &format!("/api/v1/counts/{count}/assignees"),
            Some(t),
            &json!({"user_ids": [ann], "note": "before lunch"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let count_task = r.body[0]["id"].as_str().unwrap().to_owned();
    // Assigning again keeps the one task.
    let r = app
        .post(
            &format!("/api/v1/counts/{count}/assignees"),
            Some(t),
            &json!({"user_ids": [ann, ann]}),
        )
        .await;
    assert_eq!(r.body[0]["id"], count_task.as_str(), "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/pick-lists/{pick}/assignees"),
            Some(t),
            &json!({"user_ids": [ann]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body[0]["kind"], "pick_list");
    assert_eq!(r.body[0]["warehouse_id"], f.wh1.as_str());

    let (changes, ann_cursor) = pull_all(&app, &ann_token, Some(&ann_start)).await;
    let mut subjects: Vec<String> = tasks(&changes)
        .iter()
        .map(|c| c["data"]["subject_id"].as_str().unwrap().to_owned())
        .collect();
    subjects.sort();
    let mut want = vec![count.clone(), pick.clone()];
    want.sort();
    assert_eq!(subjects, want);
    let (changes, _) = pull_all(&app, &bob_token, Some(&bob_start)).await;
    assert!(tasks(&changes).is_empty(), "{changes:?}");
    // Tasks of another warehouse are left out of a warehouse-scoped pull.
    let r = app
        .get(
            &format!("/api/v1/sync/pull?limit=500&warehouse_id={}", f.wh2),
            Some(&ann_token),
        )
        .await;
    assert!(
        tasks(r.body["changes"].as_array().unwrap()).is_empty(),
        "{}",
        r.text
    );
    let mine = app.get("/api/v1/tasks", Some(&ann_token)).await;
    assert_eq!(mine.body["total_count"], 2, "{}", mine.text);

    // Unassigned: the phone is told to drop it.
    let r = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/counts/{count}/assignees/{ann}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let (changes, _) = pull_all(&app, &ann_token, Some(&ann_cursor)).await;
    assert!(
        changes.iter().any(|c| c["entity"] == "task"
            && c["id"] == count_task.as_str()
            && c["deleted"] == true),
        "{changes:?}"
    );
    let mine = app.get("/api/v1/tasks", Some(&ann_token)).await;
    assert_eq!(mine.body["total_count"], 1, "{}", mine.text);
    let r = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/counts/{count}/assignees/{ann}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(events(&app, f.tenant_id, "task.assigned").await, 3);
    assert_eq!(events(&app, f.tenant_id, "task.unassigned").await, 1);
}
