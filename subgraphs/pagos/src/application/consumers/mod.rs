//! Events of other contexts that this context applies (at least once, in any order):
//! - `ConversionValidada.v1` creates the conversion's commission; the unique
//!   `conversion_id` makes a redelivery, or the same conversion in another event, a
//!   no-op, and the runtime's inbox skips exact duplicates;
//! - `AfiliadoRegistrado.v1` / `AfiliadoActualizado.v1` / `AfiliadoEliminado.v1` and
//!   `CampaniaCreada.v1` feed the projections the rate comes from (a deleted partner is
//!   its last version, ELIMINADO, and is never paid). A commission whose partner or
//!   campaign is not yet known stays PENDIENTE and is calculated when the missing fact arrives, so the order
//!   of arrival never changes the result. The three consumers' transactions are
//!   serialised ([`ComisionesEnTransaccion::serializar`]), so concurrent ones never miss
//!   each other's rows.
//!
//! - `ConversionRechazada.v1` reverses the conversion's commission: refused if not yet
//!   approved; if approved, reversed, with a clawback when a payout paid it or holds it
//!   (deducted from the partner's next payouts, see `Pago::aceptar`). A conversion
//!   rejected before its commission exists is remembered: a late `ConversionValidada`
//!   creates none.
//!
//! The handlers parse the event, the aggregate applies its rules (`Comision::nueva`,
//! `Comision::calcular`), and the port writes in the runtime's transaction.

mod calculo;
mod handlers;
mod port;

pub use handlers::{
    ComisionPorConversion, ProyeccionAfiliados, ProyeccionCampanias, ReversionPorConversion,
};
pub use port::{ComisionesEnTransaccion, Pendientes};
