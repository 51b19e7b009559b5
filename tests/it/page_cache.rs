//! The page cache: public pages are rendered once per TTL for visitors without a session; a
//! change made through this node shows at once, and nothing personal is ever shared.

use std::time::Duration;

use regioportal_tests::{Browser, Options, TestApp, create_staff, create_token};
use reqwest::Method;
use serde_json::json;

async fn spawn(ttl: Duration) -> TestApp {
    TestApp::spawn_with(Options { page_cache: Some(ttl), ..Default::default() }).await
}

/// Answers served from the cache so far.
async fn hits(app: &TestApp) -> u64 {
    let (_, metrics) = app.get_text("/metrics").await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("regioportal_page_cache_answers_total{result=\"hit\"} "))
        .expect("the page cache counter in /metrics")
        .parse()
        .expect("a number")
}

fn event(title: &str) -> serde_json::Value {
    json!({
        "title": title,
        "description": "Demo",
        "start": "2027-07-01T19:30",
        "end": null,
        "municipality": "gera",
        "venue": { "name": "Kulturhaus", "place": "Gera" },
        "categories": ["konzert"],
        "free": true,
    })
}

#[tokio::test]
async fn a_public_page_is_rendered_once_and_a_change_here_shows_at_once() {
    let app = spawn(Duration::from_secs(60)).await;
    let token = create_token(&app.store, "gera", "editor").await;
    let calendar = "/gera/veranstaltungen?from=2027-06-01&to=2027-08-01";
    let window = "/api/v1/events?from=2027-06-01&to=2027-08-01&municipality=gera";
    let before = hits(&app).await;
    let (status, first) = app.get_text(calendar).await;
    assert_eq!(status, 200);
    let (_, again) = app.get_text(calendar).await;
    assert_eq!(first, again, "the same bytes from the cache");
    let (_, json_first) = app.get_text(window).await;
    let (_, json_again) = app.get_text(window).await;
    assert_eq!(json_first, json_again);
    assert_eq!(hits(&app).await, before + 2, "the second request of each was a hit");

    // A refused change (here an invalid event) changes nothing and keeps the cache.
    let (status, _) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&json!({}))).await;
    assert_eq!(status, 422);
    let before = hits(&app).await;
    app.get_text(calendar).await;
    assert_eq!(hits(&app).await, before + 1, "still cached after a refused request");

    // A change through this node empties the cache: the page and the window show it at once.
    let (status, created) =
        app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&event("Orgelsommer"))).await;
    assert_eq!(status, 201, "{created}");
    let (_, html) = app.get_text(calendar).await;
    assert!(html.contains("Orgelsommer"), "the new event on the cached page at once");
    let (_, json) = app.get_text(window).await;
    assert!(json.contains("Orgelsommer"));
    let id = created["id"].as_i64().unwrap();
    let (status, _) = app.send_json(Method::DELETE, &format!("/api/v1/events/{id}"), Some(&token), None).await;
    assert_eq!(status, 204);
    let (_, html) = app.get_text(calendar).await;
    assert!(!html.contains("Orgelsommer"), "gone at once");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn what_is_changed_elsewhere_shows_within_the_cache_time() {
    let app = spawn(Duration::from_secs(1)).await;
    let other = app.second_node().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let window = "/api/v1/events?from=2027-06-01&to=2027-08-01&municipality=gera";
    let (_, before) = other.get_text(window).await;
    assert!(!before.contains("Sommerkino"));
    let (status, _) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&event("Sommerkino"))).await;
    assert_eq!(status, 201);
    // The other node's cache time (1 s) plus its index's look at the database (1 s), with room.
    let mut seen = false;
    for _ in 0..60 {
        if other.get_text(window).await.1.contains("Sommerkino") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the other node shows the change within its cache time");
    other.stop().await.unwrap();
    app.stop().await.unwrap();
}

#[tokio::test]
async fn nothing_personal_is_kept_or_shared() {
    let app = spawn(Duration::from_secs(60)).await;
    let token = create_token(&app.store, "gera", "editor").await;

    // A draft is shown to its editor's token only, even when the token asked first.
    let mut draft = event("Entwurf eines Festes");
    draft["status"] = json!("draft");
    let (status, created) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&draft)).await;
    assert_eq!(status, 201, "{created}");
    let detail = format!("/api/v1/events/{}", created["id"]);
    for _ in 0..2 {
        let (status, as_editor) = app.send_json(Method::GET, &detail, Some(&token), None).await;
        assert_eq!(status, 200, "{as_editor}");
        assert_eq!(as_editor["title"], "Entwurf eines Festes");
    }
    assert_eq!(app.get(&detail).await.status(), 404, "not the editor's answer from the cache");

    // The language cookie is part of the key.
    let lang =
        |l: &'static str| app.client.get(format!("{}/jena", app.base)).header("cookie", format!("lang={l}")).send();
    let de = app.get_text("/jena").await.1;
    let en = lang("en").await.unwrap().text().await.unwrap();
    let de_again = lang("de").await.unwrap().text().await.unwrap();
    assert!(de.contains("lang=\"de\"") && en.contains("lang=\"en\""), "each in its language");
    assert_eq!(de, de_again);
    // Two language cookies (the page follows the first) must not put an English page under
    // the key of visitors without a cookie.
    let twice = app.client.get(format!("{}/gera", app.base)).header("cookie", "lang=en; lang=").send().await.unwrap();
    assert!(twice.text().await.unwrap().contains("lang=\"en\""));
    assert!(app.get_text("/gera").await.1.contains("lang=\"de\""), "visitors without a cookie get German");

    // Signed-in staff, other cookies, forms with a CSRF token and errors bypass the cache.
    create_staff(&app.store, "redaktion@jena.example", "ein langes Passwort 1", &["editor@jena"]).await;
    let mut staff = Browser::new(&app);
    staff.login("redaktion@jena.example", "ein langes Passwort 1").await;
    let start = hits(&app).await;
    for _ in 0..2 {
        assert_eq!(staff.get("/jena").await.status, 200);
        let res = app.client.get(format!("{}/jena", app.base)).header("cookie", "tracking=1").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let form = app.get("/veranstaltungen/melden").await;
        assert!(form.headers().contains_key("set-cookie"), "a fresh CSRF cookie every time");
        assert_eq!(app.get("/jena/veranstaltungen/999999").await.status(), 404);
        assert_eq!(app.get("/nirgendwo").await.status(), 404);
    }
    assert_eq!(hits(&app).await, start, "none of these was answered from the cache");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn every_public_page_of_the_sitemap_is_cached() {
    let app = spawn(Duration::from_secs(60)).await;
    app.seed_services().await;
    regioportal::demo::seed_events(&app.store, regioportal_web::events::today()).await.unwrap();
    // What was stored behind the app's back reaches its indexes at their next look.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, xml) = app.get_text("/sitemap.xml").await;
    let mut checked = 0;
    for loc in xml.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap()) {
        let path = loc.strip_prefix(&app.base).unwrap().replace("&amp;", "&");
        let before = hits(&app).await;
        let first = app.get(&path).await;
        assert_eq!(first.status(), 200, "{path}");
        let first = first.text().await.unwrap();
        let second = app.get_text(&path).await.1;
        let cached = hits(&app).await - before;
        if path.starts_with("/veranstaltungen/melden") {
            assert_eq!(cached, 0, "{path}: the form carries a CSRF token");
        } else {
            assert_eq!(cached, 1, "{path}: the second request is answered from the cache");
            assert_eq!(first, second, "{path}");
            checked += 1;
        }
    }
    assert!(checked > 40, "the sitemap lists the demo's pages ({checked})");
    app.stop().await.unwrap();
}
