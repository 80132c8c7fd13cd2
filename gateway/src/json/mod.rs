//! The JSON data the gateway moves between subgraphs and clients.
//!
//! Subgraph answers are parsed into [`Value`], whose numbers keep the text the subgraph
//! wrote: a float, an integer beyond 64 bits or a long decimal is written back to the
//! client byte for byte, never re-rounded through `f64`. Objects keep the order their keys
//! came in.

mod map;
mod parse;
mod value;
mod write;

pub use map::Key;
pub use parse::{MAX_DEPTH, ParseError, parse};
pub use value::{Map, Number, Str, Value};
pub use write::{write_name_key, write_raw_array, write_str, write_value};

/// A [`Value`] from `serde_json::json!` syntax (for errors and tests: its numbers go
/// through `serde_json`).
#[macro_export]
macro_rules! json {
    ($($json:tt)+) => {
        $crate::json::Value::from(::serde_json::json!($($json)+))
    };
}
