//! OpenTelemetry export: a client request and its subgraph fetches reach an OTLP/HTTP
//! collector as one trace that continues the client's `traceparent`, and each subgraph
//! receives the trace context of its fetch.
//!
//! A test binary of its own: the tracing subscriber it installs is process-wide.

use std::sync::{Arc, Mutex, PoisonError};

use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use gateway::{
    compose::{SubgraphSdl, compose},
    config::GatewayConfig,
    server::{AppState, serve_with},
    startup::{engine_from_config, init_tracing},
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{KeyValue, any_value::Value as Attribute},
    trace::v1::Span,
};
use prost::Message;
use serde_json::{Value, json};
use tokio::net::TcpListener;

type Received = Arc<Mutex<Vec<ExportTraceServiceRequest>>>;

/// A collector that keeps every OTLP/HTTP protobuf export it is sent; returns its base URL.
async fn collector() -> (String, Received) {
    async fn export(State(received): State<Received>, body: Bytes) -> StatusCode {
        match ExportTraceServiceRequest::decode(body) {
            Ok(request) => {
                received
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(request);
                StatusCode::OK
            }
            Err(_) => StatusCode::BAD_REQUEST,
        }
    }
    let received = Received::default();
    let app = Router::new()
        .route("/v1/traces", post(export))
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Attribute> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn text(span: &Span, key: &str) -> String {
    match attribute(&span.attributes, key) {
        Some(Attribute::StringValue(s)) => s.clone(),
        other => panic!("span {}: attribute {key} is {other:?}", span.name),
    }
}

const CLIENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_its_subgraph_fetches_are_exported_as_one_trace() {
    let (collector_url, received) = collector().await;
    let subgraphs = test_subgraphs::conformance::start().await;
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    let supergraph = compose(&sdls).expect("the fixture subgraphs compose");
    let mut config = GatewayConfig::default();
    config.telemetry.otlp_endpoint = Some(format!("{collector_url}/"));
    config.telemetry.service_name = "gateway-under-test".into();
    config.validate().expect("a valid configuration");
    let tracing = init_tracing(Some(&config.telemetry)).expect("export starts");

    let engine = engine_from_config(&supergraph, &config).expect("engine");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = config.clone();
    tokio::spawn(async move {
        serve_with(listener, AppState::new(engine), &served, async {
            let _ = stopped.await;
        })
        .await
    });

    let response: Value = reqwest::Client::new()
        .post(&url)
        .header("traceparent", format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"))
        .header("x-request-id", "telemetry-test-1")
        .json(&json!({ "query": "query Me { me { name reviews { body } } }" }))
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("JSON body");
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace", "reviews": [
            { "body": "Love it!" }, { "body": "Too expensive." }
        ] } } })
    );
    let _ = stop.send(());
    // Dropping the guard exports what is still buffered.
    drop(tracing);

    let exports = received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let resources: Vec<_> = exports.iter().flat_map(|e| &e.resource_spans).collect();
    assert!(!resources.is_empty(), "nothing was exported");
    for resource in &resources {
        let attributes = &resource.resource.as_ref().expect("resource").attributes;
        assert_eq!(
            attribute(attributes, "service.name"),
            Some(&Attribute::StringValue("gateway-under-test".into()))
        );
    }
    let spans: Vec<&Span> = resources
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .collect();

    // The request's span continues the client's trace.
    let requests: Vec<&&Span> = spans
        .iter()
        .filter(|s| s.name == "graphql.request")
        .collect();
    assert_eq!(requests.len(), 1, "{spans:#?}");
    let request = requests[0];
    assert_eq!(hex(&request.trace_id), CLIENT_TRACE);
    assert_eq!(hex(&request.parent_span_id), CLIENT_SPAN);
    assert_eq!(text(request, "graphql.operation.name"), "Me");
    assert_eq!(text(request, "request_id"), "telemetry-test-1");
    assert_eq!(text(request, "outcome"), "Ok");

    // One fetch span per subgraph called, children of the request's span.
    let mut fetches: Vec<&&Span> = spans
        .iter()
        .filter(|s| s.name == "subgraph.fetch")
        .collect();
    fetches.sort_by_key(|s| text(s, "subgraph.name"));
    let names: Vec<String> = fetches.iter().map(|s| text(s, "subgraph.name")).collect();
    assert_eq!(names, ["accounts", "reviews"], "{spans:#?}");
    for fetch in &fetches {
        assert_eq!(hex(&fetch.trace_id), CLIENT_TRACE);
        assert_eq!(fetch.parent_span_id, request.span_id);
        assert_eq!(
            attribute(&fetch.attributes, "http.response.status_code"),
            Some(&Attribute::IntValue(200))
        );
        // Each subgraph was sent its fetch's span as the parent of whatever it traces.
        let subgraph = test_subgraphs::by_name(&subgraphs, &text(fetch, "subgraph.name"));
        let traceparents: Vec<String> = subgraph
            .request_headers()
            .iter()
            .filter_map(|h| h.get("traceparent"))
            .map(|v| v.to_str().expect("ASCII").to_owned())
            .collect();
        assert_eq!(
            traceparents,
            [format!("00-{CLIENT_TRACE}-{}-01", hex(&fetch.span_id))]
        );
    }
}
