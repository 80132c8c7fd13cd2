//! Federation conformance: the fixture subgraphs (`test-subgraphs`, see its README for the
//! data), composed and served through the gateway. Each case asserts the exact response
//! and the subgraph requests made (how many, to whom).

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::time::Duration;

use federation::{Composer, Federation, counts};
use serde_json::{Value, json};

async fn conformance() -> Federation {
    Federation::conformance(Composer::Ours).await
}

/// The `representations` sent in the subgraph's recorded `_entities` requests.
fn representations(f: &Federation, subgraph: &str) -> Vec<Value> {
    f.subgraph(subgraph)
        .requests()
        .iter()
        .filter_map(|r| r["variables"]["representations"].as_array().cloned())
        .flatten()
        .collect()
}

#[tokio::test]
async fn entity_with_one_key_across_two_subgraphs() {
    let f = conformance().await;
    let (response, requests) = f.run("{ me { name reviews { body } } }").await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace", "reviews": [
            { "body": "Love it!" }, { "body": "Too expensive." }
        ] } } })
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn compound_key_inside_lists() {
    let f = conformance().await;
    let (response, requests) = f
        .run("{ products { upc variants { size name stock } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "products": [
            { "upc": "1", "variants": [
                { "size": "S", "name": "Table (S)", "stock": 3 },
                { "size": "L", "name": "Table (L)", "stock": 0 } ] },
            { "upc": "2", "variants": [ { "size": "M", "name": "Couch (M)", "stock": 7 } ] },
            { "upc": "3", "variants": [] },
            { "upc": "4", "variants": [ { "size": "S", "name": "Mirror (S)", "stock": 1 } ] }
        ] } })
    );
    assert_eq!(requests, counts(&[("inventory", 1), ("products", 1)]));
    assert_eq!(
        representations(&f, "inventory")[0],
        json!({ "__typename": "Variant", "upc": "1", "size": "S" })
    );
}

#[tokio::test]
async fn nested_key() {
    let f = conformance().await;
    let (response, requests) = f.run("{ users { team { name reviewCount } } }").await;
    assert_eq!(
        response,
        json!({ "data": { "users": [
            { "team": { "name": "Engines", "reviewCount": 2 } },
            { "team": { "name": "Machines", "reviewCount": 1 } },
            { "team": { "name": "Compilers", "reviewCount": 1 } }
        ] } })
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
    assert_eq!(
        representations(&f, "reviews"),
        [
            json!({ "__typename": "Team", "id": "t1", "org": { "id": "o1" } }),
            json!({ "__typename": "Team", "id": "t2", "org": { "id": "o1" } }),
            json!({ "__typename": "Team", "id": "t1", "org": { "id": "o2" } }),
        ]
    );
}

#[tokio::test]
async fn key_hop_through_a_third_subgraph() {
    // reviews knows Product by upc, inventory by sku: products translates.
    let f = conformance().await;
    let (response, requests) = f.run("{ topReviews { id product { inStock } } }").await;
    assert_eq!(
        response,
        json!({ "data": { "topReviews": [
            { "id": "r1", "product": { "inStock": true } },
            { "id": "r2", "product": { "inStock": false } },
            { "id": "r3", "product": { "inStock": true } },
            { "id": "r4", "product": { "inStock": true } }
        ] } })
    );
    assert_eq!(
        requests,
        counts(&[("inventory", 1), ("products", 1), ("reviews", 1)])
    );
    // r1 and r4 review the same product: one representation each.
    assert_eq!(representations(&f, "products").len(), 3);
    assert_eq!(representations(&f, "inventory").len(), 3);
}

#[tokio::test]
async fn unresolvable_key_reference_is_resolved_by_its_owner() {
    // media's `User` is `resolvable: false`: the author's name comes from accounts.
    let f = conformance().await;
    let (response, requests) = f
        .run("{ media { ... on Book { title author { name } } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "media": [
            { "title": "Notes on the Engine", "author": { "name": "Ada Lovelace" } },
            {},
            { "title": "Compilers at Sea", "author": { "name": "Grace Hopper" } }
        ] } })
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("media", 1)]));
}

#[tokio::test]
async fn requires_with_nested_selection_and_arguments() {
    let f = conformance().await;
    let (response, requests) = f
        .run(r#"{ product(upc: "1") { name shippingEstimate intl: shippingEstimate(zone: INTERNATIONAL) } }"#)
        .await;
    assert_eq!(
        response,
        json!({ "data": { "product": { "name": "Table", "shippingEstimate": 33, "intl": 66 } } })
    );
    assert_eq!(requests, counts(&[("inventory", 1), ("products", 1)]));
    assert_eq!(
        representations(&f, "inventory"),
        [json!({
            "__typename": "Product", "sku": "SKU-1", "price": 899, "weight": 12.5,
            "dimensions": { "width": 120, "height": 75, "depth": 80 }
        })]
    );
}

#[tokio::test]
async fn requires_a_field_of_a_third_subgraph() {
    let f = conformance().await;
    let (response, requests) = f.run("{ products { upc reorderPriority } }").await;
    assert_eq!(
        response,
        json!({ "data": { "products": [
            { "upc": "1", "reorderPriority": "HIGH" },
            { "upc": "2", "reorderPriority": "LOW" },
            { "upc": "3", "reorderPriority": "LOW" },
            { "upc": "4", "reorderPriority": "LOW" }
        ] } })
    );
    assert_eq!(
        requests,
        counts(&[("inventory", 1), ("products", 1), ("reviews", 1)])
    );
    let plan = f.plan("{ products { upc reorderPriority } }").await;
    let reviews = plan.find("\"reviews\"").expect("reviews fetch");
    let inventory = plan.find("\"inventory\"").expect("inventory fetch");
    assert!(
        reviews < inventory,
        "reviewCount before reorderPriority:\n{plan}"
    );
}

#[tokio::test]
async fn provided_fields_are_not_fetched_again() {
    let f = conformance().await;
    let (response, requests) = f
        .run("{ topReviews(first: 2) { author { username } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "topReviews": [
            { "author": { "username": "ada" } }, { "author": { "username": "ada" } }
        ] } })
    );
    assert_eq!(requests, counts(&[("reviews", 1)]));
    // Not provided: `name` needs accounts.
    let (_, requests) = f
        .run("{ topReviews(first: 2) { author { username name } } }")
        .await;
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn shareable_field_is_taken_from_the_subgraph_already_fetched() {
    let f = conformance().await;
    let (response, requests) = f.run("{ lowStock { name inStock } }").await;
    assert_eq!(
        response,
        json!({ "data": { "lowStock": [ { "name": "Couch", "inStock": false } ] } })
    );
    assert_eq!(requests, counts(&[("inventory", 1)]));
    let (_, requests) = f.run("{ products { name } }").await;
    assert_eq!(requests, counts(&[("products", 1)]));
}

#[tokio::test]
async fn override_and_progressive_override() {
    let f = conformance().await;
    let query = "{ products { name shippingClass warehouse carrier } }";
    let (response, requests) = f.run(query).await;
    let rows = |carrier: &str| {
        json!({ "data": { "products": [
            { "name": "Table", "shippingClass": "FREIGHT", "warehouse": "CENTRAL", "carrier": carrier },
            { "name": "Couch", "shippingClass": "FREIGHT", "warehouse": "CENTRAL", "carrier": carrier },
            { "name": "Lamp", "shippingClass": "PARCEL", "warehouse": "CENTRAL", "carrier": carrier },
            { "name": "Mirror", "shippingClass": "PARCEL", "warehouse": "CENTRAL", "carrier": carrier }
        ] } })
    };
    assert_eq!(response, rows("POST"));
    assert_eq!(requests, counts(&[("inventory", 1), ("products", 1)]));

    let beta = Federation::conformance_with_labels(&["beta"]).await;
    let (response, _) = beta.run(query).await;
    assert_eq!(response, rows("COURIER"));
}

#[tokio::test]
async fn union_members_from_different_subgraphs() {
    let f = conformance().await;
    let (response, requests) = f
        .run(r#"{ search(term: "love") { __typename ... on Review { body } ... on Product { name inStock } ... on User { name } } }"#)
        .await;
    assert_eq!(
        response,
        json!({ "data": { "search": [
            { "__typename": "Review", "body": "Love it!" },
            { "__typename": "Product", "name": "Table", "inStock": true },
            { "__typename": "User", "name": "Ada Lovelace" },
            { "__typename": "Review", "body": "Sturdy, love the finish." },
            { "__typename": "Product", "name": "Table", "inStock": true },
            { "__typename": "User", "name": "Grace Hopper" }
        ] } })
    );
    assert_eq!(
        requests,
        counts(&[
            ("accounts", 1),
            ("inventory", 1),
            ("products", 1),
            ("reviews", 1)
        ])
    );
}

#[tokio::test]
async fn interface_object_and_interface_entity() {
    let f = conformance().await;
    // From the @interfaceObject side: concrete types come from media.
    let (response, requests) = f
        .run("{ featuredMedia { __typename id title likes ... on Book { pages } ... on Movie { durationMinutes } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "featuredMedia": [
            { "__typename": "Movie", "id": "m2", "title": "Codebreakers", "likes": 7, "durationMinutes": 114 },
            { "__typename": "Book", "id": "m1", "title": "Notes on the Engine", "likes": 42, "pages": 66 }
        ] } })
    );
    assert_eq!(requests, counts(&[("media", 1), ("reviews", 1)]));
    assert_eq!(
        representations(&f, "media"),
        [
            json!({ "__typename": "Media", "id": "m2" }),
            json!({ "__typename": "Media", "id": "m1" })
        ]
    );
    // From the interface side: the interface object's field through `_entities` on Media.
    let (response, requests) = f.run("{ media { __typename title likes } }").await;
    assert_eq!(
        response,
        json!({ "data": { "media": [
            { "__typename": "Book", "title": "Notes on the Engine", "likes": 42 },
            { "__typename": "Movie", "title": "Codebreakers", "likes": 7 },
            { "__typename": "Book", "title": "Compilers at Sea", "likes": 0 }
        ] } })
    );
    assert_eq!(requests, counts(&[("media", 1), ("reviews", 1)]));
    assert!(
        representations(&f, "reviews")
            .iter()
            .all(|r| r["__typename"] == "Media"),
        "@interfaceObject representations carry the interface name"
    );
}

#[tokio::test]
async fn fragments_aliases_and_variables() {
    let f = conformance().await;
    let query = r#"
        query Products($upc: ID!, $first: Int!) {
          a: product(upc: "1") { ...Basic }
          b: product(upc: $upc) { ...Basic ... on Product { domestic: shippingEstimate intl: shippingEstimate(zone: INTERNATIONAL) } }
          top: topProducts(first: $first) { upc }
        }
        fragment Basic on Product { upc name }
    "#;
    f.clear_requests();
    let response = f.query_with(query, json!({ "upc": "3", "first": 2 })).await;
    assert_eq!(
        response,
        json!({ "data": {
            "a": { "upc": "1", "name": "Table" },
            "b": { "upc": "3", "name": "Lamp", "domestic": 1, "intl": 2 },
            "top": [ { "upc": "2" }, { "upc": "1" } ]
        } })
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("inventory", 1), ("products", 1)])
    );
    // Variables reach the subgraph as variables.
    let sent = &f.subgraph("products").requests()[0];
    assert_eq!(sent["variables"], json!({ "upc": "3", "first": 2 }));
}

#[tokio::test]
async fn skip_and_include_on_fields_and_fragments() {
    let f = conformance().await;
    let query = r#"
        query($reviews: Boolean!, $noName: Boolean!) {
          me { name @skip(if: $noName) ...R @include(if: $reviews) }
        }
        fragment R on User { reviews { body } }
    "#;
    f.clear_requests();
    let response = f
        .query_with(query, json!({ "reviews": false, "noName": true }))
        .await;
    assert_eq!(response, json!({ "data": { "me": {} } }));
    assert_eq!(f.request_counts(), counts(&[("accounts", 1)]));
    f.clear_requests();
    let response = f
        .query_with(query, json!({ "reviews": true, "noName": false }))
        .await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace", "reviews": [
            { "body": "Love it!" }, { "body": "Too expensive." }
        ] } } })
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("accounts", 1), ("reviews", 1)])
    );
    let plan = f
        .plan_with(query, json!({ "reviews": true, "noName": true }))
        .await;
    assert!(plan.contains("Include(if: $reviews)"), "{plan}");
}

#[tokio::test]
async fn mutations_run_in_order_across_subgraphs() {
    let f = conformance().await;
    let (response, requests) = f
        .run("mutation { a: increment(by: 2) b: multiply(by: 3) c: increment(by: 1) }")
        .await;
    assert_eq!(response, json!({ "data": { "a": 2, "b": 6, "c": 7 } }));
    assert_eq!(requests, counts(&[("accounts", 2), ("inventory", 1)]));
}

#[tokio::test]
async fn introspection_mixed_with_subgraph_fields() {
    let f = conformance().await;
    let (response, requests) = f
        .run(r#"{ __typename me { __typename id } __schema { queryType { name } } __type(name: "Media") { kind possibleTypes { name } } }"#)
        .await;
    assert_eq!(
        response,
        json!({ "data": {
            "__typename": "Query",
            "me": { "__typename": "User", "id": "u1" },
            "__schema": { "queryType": { "name": "Query" } },
            "__type": { "kind": "INTERFACE", "possibleTypes": [ { "name": "Book" }, { "name": "Movie" } ] }
        } })
    );
    assert_eq!(requests, counts(&[("accounts", 1)]));
}

#[tokio::test]
async fn independent_fetches_share_waves_and_entity_batches() {
    let f = conformance().await;
    let query = "{ me { reviews { product { upc } } } topProducts(first: 1) { reviews { id } } }";
    let plan = f.plan(query).await;
    assert!(plan.contains("Parallel"), "{plan}");
    // `User.reviews` and `Product.reviews` run in the same wave: one request to reviews.
    assert!(plan.contains(r#"Batch(service: "reviews")"#), "{plan}");
    let (response, requests) = f.run(query).await;
    assert_eq!(
        response,
        json!({ "data": {
            "me": { "reviews": [ { "product": { "upc": "1" } }, { "product": { "upc": "2" } } ] },
            "topProducts": [ { "reviews": [ { "id": "r2" } ] } ]
        } })
    );
    assert_eq!(
        requests,
        counts(&[("accounts", 1), ("products", 1), ("reviews", 1)])
    );
}

#[tokio::test]
async fn same_entity_reached_by_two_paths_is_one_fetch() {
    let f = conformance().await;
    let (response, requests) = f
        .run(r#"{ a: product(upc: "1") { reviewCount } b: product(upc: "1") { upc reviewCount } }"#)
        .await;
    assert_eq!(
        response,
        json!({ "data": { "a": { "reviewCount": 2 }, "b": { "upc": "1", "reviewCount": 2 } } })
    );
    assert_eq!(requests, counts(&[("products", 1), ("reviews", 1)]));
    assert_eq!(
        representations(&f, "reviews"),
        [json!({ "__typename": "Product", "upc": "1" })]
    );
}

#[tokio::test]
async fn deep_chain_of_lists_in_lists() {
    let f = conformance().await;
    let (response, requests) = f
        .run("{ topReviews(first: 2) { author { reviews { product { name reviews { author { name } } } } } } }")
        .await;
    let ada_reviews = json!({ "reviews": [
        { "product": { "name": "Table", "reviews": [
            { "author": { "name": "Ada Lovelace" } }, { "author": { "name": "Grace Hopper" } } ] } },
        { "product": { "name": "Couch", "reviews": [ { "author": { "name": "Ada Lovelace" } } ] } }
    ] });
    assert_eq!(
        response,
        json!({ "data": { "topReviews": [ { "author": ada_reviews }, { "author": ada_reviews } ] } })
    );
    assert_eq!(
        requests,
        counts(&[("accounts", 1), ("products", 1), ("reviews", 1)])
    );
}

#[tokio::test]
async fn null_and_error_entities_in_one_batch() {
    let f = conformance().await;
    let (response, requests) = f
        .run(r#"{ r5: review(id: "r5") { body product { price } } r6: review(id: "r6") { body product { price } } }"#)
        .await;
    assert_eq!(requests, counts(&[("products", 1), ("reviews", 1)]));
    assert_eq!(
        response["data"],
        json!({ "r5": { "body": "Product vanished.", "product": null },
                "r6": { "body": "Product broken.", "product": null } })
    );
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{errors:?}");
    // The subgraph's `_entities` error, at the response path of its object.
    assert_eq!(errors[0]["message"], "product 500 failed to load");
    assert_eq!(errors[0]["path"], json!(["r6", "product"]));
    assert_eq!(errors[0]["extensions"]["service"], "products");
    // The null entity leaves a non-null field empty: it bubbles to the nullable product.
    assert_eq!(errors[1]["path"], json!(["r5", "product", "price"]));
}

#[tokio::test]
async fn null_bubbles_to_the_nearest_nullable_parent() {
    let f = conformance().await;
    // `topReviews: [Review!]!`, `product: Product` (nullable), `price: Int!`.
    let (response, _) = f.run("{ topReviews { id } me { name } }").await;
    assert!(response.get("errors").is_none());
    f.subgraph("products").kill();
    let (response, _) = f
        .run("{ topReviews(first: 1) { body product { price } } }")
        .await;
    assert_eq!(
        response["data"],
        json!({ "topReviews": [ { "body": "Love it!", "product": null } ] })
    );
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["extensions"]["code"], "SUBREQUEST_HTTP_ERROR");
    assert_eq!(errors[0]["path"], json!(["topReviews", 0, "product"]));
}

#[tokio::test]
async fn a_killed_subgraph_gives_partial_data_with_errors() {
    let f = conformance().await;
    f.subgraph("reviews").kill();
    let response = f
        .query("{ me { name reviews { body } } topReviews { id } }")
        .await;
    // `topReviews` is non-null at the root: the whole data becomes null...
    assert_eq!(response["data"], Value::Null);
    // ...while a nullable root field keeps the rest of the response.
    let response = f.query("{ me { name reviews { body } } }").await;
    assert_eq!(response["data"], json!({ "me": null }));
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["extensions"]["code"], "SUBREQUEST_HTTP_ERROR");
    assert_eq!(errors[0]["extensions"]["service"], "reviews");
    assert_eq!(errors[0]["path"], json!(["me"]));
    let response = f.query("{ me { name } }").await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace" } } })
    );
}

#[tokio::test]
async fn slow_and_malformed_subgraphs_are_errors_at_their_paths() {
    let f = conformance().await;
    f.subgraph("products").set_delay(Duration::from_secs(3));
    let response = f
        .query(r#"{ product(upc: "1") { name } me { name } }"#)
        .await;
    assert_eq!(
        response["data"],
        json!({ "product": null, "me": { "name": "Ada Lovelace" } })
    );
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "SUBREQUEST_TIMEOUT"
    );
    assert_eq!(response["errors"][0]["path"], json!(["product"]));

    f.subgraph("products").set_delay(Duration::ZERO);
    f.subgraph("products").set_malformed(true);
    let response = f.query(r#"{ product(upc: "1") { name } }"#).await;
    assert_eq!(response["data"], json!({ "product": null }));
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "SUBREQUEST_MALFORMED_RESPONSE"
    );
}

#[tokio::test]
async fn identical_in_flight_subgraph_queries_are_sent_once() {
    let f = conformance().await;
    f.subgraph("accounts").set_delay(Duration::from_millis(400));
    f.clear_requests();
    let answers = futures::future::join_all((0..5).map(|_| f.query("{ me { name } }"))).await;
    for answer in answers {
        assert_eq!(
            answer,
            json!({ "data": { "me": { "name": "Ada Lovelace" } } })
        );
    }
    assert_eq!(f.request_counts(), counts(&[("accounts", 1)]));
}

#[tokio::test]
async fn deduplication_can_be_turned_off_for_all_or_one_subgraph() {
    let mut config = gateway::config::GatewayConfig::default();
    config.traffic_shaping.dedupe = false;
    // Turned back on for one subgraph only.
    config.subgraphs.insert(
        "products".into(),
        gateway::config::SubgraphConfig {
            dedupe: Some(true),
            ..Default::default()
        },
    );
    let f = Federation::conformance_with(|s| s, config).await;
    f.subgraph("accounts").set_delay(Duration::from_millis(400));
    f.subgraph("products").set_delay(Duration::from_millis(400));
    f.clear_requests();
    let queries = (0..5).flat_map(|_| {
        [
            f.query("{ me { name } }"),
            f.query(r#"{ product(upc: "1") { name } }"#),
        ]
    });
    let answers = futures::future::join_all(queries).await;
    assert!(
        answers.iter().all(|a| a.get("errors").is_none()),
        "{answers:?}"
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("accounts", 5), ("products", 1)])
    );
}

#[tokio::test]
async fn an_operation_under_any_name_shares_one_plan_and_subgraphs_see_each_name() {
    let f = conformance().await;
    f.clear_requests();
    let before = f.state.engine().cached_plans();
    for name in ["Mine", "Yours"] {
        let answer = f.query(&format!("query {name} {{ me {{ name }} }}")).await;
        assert_eq!(
            answer,
            json!({ "data": { "me": { "name": "Ada Lovelace" } } })
        );
    }
    let anonymous = f.query("{ me { name } }").await;
    assert!(anonymous.get("errors").is_none(), "{anonymous}");
    assert_eq!(f.state.engine().cached_plans(), before + 1);
    let sent: Vec<String> = f
        .subgraph("accounts")
        .requests()
        .iter()
        .map(|r| r["query"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[0].starts_with("query Mine__accounts__"), "{sent:?}");
    assert!(sent[1].starts_with("query Yours__accounts__"), "{sent:?}");
    assert!(
        sent[2].starts_with("query Operation__accounts__"),
        "{sent:?}"
    );
}

#[tokio::test]
async fn supergraph_from_a_javascript_composer_gives_the_same_answers() {
    let ours = conformance().await;
    let theirs = Federation::conformance(Composer::JavaScript).await;
    for query in [
        "{ me { name reviews { body product { name inStock shippingEstimate } } } }",
        "{ topReviews { id author { username } product { inStock reorderPriority } } }",
        r#"{ search(term: "o") { __typename ... on Product { name } ... on User { name } ... on Review { rating } } }"#,
        "{ featuredMedia { __typename title likes ... on Book { pages author { name } } } }",
        "{ users { team { name reviewCount org { name } } } products { shippingClass warehouse carrier variants { stock } } }",
    ] {
        let (a, requests_a) = ours.run(query).await;
        let (b, requests_b) = theirs.run(query).await;
        assert!(a.get("errors").is_none(), "{query}: {a}");
        assert_eq!(a, b, "{query}");
        assert_eq!(requests_a, requests_b, "{query}");
    }
}

#[tokio::test]
async fn client_aliases_never_clash_with_the_planner_s_own_fields() {
    let f = conformance().await;
    // `id` is User's key, here a client alias of `name`; `weight` is required in KILOGRAM
    // while the client asks for GRAM under the same response key.
    let (response, requests) = f
        .run(r#"{ me { id: name reviews { body } } product(upc: "1") { weight(unit: GRAM) shippingEstimate } }"#)
        .await;
    assert_eq!(
        response,
        json!({ "data": {
            "me": { "id": "Ada Lovelace", "reviews": [ { "body": "Love it!" }, { "body": "Too expensive." } ] },
            "product": { "weight": 12500.0, "shippingEstimate": 33 }
        } })
    );
    assert_eq!(
        requests,
        counts(&[
            ("accounts", 1),
            ("inventory", 1),
            ("products", 1),
            ("reviews", 1)
        ])
    );
}

#[tokio::test]
async fn a_slow_branch_does_not_hold_back_independent_fetches() {
    let f = std::sync::Arc::new(conformance().await);
    // Below the harness's 1.5 s subgraph timeout.
    f.subgraph("accounts")
        .set_delay(Duration::from_millis(1200));
    f.clear_requests();
    let running = {
        let f = f.clone();
        tokio::spawn(async move { f.query("{ me { name } products { reviewCount } }").await })
    };
    // products → reviews runs while accounts is still answering.
    let mut reviews_asked = false;
    for _ in 0..100 {
        if !f.subgraph("reviews").requests().is_empty() {
            reviews_asked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        reviews_asked,
        "the reviews fetch waited for the slow accounts fetch"
    );
    assert!(!running.is_finished());
    let response = running.await.expect("query task");
    assert_eq!(response["data"]["me"], json!({ "name": "Ada Lovelace" }));
    assert_eq!(response["data"]["products"][0], json!({ "reviewCount": 2 }));
}

#[tokio::test]
async fn fields_come_back_in_request_order_with_aliases() {
    let f = conformance().await;
    // `reviews` comes from another subgraph than `name` and `id`, and is merged first.
    let text = f
        .query_text(
            r#"{ me { reviews { body } who: name id } top: topProducts(first: 1) { upc name } }"#,
        )
        .await;
    assert_eq!(
        text,
        r#"{"data":{"me":{"reviews":[{"body":"Love it!"},{"body":"Too expensive."}],"who":"Ada Lovelace","id":"u1"},"top":[{"upc":"2","name":"Couch"}]}}"#
    );
}

#[tokio::test]
async fn health_reports_every_subgraph() {
    let f = conformance().await;
    let health_url = f.url.replace("/graphql", "/health");
    let http = reqwest::Client::new();
    let response = http.get(&health_url).send().await.expect("health");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "up");
    let subgraphs = body["subgraphs"].as_array().expect("subgraphs");
    assert_eq!(subgraphs.len(), 5);
    assert!(
        subgraphs
            .iter()
            .all(|s| s["status"] == "up" && s["latencyMs"].is_number())
    );
    f.subgraph("media").kill();
    let response = http.get(&health_url).send().await.expect("health");
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "degraded");
    let media = subgraphs
        .iter()
        .position(|s| s["name"] == "media")
        .expect("media listed");
    assert_eq!(body["subgraphs"][media]["status"], "down");
    assert!(body["subgraphs"][media]["error"].is_string());
}

#[tokio::test]
async fn metrics_count_requests_subgraph_fetches_and_caches() {
    let f = conformance().await;
    for _ in 0..2 {
        f.query("query Me { me { name reviews { body } } }").await;
    }
    f.query("{ nope }").await;
    let text = reqwest::get(f.url.replace("/graphql", "/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
            .rsplit(' ')
            .next()
            .expect("value")
            .to_owned()
    };
    assert_eq!(
        line(r#"gateway_request_duration_seconds_count{operation="Me",outcome="Ok"}"#),
        "2"
    );
    assert_eq!(
        line(
            r#"gateway_request_duration_seconds_count{operation="(anonymous)",outcome="Rejected"}"#
        ),
        "1"
    );
    assert_eq!(
        line(r#"gateway_subgraph_request_duration_seconds_count{subgraph="reviews",outcome="Ok"}"#),
        "2"
    );
    assert_eq!(line(r#"gateway_cache_hits_total{cache="plan"}"#), "1");
    assert_eq!(line(r#"gateway_cache_misses_total{cache="plan"}"#), "1");
    assert_eq!(line("gateway_cached_plans "), "1");
    assert!(text.contains("gateway_request_duration_seconds_bucket{"));

    // A Prometheus text-format parser reads every line.
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(
            matches!(
                prometheus_parse::LineInfo::parse(l),
                prometheus_parse::LineInfo::Sample { .. }
            ),
            "not a sample: {l}"
        );
    }
    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parsable");
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == "gateway_request_duration_seconds")
        .expect("request histogram");
    assert!(
        matches!(&histogram.value, prometheus_parse::Value::Histogram(buckets) if buckets.len() > 5),
        "{histogram:?}"
    );
    let value = |metric: &str, label: (&str, &str)| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && s.labels.get(label.0) == Some(label.1))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => f64::NAN,
            })
    };
    assert_eq!(
        value("gateway_cache_hits_total", ("cache", "plan")),
        Some(1.0)
    );
    assert_eq!(
        value(
            "gateway_subgraph_request_duration_seconds_count",
            ("subgraph", "reviews")
        ),
        Some(2.0)
    );
}
