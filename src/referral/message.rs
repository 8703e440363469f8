//! The one place that turns fired rules into what the runner reads: the summary message,
//! who to see, and the training advice. Advice follows the most cautious running stance of
//! any rule, so it can never contradict the referral (no "reduce your distance" beside
//! "do not run on it"; with an urgent referral, only "do not run until seen").

use crate::text::Whole;
use super::rules::Running;
use super::{Referral, ReferralLevel, ReferralReason};
use crate::fitting::{BodyLocation, Fitting};

/// Replacement window for a worn pair: 550-900 km is the common rule of thumb.
pub const REPLACE_FROM_KM: f64 = 550.0;

/// The most cautious running stance among the fired rules.
fn stance(reasons: &[ReferralReason]) -> Running {
    reasons
        .iter()
        .map(|r| r.running)
        .max()
        .unwrap_or(Running::Continue)
}

/// Level, who to see and the runner-facing message, from the fired rules.
pub(super) fn summarise(
    reasons: &[ReferralReason],
) -> (ReferralLevel, Option<String>, Option<String>) {
    let level = reasons
        .iter()
        .map(|r| r.level)
        .max()
        .unwrap_or(ReferralLevel::None);
    if level == ReferralLevel::None {
        return (level, None, None);
    }
    let mut who: Vec<&str> = Vec::new();
    for r in reasons.iter().filter(|r| r.level == level) {
        if !who.contains(&r.professional) {
            who.push(r.professional);
        }
    }
    let message = match (level, stance(reasons)) {
        (ReferralLevel::Urgent, _) => "Please see a doctor today, before running again.",
        (ReferralLevel::Prompt, Running::Stop) => {
            "Please get this assessed soon, and do not run on it until you have been seen."
        }
        (ReferralLevel::Prompt, Running::EasyEffortsOnly) => {
            "Please get this checked soon; keep to easy efforts until you have been seen."
        }
        (ReferralLevel::Prompt, _) => {
            "Please see a GP, physiotherapist or podiatrist soon to get this assessed."
        }
        _ => "It is worth having this assessed; the fitting can go ahead.",
    };
    (level, Some(who.join("; ")), Some(message.to_owned()))
}

/// Conservative training advice that accompanies the fitting, consistent with the referral.
pub fn training_advice(fitting: &Fitting, referral: &Referral) -> Vec<String> {
    if referral.level == ReferralLevel::Urgent {
        return vec!["Do not run until a doctor has seen you.".to_owned()];
    }
    let mut advice = Vec::new();
    let running = stance(&referral.reasons);
    match running {
        Running::Stop => advice.push("Do not run on it until you have been assessed.".to_owned()),
        Running::EasyEffortsOnly => advice.push(
            "Keep to easy efforts until a doctor has checked these symptoms; stop at once and get help if you feel faint or have chest pain."
                .to_owned(),
        ),
        Running::Ease if referral.level == ReferralLevel::Prompt => {
            advice.push("Hold off hard sessions until you have been assessed.".to_owned())
        }
        _ => {}
    }
    let runs_on = running != Running::Stop;
    if runs_on && fitting.health.has_pain() {
        advice.push(
            "While it hurts, reduce your weekly distance and skip hills and speed work until the pain settles.".to_owned(),
        );
    }
    if let Some(km) = fitting
        .wear
        .as_ref()
        .and_then(|w| w.distance_on_shoe_km)
        .map(|d| d.get())
    {
        if km >= REPLACE_FROM_KM {
            advice.push(format!(
                "Your current pair has about {} km on it: most shoes are due for replacement between 550 and 900 km.",
                Whole(km)
            ));
        }
    }
    // A 5-10 % higher step rate lowers knee and hip loading (Heiderscheit et al., MSSE 2011).
    let knee_or_hip =
        fitting.health.pain.iter().any(|p| {
            matches!(p.location, BodyLocation::Knee | BodyLocation::HipGroin) && p.hurts()
        });
    if runs_on && knee_or_hip && fitting.gait.is_some() {
        advice.push("A slightly quicker step (5-10 % more steps per minute at the same pace) lowers load on the knee and hip.".to_owned());
    }
    if runs_on && (fitting.wear.is_some() || fitting.gait.is_some()) {
        advice.push("Change shoes gradually: alternate the new pair with your old one for the first couple of weeks.".to_owned());
    }
    advice
}
