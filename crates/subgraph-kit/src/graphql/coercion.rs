//! Input coercion errors are the caller's: `BAD_USER_INPUT`, the field at fault in
//! `extensions.campo`, a short Spanish message that never repeats the value sent.
//!
//! async-graphql finds bad input in two places, neither of them saying so clearly:
//! - during validation, for scalars that can check a value (`Int`, `String`, enums,
//!   missing or unknown input fields): an error without a code, whose message quotes
//!   the argument path in English;
//! - during execution, for scalars that cannot (`DateTime`, `NaiveDate`): an error at
//!   the field's path, reported as `INTERNAL_SERVER_ERROR`, whose message may contain
//!   the whole value. Worse, in a mutation with several fields the ones before it have
//!   already run.
//!
//! [`ErroresDeEntrada`] checks every argument of the selected operation, variables
//! substituted, against the schema's input types once the document is parsed, with
//! each scalar's own parser, and fails the request before anything executes. Its errors
//! replace async-graphql's own coercion errors; other validation errors stay as they are.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Name, Pos, Request, Response, ScalarType, ServerError, ServerResult, ValidationResult, Value,
    Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest, NextValidation,
    },
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
        SelectionSet,
    },
    registry::{MetaType, MetaTypeName, Registry},
};

use crate::error::{ErrorCode, extracto};

/// Most coercion errors reported for one request: enough to fix a form, not a flood.
pub const MAX_ERRORES: usize = 20;

/// Deepest input value checked; anything deeper is refused (a value nested this much is
/// never a real input, and the check must not run out of stack).
const MAX_PROFUNDIDAD: usize = 64;

/// Installs the coercion check on a schema (see the module documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct ErroresDeEntrada;

impl ExtensionFactory for ErroresDeEntrada {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PorSolicitud::default())
    }
}

/// One request's state: the operation asked for (known before parsing) and the errors
/// found once the document is parsed, reported by the validation hook.
#[derive(Default)]
struct PorSolicitud {
    estado: Mutex<Estado>,
}

#[derive(Default)]
struct Estado {
    operacion: Option<String>,
    errores: Vec<ServerError>,
}

impl PorSolicitud {
    fn estado(&self) -> std::sync::MutexGuard<'_, Estado> {
        // Nothing panics while the lock is held; a poisoned lock still has valid state.
        self.estado.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl Extension for PorSolicitud {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            reclasificar_en_ejecucion(error);
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.estado().operacion = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let documento = next.run(ctx, query, variables).await?;
        let operacion = self.estado().operacion.clone();
        let errores = revisar(
            &ctx.schema_env.registry,
            &documento,
            variables,
            operacion.as_deref(),
        );
        self.estado().errores = errores;
        Ok(documento)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let propios = std::mem::take(&mut self.estado().errores);
        let resultado = next.run(ctx).await;
        if propios.is_empty() {
            return resultado.map_err(|errores| {
                errores
                    .into_iter()
                    .map(reclasificar_en_validacion)
                    .collect()
            });
        }
        let mut errores = propios;
        if let Err(otros) = resultado {
            // async-graphql's coercion errors say what ours say, in English.
            errores.extend(
                otros
                    .into_iter()
                    .filter(|e| campo_de_validacion(e).is_none()),
            );
        }
        Err(errores)
    }
}

/// The argument path async-graphql quotes in its coercion errors at validation.
fn campo_de_validacion(error: &ServerError) -> Option<&str> {
    let resto = error
        .message
        .strip_prefix("Invalid value for argument \"")?;
    resto.split_once('"').map(|(ruta, _)| ruta)
}

/// A coercion error of async-graphql's validation that our own check did not find (a
/// rule it has and we lack): still bad input, with its field and without its text.
fn reclasificar_en_validacion(error: ServerError) -> ServerError {
    match campo_de_validacion(&error).map(str::to_owned) {
        Some(ruta) => {
            let campo = campo_visible(&ruta);
            con_codigo(
                format!("Valor inválido en '{campo}'"),
                error.locations.first().copied(),
                Some(campo),
            )
        }
        None => error,
    }
}

/// A coercion error async-graphql found while executing (a scalar whose parser failed
/// where our check passed): bad input, without the value it may quote.
fn reclasificar_en_ejecucion(error: &mut ServerError) {
    let sin_codigo = error
        .extensions
        .as_ref()
        .is_none_or(|e| e.get("code").is_none());
    let de_entrada = error.message.starts_with("Failed to parse \"")
        || error.message.starts_with("Expected input type \"");
    if sin_codigo && de_entrada {
        error.message = "Valor de entrada inválido".to_owned();
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", ErrorCode::BadUserInput.as_str());
    }
}

fn con_codigo(mensaje: String, pos: Option<Pos>, campo: Option<String>) -> ServerError {
    let mut error = ServerError::new(mensaje, pos);
    let extensiones = error.extensions.get_or_insert_with(Default::default);
    extensiones.set("code", ErrorCode::BadUserInput.as_str());
    if let Some(campo) = campo {
        extensiones.set("campo", campo);
    }
    error
}

/// The `campo` clients see: the argument path, without the `input.` every mutation's
/// single argument would add (`input.valor.valor` → `valor.valor`), as the domain's
/// own validation names fields.
fn campo_visible(ruta: &str) -> String {
    match ruta.strip_prefix("input.") {
        Some(resto) if !resto.is_empty() => resto.to_owned(),
        _ => ruta.to_owned(),
    }
}

/// Checks every argument of the operation `operacion` selects in `documento`.
fn revisar(
    registry: &Registry,
    documento: &ExecutableDocument,
    variables: &Variables,
    operacion: Option<&str>,
) -> Vec<ServerError> {
    let Some(operacion) = seleccionada(documento, operacion) else {
        // No operation or an ambiguous one: validation says so.
        return Vec::new();
    };
    let raiz = match operacion.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let mut revision = Revision {
        registry,
        documento,
        variables,
        operacion,
        vistos: HashSet::new(),
        errores: Vec::new(),
    };
    revision.variables_obligatorias();
    if let Some(raiz) = raiz {
        revision.seleccion(raiz, &operacion.selection_set.node);
    }
    revision.errores
}

fn seleccionada<'d>(
    documento: &'d ExecutableDocument,
    nombre: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&documento.operations, nombre) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(nombre)) => ops.get(nombre).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// One segment of the path to a value: an argument or input field, or a list index.
#[derive(Clone)]
enum Segmento {
    Campo(String),
    Indice(usize),
}

fn ruta_texto(ruta: &[Segmento]) -> String {
    let partes: Vec<String> = ruta
        .iter()
        .map(|s| match s {
            Segmento::Campo(nombre) => nombre.clone(),
            Segmento::Indice(i) => i.to_string(),
        })
        .collect();
    campo_visible(&partes.join("."))
}

struct Revision<'a> {
    registry: &'a Registry,
    documento: &'a ExecutableDocument,
    variables: &'a Variables,
    operacion: &'a OperationDefinition,
    /// Fragments already checked: each is checked once, however often it is spread, so
    /// the work is linear in the document's size.
    vistos: HashSet<&'a str>,
    errores: Vec<ServerError>,
}

impl<'a> Revision<'a> {
    fn error(&mut self, ruta: &[Segmento], pos: Pos, mensaje: impl FnOnce(&str) -> String) {
        if self.errores.len() >= MAX_ERRORES {
            return;
        }
        let campo = ruta_texto(ruta);
        // One error per field: a missing variable is reported once, not again at each
        // argument it should have filled.
        let repetido = self.errores.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("campo"))
                .is_some_and(|c| *c == Value::from(campo.as_str()))
        });
        if !repetido {
            let mensaje = mensaje(&campo);
            self.errores
                .push(con_codigo(mensaje, Some(pos), Some(campo)));
        }
    }

    /// A non-null variable without a value and without a default.
    fn variables_obligatorias(&mut self) {
        for definicion in &self.operacion.variable_definitions {
            let nombre = definicion.node.name.node.as_str();
            let falta = matches!(
                self.variables.get(&definicion.node.name.node),
                None | Some(Value::Null)
            );
            if !definicion.node.var_type.node.nullable
                && definicion.node.default_value.is_none()
                && falta
            {
                let ruta = [Segmento::Campo(nombre.to_owned())];
                self.error(&ruta, definicion.pos, |campo| {
                    format!("Falta el valor obligatorio de la variable '{campo}'")
                });
            }
        }
    }

    fn seleccion(&mut self, tipo: &str, seleccion: &'a SelectionSet) {
        let registry = self.registry;
        for item in &seleccion.items {
            match &item.node {
                Selection::Field(campo) => {
                    let definicion = registry
                        .types
                        .get(tipo)
                        .and_then(|t| t.field_by_name(campo.node.name.node.as_str()));
                    // Unknown fields (and introspection's) are validation's business.
                    let Some(definicion) = definicion else {
                        continue;
                    };
                    for (nombre, valor) in &campo.node.arguments {
                        let Some(argumento) = definicion.args.get(nombre.node.as_str()) else {
                            continue;
                        };
                        let Ok(constante) = valor.node.clone().into_const_with(|variable| {
                            Ok::<_, std::convert::Infallible>(self.variable(&variable))
                        });
                        let mut ruta = vec![Segmento::Campo(nombre.node.to_string())];
                        self.valor(&argumento.ty, &constante, &mut ruta, valor.pos, 0);
                    }
                    let hijo = MetaTypeName::concrete_typename(&definicion.ty);
                    self.seleccion(hijo, &campo.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    let nombre = spread.node.fragment_name.node.as_str();
                    if let Some(fragmento) = self.documento.fragments.get(nombre)
                        && self.vistos.insert(nombre)
                    {
                        let tipo = fragmento.node.type_condition.node.on.node.as_str();
                        self.seleccion(tipo, &fragmento.node.selection_set.node);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let tipo = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(tipo, |c| c.node.on.node.as_str());
                    self.seleccion(tipo, &inline.node.selection_set.node);
                }
            }
        }
    }

    /// The value of a variable of the operation: given, else its default, else null.
    ///
    /// A variable without a value counts as null: a non-null one was reported by
    /// [`Revision::variables_obligatorias`], and a nullable one in a non-null position
    /// is a validation error.
    fn variable(&self, nombre: &Name) -> Value {
        self.operacion
            .variable_definitions
            .iter()
            .find(|d| d.node.name.node == *nombre)
            .and_then(|d| {
                self.variables
                    .get(nombre)
                    .or_else(|| d.node.default_value())
            })
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn valor(
        &mut self,
        tipo: &str,
        valor: &Value,
        ruta: &mut Vec<Segmento>,
        pos: Pos,
        nivel: usize,
    ) {
        if nivel > MAX_PROFUNDIDAD {
            self.error(ruta, pos, |campo| {
                format!("Valor inválido en '{campo}': demasiados niveles de anidamiento")
            });
            return;
        }
        match MetaTypeName::create(tipo) {
            MetaTypeName::NonNull(interno) => {
                if matches!(valor, Value::Null) {
                    self.error(ruta, pos, |campo| {
                        format!("Falta el valor obligatorio de '{campo}'")
                    });
                } else {
                    self.valor(interno, valor, ruta, pos, nivel + 1);
                }
            }
            MetaTypeName::List(interno) => match valor {
                Value::List(items) => {
                    for (indice, item) in items.iter().enumerate() {
                        if self.errores.len() >= MAX_ERRORES {
                            return;
                        }
                        ruta.push(Segmento::Indice(indice));
                        self.valor(interno, item, ruta, pos, nivel + 1);
                        ruta.pop();
                    }
                }
                Value::Null => {}
                // A single value where a list is expected is a list of one.
                otro => self.valor(interno, otro, ruta, pos, nivel + 1),
            },
            MetaTypeName::Named(nombre) => {
                if !matches!(valor, Value::Null) {
                    self.nombrado(nombre, valor, ruta, pos, nivel);
                }
            }
        }
    }

    fn nombrado(
        &mut self,
        nombre: &str,
        valor: &Value,
        ruta: &mut Vec<Segmento>,
        pos: Pos,
        nivel: usize,
    ) {
        let Some(tipo) = self.registry.types.get(nombre) else {
            return;
        };
        match tipo {
            MetaType::Scalar { is_valid, .. } => {
                let valido = is_valid.as_ref().is_none_or(|es_valido| es_valido(valor))
                    && escalar_externo_valido(nombre, valor);
                if !valido {
                    self.error(ruta, pos, |campo| {
                        format!("Valor inválido en '{campo}': {}", esperado(nombre))
                    });
                }
            }
            MetaType::Enum { enum_values, .. } => {
                let valido = match valor {
                    Value::Enum(v) => enum_values.contains_key(v.as_str()),
                    Value::String(v) => enum_values.contains_key(v.as_str()),
                    _ => false,
                };
                if !valido {
                    let opciones: Vec<&str> =
                        enum_values.keys().take(12).map(String::as_str).collect();
                    self.error(ruta, pos, |campo| {
                        format!(
                            "Valor inválido en '{campo}': use uno de {}",
                            opciones.join(", ")
                        )
                    });
                }
            }
            MetaType::InputObject {
                input_fields,
                oneof,
                ..
            } => {
                let Value::Object(campos) = valor else {
                    self.error(ruta, pos, |campo| {
                        format!("Valor inválido en '{campo}': se esperaba un objeto {nombre}")
                    });
                    return;
                };
                if *oneof
                    && campos
                        .values()
                        .filter(|v| !matches!(v, Value::Null))
                        .count()
                        != 1
                {
                    self.error(ruta, pos, |campo| {
                        format!(
                            "Valor inválido en '{campo}': indique exactamente uno de sus campos"
                        )
                    });
                }
                for (clave, definicion) in input_fields {
                    ruta.push(Segmento::Campo(clave.clone()));
                    match campos.get(clave.as_str()) {
                        Some(v) => self.valor(&definicion.ty, v, ruta, pos, nivel + 1),
                        None if MetaTypeName::create(&definicion.ty).is_non_null()
                            && definicion.default_value.is_none() =>
                        {
                            self.error(ruta, pos, |campo| {
                                format!("Falta el valor obligatorio de '{campo}'")
                            });
                        }
                        None => {}
                    }
                    ruta.pop();
                }
                for clave in campos.keys() {
                    if !input_fields.contains_key(clave.as_str()) {
                        ruta.push(Segmento::Campo(extracto(clave.as_str())));
                        self.error(ruta, pos, |campo| format!("Campo desconocido: '{campo}'"));
                        ruta.pop();
                    }
                }
            }
            // Output types never appear in an input position of a valid schema.
            _ => {}
        }
    }
}

/// Scalars defined outside this crate whose parser async-graphql only runs during
/// execution: their values are checked here with that same parser.
fn escalar_externo_valido(nombre: &str, valor: &Value) -> bool {
    match nombre {
        "DateTime" => <chrono::DateTime<chrono::Utc> as ScalarType>::parse(valor.clone()).is_ok(),
        "NaiveDate" => <chrono::NaiveDate as ScalarType>::parse(valor.clone()).is_ok(),
        _ => true,
    }
}

/// What a scalar expects, in the words of the README's conventions.
fn esperado(escalar: &str) -> String {
    match escalar {
        "Decimal" => "se esperaba un decimal exacto como texto (p. ej. \"1250.50\"); \
                      los números de coma flotante no se aceptan"
            .to_owned(),
        "DateTime" => {
            "se esperaba una fecha y hora RFC 3339 (p. ej. \"2024-09-01T12:00:00Z\")".to_owned()
        }
        "NaiveDate" => "se esperaba una fecha AAAA-MM-DD (p. ej. \"1985-03-15\")".to_owned(),
        "Int" => "se esperaba un número entero dentro del rango permitido".to_owned(),
        "Float" => "se esperaba un número".to_owned(),
        "String" => "se esperaba un texto".to_owned(),
        "Boolean" => "se esperaba true o false".to_owned(),
        "ID" => "se esperaba un identificador en texto".to_owned(),
        otro => format!("se esperaba un valor de tipo {otro}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::{
        EmptySubscription, Enum, InputObject, Object, Schema, SimpleObject, Variables,
    };
    use chrono::{DateTime, NaiveDate, Utc};
    use serde_json::{Value as Json, json};

    use super::*;
    use crate::graphql::{CapturaPanicos, DecimalScalar, DineroInput};

    #[derive(Enum, Clone, Copy, PartialEq, Eq)]
    enum Color {
        Rojo,
        Verde,
    }

    #[derive(InputObject)]
    struct Linea {
        precio: DecimalScalar,
        #[graphql(default = 1)]
        cantidad: i64,
    }

    #[derive(InputObject)]
    struct Entrada {
        valor: DineroInput,
        fecha: Option<DateTime<Utc>>,
        nacimiento: Option<NaiveDate>,
        color: Option<Color>,
        lineas: Option<Vec<Linea>>,
    }

    #[derive(SimpleObject)]
    struct Hecho {
        ok: bool,
    }

    struct Query;

    #[Object]
    impl Query {
        async fn decimal(&self, valor: DecimalScalar) -> String {
            valor.0.to_string()
        }

        async fn entero(&self, n: Option<i64>) -> Option<i64> {
            n
        }

        async fn fecha(&self, desde: Option<DateTime<Utc>>) -> bool {
            desde.is_some()
        }
    }

    static EJECUCIONES: AtomicUsize = AtomicUsize::new(0);

    struct Mutation;

    #[Object]
    impl Mutation {
        async fn registrar(&self, input: Entrada) -> Hecho {
            let _ = (
                input.valor,
                input.fecha,
                input.nacimiento,
                input.color,
                input.lineas,
            );
            EJECUCIONES.fetch_add(1, Ordering::SeqCst);
            Hecho { ok: true }
        }
    }

    fn schema() -> Schema<Query, Mutation, EmptySubscription> {
        Schema::build(Query, Mutation, EmptySubscription)
            .extension(CapturaPanicos)
            .extension(ErroresDeEntrada)
            .finish()
    }

    async fn ejecutar(query: &str, variables: Json) -> Json {
        let request = Request::new(query).variables(Variables::from_json(variables));
        serde_json::to_value(schema().execute(request).await).expect("json")
    }

    const REGISTRAR: &str = "mutation($input: Entrada!) { registrar(input: $input) { ok } }";

    fn entrada() -> Json {
        json!({ "input": { "valor": { "valor": "10.50", "moneda": "USD" } } })
    }

    /// The one error of `body`: BAD_USER_INPUT on `campo`, quoting nothing it was sent.
    fn un_error_de_entrada(body: &Json, campo: &str, enviado: &str) {
        let errores = body["errors"].as_array().expect("errors");
        assert_eq!(errores.len(), 1, "{body}");
        assert_eq!(errores[0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(errores[0]["extensions"]["campo"], campo, "{body}");
        let mensaje = errores[0]["message"].as_str().expect("message");
        assert!(!enviado.is_empty() && !mensaje.contains(enviado), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }

    #[tokio::test]
    async fn bad_scalars_in_variables_are_bad_user_input_naming_their_field() {
        let casos: Vec<(&str, Json, &str, &str)> = vec![
            ("/input/valor/valor", json!(100.5), "valor.valor", "100.5"),
            ("/input/valor/valor", json!("NaN"), "valor.valor", "NaN"),
            ("/input/valor/valor", json!("1e400"), "valor.valor", "1e400"),
            ("/input/valor/moneda", json!("ARS"), "valor.moneda", "ARS"),
            (
                "/input/fecha",
                json!("2024-13-45T00:00:00Z"),
                "fecha",
                "2024-13-45",
            ),
            ("/input/fecha", json!("ayer"), "fecha", "ayer"),
            (
                "/input/nacimiento",
                json!("1985-02-30"),
                "nacimiento",
                "1985-02-30",
            ),
            ("/input/color", json!("AZUL"), "color", "AZUL"),
            (
                "/input/lineas",
                json!([{ "precio": "1" }, { "precio": 2.5 }]),
                "lineas.1.precio",
                "2.5",
            ),
            (
                "/input/lineas",
                json!([{ "precio": "1", "cantidad": 1e20 }]),
                "lineas.0.cantidad",
                "1e20",
            ),
            (
                "/input/lineas",
                json!([{ "precio": "1", "cantidad": 99_999_999_999_999_999_999.0 }]),
                "lineas.0.cantidad",
                "99999",
            ),
        ];
        for (puntero, valor, campo, enviado) in casos {
            let mut variables = entrada();
            let (padre, hoja) = puntero.rsplit_once('/').expect("pointer");
            variables.pointer_mut(padre).expect("parent")[hoja] = valor;
            let body = ejecutar(REGISTRAR, variables).await;
            un_error_de_entrada(&body, campo, enviado);
        }
    }

    #[tokio::test]
    async fn bad_literals_are_bad_user_input_too() {
        let body = ejecutar("{ decimal(valor: 100.5) }", json!({})).await;
        un_error_de_entrada(&body, "valor", "100.5");
        let body = ejecutar("{ decimal(valor: NaN) }", json!({})).await;
        un_error_de_entrada(&body, "valor", "NaN");
        let body = ejecutar("{ entero(n: 99999999999999999999) }", json!({})).await;
        un_error_de_entrada(&body, "n", "99999999999999999999");
        let body = ejecutar("{ entero(n: 1.5) }", json!({})).await;
        un_error_de_entrada(&body, "n", "1.5");
        let body = ejecutar(r#"{ fecha(desde: "31/12/2024") }"#, json!({})).await;
        un_error_de_entrada(&body, "desde", "31/12/2024");
        let body = ejecutar(
            r#"{ ...F } fragment F on Query { fecha(desde: "nunca") }"#,
            json!({}),
        )
        .await;
        un_error_de_entrada(&body, "desde", "nunca");
    }

    #[tokio::test]
    async fn values_are_never_echoed_whatever_their_size() {
        let enorme = "9".repeat(50_000);
        let mut variables = entrada();
        variables["input"]["valor"]["valor"] = json!(format!("{enorme}x"));
        variables["input"][enorme.as_str()] = json!(1);
        let body = ejecutar(REGISTRAR, variables).await;
        assert!(
            body.to_string().len() < 2_000,
            "{}",
            &body.to_string()[..2_000]
        );
        let errores = body["errors"].as_array().expect("errors");
        assert_eq!(errores.len(), 2, "{body}");
        assert!(
            errores
                .iter()
                .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
        );
    }

    #[tokio::test]
    async fn missing_and_unknown_fields_and_nulls_name_their_field() {
        let body = ejecutar(REGISTRAR, json!({ "input": { "valor": { "valor": "1" } } })).await;
        un_error_de_entrada(&body, "valor.moneda", "USD");
        let body = ejecutar(REGISTRAR, json!({ "input": { "valor": null } })).await;
        un_error_de_entrada(&body, "valor", "null");
        let mut variables = entrada();
        variables["input"]["extra"] = json!(1);
        let body = ejecutar(REGISTRAR, variables).await;
        un_error_de_entrada(&body, "extra", "1");
        let body = ejecutar(REGISTRAR, json!({})).await;
        un_error_de_entrada(&body, "input", "null");
    }

    #[tokio::test]
    async fn nothing_executes_when_any_field_of_a_mutation_has_bad_input() {
        let antes = EJECUCIONES.load(Ordering::SeqCst);
        let query = r#"mutation($bueno: Entrada!, $malo: Entrada!) {
            a: registrar(input: $bueno) { ok }
            b: registrar(input: $malo) { ok }
        }"#;
        let mut malo = entrada()["input"].clone();
        malo["fecha"] = json!("no es una fecha");
        let body = ejecutar(query, json!({ "bueno": entrada()["input"], "malo": malo })).await;
        assert_eq!(body["errors"][0]["extensions"]["campo"], "fecha", "{body}");
        assert_eq!(EJECUCIONES.load(Ordering::SeqCst), antes, "{body}");
    }

    #[tokio::test]
    async fn good_input_and_optional_variables_still_work() {
        let body = ejecutar(REGISTRAR, entrada()).await;
        assert_eq!(body["data"]["registrar"]["ok"], true, "{body}");
        let body = ejecutar("query($n: Int) { entero(n: $n) }", json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let body = ejecutar("query($n: Int = 7) { entero(n: $n) }", json!({})).await;
        assert_eq!(body["data"]["entero"], 7, "{body}");
    }

    #[tokio::test]
    async fn other_validation_errors_are_left_alone() {
        let body = ejecutar("{ noExiste }", json!({})).await;
        assert!(body["errors"][0]["extensions"]["code"].is_null(), "{body}");
    }
}
