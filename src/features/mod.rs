//! The one place a (fitting, shoe) pair becomes numbers. The baseline scorer, the trained
//! model, training and serving all call `pair_features`, so a model never sees features
//! computed differently from how it was trained.
//!
//! Two contracts, each with a version in its hash and pinned by a golden test: the hand
//! features (`schema_hash`, read by the rules and the logistic model) and the raw
//! attributes and relations (`extended_schema_hash`, read by the interaction model). A
//! changed definition must bump its version and retrain the default model.

use sha2::{Digest, Sha256};

use crate::catalogue::{Category, Shoe, Support};
use crate::fitting::Goal;

pub mod attributes;
mod runner;
pub use attributes::{
    relations, shoe_attributes, Relations, RunnerAttributes, ShoeAttributes, WornShoe, RELATION_COUNT, RUNNER_DIM,
    SHOE_DIM,
};
pub use runner::RunnerSignals;

macro_rules! features {
    ($($variant:ident => $name:literal: $doc:literal),+ $(,)?) => {
        /// Every feature, in the order of the vector.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Feature { $(#[doc = $doc] $variant),+ }

        impl Feature {
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(Feature::$variant => $name),+ }
            }

            pub fn description(self) -> &'static str {
                match self { $(Feature::$variant => $doc),+ }
            }

            pub fn index(self) -> usize {
                self as usize
            }
        }
    };
}

features! {
    StabilityXPronation => "stability_x_pronation": "stability or motion-control shoe times the runner's pronation signal (0-1)",
    MotionControlXMarkedPronation => "motion_control_x_marked_pronation": "motion-control shoe times how far pronation is beyond 'marked' (0-1)",
    MotionControlXNeutral => "motion_control_x_neutral": "motion-control shoe times (1 - pronation): control the foot does not need",
    StabilityXNeutral => "stability_x_neutral": "stability shoe times (1 - pronation)",
    SoftnessXLight => "softness_x_light": "cushioning softness (0-1) for a runner under the lighter-runner mass threshold",
    Softness => "softness": "cushioning softness, 0 firm to 1 maximal",
    DropChangeMm => "drop_change_mm": "shoe drop minus the worn pair's drop, mm (0 when unknown)",
    DropChangeExcessMm => "drop_change_excess_mm": "drop change beyond 4 mm in either direction, mm",
    DropCm => "drop_cm": "heel-to-toe drop of the shoe, cm",
    TerrainFit => "terrain_fit": "1 made for the runner's terrain, 0.5 hybrid, 0 not",
    GoalFit => "goal_fit": "how well the shoe's category suits the runner's goal (0-1)",
    Lightness => "lightness": "(300 g - shoe weight) / 100 g",
    OverBudget => "over_budget": "price above budget as a fraction of the budget",
    WidthUnavailable => "width_unavailable": "1 when the shoe is not made in the runner's width",
    FeelAgreement => "feel_agreement": "+1 cushioning matches the preferred feel, -1 the opposite",
    SupinationXSoftness => "supination_x_softness": "supination signal times softness",
    MileageXSoftness => "mileage_x_softness": "weekly distance / 50 km (capped at 120 km) times softness",
    ForefootStrikeXDrop => "forefoot_strike_x_drop": "forefoot (1) or midfoot (0.5) strike times drop in cm",
    PlatedXNotRacing => "plated_x_not_racing": "carbon-plated shoe for a runner whose goal is not racing",
}

pub const FEATURE_COUNT: usize = Feature::ALL.len();

/// The numbers for one (fitting, shoe) pair, indexed by `Feature`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureVector(pub [f64; FEATURE_COUNT]);

impl FeatureVector {
    pub fn get(&self, feature: Feature) -> f64 {
        self.0[feature.index()]
    }
}

/// Version of the hand-feature definitions: bump it whenever a definition (a constant, a
/// scale, a threshold) changes, not only a name. The golden test fails until it is bumped.
pub const HAND_FEATURES_VERSION: &str = "stridefit-features-v1";
/// Version of the raw attribute and relation encodings (`attributes`).
/// v2: the calf, achilles, midfoot, whole-foot and upper-back pain locations join their groups.
/// v3: ordered quantities (mass, age, distance, budget, drop, weight, stack, price) as finer
/// thermometer codes instead of coarse one-hot bands.
pub const EXTENDED_FEATURES_VERSION: &str = "stridefit-attributes-v3";

fn hash_of(version: &str, names: impl IntoIterator<Item = String>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(version.as_bytes());
    hasher.update(b"\n");
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    format!("{:x}", hasher.finalize())[..16].to_owned()
}

/// Identifies the hand-feature definitions; a stored model trained on other definitions is refused.
pub fn schema_hash() -> String {
    hash_of(HAND_FEATURES_VERSION, Feature::ALL.iter().map(|f| f.name().to_owned()))
}

/// Identifies hand features, raw attributes and relations together (interaction models).
pub fn extended_schema_hash() -> String {
    let names = Feature::ALL
        .iter()
        .map(|f| f.name().to_owned())
        .chain(attributes::relation_names())
        .chain(attributes::runner_attribute_names().into_iter().map(|n| format!("runner.{n}")))
        .chain(attributes::shoe_attribute_names().into_iter().map(|n| format!("shoe.{n}")));
    hash_of(&format!("{HAND_FEATURES_VERSION}+{EXTENDED_FEATURES_VERSION}"), names)
}

/// Everything a scorer may read about one (runner, shoe) pair. Runner attributes live on
/// `RunnerSignals` (once per fitting); shoe attributes depend on the shoe alone.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    pub x: FeatureVector,
    pub relations: Relations,
    pub shoe: &'a ShoeAttributes,
}

/// The pair as every scorer sees it, given the shoe's precomputed attributes.
pub fn pair<'a>(runner: &RunnerSignals, shoe: &Shoe, attributes: &'a ShoeAttributes) -> Pair<'a> {
    Pair { x: pair_features(runner, shoe), relations: relations(runner.worn.as_ref(), shoe), shoe: attributes }
}

/// Typical values for specs a catalogue row leaves empty, so a missing number is neutral.
pub(crate) const TYPICAL_DROP_MM: f64 = 8.0;
pub(crate) const TYPICAL_WEIGHT_G: f64 = 270.0;

/// How well a shoe category suits a goal.
pub fn goal_fit(goal: Goal, category: Category) -> f64 {
    use Category::*;
    match (goal, category) {
        (Goal::DailyTraining, Daily) => 1.0,
        (Goal::DailyTraining, Cushioned) => 0.7,
        (Goal::DailyTraining, Tempo) => 0.4,
        (Goal::DailyTraining, Race) => 0.0,
        (Goal::LongRuns, Cushioned) => 1.0,
        (Goal::LongRuns, Daily) => 0.7,
        (Goal::LongRuns, Tempo) => 0.3,
        (Goal::LongRuns, Race) => 0.1,
        (Goal::Racing, Race) => 1.0,
        (Goal::Racing, Tempo) => 0.7,
        (Goal::Racing, Daily) => 0.2,
        (Goal::Racing, Cushioned) => 0.0,
        (Goal::Trail, Daily | Cushioned) => 0.8,
        (Goal::Trail, Tempo | Race) => 0.5,
    }
}

/// Features of one pair. Runner-side signals are computed once per fitting (`RunnerSignals`).
pub fn pair_features(runner: &RunnerSignals, shoe: &Shoe) -> FeatureVector {
    let mut x = [0.0; FEATURE_COUNT];
    let supportive = matches!(shoe.support, Support::Stability | Support::MotionControl) as u8 as f64;
    let motion_control = (shoe.support == Support::MotionControl) as u8 as f64;
    let stability = (shoe.support == Support::Stability) as u8 as f64;
    let softness = shoe.cushioning.softness();
    let drop = shoe.drop_mm.unwrap_or(TYPICAL_DROP_MM);
    let drop_change = runner.worn_drop_mm.map_or(0.0, |worn| drop - worn);

    x[Feature::StabilityXPronation.index()] = supportive * runner.pronation;
    x[Feature::MotionControlXMarkedPronation.index()] =
        motion_control * ((runner.pronation - RunnerSignals::MARKED_PRONATION) / (1.0 - RunnerSignals::MARKED_PRONATION)).max(0.0);
    x[Feature::MotionControlXNeutral.index()] = motion_control * (1.0 - runner.pronation);
    x[Feature::StabilityXNeutral.index()] = stability * (1.0 - runner.pronation);
    x[Feature::SoftnessXLight.index()] = softness * runner.light;
    x[Feature::Softness.index()] = softness;
    x[Feature::DropChangeMm.index()] = drop_change;
    x[Feature::DropChangeExcessMm.index()] = (drop_change.abs() - 4.0).max(0.0);
    x[Feature::DropCm.index()] = drop / 10.0;
    x[Feature::TerrainFit.index()] = shoe.terrain.suitability_for(runner.terrain);
    x[Feature::GoalFit.index()] = goal_fit(runner.goal, shoe.category);
    x[Feature::Lightness.index()] = (300.0 - shoe.weight_g.unwrap_or(TYPICAL_WEIGHT_G)) / 100.0;
    x[Feature::OverBudget.index()] = match (runner.budget_usd, shoe.price_usd) {
        (Some(budget), Some(price)) => ((price - budget) / budget.max(1.0)).max(0.0),
        _ => 0.0,
    };
    x[Feature::WidthUnavailable.index()] = (!shoe.offers_width(runner.width)) as u8 as f64;
    x[Feature::FeelAgreement.index()] = runner.feel.map_or(0.0, |f| f.agreement(shoe.cushioning));
    x[Feature::SupinationXSoftness.index()] = runner.supination * softness;
    x[Feature::MileageXSoftness.index()] = runner.weekly_km.min(120.0) / 50.0 * softness;
    x[Feature::ForefootStrikeXDrop.index()] = runner.forefoot_strike * drop / 10.0;
    x[Feature::PlatedXNotRacing.index()] = (shoe.plated && runner.goal != Goal::Racing) as u8 as f64;
    FeatureVector(x)
}

#[cfg(test)]
mod tests;
