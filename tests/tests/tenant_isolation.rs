//! Tenant isolation, enforced by PostgreSQL row-level security.
//!
//! - Every endpoint in the OpenAPI document is tried with tenant A's token against
//!   every id tenant B owns: nothing of B is ever returned or changed.
//! - As the server's role with no tenant set, every table reads as empty.
//! - The RLS audit finds no table without forced RLS, and does find one when a
//!   throw-away migration adds such a table.

use elevate_backend::db::rls;
use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

/// Every (table, id) row that belongs to `tenant`, read as the owner.
async fn ids_of_tenant(app: &TestApp, tenant: Uuid) -> Vec<(String, Uuid)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c
           JOIN information_schema.columns i ON i.table_name = c.table_name AND i.table_schema = c.table_schema
          WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
            AND i.column_name = 'id' AND i.data_type = 'uuid'",
    )
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    let mut out = vec![("tenants".to_owned(), tenant)];
    for t in tables {
        let ids: Vec<Uuid> =
            sqlx::query_scalar(&format!("SELECT id FROM {t} WHERE tenant_id = $1"))
                .bind(tenant)
                .fetch_all(&app.db.owner)
                .await
                .unwrap();
        out.extend(ids.into_iter().map(|id| (t.clone(), id)));
    }
    out
}

/// A fingerprint of everything tenant B owns, to prove nothing changed.
async fn fingerprint(app: &TestApp, tenant: Uuid) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1",
    )
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    let mut parts = Vec::new();
    for t in tables {
        let h: Option<String> = sqlx::query_scalar(&format!(
            "SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM {t} x WHERE tenant_id = $1"
        ))
        .bind(tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        parts.push(format!("{t}={}", h.unwrap_or_default()));
    }
    let tenant_row: String = sqlx::query_scalar("SELECT t::text FROM tenants t WHERE id = $1")
        .bind(tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    parts.push(tenant_row);
    parts.join(";")
}

#[tokio::test]
async fn tenant_a_cannot_read_list_change_or_delete_anything_of_tenant_b() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    let b = app.sign_up("tenant-b-secret").await;
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/users",
                Some(&b.token),
                &json!({ "email": format!("b{i}@secret-b.example"), "display_name": format!("Secret B {i}"), "password": "long enough pass", "roles": ["sales"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    seed_inventory(&app, &b.token).await;
    let b_ids = ids_of_tenant(&app, b.tenant_id).await;
    for table in [
        "products",
        "locations",
        "stock_moves",
        "suppliers",
        "purchase_orders",
        "purchase_order_lines",
        "reorder_rules",
        "transfers",
        "transfer_lines",
    ] {
        assert!(
            b_ids.iter().any(|(t, _)| t == table),
            "B has no {table} row to attack"
        );
    }
    assert!(b_ids.len() >= 5, "B needs data to attack: {b_ids:?}");
    let before = fingerprint(&app, b.tenant_id).await;

    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let paths = doc["paths"].as_object().expect("paths");
    let b_markers: Vec<String> = b_ids
        .iter()
        .map(|(_, id)| id.to_string())
        .chain([
            "tenant-b-secret".to_owned(),
            "secret-b.example".to_owned(),
            "Secret B".to_owned(),
        ])
        .collect();
    let mut tried = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let has_param = path.contains('{');
            if !has_param {
                // Collection and singleton endpoints: reads must not show B's data.
                if m == Method::GET {
                    let r = app.call(m.clone(), path, Some(&a.token), None).await;
                    tried += 1;
                    for marker in &b_markers {
                        assert!(
                            !r.text.contains(marker.as_str()),
                            "{method} {path} leaked {marker}: {}",
                            r.text
                        );
                    }
                }
                continue;
            }
            for (table, id) in &b_ids {
                let concrete = substitute(path, &id.to_string());
                let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));
                let r = app
                    .call(m.clone(), &concrete, Some(&a.token), body.as_ref())
                    .await;
                tried += 1;
                let code = r.error_code();
                let ok = matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN)
                    || (r.status == StatusCode::UNPROCESSABLE_ENTITY
                        && (code == "invalid_body" || code == "validation_failed"));
                assert!(
                    ok,
                    "{method} {concrete} ({table} of B) answered {}: {}",
                    r.status, r.text
                );
                for marker in &b_markers {
                    assert!(
                        !r.text.contains(marker.as_str()) || r.text.contains("\"path\""),
                        "{method} {concrete} leaked {marker}: {}",
                        r.text
                    );
                }
            }
        }
    }
    assert!(
        tried > 20,
        "only {tried} attempts: is the OpenAPI document complete?"
    );
    assert_eq!(
        fingerprint(&app, b.tenant_id).await,
        before,
        "tenant B's data changed"
    );
}

/// Gives a tenant inventory rows of every kind (product, locations, moves, a
/// supplier with terms, an exchange rate, a received purchase order, a reorder
/// rule, a shipped transfer), through the API with its own token.
async fn seed_inventory(app: &TestApp, token: &str) {
    async fn created(app: &TestApp, token: &str, path: &str, body: serde_json::Value) -> String {
        let r = app.post(path, Some(token), &body).await;
        assert!(r.status.is_success(), "{path}: {}", r.text);
        r.body["id"].as_str().unwrap_or_default().to_owned()
    }
    let wh = created(
        app,
        token,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "SB", "name": "Secret B store"}),
    )
    .await;
    let bin = created(
        app,
        token,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh, "code": "B1", "name": "Secret B bin"}),
    )
    .await;
    let wh2 = created(
        app,
        token,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "SB2", "name": "Secret B annex"}),
    )
    .await;
    let product = created(
        app,
        token,
        "/api/v1/products",
        json!({"sku": "SECRET-B-1", "name": "Secret B widget"}),
    )
    .await;
    let supplier = created(
        app,
        token,
        "/api/v1/suppliers",
        json!({"name": "Secret B supplies", "currency": "USD"}),
    )
    .await;
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/suppliers/{supplier}/products"),
            Some(token),
            Some(&json!({"product_id": product, "unit_price": "2"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            Method::PUT,
            "/api/v1/exchange-rates",
            Some(token),
            Some(&json!({"currency": "USD", "valid_from": "2026-01-01", "rate": "0.9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post("/api/v1/purchase-orders", Some(token),
            &json!({"supplier_id": supplier, "location_id": bin, "lines": [{"product_id": product, "qty": "10"}]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let po = r.body["id"].as_str().unwrap().to_owned();
    let line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    created(
        app,
        token,
        &format!("/api/v1/purchase-orders/{po}/confirm"),
        json!({}),
    )
    .await;
    created(
        app,
        token,
        &format!("/api/v1/purchase-orders/{po}/receipts"),
        json!({"received_on": "2026-02-01", "lines": [{"line_id": line, "qty": "10"}]}),
    )
    .await;
    let r = app
        .call(Method::PUT, "/api/v1/reorder/rules", Some(token),
            Some(&json!({"product_id": product, "warehouse_id": wh, "method": "min_max", "min_qty": "5", "max_qty": "20", "supplier_id": supplier})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tr = created(
        app,
        token,
        "/api/v1/transfers",
        json!({"from_location_id": bin, "to_location_id": wh2,
        "lines": [{"product_id": product, "qty": "3"}]}),
    )
    .await;
    created(
        app,
        token,
        &format!("/api/v1/transfers/{tr}/ship"),
        json!({}),
    )
    .await;
    created(
        app,
        token,
        "/api/v1/stock/reservations",
        json!({"product_id": product, "qty": "1", "reference": "Secret B order"}),
    )
    .await;
}

fn substitute(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        out.push_str(id);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn the_app_role_sees_nothing_without_a_tenant_and_cannot_write_across() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    let b = app.sign_up("tenant-b").await;

    let (sup, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&app.db.app)
            .await
            .unwrap();
    assert!(!sup && !bypass, "the server's role must not bypass RLS");

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert!(tables.contains(&"users".to_owned()));
    let mut conn = app.db.app.acquire().await.unwrap();
    for t in &tables {
        let owner_rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        let app_rows: Result<i64, _> = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&mut *conn)
            .await;
        match app_rows {
            Ok(n) => assert_eq!(
                n, 0,
                "{t}: app role without tenant saw {n} of {owner_rows} rows"
            ),
            // No privilege at all is isolation too (e.g. owner-only tables).
            Err(e) => assert!(e.to_string().contains("permission denied"), "{t}: {e}"),
        }
    }

    // With tenant A set, a row for tenant B cannot be written or read.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(b.tenant_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let err = sqlx::query(
        "INSERT INTO users (id, tenant_id, email, display_name) VALUES ($1, $2, 'x@y.io', 'X')",
    )
    .bind(Uuid::now_v7())
    .bind(b.tenant_id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    let moved = sqlx::query("UPDATE users SET tenant_id = $1")
        .bind(b.tenant_id)
        .execute(&app.db.app)
        .await
        .unwrap();
    assert_eq!(
        moved.rows_affected(),
        0,
        "no tenant set → no rows to update"
    );
}

#[tokio::test]
async fn every_table_has_forced_rls_and_the_audit_catches_a_table_without() {
    let app = TestApp::spawn().await.unwrap();
    let mut conn = app.db.owner.acquire().await.unwrap();
    let found = rls::violations(&mut conn).await.unwrap();
    assert!(
        found.is_empty(),
        "tables without tenant isolation: {found:?}"
    );

    // A throw-away migration adds a tenant table and forgets RLS.
    let dir = std::env::temp_dir().join(format!("elevate-mig-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("99990101000000_throwaway_widgets.sql"),
        "CREATE TABLE widgets (id uuid PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id), name text);",
    )
    .unwrap();
    let migrator = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
    migrator.run(&app.db.owner).await.unwrap();
    let found = rls::violations(&mut conn).await.unwrap();
    let widgets: Vec<_> = found.iter().filter(|v| v.table == "widgets").collect();
    assert!(
        widgets.iter().any(|v| v.problem.contains("not enabled")),
        "the audit missed the unprotected table: {found:?}"
    );

    // Enabled but not forced is still a violation; so is a policy that ignores the tenant.
    sqlx::query("ALTER TABLE widgets ENABLE ROW LEVEL SECURITY")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("CREATE POLICY everything ON widgets USING (true)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let found = rls::violations(&mut conn).await.unwrap();
    let problems: Vec<&str> = found
        .iter()
        .filter(|v| v.table == "widgets")
        .map(|v| v.problem.as_str())
        .collect();
    assert!(
        problems.iter().any(|p| p.contains("not forced")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("app_current_tenant")),
        "{problems:?}"
    );

    // Marking a tenant table exempt does not silence the audit.
    sqlx::query("COMMENT ON TABLE widgets IS 'rls-exempt: trying to cheat'")
        .execute(&mut *conn)
        .await
        .unwrap();
    let found = rls::violations(&mut conn).await.unwrap();
    assert!(found
        .iter()
        .any(|v| v.table == "widgets" && v.problem.contains("rls-exempt")));

    // Fixed properly, it passes.
    for sql in [
        "COMMENT ON TABLE widgets IS NULL",
        "ALTER TABLE widgets FORCE ROW LEVEL SECURITY",
        "DROP POLICY everything ON widgets",
        "CREATE POLICY tenant_isolation ON widgets USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    let found = rls::violations(&mut conn).await.unwrap();
    assert!(found.is_empty(), "{found:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
