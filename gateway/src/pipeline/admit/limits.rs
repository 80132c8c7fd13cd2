//! Operation limits, checked after validation and before planning: depth, aliases, root
//! fields, fields with every fragment expanded, and a static cost estimate (list sizes from
//! slicing arguments, `@listSize`, or a configured default). Token counts are limited by the
//! parser itself.
//!
//! Measuring is linear in the document, whatever it spreads: each named fragment is
//! measured once and its tally reused at every spread. Expanding spreads in place instead
//! is exponential (`fragment L1 on Query { ...L0 ...L0 }`, 40 levels deep, is 2^40 fields
//! from a 1 KB document), so the sums saturate rather than overflow.

use std::time::Instant;

use apollo_compiler::{
    ExecutableDocument, Name, Schema,
    ast::Value as AstValue,
    collections::HashMap,
    executable::{Field, Operation, Selection, SelectionSet},
};
use serde_json::{Map, Value};

use crate::config::LimitsConfig;
use crate::pipeline::{ErrorCode, PipelineError};

/// Limits for one operation; `None` disables a check.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationLimits {
    /// Deepest field nesting.
    pub max_depth: Option<usize>,
    /// Aliased fields in the whole operation.
    pub max_aliases: Option<usize>,
    /// Fields at the root.
    pub max_root_fields: Option<usize>,
    /// Fields with every fragment spread expanded (what the planner and the response
    /// shape have to go through).
    pub max_fields: Option<u64>,
    /// Static cost estimate.
    pub max_cost: Option<u64>,
    /// Assumed size of a list without slicing argument or `@listSize`.
    pub default_list_size: u64,
}

pub use crate::config::DEFAULT_MAX_FIELDS;

impl Default for OperationLimits {
    fn default() -> Self {
        Self::from(&LimitsConfig::default())
    }
}

impl From<&LimitsConfig> for OperationLimits {
    /// The limits configured (0 turns a limit off).
    fn from(config: &LimitsConfig) -> Self {
        let on = |n: u64| (n > 0).then_some(n);
        let on_usize = |n: usize| (n > 0).then_some(n);
        Self {
            max_depth: on_usize(config.max_depth),
            max_aliases: on_usize(config.max_aliases),
            max_root_fields: on_usize(config.max_root_fields),
            max_fields: on(config.max_fields),
            max_cost: on(config.max_cost),
            default_list_size: config.default_list_size,
        }
    }
}

/// What an operation measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OperationMeasure {
    /// Deepest field nesting (a root field is 1).
    pub depth: usize,
    /// Aliased fields, counted at every expansion of the fragment holding them.
    pub aliases: usize,
    /// Root fields (after fragments; a fragment's are counted once).
    pub root_fields: usize,
    /// Fields with every fragment spread expanded.
    pub fields: u64,
    /// Every field costs 1; a list field multiplies the cost of what it selects.
    pub cost: u64,
}

/// Arguments that bound the size of a returned list.
const SLICING_ARGUMENTS: [&str; 5] = ["first", "last", "limit", "perPage", "limite"];

/// Fields measured between two looks at the clock.
const FIELDS_PER_CLOCK_CHECK: u32 = 1024;

/// The measure of one selection set, spreads included: what a spread of a fragment adds
/// wherever it appears, so it is computed once per fragment.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    depth: usize,
    aliases: u64,
    fields: u64,
    cost: u64,
}

impl Tally {
    /// Siblings: the deepest one, and the sum of the rest.
    fn add(&mut self, other: Tally) {
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.fields = self.fields.saturating_add(other.fields);
        self.cost = self.cost.saturating_add(other.cost);
    }
}

/// Why measuring stopped early.
#[derive(Debug)]
struct OutOfTime;

struct Measurer<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    variables: &'a Map<String, Value>,
    default_list_size: u64,
    /// Tallies of the named fragments measured so far.
    fragments: HashMap<&'a Name, Tally>,
    deadline: Option<Instant>,
    until_clock_check: u32,
}

impl<'a> Measurer<'a> {
    /// Measures every fragment the document defines, each after the fragments it spreads,
    /// with an explicit stack: a chain of thousands of fragments must not exhaust the
    /// thread's stack. A cycle (refused by validation before this runs) counts as empty.
    fn measure_fragments(&mut self) -> Result<(), OutOfTime> {
        let document = self.document;
        for root in document.fragments.keys() {
            if self.fragments.contains_key(root) {
                continue;
            }
            let mut stack: Vec<&'a Name> = vec![root];
            let mut on_stack: std::collections::HashSet<&'a Name> = [root].into();
            while let Some(&name) = stack.last() {
                let Some(fragment) = document.fragments.get(name) else {
                    self.fragments.insert(name, Tally::default());
                    stack.pop();
                    continue;
                };
                let pending = spreads(&fragment.selection_set).into_iter().find(|spread| {
                    !self.fragments.contains_key(spread) && !on_stack.contains(spread)
                });
                match pending {
                    Some(next) => {
                        on_stack.insert(next);
                        stack.push(next);
                    }
                    None => {
                        let tally = self.selection(&fragment.selection_set)?;
                        self.fragments.insert(name, tally);
                        on_stack.remove(name);
                        stack.pop();
                    }
                }
            }
        }
        Ok(())
    }

    /// The tally of a selection set; named fragments are taken from their measured tally.
    fn selection(&mut self, selection: &'a SelectionSet) -> Result<Tally, OutOfTime> {
        let mut tally = Tally::default();
        for s in &selection.selections {
            let t = match s {
                Selection::Field(f) => self.field(&selection.ty, f)?,
                Selection::InlineFragment(i) => self.selection(&i.selection_set)?,
                // Measured beforehand; missing only for a cycle or an unknown name.
                Selection::FragmentSpread(spread) => self
                    .fragments
                    .get(&spread.fragment_name)
                    .copied()
                    .unwrap_or_default(),
            };
            tally.add(t);
        }
        Ok(tally)
    }

    fn field(&mut self, parent: &str, field: &'a Field) -> Result<Tally, OutOfTime> {
        self.tick()?;
        let children = self.selection(&field.selection_set)?;
        let size = if field.definition.ty.is_list() {
            self.list_size(parent, field)
        } else {
            1
        };
        Ok(Tally {
            depth: children.depth + 1,
            aliases: children
                .aliases
                .saturating_add(u64::from(field.alias.is_some())),
            fields: children.fields.saturating_add(1),
            cost: 1u64.saturating_add(size.saturating_mul(children.cost)),
        })
    }

    /// Looks at the clock now and then: measuring is linear, but a request past its
    /// deadline stops here rather than finishing work nobody will read.
    fn tick(&mut self) -> Result<(), OutOfTime> {
        if self.until_clock_check > 0 {
            self.until_clock_check -= 1;
            return Ok(());
        }
        self.until_clock_check = FIELDS_PER_CLOCK_CHECK;
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(OutOfTime),
            _ => Ok(()),
        }
    }

    /// A list's assumed size: a slicing argument's value, else `@listSize(assumedSize:)`,
    /// else the default.
    fn list_size(&self, parent: &str, field: &Field) -> u64 {
        for argument in &field.arguments {
            if !SLICING_ARGUMENTS.contains(&argument.name.as_str()) {
                continue;
            }
            let value = match &*argument.value {
                AstValue::Int(i) => i.try_to_i32().ok().map(i64::from),
                AstValue::Variable(v) => self.variables.get(v.as_str()).and_then(Value::as_i64),
                _ => None,
            };
            if let Some(n) = value.and_then(|n| u64::try_from(n).ok()) {
                return n;
            }
        }
        let assumed = self
            .schema
            .type_field(parent, &field.name)
            .ok()
            .and_then(|def| {
                def.directives
                    .iter()
                    .find(|d| d.name == "listSize" || d.name == "cost__listSize")
                    .and_then(|d| d.specified_argument_by_name("assumedSize"))
                    .and_then(|v| v.to_i32())
            })
            .and_then(|n| u64::try_from(n).ok());
        assumed.unwrap_or(self.default_list_size)
    }
}

/// The fragments a selection set spreads directly (inside its fields and inline
/// fragments, not inside the fragments it spreads).
fn spreads(selection: &SelectionSet) -> Vec<&Name> {
    let mut found = Vec::new();
    let mut sets = vec![selection];
    while let Some(set) = sets.pop() {
        for s in &set.selections {
            match s {
                Selection::Field(f) => sets.push(&f.selection_set),
                Selection::InlineFragment(i) => sets.push(&i.selection_set),
                Selection::FragmentSpread(spread) => found.push(&spread.fragment_name),
            }
        }
    }
    found
}

/// Measures an operation in time linear in the document. `schema` is the supergraph (it
/// keeps `@listSize`). Past `deadline` it stops with `REQUEST_TIMEOUT`.
pub fn measure(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Value>,
    default_list_size: u64,
    deadline: Option<Instant>,
) -> Result<OperationMeasure, PipelineError> {
    let mut measurer = Measurer {
        schema,
        document,
        variables,
        default_list_size,
        fragments: HashMap::default(),
        deadline,
        until_clock_check: 0,
    };
    let tally = measurer
        .measure_fragments()
        .and_then(|()| measurer.selection(&operation.selection_set))
        .map_err(|OutOfTime| {
            crate::pipeline::budget::exceeded("checking the operation's limits")
        })?;
    // apollo-compiler visits each named fragment once here: linear as well.
    let root_fields = operation.root_fields(document).count();
    Ok(OperationMeasure {
        depth: tally.depth,
        aliases: usize::try_from(tally.aliases).unwrap_or(usize::MAX),
        root_fields,
        fields: tally.fields,
        cost: tally.cost,
    })
}

/// Refuses an operation over any limit, naming the limit and both numbers.
pub fn check(limits: &OperationLimits, measure: &OperationMeasure) -> Result<(), PipelineError> {
    let over = |code: ErrorCode, what: &str, found: u64, max: Option<u64>| match max {
        Some(max) if found > max => Err(PipelineError::single(
            code,
            format!("the operation's {what} is {found}; at most {max} is allowed"),
        )),
        _ => Ok(()),
    };
    let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    over(
        ErrorCode::MaxDepth,
        "depth",
        as_u64(measure.depth),
        limits.max_depth.map(as_u64),
    )?;
    over(
        ErrorCode::MaxAliases,
        "number of aliases",
        as_u64(measure.aliases),
        limits.max_aliases.map(as_u64),
    )?;
    over(
        ErrorCode::MaxRootFields,
        "number of root fields",
        as_u64(measure.root_fields),
        limits.max_root_fields.map(as_u64),
    )?;
    over(
        ErrorCode::MaxFields,
        "number of fields with its fragments expanded",
        measure.fields,
        limits.max_fields,
    )?;
    over(
        ErrorCode::CostLimit,
        "estimated cost",
        measure.cost,
        limits.max_cost,
    )
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema};
    use serde_json::Map;

    use super::*;

    fn measured(document: &str) -> OperationMeasure {
        let schema = Schema::parse_and_validate("type Query { a: Int b: [Query] }", "s.graphql")
            .expect("schema");
        let document = ExecutableDocument::parse(&schema, document, "q.graphql")
            .unwrap_or_else(|with_errors| with_errors.partial);
        let operation = document
            .operations
            .iter()
            .next()
            .expect("an operation")
            .clone();
        measure(&schema, &document, &operation, &Map::new(), 10, None).expect("in time")
    }

    #[test]
    fn a_fragment_spread_twice_per_level_counts_every_expansion() {
        let mut document = String::from("{ ...L39 }\nfragment L0 on Query { a x: a }\n");
        for i in 1..40 {
            document.push_str(&format!(
                "fragment L{i} on Query {{ ...L{} ...L{} }}\n",
                i - 1,
                i - 1
            ));
        }
        let measure = measured(&document);
        assert_eq!(measure.fields, 2 << 39);
        assert_eq!(measure.aliases, 1 << 39);
        assert_eq!(measure.depth, 1);
        assert_eq!(
            measure.root_fields, 2,
            "a fragment's root fields count once"
        );
    }

    #[test]
    fn a_chain_of_fragments_is_measured_without_deep_recursion() {
        // Measured recursively this would need a stack frame per fragment.
        let levels = 100_000;
        let mut document = String::from("{ ...F0 }\n");
        for i in 0..levels {
            document.push_str(&format!(
                "fragment F{i} on Query {{ b {{ ...F{} }} }}\n",
                i + 1
            ));
        }
        document.push_str(&format!("fragment F{levels} on Query {{ a }}\n"));
        let measure = measured(&document);
        assert_eq!(measure.depth, levels + 1);
        assert_eq!(measure.fields, levels as u64 + 1);
    }

    #[test]
    fn a_cycle_counts_as_empty_instead_of_looping() {
        let measure =
            measured("{ ...A }\nfragment A on Query { a ...B }\nfragment B on Query { ...A }");
        assert_eq!(measure.fields, 1);
    }

    #[test]
    fn measuring_past_the_deadline_stops_with_request_timeout() {
        let schema =
            Schema::parse_and_validate("type Query { a: Int }", "s.graphql").expect("schema");
        let document = ExecutableDocument::parse(&schema, "{ a }", "q.graphql").expect("document");
        let operation = document.operations.iter().next().expect("op").clone();
        let error = measure(
            &schema,
            &document,
            &operation,
            &Map::new(),
            10,
            Some(Instant::now()),
        )
        .expect_err("out of time");
        assert_eq!(error.code, ErrorCode::RequestTimeout);
    }
}
