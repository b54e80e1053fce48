//! Segments: saved rule sets with counts, members and CSV export; and a property
//! test that random rule trees select, through the compiled SQL, exactly the
//! contacts a brute-force Rust evaluator selects over the same data.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use elevate_backend::domain::segments::{matches, ContactFacts};
use elevate_tests::{Resp, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared_types::crm::SegmentRule;
use uuid::Uuid;

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {} {}", r.status, r.text))
        .to_owned()
}

/// A small deterministic generator for the contact set.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len() as u64) as usize]
    }
}

const STAGES: &[&str] = &["lead", "qualified", "customer", "churned"];
const FIRST: &[&str] = &["Ann", "Bob", "Cara", "Dan", "Eve", "Olaf"];
const LAST: &[&str] = &["Lee", "Stone", "Oakley", "Acme", "Nguyen"];
const ORGS: &[&str] = &["Acme Ltd", "Bolt & Co", "Northwind", "Oak Shop"];
const TITLES: &[&str] = &["Buyer", "Head of Sales", "Clerk", "CEO"];
const TAGS: &[&str] = &["vip", "b2b", "retail", "north", "south"];
const DOMAINS: &[&str] = &["example.com", "shop.example", "mail.example"];
const TIERS: &[&str] = &["gold", "silver", "bronze"];
const CERTS: &[&str] = &["iso9001", "fsc", "ce"];
const DAYS_AGO: &[i64] = &[0, 3, 10, 40, 100];

struct World {
    app: TestApp,
    token: String,
    facts: Vec<ContactFacts>,
    owners: Vec<String>,
    orgs: Vec<String>,
}

async fn build_world() -> World {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-segments").await;
    let tok = t.token.clone();
    let r = app
        .post(
            "/api/v1/users",
            Some(&tok),
            &json!({"email": "rep@crm-segments.example", "display_name": "Rep", "password": "rep passphrase 12", "roles": ["sales"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let owners = vec![t.admin_id.to_string(), id(&r)];
    let mut rng = Lcg(20261125);
    let mut orgs = Vec::new();
    let mut ids = Vec::new();
    for name in ORGS {
        let r = app
            .post(
                "/api/v1/contacts",
                Some(&tok),
                &json!({"kind": "organization", "name": name, "lifecycle_stage": rng.pick(STAGES),
                        "tags": [rng.pick(TAGS)], "owner_id": owners[rng.next(2) as usize],
                        "properties": {"tier": rng.pick(TIERS), "employees": rng.next(200)}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        orgs.push(id(&r));
        ids.push(id(&r));
    }
    for i in 0..56 {
        let mut props = serde_json::Map::new();
        if rng.next(4) > 0 {
            // Mostly numbers, sometimes a text: comparisons must skip the wrong type.
            props.insert(
                "employees".into(),
                if rng.next(8) == 0 {
                    json!("many")
                } else {
                    json!(rng.next(100))
                },
            );
        }
        if rng.next(3) > 0 {
            props.insert("tier".into(), json!(rng.pick(TIERS)));
        }
        if rng.next(3) == 0 {
            props.insert(
                "certs".into(),
                json!([rng.pick(CERTS), rng.pick(CERTS)]
                    .into_iter()
                    .collect::<std::collections::BTreeSet<_>>()),
            );
        }
        if rng.next(5) == 0 {
            props.insert("vat_exempt".into(), json!(rng.next(2) == 0));
        }
        let mut tags: Vec<&str> = Vec::new();
        for _ in 0..rng.next(3) {
            tags.push(rng.pick(TAGS));
        }
        let first = rng.pick(FIRST);
        let emails: Vec<Value> = (0..rng.next(3))
            .map(|k| json!({"address": format!("{}{}{}@{}", first.to_lowercase(), i, k, rng.pick(DOMAINS))}))
            .collect();
        let mut body = json!({"kind": "person", "first_name": first, "last_name": rng.pick(LAST),
            "lifecycle_stage": rng.pick(STAGES), "tags": tags, "emails": emails,
            "owner_id": owners[rng.next(2) as usize], "properties": props});
        if rng.next(2) == 0 {
            body["job_title"] = json!(rng.pick(TITLES));
        }
        if rng.next(2) == 0 {
            body["organization_id"] = json!(orgs[rng.next(orgs.len() as u64) as usize]);
        }
        match rng.next(4) {
            0 => body["outcome"] = json!("won"),
            1 => body["outcome"] = json!("lost"),
            _ => {}
        }
        let r = app.post("/api/v1/contacts", Some(&tok), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(id(&r));
    }
    // Activities half a day off whole days, so "N days ago" comparisons are never
    // on a boundary while the test runs.
    let now = Utc::now();
    for cid in &ids {
        for _ in 0..rng.next(4) {
            let ago = DAYS_AGO[rng.next(DAYS_AGO.len() as u64) as usize];
            let at = now - Duration::days(ago) - Duration::hours(12);
            let r = app
                .post(
                    "/api/v1/activities",
                    Some(&tok),
                    &json!({"kind": "call", "contact_id": cid, "subject": "Call", "occurred_at": at}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    }
    let facts = load_facts(&app, &tok).await;
    assert_eq!(facts.len(), 60);
    World {
        app,
        token: tok,
        facts,
        owners,
        orgs,
    }
}

/// The contacts as the API shows them, in the evaluator's shape.
async fn load_facts(app: &TestApp, tok: &str) -> Vec<ContactFacts> {
    let r = app.get("/api/v1/activities?limit=500", Some(tok)).await;
    let mut acts: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
    for a in r.body["items"].as_array().unwrap() {
        acts.entry(a["contact_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(serde_json::from_value(a["occurred_at"].clone()).unwrap());
    }
    let r = app.get("/api/v1/contacts?limit=500", Some(tok)).await;
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let u = |v: &Value| v.as_str().map(|x| x.parse::<Uuid>().unwrap());
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| ContactFacts {
            id: u(&c["id"]).unwrap(),
            kind: s(&c["kind"]).unwrap(),
            lifecycle_stage: s(&c["lifecycle_stage"]).unwrap(),
            display_name: s(&c["display_name"]).unwrap(),
            job_title: s(&c["job_title"]),
            owner_id: u(&c["owner_id"]),
            organization_id: u(&c["organization_id"]),
            outcome: s(&c["outcome"]),
            tags: serde_json::from_value(c["tags"].clone()).unwrap(),
            emails: c["emails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["address"].as_str().unwrap().to_owned())
                .collect(),
            properties: c["properties"].clone(),
            created_at: serde_json::from_value(c["created_at"].clone()).unwrap(),
            activities: acts
                .get(c["id"].as_str().unwrap())
                .cloned()
                .unwrap_or_default(),
        })
        .collect()
}

fn cond(field: &str, op: &str, value: Value) -> Value {
    json!({"field": field, "operator": op, "value": value})
}

fn pool(xs: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::sample::select(xs).prop_map(|s| json!(s))
}

fn ops(xs: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(xs)
}

fn leaf(owners: Vec<String>, orgs: Vec<String>) -> BoxedStrategy<Value> {
    let text_ops = &["eq", "neq", "contains", "starts_with"];
    let num_ops = &["eq", "neq", "gt", "gte", "lt", "lte"];
    prop_oneof![
        (ops(&["eq", "neq"]), pool(&["person", "organization"]))
            .prop_map(|(o, v)| cond("kind", o, v)),
        (ops(&["eq", "neq"]), pool(STAGES)).prop_map(|(o, v)| cond("lifecycle_stage", o, v)),
        proptest::sample::subsequence(STAGES, 1..3).prop_map(|v| cond(
            "lifecycle_stage",
            "in",
            json!(v)
        )),
        (
            ops(text_ops),
            pool(&["an", "Lee", "acme", "o", "ZZ", "Bob S"])
        )
            .prop_map(|(o, v)| cond("display_name", o, v)),
        (
            ops(&["eq", "neq", "contains", "exists", "not_exists"]),
            pool(TITLES)
        )
            .prop_map(|(o, v)| cond("job_title", o, v)),
        (
            ops(&[
                "eq",
                "neq",
                "contains",
                "starts_with",
                "exists",
                "not_exists"
            ]),
            pool(&["vip", "b2b", "NORTH", "r", "zz"])
        )
            .prop_map(|(o, v)| cond("tag", o, v)),
        proptest::sample::subsequence(TAGS, 1..3).prop_map(|v| cond("tag", "in", json!(v))),
        (
            ops(&[
                "contains",
                "starts_with",
                "exists",
                "not_exists",
                "eq",
                "neq"
            ]),
            pool(&["example.com", "ann", "shop", "bob1", "cara10@mail.example"])
        )
            .prop_map(|(o, v)| cond("email", o, v)),
        (
            ops(&["eq", "neq", "exists", "not_exists"]),
            pool(&["won", "lost"])
        )
            .prop_map(|(o, v)| cond("outcome", o, v)),
        (ops(num_ops), 0u32..110).prop_map(|(o, v)| cond("property.employees", o, json!(v))),
        (ops(&["exists", "not_exists"]), Just(Value::Null)).prop_map(|(o, v)| cond(
            "property.employees",
            o,
            v
        )),
        (
            ops(&[
                "eq",
                "neq",
                "contains",
                "starts_with",
                "gt",
                "lt",
                "gte",
                "lte"
            ]),
            pool(&["gold", "silver", "bronze", "g", "m"])
        )
            .prop_map(|(o, v)| cond("property.tier", o, v)),
        proptest::sample::subsequence(TIERS, 1..3).prop_map(|v| cond(
            "property.tier",
            "in",
            json!(v)
        )),
        (ops(&["contains", "exists"]), pool(CERTS)).prop_map(|(o, v)| cond("property.certs", o, v)),
        (ops(&["eq", "neq"]), any::<bool>()).prop_map(|(o, v)| cond(
            "property.vat_exempt",
            o,
            json!(v)
        )),
        (ops(&["eq", "neq"]), pool(&["many"])).prop_map(|(o, v)| cond("property.employees", o, v)),
        (
            ops(&["lt", "gt", "lte", "gte"]),
            proptest::sample::select(&[1i64, 5, 30, 90][..])
        )
            .prop_map(|(o, v)| cond("last_activity_days_ago", o, json!(v))),
        (ops(&["exists", "not_exists", "neq"]), Just(json!(7))).prop_map(|(o, v)| cond(
            "last_activity_days_ago",
            o,
            v
        )),
        (ops(&["eq", "neq", "gte", "lt"]), 0u32..5).prop_map(|(o, v)| cond(
            "activity_count_90d",
            o,
            json!(v)
        )),
        (ops(&["lt", "gt"]), Just(json!(1))).prop_map(|(o, v)| cond("created_days_ago", o, v)),
        (
            ops(&["eq", "neq", "exists"]),
            proptest::sample::select(owners)
        )
            .prop_map(|(o, v)| cond("owner_id", o, json!(v))),
        (
            ops(&["eq", "neq", "exists", "not_exists"]),
            proptest::sample::select(orgs)
        )
            .prop_map(|(o, v)| cond("organization_id", o, json!(v))),
    ]
    .boxed()
}

fn tree(owners: Vec<String>, orgs: Vec<String>) -> impl Strategy<Value = Value> {
    leaf(owners, orgs).prop_recursive(4, 24, 4, |inner| {
        (
            proptest::sample::select(&["and", "or"][..]),
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(op, rules)| json!({"op": op, "rules": rules}))
    })
}

async fn preview(app: &TestApp, tok: &str, rules: &Value) -> Vec<Uuid> {
    let r = app
        .post(
            "/api/v1/segments/preview",
            Some(tok),
            &json!({ "rules": rules }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{rules}: {}", r.text);
    serde_json::from_value(r.body["ids"].clone()).unwrap()
}

#[test]
fn random_rule_trees_select_the_same_members_in_sql_as_the_rust_evaluator() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let world = rt.block_on(build_world());
    let strategy = tree(world.owners.clone(), world.orgs.clone());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let non_trivial = std::cell::Cell::new(0);
    runner
        .run(&strategy, |rules| {
            let got = rt.block_on(preview(&world.app, &world.token, &rules));
            let rule: SegmentRule = serde_json::from_value(rules.clone()).unwrap();
            let now = Utc::now();
            let mut want: Vec<Uuid> = world
                .facts
                .iter()
                .filter(|c| matches(&rule, c, now))
                .map(|c| c.id)
                .collect();
            want.sort();
            if !want.is_empty() && want.len() < world.facts.len() {
                non_trivial.set(non_trivial.get() + 1);
            }
            if got != want {
                return Err(TestCaseError::fail(format!(
                    "rules {rules}\nSQL selected {} contacts, the evaluator {}",
                    got.len(),
                    want.len()
                )));
            }
            Ok(())
        })
        .unwrap();
    let non_trivial = non_trivial.get();
    assert!(
        non_trivial >= 16,
        "only {non_trivial} of 64 rule trees selected a proper subset"
    );
}

#[tokio::test]
async fn saved_segments_count_list_and_export_their_members() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-seg-saved").await;
    let tok = t.token.as_str();
    for (first, last, tags, employees) in [
        ("Ann", "Lee", json!(["vip"]), 50),
        ("Bob", "=cmd|' /C calc'!A0", json!(["vip", "b2b"]), 5),
        ("Cara", "Diaz \"CD\"", json!([]), 80),
    ] {
        let r = app
            .post(
                "/api/v1/contacts",
                Some(tok),
                &json!({"kind": "person", "first_name": first, "last_name": last, "tags": tags,
                        "emails": [{"address": format!("{}@example.com", first.to_lowercase())}],
                        "properties": {"employees": employees}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let rules = json!({"op": "or", "rules": [
        {"field": "tag", "operator": "eq", "value": "vip"},
        {"op": "and", "rules": [{"field": "property.employees", "operator": "gte", "value": 60}]}
    ]});
    let r = app
        .post(
            "/api/v1/segments",
            Some(tok),
            &json!({"name": "VIPs and big", "rules": rules}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let seg = id(&r);
    let r = app
        .post(
            "/api/v1/segments",
            Some(tok),
            &json!({"name": "vips AND BIG", "rules": rules}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .post(
            "/api/v1/segments",
            Some(tok),
            &json!({"name": "Bad", "rules": {"field": "password", "operator": "eq", "value": "x"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    let r = app
        .get(&format!("/api/v1/segments/{seg}/count"), Some(tok))
        .await;
    assert_eq!(r.body["count"], 3, "{}", r.text);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/segments/{seg}"),
            Some(tok),
            Some(&json!({"rules": {"field": "tag", "operator": "eq", "value": "vip"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(
            &format!("/api/v1/segments/{seg}/members?limit=1"),
            Some(tok),
        )
        .await;
    assert_eq!(r.body["total_count"], 2);
    assert_eq!(r.body["items"][0]["display_name"], "Ann Lee");
    assert_eq!(r.body["items"][0]["primary_email"], "ann@example.com");

    let resp = app
        .client
        .get(app.url(&format!("/api/v1/segments/{seg}/export")))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,kind,display_name"));
    assert!(lines[1].contains("\"Ann Lee\"") && lines[1].contains("\"ann@example.com\""));
    // Formula-looking cells are defused; quotes are doubled.
    assert!(lines[2].contains("\"'=cmd|' /C calc'!A0\""), "{csv}");
    assert!(lines[2].contains("\"b2b;vip\""), "{csv}");

    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/segments/{seg}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v1/segments/{seg}"), Some(tok)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
