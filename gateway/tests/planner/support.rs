//! Fixtures for planner tests: subgraph SDLs composed into a supergraph, plans as text,
//! and the same subgraphs served from a data world behind a real gateway.

use std::collections::HashSet;

use gateway::{
    compose::{SubgraphSdl, compose},
    pipeline::{GraphqlRequest, HttpMethod, prepare},
    query_planner::QueryPlanner,
    supergraph::Supergraph,
};
use serde_json::Value;

use crate::federation::{Composer, Federation, counts};

/// The `@link` line every fixture subgraph starts with.
pub(crate) const LINK: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject", "@tag"])"#;

/// Subgraph SDLs composed into a supergraph.
pub(crate) struct Fixture {
    subgraphs: Vec<(String, String)>,
    supergraph: Supergraph,
    planner: QueryPlanner,
}

impl Fixture {
    /// Composes `(name, sdl)` subgraphs ([`LINK`] is added to an SDL without `@link`).
    pub(crate) fn new(subgraphs: &[(&str, &str)]) -> Self {
        let subgraphs: Vec<(String, String)> = subgraphs
            .iter()
            .map(|(name, sdl)| {
                let sdl = if sdl.contains("@link(") {
                    (*sdl).to_owned()
                } else {
                    format!("{LINK}\n{sdl}")
                };
                ((*name).to_owned(), sdl)
            })
            .collect();
        let sdls: Vec<SubgraphSdl> = subgraphs
            .iter()
            .map(|(name, sdl)| SubgraphSdl {
                name: name.clone(),
                url: format!("http://{name}.invalid/graphql"),
                sdl: sdl.clone(),
            })
            .collect();
        let text = compose(&sdls).unwrap_or_else(|e| panic!("the fixture composes: {e}"));
        let supergraph = Supergraph::parse(&text).expect("a valid supergraph");
        let planner = QueryPlanner::new(&supergraph);
        Self {
            subgraphs,
            supergraph,
            planner,
        }
    }

    fn try_plan(&self, query: &str) -> Result<String, String> {
        plan_with(&self.supergraph, &self.planner, query)
    }

    /// The plan of a query, as text.
    pub(crate) fn plan(&self, query: &str) -> String {
        self.try_plan(query)
            .unwrap_or_else(|e| panic!("{query} plans: {e}"))
    }

    /// Why a query cannot be planned.
    pub(crate) fn plan_error(&self, query: &str) -> String {
        match self.try_plan(query) {
            Ok(plan) => panic!("{query} should not plan, got\n{plan}"),
            Err(e) => e,
        }
    }

    /// Runs `query` end to end against the subgraphs served from `world`: the answer must
    /// be `expected` and the subgraphs must receive `requests`. Returns the plan (for the
    /// caller's snapshot, taken once the answer is right).
    pub(crate) async fn check(
        &self,
        world: Value,
        query: &str,
        expected: Value,
        requests: &[(&str, usize)],
    ) -> String {
        let plan = self.plan(query);
        let f = self.serve(world).await;
        let (response, counted) = f.run(query).await;
        assert_eq!(
            response, expected,
            "the answer to {query}; the plan was\n{plan}"
        );
        assert_eq!(
            counted,
            counts(requests),
            "subgraph requests for {query}; the plan was\n{plan}"
        );
        plan
    }

    /// The subgraphs served from `world` (see `test_subgraphs::world`) behind a gateway.
    pub(crate) async fn serve(&self, world: Value) -> Federation {
        let subgraphs: Vec<(&str, &str)> = self
            .subgraphs
            .iter()
            .map(|(name, sdl)| (name.as_str(), sdl.as_str()))
            .collect();
        let started = test_subgraphs::world::start_world(&subgraphs, world).await;
        Federation::start(started, Composer::Ours, HashSet::new()).await
    }
}

fn plan_with(
    supergraph: &Supergraph,
    planner: &QueryPlanner,
    query: &str,
) -> Result<String, String> {
    let request = GraphqlRequest {
        query: Some(query.into()),
        ..Default::default()
    };
    let prepared = prepare(&supergraph.api_schema, &request, HttpMethod::Post)
        .map_err(|e| format!("invalid query: {e:?}"))?;
    planner
        .plan(
            supergraph,
            &prepared.document,
            &prepared.operation,
            &HashSet::new(),
        )
        .map(|plan| plan.to_string())
        .map_err(|e| e.to_string())
}

/// The plan of `query` on a supergraph given as text, or why it cannot be had.
pub(crate) fn plan_on(supergraph: &str, query: &str) -> Result<String, String> {
    let supergraph = Supergraph::parse(supergraph).map_err(|e| e.to_string())?;
    plan_with(&supergraph, &QueryPlanner::new(&supergraph), query)
}
