//! The referral rules: one table of codes, levels, who to see and what running is safe,
//! and one function per rule. Levels follow ../shared EVIDENCE ("Clinician referral" and
//! "part 2"); each rule names its source. Runner-facing text never names a condition.

use crate::text::Whole;
use super::{ReferralLevel, ReferralReason};
use crate::fitting::{BodyLocation, Course, Fitting, HealthReport, Onset, PainReport, Side};

/// What running is safe until the runner has been seen; ordered from least to most cautious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Running {
    /// Keep running; ease off while it hurts.
    Continue,
    /// No hard sessions until assessed.
    Ease,
    /// Easy efforts only until a doctor has checked the symptoms.
    EasyEffortsOnly,
    /// Do not run on it until seen.
    Stop,
}

/// One rule: its stable code and everything about it except when it fires.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub level: ReferralLevel,
    /// Who to see, in plain words.
    pub professional: &'static str,
    pub running: Running,
    /// When it fires, for the README table.
    pub fires_when: &'static str,
}

use ReferralLevel::{Advise, Prompt, Urgent};

// Urgent: same day or emergency.
/// NICE NG59 and UK spinal referral guidelines (cauda equina signs).
pub const NERVE_COMPRESSION: Rule = Rule {
    code: "nerve_compression_signs",
    level: Urgent,
    professional: "a doctor today (emergency department or urgent care)",
    running: Running::Stop,
    fires_when: "new bladder/bowel change, saddle numbness, pain down both legs, or progressive leg weakness (NICE NG59)",
};
/// EVIDENCE rule 2: femoral neck bone stress, where delay risks displacement.
pub const HIP_GROIN_LOADING: Rule = Rule {
    code: "hip_or_groin_pain_with_loading",
    level: Urgent,
    professional: "a doctor today (urgent care or emergency department)",
    running: Running::Stop,
    fires_when: "groin or deep hip pain while running, a limp, pain on hopping, or unable to bear weight — not stiffness that is gone the same day with no pain running",
};
/// EVIDENCE rule 13; IOC consensus on relative energy deficiency (Mountjoy et al., BJSM 2023).
pub const HIP_GROIN_BONE_STRESS_RISK: Rule = Rule {
    code: "hip_or_groin_pain_with_bone_stress_risk",
    level: Urgent,
    professional: "a doctor today (urgent care or emergency department)",
    running: Running::Stop,
    fires_when: "groin or deep hip pain (other than settling stiffness) with a previous bone-stress injury, energy-deficiency signs or bone-stress risk factors, at any score",
};
/// AHA 14-element pre-participation screen; ESC 2020 sports-cardiology guideline.
pub const EXERTIONAL_CARDIAC: Rule = Rule {
    code: "exertional_cardiac_symptoms",
    level: Urgent,
    professional: "a doctor today (emergency department; call an ambulance if it is happening now)",
    running: Running::Stop,
    fires_when: "chest pain or pressure with exercise (answered, or chest pain reported while running), fainting or near-fainting during or just after exercise, or breathlessness out of proportion",
};
/// Wells criteria for a deep-vein clot (Wells et al., Lancet 1997; NICE NG158).
pub const CALF_SWELLING_WITH_CLOT_RISK: Rule = Rule {
    code: "calf_swelling_with_clot_risk",
    level: Urgent,
    professional: "a doctor today (urgent care or emergency department)",
    running: Running::Stop,
    fires_when: "one calf swollen with calf pain, warmth or redness, or a Wells-type risk (long travel, surgery or immobilisation, previous clot, pregnancy, hormones, cancer); or a painful warm red calf with such a risk",
};
/// Achilles tendon rupture: Thompson test territory; early treatment changes outcomes (AAOS 2009).
pub const HEEL_CORD_POP: Rule = Rule {
    code: "sudden_pop_at_back_of_heel",
    level: Urgent,
    professional: "urgent care or an emergency department today",
    running: Running::Stop,
    fires_when: "Achilles, calf-Achilles or heel pain that started with a pop (or suddenly, with weak push-off)",
};
/// BSR/BOA hot swollen joint guidance (Coakley et al., Rheumatology 2006): an emergency.
pub const HOT_SWOLLEN_JOINT: Rule = Rule {
    code: "hot_swollen_joint_with_fever",
    level: Urgent,
    professional: "an emergency department today",
    running: Running::Stop,
    fires_when: "a swollen joint that is warm or red, together with a fever or feeling unwell",
};

// Prompt: GP, physiotherapist, podiatrist or sports doctor soon.
/// NICE NG59; IFOMPT 2020 red-flag framework.
pub const BACK_PAIN_WARNING: Rule = Rule {
    code: "back_pain_warning_features",
    level: Prompt,
    professional: "GP or physiotherapist",
    running: Running::Ease,
    fires_when: "back pain with history of cancer, new onset under 20 or over 50, weight loss, night pain, or over a month",
};
/// IFOMPT 2020: systemic flags alongside pain.
pub const GENERAL_HEALTH: Rule = Rule {
    code: "general_health_flags",
    level: Prompt,
    professional: "GP",
    running: Running::Ease,
    fires_when: "pain with fever, immunosuppression, recent trauma, osteoporosis or long-term steroids",
};
/// EVIDENCE rule 5: bone-stress behaviour.
pub const FOCAL_BONE_PAIN: Rule = Rule {
    code: "focal_bone_pain",
    level: Prompt,
    professional: "GP or sports doctor",
    running: Running::Stop,
    fires_when: "pain on one spot of bone that hurts when running or is there at rest or at night",
};
/// EVIDENCE rule 6.
pub const PERSISTENT: Rule = Rule {
    code: "persistent_or_neurological_symptoms",
    level: Prompt,
    professional: "physiotherapist, podiatrist or GP",
    running: Running::Ease,
    fires_when: "numbness/tingling, swelling, rest pain, no improvement with rest, pain on every run, painkillers to run",
};
/// EVIDENCE rule 7.
pub const PAIN_BEHAVIOUR: Rule = Rule {
    code: "pain_behaviour",
    level: Prompt,
    professional: "physiotherapist",
    running: Running::Ease,
    fires_when: "pain above 3/10 while running, worsening during the run, lasting more than 3 h, or in daily life / at night — not settling soreness after a race or first-steps heel pain",
};
/// Ottawa ankle and foot rules (Stiell et al., JAMA 1993).
pub const WEIGHT_BEARING: Rule = Rule {
    code: "unable_to_bear_weight_or_bony_tenderness",
    level: Prompt,
    professional: "minor injuries unit, urgent care or GP (an X-ray may be needed)",
    running: Running::Stop,
    fires_when: "cannot take four steps on it, or tender on the ankle or foot bones after a fall, twist or sudden onset",
};
/// IOC consensus on relative energy deficiency in sport (Mountjoy et al., BJSM 2023).
pub const ENERGY_WITH_BONE_PAIN: Rule = Rule {
    code: "energy_deficiency_with_bone_pain",
    level: Prompt,
    professional: "GP or sports doctor",
    running: Running::Stop,
    fires_when: "absent or irregular periods, restricted eating, recent weight loss or a previous bone-stress injury, with bone pain",
};
/// EVIDENCE rule 16: locking, catching or giving way (possible meniscal or ligament injury).
pub const MECHANICAL_KNEE: Rule = Rule {
    code: "mechanical_knee_symptoms",
    level: Prompt,
    professional: "physiotherapist or sports doctor",
    running: Running::Stop,
    fires_when: "a knee that locks, catches or gives way",
};
/// EVIDENCE rule 17: chronic exertional compartment-type symptoms.
pub const EXERTIONAL_LEG: Rule = Rule {
    code: "exertional_leg_tightness_or_numbness",
    level: Prompt,
    professional: "sports doctor or physiotherapist",
    running: Running::Ease,
    fires_when: "lower-leg pain with tightness or numbness at a predictable point in each run",
};
/// ESC 2020 sports cardiology: palpitations or dizziness on exertion without fainting.
pub const EXERTIONAL_PALPITATIONS: Rule = Rule {
    code: "exertional_palpitations_or_dizziness",
    level: Prompt,
    professional: "GP (ask for a heart check)",
    running: Running::EasyEffortsOnly,
    fires_when: "palpitations or dizziness during or just after exercise",
};
/// Wells criteria: one-sided calf swelling alone scores, but less than with pain or a risk.
pub const ONE_SIDED_CALF_SWELLING: Rule = Rule {
    code: "one_sided_calf_swelling",
    level: Prompt,
    professional: "GP within a day or two",
    running: Running::Stop,
    fires_when: "one calf swollen, without pain, warmth or a Wells-type risk",
};

// Advise: suggest an assessment, keep fitting.
/// IOC consensus 2023: energy-deficiency signs on their own; the shop says why it asks.
pub const ENERGY_SIGNS: Rule = Rule {
    code: "energy_deficiency_signs",
    level: Advise,
    professional: "GP or sports doctor (a sports dietitian can help too)",
    running: Running::Continue,
    fires_when: "absent or irregular periods, restricted eating, recent weight loss or a previous bone-stress injury, without bone pain",
};
/// EVIDENCE part 2, "Not a referral": first-steps heel pain is advise at most.
pub const FIRST_STEPS_HEEL: Rule = Rule {
    code: "first_steps_heel_pain",
    level: Advise,
    professional: "physiotherapist or podiatrist, if it lasts beyond about six weeks",
    running: Running::Continue,
    fires_when: "heel or arch pain on the first steps in the morning that eases once warm",
};
/// Bramah et al., AJSM 2018 (pelvic drop); EVIDENCE rule 8: soft flag only.
pub const GAIT_ASYMMETRY: Rule = Rule {
    code: "gait_asymmetry",
    level: Advise,
    professional: "physiotherapist",
    running: Running::Continue,
    fires_when: "contralateral pelvic drop ≥ 7°, contact-time asymmetry ≥ 10 %, a limp, or (with pain) clearly uneven wear between the left and right shoe — soft flags only",
};

/// Every rule, most urgent first: the README table is checked against this list.
pub const RULES: &[&Rule] = &[
    &NERVE_COMPRESSION,
    &HIP_GROIN_LOADING,
    &HIP_GROIN_BONE_STRESS_RISK,
    &EXERTIONAL_CARDIAC,
    &CALF_SWELLING_WITH_CLOT_RISK,
    &HEEL_CORD_POP,
    &HOT_SWOLLEN_JOINT,
    &BACK_PAIN_WARNING,
    &GENERAL_HEALTH,
    &FOCAL_BONE_PAIN,
    &PERSISTENT,
    &PAIN_BEHAVIOUR,
    &WEIGHT_BEARING,
    &ENERGY_WITH_BONE_PAIN,
    &MECHANICAL_KNEE,
    &EXERTIONAL_LEG,
    &EXERTIONAL_PALPITATIONS,
    &ONE_SIDED_CALF_SWELLING,
    &ENERGY_SIGNS,
    &FIRST_STEPS_HEEL,
    &GAIT_ASYMMETRY,
];

/// Contralateral pelvic drop at or above this is "large": the injured group of Bramah et al.
/// (AJSM 2018) averaged ~7.5 deg vs ~4.5 deg in controls, and 2D video measures it reliably.
pub const LARGE_PELVIC_DROP_DEG: f64 = 7.0;
/// Contact-time asymmetry at or above this is "marked": elite runners sit near 2.6 %.
pub const MARKED_ASYMMETRY_PCT: f64 = 10.0;
/// Left/right outsole wear difference (0-1, see `OutsoleWear::difference`) counted as uneven.
pub const UNEVEN_WEAR: f64 = 0.3;
/// Pain above 3/10 while running warrants an assessment (EVIDENCE rule 7).
pub const PAIN_SCORE_LIMIT: f64 = 3.0;
/// Pain lasting longer than this after a run warrants an assessment (EVIDENCE rule 7).
pub const SETTLE_LIMIT_HOURS: f64 = 3.0;
/// First-steps heel pain past this many weeks deserves an assessment (EVIDENCE part 2).
pub const HEEL_PAIN_WEEKS: f64 = 6.0;

pub(super) struct Rules<'a> {
    pub fitting: &'a Fitting,
    pub fired: Vec<ReferralReason>,
}

impl<'a> Rules<'a> {
    fn fire(&mut self, rule: &'static Rule, text: impl Into<String>) {
        self.fired.push(ReferralReason {
            code: rule.code,
            level: rule.level,
            professional: rule.professional,
            text: text.into(),
            running: rule.running,
        });
    }

    fn health(&self) -> &'a HealthReport {
        &self.fitting.health
    }

    /// Reports with a score above zero.
    fn pains(&self) -> impl Iterator<Item = &'a PainReport> {
        self.fitting.health.pain.iter().filter(|p| p.hurts())
    }

    /// Pains that may need more than rest: settling soreness after a race is left out.
    fn concerning_pains(&self) -> impl Iterator<Item = &'a PainReport> {
        self.pains().filter(|p| !p.settling_after_load())
    }

    /// Energy-deficiency signs (IOC 2023), including a previous bone-stress injury.
    fn energy_signs(&self) -> Vec<&'static str> {
        let mut signs = self.health().energy_availability.signs();
        if self.health().previous_bone_stress() {
            signs.push("a previous bone-stress injury");
        }
        signs
    }

    /// Rule 1: cauda equina signs. Urgent whatever else is reported.
    pub fn nerve_compression_signs(&mut self) {
        let flags = &self.health().red_flags;
        let signs: Vec<&str> = [
            (
                flags.bladder_or_bowel_change,
                "a new change in bladder or bowel control",
            ),
            (
                flags.saddle_numbness,
                "numbness in the saddle or genital area",
            ),
            (flags.sciatica_both_legs, "pain running down both legs"),
            (
                flags.progressive_leg_weakness,
                "leg weakness that is getting worse",
            ),
        ]
        .into_iter()
        .filter_map(|(on, words)| on.yes().then_some(words))
        .collect();
        if !signs.is_empty() {
            self.fire(
                &NERVE_COMPRESSION,
                format!("You report {}. This needs a doctor today: go to an emergency department or urgent care now.", signs.join(" and ")),
            );
        }
    }

    /// Rules 2 and 13: groin or deep hip pain with loading, or with a bone-stress history.
    pub fn hip_or_groin(&mut self) {
        let groin: Vec<&PainReport> = self
            .health()
            .pain
            .iter()
            .filter(|p| p.location == BodyLocation::HipGroin)
            .collect();
        let loading = groin.iter().any(|p| {
            p.hurts_when_running()
                || p.limp.yes()
                || p.pain_on_hopping.yes()
                || p.cannot_bear_weight.yes()
        });
        if loading {
            self.fire(
                &HIP_GROIN_LOADING,
                "Groin or deep hip pain when running, limping or hopping should be checked by a doctor the same day, before running again.",
            );
        }
        let mut risk = self.energy_signs();
        if self.health().red_flags.bone_stress_risk_factors.yes() {
            risk.push("low body weight, missed periods or a recent jump in training");
        }
        let not_settling = groin.iter().any(|p| p.hurts() && !p.settling_after_load());
        if not_settling && !risk.is_empty() {
            self.fire(
                &HIP_GROIN_BONE_STRESS_RISK,
                format!(
                    "Groin or deep hip pain in a runner with {} needs a doctor the same day, whatever the pain score; do not run until then.",
                    risk.join(", ")
                ),
            );
        }
    }

    /// Rule 9: chest pain, fainting or undue breathlessness with exercise; rule 9b: palpitations.
    pub fn exertional_symptoms(&mut self) {
        let e = &self.health().exertional_symptoms;
        let chest_when_running = self
            .pains()
            .any(|p| p.location == BodyLocation::Chest && p.hurts_when_running());
        let mut signs = Vec::new();
        if e.chest_pain_or_pressure.yes() || chest_when_running {
            signs.push("chest pain or pressure when exercising");
        }
        if e.fainting_or_near_fainting.yes() {
            signs.push("fainting or nearly fainting during or just after exercise");
        }
        if e.breathlessness_out_of_proportion.yes() {
            signs.push("being far more out of breath than the effort explains");
        }
        if !signs.is_empty() {
            self.fire(
                &EXERTIONAL_CARDIAC,
                format!(
                    "You report {}. Do not exercise until a doctor has seen you today; if it happens again, stop and call an ambulance.",
                    signs.join(" and ")
                ),
            );
        }
        let mut lesser = Vec::new();
        if e.palpitations.yes() {
            lesser.push("a racing or irregular heartbeat");
        }
        if e.dizziness.yes() {
            lesser.push("dizziness");
        }
        if !lesser.is_empty() {
            self.fire(
                &EXERTIONAL_PALPITATIONS,
                format!(
                    "{} during or just after exercise should be checked by a GP soon; keep to easy efforts until then.",
                    super::capitalise(&lesser.join(" or "))
                ),
            );
        }
    }

    /// Rule 10: one swollen calf, with pain, warmth or a Wells-type risk.
    pub fn calf_swelling(&mut self) {
        let health = self.health();
        let calf: Vec<&PainReport> = health
            .pain
            .iter()
            .filter(|p| p.location.is_calf())
            .collect();
        let one_swollen = health.clot_risk.one_calf_swollen.yes()
            || calf
                .iter()
                .any(|p| p.swelling.yes() && p.side != Some(Side::Both));
        let calf_pain = calf.iter().any(|p| p.hurts());
        let warm_or_red = calf.iter().any(|p| p.warmth_or_redness.yes());
        let risk = health.clot_risk.any_risk_factor();
        if (one_swollen && (calf_pain || warm_or_red || risk)) || (calf_pain && warm_or_red && risk)
        {
            let mut what = vec![if one_swollen {
                "one swollen calf"
            } else {
                "a painful calf"
            }];
            if warm_or_red {
                what.push("that is warm or red");
            }
            if risk {
                what.push("after a long journey, surgery, time off your feet or with another risk you mention");
            }
            self.fire(
                &CALF_SWELLING_WITH_CLOT_RISK,
                format!(
                    "You report {}. This is not a strain to run through: see a doctor today, and do not massage it.",
                    what.join(", ")
                ),
            );
        } else if one_swollen {
            self.fire(
                &ONE_SIDED_CALF_SWELLING,
                "One calf that is swollen and the other not should be checked by a GP within a day or two; do not run on it until then, and see a doctor the same day if it becomes painful, warm or red.",
            );
        }
    }

    /// Rule 11: a pop at the back of the heel, or sudden pain with weak push-off.
    pub fn heel_cord_pop(&mut self) {
        let hit = self.health().pain.iter().any(|p| {
            p.location.is_heel_cord()
                && (p.onset == Some(Onset::WithPop)
                    || (p.onset == Some(Onset::Sudden) && p.weak_push_off.yes()))
        });
        if hit {
            self.fire(
                &HEEL_CORD_POP,
                "A sudden pop or kick-like feeling at the back of the heel needs to be seen today at urgent care or an emergency department; do not run or walk far on it. Early treatment gives the best result.",
            );
        }
    }

    /// Rule 12: a hot swollen joint with fever or feeling unwell.
    pub fn hot_swollen_joint(&mut self) {
        let flags = &self.health().red_flags;
        let unwell = flags.fever.yes() || flags.feeling_unwell.yes();
        let joint = self
            .health()
            .pain
            .iter()
            .find(|p| p.location.is_joint() && p.swelling.yes() && p.warmth_or_redness.yes());
        if let (Some(joint), true) = (joint, unwell) {
            self.fire(
                &HOT_SWOLLEN_JOINT,
                format!(
                    "A hot, swollen {} together with {} needs a doctor today: go to an emergency department.",
                    joint.location.words(),
                    if flags.fever.yes() { "a fever" } else { "feeling unwell" }
                ),
            );
        }
    }

    /// Rule 3: back pain with features that need a medical look.
    pub fn back_pain_warning_features(&mut self) {
        let Some(back) = self.pains().find(|p| {
            matches!(
                p.location,
                BodyLocation::LowerBack | BodyLocation::UpperBack
            )
        }) else {
            return;
        };
        let flags = &self.health().red_flags;
        let age = self.fitting.profile.age_years.map(|a| a.get());
        let new_onset = back.duration_weeks.get() <= 6.0;
        let mut why = Vec::new();
        if flags.history_of_cancer.yes() {
            why.push("a history of cancer");
        }
        if new_onset && age.is_some_and(|a| !(20.0..=50.0).contains(&a)) {
            why.push("new back pain under 20 or over 50");
        }
        if flags.unexplained_weight_loss.yes() {
            why.push("unexplained weight loss");
        }
        if back.at_night() {
            why.push("pain at night");
        }
        if back.duration_weeks.get() >= 4.0 && back.course != Some(Course::Improving) {
            why.push("no improvement after about a month");
        }
        if !why.is_empty() {
            self.fire(
                &BACK_PAIN_WARNING,
                format!(
                    "Back pain with {} should be assessed by a GP or physiotherapist soon.",
                    why.join(", ")
                ),
            );
        }
    }

    /// Rule 4: general health flags alongside pain.
    pub fn general_health_flags(&mut self) {
        if self.concerning_pains().next().is_none() {
            return;
        }
        let flags = &self.health().red_flags;
        let why: Vec<&str> = [
            (flags.fever, "a fever"),
            (flags.immunosuppressed, "a weakened immune system"),
            (flags.recent_trauma, "a recent fall or injury"),
            (
                flags.osteoporosis_or_long_term_steroids,
                "osteoporosis or long-term steroid use",
            ),
        ]
        .into_iter()
        .filter_map(|(on, words)| on.yes().then_some(words))
        .collect();
        if !why.is_empty() {
            self.fire(
                &GENERAL_HEALTH,
                format!(
                    "Pain together with {} should be seen by a GP soon.",
                    why.join(" and ")
                ),
            );
        }
    }

    /// Rule 5: focal bone pain that behaves like bone stress.
    pub fn focal_bone_pain(&mut self) {
        let risk = self.health().red_flags.bone_stress_risk_factors.yes();
        let hit = self.pains().any(|p| {
            p.focal_bone_tenderness.yes() && (p.hurts_when_running() || p.at_rest() || p.at_night())
        });
        if hit {
            let extra = if risk {
                " Low body weight, missed periods or a recent jump in training make this more likely to matter."
            } else {
                ""
            };
            self.fire(
                &FOCAL_BONE_PAIN,
                format!("Pain on one spot of bone that hurts when running or is there at rest should be checked soon; stop running on it until then.{extra}"),
            );
        }
    }

    /// Rule 14: Ottawa-type inability to bear weight or bony tenderness after an injury.
    pub fn weight_bearing(&mut self) {
        let trauma = self.health().red_flags.recent_trauma.yes();
        let cannot = self
            .health()
            .pain
            .iter()
            .any(|p| p.cannot_bear_weight.yes());
        let bony = self.health().pain.iter().any(|p| {
            p.location.is_ankle_or_foot()
                && p.focal_bone_tenderness.yes()
                && (trauma || matches!(p.onset, Some(Onset::AfterFallOrTwist | Onset::Sudden)))
        });
        if cannot || bony {
            let what = match (cannot, bony) {
                (true, true) => "Not being able to take four steps, with tenderness on the bone,",
                (true, false) => "Not being able to take four steps on it",
                _ => "Tenderness on the ankle or foot bones after a fall or twist",
            };
            self.fire(
                &WEIGHT_BEARING,
                format!("{what} should be checked soon at a minor injuries unit, urgent care or your GP; an X-ray may be needed. Do not run on it until then."),
            );
        }
    }

    /// Rule 15: energy-deficiency signs, with bone pain (prompt) or alone (advise).
    pub fn energy_deficiency(&mut self) {
        let signs = self.energy_signs();
        // Already behind an urgent groin referral that names the same signs.
        if signs.is_empty()
            || self
                .fired
                .iter()
                .any(|r| r.code == HIP_GROIN_BONE_STRESS_RISK.code)
        {
            return;
        }
        let bone_pain = self.concerning_pains().any(|p| {
            p.focal_bone_tenderness.yes()
                || (p.location.is_bone_stress_site()
                    && !p.first_steps_heel_pain()
                    && (p.hurts_when_running() || p.at_rest() || p.at_night()))
        });
        if bone_pain {
            self.fire(
                &ENERGY_WITH_BONE_PAIN,
                format!(
                    "Bone pain together with {} should be checked soon by a GP or sports doctor; do not run on it until then.",
                    signs.join(", ")
                ),
            );
        } else {
            self.fire(
                &ENERGY_SIGNS,
                format!(
                    "You mention {}. We ask because these can mean the body is short of energy for the training, which makes bone injuries more likely; a GP or sports doctor can check, and a sports dietitian can help.",
                    signs.join(", ")
                ),
            );
        }
    }

    /// Rule 16: a knee that locks, catches or gives way.
    pub fn mechanical_knee(&mut self) {
        let knee = self
            .health()
            .pain
            .iter()
            .find(|p| p.location == BodyLocation::Knee && p.locking_or_giving_way.yes());
        if let Some(knee) = knee {
            let after_twist = if knee.onset == Some(Onset::AfterFallOrTwist) {
                " after a twist"
            } else {
                ""
            };
            self.fire(
                &MECHANICAL_KNEE,
                format!("A knee that locks, catches or gives way{after_twist} should be assessed soon by a physiotherapist or sports doctor; avoid running on it until then."),
            );
        }
    }

    /// Rule 17: exertional lower-leg tightness or numbness.
    pub fn exertional_leg(&mut self) {
        let hit = self
            .health()
            .pain
            .iter()
            .any(|p| p.location.is_lower_leg() && p.tightness_or_numbness_during_run.yes());
        if hit {
            self.fire(
                &EXERTIONAL_LEG,
                "Leg pain with tightness or numbness that comes on at the same point in each run and eases after stopping should be assessed by a sports doctor or physiotherapist.",
            );
        }
    }

    /// Rule 6: nerve, swelling, weakness and pain that will not settle.
    pub fn persistent_or_neurological_symptoms(&mut self) {
        let flags = &self.health().red_flags;
        let mut why = Vec::new();
        if flags.numbness_or_tingling.yes() {
            why.push("numbness or tingling");
        }
        let pains: Vec<&PainReport> = self.concerning_pains().collect();
        if pains.iter().any(|p| p.swelling.yes()) {
            why.push("swelling");
        }
        if pains.iter().any(|p| p.at_rest()) {
            why.push("pain at rest");
        }
        if pains.iter().any(|p| p.no_improvement_after_rest.yes()) {
            why.push("no improvement after rest");
        }
        if pains.iter().any(|p| p.returns_every_run.yes()) {
            why.push("pain that returns on every run");
        }
        if pains.iter().any(|p| p.needs_painkillers_to_run.yes()) {
            why.push("needing painkillers to run");
        }
        if !why.is_empty() {
            self.fire(
                &PERSISTENT,
                format!(
                    "{} should be assessed by a physiotherapist, podiatrist or GP.",
                    super::capitalise(&why.join(", "))
                ),
            );
        }
    }

    /// Rule 7: how the pain behaves around running. Settling soreness and first-steps heel
    /// pain are left out (EVIDENCE part 2, "Not a referral").
    pub fn pain_behaviour(&mut self) {
        let mut why = Vec::new();
        let pains: Vec<&PainReport> = self.concerning_pains().collect();
        if let Some(max) = pains
            .iter()
            .filter(|p| p.hurts_when_running())
            .map(|p| p.score_0_10.get())
            .reduce(f64::max)
            .filter(|s| *s > PAIN_SCORE_LIMIT)
        {
            why.push(format!("pain of {}/10 while running", Whole(max)));
        }
        if pains.iter().any(|p| {
            p.worse_during_run.yes()
                || p.course == Some(Course::Worsening) && p.hurts_when_running()
        }) {
            why.push("pain that gets worse during the run or from week to week".into());
        }
        let ordinary = || pains.iter().filter(|p| !p.first_steps_heel_pain());
        if ordinary().any(|p| {
            p.settles_after_hours
                .is_some_and(|h| h.get() > SETTLE_LIMIT_HOURS)
        }) {
            why.push("pain that lasts more than a few hours after running".into());
        }
        if ordinary().any(|p| p.in_daily_life.yes()) || pains.iter().any(|p| p.at_night()) {
            why.push("pain in daily life or at night".into());
        }
        if !why.is_empty() {
            self.fire(
                &PAIN_BEHAVIOUR,
                format!(
                    "{}: it is best to see a physiotherapist to get this assessed.",
                    super::capitalise(&why.join(", "))
                ),
            );
        }
    }

    /// First-steps heel pain: advise, with when to see someone.
    pub fn first_steps_heel_pain(&mut self) {
        let Some(heel) = self.pains().find(|p| p.first_steps_heel_pain()) else {
            return;
        };
        let text = if heel.duration_weeks.get() > HEEL_PAIN_WEEKS {
            "Heel pain on the first steps in the morning that has lasted more than about six weeks is worth having a physiotherapist or podiatrist assess; you can keep running while it eases once warm."
        } else {
            "Heel pain on the first steps in the morning that eases once warm often settles; if it lasts beyond about six weeks, see a physiotherapist or podiatrist."
        };
        self.fire(&FIRST_STEPS_HEEL, text);
    }

    /// Rule 8: gait signs worth a look, soft flag only.
    pub fn gait_asymmetry(&mut self) {
        let mut why = Vec::new();
        let in_pain = self.pains().next().is_some();
        // Uneven wear between the two shoes is a weak signal: it counts only alongside pain.
        let uneven_wear = self
            .fitting
            .wear
            .as_ref()
            .is_some_and(|w| w.left.difference(&w.right) >= UNEVEN_WEAR);
        if uneven_wear && in_pain {
            why.push("a clear left/right difference in how your shoes wear".to_owned());
        }
        let limp = self.health().pain.iter().any(|p| p.limp.yes());
        let Some(gait) = &self.fitting.gait else {
            if limp {
                why.push("a limp".to_owned());
            }
            if !why.is_empty() {
                self.fire(
                    &GAIT_ASYMMETRY,
                    format!(
                        "You show {}. It is worth having a physiotherapist assess it.",
                        why.join(" and ")
                    ),
                );
            }
            return;
        };
        if let Some(drop) = gait
            .contralateral_pelvic_drop_deg
            .filter(|d| d.get() >= LARGE_PELVIC_DROP_DEG)
        {
            why.push(format!("a large hip drop ({} deg)", Whole(drop.get())));
        }
        if let Some(a) = gait
            .left_right_asymmetry_pct
            .filter(|a| a.get() >= MARKED_ASYMMETRY_PCT)
        {
            why.push(format!("a marked left/right difference ({} %)", Whole(a.get())));
        }
        if limp {
            why.push("a limp".into());
        }
        if !why.is_empty() {
            self.fire(
                &GAIT_ASYMMETRY,
                format!(
                    "The treadmill showed {}. It is not a diagnosis, but a physiotherapist can assess it{}.",
                    why.join(" and "),
                    if in_pain { ", especially with the pain you report" } else { "" }
                ),
            );
        }
    }
}
