//! The shape of the public GraphQL gateways benchmark: accounts, inventory, products, reviews.

mod accounts;
mod data;
mod inventory;
mod products;
mod reviews;

use std::net::SocketAddr;

use crate::{Subgraph, TestSubgraph, server::start_all};

/// Subgraph names, in the order [`subgraphs`] returns them.
pub const NAMES: [&str; 4] = ["accounts", "inventory", "products", "reviews"];

/// The benchmark's deep query (about 94 KB of JSON with this data).
pub const BENCH_QUERY: &str = r#"fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
"#;

/// Fresh definitions, not yet listening: names and SDLs for composition.
pub fn subgraphs() -> Vec<Subgraph> {
    vec![
        accounts::subgraph(),
        inventory::subgraph(),
        products::subgraph(),
        reviews::subgraph(),
    ]
}

/// Starts every benchmark subgraph on its own free port.
pub async fn start() -> Vec<TestSubgraph> {
    start_all(subgraphs()).await
}

/// Starts every benchmark subgraph on the given addresses, in [`NAMES`] order.
pub async fn start_on(addrs: [SocketAddr; 4]) -> std::io::Result<Vec<TestSubgraph>> {
    let mut started = Vec::new();
    for (subgraph, addr) in subgraphs().into_iter().zip(addrs) {
        started.push(subgraph.start_on(addr).await?);
    }
    Ok(started)
}
