use serde_json::Value;

use crate::helpers::*;

/// The committed spec must match the code. Run with `UPDATE_OPENAPI=1` to rewrite it.
#[tokio::test]
async fn committed_openapi_matches_the_served_spec() {
    let app = spawn_app().await;
    let served = app.get("/openapi.json").await;
    assert_eq!(served.status, 200);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let generated = stridefit::api::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let matches = serde_json::from_str::<Value>(&committed).ok().as_ref() == Some(&served.body);
    assert!(matches, "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi`");
    assert!(served.body["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[tokio::test]
async fn every_request_schema_example_is_accepted_by_the_api_types() {
    let doc: Value = serde_json::from_str(&stridefit::api::openapi_json()).unwrap();
    let example = |name: &str| doc["components"]["schemas"][name]["example"].clone();
    serde_json::from_value::<stridefit::fitting::Fitting>(example("Fitting")).unwrap().validate().unwrap();
    serde_json::from_value::<stridefit::catalogue::Shoe>(example("Shoe")).unwrap().validate().unwrap();
    serde_json::from_value::<stridefit::catalogue::Insole>(example("Insole")).unwrap().validate().unwrap();
    serde_json::from_value::<stridefit::api::recommendations::RecommendationRequest>(example("RecommendationRequest")).unwrap();
    serde_json::from_value::<stridefit::api::stock::StockUpdate>(example("StockUpdate")).unwrap();
}

#[tokio::test]
async fn request_examples_work_against_the_running_service() {
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(&stridefit::api::openapi_json()).unwrap();
    let fitting = doc["components"]["schemas"]["Fitting"]["example"].clone();
    assert_eq!(app.post("/v1/fittings", &fitting).await.status, 201);
    let rec = doc["components"]["schemas"]["RecommendationRequest"]["example"].clone();
    let r = app.recommend(&rec).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn the_docs_page_is_served_without_internet() {
    let app = spawn_app().await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", &page.text[..page.text.len().min(300)]);
    // The page's script and styles come from the service itself, not a CDN.
    assert!(!page.text.contains("https://"), "docs page references an external URL");
    let js = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(js.status, 200);
    assert!(js.text.len() > 100_000);
}
