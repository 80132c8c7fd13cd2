//! GraphiQL is served from the binary: the page, its embedded assets, and nothing from a CDN.

use axum::{
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
    response::Response,
};
use tower::ServiceExt as _;

const CDN_HOSTS: &[&str] = &[
    "unpkg.com",
    "jsdelivr.net",
    "cdnjs.cloudflare.com",
    "esm.sh",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
];

async fn get(uri: &str) -> Response {
    get_with(uri, &gateway::config::GatewayConfig::default()).await
}

async fn get_with(uri: &str, config: &gateway::config::GatewayConfig) -> Response {
    gateway::server::graphiql::router(config)
        .oneshot(
            Request::get(uri)
                .body(Body::empty())
                .expect("valid request"),
        )
        .await
        .expect("the router is infallible")
}

async fn body_text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body is readable");
    String::from_utf8(bytes.to_vec()).expect("served text is UTF-8")
}

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .expect("ASCII header")
}

/// Values of every `src="…"` and `href="…"` attribute of the page.
fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("attribute is closed");
            urls.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    urls
}

fn assert_no_cdn(what: &str, text: &str) {
    for scheme in ["https://", "http://"] {
        for (at, _) in text.match_indices(scheme) {
            let url: String = text[at..].chars().take(80).collect();
            assert!(
                !CDN_HOSTS.iter().any(|host| url.contains(host)),
                "{what} points to a CDN: {url}"
            );
        }
    }
}

async fn page() -> String {
    let response = get("/graphiql").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_of(&response, header::CONTENT_TYPE).starts_with("text/html"));
    body_text(response).await
}

#[tokio::test]
async fn page_is_html_that_references_only_embedded_assets() {
    let html = page().await;
    assert!(
        html.starts_with("<!doctype html>"),
        "page starts: {}",
        &html[..40]
    );
    assert!(html.contains("<div id=\"graphiql\">"));

    let urls = referenced_urls(&html);
    assert!(
        urls.len() >= 6,
        "expected the scripts, styles and icon, got {urls:?}"
    );
    for url in &urls {
        assert!(
            url.starts_with("/graphiql/assets/"),
            "page references {url}"
        );
    }
    assert_no_cdn("the page", &html);
}

#[tokio::test]
async fn every_referenced_asset_is_served_with_its_content_type_and_long_cache() {
    let html = page().await;
    for url in referenced_urls(&html) {
        let response = get(&url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let expected = match url.rsplit_once('.').map(|(_, ext)| ext) {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            Some("svg") => "image/svg+xml",
            other => panic!("unexpected asset type {other:?} for {url}"),
        };
        assert!(
            header_of(&response, header::CONTENT_TYPE).starts_with(expected),
            "{url}"
        );
        let cache = header_of(&response, header::CACHE_CONTROL);
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{url}: {cache}"
        );

        let body = body_text(response).await;
        assert!(!body.trim().is_empty(), "{url} is empty");
        assert_no_cdn(&url, &body);
        assert!(
            !body.contains("sourceMappingURL="),
            "{url} asks for a source map that is not served"
        );
    }
}

#[tokio::test]
async fn asset_names_carry_a_content_hash() {
    let html = page().await;
    for url in referenced_urls(&html) {
        let file = url.trim_start_matches("/graphiql/assets/");
        let (stem, _) = file.rsplit_once('.').expect("asset has an extension");
        let (_, hash) = stem.rsplit_once('-').expect("name-hash.ext");
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{file}"
        );
    }
}

#[tokio::test]
async fn unknown_asset_is_not_found() {
    for uri in [
        "/graphiql/assets/nope.js",
        "/graphiql/assets/app.js",
        "/graphiql/assets/",
    ] {
        assert_eq!(get(uri).await.status(), StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn page_asks_for_the_query_plan_and_talks_to_same_origin_graphql() {
    let html = page().await;
    let app = referenced_urls(&html)
        .into_iter()
        .find(|url| url.contains("/app-") && url.ends_with(".js"))
        .expect("the page loads app.js");
    let script = body_text(get(&app).await).await;
    assert!(
        script.contains("x-query-plan"),
        "requests carry x-query-plan"
    );
    assert!(script.contains("/graphql"), "GraphiQL targets /graphql");
    assert!(
        script.contains("graphqlWs.createClient"),
        "subscriptions go over graphql-transport-ws"
    );
    assert!(
        referenced_urls(&html)
            .iter()
            .any(|url| url.contains("/graphql-ws-") && url.ends_with(".js")),
        "the page loads the WebSocket client before app.js"
    );
}

#[tokio::test]
async fn the_collection_lists_the_configured_operations_as_tabs() {
    let mut config = gateway::config::GatewayConfig::default();
    config.rest.routes = vec![gateway::config::RestRoute {
        path: "/api/v1/cosas/{id}".into(),
        operation: Some("query Cosa($id: ID!) { cosa(id: $id) { id } }".into()),
        ..Default::default()
    }];
    let response = get_with("/graphiql/collection.json", &config).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/json"
    );
    let tabs: serde_json::Value = serde_json::from_str(&body_text(response).await).expect("JSON");
    assert_eq!(
        tabs,
        serde_json::json!([{
            "query": "query Cosa($id: ID!) { cosa(id: $id) { id } }",
            "variables": "{\n  \"id\": \"\"\n}"
        }])
    );
    let empty = get("/graphiql/collection.json").await;
    assert_eq!(body_text(empty).await, "[]");
}
