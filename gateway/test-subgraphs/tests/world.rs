//! World subgraphs: SDL + JSON data, validated and executed by apollo-compiler.

#[allow(dead_code, reason = "this test binary uses only some helpers")]
mod common;

use std::sync::Arc;

use common::{entities, post};
use serde_json::{Value, json};
use test_subgraphs::{
    TestSubgraph, by_name,
    world::{World, start_world, world_subgraph},
};

const LINK: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject", "@tag"])"#;

const CATALOG: &str = r#"
type Query {
  me: User
  user(id: ID!): User
  topUsers(first: Int = 2): [User!]!
  strictUser: User!
  users: [User]!
  search(term: String!): [SearchResult!]!
  media: [Media!]!
  mixedMedia: [Media]
}
type Mutation { bump(by: Int!): Int! }
type User @key(fields: "id") {
  id: ID!
  name: String! @shareable
  team: Team
  address: Address
  reviews: [Review!]!
}
type Team @key(fields: "id org { id }") { id: ID!  org: Org!  name: String! }
type Org @shareable { id: ID! }
type Address { city: String!  zip: String }
type Review @key(fields: "id") { id: ID!  body: String!  rating: Int  author: User }
union SearchResult = User | Review
interface Media @key(fields: "id") { id: ID!  title: String! }
type Book implements Media @key(fields: "id") { id: ID!  title: String!  pages: Int! }
type Movie implements Media @key(fields: "id") { id: ID!  title: String!  minutes: Int! }
"#;

/// Entity-only (no `Query`), with `@requires`, `@interfaceObject` and per-subgraph values.
const SHIPPING: &str = r#"
type User @key(fields: "id") { id: ID!  name: String! @shareable }
type Team @key(fields: "id org { id }") { id: ID!  org: Org!  size: Int! }
type Org @shareable { id: ID! }
type Product @key(fields: "upc") {
  upc: ID!
  price: Int! @external
  weight(unit: Unit! = KG): Float! @external
  dimensions: Dimensions @external
  shippingCost(zone: Zone = DOMESTIC): Int!
    @requires(fields: "price weight(unit: KG) dimensions { width height }")
}
type Dimensions @shareable { width: Int!  height: Int! }
enum Unit { KG LB }
enum Zone { DOMESTIC INTERNATIONAL }
type Media @key(fields: "id") @interfaceObject { id: ID!  likes: Int! }
"#;

fn world() -> Value {
    json!({
        "objects": {
            "u1": {
                "__typename": "User", "id": "u1", "name": "Ada",
                "team": { "$ref": "t1" },
                "address": { "city": "Paris", "zip": null },
                "reviews": [{ "$ref": "r1" }, { "$ref": "r2" }]
            },
            "u2": {
                "__typename": "User", "id": "u2", "name": "Alan",
                "team": { "$ref": "t2" },
                "address": { "$error": "address service down" },
                "reviews": [{ "$ref": "r3" }]
            },
            "t1": { "__typename": "Team", "id": "t1", "org": { "$ref": "o1" }, "name": "Engines", "size": 3 },
            "t2": { "__typename": "Team", "id": "t1", "org": { "$ref": "o2" }, "name": "Compilers", "size": 5 },
            "o1": { "__typename": "Org", "id": "o1" },
            "o2": { "__typename": "Org", "id": "o2" },
            "r1": { "__typename": "Review", "id": "r1", "body": "Great", "rating": 5, "author": { "$ref": "u1" } },
            "r2": { "__typename": "Review", "id": "r2", "body": "Meh", "rating": null, "author": { "$ref": "gone" } },
            "r3": { "__typename": "Review", "id": "r3", "rating": 1 },
            "m1": { "__typename": "Book", "id": "m1", "title": "Notes", "pages": 66, "likes": 42 },
            "m2": { "__typename": "Movie", "id": "m2", "title": "Codebreakers", "minutes": 114, "likes": 7 },
            "m3": { "__typename": "Podcast", "id": "m3", "title": "Unheard", "likes": 1 },
            "p1": {
                "__typename": "Product", "upc": "1", "price": 899,
                "weight(unit: \"KG\")": 12.5, "weight(unit: \"LB\")": 27.6,
                "dimensions": { "width": 120, "height": 75 },
                "shippingCost(zone: \"DOMESTIC\")": 33,
                "shippingCost(zone: \"INTERNATIONAL\")": 66
            }
        },
        "roots": {
            "me": { "$ref": "u1" },
            "user(id: \"u1\")": { "$ref": "u1" },
            "user(id: \"u2\")": { "$ref": "u2" },
            "topUsers(first: 2)": [{ "$ref": "u1" }, { "$ref": "u2" }],
            "topUsers(first: 1)": [{ "$ref": "u1" }],
            "strictUser": { "$ref": "missing" },
            "users": [{ "$ref": "u1" }, { "$ref": "nobody" }, { "$error": "u3 failed to load" }],
            "search(term: \"a\")": [{ "$ref": "r1" }, { "$ref": "u2" }],
            "search": [],
            "media": [{ "$ref": "m1" }, { "$ref": "m2" }],
            "mixedMedia": [{ "$ref": "m1" }, { "$ref": "m3" }],
            "bump(by: 2)": 3
        },
        "subgraphs": {
            "shipping": { "objects": { "u1": { "name": "Ada (shipping)" } } }
        }
    })
}

async fn start() -> Vec<TestSubgraph> {
    let catalog = format!("{LINK}\n{CATALOG}");
    let shipping = format!("{LINK}\n{SHIPPING}");
    start_world(&[("catalog", &catalog), ("shipping", &shipping)], world()).await
}

async fn post_named(url: &str, query: &str, operation: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": query, "operationName": operation, "variables": variables }))
        .send()
        .await
        .expect("subgraph reachable")
        .json()
        .await
        .expect("JSON answer")
}

/// Drops `locations` from every error (their columns are not what these tests are about).
fn without_locations(mut answer: Value) -> Value {
    if let Some(errors) = answer.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(error) = error.as_object_mut() {
                error.remove("locations");
            }
        }
    }
    answer
}

#[tokio::test]
async fn root_query_follows_refs_fragments_and_directives() {
    let subgraphs = start().await;
    let catalog = by_name(&subgraphs, "catalog");
    let query = r#"
        query Other { me { id } }
        query Main($withTeam: Boolean!, $first: Int) {
          me {
            id
            name
            team @include(if: $withTeam) { name org { id } }
            address { city zip }
            reviews { id ... on Review { body } author { n: name } }
          }
          search(term: "a") {
            __typename
            ... on Review { body rating }
            ...UserParts
          }
          media { __typename id title ... on Book { pages } ... on Movie { minutes } }
          topUsers(first: $first) { name }
          defaulted: topUsers { id }
        }
        fragment UserParts on User { name address @skip(if: true) { city } }
    "#;
    let answer = post_named(
        catalog.url(),
        query,
        "Main",
        json!({ "withTeam": true, "first": 1 }),
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": {
            "me": {
                "id": "u1",
                "name": "Ada",
                "team": { "name": "Engines", "org": { "id": "o1" } },
                "address": { "city": "Paris", "zip": null },
                "reviews": [
                    { "id": "r1", "body": "Great", "author": { "n": "Ada" } },
                    { "id": "r2", "body": "Meh", "author": null }
                ]
            },
            "search": [
                { "__typename": "Review", "body": "Great", "rating": 5 },
                { "__typename": "User", "name": "Alan" }
            ],
            "media": [
                { "__typename": "Book", "id": "m1", "title": "Notes", "pages": 66 },
                { "__typename": "Movie", "id": "m2", "title": "Codebreakers", "minutes": 114 }
            ],
            "topUsers": [{ "name": "Ada" }],
            "defaulted": [{ "id": "u1" }, { "id": "u2" }]
        } })
    );

    let answer = post_named(catalog.url(), query, "Other", Value::Null).await;
    assert_eq!(answer, json!({ "data": { "me": { "id": "u1" } } }));
    // A missing argument key falls back to the plain field name.
    let answer = post(
        catalog.url(),
        r#"{ search(term: "zzz") { __typename } }"#,
        Value::Null,
    )
    .await;
    assert_eq!(answer, json!({ "data": { "search": [] } }));
}

#[tokio::test]
async fn service_sdl_and_mutations() {
    let subgraphs = start().await;
    for subgraph in &subgraphs {
        let answer = post(
            subgraph.url(),
            "{ _service { sdl } __typename }",
            Value::Null,
        )
        .await;
        assert_eq!(
            answer,
            json!({ "data": { "_service": { "sdl": subgraph.sdl() }, "__typename": "Query" } })
        );
    }
    let catalog = by_name(&subgraphs, "catalog");
    let answer = post(
        catalog.url(),
        "mutation { a: bump(by: 2) b: bump(by: 2) }",
        Value::Null,
    )
    .await;
    assert_eq!(answer, json!({ "data": { "a": 3, "b": 3 } }));
}

#[tokio::test]
async fn entities_match_compound_and_nested_keys() {
    let subgraphs = start().await;
    let shipping = by_name(&subgraphs, "shipping");
    let answer = entities(
        shipping.url(),
        json!([
            { "__typename": "Team", "id": "t1", "org": { "id": "o2" } },
            { "__typename": "Team", "id": "t1", "org": { "__typename": "Org", "id": "o1" } },
            { "__typename": "Team", "id": "t1", "org": { "id": "o9" } },
            { "__typename": "User", "id": "u1" },
            { "__typename": "User", "id": "u404" }
        ]),
        "__typename ... on Team { id size } ... on User { name }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "__typename": "Team", "id": "t1", "size": 5 },
            { "__typename": "Team", "id": "t1", "size": 3 },
            null,
            // The shipping override of u1's name.
            { "__typename": "User", "name": "Ada (shipping)" },
            null
        ] } })
    );
    // The shared value elsewhere.
    let catalog = by_name(&subgraphs, "catalog");
    let answer = entities(
        catalog.url(),
        json!([{ "__typename": "User", "id": "u1" }]),
        "... on User { name }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [{ "name": "Ada" }] } })
    );

    // A representation without the key fields, or of a type that is no entity here.
    let answer = entities(
        shipping.url(),
        json!([
            { "__typename": "Team", "id": "t1" },
            { "__typename": "Review", "id": "r1" },
            { "__typename": "User", "id": "u1" }
        ]),
        "... on User { id }",
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({
            "data": { "_entities": [null, null, { "id": "u1" }] },
            "errors": [
                {
                    "message": "the representation of Team has the fields of none of its keys here",
                    "path": ["_entities", 0]
                },
                {
                    "message": "type Review is not an entity with a resolvable @key in this subgraph",
                    "path": ["_entities", 1]
                }
            ]
        })
    );
}

#[tokio::test]
async fn requires_checks_the_representation() {
    let subgraphs = start().await;
    let shipping = by_name(&subgraphs, "shipping");
    let right = json!({
        "__typename": "Product", "upc": "1", "price": 899, "weight": 12.5,
        "dimensions": { "__typename": "Dimensions", "width": 120, "height": 75 }
    });
    let answer = entities(
        shipping.url(),
        json!([right]),
        "... on Product { upc shippingCost intl: shippingCost(zone: INTERNATIONAL) }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [{ "upc": "1", "shippingCost": 33, "intl": 66 }] } })
    );

    let mut missing = right.clone();
    missing.as_object_mut().unwrap().remove("weight");
    let mut nested_missing = right.clone();
    nested_missing["dimensions"]
        .as_object_mut()
        .unwrap()
        .remove("height");
    let mut wrong = right.clone();
    wrong["price"] = json!(900);
    let mut nested_wrong = right.clone();
    nested_wrong["dimensions"]["width"] = json!(100);
    let answer = entities(
        shipping.url(),
        json!([missing, nested_missing, wrong, nested_wrong, right]),
        "... on Product { shippingCost }",
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({
            "data": { "_entities": [null, null, null, null, { "shippingCost": 33 }] },
            "errors": [
                {
                    "message": "`weight` was not provided in the representation",
                    "path": ["_entities", 0, "shippingCost"]
                },
                {
                    "message": "`dimensions.height` was not provided in the representation",
                    "path": ["_entities", 1, "shippingCost"]
                },
                {
                    "message": "`price` in the representation is 900, expected 899",
                    "path": ["_entities", 2, "shippingCost"]
                },
                {
                    "message": "`dimensions` in the representation is {\"height\":75,\"width\":100}, expected {\"height\":75,\"width\":120}",
                    "path": ["_entities", 3, "shippingCost"]
                }
            ]
        })
    );
}

#[tokio::test]
async fn invalid_queries_are_refused() {
    let subgraphs = start().await;
    let catalog = by_name(&subgraphs, "catalog");
    let shipping = by_name(&subgraphs, "shipping");
    for (url, query) in [
        (catalog.url(), "{ me { id nope } }"),
        // Same response name, different types, under fragments on two union members.
        (
            catalog.url(),
            r#"{ search(term: "a") { ... on User { x: name } ... on Review { x: rating } } }"#,
        ),
        // A type shipping does not know.
        (catalog.url(), "{ me { ... on Product { upc } } }"),
        (shipping.url(), "{ me { id } }"),
    ] {
        let answer = post(url, query, Value::Null).await;
        assert_eq!(answer["data"], Value::Null, "{query}: {answer}");
        let errors = answer["errors"].as_array().expect("errors");
        assert!(!errors.is_empty(), "{query}: {answer}");
    }
    let answer = post(catalog.url(), "{ me { id nope } }", Value::Null).await;
    assert_eq!(
        answer,
        json!({ "data": null, "errors": [{
            "message": "type `User` does not have a field `nope`",
            "locations": [{ "line": 1, "column": 11 }]
        }] })
    );
    let answer = post(
        catalog.url(),
        r#"{ search(term: "a") { ... on User { x: name } ... on Review { x: rating } } }"#,
        Value::Null,
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({ "data": null, "errors": [{
            "message": "operation must not select different types using the same name `x`"
        }] })
    );
    // An invalid `_entities` query is refused as a whole, not item by item.
    let answer = entities(
        shipping.url(),
        json!([{ "__typename": "Product", "upc": "1" }, { "__typename": "Product", "upc": "2" }]),
        "... on Product { nope }",
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({ "data": null, "errors": [{ "message": "type `Product` does not have a field `nope`" }] })
    );
    // Missing variables and unknown operation names are request errors too.
    let answer = post(
        catalog.url(),
        "query($id: ID!) { user(id: $id) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(answer["data"], Value::Null);
    let answer = post_named(catalog.url(), "{ me { id } }", "Nope", Value::Null).await;
    assert_eq!(answer["data"], Value::Null);
}

#[tokio::test]
async fn nulls_bubble_and_errors_have_paths() {
    let subgraphs = start().await;
    let catalog = by_name(&subgraphs, "catalog");

    // A non-null root field resolving to null nulls the whole data.
    let answer = post(
        catalog.url(),
        "{ me { id } strictUser { id } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({ "data": null, "errors": [{
            "message": "non-null type User! resolved to null",
            "path": ["strictUser"]
        }] })
    );

    // r3 has no body: `body: String!` → `[Review!]!` → `User.reviews` → the nullable `user`.
    let answer = post(
        catalog.url(),
        r#"{ user(id: "u2") { name reviews { body } } }"#,
        Value::Null,
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({ "data": { "user": null }, "errors": [{
            "message": "non-null type String! resolved to null",
            "path": ["user", "reviews", 0, "body"]
        }] })
    );

    // `$error` fields and list items; a dangling `$ref` in a nullable list is a plain null.
    let answer = post(
        catalog.url(),
        r#"{ user(id: "u2") { name address { city } } users { id } }"#,
        Value::Null,
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({
            "data": {
                "user": { "name": "Alan", "address": null },
                "users": [{ "id": "u1" }, null, null]
            },
            "errors": [
                { "message": "address service down", "path": ["user", "address"] },
                { "message": "u3 failed to load", "path": ["users", 2] }
            ]
        })
    );
}

#[tokio::test]
async fn abstract_types_and_interface_objects() {
    let subgraphs = start().await;
    let catalog = by_name(&subgraphs, "catalog");
    let shipping = by_name(&subgraphs, "shipping");

    // A concrete type this subgraph does not know, in an abstract list.
    let answer = post(
        catalog.url(),
        "{ mixedMedia { __typename id } }",
        Value::Null,
    )
    .await;
    assert_eq!(
        without_locations(answer),
        json!({
            "data": { "mixedMedia": [{ "__typename": "Book", "id": "m1" }, null] },
            "errors": [{ "message": "type Podcast unknown here", "path": ["mixedMedia", 1] }]
        })
    );

    // Entity interface: a `Media` representation answers the concrete type.
    let answer = entities(
        catalog.url(),
        json!([{ "__typename": "Media", "id": "m2" }, { "__typename": "Book", "id": "m1" }]),
        "__typename ... on Media { title } ... on Movie { minutes }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "__typename": "Movie", "title": "Codebreakers", "minutes": 114 },
            { "__typename": "Book", "title": "Notes" }
        ] } })
    );

    // `@interfaceObject`: the Book and Movie objects are seen as `Media` here.
    let answer = entities(
        shipping.url(),
        json!([{ "__typename": "Media", "id": "m1" }, { "__typename": "Media", "id": "m2" }]),
        "__typename ... on Media { id likes }",
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "__typename": "Media", "id": "m1", "likes": 42 },
            { "__typename": "Media", "id": "m2", "likes": 7 }
        ] } })
    );
}

/// Federation 1 style extensions, no `@link`, `$implements` instead of another subgraph's SDL.
const LEGACY: &str = r#"
extend type Query { legacyMe: User  legacyShelf: Shelf  reviewsBy(filter: ReviewFilter!): [ID!]! }
extend type User @key(fields: "id") { id: ID! @external  legacyName: String }
type Media @key(fields: "id") @interfaceObject { id: ID!  likes: Int! }
interface Item { id: ID! }
type Book implements Item @key(fields: "id") { id: ID!  pages: Int @external }
type Pen implements Item @key(fields: "id") { id: ID! }
type Shelf @key(fields: "id") {
  id: ID!
  items: [Item!]! @external
  load: Int @requires(fields: "items { id ... on Book { pages } }")
}
input ReviewFilter { authors: [ID!]  minRating: Float = 1 }
"#;

async fn run_legacy(query: &str) -> Value {
    let world = World::new(json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "legacyName": "Countess" },
            "m1": { "__typename": "Podcast", "$implements": ["Media"], "id": "m1", "likes": 9 },
            "k1": { "__typename": "Book", "id": "k1", "pages": 100 },
            "p1": { "__typename": "Pen", "id": "p1" },
            "s1": { "__typename": "Shelf", "id": "s1", "items": [{ "$ref": "k1" }, { "$ref": "p1" }], "load": 7 }
        },
        "roots": {
            "legacyMe": { "$ref": "u1" },
            "legacyShelf": { "$ref": "s1" },
            "reviewsBy(filter: {\"authors\":[\"u1\"],\"minRating\":1.0})": ["r1"]
        }
    }));
    let subgraph = world_subgraph("legacy", LEGACY, Arc::new(world));
    let response = subgraph.execute(async_graphql::Request::new(query)).await;
    without_locations(serde_json::to_value(&response).unwrap())
}

#[tokio::test]
async fn extensions_implements_argument_keys_and_conditional_requires() {
    let answer = run_legacy(
        r#"{
          legacyMe { legacyName }
          reviewsBy(filter: { authors: "u1" })
          _entities(representations: [{ __typename: "Media", id: "m1" }]) { __typename ... on Media { likes } }
        }"#,
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": {
            "legacyMe": { "legacyName": "Countess" },
            "reviewsBy": ["r1"],
            "_entities": [{ "__typename": "Media", "likes": 9 }]
        } })
    );

    // `... on Book { pages }` is required of Book items only.
    let query =
        r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Shelf { load } } }"#;
    let shelf = |book: Value| json!({ "__typename": "Shelf", "id": "s1", "items": [book, { "__typename": "Pen", "id": "p1" }] });
    let world = Arc::new(World::new(json!({
        "objects": {
            "k1": { "__typename": "Book", "id": "k1", "pages": 100 },
            "p1": { "__typename": "Pen", "id": "p1" },
            "s1": { "__typename": "Shelf", "id": "s1", "items": [{ "$ref": "k1" }, { "$ref": "p1" }], "load": 7 }
        }
    })));
    let subgraph = world_subgraph("legacy", LEGACY, world);
    let representations = json!([
        shelf(json!({ "__typename": "Book", "id": "k1", "pages": 100 })),
        shelf(json!({ "__typename": "Book", "id": "k1" })),
        shelf(json!({ "__typename": "Book", "id": "k1", "pages": 99 }))
    ]);
    let request = async_graphql::Request::new(query).variables(
        async_graphql::Variables::from_json(json!({ "r": representations })),
    );
    let answer = without_locations(serde_json::to_value(subgraph.execute(request).await).unwrap());
    assert_eq!(
        answer,
        json!({
            "data": { "_entities": [{ "load": 7 }, { "load": null }, { "load": null }] },
            "errors": [
                {
                    "message": "`items[0].pages` was not provided in the representation",
                    "path": ["_entities", 1, "load"]
                },
                {
                    "message": "`items` in the representation is [{\"id\":\"k1\",\"pages\":99},{\"id\":\"p1\"}], expected [{\"id\":\"k1\",\"pages\":100},{\"id\":\"p1\"}]",
                    "path": ["_entities", 2, "load"]
                }
            ]
        })
    );

    // A `@requires` field outside `_entities` has no representation to read.
    let answer = run_legacy("{ legacyShelf { id load } }").await;
    assert_eq!(
        answer,
        json!({
            "data": { "legacyShelf": { "id": "s1", "load": null } },
            "errors": [{
                "message": "`items` was not provided in the representation",
                "path": ["legacyShelf", "load"]
            }]
        })
    );
}

#[test]
#[should_panic(expected = "malformed world: objects.u1: needs a string `__typename`")]
fn malformed_world_panics() {
    World::new(json!({ "objects": { "u1": { "id": "u1" } } }));
}

#[test]
#[should_panic(expected = "malformed world: roots.me: `$ref` must be a string")]
fn malformed_reference_panics() {
    World::new(json!({ "roots": { "me": { "$ref": 1 } } }));
}

#[test]
#[should_panic(expected = "world subgraph broken: invalid schema")]
fn invalid_sdl_panics() {
    world_subgraph(
        "broken",
        "type Query { me: Missing }",
        Arc::new(World::new(json!({}))),
    );
}

/// The async-graphql-generated SDLs of the other sets (with their own federation definitions)
/// build as world subgraphs too.
#[tokio::test]
async fn generated_sdls_build() {
    let world = Arc::new(World::new(json!({})));
    for subgraph in test_subgraphs::conformance::subgraphs()
        .into_iter()
        .chain(test_subgraphs::benchmark::subgraphs())
    {
        let built = world_subgraph(subgraph.name(), subgraph.sdl(), Arc::clone(&world));
        let response = built
            .execute(async_graphql::Request::new("{ _service { sdl } }"))
            .await;
        let answer = serde_json::to_value(&response).unwrap();
        assert_eq!(
            answer,
            json!({ "data": { "_service": { "sdl": subgraph.sdl() } } })
        );
    }
}
