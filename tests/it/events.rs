//! The events calendar: the JSON API (window, cursor, scopes, filters, bounds), writing with
//! tokens, submissions with e-mail confirmation and moderation.

use regioportal_tests::{TestApp, create_token};
use reqwest::Method;
use serde_json::{Value, json};

fn event(municipality: &str, title: &str, start: &str) -> Value {
    json!({
        "title": title,
        "description": "Ein **schönes** Konzert.",
        "start": start,
        "end": null,
        "municipality": municipality,
        "venue": { "name": "Kulturhaus", "place": "Musterort", "accessibility": { "step_free": true } },
        "categories": ["konzert"],
        "free": true,
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = app.send_json(Method::POST, "/api/v1/events", Some(token), Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

fn titles(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_editor_token_creates_events_that_appear_in_the_window() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let mut body = event("gera", "Orgelsommer", "2027-07-01T19:30");
    body["end"] = json!("2027-07-01T21:00");
    body["rrule"] = json!("FREQ=WEEKLY;COUNT=4");
    body["exdates"] = json!(["2027-07-15"]);
    let created = create(&app, &token, &body).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "published");
    assert_eq!(created["start"], "2027-07-01T19:30:00+02:00");
    assert_eq!(created["rrule"], "FREQ=WEEKLY;COUNT=4");
    assert!(created["uid"].as_str().unwrap().ends_with("@regioportal"));
    assert_eq!(created["url"], format!("{}/gera/veranstaltungen/{id}", app.base));

    let (status, page) = app.get_json("/api/v1/events?from=2027-06-01&to=2027-08-01&municipality=gera").await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    let starts: Vec<&str> = items.iter().map(|i| i["start"].as_str().unwrap()).collect();
    assert_eq!(starts, ["2027-07-01T19:30:00+02:00", "2027-07-08T19:30:00+02:00", "2027-07-22T19:30:00+02:00"]);
    let first = &items[0];
    assert_eq!(first["event_id"], id);
    assert_eq!(first["uid"], created["uid"]);
    assert_eq!(first["end"], "2027-07-01T21:00:00+02:00");
    assert_eq!(first["all_day"], false);
    assert_eq!(first["municipality"], "gera");
    assert_eq!(first["venue"]["name"], "Kulturhaus");
    assert_eq!(first["categories"], json!(["konzert"]));
    assert_eq!(first["status"], "published");
    assert_eq!(first["url"], format!("{}/gera/veranstaltungen/{id}?am=2027-07-01", app.base));
    assert_eq!(page["next_cursor"], Value::Null);

    let (status, got) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["title"], "Orgelsommer");
    assert_eq!(got["exdates"], json!(["2027-07-15"]));
}

#[tokio::test]
async fn concurrent_writes_all_land_once() {
    // Writers take turns on SQLite (storage's write gate) and lock rows on PostgreSQL; either
    // way every one of many simultaneous creates is stored, each once, and raises the version.
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let before = app.store.events().version().await.unwrap();
    let n = 40;
    let client = reqwest::Client::new();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..n {
        let req = client.post(format!("{}/api/v1/events", app.base)).bearer_auth(&token).json(&event(
            "gera",
            &format!("Gleichzeitig {i:02}"),
            "2027-09-04T10:00",
        ));
        writes.spawn(async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        });
    }
    let mut ids = writes.join_all().await;
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert_eq!(app.store.events().version().await.unwrap(), before + n as i64);
    let (status, page) = app.get_json("/api/v1/events?from=2027-09-04&to=2027-09-05&municipality=gera&limit=100").await;
    assert_eq!(status, 200, "{page}");
    let mut got = titles(&page);
    got.sort();
    assert_eq!(got, (0..n).map(|i| format!("Gleichzeitig {i:02}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn all_day_occurrences_have_dates_and_instants_accept_offsets() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "jena", "editor").await;
    let mut body = event("jena", "Weihnachtsmarkt", "2027-12-01");
    body["all_day"] = json!(true);
    body["end"] = json!("2027-12-03");
    body["categories"] = json!(["markt"]);
    create(&app, &token, &body).await;
    let (_, page) = app.get_json("/api/v1/events?from=2027-12-02T12:00:00%2B01:00&to=2027-12-02T13:00:00Z").await;
    let item = &page["items"][0];
    assert_eq!(item["all_day"], true);
    assert_eq!((item["start"].as_str(), item["end"].as_str()), (Some("2027-12-01"), Some("2027-12-03")));
}

#[tokio::test]
async fn pages_follow_the_cursor_to_the_end() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "jena", "editor").await;
    let mut daily = event("jena", "Täglich", "2027-03-01T10:00");
    daily["rrule"] = json!("FREQ=DAILY");
    create(&app, &token, &daily).await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/events?from=2027-03-01&to=2027-04-01&limit=7".to_owned();
    loop {
        let (status, page) = app.get_json(&url).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        seen.extend(items.iter().map(|i| i["start"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/events?from=2027-03-01&to=2027-04-01&limit=7&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 31, "every day of March once");
    assert_eq!(seen[27], "2027-03-28T10:00:00+02:00", "after the spring change");
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 31);
}

#[tokio::test]
async fn scopes_follow_the_county_and_town_hierarchy() {
    let app = TestApp::spawn().await;
    for (m, title) in [
        ("altenburg", "In Altenburg"),
        ("altenburger-land", "Im Landkreis"),
        ("meuselwitz", "In Meuselwitz"),
        ("jena", "In Jena"),
    ] {
        let token = create_token(&app.store, m, "editor").await;
        create(&app, &token, &event(m, title, "2027-05-01T15:00")).await;
    }
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let (status, page) = app.get_json(&format!("/api/v1/events?from=2027-05-01&to=2027-05-02&{q}")).await;
            assert_eq!(status, 200, "{page}");
            let mut t = titles(&page);
            t.sort();
            t
        }
    };
    assert_eq!(get("municipality=meuselwitz").await, ["In Meuselwitz"]);
    assert_eq!(get("municipality=meuselwitz&scope=near").await, ["Im Landkreis", "In Altenburg", "In Meuselwitz"]);
    assert_eq!(
        get("municipality=altenburger-land&scope=near").await,
        ["Im Landkreis", "In Altenburg", "In Meuselwitz"]
    );
    assert_eq!(get("municipality=jena&scope=near").await, ["In Jena"]);
    assert_eq!(get("municipality=jena&scope=region").await.len(), 4);
    assert_eq!(get("").await.len(), 4, "the whole region without a municipality");

    // Neighbours come from the region file. Jena and Gera are not neighbours in reality; this
    // test pretends they are (a region file may name a pair on one side only).
    let text = regioportal::demo::region_toml().replacen(
        "require_mfa = true",
        "require_mfa = true\nneighbours = [\"gera\"]",
        1,
    );
    assert_ne!(text, regioportal::demo::region_toml());
    let region = regioportal_domain::region::Region::from_toml(&text).unwrap();
    let report = app
        .store
        .import_region(&region, &regioportal::demo::assets(), &regioportal_storage::Actor::cli())
        .await
        .unwrap();
    assert_eq!(report.neighbours, 1, "{report}");
    let token = create_token(&app.store, "gera", "editor").await;
    create(&app, &token, &event("gera", "In Gera", "2027-05-01T16:00")).await;
    let node = app.second_node().await;
    let (_, page) = node.get_json("/api/v1/events?from=2027-05-01&to=2027-05-02&municipality=jena&scope=near").await;
    assert_eq!(titles(&page), ["In Jena", "In Gera"]);
    let (_, page) = node.get_json("/api/v1/events?from=2027-05-01&to=2027-05-02&municipality=gera&scope=near").await;
    assert_eq!(titles(&page), ["In Jena", "In Gera"], "both ways");
    let (_, gera) = node.get_json("/api/v1/municipalities/gera").await;
    assert_eq!(gera["neighbours"], json!(["jena"]));
    // Importing the file without them again removes them.
    regioportal::demo::seed(&app.store).await.unwrap();
    assert!(app.store.municipalities().by_slug("gera").await.unwrap().unwrap().neighbours.is_empty());
}

#[tokio::test]
async fn filters_narrow_the_window() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    create(&app, &token, &event("gera", "Orgelkonzert im Dom", "2027-06-05T19:00")).await;
    let mut theatre = event("gera", "Faust", "2027-06-05T20:00");
    theatre["categories"] = json!(["theater"]);
    theatre["free"] = json!(false);
    theatre["price"] = json!("12 €");
    theatre["venue"]["accessibility"]["step_free"] = json!(false);
    theatre["venue"]["place"] = json!("Untermhaus");
    create(&app, &token, &theatre).await;
    let get = |q: &'static str| {
        let app = &app;
        async move { titles(&app.get_json(&format!("/api/v1/events?from=2027-06-05&to=2027-06-06&{q}")).await.1) }
    };
    assert_eq!(get("category=theater").await, ["Faust"]);
    assert_eq!(get("category=theater,konzert").await.len(), 2);
    assert_eq!(get("q=orgel%20DOM").await, ["Orgelkonzert im Dom"]);
    assert_eq!(get("free=true").await, ["Orgelkonzert im Dom"]);
    assert_eq!(get("accessible=true").await, ["Orgelkonzert im Dom"]);
    assert_eq!(get("place=untermhaus").await, ["Faust"]);
}

#[tokio::test]
async fn bad_requests_get_problem_documents_naming_the_field() {
    let app = TestApp::spawn().await;
    for (q, field) in [
        ("from=gestern", "from"),
        ("from=2027-01-01&to=2026-01-01", "to"),
        ("from=1800-01-01&to=1800-02-01", "from"),
        ("to=2101-06-01", "from"),
        ("limit=5000", "limit"),
        ("cursor=abc", "cursor"),
        ("scope=world", "scope"),
        ("municipality=atlantis", "municipality"),
        ("category=tanz", "category"),
        ("free=maybe", "free"),
        ("colour=red", "colour"),
    ] {
        let (status, p) = app.get_json(&format!("/api/v1/events?{q}")).await;
        assert_eq!(status, 422, "{q}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{q}: {p}");
    }
    let token = create_token(&app.store, "gera", "editor").await;
    let mut bad = event("gera", "", "2027-03-28T02:30");
    bad["rrule"] = json!("FREQ=WEEKLY;BYDAY=XX");
    bad["venue"]["name"] = json!("");
    let (status, p) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&bad)).await;
    assert_eq!(status, 422, "{p}");
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "start", "rrule", "venue.name"], "{p}");
    let gap = p["errors"][1]["message"].as_str().unwrap();
    assert!(gap.contains("does not exist in Europe/Berlin"), "{gap}");

    let (status, p) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&json!({"title": 3}))).await;
    assert_eq!(status, 422, "{p}");
    let res = app
        .client
        .post(format!("{}/api/v1/events", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(app.get("/api/v1/events/99999").await.status(), 404);
    assert_eq!(app.get("/api/v1/events/abc").await.status(), 404);
}

#[tokio::test]
async fn tokens_act_only_for_their_municipality_and_role() {
    let app = TestApp::spawn().await;
    let gera = create_token(&app.store, "gera", "editor").await;
    let jena = create_token(&app.store, "jena", "editor").await;
    let gera_mod = create_token(&app.store, "gera", "moderator").await;
    let body = event("gera", "Stadtfest", "2027-08-20T12:00");
    let id = create(&app, &gera, &body).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/events/{id}");

    let (status, _) = app.send_json(Method::POST, "/api/v1/events", Some(&jena), Some(&body)).await;
    assert_eq!(status, 403, "a Jena token cannot create in Gera");
    let (status, _) = app.send_json(Method::PUT, &path, Some(&jena), Some(&body)).await;
    assert_eq!(status, 404, "a Jena token does not see Gera's events");
    let (status, _) = app.send_json(Method::DELETE, &path, Some(&jena), None).await;
    assert_eq!(status, 404);
    let (status, _) = app.send_json(Method::POST, "/api/v1/events", Some(&gera_mod), Some(&body)).await;
    assert_eq!(status, 403, "moderators do not create");
    let (status, _) = app.send_json(Method::DELETE, &path, Some(&gera_mod), None).await;
    assert_eq!(status, 403, "moderators do not delete");
    let (status, _) = app.send_json(Method::PUT, &path, Some("rp_invalid"), Some(&body)).await;
    assert_eq!(status, 401);

    let mut draft = body.clone();
    draft["status"] = json!("draft");
    draft["title"] = json!("Stadtfest (Entwurf)");
    let (status, updated) = app.send_json(Method::PUT, &path, Some(&gera), Some(&draft)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["sequence"], 1);
    assert_eq!(app.get(&path).await.status(), 404, "a draft is not public");
    let (status, own) = app.send_json(Method::GET, &path, Some(&gera), None).await;
    assert_eq!((status, own["status"].as_str()), (200, Some("draft")), "its municipality's token sees it");
    let (_, window) = app.get_json("/api/v1/events?from=2027-08-20&to=2027-08-21").await;
    assert!(titles(&window).is_empty());

    let mut moved = body.clone();
    moved["municipality"] = json!("jena");
    let (status, p) = app.send_json(Method::PUT, &path, Some(&gera), Some(&moved)).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("municipality")));

    let (status, _) = app.send_json(Method::DELETE, &path, Some(&gera), None).await;
    assert_eq!(status, 204);
    let (status, _) = app.send_json(Method::GET, &path, Some(&gera), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_submission_waits_for_confirmation_and_a_moderator() {
    let app = TestApp::spawn().await;
    let mut body = event("gera", "Lesung im Hinterhof", "2027-09-10T18:00");
    let (status, p) = app.send_json(Method::POST, "/api/v1/events", None, Some(&body)).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("organizer.email")), "{p}");
    body["organizer"] = json!({ "name": "Leseverein", "email": "lesen@example.org" });
    let (status, p) = app.send_json(Method::POST, "/api/v1/events", None, Some(&body)).await;
    assert_eq!(status, 202, "{p}");
    assert_eq!(p["status"], "pending");

    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let pending = app
        .store
        .events()
        .list(gera.scope(), Some(regioportal_domain::events::EventStatus::Pending), None, 10)
        .await
        .unwrap();
    assert!(pending.is_empty(), "moderators see it only after the e-mail link was opened");
    let (_, window) = app.get_json("/api/v1/events?from=2027-09-10&to=2027-09-11").await;
    assert!(titles(&window).is_empty(), "not public");

    let mail = app.outbox().into_iter().find(|m| m.contains("lesen@example.org")).expect("confirmation mail");
    let at = mail.find("/veranstaltungen/bestaetigen/").unwrap();
    let link = &mail[at..at + "/veranstaltungen/bestaetigen/".len() + 64];
    let (status, page) = app.get_text(link).await;
    assert_eq!(status, 200, "{page}");
    let (status, _) = app.get_text(link).await;
    assert_eq!(status, 404, "a link works once");

    let pending = app
        .store
        .events()
        .list(gera.scope(), Some(regioportal_domain::events::EventStatus::Pending), None, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let id = pending[0].id;
    let moderator = create_token(&app.store, "gera", "moderator").await;
    let jena_mod = create_token(&app.store, "jena", "moderator").await;
    let mut approve = body.clone();
    approve["status"] = json!("published");
    let path = format!("/api/v1/events/{id}");
    let (status, _) = app.send_json(Method::PUT, &path, Some(&jena_mod), Some(&approve)).await;
    assert_eq!(status, 404, "Jena's moderators cannot decide on Gera's events");
    let (status, p) = app.send_json(Method::PUT, &path, Some(&moderator), Some(&approve)).await;
    assert_eq!(status, 200, "{p}");
    let (_, window) = app.get_json("/api/v1/events?from=2027-09-10&to=2027-09-11").await;
    assert_eq!(titles(&window), ["Lesung im Hinterhof"]);
    let (_, public) = app.get_json(&path).await;
    assert_eq!(public["organizer"]["email"], Value::Null, "a submitter's address is never public");
}

#[tokio::test]
async fn submissions_are_rate_limited_per_address() {
    let app = TestApp::spawn().await;
    let mut body = event("jena", "Flohmarkt", "2027-04-03T09:00");
    body["organizer"] = json!({ "email": "floh@example.org" });
    for _ in 0..10 {
        let (status, p) = app.send_json(Method::POST, "/api/v1/events", None, Some(&body)).await;
        assert_eq!(status, 202, "{p}");
    }
    let (status, p) = app.send_json(Method::POST, "/api/v1/events", None, Some(&body)).await;
    assert_eq!(status, 429, "{p}");
}

#[tokio::test]
async fn cancelled_and_moved_occurrences_are_shown_as_such() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "jena", "editor").await;
    let mut body = event("jena", "Stammtisch", "2027-10-05T19:00");
    body["end"] = json!("2027-10-05T21:00");
    body["rrule"] = json!("FREQ=WEEKLY;BYDAY=TU;COUNT=4");
    body["overrides"] = json!([
        { "recurrence_id": "2027-10-12T19:00:00", "cancelled": true },
        { "recurrence_id": "2027-10-19T19:00:00", "start": "2027-10-20T20:00", "title": "Stammtisch (Mittwoch)" },
    ]);
    create(&app, &token, &body).await;
    let (_, page) = app.get_json("/api/v1/events?from=2027-10-01&to=2027-11-01").await;
    let items = page["items"].as_array().unwrap();
    let view: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| (i["start"].as_str().unwrap(), i["status"].as_str().unwrap(), i["title"].as_str().unwrap()))
        .collect();
    assert_eq!(
        view,
        [
            ("2027-10-05T19:00:00+02:00", "published", "Stammtisch"),
            ("2027-10-12T19:00:00+02:00", "cancelled", "Stammtisch"),
            ("2027-10-20T20:00:00+02:00", "published", "Stammtisch (Mittwoch)"),
            ("2027-10-26T19:00:00+02:00", "published", "Stammtisch"),
        ]
    );
    assert_eq!(items[2]["end"], "2027-10-20T22:00:00+02:00");
    // Summer time ends on 31 October 2027: the next Tuesday keeps 19:00 at UTC+1.
    let (_, later) = app.get_json("/api/v1/events?from=2027-11-01&to=2027-11-03").await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0, "COUNT=4 ended");
}

/// Runs the independent iCalendar parser (Python `icalendar` from PyPI, installed on demand).
async fn python_check(ics: &str) -> Value {
    let script = regioportal_tests::peer_script("ics_check.py");
    let script = script.as_str();
    let has =
        std::process::Command::new("python3").args(["-c", "import icalendar"]).status().is_ok_and(|s| s.success());
    if !has {
        let ok = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "icalendar==7.3.2"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "python3 -m pip install icalendar==7.3.2 failed: the iCalendar check needs it");
    }
    let mut child = tokio::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stdin, ics.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "icalendar rejected our feed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn seed_series(app: &TestApp) {
    let token = create_token(&app.store, "gera", "editor").await;
    let mut weekly = event("gera", "Orgelvesper; mit Kommentar, Komma", "2027-03-20T10:00");
    weekly["end"] = json!("2027-03-20T11:00");
    weekly["rrule"] = json!("FREQ=WEEKLY;UNTIL=20271107T235959Z");
    weekly["exdates"] = json!(["2027-04-03"]);
    weekly["rdates"] = json!(["2027-05-05T18:00:00+02:00"]);
    weekly["overrides"] = json!([
        { "recurrence_id": "2027-04-10T10:00:00", "cancelled": true },
        { "recurrence_id": "2027-04-17T10:00:00", "start": "2027-04-18T11:00", "title": "Orgelvesper (Sonntag)" },
    ]);
    create(app, &token, &weekly).await;
    let mut market = event("gera", "Höhlerfest", "2027-06-12");
    market["all_day"] = json!(true);
    market["end"] = json!("2027-06-14");
    market["categories"] = json!(["fest", "markt"]);
    create(app, &token, &market).await;
    let mut gap = event("gera", "Nachtwanderung", "2027-03-27T23:30");
    gap["end"] = json!("2027-03-28T03:30");
    create(app, &token, &gap).await;
    let mut off = event("gera", "Abgesagtes Konzert", "2027-05-01T20:00");
    off["status"] = json!("cancelled");
    create(app, &token, &off).await;
}

#[tokio::test]
async fn the_ics_feed_keeps_rules_and_round_trips_into_a_fresh_database() {
    let app = TestApp::spawn().await;
    seed_series(&app).await;
    let res = app.get("/api/v1/events.ics?municipality=gera&from=2027-01-01").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = res.text().await.unwrap();
    assert!(ics.contains("RRULE:FREQ=WEEKLY;UNTIL=20271107T235959Z"), "rules are kept, not expanded:\n{ics}");
    assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"), "{ics}");
    assert!(ics.contains("RECURRENCE-ID;TZID=Europe/Berlin:20270410T100000"), "{ics}");
    assert!(ics.contains("DTSTART;VALUE=DATE:20270612"), "{ics}");
    assert!(ics.lines().all(|l| l.len() <= 75), "lines are folded");

    let parsed = python_check(&ics).await;
    let events = parsed["events"].as_array().unwrap();
    assert_eq!(parsed["zones"], json!(["Europe/Berlin"]));
    assert_eq!(events.len(), 6, "four events and two overrides: {parsed}");
    let weekly = events.iter().find(|e| e["rrule"].is_string()).unwrap();
    assert_eq!(weekly["start"], "2027-03-20T10:00:00+01:00");
    assert_eq!(weekly["summary"], "Orgelvesper; mit Kommentar, Komma");
    assert_eq!(weekly["exdates"], json!(["2027-04-03T10:00:00+02:00"]));
    assert!(events.iter().any(|e| e["status"] == "CANCELLED" && e["recurrence_id"].is_string()));
    assert!(events.iter().any(|e| e["status"] == "CANCELLED" && e["summary"] == "Abgesagtes Konzert"));
    let uids: std::collections::HashSet<_> = events.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    assert_eq!(uids.len(), 4, "overrides share their event's UID");

    // The same feed imported into a fresh database gives the same occurrences.
    let other = TestApp::spawn().await;
    let gera = other.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let actor = regioportal_storage::Actor::cli();
    let published = regioportal_storage::ImportOptions {
        status_if_new: regioportal_domain::events::EventStatus::Published,
        feed: None,
    };
    let report =
        regioportal_storage::import_ics(other.store.events(), gera.scope(), &ics, published, &actor, |_, _| {})
            .await
            .unwrap();
    assert_eq!(report.counts(), (4, 0, 0, 0), "{:?}", report.lines);
    let window = "/api/v1/events?from=2027-01-01&to=2028-01-01&limit=1000";
    let strip = |v: Value| -> Vec<(String, String, String, String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let s = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
                (s("uid"), s("start"), s("end"), s("status"), s("title"))
            })
            .collect()
    };
    let ours = strip(app.get_json(window).await.1);
    let theirs = strip(other.get_json(window).await.1);
    assert!(ours.len() > 30, "{}", ours.len());
    assert_eq!(ours, theirs);

    // Importing again changes nothing and duplicates nothing.
    let again = regioportal_storage::import_ics(other.store.events(), gera.scope(), &ics, published, &actor, |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.counts(), (0, 0, 4, 0), "{:?}", again.lines);
}

#[tokio::test]
async fn one_event_downloads_as_ics() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "jena", "editor").await;
    let id = create(&app, &token, &event("jena", "Lesung", "2027-02-02T19:00")).await["id"].as_i64().unwrap();
    let res = app.get(&format!("/api/v1/events/{id}.ics")).await;
    assert_eq!(res.status(), 200);
    let ics = res.text().await.unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    python_check(&ics).await;
    assert_eq!(app.get("/api/v1/events/987654.ics").await.status(), 404);
    // The rendered feed is cached, and a change replaces it at once.
    let feed = |app: &TestApp| {
        let url = format!("{}/api/v1/events.ics?municipality=jena&from=2027-01-01", app.base);
        let c = app.client.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(feed(&app).await.contains("SUMMARY:Lesung"));
    assert!(feed(&app).await.contains("SUMMARY:Lesung"));
    let mut renamed = event("jena", "Lesung mit Musik", "2027-02-02T19:00");
    renamed["status"] = json!("published");
    let (status, _) = app.send_json(Method::PUT, &format!("/api/v1/events/{id}"), Some(&token), Some(&renamed)).await;
    assert_eq!(status, 200);
    assert!(feed(&app).await.contains("SUMMARY:Lesung mit Musik"), "the cache followed the change");
    let atom = app.get_text("/api/v1/events.atom?from=2027-02-01&to=2027-03-01").await;
    assert_eq!(atom.0, 200);
    assert!(atom.1.contains("<title>Lesung mit Musik</title>"), "{}", atom.1);
}

#[tokio::test]
async fn bad_ics_files_are_reported_per_event_and_never_stored_in_part() {
    let app = TestApp::spawn().await;
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n\
BEGIN:VEVENT\r\nUID:good-1\r\nSUMMARY:Gut\r\nDTSTART;TZID=Europe/Berlin:20270301T100000\r\nLOCATION:Saal\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:no-start\r\nSUMMARY:Ohne Beginn\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:bad-tz\r\nSUMMARY:Mondzeit\r\nDTSTART;TZID=Moon/Base:20270301T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:bad-rule\r\nSUMMARY:Stündlich\r\nDTSTART:20270301T100000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:no-venue\r\nSUMMARY:Irgendwo\r\nDTSTART:20270301T100000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:good-2\r\nSUMMARY:Auch gut\r\nDTSTART;VALUE=DATE:20270302\r\nLOCATION:Markt\r\nCATEGORIES:Markt\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
    let actor = regioportal_storage::Actor::cli();
    let report = regioportal_storage::import_ics(
        app.store.events(),
        gera.scope(),
        ics,
        regioportal_storage::ImportOptions {
            status_if_new: regioportal_domain::events::EventStatus::Published,
            feed: None,
        },
        &actor,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(report.counts(), (2, 0, 0, 4), "{:#?}", report.lines);
    let reason = |uid: &str| {
        report
            .lines
            .iter()
            .find(|l| l.uid.as_deref() == Some(uid))
            .map(|l| format!("{:?}", l.outcome))
            .unwrap_or_else(|| panic!("{uid} missing: {:#?}", report.lines))
    };
    assert!(reason("no-start").contains("DTSTART"), "{}", reason("no-start"));
    assert!(reason("bad-tz").contains("Moon/Base"), "{}", reason("bad-tz"));
    assert!(reason("bad-rule").contains("HOURLY"), "{}", reason("bad-rule"));
    assert!(reason("no-venue").contains("venue"), "{}", reason("no-venue"));
    let stored = app.store.events().list(gera.scope(), None, None, 100).await.unwrap();
    let mut titles: Vec<_> = stored.iter().map(|e| e.draft.title.as_str()).collect();
    titles.sort();
    assert_eq!(titles, ["Auch gut", "Gut"]);
    assert_eq!(stored.iter().find(|e| e.uid == "good-2").unwrap().draft.categories[0].slug(), "markt");
}

#[tokio::test]
async fn calendar_pages_list_filter_and_show_events() {
    let app = TestApp::spawn().await;
    seed_series(&app).await;
    let (status, home) = app.get_text("/gera").await;
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/gera/veranstaltungen\""), "the home page links its calendar");
    let (status, page) = app.get_text("/gera/veranstaltungen?from=2027-04-01&to=2027-05-01").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Samstag, 10. April 2027"), "grouped by day");
    assert!(page.contains("rp-event--cancelled"), "the cancelled occurrence is marked");
    assert!(page.contains("Orgelvesper (Sonntag)"));
    assert!(page.contains("webcal://"), "subscribe link");
    assert!(page.contains("/api/v1/events.ics?municipality=gera"), "{page}");
    let (_, en) = app.get_text("/gera/veranstaltungen?from=2027-04-01&to=2027-05-01&lang=en").await;
    assert!(en.contains("Saturday, 10 April 2027"));

    let (_, month) = app.get_text("/veranstaltungen?view=month&month=2027-06").await;
    assert!(month.contains("<table class=\"rp-month\">"));
    assert_eq!(month.matches(">Höhlerfest<").count(), 2, "an all-day event shows on both of its days");

    let (_, filtered) = app.get_text("/veranstaltungen?from=2027-06-01&to=2027-07-01&category=theater").await;
    assert!(!filtered.contains("Höhlerfest"));
    let (status, bad) = app.get_text("/veranstaltungen?from=morgen").await;
    assert_eq!(status, 200);
    assert!(bad.contains("rp-error-summary"), "a bad filter is explained on the page");

    let (_, json) = app.get_json("/api/v1/events?municipality=gera&from=2027-06-12&to=2027-06-13").await;
    let url = json["items"][0]["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(&app.base).unwrap();
    let (status, event_page) = app.get_text(path).await;
    assert_eq!(status, 200, "{event_page}");
    assert!(event_page.contains("application/ld+json"));
    assert!(event_page.contains("\"@type\":\"Event\""));
    assert!(event_page.contains("openstreetmap.org"));
    assert!(event_page.contains(".ics\""));
    let (status, _) = app.get_text("/jena/veranstaltungen/1").await;
    assert_eq!(status, 404, "an event is found under its own municipality only");
}

/// The journey of the issue: an organiser submits an event with the form, confirms it by
/// e-mail, a Gera moderator approves it in the staff area, and it is public.
#[tokio::test]
async fn an_organiser_submits_and_a_gera_moderator_approves() {
    let app = TestApp::spawn().await;
    let mut organiser = regioportal_tests::Browser::new(&app);
    let form = organiser.get("/veranstaltungen/melden?municipality=gera").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    // The question is "What is A plus B?" in words; the test reads the numbers from the page.
    let words = ["eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"];
    let q_at = form.body.find("Wie viel ist ").unwrap() + "Wie viel ist ".len();
    let q: Vec<&str> = form.body[q_at..].split('?').next().unwrap().split(" plus ").collect();
    let num = |w: &str| words.iter().position(|x| *x == w).unwrap() + 1;
    let answer = (num(q[0]) + num(q[1])).to_string();
    let fields = |answer: &str, website: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.clone()),
            ("title".into(), "Hofkonzert".into()),
            ("municipality".into(), "gera".into()),
            ("start_date".into(), "2027-07-03".into()),
            ("start_time".into(), "19:00".into()),
            ("end_time".into(), "21:00".into()),
            ("venue_name".into(), "Innenhof Museum".into()),
            ("venue_place".into(), "Gera".into()),
            ("categories".into(), "konzert".into()),
            ("categories".into(), "kinder-familie".into()),
            ("free".into(), "on".into()),
            ("organizer_name".into(), "Kulturverein".into()),
            ("organizer_email".into(), "kultur@example.org".into()),
            ("answer".into(), answer.into()),
            ("website".into(), website.into()),
        ]
    };
    let wrong = organiser.post("/veranstaltungen/melden", &as_refs(&fields("99", ""))).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("rp-error-summary") && wrong.body.contains("href=\"#answer\""), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"Hofkonzert\""), "what was typed is kept");
    let bot = organiser.post("/veranstaltungen/melden", &as_refs(&fields(&answer, "http://spam.example"))).await;
    assert_eq!(bot.status, 200, "a bot sees success");
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    assert!(
        app.store.events().list(gera.scope(), None, None, 10).await.unwrap().is_empty(),
        "the honeypot stored nothing"
    );
    let ok = organiser.post("/veranstaltungen/melden", &as_refs(&fields(&answer, ""))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let mail = app.outbox().into_iter().find(|m| m.contains("kultur@example.org")).expect("confirmation mail");
    let at = mail.find("/veranstaltungen/bestaetigen/").unwrap();
    let link = mail[at..at + "/veranstaltungen/bestaetigen/".len() + 64].to_owned();
    assert_eq!(organiser.get(&link).await.status, 200);

    regioportal_tests::create_staff(
        &app.store,
        "moderation@gera.de",
        "a long moderator passphrase",
        &["moderator@gera"],
    )
    .await;
    let mut moderator = regioportal_tests::Browser::new(&app);
    moderator.login("moderation@gera.de", "a long moderator passphrase").await;
    let queue = moderator.get("/verwaltung/gera/veranstaltungen").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("Hofkonzert"));
    let id = app.store.events().list(gera.scope(), None, None, 10).await.unwrap()[0].id;
    assert_eq!(moderator.get("/verwaltung/jena/veranstaltungen").await.status, 403, "not Jena's");
    let review = moderator.get(&format!("/verwaltung/gera/veranstaltungen/{id}")).await;
    assert!(review.body.contains("kultur@example.org"), "the moderator sees who submitted it");
    let decided = moderator
        .post(
            &format!("/verwaltung/gera/veranstaltungen/{id}/entscheidung"),
            &[("csrf", &review.csrf()), ("decision", "publish")],
        )
        .await;
    assert!(matches!(decided.status, 200 | 303), "{}", decided.status);
    let (_, window) = app.get_json("/api/v1/events?municipality=gera&scope=near&from=2027-07-03&to=2027-07-04").await;
    assert_eq!(titles(&window), ["Hofkonzert"]);
    assert!(app.outbox().iter().any(|m| m.contains("kultur@example.org") && m.contains("Subject: =?UTF-8?B?")), "told");
    let (status, page) = app.get_text(&format!("/gera/veranstaltungen/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Hofkonzert") && page.contains("Eintritt frei"));
    assert!(!page.contains("kultur@example.org"), "the submitter's address is not public");
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_widget_embeds_on_the_municipality_website_only() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT18:00").to_string();
    create(&app, &token, &event("gera", "Sommerkino", &tomorrow)).await;
    let mut theatre = event("gera", "Theaterabend", &tomorrow);
    theatre["categories"] = json!(["theater"]);
    create(&app, &token, &theatre).await;

    let res = app.get("/gera/veranstaltungen/widget?category=konzert&limit=5").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'self' https://www.gera.de"), "{csp}");
    assert!(res.headers().get("x-frame-options").is_none());
    let body = res.text().await.unwrap();
    assert!(body.contains("Sommerkino") && !body.contains("Theaterabend"), "{body}");
    assert!(body.contains("/gera/theme.css"), "themed by the municipality");
    assert!(!body.contains("<script"), "no script");

    let res = app.get("/gera/veranstaltungen/widget.html").await;
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let fragment = res.text().await.unwrap();
    assert!(fragment.starts_with("<section") && fragment.contains("Theaterabend"), "{fragment}");
    assert!(fragment.contains(&format!("href=\"{}/gera/veranstaltungen\"", app.base)), "absolute links");

    let page = app.get("/gera/veranstaltungen").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY", "other pages are never framed");
    assert_eq!(app.get("/gera/veranstaltungen/widget?limit=500").await.status(), 422);
}

/// The in-memory index and the database path give the same pages: the same window once as is
/// (answered by the index) and once with a free-text filter every event matches (answered by
/// the database), page by page.
#[tokio::test]
async fn the_index_and_the_database_agree() {
    let app = TestApp::spawn().await;
    seed_series(&app).await;
    let token = create_token(&app.store, "jena", "editor").await;
    for (i, rule) in ["FREQ=DAILY;COUNT=40", "FREQ=WEEKLY;BYDAY=MO,FR", "FREQ=MONTHLY;BYMONTHDAY=-1"].iter().enumerate()
    {
        let mut e = event("jena", &format!("Reihe {i}"), &format!("2027-0{}-0{}T1{i}:00", i + 2, i + 1));
        e["rrule"] = json!(rule);
        e["venue"]["name"] = json!("Kulturhaus");
        create(&app, &token, &e).await;
    }
    for scope in ["", "&municipality=gera&scope=near", "&category=konzert", "&accessible=true"] {
        let mut cursor = String::new();
        let mut pages = 0;
        loop {
            let base = format!("/api/v1/events?from=2027-03-01&to=2027-07-01&limit=13{scope}{cursor}");
            let (s1, index) = app.get_json(&base).await;
            let (s2, db) = app.get_json(&format!("{base}&q=kulturhaus")).await;
            assert_eq!((s1, s2), (200, 200));
            assert_eq!(index, db, "{base}");
            pages += 1;
            match index["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert!(pages > 1 || !scope.is_empty(), "several pages for the whole region");
    }
    // An event too dense to index (eight times a day, years long) is expanded per query, its
    // changed occurrences with their own titles, the same on both paths.
    let mut dense = event("jena", "Stadtführung", "2027-01-04T09:00");
    dense["rrule"] = json!("FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;COUNT=9000");
    dense["categories"] = json!(["fuehrung"]);
    dense["venue"]["name"] = json!("Kulturhaus");
    dense["overrides"] = json!([
        { "recurrence_id": "2027-05-05T10:00:00", "title": "Stadtführung (englisch)" },
        { "recurrence_id": "2027-05-05T11:00:00", "cancelled": true },
    ]);
    create(&app, &token, &dense).await;
    let day = "/api/v1/events?from=2027-05-05&to=2027-05-06&category=fuehrung";
    let (_, index) = app.get_json(day).await;
    let (_, db) = app.get_json(&format!("{day}&q=kulturhaus")).await;
    assert_eq!(index, db);
    let items = index["items"].as_array().unwrap();
    assert_eq!(items.len(), 8, "{index}");
    assert_eq!(items[1]["title"], "Stadtführung (englisch)");
    assert_eq!(items[2]["status"], "cancelled");
    // Another node's change is seen within a second (the shared version).
    let node2 = app.second_node().await;
    let gera = create_token(&app.store, "gera", "editor").await;
    let (_, before) = node2.get_json("/api/v1/events?from=2027-08-01&to=2027-08-02&municipality=gera&scope=own").await;
    assert!(titles(&before).is_empty());
    create(&app, &gera, &event("gera", "Später", "2027-08-01T10:00")).await;
    let mut seen = false;
    for _ in 0..30 {
        let (_, after) =
            node2.get_json("/api/v1/events?from=2027-08-01&to=2027-08-02&municipality=gera&scope=own").await;
        if titles(&after) == ["Später"] {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the second node sees the new event");
    // A mass import on the first node (more events than the second node reads at once): it
    // catches up with all of them, in its calendar and in its search.
    let scope = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let input = |n: usize| regioportal_domain::events::DraftInput {
        title: format!("Massenimport {n}"),
        start: format!("2027-09-01T{:02}:{:02}", 8 + n % 12, n % 60),
        categories: vec!["markt".to_owned()],
        venue: regioportal_domain::events::Venue { name: "Markt".to_owned(), ..Default::default() },
        ..Default::default()
    };
    let many: Vec<_> = (0..regioportal_storage::CHANGED_PART * 2 + 7)
        .map(|n| {
            let draft = regioportal_domain::events::EventDraft::parse(&input(n)).unwrap();
            (draft, regioportal_domain::events::EventStatus::Published)
        })
        .collect();
    let actor = regioportal_storage::Actor::cli();
    app.store.events().insert_many(scope.scope(), &many, &actor).await.unwrap();
    let day = "/api/v1/events?from=2027-09-01&to=2027-09-02&municipality=gera&scope=own&category=markt&limit=1000";
    let mut counted = 0;
    for _ in 0..50 {
        counted = 0;
        let mut cursor = String::new();
        loop {
            let (status, page) = node2.get_json(&format!("{day}{cursor}")).await;
            assert_eq!(status, 200, "{page}");
            counted += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        if counted == many.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(counted, many.len(), "the second node's calendar holds every imported event");
    let (status, found) = node2.get_text("/buergerservice/suche?q=Massenimport+2013").await;
    assert_eq!(status, 200, "{found}");
    assert!(found.contains("Massenimport 2013"), "the second node's search finds them");
}

/// A minimal HTTP server as the organiser's calendar: serves whatever `body` holds at
/// `/feed.ics` and 404 elsewhere.
pub(crate) async fn feed_server(body: std::sync::Arc<std::sync::Mutex<String>>) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { break };
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let text = body.lock().unwrap().clone();
                let res = if req.starts_with("GET /feed.ics ") {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                        text.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
                };
                let _ = sock.write_all(res.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn subscribed_feeds_are_fetched_imported_and_reported() {
    let app = TestApp::spawn().await;
    let ics = |title: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:theater\r\nBEGIN:VEVENT\r\nUID:faust-1@theater.example\r\nSUMMARY:{title}\r\nDTSTART;TZID=Europe/Berlin:20270410T193000\r\nLOCATION:Bühnen der Stadt Gera\r\nCATEGORIES:Theater\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    let body = std::sync::Arc::new(std::sync::Mutex::new(ics("Faust I")));
    let addr = feed_server(body.clone()).await;
    regioportal_tests::create_staff(&app.store, "redaktion@gera.de", "a long editor passphrase", &["editor@gera"])
        .await;
    let mut editor = regioportal_tests::Browser::new(&app);
    editor.login("redaktion@gera.de", "a long editor passphrase").await;
    let page = editor.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let url = format!("http://{addr}/feed.ics");
    let bad = editor
        .post(
            "/verwaltung/gera/veranstaltungen/abonnements",
            &[("csrf", &page.csrf()), ("name", "X"), ("url", "ftp://x")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let added = editor
        .post(
            "/verwaltung/gera/veranstaltungen/abonnements",
            &[("csrf", &page.csrf()), ("name", "Theater Gera"), ("url", &url), ("interval", "60"), ("publish", "on")],
        )
        .await;
    assert!(matches!(added.status, 200 | 303), "{}", added.status);
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let feed = app.store.feeds().list(gera.scope()).await.unwrap()[0].clone();
    let poll = format!("/verwaltung/gera/veranstaltungen/abonnements/{}/abrufen", feed.id);
    editor.post(&poll, &[("csrf", &page.csrf())]).await;
    let listed = editor.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    assert!(listed.body.contains("1 created"), "{}", listed.body);
    let (_, window) = app.get_json("/api/v1/events?municipality=gera&from=2027-04-10&to=2027-04-11").await;
    assert_eq!(titles(&window), ["Faust I"]);
    assert_eq!(window["items"][0]["uid"], "faust-1@theater.example", "the source UID is kept");

    *body.lock().unwrap() = ics("Faust I (neue Besetzung)");
    editor.post(&poll, &[("csrf", &page.csrf())]).await;
    let listed = editor.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    assert!(listed.body.contains("0 created, 1 updated"), "{}", listed.body);
    let (_, window) = app.get_json("/api/v1/events?municipality=gera&from=2027-04-10&to=2027-04-11").await;
    assert_eq!(titles(&window), ["Faust I (neue Besetzung)"], "updated, not duplicated");

    // The background poller claims only due feeds, and never one twice.
    let due = app.store.feeds().claim_due(chrono::Utc::now(), None).await.unwrap();
    assert!(due.is_empty(), "polled a moment ago");
    let later = chrono::Utc::now() + chrono::Duration::minutes(61);
    assert_eq!(app.store.feeds().claim_due(later, None).await.unwrap().len(), 1);
    assert!(app.store.feeds().claim_due(later, None).await.unwrap().is_empty(), "claimed once");

    // A wrong address is reported, not fatal; private addresses are refused by default.
    let missing = regioportal_web::fetch::fetch_ics(&format!("http://{addr}/gone.ics"), true).await.unwrap_err();
    assert!(missing.contains("HTTP 404"), "{missing}");
    let private = regioportal_web::fetch::fetch_ics(&url, false).await.unwrap_err();
    assert!(private.contains("not a public address"), "{private}");
}

#[tokio::test]
async fn editors_upload_an_image_with_alt_text_and_it_is_served_checked() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let id = create(&app, &token, &event("gera", "Bildertag", "2027-05-05T10:00")).await["id"].as_i64().unwrap();
    regioportal_tests::create_staff(&app.store, "bild@gera.de", "a long editor passphrase", &["editor@gera"]).await;
    let mut editor = regioportal_tests::Browser::new(&app);
    editor.login("bild@gera.de", "a long editor passphrase").await;
    let page = editor.get(&format!("/verwaltung/gera/veranstaltungen/{id}")).await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let cookie = format!("rp_session={}", editor.cookie("rp_session").unwrap());
    let upload = |bytes: Vec<u8>, alt: &str| {
        let mut body = Vec::new();
        for (name, value) in [("csrf", page.csrf()), ("alt", alt.to_owned())] {
            body.extend(
                format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        body.extend(b"--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\n");
        body.extend(bytes);
        body.extend(b"\r\n--XyZ--\r\n");
        app.client
            .post(format!("{}/verwaltung/gera/veranstaltungen/{id}/bild", app.base))
            .header("cookie", cookie.clone())
            .header("origin", app.base.clone())
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let res = upload(b"<svg onload=alert(1)></svg>".to_vec(), "Bild").await.unwrap();
    assert_eq!(res.status(), 422, "an SVG (or anything not PNG/JPEG/WebP) is refused");
    assert!(res.text().await.unwrap().contains("PNG, JPEG or WebP"));
    let res = upload(png.clone(), "  ").await.unwrap();
    assert_eq!(res.status(), 422, "no alt text, no image");
    let res = upload(png.clone(), "Bühne mit Orgel").await.unwrap();
    assert_eq!(res.status(), 303);
    let img = app.get(&format!("/gera/veranstaltungen/{id}/bild")).await;
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(img.bytes().await.unwrap().to_vec(), png);
    let (_, page) = app.get_text(&format!("/gera/veranstaltungen/{id}")).await;
    assert!(page.contains("alt=\"Bühne mit Orgel\""), "{page}");
    assert_eq!(app.get(&format!("/jena/veranstaltungen/{id}/bild")).await.status(), 404);
}

#[tokio::test]
async fn images_go_through_the_api_checked_and_only_for_events_the_token_may_change() {
    let app = TestApp::spawn().await;
    let editor = create_token(&app.store, "gera", "editor").await;
    let organiser = create_token(&app.store, "gera", "organiser").await;
    let moderator = create_token(&app.store, "gera", "moderator").await;
    let id = create(&app, &editor, &event("gera", "Orgelnacht", "2027-05-06T21:00")).await["id"].as_i64().unwrap();
    let mut draft = event("gera", "Noch nicht öffentlich", "2027-05-07T21:00");
    draft["status"] = json!("draft");
    let hidden = create(&app, &editor, &draft).await["id"].as_i64().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR rest of a tiny png".to_vec();
    let put = |id: i64, token: &str, alt: Option<&str>, kind: &str, bytes: Vec<u8>| {
        let mut url = format!("{}/api/v1/events/{id}/image", app.base);
        if let Some(a) = alt {
            url.push_str(&format!("?alt={}", a.replace(' ', "%20")));
        }
        app.client.put(url).bearer_auth(token).header("content-type", kind).body(bytes).send()
    };

    // Refused, each with the field to fix, nothing stored.
    let res = put(id, &editor, Some("Orgel"), "image/png", b"GIF89a....".to_vec()).await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "image", "{problem}");
    let res = put(id, &editor, None, "image/png", png.clone()).await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "alt");
    let res = put(id, &editor, Some("Orgel"), "application/json", png.clone()).await.unwrap();
    assert_eq!(res.status(), 422);
    let res = put(id, &editor, Some("Orgel"), "image/png", vec![0x89; 2 * 1024 * 1024]).await.unwrap();
    assert_eq!(res.status(), 413, "beyond the body limit");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    let res = put(id, &moderator, Some("Orgel"), "image/png", png.clone()).await.unwrap();
    assert_eq!(res.status(), 403, "moderators decide, they do not edit");
    let res = put(id, &organiser, Some("Orgel"), "image/png", png.clone()).await.unwrap();
    assert_eq!(res.status(), 404, "not the organiser's event");
    let (_, stored) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(stored["image"], Value::Null);

    // Stored: the event names it with its alternative text; everyone reads a public event's.
    let res = put(id, &editor, Some("Die Orgel der Johanniskirche"), "image/png", png.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["image"]["alt"], "Die Orgel der Johanniskirche");
    assert_eq!(body["image"]["content_type"], "image/png");
    let img = app.get(&format!("/api/v1/events/{id}/image")).await;
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(img.bytes().await.unwrap().to_vec(), png);
    // An unpublished event's image: only with a token of its municipality.
    assert_eq!(put(hidden, &editor, Some("Plakat"), "image/png", png.clone()).await.unwrap().status(), 200);
    assert_eq!(app.get(&format!("/api/v1/events/{hidden}/image")).await.status(), 404);
    let with_token =
        app.client.get(format!("{}/api/v1/events/{hidden}/image", app.base)).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(with_token.status(), 200);
    assert_eq!(with_token.headers()["cache-control"], "private, no-store");

    // Removed.
    let del = app.client.delete(format!("{}/api/v1/events/{id}/image", app.base)).bearer_auth(&editor).send();
    assert_eq!(del.await.unwrap().status(), 204);
    assert_eq!(app.get(&format!("/api/v1/events/{id}/image")).await.status(), 404);
    let (_, stored) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(stored["image"], Value::Null);
}

/// Writes committed together (SQLite's group commit; on PostgreSQL each commits alone): a write
/// that fails takes nothing else with it, writes of other kinds interleave, and the version
/// rises once per stored change.
#[tokio::test]
async fn writes_committed_together_fail_alone() {
    use regioportal_domain::events::{DraftInput, EventDraft, EventStatus, Venue};
    use regioportal_storage::{Actor, EventSource, NewEvent, StorageError};
    let app = TestApp::spawn().await;
    let store = app.store.clone();
    let gera = store.municipalities().by_slug("gera").await.unwrap().unwrap().scope().clone();
    let draft = |title: String| {
        EventDraft::parse(&DraftInput {
            title,
            start: "2027-10-03T10:00".to_owned(),
            categories: vec!["markt".to_owned()],
            venue: Venue { name: "Markt".to_owned(), ..Default::default() },
            ..Default::default()
        })
        .unwrap()
    };
    fn new(draft: &EventDraft, uid: Option<String>) -> NewEvent<'_> {
        NewEvent {
            draft,
            status: EventStatus::Published,
            uid,
            source: EventSource::Import,
            submitter_email: None,
            confirm_token_hash: None,
            feed: None,
        }
    }
    let taken = draft("Erster".to_owned());
    let first = store.events().create(&gera, new(&taken, Some("fest@demo".to_owned())), &Actor::cli()).await.unwrap();
    let before = store.events().version().await.unwrap();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..48 {
        let (store, gera) = (store.clone(), gera.clone());
        writes.spawn(async move {
            let d = draft(format!("Gruppe {i:02}"));
            // Every fourth asks for a UID that exists; every sixth is an update of another event.
            if i % 6 == 5 {
                let changed = draft(format!("Erster, geändert {i:02}"));
                store.events().update(&gera, first.id, &changed, None, &Actor::cli()).await.map(|_| "updated")
            } else {
                let uid = (i % 4 == 3).then(|| "fest@demo".to_owned());
                store.events().create(&gera, new(&d, uid), &Actor::cli()).await.map(|_| "created")
            }
        });
    }
    let (mut created, mut updated, mut conflicts) = (0, 0, 0);
    for result in writes.join_all().await {
        match result {
            Ok("created") => created += 1,
            Ok(_) => updated += 1,
            Err(StorageError::Conflict(m)) => {
                assert!(m.contains("fest@demo"), "{m}");
                conflicts += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((created, updated, conflicts), (32, 8, 8));
    assert_eq!(store.events().version().await.unwrap(), before + 40, "one raise per stored change");
    let (status, page) =
        app.get_json("/api/v1/events?from=2027-10-03&to=2027-10-04&municipality=gera&category=markt&limit=100").await;
    assert_eq!(status, 200, "{page}");
    let got = titles(&page);
    assert_eq!(got.len(), 33, "{got:?}");
    assert_eq!(got.iter().filter(|t| t.starts_with("Gruppe ")).count(), 32);
}

/// PostgreSQL: a write transaction that has raised the event counter but not committed yet
/// does not hold up another connection's write (the counter has a row per connection; with
/// one row every write waited for the previous commit), and the counter read is the sum.
/// SQLite has one writer: there the group commit above covers the counter.
#[tokio::test]
async fn an_open_write_does_not_hold_up_the_next() {
    use sea_orm::{ConnectionTrait as _, Database, TransactionTrait as _};
    let app = TestApp::spawn().await;
    let regioportal_storage::DatabaseUrl::Postgres { url } = app.db.url() else { return };
    let store = app.store.clone();
    let token = create_token(&store, "gera", "editor").await;
    let mut version = store.events().version().await.unwrap();
    // A connection of our own raises its row and keeps the transaction open while the app
    // writes. The app's connection may fall on the same row (its process id, modulo 16): then
    // it waits for our lock, which PostgreSQL shows; we let go and try with another row.
    for attempt in 0..5 {
        // Two connections: the held transaction's and one for looking.
        let own =
            Database::connect(sea_orm::ConnectOptions::new(url.as_str()).max_connections(2).to_owned()).await.unwrap();
        let rows = counter_rows(&own).await;
        let held = own.begin().await.unwrap();
        held.execute_unprepared(&format!(
            "UPDATE event_version SET version = version + 1 WHERE id = 1 + ({attempt} + pg_backend_pid()) % 16"
        ))
        .await
        .unwrap();
        let body = event("gera", &format!("Während einer offenen Transaktion {attempt}"), "2027-05-01T10:00");
        let mut write = std::pin::pin!(app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&body)));
        let finished = loop {
            tokio::select! {
                (status, body) = &mut write => break Some((status, body)),
                () = tokio::time::sleep(std::time::Duration::from_millis(20)) => {
                    if waits_for_a_lock(&own).await {
                        break None;
                    }
                }
            }
        };
        match finished {
            Some((status, body)) => {
                assert_eq!(status, 201, "{body}");
                // The write raised the row of the app's backend that ran it (not a shared one).
                let raised = rows_raised_since(&own, &rows).await;
                let app_rows = app_backend_rows(&own, &held).await;
                assert_eq!(raised.len(), 1, "one row raised: {raised:?}");
                assert!(app_rows.contains(&raised[0]), "row {} is no app backend's ({app_rows:?})", raised[0]);
                version += 1;
                assert_eq!(store.events().version().await.unwrap(), version, "the open raise is not counted yet");
                held.commit().await.unwrap();
                version += 1;
                assert_eq!(store.events().version().await.unwrap(), version, "the version is the sum of the rows");
                return;
            }
            None => {
                // The same row: let go, the write finishes, try another row.
                held.rollback().await.unwrap();
                let (status, body) = write.await;
                assert_eq!(status, 201, "{body}");
                version += 1;
            }
        }
    }
    panic!("five writes in a row waited for another connection's open transaction");
}

/// The rows of the event counter: (id, version).
async fn counter_rows(db: &sea_orm::DatabaseConnection) -> Vec<(i64, i64)> {
    use sea_orm::ConnectionTrait as _;
    let sql = "SELECT id::bigint AS id, version FROM event_version ORDER BY id";
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| (r.try_get::<i64>("", "id").unwrap(), r.try_get::<i64>("", "version").unwrap())).collect()
}

/// The counter rows that rose since `before` (committed raises only).
async fn rows_raised_since(db: &sea_orm::DatabaseConnection, before: &[(i64, i64)]) -> Vec<i64> {
    counter_rows(db).await.into_iter().filter(|row| !before.contains(row)).map(|(id, _)| id).collect()
}

/// The counter rows of the app's backends (`1 + pid % 16`): every backend of this database
/// but our own two connections.
async fn app_backend_rows(db: &sea_orm::DatabaseConnection, held: &sea_orm::DatabaseTransaction) -> Vec<i64> {
    use sea_orm::ConnectionTrait as _;
    let own = [pid_of(db).await, pid_of(held).await];
    let sql = "SELECT pid::bigint AS pid FROM pg_stat_activity WHERE datname = current_database()";
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<i64>("", "pid").unwrap())
        .filter(|pid| !own.contains(pid))
        .map(|pid| 1 + pid % 16)
        .collect()
}

async fn pid_of(db: &impl sea_orm::ConnectionTrait) -> i64 {
    let sql = "SELECT pg_backend_pid()::bigint AS pid";
    let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "pid").unwrap()
}

/// Whether a backend of this database waits for a lock (here: the row our transaction holds).
async fn waits_for_a_lock(db: &sea_orm::DatabaseConnection) -> bool {
    use sea_orm::ConnectionTrait as _;
    let sql = "SELECT count(*)::bigint AS n FROM pg_stat_activity \
               WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap() > 0
}

/// A gauge of `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> u64 {
    let (_, metrics) = app.get_text("/metrics").await;
    let prefix = format!("{name} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("{name} in /metrics"))
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn a_catch_up_the_request_gives_up_still_finishes() {
    // The request timeout strikes while the calendar takes in a mass import; the refresh runs
    // in a task of its own and finishes anyway (before, the work was thrown away and the next
    // visitor started again).
    let app = TestApp::spawn_with(regioportal_tests::Options {
        request_timeout: Some(std::time::Duration::from_millis(50)),
        ..Default::default()
    })
    .await;
    let before = gauge(&app, "regioportal_calendar_events").await;
    let scope = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let many: Vec<_> = (0..5000)
        .map(|n| {
            let input = regioportal_domain::events::DraftInput {
                title: format!("Nachzügler {n}"),
                start: format!("2027-10-01T{:02}:{:02}", 8 + n % 12, n % 60),
                categories: vec!["markt".to_owned()],
                venue: regioportal_domain::events::Venue { name: "Markt".to_owned(), ..Default::default() },
                ..Default::default()
            };
            let draft = regioportal_domain::events::EventDraft::parse(&input).unwrap();
            (draft, regioportal_domain::events::EventStatus::Published)
        })
        .collect();
    app.store.events().insert_many(scope.scope(), &many, &regioportal_storage::Actor::cli()).await.unwrap();
    let (status, _) = app.get_text("/gera/veranstaltungen").await;
    assert_eq!(status, 408, "the premise: the catch-up takes longer than the request may");
    // Nothing else asks for the calendar: only the refresh the request started can take them in.
    let mut held = 0;
    for _ in 0..300 {
        held = gauge(&app, "regioportal_calendar_events").await;
        if held == before + 5000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(held, before + 5000, "the calendar index took in every event");
    app.stop().await.unwrap();
}
