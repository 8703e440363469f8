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
    let data = dataset::build(&history(Scenario::Evidence, 600, 9, &catalogue), &catalogue);
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
    let data = dataset::build(&records, &catalogue);
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
    let data = dataset::build(&records, &catalogue);
    assert!(data.examples.iter().any(|e| !e.sold), "the history has tried-and-put-back shoes");
    for e in &data.examples {
        let record = records.iter().find(|r| r.session_key == data.sessions[e.session].key).unwrap();
        let runner = RunnerSignals::from_fitting(&record.fitting, &catalogue);
        let shoe = &catalogue.shoes[e.shoe as usize];
        let attributes = shoe_attributes(shoe);
        let serving = pair(&runner, shoe, &attributes);
        assert_eq!(e.x, serving.x);
        assert_eq!(e.relations, serving.relations);
        assert_eq!(&data.shoe_attributes[e.shoe as usize], serving.shoe);
        assert_eq!(data.runner(e.session), runner);
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
    let data = dataset::build(&records, &catalogue);
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
    let data = dataset::build(&records, &catalogue);
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

/// The examples as the dataset was built before it was streamed: every record sorted by
/// (sale time in ms, tie of store and sale id), sessions numbered in that order and described by their
/// first sale, then the put-back shoes session by session.
/// A session as the test compares it: key, store, runner, first sale time, try-ons recorded.
type SessionView = (String, Option<String>, RunnerSignals, chrono::DateTime<Utc>, bool);

fn reference_examples(records: &[SaleRecord], catalogue: &Catalogue) -> (Vec<SessionView>, Vec<dataset::Example>) {
    let index_of: std::collections::HashMap<&str, u32> = catalogue.shoes.iter().enumerate().map(|(i, s)| (s.id.as_str(), i as u32)).collect();
    let mut rows: Vec<usize> = (0..records.len())
        .filter(|&i| (records[i].label.is_some() || !records[i].tried.is_empty()) && index_of.contains_key(records[i].shoe_id.as_str()))
        .collect();
    rows.sort_by_key(|&i| (records[i].sold_at.timestamp_millis(), dataset::tie(records[i].store_id.as_deref(), &records[i].sale_id)));
    let (mut sessions, mut firsts, mut specs, mut sold_in) = (Vec::new(), Vec::new(), Vec::new(), std::collections::HashSet::new());
    let mut number: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for &i in &rows {
        let r = &records[i];
        let s = *number.entry(r.session_key.as_str()).or_insert_with(|| {
            firsts.push(r);
            firsts.len() - 1
        });
        let shoe = index_of[r.shoe_id.as_str()];
        sold_in.insert((s, shoe));
        let grade = match r.label {
            Some(true) => dataset::grade::BOUGHT_GOOD_FIT,
            Some(false) => dataset::grade::BOUGHT_POOR_FIT,
            None => dataset::grade::BOUGHT,
        };
        specs.push((s, shoe, r.label, grade, true));
    }
    for (s, r) in firsts.iter().enumerate() {
        for t in r.tried.iter() {
            if let Some(&shoe) = index_of.get(t.shoe_id.as_str()) {
                if sold_in.insert((s, shoe)) {
                    specs.push((s, shoe, None, dataset::grade::PUT_BACK, false));
                }
            }
        }
        let runner = RunnerSignals::from_fitting(&r.fitting, catalogue);
        sessions.push((r.session_key.clone(), r.store_id.clone(), runner, r.sold_at, !r.tried.is_empty()));
    }
    let examples = specs
        .into_iter()
        .map(|(session, shoe, label, grade, sold)| {
            let spec = &catalogue.shoes[shoe as usize];
            let attributes = shoe_attributes(spec);
            let p = pair(&sessions[session].2, spec, &attributes);
            let example = dataset::Example { session, shoe, sold, label, x: p.x, relations: p.relations };
            assert_eq!(example.grade(), grade);
            example
        })
        .collect();
    (sessions, examples)
}

#[test]
fn the_streamed_dataset_orders_and_describes_sessions_as_sorting_every_record_first_did() {
    let catalogue = catalogue();
    let mut records = history(Scenario::ShopPreferences, 400, 12, &catalogue);
    // Sessions with several sales, read out of time order, some at the same millisecond and
    // some from another store; unknown shoes and unlabelled sales without try-ons.
    for i in (0..records.len()).step_by(7) {
        let j = (i * 13 + 5) % records.len();
        records[j].session_key = records[i].session_key.clone();
        if i % 3 == 0 {
            records[j].sold_at = records[i].sold_at;
        }
        if i % 2 == 0 {
            records[j].store_id = Some("S-other".into());
        }
    }
    // A shoe tried twice, and the shoe sold among those tried: each put back once at most.
    for i in (1..records.len()).step_by(11) {
        let sold = records[i].shoe_id.clone();
        let tried = std::sync::Arc::make_mut(&mut records[i].tried);
        if let Some(first) = tried.first().cloned() {
            tried.push(first.clone());
            tried.push(crate::outcomes::TryOn { shoe_id: sold, ..first });
        }
    }
    records[3].shoe_id = "discontinued-shoe".into();
    records[4].label = None;
    records[4].tried = Default::default();
    records[5].label = None;
    let data = dataset::build(&records, &catalogue);
    let (sessions, examples) = reference_examples(&records, &catalogue);
    assert!(examples.iter().any(|e| !e.sold) && sessions.len() < records.len() - 20, "sessions share sales and have put-back shoes");
    assert_eq!(data.examples, examples);
    let built: Vec<_> = (0..data.sessions.len())
        .map(|s| {
            let session = &data.sessions[s];
            (session.key.clone(), session.store_id.clone(), data.runner(s), session.first_sold_at, session.has_try_ons)
        })
        .collect();
    assert_eq!(built, sessions);
    assert_eq!((data.sales, data.synthetic_sales, data.unlabelled, data.unknown_shoe), (400, 400, 1, 1));
}

#[test]
fn the_same_sales_read_in_another_order_build_the_same_dataset() {
    // The database returns rows in its query plan's order, which may change from run to run
    // and differs between backends; sales made at the same instant must not be ordered by it.
    let catalogue = catalogue();
    let mut records = history(Scenario::ShopPreferences, 300, 5, &catalogue);
    let instant = records[0].sold_at;
    for i in (0..records.len()).step_by(3) {
        records[i].sold_at = instant;
    }
    // Sessions with several sales, some of them at that instant.
    for i in (0..records.len()).step_by(10) {
        let j = (i + 3) % records.len();
        records[j].session_key = records[i].session_key.clone();
    }
    let first = dataset::build(&records, &catalogue);
    assert!(first.examples.len() > 300 && first.sessions.len() < 290, "put-back shoes and shared sessions");
    for reorder in [|r: &mut Vec<SaleRecord>| r.reverse(), |r: &mut Vec<SaleRecord>| r.rotate_left(101)] {
        let mut read = records.clone();
        reorder(&mut read);
        let again = dataset::build(&read, &catalogue);
        assert_eq!(again.examples, first.examples);
        assert_eq!(again.sessions, first.sessions);
    }
}
