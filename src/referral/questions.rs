//! The red-flag questions staff should still ask: for each reported pain, the key questions
//! for its location that were not asked. Listing them never raises the referral level: an
//! unanswered question is neither a yes nor a no.

use serde::Serialize;
use utoipa::ToSchema;

use crate::fitting::{Answer, BodyLocation, Fitting, Onset, Sex};

/// A question staff should ask before the runner leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuestionToAsk {
    /// Stable code: the name of the answer field.
    #[schema(example = "pain_on_hopping")]
    pub code: &'static str,
    /// Where the answer goes in the fitting.
    #[schema(example = "health.pain[0].pain_on_hopping")]
    pub field: String,
    /// Wording for staff.
    #[schema(example = "Does it hurt to hop on the painful leg?")]
    pub question: &'static str,
}

struct Asker {
    out: Vec<QuestionToAsk>,
}

impl Asker {
    fn ask(&mut self, unanswered: bool, code: &'static str, field: String, question: &'static str) {
        if unanswered && !self.out.iter().any(|q| q.field == field) {
            self.out.push(QuestionToAsk {
                code,
                field,
                question,
            });
        }
    }
}

pub fn questions_to_ask(fitting: &Fitting) -> Vec<QuestionToAsk> {
    let health = &fitting.health;
    let mut a = Asker { out: Vec::new() };
    let flag = |name: &str| format!("health.red_flags.{name}");
    let not = |answer: Answer| answer.not_asked();
    for (i, p) in health.pain.iter().enumerate().filter(|(_, p)| p.hurts()) {
        let pain = |name: &str| format!("health.pain[{i}].{name}");
        let loc = p.location;
        if matches!(
            loc,
            BodyLocation::LowerBack | BodyLocation::UpperBack | BodyLocation::Buttock
        ) {
            let f = &health.red_flags;
            a.ask(
                not(f.bladder_or_bowel_change),
                "bladder_or_bowel_change",
                flag("bladder_or_bowel_change"),
                "Any new change in bladder or bowel control?",
            );
            a.ask(
                not(f.saddle_numbness),
                "saddle_numbness",
                flag("saddle_numbness"),
                "Any numbness in the saddle or genital area?",
            );
            a.ask(
                not(f.sciatica_both_legs),
                "sciatica_both_legs",
                flag("sciatica_both_legs"),
                "Does pain run down both legs?",
            );
            a.ask(
                not(f.progressive_leg_weakness),
                "progressive_leg_weakness",
                flag("progressive_leg_weakness"),
                "Is either leg getting weaker?",
            );
            if loc != BodyLocation::Buttock {
                a.ask(
                    not(f.history_of_cancer),
                    "history_of_cancer",
                    flag("history_of_cancer"),
                    "Have you ever had cancer?",
                );
                a.ask(
                    not(f.unexplained_weight_loss),
                    "unexplained_weight_loss",
                    flag("unexplained_weight_loss"),
                    "Have you lost weight without trying?",
                );
                a.ask(
                    not(p.night_pain),
                    "night_pain",
                    pain("night_pain"),
                    "Does it wake you at night, and not ease when you change position?",
                );
            }
        }
        if loc == BodyLocation::HipGroin {
            a.ask(
                not(p.pain_on_hopping),
                "pain_on_hopping",
                pain("pain_on_hopping"),
                "Does it hurt to hop on the painful leg?",
            );
            a.ask(not(p.limp), "limp", pain("limp"), "Are you limping?");
            // Without timing the score reads as pain while running, which makes groin pain
            // urgent; stiffness that never hurts on the run should be recorded as such.
            a.ask(
                p.timing.is_empty(),
                "timing",
                pain("timing"),
                "When does it hurt: during runs, after runs, first steps in the morning, at night, at rest?",
            );
            a.ask(health.previous_injuries.is_empty(), "previous_injuries", "health.previous_injuries".into(),
                "Any previous injuries, especially a bone-stress injury (stress fracture)? What, where and which year?");
        }
        if loc == BodyLocation::HipGroin
            || matches!(
                loc,
                BodyLocation::Shin
                    | BodyLocation::Forefoot
                    | BodyLocation::Midfoot
                    | BodyLocation::Thigh
            )
        {
            let e = &health.energy_availability;
            a.ask(
                not(e.restricted_eating),
                "restricted_eating",
                "health.energy_availability.restricted_eating".into(),
                "Are you restricting what you eat, for weight or performance?",
            );
            a.ask(
                not(e.recent_weight_loss),
                "recent_weight_loss",
                "health.energy_availability.recent_weight_loss".into(),
                "Have you lost weight recently?",
            );
            if fitting.profile.sex != Some(Sex::Male) {
                a.ask(e.menstrual_status.is_none(), "menstrual_status", "health.energy_availability.menstrual_status".into(),
                    "Periods: regular, irregular, absent for three months or more, or not applicable? Optional: missed periods can mean the body is short of energy for the training, which makes bone injuries more likely.");
            }
        }
        if loc.is_bone_stress_site() && loc != BodyLocation::HipGroin {
            a.ask(
                not(p.focal_bone_tenderness),
                "focal_bone_tenderness",
                pain("focal_bone_tenderness"),
                "Is it tender on one spot of bone when pressed?",
            );
        }
        if loc.is_calf() {
            let c = &health.clot_risk;
            a.ask(
                not(c.one_calf_swollen) && not(p.swelling),
                "one_calf_swollen",
                "health.clot_risk.one_calf_swollen".into(),
                "Is one calf swollen compared with the other?",
            );
            a.ask(
                not(p.warmth_or_redness),
                "warmth_or_redness",
                pain("warmth_or_redness"),
                "Is the calf warm or red?",
            );
            a.ask(
                not(c.recent_long_travel),
                "recent_long_travel",
                "health.clot_risk.recent_long_travel".into(),
                "Any journey of four hours or more in the past four weeks?",
            );
            a.ask(
                not(c.recent_surgery_or_immobilisation),
                "recent_surgery_or_immobilisation",
                "health.clot_risk.recent_surgery_or_immobilisation".into(),
                "Any surgery, plaster cast or three days or more in bed in the past 12 weeks?",
            );
        }
        if loc.is_heel_cord() || loc == BodyLocation::Knee || loc.is_ankle_or_foot() {
            a.ask(
                p.onset.is_none(),
                "onset",
                pain("onset"),
                "How did it start: gradually, suddenly, after a fall or twist, or with a pop?",
            );
        }
        if loc == BodyLocation::Knee {
            a.ask(
                not(p.locking_or_giving_way),
                "locking_or_giving_way",
                pain("locking_or_giving_way"),
                "Does the knee lock, catch or give way?",
            );
            a.ask(
                not(p.swelling),
                "swelling",
                pain("swelling"),
                "Is the knee swollen?",
            );
        }
        if loc.is_ankle_or_foot() && !matches!(p.onset, Some(Onset::Gradual)) {
            a.ask(
                not(p.cannot_bear_weight),
                "cannot_bear_weight",
                pain("cannot_bear_weight"),
                "Can you take four steps on it?",
            );
        }
        if loc.is_joint() && p.swelling.yes() {
            a.ask(
                not(p.warmth_or_redness),
                "warmth_or_redness",
                pain("warmth_or_redness"),
                "Is the joint warm or red?",
            );
            a.ask(
                not(health.red_flags.fever),
                "fever",
                flag("fever"),
                "Do you have a fever?",
            );
            a.ask(
                not(health.red_flags.feeling_unwell),
                "feeling_unwell",
                flag("feeling_unwell"),
                "Do you feel generally unwell?",
            );
        }
        if matches!(
            loc,
            BodyLocation::Shin | BodyLocation::Calf | BodyLocation::CalfAchilles
        ) {
            a.ask(not(p.tightness_or_numbness_during_run), "tightness_or_numbness_during_run",
                pain("tightness_or_numbness_during_run"),
                "Does the leg go tight or numb at the same point in each run, easing soon after you stop?");
        }
        if matches!(loc, BodyLocation::Chest | BodyLocation::UpperBack) {
            let e = &health.exertional_symptoms;
            a.ask(
                not(e.chest_pain_or_pressure),
                "chest_pain_or_pressure",
                "health.exertional_symptoms.chest_pain_or_pressure".into(),
                "Any chest pain or pressure when exercising?",
            );
            a.ask(
                not(e.fainting_or_near_fainting),
                "fainting_or_near_fainting",
                "health.exertional_symptoms.fainting_or_near_fainting".into(),
                "Have you fainted or nearly fainted during or just after exercise?",
            );
            a.ask(
                not(e.breathlessness_out_of_proportion),
                "breathlessness_out_of_proportion",
                "health.exertional_symptoms.breathlessness_out_of_proportion".into(),
                "Are you far more out of breath than the effort explains?",
            );
        }
    }
    a.out
}
