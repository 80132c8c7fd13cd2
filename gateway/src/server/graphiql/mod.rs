//! GraphiQL, served from the binary. (Being built.)

use axum::Router;

/// Routes of GraphiQL under `/graphiql`.
pub fn router() -> Router {
    Router::new()
}
