//! Plain-words reasons for a ranked shoe, taken from the scorer's largest contributions,
//! so the explanation always matches what actually moved the score.

use crate::text::{sentence, Spaced, Whole};
use crate::catalogue::{Category, Shoe, Terrain};
use super::Scored;
use crate::features::attributes::SHOE_GROUP_COUNT;
use crate::features::{attributes, Feature, FeatureVector, RunnerSignals, FEATURE_COUNT, RELATION_COUNT};
use crate::fitting::Feel;

/// Contributions smaller than this (log-odds) are not worth a sentence.
const MIN_CONTRIBUTION: f64 = 0.1;
const MAX_REASONS: usize = 3;
const MAX_CAUTIONS: usize = 2;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    pub reasons: Vec<String>,
    pub cautions: Vec<String>,
    /// Facts about the choice that are neither, e.g. why an older generation is listed.
    pub notes: Vec<String>,
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
        sentence!("stable platform for the marked pronation {seen}")
    } else {
        sentence!("gentle support for the pronation {seen}")
    }
}

/// "38 mm of high cushioning" (or "high cushioning" without a stack height), written into
/// the sentence that says it rather than into a string of its own.
fn cushioning_words(shoe: &Shoe) -> CushioningWords<'_> {
    CushioningWords(shoe)
}

struct CushioningWords<'a>(&'a Shoe);

impl std::fmt::Display for CushioningWords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.heel_stack_mm {
            Some(stack) => write!(f, "{} mm of {} cushioning", Whole(stack), self.0.cushioning.as_str()),
            None => write!(f, "{} cushioning", self.0.cushioning.as_str()),
        }
    }
}

/// A reason names the shoe's spec and the runner attribute it answers, so it says why this
/// shoe and not merely what kind of shoe it is.
fn reason(feature: Feature, runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    use Feature::*;
    let racing = runner.goal == crate::fitting::Goal::Racing;
    Some(match feature {
        StabilityXPronation => support_reason(runner),
        MotionControlXMarkedPronation => "firm motion control for a clearly pronated foot".into(),
        SoftnessXLight => sentence!("{} suits a lighter runner ({} kg)", cushioning_words(shoe), Whole(runner.mass_kg)),
        Softness => sentence!("{} for a {} kg runner", cushioning_words(shoe), Whole(runner.mass_kg)),
        SupinationXSoftness => sentence!("{} for a foot that rolls outward", cushioning_words(shoe)),
        MileageXSoftness => sentence!("{} for {} km a week", cushioning_words(shoe), Whole(runner.weekly_km)),
        Lightness if racing => sentence!("light at {} g for racing", Whole(shoe.weight_g?)),
        Lightness => sentence!("light at {} g", Whole(shoe.weight_g?)),
        // Every road shoe is made for road: only worth saying off road.
        TerrainFit if runner.terrain == Terrain::Road => return None,
        TerrainFit => sentence!("made for {}, where you run", terrain_words(shoe.terrain)),
        GoalFit if runner.goal == crate::fitting::Goal::Trail => match shoe.category {
            Category::Cushioned => sentence!("{} for long trail runs", cushioning_words(shoe)),
            Category::Daily => "an everyday trail shoe for your trail running".into(),
            Category::Tempo | Category::Race => sentence!("light ({} g) and quick for trail races", Whole(shoe.weight_g?)),
        },
        GoalFit => match shoe.category {
            Category::Race if shoe.plated => "carbon-plated race shoe for your racing goal".into(),
            Category::Race => sentence!("race shoe at {} g for your racing goal", Whole(shoe.weight_g?)),
            Category::Tempo if shoe.plated && racing => "plated tempo shoe for race-pace sessions".into(),
            Category::Tempo => "tempo shoe for faster sessions".into(),
            Category::Cushioned => sentence!("{} for your long runs", cushioning_words(shoe)),
            Category::Daily => "a daily trainer for your everyday training".into(),
        },
        FeelAgreement => match runner.feel? {
            Feel::Soft => sentence!("{} cushioning: the soft feel you prefer", shoe.cushioning.as_str()),
            Feel::Balanced => sentence!("{} cushioning: the balanced feel you prefer", shoe.cushioning.as_str()),
            Feel::Firm => sentence!("{} cushioning: the firm, responsive feel you prefer", shoe.cushioning.as_str()),
        },
        // A change from the worn pair is a caution (see `explain`); only keeping it is a reason.
        DropChangeMm | DropChangeExcessMm => same_drop(runner, shoe)?,
        DropCm => sentence!("{} mm drop", Whole(shoe.drop_mm?)),
        ForefootStrikeXDrop => sentence!("{} mm drop suits your forefoot strike", Whole(shoe.drop_mm?)),
        WidthUnavailable if runner.width != crate::catalogue::Width::Standard => {
            sentence!("made in {} width, as your feet need", Spaced(runner.width.as_str()))
        }
        OverBudget => {
            let (price, budget) = (shoe.price_usd?, runner.budget_usd?);
            if price > budget {
                return None;
            }
            sentence!("${}, within your ${} budget", Whole(price), Whole(budget))
        }
        MotionControlXNeutral | StabilityXNeutral | WidthUnavailable | PlatedXNotRacing => return None,
    })
}

/// Body mass above which a fitter looks for a deep midsole (no study gives a cut-off; about
/// the top decile of shop runners).
const HEAVY_RUNNER_KG: f64 = 85.0;

/// True statements linking one of the shoe's specs to one of the runner's attributes, in the
/// order a fitter would mention them; `explain` adds them when the score gave few reasons.
pub(super) fn spec_facts(runner: &RunnerSignals, shoe: &Shoe) -> Vec<String> {
    let mut facts = Vec::new();
    let soft = matches!(shoe.cushioning, crate::catalogue::Cushioning::High | crate::catalogue::Cushioning::Max);
    if runner.mass_kg >= HEAVY_RUNNER_KG {
        if let Some(stack) = shoe.heel_stack_mm.filter(|s| *s >= 35.0) {
            facts.push(sentence!("{} mm heel stack for a {} kg runner", Whole(stack), Whole(runner.mass_kg)));
        }
    }
    if soft && runner.light > 0.5 {
        facts.push(sentence!("{} suits a lighter runner ({} kg)", cushioning_words(shoe), Whole(runner.mass_kg)));
    }
    if soft && runner.weekly_km >= 50.0 {
        facts.push(sentence!("{} for {} km a week", cushioning_words(shoe), Whole(runner.weekly_km)));
    }
    if let Some(weight) = shoe.weight_g.filter(|w| *w < 250.0) {
        facts.push(sentence!("light at {} g", Whole(weight)));
    }
    facts
}

/// "same drop as your worn pair (12 mm)", when the drop is unchanged.
fn same_drop(runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    let drop = shoe.drop_mm?;
    ((drop - runner.worn_drop_mm?).abs() < 0.5).then(|| sentence!("same drop as your worn pair ({} mm)", Whole(drop)))
}

/// A change of drop from the worn pair, with how to ease into it.
fn drop_change_caution(runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    let (drop, worn) = (shoe.drop_mm?, runner.worn_drop_mm?);
    let delta = drop - worn;
    if delta.abs() < 0.5 {
        return None;
    }
    let (by, way) = if delta < 0.0 { (-delta, "lower") } else { (delta, "higher") };
    Some(sentence!(
        "{} mm {way} drop than your worn pair ({} mm, yours {} mm): ease into it over a few weeks, starting with shorter runs",
        Whole(by),
        Whole(drop),
        Whole(worn)
    ))
}

/// A change of support class from the worn pair, with how to ease into it.
fn support_change_caution(runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    let worn = runner.worn.as_ref()?;
    (worn.support != shoe.support).then(|| {
        sentence!(
            "{} after your {} pair: alternate with it for the first few runs",
            Spaced(shoe.support.as_str()),
            Spaced(worn.support.as_str())
        )
    })
}

fn caution(feature: Feature, runner: &RunnerSignals, shoe: &Shoe, x: &FeatureVector) -> Option<String> {
    use Feature::*;
    Some(match feature {
        WidthUnavailable => sentence!("not made in {} width", Spaced(runner.width.as_str())),
        OverBudget => sentence!(
            "${} over your budget",
            Whole(shoe.price_usd? - runner.budget_usd?)
        ),
        MotionControlXNeutral if !runner.marked_pronation() => "motion control your feet do not need; it can feel stiff".into(),
        StabilityXNeutral if runner.pronation < RunnerSignals::MARKED_PRONATION / 2.0 => "more support than your gait needs".into(),
        DropChangeExcessMm | DropChangeMm => drop_change_caution(runner, shoe)?,
        PlatedXNotRacing => "carbon plate: best kept for races and fast sessions".into(),
        ForefootStrikeXDrop => sentence!("{} mm drop is high for your foot strike", Whole(shoe.drop_mm?)),
        Lightness => sentence!("heavier at {} g", Whole(shoe.weight_g?)),
        FeelAgreement => match runner.feel? {
            Feel::Soft => "firmer than you prefer".into(),
            Feel::Firm => "softer than you prefer".into(),
            Feel::Balanced => return None,
        },
        TerrainFit if x.get(TerrainFit) == 0.0 => {
            sentence!("made for {}, not {}", terrain_words(shoe.terrain), terrain_words(runner.terrain))
        }
        _ => return None,
    })
}

/// What moved a score: a hand feature, a worn-pair relation, or a group of the shoe's
/// attributes weighed by a model that learned them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Hand(Feature),
    Relation(usize),
    ShoeGroup(&'static str),
}

/// Each source's contribution relative to the typical candidate.
fn relative_contributions(scored: &Scored, typical: &Scored) -> Vec<(f64, Source)> {
    let mut out: Vec<(f64, Source)> = Vec::with_capacity(FEATURE_COUNT + RELATION_COUNT + SHOE_GROUP_COUNT);
    out.extend(Feature::ALL.iter().map(|f| (scored.contributions[f.index()] - typical.contributions[f.index()], Source::Hand(*f))));
    for i in 0..RELATION_COUNT {
        out.push((scored.relations[i] - typical.relations[i], Source::Relation(i)));
    }
    // A group's deltas summed in slot order, from its first.
    for (group, slots) in attributes::shoe_attribute_groups() {
        let delta = |i: usize| scored.shoe[i] - typical.shoe[i];
        let sum = slots.clone().skip(1).fold(delta(slots.start), |sum, i| sum + delta(i));
        out.push((sum, Source::ShoeGroup(group)));
    }
    out
}

/// A reason for a learned relation with the worn pair.
fn relation_reason(index: usize, runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    let worn = runner.worn.as_ref()?;
    Some(match attributes::relation_name(index)? {
        "same_brand_as_worn" => sentence!("same brand as the pair you run in now ({})", shoe.brand),
        "same_line_as_worn" if worn.id != shoe.id => "a newer generation of the model you run in now".into(),
        "same_shoe_as_worn" | "same_line_as_worn" => "the same model you run in now".into(),
        "same_category_as_worn" => "the same kind of shoe as your current pair".into(),
        _ => return None,
    })
}

/// A reason for a shoe attribute this runner's peers have kept (a learned runner × shoe term).
fn learned_reason(group: &str, shoe: &Shoe) -> Option<String> {
    Some(match group {
        "brand" => sentence!("runners like you often keep {} shoes", shoe.brand),
        "support" => sentence!("{} shoes have suited runners like you", Spaced(shoe.support.as_str())),
        "cushioning" => sentence!("{} cushioning has suited runners like you", shoe.cushioning.as_str()),
        "category" => "the kind of shoe runners like you keep".into(),
        "drop_mm" => sentence!("a {} mm drop has suited runners like you", Whole(shoe.drop_mm?)),
        "weight_g" => sentence!("at {} g, a weight runners like you keep", Whole(shoe.weight_g?)),
        "heel_stack_mm" => sentence!("{} mm of heel stack suits runners of your build", Whole(shoe.heel_stack_mm?)),
        "plated" if shoe.plated => "a plated shoe, as runners like you keep".into(),
        _ => return None,
    })
}

/// A caution for a learned term that pulls this shoe down.
fn learned_caution(source: Source, runner: &RunnerSignals, shoe: &Shoe) -> Option<String> {
    match source {
        Source::Relation(i) => match attributes::relation_name(i)? {
            "stack_change_cm" => {
                let change = shoe.heel_stack_mm? - runner.worn.as_ref()?.heel_stack_mm?;
                Some(sentence!("{:+} mm heel stack against your current pair: ease into it over a few weeks", Whole(change)))
            }
            _ => None,
        },
        Source::ShoeGroup("brand") => Some(sentence!("runners like you have often returned {} shoes", shoe.brand)),
        _ => None,
    }
}

/// Reasons from the contributions that most lift this shoe above the typical candidate,
/// cautions from those that most pull it below: what sets a shoe apart, not what every
/// shoe in the list shares. `typical` is the average candidate's verdict.
pub fn explain(runner: &RunnerSignals, shoe: &Shoe, x: &FeatureVector, scored: &Scored, typical: &Scored) -> Explanation {
    // Only contributions beyond `MIN_CONTRIBUTION` either way are read, so only they are
    // sorted: the lifts strongest first, the pulls strongest first, each tie in the order a
    // stable sort of every contribution (strongest first) and its reverse would give them.
    let all = relative_contributions(scored, typical);
    let mut lifts: Vec<(f64, usize)> = all.iter().enumerate().filter(|(_, (c, _))| *c > MIN_CONTRIBUTION).map(|(i, (c, _))| (*c, i)).collect();
    lifts.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut pulls: Vec<(f64, usize)> = all.iter().enumerate().filter(|(_, (c, _))| *c < -MIN_CONTRIBUTION).map(|(i, (c, _))| (*c, i)).collect();
    pulls.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));

    // Only the first few distinct reasons can be kept (the same drop, said last, may replace
    // one of them): the others are not written.
    let same = same_drop(runner, shoe);
    let mut reasons: Vec<String> = Vec::with_capacity(MAX_REASONS + 1);
    for &(_, i) in &lifts {
        if reasons.len() > MAX_REASONS {
            break;
        }
        let text = match all[i].1 {
            Source::Hand(f) => reason(f, runner, shoe),
            Source::Relation(i) => relation_reason(i, runner, shoe),
            Source::ShoeGroup(g) => learned_reason(g, shoe),
        };
        if let Some(text) = text {
            if !reasons.contains(&text) {
                reasons.push(text);
            }
        }
    }
    // Specs that answer something about this runner, when the score's own reasons are few.
    if reasons.len() < MAX_REASONS - 1 {
        for fact in spec_facts(runner, shoe) {
            if reasons.len() >= MAX_REASONS - 1 {
                break;
            }
            if !reasons.contains(&fact) {
                reasons.push(fact);
            }
        }
    }
    // Keeping the worn pair's drop is worth saying even when it moved the score little.
    match same {
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
    for &(_, i) in &pulls {
        if cautions.len() >= MAX_CAUTIONS {
            break;
        }
        let text = match all[i].1 {
            Source::Hand(f) => caution(f, runner, shoe, x),
            other => learned_caution(other, runner, shoe),
        };
        if let Some(text) = text {
            if !cautions.contains(&text) {
                cautions.push(text);
            }
        }
    }
    cautions.truncate(MAX_CAUTIONS);
    // A change from the worn pair is always said, with how to ease in: the runner's legs are
    // used to the old pair, whatever the score thinks of the new one.
    for change in [drop_change_caution(runner, shoe), support_change_caution(runner, shoe)].into_iter().flatten() {
        if !cautions.contains(&change) {
            cautions.push(change);
        }
    }
    Explanation { reasons, cautions, notes: Vec::new() }
}
