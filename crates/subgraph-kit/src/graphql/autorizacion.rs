//! The authorization model enforced in each subgraph (defence in depth behind the
//! gateway), from the claims the gateway forwards.
//!
//! - [`PoliticaAlcances`] is an async-graphql extension that enforces the subgraph's own
//!   `@requiresScopes` (declared with `#[graphql(requires_scopes = "…")]`): the very rules
//!   the gateway reads from the supergraph are checked again here before any resolver
//!   runs, so the two can never drift apart. It also requires `lectura` for `_entities`
//!   (every entity field is business data; only the gateway asks for them).
//! - [`exigir`], [`alcance`] and [`claims`] are for what a directive cannot say:
//!   subscription roots (declared with [`RequiereAlcances`], but no extension runs for them), the
//!   collector's API key alternative, and row-level filtering of partner users.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use async_graphql::{
    Context, PathSegment, SDLExportOptions, ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
    parser::types::{TypeKind, TypeSystemDefinition},
};

use super::to_graphql_error;
use crate::auth::{Alcance, Claims, LECTURA};

/// Any one of these scope sets, each needed in full.
type Alternativas = Vec<Vec<String>>;

/// Requirements by type and field name.
#[derive(Debug, Default)]
struct Reglas(HashMap<String, HashMap<String, Alternativas>>);

impl Reglas {
    /// The `@requiresScopes` of every field of an SDL (object and interface types and
    /// their extensions).
    fn desde_sdl(sdl: &str) -> Self {
        let mut reglas = Self::default();
        let documento = match async_graphql::parser::parse_schema(sdl) {
            Ok(documento) => documento,
            Err(error) => {
                // Our own SDL always parses; if it ever did not, every protected field
                // would be open, so nothing is answered instead.
                tracing::error!(%error, "authorization: the subgraph's SDL does not parse");
                reglas.agregar("Query", "*", vec![vec!["\u{0}".to_owned()]]);
                return reglas;
            }
        };
        for definicion in documento.definitions {
            let TypeSystemDefinition::Type(tipo) = definicion else {
                continue;
            };
            let tipo = tipo.node;
            let campos = match tipo.kind {
                TypeKind::Object(o) => o.fields,
                TypeKind::Interface(i) => i.fields,
                _ => continue,
            };
            for campo in campos {
                let campo = campo.node;
                for directiva in &campo.directives {
                    if directiva.node.name.node != "requiresScopes" {
                        continue;
                    }
                    let alternativas = directiva
                        .node
                        .get_argument("scopes")
                        .map(|v| alternativas(&v.node))
                        .unwrap_or_default();
                    reglas.agregar(&tipo.name.node, &campo.name.node, alternativas);
                }
            }
        }
        reglas
    }

    fn agregar(&mut self, tipo: &str, campo: &str, alternativas: Alternativas) {
        self.0
            .entry(tipo.to_owned())
            .or_default()
            .entry(campo.to_owned())
            .or_default()
            .extend(alternativas);
    }

    fn de(&self, tipo: &str, campo: &str) -> Option<&Alternativas> {
        let campos = self.0.get(tipo)?;
        campos.get(campo).or_else(|| campos.get("*"))
    }
}

/// `[["a", "b"], ["c"]]` as lists of strings.
fn alternativas(valor: &Value) -> Alternativas {
    let Value::List(alternativas) = valor else {
        return Vec::new();
    };
    alternativas
        .iter()
        .filter_map(|todas| match todas {
            Value::List(todas) => Some(
                todas
                    .iter()
                    .filter_map(|s| match s {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// The extension enforcing the schema's `@requiresScopes` (see the module docs).
///
/// Add it to every subgraph schema: `Schema::build(…).extension(PoliticaAlcances::default())`.
#[derive(Clone, Default)]
pub struct PoliticaAlcances {
    /// Read from the schema's SDL on the first request (the schema is only complete then).
    reglas: Arc<OnceLock<Reglas>>,
}

impl ExtensionFactory for PoliticaAlcances {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Aplicar {
            reglas: self.reglas.clone(),
        })
    }
}

struct Aplicar {
    reglas: Arc<OnceLock<Reglas>>,
}

/// The response path of the field being resolved.
fn ruta(info: &ResolveInfo<'_>) -> Vec<PathSegment> {
    let mut nodos: Vec<_> = std::iter::once(info.path_node)
        .chain(info.path_node.parents())
        .collect();
    nodos.reverse();
    nodos
        .into_iter()
        .map(|nodo| match nodo.segment {
            async_graphql::QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            async_graphql::QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect()
}

#[async_trait::async_trait]
impl Extension for Aplicar {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let reglas = self.reglas.get_or_init(|| {
            let mut reglas =
                Reglas::desde_sdl(&ctx.sdl_with_options(SDLExportOptions::new().federation()));
            reglas.agregar("Query", "_entities", vec![vec![LECTURA.to_owned()]]);
            reglas
        });
        if let Some(alternativas) = reglas.de(info.parent_type, info.name) {
            let claims = ctx.data_opt::<Claims>().unwrap_or(&ANONIMO);
            if let Err(denegado) = claims.exigir(alternativas) {
                // The resolver never runs: a denied mutation writes nothing.
                let error = to_graphql_error(denegado);
                let mut servidor = ServerError::new(error.message, None);
                servidor.extensions = error.extensions;
                servidor.path = ruta(&info);
                return Err(servidor);
            }
        }
        next.run(ctx, info).await
    }
}

/// `@requiresScopes` on a subscription field, where async-graphql has no
/// `requires_scopes` attribute: `#[graphql(directive = RequiereAlcances::apply(&["lectura"]))]`.
///
/// Each argument is one alternative, its scopes separated by spaces (as `requires_scopes`).
/// The SDL then carries the rule, so the composed supergraph has it and the gateway
/// enforces it on subscriptions as on queries; no directive definition is registered (the
/// federation link imports `@requiresScopes`). The resolver still checks it with
/// [`exigir`]: async-graphql runs no extension `resolve` for a subscription's root field.
pub struct RequiereAlcances;

impl RequiereAlcances {
    /// The directive's invocation for the SDL.
    pub fn apply(alternativas: &[&str]) -> async_graphql::registry::MetaDirectiveInvocation {
        let scopes = alternativas
            .iter()
            .map(|todas| {
                Value::List(
                    todas
                        .split_whitespace()
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                )
            })
            .collect();
        let mut args = async_graphql::indexmap::IndexMap::new();
        args.insert("scopes".to_owned(), Value::List(scopes));
        async_graphql::registry::MetaDirectiveInvocation {
            name: "requiresScopes".to_owned(),
            args,
        }
    }
}

impl async_graphql::TypeDirective for RequiereAlcances {
    fn name(&self) -> std::borrow::Cow<'static, str> {
        "requiresScopes".into()
    }

    /// Nothing to register: `@requiresScopes` comes with the federation link.
    fn register(&self, _registry: &mut async_graphql::registry::Registry) {}
}

impl async_graphql::registry::location_traits::Directive_At_FIELD_DEFINITION for RequiereAlcances {}

/// The caller of requests that carry no claims.
static ANONIMO: Claims = Claims::anonimo();

/// The request's caller (anonymous when the gateway forwarded no claims).
pub fn claims<'a>(ctx: &Context<'a>) -> &'a Claims {
    ctx.data_opt::<Claims>().unwrap_or(&ANONIMO)
}

/// `UNAUTHENTICATED`/`FORBIDDEN` unless the caller holds one of the scope sets.
pub fn exigir(ctx: &Context<'_>, alternativas: &[&[&str]]) -> async_graphql::Result<()> {
    claims(ctx).exigir(alternativas).map_err(to_graphql_error)
}

/// Whether the caller may read personal data (scope `pii` or `admin`).
pub fn ve_datos_personales(ctx: &Context<'_>) -> bool {
    claims(ctx).cumple(&[[crate::auth::PII], [crate::auth::ADMIN]])
}

/// A search as the caller may run it: over e-mail addresses too only when it may read
/// them (otherwise a match would disclose an address it cannot see).
pub fn busqueda_permitida(
    ctx: &Context<'_>,
    busqueda: crate::search::Busqueda,
) -> crate::search::Busqueda {
    if ve_datos_personales(ctx) {
        busqueda
    } else {
        busqueda.solo_nombres()
    }
}

/// The rows the caller may see (a broken partner token is `FORBIDDEN`).
pub fn alcance(ctx: &Context<'_>) -> async_graphql::Result<Alcance> {
    claims(ctx).alcance().map_err(to_graphql_error)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use async_graphql::{EmptySubscription, Object, Request, Schema, SimpleObject};
    use serde_json::json;

    use super::*;

    #[derive(SimpleObject)]
    struct Persona {
        nombre: String,
        #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
        email: Option<String>,
    }

    struct Query;

    #[Object]
    impl Query {
        #[graphql(requires_scopes = "lectura")]
        async fn persona(&self) -> Persona {
            Persona {
                nombre: "Ana".into(),
                email: Some("ana@example.com".into()),
            }
        }
    }

    struct Mutation(Arc<AtomicBool>);

    #[Object]
    impl Mutation {
        #[graphql(requires_scopes = "escritura admin")]
        async fn borrar(&self) -> bool {
            self.0.store(true, Ordering::SeqCst);
            true
        }
    }

    fn schema(borrado: Arc<AtomicBool>) -> Schema<Query, Mutation, EmptySubscription> {
        Schema::build(Query, Mutation(borrado), EmptySubscription)
            .extension(PoliticaAlcances::default())
            .finish()
    }

    async fn run(
        schema: &Schema<Query, Mutation, EmptySubscription>,
        query: &str,
        claims: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut request = Request::new(query);
        if let Some(claims) = claims {
            request = request.data(Claims::from_json(&claims));
        }
        serde_json::to_value(schema.execute(request).await).expect("json")
    }

    #[tokio::test]
    async fn declared_scopes_are_enforced_before_resolvers_run() {
        let borrado = Arc::new(AtomicBool::new(false));
        let schema = schema(borrado.clone());
        let anonimo = run(&schema, "{ persona { nombre } }", None).await;
        assert_eq!(anonimo["data"], json!(null), "{anonimo}");
        assert_eq!(
            anonimo["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        assert_eq!(anonimo["errors"][0]["path"], json!(["persona"]));

        let lector = json!({ "sub": "l", "scope": "lectura" });
        let body = run(
            &schema,
            "{ persona { nombre email } }",
            Some(lector.clone()),
        )
        .await;
        // async-graphql leaves a failed field out of its object (the error says why).
        assert_eq!(body["data"]["persona"]["nombre"], "Ana", "{body}");
        assert!(body["data"]["persona"]["email"].is_null(), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(body["errors"][0]["path"], json!(["persona", "email"]));

        let pii = json!({ "scope": "lectura pii" });
        let body = run(&schema, "{ persona { email } }", Some(pii)).await;
        assert_eq!(
            body["data"]["persona"]["email"], "ana@example.com",
            "{body}"
        );

        let body = run(&schema, "mutation { borrar }", Some(lector)).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let operador = json!({ "scope": "lectura escritura" });
        let body = run(&schema, "mutation { borrar }", Some(operador)).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert!(
            !borrado.load(Ordering::SeqCst),
            "a denied mutation never runs"
        );
        let admin = json!({ "scope": "lectura escritura admin" });
        let body = run(&schema, "mutation { borrar }", Some(admin)).await;
        assert_eq!(body["data"]["borrar"], true, "{body}");
    }
}
