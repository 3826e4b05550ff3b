//! shishin: a static site generator and searchable reference for Japanese guidelines.
//! Data flows one way: load → validate → render / search / exports → output (see README).

pub mod diagnostics;
pub mod search;
pub mod yaml;
