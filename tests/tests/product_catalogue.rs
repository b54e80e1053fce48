//! The product catalogue beyond single products: templates with variants, and
//! custom properties checked against the tenant's JSON Schema.

mod common;

use common::*;
use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn templates_make_variants_that_hold_the_stock() {
    let app = TestApp::spawn().await.unwrap();
    let app = &app;
    let f = setup(app, "variants").await;
    let t = &f.token;
    let r = app
        .post(
            "/api/v1/products",
            Some(t),
            &json!({"sku": "TEE", "name": "T-shirt", "cost": "4.5", "prices": {"EUR": "15"},
                    "variant_attributes": [
                        {"name": "size", "values": ["S", "M", "L"]},
                        {"name": "colour", "values": ["red", "light blue"]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tee = id(&r);
    assert_eq!(r.body["variant_attributes"][1]["values"][1], "light blue");

    // Bad attribute lists are refused with the field named.
    for bad in [
        json!([{"name": "size", "values": []}]),
        json!([{"name": "size", "values": ["S"]}, {"name": "Size", "values": ["M"]}]),
        json!([{"name": "size", "values": ["S", "s"]}]),
    ] {
        let r = app
            .post(
                "/api/v1/products",
                Some(t),
                &json!({"sku": "BAD", "name": "Bad", "variant_attributes": bad}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["details"]["field"], "variant_attributes");
    }

    // One variant by hand, with its own SKU and barcode; values are matched
    // case-insensitively and answered in the template's spelling.
    let r = app
        .post(
            &format!("/api/v1/products/{tee}/variants"),
            Some(t),
            &json!({"values": {"Size": "m", "colour": "RED"}, "sku": "TEE-MR",
                    "barcodes": [{"symbology": "ean13", "code": "4006381333931"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tee_m_red = id(&r);
    assert_eq!(r.body["variant_of"], tee.as_str());
    assert_eq!(
        r.body["variant_values"],
        json!({"size": "M", "colour": "red"})
    );
    assert_eq!(r.body["name"], "T-shirt (M, red)");
    assert_eq!(dec(&r.body["cost"]), d("4.5"));
    assert_eq!(dec(&r.body["prices"]["EUR"]), d("15"));
    assert_eq!(r.body["variant_attributes"], json!([]));

    // The same combination twice, an unknown value, a missing attribute.
    for (body, status) in [
        (
            json!({"values": {"size": "M", "colour": "red"}}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"values": {"size": "XL", "colour": "red"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"values": {"size": "S"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = app
            .post(&format!("/api/v1/products/{tee}/variants"), Some(t), &body)
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
    }
    // A plain product is not a template.
    let plain = product(app, t, "PLAIN").await;
    let r = app
        .post(
            &format!("/api/v1/products/{plain}/variants"),
            Some(t),
            &json!({"values": {"size": "M"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Generate the rest: 6 combinations, 1 existing.
    let gen = format!("/api/v1/products/{tee}/variants/generate");
    let r = app.post(&gen, Some(t), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["existing"], 1);
    let skus: Vec<&str> = r.body["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        skus,
        [
            "TEE-S-RED",
            "TEE-S-LIGHT_BLUE",
            "TEE-M-LIGHT_BLUE",
            "TEE-L-RED",
            "TEE-L-LIGHT_BLUE"
        ]
    );
    // Again: nothing new.
    let r = app.post(&gen, Some(t), &json!({})).await;
    assert_eq!(r.body["created"], json!([]));
    assert_eq!(r.body["existing"], 6);

    // The variants list of the template, paged.
    let r = app
        .get(
            &format!("/api/v1/products?variant_of={tee}&limit=4"),
            Some(t),
        )
        .await;
    assert_eq!(r.body["total_count"], 6, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4);

    // Attributes can gain values (and generate makes only the new ones), but a
    // value in use cannot be removed, nor an attribute added.
    let patch = |body: Value| {
        let path = format!("/api/v1/products/{tee}");
        async move { app.call(Method::PATCH, &path, Some(t), Some(&body)).await }
    };
    let r = patch(json!({"variant_attributes": [
        {"name": "size", "values": ["S", "M", "L", "XL"]},
        {"name": "colour", "values": ["red", "light blue"]}]}))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(&gen, Some(t), &json!({})).await;
    assert_eq!(r.body["created"].as_array().unwrap().len(), 2, "{}", r.text);
    let r = patch(json!({"variant_attributes": [
        {"name": "size", "values": ["S", "L", "XL"]},
        {"name": "colour", "values": ["red", "light blue"]}]}))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = patch(json!({"variant_attributes": [
        {"name": "size", "values": ["S", "M", "L", "XL"]},
        {"name": "colour", "values": ["red", "light blue"]},
        {"name": "fit", "values": ["slim"]}]}))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Stock lives on variants; the template refuses moves.
    let r = app
        .post(
            "/api/v1/stock/moves",
            Some(t),
            &json!({"product_id": tee, "qty": "1", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("variant"), "{}", r.text);
    mv(
        app,
        t,
        json!({"product_id": tee_m_red, "qty": "7", "unit_cost": "4.5", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    assert_eq!(on_hand(app, t, &tee_m_red, &f.bin_a).await, d("7"));
    // The variant's barcode scans to the variant.
    let r = app.get("/api/v1/scan/4006381333931", Some(t)).await;
    assert_eq!(r.body["product"]["id"], tee_m_red.as_str(), "{}", r.text);
    // A product with stock cannot become a template.
    mv(
        app,
        t,
        json!({"product_id": plain, "qty": "1", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/products/{plain}"),
            Some(t),
            Some(&json!({"variant_attributes": [{"name": "size", "values": ["M"]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_no_drift(app, t).await;
}

#[tokio::test]
async fn product_properties_follow_the_tenant_schema() {
    let app = TestApp::spawn().await.unwrap();
    let app = &app;
    let f = setup(app, "prop-schema").await;
    let t = &f.token;
    let settings = |body: Value| async move {
        app.call(
            Method::PATCH,
            "/api/v1/inventory/settings",
            Some(t),
            Some(&body),
        )
        .await
    };
    // Before a schema, any object is taken.
    let r = app
        .post(
            "/api/v1/products",
            Some(t),
            &json!({"sku": "FREE", "name": "Free", "properties": {"anything": [1, 2]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let free = id(&r);

    // A schema that is not one, or not of an object, is refused.
    for bad in [
        json!({"type": "array"}),
        json!({"type": "object", "minProperties": "x"}),
    ] {
        let r = settings(json!({"product_properties_schema": bad})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(
            r.body["error"]["details"]["field"],
            "product_properties_schema"
        );
    }
    let schema = json!({"type": "object", "properties": {
            "voltage": {"type": "number", "minimum": 0},
            "hazmat_class": {"enum": ["1", "2", "3", "none"]}},
        "required": ["hazmat_class"], "additionalProperties": false});
    let r = settings(json!({"product_properties_schema": schema})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["product_properties_schema"], schema);
    let r = app.get("/api/v1/inventory/settings", Some(t)).await;
    assert_eq!(r.body["product_properties_schema"], schema);

    let create = |sku: &'static str, props: Value| async move {
        app.post(
            "/api/v1/products",
            Some(t),
            &json!({"sku": sku, "name": sku, "properties": props}),
        )
        .await
    };
    let r = create("OK", json!({"voltage": 12, "hazmat_class": "none"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ok = id(&r);
    // Every problem is named with its JSON pointer.
    let r = create("BAD", json!({"voltage": -5, "colour": "red"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["error"]["details"]["field"], "properties");
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("/voltage"), "{msg}");
    assert!(msg.contains("hazmat_class"), "{msg}");
    // Product without properties at all: the required one is missing.
    let r = app
        .post(
            "/api/v1/products",
            Some(t),
            &json!({"sku": "NONE", "name": "None"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Updates are checked too; an existing product keeps its old properties
    // until edited.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/products/{ok}"),
            Some(t),
            Some(&json!({"properties": {"hazmat_class": "9"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app.get(&format!("/api/v1/products/{free}"), Some(t)).await;
    assert_eq!(r.body["properties"], json!({"anything": [1, 2]}));
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/products/{free}"),
            Some(t),
            Some(&json!({"properties": {"hazmat_class": "2"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["properties"], json!({"hazmat_class": "2"}));

    // Removing the rules: a schema that accepts any object.
    let r = settings(json!({"product_properties_schema": {"type": "object"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = create("LOOSE", json!({"whatever": true})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}
