//! Keyless `@shareable` value types that several subgraphs resolve, each contributing
//! other fields (issue points 4 and 5): the planner takes the same way again from the
//! nearest root (another root fetch) or entity (an entity fetch by the parent's key).

use serde_json::json;

use crate::{federation::counts, support::Fixture};

fn fixture() -> Fixture {
    Fixture::new(&[
        (
            "visits",
            r#"
type Query { stats: Stats @shareable  history: [Stats!]! @shareable  user(id: ID!): User  users: [User!]! }
type Stats @shareable { day: String!  visits: Int! }
type User @key(fields: "id") { id: ID!  name: String!  profile: Profile! @shareable }
type Profile @shareable { bio: String!  links: [Link!]! }
type Link @shareable { url: String! }
"#,
        ),
        (
            "signups",
            r#"
type Query { stats: Stats @shareable  history: [Stats!]! @shareable }
type Stats @shareable { day: String!  signups: Int! }
type User @key(fields: "id") { id: ID!  profile: Profile! @shareable }
type Profile @shareable { avatar: String!  links: [Link!]! }
type Link @shareable { url: String!  clicks: Int! }
"#,
        ),
    ])
}

fn world() -> serde_json::Value {
    json!({
        "objects": {
            "u1": { "__typename": "User", "id": "u1", "name": "Ada",
                "profile": { "bio": "Engines", "avatar": "ada.png",
                    "links": [ { "url": "a.example", "clicks": 3 }, { "url": "b.example", "clicks": 5 } ] } },
            "u2": { "__typename": "User", "id": "u2", "name": "Alan",
                "profile": { "bio": "Machines", "avatar": "alan.png", "links": [] } }
        },
        "roots": {
            "stats": { "day": "mon", "visits": 10, "signups": 2 },
            "history": [
                { "day": "mon", "visits": 10, "signups": 2 },
                { "day": "tue", "visits": 12, "signups": 3 }
            ],
            "user": { "$ref": "u1" },
            "users": [ { "$ref": "u1" }, { "$ref": "u2" } ]
        }
    })
}

#[test]
fn root_value_type_split_over_two_subgraphs_plans_two_root_fetches() {
    let f = fixture();
    insta::assert_snapshot!(f.plan("{ stats { day visits signups } }"));
    insta::assert_snapshot!("root_list", f.plan("{ history { day visits signups } }"));
}

#[test]
fn value_type_under_an_entity_is_reached_through_the_entity_key() {
    let f = fixture();
    insta::assert_snapshot!(f.plan(r#"{ user(id: "u1") { name profile { bio avatar } } }"#));
    insta::assert_snapshot!(
        "nested_in_lists",
        f.plan("{ users { profile { bio links { url clicks } } } }")
    );
}

#[tokio::test]
async fn value_types_merge_the_fields_of_every_subgraph() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let (response, requests) = f.run("{ stats { day visits signups } }").await;
    assert_eq!(
        response,
        json!({ "data": { "stats": { "day": "mon", "visits": 10, "signups": 2 } } })
    );
    assert_eq!(requests, counts(&[("signups", 1), ("visits", 1)]));

    let (response, requests) = f.run("{ history { day visits signups } }").await;
    assert_eq!(
        response,
        json!({ "data": { "history": [
            { "day": "mon", "visits": 10, "signups": 2 },
            { "day": "tue", "visits": 12, "signups": 3 }
        ] } })
    );
    assert_eq!(requests, counts(&[("signups", 1), ("visits", 1)]));
}

#[tokio::test]
async fn nested_value_types_in_lists_come_through_the_parent_entity() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let (response, requests) = f
        .run("{ users { name profile { bio avatar links { url clicks } } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "users": [
            { "name": "Ada", "profile": { "bio": "Engines", "avatar": "ada.png", "links": [
                { "url": "a.example", "clicks": 3 }, { "url": "b.example", "clicks": 5 } ] } },
            { "name": "Alan", "profile": { "bio": "Machines", "avatar": "alan.png", "links": [] } }
        ] } })
    );
    assert_eq!(requests, counts(&[("signups", 1), ("visits", 1)]));
}
