//! Operations: health, readiness, metrics, request ids, shutdown, database loss.

use regioportal_tests::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], if app.db.is_postgres() { "postgres" } else { "sqlite" });
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone_and_pages_explain_it() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.store.close().await.unwrap();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(app.get("/healthz").await.status(), 200, "the process is still alive");

    // A page needing the database answers 503 inside the layout, with a request id to quote
    // and without internal detail.
    let res = app.get("/jena").await;
    assert_eq!(res.status(), 503);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(html.contains("Der Dienst ist vorübergehend nicht verfügbar"), "{html}");
    assert!(html.contains(&id), "the request id is shown");
    assert!(!html.to_lowercase().contains("pool") && !html.contains("sqlx"), "no internals: {html}");
    // The list comes from the in-memory directory; one municipality's postcodes need the database.
    let (status, p) = app.get_json("/api/v1/municipalities/jena").await;
    assert_eq!(status, 503, "{p}");
    assert_eq!(p["title"], "Service unavailable");
    assert!(p.get("detail").is_none(), "no internals in problem documents");
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route() {
    let app = TestApp::spawn().await;
    for path in ["/jena", "/gera", "/gibt/es/nicht"] {
        app.get(path).await;
    }
    let (status, text) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("regioportal_http_requests_total{method=\"GET\",route=\"/{municipality}\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(text.contains("route=\"unmatched\",status=\"404\"} 1"), "{text}");
    assert!(text.contains(
        "regioportal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/{municipality}\",le=\"+Inf\"} 2"
    ));
    assert!(text.contains("regioportal_db_pool_connections{"));
    // SQLite: 8 readers and the write transactions' own connection.
    let max = if app.db.is_postgres() {
        "regioportal_db_pool_max_connections{backend=\"postgres\"} 16"
    } else {
        "regioportal_db_pool_max_connections{backend=\"sqlite\"} 9"
    };
    assert!(text.contains(max), "{text}");
    assert!(!text.contains("/gibt/es/nicht"), "raw paths never become labels");
}

#[tokio::test]
async fn request_ids_are_generated_or_kept() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let res = app.client.get(format!("{}/", app.base)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn stop_drains_and_closes_the_port() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    assert_eq!(app.get("/").await.status(), 200);
    let client = app.client.clone();
    app.stop().await.expect("a clean shutdown");
    assert!(client.get(format!("{base}/")).send().await.is_err(), "the port is closed after shutdown");
}

#[tokio::test]
async fn recovers_when_the_database_drops_its_connections() {
    // On PostgreSQL: every connection of the pool is killed, as by a server restart; the next
    // requests must work again without a restart of the app. On SQLite there is no server to
    // restart; the test checks that the pool survives idle connections being dropped.
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/jena").await.status(), 200);
    if let regioportal_tests::TestDb::Postgres { admin_url, name, .. } = &app.db {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(admin_url.as_str()).await.unwrap();
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
    let mut ok = false;
    for _ in 0..20 {
        if app.get("/readyz").await.status() == 200 && app.get("/jena").await.status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ok, "the app did not recover");
}
