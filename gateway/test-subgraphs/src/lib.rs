#![doc = include_str!("../README.md")]

pub mod benchmark;
pub mod conformance;
mod entities;
pub mod server;
pub mod world;

pub use server::{Subgraph, TestSubgraph, by_name};
