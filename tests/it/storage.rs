//! Storage: migrations, the import, and the tenant scope.

use regioportal_domain::region::Region;
use regioportal_domain::{LegalPageKind, Locale};
use regioportal_storage::{Owner, StaticAssets, Store};
use regioportal_tests::TestDb;

#[tokio::test]
async fn migrations_are_idempotent_and_safe_to_run_concurrently() {
    let db = TestDb::fresh().await;
    // Two nodes starting together: the advisory lock (PostgreSQL) or SQLite's write lock
    // serialises them; both end up with the same schema.
    let (a, b) = tokio::join!(Store::open(db.url()), Store::open(db.url()));
    let (a, b) = (a.expect("node a"), b.expect("node b"));
    let applied = a.applied_migrations().await.unwrap();
    assert_eq!(applied, b.applied_migrations().await.unwrap());
    assert!(!applied.is_empty());
    let again = Store::open(db.url()).await.expect("a third open migrates nothing");
    assert_eq!(again.applied_migrations().await.unwrap(), applied);
}

#[tokio::test]
async fn importing_twice_updates_and_never_duplicates() {
    let db = TestDb::fresh().await;
    let store = Store::open(db.url()).await.unwrap();
    let first = regioportal::demo::seed(&store).await.unwrap();
    assert_eq!(first.created.len(), 10);
    let jena = store.municipalities().by_slug("jena").await.unwrap().unwrap();
    let places_before = store.places().list(jena.scope()).await.unwrap();
    let second = regioportal::demo::seed(&store).await.unwrap();
    assert!(second.created.is_empty());
    assert_eq!(second.updated.len(), 10);
    assert_eq!(second.places, first.places);
    assert_eq!(store.municipalities().list().await.unwrap().len(), 10);
    let jena_again = store.municipalities().by_slug("jena").await.unwrap().unwrap();
    assert_eq!(jena_again.scope(), jena.scope(), "the same row, updated in place");
    assert_eq!(store.places().list(jena.scope()).await.unwrap(), places_before);
}

#[tokio::test]
async fn a_failed_import_changes_nothing() {
    let db = TestDb::fresh().await;
    let store = Store::open(db.url()).await.unwrap();
    regioportal::demo::seed(&store).await.unwrap();
    let text = regioportal::demo::region_toml().replace("name = \"Jena\"", "name = \"Jena (geändert)\"");
    let region = Region::from_toml(&text).unwrap();
    // Every logo is missing from this asset source: nothing may be written.
    let err = store
        .import_region(&region, &StaticAssets(&[]), &regioportal_storage::Actor::cli())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothing was changed") && err.contains("logo"), "{err}");
    let jena = store.municipalities().by_slug("jena").await.unwrap().unwrap();
    assert_eq!(jena.name, "Jena");
}

#[tokio::test]
async fn municipalities_missing_from_a_file_are_kept_and_reported() {
    let db = TestDb::fresh().await;
    let store = Store::open(db.url()).await.unwrap();
    regioportal::demo::seed(&store).await.unwrap();
    let small = r##"
[region]
slug = "ostthueringen"
name = "Ostthüringen"
timezone = "Europe/Berlin"
[region.contact]
name = "Regio"
street = "Markt 1"
postcode = "07743"
city = "Jena"
[[municipality]]
slug = "jena"
name = "Jena"
kind = "city"
ags = "16053000"
ars = "160530000000"
[municipality.contact]
name = "Stadtverwaltung Jena"
street = "Am Anger 15"
postcode = "07743"
city = "Jena"
"##;
    let region = Region::from_toml(small).unwrap();
    let report = store.import_region(&region, &StaticAssets(&[]), &regioportal_storage::Actor::cli()).await.unwrap();
    assert_eq!(report.updated, ["jena"]);
    assert_eq!(report.kept.len(), 9);
    assert!(report.to_string().contains("kept: altenburg"), "{report}");
    assert_eq!(store.municipalities().list().await.unwrap().len(), 10);
    // Imports are audited like every other change.
    let log = store.audit().list(regioportal_storage::AuditScope::All, &Default::default()).await.unwrap();
    assert!(
        log.iter().any(|e| e.entity_type == "region" && e.action == "import" && e.actor.starts_with("cli")),
        "{log:?}"
    );
}

#[tokio::test]
async fn tenant_data_is_read_through_the_scope_of_one_municipality() {
    let db = TestDb::fresh().await;
    let store = Store::open(db.url()).await.unwrap();
    regioportal::demo::seed(&store).await.unwrap();
    let dir = store.municipalities();
    let jena = dir.by_slug("jena").await.unwrap().unwrap();
    let gera = dir.by_slug("gera").await.unwrap().unwrap();
    let jena_places = store.places().list(jena.scope()).await.unwrap();
    let gera_places = store.places().list(gera.scope()).await.unwrap();
    assert!(!jena_places.is_empty() && !gera_places.is_empty());
    assert!(jena_places.iter().all(|p| p.postcode.as_str().starts_with("077")), "only Jena's places");
    assert!(gera_places.iter().all(|p| p.postcode.as_str().starts_with("075")), "only Gera's places");

    let jena_imp = store
        .legal_pages()
        .get(Owner::Municipality(jena.scope()), LegalPageKind::Impressum, Locale::De)
        .await
        .unwrap()
        .unwrap();
    let gera_imp = store
        .legal_pages()
        .get(Owner::Municipality(gera.scope()), LegalPageKind::Impressum, Locale::De)
        .await
        .unwrap()
        .unwrap();
    let region_imp =
        store.legal_pages().get(Owner::Region, LegalPageKind::Impressum, Locale::De).await.unwrap().unwrap();
    assert!(jena_imp.body.contains("Jena") && !jena_imp.body.contains("Gera"));
    assert!(gera_imp.body.contains("Gera"));
    assert_ne!(region_imp.body, jena_imp.body);
    assert_eq!(jena.scope().slug().as_str(), "jena");
}

#[tokio::test]
async fn sqlite_is_built_with_a_stable_query_planner() {
    // .cargo/config.toml sets LIBSQLITE3_FLAGS; a build without it re-prepares statements on
    // every run (bench/README.md, the durable write).
    let db = TestDb::fresh().await;
    let store = Store::open(db.url()).await.unwrap();
    assert!(store.planner_is_stable().await.unwrap(), "SQLite lacks SQLITE_ENABLE_QPSG: build from the workspace root");
}
