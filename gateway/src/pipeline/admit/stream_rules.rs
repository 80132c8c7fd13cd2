//! The incremental-delivery RFC's rules for `@stream` that apollo-compiler does not check
//! (it checks those of `@defer`): only on list fields, a non-negative `initialCount`,
//! labels unique among every `@defer` and `@stream` of the document, and not on the root
//! fields of a mutation or subscription.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Node,
    ast::Value,
    executable::{Directive, OperationType, Selection, SelectionSet},
    response::GraphQLError,
};

use crate::pipeline::{ErrorCode, PipelineError};
use crate::query_planner::{DEFER, STREAM};

/// Checks the `@stream` rules over a validated document.
pub(super) fn check(document: &ExecutableDocument) -> Result<(), PipelineError> {
    let mut errors = Vec::new();
    let error = |message: String, directive: &Node<Directive>| {
        GraphQLError::new(message, directive.location(), &document.sources)
    };
    // Label → whether a `@stream` has it (duplicates among `@defer`s are apollo-compiler's).
    let mut labels: HashMap<String, bool> = HashMap::new();
    let sets = document
        .operations
        .iter()
        .map(|o| &o.selection_set)
        .chain(document.fragments.values().map(|f| &f.selection_set));
    for set in sets {
        each_directive(set, &mut |directive, list| {
            let stream = directive.name == STREAM;
            match directive.specified_argument_by_name("label").map(|v| &**v) {
                Some(Value::String(label)) => match labels.get_mut(label.as_str()) {
                    Some(had_stream) => {
                        if stream || *had_stream {
                            errors.push(error(
                                format!("the label `{label}` is not unique within the document"),
                                directive,
                            ));
                        }
                        *had_stream |= stream;
                    }
                    None => {
                        labels.insert(label.clone(), stream);
                    }
                },
                Some(Value::Variable(_)) if stream => errors.push(error(
                    "`@stream` label argument must be a static String, not a variable".into(),
                    directive,
                )),
                _ => {}
            }
            if !stream {
                return;
            }
            if list == Some(false) {
                errors.push(error(
                    "`@stream` is only allowed on fields of list type".into(),
                    directive,
                ));
            }
            if let Some(Value::Int(n)) = directive
                .specified_argument_by_name("initialCount")
                .map(|v| &**v)
                && !n.try_to_i32().is_ok_and(|n| n >= 0)
            {
                errors.push(error(
                    "`@stream`'s initialCount must not be negative".into(),
                    directive,
                ));
            }
        });
    }
    for operation in document.operations.iter() {
        if operation.operation_type == OperationType::Query {
            continue;
        }
        let mut seen = HashSet::new();
        root_fields(
            document,
            &operation.selection_set,
            &mut seen,
            &mut |directive| {
                errors.push(error(
                    format!(
                        "`@stream` is not allowed on root fields of {} operations",
                        operation.operation_type.name()
                    ),
                    directive,
                ));
            },
        );
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(PipelineError {
        code: ErrorCode::ValidationFailed,
        errors,
    }
    .with_codes())
}

/// Calls `visit` for each `@defer` and `@stream` written in `set` at any depth (not inside
/// named fragments: each is checked where it is defined), with, for `@stream`, whether
/// its field is a list.
fn each_directive(set: &SelectionSet, visit: &mut impl FnMut(&Node<Directive>, Option<bool>)) {
    for s in &set.selections {
        match s {
            Selection::Field(f) => {
                if let Some(d) = f.directives.get(STREAM) {
                    visit(d, Some(f.definition.ty.is_list()));
                }
                each_directive(&f.selection_set, visit);
            }
            Selection::InlineFragment(i) => {
                if let Some(d) = i.directives.get(DEFER) {
                    visit(d, None);
                }
                each_directive(&i.selection_set, visit);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(d) = spread.directives.get(DEFER) {
                    visit(d, None);
                }
            }
        }
    }
}

/// Calls `found` for each `@stream` on a root field of `set` (through fragments).
fn root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a apollo_compiler::Name>,
    found: &mut impl FnMut(&Node<Directive>),
) {
    for s in &set.selections {
        match s {
            Selection::Field(f) => {
                if let Some(d) = f.directives.get(STREAM) {
                    found(d);
                }
            }
            Selection::InlineFragment(i) => root_fields(document, &i.selection_set, seen, found),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                    && seen.insert(&spread.fragment_name)
                {
                    root_fields(document, &fragment.selection_set, seen, found);
                }
            }
        }
    }
}
