//! `@defer`: deferred selections get fetch groups of their own, run after the response
//! they extend is delivered; the primary fetches keep the keys those groups start from.

use crate::support::Fixture;

pub(crate) fn fixture() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Query { products: [Product!]!  top: Product  authors: [Author!]! }
type Product @key(fields: "id") { id: ID!  title: String!  author: Author }
type Author @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
        (
            "stock",
            r#"
type Product @key(fields: "id") { id: ID!  stock: Int  warehouse: Warehouse }
type Warehouse { city: String }
"#,
        ),
        (
            "people",
            r#"
type Author @key(fields: "id") { id: ID!  books: Int!  bio: String }
"#,
        ),
    ])
}

#[test]
fn a_deferred_field_of_another_subgraph_is_fetched_in_the_deferred_part() {
    insta::assert_snapshot!(
        fixture().plan("{ products { title ... @defer(label: \"stock\") { stock } } }")
    );
}

#[test]
fn a_deferred_field_of_the_same_subgraph_is_fetched_again_by_key() {
    insta::assert_snapshot!(fixture().plan("{ top { id ... @defer { title } } }"));
}

#[test]
fn nested_defers_each_get_their_fetches() {
    insta::assert_snapshot!(fixture().plan(
        "{ top { title ... @defer(label: \"outer\") { stock author { name ... @defer(label: \"inner\") { books } } } } }"
    ));
}

#[test]
fn a_deferred_root_field_is_a_root_fetch_of_its_own() {
    insta::assert_snapshot!(
        fixture().plan("{ top { title } ... @defer { authors { name books } } }")
    );
}

#[test]
fn defer_if_false_is_no_defer_and_a_variable_is_decided_per_request() {
    let fixture = fixture();
    let plain = fixture.plan("{ top { title stock } }");
    assert_eq!(
        fixture.plan("{ top { title ... @defer(if: false) { stock } } }"),
        plain
    );
    insta::assert_snapshot!(
        fixture.plan("query Q($d: Boolean = true) { top { title ...S @defer(if: $d) } } fragment S on Product { stock }")
    );
}

#[test]
fn a_deferred_fragment_inside_a_list_runs_once_for_every_element() {
    insta::assert_snapshot!(
        fixture().plan("{ products { title author { name ... @defer { bio } } } }")
    );
}
