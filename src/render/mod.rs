//! HTML output: the theme, page contexts, and the site-level files (sitemap, robots, 404, redirects).

pub mod context;
pub mod phrases;
pub mod script;
pub mod site_files;
pub mod theme;
