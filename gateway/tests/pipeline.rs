//! The request pipeline against the API schema: validation, operation choice, variables,
//! GET rules and introspection.

use apollo_compiler::response::JsonMap;
use gateway::{
    pipeline::{
        ErrorCode, GraphqlRequest, HttpMethod, MAX_DOCUMENT_BYTES, RootFieldKinds,
        execute_introspection, prepare,
    },
    supergraph::Supergraph,
};
use serde_json::json;

const SHOP: &str = include_str!("fixtures/shop.supergraph.graphql");

fn request(
    query: &str,
    operation_name: Option<&str>,
    variables: serde_json::Value,
) -> GraphqlRequest {
    GraphqlRequest {
        query: Some(query.to_owned()),
        operation_name: operation_name.map(str::to_owned),
        variables: serde_json::from_value::<JsonMap>(variables).ok(),
        extensions: None,
        ..Default::default()
    }
}

fn supergraph() -> Supergraph {
    Supergraph::parse(SHOP).expect("valid fixture")
}

#[test]
fn a_valid_operation_is_prepared_with_coerced_variables() {
    let sg = supergraph();
    let prepared = prepare(
        &sg.api_schema,
        &request(
            "query Top($n: Int = 3) { topProducts(first: $n) { upc name } } mutation Add { addReview(upc: \"1\", body: \"x\") { id } }",
            Some("Top"),
            json!({}),
        ),
        HttpMethod::Get,
    )
    .expect("prepared");
    assert_eq!(prepared.operation.name.as_deref(), Some("Top"));
    assert_eq!(
        serde_json::to_value(&*prepared.variables).expect("json"),
        json!({ "n": 3 })
    );
    assert_eq!(
        RootFieldKinds::of(&prepared),
        RootFieldKinds {
            schema_introspection: false,
            root_typename: false,
            concrete: true
        }
    );
}

#[test]
fn every_bad_request_gets_its_code_status_and_location() {
    let sg = supergraph();
    let cases: Vec<(GraphqlRequest, HttpMethod, ErrorCode, &str)> = vec![
        (
            request("{ topProducts { ", None, json!({})),
            HttpMethod::Post,
            ErrorCode::ParseFailed,
            "expected",
        ),
        (
            request("{ topProducts { nope } }", None, json!({})),
            HttpMethod::Post,
            ErrorCode::ValidationFailed,
            "nope",
        ),
        (
            request("{ me { passwordHash } }", None, json!({})),
            HttpMethod::Post,
            ErrorCode::ValidationFailed,
            "passwordHash",
        ),
        (
            request("{ InternalAudit }", None, json!({})),
            HttpMethod::Post,
            ErrorCode::ValidationFailed,
            "InternalAudit",
        ),
        (
            request(
                "query($n: Int) { topProducts(first: $n) { upc } }",
                None,
                json!({ "n": "three" }),
            ),
            HttpMethod::Post,
            ErrorCode::BadUserInput,
            "n",
        ),
        (
            request(
                "query($t: String!) { search(text: $t) { __typename } }",
                None,
                json!({}),
            ),
            HttpMethod::Post,
            ErrorCode::BadUserInput,
            "t",
        ),
        (
            request(
                "query A { me { id } } query B { me { name } }",
                None,
                json!({}),
            ),
            HttpMethod::Post,
            ErrorCode::OperationResolution,
            "operationName",
        ),
        (
            request("query A { me { id } }", Some("C"), json!({})),
            HttpMethod::Post,
            ErrorCode::OperationResolution,
            "C",
        ),
        (
            request(
                "mutation { addReview(upc: \"1\", body: \"b\") { id } }",
                None,
                json!({}),
            ),
            HttpMethod::Get,
            ErrorCode::MethodNotAllowed,
            "POST",
        ),
        (
            GraphqlRequest::default(),
            HttpMethod::Post,
            ErrorCode::BadRequest,
            "no query",
        ),
        (
            request(
                &format!("{{ me {{ id }} }} #{}", "x".repeat(MAX_DOCUMENT_BYTES)),
                None,
                json!({}),
            ),
            HttpMethod::Post,
            ErrorCode::BadRequest,
            "bytes",
        ),
    ];
    for (req, method, code, needle) in cases {
        let error = prepare(&sg.api_schema, &req, method).expect_err(needle);
        assert_eq!(error.code, code, "{needle}: {error}");
        let body = error.to_response();
        assert!(body.get("data").is_none(), "request errors have no data");
        assert_eq!(body["errors"][0]["extensions"]["code"], code.as_str());
        let messages = body["errors"].to_string();
        assert!(messages.contains(needle), "{needle} not in {messages}");
        let status = code.http_status();
        assert!(status == 400 || (code == ErrorCode::MethodNotAllowed && status == 405));
    }
    let error = prepare(
        &sg.api_schema,
        &request("{\n  me { nope } }", None, json!({})),
        HttpMethod::Post,
    )
    .expect_err("unknown field");
    let body = error.to_response();
    let nope = body["errors"]
        .as_array()
        .and_then(|errors| {
            errors
                .iter()
                .find(|e| e["message"].to_string().contains("nope"))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        nope["locations"],
        json!([{ "line": 2, "column": 8 }]),
        "{body}"
    );
}

#[test]
fn introspection_serves_exactly_the_api_schema() {
    let sg = supergraph();
    let implementers = sg.api_schema.implementers_map();
    let prepared = prepare(
        &sg.api_schema,
        &request(
            r#"{ __typename me { id }
                 user: __type(name: "User") { fields { name } }
                 status: __type(name: "Status") { enumValues { name } }
                 graph: __type(name: "join__Graph") { name }
                 __schema { queryType { name } mutationType { name } } }"#,
            None,
            json!({}),
        ),
        HttpMethod::Post,
    )
    .expect("prepared");
    let kinds = RootFieldKinds::of(&prepared);
    assert!(kinds.schema_introspection && kinds.root_typename && kinds.concrete);
    let response =
        execute_introspection(&sg.api_schema, &implementers, &prepared).expect("introspection");
    let data = serde_json::to_value(response.data).expect("json");
    assert_eq!(data["__typename"], "Query");
    assert_eq!(
        data["user"]["fields"],
        json!([{ "name": "id" }, { "name": "name" }, { "name": "reviews" }])
    );
    assert_eq!(
        data["status"]["enumValues"],
        json!([{ "name": "AVAILABLE" }, { "name": "DISCONTINUED" }])
    );
    assert_eq!(data["graph"], serde_json::Value::Null);
    assert_eq!(
        data["__schema"],
        json!({ "queryType": { "name": "Query" }, "mutationType": { "name": "Mutation" } })
    );
    assert!(
        data.get("me").is_none(),
        "concrete fields are left to the planner"
    );
}

#[test]
fn defer_is_declared_in_the_api_schema_and_accepted_on_fragments() {
    let sg = supergraph();
    let defer = sg
        .api_schema
        .directive_definitions
        .get("defer")
        .expect("@defer declared");
    assert!(
        defer.to_string().ends_with(
            "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"
        ),
        "{defer}"
    );
    let stream = sg
        .api_schema
        .directive_definitions
        .get("stream")
        .expect("@stream declared");
    assert!(
        stream.to_string().ends_with(
            "directive @stream(label: String, if: Boolean! = true, initialCount: Int! = 0) on FIELD"
        ),
        "{stream}"
    );
    let prepared = prepare(
        &sg.api_schema,
        &request(
            "query Q($d: Boolean!) { topProducts { upc ... @defer(label: \"a\") { name ...R @defer(if: $d) } } } fragment R on Product { reviews { body } }",
            None,
            json!({ "d": true }),
        ),
        HttpMethod::Post,
    );
    assert!(prepared.is_ok(), "{:?}", prepared.err());
}

#[test]
fn defer_and_stream_follow_the_incremental_delivery_rules() {
    let sg = supergraph();
    let cases = [
        (
            "{ topProducts { ... @defer(label: \"x\") { name } ... @defer(label: \"x\") { price } } }",
            json!({}),
            "is not unique",
        ),
        (
            "query Q($l: String) { topProducts { ... @defer(label: $l) { name } } }",
            json!({ "l": "x" }),
            "must be a static String",
        ),
        (
            "mutation { ... @defer { addReview(upc: \"1\", body: \"x\") { id } } }",
            json!({}),
            "mutation",
        ),
        (
            "{ topProducts { ... on Product @defer(unknown: 1) { name } } }",
            json!({}),
            "unknown",
        ),
        (
            "{ me @stream { name } }",
            json!({}),
            "only allowed on fields of list type",
        ),
        (
            "{ topProducts @stream(initialCount: -1) { name } }",
            json!({}),
            "must not be negative",
        ),
        (
            "{ topProducts @stream(label: \"x\") { ... @defer(label: \"x\") { name } } }",
            json!({}),
            "is not unique",
        ),
    ];
    for (query, variables, message) in cases {
        let error = prepare(
            &sg.api_schema,
            &request(query, None, variables),
            HttpMethod::Post,
        )
        .expect_err(query);
        assert_eq!(error.code, ErrorCode::ValidationFailed, "{query}");
        let text = serde_json::to_string(&error.errors).expect("json");
        assert!(text.contains(message), "{query}: {text}");
    }
}
