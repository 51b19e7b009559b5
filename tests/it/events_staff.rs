//! The events calendar in the staff area: the dates of a repeating event (cancel, move,
//! retitle, leave out, restore), and what an edit keeps.

use regioportal_tests::{Browser, TestApp, create_staff, create_token};
use reqwest::Method;
use serde_json::{Value, json};

const PW: &str = "ein sehr langes passwort";

/// The text of a `<textarea id="…">` on a page (HTML entities of `&` and `<` undone).
fn textarea(body: &str, id: &str) -> String {
    let at = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let open = at + body[at..].find('>').unwrap() + 1;
    let close = open + body[open..].find("</textarea>").unwrap();
    body[open..close].replace("&lt;", "<").replace("&amp;", "&")
}

/// The occurrences of the Gera window in March 2027 as (start, status, title).
async fn march(app: &TestApp) -> Vec<(String, String, String)> {
    let (status, page) = app.get_json("/api/v1/events?from=2027-03-01&to=2027-04-08&municipality=gera&scope=own").await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["start"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
                i["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(start: &str, status: &str, title: &str) -> (String, String, String) {
    (start.to_owned(), status.to_owned(), title.to_owned())
}

#[tokio::test]
async fn moderators_cancel_move_leave_out_and_restore_single_dates() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let body = json!({
        "title": "Orgelmusik", "start": "2027-03-03T19:00", "end": "2027-03-03T20:00",
        "rrule": "FREQ=WEEKLY;COUNT=6", "exdates": ["2027-03-24T19:00"],
        "municipality": "gera", "venue": { "name": "Johanniskirche" }, "categories": ["konzert"],
    });
    let (status, created) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let base = format!("/verwaltung/gera/veranstaltungen/{id}");

    create_staff(&app.store, "moderation@gera.de", PW, &["moderator@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("moderation@gera.de", PW).await;
    let editor = b.get(&base).await;
    assert_eq!(editor.status, 200);
    // Every generated date is listed, the left-out one too, so that it can be restored.
    assert!(editor.body.contains("id=\"termine\""), "{}", editor.body);
    for day in ["3. März 2027", "10. März 2027", "24. März 2027", "7. April 2027"] {
        assert!(editor.body.contains(day), "{day} is listed");
    }
    assert!(editor.body.contains("Herausgenommen"), "the EXDATE is shown as left out");
    assert!(editor.body.contains(&format!("{base}/termine/2027-03-10T19:00")));
    let csrf = editor.csrf();

    let form = |decision: &str, date: &str, start: &str, end: &str, title: &str| {
        vec![
            ("decision", decision.to_owned()),
            ("date", date.to_owned()),
            ("start_time", start.to_owned()),
            ("end_time", end.to_owned()),
            ("title", title.to_owned()),
        ]
    };

    // The date's page shows it as it stands.
    let page = b.get(&format!("{base}/termine/2027-03-10T19:00")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"2027-03-10\"") && page.body.contains("value=\"19:00\""));
    assert!(page.body.contains("id=\"decision-planned\" name=\"decision\" value=\"planned\" checked"));

    // Cancel 10 March, move 17 March to Thursday 18:30 with a title, leave out 31 March.
    let res =
        save(&mut b, &base, "2027-03-10T19:00", &csrf, form("cancelled", "2027-03-10", "19:00", "20:00", "")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location.as_deref(), Some(format!("{base}?done=termin#termine").as_str()));
    let res = save(
        &mut b,
        &base,
        "2027-03-17T19:00",
        &csrf,
        form("planned", "2027-03-18", "18:30", "", "Orgelmusik zur Passion"),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = save(&mut b, &base, "2027-03-31T19:00", &csrf, form("removed", "", "", "", "")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        march(&app).await,
        [
            row("2027-03-03T19:00:00+01:00", "published", "Orgelmusik"),
            row("2027-03-10T19:00:00+01:00", "cancelled", "Orgelmusik"),
            row("2027-03-18T18:30:00+01:00", "published", "Orgelmusik zur Passion"),
            row("2027-04-07T19:00:00+02:00", "published", "Orgelmusik"),
        ]
    );
    // The feed keeps the rule and says the same with EXDATE and RECURRENCE-ID.
    let (_, ics) = app.get_text("/api/v1/events.ics?municipality=gera&scope=own").await;
    assert!(ics.contains("RRULE:FREQ=WEEKLY;COUNT=6"), "{ics}");
    assert!(ics.contains("EXDATE"), "{ics}");
    assert_eq!(ics.matches("RECURRENCE-ID").count(), 2, "{ics}");

    // Restoring: "takes place" without changes lifts the EXDATE of 24 March and the
    // cancellation of 10 March.
    let res = save(&mut b, &base, "2027-03-24T19:00", &csrf, form("planned", "2027-03-24", "19:00", "20:00", "")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = save(&mut b, &base, "2027-03-10T19:00", &csrf, form("planned", "2027-03-10", "19:00", "20:00", "")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let now = march(&app).await;
    assert!(now.contains(&row("2027-03-24T19:00:00+01:00", "published", "Orgelmusik")), "{now:?}");
    assert!(now.contains(&row("2027-03-10T19:00:00+01:00", "published", "Orgelmusik")), "{now:?}");

    // The public page lists the moved date with its own title.
    let (status, public) = app.get_text(&format!("/gera/veranstaltungen/{id}?am=2027-03-03")).await;
    assert_eq!(status, 200);
    assert!(public.contains("Orgelmusik zur Passion"), "{public}");

    // Bad forms: every field named, nothing stored.
    let before = app.store.events().get(gera_scope(&app).await.scope(), id).await.unwrap().unwrap();
    let res = save(&mut b, &base, "2027-03-03T19:00", &csrf, form("maybe", "3.3.2027", "abends", "", "")).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#decision-planned\""), "{}", res.body);
    let res = save(&mut b, &base, "2027-03-03T19:00", &csrf, form("planned", "2027-02-30", "abends", "", "")).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#date\"") && res.body.contains("href=\"#start_time\""), "{}", res.body);
    assert!(res.body.contains("value=\"abends\""), "what was typed is shown again");
    let after = app.store.events().get(gera_scope(&app).await.scope(), id).await.unwrap().unwrap();
    assert_eq!(after.sequence, before.sequence, "nothing stored");
    // A date the rule does not generate, and an event without dates.
    assert_eq!(b.get(&format!("{base}/termine/2027-03-11T19:00")).await.status, 404);
    assert_eq!(b.get(&format!("{base}/termine/gestern")).await.status, 404);
    let single = json!({
        "title": "Einzeltermin", "start": "2027-03-05T19:00", "municipality": "gera",
        "venue": { "name": "Rathaus" }, "categories": ["vortrag"],
    });
    let (_, one) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&single)).await;
    let one_path = format!("/verwaltung/gera/veranstaltungen/{}", one["id"]);
    assert!(!b.get(&one_path).await.body.contains("id=\"termine\""));
    assert_eq!(b.get(&format!("{one_path}/termine/2027-03-05T19:00")).await.status, 404);
    // Another municipality's moderator cannot open the dates.
    create_staff(&app.store, "moderation@altenburg.de", PW, &["moderator@altenburg"]).await;
    let mut other = Browser::new(&app);
    other.login("moderation@altenburg.de", PW).await;
    assert_eq!(other.get(&format!("{base}/termine/2027-03-10T19:00")).await.status, 403);
}

async fn save(
    b: &mut Browser,
    base: &str,
    day: &str,
    csrf: &str,
    form: Vec<(&'static str, String)>,
) -> regioportal_tests::Page {
    let mut f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    f.push(("csrf", csrf));
    b.post(&format!("{base}/termine/{day}"), &f).await
}

async fn gera_scope(app: &TestApp) -> regioportal_storage::MunicipalityRecord {
    app.store.municipalities().by_slug("gera").await.unwrap().unwrap()
}

/// The editor's form as the page shows it, as pairs to post back.
fn shown_form(body: &str) -> Vec<(String, String)> {
    let value = |id: &str| {
        let needle = format!("id=\"{id}\" name=\"{id}\"");
        let at = body.find(&needle).unwrap_or_else(|| panic!("no #{id}"));
        let rest = &body[at..];
        let v = rest.find("value=\"").map(|i| &rest[i + 7..]).unwrap();
        v[..v.find('"').unwrap()].to_owned()
    };
    let mut f: Vec<(String, String)> =
        ["title", "start_date", "start_time", "end_date", "end_time", "rrule", "venue_name", "csrf"]
            .iter()
            .filter(|id| **id != "csrf")
            .map(|id| ((*id).to_owned(), value(id)))
            .collect();
    f.push(("municipality".into(), "gera".into()));
    f.push(("categories".into(), "konzert".into()));
    f.push(("exdates".into(), textarea(body, "exdates")));
    f.push(("rdates".into(), textarea(body, "rdates")));
    f
}

#[tokio::test]
async fn an_edit_keeps_left_out_and_changed_dates_unless_the_rule_no_longer_makes_them() {
    let app = TestApp::spawn().await;
    let token = create_token(&app.store, "gera", "editor").await;
    let body = json!({
        "title": "Chorprobe", "start": "2027-03-02T18:00", "end": "2027-03-02T19:30",
        "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        "exdates": ["2027-03-09T17:00:00Z"], "rdates": ["2027-03-13T10:00"],
        "overrides": [{ "recurrence_id": "2027-03-16T18:00:00", "cancelled": true }],
        "municipality": "gera", "venue": { "name": "Musikschule" }, "categories": ["konzert"],
    });
    let (_, created) = app.send_json(Method::POST, "/api/v1/events", Some(&token), Some(&body)).await;
    let id = created["id"].as_i64().unwrap();
    let base = format!("/verwaltung/gera/veranstaltungen/{id}");
    create_staff(&app.store, "redaktion@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("redaktion@gera.de", PW).await;
    let page = b.get(&base).await;
    assert_eq!(textarea(&page.body, "exdates"), "2027-03-09 18:00", "in the event's local time");
    assert_eq!(textarea(&page.body, "rdates"), "2027-03-13 10:00");
    let csrf = page.csrf();

    // A new title only: the left-out date, the added date and the cancelled one stay.
    let mut form = shown_form(&page.body);
    form.iter_mut().find(|(k, _)| k == "title").unwrap().1 = "Chorprobe (offen)".into();
    form.push(("csrf".into(), csrf.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = b.post(&base, &pairs).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(res.location.unwrap().ends_with("done=gespeichert"));
    let (_, api) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(api["title"], "Chorprobe (offen)");
    assert_eq!(api["exdates"], json!(["2027-03-09T17:00:00Z"]), "{api}");
    assert_eq!(api["rdates"].as_array().unwrap().len(), 1, "{api}");
    assert_eq!(api["overrides"].as_array().unwrap().len(), 1, "{api}");

    // An added line of dates left out, in the form people type.
    let page = b.get(&base).await;
    let mut form = shown_form(&page.body);
    form.iter_mut().find(|(k, _)| k == "exdates").unwrap().1 = "2027-03-09 18:00\r\n2027-03-23\r\n".into();
    form.push(("csrf".into(), csrf.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(b.post(&base, &pairs).await.status, 303);
    let (_, api) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(api["exdates"].as_array().unwrap().len(), 2, "{api}");
    assert_eq!(api["overrides"].as_array().unwrap().len(), 1, "still generated at 18:00");

    // A bad line is named, nothing is stored.
    let mut bad = form.clone();
    bad.iter_mut().find(|(k, _)| k == "exdates").unwrap().1 = "nächsten Dienstag".into();
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = b.post(&base, &pairs).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#exdates\""), "{}", res.body);

    // Rehearsals move to 19:00: the cancelled 18:00 date no longer exists and is dropped, and
    // the editor is told so.
    let mut later = form.clone();
    later.iter_mut().find(|(k, _)| k == "start_time").unwrap().1 = "19:00".into();
    later.iter_mut().find(|(k, _)| k == "end_time").unwrap().1 = "20:30".into();
    let pairs: Vec<(&str, &str)> = later.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = b.post(&base, &pairs).await;
    assert_eq!(res.status, 303);
    assert!(res.location.as_deref().unwrap().ends_with("done=termine-bereinigt"));
    let (_, api) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(api["overrides"], json!([]), "{api}");
    let notice = b.get(&format!("{base}?done=termine-bereinigt")).await;
    assert!(notice.body.contains("nicht mehr enthält"), "{}", notice.body);
    let _: Value = api;
}

#[tokio::test]
async fn trusted_organisers_publish_their_own_events_and_reach_no_others() {
    let app = TestApp::spawn().await;
    let editor_token = create_token(&app.store, "gera", "editor").await;
    let theirs = json!({
        "title": "Stadtratssitzung", "start": "2027-04-01T17:00", "municipality": "gera", "status": "draft",
        "venue": { "name": "Rathaus" }, "categories": ["ratssitzung"], "rrule": "FREQ=MONTHLY;COUNT=3",
    });
    let (_, other) = app.send_json(Method::POST, "/api/v1/events", Some(&editor_token), Some(&theirs)).await;
    let other_id = other["id"].as_i64().unwrap();

    create_staff(&app.store, "buehne@theater-gera.example", PW, &["organiser@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("buehne@theater-gera.example", PW).await;
    let home = b.get("/verwaltung").await;
    assert!(home.body.contains("href=\"/verwaltung/gera/veranstaltungen\""), "{}", home.body);
    assert!(home.body.contains("Meine Veranstaltungen"));
    assert!(!home.body.contains("/verwaltung/gera/buergerservice"));
    let list = b.get("/verwaltung/gera/veranstaltungen").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("<h1 class=\"rp-heading-xl\">Meine Veranstaltungen</h1>"), "{}", list.body);
    assert!(!list.body.contains("Stadtratssitzung"), "another account's event is not listed");
    assert!(!list.body.contains("/abonnements"), "subscriptions are the editors' business");
    let csrf = b.get("/verwaltung/konto").await.csrf();

    // A new event is published at once.
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "Die Zauberflöte"),
        ("municipality", "gera"),
        ("start_date", "2027-04-10"),
        ("start_time", "19:30"),
        ("end_time", "22:15"),
        ("venue_name", "Bühnen der Stadt Gera, Großes Haus"),
        ("categories", "theater"),
        ("status", "published"),
    ];
    let res = b.post("/verwaltung/gera/veranstaltungen", &form).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let own_path = res.location.unwrap().split('?').next().unwrap().to_owned();
    let own_id: i64 = own_path.rsplit('/').next().unwrap().parse().unwrap();
    let (_, window) = app.get_json("/api/v1/events?from=2027-04-10&to=2027-04-11&municipality=gera&scope=own").await;
    assert_eq!(window["items"][0]["title"], "Die Zauberflöte", "{window}");
    let list = b.get("/verwaltung/gera/veranstaltungen").await;
    assert!(list.body.contains("Die Zauberflöte") && !list.body.contains("Stadtratssitzung"));

    // The organiser's own event: editor page without the moderators' decisions; a change and
    // a cancellation through the status.
    let page = b.get(&own_path).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/entscheidung"), "no decisions for organisers");
    let mut changed: Vec<(&str, &str)> = form.to_vec();
    changed.retain(|(k, _)| *k != "status");
    changed.push(("status", "cancelled"));
    assert_eq!(b.post(&own_path, &changed).await.status, 303);
    let (_, window) = app.get_json("/api/v1/events?from=2027-04-10&to=2027-04-11&municipality=gera&scope=own").await;
    assert_eq!(window["items"][0]["status"], "cancelled", "{window}");

    // Anything else of Gera: not found (its existence is not their business) or forbidden.
    let other_path = format!("/verwaltung/gera/veranstaltungen/{other_id}");
    assert_eq!(b.get(&other_path).await.status, 404);
    assert_eq!(b.post(&other_path, &changed).await.status, 404);
    assert_eq!(b.post(&format!("{other_path}/loeschen"), &[("csrf", &csrf)]).await.status, 404);
    assert_eq!(b.get(&format!("{other_path}/termine/2027-05-01T17:00")).await.status, 404);
    let decide = [("csrf", csrf.as_str()), ("decision", "publish")];
    assert_eq!(b.post(&format!("{own_path}/entscheidung"), &decide).await.status, 403);
    assert_eq!(b.post(&format!("{other_path}/entscheidung"), &decide).await.status, 403);
    for path in [
        "/verwaltung/gera/veranstaltungen/abonnements",
        "/verwaltung/jena/veranstaltungen",
        "/verwaltung/gera/buergerservice",
        "/verwaltung/gera/benutzer",
    ] {
        assert_eq!(b.get(path).await.status, 403, "{path}");
    }
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let still = app.store.events().get(gera.scope(), other_id).await.unwrap().unwrap();
    assert_eq!((still.sequence, still.status.as_str()), (0, "draft"), "untouched");

    // Deleting their own event works.
    assert_eq!(b.post(&format!("{own_path}/loeschen"), &[("csrf", &csrf)]).await.status, 303);
    assert!(app.store.events().get(gera.scope(), own_id).await.unwrap().is_none());
}

#[tokio::test]
async fn an_organisers_token_publishes_and_changes_only_its_own_events() {
    let app = TestApp::spawn().await;
    let editor = create_token(&app.store, "gera", "editor").await;
    let organiser = create_token(&app.store, "gera", "organiser").await;
    let event = |title: &str| {
        json!({
            "title": title, "start": "2027-05-08T20:00", "municipality": "gera",
            "venue": { "name": "Clubzentrum Comma" }, "categories": ["konzert"],
        })
    };
    let (status, own) =
        app.send_json(Method::POST, "/api/v1/events", Some(&organiser), Some(&event("Jazznacht"))).await;
    assert_eq!(status, 201, "{own}");
    assert_eq!(own["status"], "published");
    let mut draft = event("Noch geheim");
    draft["status"] = json!("draft");
    let (_, theirs) = app.send_json(Method::POST, "/api/v1/events", Some(&editor), Some(&draft)).await;
    let own_path = format!("/api/v1/events/{}", own["id"]);
    let their_path = format!("/api/v1/events/{}", theirs["id"]);

    let mut change = event("Jazznacht (ausverkauft)");
    let (status, body) = app.send_json(Method::PUT, &own_path, Some(&organiser), Some(&change)).await;
    assert_eq!((status, body["title"].as_str()), (200, Some("Jazznacht (ausverkauft)")), "{body}");
    // Another account's event: as if it did not exist, unpublished content included.
    let (status, _) = app.send_json(Method::GET, &their_path, Some(&organiser), None).await;
    assert_eq!(status, 404);
    let (status, _) = app.send_json(Method::PUT, &their_path, Some(&organiser), Some(&change)).await;
    assert_eq!(status, 404);
    let (status, _) = app.send_json(Method::DELETE, &their_path, Some(&organiser), None).await;
    assert_eq!(status, 404);
    // Organisers do not reject, and act for their municipality only.
    change["status"] = json!("rejected");
    let (status, body) = app.send_json(Method::PUT, &own_path, Some(&organiser), Some(&change)).await;
    assert_eq!(status, 422, "{body}");
    let mut jena = event("In Jena");
    jena["municipality"] = json!("jena");
    let (status, _) = app.send_json(Method::POST, "/api/v1/events", Some(&organiser), Some(&jena)).await;
    assert_eq!(status, 403);
    let (status, who) = app.send_json(Method::GET, "/api/v1/token", Some(&organiser), None).await;
    assert_eq!((status, who["role"].as_str()), (200, Some("organiser")));

    let (status, _) = app.send_json(Method::DELETE, &own_path, Some(&organiser), None).await;
    assert_eq!(status, 204);
    let (status, still) = app.send_json(Method::GET, &their_path, Some(&editor), None).await;
    assert_eq!((status, still["title"].as_str()), (200, Some("Noch geheim")));
}

/// A calendar file with one VEVENT per (UID, title, DTSTART) and the CLASS given.
fn feed(events: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:verein\r\n");
    for (uid, title, start, class) in events {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\nDTSTART;TZID=Europe/Berlin:{start}\r\nCLASS:{class}\r\nLOCATION:Vereinsheim\r\nCATEGORIES:Sport\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

#[tokio::test]
async fn a_feed_withdraws_what_its_organiser_deleted_and_brings_it_back() {
    let app = TestApp::spawn().await;
    let gera = gera_scope(&app).await;
    let body = std::sync::Arc::new(std::sync::Mutex::new(feed(&[
        ("spiel-1@verein.example", "Heimspiel", "20270410T150000", "PUBLIC"),
        ("spiel-2@verein.example", "Auswärtsfahrt", "20270417T090000", "PUBLIC"),
        ("spiel-0@verein.example", "Saisonauftakt", "20200405T150000", "PUBLIC"),
    ])));
    let addr = crate::events::feed_server(body.clone()).await;
    create_staff(&app.store, "redaktion@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("redaktion@gera.de", PW).await;
    let page = b.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    let csrf = page.csrf();
    let url = format!("http://{addr}/feed.ics");
    let form = [("csrf", csrf.as_str()), ("name", "SV Gera"), ("url", &url), ("publish", "on")];
    b.post("/verwaltung/gera/veranstaltungen/abonnements", &form).await;
    let sub = app.store.feeds().list(gera.scope()).await.unwrap()[0].clone();
    let poll = format!("/verwaltung/gera/veranstaltungen/abonnements/{}/abrufen", sub.id);
    assert_eq!(b.post(&poll, &[("csrf", &csrf)]).await.status, 303);
    let events = app.store.events();
    let by_uid = |uid: &'static str| {
        let gera = gera.clone();
        async move { events.by_uid(gera.scope(), uid).await.unwrap().unwrap() }
    };
    let home = by_uid("spiel-1@verein.example").await;
    assert_eq!(home.feed_id, Some(sub.id), "the event remembers its feed");
    let listed = b.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    assert!(listed.body.contains("Veranstaltungen aus diesem Abo"), "{}", listed.body);
    let editor = b.get(&format!("/verwaltung/gera/veranstaltungen/{}", home.id)).await;
    assert!(editor.body.contains("Abo „SV Gera“"), "the editor names the source");

    // The organiser deletes the away trip and the past opener, and makes the home game private.
    *body.lock().unwrap() = feed(&[("spiel-1@verein.example", "Heimspiel", "20270410T150000", "PRIVATE")]);
    b.post(&poll, &[("csrf", &csrf)]).await;
    let away = by_uid("spiel-2@verein.example").await;
    assert_eq!(away.status.as_str(), "draft", "withdrawn: no longer in the feed");
    assert!(away.moderation_note.as_deref().unwrap().contains("SV Gera"), "{:?}", away.moderation_note);
    assert_eq!(by_uid("spiel-0@verein.example").await.status.as_str(), "published", "the past stays as it was");
    assert_eq!(by_uid("spiel-1@verein.example").await.status.as_str(), "draft", "private");
    let listed = b.get("/verwaltung/gera/veranstaltungen/abonnements").await;
    assert!(listed.body.contains("1 withdrawn (no longer in the feed)"), "{}", listed.body);
    let (_, window) = app.get_json("/api/v1/events?municipality=gera&scope=own&from=2027-04-01&to=2027-05-01").await;
    assert_eq!(window["items"], json!([]), "{window}");

    // Both come back when the feed lists them again as public.
    *body.lock().unwrap() = feed(&[
        ("spiel-1@verein.example", "Heimspiel", "20270410T150000", "PUBLIC"),
        ("spiel-2@verein.example", "Auswärtsfahrt (Bus ab 8 Uhr)", "20270417T090000", "PUBLIC"),
    ]);
    b.post(&poll, &[("csrf", &csrf)]).await;
    for uid in ["spiel-1@verein.example", "spiel-2@verein.example"] {
        let e = by_uid(uid).await;
        assert_eq!((e.status.as_str(), e.moderation_note.as_deref()), ("published", None), "{uid}");
    }
    // A moderator's own withdrawal is respected by the feed.
    let trip = by_uid("spiel-2@verein.example").await;
    let actor = regioportal_storage::Actor::cli();
    events
        .set_status(gera.scope(), trip.id, regioportal_domain::events::EventStatus::Draft, Some("Doppelt"), &actor)
        .await
        .unwrap();
    b.post(&poll, &[("csrf", &csrf)]).await;
    assert_eq!(by_uid("spiel-2@verein.example").await.status.as_str(), "draft");

    // A feed that cannot be read as a whole withdraws nothing.
    *body.lock().unwrap() = "<html>Wartungsarbeiten</html>".into();
    b.post(&poll, &[("csrf", &csrf)]).await;
    assert_eq!(by_uid("spiel-1@verein.example").await.status.as_str(), "published");

    // Ending the subscription with "withdraw" takes its future events out; the past stays.
    let remove = format!("/verwaltung/gera/veranstaltungen/abonnements/{}/entfernen", sub.id);
    let res = b.post(&remove, &[("csrf", &csrf), ("withdraw", "on")]).await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().ends_with("done=entfernt-zurueckgezogen"));
    assert!(app.store.feeds().list(gera.scope()).await.unwrap().is_empty());
    let home = by_uid("spiel-1@verein.example").await;
    assert_eq!((home.status.as_str(), home.feed_id), ("draft", None));
    assert_eq!(by_uid("spiel-0@verein.example").await.status.as_str(), "published");
}

#[tokio::test]
async fn editors_give_coordinates_and_several_links() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "redaktion@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("redaktion@gera.de", PW).await;
    let new = b.get("/verwaltung/gera/veranstaltungen/neu").await;
    assert!(new.body.contains("id=\"venue_lat\"") && new.body.contains("inputmode=\"decimal\""));
    assert!(new.body.contains("id=\"link_url-2\""), "two pairs of link fields to start with");
    let csrf = new.csrf();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", "Höhlerführung"),
        ("municipality", "gera"),
        ("start_date", "2027-06-05"),
        ("start_time", "14:00"),
        ("venue_name", "Gera-Information"),
        ("venue_lat", "Norden"),
        ("venue_lon", "12,0818"),
        ("categories", "fuehrung"),
        ("link_label", "Karten"),
        ("link_url", "https://example.org/karten"),
        ("link_label-2", "Programm"),
        ("link_url-2", "kein link"),
    ];
    let res = b.post("/verwaltung/gera/veranstaltungen", &form).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#venue_lat\"") && res.body.contains("href=\"#link_url-2\""), "{}", res.body);
    assert!(res.body.contains("value=\"kein link\""), "what was typed is shown again");
    form.retain(|(k, v)| !(*k == "venue_lat" || *v == "kein link"));
    form.extend([("venue_lat", "50,8781"), ("link_url-2", "https://example.org/programm")]);
    let res = b.post("/verwaltung/gera/veranstaltungen", &form).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let path = res.location.unwrap().split('?').next().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap();
    let (_, e) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!((e["venue"]["lat"].as_f64(), e["venue"]["lon"].as_f64()), (Some(50.8781), Some(12.0818)), "{e}");
    assert_eq!(e["links"].as_array().unwrap().len(), 2, "{e}");
    // The editor shows both links and a third, empty pair.
    let page = b.get(&path).await;
    assert!(page.body.contains("value=\"https://example.org/programm\"") && page.body.contains("id=\"link_url-3\""));
    let (_, public) = app.get_text(&format!("/gera/veranstaltungen/{id}")).await;
    assert!(public.contains("mlat=50.87810"), "the map link uses the coordinates");
}
