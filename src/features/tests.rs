use super::*;
use crate::catalogue::tests::shoe;
use crate::catalogue::{Catalogue, Cushioning, Support, Width};
use crate::fitting::{examples, Fitting};
use serde_json::json;

fn fitting(v: serde_json::Value) -> Fitting {
    serde_json::from_value(v).unwrap()
}

fn signals(v: serde_json::Value) -> RunnerSignals {
    RunnerSignals::from_fitting(&fitting(v), &Catalogue::default())
}

#[test]
fn large_eversion_on_the_treadmill_is_marked_pronation() {
    let r = signals(examples::shop_fitting());
    assert!(r.pronation_measured);
    assert!(r.marked_pronation(), "pronation {}", r.pronation);
}

#[test]
fn the_same_eversion_against_subtalar_neutral_is_not_marked() {
    let mut v = examples::shop_fitting();
    v["gait"]["eversion_reference"] = json!("subtalar_neutral");
    assert!(!signals(v).marked_pronation());
}

#[test]
fn medial_wear_alone_gives_a_weaker_signal_than_measured_eversion() {
    let mut wear_only = examples::shop_fitting();
    wear_only.as_object_mut().unwrap().remove("gait");
    let from_wear = signals(wear_only);
    assert!(!from_wear.pronation_measured);
    assert!(from_wear.pronation > 0.0 && from_wear.pronation < signals(examples::shop_fitting()).pronation);
}

#[test]
fn no_gait_and_no_wear_means_no_pronation_signal() {
    let r = signals(examples::web_fitting());
    assert_eq!((r.pronation, r.supination), (0.0, 0.0));
}

#[test]
fn lighter_runner_threshold_depends_on_sex() {
    // 65 kg: light for a man (< 78.2), not for a woman (< 62.8).
    let mut v = examples::web_fitting();
    v["profile"]["body_mass_kg"] = json!(65.0);
    v["profile"]["sex"] = json!("male");
    assert_eq!(signals(v.clone()).light, 1.0);
    v["profile"]["sex"] = json!("female");
    assert_eq!(signals(v).light, 0.0);
}

#[test]
fn worn_drop_comes_from_the_catalogue_when_only_the_model_is_known() {
    let mut v = examples::shop_fitting();
    v["wear"].as_object_mut().unwrap().remove("worn_drop_mm");
    v["wear"]["worn_shoe_id"] = json!("known-shoe");
    let mut known = shoe("known-shoe");
    known.heel_stack_mm = None;
    known.drop_mm = Some(10.0);
    let catalogue = Catalogue::new(vec![known], vec![]);
    assert_eq!(RunnerSignals::from_fitting(&fitting(v), &catalogue).worn_drop_mm, Some(10.0));
}

#[test]
fn drop_change_is_measured_against_the_worn_pair() {
    let r = signals(examples::shop_fitting()); // worn drop 12 mm
    let mut low = shoe("low");
    low.drop_mm = Some(4.0);
    let x = pair_features(&r, &low);
    assert_eq!(x.get(Feature::DropChangeMm), -8.0);
    assert_eq!(x.get(Feature::DropChangeExcessMm), 4.0);
}

#[test]
fn support_interactions_follow_shoe_class() {
    let r = signals(examples::shop_fitting());
    let mut stable = shoe("s");
    stable.support = Support::Stability;
    let mut mc = shoe("m");
    mc.support = Support::MotionControl;
    let neutral = pair_features(&r, &shoe("n"));
    assert_eq!(neutral.get(Feature::StabilityXPronation), 0.0);
    assert!(pair_features(&r, &stable).get(Feature::StabilityXPronation) > 0.6);
    assert!(pair_features(&r, &mc).get(Feature::MotionControlXMarkedPronation) > 0.0);
    assert_eq!(pair_features(&r, &stable).get(Feature::MotionControlXNeutral), 0.0);
}

#[test]
fn width_unavailable_only_when_the_shoe_lacks_the_runners_width() {
    let r = signals(examples::web_fitting()); // wide feet
    let mut s = shoe("w");
    assert_eq!(pair_features(&r, &s).get(Feature::WidthUnavailable), 1.0);
    s.widths.push(Width::Wide);
    assert_eq!(pair_features(&r, &s).get(Feature::WidthUnavailable), 0.0);
}

#[test]
fn softness_is_zero_for_firm_and_one_for_max_cushioning() {
    let r = signals(examples::web_fitting());
    let mut s = shoe("c");
    s.cushioning = Cushioning::Low;
    assert_eq!(pair_features(&r, &s).get(Feature::Softness), 0.0);
    s.cushioning = Cushioning::Max;
    assert_eq!(pair_features(&r, &s).get(Feature::Softness), 1.0);
}

#[test]
fn over_budget_is_the_fraction_above_budget() {
    let r = signals(examples::web_fitting()); // budget 160
    let mut s = shoe("p");
    s.price_usd = Some(200.0);
    assert!((pair_features(&r, &s).get(Feature::OverBudget) - 0.25).abs() < 1e-9);
    s.price_usd = Some(100.0);
    assert_eq!(pair_features(&r, &s).get(Feature::OverBudget), 0.0);
}

#[test]
fn schema_hash_is_stable_and_names_are_unique() {
    assert_eq!(schema_hash(), schema_hash());
    let names: std::collections::HashSet<_> = Feature::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names.len(), FEATURE_COUNT);
    for (i, f) in Feature::ALL.iter().enumerate() {
        assert_eq!(f.index(), i);
    }
}
