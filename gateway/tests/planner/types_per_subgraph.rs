//! Types that differ per subgraph: a subgraph request must be valid against that
//! subgraph's own schema, not the supergraph's.
//!
//! 1. Field types per subgraph (`@join__field(type:)`): same-name fields that merge in the
//!    client query (the supergraph types agree) but not in one subgraph's (`String!` there
//!    beside `String`) are aliased in the subgraph request and un-aliased in the response; a
//!    field typed as a member type in one subgraph takes only fragments that apply there.
//! 2. `@join__implements`: where a subgraph does not know that a type implements an
//!    interface, a fragment on the interface is split per concrete type.
//! 3. Partial unions and interfaces (`@join__unionMember`, `@join__implements`): a subgraph
//!    resolving a `@shareable` path is asked only for the members it has; a client fragment
//!    on another member selects nothing there (its objects answer `{}`).
//!
//! Each case checks the end-to-end answer and the subgraph requests first, and snapshots
//! the plan only once the answer is right.

use serde_json::{Value, json};

use crate::support::Fixture;

/// Checks `query` end to end (see [`Fixture::check`]), then snapshots its plan as `name`.
async fn check(
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

// 1. Field types per subgraph.

/// `A.code`/`A.value` are non-null in `things` but nullable in `ranks`, so nullable in the
/// supergraph like `B.code`/`B.value`: `... on A { code } ... on B { code }` is a valid
/// client selection but does not merge in a `things` request.
fn field_types() -> Fixture {
    Fixture::new(&[
        (
            "things",
            r#"
type Query { things: [Thing!]! }
union Thing = A | B
interface Item { value: String }
type A implements Item @key(fields: "id") { id: ID!  code: ID! @shareable  value: String! @shareable }
type B implements Item @key(fields: "id") { id: ID!  code: ID  value: String }
type Shelf @key(fields: "id") { id: ID!  items: [Item!]! }
"#,
        ),
        (
            "ranks",
            r#"
type Query { shelves: [Shelf!]!  a(id: ID!): A }
type A @key(fields: "id") { id: ID!  code: ID @shareable  value: String @shareable  rank: Int! }
type Shelf @key(fields: "id") { id: ID!  name: String! }
"#,
        ),
    ])
}

fn field_types_world() -> Value {
    json!({
        "objects": {
            "a1": { "__typename": "A", "id": "a1", "code": "A-1", "value": "alpha", "rank": 1 },
            "b1": { "__typename": "B", "id": "b1", "code": null, "value": "beta" },
            "b2": { "__typename": "B", "id": "b2", "code": "B-2", "value": null },
            "s1": { "__typename": "Shelf", "id": "s1", "name": "Top",
                "items": [ { "$ref": "a1" }, { "$ref": "b1" } ] },
            "s2": { "__typename": "Shelf", "id": "s2", "name": "Bottom", "items": [ { "$ref": "b2" } ] }
        },
        "roots": {
            "things": [ { "$ref": "a1" }, { "$ref": "b1" }, { "$ref": "b2" } ],
            "shelves": [ { "$ref": "s1" }, { "$ref": "s2" } ],
            "a(id: \"a1\")": { "$ref": "a1" }
        }
    })
}

#[tokio::test]
async fn id_non_null_in_one_subgraph_beside_a_nullable_id_is_aliased_under_a_union() {
    check(
        &field_types(),
        field_types_world(),
        "union_members_id_and_nullable_id",
        "{ things { ... on A { code } ... on B { code } } }",
        json!({ "data": { "things": [
            { "code": "A-1" }, { "code": null }, { "code": "B-2" }
        ] } }),
        &[("things", 1)],
    )
    .await;
}

#[tokio::test]
async fn string_non_null_in_one_subgraph_is_aliased_in_an_entity_fetch_under_an_interface() {
    check(
        &field_types(),
        field_types_world(),
        "interface_implementations_in_an_entity_fetch",
        "{ shelves { name items { ... on A { value } ... on B { value } } } }",
        json!({ "data": { "shelves": [
            { "name": "Top", "items": [ { "value": "alpha" }, { "value": "beta" } ] },
            { "name": "Bottom", "items": [ { "value": null } ] }
        ] } }),
        &[("ranks", 1), ("things", 1)],
    )
    .await;
}

#[tokio::test]
async fn the_nullable_side_alone_needs_no_alias() {
    check(
        &field_types(),
        field_types_world(),
        "nullable_side_alone",
        r#"{ a(id: "a1") { code value rank } }"#,
        json!({ "data": { "a": { "code": "A-1", "value": "alpha", "rank": 1 } } }),
        &[("ranks", 1)],
    )
    .await;
}

/// `Shelf.top`/`Shelf.picks` return the union `Entry` in `curation` but its member `Post`
/// in `posts`: the supergraph has `Entry` (the supertype), `posts` takes no fragment on
/// `Photo` there.
fn member_types() -> Fixture {
    Fixture::new(&[
        (
            "posts",
            r#"
type Query { featured: [Shelf!]! }
type Shelf @key(fields: "id") { id: ID!  top: Post @shareable  picks: [Post!]! @shareable }
type Post @key(fields: "id") { id: ID!  title: String! }
type Photo @key(fields: "id") { id: ID!  url: String! }
"#,
        ),
        (
            "curation",
            r#"
type Query { shelf(id: ID!): Shelf }
type Shelf @key(fields: "id") { id: ID!  top: Entry @shareable  picks: [Entry!] @shareable }
union Entry = Post | Photo
type Post @key(fields: "id") { id: ID! }
type Photo @key(fields: "id") { id: ID! }
"#,
        ),
    ])
}

fn member_types_world() -> Value {
    json!({
        "objects": {
            "p1": { "__typename": "Post", "id": "p1", "title": "Hello" },
            "p2": { "__typename": "Post", "id": "p2", "title": "World" },
            "ph1": { "__typename": "Photo", "id": "ph1", "url": "ph1.jpg" },
            "s1": { "__typename": "Shelf", "id": "s1", "top": { "$ref": "p1" },
                "picks": [ { "$ref": "p1" }, { "$ref": "p2" } ] },
            "s2": { "__typename": "Shelf", "id": "s2", "top": null, "picks": [] }
        },
        "roots": {
            "featured": [ { "$ref": "s1" }, { "$ref": "s2" } ],
            "shelf(id: \"s1\")": { "$ref": "s1" }
        }
    })
}

#[tokio::test]
async fn a_field_of_a_member_type_in_one_subgraph_takes_only_its_fragments() {
    check(
        &member_types(),
        member_types_world(),
        "member_type_field",
        "{ featured { top { __typename ... on Post { title } ... on Photo { url } } } }",
        json!({ "data": { "featured": [
            { "top": { "__typename": "Post", "title": "Hello" } },
            { "top": null }
        ] } }),
        &[("posts", 1)],
    )
    .await;
}

#[tokio::test]
async fn a_list_of_a_member_type_in_one_subgraph_takes_only_its_fragments() {
    check(
        &member_types(),
        member_types_world(),
        "member_type_list",
        "{ featured { picks { ... on Post { title } ... on Photo { url } } } }",
        json!({ "data": { "featured": [
            { "picks": [ { "title": "Hello" }, { "title": "World" } ] },
            { "picks": [] }
        ] } }),
        &[("posts", 1)],
    )
    .await;
}

// 2. `@join__implements`.

/// `Book` implements `Node` in `catalog` but not in `media`; `Movie` in both.
fn implements() -> Fixture {
    Fixture::new(&[
        (
            "catalog",
            r#"
type Query { nodes: [Node!]! }
interface Node { id: ID! }
type Book implements Node @key(fields: "id") { id: ID!  title: String! }
type Movie implements Node @key(fields: "id") { id: ID!  title: String! }
"#,
        ),
        (
            "media",
            r#"
type Query { library: [Media!]!  book(id: ID!): Book }
union Media = Book | Movie
interface Node { id: ID! }
type Book @key(fields: "id") { id: ID!  pages: Int! }
type Movie implements Node @key(fields: "id") { id: ID!  minutes: Int! }
"#,
        ),
    ])
}

fn implements_world() -> Value {
    json!({
        "objects": {
            "b1": { "__typename": "Book", "id": "b1", "title": "Dune", "pages": 412 },
            "m1": { "__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117 }
        },
        "roots": {
            "nodes": [ { "$ref": "b1" }, { "$ref": "m1" } ],
            "library": [ { "$ref": "b1" }, { "$ref": "m1" } ],
            "book(id: \"b1\")": { "$ref": "b1" }
        }
    })
}

#[tokio::test]
async fn an_interface_fragment_is_split_where_the_subgraph_lacks_the_relation() {
    check(
        &implements(),
        implements_world(),
        "interface_fragment_under_a_union",
        "{ library { ... on Node { id } } }",
        json!({ "data": { "library": [ { "id": "b1" }, { "id": "m1" } ] } }),
        &[("media", 1)],
    )
    .await;
}

#[tokio::test]
async fn a_named_interface_fragment_is_split_too() {
    check(
        &implements(),
        implements_world(),
        "named_interface_fragment_under_a_union",
        "query { library { ...Ident } } fragment Ident on Node { id ... on Movie { minutes } }",
        json!({ "data": { "library": [ { "id": "b1" }, { "id": "m1", "minutes": 117 } ] } }),
        &[("media", 1)],
    )
    .await;
}

#[tokio::test]
async fn a_type_fragment_inside_an_interface_fragment_hops_from_the_concrete_type() {
    check(
        &implements(),
        implements_world(),
        "type_inside_interface_fragment",
        "{ library { ... on Node { ... on Book { title } } } }",
        json!({ "data": { "library": [ { "title": "Dune" }, {} ] } }),
        &[("catalog", 1), ("media", 1)],
    )
    .await;
}

#[tokio::test]
async fn an_interface_fragment_on_an_object_the_subgraph_does_not_relate_is_inlined() {
    check(
        &implements(),
        implements_world(),
        "interface_fragment_on_an_object",
        r#"{ book(id: "b1") { ... on Node { id } pages } }"#,
        json!({ "data": { "book": { "id": "b1", "pages": 412 } } }),
        &[("media", 1)],
    )
    .await;
}

// 3. Partial unions and interfaces.

/// `Result` is `Post | Photo` in `photos` and `Post | Video` in `videos`; `Asset` is
/// implemented by `Post` and `Photo` in `photos`, by `Post` and `Video` in `videos`. `photos`
/// knows `Video`, but not as a `Result` or an `Asset`. `Page` is a shared value type.
fn partial() -> Fixture {
    Fixture::new(&[
        (
            "photos",
            r#"
type Query { page: Page }
type Page @shareable { items: [Result!]!  assets: [Asset!]! }
union Result = Post | Photo
interface Asset { id: ID! }
type Post implements Asset @key(fields: "id") { id: ID!  title: String! }
type Photo implements Asset @key(fields: "id") { id: ID!  url: String! }
type Video @key(fields: "id") { id: ID!  length: Int! }
"#,
        ),
        (
            "videos",
            r#"
type Query { archive: Page }
type Page @shareable { items: [Result!]!  assets: [Asset!]! }
union Result = Post | Video
interface Asset { id: ID! }
type Post implements Asset @key(fields: "id") { id: ID!  likes: Int! }
type Video implements Asset @key(fields: "id") { id: ID!  url: String! }
"#,
        ),
    ])
}

fn partial_world() -> Value {
    json!({
        "objects": {
            "p1": { "__typename": "Post", "id": "p1", "title": "Hi", "likes": 3 },
            "ph1": { "__typename": "Photo", "id": "ph1", "url": "ph1.jpg" },
            "v1": { "__typename": "Video", "id": "v1", "length": 90, "url": "v1.mp4" }
        },
        "roots": {
            "page": {
                "items": [ { "$ref": "p1" }, { "$ref": "ph1" } ],
                "assets": [ { "$ref": "p1" }, { "$ref": "ph1" } ]
            },
            "archive": {
                "items": [ { "$ref": "p1" }, { "$ref": "v1" } ],
                "assets": [ { "$ref": "p1" }, { "$ref": "v1" } ]
            }
        }
    })
}

#[tokio::test]
async fn a_union_member_the_resolving_subgraph_knows_but_not_as_a_member_is_not_asked() {
    check(
        &partial(),
        partial_world(),
        "union_member_known_elsewhere",
        "{ page { items { ... on Post { title } ... on Video { length } } } }",
        json!({ "data": { "page": { "items": [ { "title": "Hi" }, {} ] } } }),
        &[("photos", 1)],
    )
    .await;
}

#[tokio::test]
async fn a_union_member_unknown_to_the_resolving_subgraph_is_not_asked() {
    check(
        &partial(),
        partial_world(),
        "union_member_unknown",
        "{ archive { items { __typename ... on Photo { url } ... on Post { likes title } } } }",
        json!({ "data": { "archive": { "items": [
            { "__typename": "Post", "likes": 3, "title": "Hi" },
            { "__typename": "Video" }
        ] } } }),
        &[("photos", 1), ("videos", 1)],
    )
    .await;
}

#[tokio::test]
async fn an_implementation_the_resolving_subgraph_does_not_relate_is_not_asked() {
    check(
        &partial(),
        partial_world(),
        "interface_implementation_known_elsewhere",
        "{ page { assets { id ... on Video { length } } } }",
        json!({ "data": { "page": { "assets": [ { "id": "p1" }, { "id": "ph1" } ] } } }),
        &[("photos", 1)],
    )
    .await;
}

#[tokio::test]
async fn an_implementation_unknown_to_the_resolving_subgraph_is_not_asked() {
    check(
        &partial(),
        partial_world(),
        "interface_implementation_unknown",
        "{ archive { assets { id ... on Photo { url } ... on Video { url } } } }",
        json!({ "data": { "archive": { "assets": [
            { "id": "p1" }, { "id": "v1", "url": "v1.mp4" }
        ] } } }),
        &[("videos", 1)],
    )
    .await;
}

// 1b. Nested: the fields under one response key merge level by level.

/// `X.x` is non-null in `things` but nullable in `shapes`, so nullable in the supergraph
/// like `Y.x`: `A.obj: X` and `B.obj: Y` merge as `obj`, but their `x` does not in a
/// `things` request.
fn nested_field_types() -> Fixture {
    Fixture::new(&[
        (
            "things",
            r#"
type Query { things: [Thing!]! }
union Thing = A | B
type A @key(fields: "id") { id: ID!  obj: X }
type B @key(fields: "id") { id: ID!  obj: Y }
type X @shareable { x: Int!  n: String }
type Y { x: Int  n: String }
"#,
        ),
        (
            "shapes",
            r#"
type Query { x: X }
type X @shareable { x: Int  n: String }
"#,
        ),
    ])
}

#[tokio::test]
async fn a_field_under_fields_of_different_types_is_aliased_where_it_does_not_merge() {
    check(
        &nested_field_types(),
        json!({
            "objects": {
                "a1": { "__typename": "A", "id": "a1", "obj": { "x": 1, "n": "ax" } },
                "b1": { "__typename": "B", "id": "b1", "obj": { "x": null, "n": "by" } }
            },
            "roots": { "things": [ { "$ref": "a1" }, { "$ref": "b1" } ] }
        }),
        "nested_field_types",
        "{ things { ... on A { obj { x n } } ... on B { obj { x n } } } }",
        json!({ "data": { "things": [
            { "obj": { "x": 1, "n": "ax" } }, { "obj": { "x": null, "n": "by" } }
        ] } }),
        &[("things", 1)],
    )
    .await;
}
