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
        .list(gera.scope(), Some(regioportal_domain::events::EventStatus::Pending), 10)
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
        .list(gera.scope(), Some(regioportal_domain::events::EventStatus::Pending), 10)
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
