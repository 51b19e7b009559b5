//! `regioportal bench seed`: a realistic generated data set for the benchmarks — events in every
//! municipality (shares roughly by size), German titles and venues, a fifth of them recurring.
//! Deterministic for a given `--seed`, dated around the day it runs.

use std::io::{IsTerminal as _, Write as _};

use chrono::{Days, NaiveDate};
use clap::Args;
use regioportal_domain::events::{Accessibility, DraftInput, EventDraft, EventStatus, Venue};
use regioportal_storage::{Actor, Store};

use crate::config::ConfigError;

/// Options of `bench seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many events to generate.
    #[arg(long, default_value = "100000")]
    pub events: usize,
    /// The seed of the generator (same seed, same data).
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// How many services to generate beyond the demo catalogue, each performed by a generated
    /// office of every city and town.
    #[arg(long, default_value = "0")]
    pub services: usize,
}

const SERVICE_WORDS: &[&str] = &[
    "Antrag",
    "Bescheinigung",
    "Genehmigung",
    "Anzeige",
    "Erlaubnis",
    "Auskunft",
    "Zuschuss",
    "Ausweis",
    "Anmeldung",
    "Abmeldung",
    "Befreiung",
    "Beratung",
    "Zulassung",
    "Verlängerung",
    "Eintragung",
    "Nachweis",
];
const SERVICE_TOPICS: &[&str] = &[
    "Sondernutzung",
    "Gaststätte",
    "Spielplatz",
    "Straßenfest",
    "Brennholz",
    "Grabstätte",
    "Baumfällung",
    "Feuerwerk",
    "Plakatierung",
    "Marktstand",
    "Wasseranschluss",
    "Schülerticket",
    "Ferienbetreuung",
    "Vereinsförderung",
    "Bodenrichtwert",
    "Hausnummer",
    "Straßenreinigung",
    "Grünschnitt",
    "Taxikonzession",
];

/// Generated services (marked "Bench") and one generated office per city and town that
/// performs them all.
async fn seed_services(store: &Store, rng: &mut Rng, n: usize) -> Result<usize, ConfigError> {
    use regioportal_domain::services::catalogue::{Catalogue, OfficeDef, ServiceDef};
    use regioportal_domain::services::hours::{OpeningHours, WeeklyHours};
    use regioportal_domain::services::{Fee, FeeAmount, ServiceContent, ServiceLevel};
    use regioportal_domain::{MunicipalityKind, Slug};
    let err = |e: String| ConfigError(e);
    let mut services = Vec::with_capacity(n);
    for i in 0..n {
        let (word, topic) = (rng.pick(SERVICE_WORDS), rng.pick(SERVICE_TOPICS));
        let name = format!("{topic}: {word} (Bench {i})");
        let content = ServiceContent {
            summary: format!("Generierte Leistung für Lasttests: {word} zum Thema {topic}."),
            description: format!(
                "Diese Leistung ist für Benchmarks erzeugt. Sie beschreibt, wie Sie {word} für {topic} beantragen, welche Unterlagen nötig sind und was es kostet. Bitte bringen Sie Ihren Personalausweis mit."
            ),
            synonyms: vec![format!("{topic} {word}"), topic.to_lowercase()],
            documents: vec!["Personalausweis".into(), format!("Nachweis zu {topic}")],
            fees: vec![Fee { amount: FeeAmount::Fixed { cents: 500 + 100 * (i as u64 % 40) }, note: String::new() }],
            name,
            ..Default::default()
        };
        services.push(ServiceDef {
            slug: Slug::parse(&format!("bench-leistung-{i}")).map_err(|e| err(e.to_string()))?,
            leika: None,
            level: ServiceLevel::Municipality,
            content,
            life_situations: Vec::new(),
            related: Vec::new(),
            forms: Vec::new(),
        });
    }
    let slugs: Vec<Slug> = services.iter().map(|s| s.slug.clone()).collect();
    let mut offices = Vec::new();
    for m in store.municipalities().list().await.map_err(|e| err(e.to_string()))? {
        if m.kind == MunicipalityKind::County {
            continue;
        }
        offices.push(OfficeDef {
            municipality: m.slug().clone(),
            slug: Slug::parse("bench-buergerbuero").map_err(|e| err(e.to_string()))?,
            name: format!("Bench-Bürgerbüro {}", m.name),
            street: m.contact.street.clone(),
            postcode: Some(m.contact.postcode.clone()),
            city: m.contact.city.clone(),
            accessibility: String::new(),
            phone: String::new(),
            email: String::new(),
            appointment_url: String::new(),
            website: String::new(),
            hours: OpeningHours {
                weekly: WeeklyHours::parse("Mo-Fr 08:00-12:00\nDi 13:00-18:00").map_err(|e| err(e.to_string()))?,
                exceptions: Vec::new(),
                open_on_holidays: false,
            },
            services: slugs.clone(),
            contacts: Vec::new(),
        });
    }
    let catalogue =
        Catalogue { life_situations: Vec::new(), services, offices, responsibilities: Vec::new(), locals: Vec::new() };
    store.directory().import_catalogue(&catalogue, &Actor::cli()).await.map_err(|e| err(e.to_string()))?;
    Ok(n)
}

/// xorshift64*: small, fast, deterministic; not for secrets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Shares of the events per municipality (per mille), roughly by population; Lucka, the
/// smallest, gets 0.5 % (500 of 100,000: the "one municipality's feed" of the benchmark).
const SHARES: [(&str, usize); 10] = [
    ("jena", 300),
    ("gera", 250),
    ("altenburg", 120),
    ("altenburger-land", 100),
    ("meuselwitz", 60),
    ("schmoelln", 60),
    ("goessnitz", 40),
    ("nobitz", 35),
    ("rositz", 30),
    ("lucka", 5),
];

const KINDS: [(&str, &[&str]); 8] = [
    ("konzert", &["Orgelkonzert", "Kammerkonzert", "Jazzabend", "Chorkonzert", "Rockkonzert", "Liederabend"]),
    ("theater", &["Theaterabend", "Puppentheater", "Kabarett", "Improtheater", "Ballett"]),
    ("ausstellung", &["Ausstellungseröffnung", "Vernissage", "Fotoausstellung", "Sonderausstellung"]),
    ("sport", &["Stadtlauf", "Volleyballturnier", "Radtour", "Schwimmfest", "Fußballspiel"]),
    ("kinder-familie", &["Kinderflohmarkt", "Märchenstunde", "Familienfest", "Bastelnachmittag"]),
    ("markt", &["Wochenmarkt", "Bauernmarkt", "Trödelmarkt", "Töpfermarkt"]),
    ("fuehrung", &["Stadtführung", "Nachtwächterführung", "Museumsführung", "Kirchenführung"]),
    ("vortrag", &["Vortrag", "Lesung", "Podiumsgespräch", "Erzählcafé"]),
];
const TOPICS: [&str; 12] = [
    "Bach und Händel",
    "Geschichte der Stadt",
    "Lieder aus Thüringen",
    "Skatstadt Altenburg",
    "die Weiße Elster",
    "Otto Dix",
    "das Zeiss-Planetarium",
    "Romantik",
    "Herbstfarben",
    "Frühlingserwachen",
    "Jugendstil",
    "Bergbau und Braunkohle",
];
const VENUES: [&str; 10] = [
    "Stadtkirche",
    "Kulturhaus",
    "Volkshaus",
    "Rathaussaal",
    "Stadtbibliothek",
    "Marktplatz",
    "Museum",
    "Sporthalle",
    "Schlosshof",
    "Theater",
];
const RULES: [&str; 6] = [
    "FREQ=WEEKLY;COUNT=10",
    "FREQ=WEEKLY;BYDAY=SA;COUNT=26",
    "FREQ=MONTHLY;BYDAY=1SU;COUNT=12",
    "FREQ=WEEKLY;INTERVAL=2;COUNT=20",
    "FREQ=DAILY;COUNT=7",
    "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20281231",
];

fn draft(rng: &mut Rng, today: NaiveDate, place: &str) -> Result<EventDraft, ConfigError> {
    let (category, names) = KINDS[rng.below(KINDS.len())];
    let name = rng.pick(names);
    let topic = rng.pick(&TOPICS);
    let day = today - Days::new(60) + Days::new(rng.below(425) as u64);
    let hour = 9 + rng.below(12);
    let minute = [0, 15, 30, 45][rng.below(4)];
    let length = 60 + 30 * rng.below(5);
    let start = day.and_hms_opt(hour as u32, minute, 0).unwrap_or_default();
    let end = start + chrono::Duration::minutes(length as i64);
    let recurring = rng.below(5) == 0;
    let input = DraftInput {
        title: format!("{name}: {topic}"),
        description: format!(
            "{name} zum Thema *{topic}* in {place}. Eintritt und Ablauf wie angekündigt; Einlass eine halbe Stunde vorher. \
             Generierte Testdaten für Lastmessungen."
        ),
        start: start.format("%Y-%m-%dT%H:%M").to_string(),
        end: Some(end.format("%Y-%m-%dT%H:%M").to_string()),
        rrule: recurring.then(|| rng.pick(&RULES).to_owned()),
        venue: Venue {
            name: rng.pick(&VENUES).to_owned(),
            place: Some(place.to_owned()),
            accessibility: Accessibility { step_free: rng.below(3) > 0, ..Accessibility::default() },
            ..Venue::default()
        },
        categories: vec![category.to_owned()],
        free: rng.below(3) == 0,
        price: Some(format!("{} €", 3 + rng.below(20))),
        ..DraftInput::default()
    };
    let mut input = input;
    if input.free {
        input.price = None;
    }
    // A gap start (02:30 on a spring-forward day) cannot be generated: hours are 9–20.
    EventDraft::parse(&input).map_err(|p| ConfigError(format!("generated an invalid event: {p:?}")))
}

/// Generates and stores the data set.
pub async fn run(store: &Store, args: SeedArgs) -> Result<(), ConfigError> {
    let started = std::time::Instant::now();
    let today = regioportal_web::events::today();
    let mut rng = Rng(args.seed.max(1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let bar = std::io::stderr().is_terminal();
    let mut done = 0;
    let actor = Actor::cli();
    for (slug, share) in SHARES {
        let m =
            store.municipalities().by_slug(slug).await.map_err(|e| ConfigError(e.to_string()))?.ok_or_else(|| {
                ConfigError(format!("the database has no municipality {slug:?}: run `regioportal demo seed` first"))
            })?;
        let count = args.events * share / 1000;
        let mut left = count;
        while left > 0 {
            let n = left.min(500);
            let batch = (0..n)
                .map(|_| Ok((draft(&mut rng, today, &m.name)?, EventStatus::Published)))
                .collect::<Result<Vec<_>, ConfigError>>()?;
            store.events().insert_many(m.scope(), &batch, &actor).await.map_err(|e| ConfigError(e.to_string()))?;
            left -= n;
            done += n;
            if bar {
                let width = 30;
                let filled = (done * width).checked_div(args.events).unwrap_or(width).min(width);
                eprint!("\r[{}{}] {done}/{}", "#".repeat(filled), " ".repeat(width - filled), args.events);
                let _ = std::io::stderr().flush();
            }
        }
    }
    if bar {
        eprintln!();
    }
    let services = if args.services > 0 { seed_services(store, &mut rng, args.services).await? } else { 0 };
    say!("bench seed: {done} events and {services} services in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
