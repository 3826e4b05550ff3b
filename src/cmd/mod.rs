//! The commands: CLI-only code that drives the library for one subcommand. Nothing outside
//! `main.rs` imports from here.

pub mod coverage;
pub mod disclosure;
pub mod mapping;
pub mod search;
pub mod search_cache;
