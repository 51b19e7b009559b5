//! The session cache: a signed-in page view takes its session and account from memory for a
//! short time; a change made through this node (logout, ended sessions, a revoked role) takes
//! effect at once, a change made elsewhere within the cache's time; a change is always
//! authorised by the database.

use std::time::Duration;

use regioportal_tests::{Browser, Options, TestApp, create_staff};

use crate::staff::{PW, admin_with_totp};

async fn spawn(ttl: Duration) -> TestApp {
    TestApp::spawn_with(Options { session_cache: Some(ttl), ..Default::default() }).await
}

/// (hits, misses) of the session cache so far.
async fn counts(app: &TestApp) -> (u64, u64) {
    let (_, metrics) = app.get_text("/metrics").await;
    let read = |result: &str| -> u64 {
        let prefix = format!("regioportal_session_cache_answers_total{{result=\"{result}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .expect("the session cache counter in /metrics")
            .parse()
            .expect("a number")
    };
    (read("hit"), read("miss"))
}

#[tokio::test]
async fn a_session_is_read_once_and_a_logout_here_ends_it_at_once() {
    let app = spawn(Duration::from_secs(10)).await;
    let user = create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    assert_eq!(b.login("erika@gera.de", PW).await.status, 303);
    let (hits, misses) = counts(&app).await;
    let dash = b.get("/verwaltung").await;
    assert_eq!(dash.status, 200);
    assert_eq!(b.get("/verwaltung/konto").await.status, 200);
    assert_eq!(counts(&app).await, (hits + 1, misses + 1), "read once, then taken from memory");

    // Behind the app's back (as another node would), the session is ended in the database:
    // this node keeps answering from memory for the cache's time (the documented bound) ...
    app.store.sessions().end_all(user).await.unwrap();
    assert_eq!(b.get("/verwaltung").await.status, 200, "still in memory");
    // ... until a change is made through this node, which empties the cache at once.
    create_staff(&app.store, "max@gera.de", PW, &["editor@gera"]).await;
    let mut other = Browser::new(&app);
    assert_eq!(other.login("max@gera.de", PW).await.status, 303, "a login is a change too");
    let res = b.get("/verwaltung").await;
    assert_eq!(res.status, 303, "read again, and gone");
    assert!(res.location.unwrap().starts_with("/verwaltung/anmelden"));

    // A change is authorised by the database, never by memory: with the session ended behind
    // the app's back, a page view may still come from memory, a change may not.
    b.login("erika@gera.de", PW).await;
    let account = b.get("/verwaltung/konto").await;
    app.store.sessions().end_all(user).await.unwrap();
    assert_eq!(b.get("/verwaltung/konto").await.status, 200, "a page view from memory");
    let res = b.post("/verwaltung/konto/sitzungen/alle-beenden", &[("csrf", &account.csrf())]).await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().starts_with("/verwaltung/anmelden"), "refused: sign in again");

    // A logout through this node: the old cookie is worthless at once.
    b.login("erika@gera.de", PW).await;
    let dash = b.get("/verwaltung").await;
    assert_eq!(b.get("/verwaltung").await.status, 200, "cached");
    let token = b.cookie("rp_session").unwrap().to_owned();
    assert_eq!(b.post("/verwaltung/abmelden", &[("csrf", &dash.csrf())]).await.status, 303);
    let mut replay = Browser::new(&app);
    replay.set_cookie("rp_session", &token);
    assert_eq!(replay.get("/verwaltung").await.status, 303, "logged out means logged out, cache or not");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn ending_every_session_and_revoking_a_role_take_effect_at_once() {
    let app = spawn(Duration::from_secs(10)).await;
    let editor = create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut laptop = Browser::new(&app);
    let mut phone = Browser::new(&app);
    laptop.login("erika@gera.de", PW).await;
    phone.login("erika@gera.de", PW).await;
    let account = laptop.get("/verwaltung/konto").await;
    assert_eq!(phone.get("/verwaltung/gera/veranstaltungen").await.status, 200);
    let (hits, _) = counts(&app).await;
    assert_eq!(phone.get("/verwaltung/gera/veranstaltungen").await.status, 200);
    assert_eq!(counts(&app).await.0, hits + 1, "the phone's session came from memory");
    assert_eq!(laptop.post("/verwaltung/konto/sitzungen/alle-beenden", &[("csrf", &account.csrf())]).await.status, 303);
    assert_eq!(phone.get("/verwaltung").await.status, 303, "the phone is signed out at once");

    // A role revoked by an administrator: the editor's cached session and grants go with it.
    // (The administrator enrols a second factor with the cache on: the enrolment page stores a
    // new secret in a page view, which must empty the cache, or the code would be checked
    // against the account as it was before.)
    phone.login("erika@gera.de", PW).await;
    let (mut admin, _) = admin_with_totp(&app, "admin@region.de").await;
    let users = admin.get("/verwaltung/gera/benutzer").await;
    assert_eq!(users.status, 200);
    assert_eq!(phone.get("/verwaltung/gera/veranstaltungen").await.status, 200);
    let (hits, _) = counts(&app).await;
    assert_eq!(phone.get("/verwaltung/gera/veranstaltungen").await.status, 200);
    assert_eq!(counts(&app).await.0, hits + 1, "from memory right before the revocation");
    let user_id = editor.get().to_string();
    let res = admin
        .post(
            "/verwaltung/gera/benutzer/rollen/entziehen",
            &[("csrf", &users.csrf()), ("user_id", &user_id), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    // A role change ends the person's sessions (they sign in again with what is left).
    let res = phone.get("/verwaltung/gera/veranstaltungen").await;
    assert_eq!(res.status, 303, "signed out at once");
    assert!(res.location.unwrap().starts_with("/verwaltung/anmelden"));
    assert_eq!(phone.login("erika@gera.de", PW).await.status, 303);
    assert_eq!(phone.get("/verwaltung/gera/veranstaltungen").await.status, 403, "without the role");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_logout_on_another_node_ends_the_session_here_within_the_cache_time() {
    let ttl = Duration::from_secs(1);
    let app = spawn(ttl).await;
    let other = app.second_node().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut here = Browser::new(&app);
    here.login("erika@gera.de", PW).await;
    let token = here.cookie("rp_session").unwrap().to_owned();
    let mut there = Browser::new(&other);
    there.set_cookie("rp_session", &token);
    let dash = there.get("/verwaltung").await;
    assert_eq!(dash.status, 200, "one session, valid on every node");
    assert_eq!(here.get("/verwaltung").await.status, 200);

    assert_eq!(there.post("/verwaltung/abmelden", &[("csrf", &dash.csrf())]).await.status, 303);
    assert_eq!(there.get("/verwaltung").await.status, 303, "at once on the node that logged out");
    // This node may still answer from memory, but not for longer than the cache's time.
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    let res = here.get("/verwaltung").await;
    assert_eq!(res.status, 303, "ended here too, within {ttl:?}");
    other.stop().await.unwrap();
    app.stop().await.unwrap();
}
