//! The Apollo Federation v2 gateway. It knows nothing of the Alpes Partners domain.
//!
//! The router itself (supergraph input, planner, executor, serving) is built in the
//! gateway issue; this crate reserves its place in the workspace layout.
