use serde_json::{json, Value};

use crate::helpers::*;

fn new_shoe(id: &str) -> Value {
    json!({
        "id": id, "brand": "Testbrand", "model": "Glide 1", "release_year": 2025, "category": "daily",
        "support": "stability", "cushioning": "high", "terrain": "road", "heel_stack_mm": 36.0,
        "forefoot_stack_mm": 28.0, "drop_mm": 8.0, "weight_g": 270.0, "price_usd": 150.0,
        "widths": ["standard", "wide"], "plated": false
    })
}

#[tokio::test]
async fn the_bundled_catalogue_is_loaded_on_first_start() {
    let app = spawn_app().await;
    let shoes = app.get("/v1/shoes?limit=1").await.body;
    assert!(shoes["total"].as_u64().unwrap() >= 80, "{shoes}");
    let insoles = app.get("/v1/insoles").await.body;
    assert!(insoles["total"].as_u64().unwrap() >= 12);
}

#[tokio::test]
async fn shoes_are_listed_a_page_at_a_time_with_filters() {
    let app = spawn_app().await;
    let page = app.get("/v1/shoes?limit=10&offset=5").await.body;
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!((page["limit"].as_u64(), page["offset"].as_u64()), (Some(10), Some(5)));
    let trail = app.get("/v1/shoes?terrain=trail&limit=200").await.body;
    assert!(trail["items"].as_array().unwrap().iter().all(|s| s["terrain"] == "trail"));
    assert!(trail["total"].as_u64().unwrap() > 0);
    assert_eq!(assert_problem(&app.get("/v1/shoes?limit=500").await, 422)["field"], "limit");
}

#[tokio::test]
async fn a_shoe_can_be_created_read_replaced_and_deleted() {
    let app = spawn_app().await;
    let r = app.post("/v1/shoes", &new_shoe("testbrand-glide-1")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.get("/v1/shoes/testbrand-glide-1").await.body["support"], "stability");

    let mut changed = new_shoe("testbrand-glide-1");
    changed["price_usd"] = json!(99.0);
    let r = app.put("/v1/shoes/testbrand-glide-1", &changed).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get("/v1/shoes/testbrand-glide-1").await.body["price_usd"], 99.0);

    assert_eq!(app.delete("/v1/shoes/testbrand-glide-1").await.status, 204);
    assert_problem(&app.get("/v1/shoes/testbrand-glide-1").await, 404);
    assert_problem(&app.delete("/v1/shoes/testbrand-glide-1").await, 404);
}

#[tokio::test]
async fn a_new_shoe_is_recommended_without_a_restart() {
    let app = spawn_app().await;
    app.post("/v1/shoes", &new_shoe("testbrand-glide-1")).await;
    app.set_stock("S9", &[("testbrand-glide-1", 2)]).await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "S9" })).await;
    assert_eq!(shoe_ids(&r), ["testbrand-glide-1"]);
}

#[tokio::test]
async fn creating_a_shoe_twice_is_a_409() {
    let app = spawn_app().await;
    app.post("/v1/shoes", &new_shoe("testbrand-glide-1")).await;
    assert_problem(&app.post("/v1/shoes", &new_shoe("testbrand-glide-1")).await, 409);
}

#[tokio::test]
async fn an_invalid_shoe_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let mut s = new_shoe("testbrand-bad-1");
    s["drop_mm"] = json!(2.0);
    assert_eq!(assert_problem(&app.post("/v1/shoes", &s).await, 422)["field"], "drop_mm");
    let mut s = new_shoe("testbrand-bad-2");
    s["widths"] = json!([]);
    assert_eq!(assert_problem(&app.post("/v1/shoes", &s).await, 422)["field"], "widths");
    let s = new_shoe("testbrand-other");
    assert_eq!(assert_problem(&app.put("/v1/shoes/testbrand-glide-1", &s).await, 422)["field"], "id");
}

#[tokio::test]
async fn insoles_can_be_created_and_deleted() {
    let app = spawn_app().await;
    let insole = json!({"id": "test-insole", "brand": "T", "model": "Arch", "arch_support": "medium",
        "volume": "low", "cushioning": "moderate", "rigidity": "semi_rigid", "price_usd": 40.0});
    assert_eq!(app.post("/v1/insoles", &insole).await.status, 201);
    assert_eq!(app.get("/v1/insoles/test-insole").await.body["volume"], "low");
    assert_eq!(app.delete("/v1/insoles/test-insole").await.status, 204);
    assert_problem(&app.get("/v1/insoles/test-insole").await, 404);
}

#[tokio::test]
async fn a_stock_update_with_an_unknown_shoe_changes_nothing() {
    let app = spawn_app().await;
    let first = app.get("/v1/shoes?limit=1").await.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.set_stock("S1", &[(first.as_str(), 5)]).await.status, 200);
    let r = app.set_stock("S1", &[(first.as_str(), 1), ("no-such-shoe", 3)]).await;
    assert_eq!(assert_problem(&r, 422)["field"], "items[1].shoe_id");
    let stock = app.get("/v1/stores/S1/stock").await.body;
    assert_eq!(stock["items"], json!([{ "shoe_id": first, "quantity": 5, "updated_at": stock["items"][0]["updated_at"] }]));
}

#[tokio::test]
async fn negative_stock_and_bad_store_ids_are_refused() {
    let app = spawn_app().await;
    let first = app.get("/v1/shoes?limit=1").await.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(assert_problem(&app.set_stock("S1", &[(first.as_str(), -1)]).await, 422)["field"], "items[0].quantity");
    assert_problem(&app.get("/v1/stores/bad%20store/stock").await, 400);
}

#[tokio::test]
async fn deleted_shoes_do_not_come_back_on_restart() {
    let app = spawn_app().await;
    let id = app.get("/v1/shoes?limit=1").await.body["items"][0]["id"].as_str().unwrap().to_owned();
    let total = app.get("/v1/shoes?limit=1").await.body["total"].as_u64().unwrap();
    assert_eq!(app.delete(&format!("/v1/shoes/{id}")).await.status, 204);
    let restarted = spawn_app_on(app.database).await;
    assert_problem(&restarted.get(&format!("/v1/shoes/{id}")).await, 404);
    assert_eq!(restarted.get("/v1/shoes?limit=1").await.body["total"].as_u64().unwrap(), total - 1);
}

/// Every variant of every stored enum is written and read back, so the database's own checks
/// (CHECK constraints on PostgreSQL) accept exactly what the service writes.
#[tokio::test]
async fn every_enum_value_is_stored_and_read_back() {
    let app = spawn_app().await;
    let (categories, supports) = (["daily", "cushioned", "tempo", "race"], ["neutral", "stability", "motion_control"]);
    let (cushionings, terrains) = (["low", "moderate", "high", "max"], ["road", "trail", "road_trail"]);
    let statuses = ["current", "previous", "discontinued"];
    for i in 0..4 {
        let id = format!("enum-shoe-{i}");
        let mut shoe = new_shoe(&id);
        shoe["category"] = json!(categories[i]);
        shoe["support"] = json!(supports[i % 3]);
        shoe["cushioning"] = json!(cushionings[i]);
        shoe["terrain"] = json!(terrains[i % 3]);
        shoe["status"] = json!(statuses[i % 3]);
        shoe["widths"] = json!(["narrow", "standard", "wide", "extra_wide"]);
        let r = app.post("/v1/shoes", &shoe).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let stored = app.get(&format!("/v1/shoes/{id}")).await.body;
        assert_eq!((stored["category"].as_str(), stored["terrain"].as_str()), (Some(categories[i]), Some(terrains[i % 3])));
    }
    let (arches, volumes) = (["neutral", "low", "medium", "high"], ["low", "medium", "high"]);
    let (cushions, rigidities) = (["low", "moderate", "high"], ["flexible", "semi_rigid", "rigid"]);
    for i in 0..4 {
        let insole = json!({"id": format!("enum-insole-{i}"), "brand": "T", "model": format!("I{i}"),
            "arch_support": arches[i], "volume": volumes[i % 3], "cushioning": cushions[i % 3], "rigidity": rigidities[i % 3]});
        let r = app.post("/v1/insoles", &insole).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    for (i, reason) in ["fit", "comfort", "pain", "defect", "changed_mind", "other"].iter().enumerate() {
        let sale = json!({"sale_id": format!("ENUM-{i}"), "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z",
            "returned_at": "2026-01-05T10:00:00Z", "return_reason": reason, "satisfaction": 1 + i % 5, "pain_at_follow_up_0_10": 10});
        let r = app.post("/v1/outcomes", &sale).await;
        assert_eq!((r.status, r.body["return_reason"].as_str()), (201, Some(*reason)), "{}", r.text);
    }
}
