//! The entity cache: an `_entities` fetch asks its subgraph only for the entities not
//! cached for the caller's partition; subgraph `Cache-Control` hints bound what is kept;
//! entity and type rules evict exactly what an event names; replicas share it in Redis.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::{sync::Arc, time::Duration};

use federation::Federation;
use gateway::{
    cache::{EntityRule, InvalidationRule, ManualClock},
    config::GatewayConfig,
};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
const QUERY: &str = "query Top($n: Int!) { topProducts(first: $n) { upc name reviews { body } } }";

fn config() -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.cache.entity_ttl_secs = 60;
    config.cache.invalidation.rules = vec![
        InvalidationRule {
            events: vec!["ProductReviewed.v1".into()],
            entities: vec![EntityRule {
                type_name: "Product".into(),
                key: [("upc".to_owned(), "datos.upc".to_owned())].into(),
            }],
            ..Default::default()
        },
        InvalidationRule {
            events: vec!["ReviewsImported.v1".into()],
            types: vec!["Product".into()],
            ..Default::default()
        },
    ];
    config.auth.jwt_secret = Some(SECRET.into());
    config.validate().expect("valid configuration");
    config
}

fn token(sub: &str, scope: &str) -> String {
    let claims = json!({ "sub": sub, "scope": scope, "exp": 4_000_000_000_u64 });
    let token = encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token");
    format!("Bearer {token}")
}

async fn top(f: &Federation, n: u32, authorization: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(&f.url)
        .json(&json!({ "query": QUERY, "variables": { "n": n } }));
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let body: Value = request
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

/// The upcs of the representations each `_entities` request to reviews carried.
fn asked_reviews_for(f: &Federation) -> Vec<Vec<String>> {
    let asked = f
        .subgraph("reviews")
        .requests()
        .iter()
        .filter_map(|r| r["variables"]["representations"].as_array().cloned())
        .map(|reps| {
            reps.iter()
                .filter_map(|r| r["upc"].as_str().map(str::to_owned))
                .collect()
        })
        .collect();
    f.clear_requests();
    asked
}

fn upcs(body: &Value) -> Vec<String> {
    body["data"]["topProducts"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p["upc"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn only_missing_entities_are_fetched() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let first = top(&f, 2, None).await;
    let two = upcs(&first);
    assert_eq!(asked_reviews_for(&f), vec![two.clone()]);
    let again = top(&f, 2, None).await;
    assert_eq!(again, first, "the same answer from the cache");
    assert!(
        asked_reviews_for(&f).is_empty(),
        "every entity was cached: reviews is not asked"
    );
    let four = top(&f, 4, None).await;
    let all = upcs(&four);
    let asked = asked_reviews_for(&f);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0], all[2..].to_vec(), "only the two not cached");
    // Entities merge into the right objects, cached or not.
    let uncached = Federation::conformance_with(|s| s, GatewayConfig::default()).await;
    assert_eq!(four, top(&uncached, 4, None).await);
    // Another selection is another entry.
    let body = reqwest::Client::new()
        .post(&f.url)
        .json(&json!({ "query": "{ topProducts(first: 2) { upc reviews { body rating } } }" }))
        .send()
        .await
        .expect("answer")
        .json::<Value>()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(asked_reviews_for(&f), vec![two]);
}

#[tokio::test]
async fn partitions_follow_scopes_and_private_answers_stay_private() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let ana = token("ana", "lectura");
    top(&f, 2, Some(&ana)).await;
    assert_eq!(asked_reviews_for(&f).len(), 1);
    top(&f, 2, Some(&token("beto", "lectura"))).await;
    assert!(
        asked_reviews_for(&f).is_empty(),
        "same scopes share entities"
    );
    for (caller, why) in [
        (Some(token("ana", "lectura escritura")), "other scopes"),
        (None, "anonymous"),
    ] {
        top(&f, 2, caller.as_deref()).await;
        assert_eq!(asked_reviews_for(&f).len(), 1, "{why}: own partition");
    }
    // A subgraph answer marked private is never kept for a shared partition.
    let f = Federation::conformance_with(|s| s, config()).await;
    f.subgraph("reviews")
        .set_cache_control(Some("private, max-age=60"));
    for _ in 0..2 {
        top(&f, 2, Some(&ana)).await;
        assert_eq!(asked_reviews_for(&f).len(), 1, "private: asked every time");
    }
}

#[tokio::test]
async fn subgraph_hints_bound_the_ttl() {
    let clock = Arc::new(ManualClock::new());
    let f = Federation::conformance_with_clock(|s| s, config(), clock.clone()).await;
    f.subgraph("reviews").set_cache_control(Some("no-store"));
    top(&f, 2, None).await;
    top(&f, 2, None).await;
    assert_eq!(asked_reviews_for(&f).len(), 2, "no-store: never kept");
    f.subgraph("reviews")
        .set_cache_control(Some("public, max-age=1"));
    top(&f, 2, None).await;
    top(&f, 2, None).await;
    assert_eq!(asked_reviews_for(&f).len(), 1, "kept for its max-age");
    clock.advance(Duration::from_millis(1100));
    top(&f, 2, None).await;
    assert_eq!(asked_reviews_for(&f).len(), 1, "expired after its max-age");
}

#[tokio::test]
async fn events_evict_the_entities_they_name() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let all = upcs(&top(&f, 4, None).await);
    asked_reviews_for(&f);
    let caches = f
        .state
        .engine()
        .caches()
        .cloned()
        .expect("caches configured");
    let bumped = caches
        .invalidator
        .invalidate_event(
            "ProductReviewed.v1",
            Some(&json!({ "tipo": "ProductReviewed.v1", "datos": { "upc": all[1] } })),
        )
        .await;
    assert_eq!(
        bumped.len(),
        2,
        "the entity and its type's responses: {bumped:?}"
    );
    top(&f, 4, None).await;
    assert_eq!(
        asked_reviews_for(&f),
        vec![vec![all[1].clone()]],
        "only the product the event names"
    );
    // Unrelated events change nothing; a type rule evicts every entity of the type.
    caches
        .invalidator
        .invalidate_event("SomethingElse.v1", Some(&json!({})))
        .await;
    top(&f, 4, None).await;
    assert!(asked_reviews_for(&f).is_empty());
    caches
        .invalidator
        .invalidate_event("ReviewsImported.v1", None)
        .await;
    top(&f, 4, None).await;
    assert_eq!(asked_reviews_for(&f), vec![all.clone()]);
    // An entity rule whose key the event lacks evicts the whole type rather than nothing.
    caches
        .invalidator
        .invalidate_event("ProductReviewed.v1", Some(&json!({ "datos": {} })))
        .await;
    top(&f, 4, None).await;
    assert_eq!(asked_reviews_for(&f), vec![all]);
}

#[tokio::test]
async fn replicas_share_entities_in_redis() {
    let redis_url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let mut config = config();
    config.cache.redis_url = Some(redis_url);
    config.cache.key_prefix = format!("test:gateway:entities:{unique}");
    let first = Federation::conformance_with(|s| s, config.clone()).await;
    let second = Federation::conformance_with(|s| s, config).await;
    let answer = top(&first, 3, None).await;
    assert_eq!(asked_reviews_for(&first).len(), 1);
    assert_eq!(top(&second, 3, None).await, answer);
    assert!(
        asked_reviews_for(&second).is_empty(),
        "the other replica's entities are used"
    );
    let health: Value = reqwest::get(second.url.replace("/graphql", "/health"))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["cache"]["backend"], "redis", "{health}");
}
