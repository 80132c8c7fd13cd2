//! The console's files, compiled in, each with a content hash for its `ETag`.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// `(name, content type, body)` of every file under `/console/assets/`.
const FILES: &[(&str, &str, &[u8])] = &[
    ("style.css", CSS, include_bytes!("../ui/style.css")),
    ("favicon.svg", SVG, include_bytes!("../ui/favicon.svg")),
    ("app.js", JS, include_bytes!("../ui/app.js")),
    ("api.js", JS, include_bytes!("../ui/api.js")),
    ("live.js", JS, include_bytes!("../ui/live.js")),
    ("dom.js", JS, include_bytes!("../ui/dom.js")),
    ("charts.js", JS, include_bytes!("../ui/charts.js")),
    ("forms.js", JS, include_bytes!("../ui/forms.js")),
    ("dashboard.js", JS, include_bytes!("../ui/dashboard.js")),
    ("busqueda.js", JS, include_bytes!("../ui/busqueda.js")),
    ("detalles.js", JS, include_bytes!("../ui/detalles.js")),
    ("acciones.js", JS, include_bytes!("../ui/acciones.js")),
    // The repository's persisted operations the console runs.
    (
        "Dashboard.graphql",
        GRAPHQL,
        include_bytes!("../../operations/Dashboard.graphql"),
    ),
    (
        "Busqueda.graphql",
        GRAPHQL,
        include_bytes!("../../operations/Busqueda.graphql"),
    ),
    (
        "ClienteDetalle.graphql",
        GRAPHQL,
        include_bytes!("../../operations/ClienteDetalle.graphql"),
    ),
    (
        "AfiliadoDetalle.graphql",
        GRAPHQL,
        include_bytes!("../../operations/AfiliadoDetalle.graphql"),
    ),
    (
        "PagoDetalle.graphql",
        GRAPHQL,
        include_bytes!("../../operations/PagoDetalle.graphql"),
    ),
];

const PAGE: &[u8] = include_bytes!("../ui/index.html");
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";
const GRAPHQL: &str = "application/graphql; charset=utf-8";

/// Only this origin: scripts, styles, the API and its WebSocket (`connect-src 'self'`
/// covers same-origin `ws:`); inline SVG charts need no image source.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The ETag of each file and of the page, computed once.
static ETAGS: LazyLock<Vec<(&'static str, HeaderValue)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, _, body)| (*name, etag(body)))
        .chain([("", etag(PAGE))])
        .collect()
});

/// FNV-1a of the content as a strong ETag (not a security hash: it only tells versions apart).
fn etag(body: &[u8]) -> HeaderValue {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    HeaderValue::from_str(&format!("\"{hash:016x}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A file answered with revalidation: browsers keep it and ask with `If-None-Match`.
fn respond(
    key: &str,
    content_type: &'static str,
    body: &'static [u8],
    request: &HeaderMap,
) -> Response {
    let tag = ETAGS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, tag)| tag.clone())
        .unwrap_or(HeaderValue::from_static("\"0\""));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (header::ETAG, tag.clone()),
    ];
    if request.get(header::IF_NONE_MATCH) == Some(&tag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, body).into_response()
}

/// `GET /console`: the single page (its views are chosen by the address's `#` part).
pub(crate) async fn page(request: HeaderMap) -> Response {
    respond("", "text/html; charset=utf-8", PAGE, &request)
}

/// `GET /console/assets/{file}`.
pub(crate) async fn asset(Path(file): Path<String>, request: HeaderMap) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((name, content_type, body)) => respond(name, content_type, body, &request),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn get(uri: &str, etag: Option<&HeaderValue>) -> Response {
        let mut request = Request::get(uri);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        crate::router()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible")
    }

    #[tokio::test]
    async fn every_file_is_served_and_revalidated() {
        for (name, content_type, _) in FILES {
            let response = get(&format!("/console/assets/{name}"), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], *content_type);
            let tag = response.headers()[header::ETAG].clone();
            let again = get(&format!("/console/assets/{name}"), Some(&tag)).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{name}");
        }
        let page = get("/console", None).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(
            page.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ascii")
                .contains("script-src 'self'")
        );
        assert_eq!(
            get("/console/assets/nada.js", None).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn the_page_names_only_files_that_exist() {
        let page = std::str::from_utf8(PAGE).expect("utf-8");
        for reference in page.split("/console/assets/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(FILES.iter().any(|(file, _, _)| *file == name), "{name}");
        }
        // Every module a module imports is served too.
        for (name, _, body) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            let text = std::str::from_utf8(body).expect("utf-8");
            for import in text.split("from './").skip(1) {
                let target = import.split('\'').next().unwrap_or_default();
                assert!(
                    FILES.iter().any(|(file, _, _)| *file == target),
                    "{name} imports {target}"
                );
            }
        }
    }
}
