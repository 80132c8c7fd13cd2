//! Authentication (JWT bearer tokens) and field authorization (`@authenticated`,
//! `@requiresScopes` of the supergraph).

mod jwt;
mod login;
mod policy;

pub use crate::config::{DEFAULT_LEEWAY_SECS, LoginUser, check_password_hash};
pub use jwt::{AuthError, Claims, JwksSource, JwtVerifier, expired};
pub use login::{IssuedToken, Login, LoginError, LoginThrottle, hash_password};
pub use policy::{AccessPolicy, Denial, Denied};
