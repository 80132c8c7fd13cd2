//! Response shaping against the API schema (issue point 10): what a subgraph returns but
//! the API schema hides (`@inaccessible` enum values and types) becomes `null` with an
//! error, bubbling per the spec; it never reaches the client.

use serde_json::json;

use crate::{federation::counts, support::Fixture};

fn fixture() -> Fixture {
    Fixture::new(&[(
        "orders",
        r#"
type Query { orders: [Order!]!  feed: [Item]!  first: Order! }
type Order @key(fields: "id") { id: ID!  status: Status  state: Status! }
enum Status { OPEN CLOSED LEGACY @inaccessible }
union Item = Post | Draft
type Post { id: ID! }
type Draft @inaccessible { id: ID! }
"#,
    )])
}

fn world() -> serde_json::Value {
    json!({
        "objects": {
            "o1": { "__typename": "Order", "id": "o1", "status": "OPEN", "state": "CLOSED" },
            "o2": { "__typename": "Order", "id": "o2", "status": "LEGACY", "state": "LEGACY" }
        },
        "roots": {
            "orders": [ { "$ref": "o1" }, { "$ref": "o2" } ],
            "first": { "$ref": "o2" },
            "feed": [ { "__typename": "Post", "id": "p1" }, { "__typename": "Draft", "id": "d1" } ]
        }
    })
}

#[tokio::test]
async fn an_inaccessible_enum_value_becomes_null_with_an_error() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let (response, requests) = f.run("{ orders { id status } }").await;
    assert_eq!(requests, counts(&[("orders", 1)]));
    assert_eq!(
        response["data"],
        json!({ "orders": [ { "id": "o1", "status": "OPEN" }, { "id": "o2", "status": null } ] })
    );
    assert_eq!(
        response["errors"][0]["path"],
        json!(["orders", 1, "status"])
    );
    assert!(
        !response.to_string().contains("LEGACY"),
        "the hidden value leaked: {response}"
    );
}

#[tokio::test]
async fn a_hidden_value_in_a_non_null_position_bubbles() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let response = f.query("{ first { id state } }").await;
    // `first: Order!` and `state: Status!`: the null reaches the root.
    assert_eq!(response["data"], json!(null));
    assert_eq!(response["errors"][0]["path"], json!(["first", "state"]));
    assert!(!response.to_string().contains("LEGACY"), "{response}");
}

#[tokio::test]
async fn an_inaccessible_type_in_a_union_becomes_null_with_an_error() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let response = f.query("{ feed { __typename ... on Post { id } } }").await;
    assert_eq!(
        response["data"],
        json!({ "feed": [ { "__typename": "Post", "id": "p1" }, null ] })
    );
    assert_eq!(response["errors"][0]["path"], json!(["feed", 1]));
    assert!(!response.to_string().contains("Draft"), "{response}");
}
