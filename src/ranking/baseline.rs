//! The evidence-based rules that rank until a model is trained. Each weight is one rule,
//! in log-odds, with its source; see ../shared EVIDENCE summary in the README.

use super::{sigmoid, Linear, Prepared, Scored, Scorer};
use crate::features::{Feature, Pair, FEATURE_COUNT};

pub struct BaselineScorer {
    weights: [f64; FEATURE_COUNT],
}

pub const BASELINE_VERSION: &str = "baseline-rules-v1";

/// Log-odds subtracted so a shoe that merely suits the terrain and goal scores near 0.5
/// and a match on every signal near 0.9, leaving room to tell them apart.
const CENTRE: f64 = 3.5;

/// One rule per feature. Comfort and fit come first (Nigg et al., BJSM 2015): a shoe that
/// does not come in the runner's width or suit the terrain is pushed down hardest.
fn rule_weight(feature: Feature) -> f64 {
    use Feature::*;
    match feature {
        // Fit and use.
        WidthUnavailable => -3.0,
        TerrainFit => 2.0,
        GoalFit => 1.2,
        OverBudget => -4.0,
        FeelAgreement => 0.8,
        // Motion control helps pronated feet only (Malisoux 2016, HR 0.34) and gave neutral
        // feet more pain (Ryan et al., BJSM 2011).
        StabilityXPronation => 1.5,
        MotionControlXMarkedPronation => 1.0,
        MotionControlXNeutral => -2.0,
        StabilityXNeutral => -0.5,
        // Softer shoes lowered injury risk in lighter runners (Malisoux 2020, SHR 1.80).
        SoftnessXLight => 1.0,
        SupinationXSoftness => 0.5,
        MileageXSoftness => 0.3,
        // Light, comfortable shoes (Agresta et al. 2022).
        Lightness => 0.3,
        // Limit drop changes relative to the worn pair: each mm beyond 4 costs.
        DropChangeExcessMm => -0.25,
        // Weak: forefoot strikers tolerate lower drops.
        ForefootStrikeXDrop => -0.3,
        // Plates are for racing.
        PlatedXNotRacing => -0.8,
        // No rule: left to a trained model.
        Softness | DropChangeMm | DropCm => 0.0,
    }
}

impl BaselineScorer {
    pub fn new() -> Self {
        let mut weights = [0.0; FEATURE_COUNT];
        for f in Feature::ALL {
            weights[f.index()] = rule_weight(*f);
        }
        Self { weights }
    }

    pub fn weight(&self, feature: Feature) -> f64 {
        self.weights[feature.index()]
    }
}

impl Default for BaselineScorer {
    fn default() -> Self {
        Self::new()
    }
}

impl Scorer for BaselineScorer {
    fn version(&self) -> &str {
        BASELINE_VERSION
    }

    fn score(&self, _: &Prepared, pair: &Pair) -> Scored {
        let mut contributions = [0.0; FEATURE_COUNT];
        for (c, (w, x)) in contributions.iter_mut().zip(self.weights.iter().zip(pair.x.0.iter())) {
            *c = w * x;
        }
        // Centre so a shoe with no signal either way sits near 0.5.
        let z: f64 = contributions.iter().sum::<f64>() - CENTRE;
        Scored::from_hand(sigmoid(z), contributions)
    }

    fn rank_key(&self, _: &Prepared, pair: &Pair) -> f64 {
        self.weights.iter().zip(pair.x.0.iter()).map(|(w, x)| w * x).sum::<f64>() - CENTRE
    }

    fn linear(&self, _: &Prepared) -> Option<Linear> {
        Some(Linear::hand_only(-CENTRE, self.weights))
    }
}
