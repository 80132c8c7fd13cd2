//! `@defer`: deferred selections get fetch groups of their own, run after the response
//! they extend is delivered; the primary fetches keep the keys those groups start from.

use serde_json::{Value, json};

use crate::{federation::counts, support::Fixture};

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

#[tokio::test]
async fn a_null_voiding_a_deferred_fragment_completes_it_with_its_errors() {
    let fixture = fixture();
    let f = fixture
        .serve(json!({
            "objects": {
                "p1": { "__typename": "Product", "id": "p1", "title": "Lamp", "author": { "$ref": "a1" } },
                "a1": { "__typename": "Author", "id": "a1", "name": "Ada", "books": { "$error": "books unavailable" } }
            },
            "roots": { "top": { "$ref": "p1" } }
        }))
        .await;
    f.clear_requests();
    let body = reqwest::Client::new()
        .post(&f.url)
        .header("accept", "multipart/mixed")
        .json(&json!({ "query": "{ top { title author { name ... @defer(label: \"books\") { books } } } }" }))
        .send()
        .await
        .expect("gateway answers")
        .text()
        .await
        .expect("body");
    let payloads: Vec<Value> = body
        .split("\r\n---")
        .filter_map(|part| part.split("\r\n\r\n").nth(1))
        .map(|payload| serde_json::from_str(payload).expect("JSON payload"))
        .collect();
    assert_eq!(
        payloads[0],
        json!({
            "data": { "top": { "title": "Lamp", "author": { "name": "Ada" } } },
            "pending": [{ "id": "0", "path": ["top", "author"], "label": "books" }],
            "hasNext": true
        })
    );
    // `books: Int!` is null: the null voids the fragment's object, so no data comes.
    assert_eq!(payloads[1]["completed"][0]["id"], "0");
    let errors = payloads[1]["completed"][0]["errors"]
        .as_array()
        .expect("errors");
    assert_eq!(errors[0]["message"], "books unavailable");
    assert_eq!(errors[0]["path"], json!(["top", "author", "books"]));
    assert!(payloads[1].get("incremental").is_none(), "{}", payloads[1]);
    assert_eq!(payloads[1]["hasNext"], false);
    assert_eq!(payloads.len(), 2, "{body}");
    assert_eq!(f.request_counts(), counts(&[("catalog", 1), ("people", 1)]));
}

#[test]
fn a_defer_inside_a_mutation_result_plans_its_fetches_after_every_root_field() {
    insta::assert_snapshot!(
        crate::support::plan_on(
            include_str!("../fixtures/shop.supergraph.graphql"),
            "mutation { a: addReview(upc: \"1\", body: \"x\") { id ... @defer { product { name } } } b: addReview(upc: \"2\", body: \"y\") { id } }"
        )
        .unwrap_or_else(|e| panic!("plans: {e}"))
    );
}
