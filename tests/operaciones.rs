//! Health and operations of the embedded binary (in-process bus, SQLite), over real HTTP:
//! the gateway's `/health` with every context's event flow, the old BFF's
//! `/api/v1/health` and JSON metrics, and the event statistics in the gateway's and each
//! subgraph's Prometheus `/metrics`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{launch, login, stop};

const CONTEXTOS: [&str; 5] = [
    "clientes",
    "afiliados",
    "campanias",
    "conversiones",
    "pagos",
];

fn subgrafo<'a>(health: &'a Value, nombre: &str) -> &'a Value {
    health["subgraphs"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == nombre))
        .unwrap_or_else(|| panic!("{nombre} not in {health}"))
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn texto(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.expect("answer");
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_operations_of_the_embedded_platform() {
    let data_dir = std::env::temp_dir().join(format!("alpes-operaciones-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let http = reqwest::Client::new();
    let launched = launch(&data_dir);
    let gateway = launched.urls[0].clone();
    let base = gateway.trim_end_matches("/graphql").to_owned();

    // Once the demo data's events are relayed and consumed, every context's flow is up.
    let mut health = Value::Null;
    for _ in 0..600 {
        let (status, body) = get_json(&http, &format!("{base}/health")).await;
        health = body;
        let al_dia = status == 200
            && health["status"] == "up"
            && CONTEXTOS.iter().all(|c| {
                let events = &subgrafo(&health, c)["events"];
                events["status"] == "up"
                    && events["outbox"]["backlog"] == 0
                    && events["bus"]["groups"]
                        .as_array()
                        .is_some_and(|g| g.iter().all(|g| g["pending"] == 0 && g["lag"] == 0))
            });
        if al_dia {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(health["status"], "up", "{health}");
    for contexto in CONTEXTOS {
        let events = &subgrafo(&health, contexto)["events"];
        assert_eq!(events["status"], "up", "{contexto}: {health}");
        assert_eq!(events["bus"]["kind"], "in-process", "{health}");
        assert_eq!(events["outbox"]["backlog"], 0, "{contexto}: {health}");
        assert!(
            events["outbox"]["lastPublishedSeq"].is_number(),
            "the demo data's events were published: {contexto}: {health}"
        );
    }
    // Each context lists its own consumer groups, one member each, caught up.
    let pagos = &subgrafo(&health, "pagos")["events"];
    let grupos: Vec<&str> = pagos["bus"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["group"].as_str().expect("name"))
        .collect();
    assert_eq!(
        grupos,
        [
            "pagos.afiliados",
            "pagos.campanias",
            "pagos.comisiones",
            "pagos.reversiones"
        ],
        "{pagos}"
    );
    assert!(
        pagos["bus"]["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .all(|g| g["consumers"] == 1),
        "{pagos}"
    );
    assert_eq!(
        subgrafo(&health, "afiliados")["events"]["bus"]["groups"],
        json!([]),
        "afiliados consumes nothing: no group is its own"
    );
    assert!(
        pagos["inbox"]
            .as_array()
            .is_some_and(|i| i.iter().any(|c| c["applied"].as_u64() > Some(0))),
        "pagos applied the demo's events: {pagos}"
    );

    // The old BFF's health document.
    let (status, bff) = get_json(&http, &format!("{base}/api/v1/health")).await;
    assert_eq!(status, 200, "{bff}");
    assert_eq!(bff["status"], "healthy", "{bff}");
    assert_eq!(bff["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        bff["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{bff}"
    );
    let servicios: Vec<&String> = bff["services"]
        .as_object()
        .expect("services")
        .keys()
        .collect();
    assert_eq!(
        servicios,
        [
            "afiliados_service",
            "campanias_service",
            "cliente_service",
            "conversiones_service",
            "pagos_service"
        ],
        "{bff}"
    );
    for servicio in bff["services"].as_object().expect("services").values() {
        assert_eq!(servicio["status"], "up", "{bff}");
        assert!(servicio["response_time_ms"].is_u64(), "{bff}");
    }
    for campo in ["hits", "misses", "hit_rate"] {
        assert!(bff["cache"][campo].is_number(), "{bff}");
    }

    // A write leaves through clientes' relay: the last published row moves on.
    let antes = subgrafo(&health, "clientes")["events"]["outbox"]["lastPublishedSeq"]
        .as_i64()
        .expect("seq");
    let token = login(&http, &gateway, "admin").await;
    let registrado: Value = http
        .post(&gateway)
        .bearer_auth(&token)
        .json(&json!({ "query": r#"mutation { registrarCliente(input: { nombre: "Operaciones Uno",
            email: "operaciones.uno@example.com", cedula: "5566778899", fechaNacimiento: "1985-02-03" }) { cliente { id } } }"# }))
        .send()
        .await
        .expect("mutation")
        .json()
        .await
        .expect("json");
    assert!(registrado.get("errors").is_none(), "{registrado}");
    let mut clientes = Value::Null;
    for _ in 0..100 {
        let (_, body) = get_json(&http, &format!("{base}/health")).await;
        clientes = subgrafo(&body, "clientes")["events"].clone();
        if clientes["outbox"]["lastPublishedSeq"].as_i64() > Some(antes)
            && clientes["outbox"]["backlog"] == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        clientes["outbox"]["lastPublishedSeq"].as_i64() > Some(antes),
        "{clientes}"
    );
    assert!(clientes["outbox"]["relayLagMs"].is_u64(), "{clientes}");

    // Requests counted by the gateway's histograms, in the seed's JSON shape.
    for _ in 0..3 {
        let (status, _) = get_json(
            &http,
            &format!("{base}/api/v1/clientes?per_page=2&pii=false"),
        )
        .await;
        assert_eq!(status, 401, "REST routes need a token");
        let response = http
            .get(format!("{base}/api/v1/clientes?per_page=2"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("REST");
        assert_eq!(response.status(), 200);
    }
    let (status, metricas) = get_json(&http, &format!("{base}/api/v1/metrics")).await;
    assert_eq!(status, 200, "{metricas}");
    assert!(metricas["count"].as_u64() >= Some(4), "{metricas}");
    for campo in ["errors", "p50", "p95", "p99"] {
        assert!(metricas[campo].is_number(), "{campo}: {metricas}");
    }
    assert!(
        metricas["p50"].as_f64() <= metricas["p99"].as_f64(),
        "{metricas}"
    );
    // Anonymous calls run too, and answer 401 from their fields' errors: errors.
    let clientes = &metricas["operations"]["Clientes"];
    assert_eq!(
        (clientes["count"].as_u64(), clientes["errors"].as_u64()),
        (Some(6), Some(3)),
        "{metricas}"
    );
    assert!(metricas["errors"].as_u64() >= Some(3), "{metricas}");
    assert!(
        metricas["subgraphs"]["clientes"]["count"].as_u64() >= Some(1),
        "{metricas}"
    );
    let (_, negociado) = {
        let response = http
            .get(format!("{base}/metrics"))
            .header("accept", "application/json")
            .send()
            .await
            .expect("metrics");
        (
            response.status(),
            response.json::<Value>().await.expect("JSON"),
        )
    };
    assert_eq!(
        negociado["operations"]["Clientes"]["count"], 6,
        "{negociado}"
    );

    // Prometheus: every context's series on the gateway, labelled by subgraph and group.
    let prometheus = texto(&http, &format!("{base}/metrics")).await;
    for contexto in CONTEXTOS {
        let linea = format!("events_up{{subgraph=\"{contexto}\"}} 1.0");
        assert!(
            prometheus.lines().any(|l| l == linea),
            "{linea}\n{prometheus}"
        );
        let backlog = format!("events_outbox_backlog{{subgraph=\"{contexto}\"}}");
        assert!(prometheus.contains(&backlog), "{backlog}\n{prometheus}");
    }
    assert!(
        prometheus.lines().any(|l| l
            == r#"events_consumer_group_members{subgraph="pagos",group="pagos.comisiones"} 1.0"#),
        "{prometheus}"
    );
    // And on each subgraph's own /metrics, open without the gateway's credential.
    for url in &launched.urls[1..] {
        let own = texto(&http, &url.replace("/graphql", "/metrics")).await;
        assert!(
            own.lines()
                .any(|l| l.starts_with("events_up{subgraph=") && l.ends_with(" 1")),
            "{url}: {own}"
        );
        assert!(
            own.contains("events_bus_stream_length{subgraph="),
            "{url}: {own}"
        );
    }

    stop(launched);
    std::fs::remove_dir_all(&data_dir).ok();
}
