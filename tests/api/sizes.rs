use serde_json::{json, Value};

use crate::helpers::*;

/// The shop fitting with both feet measured: the right foot is the longer.
fn measured_fitting() -> Value {
    let mut f = shop_fitting();
    f["feet"] = json!({
        "left": {"length_mm": 265.0, "width_mm": 100.0},
        "right": {"length_mm": 268.0, "width_mm": 102.0},
        "method": "brannock"
    });
    f
}

async fn put_sizes(app: &TestApp, store: &str, shoe: &str, sizes: &[(f64, i32)]) -> Reply {
    let sizes: Vec<Value> = sizes
        .iter()
        .map(|(eu, q)| json!({"size_eu": eu, "quantity": q}))
        .collect();
    app.put(
        &format!("/v1/stores/{store}/stock"),
        &json!({"items": [{"shoe_id": shoe, "sizes": sizes}]}),
    )
    .await
}

#[tokio::test]
async fn a_fitting_with_measured_feet_gets_a_size_for_each_recommended_shoe_with_its_reason() {
    let app = spawn_app().await;
    let r = app
        .recommend(&json!({ "fitting": measured_fitting() }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for s in r.body["shoes"].as_array().unwrap() {
        let advice = &s["size_advice"];
        assert_eq!(advice["basis"], "measured", "{s}");
        assert!(
            advice["first"].as_str().unwrap().starts_with("EU "),
            "{advice}"
        );
        assert_ne!(advice["first"], advice["next"]);
        let reason = advice["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("you measure 268 mm (right foot, the longer by 3 mm)"),
            "{reason}"
        );
        assert!(
            reason.ends_with(&format!(
                "try {}, then {}",
                advice["first"].as_str().unwrap(),
                advice["next"].as_str().unwrap()
            )),
            "{reason}"
        );
        assert!(
            advice["first_size"]["us_men"].is_number() && advice["first_size"]["uk"].is_number(),
            "{advice}"
        );
    }
}

#[tokio::test]
async fn sizes_are_advised_in_the_runners_system_from_a_usual_size_when_nothing_is_measured() {
    let app = spawn_app().await;
    let mut f = shop_fitting();
    f["feet"] = json!({"usual_size": {"shoe_id": "brooks-ghost-16", "size": 9.5, "system": "us_men"}, "preferred_system": "us_men"});
    let r = app.recommend(&json!({ "fitting": f })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let advice = &r.body["shoes"][0]["size_advice"];
    assert_eq!(advice["basis"], "usual_size");
    assert!(
        advice["first"].as_str().unwrap().starts_with("US men's "),
        "{advice}"
    );
    assert!(
        advice["reason"]
            .as_str()
            .unwrap()
            .starts_with("you wear US men's 9.5 in the Brooks Ghost 16"),
        "{advice}"
    );
}

#[tokio::test]
async fn bad_foot_measurements_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let mut swapped = measured_fitting();
    swapped["feet"]["left"] = json!({"length_mm": 200.0, "width_mm": 130.0});
    assert_eq!(
        assert_problem(&app.recommend(&json!({ "fitting": swapped })).await, 422)["field"],
        "feet.left.width_mm"
    );

    let mut apart = measured_fitting();
    apart["feet"]["left"]["length_mm"] = json!(240.0);
    assert_eq!(
        assert_problem(&app.post("/v1/fittings", &apart).await, 422)["field"],
        "feet.right.length_mm"
    );

    let mut tiny = measured_fitting();
    tiny["feet"]["right"]["length_mm"] = json!(26.8);
    let body = assert_problem(&app.recommend(&json!({ "fitting": tiny })).await, 422).clone();
    assert_eq!(body["field"], "fitting.feet.right.length_mm");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("between 150 and 350 mm"),
        "{body}"
    );

    let mut unknown = shop_fitting();
    unknown["feet"] =
        json!({"usual_size": {"shoe_id": "brooks-ghost-99", "size": 9.0, "system": "us_men"}});
    assert_eq!(
        assert_problem(&app.recommend(&json!({ "fitting": unknown })).await, 422)["field"],
        "feet.usual_size.shoe_id"
    );
}

#[tokio::test]
async fn stock_by_size_shows_each_brands_uk_and_us_labels_and_totals_still_work_for_old_clients() {
    let app = spawn_app().await;
    let r = put_sizes(&app, "S1", "nike-pegasus-41", &[(42.5, 2), (43.0, 1)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let item = &r.body["items"][0];
    assert_eq!(item["quantity"], 3, "the total is the sum of the sizes");
    assert_eq!(
        item["sizes"][0],
        json!({"size_eu": 42.5, "uk": 8.0, "us_men": 9.0, "us_women": 10.5, "quantity": 2})
    );
    // Adidas labels in thirds: 42⅔ is its US men's 9 / UK 8.5.
    let r = put_sizes(&app, "S1", "adidas-adizero-boston-13", &[(42.67, 1)]).await;
    let adidas = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["shoe_id"] == "adidas-adizero-boston-13")
        .unwrap()
        .clone();
    assert_eq!(
        (
            adidas["sizes"][0]["uk"].as_f64(),
            adidas["sizes"][0]["us_men"].as_f64()
        ),
        (Some(8.5), Some(9.0)),
        "{adidas}"
    );
    // A client that only knows totals sets one; the breakdown goes, so the two never disagree.
    let r = app.set_stock("S1", &[("nike-pegasus-41", 5)]).await;
    let nike = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["shoe_id"] == "nike-pegasus-41")
        .unwrap()
        .clone();
    assert_eq!(nike["quantity"], 5);
    assert!(nike.get("sizes").is_none(), "{nike}");
}

#[tokio::test]
async fn bad_stock_sizes_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let r = put_sizes(&app, "S1", "nike-pegasus-41", &[(42.2, 1)]).await;
    assert_eq!(
        assert_problem(&r, 422)["field"],
        "items[0].sizes[0].size_eu"
    );
    let r = put_sizes(&app, "S1", "nike-pegasus-41", &[(42.5, 1), (42.5, 2)]).await;
    assert_eq!(
        assert_problem(&r, 422)["field"],
        "items[0].sizes[1].size_eu"
    );
    let r = app
        .put("/v1/stores/S1/stock", &json!({"items": [{"shoe_id": "nike-pegasus-41", "quantity": 4, "sizes": [{"size_eu": 42.5, "quantity": 1}]}]}))
        .await;
    assert_eq!(assert_problem(&r, 422)["field"], "items[0].quantity");
    let r = app
        .put(
            "/v1/stores/S1/stock",
            &json!({"items": [{"shoe_id": "nike-pegasus-41"}]}),
        )
        .await;
    assert_eq!(assert_problem(&r, 422)["field"], "items[0].quantity");
}

#[tokio::test]
async fn the_answer_says_how_many_pairs_are_in_the_size_and_when_the_advised_size_is_out_but_the_next_is_in(
) {
    let app = spawn_app().await;
    let open = app
        .recommend(&json!({ "fitting": measured_fitting(), "top_k": 2 }))
        .await;
    let (a, b) = (&open.body["shoes"][0], &open.body["shoes"][1]);
    let (a_id, b_id) = (
        a["shoe_id"].as_str().unwrap(),
        b["shoe_id"].as_str().unwrap(),
    );
    let eu = |s: &Value, which: &str| s["size_advice"][which]["eu"].as_f64().unwrap();
    // The first shoe in the advised size; the second only in the next size.
    assert_eq!(
        put_sizes(
            &app,
            "S1",
            a_id,
            &[(eu(a, "first_size"), 3), (eu(a, "next_size"), 1)]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        put_sizes(
            &app,
            "S1",
            b_id,
            &[(eu(b, "first_size"), 0), (eu(b, "next_size"), 2)]
        )
        .await
        .status,
        200
    );
    let r = app
        .recommend(&json!({ "fitting": measured_fitting(), "store_id": "S1" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shoe = |id: &str| {
        r.body["shoes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["shoe_id"] == id)
            .unwrap()
            .clone()
    };
    let (sa, sb) = (shoe(a_id), shoe(b_id));
    assert_eq!(
        (
            sa["pairs_in_stock"].as_i64(),
            sa["pairs_in_size"].as_i64(),
            sa["pairs_in_next_size"].as_i64()
        ),
        (Some(4), Some(3), Some(1))
    );
    assert!(sa.get("size_note").is_none(), "{sa}");
    assert_eq!(sb["pairs_in_size"], 0);
    let note = format!(
        "{} is out of stock here; {} is in (2 pairs)",
        sb["size_advice"]["first"].as_str().unwrap(),
        sb["size_advice"]["next"].as_str().unwrap()
    );
    assert_eq!(sb["size_note"], note.as_str(), "{sb}");
}

#[tokio::test]
async fn a_better_match_the_store_has_only_in_other_sizes_is_offered_with_the_stores_that_have_the_size(
) {
    let app = spawn_app().await;
    let open = app
        .recommend(&json!({ "fitting": measured_fitting(), "top_k": 1 }))
        .await;
    let best = open.body["shoes"][0].clone();
    let best_id = best["shoe_id"].as_str().unwrap();
    let advised = best["size_advice"]["first_size"]["eu"].as_f64().unwrap();
    // S1 has the best match in small sizes only, plus another shoe; S2 has it in the
    // runner's size; S3 only in small sizes.
    assert_eq!(
        put_sizes(&app, "S1", best_id, &[(38.0, 4)]).await.status,
        200
    );
    assert_eq!(
        app.set_stock("S1", &[("saucony-ride-19", 4)]).await.status,
        200
    );
    assert_eq!(
        put_sizes(&app, "S2", best_id, &[(advised, 1)]).await.status,
        200
    );
    assert_eq!(
        put_sizes(&app, "S3", best_id, &[(38.0, 2)]).await.status,
        200
    );
    let r = app
        .recommend(&json!({ "fitting": measured_fitting(), "store_id": "S1" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        !shoe_ids(&r).contains(&best_id.to_owned()),
        "not listed in a size the runner cannot wear"
    );
    assert_eq!(
        r.body["filtered_out"]["size"], 1,
        "{}",
        r.body["filtered_out"]
    );
    let elsewhere = &r.body["elsewhere"];
    assert_eq!(elsewhere["shoe"]["shoe_id"], best_id);
    assert_eq!(elsewhere["in_stock_at"], json!(["S2"]), "{elsewhere}");
    let message = elsewhere["message"].as_str().unwrap();
    assert!(
        message.contains("not in stock here in EU") && message.contains("order it in EU"),
        "{message}"
    );
}

#[tokio::test]
async fn a_sale_records_its_size() {
    let app = spawn_app().await;
    let fitting_id = app.create_fitting(&measured_fitting()).await;
    let sale = json!({"sale_id": "POS-1", "fitting_id": fitting_id, "shoe_id": "nike-pegasus-41", "store_id": "S1", "size_eu": 43.0});
    let r = app.post("/v1/outcomes", &sale).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["size_eu"], 43.0);
    let mut odd = sale.clone();
    odd["sale_id"] = json!("POS-2");
    odd["size_eu"] = json!(12.0);
    assert_eq!(
        assert_problem(&app.post("/v1/outcomes", &odd).await, 422)["field"],
        "size_eu"
    );
}

/// Imports 800 simulated sales with sizes, fit returns and measured feet; answers the
/// catalogue they were simulated on.
async fn import_sized_sales(app: &TestApp) -> stridefit::catalogue::Catalogue {
    let catalogue = stridefit::catalogue::Catalogue::new(
        stridefit::catalogue::csv::parse_shoes(stridefit::catalogue::csv::BUNDLED_SHOES_CSV)
            .unwrap(),
        vec![],
    );
    let config = stridefit::simulate::SimulationConfig {
        sales: 800,
        size_returns: true,
        ..Default::default()
    };
    let sales = stridefit::simulate::simulate(&catalogue, &config);
    let mut csv = Vec::new();
    stridefit::simulate::write_csv(&sales, &mut csv).unwrap();
    assert_eq!(
        app.post_raw("/v1/outcomes/import", "text/csv", csv)
            .await
            .status,
        200
    );
    catalogue
}

#[tokio::test]
async fn the_train_command_learns_a_model_and_each_models_size_offset_from_the_stored_sales_and_evaluate_reads_them_alike() {
    let app = spawn_app().await;
    import_sized_sales(&app).await;
    let versions = |models: &Value| -> Vec<String> {
        models.as_array().unwrap().iter().map(|m| m["version"].as_str().unwrap().to_owned()).collect()
    };
    let before = versions(&app.get("/v1/models").await.body);
    let (ok, stdout) = run_cli(&app, &["train"]).await;
    assert!(ok, "{stdout}");
    assert!(stdout.contains("not activated"), "{stdout}");
    let after = versions(&app.get("/v1/models").await.body);
    let trained: Vec<&String> = after.iter().filter(|v| !before.contains(v)).collect();
    assert_eq!(trained.len(), 1, "{after:?}");
    assert!(stdout.contains(&format!("trained {}", trained[0])), "{stdout}");
    // The size offsets come from a second, streamed read of the same sales.
    let offsets = app.get("/v1/size-offsets").await;
    let learned = offsets.body.as_array().unwrap().len();
    assert!(learned > 30, "{}", offsets.text);
    assert!(stdout.contains(&format!("learned size offsets for {learned} models")), "{stdout}");
    // The evaluation reads the same stored sales the same streamed way.
    let (ok, evaluated) = run_cli(&app, &["evaluate", "--model", trained[0]]).await;
    assert!(ok, "{evaluated}");
    let held_out = |text: &str| text.lines().find(|l| l.starts_with("held-out:")).map(str::to_owned);
    assert!(held_out(&evaluated).is_some() && held_out(&evaluated) == held_out(&stdout), "{evaluated}\n---\n{stdout}");
    assert!(evaluated.contains(&format!("candidate: {}", trained[0])), "{evaluated}");
}

/// Runs the command line on the app's database; answers whether it succeeded and what it
/// printed (stdout, then stderr).
async fn run_cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let (url, args): (String, Vec<String>) = (app.database.url.clone(), args.iter().map(|a| a.to_string()).collect());
    // Off the test's runtime, so that it still sees the server close idle connections.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
            .args(args)
            .env("STRIDEFIT_DATABASE_URL", url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn training_learns_each_models_size_offset_and_the_api_shows_it_per_model() {
    let app = spawn_app().await;
    let catalogue = import_sized_sales(&app).await;
    assert_problem(&app.get("/v1/size-offsets/nike-pegasus-41").await, 404);

    let started = app.post("/v1/models", &json!({})).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let url = format!("/v1/jobs/{}", started.body["id"].as_str().unwrap());
    for _ in 0..600 {
        if !matches!(
            app.get(&url).await.body["status"].as_str(),
            Some("queued" | "running")
        ) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.get(&url).await.body["status"], "succeeded");

    let offsets = app.get("/v1/size-offsets").await;
    assert_eq!(offsets.status, 200, "{}", offsets.text);
    let all = offsets.body.as_array().unwrap();
    assert!(all.len() > 30, "{} models", all.len());
    let busiest = all
        .iter()
        .max_by(|a, b| {
            a["records"]
                .as_f64()
                .partial_cmp(&b["records"].as_f64())
                .unwrap()
        })
        .unwrap();
    let id = busiest["shoe_id"].as_str().unwrap();
    let one = app.get(&format!("/v1/size-offsets/{id}")).await;
    assert_eq!(one.status, 200);
    assert!(
        one.body["length_mm"].is_number() && one.body["summary"].is_string(),
        "{}",
        one.text
    );
    // Within half a size (about 4-5 mm) of the simulated world's truth for a well-sold model.
    let truth = stridefit::simulate::SizingWorld::new(&catalogue, 0).offsets[id].length_mm;
    assert!(
        (one.body["length_mm"].as_f64().unwrap() - truth).abs() < 4.2,
        "{} vs true {truth}",
        one.text
    );
    assert_eq!(
        assert_problem(&app.get("/v1/size-offsets/no-such-shoe").await, 404)["code"],
        "size_offset_not_found"
    );
    assert_eq!(
        assert_problem(&app.get("/v1/size-charts/nobrand").await, 404)["code"],
        "size_chart_not_found"
    );
    assert_eq!(
        app.get("/v1/size-charts/asics").await.body["men"]
            .as_array()
            .unwrap()
            .len(),
        15
    );
}

#[tokio::test]
async fn insoles_are_stocked_per_store_and_a_paired_insole_says_how_many_pairs_are_here() {
    let app = spawn_app().await;
    let r = app.put("/v1/stores/S1/insole-stock", &json!({"items": [{"insole_id": "superfeet-run-support-medium-arch", "quantity": 3}]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["quantity"], 3);
    assert_eq!(app.get("/v1/stores/S1/insole-stock").await.body["items"][0]["insole_id"], "superfeet-run-support-medium-arch");
    let bad = app.put("/v1/stores/S1/insole-stock", &json!({"items": [{"insole_id": "no-such-insole", "quantity": 1}]})).await;
    assert_eq!(assert_problem(&bad, 422)["field"], "items[0].insole_id");

    // A shoe whose answer pairs an insole, stocked at S1 with that insole.
    let open = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 10 })).await;
    let paired = open.body["shoes"].as_array().unwrap().iter().find(|s| s.get("insole").is_some()).expect("an insole is paired").clone();
    let (shoe, insole) = (paired["shoe_id"].as_str().unwrap(), paired["insole"]["insole_id"].as_str().unwrap());
    assert_eq!(app.set_stock("S1", &[(shoe, 2)]).await.status, 200);
    assert_eq!(app.put("/v1/stores/S1/insole-stock", &json!({"items": [{"insole_id": insole, "quantity": 4}]})).await.status, 200);
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "S1" })).await;
    let here = r.body["shoes"].as_array().unwrap().iter().find(|s| s["shoe_id"] == shoe).unwrap().clone();
    assert_eq!(here["insole"]["insole_id"], insole, "{here}");
    assert_eq!(here["insole"]["pairs_in_stock"], 4, "{here}");
}
