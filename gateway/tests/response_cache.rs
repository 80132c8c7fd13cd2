//! The whole-response cache: hits skip every subgraph, `Cache-Control`/`Age` tell clients,
//! answers never cross callers, and events invalidate what they make stale — on every
//! replica sharing Redis.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::{sync::Arc, time::Duration};

use federation::Federation;
use gateway::{
    cache::{InvalidationRule, ManualClock},
    config::GatewayConfig,
    server::{AppState, serve_with},
    startup::{engine_from_config, listen_for_invalidations},
};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
const QUERY: &str = "{ me { name reviews { body } } }";

fn config() -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.cache.response_ttl_secs = 60;
    config.cache.invalidation.rules = vec![InvalidationRule {
        events: vec!["ReviewPublished.v1".into()],
        types: vec!["Review".into()],
        ..Default::default()
    }];
    config.auth.jwt_secret = Some(SECRET.into());
    config
}

fn token(sub: &str, scope: &str) -> String {
    let claims = json!({ "sub": sub, "scope": scope, "exp": 4_000_000_000_u64 });
    format!(
        "Bearer {}",
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes())
        )
        .expect("token")
    )
}

/// Posts `QUERY`: body, `x-cache`, `cache-control`, `age`.
async fn ask(url: &str, authorization: Option<&str>) -> (Value, String, String, u64) {
    let mut request = reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": QUERY }));
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.expect("gateway answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (cache, control, age) = (header("x-cache"), header("cache-control"), header("age"));
    (
        response.json().await.expect("json"),
        cache,
        control,
        age.parse().unwrap_or(0),
    )
}

fn requests(f: &Federation) -> usize {
    f.request_counts().values().sum()
}

#[tokio::test]
async fn hits_skip_the_subgraphs_and_say_how_fresh_they_are() {
    let clock = Arc::new(ManualClock::new());
    let f = Federation::conformance_with_clock(|s| s, config(), clock.clone()).await;
    let (first, cache, control, _) = ask(&f.url, None).await;
    assert_eq!(
        (cache.as_str(), control.as_str()),
        ("MISS", "public, max-age=60")
    );
    assert!(requests(&f) > 0);
    f.clear_requests();
    clock.advance(Duration::from_millis(1100));
    let (second, cache, control, age) = ask(&f.url, None).await;
    assert_eq!(second, first);
    assert_eq!(cache, "HIT");
    assert_eq!(requests(&f), 0, "a hit asks no subgraph");
    assert!(age >= 1, "Age counts from the store: {age}");
    assert!(control.starts_with("public, max-age=5"), "{control}");
    // Mutations are never cached.
    let mutation = reqwest::Client::new()
        .post(&f.url)
        .json(&json!({ "query": "mutation { __typename }" }))
        .send()
        .await
        .expect("answer");
    assert!(mutation.headers().get("x-cache").is_none());
}

#[tokio::test]
async fn answers_are_shared_by_scope_never_across_scopes() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let ana = token("ana", "lectura");
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "MISS");
    let (_, cache, control, _) = ask(&f.url, Some(&ana)).await;
    assert_eq!(cache, "HIT");
    assert!(control.starts_with("private, max-age="), "{control}");
    assert_eq!(
        ask(&f.url, Some(&token("beto", "lectura"))).await.1,
        "HIT",
        "same issuer and scopes share answers"
    );
    for (caller, why) in [
        (Some(token("ana", "lectura escritura")), "other scopes"),
        (None, "anonymous"),
    ] {
        assert_eq!(
            ask(&f.url, caller.as_deref()).await.1,
            "MISS",
            "{why} gets its own answer"
        );
    }
    // Per-user sharing, when configured.
    let mut per_user = config();
    per_user.cache.sharing = gateway::cache::Sharing::User;
    let f = Federation::conformance_with(|s| s, per_user).await;
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "MISS");
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "HIT");
    assert_eq!(
        ask(&f.url, Some(&token("beto", "lectura"))).await.1,
        "MISS",
        "another user"
    );
}

#[tokio::test]
async fn private_answers_are_kept_per_user() {
    // A subgraph marks its answer private: the scope's shared entry only points each
    // caller to their own.
    let f = Federation::conformance_with(|s| s, config()).await;
    f.subgraph("accounts")
        .set_cache_control(Some("private, max-age=30"));
    let (ana, beto) = (token("ana", "lectura"), token("beto", "lectura"));
    let (first, cache, control, _) = ask(&f.url, Some(&ana)).await;
    assert_eq!(cache, "MISS");
    assert_eq!(
        control, "private, max-age=30",
        "the subgraph's max-age bounds the TTL"
    );
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "HIT");
    f.clear_requests();
    let (second, cache, _, _) = ask(&f.url, Some(&beto)).await;
    assert_eq!(cache, "MISS", "never another user's private answer");
    assert!(requests(&f) > 0);
    assert_eq!(second, first, "same data, computed for beto");
    assert_eq!(ask(&f.url, Some(&beto)).await.1, "HIT");
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "HIT");
    // Private answers for anonymous callers are not kept at all.
    for _ in 0..2 {
        assert_ne!(ask(&f.url, None).await.1, "HIT");
    }
    // Nor answers a subgraph forbids keeping.
    f.subgraph("accounts").set_cache_control(Some("no-store"));
    let fresh = token("carla", "otra");
    for _ in 0..2 {
        assert_ne!(ask(&f.url, Some(&fresh)).await.1, "HIT");
    }
    // A configured private type: per user from the start.
    let mut typed = config();
    typed.cache.private_types = vec!["User".into()];
    let f = Federation::conformance_with(|s| s, typed).await;
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "MISS");
    assert_eq!(ask(&f.url, Some(&beto)).await.1, "MISS");
    assert_eq!(ask(&f.url, Some(&ana)).await.1, "HIT");
}

#[tokio::test]
async fn events_invalidate_across_replicas_sharing_redis() {
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
    let stream = format!("test:gateway:events:{unique}");
    let mut config = config();
    config.cache.redis_url = Some(redis_url.clone());
    config.cache.key_prefix = format!("test:gateway:cache:{unique}");
    config.cache.invalidation.redis_stream = Some(stream.clone());
    config.validate().expect("valid");

    let subgraphs = test_subgraphs::conformance::start().await;
    let sdls: Vec<_> = subgraphs
        .iter()
        .map(|s| gateway::compose::SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    let supergraph = gateway::compose::compose(&sdls).expect("composes");
    let mut replicas = Vec::new();
    let mut listeners = Vec::new();
    for _ in 0..2 {
        let state = AppState::new(engine_from_config(&supergraph, &config).expect("engine"));
        listeners.push(listen_for_invalidations(state.clone(), &config).expect("listener"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        replicas.push(format!(
            "http://{}/graphql",
            listener.local_addr().expect("address")
        ));
        let config = config.clone();
        tokio::spawn(
            async move { serve_with(listener, state, &config, std::future::pending()).await },
        );
    }
    for listener in &listeners {
        listener.ready().await;
    }

    assert_eq!(ask(&replicas[0], None).await.1, "MISS");
    assert_eq!(
        ask(&replicas[1], None).await.1,
        "HIT",
        "replicas share the cache"
    );

    let client = redis::Client::open(redis_url.as_str()).expect("redis url");
    let mut redis = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis is required for the tests; run .ci/run");
    let publish = |tipo: &'static str| {
        let (stream, mut redis) = (stream.clone(), redis.clone());
        async move {
            let _: String = redis::cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("tipo")
                .arg(tipo)
                .arg("event")
                .arg("{}")
                .query_async(&mut redis)
                .await
                .expect("xadd");
        }
    };
    // An event no rule names changes nothing, once both listeners have read it.
    publish("OtherThing.v1").await;
    for listener in &listeners {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while listener.applied() < 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the event was never read"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    assert_eq!(ask(&replicas[1], None).await.1, "HIT");
    // A review event makes every answer that selected Review stale, on both replicas.
    publish("ReviewPublished.v1").await;
    let mut fresh = false;
    for _ in 0..100 {
        if ask(&replicas[0], None).await.1 == "MISS" {
            fresh = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fresh, "invalidated within the listener's lag");
    assert_eq!(
        ask(&replicas[1], None).await.1,
        "HIT",
        "the other replica sees the recomputed answer"
    );
    for listener in listeners {
        listener.abort();
    }
    let _: () = redis::cmd("DEL")
        .arg(&stream)
        .query_async(&mut redis)
        .await
        .expect("del");
}

#[tokio::test]
async fn a_mutation_makes_what_its_subgraph_defines_stale_before_it_is_answered() {
    let f = Federation::conformance_with(|s| s, config()).await;
    assert_eq!(ask(&f.url, None).await.1, "MISS");
    assert_eq!(ask(&f.url, None).await.1, "HIT");
    // `increment` runs on accounts, which defines `User`: no event is published, yet the
    // next read must not be answered from before the write.
    let written: Value = reqwest::Client::new()
        .post(&f.url)
        .json(&json!({ "query": "mutation { increment(by: 1) }" }))
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("json");
    assert!(written["data"]["increment"].is_i64(), "{written}");
    let before = requests(&f);
    let (fresh, cache, ..) = ask(&f.url, None).await;
    assert_eq!(cache, "MISS", "{fresh}");
    assert!(requests(&f) > before, "the subgraphs were asked again");
    assert_eq!(ask(&f.url, None).await.1, "HIT");
}
