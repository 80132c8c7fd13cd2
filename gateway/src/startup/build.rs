//! An engine from configuration: the supergraph parsed, subgraph endpoints and their
//! client, authentication, persisted operations, limits and caches.

use std::{sync::Arc, time::Duration};

use crate::{
    auth::{JwksSource, JwtVerifier, Login, LoginThrottle},
    cache::{Clock, SystemClock},
    config::GatewayConfig,
    engine::Engine,
    executor::{BreakerSettings, HttpSubgraphClient, Replicas, SubgraphEndpoint},
    pipeline::{OperationLimits, PersistedQueries},
    supergraph::Supergraph,
    telemetry::Metrics,
};

/// Builds an engine for a supergraph SDL with default settings and this subgraph timeout.
pub fn engine_from_sdl(sdl: &str, subgraph_timeout: Duration) -> anyhow::Result<Engine> {
    let config = GatewayConfig {
        subgraph_timeout_ms: u64::try_from(subgraph_timeout.as_millis()).unwrap_or(u64::MAX),
        ..GatewayConfig::default()
    };
    engine_from_config(sdl, &config)
}

/// Builds an engine for a supergraph SDL as the configuration says.
pub fn engine_from_config(sdl: &str, config: &GatewayConfig) -> anyhow::Result<Engine> {
    engine_with_metrics(sdl, config, Arc::new(Metrics::new()))
}

/// Builds an engine as the configuration says, its in-memory caches aging entries by
/// `clock` (tests move it instead of waiting for max-ages and TTLs).
pub fn engine_with_clock(
    sdl: &str,
    config: &GatewayConfig,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Engine> {
    engine_built(sdl, config, Arc::new(Metrics::new()), clock)
}

/// Builds an engine recording into existing metrics.
pub fn engine_with_metrics(
    sdl: &str,
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Engine> {
    engine_built(sdl, config, metrics, Arc::new(SystemClock))
}

fn engine_built(
    sdl: &str,
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Engine> {
    let supergraph = Supergraph::parse(sdl)?;
    config.validate_against(supergraph.subgraphs.iter().map(|s| s.name.as_str()))?;
    let endpoints: Vec<SubgraphEndpoint> = supergraph
        .subgraphs
        .iter()
        .map(|s| SubgraphEndpoint {
            name: s.name.clone(),
            replicas: Arc::new(Replicas::new(config.urls_of(&s.name, &s.url))),
            timeout: config.timeout_of(&s.name),
            dedupe: config.dedupe_of(&s.name),
        })
        .collect();
    let urls = endpoints
        .iter()
        .map(|e| (e.name.clone(), e.replicas.clone()))
        .collect();
    let client = HttpSubgraphClient::new(endpoints)?
        .with_metrics(metrics.clone())
        .with_secret(config.subgraph_secret.as_deref())
        .with_breakers(BreakerSettings::from(&config.circuit_breaker))
        .with_replica_probes(Duration::from_millis(config.replica_probe_ms));
    let subscription_buffer = config.subscriptions.buffer;
    let persisted = match (
        &config.persisted_queries.safelist,
        config.persisted_queries.apq,
    ) {
        (Some(manifest), _) => PersistedQueries::safelist(manifest)?,
        (None, true) => match &config.persisted_queries.redis_url {
            Some(url) => PersistedQueries::apq_redis(url, &config.persisted_queries.key_prefix)?,
            None => PersistedQueries::apq(),
        },
        (None, false) => PersistedQueries::Off,
    };
    let metrics_for_cache = metrics.clone();
    let mut engine = Engine::new(supergraph, Arc::new(client));
    let auth = &config.auth;
    if auth.jwt_secret.is_some() || auth.jwks_url.is_some() {
        let jwks = auth.jwks_url.as_ref().map(|url| JwksSource {
            url: url.clone(),
            max_age: Duration::from_secs(auth.jwks_max_age_secs),
            min_interval: Duration::from_secs(auth.jwks_min_refresh_secs),
        });
        engine = engine.with_jwt(Arc::new(
            JwtVerifier::new(
                auth.jwt_secret.as_deref(),
                jwks,
                auth.issuer.as_deref(),
                auth.audience.as_deref(),
            )
            .with_leeway(auth.leeway_secs),
        ));
    }
    if let Some(secret) = &auth.jwt_secret
        && !auth.users.is_empty()
    {
        engine = engine.with_login(Arc::new(Login::new(
            auth.users.clone(),
            secret,
            auth.issuer.clone(),
            auth.audience.clone(),
            auth.token_ttl_secs,
            LoginThrottle::from(&auth.login_throttle),
        )?));
    }
    Ok(engine
        .with_subscriptions(config.subgraph_secret.as_deref(), subscription_buffer)
        .with_live_min_interval(Duration::from_millis(
            config.subscriptions.live_min_interval_ms,
        ))
        .with_metrics(metrics)
        .with_persisted_queries(persisted)
        .with_endpoints(urls)
        .with_introspection(config.introspection)
        .with_limits(
            OperationLimits::from(&config.limits),
            config.limits.tokens(),
        )
        .with_request_timeout(Duration::from_millis(config.limits.request_timeout_ms))
        .with_cache_bytes(
            config.limits.plan_cache_mb << 20,
            config.limits.document_cache_mb << 20,
        )
        .with_caches(caches(config, metrics_for_cache, clock)?)
        .with_override_labels(config.override_labels.iter().cloned().collect()))
}

/// Reads the configured supergraph file and builds its engine.
pub fn engine_from_file(config: &GatewayConfig) -> anyhow::Result<Engine> {
    engine_from_file_with(config, Arc::new(Metrics::new()))
}

pub(crate) fn engine_from_file_with(
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Engine> {
    let path = &config.supergraph;
    let sdl = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read supergraph {}: {e}", path.display()))?;
    engine_with_metrics(&sdl, config, metrics)
        .map_err(|e| anyhow::anyhow!("supergraph {} is not usable: {e}", path.display()))
}

/// The response and entity caches a configuration describes, if any.
fn caches(
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<Arc<crate::cache::Caches>>> {
    use crate::cache::{Caches, EntityCache, Invalidator, ResponseCache};
    let cache = &config.cache;
    if cache.response_ttl_secs == 0 && cache.entity_ttl_secs == 0 {
        return Ok(None);
    }
    let store: Arc<dyn crate::cache::CacheStore> = match &cache.redis_url {
        Some(url) => Arc::new(crate::cache::RedisStore::new(url, &cache.key_prefix)?),
        None => Arc::new(crate::cache::MemoryStore::with_clock(
            cache.max_mb << 20,
            clock,
        )),
    };
    let type_ttls: std::collections::BTreeMap<String, Duration> = cache
        .type_ttl_secs
        .iter()
        .map(|(t, secs)| (t.clone(), Duration::from_secs(*secs)))
        .collect();
    let private_types: std::collections::BTreeSet<String> =
        cache.private_types.iter().cloned().collect();
    let invalidator = Invalidator::new(
        store.clone(),
        cache.invalidation.rules.clone(),
        metrics.clone(),
    );
    let responses = (cache.response_ttl_secs > 0).then(|| {
        ResponseCache::new(
            store.clone(),
            Duration::from_secs(cache.response_ttl_secs),
            type_ttls.clone(),
            private_types.clone(),
            metrics.clone(),
        )
    });
    let entities = (cache.entity_ttl_secs > 0).then(|| {
        EntityCache::new(
            store.clone(),
            Duration::from_secs(cache.entity_ttl_secs),
            type_ttls,
            private_types,
            invalidator.entity_keys(),
            metrics,
        )
    });
    Ok(Some(Arc::new(Caches::new(
        store,
        responses,
        entities,
        invalidator,
        cache.sharing,
    ))))
}
