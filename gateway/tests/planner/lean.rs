//! Lean plans on a deep query over seven near-identical subgraphs where every object is an
//! entity and every field lives in three subgraphs: the answer equals a single subgraph's
//! holding everything, with few subgraph requests.

use serde_json::{Value, json};

use crate::{
    seven::{DEEP_QUERY, monolith, subgraphs, world},
    support::Fixture,
};

fn fixture() -> Fixture {
    let subgraphs = subgraphs();
    let named: Vec<(&str, &str)> = subgraphs
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    Fixture::new(&named)
}

#[test]
fn the_deep_query_plan() {
    insta::assert_snapshot!(fixture().plan(DEEP_QUERY));
}

#[tokio::test]
async fn the_deep_query_answers_as_one_subgraph_would_with_few_requests() {
    let fixture = fixture();
    let f = fixture.serve(world()).await;
    let oracle = test_subgraphs::world::start_world(&[("all", &monolith())], world()).await;
    let expected: Value = reqwest::Client::new()
        .post(oracle[0].url())
        .json(&json!({ "query": DEEP_QUERY }))
        .send()
        .await
        .expect("the oracle answers")
        .json()
        .await
        .expect("JSON");
    assert!(expected.get("errors").is_none(), "{expected}");
    let (response, requests) = f.run(DEEP_QUERY).await;
    assert_eq!(response, expected);
    let total: usize = requests.values().sum();
    println!("deep query: {total} subgraph requests {requests:?}");
    assert!(total <= 14, "{total} requests: {requests:?}");
}
