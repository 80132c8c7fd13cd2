//! Data-driven fixture subgraphs: a Federation v2 subgraph SDL plus a JSON "world" of data,
//! no resolvers to write. See the crate README ("World subgraphs") for the world format.
//!
//! ```rust,no_run
//! # async fn demo() {
//! use serde_json::json;
//! let subgraphs = test_subgraphs::world::start_world(
//!     &[("accounts", r#"type Query { me: User } type User @key(fields: "id") { id: ID! name: String! }"#)],
//!     json!({
//!         "objects": { "u1": { "__typename": "User", "id": "u1", "name": "Ada" } },
//!         "roots": { "me": { "$ref": "u1" } }
//!     }),
//! )
//! .await;
//! println!("{}", subgraphs[0].url());
//! # }
//! ```

mod data;
mod execute;
mod schema;

use std::{future::Future, sync::Arc};

use async_graphql::futures_util::stream::{self, BoxStream};

use crate::server::{Subgraph, TestSubgraph, start_all};

/// The data every world subgraph answers from: objects by id, root values, per-subgraph overrides.
///
/// Built once per test and shared (`Arc`) by the subgraphs that answer from it.
pub struct World {
    parts: data::Parts,
    /// `(type, interface)` pairs learned from SDLs, so that `Book` objects match `Media`.
    implementations: Vec<(String, String)>,
}

impl World {
    /// Checks and stores a world (format in the README); panics with the offending place if it is
    /// malformed (it is test data).
    pub fn new(json: serde_json::Value) -> Self {
        Self {
            parts: data::Parts::from_json(json),
            implementations: Vec::new(),
        }
    }

    /// Learns which interfaces each type implements in `sdl` (another subgraph's, typically), so
    /// that objects of those types count as the interface in `_entities` lookups and where a
    /// subgraph sees the interface as an `@interfaceObject`. [`start_world`] does this for every
    /// SDL it is given; `$implements` in an object does the same per object. Panics if `sdl`
    /// does not parse.
    pub fn learn_sdl(&mut self, sdl: &str) {
        self.implementations
            .extend(data::declared_implementations(sdl));
    }
}

/// A subgraph named `name` publishing `sdl` (a Federation v2 subgraph SDL as written by hand) and
/// answering every request from `world`: validated with apollo-compiler, executed per the
/// GraphQL spec, `_entities` matched on this subgraph's `@key`s, `@requires` checked.
///
/// Panics if the SDL (with the federation definitions added) is not a valid schema.
pub fn world_subgraph(name: &str, sdl: &str, world: Arc<World>) -> Subgraph {
    let schema = schema::SubgraphSchema::build(name, sdl);
    let mut implementations = world.implementations.clone();
    implementations.extend(data::declared_implementations(sdl));
    let view = data::View::new(&world.parts, name, &implementations);
    let executor = WorldExecutor {
        inner: Arc::new(Inner {
            schema,
            view,
            sdl: serde_json::Value::String(sdl.to_owned()),
        }),
    };
    Subgraph::new(name, executor, sdl)
}

/// Builds one [`World`] from `world` (learning every SDL given), then starts each
/// `(name, sdl)` as a [`world_subgraph`] on `127.0.0.1:0`; returned in the given order.
pub async fn start_world(
    subgraphs: &[(&str, &str)],
    world: serde_json::Value,
) -> Vec<TestSubgraph> {
    let mut shared = World::new(world);
    for (_, sdl) in subgraphs {
        shared.learn_sdl(sdl);
    }
    let shared = Arc::new(shared);
    let definitions = subgraphs
        .iter()
        .map(|(name, sdl)| world_subgraph(name, sdl, Arc::clone(&shared)))
        .collect();
    start_all(definitions).await
}

/// The async-graphql executor of a world subgraph.
#[derive(Clone)]
struct WorldExecutor {
    inner: Arc<Inner>,
}

struct Inner {
    schema: schema::SubgraphSchema,
    view: data::View,
    /// The published SDL, as a JSON string.
    sdl: serde_json::Value,
}

impl async_graphql::Executor for WorldExecutor {
    fn execute(
        &self,
        request: async_graphql::Request,
    ) -> impl Future<Output = async_graphql::Response> + Send {
        let inner = Arc::clone(&self.inner);
        async move {
            let ctx = execute::Ctx {
                schema: &inner.schema,
                view: &inner.view,
                sdl: &inner.sdl,
            };
            execute::execute(ctx, &request)
        }
    }

    fn execute_stream(
        &self,
        _request: async_graphql::Request,
        _session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        Box::pin(stream::once(async {
            execute::request_error("world subgraphs do not serve subscriptions")
        }))
    }
}
