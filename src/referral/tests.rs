use super::*;
use crate::fitting::{Fitting, examples};
use crate::referral::rules::Running;
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
    assert_eq!(r.reasons[0].running, Running::Stop);
}

#[test]
fn bladder_change_with_back_pain_is_urgent() {
    let r = assess(&with_flags(
        json!({"bladder_or_bowel_change": true}),
        Some(mild("lower_back")),
    ));
    assert_eq!(r.level, ReferralLevel::Urgent);
}

#[test]
fn sciatica_in_both_legs_or_progressive_weakness_is_urgent() {
    for flag in ["sciatica_both_legs", "progressive_leg_weakness"] {
        assert_eq!(
            assess(&with_flags(json!({flag: true}), None)).level,
            ReferralLevel::Urgent,
            "{flag}"
        );
    }
}

#[test]
fn groin_pain_when_running_is_urgent_for_possible_bone_stress() {
    let r = assess(&with_pain(mild("hip_groin")));
    assert_eq!(r.level, ReferralLevel::Urgent);
    assert!(codes(&r).contains(&"hip_or_groin_pain_with_loading"));
    // Without timing the score means pain while running; staff are asked to record it.
    assert!(question_codes(&r).contains(&"timing"));
}

#[test]
fn back_pain_with_history_of_cancer_is_prompt() {
    let r = assess(&with_flags(
        json!({"history_of_cancer": true}),
        Some(mild("lower_back")),
    ));
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
    let r = assess(&with_pain(
        json!({"location": "lower_back", "score_0_10": 2.0, "duration_weeks": 6.0}),
    ));
    assert!(codes(&r).contains(&"back_pain_warning_features"));
}

#[test]
fn fever_with_pain_is_prompt_but_fever_without_pain_is_not_a_referral() {
    assert!(
        codes(&assess(&with_flags(
            json!({"fever": true}),
            Some(mild("knee"))
        )))
        .contains(&"general_health_flags")
    );
    assert_eq!(
        assess(&with_flags(json!({"fever": true}), None)).level,
        ReferralLevel::None
    );
}

#[test]
fn focal_bone_pain_worse_when_running_is_prompt() {
    let r = assess(&with_pain(
        json!({"location": "shin", "score_0_10": 2.0, "duration_weeks": 2.0,
        "focal_bone_tenderness": true, "worse_during_run": true}),
    ));
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
    let r = assess(&with_pain(
        json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "needs_painkillers_to_run": true}),
    ));
    assert!(codes(&r).contains(&"persistent_or_neurological_symptoms"));
}

#[test]
fn pain_above_three_out_of_ten_while_running_is_prompt() {
    let r = assess(&with_pain(
        json!({"location": "knee", "score_0_10": 5.0, "duration_weeks": 2.0}),
    ));
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert_eq!(codes(&r), ["pain_behaviour"]);
}

#[test]
fn mild_knee_pain_that_settles_is_not_a_referral() {
    let r = assess(&with_pain(
        json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "settles_after_hours": 1.0}),
    ));
    assert_eq!(r.level, ReferralLevel::None);
}

#[test]
fn pain_lasting_more_than_three_hours_after_running_is_prompt() {
    let r = assess(&with_pain(
        json!({"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "settles_after_hours": 12.0}),
    ));
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
    assert_eq!(
        assess(&serde_json::from_value(v).unwrap()).level,
        ReferralLevel::Advise
    );
}

#[test]
fn the_highest_level_wins_and_is_listed_first() {
    let r = assess(&with_flags(
        json!({"saddle_numbness": true, "numbness_or_tingling": true}),
        Some(mild("lower_back")),
    ));
    assert_eq!(r.level, ReferralLevel::Urgent);
    assert_eq!(r.reasons[0].level, ReferralLevel::Urgent);
    assert!(r.reasons.len() >= 2);
}

#[test]
fn referral_text_never_names_a_diagnosis() {
    let r = assess(&with_flags(
        json!({"saddle_numbness": true, "history_of_cancer": true, "fever": true}),
        Some(
            json!({"location": "lower_back", "score_0_10": 6.0, "duration_weeks": 8.0, "focal_bone_tenderness": true, "night_pain": true}),
        ),
    ));
    assert_names_no_condition(&r, &["cauda equina", "fracture", "tumour", "cancer of", "infection", "sciatica is", "stress fracture"]);
}

/// Fails if any runner-facing reason names one of these conditions.
fn assert_names_no_condition(r: &crate::referral::Referral, conditions: &[&str]) {
    let text = r.reasons.iter().map(|r| r.text.to_lowercase()).collect::<Vec<_>>().join(" ");
    for word in conditions {
        assert!(!text.contains(word), "names '{word}': {text}");
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
    assert!(
        training_advice(&f, &assess(&f))
            .iter()
            .all(|a| !a.contains("skip hills"))
    );
}

#[test]
fn uneven_wear_between_shoes_is_an_advise_flag_only_with_pain() {
    let mut v = examples::shop_fitting();
    v.as_object_mut().unwrap().remove("gait");
    v["wear"]["right"] =
        json!({"lateral_forefoot": "heavy", "lateral_heel": "heavy", "lateral_midfoot": "heavy"});
    let with_pain: Fitting = serde_json::from_value(v.clone()).unwrap();
    let r = assess(&with_pain);
    assert_eq!(r.level, ReferralLevel::Advise);
    assert!(r.reasons[0].text.contains("left/right difference"), "{r:?}");
    v["health"] = json!({});
    assert_eq!(
        assess(&serde_json::from_value(v).unwrap()).level,
        ReferralLevel::None
    );
}

// ---- Part 2: tri-state answers, questions to ask, new rules and their negative twins ----

fn health(h: serde_json::Value) -> Fitting {
    let mut v = examples::web_fitting();
    v["health"] = h;
    serde_json::from_value(v).unwrap()
}

fn level(h: serde_json::Value) -> ReferralLevel {
    assess(&health(h)).level
}

fn question_codes(r: &Referral) -> Vec<&'static str> {
    r.questions_to_ask.iter().map(|q| q.code).collect()
}

#[test]
fn a_missing_answer_is_not_asked_and_an_explicit_false_is_no() {
    use crate::fitting::Answer;
    let f = health(json!({"red_flags": {"fever": false}}));
    assert_eq!(f.health.red_flags.fever, Answer::No);
    assert_eq!(f.health.red_flags.saddle_numbness, Answer::NotAsked);
    let back = serde_json::to_value(&f.health.red_flags).unwrap();
    assert_eq!(
        back,
        json!({"fever": false}),
        "not-asked answers are not written as false"
    );
}

#[test]
fn groin_pain_with_no_red_flag_answers_lists_questions_without_raising_the_level() {
    let stiff = json!({"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 0.1,
        "timing": ["first_steps_in_morning"], "course": "improving", "settles_after_hours": 6.0});
    let r = assess(&health(json!({"pain": [stiff]})));
    assert!(r.level <= ReferralLevel::Advise, "{r:?}");
    let asked = question_codes(&r);
    for code in [
        "pain_on_hopping",
        "limp",
        "previous_injuries",
        "restricted_eating",
    ] {
        assert!(asked.contains(&code), "{code} missing from {asked:?}");
    }
    assert_eq!(
        r.questions_to_ask[0].field,
        "health.pain[0].pain_on_hopping"
    );
}

#[test]
fn answered_questions_are_not_asked_again() {
    let r = assess(&health(
        json!({"pain": [{"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0,
        "onset": "gradual", "locking_or_giving_way": false, "swelling": false}]}),
    ));
    assert!(r.questions_to_ask.is_empty(), "{:?}", r.questions_to_ask);
}

#[test]
fn menstrual_status_is_not_asked_of_men_and_says_why_when_asked() {
    let shin = json!({"pain": [{"location": "shin", "score_0_10": 2.0, "duration_weeks": 2.0}]});
    let mut f = health(shin);
    assert!(
        !question_codes(&assess(&f)).contains(&"menstrual_status"),
        "web_fitting is a man"
    );
    f.profile.sex = Some(crate::fitting::Sex::Female);
    let r = assess(&f);
    let q = r
        .questions_to_ask
        .iter()
        .find(|q| q.code == "menstrual_status")
        .unwrap();
    assert!(
        q.question.contains("Optional") && q.question.contains("bone"),
        "{}",
        q.question
    );
}

#[test]
fn brief_groin_stiffness_gone_the_same_day_is_not_urgent_but_groin_pain_when_running_is() {
    let stiff = json!({"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 0.1,
        "timing": ["first_steps_in_morning"], "settles_after_hours": 8.0, "limp": false});
    assert!(level(json!({"pain": [stiff]})) <= ReferralLevel::Advise);
    let running = json!({"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 0.1, "timing": ["during_runs"]});
    assert_eq!(level(json!({"pain": [running]})), ReferralLevel::Urgent);
    let hopping = json!({"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 1.0,
        "timing": ["after_runs"], "pain_on_hopping": true});
    assert_eq!(level(json!({"pain": [hopping]})), ReferralLevel::Urgent);
}

#[test]
fn groin_pain_after_runs_is_urgent_with_a_bone_stress_history_but_not_without() {
    let after = json!({"location": "hip_groin", "score_0_10": 1.0, "duration_weeks": 3.0, "timing": ["after_runs"],
        "pain_on_hopping": false, "limp": false});
    let r = assess(&health(json!({"pain": [after.clone()],
        "previous_injuries": [{"type": "bone_stress", "site": "shin", "year": 2024}]})));
    assert_eq!(codes(&r), ["hip_or_groin_pain_with_bone_stress_risk"]);
    assert!(level(json!({"pain": [after]})) < ReferralLevel::Urgent);
}

#[test]
fn fainting_on_a_run_is_urgent_and_palpitations_alone_are_prompt() {
    let r = assess(&health(
        json!({"exertional_symptoms": {"fainting_or_near_fainting": true}}),
    ));
    assert_eq!(codes(&r), ["exertional_cardiac_symptoms"]);
    assert_eq!(
        training_advice(&health(json!({})), &r),
        ["Do not run until a doctor has seen you."]
    );
    let r = assess(&health(
        json!({"exertional_symptoms": {"palpitations": true, "fainting_or_near_fainting": false}}),
    ));
    assert_eq!(codes(&r), ["exertional_palpitations_or_dizziness"]);
    assert_eq!(r.level, ReferralLevel::Prompt);
}

#[test]
fn chest_pain_while_running_is_urgent_but_chest_wall_pain_after_a_fall_is_not() {
    assert_eq!(
        level(json!({"pain": [{"location": "chest", "score_0_10": 3.0, "duration_weeks": 0.5}]})),
        ReferralLevel::Urgent
    );
    let fall = json!({"pain": [{"location": "chest", "score_0_10": 3.0, "duration_weeks": 0.5,
        "timing": ["at_rest"], "onset": "after_fall_or_twist"}], "exertional_symptoms": {"chest_pain_or_pressure": false}});
    assert!(level(fall) < ReferralLevel::Urgent);
}

#[test]
fn one_swollen_painful_calf_after_a_flight_is_urgent_but_tight_calves_after_a_race_are_not() {
    let r = assess(&health(
        json!({"pain": [{"location": "calf", "side": "left", "score_0_10": 3.0, "duration_weeks": 0.3,
        "swelling": true}], "clot_risk": {"recent_long_travel": true}}),
    ));
    assert_eq!(r.reasons[0].code, "calf_swelling_with_clot_risk");
    assert_eq!(r.level, ReferralLevel::Urgent);
    let doms = json!({"pain": [{"location": "calf", "side": "both", "score_0_10": 3.0, "duration_weeks": 0.3,
        "timing": ["after_runs"], "course": "improving", "swelling": false}]});
    assert_eq!(level(doms), ReferralLevel::None);
    assert_eq!(
        level(json!({"clot_risk": {"one_calf_swollen": true}})),
        ReferralLevel::Prompt
    );
}

#[test]
fn a_pop_at_the_back_of_the_heel_is_urgent_but_gradual_achilles_pain_is_not() {
    let pop = json!({"pain": [{"location": "achilles", "score_0_10": 4.0, "duration_weeks": 0.1, "onset": "with_pop"}]});
    assert_eq!(
        assess(&health(pop)).reasons[0].code,
        "sudden_pop_at_back_of_heel"
    );
    let gradual = json!({"pain": [{"location": "achilles", "score_0_10": 2.0, "duration_weeks": 6.0, "onset": "gradual",
        "timing": ["first_steps_in_morning", "during_runs"]}]});
    assert!(level(gradual) < ReferralLevel::Urgent);
}

#[test]
fn a_hot_swollen_knee_with_fever_is_urgent_and_without_fever_is_prompt() {
    let knee = json!({"location": "knee", "score_0_10": 4.0, "duration_weeks": 0.3, "swelling": true, "warmth_or_redness": true});
    let r = assess(&health(
        json!({"pain": [knee.clone()], "red_flags": {"fever": true}}),
    ));
    assert_eq!(r.reasons[0].code, "hot_swollen_joint_with_fever");
    assert_eq!(
        level(json!({"pain": [knee], "red_flags": {"fever": false, "feeling_unwell": false}})),
        ReferralLevel::Prompt
    );
}

#[test]
fn cannot_take_four_steps_after_a_twist_is_prompt_and_says_do_not_run() {
    let f = health(
        json!({"pain": [{"location": "ankle", "score_0_10": 6.0, "duration_weeks": 0.1,
        "onset": "after_fall_or_twist", "cannot_bear_weight": true}]}),
    );
    let r = assess(&f);
    assert_eq!(r.level, ReferralLevel::Prompt);
    assert!(codes(&r).contains(&"unable_to_bear_weight_or_bony_tenderness"));
    let advice = training_advice(&f, &r).join(" ");
    assert!(
        advice.contains("Do not run on it") && !advice.contains("reduce your weekly distance"),
        "{advice}"
    );
}

#[test]
fn missed_periods_with_shin_pain_are_prompt_and_alone_are_advise() {
    let energy = json!({"menstrual_status": "absent_3_months_or_more"});
    let r = assess(&health(json!({"energy_availability": energy.clone(),
        "pain": [{"location": "shin", "score_0_10": 2.0, "duration_weeks": 3.0, "focal_bone_tenderness": true, "timing": ["during_runs"]}]})));
    assert!(
        codes(&r).contains(&"energy_deficiency_with_bone_pain"),
        "{r:?}"
    );
    let r = assess(&health(json!({"energy_availability": energy})));
    assert_eq!(codes(&r), ["energy_deficiency_signs"]);
    assert!(r.reasons[0].text.contains("We ask because"));
}

#[test]
fn a_knee_that_locks_after_a_twist_is_prompt() {
    let r = assess(&health(
        json!({"pain": [{"location": "knee", "score_0_10": 3.0, "duration_weeks": 2.0,
        "onset": "after_fall_or_twist", "locking_or_giving_way": true}]}),
    ));
    assert_eq!(codes(&r), ["mechanical_knee_symptoms"]);
}

#[test]
fn shin_tightness_at_the_same_point_of_every_run_is_prompt() {
    let r = assess(&health(
        json!({"pain": [{"location": "shin", "score_0_10": 3.0, "duration_weeks": 8.0,
        "timing": ["during_runs"], "settles_after_hours": 0.2, "tightness_or_numbness_during_run": true}]}),
    ));
    assert!(
        codes(&r).contains(&"exertional_leg_tightness_or_numbness"),
        "{r:?}"
    );
}

#[test]
fn first_steps_heel_pain_for_a_few_weeks_is_advise_at_most() {
    let r = assess(&health(
        json!({"pain": [{"location": "heel", "score_0_10": 3.0, "duration_weeks": 3.0,
        "timing": ["first_steps_in_morning"], "in_daily_life": true, "course": "stable"}]}),
    ));
    assert_eq!(codes(&r), ["first_steps_heel_pain"]);
    assert_eq!(r.level, ReferralLevel::Advise);
}

#[test]
fn every_rule_has_a_distinct_code_and_says_who_to_see() {
    let mut seen = std::collections::HashSet::new();
    for rule in RULES {
        assert!(seen.insert(rule.code), "duplicate {}", rule.code);
        assert!(!rule.professional.is_empty() && !rule.fires_when.is_empty());
        if rule.level == ReferralLevel::Urgent {
            assert!(rule.professional.contains("today"), "{}", rule.code);
            assert_eq!(rule.running, Running::Stop, "{}", rule.code);
        }
    }
}

#[test]
fn the_readme_referral_table_lists_every_rule_with_its_level() {
    let readme = include_str!("../../README.md");
    for rule in RULES {
        let row = format!("| `{}` | {} |", rule.code, rule.level.as_str());
        assert!(readme.contains(&row), "README lacks the row starting {row}");
    }
}

#[test]
fn advice_never_tells_a_runner_to_keep_running_beside_a_stop() {
    let cases = [
        json!({"pain": [{"location": "shin", "score_0_10": 2.0, "duration_weeks": 2.0, "focal_bone_tenderness": true}]}),
        json!({"pain": [{"location": "knee", "score_0_10": 2.0, "duration_weeks": 2.0, "locking_or_giving_way": true}]}),
        json!({"clot_risk": {"one_calf_swollen": true}}),
    ];
    for h in cases {
        let mut v = examples::shop_fitting();
        v["health"] = h;
        let f: Fitting = serde_json::from_value(v).unwrap();
        let r = assess(&f);
        let advice = training_advice(&f, &r).join(" ");
        assert!(advice.contains("Do not run on it"), "{advice}");
        for keep_running in [
            "reduce your weekly distance",
            "quicker step",
            "alternate the new pair",
        ] {
            assert!(!advice.contains(keep_running), "{keep_running}: {advice}");
        }
        assert!(r.message.unwrap().contains("do not run on it"));
    }
}

#[test]
fn no_runner_facing_text_names_a_condition() {
    let everything = health(json!({
        "pain": [
            {"location": "calf", "side": "left", "score_0_10": 4.0, "duration_weeks": 0.2, "swelling": true, "warmth_or_redness": true},
            {"location": "achilles", "score_0_10": 4.0, "duration_weeks": 0.1, "onset": "with_pop"},
            {"location": "knee", "score_0_10": 4.0, "duration_weeks": 0.1, "swelling": true, "warmth_or_redness": true, "locking_or_giving_way": true},
            {"location": "ankle", "score_0_10": 4.0, "duration_weeks": 0.1, "cannot_bear_weight": true},
            {"location": "shin", "score_0_10": 4.0, "duration_weeks": 0.1, "tightness_or_numbness_during_run": true, "focal_bone_tenderness": true},
            {"location": "hip_groin", "score_0_10": 4.0, "duration_weeks": 0.1}
        ],
        "red_flags": {"fever": true},
        "exertional_symptoms": {"chest_pain_or_pressure": true, "palpitations": true},
        "clot_risk": {"recent_long_travel": true},
        "energy_availability": {"restricted_eating": true}
    }));
    let r = assess(&everything);
    assert_names_no_condition(
        &r,
        &["clot", "thrombosis", "rupture", "septic", "infection", "fracture", "compartment", "menisc", "heart attack", "red-s"],
    );
}

#[test]
fn every_urgent_rule_has_a_negative_twin_that_stays_below_urgent() {
    let bone_stress = json!([{"type": "bone_stress", "site": "shin", "year": 2024}]);
    // (code, a case that fires it, its near miss that must not be urgent)
    let twins = [
        (
            "nerve_compression_signs",
            json!({"pain": [mild("lower_back")], "red_flags": {"saddle_numbness": true}}),
            json!({"pain": [mild("lower_back")], "red_flags": {"saddle_numbness": false, "bladder_or_bowel_change": false,
                "numbness_or_tingling": true}}),
        ),
        (
            "hip_or_groin_pain_with_loading",
            json!({"pain": [{"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 1.0, "timing": ["during_runs"]}]}),
            json!({"pain": [{"location": "hip_groin", "score_0_10": 2.0, "duration_weeks": 0.1,
                "timing": ["first_steps_in_morning"], "settles_after_hours": 8.0, "course": "improving"}]}),
        ),
        (
            "hip_or_groin_pain_with_bone_stress_risk",
            json!({"pain": [{"location": "hip_groin", "score_0_10": 1.0, "duration_weeks": 2.0, "timing": ["after_runs"]}],
                "previous_injuries": bone_stress.clone()}),
            json!({"pain": [{"location": "hip_groin", "score_0_10": 1.0, "duration_weeks": 0.1, "timing": ["after_runs"],
                "course": "improving", "settles_after_hours": 6.0}], "previous_injuries": bone_stress}),
        ),
        (
            "exertional_cardiac_symptoms",
            json!({"exertional_symptoms": {"fainting_or_near_fainting": true}}),
            json!({"exertional_symptoms": {"dizziness": true, "fainting_or_near_fainting": false}}),
        ),
        (
            "calf_swelling_with_clot_risk",
            json!({"pain": [{"location": "calf", "side": "left", "score_0_10": 2.0, "duration_weeks": 0.3, "swelling": true}]}),
            json!({"pain": [{"location": "calf", "side": "both", "score_0_10": 2.0, "duration_weeks": 0.3,
                "timing": ["after_runs"], "course": "improving"}], "clot_risk": {"recent_long_travel": true}}),
        ),
        (
            "sudden_pop_at_back_of_heel",
            json!({"pain": [{"location": "achilles", "score_0_10": 3.0, "duration_weeks": 0.1, "onset": "with_pop"}]}),
            json!({"pain": [{"location": "achilles", "score_0_10": 3.0, "duration_weeks": 4.0, "onset": "gradual"}]}),
        ),
        (
            "hot_swollen_joint_with_fever",
            json!({"pain": [{"location": "knee", "score_0_10": 3.0, "duration_weeks": 0.3, "swelling": true,
                "warmth_or_redness": true}], "red_flags": {"fever": true}}),
            json!({"pain": [{"location": "knee", "score_0_10": 3.0, "duration_weeks": 0.3, "swelling": true,
                "warmth_or_redness": true}], "red_flags": {"fever": false}}),
        ),
    ];
    for (code, fires, twin) in &twins {
        assert!(
            codes(&assess(&health(fires.clone()))).contains(code),
            "{code} does not fire"
        );
        let near_miss = assess(&health(twin.clone()));
        assert!(
            near_miss.level < ReferralLevel::Urgent,
            "{code}'s twin is urgent: {near_miss:?}"
        );
    }
    for rule in RULES.iter().filter(|r| r.level == ReferralLevel::Urgent) {
        assert!(
            twins.iter().any(|(code, ..)| *code == rule.code),
            "{} has no negative twin",
            rule.code
        );
    }
}

#[test]
fn a_fitting_serialised_by_the_previous_version_reads_and_keeps_its_answers() {
    // Exactly what the previous version wrote: every yes/no as false, bare injury locations.
    let stored = json!({
        "profile": {"body_mass_kg": 61.0, "weekly_distance_km": 40.0, "goal": "daily_training", "terrain": "road", "width": "standard"},
        "health": {
            "pain": [{"location": "knee", "score_0_10": 2.0, "duration_weeks": 3.0, "worse_during_run": false,
                "night_pain": false, "rest_pain": false, "in_daily_life": false, "returns_every_run": false,
                "needs_painkillers_to_run": false, "focal_bone_tenderness": false, "swelling": false, "limp": false,
                "pain_on_hopping": false, "no_improvement_after_rest": false}],
            "red_flags": {"bladder_or_bowel_change": false, "saddle_numbness": false, "sciatica_both_legs": false,
                "progressive_leg_weakness": false, "numbness_or_tingling": false, "fever": false,
                "unexplained_weight_loss": false, "history_of_cancer": false, "immunosuppressed": false,
                "recent_trauma": false, "osteoporosis_or_long_term_steroids": false, "bone_stress_risk_factors": false},
            "previous_injuries": ["shin"]
        }
    });
    let f: Fitting = serde_json::from_value(stored).unwrap();
    f.validate().unwrap();
    assert_eq!(f.health.red_flags.fever, crate::fitting::Answer::No);
    assert_eq!(
        f.health.previous_injuries[0].site,
        Some(crate::fitting::BodyLocation::Shin)
    );
    let r = assess(&f);
    assert_eq!(r.level, ReferralLevel::None);
    // The new knee questions were never asked of this runner, so staff see them.
    assert_eq!(question_codes(&r), ["onset", "locking_or_giving_way"]);
}
