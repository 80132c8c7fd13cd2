//! Authentication (JWT bearer tokens) and field authorization (`@authenticated`,
//! `@requiresScopes` of the supergraph).

mod jwt;
mod policy;

pub use jwt::{AuthError, Claims, JwtVerifier};
pub use policy::{AccessPolicy, Denied};
