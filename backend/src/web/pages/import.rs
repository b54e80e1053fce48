//! CSV import of products or opening stock: choose a file (or paste the CSV), see the
//! upload's progress, then the per-row report. The import itself is the API's
//! (`POST /api/v1/products/import`, `/api/v1/stock/import`): same columns, same
//! all-or-nothing / partial modes, same row errors.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::inventory::{ImportMode, ImportReport};

use crate::domain::permissions::Permission;
use crate::http::extract::AppQuery;
use crate::http::inventory_csv::{import_opening_stock, import_products, ImportParams};
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::table_region;
use crate::web::session::{require_csrf, WebTx};
use crate::web::{from_script, WebError, WebResult};

const PRODUCT_COLUMNS: &str = "sku,name,type,base_uom,tracking,cost,prices,barcode,archived";
const STOCK_COLUMNS: &str = "sku,location,qty,unit_cost,lot,expiry";

/// The outcome shown under the form.
enum Outcome {
    Report(ImportReport),
    Refused(String),
}

fn report_view(lang: Lang, outcome: &Outcome) -> Element {
    match outcome {
        Outcome::Refused(message) => rsx! {
            h2 { id: "import-report-h", tabindex: "-1", {lang.t(Key::ImportReport)} }
            p { class: "error", role: "alert", id: "import-refused", {lang.t(Key::ImportRefused)} " " "{message}" }
        },
        Outcome::Report(r) => {
            let summary = lang.tf(
                Key::ImportSummary,
                &[
                    ("rows", &r.rows.to_string()),
                    ("imported", &r.imported.to_string()),
                    ("failed", &r.failed.to_string()),
                ],
            );
            rsx! {
                h2 { id: "import-report-h", tabindex: "-1", {lang.t(Key::ImportReport)} }
                p { id: "import-summary", "data-imported": "{r.imported}", "data-failed": "{r.failed}", "data-committed": "{r.committed}",
                    class: if r.failed == 0 { "ok" } else { "error" },
                    "{summary}"
                }
                if !r.committed {
                    p { class: "error", {lang.t(Key::ImportNothingWritten)} }
                }
                if !r.errors.is_empty() {
                    {table_region(lang.t(Key::ImportErrors), rsx! {
                        table { id: "import-errors",
                            caption { class: "visually-hidden", {lang.t(Key::ImportErrors)} }
                            thead { tr {
                                th { scope: "col", class: "num", {lang.t(Key::ColRow)} }
                                th { scope: "col", {lang.t(Key::ColField)} }
                                th { scope: "col", {lang.t(Key::ColProblem)} }
                            } }
                            tbody {
                                for e in r.errors.iter() {
                                    tr {
                                        td { class: "num", "{e.row}" }
                                        td { code { "{e.field}" } }
                                        td { class: "wrap", "{e.message}" }
                                    }
                                }
                            }
                        }
                    })}
                }
            }
        }
    }
}

fn page_body(shell: &Shell, kind: &str, mode: ImportMode, outcome: Option<&Outcome>) -> Element {
    let lang = shell.lang;
    rsx! {
        h1 { {lang.t(Key::ImportTitle)} }
        p { class: "muted", {lang.t(Key::ImportIntro)} }
        dl { class: "facts",
            dt { {lang.t(Key::ImportProducts)} } dd { code { "{PRODUCT_COLUMNS}" } }
            dt { {lang.t(Key::ImportStock)} } dd { code { "{STOCK_COLUMNS}" } }
        }
        form { id: "csv-import", class: "stack wide", method: "post", action: "/app/inventory/import",
            CsrfField { token: shell.csrf.clone() }
            label { r#for: "import-kind", {lang.t(Key::ImportWhat)} }
            select { id: "import-kind", name: "kind",
                option { value: "products", selected: kind != "stock", {lang.t(Key::ImportProducts)} }
                option { value: "stock", selected: kind == "stock", {lang.t(Key::ImportStock)} }
            }
            label { r#for: "import-mode", {lang.t(Key::ImportModeLabel)} }
            select { id: "import-mode", name: "mode",
                option { value: "all", selected: mode == ImportMode::All, {lang.t(Key::ImportModeAll)} }
                option { value: "partial", selected: mode == ImportMode::Partial, {lang.t(Key::ImportModePartial)} }
            }
            label { r#for: "import-file", {lang.t(Key::ImportFile)} }
            input { id: "import-file", r#type: "file", accept: ".csv,text/csv" }
            label { r#for: "import-csv", {lang.t(Key::ImportPaste)} }
            textarea { id: "import-csv", name: "csv", rows: "6", spellcheck: "false" }
            div { class: "import-progress", hidden: true,
                label { r#for: "import-progress", {lang.t(Key::ImportProgress)} }
                progress { id: "import-progress", max: "100", value: "0" }
            }
            button { r#type: "submit", {lang.t(Key::ImportStart)} }
        }
        section { id: "import-report", "aria-live": "polite",
            if let Some(o) = outcome { {report_view(lang, o)} }
        }
    }
}

/// `GET /app/inventory/import`
pub async fn form(mut w: WebTx) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Import).await?;
    w.commit().await?;
    let body = page_body(&shell, "products", ImportMode::All, None);
    Ok(app_page(&shell, shell.t(Key::ImportTitle), body).into_response())
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    mode: Option<ImportMode>,
    #[serde(default)]
    csv: String,
}

/// `POST /app/inventory/import`: runs the import; answers the report as a fragment to
/// the page script, or the whole page to a plain form post.
pub async fn submit(
    headers: HeaderMap,
    mut w: WebTx,
    Form(f): Form<ImportForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    let shell = Shell::load(&mut w, Nav::Import).await?;
    let lang = shell.lang;
    let mode = f.mode.unwrap_or_default();
    let stock = f.kind == "stock";
    let needed = if stock {
        Permission::MoveCreate
    } else {
        Permission::ProductManage
    };
    if !w.ctx().can(needed) {
        return Err(WebError::from_api(
            crate::error::ApiError::forbidden("Not permitted."),
            lang,
        ));
    }
    let params = AppQuery(ImportParams { mode: Some(mode) });
    let result = if stock {
        import_opening_stock(w.tx, params, f.csv).await
    } else {
        import_products(w.tx, params, f.csv).await
    };
    let outcome = match result {
        Ok(resp) => {
            let bytes = axum::body::to_bytes(resp.into_body(), 16 * 1024 * 1024)
                .await
                .map_err(|e| WebError::from_api(anyhow::anyhow!(e).into(), lang))?;
            let report: ImportReport = serde_json::from_slice(&bytes)
                .map_err(|e| WebError::from_api(anyhow::anyhow!(e).into(), lang))?;
            Outcome::Report(report)
        }
        Err(crate::error::ApiError::Client {
            status, message, ..
        }) if status.is_client_error() && status != StatusCode::FORBIDDEN => {
            Outcome::Refused(message)
        }
        Err(e) => return Err(WebError::from_api(e, lang)),
    };
    if from_script(&headers) {
        let mut r = dioxus_ssr::Renderer::new();
        return Ok(Html(r.render_element(report_view(lang, &outcome))).into_response());
    }
    let kind = if stock { "stock" } else { "products" };
    let body = page_body(&shell, kind, mode, Some(&outcome));
    Ok(app_page(&shell, lang.t(Key::ImportTitle), body).into_response())
}
