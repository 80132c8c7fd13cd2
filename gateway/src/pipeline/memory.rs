//! How the plan and document caches count memory, so a byte budget holds in resident
//! memory and not just in the estimate.

/// Entries the caches are sized for at first (they grow to their byte budget).
pub(crate) const ESTIMATED_ENTRIES: usize = 4096;

/// What the caches' size estimates are multiplied by (in halves): resident memory grows
/// about 2.5 times the plain estimate (allocator pages and headers, planning's leftovers),
/// measured by `cargo bench -p gateway --bench planning` over 10,000 distinct queries.
const MEASURED_OVERHEAD: u64 = 5;

/// An estimate of bytes scaled by [`MEASURED_OVERHEAD`] (at least 1: quick_cache skips
/// weightless entries from its accounting).
pub(crate) fn resident(estimate: u64) -> u64 {
    (estimate * MEASURED_OVERHEAD / 2).max(1)
}
