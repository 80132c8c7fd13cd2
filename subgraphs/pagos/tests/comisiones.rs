//! Commissions: exactly one per validated conversion, whatever the delivery order or
//! repetition; rates from the projections; approval, refusal and exports.

mod common;

use anyhow::Result;
use common::*;
use serde_json::json;
use testkit::{Backend, error_code, on_both_backends};
use uuid::Uuid;

/// A deterministic shuffle (xorshift), so a failure replays.
fn barajar<T>(items: &mut [T], mut semilla: u64) {
    for i in (1..items.len()).rev() {
        semilla ^= semilla << 13;
        semilla ^= semilla >> 7;
        semilla ^= semilla << 17;
        items.swap(i, (semilla % (i as u64 + 1)) as usize);
    }
}

async fn duplicated_and_shuffled_deliveries_make_one_commission(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let (afiliado, campania, cliente) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let conversion = Uuid::now_v7();
    let validada = conversion_validada(conversion, afiliado, campania, "VENTA", ("1250.50", "USD"));
    let mut eventos = Vec::new();
    // The same event delivered 7 times, and 3 more events about the same conversion.
    for _ in 0..7 {
        eventos.push(validada.clone());
    }
    for _ in 0..3 {
        eventos.push(conversion_validada(
            conversion,
            afiliado,
            campania,
            "VENTA",
            ("1250.50", "USD"),
        ));
    }
    // Other conversions of the same partner, and the facts the rate needs, all mixed.
    let otras: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for otra in &otras {
        eventos.push(conversion_validada(
            *otra,
            afiliado,
            campania,
            "LEAD",
            ("80", "USD"),
        ));
    }
    eventos.push(afiliado_registrado(
        afiliado,
        "PREMIUM",
        "ACTIVO",
        ("50", "USD"),
    ));
    eventos.push(campania_creada(campania, cliente, "2", "10"));
    barajar(&mut eventos, 0x9E37_79B9_7F4A_7C15);

    for evento in &eventos {
        aplicar(db, evento).await?;
    }
    let repetidas = count(
        db,
        "SELECT COUNT(*) AS n FROM (SELECT conversion_id FROM comisiones GROUP BY conversion_id HAVING COUNT(*) > 1) d",
    )
    .await?;
    assert_eq!(repetidas, 0, "no conversion has two commissions");
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM comisiones").await?,
        6,
        "one per conversion"
    );
    let data = sg
        .data(
            "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) {
               ... on Conversion { comision { estado porcentaje montoBase { valor moneda } monto { valor moneda } } } } }",
            json!({ "id": conversion }),
        )
        .await?;
    // PREMIUM 12.5 % beats the campaign's 10 % per sale: 1250.50 × 12.5 % = 156.3125 → 156.31.
    assert_eq!(
        data["_entities"][0]["comision"],
        json!({ "estado": "CALCULADA", "porcentaje": "12.5",
                "montoBase": { "valor": "1250.50", "moneda": "USD" },
                "monto": { "valor": "156.31", "moneda": "USD" } })
    );
    let calculadas = testkit::outbox(db)
        .await?
        .into_iter()
        .filter(|(tipo, _, _)| tipo == "ComisionCalculada.v1")
        .count();
    assert_eq!(calculadas, 6, "one ComisionCalculada per conversion");
    sg.stop().await
}

async fn a_commission_waits_for_its_rates_and_ignores_stale_partner_updates(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let (afiliado, campania, cliente, conversion) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let estado = || async {
        let data = sg
            .data(
                "query { comisiones { items { estado monto { valor } } } }",
                json!({}),
            )
            .await?;
        anyhow::Ok(data["comisiones"]["items"][0].clone())
    };
    aplicar(
        db,
        &conversion_validada(
            conversion,
            afiliado,
            campania,
            "REGISTRO",
            ("200000", "COP"),
        ),
    )
    .await?;
    assert_eq!(
        estado().await?,
        json!({ "estado": "PENDIENTE", "monto": null })
    );
    // A newer partner version arrives before the registration: the registration is stale.
    aplicar(
        db,
        &afiliado_actualizado(afiliado, 3, "BASICO", "ACTIVO", ("100000", "COP")),
    )
    .await?;
    aplicar(
        db,
        &afiliado_registrado(afiliado, "PREMIUM", "ACTIVO", ("1", "COP")),
    )
    .await?;
    assert_eq!(
        estado().await?["estado"],
        "PENDIENTE",
        "the campaign is still unknown"
    );
    aplicar(db, &campania_creada(campania, cliente, "3", "10")).await?;
    // BASICO (version 3) 5 % beats the campaign's 3 % per sign-up: 10000 COP, no decimals.
    assert_eq!(
        estado().await?,
        json!({ "estado": "CALCULADA", "monto": { "valor": "10000" } })
    );
    sg.stop().await
}

async fn approval_and_refusal_follow_the_life_cycle(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    let id = e.comision_aprobada(&sg, "100", "USD").await?;
    let aprobada = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .find(|(tipo, _, _)| tipo == "ComisionAprobada.v1")
        .expect("ComisionAprobada in the outbox");
    assert_eq!(
        aprobada.2,
        json!({ "comisionId": id, "campaniaId": e.campania, "afiliadoId": e.afiliado,
                "monto": { "valor": "12.50", "moneda": "USD" } })
    );
    let again = sg.gql(APROBAR, json!({ "id": id })).await?;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");

    let rechazar = "mutation($id: ID!, $motivo: String!) { rechazarComision(input: {id: $id, motivo: $motivo}) { comision { estado motivoRechazo } } }";
    let conversion = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(conversion, e.afiliado, e.campania, "LEAD", ("40", "USD")),
    )
    .await?;
    let otra = sg
        .data("query($a: ID!) { comisiones(filtro: {afiliadoId: $a, estado: CALCULADA}) { items { id } } }", json!({ "a": e.afiliado }))
        .await?["comisiones"]["items"][0]["id"]
        .clone();
    let vacio = sg
        .gql(rechazar, json!({ "id": otra, "motivo": "  " }))
        .await?;
    assert_eq!(error_code(&vacio), Some("BAD_USER_INPUT"));
    assert_eq!(vacio["errors"][0]["extensions"]["campo"], "motivo");
    let hecho = sg
        .data(
            rechazar,
            json!({ "id": otra, "motivo": "Tráfico fraudulento" }),
        )
        .await?;
    assert_eq!(
        hecho["rechazarComision"]["comision"],
        json!({ "estado": "RECHAZADA", "motivoRechazo": "Tráfico fraudulento" })
    );
    let desconocida = sg.gql(APROBAR, json!({ "id": Uuid::now_v7() })).await?;
    assert_eq!(error_code(&desconocida), Some("NOT_FOUND"));
    let mala = sg.gql(APROBAR, json!({ "id": "no-es-uuid" })).await?;
    assert_eq!(error_code(&mala), Some("BAD_USER_INPUT"));
    sg.stop().await
}

async fn exports_are_json_or_escaped_csv(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let conversion = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(conversion, e.afiliado, e.campania, "VENTA", ("10", "USD")),
    )
    .await?;
    let id = sg
        .data("query($a: ID!) { comisiones(filtro: {afiliadoId: $a, estado: CALCULADA}) { items { id } } }", json!({ "a": e.afiliado }))
        .await?["comisiones"]["items"][0]["id"]
        .clone();
    sg.data(
        "mutation($id: ID!) { rechazarComision(input: {id: $id, motivo: \"=1+1, \\\"dudoso\\\"\"}) { comision { id } } }",
        json!({ "id": id }),
    )
    .await?;
    let exportar = "query($f: FormatoExportacion!, $a: ID!) { exportarComisiones(formato: $f, filtro: {afiliadoId: $a}) {
      formato filas tipoContenido nombreArchivo contenido } }";
    let csv = sg
        .data(exportar, json!({ "f": "CSV", "a": e.afiliado }))
        .await?["exportarComisiones"]
        .clone();
    assert_eq!(csv["filas"], 2);
    assert_eq!(csv["tipoContenido"], "text/csv; charset=utf-8");
    let texto = csv["contenido"].as_str().expect("content");
    let lineas: Vec<&str> = texto.trim_end().split("\r\n").collect();
    assert_eq!(lineas.len(), 3, "{texto}");
    assert!(lineas[0].starts_with("id,conversionId,afiliadoId,campaniaId,tipoConversion,montoBase,moneda,porcentaje,monto,estado,motivoRechazo"));
    assert!(
        texto.contains(",RECHAZADA,\"'=1+1, \"\"dudoso\"\"\","),
        "{texto}"
    );
    assert!(
        texto.contains(",100.00,USD,12.5,12.50,APROBADA,,"),
        "{texto}"
    );
    let json_doc = sg
        .data(exportar, json!({ "f": "JSON", "a": e.afiliado }))
        .await?["exportarComisiones"]["contenido"]
        .clone();
    let filas: serde_json::Value = serde_json::from_str(json_doc.as_str().expect("json"))?;
    assert_eq!(filas.as_array().map(Vec::len), Some(2));
    assert_eq!(filas[1]["monto"], "12.50");
    sg.stop().await
}

async fn malformed_events_change_nothing(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let mut negativa = conversion_validada(
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        "VENTA",
        ("-5", "USD"),
    );
    let mut decimales = conversion_validada(
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        "VENTA",
        ("5.5", "COP"),
    );
    let mut tipo = conversion_validada(
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        "REGALO",
        ("5", "USD"),
    );
    for evento in [&mut negativa, &mut decimales, &mut tipo] {
        assert!(
            aplicar(db, evento).await.is_err(),
            "{} must be refused",
            evento.datos
        );
    }
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM comisiones").await?, 0);
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM event_inbox").await?,
        0,
        "a refused event is not marked applied"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM event_outbox").await?,
        0
    );
    sg.stop().await
}

async fn a_commission_and_its_rates_arriving_together_are_always_calculated(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    // Each round: the conversion, the partner and the campaign, applied concurrently by
    // their three consumers (each in its own transaction), as the bus delivers them.
    for _ in 0..25 {
        let (afiliado, campania, cliente) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let eventos = [
            conversion_validada(Uuid::now_v7(), afiliado, campania, "VENTA", ("100", "USD")),
            afiliado_registrado(afiliado, "BASICO", "ACTIVO", ("1", "USD")),
            campania_creada(campania, cliente, "2", "10"),
        ];
        let aplicados = futures::future::join_all(eventos.iter().map(|e| aplicar(db, e))).await;
        for aplicado in aplicados {
            aplicado?;
        }
    }
    let pendientes = count(
        db,
        "SELECT COUNT(*) AS n FROM comisiones WHERE estado = 'PENDIENTE'",
    )
    .await?;
    assert_eq!(
        pendientes, 0,
        "no commission is left waiting for facts already recorded"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM comisiones WHERE estado = 'CALCULADA'"
        )
        .await?,
        25
    );
    sg.stop().await
}

const AUDITORIA: &str = "query($id: ID!) { comision(id: $id) { estado motivoRechazo
  auditoria { evento actor detalle comentarios metadatos { nivelAprobacion politicaAplicada } } } }";

async fn reviews_keep_their_comments_in_the_audit_trail(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    let calculadas = async |n: usize| {
        for _ in 0..n {
            aplicar(
                &sg.db.db,
                &conversion_validada(
                    Uuid::now_v7(),
                    e.afiliado,
                    e.campania,
                    "VENTA",
                    ("100", "USD"),
                ),
            )
            .await?;
        }
        let data = sg
            .data(
                "query($a: ID!) { comisiones(filtro: {afiliadoId: $a, estado: CALCULADA}) { items { id } } }",
                json!({ "a": e.afiliado }),
            )
            .await?;
        anyhow::Ok(
            data["comisiones"]["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["id"].clone())
                .collect::<Vec<_>>(),
        )
    };
    let ids = calculadas(2).await?;
    let ana = testkit::claims_de("ana", "lectura escritura admin");
    let aprobar = "mutation($input: AprobarComisionInput!) { aprobarComision(input: $input) { comision { id estado } } }";
    let rechazar = "mutation($input: RechazarComisionInput!) { rechazarComision(input: $input) { comision { id estado } } }";
    // Bad words are refused, naming the field, and write nothing.
    let antes = testkit::outbox(&sg.db.db).await?.len();
    for (input, campo, enviado) in [
        (
            json!({ "id": ids[0], "comentarios": "x".repeat(1001) }),
            "comentarios",
            "x".repeat(1001),
        ),
        (
            json!({ "id": ids[0], "metadatos": { "nivelAprobacion": "n".repeat(65) } }),
            "metadatos.nivelAprobacion",
            "n".repeat(65),
        ),
        (
            json!({ "id": ids[0], "metadatos": { "politicaAplicada": "mala\u{0}politica" } }),
            "metadatos.politicaAplicada",
            "mala\u{0}politica".to_owned(),
        ),
    ] {
        let body = sg
            .gql_as(Some(&ana), aprobar, json!({ "input": input }))
            .await?;
        testkit::bad_user_input(&body, campo, &enviado)?;
    }
    let body = sg
        .gql_as(
            Some(&ana),
            rechazar,
            json!({ "input": { "id": ids[1], "motivo": "Fraude", "comentarios": "y".repeat(1001) } }),
        )
        .await?;
    testkit::bad_user_input(&body, "comentarios", &"y".repeat(1001))?;
    assert_eq!(
        testkit::outbox(&sg.db.db).await?.len(),
        antes,
        "nothing written"
    );

    // The seeds' approval: comments and metadata, kept with the reviewer.
    let data = sg
        .gql_as(
            Some(&ana),
            aprobar,
            json!({ "input": { "id": ids[0], "comentarios": "Comisión aprobada automáticamente",
                    "metadatos": { "nivelAprobacion": "automatico", "politicaAplicada": "estandar" } } }),
        )
        .await?;
    assert_eq!(
        data["data"]["aprobarComision"]["comision"]["estado"], "APROBADA",
        "{data}"
    );
    let data = sg
        .gql_as(
            Some(&ana),
            rechazar,
            json!({ "input": { "id": ids[1], "motivo": "Tráfico fraudulento", "comentarios": "Revisado con el anunciante" } }),
        )
        .await?;
    assert_eq!(
        data["data"]["rechazarComision"]["comision"]["estado"], "RECHAZADA",
        "{data}"
    );
    let aprobada = sg.data(AUDITORIA, json!({ "id": ids[0] })).await?;
    assert_eq!(
        aprobada["comision"]["auditoria"],
        json!([{ "evento": "ComisionCalculada", "actor": "system",
                 "detalle": "porcentaje 12.5%, base 100.00 USD, monto 12.50 USD",
                 "comentarios": null, "metadatos": null },
               { "evento": "ComisionAprobada", "actor": "ana", "detalle": "monto 12.50 USD",
                 "comentarios": "Comisión aprobada automáticamente",
                 "metadatos": { "nivelAprobacion": "automatico", "politicaAplicada": "estandar" } }])
    );
    let rechazada = sg.data(AUDITORIA, json!({ "id": ids[1] })).await?;
    assert_eq!(
        rechazada["comision"]["auditoria"],
        json!([{ "evento": "ComisionCalculada", "actor": "system",
                 "detalle": "porcentaje 12.5%, base 100.00 USD, monto 12.50 USD",
                 "comentarios": null, "metadatos": null },
               { "evento": "ComisionRechazada", "actor": "ana", "detalle": "motivo: Tráfico fraudulento",
                 "comentarios": "Revisado con el anunciante", "metadatos": null }])
    );
    // The events carry the comments too.
    let eventos = testkit::outbox(&sg.db.db).await?;
    let datos = |tipo: &str| {
        eventos
            .iter()
            .rev()
            .find(|(t, _, _)| t == tipo)
            .map(|(_, _, d)| d.clone())
            .expect("event in the outbox")
    };
    assert_eq!(
        datos("ComisionAprobada.v1")["comentarios"],
        "Comisión aprobada automáticamente"
    );
    assert_eq!(
        datos("ComisionAprobada.v1")["metadatos"]["politicaAplicada"],
        "estandar"
    );
    assert_eq!(
        datos("ComisionRechazada.v1")["comentarios"],
        "Revisado con el anunciante"
    );
    // A refused transition adds no audit line; a batch of commissions loads its trails
    // in one statement.
    let again = sg
        .gql_as(
            Some(&ana),
            aprobar,
            json!({ "input": { "id": ids[0], "comentarios": "otra vez" } }),
        )
        .await?;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    let lote = sg
        .data(
            r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Comision { auditoria { evento } } } }"#,
            json!({ "r": [ { "__typename": "Comision", "id": ids[0] }, { "__typename": "Comision", "id": ids[1] } ] }),
        )
        .await?;
    assert_eq!(
        lote["_entities"],
        json!([{ "auditoria": [{ "evento": "ComisionCalculada" }, { "evento": "ComisionAprobada" }] },
               { "auditoria": [{ "evento": "ComisionCalculada" }, { "evento": "ComisionRechazada" }] }])
    );
    sg.stop().await
}

on_both_backends!(
    a_commission_and_its_rates_arriving_together_are_always_calculated,
    duplicated_and_shuffled_deliveries_make_one_commission,
    a_commission_waits_for_its_rates_and_ignores_stale_partner_updates,
    approval_and_refusal_follow_the_life_cycle,
    reviews_keep_their_comments_in_the_audit_trail,
    exports_are_json_or_escaped_csv,
    malformed_events_change_nothing,
);
