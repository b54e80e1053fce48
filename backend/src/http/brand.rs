//! Brand assets (favicon, logo) and the landing page that links to the API docs.
//! The managers' web view grows from here.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::long_cache;
use crate::state::AppState;

pub const ICON_ICO: &[u8] = include_bytes!("../../../assets/techguru_icon.ico");
pub const LOGO_PNG: &[u8] = include_bytes!("../../../assets/techguru_logo.png");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/favicon.ico", get(favicon))
        .route("/assets/techguru_icon.ico", get(favicon))
        .route("/assets/techguru_logo.png", get(logo))
        .route("/", get(landing))
}

async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "image/x-icon".parse().expect("static"),
            ),
            (header::CACHE_CONTROL, long_cache()),
        ],
        ICON_ICO,
    )
        .into_response()
}

async fn logo() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png".parse().expect("static")),
            (header::CACHE_CONTROL, long_cache()),
        ],
        LOGO_PNG,
    )
        .into_response()
}

async fn landing() -> Html<&'static str> {
    Html(LANDING)
}

const LANDING: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ElevateCRM by TECHGURU</title>
<link rel="icon" href="/favicon.ico" sizes="any">
<style>
  :root { color-scheme: light dark; --bg:#ffffff; --fg:#0f172a; --link:#3730a3; }
  @media (prefers-color-scheme: dark) { :root { --bg:#0f172a; --fg:#f1f5f9; --link:#a5b4fc; } }
  body { margin:0; font-family: system-ui, sans-serif; background:var(--bg); color:var(--fg); }
  header { display:flex; align-items:center; gap:1rem; padding:1rem 1.5rem; border-bottom:1px solid #94a3b8; }
  header img { height:48px; width:auto; }
  main { padding:1.5rem; max-width:48rem; }
  a { color:var(--link); font-weight:600; }
  a:focus-visible { outline:3px solid var(--link); outline-offset:3px; }
  li { margin:.75rem 0; min-height:48px; }
</style>
</head>
<body>
<header role="banner"><img src="/assets/techguru_logo.png" alt="TECHGURU"><span>ElevateCRM</span></header>
<main id="main">
<h1>ElevateCRM</h1>
<p>CRM and inventory for small and medium businesses.</p>
<ul>
  <li><a href="/api/docs">API documentation</a></li>
  <li><a href="/api/v1/openapi.json">OpenAPI document</a></li>
  <li><a href="/health/ready">Service health</a></li>
</ul>
</main>
</body>
</html>
"##;
