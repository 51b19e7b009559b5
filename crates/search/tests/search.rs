//! The search's acceptance criteria, against a small directory of services and events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use regioportal_search::{DocKind, Hit, SearchDoc, SearchIndex, SearchQuery, SearchResults};

fn doc(kind: DocKind, key: &str, municipality: Option<&str>, title: &str, keywords: &[&str], body: &str) -> SearchDoc {
    SearchDoc {
        kind,
        key: key.to_owned(),
        municipality: municipality.map(str::to_owned),
        title: title.to_owned(),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        body: body.to_owned(),
        subtitle: format!("Untertitel {key}"),
        url: format!("/{key}"),
    }
}

fn service(key: &str, title: &str, keywords: &[&str], body: &str) -> SearchDoc {
    doc(DocKind::Service, key, None, title, keywords, body)
}

fn directory() -> Vec<SearchDoc> {
    vec![
        service(
            "service:1",
            "Personalausweis beantragen",
            &["Perso", "99123456789012"],
            "Den Personalausweis beantragen Sie persönlich im Bürgeramt Ihres Wohnorts. Bringen Sie ein \
             biometrisches Passfoto mit.",
        ),
        service(
            "service:2",
            "Kfz-Zulassung",
            &["Fahrzeug zulassen", "99036012104000"],
            "Neue und gebrauchte Fahrzeuge lassen Sie bei der Zulassungsstelle des Landkreises zu.",
        ),
        service(
            "service:3",
            "Wohnsitz anmelden",
            &["Meldebescheinigung", "Umzug"],
            "Nach einem Umzug melden Sie Ihren Wohnsitz innerhalb von zwei Wochen beim Bürgeramt an.",
        ),
        service(
            "service:4",
            "Hundesteuer",
            &["Hundehaltung"],
            "Wer einen Hund hält, zahlt dafür jährlich an die Gemeinde.",
        ),
        service(
            "service:5",
            "Führerschein umtauschen",
            &["Fahrerlaubnis"],
            "Alte Papierführerscheine müssen bis zu einem Stichtag umgetauscht werden.",
        ),
        service(
            "service:6",
            "Baumfällgenehmigung",
            &["Baumschutz"],
            "Für das Fällen geschützter Bäume brauchen Sie eine Genehmigung der Gemeinde.",
        ),
        service(
            "service:7",
            "Wohngeld beantragen",
            &["Mietzuschuss"],
            "Wohngeld ist ein Zuschuss zur Miete oder zu den Kosten selbst genutzten Wohneigentums.",
        ),
        doc(
            DocKind::Office,
            "office:1",
            Some("landkreis-greiz"),
            "Kfz-Zulassungsstelle Greiz",
            &["Landratsamt"],
            "Öffnungszeiten: Montag bis Freitag 8 bis 12 Uhr.",
        ),
        doc(
            DocKind::Office,
            "office:2",
            Some("jena"),
            "Fahrzeugzulassung Jena",
            &["Bürgerservice"],
            "Termine nach Vereinbarung.",
        ),
        doc(
            DocKind::Form,
            "form:1",
            None,
            "Antrag auf Ausstellung eines Reisepasses",
            &["Formular"],
            "Das Formular füllen Sie vor dem Termin aus.",
        ),
        doc(
            DocKind::Event,
            "event:1",
            Some("gera"),
            "Sinfoniekonzert im Theater",
            &["Musik"],
            "Das Philharmonische Orchester spielt Werke von Brahms und Dvořák.",
        ),
        doc(
            DocKind::Event,
            "event:2",
            Some("jena"),
            "Weihnachtsmarkt auf dem Marktplatz",
            &["Markt", "Advent"],
            "Glühwein, Kunsthandwerk und ein Konzert des Knabenchors.",
        ),
    ]
}

fn index() -> SearchIndex {
    let index = SearchIndex::new().unwrap();
    index.upsert(directory()).unwrap();
    index
}

fn synonyms() -> Vec<Vec<String>> {
    let group = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect();
    vec![group(&["kfz", "auto", "fahrzeug", "pkw"]), group(&["zulassung", "anmelden", "ummelden"])]
}

fn search(index: &SearchIndex, text: &str) -> SearchResults {
    index.search(&SearchQuery { limit: 20, ..SearchQuery::new(text) }).unwrap()
}

fn keys(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.key.as_str()).collect()
}

fn first(index: &SearchIndex, text: &str) -> String {
    let results = search(index, text);
    results.hits.first().map(|h| h.key.clone()).unwrap_or_else(|| panic!("{text:?} found nothing"))
}

fn rank(results: &SearchResults, key: &str) -> usize {
    results.hits.iter().position(|h| h.key == key).unwrap_or_else(|| panic!("{key} not in {:?}", keys(results)))
}

#[test]
fn german_analysis_splits_lowercases_stems_and_folds_umlauts() {
    let index = index();
    for text in ["Führerschein", "fuehrerschein", "fuhrerschein", "FÜHRERSCHEIN", "Führerscheine"] {
        assert_eq!(first(&index, text), "service:5", "{text}");
    }
    // "Kfz-Zulassung" is two words, each found on its own.
    assert_eq!(first(&index, "kfz"), "service:2");
    assert_eq!(first(&index, "Zulassung"), "service:2");
    // Inflected forms meet at the stem.
    assert_eq!(first(&index, "Zulassungen"), "service:2");
    assert_eq!(first(&index, "Hundesteuern"), "service:4");
    assert_eq!(first(&index, "Buergeramt"), first(&index, "Bürgeramt"));
    // The ß of a document and the ss a citizen types.
    let index = SearchIndex::new().unwrap();
    index.upsert([service("service:9", "Straßenreinigung", &[], "Gebühren für die Straßenreinigung")]).unwrap();
    assert_eq!(first(&index, "Strassenreinigung"), "service:9");
    assert_eq!(first(&index, "Gebuehren"), "service:9");
}

#[test]
fn compound_parts_are_found_below_whole_words() {
    let index = index();
    assert_eq!(first(&index, "Ausweis"), "service:1");
    assert_eq!(first(&index, "Steuer"), "service:4");
    let zulassung = search(&index, "Zulassung");
    let found = keys(&zulassung);
    assert!(found.contains(&"office:1"), "Kfz-Zulassungsstelle: {found:?}");
    assert!(found.contains(&"office:2"), "Fahrzeugzulassung: {found:?}");
    // The whole word in a title beats the part of a compound in a title.
    assert!(rank(&zulassung, "service:2") < rank(&zulassung, "office:1"));
    assert!(rank(&zulassung, "service:2") < rank(&zulassung, "office:2"));
}

#[test]
fn one_typo_is_tolerated_in_words_of_five_letters_or_more() {
    let index = index();
    assert_eq!(first(&index, "Persnalausweis"), "service:1");
    assert_eq!(first(&index, "anmelen"), "service:3");
    assert_eq!(first(&index, "Fuehrerschien"), "service:5");
    assert_eq!(first(&index, "Hundesteur"), "service:4");
    assert_eq!(first(&index, "Hundsteuer"), "service:4");
    // Where the typo changes how the word stems ("Smmer" keeps its "-er", "Sommer" does not).
    let index2 = SearchIndex::new().unwrap();
    index2
        .upsert([service("service:1", "Sommer im Park", &[], ""), service("service:2", "Wanderung", &[], "")])
        .unwrap();
    assert_eq!(first(&index2, "Smmer"), "service:1");
    assert_eq!(first(&index2, "Wandeurng"), "service:2");
    // Letters count as typed: "Poeie" has five.
    index2.upsert([service("service:3", "Poesie", &[], "")]).unwrap();
    assert_eq!(first(&index2, "Poeie"), "service:3");
    // Two typos are too many.
    assert!(search(&index, "Persnalauswis").hits.is_empty());
    // Short words must be exact: "Kfy" is not "Kfz", "Hunf" not "Hund".
    assert!(search(&index, "Kfy").hits.is_empty());
    assert!(search(&index, "Hunf").hits.is_empty());
}

#[test]
fn typo_matches_score_below_exact_ones() {
    let index = SearchIndex::new().unwrap();
    index
        .upsert([
            service("service:1", "Konzept", &[], "Ein Konzept."),
            service("service:2", "Konzert", &[], "Ein Konzert."),
        ])
        .unwrap();
    let results = search(&index, "Konzert");
    assert_eq!(keys(&results), ["service:2", "service:1"]);
    assert!(results.hits[0].score > results.hits[1].score);
}

#[test]
fn a_common_word_is_taken_as_spelled() {
    let index = SearchIndex::new().unwrap();
    let concerts = (0..12).map(|i| service(&format!("service:{i}"), "Konzert", &[], ""));
    index.upsert(concerts.chain([service("service:concept", "Konzept", &[], "")])).unwrap();
    // "Konzert" is in a dozen documents: no typo expansion to "Konzept".
    assert_eq!(search(&index, "Konzert").total, 12);
    // A typo still finds both neighbours.
    let typo = search(&index, "Konzet");
    assert_eq!(typo.total, 13);
}

#[test]
fn synonyms_and_keywords() {
    let index = index();
    // Without synonyms, "Auto" is nowhere.
    assert!(search(&index, "Auto").hits.is_empty());
    index.set_synonyms(synonyms());
    assert_eq!(first(&index, "Auto"), "service:2");
    assert_eq!(first(&index, "PKW"), "service:2");
    assert_eq!(first(&index, "Auto anmelden"), "service:2");
    // The keywords count: "zulassen" is only there.
    assert_eq!(first(&index, "Fahrzeug zulassen"), "service:2");
    // A LeiKa key finds its service, and nothing else.
    assert_eq!(keys(&search(&index, "99123456789012")), ["service:1"]);
    assert_eq!(keys(&search(&index, " 99036012104000 ")), ["service:2"]);
    assert!(search(&index, "99123456789013").hits.is_empty());
}

#[test]
fn a_typo_and_a_synonym_away_the_document_matching_both_wins() {
    let index = index();
    index.set_synonyms(synonyms());
    let results = search(&index, "Auto anmelen");
    assert_eq!(results.hits[0].key, "service:2", "{:?}", keys(&results));
    assert!(rank(&results, "service:2") < rank(&results, "service:3"));
    let results = search(&index, "auto ummelden");
    assert_eq!(results.hits[0].key, "service:2", "{:?}", keys(&results));
}

#[test]
fn title_weighs_more_than_keywords_more_than_body() {
    let index = SearchIndex::new().unwrap();
    index
        .upsert([
            service("service:body", "Erstens", &["Zweitens"], "Hier steht etwas über den Bauantrag."),
            service("service:title", "Bauantrag", &["Zweitens"], "Hier steht etwas über etwas."),
            service("service:keywords", "Drittens", &["Bauantrag"], "Hier steht etwas über etwas."),
        ])
        .unwrap();
    assert_eq!(keys(&search(&index, "Bauantrag")), ["service:title", "service:keywords", "service:body"]);
}

fn municipal_index() -> SearchIndex {
    let index = SearchIndex::new().unwrap();
    let event = |key: &str, m: Option<&str>, title: &str| doc(DocKind::Event, key, m, title, &[], "");
    index
        .upsert([
            // The best match, but in another municipality.
            event("event:jena", Some("jena"), "Konzert"),
            event("event:gera", Some("gera"), "Konzert im Park am See"),
            event("event:region", None, "Konzert der Region im Park"),
            event("event:county", Some("landkreis-greiz"), "Konzert im Landkreis Greiz Oberland"),
            event("event:weimar", Some("weimar"), "Konzert in Weimar"),
            event("event:other", Some("gera"), "Lesung"),
        ])
        .unwrap();
    index
}

#[test]
fn own_municipality_related_and_regional_rank_first() {
    let index = municipal_index();
    let plain = search(&index, "Konzert");
    assert_eq!(plain.total, 5);
    assert_eq!(plain.hits[0].key, "event:jena", "plain score without municipality");
    let scores: Vec<f32> = plain.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let q = SearchQuery {
        municipality: Some("gera"),
        related: &["landkreis-greiz"],
        limit: 20,
        ..SearchQuery::new("Konzert")
    };
    let tiered = index.search(&q).unwrap();
    assert_eq!(tiered.total, 5, "both tiers count");
    let found = keys(&tiered);
    let (first_tier, second_tier) = found.split_at(3);
    let mut first_tier = first_tier.to_vec();
    first_tier.sort_unstable();
    assert_eq!(first_tier, ["event:county", "event:gera", "event:region"]);
    let mut second_tier = second_tier.to_vec();
    second_tier.sort_unstable();
    assert_eq!(second_tier, ["event:jena", "event:weimar"]);
    // Within a tier by score.
    assert!(tiered.hits[..3].windows(2).all(|w| w[0].score >= w[1].score));
    assert!(tiered.hits[3..].windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(tiered.hits[3].key, "event:jena");

    // Paging runs over the tiered order.
    let page = |offset, limit| -> Vec<Hit> { index.search(&SearchQuery { offset, limit, ..q }).unwrap().hits };
    let paged: Vec<String> = (0..5).flat_map(|i| page(i, 1)).map(|h| h.key).collect();
    assert_eq!(paged, found);
    assert!(page(5, 10).is_empty());
    let counted = index.search(&SearchQuery { limit: 0, ..q }).unwrap();
    assert_eq!((counted.total, counted.hits.len()), (5, 0));
}

#[test]
fn kinds_filter() {
    let index = index();
    let all = search(&index, "Zulassung");
    assert!(all.hits.iter().any(|h| h.kind == DocKind::Service));
    let offices =
        index.search(&SearchQuery { kinds: &[DocKind::Office], limit: 20, ..SearchQuery::new("Zulassung") }).unwrap();
    assert_eq!(offices.total, 2);
    assert!(offices.hits.iter().all(|h| h.kind == DocKind::Office));
    let two = index
        .search(&SearchQuery { kinds: &[DocKind::Event, DocKind::Form], ..SearchQuery::new("Konzert Reisepass") })
        .unwrap();
    let mut found = keys(&two);
    found.sort_unstable();
    assert_eq!(found, ["event:1", "event:2", "form:1"]);
}

#[test]
fn hits_carry_the_stored_fields() {
    let index = index();
    let hit = &search(&index, "Weihnachtsmarkt").hits[0];
    assert_eq!(hit.key, "event:2");
    assert_eq!(hit.kind, DocKind::Event);
    assert_eq!(hit.title, "Weihnachtsmarkt auf dem Marktplatz");
    assert_eq!(hit.subtitle, "Untertitel event:2");
    assert_eq!(hit.url, "/event:2");
    assert_eq!(hit.municipality.as_deref(), Some("jena"));
    assert!(hit.score > 0.0);
    assert_eq!(search(&index, "Hundesteuer").hits[0].municipality, None);
}

#[test]
fn snippets_highlight_matched_words_of_the_body() {
    let index = index();
    let hit = &search(&index, "Passfoto Bürgeramt").hits[0];
    assert_eq!(hit.key, "service:1");
    let marked: Vec<&str> = hit.snippet.highlighted().collect();
    assert_eq!(marked, ["Bürgeramt", "Passfoto"]);
    assert!(hit.snippet.text().starts_with("Den Personalausweis beantragen"), "{:?}", hit.snippet);

    // Stemmed, typo, synonym and compound matches are marked too.
    index.set_synonyms(synonyms());
    let marked = |text: &str, key: &str| -> Vec<String> {
        let results = search(&index, text);
        let hit = results.hits.iter().find(|h| h.key == key).unwrap();
        hit.snippet.highlighted().map(str::to_owned).collect()
    };
    assert_eq!(marked("Umzügen", "service:3"), ["Umzug"]);
    assert_eq!(marked("Wochn", "service:3"), ["Wochen"]);
    assert_eq!(marked("Auto", "service:2"), ["Fahrzeuge"]);
    assert_eq!(marked("Zulassung", "service:2"), ["Zulassungsstelle"]);
    assert_eq!(marked("Foto", "service:1"), ["Passfoto"]);

    // A body without a match: its start, unmarked.
    let hit = search(&index, "Sinfoniekonzert").hits.remove(0);
    assert_eq!(
        hit.snippet.fragments,
        [("Das Philharmonische Orchester spielt Werke von Brahms und Dvořák.".to_owned(), false)]
    );
}

#[test]
fn long_bodies_give_a_passage_around_the_matches() {
    let index = SearchIndex::new().unwrap();
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20);
    let body = format!("{filler}Die Hundesteuer wird jährlich fällig.\n\n{filler}<b>Ende</b>");
    index.upsert([service("service:1", "Steuern", &[], &body)]).unwrap();
    let hit = search(&index, "jährlich").hits.remove(0);
    let text = hit.snippet.text();
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    assert!(text.chars().count() <= 170, "{} chars: {text}", text.chars().count());
    assert_eq!(hit.snippet.highlighted().collect::<Vec<_>>(), ["jährlich"]);
    assert!(text.contains("Die Hundesteuer wird jährlich fällig."), "{text}");
    // Two matches far apart but within reach: both in the passage.
    let body = format!(
        "{filler}Sie beantragen ihn persönlich beim Bürgeramt Ihres Hauptwohnsitzes; mitzubringen sind ein aktuelles \
         biometrisches Lichtbild, der alte Ausweis und gegebenenfalls die Geburtsurkunde. {filler}"
    );
    index.upsert([service("service:2", "Personalausweis", &[], &body)]).unwrap();
    let hit = search(&index, "Geburtsurkunde Bürgeramt").hits.remove(0);
    assert_eq!(hit.snippet.highlighted().collect::<Vec<_>>(), ["Bürgeramt", "Geburtsurkunde"], "{:?}", hit.snippet);
    // Text stays text: markup is the template's business.
    let hit = search(&index, "Ende").hits.remove(0);
    assert!(hit.snippet.text().contains("<b>Ende</b>"), "{:?}", hit.snippet);
}

#[test]
fn empty_and_syntax_laden_queries_are_no_error() {
    let index = index();
    for text in ["", "   ", "\t\n", "\"(:*^~", "-+&&||!{}[]", "AND OR NOT", "…"] {
        let results = index.search(&SearchQuery::new(text)).unwrap();
        if text.contains("AND") {
            continue; // Words after all.
        }
        assert_eq!(results, SearchResults::default(), "{text:?}");
    }
    for text in ["Ausweis~2^3", "title:Ausweis", "\"Ausweis", "(Ausweis", "Ausweis*", "+Ausweis -Pass", "Ausweis\\"] {
        assert_eq!(first(&index, text), "service:1", "{text:?}");
    }
    // Stop words alone are still searched for.
    assert_eq!(search(&index, "der").total, search(&index, "der").hits.len());
}

#[test]
fn upsert_replaces_by_key_and_remove_deletes() {
    let index = index();
    let n = index.len();
    assert_eq!(n, directory().len());
    assert!(!index.is_empty());
    index.upsert([service("service:4", "Katzensteuer", &[], "Neu.")]).unwrap();
    assert_eq!(index.len(), n);
    assert!(search(&index, "Hundesteuer").hits.iter().all(|h| h.key != "service:4"));
    assert_eq!(first(&index, "Katzensteuer"), "service:4");
    // Twice the same key in one batch: the last one stays.
    index
        .upsert([service("service:99", "Erstfassung", &[], ""), service("service:99", "Zweitfassung", &[], "")])
        .unwrap();
    assert_eq!(index.len(), n + 1);
    assert!(search(&index, "Erstfassung").hits.is_empty());
    assert_eq!(first(&index, "Zweitfassung"), "service:99");

    index.remove(["service:4".to_owned(), "service:99".to_owned(), "unknown".to_owned()]).unwrap();
    assert_eq!(index.len(), n - 1);
    assert!(search(&index, "Katzensteuer").hits.is_empty());
}

#[test]
fn a_write_that_panics_half_way_leaves_nothing_behind() {
    let index = Arc::new(index());
    let n = index.len();
    let writer = Arc::clone(&index);
    let panicked = std::thread::spawn(move || {
        let docs = (0..3).map(|i| {
            assert!(i < 2, "the database went away");
            service(&format!("service:new{i}"), "Halbfertig", &[], "")
        });
        writer.upsert(docs)
    })
    .join();
    assert!(panicked.is_err());
    index.upsert([service("service:after", "Danach", &[], "")]).unwrap();
    assert_eq!(index.len(), n + 1);
    assert!(search(&index, "Halbfertig").hits.is_empty());
}

#[test]
fn replace_kind_leaves_other_kinds_alone() {
    let index = index();
    let events = directory().iter().filter(|d| d.kind == DocKind::Event).count();
    let n = index.len();
    index.replace_kind(DocKind::Event, [doc(DocKind::Event, "event:9", None, "Stadtfest", &[], "")]).unwrap();
    assert_eq!(index.len(), n - events + 1);
    assert!(search(&index, "Weihnachtsmarkt").hits.is_empty());
    assert_eq!(first(&index, "Stadtfest"), "event:9");
    assert_eq!(first(&index, "Hundesteuer"), "service:4");
    index.replace_kind(DocKind::Event, []).unwrap();
    assert_eq!(index.len(), n - events);
    assert_eq!(first(&index, "Kfz-Zulassungsstelle"), "office:1");
}

#[test]
fn a_rebuild_in_parts_shows_the_old_set_until_its_commit_and_nothing_if_dropped() {
    let index = index();
    let n = index.len();
    let mut rebuild = index.rebuild(DocKind::Event).unwrap();
    rebuild.add([doc(DocKind::Event, "event:20", None, "Laternenumzug", &[], "")]).unwrap();
    rebuild.add([doc(DocKind::Event, "event:21", None, "Lampionfest", &[], "")]).unwrap();
    assert_eq!(first(&index, "Weihnachtsmarkt"), "event:2", "searches see the old set meanwhile");
    assert!(search(&index, "Laternenumzug").hits.is_empty());
    assert!(index.upsert([service("service:9", "Zwischendurch", &[], "")]).is_err(), "other writes wait");
    assert!(index.rebuild(DocKind::Office).is_err(), "one rebuild at a time");
    drop(rebuild);
    assert_eq!(index.len(), n, "dropped: as before");
    assert!(search(&index, "Laternenumzug").hits.is_empty());

    let mut rebuild = index.rebuild(DocKind::Event).unwrap();
    for i in 0..3 {
        rebuild.add([doc(DocKind::Event, &format!("event:{}", 30 + i), None, "Lampionfest", &[], "")]).unwrap();
    }
    rebuild.commit().unwrap();
    let events = directory().iter().filter(|d| d.kind == DocKind::Event).count();
    assert_eq!(index.len(), n - events + 3);
    assert!(search(&index, "Weihnachtsmarkt").hits.is_empty());
    assert_eq!(search(&index, "Lampionfest").hits.len(), 3);
    index.upsert([service("service:9", "Danach", &[], "")]).unwrap();
}

#[test]
fn replace_kind_keeps_keys_unique() {
    let index = index();
    let n = index.len();
    index
        .replace_kind(
            DocKind::Event,
            [
                doc(DocKind::Event, "event:1", None, "Erstfassung", &[], ""),
                doc(DocKind::Event, "event:1", None, "Zweitfassung", &[], ""),
                // Another kind among them: upserted.
                service("service:4", "Katzensteuer", &[], ""),
            ],
        )
        .unwrap();
    assert_eq!(index.len(), n - 2 + 1);
    assert!(search(&index, "Erstfassung").hits.is_empty());
    assert_eq!(keys(&search(&index, "Zweitfassung")), ["event:1"]);
    assert_eq!(keys(&search(&index, "Katzensteuer")), ["service:4"]);
    assert!(search(&index, "Hundesteuer").hits.iter().all(|h| h.key != "service:4"));
}

#[test]
fn concurrent_readers_see_the_old_or_the_new_state() {
    let index = Arc::new(SearchIndex::new().unwrap());
    let events = |n: usize| {
        (0..n).map(move |i| doc(DocKind::Event, &format!("event:{i}"), Some("gera"), "Stadtfest", &[], "Musik"))
    };
    index.replace_kind(DocKind::Event, events(10)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (index, stop) = (Arc::clone(&index), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let total = index.search(&SearchQuery::new("Stadtfest")).unwrap().total;
                    assert!(total == 10 || total == 30, "saw {total} events");
                    seen.push(total);
                }
                seen
            })
        })
        .collect();
    for round in 0..6 {
        index.replace_kind(DocKind::Event, events(if round % 2 == 0 { 30 } else { 10 })).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(!reader.join().unwrap().is_empty());
    }
    assert_eq!(index.len(), 10);
}

#[test]
fn documents_are_counted_per_kind() {
    let index = SearchIndex::new().unwrap();
    let doc = |kind, key: &str| SearchDoc {
        kind,
        key: key.to_owned(),
        municipality: None,
        title: "Titel".into(),
        keywords: vec![],
        body: "Text".into(),
        subtitle: String::new(),
        url: "/x".into(),
    };
    index
        .upsert([doc(DocKind::Event, "event:1"), doc(DocKind::Event, "event:2"), doc(DocKind::Service, "service:1")])
        .unwrap();
    assert_eq!((index.count(DocKind::Event), index.count(DocKind::Service), index.count(DocKind::Form)), (2, 1, 0));
    index.remove(["event:1".to_owned()]).unwrap();
    assert_eq!(index.count(DocKind::Event), 1);
}

#[test]
fn repeated_searches_are_answered_from_the_cache_until_the_index_changes() {
    let index = index();
    let q = SearchQuery { text: "Hundesteuer", ..SearchQuery::new("") };
    let first = index.search(&q).unwrap();
    assert_eq!(index.search(&q).unwrap(), first, "the same answer again");
    assert_eq!(index.search_fresh(&q).unwrap(), first, "and the same as without the cache");
    // A change is visible to the next search at once.
    index.upsert([service("service:99", "Hundesteuer für Zweithunde", &[], "")]).unwrap();
    let after = index.search(&q).unwrap();
    assert_eq!(after.total, first.total + 1, "{after:?}");
    assert_eq!(after, index.search_fresh(&q).unwrap());
    // New synonyms too.
    let bello = SearchQuery { text: "Bello", ..SearchQuery::new("") };
    assert!(index.search(&bello).unwrap().hits.is_empty());
    index.set_synonyms(vec![vec!["bello".into(), "hundesteuer".into()]]);
    assert!(!index.search(&bello).unwrap().hits.is_empty(), "not the cached empty answer");
}
