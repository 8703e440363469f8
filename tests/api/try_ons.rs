//! Try-ons: the shoes a runner tried in a fitting, through the API and the outcome import.

use serde_json::{json, Value};
use stridefit::auth::Role;

use crate::helpers::*;

fn try_on_set() -> Value {
    json!({"try_ons": [
        {"shoe_id": "brooks-adrenaline-gts-24", "size_eu": 42.5, "comfort_1_5": 5, "observations": ["felt_good"]},
        {"shoe_id": "asics-gel-kayano-31", "size_eu": 42.5, "comfort_1_5": 3, "observations": ["too_firm"]},
        {"shoe_id": "hoka-clifton-10", "comfort_1_5": 2, "observations": ["heel_slip", "felt_unstable"]}
    ]})
}

async fn put(app: &TestApp, fitting: &str, body: &Value) -> Reply {
    app.put(&format!("/v1/fittings/{fitting}/try-ons"), body).await
}

#[tokio::test]
async fn tried_on_shoes_are_recorded_in_order_and_a_resent_set_changes_nothing() {
    let app = spawn_app().await;
    let fitting = app.create_fitting(&shop_fitting()).await;
    let r = put(&app, &fitting, &try_on_set()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let read = app.get(&format!("/v1/fittings/{fitting}/try-ons")).await;
    assert_eq!(read.body, try_on_set());

    assert_eq!(put(&app, &fitting, &try_on_set()).await.status, 200);
    assert_eq!(app.get(&format!("/v1/fittings/{fitting}/try-ons")).await.body, try_on_set());

    let fewer = json!({"try_ons": [{"shoe_id": "hoka-clifton-10"}]});
    assert_eq!(put(&app, &fitting, &fewer).await.status, 200);
    assert_eq!(app.get(&format!("/v1/fittings/{fitting}/try-ons")).await.body, fewer);
}

#[tokio::test]
async fn an_unknown_or_repeated_shoe_is_refused_naming_each_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let fitting = app.create_fitting(&shop_fitting()).await;
    let body = json!({"try_ons": [
        {"shoe_id": "brooks-ghost-16"}, {"shoe_id": "brooks-ghost-15"}, {"shoe_id": "brooks-ghost-16"}
    ]});
    let r = put(&app, &fitting, &body).await;
    assert_problem(&r, 422);
    assert!(r.text.contains("try_ons[1].shoe_id") && r.text.contains("try_ons[2].shoe_id"), "{}", r.text);
    assert_eq!(app.get(&format!("/v1/fittings/{fitting}/try-ons")).await.body, json!({"try_ons": []}));

    let out_of_range = json!({"try_ons": [{"shoe_id": "brooks-ghost-16", "comfort_1_5": 6}]});
    assert_problem(&put(&app, &fitting, &out_of_range).await, 422);
    let unknown_observation = json!({"try_ons": [{"shoe_id": "brooks-ghost-16", "observations": ["lovely"]}]});
    assert_problem(&put(&app, &fitting, &unknown_observation).await, 422);
}

#[tokio::test]
async fn another_stores_staff_can_neither_read_nor_write_a_fittings_try_ons() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["store_id"] = json!("S1");
    let id = app.create_fitting(&fitting).await;
    let s2 = client_with(&create_key(&app.database.url, Role::Staff, Some("S2")));
    let url = app.url(&format!("/v1/fittings/{id}/try-ons"));
    assert_eq!(s2.put(&url).json(&try_on_set()).send().await.unwrap().status(), 404);
    assert_eq!(s2.get(&url).send().await.unwrap().status(), 404);
    let s1 = client_with(&create_key(&app.database.url, Role::Staff, Some("S1")));
    assert_eq!(s1.put(&url).json(&try_on_set()).send().await.unwrap().status(), 200);
    assert_problem(&put(&app, "00000000-0000-4000-8000-000000000000", &try_on_set()).await, 404);
}

#[tokio::test]
async fn erasing_a_runner_erases_the_shoes_they_tried() {
    let app = spawn_app().await;
    let id = app.create_fitting(&shop_fitting()).await; // customer_ref c-7f3a91
    assert_eq!(put(&app, &id, &try_on_set()).await.status, 200);
    assert_eq!(app.delete("/v1/customers/c-7f3a91").await.status, 200);
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    let left = db.with_conn(|c| stridefit::db::try_ons::for_fitting(c, id.parse().unwrap())).unwrap();
    assert!(left.is_empty(), "{left:?}");
}

fn simulated_csv(sales: usize) -> String {
    let catalogue = stridefit::catalogue::Catalogue::new(
        stridefit::catalogue::csv::parse_shoes(stridefit::catalogue::csv::BUNDLED_SHOES_CSV).unwrap(),
        vec![],
    );
    let sales = stridefit::simulate::simulate(&catalogue, &stridefit::simulate::SimulationConfig { sales, ..Default::default() });
    let mut bytes = Vec::new();
    stridefit::simulate::write_csv(&sales, &mut bytes).unwrap();
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn an_import_stores_each_sessions_try_ons_and_a_reimport_replaces_them() {
    let app = spawn_app().await;
    let csv = simulated_csv(20);
    let r = app.post_raw("/v1/outcomes/import", "text/csv", csv.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stored = r.body["try_ons"].as_u64().unwrap();
    assert!(stored >= 40, "20 sessions of 2-5 shoes: {}", r.text);
    let again = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    assert_eq!(again.body["try_ons"].as_u64(), Some(stored), "{}", again.text);
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    let all = db.with_conn(stridefit::db::try_ons::all_by_fitting).unwrap();
    assert_eq!(all.values().map(Vec::len).sum::<usize>() as u64, stored, "a re-import duplicates nothing");
}

#[tokio::test]
async fn an_import_with_a_bad_try_on_is_rejected_whole_naming_its_line() {
    let app = spawn_app().await;
    let csv = simulated_csv(6);
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    // Line 4 of the file (the third sale) tried a shoe the catalogue does not have.
    // `""shoe_id"":""` appears only in the try_ons column (the fitting has `worn_shoe_id`).
    let key = "\"\"shoe_id\"\":\"\"";
    let target = lines[3].rfind(key).unwrap() + key.len();
    let end = target + lines[3][target..].find("\"\"").unwrap();
    lines[3].replace_range(target..end, "not-a-shoe");
    let r = app.post_raw("/v1/outcomes/import", "text/csv", lines.join("\n") + "\n").await;
    let p = assert_problem(&r, 422);
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 4 && e["field"] == "try_ons"), "{}", r.text);
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    assert!(db.with_conn(stridefit::db::try_ons::all_by_fitting).unwrap().is_empty());
}
