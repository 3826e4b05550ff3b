//! Content: loading files into the site model and checking it. Knows nothing of HTML.

pub mod aliases;
pub mod confidence;
pub mod data;
pub mod frontmatter;
pub mod ids;
pub mod load;
pub mod model;
pub mod titles;
pub mod validate;

pub use model::{Confidence, FrontMatter, Page, Site, Status};
