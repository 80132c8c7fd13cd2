//! Federated subscriptions through the gateway, with real WebSocket clients: a `live`
//! subgraph publishes `productUpdated { upc }`; every other field of the event comes from
//! the conformance subgraphs through the plan's `_entities` fetches (products, then
//! reviews, then accounts).

#[path = "common/authz.rs"]
mod authz;
#[path = "common/ws.rs"]
mod ws;

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::{Context, EmptyMutation, ID, Object, Schema, SimpleObject, Subscription};
use futures::{Stream, StreamExt};
use gateway::{
    compose::{SubgraphSdl, compose},
    config::GatewayConfig,
    server::{AppState, serve_with},
    startup::engine_from_config,
};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use test_subgraphs::{Subgraph, TestSubgraph};
use tokio::sync::{broadcast, oneshot};
use ws::{Event, WsClient};

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
const WAIT: Duration = Duration::from_secs(10);
const SUBSCRIPTION: &str =
    "subscription { productUpdated { upc name price reviews { body author { name } } } }";
const REFERENCE: &str =
    "{ product(upc: \"1\") { upc name price reviews { body author { name } } } }";

/// A product announced by the `live` subgraph; the other subgraphs resolve the rest.
#[derive(SimpleObject)]
#[graphql(unresolvable = "upc")]
struct Product {
    upc: ID,
}

struct LiveQuery;

#[Object(name = "Query")]
impl LiveQuery {
    /// Whether the live subgraph is up.
    async fn live(&self) -> bool {
        true
    }
}

struct LiveSubscription;

#[Subscription(name = "Subscription")]
impl LiveSubscription {
    /// Each product upc sent on the test's channel.
    async fn product_updated(&self, ctx: &Context<'_>) -> impl Stream<Item = Product> + use<> {
        let receiver = ctx
            .data_unchecked::<broadcast::Sender<String>>()
            .subscribe();
        futures::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(upc) => return Some((Product { upc: ID(upc) }, receiver)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}

struct Live {
    http: String,
    ws: String,
    events: broadcast::Sender<String>,
    live: TestSubgraph,
    subgraphs: Vec<TestSubgraph>,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
}

impl Live {
    async fn start(config: GatewayConfig) -> Self {
        Self::start_with(config, |supergraph| supergraph).await
    }

    /// Starts with the composed supergraph edited by `edit` first.
    async fn start_with(config: GatewayConfig, edit: impl Fn(String) -> String) -> Self {
        let (events, _) = broadcast::channel(1024);
        let schema = Schema::build(LiveQuery, EmptyMutation, LiveSubscription)
            .enable_subscription_in_federation()
            .data(events.clone())
            .finish();
        let live = Subgraph::from_schema("live", schema)
            .start()
            .await
            .expect("live subgraph");
        let subgraphs = test_subgraphs::conformance::start().await;
        let sdls: Vec<SubgraphSdl> = subgraphs
            .iter()
            .chain([&live])
            .map(|s| SubgraphSdl {
                name: s.name().to_owned(),
                url: s.url().to_owned(),
                sdl: s.sdl().to_owned(),
            })
            .collect();
        let supergraph = edit(compose(&sdls).expect("composes"));
        let engine = engine_from_config(&supergraph, &config).expect("engine");
        let state = AppState::configured(engine, &config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            serve_with(listener, serving, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            http: format!("http://{address}/graphql"),
            ws: format!("ws://{address}/graphql"),
            events,
            live,
            subgraphs,
            state,
            stop: Some(stop),
        }
    }

    /// Sends a product upc once the live subgraph has exactly `subscribers` upstream
    /// subscriptions (earlier ones closed, new ones open).
    async fn publish(&self, id: &str, subscribers: usize) {
        for _ in 0..500 {
            if self.events.receiver_count() == subscribers {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            self.events.receiver_count() == subscribers,
            "{} upstream subscriptions, expected {subscribers}",
            self.events.receiver_count()
        );
        self.events.send(id.to_owned()).expect("a subscriber");
    }

    fn subgraph(&self, name: &str) -> &TestSubgraph {
        test_subgraphs::by_name(&self.subgraphs, name)
    }
}

fn token(scope: &str, exp: u64) -> String {
    encode(
        &Header::default(),
        &json!({ "sub": "ana", "scope": scope, "exp": exp }),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token")
}

const UPC: &str = "1";

async fn next_data(client: &mut WsClient, id: &str) -> Value {
    let message = client.message(WAIT).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], id, "{message}");
    message["payload"].clone()
}

#[tokio::test]
async fn events_are_completed_with_fields_of_other_subgraphs() {
    let f = Live::start(GatewayConfig::default()).await;
    let mut client = WsClient::connect(&f.ws, json!({})).await;
    client.subscribe("s1", SUBSCRIPTION).await;
    f.publish(UPC, 1).await;
    let first = next_data(&mut client, "s1").await;
    // The same review straight from the subgraphs, as a query, is the reference.
    let reference: Value = reqwest::Client::new()
        .post(&f.http)
        .json(&json!({ "query": REFERENCE }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert_eq!(
        first["data"]["productUpdated"], reference["data"]["product"],
        "{first}"
    );
    assert!(first["data"]["productUpdated"]["reviews"][0]["author"]["name"].is_string());
    assert!(first.get("errors").is_none(), "{first}");
    // Fetched through `_entities` of reviews for the event.
    let entity_fetches = f
        .subgraph("reviews")
        .requests()
        .iter()
        .filter(|r| r["query"].as_str().is_some_and(|q| q.contains("_entities")))
        .count();
    assert!(entity_fetches >= 1);
    f.publish("2", 1).await;
    let second = next_data(&mut client, "s1").await;
    assert_eq!(second["data"]["productUpdated"]["upc"], "2");
    // The client stops it: the upstream subscription closes.
    client.send(json!({ "id": "s1", "type": "complete" })).await;
    for _ in 0..100 {
        if f.state.engine().upstream_subscriptions() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(f.state.engine().upstream_subscriptions(), 0);
}

#[tokio::test]
async fn queries_and_mutations_run_over_the_socket_too() {
    let f = Live::start(GatewayConfig::default()).await;
    let mut client = WsClient::connect(&f.ws, json!({})).await;
    client
        .subscribe("q", "{ review(id: \"r1\") { id author { name } } }")
        .await;
    let answer = next_data(&mut client, "q").await;
    assert_eq!(answer["data"]["review"]["id"], "r1");
    assert_eq!(
        client.message(WAIT).await,
        json!({ "type": "complete", "id": "q" })
    );
    // Invalid operations are an `error` for their id; the connection stays.
    client.subscribe("bad", "subscription { nope }").await;
    let error = client.message(WAIT).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "bad");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.message(WAIT).await["type"], "pong");
}

#[tokio::test]
async fn identical_subscriptions_share_one_upstream_and_a_thousand_subscribers_get_each_event_once()
{
    let f = Live::start(GatewayConfig::default()).await;
    let (connections, per_connection) = (50, 20);
    let mut clients = Vec::new();
    for _ in 0..connections {
        let mut client = WsClient::connect(&f.ws, json!({})).await;
        for n in 0..per_connection {
            client.subscribe(&format!("s{n}"), SUBSCRIPTION).await;
        }
        clients.push(client);
    }
    // Wait until every subscription joined, then one upstream carries them all.
    for _ in 0..200 {
        if f.state.running_subscriptions() == connections * per_connection {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        f.state.running_subscriptions(),
        connections * per_connection
    );
    assert_eq!(f.state.engine().upstream_subscriptions(), 1);
    assert_eq!(
        f.state.engine().completed_streams(),
        1,
        "each event is completed once for all of them"
    );
    f.publish(UPC, 1).await;
    let mut deliveries: HashMap<String, usize> = HashMap::new();
    for (c, client) in clients.iter_mut().enumerate() {
        for _ in 0..per_connection {
            let message = client.message(WAIT).await;
            assert_eq!(message["type"], "next", "{message}");
            assert_eq!(message["payload"]["data"]["productUpdated"]["upc"], UPC);
            *deliveries
                .entry(format!(
                    "{c}/{}",
                    message["id"].as_str().unwrap_or_default()
                ))
                .or_default() += 1;
        }
        assert_eq!(
            client.event(Duration::from_millis(50)).await,
            Event::Silence,
            "no duplicate"
        );
    }
    assert_eq!(deliveries.len(), connections * per_connection, "no loss");
    assert!(deliveries.values().all(|n| *n == 1), "each exactly once");
}

#[tokio::test]
async fn connection_init_authenticates_and_limits_apply() {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.subscriptions.max_per_connection = 2;
    let f = Live::start(config).await;
    // A bad token is refused with 4403.
    let mut refused = WsClient::open(&f.ws).await;
    refused
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nope" } }))
        .await;
    assert_eq!(refused.event(WAIT).await, Event::Closed(Some(4403)));
    // Subscribing before connection_init is a protocol error.
    let mut early = WsClient::open(&f.ws).await;
    early.subscribe("x", SUBSCRIPTION).await;
    assert_eq!(early.event(WAIT).await, Event::Closed(Some(4401)));

    let valid = token("lectura", 4_000_000_000);
    let mut client =
        WsClient::connect(&f.ws, json!({ "Authorization": format!("Bearer {valid}") })).await;
    client.subscribe("a", SUBSCRIPTION).await;
    client.subscribe("b", SUBSCRIPTION).await;
    client.subscribe("c", SUBSCRIPTION).await;
    let refused = client.message(WAIT).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "c", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "SUBSCRIPTION_LIMIT"
    );
    // A duplicate id closes the connection (4409), as the protocol says.
    client.subscribe("a", SUBSCRIPTION).await;
    assert_eq!(client.event(WAIT).await, Event::Closed(Some(4409)));

    // A token that expires while subscribed ends the subscription at its next event.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let short = token("lectura", now + 2);
    let mut expiring = WsClient::connect(&f.ws, json!({ "token": short })).await;
    expiring.subscribe("e", SUBSCRIPTION).await;
    // Expiry is the gateway's wall clock: publish until an event finds the token expired
    // (events before that are delivered), with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let ended = loop {
        f.publish("2", 1).await;
        let payload = next_data(&mut expiring, "e").await;
        if payload.get("errors").is_some() {
            break payload;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never expired: {payload}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        ended["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{ended}"
    );
    assert_eq!(
        expiring.message(WAIT).await,
        json!({ "type": "complete", "id": "e" })
    );
}

#[tokio::test]
async fn a_subgraph_restart_ends_the_subscription_with_an_error() {
    let f = Live::start(GatewayConfig::default()).await;
    let mut client = WsClient::connect(&f.ws, json!({})).await;
    client.subscribe("s", SUBSCRIPTION).await;
    f.publish(UPC, 1).await;
    next_data(&mut client, "s").await;
    f.live.kill();
    let lost = next_data(&mut client, "s").await;
    assert_eq!(
        lost["errors"][0]["extensions"]["code"], "SUBSCRIPTION_UPSTREAM_LOST",
        "{lost}"
    );
    assert_eq!(lost["errors"][0]["extensions"]["service"], "live");
    assert_eq!(
        client.message(WAIT).await,
        json!({ "type": "complete", "id": "s" })
    );
    // The connection itself stays usable.
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.message(WAIT).await["type"], "pong");
}

#[tokio::test]
async fn server_sent_events_stream_the_same_results() {
    let f = Live::start(GatewayConfig::default()).await;
    let response = reqwest::Client::new()
        .post(&f.http)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": SUBSCRIPTION }))
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    let mut body = response.bytes_stream();
    f.publish(UPC, 1).await;
    let mut text = String::new();
    while !text.contains("\n\n") || !text.contains("event: next") {
        let chunk = tokio::time::timeout(WAIT, body.next())
            .await
            .expect("an event in time")
            .expect("more body")
            .expect("chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text
        .lines()
        .skip_while(|l| *l != "event: next")
        .find_map(|l| l.strip_prefix("data: "))
        .expect("data line");
    let payload: Value = serde_json::from_str(data).expect("json");
    assert_eq!(payload["data"]["productUpdated"]["upc"], UPC);
    assert!(payload["data"]["productUpdated"]["name"].is_string());
    // Over plain JSON a subscription is refused with a clear error.
    let plain: Value = reqwest::Client::new()
        .post(&f.http)
        .json(&json!({ "query": SUBSCRIPTION }))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert!(
        plain["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("text/event-stream"),
        "{plain}"
    );
}

#[tokio::test]
async fn shutdown_completes_subscriptions_and_closes_with_going_away() {
    let mut f = Live::start(GatewayConfig::default()).await;
    let mut client = WsClient::connect(&f.ws, json!({})).await;
    client.subscribe("s", SUBSCRIPTION).await;
    f.publish(UPC, 1).await;
    next_data(&mut client, "s").await;
    let _ = f.stop.take().map(|stop| stop.send(()));
    assert_eq!(
        client.message(WAIT).await,
        json!({ "type": "complete", "id": "s" })
    );
    assert_eq!(client.event(WAIT).await, Event::Closed(Some(1001)));
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped_not_buffered_and_slows_no_one() {
    let mut config = GatewayConfig::default();
    config.subscriptions.buffer = 8;
    let f = Live::start(config).await;
    let query = "subscription { productUpdated { upc } }";
    let mut fast = WsClient::connect(&f.ws, json!({})).await;
    fast.subscribe("f", query).await;
    // Never read until the end: its socket fills, then the gateway's queue for it.
    let mut slow = WsClient::connect(&f.ws, json!({})).await;
    slow.subscribe("s", query).await;
    for _ in 0..200 {
        if f.state.running_subscriptions() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Large events fill the socket buffers of the slow client quickly.
    let padding = "x".repeat(16 * 1024);
    let events = 2000;
    f.publish(&format!("0-{padding}"), 1).await;
    for n in 0..events {
        if n > 0 {
            f.events
                .send(format!("{n}-{padding}"))
                .expect("upstream open");
        }
        let payload = next_data(&mut fast, "f").await;
        let upc = payload["data"]["productUpdated"]["upc"]
            .as_str()
            .unwrap_or_default();
        assert!(
            upc.starts_with(&format!("{n}-")),
            "the fast client gets every event in order"
        );
    }
    // The slow client missed events and was ended with an error, not fed from a queue
    // that grew with the backlog.
    let mut delivered = 0;
    let ended = loop {
        let message = slow.message(WAIT).await;
        match message["type"].as_str() {
            Some("next") if message["payload"]["errors"].is_array() => break message,
            Some("next") => delivered += 1,
            Some("error") | Some("complete") => break message,
            _ => panic!("{message}"),
        }
    };
    assert!(
        delivered < events,
        "it could not have read them all: {delivered}"
    );
    assert!(
        ended.to_string().contains("SUBSCRIPTION_UPSTREAM_LOST"),
        "{}",
        ended.to_string().chars().take(300).collect::<String>()
    );
    assert_eq!(
        f.state.running_subscriptions(),
        1,
        "only the fast client runs on"
    );
}

#[tokio::test]
async fn each_event_is_authorized_per_field_and_the_global_limit_holds() {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.subscriptions.max_total = 2;
    let f = Live::start_with(config, authz::with_rules).await;
    let query = "subscription { productUpdated { upc name price } }";
    let pricing = token("read:prices", 4_000_000_000);
    let reader = token("lectura", 4_000_000_000);
    let mut allowed = WsClient::connect(
        &f.ws,
        json!({ "Authorization": format!("Bearer {pricing}") }),
    )
    .await;
    allowed.subscribe("a", query).await;
    let mut denied = WsClient::connect(
        &f.ws,
        json!({ "Authorization": format!("Bearer {reader}") }),
    )
    .await;
    denied.subscribe("d", query).await;
    // A third subscription, anywhere, is over the gateway's total.
    let mut third = WsClient::connect(&f.ws, json!({})).await;
    third
        .subscribe("t", "subscription { productUpdated { upc } }")
        .await;
    let refused = third.message(WAIT).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "SUBSCRIPTION_LIMIT"
    );

    // Different callers: one upstream and one completed stream each (never shared).
    for _ in 0..200 {
        if f.state.engine().completed_streams() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(f.state.engine().completed_streams(), 2);
    f.publish(UPC, 2).await;
    let seen = next_data(&mut allowed, "a").await;
    assert_eq!(seen["data"]["productUpdated"]["upc"], UPC, "{seen}");
    assert!(
        seen["data"]["productUpdated"]["price"].is_number(),
        "{seen}"
    );
    assert!(seen.get("errors").is_none(), "{seen}");
    // `price: Int!` denied: the event's object is null, with the error at the field.
    let hidden = next_data(&mut denied, "d").await;
    assert_eq!(hidden["data"]["productUpdated"], Value::Null, "{hidden}");
    assert_eq!(
        hidden["errors"][0]["path"],
        json!(["productUpdated", "price"]),
        "{hidden}"
    );
    assert!(
        !hidden.to_string().contains("899"),
        "no price leaks: {hidden}"
    );
}
