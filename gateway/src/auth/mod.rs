//! Authentication (JWT bearer tokens) and field authorization (`@authenticated`,
//! `@requiresScopes` of the supergraph).

mod jwt;
mod login;
mod policy;

pub use jwt::{AuthError, Claims, DEFAULT_LEEWAY_SECS, JwksSource, JwtVerifier};
pub use login::{
    IssuedToken, Login, LoginError, LoginThrottle, LoginUser, check_password_hash, hash_password,
};
pub use policy::{AccessPolicy, Denial, Denied};
