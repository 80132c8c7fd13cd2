//! Turns fetch groups into plan nodes: identical entity groups merged, dependencies
//! ordered into waves of parallel fetches, mutations root by root.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::{Name, Node, ast::VariableDefinition, executable::OperationType};

use super::{
    builder::Group,
    graph::FederationGraph,
    plan::{FetchKind, FetchNode, PlanNode},
};

/// How many fetches must run before each group (its depth in the dependency graph).
fn depths(groups: &[Group]) -> Vec<usize> {
    fn depth(id: usize, groups: &[Group], memo: &mut [Option<usize>], guard: usize) -> usize {
        if let Some(d) = memo[id] {
            return d;
        }
        // A cycle cannot come out of the builder; the guard keeps a bug from recursing forever.
        if guard > groups.len() {
            return 0;
        }
        let d = groups[id]
            .depends_on
            .iter()
            .map(|&dep| 1 + depth(dep, groups, memo, guard + 1))
            .max()
            .unwrap_or(0);
        memo[id] = Some(d);
        d
    }
    let mut memo = vec![None; groups.len()];
    (0..groups.len())
        .map(|id| depth(id, groups, &mut memo, 0))
        .collect()
}

/// Merges entity groups that would send the same request at the same depth (the same
/// entity reached by several paths, or the same step of parallel branches): one fetch for
/// every path, waiting for the dependencies of all of them. Groups at one depth never
/// depend on each other, so merging cannot create a cycle.
pub(crate) fn merge_identical(groups: &mut [Group], kind: OperationType) {
    loop {
        let depth = depths(groups);
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut changed = false;
        for id in 0..groups.len() {
            let group = &groups[id];
            if group.merged_into.is_some() || group.entity_type.is_none() {
                continue;
            }
            // Mutation root fields run one after the other: never merge across them.
            let root = (kind == OperationType::Mutation).then_some(group.root);
            let signature = format!(
                "{:?}|{}|{:?}|{}|{:?}|{:?}|{}|{}",
                root,
                depth[id],
                group.conditions,
                group.graph,
                group.entity_type,
                group.typename_rewrite,
                group.representation,
                group.selection,
            );
            match seen.get(&signature) {
                Some(&first) => {
                    let paths = std::mem::take(&mut groups[id].paths);
                    let depends_on = std::mem::take(&mut groups[id].depends_on);
                    groups[id].merged_into = Some(first);
                    for path in paths {
                        if !groups[first].paths.contains(&path) {
                            groups[first].paths.push(path);
                        }
                    }
                    groups[first].depends_on.extend(depends_on);
                    for other in groups.iter_mut() {
                        if other.depends_on.remove(&id) {
                            other.depends_on.insert(first);
                        }
                    }
                    changed = true;
                    // Depths may have changed: start over.
                    break;
                }
                None => {
                    seen.insert(signature, id);
                }
            }
        }
        if !changed {
            return;
        }
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The request document of a group.
fn fetch_node(
    graph: &FederationGraph<'_>,
    group: &Group,
    kind: OperationType,
    variables: &[Node<VariableDefinition>],
    (id, depends_on): (usize, Vec<usize>),
    name: &str,
) -> FetchNode {
    let mut used: BTreeSet<Name> = BTreeSet::new();
    group.selection.variables(&mut used);
    let definitions: Vec<String> = variables
        .iter()
        .filter(|d| used.contains(&d.name))
        .map(|d| d.to_string())
        .collect();
    let service_name = graph.name_of(&group.graph).to_owned();
    let (operation_kind, operation, requires) = match &group.entity_type {
        Some(entity_type) => {
            let mut all = vec!["$representations: [_Any!]!".to_owned()];
            all.extend(definitions);
            let ty = group.typename_rewrite.as_deref().unwrap_or(entity_type);
            (
                FetchKind::Query,
                format!(
                    "query {name}({}) {{ _entities(representations: $representations) {{ ... on {ty} {} }} }}",
                    all.join(", "),
                    group.selection
                ),
                Some(group.representation.clone()),
            )
        }
        None => {
            let (word, fetch_kind) = match kind {
                OperationType::Mutation => ("mutation", FetchKind::Mutation),
                OperationType::Subscription => ("subscription", FetchKind::Subscription),
                OperationType::Query => ("query", FetchKind::Query),
            };
            let params = if definitions.is_empty() {
                String::new()
            } else {
                format!("({})", definitions.join(", "))
            };
            (
                fetch_kind,
                format!("{word} {name}{params} {}", group.selection),
                None,
            )
        }
    };
    FetchNode {
        id,
        depends_on,
        service_name,
        subgraph_index: graph.index_of(&group.graph),
        operation_kind,
        operation,
        variable_usages: used.iter().map(ToString::to_string).collect(),
        requires,
        typename_rewrite: group.typename_rewrite.clone(),
        response_keys: if group.entity_type.is_some() {
            Vec::new()
        } else {
            group.selection.top_level_keys()
        },
    }
}

/// The groups in execution partitions: one for a query; for a mutation, one per root
/// field group with everything that hangs from it, in order.
fn partitions(groups: &[Group], live: &[usize], kind: OperationType) -> Vec<Vec<usize>> {
    if kind != OperationType::Mutation {
        return vec![live.to_vec()];
    }
    live.iter()
        .copied()
        .filter(|&i| groups[i].entity_type.is_none())
        .map(|root| {
            live.iter()
                .copied()
                .filter(|&i| groups[i].root == root)
                .collect()
        })
        .collect()
}

/// Plan nodes for the live groups: waves of parallel fetches in sequence; for a
/// mutation, each root group's waves before the next root's.
pub(crate) fn schedule(
    graph: &FederationGraph<'_>,
    groups: &[Group],
    kind: OperationType,
    variables: &[Node<VariableDefinition>],
    operation_name: Option<&str>,
) -> Option<PlanNode> {
    let live: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].merged_into.is_none())
        .collect();
    let base = sanitize(operation_name.unwrap_or("Operation"));
    let partitions = partitions(groups, &live, kind);
    // Mutations: every fetch of one root field waits for everything of the previous one.
    let mut extra: HashMap<usize, Vec<usize>> = HashMap::new();
    for pair in partitions.windows(2) {
        for &id in &pair[1] {
            extra.insert(id, pair[0].clone());
        }
    }
    let node_of = |id: usize| {
        let group = &groups[id];
        let name = format!("{base}__{}__{id}", sanitize(graph.name_of(&group.graph)));
        let mut depends_on: BTreeSet<usize> = group.depends_on.clone();
        depends_on.extend(extra.get(&id).into_iter().flatten().copied());
        let fetch = fetch_node(
            graph,
            group,
            kind,
            variables,
            (id, depends_on.into_iter().collect()),
            &name,
        );
        let mut node = if group.entity_type.is_some() {
            PlanNode::Flatten {
                paths: group.paths.clone(),
                node: fetch,
            }
        } else {
            PlanNode::Fetch(fetch)
        };
        for (variable, include) in group.conditions.iter().rev() {
            let branch = Some(Box::new(node));
            node = if *include {
                PlanNode::Condition {
                    condition: variable.clone(),
                    if_clause: branch,
                    else_clause: None,
                }
            } else {
                PlanNode::Condition {
                    condition: variable.clone(),
                    if_clause: None,
                    else_clause: branch,
                }
            };
        }
        node
    };
    let mut sequence = Vec::new();
    for partition in partitions {
        let mut done: BTreeSet<usize> = BTreeSet::new();
        let mut remaining = partition;
        while !remaining.is_empty() {
            let (ready, blocked): (Vec<usize>, Vec<usize>) = remaining
                .iter()
                .partition(|&&i| groups[i].depends_on.iter().all(|d| done.contains(d)));
            // A dependency outside the partition (or a cycle) must not stall the plan.
            let ready = if ready.is_empty() {
                blocked.clone()
            } else {
                ready
            };
            let mut nodes: Vec<PlanNode> = ready.iter().map(|&i| node_of(i)).collect();
            sequence.push(if nodes.len() == 1 {
                nodes.remove(0)
            } else {
                PlanNode::Parallel { nodes }
            });
            done.extend(ready.iter().copied());
            remaining = blocked.into_iter().filter(|i| !done.contains(i)).collect();
        }
    }
    match sequence.len() {
        0 => None,
        1 => sequence.pop(),
        _ => Some(PlanNode::Sequence { nodes: sequence }),
    }
}
