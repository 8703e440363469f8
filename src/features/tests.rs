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
    s.widths.insert(Width::Wide);
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
fn feature_names_are_unique_and_indexed_in_order() {
    let names: std::collections::HashSet<_> = Feature::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names.len(), FEATURE_COUNT);
    for (i, f) in Feature::ALL.iter().enumerate() {
        assert_eq!(f.index(), i);
    }
}

#[test]
fn models_stored_by_the_previous_release_still_match_the_hand_features() {
    // The hash every logistic model stored before the interaction ranker carries: the hand
    // features did not change, so those models keep loading.
    assert_eq!(schema_hash(), "0c95cb9f15b99ead");
    assert_ne!(schema_hash(), extended_schema_hash());
}

/// The fittings the golden file pins: a shop fitting, a web profile, and an older, heavier
/// runner with pain who names the worn model.
fn golden_fittings() -> Vec<serde_json::Value> {
    let mut third = examples::shop_fitting();
    third["profile"]["body_mass_kg"] = json!(96.0);
    third["profile"]["age_years"] = json!(52);
    third["profile"]["sex"] = json!("male");
    third["wear"].as_object_mut().unwrap().remove("worn_drop_mm");
    third["wear"]["worn_shoe_id"] = json!("brooks-adrenaline-gts-24");
    vec![examples::shop_fitting(), examples::web_fitting(), third]
}

/// The golden file pins definitions, not catalogue data: it reads its own copy of the shoes
/// (`tests/golden/shoes.csv`), so editing `data/shoes.csv` never trips it.
fn golden_values() -> serde_json::Value {
    let shoes = include_bytes!("../../tests/golden/shoes.csv");
    let catalogue = Catalogue::new(crate::catalogue::csv::parse_shoes(shoes).unwrap(), Vec::new());
    let shoes: serde_json::Map<String, serde_json::Value> =
        catalogue.shoes.iter().map(|s| (s.id.clone(), json!(shoe_attributes(s).0.to_vec()))).collect();
    let fittings: Vec<serde_json::Value> = golden_fittings()
        .into_iter()
        .map(|v| {
            let runner = RunnerSignals::from_fitting(&fitting(v), &catalogue);
            let pairs: serde_json::Map<String, serde_json::Value> = catalogue
                .shoes
                .iter()
                .map(|s| {
                    let a = shoe_attributes(s);
                    let p = pair(&runner, s, &a);
                    (s.id.clone(), json!({"hand": p.x.0.to_vec(), "relations": p.relations.0.to_vec()}))
                })
                .collect();
            json!({"runner": runner.attributes.0.to_vec(), "pairs": pairs})
        })
        .collect();
    json!({"hand_hash": schema_hash(), "extended_hash": extended_schema_hash(), "shoes": shoes, "fittings": fittings})
}

fn differences(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value::*;
    match (a, b) {
        (Object(x), Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => differences(v, w, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k} is new")),
                }
            }
            out.extend(y.keys().filter(|k| !x.contains_key(*k)).map(|k| format!("{path}.{k} is gone")));
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, &format!("{path}[{i}]"), out);
            }
        }
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            if (x - y).abs() > 1e-9 {
                out.push(format!("{path}: {y} became {x}"));
            }
        }
        (x, y) if x == y => {}
        _ => out.push(format!("{path} changed")),
    }
}

/// The feature contract: every hand feature, relation and attribute over fixed fittings ×
/// a fixed copy of the bundled shoes, against `tests/golden/features.json`. A changed definition fails here
/// until its version constant is bumped (which refuses models trained on the old meaning),
/// the default model is retrained and the file rewritten with `UPDATE_GOLDEN=1`.
#[test]
fn features_match_the_golden_file_for_fixed_fittings_and_the_bundled_shoes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/features.json");
    let current = golden_values();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, serde_json::to_string(&current).unwrap() + "\n").unwrap();
    }
    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut diffs = Vec::new();
    differences(&current, &golden, "", &mut diffs);
    let versions_bumped = golden["hand_hash"] != current["hand_hash"] || golden["extended_hash"] != current["extended_hash"];
    assert!(
        diffs.is_empty(),
        "{}\n{} feature values differ from tests/golden/features.json, first: {:?}",
        if versions_bumped {
            "The feature version was bumped: retrain data/default_model.json, then rewrite the golden file with UPDATE_GOLDEN=1."
        } else {
            "A feature definition changed but its version did not: bump HAND_FEATURES_VERSION or EXTENDED_FEATURES_VERSION in src/features/mod.rs so models trained on the old meaning are refused."
        },
        diffs.len(),
        &diffs[..diffs.len().min(5)]
    );
}
