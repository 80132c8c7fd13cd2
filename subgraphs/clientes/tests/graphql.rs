//! The `clientes` subgraph over HTTP, on SQLite and on PostgreSQL.

use anyhow::{Result, ensure};
use clientes::Clientes;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, error_message, on_both_backends};
use uuid::Uuid;

const REGISTRAR: &str = r#"mutation($input: RegistrarClienteInput!) {
  registrarCliente(input: $input) { cliente { id nombre email cedula fechaNacimiento fechaRegistro } }
}"#;

const TOTAL: &str = "{ clientes { paginacion { total } } }";

fn input(nombre: &str, email: &str) -> Value {
    json!({ "input": {
        "nombre": nombre, "email": email, "cedula": "1020304050", "fechaNacimiento": "1985-03-15"
    }})
}

async fn total(sg: &TestSubgraph) -> Result<u64> {
    Ok(
        sg.data(TOTAL, json!({})).await?["clientes"]["paginacion"]["total"]
            .as_u64()
            .unwrap_or(u64::MAX),
    )
}

async fn register(sg: &TestSubgraph, nombre: &str, email: &str) -> Result<Value> {
    let data = sg.data(REGISTRAR, input(nombre, email)).await?;
    Ok(data["registrarCliente"]["cliente"].clone())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn register_then_query_back(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let id = Uuid::new_v4().to_string();
    let mut variables = input("  Juan   Pérez ", "Juan.Perez@Example.com");
    variables["input"]["id"] = json!(id);
    let created = sg.data(REGISTRAR, variables).await?["registrarCliente"]["cliente"].clone();
    assert_eq!(created["id"], json!(id));
    assert_eq!(created["nombre"], "Juan Pérez");
    assert_eq!(created["email"], "juan.perez@example.com");
    let read = sg
        .data(
            "query($id: ID!) { cliente(id: $id) { id nombre email cedula fechaNacimiento fechaRegistro } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(read["cliente"], created);
    assert_eq!(read["cliente"]["fechaNacimiento"], "1985-03-15");
    // The registration and its event were committed together.
    let events = testkit::outbox(&sg.db.db).await?;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].0.as_str(), events[0].1.as_str()),
        ("ClienteRegistrado.v1", id.as_str())
    );
    assert_eq!(events[0].2["email"], "juan.perez@example.com");
    sg.stop().await
}

async fn duplicate_email_is_a_conflict_and_writes_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    register(&sg, "Ana Gómez", "ana@example.com").await?;
    let body = sg
        .gql(REGISTRAR, input("Otra Ana", "ANA@example.com"))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert_eq!(error_message(&body), Some("Email ya existe en el sistema"));
    assert_eq!(body["data"], Value::Null);
    assert_eq!(total(&sg).await?, 1);
    assert_eq!(
        testkit::outbox(&sg.db.db).await?.len(),
        1,
        "no event for the refused one"
    );
    sg.stop().await
}

async fn concurrent_duplicates_register_once(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let attempts = (0..20).map(|i| {
        let sg = &sg;
        async move {
            sg.gql(
                REGISTRAR,
                input(&format!("Cliente {i}"), "mismo@example.com"),
            )
            .await
        }
    });
    let results = futures::future::join_all(attempts)
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let ok = results.iter().filter(|b| b.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|b| error_code(b) == Some("CONFLICT"))
        .count();
    ensure!(
        ok == 1 && conflicts == 19,
        "ok {ok}, conflicts {conflicts}: {results:?}"
    );
    assert_eq!(total(&sg).await?, 1);
    sg.stop().await
}

async fn bad_inputs_get_their_codes_and_write_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let cases = [
        (input("Ana", "no-es-un-email"), "email"),
        (
            json!({ "input": { "nombre": "Ana", "email": "a@example.com", "cedula": "12ab567", "fechaNacimiento": "1985-03-15" } }),
            "cedula",
        ),
        (
            json!({ "input": { "nombre": "Ana", "email": "a@example.com", "cedula": "1234567", "fechaNacimiento": "2030-01-01" } }),
            "fechaNacimiento",
        ),
        (
            json!({ "input": { "id": "no-es-uuid", "nombre": "Ana", "email": "a@example.com", "cedula": "1234567", "fechaNacimiento": "1985-03-15" } }),
            "id",
        ),
        (input("   ", "b@example.com"), "nombre"),
    ];
    for (variables, campo) in cases {
        let body = sg.gql(REGISTRAR, variables).await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
    }
    // A wrongly typed date never reaches the domain: GraphQL coercion refuses it.
    let body = sg
        .gql(
            REGISTRAR,
            json!({ "input": { "nombre": "Ana", "email": "a@example.com", "cedula": "1234567", "fechaNacimiento": "15/03/1985" } }),
        )
        .await?;
    assert!(body["errors"][0]["message"].as_str().is_some(), "{body}");
    assert_eq!(total(&sg).await?, 0);

    let body = sg
        .gql(
            "{ clientes(paginacion: {perPage: 1000}) { items { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["campo"],
        "paginacion.perPage"
    );
    let body = sg
        .gql(r#"{ cliente(id: "123") { id } }"#, json!({}))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = sg
        .gql(
            "query($id: ID!) { cliente(id: $id) { id } }",
            json!({ "id": Uuid::new_v4() }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    assert_eq!(body["data"]["cliente"], Value::Null);
    let body = sg
        .gql(r#"{ buscarClientes(q: "  ") { relevancia } }"#, json!({}))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    sg.stop().await
}

async fn search_ranks_exact_names_above_partial_ones(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    register(&sg, "Marianela Gómez", "marianela@example.com").await?;
    register(&sg, "Ana María", "anamaria@example.com").await?;
    register(&sg, "María", "maria@example.com").await?;
    register(&sg, "Pedro Suárez", "pedro@example.com").await?;
    register(&sg, "Rosa Lamarian", "rosa@example.com").await?;
    let data = sg
        .data(
            r#"{ buscarClientes(q: "maria", limite: 10) { relevancia cliente { nombre } } }"#,
            json!({}),
        )
        .await?;
    let hits = data["buscarClientes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = hits
        .iter()
        .filter_map(|h| h["cliente"]["nombre"].as_str())
        .collect();
    assert_eq!(
        names,
        ["María", "Marianela Gómez", "Ana María", "Rosa Lamarian"]
    );
    let scores: Vec<f64> = hits
        .iter()
        .filter_map(|h| h["relevancia"].as_f64())
        .collect();
    assert_eq!(scores, [1.0, 0.8, 0.6, 0.4]);
    // Accent- and case-insensitive, and LIKE wildcards are literal.
    let data = sg
        .data(
            r#"{ buscarClientes(q: "SUÁREZ") { cliente { nombre } } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(
        data["buscarClientes"][0]["cliente"]["nombre"],
        "Pedro Suárez"
    );
    let data = sg
        .data(
            r#"{ buscarClientes(q: "%") { cliente { nombre } } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(data["buscarClientes"], json!([]));
    sg.stop().await
}

async fn pagination_reports_totals_and_next_page(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    for i in 0..25 {
        register(
            &sg,
            &format!("Cliente {i:02}"),
            &format!("c{i}@example.com"),
        )
        .await?;
    }
    let query = r#"query($page: Int!) {
      clientes(filtro: {ordenarPor: NOMBRE, orden: ASC}, paginacion: {page: $page, perPage: 10}) {
        items { nombre } paginacion { page perPage total pages hasNextPage }
      }
    }"#;
    let first = sg.data(query, json!({ "page": 1 })).await?;
    assert_eq!(
        first["clientes"]["paginacion"],
        json!({ "page": 1, "perPage": 10, "total": 25, "pages": 3, "hasNextPage": true })
    );
    assert_eq!(first["clientes"]["items"][0]["nombre"], "Cliente 00");
    let last = sg.data(query, json!({ "page": 3 })).await?;
    assert_eq!(last["clientes"]["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(last["clientes"]["items"][4]["nombre"], "Cliente 24");
    assert_eq!(last["clientes"]["paginacion"]["hasNextPage"], false);
    let beyond = sg.data(query, json!({ "page": 9 })).await?;
    assert_eq!(beyond["clientes"]["items"], json!([]));
    let filtered = sg
        .data(
            r#"{ clientes(filtro: {busqueda: "cliente 1"}) { paginacion { total } } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(filtered["clientes"]["paginacion"]["total"], 10);
    sg.stop().await
}

async fn service_sdl_declares_federation_keys(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let data = sg.data("{ _service { sdl } }", json!({})).await?;
    let sdl = data["_service"]["sdl"].as_str().unwrap_or_default();
    assert!(sdl.contains("specs.apollo.dev/federation/v2"), "{sdl}");
    assert!(sdl.contains(r#"type Cliente @key(fields: "id")"#), "{sdl}");
    assert!(sdl.contains("@shareable"), "{sdl}");
    // GET serves queries and refuses mutations, writing nothing.
    let (status, body) = sg
        .get("/graphql?query=%7B%20clientes%20%7B%20paginacion%20%7B%20total%20%7D%20%7D%20%7D")
        .await?;
    assert_eq!(
        (status, &body["data"]["clientes"]["paginacion"]["total"]),
        (200, &json!(0))
    );
    let mutation = "mutation { registrarCliente(input: {nombre: \"Ana\", email: \"ana@example.com\", cedula: \"123456\", fechaNacimiento: \"1980-01-01\"}) { cliente { id } } }";
    let url = format!("/graphql?query={}", urlencode(mutation));
    let (status, body) = sg.get(&url).await?;
    assert_eq!(status, 405, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    assert_eq!(total(&sg).await?, 0);
    // A cross-site form post (no CORS preflight) cannot run a mutation.
    let form = json!({ "query": mutation }).to_string();
    let (status, body) = sg.post_raw("text/plain", form).await?;
    assert_eq!(status, 415, "{body}");
    assert_eq!(total(&sg).await?, 0);
    // Request errors of the GraphQL layer itself carry a code too.
    let body = sg.gql("{ clientes { nope } }", json!({})).await?;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    let (status, health) = sg.get("/health").await?;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "up");
    sg.stop().await
}

async fn entities_batch_is_one_statement_in_order(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let mut ids = Vec::new();
    for i in 0..50 {
        let c = register(&sg, &format!("Entidad {i}"), &format!("e{i}@example.com")).await?;
        ids.push(c["id"].as_str().unwrap_or_default().to_owned());
    }
    // 500 representations: known ids (each several times), unknown ids, one per 10 unknown.
    let mut representations = Vec::new();
    let mut expected = Vec::new();
    for i in 0..500 {
        if i % 10 == 9 {
            let unknown = Uuid::new_v4().to_string();
            representations.push(json!({ "__typename": "Cliente", "id": unknown }));
            expected.push(Value::Null);
        } else {
            let id = &ids[(i * 7) % ids.len()];
            representations.push(json!({ "__typename": "Cliente", "id": id }));
            expected.push(json!({ "id": id }));
        }
    }
    let query = "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Cliente { id } } }";
    sg.db.statements.reset();
    let data = sg
        .data(query, json!({ "representations": representations }))
        .await?;
    assert_eq!(sg.db.statements.get(), 1, "one SQL statement for the batch");
    assert_eq!(data["_entities"], Value::Array(expected));
    sg.stop().await
}

async fn migrations_are_idempotent(backend: Backend) -> Result<()> {
    use subgraph_kit::subgraph::Subgraph;
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let before = sg
        .data("{ clientes { paginacion { total } } }", json!({}))
        .await?;
    // Every start migrates: already-applied migrations must be skipped, data kept.
    Clientes.migrate(&sg.db.db, &sg.db.url).await?;
    Clientes.migrate(&sg.db.db, &sg.db.url).await?;
    let after = sg
        .data("{ clientes { paginacion { total } } }", json!({}))
        .await?;
    assert_eq!(before, after);
    sg.stop().await
}

async fn concurrent_first_migrations_do_not_race(backend: Backend) -> Result<()> {
    use subgraph_kit::subgraph::Subgraph;
    // Replicas starting together against one fresh database.
    let db = testkit::TestDb::new(backend).await?;
    let runs = (0..4).map(|_| Clientes.migrate(&db.db, &db.url));
    for result in futures::future::join_all(runs).await {
        result?;
    }
    assert_eq!(clientes::service(db.db.clone()).contar().await?, 0);
    db.drop_db().await
}

on_both_backends!(
    concurrent_first_migrations_do_not_race,
    migrations_are_idempotent,
    register_then_query_back,
    duplicate_email_is_a_conflict_and_writes_nothing,
    concurrent_duplicates_register_once,
    bad_inputs_get_their_codes_and_write_nothing,
    search_ranks_exact_names_above_partial_ones,
    pagination_reports_totals_and_next_page,
    service_sdl_declares_federation_keys,
    entities_batch_is_one_statement_in_order,
);
