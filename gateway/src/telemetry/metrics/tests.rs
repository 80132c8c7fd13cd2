//! Tests of the parent module.

use super::*;

fn series(metrics: &Metrics) -> Vec<String> {
    let mut names: Vec<String> = metrics
        .render(0)
        .lines()
        .filter(|l| l.starts_with("gateway_request_duration_seconds_count"))
        .filter_map(|l| {
            l.split("operation=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn percentiles_come_from_the_buckets_within_the_extremes() {
    let metrics = Metrics::new();
    // 100 requests of 1..=100 ms, five of them answered with errors.
    for ms in 1..=100u64 {
        let outcome = if ms % 20 == 0 {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        metrics.request(Some("Lista"), outcome, Duration::from_millis(ms));
    }
    metrics.request(None, Outcome::Rejected, Duration::from_micros(100));
    metrics.subgraph_request("uno", Outcome::Ok, Duration::from_millis(8));
    let summary = metrics.summary(&["uno".to_owned(), "dos".to_owned()]);
    assert_eq!(summary["count"], 101);
    assert_eq!(summary["errors"], 5);
    assert_eq!(summary["rejected"], 1);
    let lista = &summary["operations"]["Lista"];
    assert_eq!(
        (lista["count"].as_u64(), lista["errors"].as_u64()),
        (Some(100), Some(5))
    );
    // Doubling buckets: an estimate within its bucket, never past the largest value.
    let p = |q: &str| lista[q].as_f64().expect("a number");
    assert!((32.0..=64.0).contains(&p("p50")), "{lista}");
    assert!((64.0..=100.0).contains(&p("p95")), "{lista}");
    assert!(p("p99") <= 100.0 && p("p99") >= p("p95"), "{lista}");
    assert_eq!(summary["operations"]["(anonymous)"]["rejected"], 1);
    assert_eq!(summary["subgraphs"]["uno"]["count"], 1);
    assert_eq!(
        summary["subgraphs"]["uno"]["p50"], 8.0,
        "one observation is itself"
    );
    assert!(summary["subgraphs"].get("dos").is_none(), "{summary}");
    let empty = Metrics::new().summary(&[]);
    assert_eq!(
        empty,
        json!({ "count": 0, "errors": 0, "rejected": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0,
                "operations": {}, "subgraphs": {} })
    );
}

#[test]
fn the_exposition_keeps_the_prometheus_histogram_format() {
    let metrics = Metrics::new();
    metrics.request(Some("Q"), Outcome::Ok, Duration::from_millis(3));
    let text = metrics.render(0);
    for line in [
        r#"gateway_request_duration_seconds_count{operation="Q",outcome="Ok"} 1"#,
        r#"gateway_request_duration_seconds_bucket{le="0.002",operation="Q",outcome="Ok"} 0"#,
        r#"gateway_request_duration_seconds_bucket{le="0.004",operation="Q",outcome="Ok"} 1"#,
        r#"gateway_request_duration_seconds_bucket{le="+Inf",operation="Q",outcome="Ok"} 1"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    assert!(
        text.contains("# TYPE gateway_request_duration_seconds histogram"),
        "{text}"
    );
}

#[test]
fn operation_names_from_clients_make_a_bounded_number_of_series() {
    let metrics = Metrics::new();
    for i in 0..MAX_OPERATION_LABELS + 50 {
        metrics.request(Some(&format!("Op{i}")), Outcome::Ok, Duration::ZERO);
    }
    // Names already labelled keep their series.
    metrics.request(Some("Op0"), Outcome::Ok, Duration::ZERO);
    for odd in ["", "é", "1abc", "a b", &"x".repeat(MAX_OPERATION_LABEL + 1)] {
        metrics.request(Some(odd), Outcome::Rejected, Duration::ZERO);
    }
    metrics.request(None, Outcome::Ok, Duration::ZERO);
    let names = series(&metrics);
    assert_eq!(names.len(), MAX_OPERATION_LABELS + 2, "{names:?}");
    assert!(names.contains(&"Op0".to_owned()));
    assert!(names.contains(&"other".to_owned()));
    assert!(names.contains(&"(anonymous)".to_owned()));
    assert!(!names.contains(&format!("Op{}", MAX_OPERATION_LABELS)));
}
