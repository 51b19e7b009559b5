//! The public pages: region home, municipality homes, legal pages, errors, language, theme.

use regioportal_tests::{Options, TestApp};

const MUNICIPALITIES: &[(&str, &str)] = &[
    ("jena", "Jena"),
    ("gera", "Gera"),
    ("altenburger-land", "Landkreis Altenburger Land"),
    ("altenburg", "Altenburg"),
    ("schmoelln", "Schmölln"),
    ("meuselwitz", "Meuselwitz"),
    ("goessnitz", "Gößnitz"),
    ("lucka", "Lucka"),
    ("nobitz", "Nobitz"),
];

fn h1(html: &str) -> String {
    let start = html.find("<h1").expect("an h1");
    let open_end = html[start..].find('>').expect("h1 tag end") + start + 1;
    let end = html[open_end..].find("</h1>").expect("h1 end") + open_end;
    html[open_end..end].trim().to_owned()
}

#[tokio::test]
async fn region_home_lists_every_municipality_grouped_by_county() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"de\">"));
    assert_eq!(h1(&html), "Willkommen im Regioportal Ostthüringen");
    for (slug, name) in MUNICIPALITIES {
        assert!(html.contains(&format!("href=\"/{slug}\">{name}</a>")), "{slug} missing");
    }
    assert!(html.contains("Städte und Gemeinden im Landkreis Altenburger Land"));
    assert!(html.contains("class=\"rp-skip-link\""), "skip link");
    assert!(html.contains("<main class=\"rp-main\" id=\"main-content\""));
    assert!(html.contains("rp-phase-banner"), "the demo region shows the demo banner");
}

#[tokio::test]
async fn every_municipality_home_page_renders_in_german_and_english() {
    let app = TestApp::spawn().await;
    for (slug, name) in MUNICIPALITIES {
        for (lang, caption) in [("de", "Kontakt"), ("en", "Contact")] {
            let (status, html) = app.get_text(&format!("/{slug}?lang={lang}")).await;
            assert_eq!(status, 200, "/{slug}?lang={lang}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "/{slug}?lang={lang}");
            assert_eq!(h1(&html), *name);
            assert!(html.contains(caption), "/{slug}?lang={lang}");
            assert!(html.contains(&format!("href=\"/{slug}/theme.css")), "theme stylesheet of {slug}");
            assert!(html.contains(&format!("href=\"/{slug}/impressum\"")), "footer links to {slug}'s Impressum");
        }
    }
}

#[tokio::test]
async fn a_town_names_its_county_and_the_county_lists_its_towns() {
    let app = TestApp::spawn().await;
    let (_, altenburg) = app.get_text("/altenburg").await;
    assert!(
        altenburg
            .contains("Gemeinde im <a class=\"rp-link\" href=\"/altenburger-land\">Landkreis Altenburger Land</a>")
    );
    assert!(altenburg.contains("04600"), "postcode listed");
    let (_, county) = app.get_text("/altenburger-land").await;
    for town in ["Altenburg", "Schmölln", "Meuselwitz"] {
        assert!(county.contains(&format!(">{town}</a>")), "{town}");
    }
    let (_, jena) = app.get_text("/jena").await;
    assert!(!jena.contains("Gemeinde im"), "a city has no county");
}

#[tokio::test]
async fn legal_pages_of_region_and_municipalities() {
    let app = TestApp::spawn().await;
    for prefix in ["", "/jena", "/altenburger-land"] {
        for (page, title_de) in [
            ("impressum", "Impressum"),
            ("datenschutz", "Datenschutzerklärung"),
            ("barrierefreiheit", "Erklärung zur Barrierefreiheit"),
        ] {
            let (status, html) = app.get_text(&format!("{prefix}/{page}")).await;
            assert_eq!(status, 200, "{prefix}/{page}");
            assert_eq!(h1(&html), title_de, "{prefix}/{page}");
            assert!(html.contains("class=\"rp-prose\""), "{prefix}/{page} has its text");
            assert!(html.contains("aria-current=\"page\""), "{prefix}/{page} marks itself in the footer");
        }
    }
    let (_, en) = app.get_text("/jena/impressum?lang=en").await;
    assert_eq!(h1(&en), "Legal notice (Impressum)");
}

#[tokio::test]
async fn unknown_pages_get_a_404_inside_the_layout() {
    let app = TestApp::spawn().await;
    for path in ["/gibt-es-nicht", "/jena/gibt-es-nicht", "/Jena", "/jena/impressum/x", "/%E2%9C%93", "/jena/logo/../x"]
    {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let html = res.text().await.unwrap();
        assert_eq!(h1(&html), "Seite nicht gefunden", "{path}");
        assert!(html.contains("class=\"rp-skip-link\""), "{path} is inside the layout");
        assert!(html.contains("rp-footer"), "{path} is inside the layout");
    }
    let (_, en) = app.get_text("/gibt-es-nicht?lang=en").await;
    assert_eq!(h1(&en), "Page not found");
}

#[tokio::test]
async fn wrong_method_and_oversized_body_are_explained_in_the_layout() {
    let app = TestApp::spawn_with(Options { body_limit: Some(1024), ..Default::default() }).await;
    let res = app.client.post(format!("{}/jena", app.base)).body("x").send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers().contains_key("allow"));
    assert_eq!(h1(&res.text().await.unwrap()), "Diese Aktion ist hier nicht möglich");

    let res = app.client.post(format!("{}/jena", app.base)).body(vec![b'x'; 4096]).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(h1(&res.text().await.unwrap()), "Die Daten sind zu groß");
}

#[tokio::test]
async fn the_language_choice_is_linkable_and_remembered() {
    let app = TestApp::spawn().await;
    let res = app.get("/jena?lang=en").await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let html = res.text().await.unwrap();
    // The switch links to the same page in German.
    assert!(html.contains("href=\"/jena?lang=de\""), "language switch");
    let res = app.client.get(format!("{}/gera", app.base)).header("cookie", "lang=en").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("<html lang=\"en\">"), "the cookie keeps English");
    // No choice: German, whatever the browser prefers.
    let res = app.client.get(format!("{}/gera", app.base)).header("accept-language", "en-US,en").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("<html lang=\"de\">"));
    // Other query parameters survive the switch.
    let (_, html) = app.get_text("/jena?foo=1").await;
    assert!(html.contains("href=\"/jena?foo=1&#38;lang=en\""), "{html}");
}

#[tokio::test]
async fn theme_colours_always_carry_white_text() {
    let app = TestApp::spawn().await;
    for (slug, _) in MUNICIPALITIES {
        let res = app.get(&format!("/{slug}/theme.css")).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
        let css = res.text().await.unwrap();
        let hex = css.split("--rp-brand: ").nth(1).unwrap().get(..7).unwrap();
        let colour = regioportal_domain::ThemeColour::parse(hex).unwrap();
        let white = regioportal_domain::ThemeColour::parse("#ffffff").unwrap();
        assert!(colour.contrast(white) >= 4.5, "{slug}: {hex}");
    }
}

#[tokio::test]
async fn logos_are_served_as_images() {
    let app = TestApp::spawn().await;
    let res = app.get("/jena/logo").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().contains("<svg"));
    assert_eq!(app.get("/nirgendwo/logo").await.status(), 404);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    for path in ["/", "/jena", "/gibt-es-nicht", "/api/v1/municipalities", "/static/regioportal.css"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS over http");
    }
    // No inline styles or scripts in the HTML that CSP would block.
    let (_, html) = app.get_text("/jena").await;
    assert!(!html.contains("style=") && !html.contains("<script"), "inline style or script");
}

#[tokio::test]
async fn https_base_url_turns_on_hsts_and_secure_cookies() {
    let app =
        TestApp::spawn_with(Options { base_url: Some("https://regioportal.example"), ..Default::default() }).await;
    let res = app.get("/?lang=en").await;
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
}

#[tokio::test]
async fn a_municipality_can_have_its_own_host_name() {
    let app = TestApp::spawn_with(Options { hosts: Some("jena=jena.example.org"), ..Default::default() }).await;
    let get = |path: &'static str, host: &'static str| {
        let c = app.client.clone();
        let url = format!("{}{path}", app.base);
        async move { c.get(url).header("host", host).send().await.unwrap() }
    };
    let res = get("/", "jena.example.org").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(h1(&html), "Jena");
    let impressum = get("/impressum", "jena.example.org").await.text().await.unwrap();
    assert!(impressum.contains("<span class=\"rp-caption-m\">Jena</span>"), "Jena's Impressum, not the region's");
    // Links in the pages keep the slug and still work on the host.
    assert_eq!(get("/jena/impressum", "jena.example.org").await.status(), 200);
    assert_eq!(get("/static/regioportal.css", "jena.example.org").await.status(), 200);
    // Other hosts see the region.
    let html = get("/", "regioportal.example").await.text().await.unwrap();
    assert!(h1(&html).starts_with("Willkommen"));
    let (_, api) = app.get_json("/api/v1/municipalities/jena").await;
    assert_eq!(api["url"], "http://jena.example.org/");
}

#[tokio::test]
async fn the_sitemap_lists_every_public_page_in_both_languages() {
    let app = TestApp::spawn().await;
    let (status, xml) = app.get_text("/sitemap.xml").await;
    assert_eq!(status, 200);
    for (slug, _) in MUNICIPALITIES {
        for suffix in ["", "/impressum", "/datenschutz", "/barrierefreiheit"] {
            let loc = format!("<loc>{}/{slug}{suffix}</loc>", app.base);
            assert!(xml.contains(&loc), "{loc}");
        }
    }
    assert!(xml.contains(&format!("<loc>{}/</loc>", app.base)));
    assert!(xml.contains("hreflang=\"en\""));
    // Every listed page answers 200.
    for loc in xml.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap()) {
        let path = loc.strip_prefix(&app.base).unwrap();
        assert_eq!(app.get(path).await.status(), 200, "{loc}");
    }
}

#[tokio::test]
async fn an_empty_database_still_serves_a_region_home() {
    let app = TestApp::spawn_with(Options { empty: true, ..Default::default() }).await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(!html.contains("rp-phase-banner"), "no demo banner without the demo region");
    assert_eq!(app.get("/jena").await.status(), 404);
}
