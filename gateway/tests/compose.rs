//! Composition: fixture subgraphs compose into a supergraph the gateway reads; errors
//! name the subgraph, type and field.

use gateway::{
    compose::{ComposeError, FetchError, SubgraphSdl, compose, fetch_sdl},
    supergraph::Supergraph,
};

fn subgraph(name: &str, port: u16, sdl: &str) -> SubgraphSdl {
    SubgraphSdl {
        name: name.into(),
        url: format!("http://127.0.0.1:{port}/graphql"),
        sdl: sdl.into(),
    }
}

fn fixture() -> Vec<SubgraphSdl> {
    vec![
        subgraph(
            "accounts",
            4201,
            include_str!("fixtures/js-composer/accounts.graphql"),
        ),
        subgraph(
            "products",
            4202,
            include_str!("fixtures/js-composer/products.graphql"),
        ),
        subgraph(
            "reviews",
            4203,
            include_str!("fixtures/js-composer/reviews.graphql"),
        ),
    ]
}

const LINK: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                    import: [\"@key\", \"@shareable\", \"@external\", \"@requires\"])\n";

#[test]
fn fixture_composes_into_a_supergraph_with_owners() {
    let sdl = compose(&fixture()).expect("fixture composes");
    let supergraph = Supergraph::parse(&sdl).expect("our supergraph parses");
    let names: Vec<_> = supergraph
        .subgraphs
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["accounts", "products", "reviews"]);
    let user = &supergraph.type_owners["User"];
    let graphs: Vec<_> = user.iter().map(|o| o.graph.as_str()).collect();
    assert_eq!(graphs, ["ACCOUNTS", "REVIEWS"]);
    assert!(user.iter().all(|o| o.key.as_deref() == Some("id")));
    let field = |t: &str, f: &str| &supergraph.field_owners[&(t.to_owned(), f.to_owned())];
    let shipping = field("Product", "shippingEstimate");
    assert_eq!(shipping.len(), 1);
    assert_eq!(shipping[0].graph, "REVIEWS");
    assert_eq!(shipping[0].requires.as_deref(), Some("price weight"));
    assert_eq!(
        field("Review", "author")[0].provides.as_deref(),
        Some("username")
    );
    let username = field("User", "username");
    assert!(username.iter().any(|o| o.graph == "REVIEWS" && o.external));
    assert!(
        username
            .iter()
            .any(|o| o.graph == "ACCOUNTS" && !o.external)
    );
    let category: Vec<_> = field("Category", "title")
        .iter()
        .map(|o| o.graph.as_str())
        .collect();
    assert_eq!(category, ["PRODUCTS", "REVIEWS"]);
    let api = supergraph.api_schema.to_string();
    for present in [
        "union SearchResult = Product | Category",
        "type User implements Node",
        "topProducts(first: Int = 5): [Product!]!",
        "addReview(upc: String!, body: String!): Review",
    ] {
        assert!(api.contains(present), "{present} missing from:\n{api}");
    }
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut reversed = fixture();
    reversed.reverse();
    assert_eq!(
        compose(&fixture()).expect("composes"),
        compose(&reversed).expect("composes")
    );
}

#[test]
fn non_shareable_field_in_two_subgraphs_names_both_and_the_field() {
    let a = subgraph(
        "a",
        1,
        &format!("{LINK}type Query {{ t: T }} type T {{ name: String }}"),
    );
    let b = subgraph(
        "b",
        2,
        &format!("{LINK}type Query {{ u: T @shareable }} type T @shareable {{ name: String }}"),
    );
    let error = compose(&[a, b]).expect_err("T.name is not shareable in a");
    let message = error.to_string();
    assert!(matches!(error, ComposeError::Conflict { .. }), "{message}");
    for expected in ["T.name", "`a`", "`b`", "@shareable"] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}

#[test]
fn bad_field_sets_name_subgraph_type_and_field() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }}\n\
         type P @key(fields: \"sku\") {{ id: ID! w: Int @external \
         total: Int @requires(fields: \"weight\") }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("sku and weight do not exist")
        .to_string();
    for expected in [
        "subgraph `shop`, P: @key(fields: \"sku\")",
        "`sku`",
        "P.total",
        "`weight`",
    ] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}

#[test]
fn external_field_nobody_resolves_is_an_error() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }} type P @key(fields: \"id\") {{ id: ID! w: Int @external }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("P.w is external everywhere")
        .to_string();
    assert!(
        message.contains("subgraph `shop`, P.w: is @external"),
        "{message}"
    );
}

#[test]
fn type_kind_mismatch_names_both_subgraphs() {
    let a = subgraph(
        "a",
        1,
        &format!("{LINK}type Query {{ t: T }} type T {{ x: Int }}"),
    );
    let b = subgraph(
        "b",
        2,
        &format!("{LINK}type Query {{ u: T @shareable }} interface T {{ x: Int }}"),
    );
    let message = compose(&[a, b]).expect_err("kinds differ").to_string();
    assert!(
        message
            .contains("T (subgraphs `a`, `b`): is an object type in `a` but an interface in `b`"),
        "{message}"
    );
}

#[test]
fn invalid_sdl_names_the_subgraph() {
    let message = compose(&[subgraph("broken", 1, "type Query {")])
        .expect_err("does not parse")
        .to_string();
    assert!(
        message.starts_with("subgraph `broken`: invalid SDL"),
        "{message}"
    );
}

#[tokio::test]
async fn unreachable_subgraph_names_its_url() {
    let url = "http://127.0.0.1:9/graphql";
    let error = fetch_sdl(&reqwest::Client::new(), url)
        .await
        .expect_err("nothing listens on port 9");
    assert!(matches!(error, FetchError::Unreachable { .. }));
    assert!(error.to_string().contains(url), "{error}");
}
