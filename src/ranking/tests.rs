//! One test per baseline rule, named for the case it states, plus ranking mechanics.

use super::*;
use crate::catalogue::tests::shoe;
use crate::catalogue::{Catalogue, Category, Cushioning, Support, Terrain, Width};
use crate::features::RunnerSignals;
use crate::fitting::{examples, Fitting};
use serde_json::json;

fn runner(v: serde_json::Value) -> RunnerSignals {
    let f: Fitting = serde_json::from_value(v).unwrap();
    RunnerSignals::from_fitting(&f, &Catalogue::default())
}

fn score(r: &RunnerSignals, s: &Shoe) -> f64 {
    let attributes = shoe_attributes(s);
    BaselineScorer::new().score(&Prepared::NONE, &pair(r, s, &attributes)).score
}

/// The baseline's explanation of one shoe against a typical candidate with no contributions.
fn explain_alone(r: &RunnerSignals, s: &Shoe) -> Explanation {
    let attributes = shoe_attributes(s);
    let p = pair(r, s, &attributes);
    let scored = BaselineScorer::new().score(&Prepared::NONE, &p);
    explain(r, s, &p.x, &scored, &Scored::from_hand(0.5, [0.0; FEATURE_COUNT]))
}

fn with_support(id: &str, support: Support) -> Shoe {
    let mut s = shoe(id);
    s.support = support;
    s
}

fn neutral_gait_runner() -> RunnerSignals {
    let mut v = examples::shop_fitting();
    v["gait"]["peak_rearfoot_eversion_deg"] = json!(6.0);
    v.as_object_mut().unwrap().remove("wear");
    runner(v)
}

#[test]
fn stability_shoe_ranks_above_neutral_for_marked_pronation() {
    let r = runner(examples::shop_fitting());
    assert!(score(&r, &with_support("s", Support::Stability)) > score(&r, &with_support("n", Support::Neutral)));
}

#[test]
fn neutral_shoe_ranks_above_stability_for_a_neutral_foot() {
    let r = neutral_gait_runner();
    assert!(score(&r, &with_support("n", Support::Neutral)) > score(&r, &with_support("s", Support::Stability)));
}

#[test]
fn motion_control_ranks_last_for_a_neutral_foot() {
    let r = neutral_gait_runner();
    let mc = score(&r, &with_support("m", Support::MotionControl));
    assert!(mc < score(&r, &with_support("s", Support::Stability)));
    assert!(mc < score(&r, &with_support("n", Support::Neutral)));
}

#[test]
fn motion_control_beats_neutral_only_for_clearly_pronated_feet() {
    let pronated = runner(examples::shop_fitting());
    assert!(score(&pronated, &with_support("m", Support::MotionControl)) > score(&pronated, &with_support("n", Support::Neutral)));
}

#[test]
fn softer_cushioning_gains_more_for_a_lighter_runner_than_a_heavier_one() {
    let mut soft = shoe("soft");
    soft.cushioning = Cushioning::Max;
    let mut firm = shoe("firm");
    firm.cushioning = Cushioning::Low;
    let mut light = examples::web_fitting();
    light["profile"]["body_mass_kg"] = json!(60.0);
    light["profile"]["width"] = json!("standard");
    let mut heavy = light.clone();
    heavy["profile"]["body_mass_kg"] = json!(95.0);
    // Compared in log-odds, where rules add up.
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let gain = |r: &RunnerSignals| logit(score(r, &soft)) - logit(score(r, &firm));
    assert!(gain(&runner(light)) > gain(&runner(heavy)) + 0.5);
}

#[test]
fn wear_pattern_alone_moves_the_support_choice_less_than_treadmill_eversion() {
    let mut wear_only = examples::shop_fitting();
    wear_only.as_object_mut().unwrap().remove("gait");
    let stable = with_support("s", Support::Stability);
    let neutral = with_support("n", Support::Neutral);
    let margin = |r: &RunnerSignals| score(r, &stable) - score(r, &neutral);
    assert!(margin(&runner(wear_only)) < margin(&runner(examples::shop_fitting())));
}

#[test]
fn a_drop_change_beyond_four_mm_from_the_worn_pair_costs_score() {
    let r = runner(examples::shop_fitting()); // worn pair 12 mm
    let mut close = shoe("close");
    close.drop_mm = Some(10.0);
    close.heel_stack_mm = None;
    let mut far = close.clone();
    far.id = "far".into();
    far.drop_mm = Some(0.0);
    assert!(score(&r, &close) > score(&r, &far));
}

#[test]
fn a_shoe_not_made_in_the_runners_width_ranks_below_one_that_is() {
    let r = runner(examples::web_fitting()); // wide
    let standard_only = shoe("a");
    let mut wide = shoe("b");
    wide.widths = [Width::Standard, Width::Wide].into();
    assert!(score(&r, &wide) > score(&r, &standard_only));
}

#[test]
fn a_shoe_over_budget_ranks_below_one_within_it() {
    let r = runner(examples::web_fitting()); // budget 160
    let mut cheap = shoe("a");
    cheap.price_usd = Some(150.0);
    let mut dear = shoe("b");
    dear.price_usd = Some(250.0);
    assert!(score(&r, &cheap) > score(&r, &dear));
}

#[test]
fn a_trail_runner_gets_trail_shoes_above_road_shoes() {
    let r = runner(examples::web_fitting());
    let mut trail = shoe("t");
    trail.terrain = Terrain::Trail;
    assert!(score(&r, &trail) > score(&r, &shoe("r")));
}

#[test]
fn a_carbon_plate_costs_score_unless_the_goal_is_racing() {
    let mut plated = shoe("p");
    plated.plated = true;
    let daily = runner(examples::shop_fitting());
    assert!(score(&daily, &plated) < score(&daily, &shoe("u")));
    let mut racing = examples::shop_fitting();
    racing["profile"]["goal"] = json!("racing");
    let racer = runner(racing);
    assert!((score(&racer, &plated) - score(&racer, &shoe("u"))).abs() < 1e-12);
}

#[test]
fn the_preferred_feel_lifts_matching_cushioning() {
    let r = runner(examples::shop_fitting()); // prefers soft
    let mut soft = shoe("soft");
    soft.cushioning = Cushioning::High;
    let mut firm = shoe("firm");
    firm.cushioning = Cushioning::Low;
    assert!(score(&r, &soft) > score(&r, &firm));
}

#[test]
fn the_goal_picks_the_category() {
    let mut racing = examples::web_fitting();
    racing["profile"]["goal"] = json!("racing");
    racing["profile"]["terrain"] = json!("road");
    let r = runner(racing);
    let mut race = shoe("race");
    race.category = Category::Race;
    let mut cushioned = shoe("cushioned");
    cushioned.category = Category::Cushioned;
    assert!(score(&r, &race) > score(&r, &cushioned));
}

fn catalogue() -> Catalogue {
    let mut shoes = Vec::new();
    for (i, support) in [Support::Neutral, Support::Stability, Support::MotionControl].iter().enumerate() {
        for j in 0..4 {
            let mut s = with_support(&format!("s{i}-{j}"), *support);
            s.price_usd = Some(100.0 + 30.0 * j as f64);
            if j % 2 == 0 {
                s.widths.insert(Width::Wide);
            }
            shoes.push(s);
        }
    }
    let insoles = crate::catalogue::csv::parse_insoles(crate::catalogue::csv::BUNDLED_INSOLES_CSV).unwrap();
    Catalogue::new(shoes, insoles)
}

#[test]
fn rank_returns_top_k_best_first() {
    let r = runner(examples::shop_fitting());
    let ranked = rank(&BaselineScorer::new(), &catalogue(), &r, &Filters::default(), 5);
    assert_eq!(ranked.len(), 5);
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
    assert_ne!(ranked[0].shoe.support, Support::Neutral);
}

#[test]
fn filters_keep_only_in_stock_affordable_shoes_in_the_width() {
    let r = runner(examples::shop_fitting());
    let filters = Filters {
        only_ids: Some(["s0-0", "s0-1", "s1-2", "s2-3"].iter().map(|s| s.to_string()).collect()),
        max_price_usd: Some(170.0),
        width: Some(Width::Wide),
        terrain: None,
    };
    let ids: Vec<String> = rank(&BaselineScorer::new(), &catalogue(), &r, &filters, 10).into_iter().map(|x| x.shoe.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"s0-0".to_string()) && ids.contains(&"s1-2".to_string()));
}

#[test]
fn explanations_state_the_drop_difference_in_millimetres() {
    let r = runner(examples::shop_fitting()); // worn 12 mm
    let mut s = shoe("x");
    s.heel_stack_mm = None;
    s.drop_mm = Some(0.0);
    let e = explain_alone(&r, &s);
    assert!(e.cautions.iter().any(|c| c.starts_with("12 mm lower drop than your worn pair")), "{e:?}");
}

#[test]
fn explanations_name_stability_for_marked_pronation() {
    let r = runner(examples::shop_fitting());
    let s = with_support("s", Support::Stability);
    let e = explain_alone(&r, &s);
    assert!(e.reasons.iter().any(|t| t.contains("stable platform for the marked pronation")), "{e:?}");
}

#[test]
fn an_insole_is_paired_with_a_neutral_shoe_for_a_pronating_runner() {
    let r = runner(examples::shop_fitting());
    let pairing = pair_insole(&r, &shoe("n"), &catalogue().insoles).expect("an insole");
    assert!(matches!(pairing.insole.arch_support, crate::catalogue::ArchSupport::Medium | crate::catalogue::ArchSupport::High));
    assert!(pairing.reason.contains("arch support"));
}

#[test]
fn no_insole_for_a_neutral_foot_or_a_stability_shoe() {
    let insoles = catalogue().insoles;
    assert!(pair_insole(&neutral_gait_runner(), &shoe("n"), &insoles).is_none());
    assert!(pair_insole(&runner(examples::shop_fitting()), &with_support("s", Support::Stability), &insoles).is_none());
    assert!(pair_insole(&runner(examples::web_fitting()), &shoe("n"), &insoles).is_none());
}

#[test]
fn an_unchanged_drop_is_mentioned_as_a_reason() {
    let r = runner(examples::shop_fitting()); // worn 12 mm
    let mut s = with_support("s", Support::Stability);
    s.heel_stack_mm = None;
    s.drop_mm = Some(12.0);
    let e = explain_alone(&r, &s);
    assert!(e.reasons.contains(&"same drop as your worn pair (12 mm)".to_string()), "{e:?}");
}

#[test]
fn the_rank_key_orders_shoes_exactly_as_the_score_does() {
    let trained = crate::model::registry::Bundled::parse(crate::model::BUNDLED_DEFAULT_MODEL).unwrap().artifact.scorer().unwrap();
    let baseline = BaselineScorer::new();
    let shoes = crate::catalogue::csv::parse_shoes(crate::catalogue::csv::BUNDLED_SHOES_CSV).unwrap();
    let catalogue = Catalogue::new(shoes.clone(), Vec::new());
    let f: Fitting = serde_json::from_value(examples::shop_fitting()).unwrap();
    let r = RunnerSignals::from_fitting(&f, &catalogue);
    for scorer in [&baseline as &dyn Scorer, trained.as_ref()] {
        let prepared = scorer.prepare(&r);
        for s in &shoes {
            let attributes = shoe_attributes(s);
            let p = pair(&r, s, &attributes);
            let (key, score) = (scorer.rank_key(&prepared, &p), scorer.score(&prepared, &p).score);
            assert!((crate::ranking::sigmoid(key) - score).abs() < 1e-12, "{}: {key} vs {score}", s.id);
        }
    }
}
