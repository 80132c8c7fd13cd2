//! `reviews`: owns `Review`; extends `User`, `Product`, `Team` (nested key) and `Media` (`@interfaceObject`).

use async_graphql::{
    EmptyMutation, EmptySubscription, ID, InputObject, Object, Schema, SimpleObject, Union,
};

use super::data::{self, ReviewRow};
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "reviews",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

struct Review(&'static ReviewRow);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    async fn body(&self) -> &str {
        self.0.body
    }

    async fn rating(&self) -> i32 {
        self.0.rating
    }

    /// Provides `username`, so `author { username }` needs no accounts fetch.
    #[graphql(provides = "username")]
    async fn author(&self) -> Option<User> {
        self.0.author.map(|id| User { id })
    }

    /// Nullable: r5 and r6 point at the products whose entities resolve to null and to an error.
    async fn product(&self) -> Option<Product> {
        Some(Product {
            upc: self.0.upc.to_owned(),
        })
    }
}

struct User {
    id: &'static str,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID::from(self.id)
    }

    /// Only served under `Review.author`'s `@provides`.
    #[graphql(external)]
    async fn username(&self) -> async_graphql::Result<&str> {
        data::user(self.id)
            .map(|user| user.username)
            .ok_or_else(|| "unknown user".into())
    }

    async fn reviews(&self) -> Vec<Review> {
        data::REVIEWS
            .iter()
            .filter(|review| review.author == Some(self.id))
            .map(Review)
            .collect()
    }
}

struct Product {
    upc: String,
}

impl Product {
    fn reviews(&self) -> impl Iterator<Item = &'static ReviewRow> {
        data::REVIEWS.iter().filter(|review| review.upc == self.upc)
    }
}

#[Object]
impl Product {
    async fn upc(&self) -> ID {
        ID::from(self.upc.as_str())
    }

    #[graphql(name = "reviews")]
    async fn reviews_field(&self) -> Vec<Review> {
        self.reviews().map(Review).collect()
    }

    /// Required by inventory's `reorderPriority`.
    async fn review_count(&self) -> i32 {
        i32::try_from(self.reviews().count()).unwrap_or(i32::MAX)
    }
}

#[derive(SimpleObject)]
#[graphql(shareable)]
struct Org {
    id: ID,
}

/// `@key(fields: "id org { id }")`: team ids repeat across orgs.
#[derive(SimpleObject)]
struct Team {
    id: ID,
    org: Org,
    /// Reviews written by the team's members.
    review_count: i32,
}

#[derive(InputObject)]
struct OrgKey {
    id: ID,
}

/// The `@interfaceObject` side of `Media`; the interface and its types live in media.
#[derive(SimpleObject)]
#[graphql(interface_object)]
struct Media {
    id: ID,
    likes: i32,
}

#[derive(Union)]
enum SearchResult {
    Review(Review),
    Product(Product),
    User(User),
}

struct Query;

#[Object]
impl Query {
    async fn review(&self, id: ID) -> Option<Review> {
        data::REVIEWS
            .iter()
            .find(|review| review.id == *id)
            .map(Review)
    }

    /// Reviews with an author (r1 to r4), in id order.
    async fn top_reviews(&self, #[graphql(default = 10)] first: i32) -> Vec<Review> {
        let first = usize::try_from(first).unwrap_or(0);
        data::listed_reviews().take(first).map(Review).collect()
    }

    /// For each listed review whose body contains `term` (any case): the review, its product, its author.
    async fn search(&self, term: String) -> Vec<SearchResult> {
        let term = term.to_lowercase();
        data::listed_reviews()
            .filter(|review| review.body.to_lowercase().contains(&term))
            .flat_map(|review| {
                let mut hits = vec![
                    SearchResult::Review(Review(review)),
                    SearchResult::Product(Product {
                        upc: review.upc.to_owned(),
                    }),
                ];
                hits.extend(review.author.map(|id| SearchResult::User(User { id })));
                hits
            })
            .collect()
    }

    async fn featured_media(&self) -> Vec<Media> {
        data::FEATURED_MEDIA
            .iter()
            .filter_map(|id| media(id))
            .collect()
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::user(&id).map(|user| User { id: user.id })
    }

    /// Any upc resolves: unknown products simply have no reviews.
    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: ID) -> Product {
        Product {
            upc: upc.to_string(),
        }
    }

    #[graphql(entity)]
    async fn find_team_by_id_and_org(&self, id: ID, org: OrgKey) -> Option<Team> {
        data::TEAMS
            .iter()
            .find(|(team, team_org, _)| *team == *id && *team_org == *org.id)?;
        let review_count = data::listed_reviews()
            .filter(|review| {
                review
                    .author
                    .and_then(data::user)
                    .is_some_and(|user| user.team == (&*id, &*org.id))
            })
            .count();
        Some(Team {
            id,
            org: Org { id: org.id },
            review_count: i32::try_from(review_count).unwrap_or(i32::MAX),
        })
    }

    #[graphql(entity)]
    async fn find_media_by_id(&self, id: ID) -> Option<Media> {
        media(&id)
    }
}

fn media(id: &str) -> Option<Media> {
    data::media(id).map(|row| Media {
        id: ID::from(row.id),
        likes: row.likes,
    })
}
