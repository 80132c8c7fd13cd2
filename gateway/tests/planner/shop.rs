//! Plans for the `shop` fixture supergraph (a checked-in supergraph file).

use crate::support::plan_on;

fn plan(query: &str) -> String {
    plan_on(include_str!("../fixtures/shop.supergraph.graphql"), query)
        .unwrap_or_else(|e| panic!("{query} plans: {e}"))
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
