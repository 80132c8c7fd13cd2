//! The old services' own endpoints (clientes, pagos, campaigns, reports, event collector,
//! partners, conversions, commissions) as the seeds document them: request bodies in their
//! field names (amounts as the client wrote them, English or lower-case state names
//! accepted), answers in their shapes, and the documented success statuses (201 created,
//! 202 accepted).

use gateway::config::RestRoute;

use super::{ESTADO_CAMPANIA, ESTADO_PAGO, PAGE, PII, pagination, route, write};

/// The old payment-method names, and ours.
const METODO_PAGO: &str = "body.payment_method_type:enum(CREDIT_CARD=TARJETA_CREDITO,CARD=TARJETA_CREDITO,\
     BANK_TRANSFER=TRANSFERENCIA_BANCARIA,TRANSFER=TRANSFERENCIA_BANCARIA,\
     WALLET=BILLETERA_DIGITAL,DIGITAL_WALLET=BILLETERA_DIGITAL)";

/// The seeds' `metadatos` object (`{"utm_source": "google"}`) as the inputs' list of
/// `{clave, valor}`.
const METADATOS: &str = "body.metadatos:entries(clave,valor)";

/// Commissions since `fecha_desde`, or over the seeds' `periodo` (`30d`: the last 30 days,
/// up to a year).
const DESDE_COMISIONES: &str = "query.fecha_desde | query.periodo:ago(365d)";

/// A payout as the old pagos service answered it.
const PAGO: &str = r#"{ "id": "$.pago.id", "partner_id": "$.pago.afiliado.id", "cycle_id": "$.pago.ciclo",
  "estado": "$.pago.estado", "monto_total": { "valor": "$.pago.montoTotal.valor",
  "moneda": "$.pago.montoTotal.moneda" }, "metodo_pago": "$.pago.metodoPago",
  "confirmacion": "$.pago.confirmacion", "fecha_creacion": "$.pago.fechaCreacion",
  "fecha_actualizacion": "$.pago.fechaActualizacion", "fecha_completado": "$.pago.fechaCompletado" }"#;

/// A campaign as the old campaign services answered it (`$.x` is the campaign).
const CAMPANIA: &str = r#"{ "id": "$.x.id", "nombre": "$.x.nombre", "descripcion": "$.x.descripcion",
  "estado": "$.x.estado", "tipo_campana": "$.x.tipo", "canales": "$.x.canales",
  "cliente_id": "$.x.cliente.id", "cliente_nombre": "$.x.cliente.nombre",
  "fecha_inicio": "$.x.fechaInicio", "fecha_fin": "$.x.fechaFin",
  "presupuesto": "$.x.presupuesto.valor", "gasto_actual": "$.x.gastoActual.valor",
  "moneda": "$.x.presupuesto.moneda", "version": "$.x.version" }"#;

/// The bindings of a campaign's creation from the seeds' body (`POST /api/v1/campanas`);
/// `cliente` names the body field holding the advertiser's id.
fn crear_campania(cliente: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("input.id", "body.id"),
        ("input.clienteId", cliente),
        ("input.nombre", "body.nombre"),
        ("input.descripcion", "body.descripcion"),
        ("input.tipo", "body.tipo_campana:enum"),
        ("input.canales", "body.canales:enum"),
        (
            "input.segmentacion.edadMinima",
            "body.segmentacion.edad_minima:int",
        ),
        (
            "input.segmentacion.edadMaxima",
            "body.segmentacion.edad_maxima:int",
        ),
        (
            "input.segmentacion.ubicaciones",
            "body.segmentacion.ubicaciones",
        ),
        (
            "input.configuracionComisiones.porConversion",
            "body.configuracion_comisiones.comision_conversion:decimal",
        ),
        (
            "input.configuracionComisiones.porVenta",
            "body.configuracion_comisiones.comision_venta:decimal",
        ),
        (
            "input.configuracionComisiones.bonusObjetivos",
            "body.configuracion_comisiones.bonus_objetivos:decimal=0",
        ),
        ("input.fechaInicio", "body.fecha_inicio"),
        ("input.fechaFin", "body.fecha_fin"),
        ("input.presupuesto.valor", "body.presupuesto:decimal"),
        ("input.presupuesto.moneda", "body.moneda:enum"),
    ]
}

/// Every old service endpoint, service by service in the seeds' order.
pub(super) fn routes() -> Vec<RestRoute> {
    let campania = |at: &str| CAMPANIA.replace("$.x.", &format!("$.{at}."));
    let registrar_cliente = [
        ("input.id", "body.id"),
        ("input.nombre", "body.nombre"),
        ("input.email", "body.email"),
        ("input.cedula", "body.cedula"),
        ("input.fechaNacimiento", "body.fecha_nacimiento:date"),
    ];
    let pagar = [
        ("input.idempotencyKey", "body.confirmation_id"),
        ("input.afiliadoId", "body.partner_id"),
        ("input.ciclo", "body.cycle_id"),
        ("input.moneda", "body.currency:enum"),
        ("input.metodoPago.tipo", METODO_PAGO),
        ("input.metodoPago.mascara", "body.payment_method_mask"),
    ];
    let pago_aceptado = r#"{ "id": "$.pagar.pago.id", "estado": "$.pagar.pago.estado" }"#;
    let reporte_pagos = [
        ("filtro.desde", "query.fecha_desde"),
        ("filtro.hasta", "query.fecha_hasta"),
        ("filtro.afiliadoId", "query.partner_id"),
        ("filtro.estado", ESTADO_PAGO),
    ];
    let mut routes = vec![
        // Clientes.
        write(
            "POST",
            "/cliente/registrar",
            include_str!("../../operations/RegistrarCliente.graphql"),
            &registrar_cliente,
            201,
            r#"{ "id": "$.registrarCliente.cliente.id", "nombre": "$.registrarCliente.cliente.nombre",
              "email": "$.registrarCliente.cliente.email", "cedula": "$.registrarCliente.cliente.cedula",
              "fecha_nacimiento": "$.registrarCliente.cliente.fechaNacimiento" }"#,
        ),
        route(
            "/cliente/{cliente_id}",
            include_str!("../../operations/Cliente.graphql"),
            &[("id", "path.cliente_id")],
            r#"{ "id": "$.cliente.id", "nombre": "$.cliente.nombre", "email": "$.cliente.email",
              "fecha_registro": "$.cliente.fechaRegistro", "total_pagos": "$.cliente.totalPagos",
              "ultimo_pago": "$.cliente.ultimoPago.fechaCreacion" }"#,
        ),
        write(
            "POST",
            "/api/v1/clientes",
            include_str!("../../operations/RegistrarCliente.graphql"),
            &registrar_cliente,
            201,
            r#"{ "id": "$.registrarCliente.cliente.id", "nombre": "$.registrarCliente.cliente.nombre",
              "email": "$.registrarCliente.cliente.email", "cedula": "$.registrarCliente.cliente.cedula",
              "fecha_nacimiento": "$.registrarCliente.cliente.fechaNacimiento",
              "fecha_registro": "$.registrarCliente.cliente.fechaRegistro" }"#,
        ),
        // Pagos: the amount is the partner's approved commissions, never the client's
        // figure; `confirmation_id` is the idempotency key (the same one, the same payout).
        write(
            "POST",
            "/pagos/pagar",
            include_str!("../../operations/Pagar.graphql"),
            &pagar,
            202,
            pago_aceptado,
        ),
        write(
            "POST",
            "/pagos/",
            include_str!("../../operations/Pagar.graphql"),
            &pagar,
            202,
            pago_aceptado,
        ),
        route(
            "/pagos/{id}",
            include_str!("../../operations/PagoDetalle.graphql"),
            &[("id", "path.id"), PII],
            PAGO,
        ),
        // Campaigns: the old campanias module, then campaigns-svc.
        write(
            "POST",
            "/campanias/comandos/crear",
            include_str!("../../operations/CrearCampania.graphql"),
            &crear_campania("body.idCliente"),
            202,
            &format!(
                r#"{{ "message": "Campania creada", "data": {} }}"#,
                campania("crearCampania.campania")
            ),
        ),
        route(
            "/campanias/{id_campania}",
            include_str!("../../operations/Campania.graphql"),
            &[("id", "path.id_campania")],
            &campania("campania"),
        ),
        write(
            "POST",
            "/campaigns/",
            include_str!("../../operations/CrearCampania.graphql"),
            &crear_campania("body.cliente_id"),
            201,
            &campania("crearCampania.campania"),
        ),
        write(
            "POST",
            "/api/v1/campanas",
            include_str!("../../operations/CrearCampania.graphql"),
            &crear_campania("body.cliente_id"),
            201,
            &campania("crearCampania.campania"),
        ),
        route(
            "/campaigns/",
            include_str!("../../operations/Campanias.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.estado", ESTADO_CAMPANIA),
                ("filtro.clienteId", "query.cliente_id"),
            ],
            &format!(
                r#"{{ "data": {{ "$each": "$.campanias.items", "$map": {} }}, "pagination": {} }}"#,
                CAMPANIA.replace("$.x.", "$."),
                pagination("campanias.paginacion")
            ),
        ),
        route(
            "/campaigns/{id}",
            include_str!("../../operations/Campania.graphql"),
            &[("id", "path.id")],
            &campania("campania"),
        ),
        write(
            "PATCH",
            "/campaigns/{id}/activate",
            include_str!("../../operations/ActivarCampania.graphql"),
            &[
                ("input.id", "path.id"),
                ("input.versionEsperada", "body.version_esperada:int"),
            ],
            200,
            r#"{ "id": "$.activarCampania.campania.id", "estado": "$.activarCampania.campania.estado",
              "version": "$.activarCampania.campania.version" }"#,
        ),
        write(
            "PATCH",
            "/campaigns/{id}/budget",
            include_str!("../../operations/ActualizarPresupuesto.graphql"),
            &[
                ("input.id", "path.id"),
                ("input.presupuesto.valor", "body.presupuesto:decimal"),
                ("input.presupuesto.moneda", "body.moneda:enum"),
                ("input.versionEsperada", "body.version_esperada:int"),
            ],
            200,
            r#"{ "id": "$.actualizarPresupuesto.campania.id",
              "presupuesto": "$.actualizarPresupuesto.campania.presupuesto.valor",
              "moneda": "$.actualizarPresupuesto.campania.presupuesto.moneda",
              "gasto_actual": "$.actualizarPresupuesto.campania.gastoActual.valor",
              "version": "$.actualizarPresupuesto.campania.version" }"#,
        ),
        route(
            "/campaigns/{id}/metrics",
            include_str!("../../operations/MetricasCampania.graphql"),
            &[("id", "path.id"), ("periodo", "query.periodo")],
            r#"{ "campania_id": "$.campania.id", "nombre": "$.campania.nombre",
              "metricas": "$.campania.metricas" }"#,
        ),
        // Reports: one endpoint answering the active version.
        route(
            "/api/reports/payments",
            include_str!("../../operations/ReportePagos.graphql"),
            &reporte_pagos,
            r#""$.reportePagos""#,
        ),
        route(
            "/api/reports/version",
            include_str!("../../operations/VersionReporte.graphql"),
            &[],
            r#"{ "version": "$.versionReporte" }"#,
        ),
        write(
            "PUT",
            "/api/reports/version",
            include_str!("../../operations/CambiarVersionReporte.graphql"),
            &[("input.version", "body.version:enum")],
            200,
            r#"{ "version": "$.cambiarVersionReporte.version" }"#,
        ),
        route(
            "/api/reports/health",
            include_str!("../../operations/VersionReporte.graphql"),
            &[],
            r#"{ "status": "healthy", "version": "$.versionReporte" }"#,
        ),
        // Event collector.
        write(
            "POST",
            "/event-collector/events",
            include_str!("../../operations/RegistrarEvento.graphql"),
            &[
                ("input.tipo", "body.tipo_evento:enum"),
                ("input.afiliadoId", "body.afiliado_id"),
                ("input.campaniaId", "body.campania_id"),
                ("input.fuente", "body.fuente:enum=API"),
                ("input.canal", "body.canal"),
                ("input.valor.valor", "body.valor:decimal"),
                ("input.valor.moneda", "body.moneda:enum"),
                ("input.timestamp", "body.timestamp"),
                ("input.metadatos", METADATOS),
            ],
            202,
            r#"{ "evento_id": "$.registrarEvento.evento.id", "tipo": "$.registrarEvento.evento.tipo",
              "canal": "$.registrarEvento.evento.canal", "recibido_en": "$.registrarEvento.evento.recibidoEn" }"#,
        ),
        route(
            "/event-collector/health",
            include_str!("../../operations/MetricasConversiones.graphql"),
            &[("periodo", "query.periodo:string=1d")],
            r#"{ "status": "healthy", "eventos": { "clicks": "$.metricasConversiones.clicks",
              "impresiones": "$.metricasConversiones.impresiones" } }"#,
        ),
    ];
    routes.extend(afiliados_conversiones_comisiones());
    routes
}

/// Partners, conversions and commissions (the seeds' three-service document).
fn afiliados_conversiones_comisiones() -> Vec<RestRoute> {
    let afiliado = r#"{ "afiliado_id": "$.x.id", "nombre": "$.x.nombre", "email": "$.x.email",
      "tipo_afiliado": "$.x.tipo", "estado": "$.x.estado", "fecha_registro": "$.x.fechaRegistro" }"#;
    let conversion = r#"{ "conversion_id": "$.x.id", "afiliado_id": "$.x.afiliado.id",
      "campana_id": "$.x.campania.id", "tipo_conversion": "$.x.tipo", "estado": "$.x.estado",
      "canal_origen": "$.x.canal", "referencia_externa": "$.x.referenciaExterna",
      "valor_conversion": "$.x.valor.valor", "moneda": "$.x.valor.moneda", "fecha_conversion": "$.x.fecha" }"#;
    let comision = r#"{ "comision_id": "$.x.id", "afiliado_id": "$.x.afiliado.id",
      "campana_id": "$.x.campania.id", "conversion_id": "$.x.conversion.id", "estado": "$.x.estado",
      "tipo_conversion": "$.x.tipoConversion", "porcentaje": "$.x.porcentaje",
      "monto_base": "$.x.montoBase", "monto": "$.x.monto", "fecha_creacion": "$.x.fechaCreacion" }"#;
    let at = |shape: &str, place: &str| shape.replace("$.x.", &format!("$.{place}."));
    let list = |shape: &str, page: &str| {
        format!(
            r#"{{ "data": {{ "$each": "$.{page}.items", "$map": {} }}, "pagination": {} }}"#,
            shape.replace("$.x.", "$."),
            pagination(&format!("{page}.paginacion"))
        )
    };
    let comisiones_afiliado = [
        (
            "input.configuracionComisiones.comisionBase",
            "body.configuracion_comisiones.comision_base:decimal",
        ),
        (
            "input.configuracionComisiones.comisionPremium",
            "body.configuracion_comisiones.comision_premium:decimal",
        ),
        (
            "input.configuracionComisiones.minimoPago.valor",
            "body.configuracion_comisiones.minimo_pago:decimal",
        ),
        (
            "input.configuracionComisiones.minimoPago.moneda",
            "body.configuracion_comisiones.moneda:enum=COP",
        ),
    ];
    let mut registrar_afiliado = vec![
        ("input.id", "body.id"),
        ("input.nombre", "body.nombre"),
        ("input.email", "body.email"),
        ("input.telefono", "body.telefono"),
        ("input.documento.tipo", "body.documento.tipo:enum"),
        ("input.documento.numero", "body.documento.numero:string"),
        ("input.tipo", "body.tipo_afiliado:enum"),
        ("input.datosBancarios.banco", "body.datos_bancarios.banco"),
        (
            "input.datosBancarios.tipoCuenta",
            "body.datos_bancarios.tipo_cuenta:enum",
        ),
        (
            "input.datosBancarios.numeroCuenta",
            "body.datos_bancarios.numero_cuenta:string",
        ),
    ];
    registrar_afiliado.extend(comisiones_afiliado);
    let mut actualizar_afiliado = vec![
        ("input.id", "path.afiliado_id"),
        ("input.nombre", "body.nombre"),
        ("input.telefono", "body.telefono"),
        ("input.tipo", "body.tipo_afiliado:enum"),
    ];
    actualizar_afiliado.extend(comisiones_afiliado);
    vec![
        write(
            "POST",
            "/api/v1/afiliados",
            include_str!("../../operations/RegistrarAfiliado.graphql"),
            &registrar_afiliado,
            201,
            &at(afiliado, "registrarAfiliado.afiliado"),
        ),
        route(
            "/api/v1/afiliados",
            include_str!("../../operations/Afiliados.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.estado", "query.estado:enum"),
                ("filtro.tipo", "query.tipo_afiliado:enum"),
                ("filtro.busqueda", "query.search"),
            ],
            &list(afiliado, "afiliados"),
        ),
        route(
            "/api/v1/afiliados/{afiliado_id}",
            include_str!("../../operations/AfiliadoDetalle.graphql"),
            &[("id", "path.afiliado_id"), PII],
            r#"{ "afiliado_id": "$.afiliado.id", "nombre": "$.afiliado.nombre", "email": "$.afiliado.email",
              "telefono": "$.afiliado.telefono", "documento": "$.afiliado.documento",
              "tipo_afiliado": "$.afiliado.tipo", "estado": "$.afiliado.estado",
              "datos_bancarios": "$.afiliado.datosBancarios",
              "configuracion_comisiones": "$.afiliado.configuracionComisiones",
              "saldo_pendiente": "$.afiliado.saldoPendiente", "metricas": "$.afiliado.metricas",
              "fecha_registro": "$.afiliado.fechaRegistro" }"#,
        ),
        write(
            "PUT",
            "/api/v1/afiliados/{afiliado_id}",
            include_str!("../../operations/ActualizarAfiliado.graphql"),
            &actualizar_afiliado,
            200,
            r#"{ "afiliado_id": "$.actualizarAfiliado.afiliado.id", "nombre": "$.actualizarAfiliado.afiliado.nombre",
              "telefono": "$.actualizarAfiliado.afiliado.telefono", "tipo_afiliado": "$.actualizarAfiliado.afiliado.tipo",
              "estado": "$.actualizarAfiliado.afiliado.estado",
              "configuracion_comisiones": "$.actualizarAfiliado.afiliado.configuracionComisiones",
              "fecha_actualizacion": "$.actualizarAfiliado.afiliado.fechaActualizacion" }"#,
        ),
        write(
            "POST",
            "/api/v1/conversiones",
            include_str!("../../operations/RegistrarConversion.graphql"),
            &[
                ("input.afiliadoId", "body.afiliado_id"),
                ("input.campaniaId", "body.campana_id"),
                ("input.tipo", "body.tipo_conversion:enum"),
                ("input.valor.valor", "body.valor_conversion:decimal"),
                ("input.valor.moneda", "body.moneda:enum"),
                ("input.canal", "body.canal_origen"),
                ("input.datosCliente", "body.datos_cliente"),
                ("input.productos", "body.productos"),
                ("input.referenciaExterna", "body.referencia_externa"),
                ("input.fecha", "body.fecha_conversion"),
                ("input.metadatos", METADATOS),
            ],
            201,
            &at(conversion, "registrarConversion.conversion"),
        ),
        route(
            "/api/v1/conversiones",
            include_str!("../../operations/Conversiones.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.afiliadoId", "query.afiliado_id"),
                ("filtro.campaniaId", "query.campana_id"),
                ("filtro.canal", "query.canal"),
                ("filtro.estado", "query.estado:enum"),
            ],
            &list(conversion, "conversiones"),
        ),
        route(
            "/api/v1/conversiones/metricas",
            include_str!("../../operations/MetricasConversiones.graphql"),
            &[("periodo", "query.periodo"), ("canal", "query.canal")],
            r#""$.metricasConversiones""#,
        ),
        route(
            "/api/v1/comisiones",
            include_str!("../../operations/Comisiones.graphql"),
            &[
                PAGE[0],
                PAGE[1],
                ("filtro.afiliadoId", "query.afiliado_id"),
                ("filtro.campaniaId", "query.campana_id"),
                ("filtro.estado", "query.estado:enum"),
                ("filtro.desde", DESDE_COMISIONES),
                ("filtro.hasta", "query.fecha_hasta"),
            ],
            &list(comision, "comisiones"),
        ),
        write(
            "POST",
            "/api/v1/comisiones",
            include_str!("../../operations/CrearComision.graphql"),
            &[
                ("input.afiliadoId", "body.afiliado_id"),
                ("input.campaniaId", "body.campana_id"),
                ("input.conversionId", "body.conversion_id"),
                ("input.tipoConversion", "body.tipo_conversion:enum"),
                ("input.montoBase.valor", "body.monto_base.valor:decimal"),
                ("input.montoBase.moneda", "body.monto_base.moneda:enum"),
                (
                    "input.tipoComision",
                    "body.tipo_comision:enum(PORCENTAJE=PORCENTUAL,PERCENTAGE=PORCENTUAL,FIXED=FIJA,FIJO=FIJA)",
                ),
                ("input.porcentaje", "body.porcentaje:decimal"),
                ("input.montoFijo.valor", "body.monto_fijo.valor:decimal"),
                ("input.montoFijo.moneda", "body.monto_fijo.moneda:enum"),
                ("input.descuentos.valor", "body.descuentos.valor:decimal"),
                ("input.descuentos.moneda", "body.descuentos.moneda:enum"),
                (
                    "input.configuracion.aplicarDescuentos",
                    "body.configuracion.aplicar_descuentos:bool",
                ),
                (
                    "input.configuracion.incluirIva",
                    "body.configuracion.incluir_iva:bool",
                ),
                (
                    "input.configuracion.tasaIva",
                    "body.configuracion.tasa_iva:decimal",
                ),
            ],
            201,
            &at(comision, "crearComision.comision"),
        ),
        write(
            "POST",
            "/api/v1/comisiones/{comision_id}/calcular",
            include_str!("../../operations/CalcularComision.graphql"),
            &[
                ("input.id", "path.comision_id"),
                ("input.forzarRecalculo", "body.forzar_recalculo:bool"),
            ],
            200,
            r#"{ "comision_id": "$.calcularComision.comision.id", "estado": "$.calcularComision.comision.estado",
              "porcentaje": "$.calcularComision.comision.porcentaje", "monto": "$.calcularComision.comision.monto",
              "fecha_calculo": "$.calcularComision.comision.fechaActualizacion" }"#,
        ),
        write(
            "POST",
            "/api/v1/comisiones/{comision_id}/aprobar",
            include_str!("../../operations/AprobarComision.graphql"),
            &[
                ("input.id", "path.comision_id"),
                ("input.comentarios", "body.comentarios"),
                (
                    "input.metadatos.nivelAprobacion",
                    "body.metadatos_aprobacion.nivel_aprobacion",
                ),
                (
                    "input.metadatos.politicaAplicada",
                    "body.metadatos_aprobacion.politica_aplicada",
                ),
            ],
            200,
            r#"{ "comision_id": "$.aprobarComision.comision.id", "estado": "$.aprobarComision.comision.estado",
              "monto": "$.aprobarComision.comision.monto",
              "fecha_aprobacion": "$.aprobarComision.comision.fechaActualizacion" }"#,
        ),
        route(
            "/api/v1/comisiones/reportes",
            include_str!("../../operations/ExportarComisiones.graphql"),
            &[
                ("formato", "query.formato:enum=JSON"),
                ("filtro.afiliadoId", "query.afiliado_id"),
                ("filtro.estado", "query.estado:enum"),
                ("filtro.desde", DESDE_COMISIONES),
                ("filtro.hasta", "query.fecha_hasta"),
            ],
            r#"{ "$body": "$.exportarComisiones.contenido", "$type": "$.exportarComisiones.tipoContenido" }"#,
        ),
    ]
}
