//! The caller's claims and what they let it see.

use std::collections::BTreeSet;

use serde_json::Value;
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// The `role` claim of a partner user.
pub const ROL_AFILIADO: &str = "afiliado";

/// Whether the token belongs to a partner user, and which partner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Socio {
    /// A platform user (operators, readers, services).
    #[default]
    No,
    /// A partner user of this partner.
    Afiliado(Uuid),
    /// A partner token without a usable partner id: it may see nothing (fail closed).
    Invalido,
}

/// The verified claims of a request's caller, as the gateway forwards them
/// (`x-gateway-claims`); anonymous when there are none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    autenticado: bool,
    sub: Option<String>,
    scopes: BTreeSet<String>,
    socio: Socio,
}

/// What rows a caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alcance {
    /// Every row its scopes allow.
    Plataforma,
    /// Only this partner's own rows (partner, conversions, commissions, payouts).
    Afiliado(Uuid),
}

impl Claims {
    /// No claims: an anonymous caller.
    pub const fn anonimo() -> Self {
        Self {
            autenticado: false,
            sub: None,
            scopes: BTreeSet::new(),
            socio: Socio::No,
        }
    }

    /// Claims from a JSON object: `sub`, scopes from `scope` (space-separated, OAuth 2)
    /// and `scopes` (array), a partner user from `role`/`rol` = `afiliado` and
    /// `afiliado_id`. Anything but an object is anonymous.
    pub fn from_json(value: &Value) -> Self {
        let Value::Object(map) = value else {
            return Self::anonimo();
        };
        let text = |name: &str| map.get(name).and_then(Value::as_str);
        let mut scopes: BTreeSet<String> = text("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(Value::Array(list)) = map.get("scopes") {
            scopes.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        let rol_afiliado = [text("role"), text("rol")]
            .into_iter()
            .flatten()
            .any(|rol| rol == ROL_AFILIADO);
        let socio = match map.get("afiliado_id") {
            // A partner id that is not a UUID must not widen what the token sees.
            Some(id) => id
                .as_str()
                .and_then(|id| Uuid::parse_str(id.trim()).ok())
                .map_or(Socio::Invalido, Socio::Afiliado),
            None if rol_afiliado => Socio::Invalido,
            None => Socio::No,
        };
        Self {
            autenticado: true,
            sub: text("sub").map(str::to_owned),
            scopes,
            socio,
        }
    }

    /// Claims from the JSON text of the gateway's header; unreadable text is anonymous
    /// (never more than what it says).
    pub fn from_header(text: &str) -> Self {
        serde_json::from_str::<Value>(text)
            .map(|value| Self::from_json(&value))
            .unwrap_or_default()
    }

    /// Whether a token was verified for this request.
    pub fn autenticado(&self) -> bool {
        self.autenticado
    }

    /// The user's name (`sub`), if any.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    /// Whether `scope` is granted.
    pub fn tiene(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Whether one of the alternatives is granted in full (`@requiresScopes` semantics:
    /// `[["pii"], ["admin"]]` is "pii, or admin").
    pub fn cumple<S: AsRef<str>, A: AsRef<[S]>>(&self, alternativas: &[A]) -> bool {
        alternativas
            .iter()
            .any(|todas| todas.as_ref().iter().all(|s| self.tiene(s.as_ref())))
    }

    /// `Ok` when [`Claims::cumple`]; otherwise `UNAUTHENTICATED` for an anonymous caller and
    /// `FORBIDDEN` (naming what is missing) for a token without the scopes.
    pub fn exigir<S: AsRef<str>, A: AsRef<[S]>>(&self, alternativas: &[A]) -> DomainResult<()> {
        if self.cumple(alternativas) {
            return Ok(());
        }
        if !self.autenticado {
            return Err(DomainError::Unauthenticated(
                "Inicia sesión: esta operación requiere un token".into(),
            ));
        }
        let requerido = alternativas
            .iter()
            .map(|todas| {
                todas
                    .as_ref()
                    .iter()
                    .map(|s| format!("«{}»", s.as_ref()))
                    .collect::<Vec<_>>()
                    .join(" y ")
            })
            .collect::<Vec<_>>()
            .join(" o ");
        Err(DomainError::Forbidden(format!(
            "Permiso insuficiente: se requiere el alcance {requerido}"
        )))
    }

    /// Which rows the caller may see; a partner token without a usable partner id is
    /// `FORBIDDEN` (it never falls back to the whole platform).
    pub fn alcance(&self) -> DomainResult<Alcance> {
        match self.socio {
            Socio::No => Ok(Alcance::Plataforma),
            Socio::Afiliado(id) => Ok(Alcance::Afiliado(id)),
            Socio::Invalido => Err(DomainError::Forbidden(
                "El token de afiliado no indica un afiliado_id válido".into(),
            )),
        }
    }
}

impl Alcance {
    /// The partner the caller is restricted to, if any.
    pub fn afiliado(self) -> Option<Uuid> {
        match self {
            Alcance::Plataforma => None,
            Alcance::Afiliado(id) => Some(id),
        }
    }

    /// Whether a row of `afiliado_id` is visible.
    pub fn permite(self, afiliado_id: Uuid) -> bool {
        self.afiliado().is_none_or(|propio| propio == afiliado_id)
    }

    /// `FORBIDDEN` unless a row (or an action) of `afiliado_id` is the caller's to see.
    pub fn exigir(self, afiliado_id: Uuid) -> DomainResult<()> {
        if self.permite(afiliado_id) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "Un afiliado solo accede a sus propios datos".into(),
            ))
        }
    }

    /// `FORBIDDEN` for a partner user: platform-wide actions (registering clients or
    /// partners, running campaigns) are not a partner's.
    pub fn exigir_plataforma(self) -> DomainResult<()> {
        match self {
            Alcance::Plataforma => Ok(()),
            Alcance::Afiliado(_) => Err(DomainError::Forbidden(
                "Un afiliado solo accede a sus propios datos".into(),
            )),
        }
    }

    /// The partner filter of a list: a partner user's own id (asking for another
    /// partner's is `FORBIDDEN`), or what the platform user asked for.
    pub fn filtro(self, pedido: Option<Uuid>) -> DomainResult<Option<Uuid>> {
        match (self, pedido) {
            (Alcance::Plataforma, pedido) => Ok(pedido),
            (Alcance::Afiliado(propio), Some(otro)) if otro != propio => Err(
                DomainError::Forbidden("Un afiliado solo accede a sus propios datos".into()),
            ),
            (Alcance::Afiliado(propio), _) => Ok(Some(propio)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{
        ErrorCode,
        auth::{ADMIN, PII},
    };

    #[test]
    fn scopes_come_from_scope_and_scopes() {
        let claims = Claims::from_json(&json!({
            "sub": "ana", "scope": "lectura escritura", "scopes": ["pii"]
        }));
        assert!(claims.autenticado());
        assert_eq!(claims.sub(), Some("ana"));
        assert_eq!(
            claims.scopes().collect::<Vec<_>>(),
            ["escritura", "lectura", "pii"]
        );
        assert_eq!(claims.alcance(), Ok(Alcance::Plataforma));
    }

    #[test]
    fn anonymous_is_unauthenticated_and_a_token_without_the_scope_is_forbidden() {
        let needs = [[PII].as_slice(), [ADMIN].as_slice()];
        assert_eq!(
            Claims::anonimo().exigir(&needs).map_err(|e| e.code()),
            Err(ErrorCode::Unauthenticated)
        );
        assert_eq!(
            Claims::from_header("not json")
                .exigir(&needs)
                .map_err(|e| e.code()),
            Err(ErrorCode::Unauthenticated)
        );
        let reader = Claims::from_json(&json!({ "sub": "l", "scope": "lectura" }));
        let denied = reader.exigir(&needs).expect_err("a reader has neither");
        assert_eq!(denied.code(), ErrorCode::Forbidden);
        assert!(denied.to_string().contains("«pii» o «admin»"), "{denied}");
        let admin = Claims::from_json(&json!({ "scope": "lectura admin" }));
        assert!(admin.exigir(&needs).is_ok());
        let both = [vec!["escritura".to_owned(), "admin".to_owned()]];
        assert!(!admin.cumple(&both));
    }

    #[test]
    fn a_partner_token_sees_only_its_partner_and_fails_closed_without_an_id() {
        let propio = Uuid::new_v4();
        let otro = Uuid::new_v4();
        let socio = Claims::from_json(&json!({
            "sub": "s", "scope": "lectura", "role": "afiliado", "afiliado_id": propio.to_string()
        }));
        let alcance = socio.alcance().expect("a partner scope");
        assert_eq!(alcance, Alcance::Afiliado(propio));
        assert!(alcance.permite(propio));
        assert!(!alcance.permite(otro));
        assert_eq!(alcance.filtro(None), Ok(Some(propio)));
        assert_eq!(alcance.filtro(Some(propio)), Ok(Some(propio)));
        assert_eq!(
            alcance.filtro(Some(otro)).map_err(|e| e.code()),
            Err(ErrorCode::Forbidden)
        );
        assert_eq!(Alcance::Plataforma.filtro(Some(otro)), Ok(Some(otro)));
        for sin_id in [
            json!({ "scope": "lectura", "role": "afiliado" }),
            json!({ "scope": "lectura", "afiliado_id": "no-uuid" }),
            json!({ "scope": "lectura", "afiliado_id": 7 }),
        ] {
            assert_eq!(
                Claims::from_json(&sin_id).alcance().map_err(|e| e.code()),
                Err(ErrorCode::Forbidden),
                "{sin_id}"
            );
        }
    }
}
