//! The embedded gateway's cache invalidation rules: an event of a context makes stale every
//! type that context's subgraph declares (its entities, the entities it extends, its
//! pages and reports; shared value types are left out), so a cached answer showing that
//! context's data is recomputed after the event.

use gateway::cache::InvalidationRule;
use subgraph_kit::subgraph::Subgraph;

/// Event-name prefixes of each context (`PagoExitoso.v1` is a `pagos` event).
const EVENT_PREFIXES: [(&str, &[&str]); 5] = [
    ("clientes", &["Cliente"]),
    ("afiliados", &["Afiliado"]),
    (
        "campanias",
        &["Campania", "Presupuesto", "Gasto", "Sobregiro"],
    ),
    ("conversiones", &["Conversion"]),
    ("pagos", &["Comision", "Pago"]),
];

/// Object and interface types an SDL declares, except roots and `@shareable` value types.
fn declared_types(sdl: &str) -> Vec<String> {
    sdl.lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("type ")
                .or_else(|| line.strip_prefix("interface "))?;
            if line.contains("@shareable") {
                return None;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let root = matches!(name.as_str(), "Query" | "Mutation" | "Subscription")
                || name.starts_with('_');
            (!name.is_empty() && !root).then_some(name)
        })
        .collect()
}

/// One rule per context: its events invalidate its subgraph's types.
pub(crate) fn invalidation_rules(subgraphs: &[Box<dyn Subgraph>]) -> Vec<InvalidationRule> {
    subgraphs
        .iter()
        .filter_map(|subgraph| {
            let (_, prefixes) = EVENT_PREFIXES
                .iter()
                .find(|(name, _)| *name == subgraph.name())?;
            Some(InvalidationRule {
                events: prefixes.iter().map(|p| format!("{p}*")).collect(),
                types: declared_types(&subgraph.sdl()),
                entities: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_context_has_a_rule_naming_its_own_types() {
        let rules = invalidation_rules(&crate::launcher::subgraphs());
        assert_eq!(rules.len(), 5);
        let pagos = rules
            .iter()
            .find(|r| r.matches("PagoExitoso.v1"))
            .expect("pagos rule");
        for t in [
            "Pago",
            "Comision",
            "PagosPagina",
            "ReportePagos",
            "Afiliado",
        ] {
            assert!(
                pagos.types.iter().any(|x| x == t),
                "{t} in {:?}",
                pagos.types
            );
        }
        assert!(!pagos.types.iter().any(|x| x == "Dinero" || x == "Query"));
        assert!(rules.iter().any(|r| r.matches("GastoRegistrado.v1")));
    }
}
