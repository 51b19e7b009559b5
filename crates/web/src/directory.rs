//! The region and its municipalities, held in memory. They are read on every page but change
//! only when a region file is imported — possibly by the command line or another node — so the
//! snapshot is reloaded when it is older than [`TTL`]: an import shows everywhere within that
//! time, and a page costs no registry query.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use regioportal_storage::{MunicipalityRecord, StorageError, Store};

use crate::chrome::RegionInfo;

/// How long a snapshot is used before it is reloaded.
pub const TTL: Duration = Duration::from_secs(5);

/// The registry at one moment.
#[derive(Debug)]
pub struct Snapshot {
    /// Name, operator and demo flag of the region.
    pub region: RegionInfo,
    /// Every municipality, by name.
    pub municipalities: Vec<MunicipalityRecord>,
}

impl Snapshot {
    /// A municipality by slug.
    pub fn by_slug(&self, slug: &str) -> Option<&MunicipalityRecord> {
        self.municipalities.iter().find(|m| m.slug().as_str() == slug)
    }
}

/// The cache.
#[derive(Debug, Default)]
pub struct Directory {
    current: RwLock<Option<(Instant, Arc<Snapshot>)>>,
}

impl Directory {
    /// The snapshot, reloaded from the database when it is older than [`TTL`].
    pub async fn get(&self, store: &Store) -> Result<Arc<Snapshot>, StorageError> {
        if let Some((at, snap)) = self.current.read().ok().and_then(|c| c.clone())
            && at.elapsed() < TTL
        {
            return Ok(snap);
        }
        let dir = store.municipalities();
        let region = match dir.region().await? {
            Some(r) => RegionInfo { name: r.name, name_en: r.name_en, operator: r.contact.name, demo: r.demo },
            None => RegionInfo::placeholder(),
        };
        let snap = Arc::new(Snapshot { region, municipalities: dir.list().await? });
        if let Ok(mut c) = self.current.write() {
            *c = Some((Instant::now(), snap.clone()));
        }
        Ok(snap)
    }

    /// The last snapshot however old, for pages that must render while the database is away.
    pub fn last(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok().and_then(|c| c.as_ref().map(|(_, s)| s.clone()))
    }
}
