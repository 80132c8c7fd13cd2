//! Benchmark `products`: owns `Product`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

use super::data;
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "products",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

struct Product(usize);

#[Object]
impl Product {
    async fn upc(&self) -> String {
        self.0.to_string()
    }

    async fn name(&self) -> String {
        data::product_name(self.0)
    }

    async fn price(&self) -> i32 {
        data::price(self.0)
    }

    async fn weight(&self) -> i32 {
        data::weight(self.0)
    }
}

struct Query;

#[Object]
impl Query {
    /// Products 1..=first, in upc order.
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        let first = usize::try_from(first).unwrap_or(0).min(data::PRODUCTS);
        (1..=first).map(Product).collect()
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        data::index(&upc, data::PRODUCTS).map(Product)
    }
}
