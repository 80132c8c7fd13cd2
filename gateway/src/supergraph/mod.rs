//! Supergraph input: the composed SDL with its `@join__*` metadata, and the API schema.

mod api_schema;
mod error;
mod links;
mod metadata;

use apollo_compiler::{Schema, validation::Valid};

pub use error::SupergraphError;
pub use links::{LinkedSpecs, SpecLink};
pub use metadata::{FieldOwner, SubgraphDef, Subtype, TypeOwner};

use std::collections::HashMap;

/// A parsed, validated supergraph.
#[derive(Debug)]
pub struct Supergraph {
    /// The whole supergraph schema, machinery included.
    pub schema: Valid<Schema>,
    /// What clients see: join/link machinery and `@inaccessible` elements removed.
    pub api_schema: Valid<Schema>,
    /// The linked specs and their local names.
    pub links: LinkedSpecs,
    /// Subgraphs by their `join__Graph` enum value.
    pub subgraphs: Vec<SubgraphDef>,
    /// Which subgraphs define each type, with their keys.
    pub type_owners: HashMap<String, Vec<TypeOwner>>,
    /// Which subgraphs resolve each field, by `(type, field)`.
    pub field_owners: HashMap<(String, String), Vec<FieldOwner>>,
    /// Per abstract type, the subtypes (implementations, union members) each subgraph
    /// declares; no entry for a type whose supergraph says nothing per subgraph.
    pub subtypes: HashMap<String, Vec<Subtype>>,
}

impl Supergraph {
    /// Parses and validates a supergraph SDL; errors name the element at fault.
    pub fn parse(sdl: &str) -> Result<Self, SupergraphError> {
        let schema = Schema::parse_and_validate(sdl, "supergraph.graphql")
            .map_err(|e| SupergraphError::Invalid(e.errors.to_string()))?;
        let links = LinkedSpecs::read(&schema)?;
        let subgraphs = metadata::subgraphs(&schema, &links)?;
        let (type_owners, field_owners) = metadata::owners(&schema, &links, &subgraphs)?;
        let subtypes = metadata::subtypes(&schema, &links, &subgraphs)?;
        let api_schema = api_schema::derive(&schema, &links)?;
        Ok(Self {
            schema,
            api_schema,
            links,
            subgraphs,
            type_owners,
            field_owners,
            subtypes,
        })
    }

    /// The subgraph with this `join__Graph` name.
    pub fn subgraph(&self, graph: &str) -> Option<&SubgraphDef> {
        self.subgraphs.iter().find(|s| s.graph == graph)
    }
}
