use serde_json::{json, Value};

use crate::helpers::*;

async fn sale(app: &TestApp, sale_id: &str) -> Value {
    let fitting_id = app.create_fitting(&shop_fitting()).await;
    let shoe = app.get("/v1/shoes?support=stability&limit=1").await.body["items"][0]["id"].clone();
    json!({ "sale_id": sale_id, "fitting_id": fitting_id, "shoe_id": shoe, "store_id": "S1", "sold_at": "2026-10-01T10:00:00Z" })
}

#[tokio::test]
async fn a_sale_is_recorded_once_and_a_retry_returns_it() {
    let app = spawn_app().await;
    let body = sale(&app, "POS-1").await;
    let first = app.post("/v1/outcomes", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = app.post("/v1/outcomes", &body).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body, first.body);
}

#[tokio::test]
async fn reusing_a_sale_id_with_different_details_is_a_409() {
    let app = spawn_app().await;
    let body = sale(&app, "POS-2").await;
    app.post("/v1/outcomes", &body).await;
    let mut other = body.clone();
    other["shoe_id"] = json!("hoka-clifton-9");
    assert_eq!(assert_problem(&app.post("/v1/outcomes", &other).await, 409)["code"], "sale_conflict");
    // Sale ids are unique per store: the same id at another store is another sale.
    let mut elsewhere = body.clone();
    elsewhere["store_id"] = json!("S2");
    assert_eq!(app.post("/v1/outcomes", &elsewhere).await.status, 201);
}

#[tokio::test]
async fn concurrent_retries_with_an_idempotency_key_create_one_sale() {
    let app = spawn_app().await;
    let mut body = sale(&app, "unused").await;
    body.as_object_mut().unwrap().remove("sale_id");
    let send = || {
        app.client.post(app.url("/v1/outcomes")).header("Idempotency-Key", "till3-0042").json(&body).send()
    };
    let replies = futures_util::future::join_all((0..8).map(|_| send())).await;
    let statuses: Vec<u16> = replies.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{statuses:?}");
    let sale_id = app
        .client
        .post(app.url("/v1/outcomes"))
        .header("Idempotency-Key", "till3-0042")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["sale_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get(&format!("/v1/outcomes/{sale_id}")).await.status, 200);
}

#[tokio::test]
async fn a_return_and_a_follow_up_attach_to_the_same_sale() {
    let app = spawn_app().await;
    app.post("/v1/outcomes", &sale(&app, "POS-3").await).await;
    let r = app.client.patch(app.url("/v1/outcomes/POS-3")).json(&json!({"satisfaction": 5})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .patch(app.url("/v1/outcomes/POS-3"))
        .json(&json!({"returned_at": "2026-10-09T12:00:00Z", "return_reason": "comfort"}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["satisfaction"], 5);
    assert_eq!(body["return_reason"], "comfort");
    assert_eq!(body["label"], false, "a returned shoe is a poor fit: {body}");
}

#[tokio::test]
async fn a_return_dated_before_the_sale_is_refused() {
    let app = spawn_app().await;
    app.post("/v1/outcomes", &sale(&app, "POS-4").await).await;
    let r = app.client.patch(app.url("/v1/outcomes/POS-4")).json(&json!({"returned_at": "2026-01-01T00:00:00Z"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn an_outcome_for_an_unknown_shoe_or_fitting_is_refused() {
    let app = spawn_app().await;
    let mut body = sale(&app, "POS-5").await;
    body["shoe_id"] = json!("no-such-shoe");
    assert_eq!(assert_problem(&app.post("/v1/outcomes", &body).await, 422)["field"], "shoe_id");
    let mut body = sale(&app, "POS-6").await;
    body["fitting_id"] = json!("3f1f6f0e-2c1a-4c9b-9a51-1d7f3c1b2a10");
    assert_eq!(assert_problem(&app.post("/v1/outcomes", &body).await, 422)["field"], "fitting_id");
    assert_problem(&app.get("/v1/outcomes/POS-6").await, 404);
}

fn demo_rows(lines: usize) -> String {
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv")).unwrap();
    csv.lines().take(lines + 1).collect::<Vec<_>>().join("\n") + "\n"
}

#[tokio::test]
async fn an_outcome_file_with_bad_rows_is_rejected_whole_with_every_row_listed() {
    let app = spawn_app().await;
    let mut csv = demo_rows(20);
    csv = csv.replacen(",S1,", ",S 1,", 1); // bad store id on some row
    let lines: Vec<&str> = csv.lines().collect();
    let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    broken[5] = broken[5].replacen("T", "X", 1); // bad timestamp
    let csv = broken.join("\n") + "\n";
    let r = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    let p = assert_problem(&r, 422);
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{}", r.text);
    assert!(errors.iter().any(|e| e["field"] == "store_id"));
    assert!(errors.iter().any(|e| e["field"] == "sold_at" && e["line"] == 6), "{}", r.text);
    assert_problem(&app.get("/v1/outcomes/SIM-11-0000000").await, 404);
}

#[tokio::test]
async fn importing_the_same_file_twice_duplicates_nothing() {
    let app = spawn_app().await;
    let csv = demo_rows(50);
    let first = app.post_raw("/v1/outcomes/import", "text/csv", csv.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((first.body["inserted"].as_u64(), first.body["fittings_created"].as_u64()), (Some(50), Some(50)));
    let again = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    assert_eq!((again.body["inserted"].as_u64(), again.body["updated"].as_u64()), (Some(0), Some(50)), "{}", again.text);
}

#[tokio::test]
async fn a_parquet_outcome_file_is_imported() {
    let app = spawn_app().await;
    let catalogue = stridefit::catalogue::Catalogue::new(
        stridefit::catalogue::csv::parse_shoes(stridefit::catalogue::csv::BUNDLED_SHOES_CSV).unwrap(),
        vec![],
    );
    let sales = stridefit::simulate::simulate(&catalogue, &stridefit::simulate::SimulationConfig { sales: 30, ..Default::default() });
    let mut bytes = Vec::new();
    stridefit::simulate::write_parquet(&sales, &mut bytes).unwrap();
    let r = app.post_raw("/v1/outcomes/import", "application/vnd.apache.parquet", bytes).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["inserted"], 30);
    assert!(r.body["try_ons"].as_u64().unwrap() >= 60, "each simulated session tried 2-5 shoes: {}", r.text);
}

#[tokio::test]
async fn a_malformed_upload_is_a_4xx() {
    let app = spawn_app().await;
    let r = app.post_raw("/v1/outcomes/import", "text/csv", "just,some\n\"unterminated").await;
    assert!(r.status == 422 || r.status == 400, "{}", r.text);
    let r = app.post_raw("/v1/outcomes/import", "application/vnd.apache.parquet", b"PAR1garbage".to_vec()).await;
    assert_problem(&r, 422);
    assert_problem(&app.post_raw("/v1/outcomes/import", "text/csv", "").await, 422);
}

/// Two anonymous web-shop runners whose fittings read alike are two sessions when they tried
/// other shoes: neither runner's try-ons replace the other's.
#[tokio::test]
async fn alike_anonymous_fittings_with_other_try_ons_stay_two_sessions() {
    let app = spawn_app().await;
    let fitting = web_fitting().to_string().replace('"', "\"\"");
    let row = |sale: &str, tried: &str| {
        let try_ons = json!([{"shoe_id": tried, "comfort_1_5": 4}]).to_string().replace('"', "\"\"");
        format!("{sale},brooks-ghost-16,2026-01-01T10:00:00Z,\"{fitting}\",4,\"{try_ons}\"\n")
    };
    let csv = format!(
        "sale_id,shoe_id,sold_at,fitting,satisfaction,try_ons\n{}{}{}",
        row("AN-1", "hoka-clifton-10"),
        row("AN-2", "asics-gel-kayano-31"),
        row("AN-3", "hoka-clifton-10")
    );
    let first = app.post_raw("/v1/outcomes/import", "text/csv", csv.clone()).await;
    assert_eq!((first.status, first.body["fittings_created"].as_u64()), (200, Some(2)), "{}", first.text);
    let session = |sale: &'static str| {
        let app = &app;
        async move { app.get(&format!("/v1/outcomes/{sale}")).await.body["fitting_id"].as_str().unwrap().to_owned() }
    };
    let (one, two, three) = (session("AN-1").await, session("AN-2").await, session("AN-3").await);
    assert_ne!(one, two);
    assert_eq!(one, three, "the same fitting and the same try-ons are one session");
    for (id, tried) in [(&one, "hoka-clifton-10"), (&two, "asics-gel-kayano-31")] {
        let set = app.get(&format!("/v1/fittings/{id}/try-ons")).await;
        assert_eq!(set.body["try_ons"][0]["shoe_id"], tried, "{}", set.text);
        assert_eq!(set.body["try_ons"].as_array().unwrap().len(), 1);
    }
    // The same file again creates nothing.
    let again = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    assert_eq!((again.status, again.body["fittings_created"].as_u64()), (200, Some(0)), "{}", again.text);
}

#[tokio::test]
async fn a_fitting_shared_by_two_sales_is_stored_once_and_each_customer_keeps_their_own() {
    let app = spawn_app().await;
    let row = |sale: &str, customer: &str| {
        let mut fitting = shop_fitting();
        fitting["customer_ref"] = json!(customer);
        let cell = fitting.to_string().replace('"', "\"\"");
        format!("{sale},brooks-ghost-16,2026-01-01T10:00:00Z,\"{cell}\",4\n")
    };
    // Two pairs bought after one fitting, and another customer whose fitting reads the same.
    let csv = format!("sale_id,shoe_id,sold_at,fitting,satisfaction\n{}{}{}", row("SH-1", "c-shared-a"), row("SH-2", "c-shared-a"), row("SH-3", "c-shared-b"));
    let first = app.post_raw("/v1/outcomes/import", "text/csv", csv.clone()).await;
    assert_eq!((first.status, first.body["inserted"].as_u64(), first.body["fittings_created"].as_u64()), (200, Some(3), Some(2)), "{}", first.text);
    let a = app.get("/v1/outcomes/SH-1").await.body;
    assert_eq!(a["fitting_id"], app.get("/v1/outcomes/SH-2").await.body["fitting_id"]);
    assert_ne!(a["fitting_id"], app.get("/v1/outcomes/SH-3").await.body["fitting_id"]);

    // Erasing one customer deletes their fitting, not the other's identical one.
    assert_eq!(app.delete("/v1/customers/c-shared-a").await.body["fittings_deleted"], 1);
    assert_eq!(app.get("/v1/outcomes/SH-2").await.body["fitting_id"], Value::Null);
    let b = app.get("/v1/outcomes/SH-3").await.body["fitting_id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/v1/fittings/{b}")).await.status, 200);
}
