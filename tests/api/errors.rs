use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let r = app.post_raw("/v1/fittings", "application/json", "{\"profile\": ").await;
    assert_eq!(assert_problem(&r, 400)["code"], "malformed_json");
}

#[tokio::test]
async fn trailing_garbage_after_json_is_a_400_problem() {
    let app = spawn_app().await;
    let body = format!("{} xyz", web_fitting());
    assert_problem(&app.post_raw("/v1/fittings", "application/json", body).await, 400);
}

#[tokio::test]
async fn a_non_json_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let r = app.post_raw("/v1/fittings", "text/plain", web_fitting().to_string()).await;
    assert_problem(&r, 415);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let app = spawn_app().await;
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(300 * 1024));
    assert_problem(&app.post_raw("/v1/fittings", "application/json", big).await, 413);
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_crashing() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let r = app.post_raw("/v1/fittings", "application/json", deep).await;
    assert!(r.status == 400 || r.status == 422, "{}", r.status);
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn numbers_too_large_for_a_double_are_refused() {
    let app = spawn_app().await;
    let body = web_fitting().to_string().replace("82.0", "1e400");
    let r = app.post_raw("/v1/fittings", "application/json", body).await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
}

#[tokio::test]
async fn unknown_routes_are_a_404_problem() {
    let app = spawn_app().await;
    let r = app.get("/v1/nothing-here").await;
    assert_eq!(assert_problem(&r, 404)["code"], "route_not_found");
}

#[tokio::test]
async fn a_bad_query_parameter_is_a_400_problem() {
    let app = spawn_app().await;
    assert_problem(&app.get("/v1/shoes?support=sideways").await, 400);
    assert_problem(&app.get("/v1/shoes?limit=abc").await, 400);
}

#[tokio::test]
async fn unicode_in_text_fields_is_handled() {
    let app = spawn_app().await;
    let mut shoe = json!({
        "id": "unicode-test-1", "brand": "Ωmega Läufer", "model": "Zürich 🏃 1", "category": "daily",
        "support": "neutral", "cushioning": "high", "terrain": "road", "price_usd": 120.0, "widths": ["standard"]
    });
    let r = app.post("/v1/shoes", &shoe).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.get("/v1/shoes/unicode-test-1").await.body["model"], "Zürich 🏃 1");
    shoe["id"] = json!("ünïcode");
    assert_eq!(assert_problem(&app.post("/v1/shoes", &shoe).await, 422)["field"], "id");
}

#[tokio::test]
async fn health_check_answers_ok() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ok")));
}

#[tokio::test]
async fn each_failure_answers_with_its_own_code() {
    let app = spawn_app().await;
    let code = |r: &Reply, status: u16| assert_problem(r, status)["code"].as_str().unwrap().to_owned();
    assert_eq!(code(&app.get("/v1/shoes/no-such-shoe").await, 404), "shoe_not_found");
    assert_eq!(code(&app.get("/v1/insoles/no-such-insole").await, 404), "insole_not_found");
    assert_eq!(code(&app.get("/v1/fittings/00000000-0000-0000-0000-000000000001").await, 404), "fitting_not_found");
    assert_eq!(code(&app.get("/v1/outcomes/NO-SUCH-SALE").await, 404), "sale_not_found");
    assert_eq!(code(&app.get("/v1/models/m-never-trained").await, 404), "model_not_found");

    let shoe = app.get("/v1/shoes/brooks-ghost-16").await.body;
    assert_eq!(code(&app.post("/v1/shoes", &shoe).await, 409), "shoe_exists");
    let sale = json!({"sale_id": "CODE-1", "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z"});
    app.post("/v1/outcomes", &sale).await;
    let changed = json!({"sale_id": "CODE-1", "shoe_id": "hoka-clifton-9", "sold_at": "2026-01-01T10:00:00Z"});
    let r = app.post("/v1/outcomes", &changed).await;
    assert_eq!(code(&r, 409), "sale_conflict");
    assert!(!r.body["detail"].as_str().unwrap().contains("UNIQUE"), "no driver text: {}", r.body);

    let send = |body: serde_json::Value| {
        app.client.post(app.url("/v1/fittings")).header("Idempotency-Key", "code-test-1").json(&body).send()
    };
    send(web_fitting()).await.unwrap();
    let mut other = web_fitting();
    other["profile"]["body_mass_kg"] = json!(91);
    let r = send(other).await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "idempotency_key_reused");
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_a_404_problem_on_every_backend() {
    let app = spawn_app().await;
    for path in ["/v1/fittings/not-a-uuid", "/v1/fittings/not-a-uuid/try-ons", "/v1/jobs/xyz", "/v1/fittings/1234"] {
        assert_problem(&app.get(path).await, 404);
    }
    assert_problem(&app.delete("/v1/jobs/xyz").await, 404);
    assert_problem(&app.put("/v1/fittings/not-a-uuid/try-ons", &json!({ "try_ons": [] })).await, 404);
    let r = app.post("/v1/outcomes", &json!({ "sale_id": "TILL-9", "shoe_id": "brooks-ghost-16", "fitting_id": "not-a-uuid" })).await;
    assert_eq!(assert_problem(&r, 422)["errors"][0]["field"], "fitting_id");
    // A UUID is a UUID in either case: the stored fitting answers to its id in capitals too.
    let id = app.create_fitting(&shop_fitting()).await;
    assert_eq!(app.get(&format!("/v1/fittings/{}", id.to_uppercase())).await.status, 200);
}
