//! The contract between the pipeline and the features (mapping, disclosure): the pipeline holds
//! a list of capabilities and never names what they do; the features implement this trait and
//! never import the pipeline.

use crate::content::Site;
use crate::diagnostics::Diagnostics;
use crate::output::OutputFiles;

/// A feature that reads the site model and adds template data and output files
/// (mapping matrix, disclosure templates, …). Built once per build, after validation.
///
/// A capability may read the config, the data files, git and the pages' front matter, URLs and
/// tree, but not page bodies: `serve` keeps a capability while those are unchanged
/// (`pipeline::cache::capabilities_key`), so a page edit does not reload mappings or regenerate
/// downloads.
pub trait Capability: Sync + Send {
    /// Extra template variables for page `index` (e.g. `mapping`, `disclosure`).
    fn page_context(&self, _site: &Site, _index: usize) -> Vec<(String, serde_json::Value)> {
        Vec::new()
    }
    /// Files this capability publishes (downloads, exports).
    fn write_files(&self, _site: &Site, _files: &mut OutputFiles) -> Result<(), Diagnostics> {
        Ok(())
    }
}
