//! Operation limits, checked after validation and before planning: depth, aliases, root
//! fields and a static cost estimate (list sizes from slicing arguments, `@listSize`, or a
//! configured default). Token counts are limited by the parser itself.

use apollo_compiler::{
    ExecutableDocument, Schema,
    ast::Value as AstValue,
    executable::{Field, Operation, Selection, SelectionSet},
};
use serde_json::{Map, Value};

use super::{ErrorCode, PipelineError};

/// Limits for one operation; `None` disables a check.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationLimits {
    /// Deepest field nesting.
    pub max_depth: Option<usize>,
    /// Aliased fields in the whole operation.
    pub max_aliases: Option<usize>,
    /// Fields at the root.
    pub max_root_fields: Option<usize>,
    /// Static cost estimate.
    pub max_cost: Option<u64>,
    /// Assumed size of a list without slicing argument or `@listSize`.
    pub default_list_size: u64,
}

impl Default for OperationLimits {
    fn default() -> Self {
        Self {
            max_depth: Some(32),
            max_aliases: Some(100),
            max_root_fields: Some(50),
            max_cost: None,
            default_list_size: 10,
        }
    }
}

/// What an operation measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OperationMeasure {
    /// Deepest field nesting (a root field is 1).
    pub depth: usize,
    /// Aliased fields.
    pub aliases: usize,
    /// Root fields (after fragments).
    pub root_fields: usize,
    /// Every field costs 1; a list field multiplies the cost of what it selects.
    pub cost: u64,
}

/// Arguments that bound the size of a returned list.
const SLICING_ARGUMENTS: [&str; 5] = ["first", "last", "limit", "perPage", "limite"];

struct Measurer<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    variables: &'a Map<String, Value>,
    default_list_size: u64,
    aliases: usize,
}

impl Measurer<'_> {
    /// `(depth, cost)` of a selection set; fragments spread in place.
    fn selection(&mut self, selection: &SelectionSet) -> (usize, u64) {
        let mut depth = 0;
        let mut cost: u64 = 0;
        for s in &selection.selections {
            let (d, c) = match s {
                Selection::Field(f) => self.field(&selection.ty, f),
                Selection::InlineFragment(i) => self.selection(&i.selection_set),
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.fragment_name) {
                        Some(fragment) => self.selection(&fragment.selection_set),
                        None => (0, 0),
                    }
                }
            };
            depth = depth.max(d);
            cost = cost.saturating_add(c);
        }
        (depth, cost)
    }

    fn field(&mut self, parent: &str, field: &Field) -> (usize, u64) {
        if field.alias.is_some() {
            self.aliases += 1;
        }
        let (depth, children) = self.selection(&field.selection_set);
        let size = if field.definition.ty.is_list() {
            self.list_size(parent, field)
        } else {
            1
        };
        (
            depth + 1,
            1u64.saturating_add(size.saturating_mul(children)),
        )
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

/// Measures an operation. `schema` is the supergraph (it keeps `@listSize`).
pub fn measure(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Value>,
    default_list_size: u64,
) -> OperationMeasure {
    let mut measurer = Measurer {
        schema,
        document,
        variables,
        default_list_size,
        aliases: 0,
    };
    let (depth, cost) = measurer.selection(&operation.selection_set);
    let root_fields = operation.root_fields(document).count();
    OperationMeasure {
        depth,
        aliases: measurer.aliases,
        root_fields,
        cost,
    }
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
        ErrorCode::CostLimit,
        "estimated cost",
        measure.cost,
        limits.max_cost,
    )
}
