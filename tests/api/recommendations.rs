use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_stored_shop_fitting_gets_ranked_explained_shoes_from_the_active_model() {
    let app = spawn_app().await;
    let id = app.create_fitting(&shop_fitting()).await;
    let r = app.recommend(&json!({ "fitting_id": id })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let models = app.get("/v1/models").await.body;
    let active = models.as_array().unwrap().iter().find(|m| m["active"] == true).unwrap();
    assert_eq!(r.body["model_version"], active["version"]);
    assert_eq!(r.body["fitting_id"], id.as_str());
    let shoes = r.body["shoes"].as_array().unwrap();
    assert_eq!(shoes.len(), 5);
    let scores: Vec<f64> = shoes.iter().map(|s| s["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for (i, s) in shoes.iter().enumerate() {
        assert_eq!(s["rank"], i + 1);
        assert!(!s["reasons"].as_array().unwrap().is_empty(), "no reasons for {}", s["shoe_id"]);
    }
}

#[tokio::test]
async fn recommendations_rank_stability_shoes_first_for_marked_overpronation() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 3 })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for s in r.body["shoes"].as_array().unwrap() {
        assert_ne!(s["support"], "neutral", "{}", s["shoe_id"]);
        let reasons = s["reasons"].to_string();
        assert!(reasons.contains("pronation"), "{reasons}");
    }
}

#[tokio::test]
async fn a_neutral_runner_gets_neutral_shoes_first() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["gait"]["peak_rearfoot_eversion_deg"] = json!(5.0);
    fitting.as_object_mut().unwrap().remove("wear");
    let r = app.recommend(&json!({ "fitting": fitting, "top_k": 5 })).await;
    for s in r.body["shoes"].as_array().unwrap() {
        assert_eq!(s["support"], "neutral", "{}", s["shoe_id"]);
    }
}

#[tokio::test]
async fn explanations_compare_drop_with_the_worn_pair() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 10 })).await;
    // Every shoe within 4 mm of the worn pair's 12 mm says so; the others carry a caution.
    for s in r.body["shoes"].as_array().unwrap().iter().filter(|s| s["drop_mm"].is_number()) {
        let text = format!("{}{}", s["reasons"], s["cautions"]);
        assert!(text.contains("drop than your worn pair") || text.contains("same drop as your worn pair"), "{text}");
    }
}

#[tokio::test]
async fn a_web_shop_runner_gets_wide_trail_shoes_within_budget() {
    let app = spawn_app().await;
    let r = app
        .recommend(&json!({ "fitting": web_fitting(), "top_k": 5, "terrain": "trail", "width": "wide", "max_price_usd": 160.0 }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids = shoe_ids(&r);
    assert!(!ids.is_empty());
    for id in ids {
        let shoe = app.get(&format!("/v1/shoes/{id}")).await.body;
        assert_ne!(shoe["terrain"], "road", "{id}");
        assert!(shoe["widths"].as_array().unwrap().contains(&json!("wide")), "{id}");
        assert!(shoe["price_usd"].as_f64().unwrap() <= 160.0, "{id}");
    }
    assert_eq!(r.body["referral"]["level"], "none");
}

#[tokio::test]
async fn in_store_recommendations_list_only_shoes_in_stock() {
    let app = spawn_app().await;
    let stocked = ["brooks-ghost-16", "hoka-clifton-10", "asics-gel-kayano-31"];
    let all = app.get("/v1/shoes?limit=200").await.body;
    let known: Vec<&str> = stocked
        .iter()
        .copied()
        .filter(|id| all["items"].as_array().unwrap().iter().any(|s| s["id"] == *id))
        .collect();
    let first_two: Vec<String> =
        all["items"].as_array().unwrap().iter().take(2).map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let mut items: Vec<(&str, i32)> = known.iter().map(|id| (*id, 3)).collect();
    items.push((first_two[0].as_str(), 2));
    items.push((first_two[1].as_str(), 0)); // sold out
    assert_eq!(app.set_stock("S1", &items).await.status, 200);

    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "S1", "top_k": 10 })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids = shoe_ids(&r);
    assert_eq!(ids.len(), items.len() - 1, "{ids:?}");
    assert!(!ids.contains(&first_two[1]), "sold-out shoe listed");
    assert_eq!(r.body["candidates"], items.len() - 1);
}

#[tokio::test]
async fn a_store_with_nothing_in_stock_gets_an_empty_list_not_an_error() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "EMPTY" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["shoes"], json!([]));
}

#[tokio::test]
async fn a_pronating_runner_offered_only_neutral_shoes_gets_an_insole_with_its_reason() {
    let app = spawn_app().await;
    let neutral = app.get("/v1/shoes?support=neutral&terrain=road&limit=3").await.body;
    let ids: Vec<&str> = neutral["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    app.set_stock("S2", &ids.iter().map(|id| (*id, 1)).collect::<Vec<_>>()).await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "S2" })).await;
    let first = &r.body["shoes"][0];
    assert!(first["insole"]["insole_id"].is_string(), "{}", r.text);
    assert!(first["insole"]["reason"].as_str().unwrap().contains("arch support"));
}

#[tokio::test]
async fn a_runner_without_gait_or_wear_signals_gets_no_insole() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": web_fitting(), "top_k": 10 })).await;
    for s in r.body["shoes"].as_array().unwrap() {
        assert!(s.get("insole").is_none(), "{}", s);
    }
}

#[tokio::test]
async fn a_runner_reporting_saddle_numbness_gets_an_urgent_referral() {
    let app = spawn_app().await;
    let mut fitting = web_fitting();
    fitting["health"] = json!({
        "pain": [{"location": "lower_back", "score_0_10": 3.0, "duration_weeks": 1.0}],
        "red_flags": {"saddle_numbness": true}
    });
    let r = app.recommend(&json!({ "fitting": fitting })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["referral"]["level"], "urgent");
    assert_eq!(r.body["referral"]["reasons"][0]["code"], "nerve_compression_signs");
    assert!(r.body["referral"]["suggested_professional"].as_str().unwrap().contains("today"));
    assert!(r.body["advice"].to_string().contains("Do not run"));
}

#[tokio::test]
async fn a_runner_with_no_pain_gets_no_referral() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": web_fitting() })).await;
    assert_eq!(r.body["referral"]["level"], "none");
    assert_eq!(r.body["referral"]["reasons"], json!([]));
    assert!(r.body["referral"].get("suggested_professional").is_none());
}

#[tokio::test]
async fn a_runner_in_pain_is_told_to_back_off_mileage_and_skip_hills() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting() })).await;
    let advice = r.body["advice"].to_string();
    assert!(advice.contains("reduce your weekly distance") && advice.contains("skip hills"), "{advice}");
    assert!(advice.contains("780 km"), "{advice}");
}

#[tokio::test]
async fn top_k_outside_one_to_fifty_is_refused() {
    let app = spawn_app().await;
    for k in [0, 51] {
        let r = app.recommend(&json!({ "fitting": web_fitting(), "top_k": k })).await;
        assert_eq!(assert_problem(&r, 422)["field"], "top_k");
    }
}

#[tokio::test]
async fn sending_both_or_neither_fitting_and_fitting_id_is_refused() {
    let app = spawn_app().await;
    let id = app.create_fitting(&web_fitting()).await;
    for body in [json!({ "fitting_id": id, "fitting": web_fitting() }), json!({ "top_k": 3 })] {
        let r = app.recommend(&body).await;
        assert_eq!(assert_problem(&r, 422)["field"], "fitting");
    }
}

#[tokio::test]
async fn an_unknown_fitting_id_is_a_404() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting_id": "3f1f6f0e-2c1a-4c9b-9a51-1d7f3c1b2a10" })).await;
    assert_problem(&r, 404);
}
