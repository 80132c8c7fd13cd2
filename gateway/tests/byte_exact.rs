//! Subgraph answers pass through the gateway byte for byte: floats, integers beyond 64
//! bits and long decimals come back to the client exactly as the subgraph wrote them, in
//! root fields, entity fields and the representations sent on to other subgraphs; and client
//! variables reach subgraphs as the client wrote them.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, routing::post};
use gateway::{
    compose::{SubgraphSdl, compose},
    server::{AppState, serve},
    startup::engine_from_sdl,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::{net::TcpListener, sync::oneshot};

const READINGS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
scalar BigInt
scalar Decimal
type Query {
  readings: [Reading!]!
  samples: [Float!]!
  reading(serial: BigInt!, exact: Decimal, ratio: Float, count: Int): Reading
}
type Reading @key(fields: "serial") {
  serial: BigInt!
  value: Float!
  big: BigInt!
  exact: Decimal!
}
"#;

const CALIBRATION_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
scalar BigInt
type Reading @key(fields: "serial") {
  serial: BigInt!
  calibration: Float
}
"#;

/// The numbers no `f64` holds as written, and some that print differently once parsed.
const READINGS: [(&str, &str, &str, &str); 3] = [
    (
        "123456789012345678901",
        "-234.71146943839653",
        "123456789012345678901",
        "3.141592653589793238462643383279502884197",
    ),
    (
        "-98765432109876543210",
        "1.7976931348623157e308",
        "-98765432109876543210",
        "1.50",
    ),
    (
        "18446744073709551616",
        "5e-324",
        "-0",
        "0.10000000000000000000001",
    ),
];
const CALIBRATIONS: [&str; 3] = ["0.30000000000000004", "-1E-7", "1e400"];

/// A subgraph answering fixed JSON text, recording the request bodies it gets.
struct RawSubgraph {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn raw_subgraph(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> RawSubgraph {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let answer = Arc::new(answer);
    let app = Router::new().route(
        "/graphql",
        post(move |body: Bytes| {
            let text = String::from_utf8_lossy(&body).into_owned();
            let reply = answer(&text);
            log.lock().expect("log").push(text);
            async move { ([("content-type", "application/json")], reply) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    RawSubgraph { url, requests }
}

fn readings_answer(samples: &str) -> String {
    let readings: Vec<String> = READINGS
        .iter()
        .map(|(serial, value, big, exact)| {
            format!(
                // `_ik_serial`: the planner's own alias of the key, whichever it asks for.
                r#"{{"__typename":"Reading","serial":{serial},"_ik_serial":{serial},"value":{value},"big":{big},"exact":{exact}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"data":{{"readings":[{}],"samples":[{samples}]}}}}"#,
        readings.join(",")
    )
}

fn calibrations_answer() -> String {
    let entities: Vec<String> = CALIBRATIONS
        .iter()
        .map(|c| format!(r#"{{"__typename":"Reading","calibration":{c}}}"#))
        .collect();
    format!(r#"{{"data":{{"_entities":[{}]}}}}"#, entities.join(","))
}

/// Random doubles as a subgraph would print them: shortest round-trip text, some in
/// exponent form.
fn random_floats(count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(18);
    (0..count)
        .map(|i| {
            let x = f64::from_bits(rng.random::<u64>());
            let x = if x.is_finite() {
                x
            } else {
                rng.random::<f64>() * 1e6 - 5e5
            };
            if i % 3 == 0 {
                format!("{x:e}")
            } else {
                format!("{x}")
            }
        })
        .collect()
}

async fn gateway(subgraphs: &[(&str, &str, &RawSubgraph)]) -> (String, oneshot::Sender<()>) {
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|(name, sdl, raw)| SubgraphSdl {
            name: (*name).to_owned(),
            url: raw.url.clone(),
            sdl: (*sdl).to_owned(),
        })
        .collect();
    let supergraph = compose(&sdls).expect("the subgraphs compose");
    let engine = engine_from_sdl(&supergraph, Duration::from_secs(5)).expect("a valid supergraph");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, AppState::new(engine), async {
        let _ = stopped.await;
    }));
    (url, stop)
}

async fn post_text(url: &str, query: &str) -> String {
    reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("gateway answers")
        .text()
        .await
        .expect("text body")
}

#[tokio::test]
async fn numbers_reach_the_client_and_other_subgraphs_exactly_as_written() {
    let floats = random_floats(3000);
    let samples = floats.join(",");
    let answer = readings_answer(&samples);
    let readings = raw_subgraph(move |_| answer.clone()).await;
    let calibration = raw_subgraph(|_| calibrations_answer()).await;
    let (url, _stop) = gateway(&[
        ("readings", READINGS_SDL, &readings),
        ("calibration", CALIBRATION_SDL, &calibration),
    ])
    .await;

    let body = post_text(
        &url,
        "{ readings { serial value big exact calibration } samples }",
    )
    .await;
    let expected_readings: Vec<String> = READINGS
        .iter()
        .zip(CALIBRATIONS)
        .map(|((serial, value, big, exact), calibration)| {
            format!(
                r#"{{"serial":{serial},"value":{value},"big":{big},"exact":{exact},"calibration":{calibration}}}"#
            )
        })
        .collect();
    let expected = format!(
        r#"{{"data":{{"readings":[{}],"samples":[{samples}]}}}}"#,
        expected_readings.join(",")
    );
    // The keys went on to the other subgraph as the first one wrote them.
    let sent = calibration.requests.lock().expect("log").clone();
    assert_eq!(sent.len(), 1, "one entity fetch: {sent:?}");
    for (serial, ..) in READINGS {
        assert!(
            sent[0].contains(&format!(r#""serial":{serial}"#)),
            "representation of {serial} changed: {}",
            sent[0]
        );
    }
    assert_eq!(body, expected);
}

#[tokio::test]
async fn a_number_outside_json_grammar_is_a_malformed_answer_not_passed_on() {
    let broken = raw_subgraph(|_| r#"{"data":{"samples":[01]}}"#.to_owned()).await;
    let (url, _stop) = gateway(&[("readings", READINGS_SDL, &broken)]).await;
    let body: serde_json::Value =
        serde_json::from_str(&post_text(&url, "{ samples }").await).expect("JSON answer");
    assert_eq!(body["data"], serde_json::Value::Null);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBREQUEST_MALFORMED_RESPONSE"
    );
}

/// Variables no `f64` holds as written: the client's text, sent as is (`count` is plain).
const VARIABLES: &str = r#"{"serial": 123456789012345678901234, "exact": 3.141592653589793238462643383279502884197, "ratio": 1.50, "count": 7}"#;
const READING_QUERY: &str = "query Reading($serial: BigInt!, $exact: Decimal, $ratio: Float, $count: Int) { reading(serial: $serial, exact: $exact, ratio: $ratio, count: $count) { serial } }";

fn assert_sent_as_written(sent: &str) {
    for written in [
        r#""serial":123456789012345678901234"#,
        r#""exact":3.141592653589793238462643383279502884197"#,
        r#""ratio":1.50"#,
        r#""count":7"#,
    ] {
        assert!(sent.contains(written), "{written} not in {sent}");
    }
}

#[tokio::test]
async fn client_variables_reach_subgraphs_exactly_as_written() {
    let readings = raw_subgraph(|_| r#"{"data":{"reading":null}}"#.to_owned()).await;
    let (url, _stop) = gateway(&[("readings", READINGS_SDL, &readings)]).await;
    let client = reqwest::Client::new();

    // POST: the body's text.
    let body = format!(
        r#"{{"query":{},"variables":{VARIABLES}}}"#,
        serde_json::to_string(READING_QUERY).expect("a string")
    );
    let answer = |request: reqwest::RequestBuilder| async move {
        let answer: serde_json::Value = request
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("JSON answer");
        assert_eq!(
            answer["data"]["reading"],
            serde_json::Value::Null,
            "{answer}"
        );
    };
    answer(
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    // GET: the `variables` parameter's text.
    let mut get = reqwest::Url::parse(&url).expect("a URL");
    get.query_pairs_mut()
        .append_pair("query", READING_QUERY)
        .append_pair("variables", VARIABLES);
    answer(client.get(get)).await;
    let sent = readings.requests.lock().expect("log").clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    sent.iter().for_each(|s| assert_sent_as_written(s));
}
