//! `products`: owns `Product` (two keys: `upc` and `sku`) and the compound-key entity `Variant`.

use async_graphql::{
    EmptyMutation, EmptySubscription, Enum, ID, Object, Result, Schema, SimpleObject,
};

use super::data::{self, ProductRow};
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "products",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

/// Declared identically in inventory (enums used as arguments must match).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WeightUnit {
    Kilogram,
    Gram,
}

/// Value type also declared by inventory (as the `@requires` selection's type).
#[derive(SimpleObject)]
#[graphql(shareable)]
pub(crate) struct Dimensions {
    pub(crate) width: i32,
    pub(crate) height: i32,
    pub(crate) depth: i32,
}

struct Product(&'static ProductRow);

#[Object]
impl Product {
    async fn upc(&self) -> ID {
        ID::from(self.0.upc)
    }

    async fn sku(&self) -> &str {
        self.0.sku
    }

    /// Shareable: inventory resolves it too.
    #[graphql(shareable)]
    async fn name(&self) -> &str {
        self.0.name
    }

    async fn price(&self) -> i32 {
        self.0.price
    }

    /// Takes an argument, and inventory `@requires` it as `weight(unit: KILOGRAM)`.
    async fn weight(
        &self,
        #[graphql(default_with = "WeightUnit::Kilogram")] unit: WeightUnit,
    ) -> f64 {
        match unit {
            WeightUnit::Kilogram => self.0.weight_kg,
            WeightUnit::Gram => self.0.weight_kg * 1000.0,
        }
    }

    async fn dimensions(&self) -> Dimensions {
        let (width, height, depth) = self.0.dimensions;
        Dimensions {
            width,
            height,
            depth,
        }
    }

    async fn variants(&self) -> Vec<Variant> {
        let product = self.0;
        product
            .sizes
            .iter()
            .map(|size| Variant { product, size })
            .collect()
    }

    /// Stale value: inventory overrides this field (`@override(from: "products")`).
    async fn shipping_class(&self) -> &str {
        "LEGACY"
    }

    /// Served here while inventory's progressive override (`percent(0)`) stays at 0 %.
    async fn warehouse(&self) -> &str {
        "CENTRAL"
    }

    /// Served here unless the router enables inventory's override label `beta`.
    async fn carrier(&self) -> &str {
        "POST"
    }
}

struct Variant {
    product: &'static ProductRow,
    size: &'static str,
}

#[Object]
impl Variant {
    async fn upc(&self) -> ID {
        ID::from(self.product.upc)
    }

    async fn size(&self) -> &str {
        self.size
    }

    async fn name(&self) -> String {
        format!("{} ({})", self.product.name, self.size)
    }
}

/// Root lookups and entity resolvers share the null and error rules.
fn lookup_upc(upc: &str) -> Result<Option<Product>> {
    if upc == data::ERROR_UPC {
        return Err(format!("product {upc} failed to load").into());
    }
    Ok(data::product_by_upc(upc).map(Product))
}

struct Query;

#[Object]
impl Query {
    async fn product(&self, upc: ID) -> Result<Option<Product>> {
        lookup_upc(&upc)
    }

    /// All products, in upc order.
    async fn products(&self) -> Vec<Product> {
        data::PRODUCTS.iter().map(Product).collect()
    }

    /// The `first` most expensive products.
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        let mut products: Vec<_> = data::PRODUCTS.iter().collect();
        products.sort_by_key(|product| std::cmp::Reverse(product.price));
        products
            .into_iter()
            .take(usize::try_from(first).unwrap_or(0))
            .map(Product)
            .collect()
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: ID) -> Result<Option<Product>> {
        lookup_upc(&upc)
    }

    #[graphql(entity)]
    async fn find_product_by_sku(&self, sku: String) -> Option<Product> {
        data::product_by_sku(&sku).map(Product)
    }

    #[graphql(entity)]
    async fn find_variant_by_upc_and_size(&self, upc: ID, size: String) -> Option<Variant> {
        let product = data::product_by_upc(&upc)?;
        let size = product.sizes.iter().find(|known| **known == size)?;
        Some(Variant { product, size })
    }
}
