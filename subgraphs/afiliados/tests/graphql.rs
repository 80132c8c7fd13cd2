//! The `afiliados` subgraph over HTTP, on SQLite and on PostgreSQL.

use afiliados::Afiliados;
use anyhow::Result;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, error_message, on_both_backends};
use uuid::Uuid;

const CAMPOS: &str = "id nombre email telefono tipo estado documento { tipo numero }
  datosBancarios { banco tipoCuenta numeroCuentaEnmascarado }
  configuracionComisiones { comisionBase comisionPremium minimoPago { valor moneda } }";

fn registrar() -> String {
    format!(
        "mutation($input: RegistrarAfiliadoInput!) {{ registrarAfiliado(input: $input) {{ afiliado {{ {CAMPOS} }} }} }}"
    )
}

const CUENTA: &str = "98765432101";

fn input(nombre: &str, email: &str) -> Value {
    json!({ "input": {
        "nombre": nombre, "email": email, "telefono": "+57 300 123 4567",
        "documento": { "tipo": "CEDULA", "numero": "1234567890" },
        "tipo": "PREMIUM",
        "datosBancarios": { "banco": "Banco Nacional", "tipoCuenta": "AHORROS", "numeroCuenta": CUENTA },
        "configuracionComisiones": { "comisionBase": "15", "comisionPremium": "20.5",
            "minimoPago": { "valor": "50000", "moneda": "COP" } }
    }})
}

async fn register(sg: &TestSubgraph, nombre: &str, email: &str) -> Result<Value> {
    Ok(sg.data(&registrar(), input(nombre, email)).await?["registrarAfiliado"]["afiliado"].clone())
}

async fn total(sg: &TestSubgraph, filtro: &str) -> Result<u64> {
    let query = format!("{{ afiliados{filtro} {{ paginacion {{ total }} }} }}");
    Ok(
        sg.data(&query, json!({})).await?["afiliados"]["paginacion"]["total"]
            .as_u64()
            .unwrap_or(u64::MAX),
    )
}

async fn register_then_query_back_with_masked_account(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let created = register(&sg, "María González", "Maria.Gonzalez@Email.com").await?;
    assert_eq!(created["email"], "maria.gonzalez@email.com");
    assert_eq!(created["estado"], "ACTIVO");
    assert_eq!(
        created["datosBancarios"]["numeroCuentaEnmascarado"],
        "*******2101"
    );
    assert_eq!(
        created["configuracionComisiones"],
        json!({ "comisionBase": "15", "comisionPremium": "20.5",
                "minimoPago": { "valor": "50000", "moneda": "COP" } })
    );
    let query = format!("query($id: ID!) {{ afiliado(id: $id) {{ {CAMPOS} }} }}");
    let body = sg.gql(&query, json!({ "id": created["id"] })).await?;
    assert_eq!(body["data"]["afiliado"], created);
    let listed = sg
        .gql(
            &format!("{{ afiliados {{ items {{ {CAMPOS} }} }} }}"),
            json!({}),
        )
        .await?;
    for text in [body.to_string(), listed.to_string(), created.to_string()] {
        assert!(!text.contains(CUENTA), "full account number leaked: {text}");
    }
    sg.stop().await
}

async fn duplicate_email_is_a_conflict_and_writes_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    register(&sg, "Ana", "ana@example.com").await?;
    let body = sg
        .gql(&registrar(), input("Otra", "ANA@example.com"))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert_eq!(error_message(&body), Some("Email ya existe en el sistema"));
    assert_eq!(total(&sg, "").await?, 1);
    sg.stop().await
}

async fn bad_inputs_get_their_codes_and_write_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let mut cases = Vec::new();
    let mut v = input("Ana", "no-email");
    cases.push((v.clone(), "email"));
    v = input("Ana", "a@example.com");
    v["input"]["configuracionComisiones"]["comisionBase"] = json!("120");
    cases.push((v, "configuracionComisiones.comisionBase"));
    v = input("Ana", "a@example.com");
    v["input"]["documento"]["numero"] = json!("12-34-56");
    cases.push((v, "documento.numero"));
    v = input("Ana", "a@example.com");
    v["input"]["configuracionComisiones"]["minimoPago"] =
        json!({ "valor": "10.5", "moneda": "COP" });
    cases.push((v, "configuracionComisiones.minimoPago"));
    v = input("Ana", "a@example.com");
    v["input"]["configuracionComisiones"]["minimoPago"] = json!({ "valor": "-1", "moneda": "USD" });
    cases.push((v, "configuracionComisiones.minimoPago"));
    v = input("Ana", "a@example.com");
    v["input"]["telefono"] = json!("llámame");
    cases.push((v, "telefono"));
    v = input("Ana", "a@example.com");
    v["input"]["telefono"] = json!("+57 - 300 - 123 - 4567");
    cases.push((v, "telefono"));
    v = input("Ana", "a@example.com");
    v["input"]["datosBancarios"]["numeroCuenta"] = json!("ES12 3456");
    cases.push((v, "datosBancarios.numeroCuenta"));
    for (variables, campo) in cases {
        let body = sg.gql(&registrar(), variables).await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
    }
    // An unknown enum value is refused by GraphQL coercion before the domain: still
    // bad input on its field.
    let mut v = input("Ana", "a@example.com");
    v["input"]["tipo"] = json!("ORO");
    let body = sg.gql(&registrar(), v).await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "tipo", "{body}");
    assert!(
        !error_message(&body).unwrap_or_default().contains("ORO"),
        "{body}"
    );
    // Money never passes through a float: a JSON float is refused, a string is exact.
    let mut v = input("Ana", "a@example.com");
    v["input"]["configuracionComisiones"]["minimoPago"]["valor"] = json!(99.9);
    let body = sg.gql(&registrar(), v).await?;
    assert!(
        error_message(&body).unwrap_or_default().contains("texto"),
        "{body}"
    );
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["campo"], "configuracionComisiones.minimoPago.valor",
        "{body}"
    );
    assert_eq!(total(&sg, "").await?, 0);

    let body = sg
        .gql(
            "{ afiliados(paginacion: {perPage: 1000}) { items { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = sg
        .gql(r#"{ afiliado(id: "xyz") { id } }"#, json!({}))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = sg
        .gql(
            "query($id: ID!) { afiliado(id: $id) { id } }",
            json!({ "id": Uuid::new_v4() }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    let body = sg
        .gql(
            "mutation($id: ID!) { suspenderAfiliado(input: {id: $id}) { afiliado { id } } }",
            json!({ "id": Uuid::new_v4() }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    sg.stop().await
}

async fn lifecycle_and_soft_delete(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let id = register(&sg, "Luis Torres", "luis@example.com").await?["id"].clone();
    register(&sg, "Otro Afiliado", "otro@example.com").await?;
    let change = |m: &str| {
        format!("mutation($id: ID!) {{ {m}(input: {{id: $id}}) {{ afiliado {{ estado }} }} }}")
    };
    let vars = json!({ "id": id });
    let data = sg.data(&change("suspenderAfiliado"), vars.clone()).await?;
    assert_eq!(
        data["suspenderAfiliado"]["afiliado"]["estado"],
        "SUSPENDIDO"
    );
    let body = sg.gql(&change("suspenderAfiliado"), vars.clone()).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert_eq!(total(&sg, "(filtro: {estado: SUSPENDIDO})").await?, 1);
    sg.data(&change("reactivarAfiliado"), vars.clone()).await?;
    let updated = sg
        .data(
            r#"mutation($id: ID!) { actualizarAfiliado(input: {id: $id, telefono: "+57 311 000 1111",
                configuracionComisiones: {comisionBase: "10", comisionPremium: "12.25",
                minimoPago: {valor: "99.90", moneda: USD}}}) {
                afiliado { telefono configuracionComisiones { comisionPremium minimoPago { valor moneda } } } } }"#,
            vars.clone(),
        )
        .await?;
    assert_eq!(
        updated["actualizarAfiliado"]["afiliado"],
        json!({ "telefono": "+57 311 000 1111", "configuracionComisiones": {
            "comisionPremium": "12.25", "minimoPago": { "valor": "99.90", "moneda": "USD" } } })
    );
    let data = sg.data(&change("eliminarAfiliado"), vars.clone()).await?;
    assert_eq!(data["eliminarAfiliado"]["afiliado"]["estado"], "ELIMINADO");
    // Soft delete: hidden from lists and search, still readable, and final.
    assert_eq!(total(&sg, "").await?, 1);
    assert_eq!(total(&sg, "(filtro: {estado: ELIMINADO})").await?, 1);
    let read = sg
        .data(
            "query($id: ID!) { afiliado(id: $id) { estado } }",
            vars.clone(),
        )
        .await?;
    assert_eq!(read["afiliado"]["estado"], "ELIMINADO");
    let found = sg
        .data(
            r#"{ buscarAfiliados(q: "luis") { relevancia } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(found["buscarAfiliados"], json!([]));
    for m in ["reactivarAfiliado", "eliminarAfiliado", "suspenderAfiliado"] {
        let body = sg.gql(&change(m), vars.clone()).await?;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{m}: {body}");
    }
    // Every accepted change left its event in the outbox, in order; refused ones none.
    let events: Vec<(String, String, Value)> = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .filter(|(_, agregado, _)| json!(agregado) == id)
        .collect();
    let tipos: Vec<&str> = events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        tipos,
        [
            "AfiliadoRegistrado.v1",
            "AfiliadoActualizado.v1",
            "AfiliadoActualizado.v1",
            "AfiliadoActualizado.v1",
            "AfiliadoEliminado.v1"
        ]
    );
    let estados: Vec<&Value> = events.iter().map(|(_, _, d)| &d["estado"]).collect();
    assert_eq!(
        estados,
        [
            &json!("ACTIVO"),
            &json!("SUSPENDIDO"),
            &json!("ACTIVO"),
            &json!("ACTIVO"),
            &json!("ELIMINADO")
        ]
    );
    assert_eq!(events[3].2["comisionPremium"], "12.25");
    // The deletion is its own event, with what an update carries (version, state), so a
    // versioned projection applies it like any change.
    assert_eq!(events[4].2["version"], 5, "{:?}", events[4].2);
    assert!(events[4].2["fechaEliminacion"].is_string());
    assert_eq!(events[4].2["minimoPago"], events[3].2["minimoPago"]);
    assert_eq!(
        events[3].2["minimoPago"],
        json!({ "valor": "99.90", "moneda": "USD" })
    );
    sg.stop().await
}

async fn search_ranks_exact_names_above_partial_ones(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    register(&sg, "Juanita Ríos", "juanita@example.com").await?;
    register(&sg, "Juan", "juan@example.com").await?;
    register(&sg, "Pedro Juan Gil", "pedro@example.com").await?;
    let data = sg
        .data(
            r#"{ buscarAfiliados(q: "JUAN") { relevancia afiliado { nombre } } }"#,
            json!({}),
        )
        .await?;
    let names: Vec<&str> = data["buscarAfiliados"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| h["afiliado"]["nombre"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["Juan", "Juanita Ríos", "Pedro Juan Gil"]);
    assert_eq!(data["buscarAfiliados"][0]["relevancia"], 1.0);
    sg.stop().await
}

async fn entities_batch_is_one_statement_in_order(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let mut ids = Vec::new();
    for i in 0..20 {
        let a = register(&sg, &format!("Afiliado {i}"), &format!("a{i}@example.com")).await?;
        ids.push(a["id"].as_str().unwrap_or_default().to_owned());
    }
    let mut representations = Vec::new();
    let mut expected = Vec::new();
    for i in 0..500 {
        if i % 5 == 0 {
            representations.push(json!({ "__typename": "Afiliado", "id": Uuid::new_v4() }));
            expected.push(Value::Null);
        } else {
            let id = &ids[(i * 3) % ids.len()];
            representations.push(json!({ "__typename": "Afiliado", "id": id }));
            expected.push(json!({ "id": id, "estado": "ACTIVO" }));
        }
    }
    sg.db.statements.reset();
    let data = sg
        .data(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Afiliado { id estado } } }",
            json!({ "r": representations }),
        )
        .await?;
    assert_eq!(sg.db.statements.get(), 1, "one SQL statement for the batch");
    assert_eq!(data["_entities"], Value::Array(expected));
    let sdl = sg.data("{ _service { sdl } }", json!({})).await?;
    let sdl = sdl["_service"]["sdl"].as_str().unwrap_or_default();
    assert!(sdl.contains(r#"type Afiliado @key(fields: "id")"#), "{sdl}");
    sg.stop().await
}

async fn migrations_are_idempotent(backend: Backend) -> Result<()> {
    use subgraph_kit::subgraph::Subgraph;
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let before = sg
        .data("{ afiliados { paginacion { total } } }", json!({}))
        .await?;
    // Every start migrates: already-applied migrations must be skipped, data kept.
    Afiliados.migrate(&sg.db.db, &sg.db.url).await?;
    Afiliados.migrate(&sg.db.db, &sg.db.url).await?;
    let after = sg
        .data("{ afiliados { paginacion { total } } }", json!({}))
        .await?;
    assert_eq!(before, after);
    sg.stop().await
}

on_both_backends!(
    migrations_are_idempotent,
    register_then_query_back_with_masked_account,
    duplicate_email_is_a_conflict_and_writes_nothing,
    bad_inputs_get_their_codes_and_write_nothing,
    lifecycle_and_soft_delete,
    search_ranks_exact_names_above_partial_ones,
    entities_batch_is_one_statement_in_order,
);
