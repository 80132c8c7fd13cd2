//! Test set-up: the conformance fixture subgraphs, composed, behind a real gateway on an
//! ephemeral port; every subgraph request is recorded.

use std::{collections::BTreeMap, collections::HashSet, sync::Arc, time::Duration};

use gateway::{
    compose::{SubgraphSdl, compose},
    server::{AppState, EXPOSE_PLAN_HEADER, serve_with},
    startup::engine_from_sdl,
};
use serde_json::{Value, json};
use test_subgraphs::TestSubgraph;
use tokio::sync::oneshot;

/// Which composer builds the supergraph.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug)]
pub(crate) enum Composer {
    /// `gateway::compose`.
    Ours,
    /// `@theguild/federation-composition` from npm.
    JavaScript,
}

/// What composition needs of running subgraphs.
fn sdls(subgraphs: &[TestSubgraph]) -> Vec<SubgraphSdl> {
    subgraphs
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect()
}

/// Fixture subgraphs behind a running gateway.
pub(crate) struct Federation {
    pub(crate) subgraphs: Vec<TestSubgraph>,
    pub(crate) url: String,
    /// The gateway's state (its engine and caches).
    #[allow(dead_code)]
    pub(crate) state: std::sync::Arc<AppState>,
    http: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
}

#[allow(dead_code)]
impl Federation {
    /// The conformance set, composed by `composer`, behind a gateway.
    pub(crate) async fn conformance(composer: Composer) -> Self {
        Self::start(
            test_subgraphs::conformance::start().await,
            composer,
            HashSet::new(),
        )
        .await
    }

    /// The conformance set with progressive override labels turned on.
    pub(crate) async fn conformance_with_labels(labels: &[&str]) -> Self {
        Self::start(
            test_subgraphs::conformance::start().await,
            Composer::Ours,
            labels.iter().map(|l| l.to_string()).collect(),
        )
        .await
    }

    /// The conformance set behind a gateway with this configuration, its supergraph
    /// edited by `edit` first.
    pub(crate) async fn conformance_with(
        edit: impl Fn(String) -> String,
        config: gateway::config::GatewayConfig,
    ) -> Self {
        Self::conformance_with_clock(edit, config, Arc::new(gateway::cache::SystemClock)).await
    }

    /// The same, its caches aging entries by `clock` (tests move it instead of sleeping).
    pub(crate) async fn conformance_with_clock(
        edit: impl Fn(String) -> String,
        config: gateway::config::GatewayConfig,
        clock: Arc<dyn gateway::cache::Clock>,
    ) -> Self {
        let subgraphs = test_subgraphs::conformance::start().await;
        let sdls = sdls(&subgraphs);
        let supergraph = edit(compose(&sdls).expect("the fixture subgraphs compose"));
        let engine = gateway::startup::engine_with_clock(&supergraph, &config, clock)
            .expect("a valid supergraph");
        Self::serve(subgraphs, engine).await
    }

    /// The conformance set, its supergraph edited by `edit`, behind a gateway serving
    /// everything this configuration asks for over HTTP (its layers, REST routes, health
    /// and batching settings).
    pub(crate) async fn conformance_served_with(
        edit: impl Fn(String) -> String,
        config: gateway::config::GatewayConfig,
    ) -> Self {
        let subgraphs = test_subgraphs::conformance::start().await;
        let supergraph = edit(compose(&sdls(&subgraphs)).expect("the fixture subgraphs compose"));
        let engine =
            gateway::startup::engine_from_config(&supergraph, &config).expect("a valid supergraph");
        Self::serve_configured(subgraphs, engine, config).await
    }

    /// Starts a gateway in front of running subgraphs.
    pub(crate) async fn start(
        subgraphs: Vec<TestSubgraph>,
        composer: Composer,
        labels: HashSet<String>,
    ) -> Self {
        let sdls = sdls(&subgraphs);
        let supergraph = match composer {
            Composer::Ours => compose(&sdls).expect("the fixture subgraphs compose"),
            Composer::JavaScript => super::js_composer::compose_with_js(&sdls),
        };
        let engine = engine_from_sdl(&supergraph, Duration::from_millis(1500))
            .expect("a valid supergraph")
            .with_override_labels(labels);
        Self::serve(subgraphs, engine).await
    }

    async fn serve(subgraphs: Vec<TestSubgraph>, engine: gateway::engine::Engine) -> Self {
        Self::serve_configured(subgraphs, engine, gateway::config::GatewayConfig::default()).await
    }

    /// Serves `engine` with the configuration's HTTP settings on an ephemeral port.
    async fn serve_configured(
        subgraphs: Vec<TestSubgraph>,
        engine: gateway::engine::Engine,
        config: gateway::config::GatewayConfig,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
        let (shutdown, stop) = oneshot::channel::<()>();
        let state = AppState::configured(engine, &config);
        tokio::spawn({
            let state = state.clone();
            async move {
                serve_with(listener, state, &config, async {
                    let _ = stop.await;
                })
                .await
            }
        });
        Self {
            subgraphs,
            url,
            state,
            http: reqwest::Client::new(),
            _shutdown: shutdown,
        }
    }

    /// One subgraph by name.
    pub(crate) fn subgraph(&self, name: &str) -> &TestSubgraph {
        test_subgraphs::by_name(&self.subgraphs, name)
    }

    /// Forgets the requests recorded so far.
    pub(crate) fn clear_requests(&self) {
        self.subgraphs.iter().for_each(TestSubgraph::clear_requests);
    }

    /// How many requests each subgraph received (only those with any).
    pub(crate) fn request_counts(&self) -> BTreeMap<String, usize> {
        self.subgraphs
            .iter()
            .filter(|s| !s.requests().is_empty())
            .map(|s| (s.name().to_owned(), s.requests().len()))
            .collect()
    }

    /// Posts a query with variables; returns the response body.
    pub(crate) async fn query_with(&self, query: &str, variables: Value) -> Value {
        self.http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("JSON body")
    }

    /// Posts a query with an `Authorization` header; returns status and body.
    pub(crate) async fn query_as(&self, query: &str, authorization: &str) -> (u16, Value) {
        let response = self
            .http
            .post(&self.url)
            .header("authorization", authorization)
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("gateway answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Posts a query; returns the response body as text.
    pub(crate) async fn query_text(&self, query: &str) -> String {
        self.http
            .post(&self.url)
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("gateway answers")
            .text()
            .await
            .expect("text body")
    }

    /// Posts a raw JSON body; returns the response body.
    pub(crate) async fn http_post(&self, body: Value) -> Value {
        self.http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("JSON body")
    }

    /// Posts a query; returns the response body.
    pub(crate) async fn query(&self, query: &str) -> Value {
        self.query_with(query, json!({})).await
    }

    /// Posts a query and returns the text of its plan.
    pub(crate) async fn plan(&self, query: &str) -> String {
        self.plan_with(query, json!({})).await
    }

    /// Posts a query with variables and returns the text of its plan.
    pub(crate) async fn plan_with(&self, query: &str, variables: Value) -> String {
        let body: Value = self
            .http
            .post(&self.url)
            .header(EXPOSE_PLAN_HEADER, "true")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("JSON body");
        match body["extensions"]["queryPlan"]["text"].as_str() {
            Some(text) => text.to_owned(),
            None => format!("no plan: {body}"),
        }
    }

    /// Runs a query and returns `(response, requests per subgraph)`, starting from a clean
    /// request log.
    pub(crate) async fn run(&self, query: &str) -> (Value, BTreeMap<String, usize>) {
        self.clear_requests();
        let response = self.query(query).await;
        (response, self.request_counts())
    }
}

/// `{"a": 1, …}` as a request-count map.
#[allow(dead_code)]
pub(crate) fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}
