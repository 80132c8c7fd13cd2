//! The seeds' REST endpoints, served by the embedded gateway: each runs one of the
//! persisted operations in `operations/` and answers in the old JSON shape (snake_case
//! keys, `pagination`, `agregaciones`), so an old frontend or integration keeps working.
//! The BFF's routes are here; the old services' own endpoints in [`services`].

pub(crate) mod outbox;
mod services;

use gateway::config::{RestHealth, RestMetrics, RestRoute};

/// A GET route.
fn route(path: &str, operation: &str, variables: &[(&str, &str)], response: &str) -> RestRoute {
    write("GET", path, operation, variables, 200, response)
}

/// A route of any method answering `status` on success.
fn write(
    method: &str,
    path: &str,
    operation: &str,
    variables: &[(&str, &str)],
    status: u16,
    response: &str,
) -> RestRoute {
    RestRoute {
        method: Some(method.to_owned()),
        path: path.to_owned(),
        operation: Some(operation.to_owned()),
        variables: variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        status: Some(status),
        response: Some(response.to_owned()),
        ..RestRoute::default()
    }
}

/// The BFF's `pagination` object from a page's `paginacion`.
const PAGINATION: &str = r#"{ "page": "$.page", "per_page": "$.perPage", "total": "$.total",
  "pages": "$.pages", "has_next": "$.hasNextPage", "has_prev": { "$gt": ["$.page", 1] } }"#;

/// [`PAGINATION`] of the page at `at` (`clientes.paginacion`).
fn pagination(at: &str) -> String {
    PAGINATION.replace("\"$.", &format!("\"$.{at}."))
}

/// The seeds' English payout states, and `COMPLETADO`, accepted for ours.
const ESTADO_PAGO: &str = "query.estado:enum(PENDING=PENDIENTE,PROCESSING=PROCESANDO,COMPLETED=EXITOSO,COMPLETADO=EXITOSO,FAILED=FALLIDO)";

/// The seeds' English campaign states accepted for ours.
const ESTADO_CAMPANIA: &str =
    "query.estado:enum(CREATED=CREADA,ACTIVE=ACTIVA,PAUSED=PAUSADA,COMPLETED=COMPLETADA)";

/// `?pii=false`: the routes answer without personal fields (e-mail, cédula, payment
/// data), for callers whose token lacks the scope `pii` (or `admin`); with them by default.
const PII: (&str, &str) = ("pii", "query.pii:bool");

const PAGE: [(&str, &str); 2] = [
    ("paginacion.page", "query.page:int"),
    ("paginacion.perPage", "query.per_page:int"),
];

/// Every route: the BFF's, then the old services', then the one the launcher serves itself
/// (documented only).
pub(crate) fn routes() -> Vec<RestRoute> {
    let mut routes = bff();
    routes.extend(services::routes());
    routes.push(outbox::route());
    routes
}

/// The BFF's routes, in the order of its documentation.
fn bff() -> Vec<RestRoute> {
    vec![
        route(
            "/api/v1/dashboard",
            include_str!("../../operations/Dashboard.graphql"),
            &[PII],
            r#"{
              "total_clientes": "$.clientes.paginacion.total",
              "total_afiliados": "$.afiliados.paginacion.total",
              "total_campanias": "$.campanias.paginacion.total",
              "total_conversiones": "$.conversiones.paginacion.total",
              "total_pagos": "$.pagos.paginacion.total",
              "agregaciones_pagos": { "total_monto": "$.pagos.agregaciones.totalMonto",
                "pagos_completados": "$.pagos.agregaciones.completados",
                "pagos_pendientes": "$.pagos.agregaciones.pendientes",
                "pagos_fallidos": "$.pagos.agregaciones.fallidos" },
              "pagos_recientes": { "$each": "$.pagos.items", "$map": { "id": "$.id",
                "partner_id": "$.afiliado.id", "monto": "$.montoTotal.valor",
                "moneda": "$.montoTotal.moneda", "estado": "$.estado", "fecha": "$.fechaCreacion" } },
              "clientes_recientes": { "$each": "$.clientes.items", "$map": { "id": "$.id",
                "nombre": "$.nombre", "email": "$.email" } }
            }"#,
        ),
        route(
            "/api/v1/clientes",
            include_str!("../../operations/Clientes.graphql"),
            &[
                PII,
                PAGE[0],
                PAGE[1],
                ("filtro.busqueda", "query.search"),
                ("filtro.ordenarPor", "query.sort_by:enum"),
                ("filtro.orden", "query.sort_order:enum"),
            ],
            &format!(
                r#"{{ "data": {{ "$each": "$.clientes.items", "$map": {{ "id": "$.id", "nombre": "$.nombre",
                  "email": "$.email", "fecha_registro": "$.fechaRegistro", "total_pagos": "$.totalPagos",
                  "ultimo_pago": "$.ultimoPago.fechaCreacion" }} }},
                  "pagination": {} }}"#,
                pagination("clientes.paginacion")
            ),
        ),
        route(
            "/api/v1/clientes/{id}",
            include_str!("../../operations/ClienteDetalle.graphql"),
            &[("id", "path.id"), PII],
            r#"{
              "cliente": { "id": "$.cliente.id", "nombre": "$.cliente.nombre", "email": "$.cliente.email",
                "cedula": "$.cliente.cedula", "fecha_registro": "$.cliente.fechaRegistro" },
              "estadisticas": { "total_pagos": "$.cliente.totalPagos",
                "ultimo_pago": "$.cliente.ultimoPago.fechaCreacion" },
              "pagos_recientes": { "$each": "$.cliente.pagosRecientes", "$map": { "id": "$.id",
                "monto": "$.montoTotal.valor", "moneda": "$.montoTotal.moneda", "fecha": "$.fechaCreacion",
                "estado": "$.estado" } },
              "campanias_activas": { "$each": "$.cliente.campaniasActivas", "$map": { "id": "$.id",
                "nombre": "$.nombre", "estado": "$.estado" } }
            }"#,
        ),
        route(
            "/api/v1/pagos",
            include_str!("../../operations/Pagos.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.afiliadoId", "query.partner_id"),
                ("filtro.estado", ESTADO_PAGO),
                ("filtro.desde", "query.fecha_desde"),
                ("filtro.hasta", "query.fecha_hasta"),
                ("filtro.montoMin", "query.monto_min:decimal"),
                ("filtro.montoMax", "query.monto_max:decimal"),
            ],
            &format!(
                r#"{{ "data": {{ "$each": "$.pagos.items", "$map": {{ "id": "$.id", "partner_id": "$.afiliado.id",
                  "cycle_id": "$.ciclo", "monto": "$.montoTotal.valor", "moneda": "$.montoTotal.moneda",
                  "estado": "$.estado", "fecha_creacion": "$.fechaCreacion", "fecha_completado": "$.fechaCompletado" }} }},
                  "pagination": {},
                  "agregaciones": {{ "total_monto": "$.pagos.agregaciones.totalMonto",
                    "pagos_completados": "$.pagos.agregaciones.completados",
                    "pagos_pendientes": "$.pagos.agregaciones.pendientes",
                    "pagos_fallidos": "$.pagos.agregaciones.fallidos" }} }}"#,
                pagination("pagos.paginacion")
            ),
        ),
        route(
            "/api/v1/pagos/{id}",
            include_str!("../../operations/PagoDetalle.graphql"),
            &[("id", "path.id"), PII],
            r#"{
              "pago": { "id": "$.pago.id", "partner_id": "$.pago.afiliado.id", "cycle_id": "$.pago.ciclo",
                "monto": "$.pago.montoTotal.valor", "moneda": "$.pago.montoTotal.moneda", "estado": "$.pago.estado",
                "metodo_pago": "$.pago.metodoPago", "confirmacion": "$.pago.confirmacion",
                "fecha_creacion": "$.pago.fechaCreacion", "fecha_actualizacion": "$.pago.fechaActualizacion",
                "fecha_completado": "$.pago.fechaCompletado" },
              "transacciones": { "$each": "$.pago.transacciones", "$map": { "id": "$.id", "tipo": "$.tipo",
                "monto": "$.monto.valor", "moneda": "$.monto.moneda", "descripcion": "$.descripcion",
                "referencia": "$.referencia" } },
              "auditoria": { "eventos": { "$each": "$.pago.auditoria", "$map": { "timestamp": "$.fecha",
                "evento": "$.evento", "usuario": "$.actor", "detalle": "$.detalle" } } }
            }"#,
        ),
        route(
            "/api/v1/campanias",
            include_str!("../../operations/Campanias.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.estado", ESTADO_CAMPANIA),
                ("filtro.clienteId", "query.cliente_id"),
            ],
            &format!(
                r#"{{ "data": {{ "$each": "$.campanias.items", "$map": {{ "id": "$.id", "nombre": "$.nombre",
                  "cliente_id": "$.cliente.id", "cliente_nombre": "$.cliente.nombre", "estado": "$.estado",
                  "fecha_inicio": "$.fechaInicio", "fecha_fin": "$.fechaFin",
                  "presupuesto": "$.presupuesto.valor", "gasto_actual": "$.gastoActual.valor",
                  "moneda": "$.presupuesto.moneda" }} }},
                  "pagination": {} }}"#,
                pagination("campanias.paginacion")
            ),
        ),
        route(
            "/api/v1/search",
            include_str!("../../operations/Busqueda.graphql"),
            &[
                ("q", "query.q"),
                ("limite", "query.limit:int=5"),
                PII,
                // `type=cliente|afiliado|campania|conversion|pago|all`: one kind, or all.
                ("clientes", "query.type:oneof(cliente,all)"),
                ("afiliados", "query.type:oneof(afiliado,all)"),
                ("campanias", "query.type:oneof(campania,all)"),
                ("conversiones", "query.type:oneof(conversion,all)"),
                ("pagos", "query.type:oneof(pago,all)"),
            ],
            r#"{
              "query": { "$param": "q" },
              "total_results": { "$sum": [{ "$count": "$.clientes" }, { "$count": "$.afiliados" },
                { "$count": "$.campanias" }, { "$count": "$.conversiones" }, { "$count": "$.pagos" }] },
              "results": {
                "clientes": { "$each": "$.clientes", "$map": { "id": "$.cliente.id", "tipo": "cliente",
                  "nombre": "$.cliente.nombre", "email": "$.cliente.email", "relevancia": "$.relevancia" } },
                "afiliados": { "$each": "$.afiliados", "$map": { "id": "$.afiliado.id", "tipo": "afiliado",
                  "nombre": "$.afiliado.nombre", "estado": "$.afiliado.estado", "relevancia": "$.relevancia" } },
                "campanias": { "$each": "$.campanias", "$map": { "id": "$.campania.id", "tipo": "campania",
                  "nombre": "$.campania.nombre", "cliente": "$.campania.cliente.nombre",
                  "estado": "$.campania.estado", "relevancia": "$.relevancia" } },
                "conversiones": { "$each": "$.conversiones", "$map": { "id": "$.conversion.id",
                  "tipo": "conversion", "referencia": "$.conversion.referenciaExterna",
                  "estado": "$.conversion.estado", "valor": "$.conversion.valor", "relevancia": "$.relevancia" } },
                "pagos": { "$each": "$.pagos", "$map": { "id": "$.pago.id", "tipo": "pago",
                  "partner_id": "$.pago.afiliado.id", "cycle_id": "$.pago.ciclo", "estado": "$.pago.estado",
                  "monto": "$.pago.montoTotal.valor", "moneda": "$.pago.montoTotal.moneda",
                  "fecha": "$.pago.fechaCreacion", "relevancia": "$.relevancia" } }
              }
            }"#,
        ),
    ]
}

/// The BFF's `GET /api/v1/health`: every subgraph under the seed's service name, and this
/// platform's version.
pub(crate) fn health() -> RestHealth {
    RestHealth {
        path: Some("/api/v1/health".to_owned()),
        version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        services: [
            ("clientes", "cliente_service"),
            ("afiliados", "afiliados_service"),
            ("campanias", "campanias_service"),
            ("conversiones", "conversiones_service"),
            ("pagos", "pagos_service"),
        ]
        .into_iter()
        .map(|(name, key)| (name.to_owned(), key.to_owned()))
        .collect(),
    }
}

/// The old system's JSON metrics (`count`, `errors`, `p50`, `p95`, `p99`), beside the
/// gateway's Prometheus `/metrics` (which also answers them to `Accept: application/json`).
pub(crate) fn metrics() -> RestMetrics {
    RestMetrics {
        path: Some("/api/v1/metrics".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_checks_and_its_operation_validates() {
        let supergraph = crate::schema::supergraph().expect("composes");
        let mut config = gateway::config::GatewayConfig::default();
        config.rest.routes = super::routes();
        config.rest.health = super::health();
        config.rest.metrics = super::metrics();
        config.validate().expect("configuration valid");
        gateway::startup::check_rest_routes(&config).expect("routes valid");
        let engine = gateway::startup::engine_from_config(&supergraph, &config).expect("engine");
        let documents: Vec<String> = config
            .rest
            .routes
            .iter()
            .filter_map(|r| r.operation.clone())
            .collect();
        assert_eq!(
            engine.warm(&documents),
            documents.len(),
            "each operation validates and plans"
        );
    }
}
