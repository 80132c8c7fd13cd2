//! The selection set of one subgraph request, built up field by field while planning.

use std::{collections::BTreeSet, fmt};

use apollo_compiler::{
    Name, Node,
    ast::{Argument, DirectiveList, Value},
};
use serde::{Serialize, Serializer};

use super::PlannerError;

/// A field in a subgraph request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubField {
    /// Alias, when the response key differs from the name.
    pub alias: Option<Name>,
    /// The field name.
    pub name: Name,
    /// Arguments as written (variables stay variables).
    pub arguments: Vec<Node<Argument>>,
    /// `@skip`/`@include` as written.
    pub directives: DirectiveList,
    /// Sub-selections, for composite fields.
    pub selections: Option<SubSelection>,
}

impl SubField {
    /// A plain field without arguments.
    pub fn plain(name: Name) -> Self {
        Self {
            alias: None,
            name,
            arguments: Vec::new(),
            directives: DirectiveList::new(),
            selections: None,
        }
    }

    /// The alias of a field the planner adds for itself (keys, `@requires`): a name no
    /// client alias uses in practice, distinct per argument set.
    pub fn internal_alias(name: &Name, arguments: &[Node<Argument>]) -> Name {
        let alias = if arguments.is_empty() {
            format!("_ik_{name}")
        } else {
            let text: Vec<String> = arguments
                .iter()
                .map(|a| format!("{}:{}", a.name, a.value))
                .collect();
            // FNV-1a: stable across runs and platforms, unlike the std hasher.
            let hash = text
                .join(",")
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            format!("_ik_{name}_{hash:016x}")
        };
        Name::new(&alias).unwrap_or_else(|_| name.clone())
    }

    /// The key of this field in the response.
    pub fn response_key(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.name)
    }

    fn same_position(&self, other: &SubField) -> bool {
        self.response_key() == other.response_key() && self.directives == other.directives
    }
}

/// One entry of a selection set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubItem {
    /// A field.
    Field(SubField),
    /// An inline fragment.
    Fragment {
        /// Type condition.
        type_condition: Name,
        /// `@skip`/`@include` as written.
        directives: DirectiveList,
        /// Its selections.
        selections: SubSelection,
    },
}

/// Where to go inside a selection set: a field or an inline fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Into this field (its selections are ignored; it is matched by response key).
    Field(SubField),
    /// Into this fragment.
    Fragment(Name, DirectiveList),
}

/// A selection set of a subgraph request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubSelection {
    /// Entries in insertion order.
    pub items: Vec<SubItem>,
}

impl SubSelection {
    /// Adds a field (merging with an equal one); returns its sub-selection slot.
    pub fn add_field(&mut self, field: &SubField) -> Result<&mut SubField, PlannerError> {
        let found = self.items.iter().position(|item| match item {
            SubItem::Field(existing) => existing.same_position(field),
            SubItem::Fragment { .. } => false,
        });
        let index = match found {
            Some(index) => {
                let SubItem::Field(existing) = &self.items[index] else {
                    unreachable!("position matched a field")
                };
                if existing.name != field.name || existing.arguments != field.arguments {
                    return Err(PlannerError::ResponseKeyConflict {
                        key: field.response_key().to_string(),
                    });
                }
                index
            }
            None => {
                let mut new = field.clone();
                new.selections = None;
                self.items.push(SubItem::Field(new));
                self.items.len() - 1
            }
        };
        match &mut self.items[index] {
            SubItem::Field(existing) => Ok(existing),
            SubItem::Fragment { .. } => unreachable!("index of a field"),
        }
    }

    /// Adds `__typename` if missing.
    pub fn add_typename(&mut self) {
        let typename = SubField::plain(Name::new_static_unchecked("__typename"));
        let present = self.items.iter().any(|item| {
            matches!(item, SubItem::Field(f) if f.same_position(&typename) && f.name == "__typename")
        });
        if !present {
            self.items.push(SubItem::Field(typename));
        }
    }

    /// The selections of an inline fragment (added if missing).
    pub fn fragment(&mut self, type_condition: &Name, directives: &DirectiveList) -> &mut Self {
        let found = self.items.iter().position(|item| {
            matches!(item, SubItem::Fragment { type_condition: t, directives: d, .. }
                if t == type_condition && d == directives)
        });
        let index = found.unwrap_or_else(|| {
            self.items.push(SubItem::Fragment {
                type_condition: type_condition.clone(),
                directives: directives.clone(),
                selections: SubSelection::default(),
            });
            self.items.len() - 1
        });
        match &mut self.items[index] {
            SubItem::Fragment { selections, .. } => selections,
            SubItem::Field(_) => unreachable!("index of a fragment"),
        }
    }

    /// Follows (creating) the steps and returns the selection set found there.
    pub fn at(&mut self, steps: &[Step]) -> Result<&mut Self, PlannerError> {
        let Some((first, rest)) = steps.split_first() else {
            return Ok(self);
        };
        let next = match first {
            Step::Field(field) => self
                .add_field(field)?
                .selections
                .get_or_insert_with(SubSelection::default),
            Step::Fragment(type_condition, directives) => self.fragment(type_condition, directives),
        };
        next.at(rest)
    }

    /// Merges another selection set into this one.
    pub fn merge(&mut self, other: &SubSelection) -> Result<(), PlannerError> {
        for item in &other.items {
            match item {
                SubItem::Field(field) => {
                    let slot = self.add_field(field)?;
                    if let Some(sub) = &field.selections {
                        slot.selections
                            .get_or_insert_with(SubSelection::default)
                            .merge(sub)?;
                    }
                }
                SubItem::Fragment {
                    type_condition,
                    directives,
                    selections,
                } => self
                    .fragment(type_condition, directives)
                    .merge(selections)?,
            }
        }
        Ok(())
    }

    /// Response keys of the top-level fields, fragments flattened, first occurrence order.
    pub fn top_level_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for item in &self.items {
            match item {
                SubItem::Field(f) => {
                    let key = f.response_key().to_string();
                    if !keys.contains(&key) && f.name != "__typename" {
                        keys.push(key);
                    }
                }
                SubItem::Fragment { selections, .. } => {
                    for key in selections.top_level_keys() {
                        if !keys.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
            }
        }
        keys
    }

    /// Whether some field or fragment is selected without `@skip`/`@include`.
    fn has_unconditional_item(&self) -> bool {
        self.items.iter().any(|item| match item {
            SubItem::Field(f) => f.directives.is_empty(),
            SubItem::Fragment {
                directives,
                selections,
                ..
            } => directives.is_empty() && selections.has_unconditional_item(),
        })
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Variables referenced by arguments and directives, sorted.
    pub fn variables(&self, out: &mut BTreeSet<Name>) {
        fn value_vars(value: &Value, out: &mut BTreeSet<Name>) {
            match value {
                Value::Variable(name) => {
                    out.insert(name.clone());
                }
                Value::List(items) => items.iter().for_each(|v| value_vars(v, out)),
                Value::Object(fields) => fields.iter().for_each(|(_, v)| value_vars(v, out)),
                _ => {}
            }
        }
        let directive_vars = |directives: &DirectiveList, out: &mut BTreeSet<Name>| {
            for d in directives.iter() {
                d.arguments.iter().for_each(|a| value_vars(&a.value, out));
            }
        };
        for item in &self.items {
            match item {
                SubItem::Field(field) => {
                    field
                        .arguments
                        .iter()
                        .for_each(|a| value_vars(&a.value, out));
                    directive_vars(&field.directives, out);
                    if let Some(sub) = &field.selections {
                        sub.variables(out);
                    }
                }
                SubItem::Fragment {
                    directives,
                    selections,
                    ..
                } => {
                    directive_vars(directives, out);
                    selections.variables(out);
                }
            }
        }
    }
}

impl fmt::Display for SubSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for item in &self.items {
            f.write_str(" ")?;
            match item {
                SubItem::Field(field) => {
                    if let Some(alias) = &field.alias {
                        write!(f, "{alias}: ")?;
                    }
                    f.write_str(&field.name)?;
                    if !field.arguments.is_empty() {
                        let args: Vec<String> = field
                            .arguments
                            .iter()
                            .map(|a| format!("{}: {}", a.name, a.value))
                            .collect();
                        write!(f, "({})", args.join(", "))?;
                    }
                    for d in field.directives.iter() {
                        write!(f, " {d}")?;
                    }
                    if let Some(sub) = &field.selections {
                        write!(f, " {sub}")?;
                    }
                }
                SubItem::Fragment {
                    type_condition,
                    directives,
                    selections,
                } => {
                    write!(f, "... on {type_condition}")?;
                    for d in directives.iter() {
                        write!(f, " {d}")?;
                    }
                    write!(f, " {selections}")?;
                }
            }
        }
        f.write_str(" }")
    }
}

impl Serialize for SubSelection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl SubSelection {
    /// Converts a parsed field set (`@key`, `@requires`) into the selection that reads a
    /// representation: top-level fields under their internal aliases.
    pub fn from_field_set(
        selection: &apollo_compiler::executable::SelectionSet,
    ) -> Result<Self, PlannerError> {
        Self::from_field_set_at(selection, true)
    }

    fn from_field_set_at(
        selection: &apollo_compiler::executable::SelectionSet,
        top: bool,
    ) -> Result<Self, PlannerError> {
        use apollo_compiler::executable::Selection;
        let mut out = SubSelection::default();
        for s in &selection.selections {
            match s {
                Selection::Field(f) => {
                    let alias = if top && f.name != "__typename" {
                        Some(SubField::internal_alias(&f.name, &f.arguments))
                    } else {
                        f.alias.clone()
                    };
                    let slot = out.add_field(&SubField {
                        alias,
                        name: f.name.clone(),
                        arguments: f.arguments.clone(),
                        directives: DirectiveList::new(),
                        selections: None,
                    })?;
                    if !f.selection_set.selections.is_empty() {
                        slot.selections
                            .get_or_insert_with(SubSelection::default)
                            .merge(&Self::from_field_set_at(&f.selection_set, false)?)?;
                    }
                }
                Selection::InlineFragment(i) => {
                    let ty = i.type_condition.as_ref().unwrap_or(&selection.ty);
                    out.fragment(ty, &DirectiveList::new())
                        .merge(&Self::from_field_set_at(&i.selection_set, top)?)?;
                }
                // Field sets have no named fragments.
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(out)
    }

    /// Adds `__typename` wherever a composite field or fragment selects nothing, so the
    /// request stays valid GraphQL.
    pub fn fill_empty(&mut self) {
        for item in &mut self.items {
            let sub = match item {
                SubItem::Field(f) => f.selections.as_mut(),
                SubItem::Fragment { selections, .. } => Some(selections),
            };
            if let Some(sub) = sub {
                // Conditional items may all be skipped; some subgraphs then answer null
                // for the object, so one unconditional field keeps it an object.
                if !sub.has_unconditional_item() {
                    sub.add_typename();
                }
                sub.fill_empty();
            }
        }
    }
}
