//! Lean plans: entity fetches of one wave to the same subgraph are one request.

use serde_json::json;

use crate::{federation::counts, support::Fixture};

fn fixture() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Query { products: [Product!]!  authors: [Author!]! }
type Product @key(fields: "id") { id: ID!  title: String! }
type Author @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
        (
            "stock",
            r#"
type Product @key(fields: "id") { id: ID!  stock: Int }
type Author @key(fields: "id") { id: ID!  books: Int! }
"#,
        ),
    ])
}

#[test]
fn two_entity_types_in_one_wave_are_one_batch() {
    insta::assert_snapshot!(fixture().plan("{ products { title stock } authors { name books } }"));
}

#[tokio::test]
async fn a_batch_answers_each_part_in_its_place() {
    let fixture = fixture();
    let f = fixture
        .serve(json!({
            "objects": {
                "p1": { "__typename": "Product", "id": "p1", "title": "Table", "stock": 3 },
                "p2": { "__typename": "Product", "id": "p2", "title": "Lamp", "stock": { "$error": "stock unavailable" } },
                "a1": { "__typename": "Author", "id": "a1", "name": "Ada", "books": 2 }
            },
            "roots": {
                "products": [ { "$ref": "p1" }, { "$ref": "p2" } ],
                "authors": [ { "$ref": "a1" } ]
            }
        }))
        .await;
    let (response, requests) = f
        .run("{ products { title stock } authors { name books } }")
        .await;
    assert_eq!(requests, counts(&[("catalog", 1), ("stock", 1)]));
    assert_eq!(
        response["data"],
        json!({
            "products": [ { "title": "Table", "stock": 3 }, { "title": "Lamp", "stock": null } ],
            "authors": [ { "name": "Ada", "books": 2 } ]
        })
    );
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{response}");
    assert_eq!(errors[0]["message"], "stock unavailable");
    assert_eq!(errors[0]["path"], json!(["products", 1, "stock"]));
}
