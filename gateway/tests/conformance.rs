//! Federation conformance: the fixture subgraphs (`test-subgraphs`), composed and served
//! through the gateway. Each case asserts the exact response and the subgraph requests.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use federation::{Composer, Federation, counts};
use serde_json::json;

#[tokio::test]
async fn entity_with_one_key_across_two_subgraphs() {
    let f = Federation::conformance(Composer::JavaScript).await;
    let (response, requests) = f.run("{ me { name reviews { body } } }").await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace", "reviews": [
            { "body": "Love it!" }, { "body": "Too expensive." }
        ] } } })
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
}
