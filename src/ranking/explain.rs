//! Plain-words reasons for a ranked shoe, taken from the scorer's largest contributions,
//! so the explanation always matches what actually moved the score.

use crate::catalogue::{Category, Shoe, Terrain};
use crate::features::{Feature, FeatureVector, RunnerSignals, FEATURE_COUNT};
use crate::fitting::Feel;

/// Contributions smaller than this (log-odds) are not worth a sentence.
const MIN_CONTRIBUTION: f64 = 0.1;
const MAX_REASONS: usize = 3;
const MAX_CAUTIONS: usize = 2;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    pub reasons: Vec<String>,
    pub cautions: Vec<String>,
}

fn drop_comparison(runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    let delta = shoe.drop_mm? - runner.worn_drop_mm?;
    Some(match delta {
        d if d.abs() < 0.5 => "same drop as your worn pair".to_owned(),
        d if d < 0.0 => format!("{:.0} mm lower drop than your worn pair", -d),
        d => format!("{d:.0} mm higher drop than your worn pair"),
    })
}

fn terrain_words(terrain: Terrain) -> &'static str {
    match terrain {
        Terrain::Road => "road",
        Terrain::Trail => "trail",
        Terrain::RoadTrail => "road and trail",
    }
}

fn support_reason(runner: &RunnerSignals) -> String {
    let seen = if runner.pronation_measured { "seen on the treadmill" } else { "suggested by your worn pair" };
    if runner.marked_pronation() {
        format!("stable platform for the marked pronation {seen}")
    } else {
        format!("gentle support for the pronation {seen}")
    }
}

fn reason(feature: Feature, runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    use Feature::*;
    Some(match feature {
        StabilityXPronation => support_reason(runner),
        MotionControlXMarkedPronation => "firm motion control for a clearly pronated foot".into(),
        SoftnessXLight => format!("softer cushioning suits a lighter runner ({:.0} kg)", runner.mass_kg),
        Softness => "soft, protective cushioning".into(),
        SupinationXSoftness => "extra cushioning for a foot that rolls outward".into(),
        MileageXSoftness => format!("cushioned for {:.0} km a week", runner.weekly_km),
        Lightness => format!("light at {:.0} g", shoe.weight_g?),
        TerrainFit => format!("made for {}", terrain_words(shoe.terrain)),
        GoalFit if runner.goal == crate::fitting::Goal::Trail => match shoe.category {
            Category::Cushioned => "well cushioned for long trail runs".into(),
            Category::Daily => "a versatile everyday trail shoe".into(),
            Category::Tempo | Category::Race => "light and quick for trail races".into(),
        },
        GoalFit => match shoe.category {
            Category::Daily => "a versatile daily trainer".into(),
            Category::Cushioned => "cushioned for long runs".into(),
            Category::Tempo => "lively for faster sessions".into(),
            Category::Race => "built for racing".into(),
        },
        FeelAgreement => match runner.feel? {
            Feel::Soft => "soft feel, as you prefer".into(),
            Feel::Balanced => "balanced feel, as you prefer".into(),
            Feel::Firm => "firm, responsive feel, as you prefer".into(),
        },
        DropChangeMm | DropChangeExcessMm => drop_comparison(runner, shoe)?,
        DropCm => format!("{:.0} mm drop", shoe.drop_mm?),
        ForefootStrikeXDrop => format!("{:.0} mm drop suits your foot strike", shoe.drop_mm?),
        MotionControlXNeutral | StabilityXNeutral | OverBudget | WidthUnavailable | PlatedXNotRacing => return None,
    })
}

fn caution(feature: Feature, runner: &RunnerSignals, shoe: &Shoe, x: &FeatureVector) -> Option<String> {
    use Feature::*;
    Some(match feature {
        WidthUnavailable => format!("not made in {} width", runner.width.as_str().replace('_', " ")),
        OverBudget => format!(
            "${:.0} over your budget",
            shoe.price_usd? - runner.budget_usd?
        ),
        MotionControlXNeutral if !runner.marked_pronation() => "motion control your feet do not need; it can feel stiff".into(),
        StabilityXNeutral if runner.pronation < RunnerSignals::MARKED_PRONATION / 2.0 => "more support than your gait needs".into(),
        DropChangeExcessMm | DropChangeMm => format!("{}: ease into it over a few weeks", drop_comparison(runner, shoe)?),
        PlatedXNotRacing => "carbon plate: best kept for races and fast sessions".into(),
        ForefootStrikeXDrop => format!("{:.0} mm drop is high for your foot strike", shoe.drop_mm?),
        Lightness => format!("heavier at {:.0} g", shoe.weight_g?),
        FeelAgreement => match runner.feel? {
            Feel::Soft => "firmer than you prefer".into(),
            Feel::Firm => "softer than you prefer".into(),
            Feel::Balanced => return None,
        },
        TerrainFit if x.get(TerrainFit) == 0.0 => {
            format!("made for {}, not {}", terrain_words(shoe.terrain), terrain_words(runner.terrain))
        }
        _ => return None,
    })
}

/// Reasons from the contributions that most lift this shoe above the typical candidate
/// (`baseline` is their mean), cautions from those that most pull it below: what sets a
/// shoe apart, not what every shoe in the list shares.
pub fn explain(
    runner: &RunnerSignals,
    shoe: &Shoe,
    x: &FeatureVector,
    contributions: &[f64; FEATURE_COUNT],
    baseline: &[f64; FEATURE_COUNT],
) -> Explanation {
    let mut relative = [0.0; FEATURE_COUNT];
    for (r, (c, b)) in relative.iter_mut().zip(contributions.iter().zip(baseline)) {
        *r = c - b;
    }
    let contributions = &relative;
    let mut order: Vec<Feature> = Feature::ALL.to_vec();
    order.sort_by(|a, b| contributions[b.index()].total_cmp(&contributions[a.index()]));

    let mut reasons: Vec<String> = Vec::new();
    for f in order.iter().filter(|f| contributions[f.index()] > MIN_CONTRIBUTION) {
        if let Some(text) = reason(*f, runner, shoe) {
            if !reasons.contains(&text) {
                reasons.push(text);
            }
        }
    }
    // A small drop change is worth saying even when it moved the score little.
    match drop_comparison(runner, shoe).filter(|_| x.get(Feature::DropChangeExcessMm) == 0.0) {
        Some(drop) => {
            reasons.retain(|r| *r != drop);
            reasons.truncate(MAX_REASONS - 1);
            reasons.push(drop);
        }
        None => reasons.truncate(MAX_REASONS),
    }

    let mut cautions: Vec<String> = Vec::new();
    if x.get(Feature::TerrainFit) == 0.0 {
        cautions.extend(caution(Feature::TerrainFit, runner, shoe, x));
    }
    for f in order.iter().rev().filter(|f| contributions[f.index()] < -MIN_CONTRIBUTION) {
        if let Some(text) = caution(*f, runner, shoe, x) {
            if !cautions.contains(&text) {
                cautions.push(text);
            }
        }
    }
    cautions.truncate(MAX_CAUTIONS);
    Explanation { reasons, cautions }
}
