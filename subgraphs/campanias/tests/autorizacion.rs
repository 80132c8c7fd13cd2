//! The subgraph enforces the authorization model itself (claims in `x-gateway-claims`):
//! campaigns are changed only with `escritura` and never by a partner user, and a partner
//! user reading a campaign's history sees no other partner's commissions.

use anyhow::Result;
use campanias::{
    Campanias,
    application::consumers::{COMISION_APROBADA, GastoPorComision},
};
use chrono::Utc;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::{EventHandler, inbox},
};
use testkit::{
    Backend, TestSubgraph, claims_afiliado, claims_de, error_code, on_both_backends, outbox,
};
use uuid::Uuid;

const CREAR: &str = "mutation($input: CrearCampaniaInput!) { crearCampania(input: $input) { campania { id version } } }";

fn input(nombre: &str) -> Value {
    json!({ "input": {
        "clienteId": Uuid::new_v4(), "nombre": nombre, "tipo": "PROMOCIONAL", "canales": ["WEB"],
        "configuracionComisiones": { "porConversion": "10", "porVenta": "10", "bonusObjetivos": "0" },
        "fechaInicio": "2026-11-24T00:00:00Z", "fechaFin": "2027-11-27T23:59:59Z",
        "presupuesto": { "valor": "1000.00", "moneda": "USD" }
    }})
}

/// Delivers an approved commission of `afiliado` as the event-bus runtime does.
async fn comision_aprobada(db: &DatabaseConnection, campania: &str, afiliado: Uuid) -> Result<()> {
    let comision = Uuid::now_v7();
    let event = EventEnvelope {
        id: Uuid::now_v7(),
        tipo: COMISION_APROBADA.to_owned(),
        agregado_id: comision.to_string(),
        ocurrido_en: Utc::now(),
        datos: json!({
            "comisionId": comision, "campaniaId": campania, "afiliadoId": afiliado,
            "monto": { "valor": "10", "moneda": "USD" }
        }),
    };
    let handler = GastoPorComision::default();
    let txn = db.begin().await?;
    if inbox::record(&txn, handler.consumer(), event.id).await? {
        handler.handle(&txn, &event).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn campaigns_change_only_with_escritura_and_never_by_a_partner(
    backend: Backend,
) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = sg.data(CREAR, input("Base")).await?["crearCampania"]["campania"]["id"].clone();
    let antes = outbox(&sg.db.db).await?.len();
    let socio = json!({ "sub": "s", "scope": "lectura escritura", "role": "afiliado", "afiliado_id": Uuid::new_v4() });
    let lector = claims_de("lector", "lectura");
    let activar =
        "mutation($id: ID!) { activarCampania(input: {id: $id}) { campania { estado } } }";
    for (claims, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(&lector), "FORBIDDEN"),
        (Some(&socio), "FORBIDDEN"),
    ] {
        let body = sg.gql_as(claims, CREAR, input("Otra")).await?;
        assert_eq!(error_code(&body), Some(code), "{body}");
        let body = sg.gql_as(claims, activar, json!({ "id": id })).await?;
        assert_eq!(error_code(&body), Some(code), "{body}");
    }
    assert_eq!(outbox(&sg.db.db).await?.len(), antes, "nothing written");
    let body = sg
        .gql_as(
            Some(&claims_de("operador", "lectura escritura")),
            activar,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        body["data"]["activarCampania"]["campania"]["estado"], "ACTIVA",
        "{body}"
    );
    sg.stop().await
}

async fn a_partner_sees_no_other_partners_commissions_in_a_history(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = sg.data(CREAR, input("Compartida")).await?["crearCampania"]["campania"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    sg.data(
        "mutation($id: ID!) { activarCampania(input: {id: $id}) { campania { id } } }",
        json!({ "id": id }),
    )
    .await?;
    let (propio, otro) = (Uuid::new_v4(), Uuid::new_v4());
    comision_aprobada(&sg.db.db, &id, propio).await?;
    comision_aprobada(&sg.db.db, &id, otro).await?;
    let query = "query($id: ID!) { campania(id: $id) { historial { tipo datos } } }";
    let todos = sg.data(query, json!({ "id": id })).await?;
    let de = |body: &Value, afiliado: Uuid| {
        body["campania"]["historial"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter(|e| e["datos"]["afiliadoId"] == afiliado.to_string())
                    .count()
            })
            .unwrap_or_default()
    };
    assert_eq!((de(&todos, propio), de(&todos, otro)), (1, 1), "{todos}");
    let body = sg
        .gql_as(
            Some(&claims_afiliado(&propio.to_string())),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        (de(&body["data"], propio), de(&body["data"], otro)),
        (1, 0),
        "{body}"
    );
    sg.stop().await
}

on_both_backends!(
    campaigns_change_only_with_escritura_and_never_by_a_partner,
    a_partner_sees_no_other_partners_commissions_in_a_history,
);
