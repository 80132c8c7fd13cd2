//! A supergraph from a standard JavaScript composer (`@theguild/federation-composition`)
//! is read by the gateway exactly like one from our own composer.

#[path = "common/js_composer.rs"]
mod js_composer;

use std::collections::BTreeMap;

use gateway::{compose::compose, supergraph::Supergraph};
use js_composer::{compose_with_js, fixture_subgraphs};

/// Owners as comparable, ordered text: `Type` → graphs with keys, `Type.field` → graphs.
fn owners(supergraph: &Supergraph) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (ty, owners) in &supergraph.type_owners {
        let mut list: Vec<String> = owners.iter().map(|o| format!("{o:?}")).collect();
        list.sort();
        out.insert(ty.clone(), list);
    }
    for ((ty, field), owners) in &supergraph.field_owners {
        let mut list: Vec<String> = owners.iter().map(|o| format!("{o:?}")).collect();
        list.sort();
        out.insert(format!("{ty}.{field}"), list);
    }
    out
}

#[test]
fn js_composed_supergraph_is_read_with_the_same_owners_as_ours() {
    let subgraphs = fixture_subgraphs();
    let js = Supergraph::parse(&compose_with_js(&subgraphs)).expect("JS supergraph parses");
    let ours = Supergraph::parse(&compose(&subgraphs).expect("fixture composes"))
        .expect("our supergraph parses");
    let names: Vec<_> = js.subgraphs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["accounts", "products", "reviews"]);
    assert_eq!(js.subgraphs, ours.subgraphs);
    let shipping = &js.field_owners[&("Product".into(), "shippingEstimate".into())];
    assert_eq!(shipping[0].graph, "REVIEWS");
    assert_eq!(shipping[0].requires.as_deref(), Some("price weight"));
    assert_eq!(owners(&js), owners(&ours));
    let types = |s: &Supergraph| {
        s.api_schema
            .types
            .iter()
            .filter(|(_, t)| !t.is_built_in())
            .map(|(n, _)| n.to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(types(&js), types(&ours));
}
