//! Getting a running subgraph's SDL: `{ _service { sdl } }` over HTTP.

use std::time::Duration;

/// Why a subgraph's SDL could not be fetched; every variant names the URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// No connection, a timeout, or a body that is not JSON.
    #[error("subgraph at {url} is not reachable: {source}")]
    Unreachable {
        /// The subgraph URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A non-success HTTP status.
    #[error("subgraph at {url} answered HTTP {status}")]
    Status {
        /// The subgraph URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A GraphQL answer without `data._service.sdl` (not a federation subgraph?).
    #[error("subgraph at {url} returned no _service.sdl: {detail}")]
    NoSdl {
        /// The subgraph URL.
        url: String,
        /// The errors it returned, or the answer itself.
        detail: String,
    },
}

/// Time allowed for one subgraph to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client for [`fetch_sdl`] that presents the gateway's shared credential
/// (`x-gateway-secret`) to subgraphs that answer only the gateway.
pub fn sdl_client(secret: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(value) = secret.and_then(|s| reqwest::header::HeaderValue::from_str(s).ok()) {
        headers.insert(crate::executor::SECRET_HEADER, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap_or_default()
}

/// Fetches the Federation SDL of the subgraph at `url`.
pub async fn fetch_sdl(client: &reqwest::Client, url: &str) -> Result<String, FetchError> {
    let unreachable = |source| FetchError::Unreachable {
        url: url.to_owned(),
        source,
    };
    let response = client
        .post(url)
        .timeout(TIMEOUT)
        .json(&serde_json::json!({ "query": "{ _service { sdl } }" }))
        .send()
        .await
        .map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: response.status().as_u16(),
        });
    }
    let body: serde_json::Value = response.json().await.map_err(unreachable)?;
    match body.pointer("/data/_service/sdl").and_then(|s| s.as_str()) {
        Some(sdl) => Ok(sdl.to_owned()),
        None => Err(FetchError::NoSdl {
            url: url.to_owned(),
            detail: body.get("errors").unwrap_or(&body).to_string(),
        }),
    }
}
