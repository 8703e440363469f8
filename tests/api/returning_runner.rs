//! A returning runner: staff look up earlier fittings by customer reference and see what was
//! bought, kept and how it was rated.

use serde_json::json;
use stridefit::auth::Role;

use crate::helpers::*;

#[tokio::test]
async fn a_returning_runner_shows_earlier_fittings_newest_first_with_what_was_kept_and_rated() {
    let app = spawn_app().await;
    let first = app.create_fitting(&shop_fitting()).await;
    let second = app.create_fitting(&shop_fitting()).await;
    let sale = json!({ "sale_id": "POS-7", "fitting_id": first, "shoe_id": "brooks-ghost-16", "store_id": "S1",
                       "sold_at": "2026-10-01T10:00:00Z" });
    assert_eq!(app.post("/v1/outcomes", &sale).await.status, 201);
    let r = app.client.patch(app.url("/v1/outcomes/POS-7")).json(&json!({"satisfaction": 5})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let r = app.get("/v1/fittings?customer_ref=c-7f3a91").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 2);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], second.as_str(), "newest first: {}", r.text);
    assert_eq!(items[1]["id"], first.as_str());
    assert_eq!(items[0]["purchases"], json!([]));
    let bought = &items[1]["purchases"][0];
    assert_eq!(bought["shoe_id"], "brooks-ghost-16");
    assert_eq!(bought["name"], "Brooks Ghost 16");
    assert_eq!(bought["kept"], true);
    assert_eq!(bought["satisfaction"], 5);

    let page = app.get("/v1/fittings?customer_ref=c-7f3a91&limit=1&offset=1").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["items"][0]["id"], first.as_str());
    assert_eq!(app.get("/v1/fittings?customer_ref=nobody").await.body["total"], 0);
}

#[tokio::test]
async fn staff_see_only_their_own_stores_fittings_of_a_returning_runner() {
    let app = spawn_app().await;
    app.create_fitting(&shop_fitting()).await; // store S1
    let other = client_with(&create_key(&app.database.url, Role::Staff, Some("S2")));
    let r = other.get(app.url("/v1/fittings?customer_ref=c-7f3a91")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["total"], 0, "{body}");
    let own = client_with(&create_key(&app.database.url, Role::Staff, Some("S1")));
    let body: serde_json::Value = own.get(app.url("/v1/fittings?customer_ref=c-7f3a91")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["total"], 1, "{body}");
}

#[tokio::test]
async fn a_history_lookup_needs_a_valid_customer_reference() {
    let app = spawn_app().await;
    assert_eq!(assert_problem(&app.get("/v1/fittings?customer_ref=jane@example.com").await, 422)["field"], "customer_ref");
    assert_eq!(app.get("/v1/fittings").await.status, 400);
}

#[tokio::test]
async fn a_successor_of_a_pair_the_runner_kept_and_liked_says_so_and_a_returned_one_is_a_caution() {
    let app = spawn_app().await;
    let earlier = app.create_fitting(&shop_fitting()).await;
    let sale = json!({ "sale_id": "POS-9", "fitting_id": earlier, "shoe_id": "brooks-ghost-16", "store_id": "S1",
                       "sold_at": "2026-03-01T10:00:00Z" });
    assert_eq!(app.post("/v1/outcomes", &sale).await.status, 201);
    app.client.patch(app.url("/v1/outcomes/POS-9")).json(&json!({"satisfaction": 5})).send().await.unwrap();

    let mut today = shop_fitting();
    today["wear"]["worn_shoe_id"] = json!("brooks-ghost-16");
    let ghost = |r: &Reply| r.body["shoes"].as_array().unwrap().iter().find(|s| s["shoe_id"] == "brooks-ghost-17").cloned();
    let r = app.recommend(&json!({ "fitting": today, "top_k": 50 })).await;
    let successor = ghost(&r).unwrap_or_else(|| panic!("no Ghost 17: {}", r.text));
    assert_eq!(successor["reasons"][0], "the same line as the Brooks Ghost 16 you kept and rated 5/5", "{successor}");

    let returned = json!({"returned_at": "2026-03-09T12:00:00Z", "return_reason": "comfort"});
    app.client.patch(app.url("/v1/outcomes/POS-9")).json(&returned).send().await.unwrap();
    let r = app.recommend(&json!({ "fitting": today, "top_k": 50 })).await;
    let successor = ghost(&r).unwrap_or_else(|| panic!("no Ghost 17: {}", r.text));
    assert!(successor["cautions"][0].as_str().unwrap().starts_with("the same line as the Brooks Ghost 16 you returned (comfort)"), "{successor}");
}
