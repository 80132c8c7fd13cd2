//! The request's time budget: CPU-heavy stages (parsing, validation, limits, planning,
//! projection) run on blocking threads and look at the request's deadline between stages
//! and, where they loop, inside; past it the request ends with `REQUEST_TIMEOUT`.

use std::time::Instant;

use super::{ErrorCode, PipelineError};

/// The error of a request whose budget ran out while `stage` was running.
pub fn exceeded(stage: &str) -> PipelineError {
    PipelineError::single(
        ErrorCode::RequestTimeout,
        format!("the request ran out of time while {stage}"),
    )
}

/// `Err(REQUEST_TIMEOUT)` once `deadline` has passed.
pub fn check(deadline: Option<Instant>, stage: &str) -> Result<(), PipelineError> {
    match deadline {
        Some(deadline) if Instant::now() >= deadline => Err(exceeded(stage)),
        _ => Ok(()),
    }
}
