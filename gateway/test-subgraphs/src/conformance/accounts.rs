//! `accounts`: owns `User`, the nested-key entity `Team` and the shared counter's `increment`.

use std::sync::{
    Arc,
    atomic::{AtomicI32, Ordering},
};

use async_graphql::{
    Context, EmptySubscription, ID, InputObject, Object, Result, Schema, SimpleObject,
};

use super::data::{self, UserRow};
use crate::Subgraph;

pub(crate) fn subgraph(counter: Arc<AtomicI32>) -> Subgraph {
    let schema = Schema::build(Query, Mutation, EmptySubscription)
        .data(counter)
        .finish();
    Subgraph::from_schema("accounts", schema)
}

struct User(&'static UserRow);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    async fn name(&self) -> &str {
        self.0.name
    }

    /// Also `@provides`-ed by reviews, hence shareable.
    #[graphql(shareable)]
    async fn username(&self) -> &str {
        self.0.username
    }

    async fn team(&self) -> Option<Team> {
        team(self.0.team.0, self.0.team.1)
    }
}

/// Value type also declared by reviews (inside `Team`'s key).
#[derive(SimpleObject)]
#[graphql(shareable)]
struct Org {
    id: ID,
    name: String,
}

#[derive(SimpleObject)]
struct Team {
    id: ID,
    org: Org,
    name: String,
}

fn team(id: &str, org: &str) -> Option<Team> {
    let (id, org, name) = data::TEAMS
        .iter()
        .find(|(team, team_org, _)| *team == id && *team_org == org)?;
    let (_, org_name) = data::ORGS.iter().find(|(org_id, _)| org_id == org)?;
    Some(Team {
        id: ID::from(*id),
        org: Org {
            id: ID::from(*org),
            name: (*org_name).to_owned(),
        },
        name: (*name).to_owned(),
    })
}

/// The `org { id }` part of `Team`'s key; async-graphql turns it into `"id org { id }"`.
#[derive(InputObject)]
struct OrgKey {
    id: ID,
}

struct Query;

#[Object]
impl Query {
    async fn me(&self) -> Option<User> {
        data::user(data::ME).map(User)
    }

    async fn user(&self, id: ID) -> Option<User> {
        data::user(&id).map(User)
    }

    async fn users(&self) -> Vec<User> {
        data::USERS.iter().map(User).collect()
    }

    /// Current value of the counter shared with inventory's `multiply`.
    async fn counter(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(ctx.data::<Arc<AtomicI32>>()?.load(Ordering::SeqCst))
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::user(&id).map(User)
    }

    #[graphql(entity)]
    async fn find_team_by_id_and_org(&self, id: ID, org: OrgKey) -> Option<Team> {
        team(&id, &org.id)
    }
}

struct Mutation;

#[Object]
impl Mutation {
    /// Adds `by` to the shared counter and returns the new value.
    async fn increment(&self, ctx: &Context<'_>, by: i32) -> Result<i32> {
        let counter = ctx.data::<Arc<AtomicI32>>()?;
        Ok(counter.fetch_add(by, Ordering::SeqCst) + by)
    }
}
