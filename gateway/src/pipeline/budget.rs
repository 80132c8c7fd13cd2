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

/// Runs CPU-heavy work on a blocking thread, so that it never holds up the threads
/// serving other requests and a timer can end the request while it runs. A panic in it
/// is an internal error of this request only.
pub async fn offload<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PipelineError> + Send + 'static,
) -> Result<T, PipelineError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => {
            tracing::error!(%error, "a request stage panicked");
            Err(PipelineError::single(
                ErrorCode::InternalServerError,
                "internal error while preparing the request",
            ))
        }
    }
}
