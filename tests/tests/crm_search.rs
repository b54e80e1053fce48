//! Global search: contacts, companies, activity notes and products; prefix
//! matching for type-ahead, typo tolerance by trigrams, ranking, the tenant's
//! text search language, and tenant isolation of results.

use elevate_tests::{Resp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {} {}", r.status, r.text))
        .to_owned()
}

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<(String, String)> {
    let r = app
        .get(&format!("/api/v1/search?q={}", urlencode(q)), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
    r.body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn contact(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/contacts", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

#[tokio::test]
async fn search_finds_prefixes_typos_notes_and_products_ranked_and_only_in_the_tenant() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("crm-search").await;
    let tok = t.token.as_str();
    let acme = contact(
        &app,
        tok,
        json!({"kind": "organization", "name": "Acme Hardware Ltd"}),
    )
    .await;
    contact(
        &app,
        tok,
        json!({"kind": "organization", "name": "Acorn Builders"}),
    )
    .await;
    contact(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Margaret", "last_name": "Thompson", "organization_id": acme,
               "emails": [{"address": "mthompson@acme.example"}]}),
    )
    .await;
    contact(
        &app,
        tok,
        json!({"kind": "person", "first_name": "Thomas", "last_name": "Müller"}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/activities",
            Some(tok),
            &json!({"kind": "note", "contact_id": acme, "subject": "Visit notes",
                    "notes": "They complained about the galvanised brackets arriving late"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(
            "/api/v1/products",
            Some(tok),
            &json!({"sku": "BRK-GALV-40", "name": "Galvanised bracket 40mm"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Another tenant's look-alike data never shows.
    let other = app.sign_up("crm-search-other").await;
    contact(
        &app,
        &other.token,
        json!({"kind": "organization", "name": "Acme Hardware Secret"}),
    )
    .await;

    // Type-ahead: every prefix of the name finds it first.
    for q in ["acm", "Acme", "acme hard", "ACME HARDW"] {
        let hits = search(&app, tok, q).await;
        assert_eq!(
            hits.first(),
            Some(&("company".to_owned(), "Acme Hardware Ltd".to_owned())),
            "{q}: {hits:?}"
        );
        assert!(hits.iter().all(|(_, t)| !t.contains("Secret")), "{hits:?}");
    }
    // "ac" reaches both companies.
    let hits = search(&app, tok, "ac").await;
    assert!(hits.iter().any(|h| h.1 == "Acorn Builders"), "{hits:?}");
    // Typos: trigram similarity.
    let hits = search(&app, tok, "Margret Thomson").await;
    assert_eq!(hits[0].1, "Margaret Thompson", "{hits:?}");
    assert_eq!(hits[0].0, "contact");
    let hits = search(&app, tok, "acme hardwere").await;
    assert_eq!(hits[0].1, "Acme Hardware Ltd", "{hits:?}");
    // E-mail words, non-ASCII names.
    let hits = search(&app, tok, "mthompson").await;
    assert_eq!(hits[0].1, "Margaret Thompson", "{hits:?}");
    let hits = search(&app, tok, "müll").await;
    assert_eq!(hits[0].1, "Thomas Müller", "{hits:?}");
    // Activity notes and products.
    let hits = search(&app, tok, "galvanised").await;
    let kinds: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert!(
        kinds.contains(&"activity") && kinds.contains(&"product"),
        "{hits:?}"
    );
    let hits = search(&app, tok, "BRK-GALV").await;
    assert_eq!(
        hits[0],
        ("product".to_owned(), "Galvanised bracket 40mm".to_owned())
    );

    // With English as the tenant's language, stemming finds other word forms.
    let r = app
        .call(
            Method::PUT,
            "/api/v1/crm/settings",
            Some(tok),
            Some(&json!({"search_language": "english"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let hits = search(&app, tok, "complaining").await;
    assert!(hits.iter().any(|h| h.0 == "activity"), "{hits:?}");
    let r = app
        .call(
            Method::PUT,
            "/api/v1/crm/settings",
            Some(tok),
            Some(&json!({"search_language": "klingon"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nothing to search for, or syntax only.
    for q in ["", "  ", "&|!"] {
        let r = app
            .get(&format!("/api/v1/search?q={}", urlencode(q)), Some(tok))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q:?}: {}", r.text);
    }
    assert!(search(&app, tok, "zzqqxx").await.is_empty());
}
