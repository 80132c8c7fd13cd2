//! Query planner: plans for the `shop` fixture supergraph, as readable text.

use std::collections::HashSet;

use gateway::{
    pipeline::{GraphqlRequest, HttpMethod, prepare},
    query_planner::QueryPlanner,
    supergraph::Supergraph,
};

fn plan(query: &str) -> String {
    let supergraph =
        Supergraph::parse(include_str!("fixtures/shop.supergraph.graphql")).expect("valid fixture");
    let request = GraphqlRequest {
        query: Some(query.into()),
        ..Default::default()
    };
    let prepared =
        prepare(&supergraph.api_schema, &request, HttpMethod::Post).expect("valid query");
    QueryPlanner::new(&supergraph)
        .plan(
            &supergraph,
            &prepared.document,
            &prepared.operation,
            &HashSet::new(),
        )
        .expect("plannable")
        .to_string()
}

#[test]
fn print_plans() {
    for q in [
        "{ me { name reviews { body author { name } product { name shippingEstimate } } } }",
        "{ topProducts { name reviews { body } } search(text: \"x\") { ... on Product { name reviews { body } } } }",
        "mutation { a: addReview(upc: \"1\", body: \"x\") { id product { name } } b: addReview(upc: \"2\", body: \"y\") { id } }",
    ] {
        println!("{q}\n{}\n", plan(q));
    }
}

#[test]
fn conditions() {
    println!(
        "{}",
        plan(
            "query($x: Boolean = true, $y: Boolean = false) { me { name reviews @include(if: $x) { body } ... @skip(if: $y) { reviews { id } } } }"
        )
    );
}
