use std::sync::atomic::AtomicBool;

use chrono::Utc;
use serde_json::json;

use super::*;
use crate::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use crate::features::{pair, shoe_attributes, RunnerSignals};
use crate::ranking::rank;
use crate::simulate::{simulate, to_records, Scenario, SimulationConfig};

fn catalogue() -> Catalogue {
    Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).unwrap(), parse_insoles(BUNDLED_INSOLES_CSV).unwrap())
}

fn history(scenario: Scenario, sales: usize, seed: u64, catalogue: &Catalogue) -> Vec<SaleRecord> {
    let config = SimulationConfig { sales, seed, scenario, ..Default::default() };
    to_records(&simulate(catalogue, &config), Utc::now())
}

fn mean_top5_drop(scorer: &dyn Scorer, catalogue: &Catalogue) -> f64 {
    let fitting: Fitting = serde_json::from_value(json!({"profile": {
        "body_mass_kg": 72.0, "weekly_distance_km": 35.0, "goal": "daily_training", "terrain": "road"}}))
    .unwrap();
    let runner = RunnerSignals::from_fitting(&fitting, catalogue);
    let top = rank(scorer, catalogue, &runner, &Default::default(), 5);
    top.iter().map(|r| r.shoe.drop_mm.unwrap_or(8.0)).sum::<f64>() / top.len() as f64
}

#[test]
fn retraining_on_runners_who_keep_low_drop_shoes_moves_the_ranking_and_beats_the_baseline() {
    let catalogue = catalogue();
    let records = history(Scenario::LowDrop, 4000, 3, &catalogue);
    let result = train(&records, &catalogue, None, &Silent, &AtomicBool::new(false)).unwrap();
    let model = result.artifact.clone().scorer().unwrap();

    let (trained, baseline) = (mean_top5_drop(model.as_ref(), &catalogue), mean_top5_drop(&BaselineScorer::new(), &catalogue));
    assert!(trained + 2.0 < baseline, "top-5 mean drop: trained {trained:.1} mm vs baseline {baseline:.1} mm");

    let (candidate, rules) = (&result.comparison.candidate.overall, &result.comparison.baseline.overall);
    assert!(candidate.ndcg_at_5 > rules.ndcg_at_5, "held-out NDCG@5: candidate {} vs baseline {}", candidate.ndcg_at_5, rules.ndcg_at_5);
    assert!(candidate.log_loss < rules.log_loss);
    assert!(result.comparison.clearly_better(), "gain over the rules: {:?}", result.comparison.gain);
}

#[test]
fn sessions_never_fall_on_both_sides_of_the_split_and_the_test_side_is_newest() {
    let catalogue = catalogue();
    let data = dataset::build(&history(Scenario::Evidence, 600, 9, &catalogue), &catalogue).unwrap();
    let split = dataset::split_by_time(&data, TEST_FRACTION, VALIDATION_FRACTION);
    let sessions = |idx: &[usize]| idx.iter().map(|&i| data.examples[i].session).collect::<std::collections::HashSet<_>>();
    let (train, valid, test) = (sessions(&split.train), sessions(&split.validation), sessions(&split.test));
    assert!(train.is_disjoint(&test) && train.is_disjoint(&valid) && valid.is_disjoint(&test));
    let newest_train = train.iter().map(|&s| data.sessions[s].first_sold_at).max().unwrap();
    let oldest_test = test.iter().map(|&s| data.sessions[s].first_sold_at).min().unwrap();
    assert!(newest_train <= oldest_test);
    assert_eq!(split.train.len() + split.validation.len() + split.test.len(), data.examples.len());
}

#[test]
fn too_little_data_is_refused_with_a_reason() {
    let catalogue = catalogue();
    let records = history(Scenario::Evidence, 20, 1, &catalogue);
    let err = train(&records, &catalogue, None, &Silent, &AtomicBool::new(false)).err().unwrap();
    assert!(matches!(err, TrainError::NotEnoughData(_)), "{err}");
}

#[test]
fn a_cancelled_run_returns_cancelled() {
    let catalogue = catalogue();
    let records = history(Scenario::Evidence, 300, 2, &catalogue);
    let err = train(&records, &catalogue, None, &Silent, &AtomicBool::new(true)).err().unwrap();
    assert!(matches!(err, TrainError::Cancelled));
}

#[test]
fn unlabelled_recent_sales_and_shoes_no_longer_sold_are_left_out() {
    let catalogue = catalogue();
    let mut records = history(Scenario::Evidence, 50, 4, &catalogue);
    records[0].label = None;
    records[1].shoe_id = "discontinued-shoe".into();
    records[0].tried = Default::default();
    let data = dataset::build(&records, &catalogue).unwrap();
    let sold = data.examples.iter().filter(|e| e.sold).count();
    assert_eq!((data.unlabelled, data.unknown_shoe, sold), (1, 1, 48));
}

#[test]
fn the_bundled_default_model_matches_this_builds_features() {
    let bundled = crate::model::registry::Bundled::parse(crate::model::BUNDLED_DEFAULT_MODEL).unwrap();
    assert!(bundled.artifact.clone().scorer().is_ok(), "regenerate data/default_model.json (see README)");
    assert_eq!(bundled.training_summary["synthetic"], true);
}

#[test]
fn training_features_equal_serving_features_for_every_pair() {
    let catalogue = catalogue();
    let records = history(Scenario::ShopPreferences, 200, 8, &catalogue);
    let data = dataset::build(&records, &catalogue).unwrap();
    assert!(data.examples.iter().any(|e| !e.sold), "the history has tried-and-put-back shoes");
    for e in &data.examples {
        let record = records.iter().find(|r| r.session_key == data.sessions[e.session].key).unwrap();
        let runner = RunnerSignals::from_fitting(&record.fitting, &catalogue);
        let shoe = catalogue.shoe(&e.shoe_id).unwrap();
        let attributes = shoe_attributes(shoe);
        let serving = pair(&runner, shoe, &attributes);
        assert_eq!(e.x, serving.x);
        assert_eq!(e.relations, serving.relations);
        assert_eq!(&data.shoe_attributes[e.shoe as usize], serving.shoe);
        assert_eq!(data.sessions[e.session].runner.attributes, runner.attributes);
    }
}

/// Top-5 shares of shoes of the runner's worn brand, for a runner who wears `worn`.
/// The top five for a 35-year-old runner who wears `worn`.
fn top_five_for_wearer_of(scorer: &dyn Scorer, catalogue: &Catalogue, worn: &str) -> Vec<crate::ranking::RankedShoe> {
    let fitting: Fitting = serde_json::from_value(json!({
        "profile": {"body_mass_kg": 70.0, "sex": "male", "age_years": 35, "weekly_distance_km": 30.0,
                    "goal": "daily_training", "terrain": "road"},
        "wear": {"left": {}, "right": {}, "worn_shoe_id": worn}}))
    .unwrap();
    let runner = RunnerSignals::from_fitting(&fitting, catalogue);
    rank(scorer, catalogue, &runner, &Default::default(), 5)
}

/// Share of the top five in the worn pair's brand.
fn worn_brand_share(scorer: &dyn Scorer, catalogue: &Catalogue, worn: &str) -> f64 {
    let brand = &catalogue.shoe(worn).unwrap().brand;
    let top = top_five_for_wearer_of(scorer, catalogue, worn);
    top.iter().filter(|r| &r.shoe.brand == brand).count() as f64 / top.len() as f64
}

#[test]
fn the_interaction_ranker_learns_brand_loyalty_that_no_hand_feature_names() {
    let catalogue = catalogue();
    let records = history(Scenario::ShopPreferences, 3000, 5, &catalogue);
    let data = dataset::build(&records, &catalogue).unwrap();
    let split = dataset::split_by_time(&data, TEST_FRACTION, VALIDATION_FRACTION);
    let (artifact, _, _) = interaction::fit(&data, &split.train, &split.validation, "m-test", &mut |_, _| {}).unwrap();
    let ranker = crate::model::InteractionModel::from_artifact(artifact).unwrap();
    let (train, valid) = (data.labelled_sales_in(&split.train), data.labelled_sales_in(&split.validation));
    let (logistic, _) = fit::fit(&train, &valid, "m-lr", &mut |_, _| {}).unwrap();
    let logistic = TrainedModel::from_artifact(logistic).unwrap();
    for worn in ["saucony-ride-18", "hoka-clifton-10", "brooks-ghost-16"] {
        let (learned, linear) = (worn_brand_share(&ranker, &catalogue, worn), worn_brand_share(&logistic, &catalogue, worn));
        assert!(learned > linear, "{worn}: worn-brand share of the top 5, ranker {learned} vs logistic {linear}");
    }
    // The reasons say what the ranker learned, in plain words, from its own contributions.
    let top = top_five_for_wearer_of(&ranker, &catalogue, "saucony-ride-18");
    let saucony = top.iter().find(|r| r.shoe.brand == "Saucony").expect("a Saucony in the top five");
    assert!(
        saucony.explanation.reasons.iter().any(|r| r.contains("Saucony") || r.contains("model you run in now")),
        "{:?}",
        saucony.explanation
    );
    // And on held-out sessions it orders each tried-on set better than the logistic model.
    let (r, l) = (evaluate::evaluate(&ranker, &data, &split.test, &catalogue), evaluate::evaluate(&logistic, &data, &split.test, &catalogue));
    assert!(r.overall.tried_ndcg_at_5 > l.overall.tried_ndcg_at_5, "{:?} vs {:?}", r.overall.tried_ndcg_at_5, l.overall.tried_ndcg_at_5);
}

#[test]
fn an_interaction_artifact_round_trips_and_one_trained_on_other_features_is_refused() {
    let catalogue = catalogue();
    let records = history(Scenario::ShopPreferences, 400, 6, &catalogue);
    let data = dataset::build(&records, &catalogue).unwrap();
    let split = dataset::split_by_time(&data, TEST_FRACTION, VALIDATION_FRACTION);
    let (artifact, _, _) = interaction::fit(&data, &split.train, &split.validation, "m-rt", &mut |_, _| {}).unwrap();
    let stored = crate::model::Artifact::Interaction(artifact.clone());
    let back = crate::model::Artifact::from_json(stored.kind(), stored.to_json()).unwrap();
    assert_eq!(back, stored);

    let mut other = artifact;
    other.schema_hash = "0123456789abcdef".into();
    let err = crate::model::InteractionModel::from_artifact(other).expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("0123456789abcdef") && message.contains(&crate::features::extended_schema_hash()), "{message}");
}

#[test]
fn a_logistic_model_stored_by_the_previous_release_still_loads_and_ranks() {
    // The bundle the release before the interaction ranker shipped (no `kind` field).
    let old = include_str!("../../tests/golden/logistic_model_v1.json");
    let bundle = crate::model::registry::Bundled::parse(old).unwrap();
    assert_eq!(bundle.artifact.kind(), crate::model::LOGISTIC_KIND);
    let scorer = bundle.artifact.scorer().expect("the hand features kept their meaning");
    let catalogue = catalogue();
    let top = rank(scorer.as_ref(), &catalogue, &RunnerSignals::from_fitting(&serde_json::from_value(crate::fitting::examples::shop_fitting()).unwrap(), &catalogue), &Default::default(), 3);
    assert_eq!(top.len(), 3);
}
