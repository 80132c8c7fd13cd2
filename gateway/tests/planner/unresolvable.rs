//! Unresolvable selections are request errors (issue point 11): a field no subgraph can
//! resolve on its path is refused before any subgraph is called, naming the field.

use serde_json::json;

use crate::support::Fixture;

fn fixture() -> Fixture {
    Fixture::new(&[
        (
            "items",
            r#"
type Query { items: [Item!]!  book: Book }
interface Item @key(fields: "id") { id: ID!  name: String! }
type Book implements Item @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
        (
            "ratings",
            r#"
type Query { topItem: Item }
type Item @key(fields: "id", resolvable: false) @interfaceObject { id: ID!  rating: Int! }
"#,
        ),
    ])
}

#[test]
fn a_field_behind_an_unresolvable_key_is_a_planning_error() {
    let f = fixture();
    let error = f.plan_error("{ items { name rating } }");
    assert!(error.contains("rating"), "{error}");
    let error = f.plan_error("{ book { rating } }");
    assert!(error.contains("rating"), "{error}");
    // Where the subgraph that has it is the one answering, it plans.
    insta::assert_snapshot!(f.plan("{ topItem { id rating } }"));
}

#[tokio::test]
async fn the_gateway_refuses_it_before_calling_any_subgraph() {
    let fixture = fixture();
    let f = fixture
        .serve(json!({
            "objects": { "b1": { "__typename": "Book", "$implements": ["Item"], "id": "b1", "name": "Notes", "rating": 4 } },
            "roots": { "items": [ { "$ref": "b1" } ], "book": { "$ref": "b1" }, "topItem": { "$ref": "b1" } }
        }))
        .await;
    let (response, requests) = f.run("{ items { name rating } }").await;
    assert!(requests.is_empty(), "{requests:?}");
    assert!(
        response.get("data").is_none_or(serde_json::Value::is_null),
        "{response}"
    );
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "QUERY_PLANNING_FAILED"
    );
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("rating"), "{message}");
}
