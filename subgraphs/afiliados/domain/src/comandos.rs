use kernel::Dinero;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{TipoAfiliado, TipoCuenta, TipoDocumento};

/// The command to register a partner, as the caller gave it.
#[derive(Clone, Debug)]
pub struct RegistrarAfiliado {
    /// Caller-chosen id; generated when absent.
    pub id: Option<Uuid>,
    /// Full name.
    pub nombre: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub telefono: String,
    /// Document kind.
    pub documento_tipo: TipoDocumento,
    /// Document number.
    pub documento_numero: String,
    /// Tier.
    pub tipo: TipoAfiliado,
    /// Bank name.
    pub banco: String,
    /// Account kind.
    pub tipo_cuenta: TipoCuenta,
    /// Full account number.
    pub numero_cuenta: String,
    /// Base rate, %.
    pub comision_base: Decimal,
    /// Premium rate, %.
    pub comision_premium: Decimal,
    /// Smallest payout.
    pub minimo_pago: Dinero,
}

/// Changes to a partner; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ActualizarAfiliado {
    /// New name.
    pub nombre: Option<String>,
    /// New phone.
    pub telefono: Option<String>,
    /// New tier.
    pub tipo: Option<TipoAfiliado>,
    /// New bank data: bank, account kind, account number.
    pub datos_bancarios: Option<(String, TipoCuenta, String)>,
    /// New commission settings: base %, premium %, minimum payout.
    pub configuracion_comisiones: Option<(Decimal, Decimal, Dinero)>,
}
