//! Who owns a field, and which subgraph a selection goes to (issue points 3, 12 and 13):
//! interface fields are resolved per implementation (never where the implementation's
//! field is `@external` or overridden away); `node(id:)` shared by subgraphs that each know
//! part of the implementations; root fields per alias; key hops by a key the source can
//! reach; `@provides` when ranking subgraphs; `@context`/`@fromContext`.
//!
//! Each case asserts the end-to-end answer and the subgraph request counts first, then
//! snapshots the plan: a plan is only recorded once its answer is right.

use std::collections::HashSet;

use gateway::compose::{SubgraphSdl, compose};
use serde_json::{Value, json};

use crate::{
    federation::{Composer, Federation, counts},
    js_composer::compose_with_js,
    support::{Fixture, plan_on},
};

// ---------------------------------------------------------------------------------------
// Point 3: ownership per implementation.

/// `library` knows users, books and movies; `studio` knows products and owns `Movie.title`
/// (`@override`) and `Movie.year` (`@external` in `library`). Both answer `node(id:)`, each
/// for the implementations it knows.
fn library() -> Fixture {
    Fixture::new(&[
        (
            "library",
            r#"
type Query { node(id: ID!): Node @shareable  media: [Media!]!  shelf: Shelf! }
interface Node { id: ID! }
interface Media { id: ID!  title: String!  year: Int! }
type User implements Node @key(fields: "id") { id: ID!  name: String! }
type Book implements Media @key(fields: "id") { id: ID!  title: String!  year: Int! }
type Movie implements Media @key(fields: "id") {
  id: ID!  title: String!  year: Int! @external  era: String! @requires(fields: "year")
}
type Shelf { label: String!  items: [Media!]! }
"#,
        ),
        (
            "studio",
            r#"
type Query { node(id: ID!): Node @shareable }
interface Node { id: ID! }
type Product implements Node @key(fields: "id") { id: ID!  title: String! }
type Movie @key(fields: "id") { id: ID!  title: String! @override(from: "library")  year: Int! }
"#,
        ),
    ])
}

/// `library`'s own values for what it does not resolve (a stale title, a wrong year) and
/// each subgraph's `null` for the `node` it does not know show who answered.
fn library_world() -> Value {
    json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "name": "Ada" },
            "p1": { "__typename": "Product", "id": "p1", "title": "Lamp" },
            "b1": { "__typename": "Book", "id": "b1", "title": "Dune", "year": 1965 },
            "m1": { "__typename": "Movie", "id": "m1", "title": "Alien", "year": 1979, "era": "70s" }
        },
        "roots": {
            "node(id: \"u1\")": { "$ref": "u1" },
            "node(id: \"p1\")": { "$ref": "p1" },
            "media": [ { "$ref": "b1" }, { "$ref": "m1" } ],
            "nodes": [ { "$ref": "u1" }, { "$ref": "p1" } ],
            "shelf": { "label": "Favourites", "items": [ { "$ref": "m1" }, { "$ref": "b1" } ] }
        },
        "subgraphs": {
            "library": {
                "objects": { "m1": { "title": "Alien (library)", "year": 0 } },
                "roots": { "node(id: \"p1\")": null }
            },
            "studio": { "roots": { "node(id: \"u1\")": null } }
        }
    })
}

#[tokio::test]
async fn an_interface_field_overridden_for_one_implementation_comes_from_its_owner() {
    let fixture = library();
    let f = fixture.serve(library_world()).await;
    let query = "{ media { __typename id title } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "media": [
            { "__typename": "Book", "id": "b1", "title": "Dune" },
            { "__typename": "Movie", "id": "m1", "title": "Alien" }
        ] } })
    );
    assert_eq!(requests, counts(&[("library", 1), ("studio", 1)]));
    insta::assert_snapshot!("overridden_interface_field", fixture.plan(query));
}

#[tokio::test]
async fn an_interface_field_external_for_one_implementation_comes_from_its_owner() {
    let fixture = library();
    let f = fixture.serve(library_world()).await;
    let query = "{ shelf { label items { id year } } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "shelf": { "label": "Favourites", "items": [
            { "id": "m1", "year": 1979 },
            { "id": "b1", "year": 1965 }
        ] } } })
    );
    assert_eq!(requests, counts(&[("library", 1), ("studio", 1)]));
    insta::assert_snapshot!("external_interface_field", fixture.plan(query));
}

#[tokio::test]
async fn node_aliases_go_to_the_subgraph_knowing_their_type() {
    let fixture = library();
    let f = fixture.serve(library_world()).await;
    let query = r#"{ user: node(id: "u1") { id ... on User { name } } product: node(id: "p1") { id ... on Product { title } } }"#;
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": {
            "user": { "id": "u1", "name": "Ada" },
            "product": { "id": "p1", "title": "Lamp" }
        } })
    );
    assert_eq!(requests, counts(&[("library", 1), ("studio", 1)]));
    insta::assert_snapshot!("node_aliases", fixture.plan(query));
}

/// `nodes` answers `node(id:)` and knows every implementation by its key only; `types`
/// has their fields: each type's fragment hops to `types` from its own concrete type.
fn nodes() -> Fixture {
    Fixture::new(&[
        (
            "nodes",
            r#"
type Query { node(id: ID!): Node  nodes: [Node!]! }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! }
type Product implements Node @key(fields: "id") { id: ID! }
"#,
        ),
        (
            "types",
            r#"
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID!  name: String! }
type Product implements Node @key(fields: "id") { id: ID!  title: String! }
"#,
        ),
    ])
}

#[tokio::test]
async fn node_fragments_hop_from_each_concrete_type_to_the_subgraph_with_its_fields() {
    let fixture = nodes();
    let f = fixture.serve(library_world()).await;
    let selection = "{ __typename id ... on User { name } ... on Product { title } }";
    let (response, requests) = f.run(&format!(r#"{{ node(id: "p1") {selection} }}"#)).await;
    assert_eq!(
        response,
        json!({ "data": { "node": { "__typename": "Product", "id": "p1", "title": "Lamp" } } })
    );
    assert_eq!(requests, counts(&[("nodes", 1), ("types", 1)]));
    let query = format!("{{ nodes {selection} }}");
    let (response, requests) = f.run(&query).await;
    assert_eq!(
        response,
        json!({ "data": { "nodes": [
            { "__typename": "User", "id": "u1", "name": "Ada" },
            { "__typename": "Product", "id": "p1", "title": "Lamp" }
        ] } })
    );
    // Users and products: one batched request to `types`.
    assert_eq!(requests, counts(&[("nodes", 1), ("types", 1)]));
    insta::assert_snapshot!("node_fragments_per_type", fixture.plan(&query));
}

// ---------------------------------------------------------------------------------------
// Point 12: root-field choice per alias.

/// Both subgraphs answer `product`/`products`; only `pricing` has prices, and nobody can
/// enter `pricing` by a key (its key is not resolvable): prices come from its root.
fn pricing() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Query { product(id: ID!): Product @shareable  products: [Product!]! @shareable }
type Product @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
        (
            "pricing",
            r#"
type Query { product(id: ID!): Product @shareable  products: [Product!]! @shareable }
type Product @key(fields: "id", resolvable: false) { id: ID!  price: Int! }
"#,
        ),
    ])
}

fn pricing_world() -> Value {
    json!({
        "objects": {
            "p1": { "__typename": "Product", "id": "p1", "name": "Table", "price": 120 },
            "p2": { "__typename": "Product", "id": "p2", "name": "Lamp", "price": 30 }
        },
        "roots": {
            "product(id: \"p1\")": { "$ref": "p1" },
            "products": [ { "$ref": "p1" }, { "$ref": "p2" } ]
        }
    })
}

#[tokio::test]
async fn aliases_of_one_root_field_go_each_to_the_subgraph_covering_it() {
    let fixture = pricing();
    let f = fixture.serve(pricing_world()).await;
    let query = r#"{ a: product(id: "p1") { name } b: product(id: "p1") { price } }"#;
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "a": { "name": "Table" }, "b": { "price": 120 } } })
    );
    assert_eq!(requests, counts(&[("catalog", 1), ("pricing", 1)]));
    insta::assert_snapshot!("aliases", fixture.plan(query));
}

#[tokio::test]
async fn aliases_of_one_list_root_field_go_each_to_the_subgraph_covering_it() {
    let fixture = pricing();
    let f = fixture.serve(pricing_world()).await;
    let query = "{ names: products { name } prices: products { id price } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": {
            "names": [ { "name": "Table" }, { "name": "Lamp" } ],
            "prices": [ { "id": "p1", "price": 120 }, { "id": "p2", "price": 30 } ]
        } })
    );
    assert_eq!(requests, counts(&[("catalog", 1), ("pricing", 1)]));
    insta::assert_snapshot!("list_aliases", fixture.plan(query));
}

#[tokio::test]
async fn a_root_field_goes_where_the_rest_of_its_selection_is_reachable() {
    // `catalog` and `pricing` each resolve one field; only from `pricing` can the other be
    // reached (by `catalog`'s key).
    let fixture = pricing();
    let f = fixture.serve(pricing_world()).await;
    let query = r#"{ product(id: "p1") { name price } }"#;
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "product": { "name": "Table", "price": 120 } } })
    );
    assert_eq!(requests, counts(&[("catalog", 1), ("pricing", 1)]));
    insta::assert_snapshot!("reachable_root", fixture.plan(query));
}

// ---------------------------------------------------------------------------------------
// Point 12: key hops by a key the source can reach.

/// `inventory` is entered by `id` or `sku`. `reviews` knows products by `sku`; `orders` by
/// `upc` only, which `catalog` maps to `sku`; nobody but `inventory` has `id`.
fn keys() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Product @key(fields: "upc") @key(fields: "sku") { upc: ID!  sku: String!  name: String! }
"#,
        ),
        (
            "inventory",
            r#"
type Product @key(fields: "id") @key(fields: "sku") { id: ID!  sku: String!  stock: Int! }
"#,
        ),
        (
            "orders",
            r#"
type Query { orders: [Order!]! }
type Order { id: ID!  product: Product! }
type Product @key(fields: "upc", resolvable: false) { upc: ID! }
"#,
        ),
        (
            "reviews",
            r#"
type Query { reviews: [Review!]! }
type Review { body: String!  product: Product! }
type Product @key(fields: "sku", resolvable: false) { sku: String! }
"#,
        ),
    ])
}

fn keys_world() -> Value {
    json!({
        "objects": {
            "p1": { "__typename": "Product", "id": "p1", "upc": "u-1", "sku": "S1", "name": "Table", "stock": 4 },
            "p2": { "__typename": "Product", "id": "p2", "upc": "u-2", "sku": "S2", "name": "Lamp", "stock": 0 }
        },
        "roots": {
            "orders": [
                { "id": "o1", "product": { "$ref": "p2" } },
                { "id": "o2", "product": { "$ref": "p1" } }
            ],
            "reviews": [
                { "body": "Sturdy", "product": { "$ref": "p1" } },
                { "body": "Dim", "product": { "$ref": "p2" } }
            ]
        }
    })
}

#[tokio::test]
async fn a_key_hop_uses_the_key_the_source_has() {
    let fixture = keys();
    let f = fixture.serve(keys_world()).await;
    let query = "{ reviews { body product { name stock } } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "reviews": [
            { "body": "Sturdy", "product": { "name": "Table", "stock": 4 } },
            { "body": "Dim", "product": { "name": "Lamp", "stock": 0 } }
        ] } })
    );
    assert_eq!(
        requests,
        counts(&[("catalog", 1), ("inventory", 1), ("reviews", 1)])
    );
    insta::assert_snapshot!("key_the_source_has", fixture.plan(query));
}

#[tokio::test]
async fn a_key_hop_uses_a_key_reachable_through_another_subgraph() {
    let fixture = keys();
    let f = fixture.serve(keys_world()).await;
    let query = "{ orders { id product { stock } } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "orders": [
            { "id": "o1", "product": { "stock": 0 } },
            { "id": "o2", "product": { "stock": 4 } }
        ] } })
    );
    assert_eq!(
        requests,
        counts(&[("catalog", 1), ("inventory", 1), ("orders", 1)])
    );
    insta::assert_snapshot!("key_through_another_subgraph", fixture.plan(query));
}

// ---------------------------------------------------------------------------------------
// Point 12: `@provides` when ranking subgraphs.

/// `feed` and `reviews` both answer `latest` and `Review.author`; only `reviews` provides
/// the author's `name` (owned by `accounts`).
fn provides() -> Fixture {
    Fixture::new(&[
        (
            "accounts",
            r#"
type Query { me: User }
type User @key(fields: "id") { id: ID!  name: String!  pinned: [Review!]! }
type Review @key(fields: "id", resolvable: false) { id: ID! }
"#,
        ),
        (
            "feed",
            r#"
type Query { latest: [Review!]! @shareable }
type Review @key(fields: "id") { id: ID!  body: String! @shareable  author: User! @shareable }
type User @key(fields: "id", resolvable: false) { id: ID! }
"#,
        ),
        (
            "reviews",
            r#"
type Query { latest: [Review!]! @shareable }
type Review @key(fields: "id") {
  id: ID!  body: String! @shareable  author: User! @shareable @provides(fields: "name")
}
type User @key(fields: "id") { id: ID!  name: String! @external }
"#,
        ),
    ])
}

fn provides_world() -> Value {
    json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "name": "Ada", "pinned": [ { "$ref": "r2" } ] },
            "u2": { "__typename": "User", "id": "u2", "name": "Alan", "pinned": [] },
            "r1": { "__typename": "Review", "id": "r1", "body": "Great", "author": { "$ref": "u1" } },
            "r2": { "__typename": "Review", "id": "r2", "body": "Meh", "author": { "$ref": "u2" } }
        },
        "roots": { "me": { "$ref": "u1" }, "latest": [ { "$ref": "r1" }, { "$ref": "r2" } ] }
    })
}

#[tokio::test]
async fn a_root_field_goes_to_the_subgraph_that_provides_its_subtree() {
    let fixture = provides();
    let f = fixture.serve(provides_world()).await;
    let query = "{ latest { body author { name } } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "latest": [
            { "body": "Great", "author": { "name": "Ada" } },
            { "body": "Meh", "author": { "name": "Alan" } }
        ] } })
    );
    assert_eq!(requests, counts(&[("reviews", 1)]));
    insta::assert_snapshot!("provides_at_the_root", fixture.plan(query));
}

#[tokio::test]
async fn a_key_hop_goes_to_the_subgraph_that_provides_its_subtree() {
    let fixture = provides();
    let f = fixture.serve(provides_world()).await;
    let query = "{ me { name pinned { id author { name } } } }";
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada", "pinned": [
            { "id": "r2", "author": { "name": "Alan" } }
        ] } } })
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
    insta::assert_snapshot!("provides_after_a_hop", fixture.plan(query));
}

// ---------------------------------------------------------------------------------------
// Point 13: `@context`/`@fromContext` (Federation 2.8): planned right, or refused at load
// naming the field.

const CONTEXT_LINK: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@shareable", "@context", "@fromContext"])"#;

/// `store` greets in the locale of the user whose cart it is: `Cart.greeting` takes its
/// `locale` argument from the enclosing `User` (context `viewer`).
fn context_subgraphs() -> Vec<SubgraphSdl> {
    [
        (
            "accounts",
            r#"
type Query { users: [User!]! }
type User @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
        (
            "store",
            r#"
type User @key(fields: "id") @context(name: "viewer") { id: ID!  locale: String!  cart: Cart! }
type Cart @key(fields: "id") {
  id: ID!  greeting(locale: String @fromContext(field: "$viewer { locale }")): String!
}
"#,
        ),
    ]
    .into_iter()
    .map(|(name, sdl)| SubgraphSdl {
        name: name.to_owned(),
        url: format!("http://{name}.invalid/graphql"),
        sdl: format!("{CONTEXT_LINK}\n{sdl}"),
    })
    .collect()
}

/// The greeting for each locale the argument may carry; without one, a tell-tale.
fn context_world() -> Value {
    json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "name": "Ada", "locale": "fr", "cart": { "$ref": "c1" } },
            "u2": { "__typename": "User", "id": "u2", "name": "Alan", "locale": "en", "cart": { "$ref": "c2" } },
            "c1": { "__typename": "Cart", "id": "c1",
                "greeting(locale: \"fr\")": "Bonjour", "greeting(locale: \"en\")": "Hello",
                "greeting": "no locale" },
            "c2": { "__typename": "Cart", "id": "c2",
                "greeting(locale: \"fr\")": "Bonjour", "greeting(locale: \"en\")": "Hello",
                "greeting": "no locale" }
        },
        "roots": { "users": [ { "$ref": "u1" }, { "$ref": "u2" } ] }
    })
}

const CONTEXT_QUERY: &str = "{ users { name cart { greeting } } }";

fn context_answer() -> Value {
    json!({ "data": { "users": [
        { "name": "Ada", "cart": { "greeting": "Bonjour" } },
        { "name": "Alan", "cart": { "greeting": "Hello" } }
    ] } })
}

/// A refusal must name the field whose argument comes from a context.
fn assert_names_the_field(error: &str) {
    assert!(
        error.contains("greeting") && error.contains("fromContext"),
        "the error should name `Cart.greeting` and `@fromContext`: {error}"
    );
}

/// Runs the context query against the world subgraphs behind a gateway on `composer`'s
/// supergraph, and checks the answer, the request counts and that clients cannot set the
/// contextual argument.
async fn assert_context_answers(composer: Composer) {
    let sdls = context_subgraphs();
    let subgraphs: Vec<(&str, &str)> = sdls
        .iter()
        .map(|s| (s.name.as_str(), s.sdl.as_str()))
        .collect();
    let started = test_subgraphs::world::start_world(&subgraphs, context_world()).await;
    let f = Federation::start(started, composer, HashSet::new()).await;
    let (response, requests) = f.run(CONTEXT_QUERY).await;
    assert_eq!(response, context_answer());
    // `store` twice: the user's cart and locale, then the greeting with the locale.
    assert_eq!(requests, counts(&[("accounts", 1), ("store", 2)]));
    let response = f
        .query(r#"{ users { cart { greeting(locale: "de") } } }"#)
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "the contextual argument is not in the API schema: {response}"
    );
}

#[tokio::test]
async fn from_context_composed_by_us_is_planned_or_refused_naming_the_field() {
    let supergraph = match compose(&context_subgraphs()) {
        Ok(supergraph) => supergraph,
        Err(e) => return assert_names_the_field(&e.to_string()),
    };
    let plan = match plan_on(&supergraph, CONTEXT_QUERY) {
        Ok(plan) => plan,
        Err(e) => return assert_names_the_field(&e),
    };
    assert_context_answers(Composer::Ours).await;
    insta::assert_snapshot!("from_context_ours", plan);
}

#[tokio::test]
async fn from_context_composed_by_the_js_composer_is_planned_or_refused_naming_the_field() {
    let supergraph = compose_with_js(&context_subgraphs());
    let plan = match plan_on(&supergraph, CONTEXT_QUERY) {
        Ok(plan) => plan,
        Err(e) => return assert_names_the_field(&e),
    };
    assert_context_answers(Composer::JavaScript).await;
    insta::assert_snapshot!("from_context_js", plan);
}
