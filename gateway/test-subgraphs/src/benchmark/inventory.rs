//! Benchmark `inventory`: `inStock` and `shippingEstimate @requires(fields: "price weight")`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Result, Schema};

use super::data;
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "inventory",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

struct Product {
    upc: usize,
    price: Option<i32>,
    weight: Option<i32>,
}

fn required(value: Option<i32>, field: &str) -> Result<i32> {
    value.ok_or_else(|| format!("`{field}` was not provided in the representation").into())
}

#[Object]
impl Product {
    async fn upc(&self) -> String {
        self.upc.to_string()
    }

    #[graphql(external)]
    async fn price(&self) -> Result<i32> {
        required(self.price, "price")
    }

    #[graphql(external)]
    async fn weight(&self) -> Result<i32> {
        required(self.weight, "weight")
    }

    async fn in_stock(&self) -> bool {
        data::in_stock(self.upc)
    }

    /// Free above 1000, else half the weight.
    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Result<i32> {
        let price = required(self.price, "price")?;
        let weight = required(self.weight, "weight")?;
        Ok(if price > 1000 { 0 } else { weight / 2 })
    }
}

struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        weight: Option<i32>,
    ) -> Option<Product> {
        let upc = data::index(&upc, data::PRODUCTS)?;
        Some(Product { upc, price, weight })
    }
}
