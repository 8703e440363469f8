//! When to tell a runner to see a clinician, and the training advice that goes with pain.
//! The service flags and explains; it never names a condition. Rules follow the summary
//! in ../shared EVIDENCE (NICE NG59, IFOMPT 2020 red-flag framework, sports-medicine
//! guidance on bone stress, and part 2: exertional, clot, tendon, joint and energy signs);
//! single flags are not diagnoses, so wording stays conservative.

use serde::Serialize;
use utoipa::ToSchema;

use crate::fitting::Fitting;

mod message;
mod questions;
pub mod rules;

pub use message::{REPLACE_FROM_KM, training_advice};
pub use questions::{QuestionToAsk, questions_to_ask};
pub use rules::{
    LARGE_PELVIC_DROP_DEG, MARKED_ASYMMETRY_PCT, PAIN_SCORE_LIMIT, RULES, Rule, Running,
    SETTLE_LIMIT_HOURS, UNEVEN_WEAR,
};

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

/// One rule that fired: a stable code for integrations, who to see and a sentence for the runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReferralReason {
    #[schema(example = "nerve_compression_signs")]
    pub code: &'static str,
    pub level: ReferralLevel,
    /// Who to see for this reason, in plain words.
    #[schema(example = "a doctor today (emergency department or urgent care)")]
    pub professional: &'static str,
    #[schema(
        example = "Numbness in the saddle area with back or leg symptoms needs a doctor today."
    )]
    pub text: String,
    /// What running is safe until seen; the advice is built from it.
    #[serde(skip)]
    pub running: Running,
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
    /// Key red-flag questions for the reported pain that were not asked. They never raise
    /// the level: an unanswered question is neither yes nor no. Absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub questions_to_ask: Vec<QuestionToAsk>,
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Applies every rule; the referral level is the highest that fired.
pub fn assess(fitting: &Fitting) -> Referral {
    let mut rules = rules::Rules {
        fitting,
        fired: Vec::new(),
    };
    rules.nerve_compression_signs();
    rules.hip_or_groin();
    rules.exertional_symptoms();
    rules.calf_swelling();
    rules.heel_cord_pop();
    rules.hot_swollen_joint();
    rules.back_pain_warning_features();
    rules.general_health_flags();
    rules.focal_bone_pain();
    rules.weight_bearing();
    rules.energy_deficiency();
    rules.mechanical_knee();
    rules.exertional_leg();
    rules.persistent_or_neurological_symptoms();
    rules.pain_behaviour();
    rules.first_steps_heel_pain();
    rules.gait_asymmetry();
    let mut reasons = rules.fired;
    reasons.sort_by_key(|r| std::cmp::Reverse(r.level));
    let (level, professional, message) = message::summarise(&reasons);
    Referral {
        level,
        reasons,
        suggested_professional: professional,
        message,
        questions_to_ask: questions_to_ask(fitting),
    }
}

#[cfg(test)]
mod tests;
