//! The collector's per-partner rate limit: in memory per process, and shared by two app
//! instances through one real Redis (`TEST_REDIS_URL`, default `redis://127.0.0.1:6379`).

mod common;

use anyhow::Result;
use common::*;
use conversiones::{Config, Conversiones, ratelimit::LimiteTasa};
use testkit::{Backend, TestSubgraph, error_code, on_both_backends};
use uuid::Uuid;

const CAPACIDAD: u32 = 10;

fn config(redis: bool) -> Config {
    Config {
        // One token a second: a test of a few seconds gains at most a few.
        limite: LimiteTasa {
            capacidad: CAPACIDAD,
            recarga_por_segundo: 1,
        },
        redis_url: redis.then(|| {
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
        }),
        // A prefix per test: parallel tests and earlier runs never share buckets.
        redis_prefix: format!("test:conversiones:{}", Uuid::new_v4().simple()),
    }
}

/// Sends `n` CLICKs of one partner, alternating between the instances, all at once.
/// Returns (accepted, rate-limited, seconds taken).
async fn burst(
    instances: &[&TestSubgraph],
    afiliado: &str,
    n: usize,
) -> Result<(usize, usize, f64)> {
    let campania = Uuid::new_v4().to_string();
    let started = std::time::Instant::now();
    let bodies = futures::future::join_all((0..n).map(|i| {
        instances[i % instances.len()]
            .gql(REGISTRAR_EVENTO, evento_input("CLICK", afiliado, &campania))
    }))
    .await;
    let (mut ok, mut limited) = (0, 0);
    for body in bodies {
        let body = body?;
        match error_code(&body) {
            None => ok += 1,
            Some("RATE_LIMITED") => {
                limited += 1;
                let message = body["errors"][0]["message"].as_str().unwrap_or_default();
                assert!(message.contains("Demasiados eventos"), "{body}");
            }
            Some(other) => anyhow::bail!("unexpected {other}: {body}"),
        }
    }
    Ok((ok, limited, started.elapsed().as_secs_f64()))
}

async fn stored(instances: &[&TestSubgraph]) -> Result<i64> {
    let mut total = 0;
    for sg in instances {
        total += count(sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await?;
    }
    Ok(total)
}

async fn memory_limit_holds_per_partner_and_stores_nothing_over_it(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones::with_config(config(false)), backend).await?;
    let afiliado = Uuid::new_v4().to_string();
    let (ok, limited, secs) = burst(&[&sg], &afiliado, 30).await?;
    let allowed = CAPACIDAD as usize + secs.ceil() as usize;
    assert!(
        (CAPACIDAD as usize..=allowed).contains(&ok),
        "{ok} accepted"
    );
    assert_eq!(ok + limited, 30);
    assert_eq!(
        stored(&[&sg]).await?,
        ok as i64,
        "nothing stored over the limit"
    );
    // Another partner has its own bucket.
    let (ok2, _, _) = burst(&[&sg], &Uuid::new_v4().to_string(), 3).await?;
    assert_eq!(ok2, 3);
    sg.stop().await
}

async fn redis_limit_is_shared_by_two_instances(backend: Backend) -> Result<()> {
    let shared = config(true);
    let a = TestSubgraph::start(&Conversiones::with_config(shared.clone()), backend).await?;
    let b = TestSubgraph::start(&Conversiones::with_config(shared), backend).await?;
    let afiliado = Uuid::new_v4().to_string();
    let (ok, limited, secs) = burst(&[&a, &b], &afiliado, 40).await?;
    // One bucket for both: about CAPACIDAD in total, not CAPACIDAD each.
    let allowed = CAPACIDAD as usize + secs.ceil() as usize;
    assert!(
        (CAPACIDAD as usize..=allowed).contains(&ok),
        "{ok} accepted of 40"
    );
    assert_eq!(ok + limited, 40);
    assert_eq!(stored(&[&a, &b]).await?, ok as i64);

    // Without Redis, each instance has its own bucket: twice as many pass.
    let local = config(false);
    let c = TestSubgraph::start(&Conversiones::with_config(local.clone()), backend).await?;
    let d = TestSubgraph::start(&Conversiones::with_config(local), backend).await?;
    let (ok_local, _, secs) = burst(&[&c, &d], &afiliado, 40).await?;
    let allowed = 2 * CAPACIDAD as usize + 2 * secs.ceil() as usize;
    assert!(
        (2 * CAPACIDAD as usize..=allowed).contains(&ok_local),
        "{ok_local}"
    );
    for sg in [a, b, c, d] {
        sg.stop().await?;
    }
    Ok(())
}

on_both_backends!(
    memory_limit_holds_per_partner_and_stores_nothing_over_it,
    redis_limit_is_shared_by_two_instances,
);
