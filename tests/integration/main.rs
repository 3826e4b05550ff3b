//! The integration tests, one binary: each module drives `shishin` through its public interface
//! (the CLI binary, the library's build entry points, HTTP/WebSocket of `serve`). One binary links
//! tantivy and the embedded IPADIC once instead of once per file. Run one area with a filter,
//! e.g. `cargo test --test integration mapping::`.

mod common;

mod architecture;
mod build;
mod corpus;
mod diagnostics;
mod init;
mod disclosure;
mod hardening;
mod links;
mod mapping;
mod robustness;
mod search_engine;
mod search_eval;
mod serve;
