//! Starting subgraphs: all of them embedded, or one alone.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

use anyhow::{Context, Result, bail};
use sea_orm::DatabaseConnection;
use subgraph_kit::{server, subgraph::Subgraph};
use tokio::sync::watch;

/// How long the embedded gateway waits for a subgraph.
const GATEWAY_SUBGRAPH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A secret of 48 random letters and digits, drawn at start.
fn random_secret() -> String {
    use rand::{Rng, distr::Alphanumeric};
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(48)
        .map(char::from)
        .collect()
}

/// The embedded gateway's settings: demo users who log in for tokens signed with a secret
/// drawn at start (tokens end with the process; their demo passwords, each user's name,
/// are hashed here, at start, as the gateway keeps only argon2 hashes); `subgraph_secret`
/// is the credential the subgraphs demand of it.
fn gateway_config(subgraph_secret: &str) -> Result<gateway::config::GatewayConfig> {
    let secret = random_secret();
    let user = |name: &str, scopes: &[&str]| -> Result<gateway::auth::LoginUser> {
        Ok(gateway::auth::LoginUser {
            username: name.to_owned(),
            password_hash: gateway::auth::hash_password(name)?,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        })
    };
    let mut config = gateway::config::GatewayConfig {
        subgraph_timeout_ms: u64::try_from(GATEWAY_SUBGRAPH_TIMEOUT.as_millis())
            .unwrap_or(u64::MAX),
        ..Default::default()
    };
    config.auth.jwt_secret = Some(secret);
    config.subgraph_secret = Some(subgraph_secret.to_owned());
    // Partner users see their own rows only: cached answers are never shared between
    // users, whatever their scopes.
    config.cache.sharing = gateway::cache::Sharing::User;
    // Answers and entities are cached at most 30 s and recomputed after any event of
    // their context.
    config.cache.response_ttl_secs = 30;
    config.cache.entity_ttl_secs = 30;
    config.cache.invalidation.rules = crate::cache_rules::invalidation_rules(&subgraphs());
    config.rest.routes = crate::rest_routes::routes();
    config.rest.health = crate::rest_routes::health();
    config.rest.metrics = crate::rest_routes::metrics();
    config.auth.issuer = Some("alpes-partners".to_owned());
    config.auth.users = vec![
        user("admin", &["lectura", "escritura", "admin", "pii"])?,
        user("operador", &["lectura", "escritura"])?,
        user("lector", &["lectura"])?,
    ];
    let partners = conversiones::demo::afiliados_demo();
    for (name, (posicion, _)) in DEMO_PARTNER_USERS
        .iter()
        .zip(pagos::demo::SOCIOS_CON_USUARIO)
    {
        let Some(afiliado_id) = partners.get(posicion) else {
            continue;
        };
        let mut socio = user(name, &["lectura"])?;
        socio.claims = partner_claims(afiliado_id);
        config.auth.users.push(socio);
    }
    Ok(config)
}

/// The demo partner users (role `afiliado`), each logging in with its name as password:
/// the demo partners whose payouts the demo leaves EXITOSO, FALLIDO, PROCESANDO and
/// PENDIENTE (`pagos::demo::SOCIOS_CON_USUARIO`).
const DEMO_PARTNER_USERS: [&str; 4] = ["afiliado", "afiliado2", "afiliado3", "afiliado4"];

/// The claims that make a user a partner: role `afiliado` and the partner's id.
fn partner_claims(
    afiliado_id: impl std::fmt::Display,
) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = serde_json::Map::new();
    claims.insert("role".into(), subgraph_kit::auth::ROL_AFILIADO.into());
    claims.insert("afiliado_id".into(), afiliado_id.to_string().into());
    claims
}

/// Runs the gateway alone with the console (deployed topology); the configuration's REST
/// routes, BFF health document and JSON metrics, and invalidation rules default to this
/// platform's.
pub(crate) async fn gateway(args: gateway::startup::ServeArgs) -> Result<()> {
    let mut config = args.config()?;
    if config.rest.routes.is_empty() {
        config.rest.routes = crate::rest_routes::routes();
    }
    if config.rest.health.path.is_none() {
        config.rest.health = crate::rest_routes::health();
    }
    if config.rest.metrics.path.is_none() {
        config.rest.metrics = crate::rest_routes::metrics();
    }
    if config.cache.invalidation.rules.is_empty() {
        config.cache.invalidation.rules = crate::cache_rules::invalidation_rules(&subgraphs());
    }
    let mut extra = admin_console::router();
    match pagos_health_url(&config) {
        Some(url) => extra = extra.merge(crate::rest_routes::outbox::remote_router(url)),
        None => tracing::warn!("no pagos subgraph URL: /pagos/outbox/estadisticas is not served"),
    }
    gateway::startup::run_with(config, extra).await
}

/// The pagos subgraph's `/health`: from its configured URL, else the supergraph's.
fn pagos_health_url(config: &gateway::config::GatewayConfig) -> Option<String> {
    let configured = config
        .subgraphs
        .get("pagos")
        .and_then(|s| s.url.clone().or_else(|| s.urls.first().cloned()));
    let url = configured.or_else(|| {
        let sdl = std::fs::read_to_string(&config.supergraph).ok()?;
        let supergraph = gateway::supergraph::Supergraph::parse(&sdl).ok()?;
        supergraph
            .subgraphs
            .iter()
            .find(|s| s.name == "pagos")
            .map(|s| s.url.clone())
    })?;
    Some(match url.strip_suffix("/graphql") {
        Some(base) => format!("{base}/health"),
        None => format!("{}/health", url.trim_end_matches('/')),
    })
}

/// Every subgraph that exists, in port order.
pub(crate) fn subgraphs() -> Vec<Box<dyn Subgraph>> {
    vec![
        Box::new(clientes::Clientes),
        Box::new(afiliados::Afiliados),
        Box::new(campanias::Campanias),
        Box::new(conversiones::Conversiones),
        Box::new(pagos::Pagos),
    ]
}

/// Options of the embedded mode.
pub(crate) struct EmbeddedOptions {
    pub(crate) data_dir: PathBuf,
    pub(crate) host: IpAddr,
    pub(crate) base_port: u16,
    pub(crate) demo: bool,
    pub(crate) gateway_secret: Option<String>,
}

/// Options of a single subgraph.
pub(crate) struct SingleOptions {
    pub(crate) name: String,
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) database_url: String,
    pub(crate) max_connections: u32,
    pub(crate) demo: bool,
    pub(crate) redis_url: Option<String>,
    pub(crate) event_stream: String,
    pub(crate) gateway_secret: Option<String>,
}

/// Opens, migrates and optionally seeds one subgraph's database.
async fn open(
    subgraph: &dyn Subgraph,
    url: &str,
    max_connections: u32,
    demo: bool,
) -> Result<DatabaseConnection> {
    let db = subgraph_kit::db::connect(url, max_connections).await?;
    subgraph.migrate(&db, url).await?;
    if demo {
        let added = subgraph
            .seed_demo(&db)
            .await
            .with_context(|| format!("loading the demo data of {}", subgraph.name()))?;
        if added > 0 {
            tracing::info!(subgraph = subgraph.name(), rows = added, "demo data loaded");
        }
    }
    Ok(db)
}

/// The demo's month end in `pagos` (`pagos::demo::con_dinero`): once the demo
/// conversions' commissions have arrived through the bus, reviews them and pays partners
/// through the real worker.
fn demo_money(db: DatabaseConnection, stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let esperadas = match conversiones::demo::validadas() {
            Ok(n) => n as u64,
            Err(error) => {
                tracing::error!(%error, "demo: drawing the demo conversions failed");
                return;
            }
        };
        let afiliados = conversiones::demo::afiliados_demo();
        match pagos::demo::con_dinero(db, esperadas, &afiliados, stop).await {
            // Printed, not logged: it tells a user (and the tests) the demo is complete.
            Ok(Some(resumen)) => println!(
                "Demo month end done: {} commissions approved, {} rejected, {} payouts requested (the payout worker is paying them).",
                resumen.aprobadas, resumen.rechazadas, resumen.pagos
            ),
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "demo: reviewing commissions and requesting payouts failed")
            }
        }
    })
}

/// Runs every subgraph in this process until Ctrl-C or SIGTERM.
pub(crate) async fn embedded(options: EmbeddedOptions) -> Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    // One in-process bus: every relay publishes to it, every consumer reads from it.
    let bus: std::sync::Arc<dyn eventbus::EventBus> =
        std::sync::Arc::new(eventbus::InProcessBus::default());
    // Every subgraph's subscriptions watch the one bus's events.
    let live = subgraph_kit::live::LiveEvents::new();
    let mut event_tasks = vec![eventbus::feed_live(
        bus.clone(),
        live.clone(),
        stop_rx.clone(),
    )];
    let mut servers = Vec::new();
    let mut lines = Vec::new();
    // Subgraphs answer only the gateway, here too: a secret drawn at start that only this
    // process knows (a caller on the machine cannot bypass the gateway's checks or forge
    // `x-gateway-claims`).
    let subgraph_secret = match options.gateway_secret {
        Some(secret) if secret.len() < server::MIN_SECRET_LEN => bail!(
            "--gateway-secret needs at least {} characters",
            server::MIN_SECRET_LEN
        ),
        Some(secret) => secret,
        None => random_secret(),
    };
    let mut urls = std::collections::HashMap::new();
    let mut extra = admin_console::router();
    for subgraph in subgraphs() {
        let file = options.data_dir.join(format!("{}.db", subgraph.name()));
        let url = subgraph_kit::db::sqlite_url(&file);
        let db = open(subgraph.as_ref(), &url, 8, options.demo).await?;
        event_tasks.extend(eventbus::start(subgraph.as_ref(), &db, &bus, &stop_rx).tasks);
        event_tasks.extend(subgraph.background(db.clone(), stop_rx.clone()));
        let port = options
            .base_port
            .checked_add(subgraph.default_port() - 4000)
            .context("base port too high")?;
        let listener = server::bind(SocketAddr::new(options.host, port)).await?;
        let addr = listener.local_addr()?;
        urls.insert(subgraph.name(), format!("http://{addr}/graphql"));
        lines.push(format!(
            "  {:<12} http://{addr}/graphql   (health: http://{addr}/health)",
            subgraph.name()
        ));
        let probe = eventbus::events_probe(subgraph.as_ref(), Some(&bus));
        if subgraph.name() == "pagos" {
            if options.demo {
                event_tasks.push(demo_money(db.clone(), stop_rx.clone()));
            }
            extra = extra.merge(crate::rest_routes::outbox::router(
                db.clone(),
                probe.clone(),
            ));
        }
        let app = server::with_events(subgraph.app(db, live.clone()), probe);
        let app = server::require_gateway_secret(app, &subgraph_secret);
        let mut stop = stop_rx.clone();
        servers.push(tokio::spawn(server::serve(listener, app, async move {
            stop.wait_for(|s| *s).await.ok();
        })));
    }
    // The gateway serves the same composition as schema.graphql, routed to the ports
    // actually bound.
    let supergraph =
        crate::schema::supergraph_at(|s| urls.get(s.name()).cloned().unwrap_or_default())?;
    let config = gateway_config(&subgraph_secret)?;
    let engine = gateway::startup::engine_from_config(&supergraph, &config)?;
    let listener = server::bind(SocketAddr::new(options.host, options.base_port)).await?;
    let addr = listener.local_addr()?;
    lines.insert(0, format!("  {:<12} http://{addr}/graphql   (GraphiQL: http://{addr}/graphiql, health: http://{addr}/health)", "gateway"));
    lines.insert(1, format!("  {:<12} http://{addr}/console", "console"));
    let mut stop = stop_rx.clone();
    lines.insert(
        2,
        format!("  {:<12} POST http://{addr}/auth/login with admin/admin, operador/operador, lector/lector; partners afiliado/afiliado … afiliado4/afiliado4", "demo users"),
    );
    let state = gateway::server::AppState::configured(engine, &config);
    event_tasks.push(invalidate_from_bus(
        state.clone(),
        bus.clone(),
        stop_rx.clone(),
    ));
    servers.push(tokio::spawn(async move {
        gateway::server::serve_with_routes(listener, state, &config, extra, async move {
            stop.wait_for(|s| *s).await.ok();
        })
        .await
    }));
    println!(
        "Alpes Partners is running in embedded mode (data in {}):",
        options.data_dir.display()
    );
    for line in &lines {
        println!("{line}");
    }
    println!("Press Ctrl-C to stop.");
    server::shutdown_signal().await;
    tracing::info!("shutting down");
    stop_tx.send(true).ok();
    for result in futures::future::join_all(servers).await {
        result.context("server task")??;
    }
    futures::future::join_all(event_tasks).await;
    println!("Stopped.");
    Ok(())
}

/// Feeds every event of the in-process bus to the gateway's cache invalidation (its own
/// consumer group), until `stop` turns true.
fn invalidate_from_bus(
    state: std::sync::Arc<gateway::server::AppState>,
    bus: std::sync::Arc<dyn eventbus::EventBus>,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut subscription = match bus.subscribe("gateway.cache", "embedded").await {
            Ok(subscription) => subscription,
            Err(error) => {
                tracing::error!(%error, "gateway cache: no event subscription, answers expire by TTL only");
                return;
            }
        };
        loop {
            let batch = tokio::select! {
                batch = subscription.next_batch(100) => batch,
                _ = stop.wait_for(|s| *s) => return,
            };
            let deliveries = match batch {
                Ok(deliveries) => deliveries,
                Err(error) => {
                    tracing::warn!(%error, "gateway cache: event read failed");
                    continue;
                }
            };
            for delivery in deliveries {
                if let Some(caches) = state.engine().caches() {
                    let event = serde_json::to_value(&delivery.event).ok();
                    caches
                        .invalidator
                        .invalidate_event(&delivery.event.tipo, event.as_ref())
                        .await;
                }
                subscription.ack(&delivery.id).await.ok();
            }
        }
    })
}

/// Runs one subgraph alone until Ctrl-C or SIGTERM.
pub(crate) async fn single(options: SingleOptions) -> Result<()> {
    let all = subgraphs();
    let Some(subgraph) = all.iter().find(|s| s.name() == options.name) else {
        let names: Vec<_> = all.iter().map(|s| s.name()).collect();
        bail!(
            "unknown subgraph '{}': expected one of {}",
            options.name,
            names.join(", ")
        );
    };
    // A subgraph answers only the gateway: without the shared credential anyone could
    // call it directly, past the gateway's checks, and claim any identity.
    let Some(gateway_secret) = options.gateway_secret.as_deref() else {
        bail!(
            "--gateway-secret (ALPES_GATEWAY_SECRET) is required: a subgraph answers only the gateway, which sends it as its `subgraph_secret`"
        );
    };
    if gateway_secret.len() < server::MIN_SECRET_LEN {
        bail!(
            "--gateway-secret needs at least {} characters",
            server::MIN_SECRET_LEN
        );
    }
    let db = open(
        subgraph.as_ref(),
        &options.database_url,
        options.max_connections,
        options.demo,
    )
    .await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let live = subgraph_kit::live::LiveEvents::new();
    let bus = single_bus(
        subgraph.as_ref(),
        options.redis_url.as_deref(),
        &options.event_stream,
    );
    let bus = bus.await?;
    // Without a bus, the statistics show the outbox filling up.
    let probe = eventbus::events_probe(subgraph.as_ref(), bus.as_ref());
    let mut event_tasks = match bus {
        Some(bus) => {
            let mut tasks = eventbus::start(subgraph.as_ref(), &db, &bus, &stop_rx).tasks;
            tasks.push(eventbus::feed_live(bus, live.clone(), stop_rx.clone()));
            tasks
        }
        None => Vec::new(),
    };
    event_tasks.extend(subgraph.background(db.clone(), stop_rx.clone()));
    if options.demo && subgraph.name() == "pagos" {
        event_tasks.push(demo_money(db.clone(), stop_rx.clone()));
    }
    let addr = options
        .listen
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], subgraph.default_port())));
    let listener = server::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!(
        "{} is running: http://{addr}/graphql   (health: http://{addr}/health)",
        subgraph.name()
    );
    let app = server::with_events(subgraph.app(db, live), probe);
    let app = server::require_gateway_secret(app, gateway_secret);
    server::serve(listener, app, server::shutdown_signal()).await?;
    stop_tx.send(true).ok();
    futures::future::join_all(event_tasks).await;
    println!("Stopped.");
    Ok(())
}

/// The Redis bus of a subgraph running alone, if it takes part in events and has one.
async fn single_bus(
    subgraph: &dyn Subgraph,
    redis_url: Option<&str>,
    stream: &str,
) -> Result<Option<std::sync::Arc<dyn eventbus::EventBus>>> {
    if !subgraph.publishes_events() && subgraph.event_handlers().is_empty() {
        return Ok(None);
    }
    let Some(url) = redis_url else {
        tracing::warn!(
            subgraph = subgraph.name(),
            "no --redis-url/REDIS_URL: events stay in the outbox and no consumer runs"
        );
        return Ok(None);
    };
    let options = eventbus::RedisOptions {
        stream: stream.to_owned(),
        ..Default::default()
    };
    let bus = eventbus::RedisBus::connect(url, options)
        .await
        .context("connecting to the event bus (Redis)")?;
    Ok(Some(std::sync::Arc::new(bus)))
}
