//! Field collection for the projector (GraphQL's CollectFields): which fields of which
//! selection sets apply to an object of a type, `@skip`/`@include`, type conditions, and
//! the defer and stream sites that leave fragments or list items for a later payload.

use super::*;

impl<'a> Projector<'a, '_> {
    pub(super) fn pending_len(&self) -> usize {
        self.deferring.as_ref().map_or(0, |d| d.pending.len())
    }

    /// Forgets deferred fragments met inside what a bubbling null voided.
    pub(super) fn truncate_pending(&mut self, len: usize) {
        if let Some(deferring) = &mut self.deferring {
            deferring.pending.truncate(len);
        }
    }

    /// The site of a fragment that defers in this response, if it is one.
    pub(super) fn deferred_site(&self, directives: &DirectiveList) -> Option<usize> {
        let deferring = self.deferring.as_ref()?;
        let site = site_of(deferring.index, directives)?;
        deferring
            .active
            .get(site)
            .copied()
            .unwrap_or(false)
            .then_some(site)
    }

    /// The stream site of a field that streams in this response, with its initial count.
    pub(super) fn streamed(&self, field: &Field) -> Option<(usize, usize)> {
        let deferring = self.deferring.as_ref()?;
        let site = stream_of(deferring.stream_index, &field.directives)?;
        let count = deferring.streams.get(site).copied().flatten()?;
        Some((site, count))
    }

    pub(super) fn included(&self, directives: &DirectiveList) -> bool {
        let condition = |name: &str| {
            directives
                .get(name)
                .map(|d| match d.specified_argument_by_name("if").map(|v| &**v) {
                    Some(AstValue::Boolean(b)) => *b,
                    Some(AstValue::Variable(var)) => self
                        .variables
                        .get(var.as_str())
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false),
                    _ => false,
                })
        };
        condition("skip") != Some(true) && condition("include") != Some(false)
    }

    pub(super) fn applies(&self, condition: &str, typename: &str) -> bool {
        condition == typename || self.schema.is_subtype(condition, typename)
    }

    /// CollectFields: response key → the field nodes it merges, in request order.
    pub(super) fn collect(
        &self,
        selection: &'a SelectionSet,
        typename: &str,
        out: &mut IndexMap<&'a str, Vec<&'a Node<Field>>>,
        deferred: &mut Vec<usize>,
    ) {
        for s in &selection.selections {
            match s {
                Selection::Field(f) => {
                    if self.included(&f.directives) {
                        out.entry(f.response_key().as_str()).or_default().push(f);
                    }
                }
                Selection::InlineFragment(i) => {
                    let applies = i
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.applies(c, typename));
                    if applies && self.included(&i.directives) {
                        match self.deferred_site(&i.directives) {
                            Some(site) => push_new(deferred, site),
                            None => self.collect(&i.selection_set, typename, out, deferred),
                        }
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let document: &'a ExecutableDocument = self.document;
                    let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    if self.applies(fragment.type_condition(), typename)
                        && self.included(&spread.directives)
                    {
                        match self.deferred_site(&spread.directives) {
                            Some(site) => push_new(deferred, site),
                            None => self.collect(&fragment.selection_set, typename, out, deferred),
                        }
                    }
                }
            }
        }
    }

    /// The collected fields of `selections` for `typename`, computed once per projection.
    pub(super) fn fields(
        &mut self,
        selections: &[&'a SelectionSet],
        typename: &'a str,
    ) -> Fields<'a> {
        let key = match selections {
            [one] => Some((std::ptr::from_ref(*one) as usize, 0, typename)),
            [one, two] => Some((
                std::ptr::from_ref(*one) as usize,
                std::ptr::from_ref(*two) as usize,
                typename,
            )),
            _ => None,
        };
        if let Some(found) = key.and_then(|k| self.fields.get(&k)) {
            return found.clone();
        }
        let schema: &'a Schema = self.schema;
        let mut collected: IndexMap<&'a str, Vec<&'a Node<Field>>> = IndexMap::new();
        let mut deferred = Vec::new();
        for selection in selections {
            self.collect(selection, typename, &mut collected, &mut deferred);
        }
        let fields: Fields<'a> = Rc::new(CollectedSet {
            fields: collected
                .into_iter()
                .map(|(key, nodes)| {
                    let ty = &nodes[0].definition.ty;
                    let named = Named::of(schema, ty);
                    Collected {
                        key,
                        field: nodes[0],
                        sub: nodes.iter().map(|f| &f.selection_set).collect(),
                        named,
                        typename: nodes[0].name == "__typename",
                        scalar: matches!(named, Named::Scalar) && !ty.is_list(),
                        member: format!("\"{key}\":").into_bytes().into(),
                    }
                })
                .collect(),
            deferred,
        });
        if let Some(k) = key {
            self.fields.insert(k, fields.clone());
        }
        fields
    }

    /// The API schema's name of `typename` if it is an object type that `abstract_type`
    /// can be.
    pub(super) fn possible(&self, abstract_type: &str, typename: &str) -> Option<&'a str> {
        let schema: &'a Schema = self.schema;
        match schema.types.get_key_value(typename) {
            Some((name, ExtendedType::Object(_))) if schema.is_subtype(abstract_type, typename) => {
                Some(name.as_str())
            }
            _ => None,
        }
    }
}
