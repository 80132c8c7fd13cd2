//! Authorization inputs every subgraph shares: who the caller is, as the gateway vouches
//! for it ([`Claims`], from `x-gateway-claims`), what it may see ([`Alcance`]: the whole
//! platform or one partner's rows), the scopes of the model, and the per-partner API keys
//! of the tracking collector ([`clave_api`]).
//!
//! Plain Rust: no GraphQL, no HTTP. The GraphQL layer enforces it
//! (`subgraph_kit::graphql::autorizacion`), the server puts the claims in each request.
//!
//! # The model
//! | scope | grants |
//! | --- | --- |
//! | [`LECTURA`] | reading business data (every query, subscription and entity) |
//! | [`ESCRITURA`] | every mutation |
//! | [`ADMIN`] | with `escritura`: the money and control actions (approve or reject commissions, payouts, partner suspension and deletion, report switches, API keys); also reads personal data |
//! | [`PII`] | reading personal data (e-mail, cédula, birth date, phone, identity document, bank and payment data, end customers' data) |
//!
//! A partner user is a token with role `afiliado` and its partner's id (`afiliado_id`):
//! whatever its scopes, it sees only its own partner, conversions, commissions and
//! payouts ([`Alcance::Afiliado`]).

mod claims;
pub mod clave_api;

pub use claims::{Alcance, Claims, ROL_AFILIADO};

/// Reading business data.
pub const LECTURA: &str = "lectura";
/// Every mutation.
pub const ESCRITURA: &str = "escritura";
/// Money and control actions (with [`ESCRITURA`]); personal data.
pub const ADMIN: &str = "admin";
/// Personal data.
pub const PII: &str = "pii";
