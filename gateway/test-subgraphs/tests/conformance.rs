//! The conformance subgraphs: published SDL, `_entities` for every entity, root fields and mutations.

mod common;

use common::{entities, post};
use serde_json::{Value, json};
use test_subgraphs::{TestSubgraph, by_name, conformance};

#[tokio::test]
async fn every_subgraph_publishes_its_federation_directives() {
    let subgraphs = conformance::start().await;
    let expected: &[(&str, &[&str])] = &[
        (
            "accounts",
            &[
                "type User @key(fields: \"id\")",
                "username: String! @shareable",
                "type Team @key(fields: \"id org { id }\")",
                "type Org @shareable",
                "increment(by: Int!): Int!",
            ],
        ),
        (
            "products",
            &[
                "type Product @key(fields: \"upc\") @key(fields: \"sku\")",
                "type Variant @key(fields: \"upc size\")",
                "name: String! @shareable",
                "weight(unit: WeightUnit! = KILOGRAM): Float!",
                "topProducts(first: Int! = 5): [Product!]!",
            ],
        ),
        (
            "inventory",
            &[
                "specs.apollo.dev/federation/v2.7",
                "type Product @key(fields: \"sku\")",
                "weight(unit: WeightUnit! = KILOGRAM): Float! @external",
                "@requires(fields: \"price weight(unit: KILOGRAM) dimensions { width height depth }\")",
                "reorderPriority: String! @requires(fields: \"reviewCount\")",
                "shippingClass: String! @override(from: \"products\")",
                "@override(from: \"products\", label: \"percent(0)\")",
                "@override(from: \"products\", label: \"beta\")",
                "multiply(by: Int!): Int!",
            ],
        ),
        (
            "reviews",
            &[
                "author: User @provides(fields: \"username\")",
                "username: String! @external",
                "type Media @key(fields: \"id\") @interfaceObject",
                "type Team @key(fields: \"id org { id }\")",
                "union SearchResult = Review | Product | User",
            ],
        ),
        (
            "media",
            &[
                "interface Media @key(fields: \"id\")",
                "type Book implements Media @key(fields: \"id\")",
                "type Movie implements Media @key(fields: \"id\")",
                "type User @key(fields: \"id\", resolvable: false)",
            ],
        ),
    ];
    assert_eq!(subgraphs.len(), expected.len());
    for (name, fragments) in expected {
        let subgraph = by_name(&subgraphs, name);
        let answer = post(subgraph.url(), "{ _service { sdl } }", Value::Null).await;
        let sdl = answer["data"]["_service"]["sdl"]
            .as_str()
            .expect("sdl string");
        assert_eq!(
            sdl,
            subgraph.sdl(),
            "{name}: _service answer differs from sdl()"
        );
        for fragment in *fragments {
            assert!(
                sdl.contains(fragment),
                "{name} SDL lacks `{fragment}`:\n{sdl}"
            );
        }
    }
}

fn url<'a>(subgraphs: &'a [TestSubgraph], name: &str) -> &'a str {
    by_name(subgraphs, name).url()
}

#[tokio::test]
async fn accounts_resolves_users_and_teams_by_nested_key() {
    let subgraphs = conformance::start().await;
    let accounts = url(&subgraphs, "accounts");
    let answer = entities(
        accounts,
        json!([
            { "__typename": "User", "id": "u3" },
            { "__typename": "Team", "id": "t1", "org": { "id": "o1" } },
            { "__typename": "Team", "id": "t1", "org": { "id": "o2" } },
            { "__typename": "User", "id": "nobody" },
        ]),
        "... on User { name username team { name } } ... on Team { name org { name } }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "name": "Grace Hopper", "username": "grace", "team": { "name": "Compilers" } },
            { "name": "Engines", "org": { "name": "Analytical" } },
            { "name": "Compilers", "org": { "name": "Harbor" } },
            null,
        ] } })
    );
}

#[tokio::test]
async fn products_resolves_either_key_and_returns_null_and_error_entities_in_one_batch() {
    let subgraphs = conformance::start().await;
    let products = url(&subgraphs, "products");
    let answer = entities(
        products,
        json!([
            { "__typename": "Product", "upc": "1" },
            { "__typename": "Product", "sku": "SKU-2" },
            { "__typename": "Product", "upc": "404" },
            { "__typename": "Product", "upc": "500" },
            { "__typename": "Variant", "upc": "1", "size": "L" },
        ]),
        "... on Product { upc sku name price grams: weight(unit: GRAM) } ... on Variant { name }",
    )
    .await;
    assert_eq!(
        answer["data"]["_entities"],
        json!([
            { "upc": "1", "sku": "SKU-1", "name": "Table", "price": 899, "grams": 12500.0 },
            { "upc": "2", "sku": "SKU-2", "name": "Couch", "price": 1299, "grams": 40000.0 },
            null,
            null,
            { "name": "Table (L)" },
        ])
    );
    // Only the failing item is null, and its error path carries the item index.
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["message"], "product 500 failed to load");
    assert_eq!(errors[0]["path"], json!(["_entities", 3]));
}

#[tokio::test]
async fn inventory_computes_required_fields_from_the_representation() {
    let subgraphs = conformance::start().await;
    let inventory = url(&subgraphs, "inventory");
    let table = json!({
        "__typename": "Product", "sku": "SKU-1", "price": 899, "weight": 12.5,
        "dimensions": { "width": 120, "height": 75, "depth": 80 }, "reviewCount": 2,
    });
    let lamp = json!({
        "__typename": "Product", "sku": "SKU-3", "price": 54, "weight": 0.5,
        "dimensions": { "width": 20, "height": 45, "depth": 20 }, "reviewCount": 1,
    });
    let answer = entities(
        inventory,
        json!([table, lamp, { "__typename": "Variant", "upc": "2", "size": "M" }]),
        "... on Product { inStock shippingEstimate abroad: shippingEstimate(zone: INTERNATIONAL) \
         reorderPriority shippingClass warehouse carrier } ... on Variant { stock }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "inStock": true, "shippingEstimate": 33, "abroad": 66, "reorderPriority": "HIGH",
              "shippingClass": "FREIGHT", "warehouse": "NORTH", "carrier": "COURIER" },
            { "inStock": true, "shippingEstimate": 1, "abroad": 2, "reorderPriority": "LOW",
              "shippingClass": "PARCEL", "warehouse": "NORTH", "carrier": "COURIER" },
            { "stock": 7 },
        ] } })
    );
}

#[tokio::test]
async fn inventory_reports_missing_required_fields() {
    let subgraphs = conformance::start().await;
    let inventory = url(&subgraphs, "inventory");
    let answer = entities(
        inventory,
        json!([{ "__typename": "Product", "sku": "SKU-1" }]),
        "... on Product { shippingEstimate }",
    )
    .await;
    assert_eq!(answer["data"], json!({ "_entities": [null] }));
    assert_eq!(
        answer["errors"][0]["message"],
        "`price` was not provided in the representation"
    );
}

#[tokio::test]
async fn reviews_resolves_users_products_teams_and_interface_objects() {
    let subgraphs = conformance::start().await;
    let reviews = url(&subgraphs, "reviews");
    let answer = entities(
        reviews,
        json!([
            { "__typename": "User", "id": "u1" },
            { "__typename": "Product", "upc": "1" },
            { "__typename": "Product", "upc": "404" },
            { "__typename": "Team", "id": "t1", "org": { "id": "o1" } },
            { "__typename": "Team", "id": "t1", "org": { "id": "o2" } },
            { "__typename": "Media", "id": "m1" },
        ]),
        "... on User { reviews { id } } ... on Product { reviewCount reviews { id } } \
         ... on Team { reviewCount } ... on Media { likes }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "reviews": [{ "id": "r1" }, { "id": "r2" }] },
            { "reviewCount": 2, "reviews": [{ "id": "r1" }, { "id": "r4" }] },
            { "reviewCount": 1, "reviews": [{ "id": "r5" }] },
            { "reviewCount": 2 },
            { "reviewCount": 1 },
            { "likes": 42 },
        ] } })
    );
}

#[tokio::test]
async fn media_resolves_the_interface_key_to_concrete_types() {
    let subgraphs = conformance::start().await;
    let media = url(&subgraphs, "media");
    let answer = entities(
        media,
        json!([
            { "__typename": "Media", "id": "m2" },
            { "__typename": "Media", "id": "m3" },
            { "__typename": "Book", "id": "m1" },
            { "__typename": "Movie", "id": "m1" },
        ]),
        "__typename ... on Media { id title } ... on Book { pages author { id } } ... on Movie { durationMinutes }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "__typename": "Movie", "id": "m2", "title": "Codebreakers", "durationMinutes": 114 },
            { "__typename": "Book", "id": "m3", "title": "Compilers at Sea", "pages": 120, "author": { "id": "u3" } },
            { "__typename": "Book", "id": "m1", "title": "Notes on the Engine", "pages": 66, "author": { "id": "u1" } },
            null,
        ] } })
    );
}

#[tokio::test]
async fn root_fields_take_arguments_and_aliases() {
    let subgraphs = conformance::start().await;
    let products = url(&subgraphs, "products");
    let answer = post(
        products,
        "{ one: topProducts(first: 1) { name } two: topProducts(first: 2) { name } product(upc: \"404\") { name } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": {
            "one": [{ "name": "Couch" }],
            "two": [{ "name": "Couch" }, { "name": "Table" }],
            "product": null,
        } })
    );

    let reviews = url(&subgraphs, "reviews");
    let answer = post(
        reviews,
        "{ search(term: \"LOVE\") { __typename ... on Review { id } ... on Product { upc } ... on User { id } } \
           featuredMedia { id likes } review(id: \"r6\") { author { id } product { upc } } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": {
            "search": [
                { "__typename": "Review", "id": "r1" },
                { "__typename": "Product", "upc": "1" },
                { "__typename": "User", "id": "u1" },
                { "__typename": "Review", "id": "r4" },
                { "__typename": "Product", "upc": "1" },
                { "__typename": "User", "id": "u3" },
            ],
            "featuredMedia": [{ "id": "m2", "likes": 7 }, { "id": "m1", "likes": 42 }],
            "review": { "author": null, "product": { "upc": "500" } },
        } })
    );
}

#[tokio::test]
async fn mutations_share_one_counter_across_accounts_and_inventory() {
    let subgraphs = conformance::start().await;
    let (accounts, inventory) = (url(&subgraphs, "accounts"), url(&subgraphs, "inventory"));
    let answer = post(
        accounts,
        "mutation { a: increment(by: 2) b: increment(by: 1) }",
        Value::Null,
    )
    .await;
    assert_eq!(answer, json!({ "data": { "a": 2, "b": 3 } }));
    let answer = post(inventory, "mutation { multiply(by: 4) }", Value::Null).await;
    assert_eq!(answer, json!({ "data": { "multiply": 12 } }));
    let answer = post(accounts, "{ counter }", Value::Null).await;
    assert_eq!(answer, json!({ "data": { "counter": 12 } }));

    // Each start gets its own counter.
    let fresh = conformance::start().await;
    let answer = post(url(&fresh, "accounts"), "{ counter }", Value::Null).await;
    assert_eq!(answer, json!({ "data": { "counter": 0 } }));
}
