//! The fitter panel: runner profiles with what an experienced fitter expects of the top five,
//! from the evidence notes (`../shared/EVIDENCE.md`) and common fitting practice, checked on
//! the bundled catalogue with the evidence rules and with the bundled default model.

use serde_json::{json, Value};

use super::*;
use crate::catalogue::{csv, Catalogue, Category, Cushioning, ShoeStatus, Support, Terrain, Width};
use crate::fitting::Fitting;

/// What a fitter expects of a list.
enum Expect {
    /// The first `n` shoes have one of these support classes.
    Support(usize, &'static [Support]),
    /// No shoe in the list has this support class.
    NoSupport(Support),
    /// The first `n` shoes are made for one of these surfaces.
    Terrain(usize, &'static [Terrain]),
    /// The first `n` shoes are of one of these categories.
    Category(usize, &'static [Category]),
    /// The first `n` shoes have one of these cushioning levels.
    Cushioning(usize, &'static [Cushioning]),
    /// The first `n` shoes are made in this width.
    Width(usize, Width),
    /// The first `n` shoes have a drop within this range, mm.
    Drop(usize, f64, f64),
    /// The first `n` shoes are plated.
    Plated(usize),
    /// No plated shoe in the list.
    NoPlate,
    /// At least `n` shoes in the list.
    AtLeast(usize),
    /// An empty list that says which loosening would help.
    EmptyWithRelaxations,
    /// The first `n` shoes cost at most this.
    PriceAtMost(usize, f64),
    /// This shoe is not in the list.
    Excludes(&'static str),
}

struct Case {
    name: &'static str,
    fitting: Value,
    filters: Filters,
    expect: Vec<Expect>,
}

/// A runner with no pain, a neutral treadmill gait and no worn pair; `profile` overrides.
fn runner(profile: Value) -> Value {
    let mut f = json!({
        "profile": {"body_mass_kg": 70.0, "sex": "male", "weekly_distance_km": 30.0, "goal": "daily_training",
                    "terrain": "road", "width": "standard"},
        "gait": {"speed_m_s": 3.0, "cadence_spm": 170.0, "foot_strike": "rearfoot",
                 "peak_rearfoot_eversion_deg": 6.0, "eversion_reference": "standing"}
    });
    for (k, v) in profile.as_object().into_iter().flatten() {
        f["profile"][k] = v.clone();
    }
    f
}

fn with(mut f: Value, path: &[&str], value: Value) -> Value {
    let mut at = &mut f;
    for p in &path[..path.len() - 1] {
        at = &mut at[*p];
    }
    at[path[path.len() - 1]] = value;
    f
}

fn pronated(f: Value, eversion_deg: f64) -> Value {
    with(f, &["gait", "peak_rearfoot_eversion_deg"], json!(eversion_deg))
}

fn case(name: &'static str, fitting: Value, expect: Vec<Expect>) -> Case {
    Case { name, fitting, filters: Filters::default(), expect }
}

fn cases() -> Vec<Case> {
    use Expect as E;
    const SUPPORTIVE: &[Support] = &[Support::Stability, Support::MotionControl];
    const TRAIL: &[Terrain] = &[Terrain::Trail, Terrain::RoadTrail];
    const SOFT: &[Cushioning] = &[Cushioning::High, Cushioning::Max];
    let heavy_pronator = pronated(runner(json!({"body_mass_kg": 108.0, "budget_usd": 145.0})), 15.0);
    vec![
        case("heavy pronated runner on a budget: in-budget stability shoes first", heavy_pronator.clone(), vec![
            E::Support(3, SUPPORTIVE), E::PriceAtMost(3, 145.0)]),
        case("heavy extra-wide pronated runner: shoes made in extra wide", with(heavy_pronator.clone(), &["profile", "width"], json!("extra_wide")), vec![
            E::Width(3, Width::ExtraWide), E::Support(2, SUPPORTIVE)]),
        Case { name: "extra wide under $120: an empty list that says what would help",
            fitting: with(heavy_pronator.clone(), &["profile", "width"], json!("extra_wide")),
            filters: Filters { max_price_usd: Some(120.0), width: Some(Width::ExtraWide), ..Filters::default() },
            expect: vec![E::EmptyWithRelaxations] },
        case("marked pronation measured on the treadmill: stability first", pronated(runner(json!({})), 14.0), vec![E::Support(3, SUPPORTIVE)]),
        case("clearly neutral foot: no motion control", runner(json!({})), vec![E::NoSupport(Support::MotionControl), E::Support(3, &[Support::Neutral])]),
        case("pronated runner preferring a firm feel: support still first", pronated(runner(json!({"preferred_feel": "firm"})), 14.0), vec![E::Support(3, SUPPORTIVE)]),
        case("forefoot-striking racer: low-drop plated race shoes", with(runner(json!({"goal": "racing", "preferred_feel": "firm", "body_mass_kg": 62.0})), &["gait", "foot_strike"], json!("forefoot")), vec![
            E::Category(3, &[Category::Race]), E::Plated(3), E::Drop(3, 0.0, 8.0)]),
        case("racer preferring firm keeps the super shoes", runner(json!({"goal": "racing", "preferred_feel": "firm"})), vec![
            E::Category(3, &[Category::Race]), E::Plated(3)]),
        case("racer preferring soft keeps the super shoes", runner(json!({"goal": "racing", "preferred_feel": "soft"})), vec![
            E::Category(3, &[Category::Race]), E::Plated(3)]),
        case("racer on a $180 budget: plated shoes within it first", runner(json!({"goal": "racing", "budget_usd": 180.0})), vec![
            E::Plated(2), E::PriceAtMost(2, 180.0), E::Category(2, &[Category::Tempo, Category::Race])]),
        case("trail runner: trail shoes", runner(json!({"goal": "trail", "terrain": "trail"})), vec![E::Terrain(5, TRAIL)]),
        case("trail runner with wide feet: wide trail shoes", runner(json!({"goal": "trail", "terrain": "trail", "width": "wide"})), vec![
            E::Terrain(4, TRAIL), E::Width(3, Width::Wide)]),
        case("trail racer: trail shoes, even for a race", runner(json!({"goal": "racing", "terrain": "trail"})), vec![E::Terrain(3, TRAIL)]),
        case("light runner (52 kg): soft cushioning", runner(json!({"body_mass_kg": 52.0, "sex": "female", "preferred_feel": "soft"})), vec![
            E::Cushioning(3, SOFT), E::Support(3, &[Support::Neutral])]),
        case("heavy neutral runner on long runs: cushioned shoes", runner(json!({"body_mass_kg": 95.0, "goal": "long_runs"})), vec![
            E::Cushioning(3, SOFT), E::Category(2, &[Category::Cushioned, Category::Daily])]),
        case("high mileage (90 km a week): well cushioned", runner(json!({"weekly_distance_km": 90.0})), vec![E::Cushioning(3, SOFT)]),
        case("wide feet, daily training: made in wide", runner(json!({"width": "wide"})), vec![E::Width(4, Width::Wide)]),
        case("narrow feet: made in narrow", runner(json!({"width": "narrow"})), vec![E::Width(2, Width::Narrow)]),
        case("daily runner, not racing: no carbon plates", runner(json!({})), vec![E::NoPlate]),
        case("beginner on $130: affordable, no plates", runner(json!({"weekly_distance_km": 10.0, "budget_usd": 130.0})), vec![
            E::NoPlate, E::PriceAtMost(1, 130.0)]),
        // Evidence on drop and strike is weak (EVIDENCE.md): the first pick avoids a high drop,
        // the model may still rank a comfortable 12 mm shoe second.
        case("forefoot striker in daily training: no high drop first", with(runner(json!({})), &["gait", "foot_strike"], json!("forefoot")), vec![E::Drop(1, 0.0, 10.0)]),
        case("runner from a 12 mm pair: drops near 12 mm", with(runner(json!({})), &["wear"], json!({"left": {}, "right": {}, "worn_drop_mm": 12.0})), vec![
            E::Drop(3, 8.0, 12.0)]),
        case("runner from zero drop: low drops", with(runner(json!({})), &["wear"], json!({"left": {}, "right": {}, "worn_drop_mm": 0.0})), vec![
            E::Drop(3, 0.0, 6.0)]),
        case("supinating foot: neutral, cushioned", with(runner(json!({})), &["wear"], json!({
            "left": {"lateral_heel": "heavy", "lateral_forefoot": "heavy"}, "right": {"lateral_heel": "heavy", "lateral_forefoot": "heavy"}})), vec![
            E::Support(5, &[Support::Neutral]), E::Cushioning(2, SOFT)]),
        case("long runs, soft feel, $180: cushioned within budget", runner(json!({"goal": "long_runs", "preferred_feel": "soft", "budget_usd": 180.0})), vec![
            E::Cushioning(3, SOFT), E::PriceAtMost(5, 180.0)]),
        case("runner on $100: the affordable shoe first", runner(json!({"budget_usd": 100.0})), vec![E::PriceAtMost(1, 100.0), E::AtLeast(5)]),
        Case { name: "trail under $150 in wide: a short list, still trail and wide",
            fitting: runner(json!({"goal": "trail", "terrain": "trail", "width": "wide"})),
            filters: Filters { terrain: Some(Terrain::Trail), width: Some(Width::Wide), max_price_usd: Some(150.0), ..Filters::default() },
            expect: vec![E::Terrain(1, TRAIL), E::Width(1, Width::Wide)] },
        case("returning Ghost 16 runner: never the old generation beside the new", with(runner(json!({})), &["wear"], json!({"left": {}, "right": {}, "worn_shoe_id": "brooks-ghost-16"})), vec![
            E::AtLeast(5), E::Excludes("brooks-ghost-16")]),
        case("a daily runner never sees a discontinued motion-control shoe", pronated(runner(json!({"body_mass_kg": 100.0})), 16.0), vec![
            E::Excludes("brooks-addiction-gts-15"), E::Excludes("new-balance-1540v3"), E::Support(3, SUPPORTIVE)]),
    ]
}

/// What every list must hold, whatever the runner.
fn general_checks(list: &[RankedShoe], runner: &crate::features::RunnerSignals, in_stock_filter: bool) -> Vec<String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = list.iter().map(|r| r.shoe.line()).collect();
    for (i, l) in lines.iter().enumerate() {
        if lines[..i].contains(l) {
            out.push(format!("two generations of {l}"));
        }
    }
    if !in_stock_filter && list.iter().any(|r| r.shoe.status() == ShoeStatus::Discontinued) {
        out.push("a discontinued shoe".into());
    }
    if let Some(first_unpriced) = list.iter().position(|r| r.shoe.price_usd.is_none()) {
        if list[first_unpriced..].iter().any(|r| r.shoe.price_usd.is_some()) {
            out.push("an unpriced shoe above a priced one".into());
        }
    }
    if let Some(budget) = runner.budget_usd {
        let over = |r: &RankedShoe| r.shoe.price_usd.is_some_and(|p| p > budget);
        if let Some(first_over) = list.iter().position(over) {
            if list[first_over..].iter().any(|r| r.shoe.price_usd.is_some_and(|p| p <= budget)) {
                out.push("an over-budget shoe above an in-budget one".into());
            }
        }
        for r in list.iter().filter(|r| over(r)) {
            let amount = format!("${:.0} over your ${budget:.0} budget", r.shoe.price_usd.unwrap_or(0.0) - budget);
            if !r.explanation.cautions.iter().any(|c| c.starts_with(&amount)) {
                out.push(format!("{} carries no caution '{amount}'", r.shoe.id));
            }
        }
    }
    for brand in list.iter().map(|r| r.shoe.brand.as_str()) {
        if list.iter().filter(|r| r.shoe.brand == brand).count() > 3 {
            out.push(format!("more than three {brand} shoes"));
            break;
        }
    }
    for r in list {
        if r.explanation.reasons.iter().any(|t| t.contains("than your worn pair")) {
            out.push(format!("{}: a change from the worn pair given as a reason", r.shoe.id));
        }
    }
    if list.len() >= 2 {
        for reason in &list[0].explanation.reasons {
            if list.iter().all(|r| r.explanation.reasons.contains(reason) && r.explanation.reasons.len() > 1) {
                out.push(format!("'{reason}' is true of every shoe in the list"));
            }
        }
    }
    out
}

fn check(expect: &Expect, list: &[RankedShoe], relaxations: &[Relaxation]) -> Option<String> {
    let first = |n: usize| &list[..n.min(list.len())];
    let failed = |what: String| Some(what);
    match expect {
        Expect::Support(n, s) => first(*n).iter().find(|r| !s.contains(&r.shoe.support)).and_then(|r| failed(format!("{} is {:?}", r.shoe.id, r.shoe.support))),
        Expect::NoSupport(s) => list.iter().find(|r| r.shoe.support == *s).and_then(|r| failed(format!("{} is {s:?}", r.shoe.id))),
        Expect::Terrain(n, t) => first(*n).iter().find(|r| !t.contains(&r.shoe.terrain)).and_then(|r| failed(format!("{} is for {:?}", r.shoe.id, r.shoe.terrain))),
        Expect::Category(n, c) => first(*n).iter().find(|r| !c.contains(&r.shoe.category)).and_then(|r| failed(format!("{} is {:?}", r.shoe.id, r.shoe.category))),
        Expect::Cushioning(n, c) => first(*n).iter().find(|r| !c.contains(&r.shoe.cushioning)).and_then(|r| failed(format!("{} is {:?}", r.shoe.id, r.shoe.cushioning))),
        Expect::Width(n, w) => first(*n).iter().find(|r| !r.shoe.offers_width(*w)).and_then(|r| failed(format!("{} not in {w:?}", r.shoe.id))),
        Expect::Drop(n, lo, hi) => first(*n)
            .iter()
            .find(|r| !r.shoe.drop_mm.is_some_and(|d| (*lo..=*hi).contains(&d)))
            .and_then(|r| failed(format!("{} has drop {:?}", r.shoe.id, r.shoe.drop_mm))),
        Expect::Plated(n) => first(*n).iter().find(|r| !r.shoe.plated).and_then(|r| failed(format!("{} is not plated", r.shoe.id))),
        Expect::NoPlate => list.iter().find(|r| r.shoe.plated).and_then(|r| failed(format!("{} is plated", r.shoe.id))),
        Expect::AtLeast(n) => (list.len() < *n).then(|| format!("only {} shoes", list.len())),
        Expect::EmptyWithRelaxations => (!list.is_empty() || relaxations.is_empty()).then(|| format!("{} shoes, relaxations {relaxations:?}", list.len())),
        Expect::PriceAtMost(n, max) => first(*n)
            .iter()
            .find(|r| !r.shoe.price_usd.is_some_and(|p| p <= *max))
            .and_then(|r| failed(format!("{} costs {:?}", r.shoe.id, r.shoe.price_usd))),
        Expect::Excludes(id) => list.iter().any(|r| r.shoe.id == *id).then(|| format!("{id} listed")),
    }
}

fn run_panel(scorer: &dyn Scorer) -> Vec<String> {
    let catalogue = Catalogue::new(csv::parse_shoes(csv::BUNDLED_SHOES_CSV).unwrap(), csv::parse_insoles(csv::BUNDLED_INSOLES_CSV).unwrap());
    let attributes: Vec<_> = catalogue.shoes.iter().map(shoe_attributes).collect();
    let mut failures = Vec::new();
    for c in cases() {
        let fitting: Fitting = serde_json::from_value(c.fitting.clone()).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        fitting.validate().unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let runner = crate::features::RunnerSignals::from_fitting(&fitting, &catalogue);
        let ranking = rank_for_runner(scorer, &catalogue, &attributes, &runner, &c.filters, 5, &Policy::default());
        let ids: Vec<&str> = ranking.shoes.iter().map(|r| r.shoe.id.as_str()).collect();
        let mut problems = general_checks(&ranking.shoes, &runner, c.filters.only_ids.is_some());
        problems.extend(c.expect.iter().filter_map(|e| check(e, &ranking.shoes, &ranking.relaxations)));
        if !problems.is_empty() {
            failures.push(format!("{} [{}]: {} -> {ids:?}", scorer.version(), c.name, problems.join("; ")));
        }
    }
    failures
}

#[test]
fn the_panel_has_at_least_25_profiles() {
    assert!(cases().len() >= 25);
}

#[test]
fn a_fitter_would_sign_the_rules_lists() {
    let failures = run_panel(&BaselineScorer::new());
    assert!(failures.is_empty(), "{} of {} profiles:\n{}", failures.len(), cases().len(), failures.join("\n"));
}

#[test]
fn a_fitter_would_sign_the_default_models_lists() {
    let scorer = crate::model::registry::Bundled::parse(crate::model::BUNDLED_DEFAULT_MODEL).unwrap().artifact.scorer().unwrap();
    let failures = run_panel(scorer.as_ref());
    assert!(failures.is_empty(), "{} of {} profiles:\n{}", failures.len(), cases().len(), failures.join("\n"));
}
