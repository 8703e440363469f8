//! When to tell a runner to see a clinician, and the training advice that goes with pain.
//! The service flags and explains; it never names a condition. Rules follow the summary
//! in ../shared EVIDENCE (NICE NG59, IFOMPT 2020 red-flag framework, sports-medicine
//! guidance on bone stress); single flags are not diagnoses, so wording stays conservative.

use serde::Serialize;
use utoipa::ToSchema;

use crate::fitting::{BodyLocation, Fitting, PainReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralLevel {
    /// No reason to refer.
    None,
    /// Suggest an assessment; keep fitting.
    Advise,
    /// See a GP, physiotherapist or podiatrist soon.
    Prompt,
    /// Same day or emergency.
    Urgent,
}

impl ReferralLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralLevel::None => "none",
            ReferralLevel::Advise => "advise",
            ReferralLevel::Prompt => "prompt",
            ReferralLevel::Urgent => "urgent",
        }
    }
}

/// One rule that fired: a stable code for integrations and a sentence for the runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReferralReason {
    #[schema(example = "nerve_compression_signs")]
    pub code: &'static str,
    pub level: ReferralLevel,
    #[schema(example = "Numbness in the saddle area with back or leg symptoms needs a doctor today.")]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Referral {
    pub level: ReferralLevel,
    pub reasons: Vec<ReferralReason>,
    /// Who to see, in plain words; absent when no referral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_professional: Option<String>,
    /// What to tell the runner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Contralateral pelvic drop at or above this is "large": the injured group of Bramah et al.
/// (AJSM 2018) averaged ~7.5 deg vs ~4.5 deg in controls, and 2D video measures it reliably.
pub const LARGE_PELVIC_DROP_DEG: f64 = 7.0;
/// Contact-time asymmetry at or above this is "marked": elite runners sit near 2.6 %.
pub const MARKED_ASYMMETRY_PCT: f64 = 10.0;
/// Left/right outsole wear difference (0-1, see `OutsoleWear::difference`) counted as uneven.
pub const UNEVEN_WEAR: f64 = 0.3;
/// Pain above 3/10 while running warrants an assessment.
pub const PAIN_SCORE_LIMIT: f64 = 3.0;
/// Pain lasting longer than this after a run warrants an assessment.
pub const SETTLE_LIMIT_HOURS: f64 = 3.0;

struct Rules<'a> {
    fitting: &'a Fitting,
    fired: Vec<ReferralReason>,
}

impl Rules<'_> {
    fn fire(&mut self, code: &'static str, level: ReferralLevel, text: impl Into<String>) {
        self.fired.push(ReferralReason { code, level, text: text.into() });
    }

    fn pains(&self) -> impl Iterator<Item = &PainReport> {
        self.fitting.health.pain.iter().filter(|p| p.score_0_10.get() > 0.0)
    }

    fn pain_at(&self, location: BodyLocation) -> impl Iterator<Item = &PainReport> {
        self.pains().filter(move |p| p.location == location)
    }

    /// Rule 1: cauda equina signs. Urgent whatever else is reported.
    fn nerve_compression_signs(&mut self) {
        let flags = &self.fitting.health.red_flags;
        let signs: Vec<&str> = [
            (flags.bladder_or_bowel_change, "a new change in bladder or bowel control"),
            (flags.saddle_numbness, "numbness in the saddle or genital area"),
            (flags.sciatica_both_legs, "pain running down both legs"),
            (flags.progressive_leg_weakness, "leg weakness that is getting worse"),
        ]
        .into_iter()
        .filter_map(|(on, words)| on.then_some(words))
        .collect();
        if !signs.is_empty() {
            self.fire(
                "nerve_compression_signs",
                ReferralLevel::Urgent,
                format!("You report {}. This needs a doctor today: go to an emergency department or urgent care now.", signs.join(" and ")),
            );
        }
    }

    /// Rule 2: groin or deep hip pain with running, a limp or pain on hopping.
    fn hip_or_groin_pain_with_loading(&mut self) {
        let hit = self.fitting.health.pain.iter().any(|p| {
            p.location == BodyLocation::HipGroin && (p.score_0_10.get() > 0.0 || p.limp || p.pain_on_hopping)
        });
        if hit {
            self.fire(
                "hip_or_groin_pain_with_loading",
                ReferralLevel::Urgent,
                "Groin or deep hip pain when running, limping or hopping should be checked by a doctor the same day, before running again.",
            );
        }
    }

    /// Rule 3: back pain with features that need a medical look.
    fn back_pain_warning_features(&mut self) {
        let Some(back) = self.pain_at(BodyLocation::LowerBack).next() else { return };
        let flags = &self.fitting.health.red_flags;
        let age = self.fitting.profile.age_years.map(|a| a.get());
        let new_onset = back.duration_weeks.get() <= 6.0;
        let mut why = Vec::new();
        if flags.history_of_cancer {
            why.push("a history of cancer");
        }
        if new_onset && age.is_some_and(|a| !(20.0..=50.0).contains(&a)) {
            why.push("new back pain under 20 or over 50");
        }
        if flags.unexplained_weight_loss {
            why.push("unexplained weight loss");
        }
        if back.night_pain {
            why.push("pain at night");
        }
        if back.duration_weeks.get() >= 4.0 {
            why.push("no improvement after about a month");
        }
        if !why.is_empty() {
            self.fire(
                "back_pain_warning_features",
                ReferralLevel::Prompt,
                format!("Back pain with {} should be assessed by a GP or physiotherapist soon.", why.join(", ")),
            );
        }
    }

    /// Rule 4: general health flags alongside pain.
    fn general_health_flags(&mut self) {
        if self.pains().next().is_none() {
            return;
        }
        let flags = &self.fitting.health.red_flags;
        let why: Vec<&str> = [
            (flags.fever, "a fever"),
            (flags.immunosuppressed, "a weakened immune system"),
            (flags.recent_trauma, "a recent fall or injury"),
            (flags.osteoporosis_or_long_term_steroids, "osteoporosis or long-term steroid use"),
        ]
        .into_iter()
        .filter_map(|(on, words)| on.then_some(words))
        .collect();
        if !why.is_empty() {
            self.fire(
                "general_health_flags",
                ReferralLevel::Prompt,
                format!("Pain together with {} should be seen by a GP soon.", why.join(" and ")),
            );
        }
    }

    /// Rule 5: focal bone pain that behaves like bone stress.
    fn focal_bone_pain(&mut self) {
        let risk = self.fitting.health.red_flags.bone_stress_risk_factors;
        let hit = self.pains().any(|p| p.focal_bone_tenderness && (p.worse_during_run || p.rest_pain || p.night_pain));
        if hit {
            let extra = if risk { " Low body weight, missed periods or a recent jump in training make this more likely to matter." } else { "" };
            self.fire(
                "focal_bone_pain",
                ReferralLevel::Prompt,
                format!("Pain on one spot of bone that worsens with running or is there at rest should be checked soon; stop running on it until then.{extra}"),
            );
        }
    }

    /// Rule 6: nerve, swelling, weakness and pain that will not settle.
    fn persistent_or_neurological_symptoms(&mut self) {
        let flags = &self.fitting.health.red_flags;
        let mut why = Vec::new();
        if flags.numbness_or_tingling {
            why.push("numbness or tingling");
        }
        let pains: Vec<&PainReport> = self.pains().collect();
        if pains.iter().any(|p| p.swelling) {
            why.push("swelling");
        }
        if pains.iter().any(|p| p.rest_pain) {
            why.push("pain at rest");
        }
        if pains.iter().any(|p| p.no_improvement_after_rest) {
            why.push("no improvement after rest");
        }
        if pains.iter().any(|p| p.returns_every_run) {
            why.push("pain that returns on every run");
        }
        if pains.iter().any(|p| p.needs_painkillers_to_run) {
            why.push("needing painkillers to run");
        }
        if !why.is_empty() {
            self.fire(
                "persistent_or_neurological_symptoms",
                ReferralLevel::Prompt,
                format!("{} should be assessed by a physiotherapist, podiatrist or GP.", capitalise(&why.join(", "))),
            );
        }
    }

    /// Rule 7: how the pain behaves around running.
    fn pain_behaviour(&mut self) {
        let mut why = Vec::new();
        let pains: Vec<&PainReport> = self.pains().collect();
        if let Some(max) = pains.iter().map(|p| p.score_0_10.get()).reduce(f64::max).filter(|s| *s > PAIN_SCORE_LIMIT) {
            why.push(format!("pain of {max:.0}/10 while running"));
        }
        if pains.iter().any(|p| p.worse_during_run) {
            why.push("pain that gets worse during the run".into());
        }
        if pains.iter().any(|p| p.settles_after_hours.is_some_and(|h| h.get() > SETTLE_LIMIT_HOURS)) {
            why.push("pain that lasts more than a few hours after running".into());
        }
        if pains.iter().any(|p| p.in_daily_life || p.night_pain) {
            why.push("pain in daily life or at night".into());
        }
        if !why.is_empty() {
            self.fire(
                "pain_behaviour",
                ReferralLevel::Prompt,
                format!("{}: it is best to see a physiotherapist to get this assessed.", capitalise(&why.join(", "))),
            );
        }
    }

    /// Rule 8: gait signs worth a look, soft flag only.
    fn gait_asymmetry(&mut self) {
        let mut why = Vec::new();
        // Uneven wear between the two shoes is a weak signal: it counts only alongside pain.
        let uneven_wear = self.fitting.wear.as_ref().is_some_and(|w| w.left.difference(&w.right) >= UNEVEN_WEAR);
        if uneven_wear && self.pains().next().is_some() {
            why.push("a clear left/right difference in how your shoes wear".to_owned());
        }
        let Some(gait) = &self.fitting.gait else {
            if self.pains().any(|p| p.limp) {
                why.push("a limp".to_owned());
            }
            if !why.is_empty() {
                self.fire(
                    "gait_asymmetry",
                    ReferralLevel::Advise,
                    format!("You show {}. It is worth having a physiotherapist assess it.", why.join(" and ")),
                );
            }
            return;
        };
        if let Some(drop) = gait.contralateral_pelvic_drop_deg.filter(|d| d.get() >= LARGE_PELVIC_DROP_DEG) {
            why.push(format!("a large hip drop ({:.0} deg)", drop.get()));
        }
        if let Some(a) = gait.left_right_asymmetry_pct.filter(|a| a.get() >= MARKED_ASYMMETRY_PCT) {
            why.push(format!("a marked left/right difference ({:.0} %)", a.get()));
        }
        if self.pains().any(|p| p.limp) {
            why.push("a limp".into());
        }
        if !why.is_empty() {
            self.fire(
                "gait_asymmetry",
                ReferralLevel::Advise,
                format!(
                    "The treadmill showed {}. It is not a diagnosis, but a physiotherapist can assess it{}.",
                    why.join(" and "),
                    if self.pains().next().is_some() { ", especially with the pain you report" } else { "" }
                ),
            );
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Applies every rule; the referral level is the highest that fired.
pub fn assess(fitting: &Fitting) -> Referral {
    let mut rules = Rules { fitting, fired: Vec::new() };
    rules.nerve_compression_signs();
    rules.hip_or_groin_pain_with_loading();
    rules.back_pain_warning_features();
    rules.general_health_flags();
    rules.focal_bone_pain();
    rules.persistent_or_neurological_symptoms();
    rules.pain_behaviour();
    rules.gait_asymmetry();
    let mut reasons = rules.fired;
    reasons.sort_by(|a, b| b.level.cmp(&a.level));
    let level = reasons.first().map_or(ReferralLevel::None, |r| r.level);
    let (professional, message) = match level {
        ReferralLevel::None => (None, None),
        ReferralLevel::Advise => (
            Some("physiotherapist or sports podiatrist"),
            Some("It is worth having a physiotherapist assess this; the fitting can go ahead."),
        ),
        ReferralLevel::Prompt => (
            Some("GP, physiotherapist or podiatrist"),
            Some("Please see a GP, physiotherapist or podiatrist soon to get this assessed."),
        ),
        ReferralLevel::Urgent => (
            Some("doctor today (emergency department or urgent care)"),
            Some("Please see a doctor today, before running again."),
        ),
    };
    Referral {
        level,
        reasons,
        suggested_professional: professional.map(str::to_owned),
        message: message.map(str::to_owned),
    }
}

/// Replacement window for a worn pair: 550-900 km is the common rule of thumb.
pub const REPLACE_FROM_KM: f64 = 550.0;

/// Conservative training advice that accompanies the fitting.
pub fn training_advice(fitting: &Fitting, referral: &Referral) -> Vec<String> {
    let mut advice = Vec::new();
    let in_pain = fitting.health.has_pain();
    match referral.level {
        ReferralLevel::Urgent => advice.push("Do not run until a doctor has seen you.".to_owned()),
        ReferralLevel::Prompt => {
            advice.push("Hold off hard sessions until you have been assessed.".to_owned())
        }
        _ => {}
    }
    if in_pain {
        advice.push(
            "While it hurts, reduce your weekly distance and skip hills and speed work until the pain settles.".to_owned(),
        );
    }
    if let Some(km) = fitting.wear.as_ref().and_then(|w| w.distance_on_shoe_km).map(|d| d.get()) {
        if km >= REPLACE_FROM_KM {
            advice.push(format!(
                "Your current pair has about {km:.0} km on it: most shoes are due for replacement between 550 and 900 km."
            ));
        }
    }
    // A 5-10 % higher step rate lowers knee and hip loading (Heiderscheit et al., MSSE 2011).
    let knee_or_hip = fitting
        .health
        .pain
        .iter()
        .any(|p| matches!(p.location, BodyLocation::Knee | BodyLocation::HipGroin) && p.score_0_10.get() > 0.0);
    if knee_or_hip && fitting.gait.is_some() {
        advice.push("A slightly quicker step (5-10 % more steps per minute at the same pace) lowers load on the knee and hip.".to_owned());
    }
    if fitting.wear.is_some() || fitting.gait.is_some() {
        advice.push("Change shoes gradually: alternate the new pair with your old one for the first couple of weeks.".to_owned());
    }
    advice
}

#[cfg(test)]
mod tests;
