//! The JSON API and its OpenAPI document.

use regioportal_tests::TestApp;

#[tokio::test]
async fn lists_municipalities_with_keys_and_urls() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/municipalities").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    let jena = items.iter().find(|m| m["slug"] == "jena").unwrap();
    assert_eq!(jena["name"], "Jena");
    assert_eq!(jena["kind"], "city");
    assert_eq!(jena["parent"], serde_json::Value::Null);
    assert_eq!(jena["ags"], "16053000");
    assert_eq!(jena["ars"], "160530000000");
    assert_eq!(jena["url"], format!("{}/jena", app.base));
    let altenburg = items.iter().find(|m| m["slug"] == "altenburg").unwrap();
    assert_eq!(altenburg["kind"], "town");
    assert_eq!(altenburg["parent"], "altenburger-land");
    assert_eq!(altenburg["ags"], "16077001");
}

#[tokio::test]
async fn filters_by_kind_and_county() {
    let app = TestApp::spawn().await;
    let (_, cities) = app.get_json("/api/v1/municipalities?kind=city").await;
    let slugs: Vec<&str> = cities["items"].as_array().unwrap().iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["gera", "jena"]);
    let (_, towns) = app.get_json("/api/v1/municipalities?parent=altenburger-land").await;
    assert!(towns["items"].as_array().unwrap().iter().all(|m| m["kind"] == "town"));
    assert_eq!(towns["items"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn bad_filters_are_problem_documents_with_field_errors() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/municipalities?kind=village&parent=Alten%20burg").await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["status"], 422);
    assert_eq!(p["type"], "about:blank");
    assert_eq!(p["title"], "Validation failed");
    assert_eq!(p["instance"], "/api/v1/municipalities");
    assert!(p["request_id"].as_str().unwrap().len() >= 32);
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["field"], "kind");
    assert!(errors[0]["message"].as_str().unwrap().contains("\"city\", \"county\" or \"town\""));
    assert_eq!(errors[1]["field"], "parent");

    let (status, p) = app.get_json("/api/v1/municipalities?colour=red").await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "colour", "{p}");
}

#[tokio::test]
async fn one_municipality_with_contact_and_postcodes() {
    let app = TestApp::spawn().await;
    let (status, m) = app.get_json("/api/v1/municipalities/altenburg").await;
    assert_eq!(status, 200);
    assert_eq!(m["name"], "Altenburg");
    assert_eq!(m["contact"]["street"], "Markt 1");
    assert_eq!(m["contact"]["postcode"], "04600");
    assert!(m["postcodes"].as_array().unwrap().iter().any(|p| p == "04600"));

    for path in ["/api/v1/municipalities/nirgendwo", "/api/v1/municipalities/Jena", "/api/v1/gibt-es-nicht"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json", "{path}");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["status"], 404);
        assert_eq!(p["title"], "Not found");
    }
}

#[tokio::test]
async fn clients_asking_for_json_get_problem_documents_everywhere() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(format!("{}/gibt-es-nicht", app.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/v1/municipalities"]["get"].is_object());
    // Client generators name their functions by operationId: each must be unique.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().expect("every operation has an operationId"))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate operationIds: {ids:?}");
    // Every API change shows in review as a change of this snapshot.
    insta::assert_json_snapshot!("openapi", doc);
}
