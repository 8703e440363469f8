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
