//! The HTTP client the sign-in and sync transports share, chosen per target.
//!
//! The transports are written once, as `async fn`s over [`send`]. Natively `send` uses
//! reqwest's blocking client, so its future is ready when first polled and the blocking
//! trait impls run it to its end with [`finish`] on the caller's (worker) thread.
//! In the browser (wasm32) it is reqwest's fetch client, awaited on the browser's event
//! loop; there is no blocking I/O there.

/// What came back: status, `Retry-After` (seconds) and the body.
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: String,
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::Answer;

    pub(crate) type Client = reqwest::blocking::Client;
    pub(crate) type RequestBuilder = reqwest::blocking::RequestBuilder;

    pub(crate) fn client() -> reqwest::Result<Client> {
        Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
    }

    /// Sends the request; `Err` when no answer arrived (no connection, timeout, cut off).
    #[allow(clippy::unused_async)] // the same signature as the browser's, which awaits
    pub(crate) async fn send(request: RequestBuilder) -> Result<Answer, String> {
        let response = request.send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let retry_after = super::retry_after(response.headers());
        let body = response.text().map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::Answer;

    pub(crate) type Client = reqwest::Client;
    pub(crate) type RequestBuilder = reqwest::RequestBuilder;

    /// The browser's fetch; it applies its own connection timeouts.
    pub(crate) fn client() -> reqwest::Result<Client> {
        Client::builder().build()
    }

    /// Sends the request; `Err` when no answer arrived (offline, CORS refused, cut off).
    pub(crate) async fn send(request: RequestBuilder) -> Result<Answer, String> {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let retry_after = super::retry_after(response.headers());
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

pub(crate) use imp::{client, send, Client, RequestBuilder};

/// Runs a transport's future to its end on this thread. Natively every await in the
/// transports is a blocking call, so the future is complete after its first poll; no
/// executor is entered, so this also works under `block_on` (the sync round and sign-in
/// drive these futures that way).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn finish<T>(future: impl std::future::Future<Output = T>) -> T {
    futures::FutureExt::now_or_never(future)
        .expect("the blocking HTTP client's futures are ready when first polled")
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// `code` and `message` of the API's error shape (`{"error": {"code", "message"}}`, or
/// the two at the top level).
pub(crate) fn error_fields(body: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let field = |name: &str| {
        v.pointer(&format!("/error/{name}"))
            .or_else(|| v.get(name))
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    (field("code"), field("message"))
}
