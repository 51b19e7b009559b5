//! The demo region, compiled in from `demo/`.

use regioportal_domain::region::Region;
use regioportal_storage::{ImportReport, StaticAssets, StorageError, Store};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// The demo region file's text.
pub fn region_toml() -> &'static str {
    let bytes = DEMO_FILES.iter().find(|(p, _)| *p == "region.toml").map(|(_, b)| *b).unwrap_or_default();
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Imports the demo region, through the same code path as `region import FILE`.
pub async fn seed(store: &Store) -> Result<ImportReport, StorageError> {
    let region =
        Region::from_toml(region_toml()).map_err(|e| StorageError::Import(format!("demo/region.toml: {e}")))?;
    store.import_region(&region, &StaticAssets(DEMO_FILES), &regioportal_storage::Actor::cli()).await
}
