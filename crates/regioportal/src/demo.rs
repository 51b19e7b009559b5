//! The demo region, compiled in from `demo/`.

use regioportal_domain::region::Region;
use regioportal_storage::{ImportReport, StaticAssets, StorageError, Store};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// The demo region file's text.
pub fn region_toml() -> &'static str {
    let bytes = DEMO_FILES.iter().find(|(p, _)| *p == "region.toml").map(|(_, b)| *b).unwrap_or_default();
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// The demo region's files (logos), for importing a changed copy of its region file.
pub fn assets() -> StaticAssets {
    StaticAssets(DEMO_FILES)
}

/// Imports the demo region, through the same code path as `region import FILE`.
pub async fn seed(store: &Store) -> Result<ImportReport, StorageError> {
    let region =
        Region::from_toml(region_toml()).map_err(|e| StorageError::Import(format!("demo/region.toml: {e}")))?;
    store.import_region(&region, &assets(), &regioportal_storage::Actor::cli()).await
}

/// One demo event: (key, title, category, start offset in days from today's week, rule, …).
struct DemoEvent {
    key: &'static str,
    title: &'static str,
    category: &'static str,
    venue: &'static str,
    start: chrono::NaiveDateTime,
    end: Option<chrono::NaiveDateTime>,
    all_day: bool,
    rrule: Option<&'static str>,
    free: bool,
    price: Option<&'static str>,
    cancelled: bool,
    cancel_occurrence: Option<chrono::NaiveDateTime>,
}

/// Invented events (marked "Demo") for every municipality, dated around `today` so that the
/// demo calendar always has something this weekend: a weekly market with one cancelled
/// Saturday, a concert, a monthly tour, a council meeting, a festival next month and a
/// cancelled talk. Stable UIDs: seeding again updates them instead of adding more.
pub async fn seed_events(store: &Store, today: chrono::NaiveDate) -> Result<usize, StorageError> {
    use chrono::{Datelike as _, Days, NaiveTime};
    use regioportal_domain::events::{DraftInput, EventDraft, EventStatus, OverrideInput, Venue};
    let at = |d: chrono::NaiveDate, h: u32, m: u32| d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default());
    let saturday = today + Days::new(u64::from((12 - today.weekday().num_days_from_monday()) % 7));
    let next_month = (today + Days::new(35)).with_day(15).unwrap_or(today);
    // The concert falls on the first day of "this weekend" as the calendar's preset counts it,
    // so the weekend filter always finds something.
    let weekend = regioportal_web::events::preset("weekend", today).map_or(saturday, |(first, _)| first);
    let mut n = 0;
    for m in store.municipalities().list().await? {
        let county = m.kind == regioportal_domain::MunicipalityKind::County;
        let events = [
            DemoEvent {
                key: "markt",
                title: "Wochenmarkt (Demo)",
                category: "markt",
                venue: "Marktplatz",
                start: at(saturday - Days::new(56), 8, 0),
                end: Some(at(saturday - Days::new(56), 12, 0)),
                all_day: false,
                rrule: Some("FREQ=WEEKLY;BYDAY=SA"),
                free: true,
                price: None,
                cancelled: false,
                cancel_occurrence: Some(at(saturday + Days::new(14), 8, 0)),
            },
            DemoEvent {
                key: "konzert",
                title: "Orgelkonzert am Wochenende (Demo)",
                category: "konzert",
                venue: "Stadtkirche",
                start: at(weekend, 19, 30),
                end: Some(at(weekend, 21, 0)),
                all_day: false,
                rrule: None,
                free: false,
                price: Some("12 €, ermäßigt 8 €"),
                cancelled: false,
                cancel_occurrence: None,
            },
            DemoEvent {
                key: "fuehrung",
                title: "Führung durch die Altstadt (Demo)",
                category: "fuehrung",
                venue: "Rathaus, Treffpunkt am Haupteingang",
                start: at(today.with_day(1).unwrap_or(today), 14, 0),
                end: Some(at(today.with_day(1).unwrap_or(today), 15, 30)),
                all_day: false,
                rrule: Some("FREQ=MONTHLY;BYDAY=1SU"),
                free: false,
                price: Some("5 €"),
                cancelled: false,
                cancel_occurrence: None,
            },
            DemoEvent {
                key: "sitzung",
                title: if county { "Sitzung des Kreistags (Demo)" } else { "Sitzung des Stadtrats (Demo)" },
                category: "ratssitzung",
                venue: "Rathaus, Sitzungssaal",
                start: at(today.with_day(1).unwrap_or(today), 17, 0),
                end: Some(at(today.with_day(1).unwrap_or(today), 19, 0)),
                all_day: false,
                rrule: Some("FREQ=MONTHLY;BYDAY=2TH;COUNT=12"),
                free: true,
                price: None,
                cancelled: false,
                cancel_occurrence: None,
            },
            DemoEvent {
                key: "fest",
                title: "Stadtfest (Demo)",
                category: "fest",
                venue: "Innenstadt",
                start: at(next_month, 0, 0),
                end: Some(at(next_month + Days::new(3), 0, 0)),
                all_day: true,
                rrule: None,
                free: true,
                price: None,
                cancelled: false,
                cancel_occurrence: None,
            },
            DemoEvent {
                key: "vortrag",
                title: "Vortrag: Geschichte der Region (Demo)",
                category: "vortrag",
                venue: "Stadtbibliothek",
                start: at(today + Days::new(10), 18, 0),
                end: Some(at(today + Days::new(10), 19, 30)),
                all_day: false,
                rrule: None,
                free: true,
                price: None,
                cancelled: true,
                cancel_occurrence: None,
            },
        ];
        for e in events {
            let fmt = |t: chrono::NaiveDateTime| {
                if e.all_day { t.date().to_string() } else { t.format("%Y-%m-%dT%H:%M").to_string() }
            };
            let input = DraftInput {
                title: e.title.into(),
                description: format!(
                    "Eine **erfundene** Veranstaltung der Demo-Region in {}. Sie zeigt, wie der Kalender aussieht.",
                    m.name
                ),
                start: fmt(e.start),
                end: e.end.map(fmt),
                all_day: e.all_day,
                rrule: e.rrule.map(Into::into),
                overrides: e
                    .cancel_occurrence
                    .map(|c| OverrideInput { recurrence_id: fmt(c), cancelled: true, ..OverrideInput::default() })
                    .into_iter()
                    .collect(),
                venue: Venue {
                    name: e.venue.into(),
                    street: Some(m.contact.street.clone()),
                    postcode: Some(m.contact.postcode.as_str().to_owned()),
                    place: Some(m.contact.city.clone()),
                    accessibility: regioportal_domain::events::Accessibility {
                        step_free: e.key != "fuehrung",
                        accessible_toilet: e.key == "konzert",
                        induction_loop: e.key == "sitzung",
                        note: None,
                    },
                    ..Venue::default()
                },
                categories: vec![e.category.into()],
                free: e.free,
                price: e.price.map(Into::into),
                ..DraftInput::default()
            };
            let draft = EventDraft::parse(&input)
                .map_err(|p| StorageError::Import(format!("demo event {}: {:?}", e.key, p)))?;
            let status = if e.cancelled { EventStatus::Cancelled } else { EventStatus::Published };
            let uid = format!("demo-{}-{}@regioportal", m.slug(), e.key);
            store.events().upsert(m.scope(), &uid, &draft, status, None, &regioportal_storage::Actor::cli()).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Loads the demo Bürgerservice catalogue (`demo/buergerservice.toml`) and its demo PDF forms
/// (generated here, marked "Demo"). Seeding again changes nothing.
pub async fn seed_services(
    store: &Store,
    files: &dyn regioportal_storage::FileStore,
) -> Result<(regioportal_storage::CatalogueReport, usize), StorageError> {
    use regioportal_domain::services::catalogue::Catalogue;
    let text = DEMO_FILES
        .iter()
        .find(|(p, _)| *p == "buergerservice.toml")
        .and_then(|(_, b)| std::str::from_utf8(b).ok())
        .ok_or_else(|| StorageError::Import("demo/buergerservice.toml is missing from the binary".into()))?;
    let catalogue =
        Catalogue::from_toml(text).map_err(|e| StorageError::Import(format!("demo/buergerservice.toml: {e}")))?;
    let actor = regioportal_storage::Actor::cli();
    let dir = store.directory();
    let report = dir.import_catalogue(&catalogue, &actor).await?;
    let mut forms = 0;
    for s in &catalogue.services {
        if s.forms.is_empty() {
            continue;
        }
        let Some(record) = dir.service_by_slug(s.slug.as_str()).await? else { continue };
        let current = dir.forms(record.id, None).await?;
        for f in &s.forms {
            let pdf = demo_form(f, &s.content);
            let sha = regioportal_storage::sha256_hex(&pdf);
            if current.iter().any(|c| c.sha256 == sha) {
                continue;
            }
            let info = regioportal_domain::pdf::check_pdf(&pdf).map_err(|e| {
                StorageError::Import(format!("the demo form {:?} does not pass the upload check: {e}", f.title))
            })?;
            files.put(&pdf)?;
            let new = regioportal_storage::NewForm {
                title: f.title.clone(),
                language: f.language.clone(),
                version: f.version.clone(),
                valid_from: f.valid_from,
                sha256: sha,
                size: pdf.len() as u64,
                pages: info.pages,
                original_name: format!("{}.pdf", s.slug),
            };
            dir.add_form(None, record.id, &new, &actor).await?;
            forms += 1;
        }
    }
    Ok((report, forms))
}

/// A demo PDF form: the service's documents as fields to fill in, and the demo notice.
fn demo_form(
    f: &regioportal_domain::services::catalogue::FormDef,
    s: &regioportal_domain::services::ServiceContent,
) -> Vec<u8> {
    let mut fields: Vec<String> = vec![
        "Familienname, Vorname".into(),
        "Geburtsdatum".into(),
        "Anschrift (Straße, Hausnummer, Postleitzahl, Ort)".into(),
        "Telefon oder E-Mail für Rückfragen".into(),
    ];
    fields.extend(s.documents.iter().map(|d| format!("Beigefügt: {d}")));
    fields.push("Ort, Datum und Unterschrift".into());
    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    let subtitle = format!("{} – Stand {}", s.name, f.version);
    regioportal_domain::pdf::write_form_pdf(&regioportal_domain::pdf::FormSheet {
        title: &f.title,
        subtitle: &subtitle,
        fields: &refs,
        footer: "DEMO – kein amtliches Formular. Erzeugt von Regioportal für die Demo-Region Ostthüringen.",
    })
}
