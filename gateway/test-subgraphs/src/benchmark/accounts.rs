//! Benchmark `accounts`: owns `User`.

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};

use super::data;
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "accounts",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

struct User(usize);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID::from(self.0.to_string())
    }

    async fn name(&self) -> String {
        data::user_name(self.0)
    }

    /// Shareable: reviews provides it.
    #[graphql(shareable)]
    async fn username(&self) -> String {
        data::username(self.0)
    }
}

struct Query;

#[Object]
impl Query {
    async fn me(&self) -> User {
        User(1)
    }

    async fn user(&self, id: ID) -> Option<User> {
        data::index(&id, data::USERS).map(User)
    }

    async fn users(&self) -> Vec<User> {
        (1..=data::USERS).map(User).collect()
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::index(&id, data::USERS).map(User)
    }
}
