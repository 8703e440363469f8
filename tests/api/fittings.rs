use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_fitting_is_stored_and_read_back_unchanged() {
    let app = spawn_app().await;
    let r = app.post("/v1/fittings", &shop_fitting()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    let back = app.get(&format!("/v1/fittings/{id}")).await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["fitting"]["profile"], shop_fitting()["profile"]);
    assert_eq!(back.body["fitting"]["gait"]["cadence_spm"], 166.0);
    assert_eq!(back.body["fitting"]["wear"]["left"]["medial_forefoot"], "heavy");
    assert_eq!(back.body["created_at"], r.body["created_at"]);
}

#[tokio::test]
async fn a_web_fitting_without_gait_or_wear_is_accepted() {
    let app = spawn_app().await;
    app.create_fitting(&web_fitting()).await;
}

#[tokio::test]
async fn an_unknown_or_malformed_fitting_id_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(&app.get("/v1/fittings/3f1f6f0e-2c1a-4c9b-9a51-1d7f3c1b2a10").await, 404);
    assert_problem(&app.get("/v1/fittings/42").await, 404);
}

#[tokio::test]
async fn physically_impossible_values_are_refused_naming_the_field_and_range() {
    let app = spawn_app().await;
    let cases = [
        ("/gait/cadence_spm", json!(20.0), "gait.cadence_spm", "between 120 and 240"),
        ("/profile/body_mass_kg", json!(-5.0), "profile.body_mass_kg", "between 25 and 250"),
        ("/gait/ground_contact_time_ms", json!(5000.0), "gait.ground_contact_time_ms", "between 100 and 500"),
    ];
    for (pointer, value, field, range) in cases {
        let mut f = shop_fitting();
        *f.pointer_mut(pointer).unwrap() = value;
        let r = app.post("/v1/fittings", &f).await;
        let p = assert_problem(&r, 422);
        assert_eq!(p["field"], field, "{}", r.text);
        assert!(p["detail"].as_str().unwrap().contains(range), "{}", r.text);
    }
    let mut f = shop_fitting();
    f["health"]["pain"][0]["score_0_10"] = json!(14);
    let r = app.post("/v1/fittings", &f).await;
    assert_eq!(assert_problem(&r, 422)["field"], "health.pain[0].score_0_10");
}

#[tokio::test]
async fn unknown_enum_values_and_unknown_fields_are_refused() {
    let app = spawn_app().await;
    let mut f = web_fitting();
    f["profile"]["goal"] = json!("sprinting");
    let r = app.post("/v1/fittings", &f).await;
    assert_eq!(assert_problem(&r, 422)["field"], "profile.goal");

    let mut f = web_fitting();
    f["health"] = json!({"red_flags": {"saddle_numbnes": true}});
    let r = app.post("/v1/fittings", &f).await;
    assert_eq!(assert_problem(&r, 422)["field"], "health.red_flags.saddle_numbnes");
}

#[tokio::test]
async fn a_missing_required_field_is_named() {
    let app = spawn_app().await;
    let mut f = web_fitting();
    f["profile"].as_object_mut().unwrap().remove("body_mass_kg");
    let r = app.post("/v1/fittings", &f).await;
    let p = assert_problem(&r, 422);
    assert!(p["detail"].as_str().unwrap().contains("body_mass_kg"), "{}", r.text);
}

#[tokio::test]
async fn a_customer_ref_that_looks_like_an_email_is_refused() {
    let app = spawn_app().await;
    let mut f = web_fitting();
    f["customer_ref"] = json!("jane@example.com");
    assert_eq!(assert_problem(&app.post("/v1/fittings", &f).await, 422)["field"], "customer_ref");
}
