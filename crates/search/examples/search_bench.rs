//! Builds an index of 100,000 synthetic German documents (events, plus ~500 services) and
//! measures build time, memory and query latency over ~2,000 mixed queries.
//!
//! `cargo run --release -p regioportal-search --example search_bench [-- DOCS QUERIES]`
//!
//! Figures, never assertions: the target is p99 ≤ 25 ms on the project's 2-core machine.

use std::time::{Duration, Instant};

use regioportal_search::{DocKind, SearchDoc, SearchIndex, SearchQuery};

/// SplitMix64: small, fast, and the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards 0 (a rough Zipf): frequent words are frequent.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SLUGS: [&str; 10] =
    ["gera", "jena", "weimar", "erfurt", "greiz", "zeulenroda", "ronneburg", "schleiz", "poessneck", "landkreis-greiz"];

const EVENT_NOUNS: &[&str] = &[
    "Konzert",
    "Theater",
    "Lesung",
    "Ausstellung",
    "Führung",
    "Vortrag",
    "Workshop",
    "Flohmarkt",
    "Markt",
    "Stadtfest",
    "Kinderfest",
    "Musik",
    "Orchester",
    "Chor",
    "Jazz",
    "Kabarett",
    "Kino",
    "Film",
    "Tanz",
    "Ballett",
    "Oper",
    "Museum",
    "Bibliothek",
    "Rundgang",
    "Wanderung",
    "Radtour",
    "Sport",
    "Fußball",
    "Schwimmen",
    "Kunst",
    "Galerie",
    "Handwerk",
    "Familie",
    "Kinder",
    "Senioren",
    "Jugend",
    "Sommer",
    "Winter",
    "Frühling",
    "Herbst",
    "Advent",
    "Ostern",
    "Abend",
    "Nacht",
    "Park",
    "Schloss",
    "Kirche",
    "Rathaus",
    "Marktplatz",
    "Kulturhaus",
    "Stadthalle",
    "Volkshochschule",
    "Garten",
    "Natur",
    "Wald",
    "Fluss",
    "Brücke",
    "Geschichte",
    "Literatur",
    "Poesie",
    "Malerei",
    "Fotografie",
    "Keramik",
    "Weberei",
    "Bier",
    "Wein",
    "Kaffee",
    "Kuchen",
    "Brot",
    "Käse",
    "Suppe",
    "Spiel",
    "Rätsel",
    "Quiz",
    "Party",
    "Disco",
    "Rock",
    "Pop",
    "Folk",
    "Klassik",
    "Orgel",
    "Klavier",
    "Gitarre",
    "Geige",
    "Trommel",
    "Puppen",
    "Zirkus",
    "Zauber",
    "Märchen",
    "Sagen",
    "Licht",
    "Feuer",
    "Wasser",
    "Stern",
    "Mond",
];
const EVENT_ADJECTIVES: &[&str] = &[
    "großes",
    "kleines",
    "buntes",
    "festliches",
    "offenes",
    "historisches",
    "musikalisches",
    "literarisches",
    "sommerliches",
    "winterliches",
    "neues",
    "traditionelles",
    "internationales",
    "regionales",
    "junges",
];
const PLACES: &[&str] = &[
    "im Park",
    "im Theater",
    "auf dem Marktplatz",
    "in der Kirche",
    "im Museum",
    "im Schloss",
    "am Fluss",
    "im Rathaus",
];
const STOPWORDS: &[&str] =
    &["und", "der", "die", "das", "mit", "für", "in", "im", "auf", "von", "zu", "ein", "eine", "ist", "wird", "am"];
const SYLLABLES: &[&str] = &[
    "ka", "ber", "lin", "ge", "mo", "ster", "hau", "sen", "wal", "dorf", "rie", "tal", "bach", "gra", "fen", "hei",
    "mer", "zu", "ra", "lo", "ven", "tor", "ang", "schen", "ei", "mar", "bur", "stein", "feld", "le", "ri", "ta",
    "kel", "ner", "nis", "ung", "heit", "lich", "bar", "wer", "ko", "pe", "tu", "schu", "blu", "dra", "kro", "men",
];
const SERVICES: &[&str] = &[
    "Personalausweis",
    "Reisepass",
    "Kinderreisepass",
    "Kfz-Zulassung",
    "Fahrzeugabmeldung",
    "Hundesteuer",
    "Grundsteuer",
    "Zweitwohnungsteuer",
    "Wohnsitz",
    "Führerschein",
    "Baugenehmigung",
    "Baumfällgenehmigung",
    "Gewerbeanmeldung",
    "Gewerbeabmeldung",
    "Wohngeld",
    "Elterngeld",
    "Kindergeld",
    "Meldebescheinigung",
    "Führungszeugnis",
    "Anwohnerparkausweis",
    "Sperrmüll",
    "Müllabfuhr",
    "Eheschließung",
    "Geburtsurkunde",
    "Sterbeurkunde",
    "Fischereischein",
    "Wunschkennzeichen",
    "Schwerbehindertenausweis",
    "Kitaplatz",
    "Schulanmeldung",
    "Bauvorbescheid",
    "Sondernutzungserlaubnis",
    "Gaststättenerlaubnis",
    "Lebensmittelkontrolle",
    "Briefwahl",
];
const SERVICE_VERBS: &[&str] =
    &["beantragen", "verlängern", "ändern", "anmelden", "abmelden", "ummelden", "zahlen", "ersetzen", "melden"];
const SERVICE_WORDS: &[&str] = &[
    "Antrag",
    "Gebühr",
    "Unterlagen",
    "Bürgeramt",
    "Termin",
    "Nachweis",
    "Formular",
    "Frist",
    "Bescheid",
    "Kosten",
    "zuständig",
    "persönlich",
    "online",
    "Lichtbild",
    "Ausweisdokument",
    "Zulassungsstelle",
    "Landratsamt",
    "Gemeinde",
    "Stadtverwaltung",
    "Öffnungszeiten",
    "Bearbeitungszeit",
    "Vollmacht",
    "Wohnung",
    "Fahrzeug",
];

struct Vocabulary {
    pseudo: Vec<String>,
}

impl Vocabulary {
    fn new(rng: &mut Rng, n: usize) -> Self {
        let mut pseudo = Vec::with_capacity(n);
        for _ in 0..n {
            let syllables = 2 + rng.below(3);
            let word: String = (0..syllables).map(|_| rng.pick(SYLLABLES)).collect();
            pseudo.push(word);
        }
        Self { pseudo }
    }

    fn body_word(&self, rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=2 => (rng.pick(STOPWORDS)).to_owned(),
            3 => rng.pick(EVENT_NOUNS).to_lowercase(),
            _ => self.pseudo[rng.skewed(self.pseudo.len())].clone(),
        }
    }

    fn body(&self, rng: &mut Rng, words: usize, extra: &[&str]) -> String {
        let mut body = String::new();
        for i in 0..words {
            if i > 0 {
                body.push_str(if i % 12 == 0 { ". " } else { " " });
            }
            if !extra.is_empty() && rng.chance(8) {
                body.push_str(rng.pick(extra));
            } else {
                body.push_str(&self.body_word(rng));
            }
        }
        body.push('.');
        body
    }
}

fn compound(rng: &mut Rng) -> String {
    let a = rng.pick(EVENT_NOUNS);
    let b = rng.pick(EVENT_NOUNS).to_lowercase();
    format!("{a}{b}")
}

fn event(rng: &mut Rng, vocabulary: &Vocabulary, i: usize) -> SearchDoc {
    let mut title = String::new();
    if rng.chance(30) {
        title.push_str(rng.pick(EVENT_ADJECTIVES));
        title.push(' ');
    }
    title.push_str(&if rng.chance(40) { compound(rng) } else { (rng.pick(EVENT_NOUNS)).to_owned() });
    for _ in 0..rng.below(3) {
        title.push(' ');
        title.push_str(rng.pick(EVENT_NOUNS));
    }
    if rng.chance(50) {
        title.push(' ');
        title.push_str(rng.pick(PLACES));
    }
    let municipality = rng.pick(&SLUGS);
    let words = 50 + rng.below(101);
    SearchDoc {
        kind: DocKind::Event,
        key: format!("event:{i}"),
        municipality: Some(municipality.to_owned()),
        title,
        keywords: vec![(rng.pick(EVENT_NOUNS)).to_owned(), (rng.pick(EVENT_NOUNS)).to_owned()],
        body: vocabulary.body(rng, words, EVENT_NOUNS),
        subtitle: format!("Sa., {}. Dez., {}", 1 + rng.below(28), municipality),
        url: format!("/{municipality}/veranstaltungen/{i}"),
    }
}

fn leika(i: usize) -> String {
    format!("99{:012}", 123_000_000 + i * 7919)
}

fn service(rng: &mut Rng, vocabulary: &Vocabulary, i: usize) -> SearchDoc {
    let name = SERVICES[i % SERVICES.len()];
    let verb = rng.pick(SERVICE_VERBS);
    let municipality = if rng.chance(50) { None } else { Some((rng.pick(&SLUGS)).to_owned()) };
    let words = 80 + rng.below(120);
    SearchDoc {
        kind: if i % 10 == 9 { DocKind::Form } else { DocKind::Service },
        key: format!("service:{i}"),
        municipality,
        title: format!("{name} {verb}"),
        keywords: vec![leika(i), (rng.pick(SERVICE_WORDS)).to_owned()],
        body: vocabulary.body(rng, words, SERVICE_WORDS),
        subtitle: "Bürgerservice".to_owned(),
        url: format!("/leistungen/{i}"),
    }
}

fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.swap(i, i + 1),
        _ => chars[i] = 'x',
    }
    chars.into_iter().collect()
}

struct Query {
    category: &'static str,
    text: String,
    municipality: Option<&'static str>,
    kinds: &'static [DocKind],
}

fn queries(rng: &mut Rng, vocabulary: &Vocabulary, n: usize) -> Vec<Query> {
    let long_nouns: Vec<&str> = EVENT_NOUNS.iter().copied().filter(|w| w.chars().count() >= 6).collect();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (category, text) = match rng.below(10) {
            0 | 1 => ("exact-1", (rng.pick(EVENT_NOUNS)).to_owned()),
            2 => {
                let k = 2 + rng.below(2);
                ("exact-2-3", (0..k).map(|_| rng.pick(EVENT_NOUNS)).collect::<Vec<_>>().join(" "))
            }
            3 => {
                let word = rng.pick(&long_nouns);
                ("typo", typo(rng, word))
            }
            4 => {
                let (word, other) = (rng.pick(&long_nouns), rng.pick(EVENT_NOUNS));
                ("typo-2-words", format!("{} {other}", typo(rng, word)))
            }
            5 => ("compound", (rng.pick(&["Konzert", "Markt", "Fest", "Steuer", "Ausweis", "Genehmigung"])).to_owned()),
            6 => (
                "synonym",
                (rng.pick(&["Auto anmelden", "Auto anmelen", "PKW ummelden", "Ausweis verlängern", "Perso"]))
                    .to_owned(),
            ),
            7 => {
                let name = rng.pick(SERVICES);
                ("service", format!("{name} {}", rng.pick(SERVICE_VERBS)))
            }
            8 => ("body-word", vocabulary.pseudo[rng.skewed(vocabulary.pseudo.len())].clone()),
            _ => ("leika", leika(rng.below(500))),
        };
        let municipality = if rng.chance(50) { Some(rng.pick(&SLUGS)) } else { None };
        let kinds: &[DocKind] = if rng.chance(10) { &[DocKind::Service, DocKind::Form] } else { &[] };
        out.push(Query { category, text, municipality, kinds });
    }
    out
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let n_queries: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    let mut rng = Rng(0x5eed_2026);
    let vocabulary = Vocabulary::new(&mut rng, 30_000);
    let rss_before = rss_mib();

    let index = SearchIndex::new()?;
    let synonym = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    index.set_synonyms(vec![
        synonym(&["kfz", "auto", "fahrzeug", "pkw"]),
        synonym(&["zulassung", "anmelden", "ummelden"]),
        synonym(&["ausweis", "personalausweis", "perso"]),
        synonym(&["konzert", "musik"]),
    ]);
    // Documents are generated while they are indexed, as the web layer streams them from the
    // database; the generation alone is timed first, on a copy of the generator.
    let started = Instant::now();
    let mut dry = Rng(rng.0);
    let body_bytes: usize = (0..events).map(|i| event(&mut dry, &vocabulary, i).body.len()).sum();
    let generated = started.elapsed();
    let started = Instant::now();
    index.replace_kind(DocKind::Event, (0..events).map(|i| event(&mut rng, &vocabulary, i)))?;
    let services: Vec<SearchDoc> = (0..500).map(|i| service(&mut rng, &vocabulary, i)).collect();
    let (forms, services): (Vec<_>, Vec<_>) = services.into_iter().partition(|d| d.kind == DocKind::Form);
    index.replace_kind(DocKind::Service, services)?;
    index.replace_kind(DocKind::Form, forms)?;
    let built = started.elapsed();
    println!(
        "index: {} docs ({:.0} MB of event bodies), built in {:.2} s (of which generating the documents {:.2} s)",
        index.len(),
        body_bytes as f64 / 1e6,
        built.as_secs_f64(),
        generated.as_secs_f64()
    );
    println!("RSS: {:.0} MiB after build ({:.0} MiB before)", rss_mib(), rss_before);

    let queries = queries(&mut rng, &vocabulary, n_queries);
    let run = |q: &Query| {
        let related: &[&str] = if q.municipality.is_some() { &["landkreis-greiz"] } else { &[] };
        let query = SearchQuery { municipality: q.municipality, related, kinds: q.kinds, ..SearchQuery::new(&q.text) };
        let started = Instant::now();
        let results = index.search_fresh(&query).expect("search");
        (started.elapsed(), results.total)
    };
    if queries.is_empty() {
        return Ok(());
    }
    for q in queries.iter().take(200) {
        run(q);
    }
    let mut all = Vec::with_capacity(queries.len());
    let mut by_category: Vec<(&str, Vec<Duration>, usize)> = Vec::new();
    let mut empty = 0;
    for q in &queries {
        let (took, total) = run(q);
        all.push(took);
        empty += usize::from(total == 0);
        match by_category.iter_mut().find(|(c, ..)| *c == q.category) {
            Some((_, times, hits)) => {
                times.push(took);
                *hits += total;
            }
            None => by_category.push((q.category, vec![took], total)),
        }
    }
    all.sort_unstable();
    println!(
        "{} queries (limit 10, with snippets): p50 {}, p90 {}, p99 {}, max {}; {} found nothing",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.9)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().unwrap_or(&Duration::ZERO)),
        empty
    );
    by_category.sort_by_key(|(c, ..)| *c);
    for (category, mut times, hits) in by_category {
        times.sort_unstable();
        println!(
            "  {category:<13} n={:<4} p50 {:>9}  p99 {:>9}  max {:>9}  avg total {}",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            hits / times.len()
        );
    }

    // Beyond the mix: long queries, every word of them a typo or common.
    let heavy = [
        "Konzert Theater Lesung Ausstellung Führung Vortrag Workshop Flohmarkt",
        "Konzrt Theatre Lesugn Ausstelung Fuhrung Vortarg Workshp Flohmakrt",
        "wo kann ich meinen Personalausweis verlängern und was kostet das",
        "Musik Musik Musik Konzert Konzert",
    ];
    for text in heavy {
        let q = Query { category: "heavy", text: text.to_owned(), municipality: Some("gera"), kinds: &[] };
        let mut times: Vec<Duration> = (0..20).map(|_| run(&q).0).collect();
        times.sort_unstable();
        println!("  heavy: {:>9} (median of 20)  {text:?}", ms(times[10]));
    }
    Ok(())
}
