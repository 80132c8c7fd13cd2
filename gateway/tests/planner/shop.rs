//! Plans for the `shop` fixture supergraph (a checked-in supergraph file).

use std::collections::HashSet;

use gateway::{
    pipeline::{GraphqlRequest, HttpMethod, prepare},
    query_planner::QueryPlanner,
    supergraph::Supergraph,
};

fn plan(query: &str) -> String {
    let supergraph = Supergraph::parse(include_str!("../fixtures/shop.supergraph.graphql"))
        .expect("valid fixture");
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
fn nested_entities_with_requires() {
    insta::assert_snapshot!(plan(
        "{ me { name reviews { body author { name } product { name shippingEstimate } } } }"
    ));
}

#[test]
fn union_fragment_beside_a_root_field() {
    insta::assert_snapshot!(plan(
        "{ topProducts { name reviews { body } } search(text: \"x\") { ... on Product { name reviews { body } } } }"
    ));
}

#[test]
fn mutations_root_by_root() {
    insta::assert_snapshot!(plan(
        "mutation { a: addReview(upc: \"1\", body: \"x\") { id product { name } } b: addReview(upc: \"2\", body: \"y\") { id } }"
    ));
}

#[test]
fn skip_and_include_conditions() {
    insta::assert_snapshot!(plan(
        "query($x: Boolean = true, $y: Boolean = false) { me { name reviews @include(if: $x) { body } ... @skip(if: $y) { reviews { id } } } }"
    ));
}
