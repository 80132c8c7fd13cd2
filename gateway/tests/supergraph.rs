//! Reading supergraphs: subgraphs, ownership metadata, the API schema, and clear errors.

use gateway::supergraph::{Supergraph, SupergraphError};

const SHOP: &str = include_str!("fixtures/shop.supergraph.graphql");

#[test]
fn subgraphs_and_owners_are_read_from_join_directives() {
    let supergraph = Supergraph::parse(SHOP).expect("valid supergraph");
    let names: Vec<_> = supergraph
        .subgraphs
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["accounts", "products", "reviews"]);
    assert_eq!(
        supergraph.subgraph("REVIEWS").map(|s| s.url.as_str()),
        Some("http://127.0.0.1:4103/graphql")
    );
    let user = &supergraph.type_owners["User"];
    assert_eq!(user.len(), 2);
    assert!(
        user.iter()
            .all(|o| o.key.as_deref() == Some("id") && o.resolvable)
    );
    let shipping = &supergraph.field_owners[&("Product".into(), "shippingEstimate".into())];
    assert_eq!(shipping.len(), 1);
    assert_eq!(shipping[0].graph, "REVIEWS");
    assert_eq!(shipping[0].requires.as_deref(), Some("price weight"));
    let author = &supergraph.field_owners[&("Review".into(), "author".into())];
    assert_eq!(author[0].provides.as_deref(), Some("name"));
    // A field without @join__field belongs to every subgraph defining its type.
    let upc = &supergraph.field_owners[&("Product".into(), "upc".into())];
    let graphs: Vec<_> = upc.iter().map(|o| o.graph.as_str()).collect();
    assert_eq!(graphs, ["PRODUCTS", "REVIEWS"]);
}

#[test]
fn the_api_schema_hides_machinery_and_inaccessible_elements() {
    let supergraph = Supergraph::parse(SHOP).expect("valid supergraph");
    let api = supergraph.api_schema.to_string();
    for absent in [
        "join__",
        "link__",
        "@link",
        "@inaccessible",
        "passwordHash",
        "InternalAudit",
        "SECRET",
        "debug",
    ] {
        assert!(
            !api.contains(absent),
            "{absent} leaked into the API schema:\n{api}"
        );
    }
    for present in [
        "union SearchResult = Product",
        "type User implements Node",
        "topProducts(first: Int = 5): [Product]",
        "DISCONTINUED",
        "shippingEstimate: Int",
        "type Mutation",
    ] {
        assert!(
            api.contains(present),
            "{present} missing from the API schema:\n{api}"
        );
    }
}

#[test]
fn renamed_join_spec_is_followed() {
    let renamed = SHOP
        .replace(
            "@link(url: \"https://specs.apollo.dev/join/v0.3\", for: EXECUTION)",
            "@link(url: \"https://specs.apollo.dev/join/v0.3\", as: \"j\", for: EXECUTION)",
        )
        .replace("join__", "j__");
    let supergraph = Supergraph::parse(&renamed).expect("valid supergraph with join as j");
    assert_eq!(supergraph.subgraphs.len(), 3);
    assert!(!supergraph.api_schema.to_string().contains("j__"));
}

#[test]
fn invalid_supergraphs_get_errors_that_name_the_problem() {
    let error = Supergraph::parse("type Query { a: Int }").unwrap_err();
    assert!(matches!(error, SupergraphError::NotASupergraph), "{error}");

    let error = Supergraph::parse(&SHOP.replace("join/v0.3", "join/v0.1")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unsupported join spec version v0.1: supported are v0.2 to v0.5"
    );

    let error = Supergraph::parse(&SHOP.replace(
        "me: User @join__field(graph: ACCOUNTS)",
        "me: User @join__field(graph: BILLING)",
    ))
    .unwrap_err();
    assert!(error.to_string().contains("BILLING"), "{error}");

    let error = Supergraph::parse(&SHOP.replace(
        r#"@join__graph(name: "accounts", url: "http://127.0.0.1:4101/graphql")"#,
        r#"@join__graph(name: "accounts")"#,
    ))
    .unwrap_err();
    // Schema validation already names the directive, argument and line.
    assert!(error.to_string().contains("@join__graph(url:)"), "{error}");

    let error = Supergraph::parse("type Query { a: Undefined }").unwrap_err();
    assert!(error.to_string().contains("Undefined"), "{error}");
}

/// A join v0.5 supergraph where `Cart.greeting` takes `locale` from the `User` context
/// (as Apollo's composer writes `@fromContext`); `{}` is the `@join__field` argument.
fn context_supergraph(context_arguments: &str) -> String {
    format!(
        r#"schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)
{{
  query: Query
}}

directive @context(name: String!) repeatable on OBJECT | INTERFACE | UNION
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

input join__ContextArgument {{ name: String! type: String! context: String! selection: join__FieldValue! }}
scalar join__FieldSet
scalar join__FieldValue
scalar link__Import
enum link__Purpose {{ SECURITY EXECUTION }}

enum join__Graph {{
  ACCOUNTS @join__graph(name: "accounts", url: "http://accounts.invalid/graphql")
  STORE @join__graph(name: "store", url: "http://store.invalid/graphql")
}}

type Query @join__type(graph: ACCOUNTS) @join__type(graph: STORE) {{
  users: [User!]! @join__field(graph: ACCOUNTS)
}}

type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: STORE, key: "id") @context(name: "store__viewer") {{
  id: ID!
  name: String! @join__field(graph: ACCOUNTS)
  cart: Cart! @join__field(graph: STORE)
}}

type Cart @join__type(graph: STORE, key: "id") {{
  id: ID!
  greeting: String! @join__field(graph: STORE{context_arguments})
}}
"#
    )
}

#[test]
fn context_arguments_are_refused_naming_the_field() {
    let sdl = context_supergraph(
        r#", contextArguments: [{context: "store__viewer", name: "locale", type: "String", selection: " { locale }"}]"#,
    );
    let error = Supergraph::parse(&sdl).expect_err("@fromContext is not supported");
    assert!(
        matches!(error, SupergraphError::Unsupported { .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "Cart.greeting(locale:): takes an argument's value from a context (@fromContext, \
         @join__field(contextArguments:)), which this gateway does not support yet"
    );
    // Without contextual arguments (none, or an empty list) the same supergraph is served.
    for plain in ["", ", contextArguments: []"] {
        Supergraph::parse(&context_supergraph(plain)).expect("no contextual argument");
    }
}
