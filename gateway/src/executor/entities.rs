//! Entity fetches: every part of one `_entities` fetch in one request, answered from the
//! entity cache where it can and asking the subgraph only for what it misses.

use std::{collections::HashSet, sync::Arc};

use futures::{FutureExt, future::BoxFuture};

use super::{
    client::{FetchError, Fetched, Forwarded, SubgraphClient, SubgraphResponse},
    execute::{EntityCaching, Part},
    merge::owned,
    request::{Representation, Variables, body},
};
use crate::cache::CacheHint;
use crate::json::{self, Map, Value};
use crate::query_planner::FetchNode;

/// Sends an `_entities` fetch (every part in one request), without the cache or asking
/// only for what it misses.
pub(super) fn send_entities<'a>(
    fetch: &'a FetchNode,
    parts: &'a [Part<'a>],
    client: &'a dyn SubgraphClient,
    variables: Variables,
    representations: Vec<Vec<Representation>>,
    forwarded: &'a Forwarded,
    caching: Option<EntityCaching<'a>>,
) -> BoxFuture<'a, Result<SubgraphResponse, FetchError>> {
    let Some(caching) = caching else {
        let lists: Vec<(&str, &[Representation])> = parts
            .iter()
            .map(|p| p.variable)
            .zip(representations.iter().map(Vec::as_slice))
            .collect();
        return client.send(
            fetch.subgraph_index,
            body(fetch, forwarded, &variables, &lists),
            true,
            forwarded,
        );
    };
    async move {
        let mut hint = CacheHint::default();
        let mut received = 0;
        let mut lookups = Vec::with_capacity(parts.len());
        let mut all_entities = Vec::with_capacity(parts.len());
        let mut all_missing = Vec::with_capacity(parts.len());
        let mut all_sent: Vec<Vec<Representation>> = Vec::with_capacity(parts.len());
        for (part, representations) in parts.iter().zip(representations) {
            // The cache reads representations as values: written by the gateway, they parse.
            let values: Vec<Value> = representations
                .iter()
                .map(|text| json::parse(text).unwrap_or_default())
                .collect();
            let lookup = caching
                .cache
                .lookup(
                    &fetch.service_name,
                    part.cache_key,
                    caching.audience,
                    &values,
                )
                .await;
            let mut entities = vec![Value::Null; representations.len()];
            let mut missing = Vec::new();
            let mut sent = Vec::new();
            for (i, (hit, representation)) in lookup.hits.iter().zip(representations).enumerate() {
                match hit {
                    Some((entity, fresh_for)) => {
                        entities[i] = entity.clone();
                        hint.merge(CacheHint::max_age(*fresh_for));
                    }
                    None => {
                        missing.push(i);
                        sent.push(representation);
                    }
                }
            }
            all_sent.push(sent);
            lookups.push(lookup);
            all_entities.push(entities);
            all_missing.push(missing);
        }
        let lists: Vec<(&str, &[Representation])> = parts
            .iter()
            .map(|p| p.variable)
            .zip(all_sent.iter().map(Vec::as_slice))
            .collect();
        let mut errors = Vec::new();
        if all_missing.iter().any(|m| !m.is_empty()) {
            let response = client
                .send(
                    fetch.subgraph_index,
                    body(fetch, forwarded, &variables, &lists),
                    true,
                    forwarded,
                )
                .await?;
            let Fetched {
                mut body,
                hint: fetched_hint,
                bytes,
            } = owned(response);
            received = bytes;
            hint.merge(fetched_hint);
            if let Some(Value::Array(found)) = body.get_mut("errors").map(Value::take) {
                errors = found;
            }
            // An entity with an error is not kept; an error not at one entity keeps none.
            let mut failed: HashSet<(usize, usize)> = HashSet::new();
            let mut unplaced = false;
            for error in &mut errors {
                match part_entity(error, parts) {
                    Some((p, j)) => {
                        if let Some(&i) = all_missing[p].get(j) {
                            failed.insert((p, j));
                            if let Some(slot) = error.get_mut("path").and_then(|p| p.get_mut(1)) {
                                *slot = Value::from(i);
                            }
                        }
                    }
                    None => unplaced = true,
                }
            }
            for (p, part) in parts.iter().enumerate() {
                let Some(Value::Array(found)) = body
                    .get_mut("data")
                    .and_then(|d| d.get_mut(part.alias))
                    .map(Value::take)
                else {
                    continue;
                };
                let entities = &mut all_entities[p];
                let mut keep = Vec::new();
                for (j, entity) in found.into_iter().enumerate() {
                    if let Some(&i) = all_missing[p].get(j) {
                        entities[i] = entity;
                        if !unplaced && !failed.contains(&(p, j)) && entities[i].is_object() {
                            keep.push(i);
                        }
                    }
                }
                let kept: Vec<(usize, &Value)> = keep.iter().map(|&i| (i, &entities[i])).collect();
                caching.cache.store(&lookups[p], &kept, fetched_hint).await;
            }
        }
        let mut data = Map::default();
        for (part, entities) in parts.iter().zip(all_entities) {
            data.insert(part.alias, Value::Array(entities));
        }
        let mut response = Map::default();
        response.insert("data", Value::Object(data));
        if !errors.is_empty() {
            response.insert("errors", Value::Array(errors));
        }
        Ok(Arc::new(Fetched {
            body: Value::Object(response),
            hint,
            bytes: received,
        }))
    }
    .boxed()
}

/// The part and representation index of an error at `<alias>.N…`.
pub(super) fn part_entity(error: &Value, parts: &[Part<'_>]) -> Option<(usize, usize)> {
    let path = error.get("path")?.as_array()?;
    let alias = path.first()?.as_str()?;
    let part = parts.iter().position(|p| p.alias == alias)?;
    Some((part, usize::try_from(path.get(1)?.as_u64()?).ok()?))
}
