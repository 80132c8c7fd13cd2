//! The benchmark subgraphs: SDL shape, entities and data volume.

mod common;

use common::{entities, post};
use serde_json::{Value, json};
use test_subgraphs::{benchmark, by_name};

#[tokio::test]
async fn subgraphs_publish_the_benchmark_shape() {
    let subgraphs = benchmark::start().await;
    let expected: &[(&str, &[&str])] = &[
        (
            "accounts",
            &[
                "type User @key(fields: \"id\")",
                "username: String! @shareable",
                "users: [User!]!",
                "me: User!",
            ],
        ),
        (
            "products",
            &[
                "type Product @key(fields: \"upc\")",
                "topProducts(first: Int! = 5): [Product!]!",
            ],
        ),
        (
            "inventory",
            &[
                "shippingEstimate: Int! @requires(fields: \"price weight\")",
                "weight: Int! @external",
            ],
        ),
        (
            "reviews",
            &[
                "type Review @key(fields: \"id\")",
                "author: User! @provides(fields: \"username\")",
            ],
        ),
    ];
    for (name, fragments) in expected {
        let sdl = by_name(&subgraphs, name).sdl();
        for fragment in *fragments {
            assert!(
                sdl.contains(fragment),
                "{name} SDL lacks `{fragment}`:\n{sdl}"
            );
        }
    }
}

#[tokio::test]
async fn every_user_and_product_has_three_reviews() {
    let subgraphs = benchmark::start().await;
    let reviews = by_name(&subgraphs, "reviews").url();
    let representations: Vec<Value> = (1..=10)
        .flat_map(|n| {
            [
                json!({ "__typename": "User", "id": n.to_string() }),
                json!({ "__typename": "Product", "upc": n.to_string() }),
            ]
        })
        .collect();
    let answer = entities(
        reviews,
        Value::Array(representations),
        "... on User { reviews { id } } ... on Product { reviews { id } }",
    )
    .await;
    let found = answer["data"]["_entities"].as_array().expect("entities");
    assert_eq!(found.len(), 20);
    for entity in found {
        assert_eq!(
            entity["reviews"].as_array().map(Vec::len),
            Some(3),
            "{entity}"
        );
    }
}

#[tokio::test]
async fn inventory_answers_shipping_estimates_from_required_fields() {
    let subgraphs = benchmark::start().await;
    let inventory = by_name(&subgraphs, "inventory").url();
    let answer = entities(
        inventory,
        json!([
            { "__typename": "Product", "upc": "1", "price": 150, "weight": 10 },
            { "__typename": "Product", "upc": "9", "price": 1350, "weight": 90 },
        ]),
        "... on Product { inStock shippingEstimate }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "inStock": true, "shippingEstimate": 5 },
            { "inStock": false, "shippingEstimate": 0 },
        ] } })
    );
}

#[tokio::test]
async fn roots_answer_users_me_and_top_products() {
    let subgraphs = benchmark::start().await;
    let accounts = by_name(&subgraphs, "accounts").url();
    let answer = post(
        accounts,
        "{ me { id name username } users { id } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        answer["data"]["me"],
        json!({ "id": "1", "name": "User 1", "username": "user1" })
    );
    assert_eq!(answer["data"]["users"].as_array().map(Vec::len), Some(10));

    let products = by_name(&subgraphs, "products").url();
    let answer = post(
        products,
        "{ topProducts { upc name price weight } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        answer["data"]["topProducts"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(
        answer["data"]["topProducts"][0],
        json!({ "upc": "1", "name": "Product 1", "price": 150, "weight": 10 })
    );
}

#[test]
fn bench_query_parses() {
    async_graphql::parser::parse_query(benchmark::BENCH_QUERY).expect("valid GraphQL");
}
