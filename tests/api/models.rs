use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

async fn wait_for_job(app: &TestApp, job: &Value) -> Value {
    let url = format!("/v1/jobs/{}", job["id"].as_str().unwrap());
    // Training in a debug build on a loaded 2-core machine can take a minute.
    for _ in 0..1800 {
        let r = app.get(&url).await;
        let status = r.body["status"].as_str().unwrap_or_default().to_owned();
        if !matches!(status.as_str(), "queued" | "running") {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job did not finish");
}

#[tokio::test]
async fn a_fresh_install_ranks_with_the_bundled_trained_model() {
    let app = spawn_app().await;
    let models = app.get("/v1/models").await.body;
    let active: Vec<&Value> = models.as_array().unwrap().iter().filter(|m| m["active"] == true).collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["kind"], "interaction_ranker");
    assert_eq!(active[0]["training_summary"]["synthetic"], true);
    // The bundled model lists the held-out comparison it was shipped with; the rules, which
    // are not trained, have none.
    let figures = &active[0]["metrics"];
    assert!(figures["candidate"]["overall"]["ndcg_at_5"].is_number() && figures["held_out"]["sessions"].as_u64() > Some(0), "{figures}");
    let rules = models.as_array().unwrap().iter().find(|m| m["version"] == "baseline-rules-v1").unwrap();
    assert!(rules["metrics"].is_null(), "{rules}");
    let r = app.recommend(&json!({ "fitting": shop_fitting() })).await;
    assert_eq!(r.body["model_version"], active[0]["version"]);
}

#[tokio::test]
async fn an_analyst_imports_trains_compares_and_activates_and_the_next_recommendation_uses_it() {
    let app = spawn_app().await;
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv")).unwrap();
    let import = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    assert_eq!(import.status, 200, "{}", import.text);

    let started = app.post("/v1/models", &json!({})).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let job = wait_for_job(&app, &started.body).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"], 1.0);
    let version = job["model_version"].as_str().unwrap().to_owned();

    let model = app.get(&format!("/v1/models/{version}")).await.body;
    assert_eq!(model["active"], false, "training must not activate");
    for role in ["candidate", "baseline"] {
        let m = &model["metrics"][role]["overall"];
        assert!(m["ndcg_at_5"].is_number() && m["auc"].is_number() && m["log_loss"].is_number(), "{role}: {m}");
        assert!(model["metrics"][role]["per_store"]["S1"].is_object());
    }
    assert!(model["metrics"]["active"]["overall"].is_object(), "the active model is compared too");
    for reference in ["random", "popularity"] {
        assert!(model["metrics"][reference]["overall"]["ndcg_at_5"].is_number(), "{reference} reference row");
    }
    let held_out = &model["metrics"]["held_out"];
    assert!(held_out["sessions"].as_u64().unwrap() > 0 && held_out["from"].is_string(), "{held_out}");
    let tried = &model["metrics"]["candidate"]["overall"];
    assert!(tried["tried_ndcg_at_5"].is_number() && tried["tried_ndcg_at_5_interval"]["low"].is_number(), "{tried}");
    assert!(model["metrics"]["gain"]["interval"]["low"].is_number(), "the gain over the active model has an interval");
    let summary = &model["training_summary"];
    assert!(summary["try_on_sessions"].as_u64().unwrap() > 0 && summary["put_back"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["synthetic"], true, "imported simulator output stays marked synthetic");
    assert!(summary["families"].as_array().unwrap().len() == 2, "{summary}");

    let activated = app.post(&format!("/v1/models/{version}/activate"), &json!({})).await;
    assert_eq!(activated.status, 200, "{}", activated.text);
    let r = app.recommend(&json!({ "fitting": shop_fitting() })).await;
    assert_eq!(r.body["model_version"], version.as_str());

    // Rolling back to the rules is one activation.
    app.post("/v1/models/baseline-rules-v1/activate", &json!({})).await;
    assert_eq!(app.recommend(&json!({ "fitting": shop_fitting() })).await.body["model_version"], "baseline-rules-v1");
}

#[tokio::test]
async fn a_training_run_that_fails_leaves_the_active_model_serving() {
    let app = spawn_app().await;
    let before = app.recommend(&json!({ "fitting": web_fitting() })).await.body["model_version"].clone();
    let started = app.post("/v1/models", &json!({})).await; // no outcomes stored: not enough data
    let job = wait_for_job(&app, &started.body).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["message"].as_str().unwrap().contains("not enough"), "{job}");
    assert!(job["model_version"].is_null());
    assert_eq!(app.recommend(&json!({ "fitting": web_fitting() })).await.body["model_version"], before);
    assert_eq!(app.get("/v1/models").await.body.as_array().unwrap().len(), 2, "nothing stored");
}

#[tokio::test]
async fn activating_an_unknown_version_is_a_404_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.recommend(&json!({ "fitting": web_fitting() })).await.body["model_version"].clone();
    assert_problem(&app.post("/v1/models/m-nope/activate", &json!({})).await, 404);
    assert_problem(&app.get("/v1/jobs/nope").await, 404);
    assert_eq!(app.recommend(&json!({ "fitting": web_fitting() })).await.body["model_version"], before);
}

#[tokio::test]
async fn a_stored_fitting_gets_identical_features_in_training_and_serving() {
    use stridefit::features::{pair_features, RunnerSignals};
    let app = spawn_app().await;
    let fitting_json = shop_fitting();
    let fitting_id = app.create_fitting(&fitting_json).await;
    let shoe_id = "brooks-adrenaline-gts-24";
    let r = app
        .post("/v1/outcomes", &json!({"sale_id": "F-1", "fitting_id": fitting_id, "shoe_id": shoe_id, "sold_at": "2026-01-01T10:00:00Z", "satisfaction": 5}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Training path: from the database, through the polars pipeline (on a plain thread, as
    // training jobs run).
    let url = app.database.url.clone();
    let (data, catalogue) = std::thread::spawn(move || {
        let db = stridefit::db::Database::connect(&url, 1).unwrap();
        let catalogue = stridefit::catalogue::CatalogueService::load(db.clone()).unwrap().snapshot();
        let records = stridefit::training::load_records(&db).unwrap();
        (stridefit::training::dataset::build(&records, &catalogue), catalogue)
    })
    .join()
    .unwrap();
    assert_eq!(data.examples.len(), 1);

    // Serving path: the request body as the recommendation handler parses it.
    let served: stridefit::fitting::Fitting = serde_json::from_value(fitting_json).unwrap();
    let shoe = catalogue.shoe(shoe_id).unwrap();
    let serving = pair_features(&RunnerSignals::from_fitting(&served, &catalogue), shoe);
    assert_eq!(data.examples[0].x, serving);
}
