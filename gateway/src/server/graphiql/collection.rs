//! The operations GraphiQL opens with, a tab each: the documents of the REST routes and of
//! the persisted-operations manifest the configuration names, so a developer starts from
//! what the deployment's clients really send.

use apollo_compiler::ast::{Definition, Document, Type};
use serde::Serialize;

use crate::config::GatewayConfig;

/// One tab: GraphiQL's `TabDefinition` (`query`, `variables` as JSON text).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Tab {
    /// The operation's document, as configured (comments included).
    pub query: String,
    /// The variables to fill in: required ones without a default, with a placeholder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<String>,
}

/// Every configured operation document once, in configuration order: REST routes, then
/// the safelist manifest. Unreadable sources are left out (the routes report them).
pub(crate) fn collection(config: &GatewayConfig) -> Vec<Tab> {
    let mut documents: Vec<String> = Vec::new();
    for route in &config.rest.routes {
        documents.extend(crate::server::rest::document(route).ok());
    }
    if let Some(path) = &config.persisted_queries.safelist {
        match crate::pipeline::admit::manifest_documents(path) {
            Ok(entries) => documents.extend(entries.into_iter().map(|(_, body)| body)),
            Err(error) => tracing::warn!(%error, "GraphiQL collection without the safelist"),
        }
    }
    let mut tabs: Vec<Tab> = Vec::with_capacity(documents.len());
    for query in documents {
        if tabs.iter().any(|tab| tab.query == query) {
            continue;
        }
        tabs.push(Tab {
            variables: placeholders(&query),
            query,
        });
    }
    tabs
}

/// `{"id": "", …}` for the required variables without a default of the document's
/// operations (JSON text, pretty), or none.
fn placeholders(query: &str) -> Option<String> {
    let document = Document::parse(query, "collection.graphql").ok()?;
    let mut variables = serde_json::Map::new();
    for definition in &document.definitions {
        let Definition::OperationDefinition(operation) = definition else {
            continue;
        };
        for variable in &operation.variables {
            if variable.default_value.is_none() && variable.ty.is_non_null() {
                variables
                    .entry(variable.name.to_string())
                    .or_insert_with(|| placeholder(&variable.ty));
            }
        }
    }
    if variables.is_empty() {
        return None;
    }
    serde_json::to_string_pretty(&variables).ok()
}

/// A value of the type's shape for the developer to replace: `""` for scalars named like
/// text, `0`, `false`, `[]`, and `null` for input objects and enums.
fn placeholder(ty: &Type) -> serde_json::Value {
    use serde_json::Value;
    match ty {
        Type::List(_) | Type::NonNullList(_) => Value::Array(Vec::new()),
        Type::Named(name) | Type::NonNullNamed(name) => match name.as_str() {
            "Int" => Value::from(0),
            "Float" => Value::from(0.0),
            "Boolean" => Value::Bool(false),
            "ID" | "String" => Value::String(String::new()),
            _ => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RestRoute;

    fn route(operation: &str) -> RestRoute {
        RestRoute {
            path: "/x".into(),
            operation: Some(operation.into()),
            ..RestRoute::default()
        }
    }

    #[test]
    fn routes_give_one_tab_per_document_with_required_variables() {
        let mut config = GatewayConfig::default();
        let detail = "query Detalle($id: ID!, $n: Int! = 5, $pii: Boolean) { a(id: $id) }";
        config.rest.routes = vec![route("{ a }"), route(detail), route("{ a }")];
        let tabs = collection(&config);
        assert_eq!(tabs.len(), 2, "the same document once");
        assert_eq!(tabs[0].query, "{ a }");
        assert_eq!(tabs[0].variables, None);
        assert_eq!(tabs[1].query, detail);
        let variables: serde_json::Value =
            serde_json::from_str(tabs[1].variables.as_deref().expect("variables")).expect("json");
        assert_eq!(variables, serde_json::json!({ "id": "" }));
    }

    #[test]
    fn the_safelist_adds_its_documents() {
        let path = std::env::temp_dir().join(format!("collection-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"{"format":"apollo-persisted-query-manifest","version":1,
               "operations":[{"id":"a","name":"A","type":"query","body":"query A($f: [Int!]!) { a(f: $f) }"}]}"#,
        )
        .expect("write");
        let mut config = GatewayConfig::default();
        config.persisted_queries.safelist = Some(path);
        let tabs = collection(&config);
        std::fs::remove_file(config.persisted_queries.safelist.take().expect("path")).ok();
        assert_eq!(tabs.len(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(tabs[0].variables.as_deref().expect("vars"))
                .expect("json"),
            serde_json::json!({ "f": [] })
        );
    }
}
