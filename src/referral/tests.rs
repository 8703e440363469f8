use super::*;
use crate::fitting::{examples, Fitting};
use serde_json::json;

fn runner() -> Fitting {
    serde_json::from_value(examples::web_fitting()).unwrap()
}

fn with_pain(pain: serde_json::Value) -> Fitting {
    let mut v = examples::web_fitting();
    v["health"] = json!({ "pain": [pain] });
    serde_json::from_value(v).unwrap()
}

fn with_flags(flags: serde_json::Value, pain: Option<serde_json::Value>) -> Fitting {
    let mut v = examples::web_fitting();
    v["health"] = json!({ "red_flags": flags, "pain": pain.into_iter().collect::<Vec<_>>() });
    serde_json::from_value(v).unwrap()
}

fn codes(r: &Referral) -> Vec<&'static str> {
    r.reasons.iter().map(|r| r.code).collect()
}

fn mild(location: &str) -> serde_json::Value {
    json!({"location": location, "score_0_10": 2.0, "duration_weeks": 1.0})
}

#[test]
fn runner_without_pain_or_flags_gets_no_referral() {
    let r = assess(&runner());
    assert_eq!(r.level, ReferralLevel::None);
    assert!(r.reasons.is_empty() && r.suggested_professional.is_none());
}

#[test]
fn saddle_numbness_alone_is_urgent() {
    let r = assess(&with_flags(json!({"saddle_numbness": true}), None));
    assert_eq!(r.level, ReferralLevel::Urgent);
    assert_eq!(codes(&r), ["nerve_compression_signs"]);
    assert!(r.suggested_professional.unwrap().contains("today"));
}

#[test]
fn bladder_change_with_back_pain_is_urgent() {
    let r = assess(&with_flags(json!({"bladder_or_bowel_change": true}), Some(mild("lower_back"))));
    assert_eq!(r.level, ReferralLevel::Urgent);
}

#[test]
fn sciatica_in_both_legs_or_progressive_weakness_is_urgent() {
    for flag in ["sciatica_both_legs", "progressive_leg_weakness"] {
        assert_eq!(assess(&with_flags(json!({flag: true}), None)).level, ReferralLevel::Urgent, "{flag}");
    }
}

#[test]
fn groin_pain_when_running_is_urgent_for_possible_bone_stress() {
    let r = assess(&with_pain(mild("hip_groin")));
    assert_eq!(r.level, ReferralLevel::Urgent);
    assert!(codes(&r).contains(&"hip_or_groin_pain_with_loading"));
}

#[test]
fn back_pain_with_history_of_cancer_is_prompt() {
    let r = assess(&with_flags(json!({"history_of_cancer": true}), Some(mild("lower_back"))));
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert!(codes(&r).contains(&"back_pain_warning_features"));
}

#[test]
fn new_back_pain_over_fifty_is_prompt() {
    let mut f = with_pain(mild("lower_back"));
    f.profile.age_years = Some(crate::units::AgeYears::new(58.0).unwrap());
    assert!(codes(&assess(&f)).contains(&"back_pain_warning_features"));
}

#[test]
fn back_pain_for_over_a_month_is_prompt() {
    let r = assess(&with_pain(json!({"location": "lower_back", "score_0_10": 2.0, "duration_weeks": 6.0})));
    assert!(codes(&r).contains(&"back_pain_warning_features"));
}

#[test]
fn fever_with_pain_is_prompt_but_fever_without_pain_is_not_a_referral() {
    assert!(codes(&assess(&with_flags(json!({"fever": true}), Some(mild("knee"))))).contains(&"general_health_flags"));
    assert_eq!(assess(&with_flags(json!({"fever": true}), None)).level, ReferralLevel::None);
}

#[test]
fn focal_bone_pain_worse_when_running_is_prompt() {
    let r = assess(&with_pain(json!({"location": "shin", "score_0_10": 2.0, "duration_weeks": 2.0,
        "focal_bone_tenderness": true, "worse_during_run": true})));
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert!(codes(&r).contains(&"focal_bone_pain"));
}

#[test]
fn numbness_or_tingling_is_prompt() {
    let r = assess(&with_flags(json!({"numbness_or_tingling": true}), None));
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert_eq!(codes(&r), ["persistent_or_neurological_symptoms"]);
}

#[test]
fn needing_painkillers_to_run_is_prompt() {
    let r = assess(&with_pain(json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "needs_painkillers_to_run": true})));
    assert!(codes(&r).contains(&"persistent_or_neurological_symptoms"));
}

#[test]
fn pain_above_three_out_of_ten_while_running_is_prompt() {
    let r = assess(&with_pain(json!({"location": "knee", "score_0_10": 5.0, "duration_weeks": 2.0})));
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert_eq!(codes(&r), ["pain_behaviour"]);
}

#[test]
fn mild_knee_pain_that_settles_is_not_a_referral() {
    let r = assess(&with_pain(json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "settles_after_hours": 1.0})));
    assert_eq!(r.level, ReferralLevel::None);
}

#[test]
fn pain_lasting_more_than_three_hours_after_running_is_prompt() {
    let r = assess(&with_pain(json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "settles_after_hours": 12.0})));
    assert!(codes(&r).contains(&"pain_behaviour"));
}

#[test]
fn large_pelvic_drop_is_only_an_advise_flag() {
    let mut v = examples::shop_fitting();
    v["health"] = json!({});
    v["gait"]["contralateral_pelvic_drop_deg"] = json!(9.0);
    let r = assess(&serde_json::from_value(v).unwrap());
    assert_eq!(r.level, ReferralLevel::Advise);
    assert_eq!(codes(&r), ["gait_asymmetry"]);
}

#[test]
fn marked_left_right_asymmetry_is_an_advise_flag() {
    let mut v = examples::shop_fitting();
    v["health"] = json!({});
    v["gait"]["left_right_asymmetry_pct"] = json!(14.0);
    assert_eq!(assess(&serde_json::from_value(v).unwrap()).level, ReferralLevel::Advise);
}

#[test]
fn the_highest_level_wins_and_is_listed_first() {
    let r = assess(&with_flags(json!({"saddle_numbness": true, "numbness_or_tingling": true}), Some(mild("lower_back"))));
    assert_eq!(r.level, ReferralLevel::Urgent);
    assert_eq!(r.reasons[0].level, ReferralLevel::Urgent);
    assert!(r.reasons.len() >= 2);
}

#[test]
fn referral_text_never_names_a_diagnosis() {
    let r = assess(&with_flags(
        json!({"saddle_numbness": true, "history_of_cancer": true, "fever": true}),
        Some(json!({"location": "lower_back", "score_0_10": 6.0, "duration_weeks": 8.0, "focal_bone_tenderness": true, "night_pain": true})),
    ));
    let all = r.reasons.iter().map(|r| r.text.to_lowercase()).collect::<Vec<_>>().join(" ");
    for word in ["cauda equina", "fracture", "tumour", "cancer of", "infection", "sciatica is", "stress fracture"] {
        assert!(!all.contains(word), "names '{word}': {all}");
    }
}

#[test]
fn pain_brings_advice_to_cut_distance_and_skip_hills() {
    let f = with_pain(mild("knee"));
    let advice = training_advice(&f, &assess(&f)).join(" ");
    assert!(advice.contains("reduce your weekly distance") && advice.contains("skip hills"));
}

#[test]
fn a_worn_pair_past_550_km_brings_replacement_advice() {
    let f: Fitting = serde_json::from_value(examples::shop_fitting()).unwrap();
    let advice = training_advice(&f, &assess(&f)).join(" ");
    assert!(advice.contains("780 km"), "{advice}");
}

#[test]
fn no_pain_brings_no_pain_advice() {
    let f = runner();
    assert!(training_advice(&f, &assess(&f)).iter().all(|a| !a.contains("skip hills")));
}

#[test]
fn uneven_wear_between_shoes_is_an_advise_flag_only_with_pain() {
    let mut v = examples::shop_fitting();
    v.as_object_mut().unwrap().remove("gait");
    v["wear"]["right"] = json!({"lateral_forefoot": "heavy", "lateral_heel": "heavy", "lateral_midfoot": "heavy"});
    let with_pain: Fitting = serde_json::from_value(v.clone()).unwrap();
    let r = assess(&with_pain);
    assert_eq!(r.level, ReferralLevel::Advise);
    assert!(r.reasons[0].text.contains("left/right difference"), "{r:?}");
    v["health"] = json!({});
    assert_eq!(assess(&serde_json::from_value(v).unwrap()).level, ReferralLevel::None);
}
