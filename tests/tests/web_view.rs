//! The managers' web view in real headless Chromium (Debian `chromium`, driven by npm
//! `playwright-core`; see tests/browser/). The server runs on a fresh database with the
//! demo tenant and some stock; the admin turns on TOTP through the API, then the
//! browser signs in with a code, switches the theme and reorders the dashboard (both
//! must survive a reload), and visits every page in both themes running axe-core and
//! checking the layout at 375 px. Screenshots go to `$ELEVATE_ARTIFACTS/web`
//! (default `artifacts/web`).

use std::path::PathBuf;

use elevate_backend::seed::{seed_demo, DEMO_ADMIN_EMAIL, DEMO_SLUG};
use elevate_tests::TestApp;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("ELEVATE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("artifacts"))
        .join("web")
}

fn totp_code(secret_b32: &str, at: u64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate(at)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A product of the demo inventory seed that has a barcode.
pub async fn demo_product(app: &TestApp, token: &str) -> String {
    let r = app.get("/api/v1/products?limit=50", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["barcodes"].as_array().is_some_and(|b| !b.is_empty()))
        .map(id)
        .expect("the demo seed has products with barcodes")
}

/// A bin holding some of `product` in the demo tenant: (location, warehouse, lot code, qty).
async fn stocked_bin(
    app: &TestApp,
    token: &str,
    product: &str,
) -> (String, String, Option<String>, Decimal) {
    let r = app
        .get(
            &format!("/api/v1/stock/quants?product_id={product}&limit=100"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let q = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| {
            dec(&q["qty"]) > Decimal::ZERO && !q["location_path"].as_str().unwrap_or("").is_empty()
        })
        .unwrap_or_else(|| panic!("the demo product has stock somewhere: {}", r.text))
        .clone();
    let location = q["location_id"].as_str().unwrap().to_owned();
    let warehouse: uuid::Uuid =
        sqlx::query_scalar("SELECT warehouse_id FROM locations WHERE id = $1")
            .bind(uuid::Uuid::parse_str(&location).unwrap())
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    (
        location,
        warehouse.to_string(),
        q["lot_code"].as_str().map(str::to_owned),
        dec(&q["qty"]),
    )
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal: {v}"))
        .parse()
        .unwrap()
}

/// A spot count of one bin of `product` whose count is `variance` above the ledger
/// (tolerance 0, so the line needs a manager's approval). Answers the session id.
async fn count_with_variance(app: &TestApp, token: &str, product: &str, variance: i64) -> String {
    let (location, warehouse, lot, qty) = stocked_bin(app, token, product).await;
    let r = app
        .post(
            "/api/v1/counts",
            Some(token),
            &json!({"kind": "spot", "warehouse_id": warehouse, "location_ids": [location],
                    "product_ids": [product], "blind": false, "tolerance_qty": "0", "tolerance_pct": "0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let session = id(&r.body);
    let seq = r.body["snapshot_seq"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/counts/{session}/lines"),
            Some(token),
            &json!({"location_id": location, "product_id": product, "lot": lot,
                    "counted_qty": (qty + Decimal::from(variance)).to_string(),
                    "based_on_server_seq": seq}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    session
}

/// The counter asks for approval of a session's variances (an open approval request).
async fn request_approval(app: &TestApp, token: &str, session: &str) {
    let r = app
        .post(
            &format!("/api/v1/counts/{session}/request-approval"),
            Some(token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The first purchase order of the demo data.
async fn demo_order(app: &TestApp, token: &str) -> String {
    let r = app
        .get("/api/v1/purchase-orders?limit=1", Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id(&r.body["items"][0])
}

/// A figure as the English page shows it (`1,234.5`).
fn figure(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a figure: {v}"))
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("not a figure: {v}: {e}"))
}

/// Turns on TOTP for the signed-in user; the confirming code is the previous step's,
/// so the browser's code for the current step is not a replay.
async fn enable_totp(app: &TestApp, token: &str) -> String {
    let r = app
        .post("/api/v1/auth/mfa/totp/enroll", Some(token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let code = totp_code(&secret, now() - 30);
    let r = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(token),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    secret
}

/// Runs a browser script with a JSON config; answers its JSON report.
pub async fn run_browser(script: &str, base: &str, config: &Value) -> Value {
    let dir = root().join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "browser test packages missing: run ./scripts/test (or scripts/test.d/20-browser.sh)"
    );
    let cfg = std::env::temp_dir().join(format!("elevate-web-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&cfg, config.to_string()).unwrap();
    let out = tokio::process::Command::new("node")
        .arg(script)
        .arg(base)
        .arg(&cfg)
        .current_dir(&dir)
        .output()
        .await
        .expect("node runs");
    let _ = std::fs::remove_file(&cfg);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser script failed:\n{stderr}\n{stdout}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("bad JSON from the browser script ({e}):\n{stdout}\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_sign_in_with_mfa_keep_theme_and_layout_and_every_page_is_accessible_at_phone_width(
) {
    let app = TestApp::spawn().await.unwrap();
    let demo = seed_demo(&app.db.owner).await.unwrap();
    let token = app.login(DEMO_SLUG, DEMO_ADMIN_EMAIL, &demo.password).await;
    let product = demo_product(&app, &token).await;
    let count = count_with_variance(&app, &token, &product, 2).await;
    request_approval(&app, &token, &count).await;
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&token),
            &json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["stock."], "description": "ERP sync"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let webhook = r.body["subscription"]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/test"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let order = demo_order(&app, &token).await;
    let draft = draft_order(&app, &token).await;
    let confirmed = app
        .get(
            "/api/v1/purchase-orders?status=confirmed&limit=1",
            Some(&token),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    let confirmed = id(&confirmed.body["items"][0]);
    let (contact, _) = scored_contact(&app, &token).await;
    let secret = enable_totp(&app, &token).await;

    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let report = run_browser(
        "web_view.mjs",
        &app.base,
        &json!({
            "tenant": DEMO_SLUG,
            "email": DEMO_ADMIN_EMAIL,
            "password": demo.password,
            "totp_secret": secret,
            "product_id": product,
            "count_id": count,
            "order_id": order,
            "draft_order_id": draft,
            "confirmed_order_id": confirmed,
            "contact_id": contact,
            "contact_search": "zwickel",
            "webhook_id": webhook,
            "artifacts": artifacts,
        }),
    )
    .await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // Acceptance 1: sign-in with MFA, theme and layout persisted across reloads.
    assert_eq!(report["login"]["mfa_step_shown"], true, "{report}");
    assert_eq!(report["login"]["signed_in"], true, "{report}");
    assert_eq!(report["theme"]["after_reload"], "dark", "{report}");
    assert_eq!(
        report["layout"]["keyboard_after_reload"], report["layout"]["keyboard_expected"],
        "{report}"
    );
    assert_eq!(
        report["layout"]["drag_after_reload"], report["layout"]["drag_expected"],
        "{report}"
    );
    assert_ne!(
        report["layout"]["drag_expected"], report["layout"]["keyboard_expected"],
        "drag and drop changed nothing: {report}"
    );

    // The preferences are stored server-side, per user.
    let stored: (String, Value) = sqlx::query_as(
        "SELECT p.theme, p.dashboard FROM user_preferences p JOIN users u ON u.id = p.user_id
          WHERE u.email = $1",
    )
    .bind(DEMO_ADMIN_EMAIL)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(stored.1, report["layout"]["drag_expected"]);

    // Acceptance 2 and 3: every page, both themes: no serious/critical axe violations,
    // no horizontal overflow at 375 px, screenshots saved.
    let pages = report["pages"].as_array().unwrap();
    assert!(pages.len() >= 54, "pages checked: {}", pages.len());
    for p in pages {
        assert_eq!(
            p["axe_serious"].as_array().map(Vec::len),
            Some(0),
            "axe violations on {} ({}): {}",
            p["name"],
            p["theme"],
            p["axe_serious"]
        );
        assert_eq!(
            p["overflow_375"], false,
            "{} overflows at 375 px: {p}",
            p["name"]
        );
        assert!(p["status"].as_u64() == Some(200), "{p}");
        for shot in p["screenshots"].as_array().unwrap() {
            assert!(
                std::path::Path::new(shot.as_str().unwrap()).exists(),
                "missing {shot}"
            );
        }
    }
    for theme in ["light", "dark"] {
        for name in [
            "dashboard",
            "reorder",
            "purchase-orders",
            "purchase-order",
            "counts",
            "count",
            "search",
            "visits",
            "notifications",
            "import",
            "approvals",
            "webhooks",
            "webhook-log",
            "purchase-order-draft",
            "purchase-order-receive",
            "contacts",
            "contacts-search",
            "contact",
        ] {
            assert!(
                pages
                    .iter()
                    .any(|p| p["theme"] == theme && p["name"] == name),
                "{name} not checked in {theme}"
            );
        }
    }
    // The product page drew its barcodes as images.
    let product_page = pages.iter().find(|p| p["name"] == "product").unwrap();
    assert!(
        product_page["barcode_images"].as_u64().unwrap() >= 1,
        "{product_page}"
    );
}

/// The managers' work in the browser: approve a reorder suggestion and find its
/// purchase order; approve a count variance and see the stock change by it; watch a
/// stock figure change without reload when a move is posted through the API; find a
/// product and an order with the header's search box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_approve_reorders_and_count_variances_and_see_stock_move_live() {
    let app = TestApp::spawn().await.unwrap();
    let demo = seed_demo(&app.db.owner).await.unwrap();
    let token = app.login(DEMO_SLUG, DEMO_ADMIN_EMAIL, &demo.password).await;
    let product = demo_product(&app, &token).await;
    let sku = app
        .get(&format!("/api/v1/products/{product}"), Some(&token))
        .await
        .body["sku"]
        .as_str()
        .unwrap()
        .to_owned();
    const VARIANCE: i64 = 3;
    let count = count_with_variance(&app, &token, &product, VARIANCE).await;
    let to_reject = count_with_variance(&app, &token, &product, 1).await;
    request_approval(&app, &token, &to_reject).await;
    // A manager tightens one of the demo's reorder rules to min/max above what the
    // warehouse holds, so it must be suggested now.
    let all = app
        .get(
            "/api/v1/reorder/suggestions?all=true&limit=200",
            Some(&token),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let pick = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["supplier"].is_object())
        .unwrap_or_else(|| panic!("the demo has reorder rules with suppliers: {}", all.text))
        .clone();
    let floor = dec(&pick["position"]).max(Decimal::ZERO).round();
    let r = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/reorder/rules",
            Some(&token),
            Some(
                &json!({"product_id": pick["product_id"], "warehouse_id": pick["warehouse_id"],
                    "method": "min_max", "min_qty": (floor + Decimal::from(10)).to_string(),
                    "max_qty": (floor + Decimal::from(40)).to_string(),
                    "supplier_id": pick["supplier"]["id"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let suggestions = app
        .get("/api/v1/reorder/suggestions?limit=200", Some(&token))
        .await;
    assert_eq!(suggestions.status, StatusCode::OK, "{}", suggestions.text);
    assert!(
        suggestions.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["product_id"] == pick["product_id"]
                && s["warehouse_id"] == pick["warehouse_id"]),
        "the tightened rule is suggested: {}",
        suggestions.text
    );
    let (bin, _, lot, _) = stocked_bin(&app, &token, &product).await;
    let supplier: uuid::Uuid = sqlx::query_scalar(
        "SELECT l.id FROM locations l JOIN tenants t ON t.id = l.tenant_id
          WHERE t.slug = $1 AND l.kind = 'supplier'",
    )
    .bind(DEMO_SLUG)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    const LIVE_QTY: i64 = 5;
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let report = run_browser(
        "web_flows.mjs",
        &app.base,
        &json!({
            "tenant": DEMO_SLUG,
            "email": DEMO_ADMIN_EMAIL,
            "password": demo.password,
            "product_id": product,
            "sku": sku,
            "count_id": count,
            "reject_count_id": to_reject,
            "reject_reason": "Recount aisle A",
            "api_token": token,
            "import_csv": "sku,name,cost\nWEB-IMPORT-1,Imported in the browser,2.50\n,No SKU here,1\n",
            "live_move": {"product_id": product, "qty": LIVE_QTY.to_string(), "lot": lot,
                          "from_location_id": supplier, "to_location_id": bin,
                          "reason": "purchase_receipt"},
            "artifacts": artifacts,
        }),
    )
    .await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // Reorder: the approved suggestion became a draft purchase order from the
    // reorder source, with the suggested quantity, listed among the orders.
    let rule = report["reorder"]["rule_id"]
        .as_str()
        .expect("a suggestion approved");
    let suggestion = suggestions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == rule)
        .unwrap_or_else(|| panic!("approved rule {rule} was not suggested"));
    let po = report["reorder"]["po_id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "reorder");
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["reference"], report["reorder"]["po_reference"]);
    let line = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product_id"] == suggestion["product_id"])
        .unwrap_or_else(|| panic!("no line for the suggested product: {}", r.text));
    assert_eq!(dec(&line["qty"]), dec(&suggestion["suggested_qty"]));
    assert_eq!(
        report["reorder"]["page_lines"].as_array().map(Vec::len),
        r.body["lines"].as_array().map(Vec::len)
    );
    assert_eq!(report["reorder"]["listed"], true, "{report}");

    // Count: the line was posted and the product's stock rose by the variance.
    assert_eq!(report["count"]["state_after"], "posted", "{report}");
    assert_eq!(
        figure(&report["count"]["on_hand_after"]) - figure(&report["count"]["on_hand_before"]),
        Decimal::from(VARIANCE),
        "{report}"
    );
    let r = app
        .get(&format!("/api/v1/counts/{count}"), Some(&token))
        .await;
    let posted = r.body["lines"][0]["move_id"]
        .as_str()
        .expect("an adjustment move");
    let r = app
        .get(&format!("/api/v1/stock/moves/{posted}"), Some(&token))
        .await;
    assert_eq!(dec(&r.body["qty"]), Decimal::from(VARIANCE), "{}", r.text);

    // Approvals inbox: the open request was listed and rejected with its reason;
    // nothing was posted for it.
    assert_eq!(report["reject"]["listed"], true, "{report}");
    assert_eq!(report["reject"]["notice"], true, "{report}");
    assert_eq!(report["reject"]["request_still_shown"], false, "{report}");
    let decided: Value = sqlx::query_scalar(
        "SELECT data FROM events WHERE kind = 'approval.decided' AND subject_id = $1
          ORDER BY seq DESC LIMIT 1",
    )
    .bind(uuid::Uuid::parse_str(&to_reject).unwrap())
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(decided["decision"], "rejected", "{decided}");
    assert_eq!(decided["reason"], "Recount aisle A", "{decided}");
    let r = app
        .get(&format!("/api/v1/counts/{to_reject}"), Some(&token))
        .await;
    assert!(
        r.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["move_id"].is_null()),
        "{}",
        r.text
    );

    // Live: the figure on the open page changed by the move's quantity, no reload.
    assert_eq!(report["live"]["move_status"], 201, "{report}");
    assert_eq!(report["live"]["reloaded"], false, "{report}");
    assert_eq!(
        figure(&report["live"]["after"]) - figure(&report["live"]["before"]),
        Decimal::from(LIVE_QTY),
        "{report}"
    );

    // Search: the product by SKU and the new order by its reference.
    assert_eq!(report["search"]["product_found"], true, "{report}");
    assert_eq!(report["search"]["order_found"], true, "{report}");
    // CSV import, partial mode: the good row is in, the bad one reported by number.
    assert_eq!(report["import"]["imported"], 1, "{report}");
    assert_eq!(report["import"]["failed"], 1, "{report}");
    assert_eq!(report["import"]["committed"], true, "{report}");
    assert_eq!(report["import"]["error_rows"], 1, "{report}");
    assert_eq!(report["import"]["error_row_no"], "2", "{report}");
    assert_eq!(report["import"]["progress"], 100, "{report}");
    assert_eq!(report["import"]["reloaded"], false, "{report}");
    let imported: Option<String> =
        sqlx::query_scalar("SELECT name FROM products WHERE sku = 'WEB-IMPORT-1'")
            .fetch_optional(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(imported.as_deref(), Some("Imported in the browser"));
    for shot in report["screenshots"].as_array().unwrap() {
        assert!(
            std::path::Path::new(shot.as_str().unwrap()).exists(),
            "missing {shot}"
        );
    }
}

/// Time to first render of the dashboard with the demo data (the demo seed's products,
/// warehouses and movement history), against `/health/live` in the same browser and run. Run by
/// `scripts/bench-web`, which records the figures in docs/BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run scripts/bench-web"]
async fn bench_dashboard_first_render() {
    let app = TestApp::spawn().await.unwrap();
    let demo = seed_demo(&app.db.owner).await.unwrap();
    let token = app.login(DEMO_SLUG, DEMO_ADMIN_EMAIL, &demo.password).await;
    let rounds: u32 = std::env::var("ELEVATE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let report = run_browser(
        "bench.mjs",
        &app.base,
        &json!({
            "tenant": DEMO_SLUG,
            "email": DEMO_ADMIN_EMAIL,
            "password": demo.password,
            "rounds": rounds,
        }),
    )
    .await;
    let out = artifacts_dir().join("bench.json");
    std::fs::create_dir_all(artifacts_dir()).unwrap();
    let mut report = report;
    let r = app.get("/api/v1/products?limit=1", Some(&token)).await;
    report["products"] = r.body["total_count"].clone();
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert!(report["dashboard"]["fcp"]["median"].is_number(), "{report}");
}

/// A cookie jar just big enough for these tests.
#[derive(Default)]
struct Jar(std::collections::BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() {
                self.0.remove(k);
            } else {
                self.0.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[tokio::test]
async fn web_pages_need_a_session_and_csrf_token_and_stay_inside_the_tenant() {
    let app = TestApp::spawn().await.unwrap();
    let alpha = app.sign_up("alpha").await;
    let beta = app.sign_up("beta").await;
    let r = app
        .post(
            "/api/v1/products",
            Some(&beta.token),
            &json!({"sku": "BETA-1", "name": "Beta secret"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let beta_product = id(&r.body);
    // CRM widgets: each tenant a customer with a visit today.
    for (t, name, subject) in [
        (&alpha, "Alpha Kunde", "Besuch bei Alpha"),
        (&beta, "Beta Kunde", "Beta secret visit"),
    ] {
        let r = app
            .post(
                "/api/v1/contacts",
                Some(&t.token),
                &json!({"kind": "organization", "name": name, "lifecycle_stage": "customer"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let contact = id(&r.body);
        let r = app
            .post(
                "/api/v1/activities",
                Some(&t.token),
                &json!({"kind": "visit", "contact_id": contact, "subject": subject}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar = Jar::default();

    // Without a session every page sends the browser to sign in.
    let r = http.get(app.url("/app")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/app/login");

    let r = http.get(app.url("/app/login")).send().await.unwrap();
    jar.take(&r);
    let csrf = jar.0.get("elevate_csrf").cloned().expect("a CSRF cookie");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );

    // A sign-in without the CSRF field is refused; with it, cookies hold the tokens.
    let form = [
        ("tenant", "alpha"),
        ("email", alpha.admin_email.as_str()),
        ("password", elevate_tests::server::TEST_PASSWORD),
    ];
    let r = http
        .post(app.url("/app/login"))
        .header("cookie", jar.header())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut with_csrf = form.to_vec();
    with_csrf.push(("_csrf", csrf.as_str()));
    let r = http
        .post(app.url("/app/login"))
        .header("cookie", jar.header())
        .form(&with_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    jar.take(&r);
    assert!(jar.0.contains_key("elevate_at") && jar.0.contains_key("elevate_rt"));

    let page = |path: &str| {
        http.get(app.url(path))
            .header("cookie", jar.header())
            .header("accept-language", "de-DE,de;q=0.9")
            .send()
    };
    let r = page("/app").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="de" data-theme="system">"#),
        "{html}"
    );
    assert!(
        html.contains("Übersicht"),
        "German texts for a German browser"
    );
    assert!(
        html.contains("alpha Ltd"),
        "the tenant's name is in the header"
    );
    assert!(html.contains(r#"href="/favicon.ico""#));
    // The pipeline and today's visits, in German, of this tenant only.
    assert!(
        html.contains(r#"data-stage="customer""#) && html.contains("Kunde</th>"),
        "pipeline widget: {html}"
    );
    assert!(html.contains("Heutige Besuche") && html.contains("Besuch bei Alpha"));
    assert!(!html.contains("Beta secret visit"));

    // Another tenant's product does not exist here (row-level security).
    let r = page(&format!("/app/inventory/products/{beta_product}"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = page("/app/inventory/products?q=BETA").await.unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains("Beta secret"));

    // Preferences: CSRF required; stored per user.
    let r = http
        .post(app.url("/app/preferences"))
        .header("cookie", jar.header())
        .form(&[("theme", "dark")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http
        .post(app.url("/app/preferences"))
        .header("cookie", jar.header())
        .header("x-requested-with", "fetch")
        .form(&[
            ("theme", "dark"),
            ("language", "en"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let html = page("/app").await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"<html lang="en" data-theme="dark">"#));

    // A refused form is explained from the catalogue in the browser's language,
    // naming the field by its label (not with the API's English message).
    let r = http
        .post(app.url("/app/admin/webhooks"))
        .header("cookie", jar.header())
        .header("accept-language", "de-DE,de;q=0.9")
        .form(&[
            ("url", "https://erp.example/hook"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Ein Teil Ihrer Eingaben wurde nicht angenommen")
            && html.contains("Bitte dieses Feld prüfen: Ereignisse."),
        "{html}"
    );
    assert!(!html.contains("event_types"), "{html}");
    let r = http
        .post(app.url(&format!("/app/counts/{}/decide", uuid::Uuid::nil())))
        .header("cookie", jar.header())
        .header("accept-language", "de-DE,de;q=0.9")
        .form(&[
            ("line", format!("{0}:{0}", uuid::Uuid::nil()).as_str()),
            ("decision", "reject"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Bitte dieses Feld prüfen: Warum (für den Zähler sichtbar)."),
        "{html}"
    );

    // Signing out ends the session: the old cookie no longer opens pages.
    let old = jar.header();
    let r = http
        .post(app.url("/app/logout"))
        .header("cookie", jar.header())
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = http
        .get(app.url("/app"))
        .header("cookie", old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/app/login");
}

/// Stocked bins of one warehouse of the demo tenant, each with another product
/// (no lots): (location, product, qty), and the warehouse.
async fn stocked_bins(app: &TestApp, n: usize) -> (Vec<(String, String, Decimal)>, String) {
    let rows: Vec<(uuid::Uuid, uuid::Uuid, Decimal, uuid::Uuid)> = sqlx::query_as(
        "SELECT DISTINCT ON (q.product_id) q.location_id, q.product_id, q.qty, l.warehouse_id
           FROM quants q JOIN locations l ON l.id = q.location_id
           JOIN tenants t ON t.id = q.tenant_id
          WHERE t.slug = $1 AND l.kind = 'bin' AND q.qty > 0 AND q.lot_id IS NULL
            AND l.warehouse_id = (
                SELECT l2.warehouse_id FROM quants q2 JOIN locations l2 ON l2.id = q2.location_id
                 WHERE q2.tenant_id = t.id AND l2.kind = 'bin' AND q2.qty > 0 AND q2.lot_id IS NULL
                 GROUP BY l2.warehouse_id ORDER BY count(DISTINCT q2.product_id) DESC LIMIT 1)
          ORDER BY q.product_id, q.location_id",
    )
    .bind(DEMO_SLUG)
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert!(
        rows.len() >= n,
        "the demo has {n} stocked products in one warehouse"
    );
    let warehouse = rows[0].3.to_string();
    (
        rows.into_iter()
            .take(n)
            .map(|(l, p, q, _)| (l.to_string(), p.to_string(), q))
            .collect(),
        warehouse,
    )
}

/// Opens a spot count (not blind, tolerance 0) over `bins` and answers it with its
/// snapshot position.
async fn open_spot_count(
    app: &TestApp,
    token: &str,
    warehouse: &str,
    bins: &[(String, String, Decimal)],
) -> (String, i64) {
    let locations: Vec<&str> = bins.iter().map(|b| b.0.as_str()).collect();
    let products: Vec<&str> = bins.iter().map(|b| b.1.as_str()).collect();
    let r = app
        .post(
            "/api/v1/counts",
            Some(token),
            &json!({"kind": "spot", "warehouse_id": warehouse, "location_ids": locations,
                    "product_ids": products, "blind": false, "tolerance_qty": "0", "tolerance_pct": "0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (id(&r.body), r.body["snapshot_seq"].as_i64().unwrap())
}

fn count_body(bin: &(String, String, Decimal), delta: i64, seq: i64) -> Value {
    json!({"location_id": bin.0, "product_id": bin.1,
           "counted_qty": (bin.2 + Decimal::from(delta)).to_string(), "based_on_server_seq": seq})
}

/// The managers' newer work in the browser: approve one count line and reject
/// another with a reason; watch a count's progress (on its page and on the
/// dashboard) change without reload while lines arrive through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_decide_count_lines_one_by_one_and_watch_count_progress_live() {
    let app = TestApp::spawn().await.unwrap();
    let demo = seed_demo(&app.db.owner).await.unwrap();
    let token = app.login(DEMO_SLUG, DEMO_ADMIN_EMAIL, &demo.password).await;
    let (bins, warehouse) = stocked_bins(&app, 4).await;
    // A session with two lines over tolerance: one to approve, one to reject.
    let (decide, seq) = open_spot_count(&app, &token, &warehouse, &bins[..2]).await;
    for (bin, delta) in [(&bins[0], 2), (&bins[1], -1)] {
        let r = app
            .post(
                &format!("/api/v1/counts/{decide}/lines"),
                Some(&token),
                &count_body(bin, delta, seq),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    // A session nobody counted yet: lines arrive while the pages are open.
    let (live, live_seq) = open_spot_count(&app, &token, &warehouse, &bins[2..4]).await;
    const REASON: &str = "Pallet hidden behind the rack";
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let report = run_browser(
        "web_manage.mjs",
        &app.base,
        &json!({
            "tenant": DEMO_SLUG,
            "email": DEMO_ADMIN_EMAIL,
            "password": demo.password,
            "api_token": token,
            "artifacts": artifacts,
            "decide": {
                "count_id": decide,
                "approve_line": format!("{}:{}", bins[0].0, bins[0].1),
                "reject_line": format!("{}:{}", bins[1].0, bins[1].1),
                "reason": REASON,
            },
            "live": {
                "count_id": live,
                "lines": [count_body(&bins[2], 0, live_seq), count_body(&bins[3], 1, live_seq)],
            },
        }),
    )
    .await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // Per-line decisions: the notices, the states on the page, and the API's record.
    let d = &report["decide"];
    assert_eq!(d["rejected_notice"], true, "{report}");
    assert_eq!(d["rejected_state"], "rejected", "{report}");
    assert!(
        d["rejected_text"].as_str().unwrap().contains(REASON),
        "{report}"
    );
    assert_eq!(d["approved_state"], "posted", "{report}");
    assert_eq!(d["still_rejected"], "rejected", "{report}");
    let r = app
        .get(&format!("/api/v1/counts/{decide}"), Some(&token))
        .await;
    let line_of = |p: &str| {
        r.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == p)
            .unwrap()
            .clone()
    };
    let approved = line_of(&bins[0].1);
    let rejected = line_of(&bins[1].1);
    assert_eq!(approved["state"], "posted", "{}", r.text);
    let mv = approved["move_id"].as_str().expect("an adjustment move");
    let m = app
        .get(&format!("/api/v1/stock/moves/{mv}"), Some(&token))
        .await;
    assert_eq!(dec(&m.body["qty"]), Decimal::from(2), "{}", m.text);
    assert_eq!(rejected["state"], "rejected", "{}", r.text);
    assert!(rejected["move_id"].is_null());
    assert_eq!(rejected["rejection"]["reason"], REASON);
    // Nothing moved for the rejected line: the bin holds what it held.
    let q: Decimal = sqlx::query_scalar(
        "SELECT qty FROM quants WHERE location_id = $1 AND product_id = $2 AND lot_id IS NULL",
    )
    .bind(uuid::Uuid::parse_str(&bins[1].0).unwrap())
    .bind(uuid::Uuid::parse_str(&bins[1].1).unwrap())
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(q, bins[1].2);

    // Live progress: both figures changed to the API's counts without a reload.
    let l = &report["live"];
    assert_eq!(l["post_status"], json!([201, 201]), "{report}");
    assert_eq!(l["page_before"], "0 lines counted, 0 posted", "{report}");
    assert_eq!(l["page_after"], "1 lines counted, 0 posted", "{report}");
    assert_eq!(l["page_reloaded"], false, "{report}");
    assert_eq!(
        l["dashboard_after"], "2 lines counted, 0 posted",
        "{report}"
    );
    assert_eq!(l["dashboard_bar_max"], "2", "{report}");
    assert_eq!(l["dashboard_reloaded"], false, "{report}");
    for shot in report["screenshots"].as_array().unwrap() {
        assert!(
            std::path::Path::new(shot.as_str().unwrap()).exists(),
            "missing {shot}"
        );
    }
}

/// A draft purchase order of the demo data.
async fn draft_order(app: &TestApp, token: &str) -> String {
    let r = app
        .get("/api/v1/purchase-orders?status=draft&limit=1", Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id(&r.body["items"][0])
}

/// A contact with a visit, in a saved segment, scored: what the contact page shows.
async fn scored_contact(app: &TestApp, token: &str) -> (String, String) {
    let r = app
        .post(
            "/api/v1/contacts",
            Some(token),
            &json!({"kind": "organization", "name": "Brauerei Zwickelhof", "lifecycle_stage": "customer",
                    "tags": ["webtest"], "emails": [{"address": "einkauf@zwickelhof.example"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let contact = id(&r.body);
    let r = app
        .post(
            "/api/v1/activities",
            Some(token),
            &json!({"kind": "visit", "contact_id": contact, "subject": "Tasting of the winter range"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(
            "/api/v1/segments",
            Some(token),
            &json!({"name": "Web test customers",
                    "rules": {"field": "tag", "operator": "eq", "value": "webtest"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post("/api/v1/scoring/recompute", Some(token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (contact, "Web test customers".to_owned())
}

/// More of the managers' work in the browser: confirm a draft purchase order and
/// receive part of a line (status and stock change); create a webhook, send it a
/// test, disable, enable and delete it, and see a refused form explained; search
/// the contacts, page through them and open one with its score, segment and visits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_receive_orders_manage_webhooks_and_browse_contacts() {
    let app = TestApp::spawn().await.unwrap();
    let demo = seed_demo(&app.db.owner).await.unwrap();
    let token = app.login(DEMO_SLUG, DEMO_ADMIN_EMAIL, &demo.password).await;
    let order = draft_order(&app, &token).await;
    let (contact, segment) = scored_contact(&app, &token).await;
    const HOOK_URL: &str = "http://127.0.0.1:9/web-hook";
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let report = run_browser(
        "web_manage.mjs",
        &app.base,
        &json!({
            "tenant": DEMO_SLUG,
            "email": DEMO_ADMIN_EMAIL,
            "password": demo.password,
            "api_token": token,
            "artifacts": artifacts,
            "po": {"order_id": order, "receive_qty": "5"},
            "hook": {"url": HOOK_URL, "description": "Warehouse display"},
            "contact": {"contact_id": contact, "search": "zwickel"},
        }),
    )
    .await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // Purchase order: draft → confirmed → partially received; stock up by 5.
    let po = &report["po"];
    assert_eq!(po["status_before"], "draft", "{report}");
    assert_eq!(po["confirmed_notice"], true, "{report}");
    assert_eq!(po["status_confirmed"], "confirmed", "{report}");
    assert_eq!(po["received_notice"], true, "{report}");
    let r = app
        .get(&format!("/api/v1/purchase-orders/{order}"), Some(&token))
        .await;
    assert_eq!(r.body["status"], po["status_after"], "{}", r.text);
    let line = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == po["line_id"])
        .unwrap_or_else(|| panic!("no line {}: {}", po["line_id"], r.text))
        .clone();
    assert_eq!(dec(&line["received_qty"]), Decimal::from(5), "{}", r.text);
    let expected =
        if dec(&line["qty"]) > Decimal::from(5) || r.body["lines"].as_array().unwrap().len() > 1 {
            "partially_received"
        } else {
            "received"
        };
    assert_eq!(po["status_after"], expected, "{report}");
    assert_eq!(figure(&po["received_after"]), Decimal::from(5), "{report}");
    assert_eq!(
        figure(&po["on_hand_after"]) - figure(&po["on_hand_before"]),
        Decimal::from(5),
        "{report}"
    );

    // Webhook: created with a secret shown once, tested (a delivery of
    // `webhook.test` to it alone), disabled, enabled and deleted.
    let hook = &report["hook"];
    assert_eq!(hook["created_notice"], true, "{report}");
    assert!(
        hook["secret"].as_str().unwrap().starts_with("whsec_"),
        "{report}"
    );
    assert_eq!(hook["tested_notice"], true, "{report}");
    assert_eq!(
        hook["log"],
        json!([{"kind": "webhook.test", "status": "pending"}]),
        "the delivery log shows the test: {report}"
    );
    assert_eq!(hook["active_after_disable"], "false", "{report}");
    assert_eq!(hook["test_button_when_disabled"], 0, "{report}");
    assert_eq!(hook["active_after_enable"], "true", "{report}");
    assert_eq!(hook["rows_after_delete"], 0, "{report}");
    let hook_id = uuid::Uuid::parse_str(hook["id"].as_str().unwrap()).unwrap();
    let (types, deleted): (Vec<String>, bool) = sqlx::query_as(
        "SELECT event_types, deleted_at IS NOT NULL FROM webhook_subscriptions WHERE id = $1",
    )
    .bind(hook_id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(types, ["stock.", "count.", "webhook.test"]);
    assert!(deleted);
    let tests: Vec<String> =
        sqlx::query_scalar("SELECT event_kind FROM outbox WHERE destination_id = $1")
            .bind(hook_id)
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(tests, ["webhook.test"], "only the test was queued for it");
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE subject_id = $1 ORDER BY seq")
            .bind(hook_id)
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            "webhook.created",
            "webhook.test",
            "webhook.disabled",
            "webhook.enabled",
            "webhook.deleted"
        ]
    );
    let r = app
        .get(&format!("/api/v1/webhooks/{hook_id}"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // The refused form: 422, the catalogue's text and the field by its label.
    assert_eq!(hook["refused_status"], 422, "{report}");
    assert!(
        hook["refused_message"]
            .as_str()
            .unwrap()
            .starts_with("Some of what you entered was not accepted"),
        "{report}"
    );
    assert_eq!(
        hook["refused_field"], "Check this field: Events.",
        "{report}"
    );

    // Contacts: paged, found by part of the name, the page shows the stage, the
    // score, the segment and the visit.
    let c = &report["contact"];
    assert_eq!(c["sidebar"], true, "{report}");
    if c["next_link"] == true {
        assert_ne!(c["first_page_first"], c["second_page_first"], "{report}");
    }
    assert_eq!(c["found"], json!([contact]), "{report}");
    assert_eq!(c["name"], "Brauerei Zwickelhof", "{report}");
    assert_eq!(c["stage"], "Customer", "{report}");
    let score = app
        .get(&format!("/api/v1/contacts/{contact}/score"), Some(&token))
        .await;
    assert_eq!(score.status, StatusCode::OK, "{}", score.text);
    assert_eq!(
        c["score"],
        score.body["rule_score"]
            .as_f64()
            .unwrap()
            .round()
            .to_string(),
        "{report}"
    );
    assert_eq!(c["segments"], json!([segment]), "{report}");
    let acts = c["activities"].as_array().unwrap();
    assert_eq!(acts.len(), 1, "{report}");
    assert_eq!(acts[0]["kind"], "visit", "{report}");
    for shot in report["screenshots"].as_array().unwrap() {
        assert!(
            std::path::Path::new(shot.as_str().unwrap()).exists(),
            "missing {shot}"
        );
    }
}
