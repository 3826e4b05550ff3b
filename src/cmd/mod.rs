//! The commands: CLI-only code that drives the library for one subcommand. Nothing outside
//! `main.rs` imports from here.

pub mod search;
pub mod search_cache;
