//! Benchmark `reviews`: owns `Review`; extends `User` and `Product` with `reviews`.

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};

use super::data;
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "reviews",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

struct Review(usize);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID::from(self.0.to_string())
    }

    async fn body(&self) -> String {
        data::review_body(self.0)
    }

    #[graphql(provides = "username")]
    async fn author(&self) -> User {
        User(data::review_author(self.0))
    }

    async fn product(&self) -> Product {
        Product(data::review_product(self.0))
    }
}

struct User(usize);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID::from(self.0.to_string())
    }

    #[graphql(external)]
    async fn username(&self) -> String {
        data::username(self.0)
    }

    async fn reviews(&self) -> Vec<Review> {
        (1..=data::REVIEWS)
            .filter(|&n| data::review_author(n) == self.0)
            .map(Review)
            .collect()
    }
}

struct Product(usize);

#[Object]
impl Product {
    async fn upc(&self) -> String {
        self.0.to_string()
    }

    async fn reviews(&self) -> Vec<Review> {
        (1..=data::REVIEWS)
            .filter(|&n| data::review_product(n) == self.0)
            .map(Review)
            .collect()
    }
}

struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_review_by_id(&self, id: ID) -> Option<Review> {
        data::index(&id, data::REVIEWS).map(Review)
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::index(&id, data::USERS).map(User)
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        data::index(&upc, data::PRODUCTS).map(Product)
    }
}
