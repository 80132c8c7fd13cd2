//! The embedded launcher as a user runs it: a real process, real ports, SQLite files.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Launched, launch, login, stop};

async fn total(http: &reqwest::Client, url: &str, token: &str, field: &str) -> u64 {
    let body: Value = http
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": format!("{{ {field} {{ paginacion {{ total }} }} }}") }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    body["data"][field]["paginacion"]["total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{body}"))
}

#[tokio::test]
async fn embedded_mode_serves_every_subgraph_with_demo_data_once() {
    let data_dir = std::env::temp_dir().join(format!("alpes-launcher-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let http = reqwest::Client::new();

    let launched = launch(&data_dir);
    assert_eq!(
        launched.urls.len(),
        6,
        "gateway + 5 subgraphs: {:?}",
        launched.urls
    );
    for url in &launched.urls {
        let health: Value = http
            .get(url.replace("/graphql", "/health"))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        assert_eq!(health["status"], "up", "{url}");
    }
    let gateway = &launched.urls[0];
    // Subgraphs answer only the gateway (a secret drawn at start), health probes aside.
    let direct = http
        .post(&launched.urls[1])
        .json(&json!({ "query": "{ clientes { paginacion { total } } }" }))
        .send()
        .await
        .expect("direct request");
    assert_eq!(
        direct.status(),
        401,
        "subgraphs refuse callers without the secret"
    );
    // Every read needs a token: anonymous callers get nothing.
    let anonimo: Value = http
        .post(gateway)
        .json(&json!({ "query": "{ clientes { paginacion { total } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert_eq!(anonimo["data"]["clientes"], Value::Null, "{anonimo}");
    let token = login(&http, gateway, "admin").await;
    let token = token.as_str();
    // The gateway serves every subgraph through one federated schema, with GraphiQL.
    assert_eq!(total(&http, gateway, token, "clientes").await, 300);
    let afiliados = total(&http, gateway, token, "afiliados").await;
    assert!(afiliados > 150, "demo partners not deleted: {afiliados}");
    // Demo campaigns belong to demo clientes: the gateway joins them across subgraphs.
    assert_eq!(total(&http, gateway, token, "campanias").await, 60);
    let body: Value = http
        .post(gateway)
        .bearer_auth(token)
        .json(&json!({ "query": "{ campanias(paginacion: {perPage: 100}) { items { cliente { nombre } } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    let items = body["data"]["campanias"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 60, "{body}");
    assert!(
        items.iter().all(|c| c["cliente"]["nombre"].is_string()),
        "{body}"
    );
    // Demo conversions point at demo campaigns and partners: four subgraphs in one query.
    let body: Value = http
        .post(gateway)
        .bearer_auth(token)
        .json(&json!({ "query": "{ conversiones(paginacion: {perPage: 50}) { paginacion { total } items { campania { nombre cliente { nombre } } afiliado { nombre } } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["conversiones"]["paginacion"]["total"]
            .as_u64()
            .is_some_and(|n| n >= 1000),
        "{body}"
    );
    let items = body["data"]["conversiones"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 50, "{body}");
    assert!(
        items.iter().all(|c| c["campania"]["nombre"].is_string()
            && c["campania"]["cliente"]["nombre"].is_string()
            && c["afiliado"]["nombre"].is_string()),
        "{body}"
    );
    // The demo's validated conversions reach pagos through the in-process bus: each one
    // becomes a commission.
    let mut comisiones = 0;
    for _ in 0..120 {
        comisiones = total(&http, gateway, token, "comisiones").await;
        if comisiones > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        comisiones > 0,
        "commissions from the demo's validated conversions"
    );
    // The seeds' REST BFF routes answer in their JSON shape, through the same engine,
    // for a caller with a token.
    let (status, _) = {
        let response = http
            .get(gateway.replace("/graphql", "/api/v1/dashboard"))
            .send()
            .await
            .expect("rest");
        (response.status().as_u16(), ())
    };
    assert_eq!(status, 401, "the REST routes read with the caller's token");
    let rest = |path: &str| {
        let url = gateway.replace("/graphql", path);
        let http = http.clone();
        let token = token.to_owned();
        async move {
            let response = http.get(url).bearer_auth(token).send().await.expect("rest");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("json"))
        }
    };
    let (status, dashboard) = rest("/api/v1/dashboard").await;
    assert_eq!(status, 200, "{dashboard}");
    assert_eq!(dashboard["total_clientes"], 300);
    assert_eq!(dashboard["total_campanias"], 60);
    assert_eq!(
        dashboard["clientes_recientes"].as_array().map(Vec::len),
        Some(5)
    );
    let (_, pagina) =
        rest("/api/v1/clientes?page=2&per_page=5&sort_by=nombre&sort_order=asc").await;
    assert_eq!(
        pagina["pagination"],
        json!({ "page": 2, "per_page": 5, "total": 300, "pages": 60, "has_next": true, "has_prev": true })
    );
    let nombres: Vec<&str> = pagina["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["nombre"].as_str())
        .collect();
    assert_eq!(nombres.len(), 5);
    // Sorted as the server sorts names: case and accents ignored.
    let folded = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .map(|c| match c {
                'á' => 'a',
                'é' => 'e',
                'í' => 'i',
                'ó' | 'ö' => 'o',
                'ú' | 'ü' => 'u',
                'ñ' => 'n',
                other => other,
            })
            .collect()
    };
    assert!(
        nombres.windows(2).all(|w| folded(w[0]) <= folded(w[1])),
        "{nombres:?}"
    );
    let id = pagina["data"][0]["id"].as_str().expect("id").to_owned();
    let (status, detalle) = rest(&format!("/api/v1/clientes/{id}")).await;
    assert_eq!(status, 200, "{detalle}");
    assert_eq!(detalle["cliente"]["id"], id.as_str());
    assert!(
        detalle["estadisticas"]["total_pagos"].is_number(),
        "{detalle}"
    );
    let (status, missing) = rest("/api/v1/clientes/00000000-0000-4000-8000-000000000000").await;
    assert_eq!(status, 404, "{missing}");
    assert!(missing["error"].is_string());
    let (status, bad) = rest("/api/v1/clientes?per_page=muchos").await;
    assert_eq!(status, 400, "{bad}");
    let buscado = nombres[0]
        .split_whitespace()
        .next()
        .expect("a word")
        .to_owned();
    let (_, encontrados) = rest(&format!("/api/v1/search?q={buscado}&limit=3")).await;
    assert_eq!(encontrados["query"], buscado.as_str(), "{encontrados}");
    let resultados = &encontrados["results"];
    assert!(
        resultados["clientes"]
            .as_array()
            .is_some_and(|c| !c.is_empty()
                && c.len() <= 3
                && c[0]["relevancia"].is_number()
                && c[0]["tipo"] == "cliente"),
        "{encontrados}"
    );
    let mut hallados = 0;
    for grupo in [
        "clientes",
        "afiliados",
        "campanias",
        "conversiones",
        "pagos",
    ] {
        let items = resultados[grupo].as_array();
        assert!(items.is_some(), "{grupo}: {encontrados}");
        hallados += items.map_or(0, Vec::len);
    }
    assert_eq!(encontrados["total_results"], hallados, "{encontrados}");
    // Five per kind unless asked otherwise, as the old BFF did.
    let (_, amplia) = rest("/api/v1/search?q=a").await;
    assert!(
        amplia["results"]["clientes"]
            .as_array()
            .is_some_and(|c| c.len() == 5),
        "{amplia}"
    );
    // One kind only, as `type` asks.
    let (_, solo) = rest(&format!("/api/v1/search?q={buscado}&type=cliente")).await;
    assert!(
        solo["results"]["clientes"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{solo}"
    );
    for grupo in ["afiliados", "campanias", "conversiones", "pagos"] {
        assert_eq!(solo["results"][grupo], json!([]), "{grupo}: {solo}");
    }
    // The old English state names are accepted for ours.
    let (_, activas) = rest("/api/v1/campanias?estado=ACTIVE&per_page=100").await;
    let activas = activas["data"].as_array().expect("data");
    assert!(!activas.is_empty());
    assert!(
        activas.iter().all(|c| c["estado"] == "ACTIVA"
            && c["cliente_id"].is_string()
            && c["cliente_nombre"].is_string()
            && c["fecha_inicio"].is_string()
            && c["fecha_fin"].is_string()),
        "{activas:?}"
    );
    let (status, fallidos) = rest("/api/v1/pagos?estado=FAILED&per_page=5").await;
    assert_eq!(status, 200, "{fallidos}");
    assert!(
        fallidos["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|p| p["estado"] == "FALLIDO"),
        "{fallidos}"
    );
    let (status, pagos) = rest("/api/v1/pagos?per_page=5").await;
    assert_eq!(status, 200, "{pagos}");
    assert!(
        pagos["agregaciones"]["pagos_completados"].is_number(),
        "{pagos}"
    );
    // A reader without the `pii` scope asks the routes to leave personal data out.
    let lector = login(&http, gateway, "lector").await;
    let leer = |query: &str| {
        http.get(gateway.replace("/graphql", &format!("/api/v1/clientes?per_page=2{query}")))
            .bearer_auth(&lector)
            .send()
    };
    assert_eq!(leer("").await.expect("rest").status(), 403);
    let sin_pii: Value = leer("&pii=false")
        .await
        .expect("rest")
        .json()
        .await
        .expect("json");
    assert_eq!(
        sin_pii["data"].as_array().map(Vec::len),
        Some(2),
        "{sin_pii}"
    );
    assert!(sin_pii["data"][0]["nombre"].is_string(), "{sin_pii}");
    assert!(sin_pii["data"][0]["email"].is_null(), "{sin_pii}");
    // Demo users log in for tokens the gateway accepts.
    let operador: Value = http
        .post(gateway.replace("/graphql", "/auth/login"))
        .json(&json!({ "username": "operador", "password": "operador" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    assert_eq!(
        operador["scopes"],
        json!(["lectura", "escritura"]),
        "{operador}"
    );
    let status = http
        .post(gateway)
        .bearer_auth(operador["token"].as_str().expect("token"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("query")
        .status();
    assert_eq!(status, 200);
    let graphiql = http
        .get(gateway.replace("/graphql", "/graphiql"))
        .send()
        .await
        .expect("graphiql");
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql.text().await.expect("html").contains("<html"));
    let pagos = demo_money(&http, gateway, token).await;
    stop(launched);
    assert!(data_dir.join("clientes.db").exists());

    // A second start migrates nothing new and loads no second copy of the demo data, nor
    // reviews or pays again.
    let again = launch(&data_dir);
    let token = login(&http, &again.urls[0], "admin").await;
    assert_eq!(total(&http, &again.urls[0], &token, "clientes").await, 300);
    assert_eq!(
        total(&http, &again.urls[0], &token, "afiliados").await,
        afiliados
    );
    assert_eq!(total(&http, &again.urls[0], &token, "pagos").await, pagos);
    let rest = again.output();
    assert!(
        !rest.iter().any(|l| l.starts_with(support::DEMO_MONEY_DONE)),
        "{rest:?}"
    );
    stop(again);
    std::fs::remove_dir_all(&data_dir).ok();
}

/// The demo's month end as its users see it: every payout state, each partner user with
/// its own payout, reports v1 and v2 and the dashboard with money. Returns the payouts.
async fn demo_money(http: &reqwest::Client, gateway: &str, token: &str) -> u64 {
    // The worker settles the payouts it can (a few seconds, retries included): then only
    // those waiting for the bank's maintenance or for their payment run are left open.
    let abiertos = "{ procesando: pagos(filtro: {estado: PROCESANDO}, paginacion: {perPage: 100}) { items { proximoIntento } }
                      pendientes: pagos(filtro: {estado: PENDIENTE}, paginacion: {perPage: 100}) { items { proximoIntento } } }";
    let en_horas = chrono::Utc::now() + chrono::Duration::hours(1);
    let despues = move |v: &Value| {
        v.as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t > en_horas)
    };
    until(http, gateway, token, abiertos, json!({}), |d| {
        ["procesando", "pendientes"].iter().all(|estado| {
            d[estado]["items"]
                .as_array()
                .is_some_and(|items| items.iter().all(|p| despues(&p["proximoIntento"])))
        })
    })
    .await;
    let data = gql(
        http,
        gateway,
        Some(token),
        "{ pagos(paginacion: {perPage: 1}) { paginacion { total } agregaciones { completados pendientes fallidos totalMonto { valor moneda } } }
           procesando: pagos(filtro: {estado: PROCESANDO}, paginacion: {perPage: 100}) { paginacion { total } items { intentos proximoIntento motivoFallo } }
           pendientes: pagos(filtro: {estado: PENDIENTE}, paginacion: {perPage: 100}) { paginacion { total } items { intentos proximoIntento } }
           aprobadas: comisiones(filtro: {estado: APROBADA}) { paginacion { total } }
           rechazadas: comisiones(filtro: {estado: RECHAZADA}) { paginacion { total } items { motivoRechazo auditoria { actor comentarios } } }
           calculadas: comisiones(filtro: {estado: CALCULADA}) { paginacion { total } } }",
        json!({}),
    )
    .await;
    assert!(data.get("errors").is_none(), "{data}");
    let d = &data["data"];
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("{data}"));
    let pagos = n(&d["pagos"]["paginacion"]["total"]);
    assert!(pagos >= 50, "{data}");
    let agregaciones = &d["pagos"]["agregaciones"];
    assert!(n(&agregaciones["completados"]) > 0, "{data}");
    assert!(n(&agregaciones["fallidos"]) > 0, "{data}");
    assert!(n(&d["procesando"]["paginacion"]["total"]) > 0, "{data}");
    assert!(n(&d["pendientes"]["paginacion"]["total"]) > 0, "{data}");
    assert!(
        d["totalMonto"].is_null()
            && agregaciones["totalMonto"]
                .as_array()
                .is_some_and(|m| !m.is_empty()),
        "{data}"
    );
    // PROCESANDO: waiting for the bank of the maintenance test account, hours ahead.
    assert!(
        d["procesando"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|p| p["intentos"] == 1 && despues(&p["proximoIntento"])),
        "{data}"
    );
    // PENDIENTE: some scheduled for the next payment run, never tried.
    assert!(
        d["pendientes"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|p| p["intentos"] == 0 && despues(&p["proximoIntento"])),
        "{data}"
    );
    // Reviews with comments in the audit trail; recent commissions still to review.
    assert!(n(&d["aprobadas"]["paginacion"]["total"]) > 100, "{data}");
    assert!(n(&d["calculadas"]["paginacion"]["total"]) > 0, "{data}");
    let rechazada = &d["rechazadas"]["items"][0];
    assert!(rechazada["motivoRechazo"].is_string(), "{data}");
    assert!(
        rechazada["auditoria"]
            .as_array()
            .expect("audit")
            .iter()
            .any(|a| a["actor"] == "demo" && a["comentarios"].is_string()),
        "{data}"
    );
    // Each partner user logs in and sees its own payout, one state each.
    for (usuario, estado) in [
        ("afiliado", "EXITOSO"),
        ("afiliado2", "FALLIDO"),
        ("afiliado3", "PROCESANDO"),
        ("afiliado4", "PENDIENTE"),
    ] {
        let socio = login(http, gateway, usuario).await;
        let propios = gql(
            http,
            gateway,
            Some(&socio),
            "{ pagos { items { estado afiliado { id } } } }",
            json!({}),
        )
        .await;
        let items = propios["data"]["pagos"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(items.len(), 1, "{usuario}: {propios}");
        assert_eq!(items[0]["estado"], estado, "{usuario}: {propios}");
    }
    // Reports v1 and v2 and the dashboard count the money.
    for version in ["V1", "V2"] {
        let cambio = gql(
            http,
            gateway,
            Some(token),
            "mutation($v: VersionReporte!) { cambiarVersionReporte(input: {version: $v}) { version } }",
            json!({ "v": version }),
        )
        .await;
        assert!(cambio.get("errors").is_none(), "{cambio}");
        let reporte = gql(
            http,
            gateway,
            Some(token),
            "{ reportePagos { version totalPagos ... on ReportePagosV2 { porEstado { estado cantidad } } } }",
            json!({}),
        )
        .await;
        let r = &reporte["data"]["reportePagos"];
        assert_eq!(r["version"], version, "{reporte}");
        assert_eq!(r["totalPagos"].as_u64(), Some(pagos), "{reporte}");
        if version == "V2" {
            assert!(
                r["porEstado"].as_array().is_some_and(
                    |e| e.len() == 4 && e.iter().all(|s| s["cantidad"].as_u64() > Some(0))
                ),
                "payouts in every state: {reporte}"
            );
        }
    }
    let dashboard = rest_get(http, gateway, "/api/v1/dashboard", token).await;
    assert_eq!(dashboard["total_pagos"], pagos, "{dashboard}");
    assert!(
        dashboard["agregaciones_pagos"]["pagos_completados"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{dashboard}"
    );
    pagos
}

/// A REST route of the gateway (`path` instead of its `/graphql`), read with `token`.
async fn rest_get(http: &reqwest::Client, gateway: &str, path: &str, token: &str) -> Value {
    http.get(gateway.replace("/graphql", path))
        .bearer_auth(token)
        .send()
        .await
        .expect("rest")
        .json()
        .await
        .expect("json")
}

/// Sends an operation to the gateway, with a token if given, and returns the body.
async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// How many live-event watchers the subgraphs report on `/health`, all together.
async fn live_watchers(http: &reqwest::Client, subgraphs: &[String]) -> u64 {
    let mut total = 0;
    for url in subgraphs {
        let health: Value = http
            .get(url.replace("/graphql", "/health"))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        total += health["liveWatchers"].as_u64().expect("liveWatchers");
    }
    total
}

/// A `graphql-transport-ws` subscription through the gateway (a real WebSocket), the
/// token in `connection_init`; returns once a subgraph watches for it.
async fn subscribe(
    launched: &Launched,
    token: &str,
    query: &str,
    variables: Value,
) -> testkit::WsClient {
    let http = reqwest::Client::new();
    let subgraphs = &launched.urls[1..];
    let before = live_watchers(&http, subgraphs).await;
    let url = launched.urls[0].replace("http://", "ws://");
    let mut client =
        testkit::WsClient::connect(&url, json!({ "Authorization": format!("Bearer {token}") }))
            .await
            .expect("websocket");
    client
        .subscribe("1", query, variables)
        .await
        .expect("subscribe");
    // The protocol does not say when the gateway's own subscription to the subgraph is
    // open: the subgraph's watcher count says it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while live_watchers(&http, subgraphs).await <= before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gateway never opened its subscription to the subgraph"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client
}

/// The payload of the subscription's next result.
async fn next(client: &mut testkit::WsClient) -> Value {
    client
        .next_payload(Duration::from_secs(30))
        .await
        .expect("a result")
        .expect("within 30 s")
}

/// Polls `query` until `done` holds for its data (at most 60 s).
async fn until(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..240 {
        last = gql(http, url, Some(token), query, variables.clone()).await;
        if done(&last["data"]) {
            return last["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("condition never held; last answer: {last}");
}

#[tokio::test]
async fn a_validated_conversion_is_paid_out_through_the_gateway() {
    let data_dir = std::env::temp_dir().join(format!("alpes-flujo-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let http = reqwest::Client::new();
    let launched = launch(&data_dir);
    let gateway = launched.urls[0].clone();
    // The money moves as the admin (payouts and approvals need `admin`).
    let token = login(&http, &gateway, "admin").await;
    let token = token.as_str();
    let auth = Some(token);

    // A demo partner and campaign, as the console would pick them.
    let data = gql(&http, &gateway, auth,
        "{ afiliados(filtro: {estado: ACTIVO}, paginacion: {perPage: 1}) { items { id configuracionComisiones { minimoPago { valor moneda } } } }
           campanias(paginacion: {perPage: 1}) { items { id gastoActual { valor moneda } } } }", json!({})).await;
    let afiliado = data["data"]["afiliados"]["items"][0].clone();
    let campania = data["data"]["campanias"]["items"][0].clone();
    let afiliado_id = afiliado["id"].as_str().expect("afiliado").to_owned();
    let campania_id = campania["id"].as_str().expect("campania").to_owned();
    let minimo = &afiliado["configuracionComisiones"]["minimoPago"];
    let moneda = minimo["moneda"].as_str().expect("moneda").to_owned();
    // Far above the partner's minimum, so any rate pays out.
    let valor = format!(
        "{}",
        minimo["valor"]
            .as_str()
            .expect("valor")
            .parse::<f64>()
            .map(|v| (v.ceil() as u64 + 1) * 1000)
            .expect("number")
    );

    // Live: new conversions of the campaign, completed by the gateway with the partner's
    // and the campaign's names from their own subgraphs.
    let mut conversiones = subscribe(&launched, token,
        "subscription($c: ID!) { conversionRegistrada(campaniaId: $c) { referenciaExterna afiliado { id nombre } campania { id nombre } } }",
        json!({ "c": campania_id })).await;
    // Live dashboard: the counters at once, then after each burst of changes; the root
    // field is conversiones', every other context's part is joined from its subgraph.
    let mut tablero = subscribe(&launched, token,
        "subscription { contadoresDashboard { id totalClientes totalAfiliados afiliadosActivos totalCampanias campaniasActivas
           totalConversiones conversionesRegistradas totalPagos agregacionesPagos { pendientes completados } } }",
        json!({})).await;
    let pushed = next(&mut tablero).await;
    let inicial = pushed["data"]["contadoresDashboard"].clone();
    assert_eq!(inicial["id"], "dashboard", "{pushed}");
    let leido = gql(&http, &gateway, auth,
        "{ clientes { paginacion { total } } afiliados { paginacion { total } } campanias { paginacion { total } } }",
        json!({})).await;
    for (campo, lista) in [
        ("totalClientes", "clientes"),
        ("totalAfiliados", "afiliados"),
        ("totalCampanias", "campanias"),
    ] {
        assert_eq!(
            inicial[campo], leido["data"][lista]["paginacion"]["total"],
            "{campo}: {pushed} vs {leido}"
        );
        assert!(inicial[campo].as_u64() > Some(0), "demo data: {pushed}");
    }
    let conversiones_antes = inicial["totalConversiones"].as_u64().expect("count");

    // 1. A conversion, registered and validated through the gateway.
    // conversiones learns the demo's partners and campaigns from their events: right after
    // start it may not know them yet (BAD_USER_INPUT), so the registration is retried.
    let mut registrada = Value::Null;
    for _ in 0..240 {
        registrada = gql(&http, &gateway, auth,
            "mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id estado } } }",
            json!({ "input": { "afiliadoId": afiliado_id, "campaniaId": campania_id, "tipo": "VENTA",
                               "valor": { "valor": valor, "moneda": moneda }, "canal": "web",
                               "referenciaExterna": "flujo-pagos-0001" } })).await;
        if registrada["errors"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let conversion = registrada["data"]["registrarConversion"]["conversion"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registrada}"))
        .to_owned();
    let pushed = next(&mut conversiones).await;
    let live = &pushed["data"]["conversionRegistrada"];
    assert_eq!(live["referenciaExterna"], "flujo-pagos-0001", "{pushed}");
    assert_eq!(live["afiliado"]["id"], afiliado_id.as_str());
    assert!(
        live["afiliado"]["nombre"].is_string(),
        "from afiliados: {pushed}"
    );
    assert!(
        live["campania"]["nombre"].is_string(),
        "from campanias: {pushed}"
    );
    // The dashboard's next pushes count it, once, without being asked.
    let mut ahora = Value::Null;
    for _ in 0..20 {
        ahora = next(&mut tablero).await["data"]["contadoresDashboard"].clone();
        if ahora["totalConversiones"].as_u64() == Some(conversiones_antes + 1) {
            break;
        }
    }
    assert_eq!(
        ahora["totalConversiones"].as_u64(),
        Some(conversiones_antes + 1),
        "{ahora}"
    );
    assert_eq!(
        ahora["conversionesRegistradas"].as_u64(),
        inicial["conversionesRegistradas"].as_u64().map(|n| n + 1),
        "{ahora}"
    );
    assert_eq!(ahora["totalClientes"], inicial["totalClientes"], "{ahora}");
    let validada = gql(
        &http,
        &gateway,
        auth,
        "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { estado } } }",
        json!({ "id": conversion }),
    )
    .await;
    assert_eq!(
        validada["data"]["validarConversion"]["conversion"]["estado"], "VALIDADA",
        "{validada}"
    );

    // 2. pagos calculates its commission from ConversionValidada (through the bus).
    let data = until(&http, &gateway, token,
        "query($id: ID!) { conversion(id: $id) { comision { id estado porcentaje monto { valor moneda } } } }",
        json!({ "id": conversion }), |d| d["conversion"]["comision"]["estado"] == "CALCULADA").await;
    let comision = data["conversion"]["comision"].clone();
    let comision_id = comision["id"].as_str().expect("comision").to_owned();

    // 3. Approved: the campaign's expense grows by the commission (ComisionAprobada).
    let aprobada = gql(
        &http,
        &gateway,
        auth,
        "mutation($id: ID!) { aprobarComision(input: {id: $id}) { comision { estado } } }",
        json!({ "id": comision_id }),
    )
    .await;
    assert_eq!(
        aprobada["data"]["aprobarComision"]["comision"]["estado"], "APROBADA",
        "{aprobada}"
    );
    let gasto_antes = campania["gastoActual"].clone();
    let data = until(&http, &gateway, token,
        "query($id: ID!) { campania(id: $id) { gastoActual { valor moneda } comisiones(estado: APROBADA) { id } } }",
        json!({ "id": campania_id }), |d| d["campania"]["gastoActual"] != gasto_antes).await;
    assert!(
        data["campania"]["comisiones"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == comision_id.as_str()),
        "{data}"
    );

    // 4. A payout requested through the gateway is accepted at once and processed; the
    // cached dashboard counters are recomputed once its event reaches the gateway.
    let contadores = "{ pagos { agregaciones { completados pendientes fallidos } } }";
    let totales = |body: &Value| {
        let a = &body["data"]["pagos"]["agregaciones"];
        ["completados", "pendientes", "fallidos"]
            .iter()
            .map(|k| a[*k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    let cached = |body: &reqwest::Response| {
        body.headers()
            .get("x-cache")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // The worker may still be settling earlier payouts, whose events make the counters
    // stale: asked twice in a row until no event came between, the second is a hit.
    let ask = || {
        http.post(&gateway)
            .bearer_auth(token)
            .json(&json!({ "query": contadores }))
            .send()
    };
    let mut antes = Value::Null;
    let mut hit = false;
    for _ in 0..20 {
        antes = ask().await.expect("query").json().await.expect("json");
        if cached(&ask().await.expect("query")) == "HIT" {
            hit = true;
            break;
        }
    }
    assert!(hit, "the dashboard counters are served from the cache");
    let mut pagos = subscribe(
        &launched,
        token,
        "subscription($a: ID!) { pagoActualizado(afiliadoId: $a) { estado afiliado { nombre } } }",
        json!({ "a": afiliado_id }),
    )
    .await;
    let pagado = gql(&http, &gateway, auth,
        "mutation($input: PagarInput!) { pagar(input: $input) { pago { id estado } } }",
        json!({ "input": { "idempotencyKey": "flujo-pagos-clave-0001", "afiliadoId": afiliado_id, "ciclo": "CYCLE-FLUJO",
                           "metodoPago": { "tipo": "TRANSFERENCIA_BANCARIA", "mascara": "****4321" }, "moneda": moneda } })).await;
    let pago = pagado["data"]["pagar"]["pago"].clone();
    assert!(
        matches!(
            pago["estado"].as_str(),
            Some("PENDIENTE" | "PROCESANDO" | "EXITOSO")
        ),
        "{pagado}"
    );
    let requested = std::time::Instant::now();
    let data = until(&http, &gateway, token, contadores, json!({}), |d| {
        totales(&json!({ "data": d })) == totales(&antes) + 1
    })
    .await;
    assert_eq!(
        totales(&json!({ "data": data })),
        totales(&antes) + 1,
        "fresh within the relay lag"
    );
    assert!(
        requested.elapsed() < Duration::from_secs(10),
        "recomputed after the event, not after the 30 s TTL: {:?}",
        requested.elapsed()
    );
    let data = until(&http, &gateway, token,
        "query($id: ID!) { pago(id: $id) { estado afiliado { id nombre saldoPendiente { valor } } comisiones { id estado campania { nombre } }
           auditoria { evento actor } } }",
        json!({ "id": pago["id"] }), |d| d["pago"]["estado"] == "EXITOSO").await;
    let pago = &data["pago"];
    assert!(
        pago["afiliado"]["nombre"].is_string(),
        "joined with afiliados: {data}"
    );
    assert!(
        pago["comisiones"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == comision_id.as_str()
                && c["estado"] == "PAGADA"
                && c["campania"]["nombre"].is_string()),
        "{data}"
    );
    // The subscriber saw the payout requested, then paid, with the partner's name.
    let mut estados = Vec::new();
    while estados.last().map(String::as_str) != Some("EXITOSO") {
        let pushed = next(&mut pagos).await;
        assert!(
            pushed["data"]["pagoActualizado"]["afiliado"]["nombre"].is_string(),
            "{pushed}"
        );
        estados.push(
            pushed["data"]["pagoActualizado"]["estado"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(
        estados.first().map(String::as_str),
        Some("PENDIENTE"),
        "{estados:?}"
    );
    let eventos: Vec<&str> = pago["auditoria"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["evento"].as_str())
        .collect();
    assert_eq!(eventos.first(), Some(&"PagoSolicitado"));
    assert_eq!(eventos.last(), Some(&"PagoExitoso"));

    let detalle = rest_get(
        &http,
        &gateway,
        &format!(
            "/api/v1/pagos/{}",
            pagado["data"]["pagar"]["pago"]["id"].as_str().expect("id")
        ),
        token,
    )
    .await;
    assert_eq!(detalle["pago"]["estado"], "EXITOSO", "{detalle}");
    assert_eq!(
        detalle["auditoria"]["eventos"][0]["evento"], "PagoSolicitado",
        "{detalle}"
    );
    assert!(
        detalle["transacciones"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x["tipo"] == "CARGO")),
        "{detalle}"
    );

    // 5. The report version switch is an admin mutation.
    let sin_token = gql(
        &http,
        &gateway,
        None,
        "mutation { cambiarVersionReporte(input: {version: V2}) { version } }",
        json!({}),
    )
    .await;
    assert!(sin_token["errors"].is_array(), "{sin_token}");
    let cambio = gql(
        &http,
        &gateway,
        Some(token),
        "mutation { cambiarVersionReporte(input: {version: V2}) { version } }",
        json!({}),
    )
    .await;
    assert_eq!(
        cambio["data"]["cambiarVersionReporte"]["version"], "V2",
        "{cambio}"
    );
    let reporte = gql(&http, &gateway, auth, "{ reportePagos { __typename totalPagos ... on ReportePagosV2 { porEstado { estado cantidad } } } }", json!({})).await;
    assert_eq!(
        reporte["data"]["reportePagos"]["__typename"], "ReportePagosV2",
        "{reporte}"
    );

    // 6. The paid conversion turns out invalid (a chargeback): conversiones reverses it,
    // and pagos, through the bus, reverses the paid commission and records its clawback
    // for the partner's next payout.
    let revertida = gql(
        &http,
        &gateway,
        auth,
        "mutation($id: ID!) { revertirConversion(input: {id: $id, motivo: \"Contracargo\"}) { conversion { estado } } }",
        json!({ "id": conversion }),
    )
    .await;
    assert_eq!(
        revertida["data"]["revertirConversion"]["conversion"]["estado"], "RECHAZADA",
        "{revertida}"
    );
    let data = until(&http, &gateway, token,
        "query($id: ID!) { comision(id: $id) { estado monto { valor moneda } reversion { estado pendiente { valor moneda } } } }",
        json!({ "id": comision_id }), |d| d["comision"]["estado"] == "RECHAZADA").await;
    assert_eq!(
        data["comision"]["reversion"]["estado"], "PENDIENTE",
        "{data}"
    );
    assert_eq!(
        data["comision"]["reversion"]["pendiente"], data["comision"]["monto"],
        "{data}"
    );
    // ... and campanias takes the commission back out of the campaign's expense
    // (ComisionRevertida → GastoRevertido).
    let data = until(
        &http,
        &gateway,
        token,
        "query($id: ID!) { campania(id: $id) { gastoActual { valor moneda } historial { tipo } } }",
        json!({ "id": campania_id }),
        |d| d["campania"]["gastoActual"] == gasto_antes,
    )
    .await;
    let revertidos = data["campania"]["historial"]
        .as_array()
        .expect("historial")
        .iter()
        .filter(|e| e["tipo"] == "GastoRevertido.v1")
        .count();
    assert_eq!(revertidos, 1, "{data}");
    stop(launched);
    std::fs::remove_dir_all(&data_dir).ok();
}
