//! shishin: a static site generator and searchable reference for Japanese guidelines.
//! Data flows one way: load → validate → render / search / exports → output (docs/architecture.md).

pub mod capability;
pub mod cmd;
pub mod config;
pub mod content;
pub mod coverage;
pub mod csv;
pub mod diagnostics;
pub mod disclosure;
pub mod fingerprint;
pub mod git;
pub mod html;
pub mod init;
pub mod mapping;
pub mod markdown;
pub mod output;
pub mod pipeline;
pub mod plain;
pub mod render;
pub mod search;
pub mod serve;
pub mod site_fs;
pub mod url_policy;
pub mod suggest;
pub mod yaml;
