//! Request ids: taken from the client's `x-request-id` header when it is a sane
//! token, generated (UUIDv7) otherwise, echoed on the response, attached to the
//! log span and available to the error envelope through a task-local.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware: assigns the id and runs the rest of the stack inside its scope.
pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let value = HeaderValue::from_str(&id).expect("validated header value");
    req.headers_mut().insert(HEADER, value.clone());
    let mut resp = REQUEST_ID.scope(id, next.run(req)).await;
    resp.headers_mut().insert(HEADER, value);
    resp
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn rejects_header_injection_and_oversized_ids() {
        assert!(acceptable("0192f0c1-7c1e-7d2a-9f00-1234567890ab"));
        assert!(acceptable("client.req:42"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("x\r\nset-cookie: y"));
        assert!(!acceptable(&"a".repeat(129)));
    }
}
