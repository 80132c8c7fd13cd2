//! The composite types an operation selects: what a cached response depends on.

use apollo_compiler::{
    ExecutableDocument,
    executable::{Operation, Selection, SelectionSet},
};

fn walk(
    document: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut Vec<String>,
    fragments: &mut Vec<String>,
) {
    let name = set.ty.to_string();
    if !seen.contains(&name) {
        seen.push(name);
    }
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                if !field.selection_set.selections.is_empty() {
                    walk(document, &field.selection_set, seen, fragments);
                }
            }
            Selection::InlineFragment(inline) => {
                walk(document, &inline.selection_set, seen, fragments)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.fragment_name.to_string();
                if fragments.contains(&name) {
                    continue;
                }
                fragments.push(name);
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    walk(document, &fragment.selection_set, seen, fragments);
                }
            }
        }
    }
}

/// Every object, interface and union type whose fields the operation selects (its root
/// type excluded), sorted.
pub fn selected_types(document: &ExecutableDocument, operation: &Operation) -> Vec<String> {
    let mut seen = Vec::new();
    let mut fragments = Vec::new();
    for selection in &operation.selection_set.selections {
        let set = match selection {
            Selection::Field(field) => &field.selection_set,
            Selection::InlineFragment(inline) => &inline.selection_set,
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.fragment_name) {
                    Some(fragment) => &fragment.selection_set,
                    None => continue,
                }
            }
        };
        if !set.selections.is_empty() {
            walk(document, set, &mut seen, &mut fragments);
        }
    }
    let root = operation.selection_set.ty.to_string();
    seen.retain(|t| *t != root);
    seen.sort();
    seen
}
