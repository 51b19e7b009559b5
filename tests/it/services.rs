//! The Bürgerservice: the Zuständigkeitsfinder on pages and in the API (the county ⊃ town
//! split), the German search, form downloads, and the regional master text with local
//! overrides.

use regioportal_domain::services::{ServiceField, ServiceOverrides};
use regioportal_storage::{Actor, LocalPart};
use regioportal_tests::{TestApp, create_token};
use reqwest::Method;
use serde_json::{Value, json};

async fn service_id(app: &TestApp, slug: &str) -> i64 {
    app.store.directory().service_by_slug(slug).await.unwrap().unwrap_or_else(|| panic!("no service {slug}")).id
}

async fn responsible(app: &TestApp, slug: &str, query: &str) -> (u16, Value) {
    let id = service_id(app, slug).await;
    app.get_json(&format!("/api/v1/services/{id}/responsible?{query}")).await
}

#[tokio::test]
async fn a_citizen_of_schmoelln_finds_vehicle_registration_at_the_county_office() {
    let app = TestApp::spawn().await;
    let report = app.seed_services().await;
    assert!(report.services_created >= 40, "{report:?}");

    // A typo and a synonym away from "Kfz-Zulassung", on the page and in the API.
    let (status, html) = app.get_text("/schmoelln/buergerservice/suche?q=Auto+anmelen").await;
    assert_eq!(status, 200);
    let first = html.find("<li class=\"rp-result\">").expect("a result");
    let kfz = html.find(">Kfz-Zulassung</a>").expect("Kfz-Zulassung is found");
    assert!(html[first..kfz].matches("rp-result\"").count() == 1, "Kfz-Zulassung is the first result");
    let (status, list) = app.get_json("/api/v1/services?q=Auto%20anmelen&municipality=schmoelln").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["slug"], "kfz-zulassung", "{list}");
    assert!(list["items"][0]["url"].as_str().unwrap().ends_with("/schmoelln/buergerservice/leistungen/kfz-zulassung"));

    // Where do I go? The Landratsamt in Altenburg, with today's hours and the form.
    let (status, r) = responsible(&app, "kfz-zulassung", "postcode=04626").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["municipality"], "schmoelln");
    assert_eq!(r["office"]["municipality"], "altenburger-land", "{r}");
    assert_eq!(r["office"]["city"], "Altenburg");
    assert!(r["office"]["name"].as_str().unwrap().contains("Zulassung"), "{r}");
    assert_eq!(r["office"]["week"].as_array().unwrap().len(), 7);
    assert!(r["office"]["open_now"].is_boolean());
    assert!(r["office"]["open_now"].as_bool().unwrap() || r["office"]["opens_at"].is_string(), "{r}");
    let form = r["forms"][0]["url"].as_str().expect("a form to download").to_owned();
    let path = form.strip_prefix(&app.base).unwrap();
    let res = app.get(path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.unwrap();
    assert!(regioportal_domain::pdf::check_pdf(&bytes).is_ok(), "the demo form is a clean PDF");

    // The same answer on the page, remembered for the next service.
    let res = app.get("/buergerservice/leistungen/kfz-zulassung?ort=04626").await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get("set-cookie").expect("the place is remembered").to_str().unwrap().to_owned();
    assert!(cookie.starts_with("rp_ort=04626"), "{cookie}");
    let html = res.text().await.unwrap();
    assert!(html.contains(r["office"]["name"].as_str().unwrap()), "the page names the office");
    assert!(html.contains("Öffnungszeiten") && html.contains("(PDF, "), "hours and the form with its size");
    let remembered = app
        .client
        .get(format!("{}/buergerservice/leistungen/wohnsitz-anmelden", app.base))
        .header("cookie", "rp_ort=04626%20Schm%C3%B6lln")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(remembered.contains("Zuständig für Schmölln"), "the remembered place answers the next service");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_county_and_town_split_resolves_by_itself() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let (_, r) = responsible(&app, "wohnsitz-anmelden", "place=Schmölln").await;
    assert_eq!(r["office"]["municipality"], "schmoelln", "registering a residence: the town\n{r}");
    let (_, r) = responsible(&app, "kfz-zulassung", "place=Altenburg").await;
    assert_eq!(r["office"]["municipality"], "altenburger-land", "vehicles: the county\n{r}");
    let (_, r) = responsible(&app, "wohnsitz-anmelden", "place=Altenburg").await;
    assert_eq!(r["office"]["municipality"], "altenburg", "{r}");
    for slug in ["wohnsitz-anmelden", "kfz-zulassung"] {
        let (status, r) = responsible(&app, slug, "municipality=jena").await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["office"]["municipality"], "jena", "Jena does both itself: {slug}\n{r}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn unclear_places_get_clear_answers() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    // Burkersdorf is a place of Schmölln and of Nobitz.
    let (status, r) = responsible(&app, "wohnsitz-anmelden", "place=Burkersdorf").await;
    assert_eq!(status, 409, "{r}");
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.contains("schmoelln") && detail.contains("nobitz"), "{detail}");
    let (status, r) = responsible(&app, "wohnsitz-anmelden", "place=Schmöln").await;
    assert_eq!(status, 422);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("Schmölln"), "a suggestion: {r}");
    let (status, r) = responsible(&app, "wohnsitz-anmelden", "postcode=10117").await;
    assert_eq!(status, 422);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("verwaltung.bund.de"), "{r}");
    let (status, r) = responsible(&app, "wohnsitz-anmelden", "postcode=4626").await;
    assert_eq!((status, r["errors"][0]["field"].as_str()), (422, Some("postcode")), "{r}");
    let (status, _) = responsible(&app, "wohnsitz-anmelden", "postcode=04626&place=Schmölln").await;
    assert_eq!(status, 422, "exactly one of them");
    let (status, r) = app.get_json("/api/v1/services/999999/responsible?postcode=04626").await;
    assert_eq!(status, 404, "{r}");

    // The page says the same, in the layout, and offers choices.
    let (status, html) = app.get_text("/buergerservice/leistungen/wohnsitz-anmelden?ort=Burkersdorf").await;
    assert_eq!(status, 200);
    assert!(html.contains("passt zu mehreren Orten") && html.contains("04626 Burkersdorf"), "choices");
    let (_, html) = app.get_text("/buergerservice/leistungen/wohnsitz-anmelden?ort=10117").await;
    assert!(html.contains("außerhalb unserer Region") && html.contains("https://verwaltung.bund.de"));
    let (_, html) = app.get_text("/buergerservice/leistungen/wohnsitz-anmelden?ort=Atlantis").await;
    assert!(html.contains("kennen wir nicht"), "unknown place");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_master_text_change_reaches_every_municipality_that_did_not_override_the_field() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let dir = app.store.directory();
    let svc = dir.service_by_slug("hundesteuer").await.unwrap().unwrap();
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let actor = Actor::cli();
    let mut overrides = ServiceOverrides::default();
    overrides.set(ServiceField::Fees, "123,00 | erster Hund, je Jahr (Test)").unwrap();
    dir.set_local(
        gera.scope(),
        svc.id,
        &LocalPart { overrides, note: "Test-Hinweis Gera".into(), updated_at: None },
        &actor,
    )
    .await
    .unwrap();
    let mut content = svc.content.clone();
    content.processing_time = "Neue Bearbeitungsdauer aus der Region".into();
    dir.update_master(svc.id, svc.leika.as_ref(), svc.level, &content, &actor).await.unwrap();

    let (status, g) = app.get_json(&format!("/api/v1/services/{}?municipality=gera", svc.id)).await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["fees"][0]["cents"], 12300, "Gera's own fee: {g}");
    assert_eq!(g["processing_time"], "Neue Bearbeitungsdauer aus der Region", "the region's change reaches Gera");
    assert_eq!(g["origin"]["fees"], "local");
    assert_eq!(g["origin"]["processing_time"], "region");
    let (_, j) = app.get_json(&format!("/api/v1/services/{}?municipality=jena", svc.id)).await;
    assert_ne!(j["fees"][0]["cents"], 12300, "Jena keeps its own or the region's fee: {j}");
    assert_eq!(j["processing_time"], "Neue Bearbeitungsdauer aus der Region");
    let (_, html) = app.get_text("/gera/buergerservice/leistungen/hundesteuer").await;
    assert!(html.contains("123,00") && html.contains("Test-Hinweis Gera") && html.contains("Neue Bearbeitungsdauer"));
    let (_, html) = app.get_text("/jena/buergerservice/leistungen/hundesteuer").await;
    assert!(!html.contains("123,00") && html.contains("Neue Bearbeitungsdauer"));
    // The responsible-office answer carries the local fee too.
    let (_, r) = responsible(&app, "hundesteuer", "municipality=gera").await;
    assert_eq!(r["fees"][0]["cents"], 12300, "{r}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_search_covers_every_kind_and_follows_changes_on_other_nodes() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    for (q, expect) in [
        ("Ausweis", "Personalausweis"),
        ("Hundesteur", "Hundesteuer"),
        ("Zulassungsstelle", "Zulassungsstelle"),
        ("Umzug", "Umzug"),
    ] {
        let (status, html) = app.get_text(&format!("/buergerservice/suche?q={q}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(expect), "{q} finds {expect}");
        assert!(html.contains("<mark>") || !html.contains("rp-result\"><span"), "snippets highlight");
    }
    let (_, html) = app.get_text("/buergerservice/suche?q=%22%28%3A*%5E~").await;
    assert!(html.contains("Keine Treffer"), "syntax characters are just words");
    let (_, html) = app.get_text("/buergerservice/suche?q=Zulassung&art=form").await;
    assert!(html.contains("Formular") && html.contains(".pdf"), "forms are searchable");

    // An event written on another node is found here within a second or so.
    let other = app.second_node().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let body = json!({
        "title": "Quarkkeulchenfest Demo", "start": "2027-06-01T10:00", "municipality": "gera",
        "venue": { "name": "Markt" }, "categories": ["fest"], "free": true,
    });
    let (status, created) = other.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    let mut found = false;
    for _ in 0..40 {
        let (_, html) = app.get_text("/buergerservice/suche?q=Quarkkeulchenfest").await;
        if html.contains("Quarkkeulchenfest Demo") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the other node's event reaches this node's search");
    other.stop().await.unwrap();
    app.stop().await.unwrap();
}

#[tokio::test]
async fn pages_of_the_directory_render_in_both_languages() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    for path in [
        "/buergerservice",
        "/buergerservice?lang=en",
        "/altenburg/buergerservice",
        "/buergerservice/lebenslagen/umzug",
        "/gera/buergerservice/lebenslagen/umzug",
        "/buergerservice/leistungen/personalausweis",
        "/jena/buergerservice/leistungen/personalausweis?lang=en",
        "/altenburger-land/buergerservice/aemter/zulassungsstelle",
        "/buergerservice/suche",
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("</html>"), "{path}");
    }
    let (_, html) = app.get_text("/altenburger-land/buergerservice/aemter/zulassungsstelle").await;
    assert!(html.contains("\"GovernmentOffice\"") && html.contains("openingHoursSpecification"), "JSON-LD");
    let (_, html) = app.get_text("/buergerservice/leistungen/personalausweis").await;
    assert!(html.contains("\"GovernmentService\""));
    for path in
        ["/buergerservice/leistungen/gibt-es-nicht", "/gera/buergerservice/aemter/nichts", "/nirgendwo/buergerservice"]
    {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    let (_, xml) = app.get_text("/sitemap.xml").await;
    assert!(xml.contains("/buergerservice/leistungen/kfz-zulassung") && xml.contains("/aemter/zulassungsstelle"));
    app.stop().await.unwrap();
}

/// A municipality's own name and synonyms of a service are searchable, and its search page
/// shows the service in its words.
#[tokio::test]
async fn a_municipalitys_own_words_for_a_service_find_it() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let dir = app.store.directory();
    let svc = dir.service_by_slug("hundesteuer").await.unwrap().unwrap();
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let (status, before) = app.get_text("/gera/buergerservice/suche?q=Vierbeinerabgabe").await;
    assert_eq!(status, 200);
    assert!(!before.contains("/gera/buergerservice/leistungen/hundesteuer"), "not found before");
    let mut overrides = ServiceOverrides::default();
    overrides.set(ServiceField::Name, "Hundesteuer der Stadt Gera (Test)").unwrap();
    overrides.set(ServiceField::Synonyms, "Vierbeinerabgabe").unwrap();
    dir.set_local(gera.scope(), svc.id, &LocalPart { overrides, note: String::new(), updated_at: None }, &Actor::cli())
        .await
        .unwrap();
    let (status, html) = app.get_text("/gera/buergerservice/suche?q=Vierbeinerabgabe").await;
    assert_eq!(status, 200);
    let hit = html.find("href=\"/gera/buergerservice/leistungen/hundesteuer\"").expect("Gera's synonym finds it");
    assert!(html[hit..].contains("Hundesteuer der Stadt Gera (Test)"), "shown with Gera's name");
    let (_, jena) = app.get_text("/jena/buergerservice/suche?q=Hundesteuer").await;
    assert!(!jena.contains("der Stadt Gera (Test)"), "Jena shows the regional name");
}

/// The English pages mark the catalogue's German texts as German (WCAG 3.1.2 Language of
/// Parts), so that a screen reader reads them with a German voice; German pages need no mark.
#[tokio::test]
async fn german_content_on_english_pages_is_marked_as_german() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let (_, en) = app.get_text("/buergerservice/leistungen/kfz-zulassung?lang=en").await;
    assert!(en.contains("<html lang=\"en\""), "an English page");
    assert!(en.contains("<h1 class=\"rp-heading-xl\" lang=\"de\">Kfz-Zulassung</h1>"), "the service's name is German");
    assert!(en.contains("<div class=\"rp-prose\" lang=\"de\">"), "so is its description");
    let (_, de) = app.get_text("/buergerservice/leistungen/kfz-zulassung").await;
    assert!(de.contains("<h1 class=\"rp-heading-xl\">Kfz-Zulassung</h1>"), "no mark on German pages");
    let (_, search) = app.get_text("/buergerservice/suche?q=Ausweis&lang=en").await;
    assert!(search.contains("<h2 class=\"rp-heading-s rp-mb-0\" lang=\"de\">"), "search results too");
}
