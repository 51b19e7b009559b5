//! The Bürgerservice on the web: the A–Z of services, life situations, service pages with the
//! Zuständigkeitsfinder ("Where do I go?"), office pages, the search page, downloads, and the
//! JSON API — all answered from [`Catalog`], an in-memory snapshot of the directory.
//!
//! The directory is small (hundreds of services, tens of offices) but read on every page, so
//! each node keeps it in memory and rebuilds it when the shared `service_version` changes: at
//! once for changes of this process, within [`POLL`] for changes made on other nodes.

pub mod api;
pub mod pages;
pub mod search;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use regioportal_domain::services::hours::{DayHours, OpenStatus};
use regioportal_domain::services::{Area, Citizen, PlaceDirectory, PlaceEntry, PlaceMatch, ServiceContent};
use regioportal_domain::{MunicipalityKind, Slug};
use regioportal_storage::{
    FormRecord, LifeSituationRecord, LocalPart, MunicipalityRecord, OfficeRecord, ServiceRecord, StorageError, Store,
};

use crate::directory::Snapshot;

/// How often a node looks for changes made by other nodes.
pub const POLL: Duration = Duration::from_secs(1);

/// The region's zone: "open now" is computed in it.
pub const ZONE: Tz = chrono_tz::Europe::Berlin;

/// The federal portal, for citizens outside the region.
pub const FEDERAL_PORTAL: &str = "https://verwaltung.bund.de";

/// The directory at one moment.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The shared version it was built from.
    pub version: i64,
    /// This process's change counter it was built at.
    pub local: u64,
    /// Services by name.
    pub services: Vec<ServiceRecord>,
    by_slug: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
    /// Life situations, in order.
    pub life_situations: Vec<LifeSituationRecord>,
    /// Offices by id.
    pub offices: HashMap<i64, OfficeRecord>,
    /// Assignments per service id, sorted by office id.
    pub responsibilities: HashMap<i64, Vec<(Area, i64)>>,
    /// Local parts by (municipality id, service id).
    pub locals: HashMap<(i64, i64), LocalPart>,
    /// Current forms per service id.
    pub forms: HashMap<i64, Vec<FormRecord>>,
    /// Archived forms per service id.
    pub archived: HashMap<i64, Vec<FormRecord>>,
    /// The region's places.
    pub places: PlaceDirectory,
}

impl Catalog {
    /// A service by slug.
    pub fn service(&self, slug: &str) -> Option<&ServiceRecord> {
        self.by_slug.get(slug).map(|i| &self.services[*i])
    }

    /// A service by id.
    pub fn service_by_id(&self, id: i64) -> Option<&ServiceRecord> {
        self.by_id.get(&id).map(|i| &self.services[*i])
    }

    /// A life situation by slug.
    pub fn life_situation(&self, slug: &str) -> Option<&LifeSituationRecord> {
        self.life_situations.iter().find(|l| l.slug.as_str() == slug)
    }

    /// The services of a life situation and its children, by name.
    pub fn services_of(&self, life_id: i64) -> Vec<&ServiceRecord> {
        let ids: Vec<i64> = std::iter::once(life_id)
            .chain(self.life_situations.iter().filter(|l| l.parent_id == Some(life_id)).map(|l| l.id))
            .collect();
        self.services.iter().filter(|s| s.life_situations.iter().any(|l| ids.contains(l))).collect()
    }

    /// The local part of a service in a municipality.
    pub fn local(&self, m: &MunicipalityRecord, service_id: i64) -> Option<&LocalPart> {
        self.locals.get(&(m.scope().raw_id(), service_id))
    }

    /// The text of a service as a municipality shows it (the region's without one).
    pub fn content_in(&self, s: &ServiceRecord, m: Option<&MunicipalityRecord>) -> ServiceContent {
        match m.and_then(|m| self.local(m, s.id)) {
            Some(l) => s.content.with_overrides(&l.overrides),
            None => s.content.clone(),
        }
    }

    /// The forms of a service offered in a municipality: regional ones and its own.
    pub fn forms_in(&self, service_id: i64, m: Option<&MunicipalityRecord>) -> Vec<&FormRecord> {
        self.forms
            .get(&service_id)
            .map(|f| {
                f.iter()
                    .filter(|f| {
                        f.municipality.is_none() || m.is_some_and(|m| f.municipality.as_ref() == Some(m.slug()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The offices of a municipality, by name.
    pub fn offices_of(&self, m: &MunicipalityRecord) -> Vec<&OfficeRecord> {
        let mut v: Vec<&OfficeRecord> = self.offices.values().filter(|o| o.municipality == *m.slug()).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// The services an office is responsible for, by name.
    pub fn services_of_office(&self, office_id: i64) -> Vec<&ServiceRecord> {
        self.services
            .iter()
            .filter(|s| self.responsibilities.get(&s.id).is_some_and(|r| r.iter().any(|(_, o)| *o == office_id)))
            .collect()
    }
}

/// The cache of the [`Catalog`].
#[derive(Debug, Default)]
pub struct CatalogCache {
    current: RwLock<Option<Arc<Catalog>>>,
    polled: Mutex<Option<Instant>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl CatalogCache {
    /// The catalog, rebuilt first when it is stale.
    pub async fn get(&self, store: &Store, snap: &Snapshot) -> Result<Arc<Catalog>, StorageError> {
        let local = store.directory().local_version();
        let current = self.current.read().ok().and_then(|c| c.clone());
        if let Some(c) = &current
            && c.local == local
        {
            let due = self.polled.lock().map(|p| p.is_none_or(|t| t.elapsed() >= POLL)).unwrap_or(true);
            if !due {
                return Ok(c.clone());
            }
            if let Ok(mut p) = self.polled.lock() {
                *p = Some(Instant::now());
            }
            if store.directory().version().await? == c.version {
                return Ok(c.clone());
            }
        }
        let _guard = self.rebuild.lock().await;
        if let Some(c) = self.current.read().ok().and_then(|c| c.clone())
            && c.local == store.directory().local_version()
            && current.as_ref().is_none_or(|old| !Arc::ptr_eq(old, &c))
        {
            return Ok(c);
        }
        let built = Arc::new(build(store, snap).await?);
        if let Ok(mut c) = self.current.write() {
            *c = Some(built.clone());
        }
        if let Ok(mut p) = self.polled.lock() {
            *p = Some(Instant::now());
        }
        Ok(built)
    }

    /// The last catalog built, if any.
    pub fn last(&self) -> Option<Arc<Catalog>> {
        self.current.read().ok().and_then(|c| c.clone())
    }
}

async fn build(store: &Store, snap: &Snapshot) -> Result<Catalog, StorageError> {
    let d = store.directory();
    // The version first: a change during the build makes the next look rebuild again.
    let version = d.version().await?;
    let local = d.local_version();
    // Discontinued services and closed offices are not public: not on the pages, in the API,
    // the Zuständigkeitsfinder or the search.
    let services: Vec<ServiceRecord> = d.services().await?.into_iter().filter(|s| s.archived_at.is_none()).collect();
    let by_slug = services.iter().enumerate().map(|(i, s)| (s.slug.as_str().to_owned(), i)).collect();
    let by_id = services.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let offices: HashMap<i64, OfficeRecord> =
        d.all_offices().await?.into_iter().filter(|o| o.archived_at.is_none()).map(|o| (o.id, o)).collect();
    let mut responsibilities = d.all_responsibilities().await?;
    for list in responsibilities.values_mut() {
        list.retain(|(_, office)| offices.contains_key(office));
    }
    let locals = d.all_locals().await?.into_iter().map(|(m, s, l)| ((m, s), l)).collect();
    let mut forms: HashMap<i64, Vec<FormRecord>> = HashMap::new();
    for f in d.all_forms().await? {
        forms.entry(f.service_id).or_default().push(f);
    }
    for v in forms.values_mut() {
        v.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    }
    let mut archived: HashMap<i64, Vec<FormRecord>> = HashMap::new();
    for f in d.all_archived_forms().await? {
        archived.entry(f.service_id).or_default().push(f);
    }
    for v in archived.values_mut() {
        v.sort_by_key(|f| std::cmp::Reverse(f.archived_at));
    }
    let mut entries = Vec::new();
    for m in &snap.municipalities {
        for p in store.places().list(m.scope()).await? {
            entries.push(PlaceEntry { name: p.name, postcode: p.postcode, municipality: m.slug().clone() });
        }
    }
    Ok(Catalog {
        version,
        local,
        services,
        by_slug,
        by_id,
        life_situations: d.life_situations().await?,
        offices,
        responsibilities,
        locals,
        forms,
        archived,
        places: PlaceDirectory::new(entries),
    })
}

/// Who the citizen is, as far as the Zuständigkeitsfinder knows: from the place they typed,
/// or from the municipality whose pages they are on.
#[derive(Debug, Clone)]
pub enum Whereabouts {
    /// Nothing given yet.
    Unknown,
    /// A place was resolved.
    Known(Citizen),
    /// Several municipalities fit.
    Ambiguous(Vec<PlaceEntry>),
    /// A postcode outside the region.
    Outside(String),
    /// Nothing fits; suggestions.
    NotFound {
        /// What the citizen typed.
        input: String,
        /// The nearest names.
        suggestions: Vec<PlaceEntry>,
    },
}

/// The citizen from what they typed.
pub fn whereabouts(catalog: &Catalog, snap: &Snapshot, input: &str) -> Whereabouts {
    match catalog.places.find(input) {
        PlaceMatch::Empty => Whereabouts::Unknown,
        PlaceMatch::Found { municipality, postcode, place } => match snap.by_slug(municipality.as_str()) {
            Some(m) => Whereabouts::Known(Citizen { municipality, county: county_of(m), postcode, place }),
            None => Whereabouts::NotFound { input: input.to_owned(), suggestions: Vec::new() },
        },
        PlaceMatch::Ambiguous(list) => Whereabouts::Ambiguous(list),
        PlaceMatch::OutsideRegion(p) => Whereabouts::Outside(p.as_str().to_owned()),
        PlaceMatch::Unknown(suggestions) => Whereabouts::NotFound { input: input.trim().to_owned(), suggestions },
    }
}

/// The citizen of a municipality, without a finer place.
pub fn citizen_of(m: &MunicipalityRecord) -> Citizen {
    Citizen { municipality: m.slug().clone(), county: county_of(m), postcode: None, place: None }
}

fn county_of(m: &MunicipalityRecord) -> Option<Slug> {
    match m.kind {
        MunicipalityKind::Town => m.parent.clone(),
        MunicipalityKind::City | MunicipalityKind::County => None,
    }
}

/// The answer of the Zuständigkeitsfinder for one service and one citizen: the same for the
/// page and the API.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// The responsible office.
    pub office: &'a OfficeRecord,
    /// The office's municipality.
    pub office_municipality: &'a MunicipalityRecord,
    /// The citizen's municipality.
    pub citizen_municipality: &'a MunicipalityRecord,
    /// The contacts for the service (or all of the office's when none is named for it).
    pub contacts: Vec<&'a regioportal_storage::ContactRecord>,
    /// Open now, or when it opens.
    pub status: OpenStatus,
    /// The next seven days.
    pub week: Vec<(NaiveDate, DayHours)>,
    /// The service's text as the citizen's municipality shows it (fees included).
    pub content: ServiceContent,
    /// The local note of the citizen's municipality, if any.
    pub note: Option<&'a str>,
    /// The forms to download.
    pub forms: Vec<&'a FormRecord>,
}

/// Resolves the responsible office. `None`: no office of the portal covers the citizen (a
/// place of a county whose own administration is not on the portal).
pub fn answer<'a>(
    catalog: &'a Catalog,
    snap: &'a Snapshot,
    service: &'a ServiceRecord,
    citizen: &Citizen,
    now: DateTime<Utc>,
) -> Option<Answer<'a>> {
    let assignments = catalog.responsibilities.get(&service.id)?;
    let (_, office_id) = regioportal_domain::services::responsibility::resolve(assignments, citizen)?;
    let office = catalog.offices.get(office_id)?;
    let office_municipality = snap.by_slug(office.municipality.as_str())?;
    let citizen_municipality = snap.by_slug(citizen.municipality.as_str())?;
    let mut contacts: Vec<_> = office.contacts.iter().filter(|c| c.services.contains(&service.id)).collect();
    if contacts.is_empty() {
        contacts = office.contacts.iter().filter(|c| c.services.is_empty()).collect();
    }
    let local_now = now.with_timezone(&ZONE);
    let local_part = catalog.local(citizen_municipality, service.id);
    // Fees and texts: the citizen's municipality's local part; for a county service the county's.
    let text_owner = if office_municipality.slug() != citizen_municipality.slug()
        && catalog.local(citizen_municipality, service.id).is_none()
    {
        office_municipality
    } else {
        citizen_municipality
    };
    let mut forms = catalog.forms_in(service.id, Some(citizen_municipality));
    if text_owner.slug() != citizen_municipality.slug() {
        for f in catalog.forms_in(service.id, Some(text_owner)) {
            if !forms.iter().any(|g| g.id == f.id) {
                forms.push(f);
            }
        }
    }
    Some(Answer {
        office,
        office_municipality,
        citizen_municipality,
        contacts,
        status: office.hours.status_at(local_now),
        week: office.hours.week_from(local_now.date_naive()),
        content: catalog.content_in(service, Some(text_owner)),
        note: local_part.map(|l| l.note.as_str()).filter(|n| !n.is_empty()),
        forms,
    })
}

/// "PDF, 240 KB": the format and size for a download link's text.
pub fn file_label(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("PDF, {:.1} MB", size as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("PDF, {} KB", size.div_ceil(1024))
    }
}

/// The URL of a form download (the file name helps browsers and screen readers).
pub fn form_href(f: &FormRecord) -> String {
    let name: String = f
        .title
        .chars()
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'Ä' => 'A',
            'Ö' => 'O',
            'Ü' => 'U',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect();
    let name = name.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    format!("/buergerservice/formulare/{}/{}.pdf", f.id, if name.is_empty() { "formular".into() } else { name })
}

/// For an ambiguous postcode or name: the answer when every candidate place gets the same
/// office (a county service for a postcode shared by a town and the county's villages), so the
/// citizen is not asked a question whose answer changes nothing. The citizen's municipality
/// is the one most candidates belong to.
pub fn common_answer<'a>(
    catalog: &'a Catalog,
    snap: &'a Snapshot,
    service: &'a ServiceRecord,
    candidates: &[PlaceEntry],
    now: DateTime<Utc>,
) -> Option<Answer<'a>> {
    // Only the office decides here; the full answer (hours, forms) is built once, below.
    let assignments = catalog.responsibilities.get(&service.id)?;
    let mut offices = Vec::new();
    for e in candidates {
        let m = snap.by_slug(e.municipality.as_str())?;
        let citizen = Citizen { place: Some(e.name.clone()), postcode: Some(e.postcode.clone()), ..citizen_of(m) };
        offices.push(regioportal_domain::services::responsibility::resolve(assignments, &citizen)?.1);
    }
    offices.dedup();
    if offices.len() != 1 {
        return None;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in candidates {
        *counts.entry(e.municipality.as_str()).or_default() += 1;
    }
    let (major, _) = counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
    let m = snap.by_slug(major)?;
    let postcode =
        candidates.first().map(|e| e.postcode.clone()).filter(|p| candidates.iter().all(|e| &e.postcode == p));
    answer(catalog, snap, service, &Citizen { postcode, ..citizen_of(m) }, now)
}
