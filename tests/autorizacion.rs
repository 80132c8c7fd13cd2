//! The authorization model through the real embedded binary: anonymous callers, the demo
//! users `lector`, `operador`, `admin` and the partner user `afiliado` against every
//! mutation and every personal field (a table of expected allow/deny, denials writing
//! nothing), a partner user's rows, the collector's API key, and subgraphs that refuse
//! anyone but the gateway.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Launched, launch, login, stop};
use uuid::Uuid;

/// Codes that say "not allowed", the same from the gateway and the subgraphs: no token,
/// and a token without the scope.
const DENEGADO: [&str; 2] = ["UNAUTHENTICATED", "FORBIDDEN"];

/// The callers of the table, in its column order; `None`: no token.
const USUARIOS: [(&str, Option<&str>); 5] = [
    ("anonimo", None),
    ("lector", Some("lector")),
    ("operador", Some("operador")),
    ("admin", Some("admin")),
    ("afiliado", Some("afiliado")),
];

/// Every mutation of the supergraph and who may run it: anonimo, lector, operador,
/// admin, afiliado (the README's matrix).
const MATRIZ: [(&str, [bool; 5]); 23] = [
    ("registrarCliente", [false, false, true, true, false]),
    ("registrarAfiliado", [false, false, true, true, false]),
    ("actualizarAfiliado", [false, false, true, true, false]),
    ("suspenderAfiliado", [false, false, false, true, false]),
    ("reactivarAfiliado", [false, false, false, true, false]),
    ("eliminarAfiliado", [false, false, false, true, false]),
    ("crearCampania", [false, false, true, true, false]),
    ("activarCampania", [false, false, true, true, false]),
    ("pausarCampania", [false, false, true, true, false]),
    ("completarCampania", [false, false, true, true, false]),
    ("actualizarPresupuesto", [false, false, true, true, false]),
    ("registrarEvento", [false, false, true, true, false]),
    ("registrarConversion", [false, false, true, true, false]),
    ("validarConversion", [false, false, true, true, false]),
    ("rechazarConversion", [false, false, true, true, false]),
    ("revertirConversion", [false, false, false, true, false]),
    ("emitirClaveApi", [false, false, false, true, false]),
    ("pagar", [false, false, false, true, false]),
    ("aprobarComision", [false, false, false, true, false]),
    ("rechazarComision", [false, false, false, true, false]),
    ("crearComision", [false, false, false, true, false]),
    ("calcularComision", [false, false, false, true, false]),
    ("cambiarVersionReporte", [false, false, false, true, false]),
];

/// Every personal field, as `(name, query)` over the setup's rows; only `admin` (scope
/// `pii` or `admin`) reads them.
const PERSONALES: [(&str, &str); 10] = [
    (
        "Cliente.email",
        "query($x: ID!) { r: cliente(id: $x) { id f: email } }",
    ),
    (
        "Cliente.cedula",
        "query($x: ID!) { r: cliente(id: $x) { id f: cedula } }",
    ),
    (
        "Cliente.fechaNacimiento",
        "query($x: ID!) { r: cliente(id: $x) { id f: fechaNacimiento } }",
    ),
    (
        "Afiliado.email",
        "query($p: ID!) { r: afiliado(id: $p) { id f: email } }",
    ),
    (
        "Afiliado.telefono",
        "query($p: ID!) { r: afiliado(id: $p) { id f: telefono } }",
    ),
    (
        "Afiliado.documento",
        "query($p: ID!) { r: afiliado(id: $p) { id f: documento { numero } } }",
    ),
    (
        "Afiliado.datosBancarios",
        "query($p: ID!) { r: afiliado(id: $p) { id f: datosBancarios { banco } } }",
    ),
    (
        "Conversion.datosCliente",
        "query($cp: ID!) { r: conversion(id: $cp) { id f: datosCliente { ubicacion } } }",
    ),
    (
        "Pago.metodoPago",
        "query($pp: ID!) { r: pago(id: $pp) { id f: metodoPago { mascara } } }",
    ),
    (
        "Afiliado.datosBancarios (lista)",
        "{ r: afiliados(paginacion: {perPage: 1}) { items { id f: datosBancarios { banco } } } }",
    ),
];

/// The launched platform and an HTTP client.
struct Api {
    http: reqwest::Client,
    gateway: String,
    launched: Launched,
}

impl Api {
    fn start(nombre: &str) -> (Self, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("alpes-{nombre}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let launched = launch(&dir);
        let api = Self {
            http: reqwest::Client::new(),
            gateway: launched.urls[0].clone(),
            launched,
        };
        (api, dir)
    }

    /// An operation through the gateway with an optional token and API key.
    async fn send(
        &self,
        token: Option<&str>,
        api_key: Option<&str>,
        query: &str,
        variables: &Value,
    ) -> Value {
        let mut request = self
            .http
            .post(&self.gateway)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = api_key {
            request = request.header("x-api-key", key);
        }
        request
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("json")
    }

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.send(token, None, query, &variables).await
    }

    /// An operation that must succeed; its `data`.
    async fn data(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(Some(token), query, variables).await;
        assert!(body["errors"].is_null(), "{query}: {body}");
        body["data"].clone()
    }

    /// Polls `query` as `token` until `done` holds for its data (at most 60 s).
    async fn until(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let mut last = Value::Null;
        for _ in 0..240 {
            last = self.gql(Some(token), query, variables.clone()).await;
            if done(&last["data"]) {
                return last["data"].clone();
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("never held: {query}; last answer: {last}");
    }
}

/// Whether a response was refused for authorization.
fn denegado(body: &Value) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            e["extensions"]["code"]
                .as_str()
                .is_some_and(|code| DENEGADO.contains(&code))
        })
    })
}

/// The one denial code a caller gets: `UNAUTHENTICATED` without a token, `FORBIDDEN`
/// with one.
fn codigo_de_denegacion(anonimo: bool) -> &'static str {
    if anonimo { DENEGADO[0] } else { DENEGADO[1] }
}

/// Whether every error of a refused response has the caller's denial code.
fn denegado_con(body: &Value, codigo: &str) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        !errors.is_empty() && errors.iter().all(|e| e["extensions"]["code"] == codigo)
    })
}

/// What the setup made, as ids (and the partner key issued for `q`).
struct Escenario {
    admin: String,
    /// The partner user's partner (the first demo partner).
    p: String,
    /// Another active partner.
    q: String,
    /// A demo client, an active campaign.
    x: String,
    c: String,
    /// A conversion and a payout of `p` and of `q`.
    conversion_p: String,
    conversion_q: String,
    comision_q: String,
    pago_p: String,
    pago_q: String,
    /// Targets of the table: a partner, a campaign, a registered conversion, a calculated
    /// commission, the collector key of `q`.
    t: String,
    k: String,
    v: String,
    w: String,
    clave_q: String,
}

/// A conversion of `afiliado` worth well above its payout minimum, registered as admin
/// (retried while conversiones has not yet learnt the demo's ids from the bus).
async fn registrar(
    api: &Api,
    admin: &str,
    afiliado: &Value,
    campania: &str,
    referencia: &str,
) -> String {
    let minimo = &afiliado["configuracionComisiones"]["minimoPago"];
    let valor = minimo["valor"]
        .as_str()
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| ((v.ceil() as u64) + 1) * 1000)
        .expect("minimum");
    let variables = json!({ "input": {
        "afiliadoId": afiliado["id"], "campaniaId": campania, "tipo": "VENTA",
        "valor": { "valor": valor.to_string(), "moneda": minimo["moneda"] }, "canal": "web",
        "datosCliente": { "email": "comprador@example.com", "ubicacion": "Medellín" },
        "referenciaExterna": referencia } });
    let mut last = Value::Null;
    for _ in 0..240 {
        last = api
            .gql(
                Some(admin),
                "mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id } } }",
                variables.clone(),
            )
            .await;
        if let Some(id) = last["data"]["registrarConversion"]["conversion"]["id"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("conversion not registered: {last}");
}

/// Validates a conversion and waits for pagos to calculate its commission.
async fn comision_calculada(api: &Api, admin: &str, conversion: &str) -> String {
    api.data(
        admin,
        "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { id } } }",
        json!({ "id": conversion }),
    )
    .await;
    let data = api
        .until(
            admin,
            "query($id: ID!) { conversion(id: $id) { comision { id estado } } }",
            json!({ "id": conversion }),
            |d| d["conversion"]["comision"]["estado"] == "CALCULADA",
        )
        .await;
    data["conversion"]["comision"]["id"]
        .as_str()
        .expect("commission")
        .to_owned()
}

/// A payout of `afiliado`'s approved commission `comision`.
async fn pago(api: &Api, admin: &str, afiliado: &Value, comision: &str, ciclo: &str) -> String {
    api.data(
        admin,
        "mutation($id: ID!) { aprobarComision(input: {id: $id}) { comision { id } } }",
        json!({ "id": comision }),
    )
    .await;
    let data = api
        .data(
            admin,
            "mutation($input: PagarInput!) { pagar(input: $input) { pago { id } } }",
            json!({ "input": { "idempotencyKey": format!("clave-{ciclo}"), "afiliadoId": afiliado["id"],
                "ciclo": ciclo, "moneda": afiliado["configuracionComisiones"]["minimoPago"]["moneda"],
                "metodoPago": { "tipo": "TRANSFERENCIA_BANCARIA", "mascara": "****9876" } } }),
        )
        .await;
    data["pagar"]["pago"]["id"]
        .as_str()
        .expect("payout")
        .to_owned()
}

async fn preparar(api: &Api) -> Escenario {
    let admin = login(&api.http, &api.gateway, "admin").await;
    let a = admin.as_str();
    let p = conversiones::demo::afiliados_demo()
        .first()
        .expect("demo partners")
        .to_string();
    let campos = "id configuracionComisiones { minimoPago { valor moneda } }";
    let data = api
        .data(
            a,
            &format!("query($p: ID!) {{ p: afiliado(id: $p) {{ estado {campos} }}
               activos: afiliados(filtro: {{estado: ACTIVO}}, paginacion: {{perPage: 5}}) {{ items {{ {campos} }} }}
               clientes(paginacion: {{perPage: 1}}) {{ items {{ id }} }}
               campanias(filtro: {{estado: ACTIVA}}, paginacion: {{perPage: 1}}) {{ items {{ id }} }} }}"),
            json!({ "p": p }),
        )
        .await;
    let afiliado_p = data["p"].clone();
    assert_eq!(afiliado_p["estado"], "ACTIVO", "{data}");
    let afiliado_q = data["activos"]["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["id"] != p.as_str()).cloned())
        .expect("another active partner");
    let q = afiliado_q["id"].as_str().expect("q").to_owned();
    let x = data["clientes"]["items"][0]["id"]
        .as_str()
        .expect("client")
        .to_owned();
    let c = data["campanias"]["items"][0]["id"]
        .as_str()
        .expect("campaign")
        .to_owned();

    let conversion_p = registrar(api, a, &afiliado_p, &c, "tabla-p").await;
    let conversion_q = registrar(api, a, &afiliado_q, &c, "tabla-q").await;
    let comision_p = comision_calculada(api, a, &conversion_p).await;
    let comision_q = comision_calculada(api, a, &conversion_q).await;
    let pago_p = pago(api, a, &afiliado_p, &comision_p, "CYCLE-TABLA-P").await;
    let pago_q = pago(api, a, &afiliado_q, &comision_q, "CYCLE-TABLA-Q").await;

    let t = api
        .data(
            a,
            "mutation($input: RegistrarAfiliadoInput!) { registrarAfiliado(input: $input) { afiliado { id } } }",
            afiliado_input("objetivo"),
        )
        .await["registrarAfiliado"]["afiliado"]["id"]
        .as_str()
        .expect("t")
        .to_owned();
    let k = api
        .data(
            a,
            "mutation($input: CrearCampaniaInput!) { crearCampania(input: $input) { campania { id } } }",
            campania_input(&x, "objetivo"),
        )
        .await["crearCampania"]["campania"]["id"]
        .as_str()
        .expect("k")
        .to_owned();
    let v = registrar(api, a, &afiliado_q, &c, "tabla-v").await;
    let conversion_w = registrar(api, a, &afiliado_q, &c, "tabla-w").await;
    let w = comision_calculada(api, a, &conversion_w).await;
    let clave_q = api
        .data(
            a,
            "mutation($a: ID!) { emitirClaveApi(input: {afiliadoId: $a}) { clave } }",
            json!({ "a": q }),
        )
        .await["emitirClaveApi"]["clave"]
        .as_str()
        .expect("key")
        .to_owned();
    Escenario {
        admin,
        p,
        q,
        x,
        c,
        conversion_p,
        conversion_q,
        comision_q,
        pago_p,
        pago_q,
        t,
        k,
        v,
        w,
        clave_q,
    }
}

fn afiliado_input(quien: &str) -> Value {
    json!({ "input": {
        "nombre": format!("Tabla {quien}"), "email": format!("tabla.{quien}@example.com"),
        "telefono": "+57 300 123 4567", "documento": { "tipo": "CEDULA", "numero": "1234567890" },
        "datosBancarios": { "banco": "Banco Nacional", "tipoCuenta": "AHORROS", "numeroCuenta": "98765432101" },
        "configuracionComisiones": { "comisionBase": "10", "comisionPremium": "12",
            "minimoPago": { "valor": "50000", "moneda": "COP" } } } })
}

fn campania_input(cliente: &str, quien: &str) -> Value {
    let now = chrono::Utc::now();
    json!({ "input": {
        "clienteId": cliente, "nombre": format!("Tabla {quien}"), "tipo": "PROMOCIONAL", "canales": ["WEB"],
        "configuracionComisiones": { "porConversion": "5", "porVenta": "10", "bonusObjetivos": "0" },
        "fechaInicio": (now - chrono::Duration::days(1)).to_rfc3339(),
        "fechaFin": (now + chrono::Duration::days(30)).to_rfc3339(),
        "presupuesto": { "valor": "1000.00", "moneda": "USD" } } })
}

/// The operation and variables of `mutation` as `quien` runs it.
fn celda(e: &Escenario, mutation: &str, quien: &str) -> (String, Value) {
    let input = match mutation {
        "registrarCliente" => json!({ "nombre": format!("Tabla {quien}"),
            "email": format!("tabla.cliente.{quien}@example.com"), "cedula": "10203040",
            "fechaNacimiento": "1980-01-01" }),
        "registrarAfiliado" => afiliado_input(quien)["input"].clone(),
        "actualizarAfiliado" => json!({ "id": e.t, "nombre": format!("Cambiado por {quien}") }),
        "suspenderAfiliado" | "reactivarAfiliado" | "eliminarAfiliado" => json!({ "id": e.t }),
        "crearCampania" => campania_input(&e.x, quien)["input"].clone(),
        "activarCampania" | "pausarCampania" | "completarCampania" => json!({ "id": e.k }),
        "actualizarPresupuesto" => {
            json!({ "id": e.k, "presupuesto": { "valor": "2000.00", "moneda": "USD" } })
        }
        "registrarEvento" => json!({ "tipo": "CLICK", "afiliadoId": e.q, "campaniaId": e.c,
            "fuente": "API" }),
        "registrarConversion" => json!({ "afiliadoId": e.q, "campaniaId": e.c, "tipo": "LEAD",
            "valor": { "valor": "1000", "moneda": "COP" }, "canal": "web",
            "referenciaExterna": format!("tabla-{quien}") }),
        "validarConversion" => json!({ "id": e.v }),
        "rechazarConversion" => json!({ "id": e.v, "motivo": format!("rechazada por {quien}") }),
        "revertirConversion" => {
            json!({ "id": e.conversion_q, "motivo": format!("revertida por {quien}") })
        }
        "emitirClaveApi" => json!({ "afiliadoId": e.q }),
        "pagar" => json!({ "idempotencyKey": format!("tabla-{quien}-clave"), "afiliadoId": e.q,
            "ciclo": format!("CYCLE-TABLA-{quien}"),
            "metodoPago": { "tipo": "TRANSFERENCIA_BANCARIA", "mascara": "****1111" } }),
        "aprobarComision" => json!({ "id": e.w }),
        "rechazarComision" => json!({ "id": e.w, "motivo": format!("rechazada por {quien}"),
            "comentarios": format!("revisada por {quien}") }),
        "crearComision" => json!({ "afiliadoId": e.q, "campaniaId": e.c,
            "conversionId": Uuid::new_v4(), "montoBase": { "valor": "1000", "moneda": "COP" },
            "tipoComision": "PORCENTUAL", "porcentaje": "10" }),
        "calcularComision" => json!({ "id": e.w, "forzarRecalculo": true }),
        "cambiarVersionReporte" => json!({ "version": "V2" }),
        other => panic!("no cell for {other}"),
    };
    let tipo = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
    (
        format!("mutation($input: {tipo}!) {{ {mutation}(input: $input) {{ __typename }} }}"),
        json!({ "input": input }),
    )
}

/// Everything the table's mutations could change, read as admin; a fresh text each time
/// (never a cached answer).
async fn estado(api: &Api, e: &Escenario) -> Value {
    let query = format!(
        r#"query($t: ID!, $k: ID!, $v: ID!, $w: ID!, $q: ID!, $cq: ID!) {{
          nonce: buscarCampanias(q: "{}", limite: 1) {{ relevancia }}
          clientes {{ paginacion {{ total }} }}
          afiliados {{ paginacion {{ total }} }}
          t: afiliado(id: $t) {{ nombre estado }}
          campanias {{ paginacion {{ total }} }}
          k: campania(id: $k) {{ estado version presupuesto {{ valor }} }}
          conversionesQ: conversiones(filtro: {{afiliadoId: $q}}) {{ paginacion {{ total }} }}
          v: conversion(id: $v) {{ estado }}
          cq: conversion(id: $cq) {{ estado }}
          w: comision(id: $w) {{ estado version: fechaActualizacion auditoria {{ evento }} }}
          comisionesQ: comisiones(filtro: {{afiliadoId: $q}}) {{ paginacion {{ total }} }}
          pagosQ: pagos(filtro: {{afiliadoId: $q}}) {{ paginacion {{ total }} }}
          versionReporte
          metricasConversiones(periodo: "24h") {{ clicks impresiones }} }}"#,
        Uuid::new_v4()
    );
    let mut data = api
        .data(
            &e.admin,
            &query,
            json!({ "t": e.t, "k": e.k, "v": e.v, "w": e.w, "q": e.q, "cq": e.conversion_q }),
        )
        .await;
    data.as_object_mut().map(|d| d.remove("nonce"));
    data
}

/// `registrarEvento` for `afiliado` with an API key and no token.
async fn evento_con_clave(api: &Api, clave: Option<&str>, afiliado: &str, campania: &str) -> Value {
    api.send(
        None,
        clave,
        "mutation($input: RegistrarEventoInput!) { registrarEvento(input: $input) { evento { id tipo } } }",
        &json!({ "input": { "tipo": "IMPRESION", "afiliadoId": afiliado, "campaniaId": campania, "fuente": "WEB_TAG" } }),
    )
    .await
}

/// Impressions recorded in the last day, read as admin (a fresh text: never cached).
async fn impresiones(api: &Api, admin: &str) -> Value {
    let query = format!(
        r#"{{ nonce: buscarCampanias(q: "{}", limite: 1) {{ relevancia }}
             metricasConversiones(periodo: "24h") {{ impresiones }} }}"#,
        Uuid::new_v4()
    );
    api.data(admin, &query, json!({})).await["metricasConversiones"].clone()
}

async fn tokens(api: &Api) -> Vec<(&'static str, Option<String>)> {
    let mut tokens = Vec::new();
    for (quien, usuario) in USUARIOS {
        let token = match usuario {
            Some(usuario) => Some(login(&api.http, &api.gateway, usuario).await),
            None => None,
        };
        tokens.push((quien, token));
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_mutation_and_personal_field_is_allowed_or_denied_per_user() {
    let (api, dir) = Api::start("matriz");
    let e = preparar(&api).await;
    let tokens = tokens(&api).await;

    // Denials first, for every user: each refused, and nothing written anywhere.
    let antes = estado(&api, &e).await;
    for (mutation, permitido) in MATRIZ {
        for (columna, (quien, token)) in tokens.iter().enumerate() {
            if permitido[columna] {
                continue;
            }
            let (query, variables) = celda(&e, mutation, quien);
            let body = api.gql(token.as_deref(), &query, variables).await;
            let codigo = codigo_de_denegacion(token.is_none());
            assert!(
                denegado_con(&body, codigo),
                "{mutation} as {quien} must be denied with {codigo}: {body}"
            );
            assert!(
                body["data"].is_null() || body["data"][mutation].is_null(),
                "{mutation} as {quien}: {body}"
            );
        }
    }
    assert_eq!(
        estado(&api, &e).await,
        antes,
        "denied mutations wrote nothing"
    );
    // The key emitirClaveApi would have replaced still works.
    let body = evento_con_clave(&api, Some(&e.clave_q), &e.q, &e.c).await;
    assert!(body["errors"].is_null(), "{body}");

    // Then what is allowed: never refused for authorization (a domain outcome such as a
    // state conflict is fine: the caller got past authorization).
    for (mutation, permitido) in MATRIZ {
        for (columna, (quien, token)) in tokens.iter().enumerate() {
            if !permitido[columna] {
                continue;
            }
            let (query, variables) = celda(&e, mutation, quien);
            let body = api.gql(token.as_deref(), &query, variables).await;
            assert!(
                !denegado(&body),
                "{mutation} as {quien} must be allowed: {body}"
            );
        }
    }
    // The allowed changes happened (one of each kind checked).
    let despues = estado(&api, &e).await;
    assert_eq!(despues["versionReporte"], "V2", "{despues}");
    assert_eq!(despues["t"]["estado"], "ELIMINADO", "{despues}");
    assert_eq!(despues["w"]["estado"], "APROBADA", "{despues}");
    assert_eq!(despues["cq"]["estado"], "RECHAZADA", "{despues}");
    assert_ne!(despues["clientes"], antes["clientes"], "{despues}");

    // Personal fields: only admin (scope pii or admin) reads them; the rest of the row
    // still answers for readers.
    let variables = json!({ "x": e.x, "p": e.p, "cp": e.conversion_p, "pp": e.pago_p });
    for (campo, query) in PERSONALES {
        for (quien, token) in &tokens {
            let body = api.gql(token.as_deref(), query, variables.clone()).await;
            let fila = match &body["data"]["r"]["items"] {
                Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                _ => body["data"]["r"].clone(),
            };
            if *quien == "admin" {
                assert!(body["errors"].is_null(), "{campo} as admin: {body}");
                assert!(!fila["f"].is_null(), "{campo} as admin: {body}");
            } else {
                let codigo = codigo_de_denegacion(token.is_none());
                assert!(
                    denegado_con(&body, codigo),
                    "{campo} as {quien} must be denied with {codigo}: {body}"
                );
                assert!(fila["f"].is_null(), "{campo} as {quien}: {body}");
                if token.is_some() {
                    // The message names what is missing.
                    let mensaje = body["errors"][0]["message"].as_str().unwrap_or_default();
                    assert!(
                        mensaje.contains("«pii» o «admin»"),
                        "{campo} as {quien}: {mensaje}"
                    );
                    assert!(
                        fila["id"].is_string(),
                        "{campo} as {quien}: the row answers: {body}"
                    );
                }
            }
        }
    }
    stop(api.launched);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partner_user_sees_its_own_rows_and_the_collector_takes_its_key() {
    let (api, dir) = Api::start("filas");
    let e = preparar(&api).await;
    let lector = login(&api.http, &api.gateway, "lector").await;
    let socio = login(&api.http, &api.gateway, "afiliado").await;

    // Subgraphs answer only the gateway: forged claims straight to one get nothing.
    for url in &api.launched.urls[1..] {
        let response = api
            .http
            .post(url)
            .header(
                "x-gateway-claims",
                r#"{"sub":"intruso","scope":"lectura escritura admin pii"}"#,
            )
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("direct request");
        assert_eq!(response.status(), 401, "{url}");
        let health = api
            .http
            .get(url.replace("/graphql", "/health"))
            .send()
            .await
            .expect("health");
        assert_eq!(health.status(), 200, "{url}: health stays open");
    }

    // The same query, first by a reader (cached for it), then by the partner user: the
    // partner gets its own rows, never the reader's cached answer.
    let filas = r#"{ afiliados(paginacion: {perPage: 100}) { paginacion { total } items { id } }
        conversiones(paginacion: {perPage: 100}) { paginacion { total } items { afiliado { id } } }
        comisiones(paginacion: {perPage: 100}) { paginacion { total } items { afiliado { id } } }
        pagos(paginacion: {perPage: 100}) { paginacion { total } items { afiliado { id } } }
        contadoresDashboard { totalAfiliados totalConversiones totalPagos } }"#;
    let todo = api.data(&lector, filas, json!({})).await;
    assert!(
        todo["afiliados"]["paginacion"]["total"].as_u64() > Some(1),
        "{todo}"
    );
    let propio = api.data(&socio, filas, json!({})).await;
    assert_eq!(propio["afiliados"]["paginacion"]["total"], 1, "{propio}");
    assert_eq!(propio["afiliados"]["items"][0]["id"], e.p.as_str());
    assert_eq!(
        propio["contadoresDashboard"]["totalAfiliados"], 1,
        "{propio}"
    );
    for lista in ["conversiones", "comisiones", "pagos"] {
        let items = propio[lista]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!items.is_empty(), "{lista}: {propio}");
        assert!(
            items.iter().all(|i| i["afiliado"]["id"] == e.p.as_str()),
            "{lista} only its own: {propio}"
        );
        assert!(
            propio[lista]["paginacion"]["total"].as_u64()
                < todo[lista]["paginacion"]["total"].as_u64(),
            "{lista}: {propio}"
        );
    }
    assert_eq!(
        propio["contadoresDashboard"]["totalPagos"],
        propio["pagos"]["paginacion"]["total"]
    );
    // Another partner's rows answer as if they did not exist, or are refused by filter.
    for (query, id) in [
        ("query($id: ID!) { afiliado(id: $id) { id } }", &e.q),
        (
            "query($id: ID!) { conversion(id: $id) { id } }",
            &e.conversion_q,
        ),
        (
            "query($id: ID!) { comision(id: $id) { id } }",
            &e.comision_q,
        ),
        ("query($id: ID!) { pago(id: $id) { id } }", &e.pago_q),
    ] {
        let body = api.gql(Some(&socio), query, json!({ "id": id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{query}: {body}"
        );
    }
    let body = api
        .gql(
            Some(&socio),
            "query($q: ID!) { pagos(filtro: {afiliadoId: $q}) { items { id } } }",
            json!({ "q": e.q }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    // Through a shared campaign: only its own conversions and commissions.
    let data = api
        .data(
            &socio,
            "query($c: ID!) { campania(id: $c) { conversiones(limite: 100) { afiliado { id } } comisiones(limite: 100) { afiliado { id } } } }",
            json!({ "c": e.c }),
        )
        .await;
    for lista in ["conversiones", "comisiones"] {
        let items = data["campania"][lista]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!items.is_empty(), "{lista}: {data}");
        assert!(
            items.iter().all(|i| i["afiliado"]["id"] == e.p.as_str()),
            "{lista}: {data}"
        );
    }

    // Subscriptions: none without a token; a partner user hears only its own payouts.
    let ws = api.gateway.replace("http://", "ws://");
    for (token, query, code) in [
        (
            None,
            "subscription { contadoresDashboard { id } }".to_owned(),
            "UNAUTHENTICATED",
        ),
        (
            Some(socio.as_str()),
            format!(
                "subscription {{ pagoActualizado(afiliadoId: \"{}\") {{ id }} }}",
                e.q
            ),
            "FORBIDDEN",
        ),
    ] {
        let payload = token.map_or(
            json!({}),
            |t| json!({ "Authorization": format!("Bearer {t}") }),
        );
        let mut client = testkit::WsClient::connect(&ws, payload)
            .await
            .expect("websocket");
        client
            .subscribe("1", &query, json!({}))
            .await
            .expect("subscribe");
        let message = client
            .message(Duration::from_secs(30))
            .await
            .expect("a message")
            .expect("an answer");
        // A `next` with errors, or an `error` message: either names the refusal.
        let text = message.to_string();
        assert!(text.contains(code), "{query}: {message}");
    }

    // The collector: the partner's API key, without any token, through the gateway.
    let body = evento_con_clave(&api, Some(&e.clave_q), &e.q, &e.c).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["registrarEvento"]["evento"]["tipo"],
        "IMPRESION"
    );
    let antes = impresiones(&api, &e.admin).await;
    let falsa = format!("ak_{}", "Z".repeat(40));
    for (clave, afiliado, code) in [
        (Some(falsa.as_str()), &e.q, "UNAUTHENTICATED"),
        (Some("cualquier-cosa"), &e.q, "UNAUTHENTICATED"),
        (None, &e.q, "UNAUTHENTICATED"),
        (Some(e.clave_q.as_str()), &e.p, "FORBIDDEN"),
    ] {
        let body = evento_con_clave(&api, clave, afiliado, &e.c).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{clave:?}: {body}"
        );
    }
    assert_eq!(
        impresiones(&api, &e.admin).await,
        antes,
        "refused events stored nothing"
    );
    stop(api.launched);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_deployed_partner_user_is_the_first_demo_partner() {
    let config = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/gateway.toml"),
    )
    .expect("deploy/gateway.toml");
    let id = conversiones::demo::afiliados_demo()
        .first()
        .expect("demo partners")
        .to_string();
    assert!(
        config.contains(&format!("afiliado_id = \"{id}\"")),
        "deploy/gateway.toml's partner user must be {id}"
    );
}
