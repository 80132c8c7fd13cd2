//! Subgraphs started in-process (SQLite), composed by the gateway's composer, behind a real
//! gateway on an ephemeral port (shared by `tests/federation.rs` and `tests/suscripciones.rs`).

use gateway::{
    compose::{SubgraphSdl, compose},
    config::GatewayConfig,
    server::{AppState, serve},
};
use subgraph_kit::subgraph::Subgraph;
use testkit::{Backend, TestSubgraph};

/// The running subgraphs and gateway; both stop when it is dropped.
pub(crate) struct Composed {
    /// The gateway's address (`127.0.0.1:port`).
    pub(crate) address: std::net::SocketAddr,
    /// The supergraph the gateway serves.
    pub(crate) supergraph: String,
    _subgraphs: Vec<TestSubgraph>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts each `(name, subgraph)`, composes them and serves them with `config`.
pub(crate) async fn start(
    parts: Vec<(&str, Box<dyn Subgraph>)>,
    config: &GatewayConfig,
) -> Composed {
    let mut subgraphs = Vec::new();
    let mut sdls = Vec::new();
    for (name, subgraph) in parts {
        let started = TestSubgraph::start(subgraph.as_ref(), Backend::Sqlite)
            .await
            .expect("subgraph starts");
        sdls.push(SubgraphSdl {
            name: name.to_owned(),
            url: format!("{}/graphql", started.base_url),
            sdl: subgraph.sdl(),
        });
        subgraphs.push(started);
    }
    let supergraph = compose(&sdls).expect("the subgraphs compose");
    let engine = gateway::startup::engine_from_config(&supergraph, config).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, AppState::new(engine), async {
        let _ = stopped.await;
    }));
    Composed {
        address,
        supergraph,
        _subgraphs: subgraphs,
        _stop: stop,
    }
}
