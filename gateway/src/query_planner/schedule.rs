//! Turns fetch groups into plan nodes: identical entity groups merged, dependencies
//! ordered into waves of parallel fetches, mutations root by root.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::{Name, Node, ast::VariableDefinition, executable::OperationType};

use super::{
    builder::Group,
    graph::FederationGraph,
    plan::{EntityPart, FetchKind, FetchNode, PlanNode, Rename},
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
                "{:?}|{:?}|{}|{:?}|{}|{:?}|{:?}|{}|{}",
                group.defer,
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
    (group, renames): (&Group, &[Rename]),
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
        renames: renames.to_vec(),
    }
}

/// The groups in execution partitions: one for a query; for a mutation, one per root
/// field group with everything that hangs from it, in order (for a deferred part, whose
/// root groups ran before it: by the root its groups hang from).
fn partitions(groups: &[Group], live: &[usize], kind: OperationType) -> Vec<Vec<usize>> {
    if kind != OperationType::Mutation {
        return vec![live.to_vec()];
    }
    let roots: BTreeSet<usize> = live.iter().map(|&i| groups[i].root).collect();
    roots
        .into_iter()
        .map(|root| {
            live.iter()
                .copied()
                .filter(|&i| groups[i].root == root)
                .collect()
        })
        .collect()
}

/// What a plan of these groups costs: the subgraph requests it sends, then its waves (the
/// longest chain of requests). Groups are merged and batched as [`schedule`] does.
pub(crate) fn cost(groups: &[Group], kind: OperationType) -> (usize, usize) {
    let mut groups = groups.to_vec();
    merge_identical(&mut groups, kind);
    let live: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].merged_into.is_none())
        .collect();
    let mut requests = 0;
    let mut depth = 0;
    for partition in partitions(&groups, &live, kind) {
        for wave in waves(&groups, partition) {
            requests += batches(&groups, &wave).len();
            depth += 1;
        }
    }
    (requests, depth)
}

/// The fetch groups in waves: each wave's groups depend only on earlier waves (groups
/// outside the partition count as done: they ran before it).
fn waves(groups: &[Group], partition: Vec<usize>) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let members: BTreeSet<usize> = partition.iter().copied().collect();
    let mut done: BTreeSet<usize> = (0..groups.len()).filter(|i| !members.contains(i)).collect();
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
        done.extend(ready.iter().copied());
        remaining = blocked.into_iter().filter(|i| !done.contains(i)).collect();
        out.push(ready);
    }
    out
}

/// The entity groups of one wave that go to the same subgraph under the same
/// conditions: each set is sent as one request. Root groups stay alone.
fn batches(groups: &[Group], wave: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &id in wave {
        let group = &groups[id];
        let same = out.iter_mut().find(|batch| {
            let first = &groups[batch[0]];
            group.entity_type.is_some()
                && first.entity_type.is_some()
                && first.graph == group.graph
                && first.conditions == group.conditions
        });
        match same {
            Some(batch) => batch.push(id),
            None => out.push(vec![id]),
        }
    }
    out
}

/// Wraps a node in the `Condition`s of its group.
fn conditioned(mut node: PlanNode, conditions: &BTreeSet<(String, bool)>) -> PlanNode {
    for (variable, include) in conditions.iter().rev() {
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
}

/// One request for several entity groups of one subgraph: an aliased `_entities`
/// selection per group, each with its own representations variable.
fn batch_node(
    graph: &FederationGraph<'_>,
    (groups, renames): (&[Group], &[Vec<Rename>]),
    members: &[(usize, Vec<usize>)],
    variables: &[Node<VariableDefinition>],
    name: &str,
) -> PlanNode {
    let mut used: BTreeSet<Name> = BTreeSet::new();
    let mut parts = Vec::new();
    let mut params = Vec::new();
    let mut selections = Vec::new();
    let mut depends_on: BTreeSet<usize> = BTreeSet::new();
    for (n, (id, deps)) in members.iter().enumerate() {
        let group = &groups[*id];
        group.selection.variables(&mut used);
        depends_on.extend(deps.iter().copied());
        let group_renames = renames.get(*id).map_or(&[][..], Vec::as_slice);
        let single = fetch_node(
            graph,
            (group, &[]),
            OperationType::Query,
            variables,
            (*id, Vec::new()),
            name,
        );
        let ty = group
            .typename_rewrite
            .as_deref()
            .or(group.entity_type.as_deref())
            .unwrap_or_default();
        let alias = format!("_e{n}");
        let variable = format!("r{n}");
        params.push(format!("${variable}: [_Any!]!"));
        selections.push(format!(
            "{alias}: _entities(representations: ${variable}) {{ ... on {ty} {} }}",
            group.selection
        ));
        parts.push(EntityPart {
            id: *id,
            alias,
            variable,
            paths: group.paths.clone(),
            requires: group.representation.clone(),
            typename_rewrite: group.typename_rewrite.clone(),
            operation: single.operation,
            renames: group_renames.to_vec(),
        });
    }
    params.extend(
        variables
            .iter()
            .filter(|d| used.contains(&d.name))
            .map(|d| d.to_string()),
    );
    let first = &groups[members[0].0];
    let node = FetchNode {
        id: members[0].0,
        depends_on: depends_on.into_iter().collect(),
        service_name: graph.name_of(&first.graph).to_owned(),
        subgraph_index: graph.index_of(&first.graph),
        operation_kind: FetchKind::Query,
        operation: format!(
            "query {name}({}) {{ {} }}",
            params.join(", "),
            selections.join(" ")
        ),
        variable_usages: used.iter().map(ToString::to_string).collect(),
        requires: None,
        typename_rewrite: None,
        response_keys: Vec::new(),
        renames: Vec::new(),
    };
    PlanNode::Batch { parts, node }
}

/// Plan nodes for the live groups: waves of parallel fetches in sequence; for a
/// mutation, each root group's waves before the next root's. Entity fetches of one wave
/// to the same subgraph are batched into one request. `renames` are each group's (see
/// [`super::rename`]).
pub(crate) fn schedule(
    graph: &FederationGraph<'_>,
    (groups, defer): (&[Group], Option<usize>),
    renames: &[Vec<Rename>],
    kind: OperationType,
    variables: &[Node<VariableDefinition>],
) -> Option<PlanNode> {
    let live: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].merged_into.is_none() && groups[i].defer == defer)
        .collect();
    // Named after no client operation: the executor names each request (see
    // `FetchNode::operation_named`), so one plan serves every name.
    let base = super::plan::PLACEHOLDER_NAME;
    let partitions = partitions(groups, &live, kind);
    // Mutations: every fetch of one root field waits for everything of the previous one.
    let mut extra: HashMap<usize, Vec<usize>> = HashMap::new();
    for pair in partitions.windows(2) {
        for &id in &pair[1] {
            extra.insert(id, pair[0].clone());
        }
    }
    let mut planned: Vec<Vec<Vec<usize>>> = Vec::new();
    // A batched group's id stands for the batch's first group in every dependency.
    let mut leader: HashMap<usize, usize> = HashMap::new();
    for partition in partitions {
        for wave in waves(groups, partition) {
            let wave_batches = batches(groups, &wave);
            for batch in &wave_batches {
                for &id in batch {
                    leader.insert(id, batch[0]);
                }
            }
            planned.push(wave_batches);
        }
    }
    let live_set: BTreeSet<usize> = live.iter().copied().collect();
    let dependencies = |id: usize| -> Vec<usize> {
        let mut depends_on: BTreeSet<usize> = BTreeSet::new();
        // Fetches of another delivery ran before this one started: no wait for them.
        for dep in groups[id]
            .depends_on
            .iter()
            .chain(extra.get(&id).into_iter().flatten())
            .filter(|dep| live_set.contains(dep))
        {
            depends_on.insert(leader.get(dep).copied().unwrap_or(*dep));
        }
        depends_on.into_iter().collect()
    };
    let node_of = |batch: &[usize]| {
        let id = batch[0];
        let group = &groups[id];
        let name = format!("{base}__{}__{id}", sanitize(graph.name_of(&group.graph)));
        if batch.len() > 1 {
            let members: Vec<(usize, Vec<usize>)> =
                batch.iter().map(|&i| (i, dependencies(i))).collect();
            let node = batch_node(graph, (groups, renames), &members, variables, &name);
            return conditioned(node, &group.conditions);
        }
        let group_renames = renames.get(id).map_or(&[][..], Vec::as_slice);
        let fetch = fetch_node(
            graph,
            (group, group_renames),
            kind,
            variables,
            (id, dependencies(id)),
            &name,
        );
        let node = if group.entity_type.is_some() {
            PlanNode::Flatten {
                paths: group.paths.clone(),
                node: fetch,
            }
        } else {
            PlanNode::Fetch(fetch)
        };
        conditioned(node, &group.conditions)
    };
    let mut sequence = Vec::new();
    for wave in planned {
        let mut nodes: Vec<PlanNode> = wave.iter().map(|batch| node_of(batch)).collect();
        sequence.push(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            PlanNode::Parallel { nodes }
        });
    }
    match sequence.len() {
        0 => None,
        1 => sequence.pop(),
        _ => Some(PlanNode::Sequence { nodes: sequence }),
    }
}
