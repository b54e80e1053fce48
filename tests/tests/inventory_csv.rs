//! CSV import and export of products and opening stock: per-row error reports,
//! all-or-nothing by default, an explicit partial mode, and exports that import
//! back.

mod common;

use common::*;
use elevate_tests::TestApp;
use reqwest::StatusCode;

async fn get_text(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, String) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (r.status(), ct, r.text().await.unwrap())
}

async fn product_count(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/products?include_archived=true", Some(token))
        .await
        .body["total_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn product_import_reports_every_bad_row_and_imports_nothing_unless_partial() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "csvco").await;
    let t = &f.token;
    let csv = "\
sku,name,type,base_uom,tracking,cost,prices,barcode,archived
SCR-1,Wood screw 4x40,stocked,each,none,0.05,EUR=0.12;USD=0.14,4006381333931,false
SCR-2,Wood screw 5x60,,,,0.07,,,
BAD 1,Spaces in SKU,stocked,each,none,1,,,
GLV-1,Gloves,gadget,each,none,1,,,
GLV-2,Gloves L,stocked,each,none,1,,4006381333932,
SVC-1,Consulting hour,service,hour,lot,80,,,
";
    let r = post_csv(&app, "/api/v1/products/import", t, csv).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["mode"], "all");
    assert_eq!(r.body["rows"], 6);
    assert_eq!(r.body["failed"], 4);
    assert_eq!(r.body["imported"], 0);
    assert_eq!(r.body["committed"], false);
    let errors = r.body["errors"].as_array().unwrap();
    let at = |row: u64| {
        errors
            .iter()
            .find(|e| e["row"] == row)
            .unwrap_or_else(|| panic!("row {row} not reported: {}", r.text))
    };
    assert_eq!(at(3)["field"], "sku");
    assert_eq!(at(4)["field"], "type");
    assert_eq!(at(5)["field"], "barcode");
    assert!(
        at(5)["message"].as_str().unwrap().contains("check digit"),
        "{}",
        r.text
    );
    assert_eq!(at(6)["field"], "tracking");
    assert_eq!(product_count(&app, t).await, 0, "all-or-nothing wrote rows");

    // Partial: the two good rows go in, the same four are reported.
    let r = post_csv(&app, "/api/v1/products/import?mode=partial", t, csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(r.body["failed"], 4);
    assert_eq!(r.body["committed"], true);
    assert_eq!(product_count(&app, t).await, 2);
    let scan = app.get("/api/v1/scan/4006381333931", Some(t)).await;
    assert_eq!(scan.body["product"]["sku"], "SCR-1", "{}", scan.text);

    // Re-importing updates by SKU instead of duplicating.
    let r = post_csv(
        &app,
        "/api/v1/products/import",
        t,
        "sku,name,cost\nSCR-2,Wood screw 5x60 zinc,0.08\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(product_count(&app, t).await, 2);

    let (status, ct, body) = get_text(&app, "/api/v1/products/export", t).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "sku,name,type,base_uom,tracking,cost,prices,barcode,archived"
    );
    assert_eq!(
        lines[1],
        "SCR-1,Wood screw 4x40,stocked,each,none,0.05,EUR=0.12;USD=0.14,4006381333931,false"
    );
    assert_eq!(
        lines[2],
        "SCR-2,Wood screw 5x60 zinc,stocked,each,none,0.08,,,false"
    );
    // The export imports back unchanged.
    let r = post_csv(&app, "/api/v1/products/import", t, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["imported"], 2);
    let (_, _, again) = get_text(&app, "/api/v1/products/export", t).await;
    assert_eq!(again, body);

    // A broken CSV or a missing column is one clear error.
    let r = post_csv(&app, "/api/v1/products/import", t, "name\nx\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("sku"), "{}", r.text);
}

#[tokio::test]
async fn opening_stock_import_books_valued_moves_and_exports() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "csvstock").await;
    let t = &f.token;
    let a = product(&app, t, "A-1").await;
    product(&app, t, "B-1").await;
    let csv = "\
sku,location,qty,unit_cost,lot,expiry
A-1,WH1/A/01,10,2.5,,
B-1,WH1/A/02,4,1.25,,
NOPE,WH1/A/01,1,1,,
A-1,WH9,1,1,,
A-1,WH1/A/01,-3,1,,
";
    let r = post_csv(&app, "/api/v1/stock/import", t, csv).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["sku", "location", "qty"]);
    assert_eq!(on_hand(&app, t, &a, &f.bin_a).await, d("0"));

    let r = post_csv(&app, "/api/v1/stock/import?mode=partial", t, csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(on_hand(&app, t, &a, &f.bin_a).await, d("10"));
    let v = app.get("/api/v1/stock/valuation", Some(t)).await;
    assert_eq!(dec(&v.body["total_value"]), d("30"));
    assert_no_drift(&app, t).await;

    let (status, _, body) = get_text(&app, "/api/v1/stock/export", t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "sku,location,lot,qty,reserved\nA-1,WH1/A/01,,10,0\nB-1,WH1/A/02,,4,0\n"
    );
}
