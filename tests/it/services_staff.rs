//! The Bürgerservice in the staff area: a municipality's overrides of the regional master text
//! through the editor, the master-text editor of region editors, tenant isolation, and form
//! uploads (checked PDFs only, older versions archived).

use regioportal_domain::auth::{base32, totp};
use regioportal_domain::pdf::{FormSheet, write_form_pdf};
use regioportal_domain::services::ServiceField;
use regioportal_tests::{Browser, Options, Page, TestApp, create_staff};

const PW: &str = "ein sehr langes passwort";

async fn signed_in(app: &TestApp, email: &str, grants: &[&str]) -> Browser {
    create_staff(&app.store, email, PW, grants).await;
    let mut b = Browser::new(app);
    assert_eq!(b.login(email, PW).await.status, 303);
    // Jena asks every staff member for a second factor: enrol one.
    if b.get("/verwaltung").await.location.as_deref() == Some("/verwaltung/konto/zwei-faktor") {
        let enrol = b.get("/verwaltung/konto/zwei-faktor").await;
        let at = enrol.body.find("<code>").expect("the secret is shown") + 6;
        let grouped = &enrol.body[at..at + enrol.body[at..].find("</code>").unwrap()];
        let secret = base32::decode(&grouped.replace(' ', "")).expect("base32 secret");
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
        let res = b
            .post("/verwaltung/konto/zwei-faktor", &[("csrf", &enrol.csrf()), ("code", &totp::code(&secret, now, 6))])
            .await;
        assert_eq!(res.status, 200, "the recovery codes: {}", res.body);
    }
    b
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What a browser sends for the editor's text form as the page shows it: the CSRF token, every
/// field's text, the ticked "override here" boxes and the note.
fn editor_form(page: &Page) -> Vec<(String, String)> {
    let body = &page.body;
    let start = body.find("<form method=\"post\" action=\"/verwaltung/").expect("the editor form");
    let end = start + body[start..].find("</form>").expect("end of the form");
    let form = &body[start..end];
    let mut out = vec![("csrf".to_owned(), page.csrf())];
    for f in ServiceField::ALL {
        let key = f.as_str();
        if form.contains(&format!("name=\"override\" value=\"{key}\" checked")) {
            out.push(("override".to_owned(), key.to_owned()));
        }
        let marker = format!("id=\"field-{key}\" name=\"{key}\"");
        let at = form.find(&marker).unwrap_or_else(|| panic!("no field {key}"));
        let tag_start = form[..at].rfind('<').unwrap();
        let value = if form[tag_start..].starts_with("<textarea") {
            let open_end = at + form[at..].find('>').unwrap() + 1;
            let close = open_end + form[open_end..].find("</textarea>").unwrap();
            unescape(&form[open_end..close])
        } else {
            let v = at + form[at..].find("value=\"").unwrap() + 7;
            unescape(&form[v..v + form[v..].find('"').unwrap()])
        };
        out.push((key.to_owned(), value));
    }
    if let Some(at) = form.find("id=\"note\" name=\"note\"") {
        let open_end = at + form[at..].find('>').unwrap() + 1;
        let close = open_end + form[open_end..].find("</textarea>").unwrap();
        out.push(("note".to_owned(), unescape(&form[open_end..close])));
    }
    out
}

fn set(form: &mut [(String, String)], key: &str, value: &str) {
    let slot = form.iter_mut().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in the form"));
    slot.1 = value.to_owned();
}

fn tick(form: &mut Vec<(String, String)>, key: &str, on: bool) {
    form.retain(|(k, v)| !(k == "override" && v == key));
    if on {
        form.push(("override".to_owned(), key.to_owned()));
    }
}

async fn post(b: &mut Browser, path: &str, form: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &pairs).await
}

async fn public(app: &TestApp, path: &str) -> String {
    let (status, body) = app.get_text(path).await;
    assert_eq!(status, 200, "{path}");
    body
}

#[tokio::test]
async fn overrides_inherit_the_master_text_field_by_field_through_the_editor() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let mut gera = signed_in(&app, "redaktion@gera.de", &["editor@gera"]).await;
    let mut region = signed_in(&app, "redaktion@region.de", &["region_editor"]).await;

    // The dashboards lead to the editors.
    assert!(gera.get("/verwaltung").await.body.contains("href=\"/verwaltung/gera/buergerservice\""));
    assert!(region.get("/verwaltung").await.body.contains("href=\"/verwaltung/buergerservice\""));

    // The list: A–Z, with the count of Gera's overrides (the demo overrides fee_note).
    let list = gera.get("/verwaltung/gera/buergerservice").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("href=\"/verwaltung/gera/buergerservice/hundesteuer\""), "{}", list.body);

    let page = gera.get("/verwaltung/gera/buergerservice/hundesteuer").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("hier überschrieben") && page.body.contains("aus der Region"));
    assert!(!page.body.contains("/verwaltung/buergerservice/hundesteuer\""), "no master link for a local editor");
    let mut form = editor_form(&page);
    assert!(form.contains(&("override".to_owned(), "fee_note".to_owned())), "the demo override is ticked");

    // A fee that is not one: 422, the summary links to the field, the input is kept.
    tick(&mut form, "fees", true);
    set(&mut form, "fees", "zwölf Euro");
    let bad = post(&mut gera, "/verwaltung/gera/buergerservice/hundesteuer", &form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#field-fees\""), "{}", bad.body);
    assert!(bad.body.contains("zwölf Euro"), "the input is kept");

    // Gera overrides the fees.
    set(&mut form, "fees", "42,00 | Gera-Testgebühr je Hund");
    let saved = post(&mut gera, "/verwaltung/gera/buergerservice/hundesteuer", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/verwaltung/gera/buergerservice/hundesteuer?done=gespeichert"));
    let page = gera.get("/verwaltung/gera/buergerservice/hundesteuer?done=gespeichert").await;
    assert!(page.body.contains("Die Änderungen sind gespeichert."));
    let list = gera.get("/verwaltung/gera/buergerservice").await;
    assert!(list.body.contains("<strong class=\"rp-tag\">2</strong>"), "fee_note and fees");

    let gera_page = public(&app, "/gera/buergerservice/leistungen/hundesteuer").await;
    let jena_page = public(&app, "/jena/buergerservice/leistungen/hundesteuer").await;
    assert!(gera_page.contains("Gera-Testgebühr je Hund"));
    assert!(!jena_page.contains("Gera-Testgebühr je Hund"));
    assert!(jena_page.contains("gebührenfrei"), "Jena shows the region's fee");

    // A region editor changes the processing time in the master text: both show it, and Gera
    // keeps its own fee.
    assert_eq!(gera.get("/verwaltung/buergerservice/hundesteuer").await.status, 403);
    let master = region.get("/verwaltung/buergerservice/hundesteuer").await;
    assert_eq!(master.status, 200);
    assert!(master.body.contains("99102013104000"), "the LeiKa key, read-only");
    let mut mform = editor_form(&master);
    set(&mut mform, "summary", "");
    let bad = post(&mut region, "/verwaltung/buergerservice/hundesteuer", &mform).await;
    assert_eq!(bad.status, 422, "a service needs a summary");
    assert!(bad.body.contains("href=\"#field-summary\""));
    let mut mform = editor_form(&master);
    set(&mut mform, "processing_time", "Etwa drei Wochen (Testwert)");
    let saved = post(&mut region, "/verwaltung/buergerservice/hundesteuer", &mform).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let gera_page = public(&app, "/gera/buergerservice/leistungen/hundesteuer").await;
    let jena_page = public(&app, "/jena/buergerservice/leistungen/hundesteuer").await;
    assert!(gera_page.contains("Etwa drei Wochen (Testwert)"));
    assert!(jena_page.contains("Etwa drei Wochen (Testwert)"));
    assert!(gera_page.contains("Gera-Testgebühr je Hund"));
    let s = app.store.directory().service_by_slug("hundesteuer").await.unwrap().unwrap();
    assert_eq!(s.leika.as_ref().map(|k| k.as_str()), Some("99102013104000"), "the key is kept");
    assert!(s.content.name.starts_with("Hund zur Hundesteuer"), "the other fields are kept");

    // Clearing the override brings the region's fee back.
    let page = gera.get("/verwaltung/gera/buergerservice/hundesteuer").await;
    let mut form = editor_form(&page);
    tick(&mut form, "fees", false);
    assert_eq!(post(&mut gera, "/verwaltung/gera/buergerservice/hundesteuer", &form).await.status, 303);
    let gera_page = public(&app, "/gera/buergerservice/leistungen/hundesteuer").await;
    assert!(!gera_page.contains("Gera-Testgebühr je Hund"));
    assert!(gera_page.contains("gebührenfrei"));
}

#[tokio::test]
async fn an_editor_of_jena_cannot_open_or_change_geras_services() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let mut jena = signed_in(&app, "redaktion@jena.de", &["editor@jena"]).await;
    let own = jena.get("/verwaltung/jena/buergerservice/hundesteuer").await;
    assert_eq!(own.status, 200, "{:?}", own.location);
    let csrf = jena.get("/verwaltung/konto").await.csrf();
    for path in ["/verwaltung/gera/buergerservice", "/verwaltung/gera/buergerservice/hundesteuer"] {
        assert_eq!(jena.get(path).await.status, 403, "{path}");
    }
    let res = jena
        .post(
            "/verwaltung/gera/buergerservice/hundesteuer",
            &[("csrf", &csrf), ("override", "fees"), ("fees", "1,00"), ("note", "Jena war hier")],
        )
        .await;
    assert_eq!(res.status, 403);
    let res =
        upload(&app, &jena, "/verwaltung/gera/buergerservice/hundesteuer/formulare", &csrf, "Von Jena", &pdf("x"))
            .await;
    assert_eq!(res.status(), 403);
    // Nor the region's master text.
    assert_eq!(jena.get("/verwaltung/buergerservice/hundesteuer").await.status, 403);
    let res = jena.post("/verwaltung/buergerservice/hundesteuer", &[("csrf", &csrf), ("name", "Jena")]).await;
    assert_eq!(res.status, 403);
    let gera = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let id = app.store.directory().service_by_slug("hundesteuer").await.unwrap().unwrap().id;
    let local = app.store.directory().local(gera.scope(), id).await.unwrap();
    assert!(!local.overrides.is_set(ServiceField::Fees) && !local.note.contains("Jena"), "unchanged");
    assert!(app.store.directory().forms(id, Some(gera.scope())).await.unwrap().iter().all(|f| f.title != "Von Jena"));
}

fn pdf(title: &str) -> Vec<u8> {
    write_form_pdf(&FormSheet { title, subtitle: "Testformular", fields: &["Name", "Anschrift"], footer: "Gera" })
}

fn multipart(fields: &[(&str, &str)], file: &[u8], file_name: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend(
        format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(b"\r\n--XyZ--\r\n");
    body
}

async fn upload(app: &TestApp, b: &Browser, path: &str, csrf: &str, title: &str, file: &[u8]) -> reqwest::Response {
    let body = multipart(
        &[("csrf", csrf), ("title", title), ("language", "de"), ("version", "2026-03"), ("valid_from", "2026-03-01")],
        file,
        "formular.pdf",
    );
    app.client
        .post(format!("{}{path}", app.base))
        .header("cookie", format!("rp_session={}", b.cookie("rp_session").unwrap()))
        .header("origin", app.base.clone())
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .await
        .expect("upload")
}

/// The download links of a form on a page, by the file name its title makes.
fn links(body: &str, file_name: &str) -> Vec<String> {
    body.match_indices("/buergerservice/formulare/")
        .filter_map(|(at, _)| {
            let rest = &body[at..];
            let href = &rest[..rest.find('"')?];
            href.ends_with(&format!("/{file_name}")).then(|| href.to_owned())
        })
        .collect()
}

fn stored_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map_or(0, |entries| entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
    }
    count(&app.data_dir.path().join("files"))
}

#[tokio::test]
async fn uploaded_forms_are_checked_and_older_versions_archived() {
    let app = TestApp::spawn_with(Options { body_limit: Some(16 << 20), ..Default::default() }).await;
    app.seed_services().await;
    let mut gera = signed_in(&app, "formulare@gera.de", &["editor@gera"]).await;
    let page = gera.get("/verwaltung/gera/buergerservice/hundesteuer").await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();
    let path = "/verwaltung/gera/buergerservice/hundesteuer/formulare";
    let public_path = "/gera/buergerservice/leistungen/hundesteuer";
    let name = "Testformular-Gera.pdf";
    let files_before = stored_files(&app);

    // Refused: a PNG named .pdf, a PDF with JavaScript, a file over 10 MiB; nothing is stored.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    let res = upload(&app, &gera, path, &csrf, "Testformular Gera", &png).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Die Datei ist kein PDF"), "{body}");
    assert!(body.contains("href=\"#form-file\""), "the summary links to the file input");
    assert!(body.contains("value=\"Testformular Gera\""), "the title is kept");

    let mut js = pdf("Mit Skript");
    let at = js.windows(7).rposition(|w| w == b"xref\n0 ").expect("an xref table");
    js.splice(at..at, b"99 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n".iter().copied());
    let res = upload(&app, &gera, path, &csrf, "Testformular Gera", &js).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Das PDF enthält JavaScript"), "{body}");

    let mut huge = b"%PDF-1.7\n".to_vec();
    huge.resize((10 << 20) + 1, b'%');
    let res = upload(&app, &gera, path, &csrf, "Testformular Gera", &huge).await;
    assert_eq!(res.status(), 413);
    let body = res.text().await.unwrap();
    assert!(body.contains("größer als 10 MB"), "{body}");

    assert!(links(&public(&app, public_path).await, name).is_empty(), "no refused form is shown");
    assert_eq!(stored_files(&app), files_before, "no refused file is stored");

    // Missing title: refused as well.
    let res = upload(&app, &gera, path, &csrf, "  ", &pdf("Ohne Titel")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("href=\"#form-title\""));

    // Accepted, linked from the public page and downloadable.
    let first = pdf("Testformular Gera, Fassung 1");
    let res = upload(&app, &gera, path, &csrf, "Testformular Gera", &first).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let shown = links(&public(&app, public_path).await, name);
    assert_eq!(shown.len(), 1, "{shown:?}");
    let old_href = shown[0].clone();
    let res = app.get(&old_href).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().to_vec(), first);
    assert!(links(&public(&app, "/jena/buergerservice/leistungen/hundesteuer").await, name).is_empty(), "Gera's only");
    let editor = gera.get("/verwaltung/gera/buergerservice/hundesteuer?done=hochgeladen").await;
    assert!(editor.body.contains(&old_href) && editor.body.contains("PDF, "), "listed in the editor");

    // The same title again: the first version is archived, still downloadable.
    let second = pdf("Testformular Gera, Fassung 2");
    let res = upload(&app, &gera, path, &csrf, "Testformular Gera", &second).await;
    assert_eq!(res.status(), 303);
    let body = public(&app, public_path).await;
    let shown = links(&body, name);
    assert_eq!(shown.len(), 2, "the current one and the archived one: {shown:?}");
    let new_href = shown.iter().find(|h| **h != old_href).expect("a new version").clone();
    assert_eq!(app.get(&new_href).await.bytes().await.unwrap().to_vec(), second);
    assert_eq!(app.get(&old_href).await.bytes().await.unwrap().to_vec(), first, "the archived one stays");
    let editor = gera.get("/verwaltung/gera/buergerservice/hundesteuer").await;
    let archive = editor.body.find("Ältere Fassungen").expect("an archive list");
    assert!(editor.body[archive..].contains(&old_href), "listed as archived");
    let gera_m = app.store.municipalities().by_slug("gera").await.unwrap().unwrap();
    let id = app.store.directory().service_by_slug("hundesteuer").await.unwrap().unwrap().id;
    let archived = app.store.directory().archived_forms(id, Some(gera_m.scope())).await.unwrap();
    assert_eq!(archived.iter().filter(|f| f.title == "Testformular Gera").count(), 1);

    // Regional forms: region editors only, shown in every municipality.
    let mut region = signed_in(&app, "formulare@region.de", &["region_editor"]).await;
    let rcsrf = region.get("/verwaltung/buergerservice/hundesteuer").await.csrf();
    let res = upload(&app, &gera, "/verwaltung/buergerservice/hundesteuer/formulare", &csrf, "Regional", &first).await;
    assert_eq!(res.status(), 403, "a local editor may not upload regional forms");
    let res = upload(
        &app,
        &region,
        "/verwaltung/buergerservice/hundesteuer/formulare",
        &rcsrf,
        "Regionales Testformular",
        &pdf("Regional"),
    )
    .await;
    assert_eq!(res.status(), 303);
    for m in ["gera", "jena"] {
        let body = public(&app, &format!("/{m}/buergerservice/leistungen/hundesteuer")).await;
        assert_eq!(links(&body, "Regionales-Testformular.pdf").len(), 1, "{m}");
    }
}

async fn kfz_responsible(app: &TestApp, query: &str) -> serde_json::Value {
    let id = app.store.directory().service_by_slug("kfz-zulassung").await.unwrap().unwrap().id;
    let (status, r) = app.get_json(&format!("/api/v1/services/{id}/responsible?{query}")).await;
    assert_eq!(status, 200, "{r}");
    r
}

/// The county keeps its offices in the staff area: hours (refused with the line when
/// unreadable, nothing stored), a contact whose name stays private, a new branch office, and
/// a postcode of one of its towns routed to that branch — which the Zuständigkeitsfinder
/// answers at once and forgets when the assignment is removed. Another municipality's area
/// cannot be taken.
#[tokio::test]
async fn a_county_editor_keeps_its_offices_and_routes_a_town_by_postcode() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let mut b = signed_in(&app, "kreis@altenburgerland.de", &["editor@altenburger-land"]).await;
    let list = b.get("/verwaltung/altenburger-land/aemter").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("href=\"/verwaltung/altenburger-land/aemter/zulassungsstelle\""), "{}", list.body);

    // The office page: the stored hours, the computed week, the contacts (a private name marked).
    let base = "/verwaltung/altenburger-land/aemter/zulassungsstelle";
    let page = b.get(base).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Di 08:00-12:00, 13:30-18:00"), "the weekly hours as text");
    assert!(page.body.contains("Katrin Schablone (Demo) (nicht öffentlich)"), "a private name is marked");
    assert!(page.body.contains("aria-current=\"date\""), "the week preview");

    let good = |weekly: &str, email: &str| {
        vec![
            ("csrf".to_owned(), page.csrf()),
            ("name".to_owned(), "Kfz-Zulassungsstelle des Landkreises Altenburger Land".to_owned()),
            ("street".to_owned(), "Martin-Luther-Straße 1a".to_owned()),
            ("postcode".to_owned(), "04600".to_owned()),
            ("city".to_owned(), "Altenburg".to_owned()),
            ("phone".to_owned(), "+49 3447 586-602".to_owned()),
            ("email".to_owned(), email.to_owned()),
            ("weekly".to_owned(), weekly.to_owned()),
            ("exceptions".to_owned(), "2026-12-24 geschlossen Heiligabend".to_owned()),
        ]
    };
    let bad = b.post(base, &refs(&good("Mo 08:00-12:00\nXy 09:00-10:00", "kfz@"))).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#office-weekly\"") && bad.body.contains("line 2"), "{}", bad.body);
    assert!(bad.body.contains("href=\"#office-email\""), "every problem at once");
    assert!(bad.body.contains("Xy 09:00-10:00"), "the editor's text is kept");
    assert!(
        kfz_responsible(&app, "postcode=04626").await["office"]["opening_hours"]
            .as_str()
            .unwrap()
            .contains("13:30-18:00")
    );
    let saved = b.post(base, &refs(&good("Mo-Fr 07:30-12:00", "kfz.zulassung@altenburgerland.de"))).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let r = kfz_responsible(&app, "postcode=04626").await;
    assert_eq!(r["office"]["opening_hours"], "Mo-Fr 07:30-12:00", "the finder answers with the new hours at once");

    // A contact whose name is not shown.
    let form = b.get(&format!("{base}/ansprechpartner/neu")).await;
    assert_eq!(form.status, 200);
    let shown_without_name = b
        .post(
            &format!("{base}/ansprechpartner"),
            &[("csrf", &form.csrf()), ("function", "Fahrerlaubnisse"), ("show_name", "1")],
        )
        .await;
    assert_eq!(shown_without_name.status, 422);
    assert!(shown_without_name.body.contains("href=\"#contact-name\""));
    let added = b
        .post(
            &format!("{base}/ansprechpartner"),
            &[("csrf", &form.csrf()), ("function", "Fahrerlaubnisse"), ("name", "Erika Probe (Demo)")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let (_, public) = app.get_text("/altenburger-land/buergerservice/aemter/zulassungsstelle").await;
    assert!(public.contains("Fahrerlaubnisse") && !public.contains("Erika Probe"), "only the function is public");

    // A branch office in Schmölln, responsible for Kfz-Zulassung for the town's postcode.
    let new = b.get("/verwaltung/altenburger-land/aemter/neu").await;
    let created = b
        .post(
            "/verwaltung/altenburger-land/aemter",
            &[("csrf", &new.csrf()), ("name", "Außenstelle Schmölln (Demo)"), ("weekly", "Di 09:00-12:00")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let branch = "/verwaltung/altenburger-land/aemter/aussenstelle-schmoelln-demo";
    assert_eq!(created.location.as_deref(), Some(&*format!("{branch}?done=angelegt")));
    let form = b.get(&format!("{branch}/zustaendigkeiten/neu")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"schmoelln\""), "a county may assign its towns' areas");
    assert!(!form.body.contains("value=\"jena\""), "but no other municipality's");
    let csrf = form.csrf();
    let assign = |m: &'static str, values: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("service", "kfz-zulassung"),
            ("area_municipality", m),
            ("kind", "postcodes"),
            ("values", values),
        ]
    };
    let to = format!("{branch}/zustaendigkeiten");
    let wrong = b.post(&to, &assign("schmoelln", "04600")).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("04626"), "the message lists the town's postcodes: {}", wrong.body);
    assert_eq!(b.post(&to, &assign("jena", "07743")).await.status, 422, "not another municipality's area");
    let ok = b.post(&to, &assign("schmoelln", "04626")).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(b.post(&to, &assign("schmoelln", "04626")).await.status, 422, "not twice");

    let r = kfz_responsible(&app, "place=Schm%C3%B6lln").await;
    assert_eq!(r["office"]["name"], "Außenstelle Schmölln (Demo)", "postcodes beat the county: {r}");
    // 04626 is also the postcode of places the county serves itself, which still go to the
    // county office: the postcode alone no longer decides, so the finder asks for the place.
    let id = app.store.directory().service_by_slug("kfz-zulassung").await.unwrap().unwrap().id;
    let (status, r) = app.get_json(&format!("/api/v1/services/{id}/responsible?postcode=04626")).await;
    assert_eq!(status, 409, "{r}");
    assert!(r["detail"].as_str().unwrap().contains("Posterstein (altenburger-land)"), "{r}");
    let r = kfz_responsible(&app, "place=Posterstein").await;
    assert!(r["office"]["name"].as_str().unwrap().contains("Zulassungsstelle"), "{r}");
    let r = kfz_responsible(&app, "postcode=04600").await;
    assert!(r["office"]["name"].as_str().unwrap().contains("Zulassungsstelle"), "Altenburg still goes to the county");

    // Removed again: the county office answers for Schmölln once more.
    let page = b.get(branch).await;
    let at = page.body.find("/zustaendigkeiten/").expect("the remove button");
    let action_start = page.body[..at].rfind('"').unwrap() + 1;
    let action = &page.body[action_start..at + page.body[at..].find('"').unwrap()];
    assert!(action.ends_with("/entfernen"), "{action}");
    assert_eq!(b.post(action, &[("csrf", &page.csrf())]).await.status, 303);
    let r = kfz_responsible(&app, "postcode=04626").await;
    assert!(r["office"]["name"].as_str().unwrap().contains("Zulassungsstelle"), "{r}");

    // Everything is in the county's audit log.
    let county = app.store.municipalities().by_slug("altenburger-land").await.unwrap().unwrap();
    let audit = app
        .store
        .audit()
        .list(regioportal_storage::AuditScope::Municipality(county.scope()), &Default::default())
        .await
        .unwrap();
    for kind in ["office", "contact", "responsibility"] {
        assert!(audit.iter().any(|e| e.entity_type == kind), "{kind} is audited");
    }

    // A town cannot take a county service for itself: its assignment would outrank the county's.
    let mut town = signed_in(&app, "stadt@schmoelln.de", &["editor@schmoelln"]).await;
    let form = town.get("/verwaltung/schmoelln/aemter/buergerbuero/zustaendigkeiten/neu").await;
    assert_eq!(form.status, 200);
    let taken = town
        .post(
            "/verwaltung/schmoelln/aemter/buergerbuero/zustaendigkeiten",
            &[
                ("csrf", &form.csrf()),
                ("service", "kfz-zulassung"),
                ("area_municipality", "schmoelln"),
                ("kind", "municipality"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(taken.body.contains("Landkreis"), "the message says whose it is: {}", taken.body);
    assert!(
        kfz_responsible(&app, "place=Schm%C3%B6lln").await["office"]["name"]
            .as_str()
            .unwrap()
            .contains("Zulassungsstelle")
    );

    // Gera's editor reaches none of it: not through the county's paths, nor through Gera's own
    // office with the county's ids.
    let mut gera = signed_in(&app, "erika@gera.de", &["editor@gera"]).await;
    assert_eq!(gera.get("/verwaltung/altenburger-land/aemter").await.status, 403);
    assert_eq!(gera.get(base).await.status, 403);
    let county_office = app.store.directory().office(county.scope(), "zulassungsstelle").await.unwrap().unwrap();
    let contact = county_office.contacts[0].id;
    let assignment =
        app.store.directory().office_responsibilities(county.scope(), county_office.id).await.unwrap()[0].id;
    let csrf = gera.get("/verwaltung/gera/aemter/h35").await.csrf();
    for path in [
        format!("/verwaltung/gera/aemter/h35/ansprechpartner/{contact}"),
        format!("/verwaltung/gera/aemter/h35/ansprechpartner/{contact}/entfernen"),
        format!("/verwaltung/gera/aemter/h35/zustaendigkeiten/{assignment}/entfernen"),
    ] {
        let res = gera.post(&path, &[("csrf", &csrf), ("function", "Übernommen")]).await;
        assert_eq!(res.status, 404, "{path}");
    }
    assert_eq!(app.store.directory().office(county.scope(), "zulassungsstelle").await.unwrap().unwrap(), county_office);
}

/// Region editors grow the catalogue in the staff area: a new service (with a checked LeiKa
/// key), its life situations and related services, and a new sub-topic in the tree of life
/// situations, which cannot be filed below itself. A municipality's editor may do none of it.
#[tokio::test]
async fn region_editors_add_services_and_keep_the_tree_of_life_situations() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let mut region = signed_in(&app, "katalog@region.de", &["region_editor"]).await;
    let form = region.get("/verwaltung/buergerservice/neu").await;
    assert_eq!(form.status, 200);
    let bad = region
        .post(
            "/verwaltung/buergerservice",
            &[("csrf", &form.csrf()), ("name", ""), ("summary", "Fällen geschützter Bäume."), ("leika", "123")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#new-name\"") && bad.body.contains("href=\"#new-leika\""), "{}", bad.body);
    let created = region
        .post(
            "/verwaltung/buergerservice",
            &[
                ("csrf", &form.csrf()),
                ("name", "Baumfällgenehmigung (Test)"),
                ("summary", "Genehmigung zum Fällen geschützter Bäume."),
                ("level", "municipality"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location.as_deref(), Some("/verwaltung/buergerservice/baumfaellgenehmigung-test?done=angelegt"));
    let again = region
        .post(
            "/verwaltung/buergerservice",
            &[("csrf", &form.csrf()), ("name", "Baumfällgenehmigung (Test)"), ("summary", "Noch einmal.")],
        )
        .await;
    assert_eq!(again.location.as_deref(), Some("/verwaltung/buergerservice/baumfaellgenehmigung-test-2?done=angelegt"));

    // Links: under "Bauen und Wohnen", related to the building permit.
    let dir = app.store.directory();
    let life = dir.life_situations().await.unwrap();
    let bauen = life.iter().find(|l| l.slug.as_str() == "bauen-wohnen").unwrap();
    let services = dir.services().await.unwrap();
    let related = services.iter().find(|s| s.slug.as_str() == "baugenehmigung").unwrap_or(&services[0]);
    let editor = region.get("/verwaltung/buergerservice/baumfaellgenehmigung-test").await;
    assert!(editor.body.contains("id=\"verknuepfungen\""), "the links section");
    let saved = region
        .post(
            "/verwaltung/buergerservice/baumfaellgenehmigung-test/verknuepfungen",
            &[
                ("csrf", &editor.csrf()),
                ("life_situation", &bauen.id.to_string()),
                ("related", &related.id.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let (_, page) = app.get_text("/buergerservice/lebenslagen/bauen-wohnen").await;
    assert!(page.contains("Baumfällgenehmigung (Test)"), "listed under its life situation");
    let (_, page) = app.get_text("/buergerservice/leistungen/baumfaellgenehmigung-test").await;
    assert!(page.contains(&related.content.name), "the related service is linked");

    // A sub-topic of "Bauen und Wohnen"; "Bauen und Wohnen" cannot go below it.
    let new = region.get("/verwaltung/buergerservice/lebenslagen/neu").await;
    let created = region
        .post(
            "/verwaltung/buergerservice/lebenslagen",
            &[
                ("csrf", &new.csrf()),
                ("name", "Garten und Bäume (Test)"),
                ("summary", "Bäume fällen, Hecken schneiden."),
                ("parent", &bauen.id.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let child = dir.life_situations().await.unwrap().into_iter().find(|l| l.name == "Garten und Bäume (Test)").unwrap();
    assert_eq!(child.parent_id, Some(bauen.id));
    let list = region.get("/verwaltung/buergerservice/lebenslagen").await;
    assert!(list.body.contains("Garten und Bäume (Test)"));
    let edit = region.get("/verwaltung/buergerservice/lebenslagen/bauen-wohnen").await;
    assert!(!edit.body.contains(&format!("<option value=\"{}\"", child.id)), "its own sub-topic is no parent choice");
    let looped = region
        .post(
            "/verwaltung/buergerservice/lebenslagen/bauen-wohnen",
            &[
                ("csrf", &edit.csrf()),
                ("name", &bauen.name),
                ("summary", &bauen.summary),
                ("parent", &child.id.to_string()),
            ],
        )
        .await;
    assert_eq!(looped.status, 422, "{}", looped.body);
    assert!(looped.body.contains("href=\"#life-parent\""));
    assert_eq!(dir.life_situations().await.unwrap().iter().find(|l| l.id == bauen.id).unwrap().parent_id, None);

    // A municipality's editor is refused every page and every change.
    let mut gera = signed_in(&app, "erika@gera.de", &["editor@gera"]).await;
    for path in [
        "/verwaltung/buergerservice/neu",
        "/verwaltung/buergerservice/lebenslagen",
        "/verwaltung/buergerservice/lebenslagen/bauen-wohnen",
    ] {
        assert_eq!(gera.get(path).await.status, 403, "{path}");
    }
    let csrf = gera.get("/verwaltung/konto").await.csrf();
    let refused = gera
        .post("/verwaltung/buergerservice", &[("csrf", &csrf), ("name", "Einbruch"), ("summary", "Nicht erlaubt.")])
        .await;
    assert_eq!(refused.status, 403);
    assert!(dir.service_by_slug("einbruch").await.unwrap().is_none());
}

/// An office closes: another office takes over its responsibilities (the finder answers with
/// it at once), the closed one leaves the pages and the search, and it can be reopened. A
/// region editor discontinues a service and restores it with everything that belongs to it.
#[tokio::test]
async fn offices_close_and_services_are_discontinued_without_losing_anything() {
    let app = TestApp::spawn().await;
    app.seed_services().await;
    let mut b = signed_in(&app, "kreis@altenburgerland.de", &["editor@altenburger-land"]).await;
    let office = "/verwaltung/altenburger-land/aemter/zulassungsstelle";
    let page = b.get(office).await;
    assert!(page.body.contains("id=\"successor\""), "{}", page.body);
    let csrf = page.csrf();
    let landratsamt = app
        .store
        .directory()
        .offices(app.store.municipalities().by_slug("altenburger-land").await.unwrap().unwrap().scope())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.slug.as_str() == "landratsamt")
        .unwrap();
    assert_eq!(
        kfz_responsible(&app, "place=Schmölln").await["office"]["name"],
        "Kfz-Zulassungsstelle des Landkreises Altenburger Land"
    );

    // Bad successors change nothing.
    let res = b.post(&format!("{office}/schliessen"), &[("csrf", &csrf), ("successor", "zwei")]).await;
    assert_eq!(res.status, 400);
    let res = b.post(&format!("{office}/schliessen"), &[("csrf", &csrf), ("successor", "1")]).await;
    assert!(matches!(res.status, 404 | 409), "{}", res.status);
    public(&app, "/altenburger-land/buergerservice/aemter/zulassungsstelle").await;

    // Closed, the Landratsamt takes over.
    let successor = landratsamt.id.to_string();
    let res = b.post(&format!("{office}/schliessen"), &[("csrf", &csrf), ("successor", &successor)]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let closed = b.get(&format!("{office}?done=geschlossen")).await;
    assert!(closed.body.contains("Geschlossen seit") && closed.body.contains("Wieder öffnen"), "{}", closed.body);
    assert!(!closed.body.contains("zustaendigkeiten/neu"), "no new assignments for a closed office");
    let list = b.get("/verwaltung/altenburger-land/aemter").await;
    assert!(list.body.contains("geschlossen"), "the list marks it");
    let answer = kfz_responsible(&app, "place=Schmölln").await;
    assert_eq!(answer["office"]["name"], landratsamt.name, "{answer}");
    let (status, _) = app.get_text("/altenburger-land/buergerservice/aemter/zulassungsstelle").await;
    assert_eq!(status, 404, "a closed office has no page");
    let (_, found) = app.get_json("/api/v1/services?q=Zulassungsstelle").await;
    let (_, search) = app.get_text("/buergerservice/suche?q=Kfz-Zulassungsstelle&art=office").await;
    assert!(!search.contains("/aemter/zulassungsstelle\""), "not found by the search: {found}");
    // Closing twice is refused; reopening brings the page back, without responsibilities.
    let res = b.post(&format!("{office}/schliessen"), &[("csrf", &csrf), ("successor", "")]).await;
    assert_eq!(res.status, 409);
    assert_eq!(b.post(&format!("{office}/oeffnen"), &[("csrf", &csrf)]).await.status, 303);
    public(&app, "/altenburger-land/buergerservice/aemter/zulassungsstelle").await;
    assert_eq!(kfz_responsible(&app, "place=Schmölln").await["office"]["name"], landratsamt.name);
    let log = app.store.audit().list(regioportal_storage::AuditScope::All, &Default::default()).await.unwrap();
    assert!(log.iter().any(|e| e.entity_type == "office" && e.action == "archive"));
    assert!(log.iter().any(|e| e.entity_type == "office" && e.action == "reopen"));

    // A region editor discontinues the Hundesteuer; Altenburg's local text stays.
    let mut region = signed_in(&app, "region@ostthueringen.de", &["region_editor"]).await;
    let master = region.get("/verwaltung/buergerservice/hundesteuer").await;
    assert!(master.body.contains("/verwaltung/buergerservice/hundesteuer/einstellen"), "{}", master.body);
    let rcsrf = master.csrf();
    let id = app.store.directory().service_by_slug("hundesteuer").await.unwrap().unwrap().id;
    public(&app, "/altenburg/buergerservice/leistungen/hundesteuer").await;
    let res = region.post("/verwaltung/buergerservice/hundesteuer/einstellen", &[("csrf", &rcsrf)]).await;
    assert_eq!(res.status, 303);
    for path in ["/buergerservice/leistungen/hundesteuer", "/altenburg/buergerservice/leistungen/hundesteuer"] {
        assert_eq!(app.get_text(path).await.0, 404, "{path}");
    }
    assert_eq!(app.get_json(&format!("/api/v1/services/{id}")).await.0, 404);
    let (_, list) = app.get_json("/api/v1/services?q=Hundesteuer").await;
    assert!(list["items"].as_array().unwrap().iter().all(|i| i["id"] != id), "{list}");
    let az = public(&app, "/buergerservice").await;
    assert!(!az.contains("/leistungen/hundesteuer\""), "not in the A–Z");
    let staff_list = region.get("/verwaltung/buergerservice").await;
    assert!(staff_list.body.contains("eingestellt"), "the staff list marks it");
    // Non-region editors may not.
    let res = b.post("/verwaltung/buergerservice/hundesteuer/wiederherstellen", &[("csrf", &csrf)]).await;
    assert_eq!(res.status, 403);
    let res = region.post("/verwaltung/buergerservice/hundesteuer/wiederherstellen", &[("csrf", &rcsrf)]).await;
    assert_eq!(res.status, 303);
    public(&app, "/altenburg/buergerservice/leistungen/hundesteuer").await;
    assert_eq!(app.get_json(&format!("/api/v1/services/{id}")).await.0, 200);
}
