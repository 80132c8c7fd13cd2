//! The query planner: a pure, synchronous library module. A validated operation and the
//! supergraph go in; a plan of subgraph fetches comes out.
//!
//! Stages: [`builder`] assigns each field to a subgraph request (hopping between subgraphs
//! by `@key`, fetching `@requires` first, using `@provides`, choosing among candidate
//! subgraphs by cost), seeing each subgraph's own types through [`subgraph_types`]; then
//! [`rename`] aliases fields that would not merge in one subgraph request, and
//! [`schedule`] merges identical entity fetches, orders the requests into sequence and
//! parallel waves, and batches a wave's entity fetches to one subgraph into one request.

mod builder;
mod defer;
mod error;
mod graph;
mod plan;
mod rename;
mod schedule;
mod selection;
mod subgraph_types;

use std::collections::HashSet;

use apollo_compiler::{ExecutableDocument, executable::Operation};

pub use defer::{
    DEFER, DeferCondition, DeferSite, InitialCount, STREAM, SiteIndex, StreamSite, defer_sites,
    site_index, site_of, stream_index, stream_of, stream_sites, without_defer, without_stream,
};
pub use error::PlannerError;
pub use plan::{
    DeferredNode, EntityPart, FetchKind, FetchNode, PLACEHOLDER_NAME, PathStep, PlanNode,
    QueryPlan, Rename, ResponsePath,
};
pub use selection::{SubField, SubItem, SubSelection};

use crate::supergraph::Supergraph;

/// Plans operations against one supergraph.
#[derive(Debug)]
pub struct QueryPlanner {
    index: graph::GraphIndex,
}

impl QueryPlanner {
    /// Indexes the supergraph for planning.
    pub fn new(supergraph: &Supergraph) -> Self {
        Self {
            index: graph::GraphIndex::new(supergraph),
        }
    }

    /// Plans one operation of a validated document. `labels` are the progressive
    /// `@override` labels in force for this request.
    pub fn plan(
        &self,
        supergraph: &Supergraph,
        document: &ExecutableDocument,
        operation: &Operation,
        labels: &HashSet<String>,
    ) -> Result<QueryPlan, PlannerError> {
        let graph = graph::FederationGraph {
            supergraph,
            index: &self.index,
        };
        let sites = defer_sites(document, operation);
        let index = site_index(&sites);
        let mut builder = builder::Builder::new(&graph, document, labels, &index);
        builder.plan_operation(operation)?;
        let defers = builder.defers;
        let mut groups = builder.groups;
        let mut renames = Vec::with_capacity(groups.len());
        for group in &mut groups {
            group.selection.fill_empty();
            let root = group
                .entity_type
                .as_ref()
                .unwrap_or(&operation.selection_set.ty);
            renames.push(rename::alias_conflicts(
                &graph,
                &group.graph,
                root,
                &mut group.selection,
            ));
        }
        schedule::merge_identical(&mut groups, operation.operation_type);
        let schedule = |subset: Option<usize>| {
            schedule::schedule(
                &graph,
                (&groups, subset),
                &renames,
                operation.operation_type,
                &operation.variables,
            )
        };
        let deferred = sites
            .iter()
            .zip(defers)
            .map(|(site, entry)| DeferredNode {
                id: site.id,
                label: site.label.clone(),
                parent: entry.parent,
                condition: site.condition.clone(),
                paths: entry.paths,
                node: schedule(Some(site.id)),
            })
            .collect();
        Ok(QueryPlan {
            node: schedule(None),
            deferred,
        })
    }
}
