use async_graphql::{Enum, InputObject, SimpleObject};

use super::DecimalScalar;
use crate::{
    error::{DomainError, DomainResult},
    money::{Dinero, Moneda},
};

/// Currency, in the schema.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "Moneda", rename_items = "UPPERCASE")]
pub enum MonedaGql {
    /// US dollar.
    Usd,
    /// Euro.
    Eur,
    /// Colombian peso.
    Cop,
}

impl From<Moneda> for MonedaGql {
    fn from(moneda: Moneda) -> Self {
        match moneda {
            Moneda::Usd => MonedaGql::Usd,
            Moneda::Eur => MonedaGql::Eur,
            Moneda::Cop => MonedaGql::Cop,
        }
    }
}

impl From<MonedaGql> for Moneda {
    fn from(moneda: MonedaGql) -> Self {
        match moneda {
            MonedaGql::Usd => Moneda::Usd,
            MonedaGql::Eur => Moneda::Eur,
            MonedaGql::Cop => Moneda::Cop,
        }
    }
}

/// An exact amount of money (`valor` is a decimal string, never a float).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Dinero", shareable)]
pub struct DineroGql {
    /// The amount, at the currency's scale.
    pub valor: DecimalScalar,
    /// The currency.
    pub moneda: MonedaGql,
}

impl From<Dinero> for DineroGql {
    fn from(dinero: Dinero) -> Self {
        Self {
            valor: DecimalScalar(dinero.valor()),
            moneda: dinero.moneda().into(),
        }
    }
}

/// An amount of money given by a client.
#[derive(InputObject, Clone, Debug)]
pub struct DineroInput {
    /// The amount (a decimal string like "1250.50").
    pub valor: DecimalScalar,
    /// The currency.
    pub moneda: MonedaGql,
}

impl DineroInput {
    /// Validates the amount for the input field `campo`: the currency's scale and the
    /// maximum every client amount has ([`Dinero::importe`]).
    pub fn to_domain(&self, campo: &str) -> DomainResult<Dinero> {
        Dinero::importe(self.valor.0, self.moneda.into())
            .map_err(|error| DomainError::invalid(campo, error.to_string()))
    }
}
