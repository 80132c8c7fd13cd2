//! `inventory`: knows `Product` only by `sku`; `@requires`, `@override` (plain and progressive) and `multiply`.

use std::sync::{
    Arc,
    atomic::{AtomicI32, Ordering},
};

use async_graphql::{
    Any, Context, EmptySubscription, Enum, ID, Object, Result, Schema, SimpleObject,
};

use super::{
    data::{self, ProductRow},
    products::{Dimensions, WeightUnit},
};
use crate::{Subgraph, server::federation_sdl};

pub(crate) fn subgraph(counter: Arc<AtomicI32>) -> Subgraph {
    let schema = Schema::build(Query, Mutation, EmptySubscription)
        .data(counter)
        .finish();
    let sdl = with_override_labels(federation_sdl(&schema));
    Subgraph::new("inventory", schema, sdl)
}

/// async-graphql 7.2 emits `@override(from:)` only and links federation v2.5; progressive override
/// needs `label` and v2.7, so the published SDL is patched (the `_service` answer serves the patch).
fn with_override_labels(sdl: String) -> String {
    let patches = [
        (
            "specs.apollo.dev/federation/v2.5\"",
            "specs.apollo.dev/federation/v2.7\"",
        ),
        (
            "warehouse: String! @override(from: \"products\")",
            "warehouse: String! @override(from: \"products\", label: \"percent(0)\")",
        ),
        (
            "carrier: String! @override(from: \"products\")",
            "carrier: String! @override(from: \"products\", label: \"beta\")",
        ),
    ];
    patches.into_iter().fold(sdl, |sdl, (from, to)| {
        assert!(
            sdl.contains(from),
            "inventory SDL no longer contains `{from}`"
        );
        sdl.replace(from, to)
    })
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Domestic,
    International,
}

/// A product as inventory sees it: its own row plus whatever `@requires` fields the router sent.
struct Product {
    row: &'static ProductRow,
    price: Option<i32>,
    weight: Option<f64>,
    dimensions: Option<(i32, i32, i32)>,
    review_count: Option<i32>,
}

impl Product {
    fn local(row: &'static ProductRow) -> Self {
        Self {
            row,
            price: None,
            weight: None,
            dimensions: None,
            review_count: None,
        }
    }
}

fn required<T: Copy>(value: Option<T>, field: &str) -> Result<T> {
    value.ok_or_else(|| format!("`{field}` was not provided in the representation").into())
}

#[Object]
impl Product {
    async fn sku(&self) -> &str {
        self.row.sku
    }

    #[graphql(shareable)]
    async fn name(&self) -> &str {
        self.row.name
    }

    async fn in_stock(&self) -> bool {
        self.row.in_stock
    }

    #[graphql(external)]
    async fn price(&self) -> Result<i32> {
        required(self.price, "price")
    }

    #[graphql(external)]
    async fn weight(
        &self,
        #[graphql(default_with = "WeightUnit::Kilogram")] unit: WeightUnit,
    ) -> Result<f64> {
        let kilograms = required(self.weight, "weight")?;
        Ok(if unit == WeightUnit::Gram {
            kilograms * 1000.0
        } else {
            kilograms
        })
    }

    #[graphql(external)]
    async fn dimensions(&self) -> Result<Dimensions> {
        let (width, height, depth) = required(self.dimensions, "dimensions")?;
        Ok(Dimensions {
            width,
            height,
            depth,
        })
    }

    #[graphql(external)]
    async fn review_count(&self) -> Result<i32> {
        required(self.review_count, "reviewCount")
    }

    /// Free above 1000 cents, else whole kilograms; +20 if any side exceeds 100 cm; doubled abroad.
    #[graphql(requires = "price weight(unit: KILOGRAM) dimensions { width height depth }")]
    async fn shipping_estimate(
        &self,
        #[graphql(default_with = "Zone::Domestic")] zone: Zone,
    ) -> Result<i32> {
        let price = required(self.price, "price")?;
        let weight = required(self.weight, "weight")?;
        let (width, height, depth) = required(self.dimensions, "dimensions")?;
        // Whole kilograms, rounded up; fixture weights are small.
        let base = if price >= 1000 {
            0
        } else {
            weight.ceil() as i32
        };
        let bulky = if width.max(height).max(depth) > 100 {
            20
        } else {
            0
        };
        let factor = if zone == Zone::International { 2 } else { 1 };
        Ok((base + bulky) * factor)
    }

    /// `reviewCount` lives in reviews, a third subgraph: "HIGH" from 2 reviews on, else "LOW".
    #[graphql(requires = "reviewCount")]
    async fn reorder_priority(&self) -> Result<&str> {
        Ok(if required(self.review_count, "reviewCount")? >= 2 {
            "HIGH"
        } else {
            "LOW"
        })
    }

    #[graphql(override_from = "products")]
    async fn shipping_class(&self) -> &str {
        let (width, height, depth) = self.row.dimensions;
        if width.max(height).max(depth) > 100 {
            "FREIGHT"
        } else {
            "PARCEL"
        }
    }

    /// Progressive override, label `percent(0)` (patched into the SDL).
    #[graphql(override_from = "products")]
    async fn warehouse(&self) -> &str {
        "NORTH"
    }

    /// Progressive override, custom label `beta` (patched into the SDL).
    #[graphql(override_from = "products")]
    async fn carrier(&self) -> &str {
        "COURIER"
    }
}

#[derive(SimpleObject)]
struct Variant {
    upc: ID,
    size: String,
    stock: i32,
}

/// Reads `{ width height depth }` from a representation.
fn dimensions(value: &Any) -> Option<(i32, i32, i32)> {
    let async_graphql::Value::Object(object) = &value.0 else {
        return None;
    };
    let side = |name: &str| match object.get(name) {
        Some(async_graphql::Value::Number(number)) => {
            number.as_i64().and_then(|n| i32::try_from(n).ok())
        }
        _ => None,
    };
    Some((side("width")?, side("height")?, side("depth")?))
}

struct Query;

#[Object]
impl Query {
    /// Products out of stock, in upc order.
    async fn low_stock(&self) -> Vec<Product> {
        data::PRODUCTS
            .iter()
            .filter(|row| !row.in_stock)
            .map(Product::local)
            .collect()
    }

    #[graphql(entity)]
    async fn find_product_by_sku(
        &self,
        #[graphql(key)] sku: String,
        price: Option<i32>,
        weight: Option<f64>,
        dimensions: Option<Any>,
        review_count: Option<i32>,
    ) -> Option<Product> {
        let row = data::product_by_sku(&sku)?;
        Some(Product {
            price,
            weight,
            dimensions: dimensions.as_ref().and_then(self::dimensions),
            review_count,
            ..Product::local(row)
        })
    }

    #[graphql(entity)]
    async fn find_variant_by_upc_and_size(&self, upc: ID, size: String) -> Option<Variant> {
        let (_, _, stock) = data::VARIANT_STOCK
            .iter()
            .find(|(u, s, _)| **u == *upc && *s == size)?;
        Some(Variant {
            upc,
            size,
            stock: *stock,
        })
    }
}

struct Mutation;

#[Object]
impl Mutation {
    /// Multiplies the counter shared with accounts' `increment` and returns the new value.
    async fn multiply(&self, ctx: &Context<'_>, by: i32) -> Result<i32> {
        let counter = ctx.data::<Arc<AtomicI32>>()?;
        let previous = counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |value| Some(value * by))
            .unwrap_or_else(|value| value);
        Ok(previous * by)
    }
}
