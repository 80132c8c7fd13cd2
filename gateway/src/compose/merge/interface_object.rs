//! `@interfaceObject`: fields a subgraph adds to an interface it sees as an object.

use apollo_compiler::collections::IndexMap;

use super::{FieldOwner, Kind, MergedField, MergedType};

/// Fields that `@interfaceObject` subgraphs add to an interface also appear on its
/// implementations, resolved through the interface (`@join__field` without a graph).
pub(super) fn add_interface_object_fields(types: &mut IndexMap<String, MergedType>) {
    let mut additions: Vec<(String, MergedField)> = Vec::new();
    for iface in types.values().filter(|t| t.kind == Kind::Interface) {
        let object_graphs: Vec<&str> = iface
            .owners
            .iter()
            .filter(|o| o.interface_object)
            .map(|o| o.graph.as_str())
            .collect();
        if object_graphs.is_empty() {
            continue;
        }
        for field in iface.fields.values() {
            let from_object = match &field.owners {
                Some(owners) => owners.iter().any(|o| {
                    o.graph
                        .as_deref()
                        .is_some_and(|g| object_graphs.contains(&g))
                }),
                None => true,
            };
            if !from_object {
                continue;
            }
            for ty in types.values() {
                if ty.kind == Kind::Object
                    && ty.implements.contains_key(&iface.name)
                    && !ty.fields.contains_key(&field.name)
                {
                    additions.push((
                        ty.name.clone(),
                        MergedField {
                            name: field.name.clone(),
                            description: field.description.clone(),
                            ty: field.ty.clone(),
                            arguments: field.arguments.clone(),
                            default_value: None,
                            owners: Some(vec![FieldOwner::default()]),
                            directives: field.directives.clone(),
                        },
                    ));
                }
            }
        }
    }
    for (ty, field) in additions {
        if let Some(ty) = types.get_mut(&ty) {
            ty.fields.insert(field.name.clone(), field);
        }
    }
}
