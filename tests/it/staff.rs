//! The staff area: login, second factor, sessions, CSRF, throttling, password reset, users,
//! tokens, the audit log, and the tenant-isolation matrix.

use regioportal_domain::auth::{base32, totp};
use regioportal_tests::{Browser, TestApp, create_staff};

pub(crate) const PW: &str = "ein sehr langes passwort";

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

fn secret_from(page: &str) -> Vec<u8> {
    let at = page.find("<code>").expect("the secret is shown") + 6;
    let grouped = &page[at..at + page[at..].find("</code>").unwrap()];
    base32::decode(&grouped.replace(' ', "")).expect("base32 secret")
}

/// Signs in a platform admin through the forced enrolment; returns the browser and the secret.
pub(crate) async fn admin_with_totp(app: &TestApp, email: &str) -> (Browser, Vec<u8>) {
    create_staff(&app.store, email, PW, &["platform_admin"]).await;
    let mut b = Browser::new(app);
    let res = b.login(email, PW).await;
    assert_eq!(res.status, 303);
    // A role that needs a second factor: every page leads to the enrolment first.
    let dash = b.get("/verwaltung").await;
    assert_eq!(dash.location.as_deref(), Some("/verwaltung/konto/zwei-faktor"));
    let enrol = b.get("/verwaltung/konto/zwei-faktor").await;
    assert_eq!(enrol.status, 200);
    assert!(enrol.body.contains("src=\"data:image/svg+xml;base64,"), "a QR code");
    let secret = secret_from(&enrol.body);
    let code = totp::code(&secret, now(), 6);
    let done = b.post("/verwaltung/konto/zwei-faktor", &[("csrf", &enrol.csrf()), ("code", &code)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.matches("<li><code>").count() == 10, "ten recovery codes");
    (b, secret)
}

#[tokio::test]
async fn login_sets_a_safe_session_cookie_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    let res = b.login("erika@gera.de", PW).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location.as_deref(), Some("/verwaltung"));
    let cookie = res.set_cookies.iter().find(|c| c.starts_with("rp_session=")).expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let dash = b.get("/verwaltung").await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("Redaktion – Gera"), "{}", dash.body);
    assert!(!dash.body.contains("/verwaltung/gera/benutzer"), "an editor does not manage users");

    let token = b.cookie("rp_session").unwrap().to_owned();
    let out = b.post("/verwaltung/abmelden", &[("csrf", &dash.csrf())]).await;
    assert_eq!(out.status, 303);
    // The old cookie is worthless now.
    let mut replay = Browser::new(&app);
    replay.set_cookie("rp_session", &token);
    let res = replay.get("/verwaltung").await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().starts_with("/verwaltung/anmelden"));
}

#[tokio::test]
async fn a_planted_session_cookie_is_never_adopted() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    b.set_cookie("rp_session", "f".repeat(64).as_str());
    b.login("erika@gera.de", PW).await;
    let new = b.cookie("rp_session").unwrap();
    assert_ne!(new, "f".repeat(64), "login issues a new session id");
    let mut attacker = Browser::new(&app);
    attacker.set_cookie("rp_session", &"f".repeat(64));
    assert_eq!(attacker.get("/verwaltung").await.status, 303);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    let wrong = b.login("erika@gera.de", "falsches passwort!!").await;
    let unknown = b.login("niemand@gera.de", "falsches passwort!!").await;
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, 422);
    let msg = "E-Mail-Adresse oder Passwort sind nicht richtig.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    assert!(wrong.body.contains("rp-error-summary"), "error summary pattern");
}

#[tokio::test]
async fn failed_logins_back_off_across_app_nodes() {
    let app = TestApp::spawn().await;
    let other = app.second_node().await;
    create_staff(&app.store, "mayor@gera.de", PW, &["editor@gera"]).await;
    let mut a = Browser::new(&app);
    let mut b = Browser::new(&other);
    // Failures alternate between two nodes: they count together.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let browser = if i % 2 == 0 { &mut a } else { &mut b };
        statuses.push(browser.login("mayor@gera.de", "wrong wrong wrong").await.status);
    }
    assert!(statuses.contains(&429), "blocked after repeated failures: {statuses:?}");
    // Even the right password waits out the back-off, on either node …
    let res = b.login("mayor@gera.de", PW).await;
    assert_eq!(res.status, 429);
    assert!(res.body.contains("Sekunden"));
    // … but the block is temporary (exponential back-off, capped), not a permanent lock.
    let until = app.store.throttle().blocked_until("account:mayor@gera.de", chrono::Utc::now()).await.unwrap().unwrap();
    assert!(until - chrono::Utc::now() <= chrono::Duration::minutes(15));
}

#[tokio::test]
async fn forms_without_token_or_from_other_sites_are_refused() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("erika@gera.de", PW).await;
    let dash = b.get("/verwaltung").await;
    // No token.
    assert_eq!(b.post("/verwaltung/konto/sitzungen/alle-beenden", &[]).await.status, 403);
    // A wrong token.
    assert_eq!(
        b.post("/verwaltung/konto/sitzungen/alle-beenden", &[("csrf", "0".repeat(64).as_str())]).await.status,
        403
    );
    // The right token, but from another site.
    let res = b
        .post_with("/verwaltung/konto/sitzungen/alle-beenden", &[("csrf", &dash.csrf())], Some("https://evil.example"))
        .await;
    assert_eq!(res.status, 403);
    assert!(res.body.contains("Keine Berechtigung"));
    // Still signed in: nothing happened.
    assert_eq!(b.get("/verwaltung").await.status, 200);
    // The login form itself needs its token too.
    let mut fresh = Browser::new(&app);
    let res = fresh.post("/verwaltung/anmelden", &[("email", "erika@gera.de"), ("password", PW)]).await;
    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn admins_must_enrol_a_second_factor_and_use_it() {
    let app = TestApp::spawn().await;
    let (mut b, secret) = admin_with_totp(&app, "admin@regioportal.example").await;
    assert_eq!(b.get("/verwaltung").await.status, 200, "enrolled: the dashboard opens");
    let dash = b.get("/verwaltung").await;
    b.post("/verwaltung/abmelden", &[("csrf", &dash.csrf())]).await;

    // Next login: password, then the code.
    let res = b.login("admin@regioportal.example", PW).await;
    assert!(res.location.unwrap().starts_with("/verwaltung/anmelden/zweiter-faktor"));
    let before = b.cookie("rp_session").unwrap().to_owned();
    assert_eq!(
        b.get("/verwaltung").await.location.as_deref(),
        Some("/verwaltung/anmelden/zweiter-faktor"),
        "no access before the second factor"
    );
    let form = b.get("/verwaltung/anmelden/zweiter-faktor").await;
    let bad = b.post("/verwaltung/anmelden/zweiter-faktor", &[("csrf", &form.csrf()), ("code", "000000")]).await;
    assert_eq!(bad.status, 422);
    // The code used at enrolment is spent; the next step's code works.
    let code = totp::code(&secret, now() + 30, 6);
    let ok = b.post("/verwaltung/anmelden/zweiter-faktor", &[("csrf", &form.csrf()), ("code", &code)]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_ne!(b.cookie("rp_session").unwrap(), before, "a new session id after the second factor");
    assert_eq!(b.get("/verwaltung").await.status, 200);

    // The same code cannot be used again (replay), even in a new login.
    let dash = b.get("/verwaltung").await;
    b.post("/verwaltung/abmelden", &[("csrf", &dash.csrf())]).await;
    b.login("admin@regioportal.example", PW).await;
    let form = b.get("/verwaltung/anmelden/zweiter-faktor").await;
    let replay = b.post("/verwaltung/anmelden/zweiter-faktor", &[("csrf", &form.csrf()), ("code", &code)]).await;
    assert_eq!(replay.status, 422);
}

#[tokio::test]
async fn a_municipality_can_require_a_second_factor_of_all_its_staff() {
    // The demo region sets require_mfa for Jena, not for Gera.
    let app = TestApp::spawn().await;
    create_staff(&app.store, "editor@jena.de", PW, &["editor@jena"]).await;
    create_staff(&app.store, "editor@gera.de", PW, &["editor@gera"]).await;
    let mut jena = Browser::new(&app);
    jena.login("editor@jena.de", PW).await;
    assert_eq!(jena.get("/verwaltung").await.location.as_deref(), Some("/verwaltung/konto/zwei-faktor"));
    let mut gera = Browser::new(&app);
    gera.login("editor@gera.de", PW).await;
    assert_eq!(gera.get("/verwaltung").await.status, 200, "optional for Gera's editors");
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "admin@gera.de", PW, &["municipality_admin@gera"]).await;
    let mut b = Browser::new(&app);
    b.login("admin@gera.de", PW).await;
    let enrol = b.get("/verwaltung/konto/zwei-faktor").await;
    let secret = secret_from(&enrol.body);
    let done = b
        .post("/verwaltung/konto/zwei-faktor", &[("csrf", &enrol.csrf()), ("code", &totp::code(&secret, now(), 6))])
        .await;
    let at = done.body.find("<li><code>").unwrap() + 10;
    let recovery = done.body[at..at + 19].to_owned();
    for expected in [303, 422] {
        let mut c = Browser::new(&app);
        c.login("admin@gera.de", PW).await;
        let form = c.get("/verwaltung/anmelden/zweiter-faktor").await;
        let res = c
            .post("/verwaltung/anmelden/zweiter-faktor", &[("csrf", &form.csrf()), ("code", &recovery.to_uppercase())])
            .await;
        assert_eq!(res.status, expected);
    }
}

#[tokio::test]
async fn sessions_are_listed_and_can_be_ended_everywhere() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut laptop = Browser::new(&app);
    let mut phone = Browser::new(&app);
    laptop.login("erika@gera.de", PW).await;
    phone.login("erika@gera.de", PW).await;
    let account = laptop.get("/verwaltung/konto").await;
    assert_eq!(account.body.matches("/beenden\"").count(), 1, "one other session can be ended, this one is marked");
    assert!(account.body.contains("Dieses Gerät"));
    let res = laptop.post("/verwaltung/konto/sitzungen/alle-beenden", &[("csrf", &account.csrf())]).await;
    assert_eq!(res.status, 303);
    assert_eq!(phone.get("/verwaltung").await.status, 303, "the phone is signed out too");
    assert_eq!(laptop.get("/verwaltung").await.status, 303);
}

#[tokio::test]
async fn password_reset_by_one_time_link() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    let form = b.get("/verwaltung/passwort-vergessen").await;
    let known = b.post("/verwaltung/passwort-vergessen", &[("csrf", &form.csrf()), ("email", "erika@gera.de")]).await;
    let unknown =
        b.post("/verwaltung/passwort-vergessen", &[("csrf", &form.csrf()), ("email", "niemand@gera.de")]).await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body.replace("niemand", "erika"), unknown.body.replace("niemand", "erika"), "the same answer");
    let mails = app.outbox();
    assert_eq!(mails.len(), 1, "a mail only for the known address");
    assert!(mails[0].contains("To: erika@gera.de"));
    let link = mails[0].split_whitespace().find(|w| w.contains("/verwaltung/passwort-setzen/")).unwrap();
    let path = &link[link.find("/verwaltung").unwrap()..];
    let page = b.get(path).await;
    assert_eq!(page.status, 200);
    let weak = b.post(path, &[("csrf", &page.csrf()), ("password", "kurz")]).await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("mindestens 12 Zeichen"));
    let set = b.post(path, &[("csrf", &page.csrf()), ("password", "ein ganz neues passwort")]).await;
    assert_eq!(set.status, 200);
    assert_eq!(b.get(path).await.status, 404, "the link works once");
    assert_eq!(Browser::new(&app).login("erika@gera.de", PW).await.status, 422, "the old password is gone");
    assert_eq!(Browser::new(&app).login("erika@gera.de", "ein ganz neues passwort").await.status, 303);
}

#[tokio::test]
async fn a_municipality_admin_manages_their_own_municipality_only() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = {
        create_staff(&app.store, "admin@gera.de", PW, &["municipality_admin@gera"]).await;
        let mut b = Browser::new(&app);
        b.login("admin@gera.de", PW).await;
        let enrol = b.get("/verwaltung/konto/zwei-faktor").await;
        let secret = secret_from(&enrol.body);
        b.post("/verwaltung/konto/zwei-faktor", &[("csrf", &enrol.csrf()), ("code", &totp::code(&secret, now(), 6))])
            .await;
        (b, secret)
    };
    let page = admin.get("/verwaltung/gera/benutzer").await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();
    // Invite a new editor.
    let res = admin
        .post(
            "/verwaltung/gera/benutzer",
            &[("csrf", &csrf), ("email", "neu@gera.de"), ("display_name", "Neu Gera"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        app.outbox().iter().any(|m| m.contains("To: neu@gera.de") && m.contains("/verwaltung/passwort-setzen/")),
        "an invitation"
    );
    let list = admin.get("/verwaltung/gera/benutzer").await;
    assert!(list.body.contains("neu@gera.de"));
    // Never more than they hold, never another municipality.
    assert_eq!(
        admin
            .post(
                "/verwaltung/gera/benutzer",
                &[("csrf", &csrf), ("email", "x@gera.de"), ("display_name", "X"), ("role", "platform_admin")]
            )
            .await
            .status,
        422
    );
    assert_eq!(
        admin
            .post(
                "/verwaltung/gera/benutzer",
                &[("csrf", &csrf), ("email", "x@gera.de"), ("display_name", "X"), ("role", "region_editor")]
            )
            .await
            .status,
        422
    );
    assert_eq!(admin.get("/verwaltung/jena/benutzer").await.status, 403);
    assert_eq!(
        admin
            .post(
                "/verwaltung/jena/benutzer",
                &[("csrf", &csrf), ("email", "x@jena.de"), ("display_name", "X"), ("role", "editor")]
            )
            .await
            .status,
        403
    );
    assert_eq!(admin.get("/verwaltung/nirgendwo/benutzer").await.status, 404);
}

#[tokio::test]
async fn tokens_are_shown_once_work_as_bearer_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = admin_with_totp(&app, "admin@regioportal.example").await;
    let page = admin.get("/verwaltung/jena/zugangsschluessel").await;
    let created = admin
        .post(
            "/verwaltung/jena/zugangsschluessel",
            &[("csrf", &page.csrf()), ("name", "Website Jena"), ("role", "editor")],
        )
        .await;
    assert_eq!(created.status, 201);
    let at = created.body.find("<code>rp_").unwrap() + 6;
    let secret = created.body[at..at + 55].to_owned();
    let again = admin.get("/verwaltung/jena/zugangsschluessel").await;
    assert!(!again.body.contains(&secret), "shown once only");
    assert!(again.body.contains(&secret[..11]), "the prefix identifies it");

    let whoami = |s: String| {
        let c = app.client.clone();
        let url = format!("{}/api/v1/token", app.base);
        async move { c.get(url).bearer_auth(s).send().await.unwrap() }
    };
    let res = whoami(secret.clone()).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!((body["municipality"].as_str(), body["role"].as_str()), (Some("jena"), Some("editor")));
    assert_eq!(whoami("rp_nonsense".into()).await.status(), 401);

    let id = app
        .store
        .tokens()
        .of_municipality(app.store.municipalities().by_slug("jena").await.unwrap().unwrap().scope())
        .await
        .unwrap()[0]
        .id;
    let res =
        admin.post(&format!("/verwaltung/jena/zugangsschluessel/{id}/widerrufen"), &[("csrf", &again.csrf())]).await;
    assert_eq!(res.status, 303);
    let res = whoami(secret).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_audit_log_records_changes_is_filtered_by_municipality_and_exports() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = admin_with_totp(&app, "admin@regioportal.example").await;
    let page = admin.get("/verwaltung/jena/zugangsschluessel").await;
    admin
        .post(
            "/verwaltung/jena/zugangsschluessel",
            &[("csrf", &page.csrf()), ("name", "Website Jena"), ("role", "editor")],
        )
        .await;
    let page = admin.get("/verwaltung/gera/zugangsschluessel").await;
    admin
        .post(
            "/verwaltung/gera/zugangsschluessel",
            &[("csrf", &page.csrf()), ("name", "Website Gera"), ("role", "moderator")],
        )
        .await;

    let all = admin.get("/verwaltung/protokoll").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("Website Jena") && all.body.contains("Website Gera"));
    let jena = admin.get("/verwaltung/protokoll?municipality=jena").await;
    assert!(jena.body.contains("Website Jena") && !jena.body.contains("Website Gera"));
    let csv = admin.get("/verwaltung/protokoll?municipality=jena&format=csv").await;
    assert!(csv.body.starts_with("id,at,actor,municipality,entity_type"), "{}", csv.body);
    assert!(csv.body.contains("\"admin@regioportal.example\"") && csv.body.contains("\"api_token\""));
    let json: serde_json::Value =
        serde_json::from_str(&admin.get("/verwaltung/protokoll?format=json&entity=api_token").await.body).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(json[0]["ip"].as_str().is_some_and(|ip| ip == "127.0.0.1"), "{json}");

    // A municipality admin of Gera reads Gera only.
    create_staff(&app.store, "admin@gera.de", PW, &["municipality_admin@gera"]).await;
    let mut gera = Browser::new(&app);
    gera.login("admin@gera.de", PW).await;
    let enrol = gera.get("/verwaltung/konto/zwei-faktor").await;
    let secret = secret_from(&enrol.body);
    gera.post("/verwaltung/konto/zwei-faktor", &[("csrf", &enrol.csrf()), ("code", &totp::code(&secret, now(), 6))])
        .await;
    let own = gera.get("/verwaltung/protokoll").await;
    assert!(own.body.contains("Website Gera") && !own.body.contains("Website Jena"), "{}", own.body);
    assert_eq!(gera.get("/verwaltung/protokoll?municipality=jena").await.status, 403);
    // An editor reads none.
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut editor = Browser::new(&app);
    editor.login("erika@gera.de", PW).await;
    assert_eq!(editor.get("/verwaltung/protokoll").await.status, 403);
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let db = sea_orm::Database::connect(match app.db.url() {
        regioportal_storage::DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
        regioportal_storage::DatabaseUrl::Postgres { url } => url.clone(),
    })
    .await
    .unwrap();
    for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
        let err = db.execute_unprepared(sql).await.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

/// The tenant-isolation matrix: every state-changing staff route, taken from the same table the
/// router is built from, is tried by every role of Gera against Jena's data. None may succeed,
/// and nothing may change. A route added without an access rule cannot exist (the table is
/// the router), and a new kind of rule fails to compile here until it has its case.
#[tokio::test]
async fn no_role_of_one_municipality_changes_another() {
    use regioportal_web::staff::{Access, access_table};
    let app = TestApp::spawn().await;
    let jena = app.store.municipalities().by_slug("jena").await.unwrap().unwrap();
    let actor = regioportal_storage::Actor::cli();
    let (jena_token_id, _) = app
        .store
        .tokens()
        .create(jena.scope(), regioportal_domain::auth::Role::Editor, "Website Jena", &actor)
        .await
        .unwrap();
    let victim = create_staff(&app.store, "victim@jena.de", PW, &["editor@jena"]).await;
    let mut victim_browser = Browser::new(&app);
    victim_browser.login("victim@jena.de", PW).await;
    let victim_session =
        app.store.sessions().of_user(victim, Default::default(), chrono::Utc::now()).await.unwrap()[0].id;

    let mut actors = Vec::new();
    for (i, role) in ["editor@gera", "moderator@gera", "organiser@gera", "municipality_admin@gera"].iter().enumerate() {
        let email = format!("actor{i}@gera.de");
        create_staff(&app.store, &email, PW, &[role]).await;
        let mut b = Browser::new(&app);
        b.login(&email, PW).await;
        if role.starts_with("municipality_admin") {
            let enrol = b.get("/verwaltung/konto/zwei-faktor").await;
            let secret = secret_from(&enrol.body);
            b.post(
                "/verwaltung/konto/zwei-faktor",
                &[("csrf", &enrol.csrf()), ("code", &totp::code(&secret, now(), 6))],
            )
            .await;
        }
        let csrf = b.get("/verwaltung/konto").await.csrf();
        actors.push((role.to_string(), b, csrf));
    }
    let jena_token = regioportal_tests::create_token(&app.store, "jena", "editor").await;
    let jena_event = serde_json::json!({
        "title": "Jena only", "start": "2027-01-10T10:00", "municipality": "jena",
        "venue": { "name": "Rathaus" }, "categories": ["sonstiges"], "status": "draft",
        "rrule": "FREQ=WEEKLY;COUNT=3",
    });
    let (_, created) =
        app.send_json(reqwest::Method::POST, "/api/v1/events", Some(&jena_token), Some(&jena_event)).await;
    let jena_event_id = created["id"].as_i64().expect("a Jena event").to_string();
    let audit_before = app
        .store
        .audit()
        .list(regioportal_storage::AuditScope::Municipality(jena.scope()), &Default::default())
        .await
        .unwrap()
        .len();

    // Jena's Bürgerservice: an office with a contact and an assignment.
    app.seed_services().await;
    let dir = app.store.directory();
    let jena_office = dir.offices(jena.scope()).await.unwrap().into_iter().find(|o| !o.contacts.is_empty()).unwrap();
    let jena_contact = jena_office.contacts[0].id.to_string();
    let jena_assignment = dir.office_responsibilities(jena.scope(), jena_office.id).await.unwrap()[0].id.to_string();
    let service_slug = dir.services().await.unwrap()[0].slug.to_string();

    let table = access_table();
    let mut checked = 0;
    for spec in table.iter().filter(|s| s.method != axum::http::Method::GET) {
        let path = spec
            .path
            .replace("{municipality}", "jena")
            .replace("{office}", jena_office.slug.as_str())
            .replace("{service_slug}", &service_slug)
            .replace("{life_slug}", "umzug")
            .replace("{date}", "2027-01-17T10:00")
            .replace(
                "{id}",
                &match spec.path {
                    p if p.contains("zugangsschluessel") => jena_token_id.to_string(),
                    p if p.contains("veranstaltungen") => jena_event_id.clone(),
                    p if p.contains("ansprechpartner") => jena_contact.clone(),
                    p if p.contains("zustaendigkeiten") => jena_assignment.clone(),
                    _ => victim_session.to_string(),
                },
            );
        let form: Vec<(&str, String)> = vec![
            ("email", "intruder@jena.de".into()),
            ("display_name", "Intruder".into()),
            ("role", "editor".into()),
            ("user_id", victim.get().to_string()),
            ("name", "Intruder token".into()),
            ("title", "Intruded".into()),
            ("municipality", "jena".into()),
            ("start_date", "2027-01-11".into()),
            ("start_time", "10:00".into()),
            ("venue_name", "Nowhere".into()),
            ("categories", "sonstiges".into()),
            ("decision", "publish".into()),
            ("function", "Intruder".into()),
            ("service", service_slug.clone()),
            ("kind", "municipality".into()),
            ("area_municipality", "jena".into()),
            ("weekly", "Mo-Fr 00:00-24:00".into()),
            ("note", "Intruded".into()),
        ];
        match spec.access {
            // Login, reset: no session is involved; their own tests cover them.
            Access::Public => continue,
            Access::OwnAccount
            | Access::ManageMunicipality
            | Access::AuditLog
            | Access::ModerateEvents
            | Access::EditEvents
            | Access::EditServices
            | Access::EditRegionTexts => {}
        }
        // Own-account routes without an id act on the signed-in person only, by construction;
        // those with an id are tried with the victim's.
        if spec.access == Access::OwnAccount && !spec.path.contains("{id}") {
            continue;
        }
        for (role, b, csrf) in &mut actors {
            let mut f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            f.push(("csrf", csrf.as_str()));
            let res = b.post(&path, &f).await;
            assert!(matches!(res.status, 403 | 404), "{role} {} {path} -> {}", spec.method, res.status);
            checked += 1;
        }
    }
    assert!(checked >= 12, "the matrix covered {checked} cases");
    let office_after = dir.office(jena.scope(), jena_office.slug.as_str()).await.unwrap().unwrap();
    assert_eq!(office_after, jena_office, "Jena's office, contacts and hours are unchanged");
    // Nothing changed in Jena.
    let audit_after = app
        .store
        .audit()
        .list(regioportal_storage::AuditScope::Municipality(jena.scope()), &Default::default())
        .await
        .unwrap()
        .len();
    assert_eq!(audit_before, audit_after);
    let victim_sessions = app.store.sessions().of_user(victim, Default::default(), chrono::Utc::now()).await.unwrap();
    assert_eq!(victim_sessions.len(), 1, "the victim's session survived");
    assert!(app.store.tokens().of_municipality(jena.scope()).await.unwrap()[0].revoked_at.is_none());

    // The JSON API: every state-changing operation in the OpenAPI document refuses a token of
    // another municipality; an operation without its case here fails the test.
    let gera_token = regioportal_tests::create_token(&app.store, "gera", "editor").await;
    let jena_token = regioportal_tests::create_token(&app.store, "jena", "editor").await;
    let gera_event = serde_json::json!({
        "title": "Gera only", "start": "2027-01-10T10:00", "municipality": "gera",
        "venue": { "name": "Rathaus" }, "categories": ["sonstiges"],
    });
    let (status, created) =
        app.send_json(reqwest::Method::POST, "/api/v1/events", Some(&gera_token), Some(&gera_event)).await;
    assert_eq!(status, 201, "{created}");
    let event_path = format!("/api/v1/events/{}", created["id"]);
    let (_, doc) = app.get_json("/openapi.json").await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let (m, target, expected) = match (method, path.as_str()) {
                ("post", "/api/v1/events") => (reqwest::Method::POST, "/api/v1/events".to_owned(), 403),
                ("put", "/api/v1/events/{id}") => (reqwest::Method::PUT, event_path.clone(), 404),
                ("delete", "/api/v1/events/{id}") => (reqwest::Method::DELETE, event_path.clone(), 404),
                ("put", "/api/v1/events/{id}/image") => (reqwest::Method::PUT, format!("{event_path}/image"), 404),
                ("delete", "/api/v1/events/{id}/image") => {
                    (reqwest::Method::DELETE, format!("{event_path}/image"), 404)
                }
                _ => panic!("{method} {path} needs its case in this matrix"),
            };
            let (status, body) = app.send_json(m, &target, Some(&jena_token), Some(&gera_event)).await;
            assert_eq!(status, expected, "{method} {path} with a Jena token on Gera's event: {body}");
        }
    }
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let still = app.store.events().get(gera.scope(), created["id"].as_i64().unwrap()).await.unwrap().unwrap();
    assert_eq!((still.draft.title.as_str(), still.sequence), ("Gera only", 0), "unchanged");
}

/// Mail through a real SMTP server (Python's smtpd as the peer).
#[tokio::test]
async fn reset_mails_go_through_an_smtp_relay_when_configured() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let received = tempfile::tempdir().unwrap();
    let script = regioportal_tests::peer_script("smtp_sink.py");
    let script = script.as_str();
    let mut sink = tokio::process::Command::new("python3")
        .args([script, &port.to_string(), received.path().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs the SMTP sink");
    let mut out = tokio::io::BufReader::new(sink.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(line.trim(), "ready");

    let relay = regioportal_web::mail::SmtpRelay { host: "127.0.0.1".into(), port };
    let app = TestApp::spawn_with(regioportal_tests::Options { smtp: Some(relay), ..Default::default() }).await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    let form = b.get("/verwaltung/passwort-vergessen").await;
    assert_eq!(
        b.post("/verwaltung/passwort-vergessen", &[("csrf", &form.csrf()), ("email", "erika@gera.de")]).await.status,
        200
    );
    let mut files = Vec::new();
    for _ in 0..40 {
        files = std::fs::read_dir(received.path())
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), 1, "the relay received the mail");
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        text.contains("X-Envelope-To: erika@gera.de") && text.contains("X-Envelope-From: noreply@regioportal.test"),
        "{text}"
    );
    assert!(app.outbox().is_empty(), "nothing left in the outbox");
    let _ = sink.kill().await;
}

#[tokio::test]
async fn a_failing_relay_keeps_the_mail_in_the_outbox() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let relay = regioportal_web::mail::SmtpRelay { host: "127.0.0.1".into(), port: closed };
    let app = TestApp::spawn_with(regioportal_tests::Options { smtp: Some(relay), ..Default::default() }).await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut b = Browser::new(&app);
    let form = b.get("/verwaltung/passwort-vergessen").await;
    assert_eq!(
        b.post("/verwaltung/passwort-vergessen", &[("csrf", &form.csrf()), ("email", "erika@gera.de")]).await.status,
        200
    );
    assert_eq!(app.outbox().len(), 1, "not lost: written to the outbox");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_every_session() {
    let app = TestApp::spawn().await;
    create_staff(&app.store, "erika@gera.de", PW, &["editor@gera"]).await;
    let mut laptop = Browser::new(&app);
    let mut phone = Browser::new(&app);
    laptop.login("erika@gera.de", PW).await;
    phone.login("erika@gera.de", PW).await;
    let account = laptop.get("/verwaltung/konto").await;
    let wrong = laptop
        .post(
            "/verwaltung/konto/passwort",
            &[("csrf", &account.csrf()), ("current", "nicht das passwort"), ("password", "ein ganz neues passwort")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Das aktuelle Passwort ist nicht richtig."));
    let ok = laptop
        .post(
            "/verwaltung/konto/passwort",
            &[("csrf", &account.csrf()), ("current", PW), ("password", "ein ganz neues passwort")],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(phone.get("/verwaltung").await.status, 303, "other sessions end with the old password");
    assert_eq!(Browser::new(&app).login("erika@gera.de", "ein ganz neues passwort").await.status, 303);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    async fn failed_login_ip(app: &TestApp, forwarded: &str) -> String {
        let mut b = Browser::new(app);
        let form = b.get("/verwaltung/anmelden").await;
        let res = app
            .client
            .post(format!("{}/verwaltung/anmelden", app.base))
            .header("cookie", format!("rp_csrf={}", b.cookie("rp_csrf").unwrap()))
            .header("origin", &app.base)
            .header("x-forwarded-for", forwarded)
            .form(&[("csrf", form.csrf().as_str()), ("email", "x@gera.de"), ("password", "wrong wrong wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let log = app.store.audit().list(regioportal_storage::AuditScope::All, &Default::default()).await.unwrap();
        log.iter().find(|e| e.action == "login_failed").and_then(|e| e.ip.clone()).unwrap()
    }
    let direct = TestApp::spawn().await;
    assert_eq!(
        failed_login_ip(&direct, "203.0.113.9").await,
        "127.0.0.1",
        "a header from an untrusted peer is ignored"
    );
    let proxied = TestApp::spawn_with(regioportal_tests::Options {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    assert_eq!(
        failed_login_ip(&proxied, "198.51.100.1, 203.0.113.9").await,
        "203.0.113.9",
        "the last address the proxy saw"
    );
}
