//! `@requires` beyond the simple case: circular chains between two subgraphs (the
//! requirement lives in the subgraph that consumes it), required fields with arguments,
//! two requirements of one field with different arguments, and type conditions on
//! interfaces in required field sets. Each case checks the end-to-end answer and the
//! subgraph requests, then snapshots the plan (only once the answer is right).

use serde_json::{Value, json};

use crate::support::Fixture;

/// Checks `query` end to end (see [`Fixture::check`]), then snapshots its plan as `name`.
async fn case(
    fixture: &Fixture,
    world: Value,
    name: &str,
    query: &str,
    expected: Value,
    requests: &[(&str, usize)],
) {
    let plan = fixture.check(world, query, expected, requests).await;
    insta::assert_snapshot!(name, plan);
}

// 6. Circular chains: `a` computes `c` from `b`, which `b` computes from `a`'s `a`.

fn circular() -> Fixture {
    Fixture::new(&[
        (
            "a",
            r#"
type Query { me: User }
type User @key(fields: "id") { id: ID!  a: Int!  b: Int! @external  c: Int! @requires(fields: "b") }
"#,
        ),
        (
            "b",
            r#"
type Query { users: [User!]!  accounts: [Account!]! }
interface Account { id: ID! }
type User implements Account @key(fields: "id") { id: ID!  name: String!  a: Int! @external  b: Int! @requires(fields: "a") }
type Bot implements Account { id: ID!  model: String! }
"#,
        ),
    ])
}

fn circular_world() -> Value {
    json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "name": "Ada", "a": 1, "b": 2, "c": 3 },
            "u2": { "__typename": "User", "id": "u2", "name": "Alan", "a": 10, "b": 20, "c": 30 }
        },
        "roots": {
            "me": { "$ref": "u1" },
            "users": [ { "$ref": "u1" }, { "$ref": "u2" } ],
            "accounts": [
                { "$ref": "u2" },
                { "__typename": "Bot", "id": "bot", "model": "T-800" },
                { "$ref": "u1" }
            ]
        }
    })
}

#[tokio::test]
async fn circular_chain_from_the_consumers_subgraph() {
    case(
        &circular(),
        circular_world(),
        "circular_from_a",
        "{ me { a c } }",
        json!({ "data": { "me": { "a": 1, "c": 3 } } }),
        &[("a", 2), ("b", 1)],
    )
    .await;
}

#[tokio::test]
async fn circular_chain_in_a_list_from_the_other_subgraph() {
    case(
        &circular(),
        circular_world(),
        "circular_from_b_in_a_list",
        "{ users { name c } }",
        json!({ "data": { "users": [ { "name": "Ada", "c": 3 }, { "name": "Alan", "c": 30 } ] } }),
        &[("a", 2), ("b", 2)],
    )
    .await;
}

#[tokio::test]
async fn circular_chain_under_an_interface() {
    case(
        &circular(),
        circular_world(),
        "circular_under_an_interface",
        "{ accounts { id ... on User { c } } }",
        json!({ "data": { "accounts": [
            { "id": "u2", "c": 30 }, { "id": "bot" }, { "id": "u1", "c": 3 }
        ] } }),
        &[("a", 2), ("b", 2)],
    )
    .await;
}

// 6. Required fields with arguments: `blog` computes `commenters` from the first three
// comments, `comments` computes `summary` from `commenters` (a chain back to `comments`).

fn blog() -> Fixture {
    Fixture::new(&[
        (
            "blog",
            r#"
type Query { posts: [Post!]!  feed: [Entry!]! }
interface Entry { id: ID! }
type Post implements Entry @key(fields: "id") {
  id: ID!  title: String!
  comments(limit: Int! = 10): [Comment!]! @external
  commenters: [String!]! @requires(fields: "comments(limit: 3) { authorId }")
}
type Comment @shareable { authorId: ID! }
type Note implements Entry { id: ID!  text: String! }
"#,
        ),
        (
            "comments",
            r#"
type Post @key(fields: "id") {
  id: ID!
  comments(limit: Int! = 10): [Comment!]!
  commenters: [String!]! @external
  summary: String! @requires(fields: "commenters")
}
type Comment @shareable { id: ID!  authorId: ID!  body: String! }
"#,
        ),
    ])
}

fn blog_world() -> Value {
    let comment = |id: &str, author: &str| json!({ "id": id, "authorId": author, "body": format!("{id} by {author}") });
    json!({
        "objects": {
            "p1": { "__typename": "Post", "id": "p1", "title": "Engines",
                "comments(limit: 3)": [ comment("c1", "ada"), comment("c2", "alan"), comment("c3", "ada") ],
                "comments(limit: 10)": [
                    comment("c1", "ada"), comment("c2", "alan"), comment("c3", "ada"), comment("c4", "grace")
                ],
                "commenters": [ "ada", "alan" ],
                "summary": "2 commenters" },
            "p2": { "__typename": "Post", "id": "p2", "title": "Machines",
                "comments(limit: 3)": [ comment("c5", "grace") ],
                "comments(limit: 10)": [ comment("c5", "grace") ],
                "commenters": [ "grace" ],
                "summary": "1 commenter" }
        },
        "roots": {
            "posts": [ { "$ref": "p1" }, { "$ref": "p2" } ],
            "feed": [
                { "__typename": "Note", "id": "n1", "text": "hello" },
                { "$ref": "p2" },
                { "$ref": "p1" }
            ]
        }
    })
}

#[tokio::test]
async fn a_required_field_with_arguments_beside_the_same_field_selected_by_the_client() {
    case(
        &blog(),
        blog_world(),
        "argument_requirement_beside_the_client_selection",
        "{ posts { title commenters comments { body } } }",
        json!({ "data": { "posts": [
            { "title": "Engines", "commenters": [ "ada", "alan" ], "comments": [
                { "body": "c1 by ada" }, { "body": "c2 by alan" },
                { "body": "c3 by ada" }, { "body": "c4 by grace" } ] },
            { "title": "Machines", "commenters": [ "grace" ], "comments": [ { "body": "c5 by grace" } ] }
        ] } }),
        &[("blog", 2), ("comments", 1)],
    )
    .await;
}

#[tokio::test]
async fn circular_chain_through_a_required_field_with_arguments() {
    case(
        &blog(),
        blog_world(),
        "argument_requirement_circular_in_a_list",
        "{ posts { title summary } }",
        json!({ "data": { "posts": [
            { "title": "Engines", "summary": "2 commenters" },
            { "title": "Machines", "summary": "1 commenter" }
        ] } }),
        &[("blog", 2), ("comments", 2)],
    )
    .await;
}

#[tokio::test]
async fn circular_chain_through_a_required_field_with_arguments_under_an_interface() {
    case(
        &blog(),
        blog_world(),
        "argument_requirement_circular_under_an_interface",
        "{ feed { id ... on Post { summary } } }",
        json!({ "data": { "feed": [
            { "id": "n1" },
            { "id": "p2", "summary": "1 commenter" },
            { "id": "p1", "summary": "2 commenters" }
        ] } }),
        &[("blog", 2), ("comments", 2)],
    )
    .await;
}

// 7. Two fields requiring `price` with different arguments, beside the client's own `price`.

fn prices() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Query { products: [Product!]!  featured: [Featured!]! }
type Product @key(fields: "id") { id: ID!  name: String! }
type Banner { text: String! }
union Featured = Product | Banner
"#,
        ),
        (
            "prices",
            r#"
type Query { deals: [Product!]! }
type Product @key(fields: "id") { id: ID!  price(currency: String!): Float! }
"#,
        ),
        (
            "display",
            r#"
type Product @key(fields: "id") {
  id: ID!
  price(currency: String!): Float! @external
  priceUSD: String! @requires(fields: "price(currency: \"USD\")")
  priceEUR: String! @requires(fields: "price(currency: \"EUR\")")
}
"#,
        ),
    ])
}

fn prices_world() -> Value {
    json!({
        "objects": {
            "p1": { "__typename": "Product", "id": "p1", "name": "Lamp",
                "price(currency: \"USD\")": 10.5, "price(currency: \"EUR\")": 9.5,
                "price(currency: \"COP\")": 41000.5, "priceUSD": "$10.50", "priceEUR": "9.50 €" },
            "p2": { "__typename": "Product", "id": "p2", "name": "Desk",
                "price(currency: \"USD\")": 120.5, "price(currency: \"EUR\")": 110.5,
                "price(currency: \"COP\")": 470000.5, "priceUSD": "$120.50", "priceEUR": "110.50 €" }
        },
        "roots": {
            "products": [ { "$ref": "p1" }, { "$ref": "p2" } ],
            "deals": [ { "$ref": "p2" } ],
            "featured": [ { "__typename": "Banner", "text": "Sale" }, { "$ref": "p1" } ]
        }
    })
}

#[tokio::test]
async fn two_requirements_of_one_field_with_different_arguments_in_a_list() {
    case(
        &prices(),
        prices_world(),
        "argument_conflict_in_a_list",
        r#"{ products { name priceUSD priceEUR price(currency: "COP") usd: price(currency: "USD") } }"#,
        json!({ "data": { "products": [
            { "name": "Lamp", "priceUSD": "$10.50", "priceEUR": "9.50 €", "price": 41000.5, "usd": 10.5 },
            { "name": "Desk", "priceUSD": "$120.50", "priceEUR": "110.50 €", "price": 470000.5, "usd": 120.5 }
        ] } }),
        &[("catalog", 1), ("display", 1), ("prices", 1)],
    )
    .await;
}

#[tokio::test]
async fn two_requirements_of_one_field_with_different_arguments_from_the_owning_subgraph() {
    case(
        &prices(),
        prices_world(),
        "argument_conflict_from_the_owning_subgraph",
        r#"{ deals { price(currency: "COP") priceEUR priceUSD } }"#,
        json!({ "data": { "deals": [
            { "price": 470000.5, "priceEUR": "110.50 €", "priceUSD": "$120.50" }
        ] } }),
        &[("display", 1), ("prices", 1)],
    )
    .await;
}

#[tokio::test]
async fn two_requirements_of_one_field_with_different_arguments_under_a_union() {
    case(
        &prices(),
        prices_world(),
        "argument_conflict_under_a_union",
        r#"{ featured { ... on Banner { text } ... on Product { priceUSD priceEUR cop: price(currency: "COP") } } }"#,
        json!({ "data": { "featured": [
            { "text": "Sale" },
            { "priceUSD": "$10.50", "priceEUR": "9.50 €", "cop": 41000.5 }
        ] } }),
        &[("catalog", 1), ("display", 1), ("prices", 1)],
    )
    .await;
}

// 8. Type conditions on interfaces in required field sets.

fn people() -> Fixture {
    Fixture::new(&[
        (
            "people",
            r#"
type Query { pets: [Pet!]!  teams: [Team!]! }
interface Node { id: ID! }
interface Person { name: String! }
type Employee implements Node & Person @key(fields: "id") { id: ID!  name: String! }
type Contractor implements Node & Person @key(fields: "id") { id: ID!  name: String! }
type Robot implements Node @key(fields: "id") { id: ID!  serial: String! }
type Pet @key(fields: "id") { id: ID!  name: String!  owner: Node  keeper: Employee }
type Team @key(fields: "id") { id: ID!  members: [Node!]! }
"#,
        ),
        (
            "greetings",
            r#"
interface Node { id: ID! }
interface Person { name: String! }
type Employee implements Node & Person @key(fields: "id") {
  id: ID!
  name: String! @external
  badge: String! @requires(fields: "... on Person { name }")
}
type Contractor implements Node & Person @key(fields: "id") { id: ID!  name: String! @external }
type Robot implements Node @key(fields: "id") { id: ID! }
type Pet @key(fields: "id") {
  id: ID!
  owner: Node @external
  keeper: Employee @external
  ownerGreeting: String! @requires(fields: "owner { ... on Person { name } }")
  keeperGreeting: String! @requires(fields: "keeper { ... on Person { name } }")
}
type Team @key(fields: "id") {
  id: ID!
  members: [Node!]! @external
  roster: String! @requires(fields: "members { ... on Person { name } }")
}
"#,
        ),
    ])
}

fn people_world() -> Value {
    json!({
        "objects": {
            "e1": { "__typename": "Employee", "id": "e1", "name": "Ada", "badge": "ADA" },
            "e2": { "__typename": "Employee", "id": "e2", "name": "Grace", "badge": "GRACE" },
            "c1": { "__typename": "Contractor", "id": "c1", "name": "Bob" },
            "r1": { "__typename": "Robot", "id": "r1", "serial": "R2" },
            "pet1": { "__typename": "Pet", "id": "pet1", "name": "Rex",
                "owner": { "$ref": "e1" }, "keeper": { "$ref": "e2" },
                "ownerGreeting": "Hi Ada", "keeperGreeting": "Hi Grace" },
            "pet2": { "__typename": "Pet", "id": "pet2", "name": "Tom",
                "owner": { "$ref": "r1" }, "keeper": { "$ref": "e1" },
                "ownerGreeting": "Beep", "keeperGreeting": "Hi Ada" },
            "pet3": { "__typename": "Pet", "id": "pet3", "name": "Kit",
                "owner": { "$ref": "c1" }, "keeper": { "$ref": "e2" },
                "ownerGreeting": "Hi Bob", "keeperGreeting": "Hi Grace" },
            "t1": { "__typename": "Team", "id": "t1",
                "members": [ { "$ref": "e1" }, { "$ref": "r1" }, { "$ref": "c1" } ],
                "roster": "Ada, Bob" }
        },
        "roots": {
            "pets": [ { "$ref": "pet1" }, { "$ref": "pet2" }, { "$ref": "pet3" } ],
            "teams": [ { "$ref": "t1" } ]
        }
    })
}

#[tokio::test]
async fn interface_condition_under_an_abstract_field_in_a_list() {
    case(
        &people(),
        people_world(),
        "interface_condition_under_an_abstract_field",
        "{ pets { name ownerGreeting } }",
        json!({ "data": { "pets": [
            { "name": "Rex", "ownerGreeting": "Hi Ada" },
            { "name": "Tom", "ownerGreeting": "Beep" },
            { "name": "Kit", "ownerGreeting": "Hi Bob" }
        ] } }),
        &[("greetings", 1), ("people", 1)],
    )
    .await;
}

#[tokio::test]
async fn interface_condition_under_an_object_field() {
    case(
        &people(),
        people_world(),
        "interface_condition_under_an_object_field",
        "{ pets { keeperGreeting } }",
        json!({ "data": { "pets": [
            { "keeperGreeting": "Hi Grace" },
            { "keeperGreeting": "Hi Ada" },
            { "keeperGreeting": "Hi Grace" }
        ] } }),
        &[("greetings", 1), ("people", 1)],
    )
    .await;
}

#[tokio::test]
async fn interface_condition_in_a_required_list_of_an_abstract_type() {
    case(
        &people(),
        people_world(),
        "interface_condition_in_a_required_list",
        "{ teams { id roster } }",
        json!({ "data": { "teams": [ { "id": "t1", "roster": "Ada, Bob" } ] } }),
        &[("greetings", 1), ("people", 1)],
    )
    .await;
}

#[tokio::test]
async fn interface_condition_on_the_requiring_entity_itself() {
    case(
        &people(),
        people_world(),
        "interface_condition_on_the_requiring_entity",
        "{ pets { name keeper { badge } } }",
        json!({ "data": { "pets": [
            { "name": "Rex", "keeper": { "badge": "GRACE" } },
            { "name": "Tom", "keeper": { "badge": "ADA" } },
            { "name": "Kit", "keeper": { "badge": "GRACE" } }
        ] } }),
        &[("greetings", 1), ("people", 1)],
    )
    .await;
}
