use chrono::{DateTime, Utc};
use kernel::Dinero;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Canal, EventoRegistrado, TipoCampania};

/// The command to create a campaign, as the caller gave it.
#[derive(Clone, Debug)]
pub struct CrearCampania {
    /// Caller-chosen id; generated when absent.
    pub id: Option<Uuid>,
    /// The advertiser.
    pub cliente_id: Uuid,
    /// Name.
    pub nombre: String,
    /// Description.
    pub descripcion: String,
    /// Kind.
    pub tipo: TipoCampania,
    /// Channels (duplicates are dropped).
    pub canales: Vec<Canal>,
    /// Youngest age targeted.
    pub edad_minima: Option<i64>,
    /// Oldest age targeted.
    pub edad_maxima: Option<i64>,
    /// Places targeted.
    pub ubicaciones: Vec<String>,
    /// Rate per conversion, %.
    pub por_conversion: Decimal,
    /// Rate per sale, %.
    pub por_venta: Decimal,
    /// Target bonus, %.
    pub bonus_objetivos: Decimal,
    /// The objective: conversions of one partner in the campaign.
    pub objetivo_conversiones: Option<i64>,
    /// Start.
    pub fecha_inicio: DateTime<Utc>,
    /// End.
    pub fecha_fin: DateTime<Utc>,
    /// Budget.
    pub presupuesto: Dinero,
}

/// A command on an existing campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComandoCampania {
    /// CREADA → ACTIVA, or PAUSADA → ACTIVA.
    Activar,
    /// ACTIVA → PAUSADA.
    Pausar,
    /// ACTIVA → COMPLETADA.
    Completar,
    /// New budget, same currency, not below the expense.
    ActualizarPresupuesto(Dinero),
    /// An approved commission to add to the expense.
    RegistrarGasto {
        /// The commission.
        comision_id: Uuid,
        /// The partner it pays.
        afiliado_id: Uuid,
        /// Its amount.
        monto: Dinero,
    },
    /// A reversed commission whose expense, if it was registered, is taken back.
    RevertirGasto {
        /// The commission.
        comision_id: Uuid,
        /// The expense event the event store holds for it (`GastoRegistrado` or
        /// `SobregiroRegistrado`), `None` if it never reached this context.
        gasto: Option<Box<EventoRegistrado>>,
        /// Why it was reversed.
        motivo: String,
    },
}
