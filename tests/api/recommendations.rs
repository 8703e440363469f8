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
        // Said on the shoe, or once for the list when every shoe shares it.
        let reasons = format!("{}{}", s["reasons"], r.body["shared_reasons"]);
        assert!(reasons.contains("pronat"), "{reasons}");
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

/// A heavy, pronated runner with $145 to spend.
fn heavy_pronator_on_a_budget(budget: f64) -> serde_json::Value {
    let mut f = shop_fitting();
    f["profile"]["body_mass_kg"] = json!(108.0);
    f["profile"]["sex"] = json!("male");
    f["profile"]["budget_usd"] = json!(budget);
    f.as_object_mut().unwrap().remove("health");
    f
}

#[tokio::test]
async fn in_budget_shoes_come_first_and_over_budget_ones_name_the_amount() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": heavy_pronator_on_a_budget(145.0), "top_k": 30 })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shoes = r.body["shoes"].as_array().unwrap();
    let price = |s: &serde_json::Value| s["price_usd"].as_f64().unwrap_or(f64::MAX);
    let logit = |s: &serde_json::Value| {
        let p = s["score"].as_f64().unwrap().clamp(1e-3, 1.0 - 1e-3);
        (p / (1.0 - p)).ln()
    };
    assert!(shoes[..5].iter().all(|s| price(s) <= 145.0), "the first five are within budget: {}", r.text);
    assert!(shoes.iter().any(|s| price(s) > 145.0), "thirty shoes include some over budget");
    // An over-budget shoe may only rank above an in-budget one by a clear margin of fit.
    for (i, above) in shoes.iter().enumerate().filter(|(_, s)| price(s) > 145.0) {
        for below in shoes[i + 1..].iter().filter(|s| price(s) <= 145.0) {
            assert!(logit(above) - logit(below) > 3.5, "{} above {}", above["shoe_id"], below["shoe_id"]);
        }
        let over = price(above) - 145.0;
        let first = above["cautions"][0].as_str().unwrap();
        assert!(first.starts_with(&format!("${over:.0} over your $145 budget")), "{first}");
    }
    for s in &shoes[..3] {
        assert_ne!(s["support"], "neutral", "{}", s["shoe_id"]);
    }
}

#[tokio::test]
async fn an_unknown_worn_shoe_is_refused_with_the_closest_catalogue_ids() {
    let app = spawn_app().await;
    let mut f = shop_fitting();
    f["wear"]["worn_shoe_id"] = json!("brooks-ghost-15");
    let r = app.recommend(&json!({ "fitting": f })).await;
    let p = assert_problem(&r, 422);
    assert_eq!(p["field"], "wear.worn_shoe_id", "{}", r.text);
    assert!(r.text.contains("brooks-ghost-16") && r.text.contains("brooks-ghost-17"), "{}", r.text);
    f["wear"]["worn_shoe_id"] = json!("brooks-ghost-16");
    assert_eq!(app.recommend(&json!({ "fitting": f })).await.status, 200);
}

#[tokio::test]
async fn an_empty_answer_says_what_each_filter_removed_and_what_would_help() {
    let app = spawn_app().await;
    let mut f = heavy_pronator_on_a_budget(120.0);
    f["profile"]["width"] = json!("extra_wide");
    let r = app.recommend(&json!({ "fitting": f, "max_price_usd": 120.0, "width": "extra_wide" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["shoes"], json!([]));
    assert_eq!(r.body["candidates"], 0);
    assert!(r.body["filtered_out"]["price"].as_u64().unwrap() > 0, "{}", r.text);
    assert!(r.body["filtered_out"]["width"].as_u64().unwrap() > 0, "{}", r.text);
    let relaxations = r.body["relaxations"].as_array().unwrap();
    let by = |f: &str| relaxations.iter().find(|x| x["filter"] == f).unwrap_or_else(|| panic!("no {f}: {}", r.text));
    assert!(by("max_price_usd")["suggestion"].as_str().unwrap().contains("at up to $"), "{}", r.text);
    // Nothing extra wide or wide under $120: the nearest width with shoes is standard.
    assert!(by("width")["suggestion"].as_str().unwrap().ends_with("in standard width"), "{}", r.text);
}

#[tokio::test]
async fn an_answer_lists_one_generation_of_each_model_line_and_no_discontinued_shoe() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 50 })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids = shoe_ids(&r);
    let mut lines: Vec<&str> = ids.iter().map(|id| stridefit::features::attributes::model_line(id)).collect();
    let n = lines.len();
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), n, "{ids:?}");
    assert!(!ids.iter().any(|id| id == "brooks-addiction-gts-15" || id == "new-balance-1540v3"), "{ids:?}");
    // An unpriced shoe only after every priced one.
    let priced: Vec<bool> = r.body["shoes"].as_array().unwrap().iter().map(|s| s["price_usd"].is_number()).collect();
    assert!(priced.windows(2).all(|w| w[0] || !w[1]), "{priced:?}");
}

#[tokio::test]
async fn a_drop_change_from_the_worn_pair_is_a_caution_with_advice_never_a_reason() {
    let app = spawn_app().await;
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 10 })).await;
    for s in r.body["shoes"].as_array().unwrap() {
        assert!(!s["reasons"].to_string().contains("than your worn pair"), "{}", s);
        for c in s["cautions"].as_array().unwrap().iter().filter(|c| c.as_str().unwrap().contains("than your worn pair")) {
            assert!(c.as_str().unwrap().contains("ease into it"), "{c}");
        }
    }
}

#[tokio::test]
async fn in_store_answers_give_pairs_in_stock_and_a_better_match_to_order_elsewhere() {
    let app = spawn_app().await;
    // S1 has two neutral daily shoes; the pronated runner's best match is stocked only at S2.
    let best = app.recommend(&json!({ "fitting": shop_fitting(), "top_k": 1 })).await;
    let best_id = shoe_ids(&best)[0].clone();
    assert_eq!(app.set_stock("S1", &[("saucony-ride-19", 4), ("nike-pegasus-42", 1)]).await.status, 200);
    assert_eq!(app.set_stock("S2", &[(best_id.as_str(), 2)]).await.status, 200);
    let r = app.recommend(&json!({ "fitting": shop_fitting(), "store_id": "S1" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shoes = r.body["shoes"].as_array().unwrap();
    assert_eq!(shoes.len(), 2);
    for s in shoes {
        let expected = if s["shoe_id"] == "saucony-ride-19" { 4 } else { 1 };
        assert_eq!(s["pairs_in_stock"], expected, "{s}");
    }
    let elsewhere = &r.body["elsewhere"];
    assert_eq!(elsewhere["shoe"]["shoe_id"], best_id.as_str(), "{}", r.text);
    assert_eq!(elsewhere["in_stock_at"], json!(["S2"]));
    assert!(elsewhere["message"].as_str().unwrap().contains("order it or check another store"));
    assert_eq!(r.body["relaxations"][0]["filter"], "store_id", "{}", r.text);
}

#[tokio::test]
async fn a_racer_who_prefers_a_firm_feel_still_gets_race_shoes() {
    let app = spawn_app().await;
    let mut f = shop_fitting();
    f["profile"]["goal"] = json!("racing");
    f["profile"]["preferred_feel"] = json!("firm");
    f["profile"]["budget_usd"] = json!(300.0);
    f["gait"]["peak_rearfoot_eversion_deg"] = json!(6.0);
    f.as_object_mut().unwrap().remove("wear");
    let r = app.recommend(&json!({ "fitting": f, "top_k": 3 })).await;
    for id in shoe_ids(&r) {
        let shoe = app.get(&format!("/v1/shoes/{id}")).await.body;
        assert_eq!(shoe["category"], "race", "{id}");
        assert_eq!(shoe["plated"], true, "{id}");
    }
}

#[tokio::test]
async fn a_fitting_naming_an_unknown_worn_shoe_is_not_stored() {
    let app = spawn_app().await;
    let mut f = shop_fitting();
    f["wear"]["worn_shoe_id"] = json!("nike-pegasus-40");
    let r = app.post("/v1/fittings", &f).await;
    assert_eq!(assert_problem(&r, 422)["field"], "wear.worn_shoe_id");
    assert!(r.text.contains("nike-pegasus-41"), "{}", r.text);
}
