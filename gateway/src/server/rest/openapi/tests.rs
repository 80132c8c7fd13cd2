//! Tests of the parent module.

use super::*;
use crate::config::RestRoute;

const SDL: &str = r#"
    scalar Decimal
    enum Estado { ACTIVA PAUSADA }
    input DineroInput { valor: Decimal! moneda: String! }
    input CrearInput { nombre: String! presupuesto: DineroInput! nota: String }
    type Dinero { valor: Decimal! moneda: String! }
    type Cosa { id: ID! nombre: String! estado: Estado! precio: Dinero nota: String }
    type Pagina { items: [Cosa!]! total: Int! }
    type Query { cosa(id: ID!): Cosa cosas(estado: Estado): Pagina! }
    type Mutation { crear(input: CrearInput!): Cosa! }
"#;

fn route(
    method: &str,
    path: &str,
    operation: &str,
    variables: &[(&str, &str)],
    response: &str,
) -> RestRoute {
    RestRoute {
        method: Some(method.into()),
        path: path.into(),
        operation: Some(operation.into()),
        variables: variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        response: Some(response.into()),
        status: Some(if method == "POST" { 201 } else { 200 }),
        ..RestRoute::default()
    }
}

#[test]
fn routes_become_paths_with_parameters_bodies_and_response_schemas() {
    let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("schema");
    let routes = [
        route(
            "GET",
            "/cosas/{id}",
            "# One thing.\nquery Cosa($id: ID!) { cosa(id: $id) { id nombre precio { valor } } }",
            &[("id", "path.id")],
            r#"{ "id": "$.cosa.id", "valor": "$.cosa.precio.valor" }"#,
        ),
        route(
            "GET",
            "/cosas",
            "query Cosas($estado: Estado) { cosas(estado: $estado) { items { id estado } total } }",
            &[("estado", "query.estado:enum(ACTIVE=ACTIVA)")],
            r#"{ "data": { "$each": "$.cosas.items", "$map": { "id": "$.id", "estado": "$.estado" } }, "n": { "$count": "$.cosas.items" } }"#,
        ),
        route(
            "POST",
            "/cosas",
            "mutation Crear($input: CrearInput!) { crear(input: $input) { id } }",
            &[
                ("input.nombre", "body.nombre"),
                ("input.presupuesto.valor", "body.presupuesto:decimal"),
                ("input.presupuesto.moneda", "body.moneda:string=COP"),
                ("input.nota", "body.extra.nota"),
            ],
            r#"{ "id": "$.crear.id" }"#,
        ),
    ];
    let routes: Vec<_> = routes
        .iter()
        .map(|r| Arc::new(CompiledRoute::compile(r).expect("valid route")))
        .collect();
    let doc = document(&routes, &[], &schema);
    assert_eq!(doc["openapi"], "3.1.0");
    let get = &doc["paths"]["/cosas/{id}"]["get"];
    assert_eq!(get["summary"], "One thing.");
    assert_eq!(
        get["parameters"][0],
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } })
    );
    let ok = &get["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        ok["properties"]["id"]["type"],
        json!(["string", "null"]),
        "cosa may be null: {ok}"
    );
    assert_eq!(ok["required"], json!(["id", "valor"]));
    assert_eq!(
        get["responses"]["404"]["$ref"],
        "#/components/responses/E404"
    );

    let list = &doc["paths"]["/cosas"]["get"];
    assert_eq!(
        list["parameters"][0]["schema"]["enum"],
        json!(["ACTIVA", "PAUSADA", "ACTIVE"])
    );
    assert_eq!(list["parameters"][0]["required"], false);
    let items =
        &list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"];
    assert_eq!(items["type"], "array");
    assert_eq!(
        items["items"]["properties"]["estado"]["enum"],
        json!(["ACTIVA", "PAUSADA"])
    );
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["n"]["type"],
        "integer"
    );

    let post = &doc["paths"]["/cosas"]["post"];
    let body = &post["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(post["requestBody"]["required"], true);
    assert_eq!(body["required"], json!(["nombre", "presupuesto"]), "{body}");
    assert_eq!(
        body["properties"]["presupuesto"]["type"],
        json!(["string", "number"])
    );
    assert_eq!(body["properties"]["moneda"]["default"], "COP");
    assert_eq!(
        body["properties"]["extra"]["properties"]["nota"]["type"],
        json!(["string", "null"]),
        "passed on as JSON: the input field's type"
    );
    assert!(post["responses"]["201"].is_object());
    assert_eq!(operation_id("POST", "/cosas/{id}/x"), "post_cosas_id_x");
}

#[test]
fn entries_periods_alternatives_and_fixed_paths_are_documented() {
    let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("schema");
    let routes = [
        route(
            "GET",
            "/cosas",
            "query Cosas($estado: Estado) { cosas(estado: $estado) { total } }",
            &[("estado", "query.desde:enum | query.periodo:ago(90d)")],
            r#"{ "n": "$.cosas.total" }"#,
        ),
        route(
            "POST",
            "/cosas",
            "mutation Crear($input: CrearInput!) { crear(input: $input) { id } }",
            &[
                ("input.nombre", "body.nombre"),
                ("input.nota", "body.metadatos:entries(clave,valor)"),
            ],
            r#"{ "id": "$.crear.id" }"#,
        ),
    ];
    let routes: Vec<_> = routes
        .iter()
        .map(|r| Arc::new(CompiledRoute::compile(r).expect("valid route")))
        .collect();
    let mut config = crate::config::RestConfig::default();
    config.health.path = Some("/api/v1/health".into());
    config.metrics.path = Some("/api/v1/metrics".into());
    let mut fixed = fixed::documented(&config);
    let external = RestRoute {
        path: "/x/estadisticas".into(),
        external: true,
        response_schema: Some(r#"{ "type": "object" }"#.into()),
        ..RestRoute::default()
    };
    let external_schema = crate::server::rest::external_schema(&external).expect("valid");
    fixed.push(fixed::external(&external, external_schema));
    let doc = document(&routes, &fixed, &schema);

    let get = &doc["paths"]["/cosas"]["get"]["parameters"];
    assert_eq!(get[1]["name"], "periodo");
    assert_eq!(get[1]["required"], false, "an alternative: {get}");
    assert_eq!(get[1]["schema"]["pattern"], "^[0-9]+[hdwHDW]$");
    assert!(
        get[1]["schema"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("90d")),
        "{get}"
    );
    let body = &doc["paths"]["/cosas"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ["properties"]["metadatos"];
    assert_eq!(
        *body,
        json!({ "type": "object", "additionalProperties": { "type": "string" },
            "description": "Names and their texts, passed on as a list of entries" })
    );

    let health = &doc["paths"]["/api/v1/health"]["get"];
    assert_eq!(health["security"], json!([]));
    let ok = &health["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["properties"]["status"]["enum"][2], "unhealthy");
    assert!(health["responses"]["503"].is_object());
    let metrics = &doc["paths"]["/api/v1/metrics"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        metrics["properties"]["subgraphs"]["additionalProperties"]["required"][5],
        "p99"
    );
    let stats = &doc["paths"]["/x/estadisticas"]["get"];
    assert_eq!(stats["operationId"], "get_x_estadisticas");
    assert_eq!(
        stats["responses"]["200"]["content"]["application/json"]["schema"],
        json!({ "type": "object" })
    );
    let mut wrong = external.clone();
    wrong.operation = Some("{ a }".into());
    assert!(crate::server::rest::external_schema(&wrong).is_err());
    wrong = external;
    wrong.response_schema = Some("[]".into());
    assert!(crate::server::rest::external_schema(&wrong).is_err());
}
