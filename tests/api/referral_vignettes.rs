//! Clinical vignettes for the referral, written from the case descriptions in
//! ../shared EVIDENCE ("Clinician referral" and "part 2"), not from the rules' code: each
//! says what a runner tells the shop, how staff record it, and the level the notes give.
//! The suite posts every case through the API, prints sensitivity per level and
//! specificity, and fails on any urgent case missed or any `none` case raised above `advise`.

use serde_json::{Value, json};

use crate::helpers::*;

struct Vignette {
    id: &'static str,
    /// The runner's story, in the notes' clinical terms.
    story: &'static str,
    /// The level the evidence notes give.
    expect: &'static str,
    fitting: Value,
}

fn man(health: Value) -> Value {
    json!({"profile": {"body_mass_kg": 75, "sex": "male", "age_years": 35, "weekly_distance_km": 40,
        "goal": "daily_training", "terrain": "road"}, "health": health})
}

fn woman(health: Value) -> Value {
    json!({"profile": {"body_mass_kg": 54, "sex": "female", "age_years": 24, "weekly_distance_km": 50,
        "goal": "racing", "terrain": "road"}, "health": health})
}

fn aged(age: f64, health: Value) -> Value {
    let mut f = man(health);
    f["profile"]["age_years"] = json!(age);
    f
}

/// An in-store fitting with a treadmill run and a worn pair.
fn on_treadmill(health: Value, gait: Value, wear: Option<Value>) -> Value {
    let mut f = man(health);
    f["gait"] = gait;
    if let Some(w) = wear {
        f["wear"] = w;
    }
    f
}

fn gait(pelvic_drop: f64, asymmetry: f64) -> Value {
    json!({"speed_m_s": 3.0, "cadence_spm": 168.0, "foot_strike": "rearfoot",
        "contralateral_pelvic_drop_deg": pelvic_drop, "left_right_asymmetry_pct": asymmetry})
}

fn v(id: &'static str, story: &'static str, expect: &'static str, fitting: Value) -> Vignette {
    Vignette {
        id,
        story,
        expect,
        fitting,
    }
}

// A table: one case per entry, kept compact on purpose.
#[rustfmt::skip]
fn vignettes() -> Vec<Vignette> {
    vec![
        // ---------------- urgent: same day or emergency ----------------
        v("U01", "Low back pain for a week; since yesterday difficulty passing urine", "urgent",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 5, "duration_weeks": 1}],
                "red_flags": {"bladder_or_bowel_change": true}}))),
        v("U02", "Back pain with numbness around the saddle area", "urgent",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 4, "duration_weeks": 2}],
                "red_flags": {"saddle_numbness": true}}))),
        v("U03", "Back pain with pain shooting down both legs", "urgent",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 6, "duration_weeks": 3}],
                "red_flags": {"sciatica_both_legs": true}}))),
        v("U04", "Back pain and one foot slapping, weaker each week", "urgent",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 3, "duration_weeks": 4}],
                "red_flags": {"progressive_leg_weakness": true}}))),
        v("U05", "Groin pain 3/10 while running for two weeks, young female racer", "urgent",
            woman(json!({"pain": [{"location": "hip_groin", "side": "right", "score_0_10": 3, "duration_weeks": 2,
                "timing": ["during_runs"]}]}))),
        v("U06", "Deep hip ache after a long run and now limping", "urgent",
            man(json!({"pain": [{"location": "hip_groin", "score_0_10": 2, "duration_weeks": 1,
                "timing": ["after_runs"], "limp": true}]}))),
        v("U07", "Groin pain reproduced by hopping on the spot in store", "urgent",
            man(json!({"pain": [{"location": "hip_groin", "score_0_10": 1, "duration_weeks": 3,
                "timing": ["after_runs"], "pain_on_hopping": true}]}))),
        v("U08", "Mild groin ache after runs; stress fracture of the shin last year", "urgent",
            man(json!({"pain": [{"location": "hip_groin", "score_0_10": 1, "duration_weeks": 2, "timing": ["after_runs"],
                "limp": false, "pain_on_hopping": false}],
                "previous_injuries": [{"type": "bone_stress", "site": "shin", "year": 2025}]}))),
        v("U09", "Groin ache after runs in a runner with no periods for five months", "urgent",
            woman(json!({"pain": [{"location": "hip_groin", "score_0_10": 2, "duration_weeks": 3, "timing": ["after_runs"]}],
                "energy_availability": {"menstrual_status": "absent_3_months_or_more"}}))),
        v("U10", "Chest tightness on hill repeats, easing when stopping", "urgent",
            man(json!({"exertional_symptoms": {"chest_pain_or_pressure": true}}))),
        v("U11", "Collapsed just after the finish line of a 10 km race", "urgent",
            man(json!({"exertional_symptoms": {"fainting_or_near_fainting": true}}))),
        v("U12", "Greyed out and nearly fainted during an interval session", "urgent",
            woman(json!({"exertional_symptoms": {"fainting_or_near_fainting": true, "palpitations": false}}))),
        v("U13", "Far more breathless than usual at an easy pace, new this month", "urgent",
            aged(52.0, json!({"exertional_symptoms": {"breathlessness_out_of_proportion": true}}))),
        v("U14", "Pain in the chest that comes on while running", "urgent",
            aged(48.0, json!({"pain": [{"location": "chest", "score_0_10": 4, "duration_weeks": 1, "timing": ["during_runs"]}]}))),
        v("U15", "Left calf swollen, warm and sore two days after a long-haul flight", "urgent",
            man(json!({"pain": [{"location": "calf", "side": "left", "score_0_10": 3, "duration_weeks": 0.3,
                "swelling": true, "warmth_or_redness": true}], "clot_risk": {"recent_long_travel": true}}))),
        v("U16", "One swollen, aching calf in a runner on the combined pill", "urgent",
            woman(json!({"pain": [{"location": "calf", "side": "right", "score_0_10": 2, "duration_weeks": 0.5}],
                "clot_risk": {"one_calf_swollen": true, "hormonal_contraception_or_hrt": true}}))),
        v("U17", "Painful red warm calf six weeks after giving birth", "urgent",
            woman(json!({"pain": [{"location": "calf", "side": "left", "score_0_10": 3, "duration_weeks": 0.3,
                "warmth_or_redness": true}], "clot_risk": {"pregnant_or_postpartum": true}}))),
        v("U18", "Felt kicked at the back of the heel during a sprint, heard a pop", "urgent",
            man(json!({"pain": [{"location": "achilles", "side": "left", "score_0_10": 5, "duration_weeks": 0.1, "onset": "with_pop"}]}))),
        v("U19", "Sudden sharp pain at the back of the heel on a hill, cannot push off", "urgent",
            aged(44.0, json!({"pain": [{"location": "calf_achilles", "score_0_10": 4, "duration_weeks": 0.1,
                "onset": "sudden", "weak_push_off": true}]}))),
        v("U20", "Hot, red, swollen knee and a temperature", "urgent",
            man(json!({"pain": [{"location": "knee", "score_0_10": 6, "duration_weeks": 0.3, "swelling": true,
                "warmth_or_redness": true}], "red_flags": {"fever": true}}))),
        v("U21", "Swollen warm ankle, feeling shivery and unwell, no injury", "urgent",
            man(json!({"pain": [{"location": "ankle", "score_0_10": 5, "duration_weeks": 0.2, "onset": "gradual",
                "swelling": true, "warmth_or_redness": true}], "red_flags": {"feeling_unwell": true}}))),
        v("U22", "Groin pain, cannot take weight on the leg since this morning's run", "urgent",
            woman(json!({"pain": [{"location": "hip_groin", "score_0_10": 6, "duration_weeks": 0.1, "timing": ["at_rest"],
                "cannot_bear_weight": true}]}))),
        // ---------------- prompt: GP, physiotherapist, podiatrist, sports doctor ----------------
        v("P01", "Low back pain for two months, not getting better", "prompt",
            aged(45.0, json!({"pain": [{"location": "lower_back", "score_0_10": 3, "duration_weeks": 8, "course": "stable"}],
                "red_flags": {"saddle_numbness": false, "bladder_or_bowel_change": false}}))),
        v("P02", "New back pain in a 58-year-old", "prompt",
            aged(58.0, json!({"pain": [{"location": "lower_back", "score_0_10": 2, "duration_weeks": 2}]}))),
        v("P03", "Back pain in a runner treated for cancer in the past", "prompt",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 2, "duration_weeks": 2}],
                "red_flags": {"history_of_cancer": true}}))),
        v("P04", "Back pain that wakes them at night, changing position does not help", "prompt",
            man(json!({"pain": [{"location": "lower_back", "score_0_10": 2, "duration_weeks": 3, "night_pain": true}]}))),
        v("P05", "Knee ache with a fever this week, knee not hot or swollen", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 1, "swelling": false}],
                "red_flags": {"fever": true}}))),
        v("P06", "Shin ache in a runner on long-term steroids", "prompt",
            man(json!({"pain": [{"location": "shin", "score_0_10": 2, "duration_weeks": 2}],
                "red_flags": {"osteoporosis_or_long_term_steroids": true}}))),
        v("P07", "One tender spot on the shin bone that hurts more as the run goes on", "prompt",
            man(json!({"pain": [{"location": "shin", "score_0_10": 3, "duration_weeks": 3,
                "focal_bone_tenderness": true, "worse_during_run": true}]}))),
        v("P08", "Forefoot pain on one spot of bone, now also at rest", "prompt",
            man(json!({"pain": [{"location": "forefoot", "score_0_10": 3, "duration_weeks": 2,
                "focal_bone_tenderness": true, "timing": ["during_runs", "at_rest"]}]}))),
        v("P09", "Tingling and numbness in the toes on runs", "prompt",
            man(json!({"red_flags": {"numbness_or_tingling": true}}))),
        v("P10", "Ankle that keeps swelling after runs for a month", "prompt",
            man(json!({"pain": [{"location": "ankle", "score_0_10": 2, "duration_weeks": 4, "onset": "gradual", "swelling": true}]}))),
        v("P11", "Takes ibuprofen before every run to get through it", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 6, "needs_painkillers_to_run": true}]}))),
        v("P12", "Knee pain 5/10 while running", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 5, "duration_weeks": 2, "timing": ["during_runs"]}]}))),
        v("P13", "Knee pain that lingers into the next day after every run", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 3, "settles_after_hours": 20}]}))),
        v("P14", "Rolled the ankle on a trail yesterday, cannot take four steps", "prompt",
            man(json!({"pain": [{"location": "ankle", "score_0_10": 6, "duration_weeks": 0.1,
                "onset": "after_fall_or_twist", "cannot_bear_weight": true}]}))),
        v("P15", "Twisted ankle, tender on the bone at the ankle knob, can walk", "prompt",
            man(json!({"pain": [{"location": "ankle", "score_0_10": 4, "duration_weeks": 0.2,
                "onset": "after_fall_or_twist", "focal_bone_tenderness": true, "cannot_bear_weight": false}]}))),
        v("P16", "Went over on the foot, tender on the bone at the outer edge of the midfoot", "prompt",
            woman(json!({"pain": [{"location": "midfoot", "score_0_10": 4, "duration_weeks": 0.3,
                "onset": "after_fall_or_twist", "focal_bone_tenderness": true}]}))),
        v("P17", "No periods for six months and a focal pain on the shin", "prompt",
            woman(json!({"pain": [{"location": "shin", "side": "left", "score_0_10": 2, "duration_weeks": 3,
                "focal_bone_tenderness": true}], "energy_availability": {"menstrual_status": "absent_3_months_or_more"}}))),
        v("P18", "Restricting food to race lighter; forefoot aches during runs", "prompt",
            man(json!({"pain": [{"location": "forefoot", "score_0_10": 2, "duration_weeks": 2, "timing": ["during_runs"]}],
                "energy_availability": {"restricted_eating": true}}))),
        v("P19", "Recent weight loss and a past stress fracture; shin pain when running", "prompt",
            woman(json!({"pain": [{"location": "shin", "score_0_10": 2, "duration_weeks": 1, "timing": ["during_runs"]}],
                "energy_availability": {"recent_weight_loss": true},
                "previous_injuries": [{"type": "bone_stress", "site": "forefoot", "year": 2024}]}))),
        v("P20", "Knee locks after a twist in a football game", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 3, "duration_weeks": 2,
                "onset": "after_fall_or_twist", "locking_or_giving_way": true}]}))),
        v("P21", "Knee gives way going downstairs since a trail fall", "prompt",
            woman(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 4, "locking_or_giving_way": true}]}))),
        v("P22", "Shins go tight and numb twenty minutes into every run, gone ten minutes after stopping", "prompt",
            man(json!({"pain": [{"location": "shin", "side": "both", "score_0_10": 4, "duration_weeks": 10,
                "timing": ["during_runs"], "settles_after_hours": 0.2, "tightness_or_numbness_during_run": true}]}))),
        v("P23", "Calf fills up and the foot goes numb at the same point in each run", "prompt",
            man(json!({"pain": [{"location": "calf", "side": "both", "score_0_10": 3, "duration_weeks": 8,
                "timing": ["during_runs"], "tightness_or_numbness_during_run": true, "swelling": false}]}))),
        v("P24", "Heart races irregularly during tempo runs, no fainting", "prompt",
            man(json!({"exertional_symptoms": {"palpitations": true, "fainting_or_near_fainting": false,
                "chest_pain_or_pressure": false}}))),
        v("P25", "Dizzy during hard efforts, never fainted", "prompt",
            woman(json!({"exertional_symptoms": {"dizziness": true, "fainting_or_near_fainting": false}}))),
        v("P26", "One calf looks bigger than the other, not painful, no travel or surgery", "prompt",
            man(json!({"clot_risk": {"one_calf_swollen": true, "recent_long_travel": false,
                "recent_surgery_or_immobilisation": false}}))),
        v("P27", "Warm swollen knee without fever or feeling unwell", "prompt",
            man(json!({"pain": [{"location": "knee", "score_0_10": 3, "duration_weeks": 1, "swelling": true,
                "warmth_or_redness": true}], "red_flags": {"fever": false, "feeling_unwell": false}}))),
        v("P28", "Hip-side pain that comes back on every run for six weeks", "prompt",
            man(json!({"pain": [{"location": "thigh", "score_0_10": 2, "duration_weeks": 6, "returns_every_run": true}]}))),
        // ---------------- advise: suggest an assessment, keep fitting ----------------
        v("A01", "Large hip drop on the treadmill, no pain", "advise", on_treadmill(json!({}), gait(9.0, 3.0), None)),
        v("A02", "Marked left/right contact-time difference, no pain", "advise", on_treadmill(json!({}), gait(3.0, 14.0), None)),
        v("A03", "Slight knee ache and a visible limp", "advise",
            man(json!({"pain": [{"location": "knee", "score_0_10": 1, "duration_weeks": 1, "limp": true}]}))),
        v("A04", "Heel pain on the first steps in the morning for three weeks, eases once warm", "advise",
            man(json!({"pain": [{"location": "heel", "score_0_10": 2, "duration_weeks": 3,
                "timing": ["first_steps_in_morning"], "course": "stable"}]}))),
        v("A05", "First-steps heel pain for eight weeks, walking is sore first thing", "advise",
            woman(json!({"pain": [{"location": "heel", "score_0_10": 3, "duration_weeks": 8,
                "timing": ["first_steps_in_morning"], "in_daily_life": true}]}))),
        v("A06", "Irregular periods since training went up, no pain", "advise",
            woman(json!({"energy_availability": {"menstrual_status": "irregular"}}))),
        v("A07", "Cutting food to lose weight for racing, no pain", "advise",
            man(json!({"energy_availability": {"restricted_eating": true}}))),
        v("A08", "Had a stress fracture of the foot two years ago, nothing now", "advise",
            woman(json!({"previous_injuries": [{"type": "bone_stress", "site": "forefoot", "year": 2024}]}))),
        v("A09", "Mild knee pain and clearly uneven wear between the left and right shoe", "advise",
            on_treadmill(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 2}]}),
                gait(3.0, 3.0),
                Some(json!({"left": {"medial_forefoot": "heavy"},
                    "right": {"lateral_forefoot": "heavy", "lateral_heel": "heavy", "lateral_midfoot": "heavy"}})))),
        v("A10", "Arch pain on the first steps out of bed for four weeks", "advise",
            man(json!({"pain": [{"location": "arch", "score_0_10": 2, "duration_weeks": 4,
                "timing": ["first_steps_in_morning", "after_runs"]}]}))),
        // ---------------- none: not a referral ----------------
        v("N01", "No pain, no flags", "none", man(json!({}))),
        v("N02", "Both thighs sore two days after a marathon, easing day by day", "none",
            man(json!({"pain": [{"location": "thigh", "side": "both", "score_0_10": 3, "duration_weeks": 0.3,
                "timing": ["after_runs"], "course": "improving", "in_daily_life": true}]}))),
        v("N03", "Both calves tight the day after a hard session, better today", "none",
            man(json!({"pain": [{"location": "calf", "side": "both", "score_0_10": 2, "duration_weeks": 0.2,
                "timing": ["after_runs"], "course": "improving", "swelling": false}]}))),
        v("N04", "Brief groin stiffness the morning after a long run, gone by lunchtime, no pain running", "none",
            man(json!({"pain": [{"location": "hip_groin", "score_0_10": 2, "duration_weeks": 0.1,
                "timing": ["first_steps_in_morning"], "settles_after_hours": 14, "course": "improving"}]}))),
        v("N05", "Stiff hips after a long run, not painful when running", "none",
            woman(json!({"pain": [{"location": "hip_groin", "score_0_10": 0, "duration_weeks": 0.1,
                "timing": ["after_runs"]}]}))),
        v("N06", "Mild knee ache 2/10 that settles within an hour", "none",
            man(json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 2, "settles_after_hours": 1}]}))),
        v("N07", "Achilles stiff in the morning for weeks, came on gradually, 2/10 when running", "none",
            aged(41.0, json!({"pain": [{"location": "achilles", "score_0_10": 2, "duration_weeks": 5, "onset": "gradual",
                "timing": ["first_steps_in_morning", "during_runs"]}]}))),
        v("N08", "A cold with a temperature, no pain", "none", man(json!({"red_flags": {"fever": true}}))),
        v("N09", "Breathless in intervals as expected; no chest pain, fainting or palpitations", "none",
            man(json!({"exertional_symptoms": {"chest_pain_or_pressure": false, "fainting_or_near_fainting": false,
                "palpitations": false, "dizziness": false, "breathlessness_out_of_proportion": false}}))),
        v("N10", "Both calves sore after a race following a long drive, no swelling or warmth", "none",
            man(json!({"pain": [{"location": "calf", "side": "both", "score_0_10": 2, "duration_weeks": 0.3,
                "timing": ["after_runs"], "course": "improving", "swelling": false, "warmth_or_redness": false}],
                "clot_risk": {"recent_long_travel": true, "one_calf_swollen": false}}))),
        v("N11", "Hamstrings tight the day after a speed session, easing", "none",
            man(json!({"pain": [{"location": "hamstring", "side": "both", "score_0_10": 2, "duration_weeks": 0.1,
                "timing": ["after_runs"], "course": "improving"}]}))),
        v("N12", "Slight arch ache in new shoes this week", "none",
            man(json!({"pain": [{"location": "arch", "score_0_10": 1, "duration_weeks": 0.5, "onset": "gradual",
                "focal_bone_tenderness": false}]}))),
        v("N13", "Sprained an ankle in 2019, fully recovered", "none",
            man(json!({"previous_injuries": [{"type": "ligament", "site": "ankle", "year": 2019}]}))),
        v("N14", "Shins a little sore in the first weeks of a new plan, improving", "none",
            man(json!({"pain": [{"location": "shin", "side": "both", "score_0_10": 2, "duration_weeks": 1,
                "course": "improving", "focal_bone_tenderness": false}]}))),
        v("N15", "Fainted once giving blood, never with exercise", "none",
            woman(json!({"exertional_symptoms": {"fainting_or_near_fainting": false, "dizziness": false}}))),
        v("N16", "Quads sore going downstairs two days after a hill race, both sides, better each day", "none",
            woman(json!({"pain": [{"location": "thigh", "side": "both", "score_0_10": 3, "duration_weeks": 0.3,
                "timing": ["after_runs"], "course": "improving", "settles_after_hours": 24}]}))),
        v("N17", "Old back tightness after gardening, long gone, nothing now", "none",
            aged(38.0, json!({"previous_injuries": [{"type": "muscle", "site": "lower_back", "year": 2022}]}))),
        v("N18", "Fitting stored before the new questions: knee 2/10 for three weeks, old shin injury", "none",
            json!({"profile": {"body_mass_kg": 61, "sex": "female", "age_years": 34, "weekly_distance_km": 40,
                "goal": "daily_training", "terrain": "road"},
                "health": {"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 3, "worse_during_run": false,
                    "night_pain": false, "rest_pain": false, "limp": false}], "previous_injuries": ["shin"],
                    "red_flags": {"fever": false, "saddle_numbness": false}}})),
    ]
}

const LEVELS: [&str; 4] = ["none", "advise", "prompt", "urgent"];

fn rank(level: &str) -> usize {
    LEVELS
        .iter()
        .position(|l| *l == level)
        .unwrap_or_else(|| panic!("unknown level {level}"))
}

#[tokio::test]
async fn referral_vignettes_meet_the_evidence_levels() {
    let cases = vignettes();
    assert!(cases.len() >= 60, "{} vignettes", cases.len());
    assert!(cases.iter().filter(|c| rank(c.expect) <= 1).count() >= 15);
    let app = spawn_app().await;
    let mut got = Vec::new();
    let mut fired = std::collections::BTreeSet::new();
    for case in &cases {
        let r = app
            .recommend(&json!({ "fitting": case.fitting, "top_k": 1 }))
            .await;
        assert_eq!(r.status, 200, "{}: {}", case.id, r.text);
        let level = r.body["referral"]["level"].as_str().unwrap().to_owned();
        for reason in r.body["referral"]["reasons"].as_array().unwrap() {
            fired.insert(reason["code"].as_str().unwrap().to_owned());
        }
        if level == "urgent" {
            assert_eq!(
                r.body["advice"],
                json!(["Do not run until a doctor has seen you."]),
                "{}",
                case.id
            );
        }
        got.push(level);
    }

    let mut report =
        String::from("\nlevel   cases  exact  under  over  sensitivity (at or above)\n");
    for (l, level) in LEVELS.iter().enumerate() {
        let rows: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].expect == *level)
            .collect();
        let exact = rows.iter().filter(|&&i| rank(&got[i]) == l).count();
        let under = rows.iter().filter(|&&i| rank(&got[i]) < l).count();
        let over = rows.iter().filter(|&&i| rank(&got[i]) > l).count();
        let sensitivity = if l == 0 {
            String::from("-")
        } else {
            format!(
                "{:.0} %",
                100.0 * (rows.len() - under) as f64 / rows.len() as f64
            )
        };
        report += &format!(
            "{level:<7} {:>5}  {exact:>5}  {under:>5}  {over:>4}  {sensitivity}\n",
            rows.len()
        );
    }
    let calm: Vec<usize> = (0..cases.len())
        .filter(|&i| rank(cases[i].expect) <= 1)
        .collect();
    let kept_calm = calm.iter().filter(|&&i| rank(&got[i]) <= 1).count();
    report += &format!(
        "specificity (none/advise cases kept at none or advise): {kept_calm}/{} = {:.0} %\n",
        calm.len(),
        100.0 * kept_calm as f64 / calm.len() as f64
    );
    let mismatches: Vec<String> = (0..cases.len())
        .filter(|&i| got[i] != cases[i].expect)
        .map(|i| {
            format!(
                "  {} expected {}, got {}: {}",
                cases[i].id, cases[i].expect, got[i], cases[i].story
            )
        })
        .collect();
    report += &format!("mismatches:\n{}\n", mismatches.join("\n"));
    println!("{report}");

    for (i, case) in cases.iter().enumerate() {
        if case.expect == "urgent" {
            assert_eq!(
                got[i], "urgent",
                "urgent case missed: {} {}{report}",
                case.id, case.story
            );
        }
        if case.expect == "none" {
            assert!(
                rank(&got[i]) <= 1,
                "none case raised to {}: {} {}{report}",
                got[i],
                case.id,
                case.story
            );
        }
    }
    for level in LEVELS {
        assert!(
            cases.iter().any(|c| c.expect == level),
            "no vignette at {level}"
        );
    }
    for rule in stridefit::referral::RULES {
        assert!(fired.contains(rule.code), "no vignette fires {}", rule.code);
    }
}

#[tokio::test]
async fn pain_without_red_flag_answers_brings_questions_to_ask_and_the_same_level() {
    let app = spawn_app().await;
    let stiff = |answers: Value| {
        let mut pain = json!({"location": "hip_groin", "score_0_10": 2, "duration_weeks": 0.1,
            "timing": ["first_steps_in_morning"], "course": "improving", "settles_after_hours": 10});
        pain.as_object_mut()
            .unwrap()
            .extend(answers.as_object().unwrap().clone());
        woman(json!({"pain": [pain]}))
    };
    let unasked = app.recommend(&json!({ "fitting": stiff(json!({})) })).await;
    assert_eq!(unasked.status, 200, "{}", unasked.text);
    let questions = unasked.body["referral"]["questions_to_ask"]
        .as_array()
        .unwrap();
    let codes: Vec<&str> = questions
        .iter()
        .map(|q| q["code"].as_str().unwrap())
        .collect();
    for code in [
        "pain_on_hopping",
        "limp",
        "previous_injuries",
        "menstrual_status",
    ] {
        assert!(codes.contains(&code), "{code} not in {codes:?}");
    }
    assert!(
        questions
            .iter()
            .all(|q| q["field"].as_str().unwrap().starts_with("health.")
                && q["question"].is_string())
    );
    let answered = app
        .recommend(&json!({ "fitting": stiff(json!({"pain_on_hopping": false, "limp": false})) }))
        .await;
    assert_eq!(
        unasked.body["referral"]["level"],
        answered.body["referral"]["level"]
    );
    assert!(rank(unasked.body["referral"]["level"].as_str().unwrap()) <= 1);
}

#[tokio::test]
async fn a_fitting_stored_before_the_new_questions_reads_back_and_recommends() {
    let app = spawn_app().await;
    // The README's fitting.json before part 2: bare previous-injury locations, no new answers.
    let old = json!({
        "store_id": "S1", "customer_ref": "c-7f3a91",
        "profile": {"body_mass_kg": 61, "sex": "female", "age_years": 34, "weekly_distance_km": 40, "goal": "daily_training",
            "terrain": "road", "preferred_feel": "soft", "width": "standard", "budget_usd": 170},
        "health": {"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 3}], "previous_injuries": ["shin"]},
        "gait": {"speed_m_s": 3.0, "cadence_spm": 166, "foot_strike": "rearfoot", "peak_rearfoot_eversion_deg": 12.5,
            "eversion_reference": "standing", "contralateral_pelvic_drop_deg": 4, "ground_contact_time_ms": 262,
            "vertical_oscillation_cm": 8.4, "left_right_asymmetry_pct": 3},
        "wear": {"left": {"lateral_heel": "moderate", "medial_midfoot": "moderate", "medial_forefoot": "heavy"},
            "right": {"lateral_heel": "moderate", "medial_midfoot": "moderate", "medial_forefoot": "heavy"},
            "midsole_compression": "moderate", "heel_counter_tilt_left_deg": 4, "heel_counter_tilt_right_deg": 3,
            "distance_on_shoe_km": 780, "worn_drop_mm": 12}
    });
    let id = app.create_fitting(&old).await;
    let back = app.get(&format!("/v1/fittings/{id}")).await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(
        back.body["fitting"]["health"]["previous_injuries"],
        json!([{"site": "shin"}])
    );
    let r = app
        .recommend(&json!({ "fitting_id": id, "top_k": 3 }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["shoes"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["referral"]["level"], "none");
    let advice = r.body["advice"].to_string();
    assert!(advice.contains("reduce your weekly distance"), "{advice}");
}

#[tokio::test]
async fn the_demo_history_fittings_still_load_and_recommend() {
    let app = spawn_app().await;
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/demo_outcomes.csv"
    ))
    .unwrap();
    let mut lines = csv.lines();
    let header = fields(lines.next().unwrap());
    let column = header.iter().position(|h| h == "fitting").unwrap();
    let mut checked = 0;
    for line in lines.take(400) {
        let fitting: Value = serde_json::from_str(&fields(line)[column]).unwrap();
        if fitting.get("health").is_none() && checked > 5 {
            continue;
        }
        let r = app
            .recommend(&json!({ "fitting": fitting, "top_k": 1 }))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}

/// The fields of one CSV line (quoted fields with doubled quotes; no line breaks inside).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_new_intake_questions_are_in_the_openapi_document_with_their_enums() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.body;
    let schemas = &doc["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        let e = schemas[name]["enum"].as_array().unwrap_or_else(|| panic!("{name} has no enum"));
        e.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(values("Side"), ["left", "right", "both"]);
    assert_eq!(values("Course"), ["new", "improving", "stable", "worsening"]);
    assert!(values("PainTiming").contains(&"first_steps_in_morning".to_owned()));
    assert!(values("Onset").contains(&"with_pop".to_owned()));
    assert!(values("InjuryType").contains(&"bone_stress".to_owned()));
    assert!(values("MenstrualStatus").contains(&"absent_3_months_or_more".to_owned()));
    for location in ["whole_foot", "upper_back", "chest", "calf", "achilles", "calf_achilles"] {
        assert!(values("BodyLocation").contains(&location.to_owned()), "{location}");
    }
    for (schema, field) in [
        ("HealthReport", "exertional_symptoms"),
        ("HealthReport", "clot_risk"),
        ("HealthReport", "energy_availability"),
        ("PainReport", "cannot_bear_weight"),
        ("PainReport", "locking_or_giving_way"),
        ("PainReport", "warmth_or_redness"),
        ("Referral", "questions_to_ask"),
        ("ReferralReason", "professional"),
    ] {
        assert!(schemas[schema]["properties"].get(field).is_some(), "{schema}.{field}");
    }
    assert_eq!(schemas["Answer"]["type"], json!(["boolean", "null"]));
}

#[tokio::test]
async fn free_text_and_impossible_intake_answers_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 1, "timing": ["sometimes"]}]}),
            "health.pain[0].timing"),
        (json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 1, "onset": "it just hurts"}]}),
            "health.pain[0].onset"),
        (json!({"pain": [{"location": "knee", "score_0_10": 2, "duration_weeks": 1, "swelling": "a bit"}]}),
            "health.pain[0].swelling"),
        (json!({"previous_injuries": [{"type": "bone_stress", "site": "shin", "year": 1800}]}),
            "health.previous_injuries[0].year"),
        (json!({"previous_injuries": [{"type": "bone_stress", "site": "shin", "year": 2099}]}),
            "health.previous_injuries[0].year"),
        (json!({"energy_availability": {"menstrual_status": "late"}}),
            "health.energy_availability.menstrual_status"),
        (json!({"clot_risk": {"long_flight": true}}), "health.clot_risk.long_flight"),
    ];
    for (health, field) in cases {
        let r = app.post("/v1/fittings", &man(health)).await;
        let p = assert_problem(&r, 422);
        assert!(p["field"].as_str().unwrap().starts_with(field), "{field}: {}", r.text);
    }
}
