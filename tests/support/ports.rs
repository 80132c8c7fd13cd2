//! Free local ports for the processes a test starts.

use std::sync::atomic::{AtomicU64, Ordering};

/// Calls so far in this process: concurrent tests of one binary start from different places.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// A base port that, with the `span - 1` ports above it, is free right now. Taken below the
/// kernel's ephemeral range (32768 and up on Linux), so that no outgoing connection of the
/// processes started on them (to PostgreSQL, Redis, each other) can take one meanwhile.
pub(crate) fn free_ports(span: u16) -> u16 {
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let seed = u64::from(std::process::id()).wrapping_mul(7_919) + call * 1_009;
    for attempt in 0..500u64 {
        let offset = (seed + attempt * 104_729) % 10_000;
        let base = 20_000 + u16::try_from(offset).unwrap_or(0);
        if (0..span).all(|n| std::net::TcpListener::bind(("127.0.0.1", base + n)).is_ok()) {
            return base;
        }
    }
    panic!("no free port range");
}
