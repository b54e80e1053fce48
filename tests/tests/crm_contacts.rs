//! CRM contacts end to end: people and organisations, normalised e-mails and
//! phones, custom properties against the tenant's JSON Schema, GDPR consents,
//! list filters, duplicates and the transactional merge, activities, the visits
//! API with its offline idempotency, and the 360° view.

use elevate_tests::{Resp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {} {}", r.status, r.text))
        .to_owned()
}

async fn post_key(app: &TestApp, path: &str, token: &str, key: Option<&str>, body: &Value) -> Resp {
    let mut req = app.client.post(app.url(path)).bearer_auth(token).json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    TestApp::read(req.send().await.unwrap()).await
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/contacts", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> Resp {
    app.call(Method::PATCH, path, Some(token), Some(&body))
        .await
}

fn names(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", r.text))
        .iter()
        .map(|c| c["display_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn contacts_normalise_channels_validate_properties_and_filter() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-contacts").await;
    let tok = t.token.as_str();

    // The tenant's custom property schema.
    let r = app
        .call(
            Method::PUT,
            "/api/v1/crm/settings",
            Some(tok),
            Some(&json!({"contact_properties_schema": {
                "type": "object",
                "properties": {
                    "employees": {"type": "integer", "minimum": 0},
                    "industry": {"enum": ["retail", "construction", "food"]}
                },
                "additionalProperties": false
            }})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            Method::PUT,
            "/api/v1/crm/settings",
            Some(tok),
            Some(&json!({"contact_properties_schema": {"type": "object", "minProperties": "x"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    let acme = create(
        &app,
        tok,
        json!({"kind": "organization", "name": "Acme Hardware Ltd", "tags": ["B2B", "vip", "b2b"],
               "lifecycle_stage": "customer",
               "properties": {"employees": 40, "industry": "retail"},
               "addresses": [{"label": "HQ", "line1": "1 Main St", "city": "Leeds", "country": "gb"}],
               "phones": [{"number": "+44 (113) 496-0000"}]}),
    )
    .await;
    let r = app
        .get(&format!("/api/v1/contacts/{acme}"), Some(tok))
        .await;
    assert_eq!(r.body["tags"], json!(["b2b", "vip"]));
    assert_eq!(r.body["addresses"][0]["country"], "GB");
    assert_eq!(r.body["phones"][0]["normalized"], "+441134960000");
    assert_eq!(r.body["phones"][0]["primary"], true);
    assert_eq!(r.body["owner_id"], json!(t.admin_id));

    let ann = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Ann", "last_name": "Lee", "job_title": "Buyer",
               "organization_id": acme,
               "emails": [{"address": "  Ann.Lee@Acme.EXAMPLE "}, {"address": "ann@home.example", "label": "home"}],
               "consents": [{"purpose": "email_marketing", "granted": true, "source": "trade fair form"}]}),
    )
    .await;
    let r = app.get(&format!("/api/v1/contacts/{ann}"), Some(tok)).await;
    assert_eq!(r.body["display_name"], "Ann Lee");
    assert_eq!(r.body["organization_name"], "Acme Hardware Ltd");
    assert_eq!(r.body["emails"][0]["address"], "ann.lee@acme.example");
    assert_eq!(r.body["emails"][0]["primary"], true);
    assert_eq!(r.body["emails"][1]["primary"], false);
    assert_eq!(r.body["consents"]["email_marketing"]["granted"], true);
    assert_eq!(
        r.body["consents"]["email_marketing"]["source"],
        "trade fair form"
    );
    assert!(r.body["consents"]["email_marketing"]["at"].is_string());

    // Withdrawal is recorded with its own time and source, and in the event log.
    let r = patch(
        &app,
        tok,
        &format!("/api/v1/contacts/{ann}"),
        json!({"consents": [{"purpose": "email_marketing", "granted": false, "source": "unsubscribe link"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["consents"]["email_marketing"]["granted"], false);
    let ev = app
        .get(
            &format!("/api/v1/events?kind=contact.consent_changed&subject_id={ann}"),
            Some(tok),
        )
        .await;
    assert_eq!(ev.status, StatusCode::OK, "{}", ev.text);
    let sources: Vec<&str> = ev.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{}", ev.text);
    assert!(sources.contains(&"trade fair form") && sources.contains(&"unsubscribe link"));

    // Validation: schema, names, channels, links.
    for (body, field) in [
        (
            json!({"kind": "organization", "name": "X", "properties": {"employees": -3}}),
            "properties",
        ),
        (
            json!({"kind": "organization", "name": "X", "properties": {"colour": "red"}}),
            "properties",
        ),
        (json!({"kind": "person"}), "last_name"),
        (
            json!({"kind": "organization", "first_name": "A"}),
            "first_name",
        ),
        (
            json!({"kind": "person", "last_name": "X", "emails": [{"address": "not-an-email"}]}),
            "emails",
        ),
        (
            json!({"kind": "person", "last_name": "X", "phones": [{"number": "call me"}]}),
            "phones",
        ),
        (
            json!({"kind": "person", "last_name": "X", "organization_id": ann}),
            "organization_id",
        ),
        (
            json!({"kind": "person", "last_name": "X", "consents": [{"purpose": "Email Marketing", "granted": true, "source": "x"}]}),
            "consents",
        ),
    ] {
        let r = app.post("/api/v1/contacts", Some(tok), &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["details"]["field"], field, "{}", r.text);
    }
    let r = patch(
        &app,
        tok,
        &format!("/api/v1/contacts/{acme}"),
        json!({"organization_id": acme}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // More contacts for the filters.
    create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Bob", "last_name": "Stone", "organization_id": acme, "tags": ["vip"]}),
    )
    .await;
    create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Cara", "last_name": "Diaz", "lifecycle_stage": "customer",
               "phones": [{"number": "0113 496 0999"}]}),
    )
    .await;
    let r = app
        .get("/api/v1/contacts?organization_id=nope", Some(tok))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let list = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move { app.get(&format!("/api/v1/contacts?{q}"), Some(tok)).await }
    };
    assert_eq!(
        names(&list("").await),
        ["Acme Hardware Ltd", "Ann Lee", "Bob Stone", "Cara Diaz"]
    );
    assert_eq!(
        names(&list(&format!("organization_id={acme}")).await),
        ["Ann Lee", "Bob Stone"]
    );
    assert_eq!(
        names(&list("kind=organization").await),
        ["Acme Hardware Ltd"]
    );
    assert_eq!(
        names(&list("lifecycle_stage=customer").await),
        ["Acme Hardware Ltd", "Cara Diaz"]
    );
    assert_eq!(
        names(&list("tag=VIP").await),
        ["Acme Hardware Ltd", "Bob Stone"]
    );
    assert_eq!(names(&list("q=acme.example").await), ["Ann Lee"]);
    assert_eq!(names(&list("q=4960999").await), ["Cara Diaz"]);
    let page = list("limit=2&offset=2").await;
    assert_eq!(names(&page), ["Bob Stone", "Cara Diaz"]);
    assert_eq!(page.body["total_count"], 4);
}

#[tokio::test]
async fn duplicates_are_found_on_email_and_phone_and_merge_moves_everything_in_one_step() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-merge").await;
    let tok = t.token.as_str();
    let org = create(
        &app,
        tok,
        json!({"kind": "organization", "name": "Greenleaf Foods"}),
    )
    .await;
    let org_dup = create(
        &app,
        tok,
        json!({"kind": "organization", "name": "Green Leaf Foods GmbH", "phones": [{"number": "+49 30 1234567"}]}),
    )
    .await;
    let a = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Dana", "last_name": "Fox", "organization_id": org,
               "emails": [{"address": "dana@greenleaf.example"}], "tags": ["buyer"],
               "properties": {"shoe": 40},
               "consents": [{"purpose": "email_marketing", "granted": true, "source": "form", "at": "2026-01-01T00:00:00Z"}]}),
    )
    .await;
    let b = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Dana", "last_name": "Fox-Miller", "job_title": "Head of Purchasing",
               "emails": [{"address": "DANA@greenleaf.example"}, {"address": "dana.fm@mail.example"}],
               "phones": [{"number": "0049 30 123-4567"}], "tags": ["vip"],
               "properties": {"shoe": 41, "team": "north"},
               "consents": [{"purpose": "email_marketing", "granted": false, "source": "call", "at": "2026-06-01T00:00:00Z"},
                            {"purpose": "sms_marketing", "granted": true, "source": "call", "at": "2026-06-01T00:00:00Z"}]}),
    )
    .await;
    let unrelated = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Eve", "last_name": "Hill", "emails": [{"address": "eve@hill.example"}]}),
    )
    .await;

    let r = app.get("/api/v1/contacts/duplicates", Some(tok)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let groups = r.body["items"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{}", r.text);
    let email = groups.iter().find(|g| g["matched_on"] == "email").unwrap();
    assert_eq!(email["value"], "dana@greenleaf.example");
    let mut in_group: Vec<String> = email["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    in_group.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(in_group, expected);
    // b's phone matches the org duplicate's phone despite the different notation.
    let phone = groups.iter().find(|g| g["matched_on"] == "phone").unwrap();
    assert_eq!(phone["value"], "+49301234567");
    let r = app
        .get(
            &format!("/api/v1/contacts/duplicates?contact_id={unrelated}"),
            Some(tok),
        )
        .await;
    assert_eq!(r.body["total_count"], 0, "{}", r.text);

    // Activities on the duplicate, and a person of the duplicate organisation.
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/activities",
                Some(tok),
                &json!({"kind": "call", "contact_id": b, "subject": format!("Call {i}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/activities",
            Some(tok),
            &json!({"kind": "note", "contact_id": a, "subject": "Met at fair"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let staff = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Gus", "last_name": "Green", "organization_id": org_dup}),
    )
    .await;

    // A person and an organisation cannot merge; nor can a contact with itself.
    let r = app
        .post(
            &format!("/api/v1/contacts/{a}/merge"),
            Some(tok),
            &json!({"duplicate_id": org}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/contacts/{a}/merge"),
            Some(tok),
            &json!({"duplicate_id": a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    let r = post_key(
        &app,
        &format!("/api/v1/contacts/{a}/merge"),
        tok,
        Some("merge-dana-1"),
        &json!({"duplicate_id": b}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["moved_activities"], 3);
    assert_eq!(r.body["added_emails"], 1);
    assert_eq!(r.body["added_phones"], 1);
    let c = &r.body["contact"];
    assert_eq!(c["display_name"], "Dana Fox", "the survivor keeps its name");
    assert_eq!(
        c["job_title"], "Head of Purchasing",
        "missing fields are filled"
    );
    assert_eq!(c["tags"], json!(["buyer", "vip"]));
    assert_eq!(c["properties"], json!({"shoe": 40, "team": "north"}));
    assert_eq!(c["emails"].as_array().unwrap().len(), 2);
    assert_eq!(c["emails"][0]["address"], "dana@greenleaf.example");
    assert_eq!(c["emails"][0]["primary"], true);
    assert_eq!(
        c["consents"]["email_marketing"]["granted"], false,
        "the newer consent wins"
    );
    assert_eq!(c["consents"]["sms_marketing"]["granted"], true);
    // A retry with the same key replays; the duplicate is now marked merged.
    let again = post_key(
        &app,
        &format!("/api/v1/contacts/{a}/merge"),
        tok,
        Some("merge-dana-1"),
        &json!({"duplicate_id": b}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let r = app
        .post(
            &format!("/api/v1/contacts/{a}/merge"),
            Some(tok),
            &json!({"duplicate_id": b}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let gone = app.get(&format!("/api/v1/contacts/{b}"), Some(tok)).await;
    assert_eq!(gone.body["merged_into_id"], json!(a));
    let r = app
        .get(
            &format!("/api/v1/activities?contact_id={a}&limit=10"),
            Some(tok),
        )
        .await;
    assert_eq!(r.body["total_count"], 4, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/activities?contact_id={b}"), Some(tok))
        .await;
    assert_eq!(r.body["total_count"], 0);
    let names_now = names(&app.get("/api/v1/contacts", Some(tok)).await);
    assert!(!names_now.contains(&"Dana Fox-Miller".to_owned()));
    // The e-mail duplicate is gone; the shared phone (person and organisation) stays.
    let r = app.get("/api/v1/contacts/duplicates", Some(tok)).await;
    assert_eq!(r.body["total_count"], 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["matched_on"], "phone");
    let ev = app
        .get(
            &format!("/api/v1/events?kind=contact.merged&subject_id={a}"),
            Some(tok),
        )
        .await;
    assert_eq!(ev.body["items"][0]["data"]["duplicate_id"], json!(b));
    assert_eq!(ev.body["items"][0]["data"]["moved_activities"], 3);

    // Merging organisations moves their people.
    let r = app
        .post(
            &format!("/api/v1/contacts/{org}/merge"),
            Some(tok),
            &json!({"duplicate_id": org_dup}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["moved_people"], 1);
    let s = app
        .get(&format!("/api/v1/contacts/{staff}"), Some(tok))
        .await;
    assert_eq!(s.body["organization_id"], json!(org));
}

#[tokio::test]
async fn visits_sync_idempotently_and_list_by_rep_customer_and_date() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-visits").await;
    let tok = t.token.as_str();
    let r = app
        .post(
            "/api/v1/users",
            Some(tok),
            &json!({"email": "rep@crm-visits.example", "display_name": "Rita Rep", "password": "rep passphrase 12", "roles": ["sales"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rep_id = id(&r);
    let rep = app
        .login("crm-visits", "rep@crm-visits.example", "rep passphrase 12")
        .await;
    let acme = create(&app, tok, json!({"kind": "organization", "name": "Acme"})).await;
    let bolt = create(
        &app,
        tok,
        json!({"kind": "organization", "name": "Bolt & Co"}),
    )
    .await;

    let visit = json!({
        "contact_id": acme,
        "transcript": "visited acme they want twelve boxes of copper pipe call back next tuesday",
        "lines": [{"product_name": "Copper pipe 15mm", "quantity": "12"}],
        "follow_up": "2026-12-01",
        "next_action": "call",
        "occurred_at": "2026-11-20T10:00:00Z",
        "op_id": "phone-1/op-42"
    });
    let r = app.post("/api/v1/visits", Some(&rep), &visit).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v1 = id(&r);
    assert_eq!(r.body["kind"], "visit");
    assert_eq!(r.body["owner_id"], json!(rep_id));
    assert_eq!(r.body["visit"]["lines"][0]["quantity"], "12");
    assert_eq!(r.body["visit"]["follow_up"], "2026-12-01");
    assert_eq!(r.body["visit"]["next_action"], "call");
    assert_eq!(r.body["contact_name"], "Acme");

    // The phone syncs the same offline op again (no key): same visit, 200.
    let r = app.post("/api/v1/visits", Some(&rep), &visit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(id(&r), v1);
    assert_eq!(r.headers["idempotent-replayed"], "true");
    // With an Idempotency-Key, retries replay the stored response.
    let mut keyed = visit.clone();
    keyed["op_id"] = json!("phone-1/op-43");
    keyed["occurred_at"] = json!("2026-11-22T09:00:00Z");
    keyed["contact_id"] = json!(bolt);
    let first = post_key(&app, "/api/v1/visits", &rep, Some("k-43"), &keyed).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = post_key(&app, "/api/v1/visits", &rep, Some("k-43"), &keyed).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(id(&first), id(&second));
    // The admin logs one too.
    let r = app
        .post(
            "/api/v1/visits",
            Some(tok),
            &json!({"contact_id": acme, "occurred_at": "2026-11-24T15:00:00Z", "notes": "Quick stop"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A non-visit activity never shows in the visits list.
    let r = app
        .post(
            "/api/v1/activities",
            Some(tok),
            &json!({"kind": "task", "contact_id": acme, "subject": "Send catalogue", "due_at": "2026-11-28T09:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let count = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let r = app.get(&format!("/api/v1/visits?{q}"), Some(tok)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body["total_count"].as_i64().unwrap()
        }
    };
    assert_eq!(count("").await, 3);
    assert_eq!(count(&format!("rep_id={rep_id}")).await, 2);
    assert_eq!(count(&format!("contact_id={acme}")).await, 2);
    assert_eq!(count("from=2026-11-21&to=2026-11-22").await, 1);
    assert_eq!(count("from=2026-11-20&to=2026-11-20").await, 1);
    assert_eq!(
        count(&format!(
            "rep_id={rep_id}&contact_id={acme}&from=2026-11-01"
        ))
        .await,
        1
    );
    let r = app
        .get("/api/v1/visits?from=2026-11-22&to=2026-11-21", Some(tok))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get(&format!("/api/v1/visits/{v1}"), Some(tok)).await;
    assert!(r.body["transcript"]
        .as_str()
        .unwrap()
        .contains("copper pipe"));

    // Visits are validated in Rust: a customer is required, quantities are positive.
    for bad in [
        json!({"contact_id": acme, "lines": [{"product_name": "Pipe", "quantity": "-1"}]}),
        json!({"contact_id": acme, "lines": [{"product_name": " ", "quantity": "1"}]}),
        json!({"contact_id": acme, "next_action": "dance"}),
        json!({"contact_id": uuid::Uuid::now_v7()}),
    ] {
        let r = app.post("/api/v1/visits", Some(&rep), &bad).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
    }
    let r = app
        .post(
            "/api/v1/activities",
            Some(tok),
            &json!({"kind": "call", "subject": "x", "visit": {"lines": []}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Completing a task.
    let open = app
        .get("/api/v1/activities?kind=task&open=true", Some(tok))
        .await;
    assert_eq!(open.body["total_count"], 1);
    let task = open.body["items"][0]["id"].as_str().unwrap().to_owned();
    let r = patch(
        &app,
        tok,
        &format!("/api/v1/activities/{task}"),
        json!({"completed": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["completed_at"].is_string());
    let open = app
        .get("/api/v1/activities?kind=task&open=true", Some(tok))
        .await;
    assert_eq!(open.body["total_count"], 0);
}

#[tokio::test]
async fn the_360_view_shows_company_people_activities_follow_up_and_purchases_with_stock() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-360").await;
    let tok = t.token.as_str();
    let org = create(
        &app,
        tok,
        json!({"kind": "organization", "name": "Northwind Builders"}),
    )
    .await;
    let p1 = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Ivy", "last_name": "Ng", "organization_id": org}),
    )
    .await;
    create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Jon", "last_name": "Oak", "organization_id": org}),
    )
    .await;
    let b2c = create(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Kim", "last_name": "Park"}),
    )
    .await;

    // A customer with no deliveries: honest empty purchase list, no follow-up.
    let r = app
        .get(&format!("/api/v1/contacts/{b2c}/360"), Some(tok))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["top_products"], json!([]));
    assert_eq!(r.body["next_follow_up"], Value::Null);
    assert_eq!(r.body["company"], Value::Null);
    assert_eq!(r.body["people"], json!([]));
    assert!(r.body["score"]["rule_factors"].is_array());

    // Stock: a warehouse, two products, receipts and deliveries to the customer
    // location referencing the organisation.
    let wh = app
        .post(
            "/api/v1/locations",
            Some(tok),
            &json!({"kind": "warehouse", "code": "WH", "name": "Main"}),
        )
        .await;
    let wh = id(&wh);
    let locs = app.get("/api/v1/locations?limit=100", Some(tok)).await;
    let virt = |kind: &str| {
        locs.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (supplier, customer) = (virt("supplier"), virt("customer"));
    let mut products = Vec::new();
    for (sku, name) in [("CU-15", "Copper pipe 15mm"), ("BR-90", "Brass elbow 90°")] {
        let r = app
            .post(
                "/api/v1/products",
                Some(tok),
                &json!({"sku": sku, "name": name, "cost": "2.00"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        products.push(id(&r));
    }
    let mv = |product: &str, qty: &str, from: &str, to: &str, reference: &str| json!({"product_id": product, "qty": qty, "from_location_id": from, "to_location_id": to, "reference": reference});
    for body in [
        mv(&products[0], "100", &supplier, &wh, "PO-1"),
        mv(&products[1], "50", &supplier, &wh, "PO-1"),
        mv(
            &products[0],
            "30",
            &wh,
            &customer,
            &format!("contact:{org}"),
        ),
        mv(
            &products[0],
            "20",
            &wh,
            &customer,
            &format!("contact:{org}/SO-2"),
        ),
        mv(&products[1], "5", &wh, &customer, &format!("contact:{org}")),
        mv(&products[1], "40", &wh, &customer, "contact:someone-else"),
    ] {
        let r = app.post("/api/v1/stock/moves", Some(tok), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    // Activities: a visit with a follow-up, an open task due earlier, an old one done.
    let today = chrono::Utc::now().date_naive();
    for body in [
        json!({"kind": "visit", "contact_id": org, "subject": "Site visit",
               "visit": {"lines": [], "follow_up": add_days(&today, 10), "next_action": "send_quote"}}),
        json!({"kind": "task", "contact_id": org, "subject": "Call about delivery",
               "due_at": format!("{}T09:00:00Z", add_days(&today, 3))}),
        json!({"kind": "task", "contact_id": org, "subject": "Old task",
               "due_at": format!("{}T09:00:00Z", add_days(&today, 1)), "completed_at": "2026-01-01T00:00:00Z"}),
        json!({"kind": "note", "contact_id": p1, "subject": "Prefers e-mail"}),
    ] {
        let r = app.post("/api/v1/activities", Some(tok), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    let r = app
        .get(&format!("/api/v1/contacts/{org}/360"), Some(tok))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["contact"]["display_name"], "Northwind Builders");
    let people: Vec<&str> = b["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["Ivy Ng", "Jon Oak"]);
    assert_eq!(b["recent_activities"].as_array().unwrap().len(), 3);
    assert_eq!(b["open_tasks"].as_array().unwrap().len(), 1);
    assert_eq!(b["next_follow_up"]["subject"], "Call about delivery");
    assert_eq!(b["next_follow_up"]["source"], "task");
    assert_eq!(b["next_follow_up"]["date"], add_days(&today, 3));
    let top = b["top_products"].as_array().unwrap();
    assert_eq!(top.len(), 2, "{}", r.text);
    assert_eq!(top[0]["sku"], "CU-15");
    assert_eq!(top[0]["qty_delivered"], "50");
    assert_eq!(top[0]["deliveries"], 2);
    assert_eq!(top[0]["on_hand"], "50");
    assert_eq!(top[1]["sku"], "BR-90");
    assert_eq!(top[1]["qty_delivered"], "5");
    assert_eq!(top[1]["on_hand"], "5");

    // A person's view shows the company and the colleagues.
    let r = app
        .get(&format!("/api/v1/contacts/{p1}/360"), Some(tok))
        .await;
    assert_eq!(r.body["company"]["display_name"], "Northwind Builders");
    assert_eq!(r.body["people"][0]["display_name"], "Jon Oak");
    assert_eq!(r.body["people"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["recent_activities"][0]["subject"], "Prefers e-mail");
}

fn add_days(today: &chrono::NaiveDate, n: i64) -> String {
    (*today + chrono::Duration::days(n)).to_string()
}
