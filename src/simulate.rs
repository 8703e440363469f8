//! SYNTHETIC outcome histories for demos and tests. No public data ties fittings to
//! outcomes, so this draws runners from real gait measurements (46 runners, Fukuchi et al.
//! 2017, CC BY 4.0: data/reference/gait_kinematics_46_runners.csv), lets a simulated shop
//! pick shoes, and decides kept/returned from a documented "true" preference plus noise.
//! Nothing it produces is real sales data.

use std::io::Cursor;

use chrono::{DateTime, Duration, TimeZone, Utc};
use polars::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use serde_json::json;

use crate::catalogue::{Catalogue, Shoe};
use crate::features::{pair_features, Feature, FeatureVector, RunnerSignals};
use crate::fitting::{Fitting, Sex};
use crate::outcomes::{FitObservation, ReturnReason, Satisfaction, TryOn};
use crate::units::ShoeSizeEu;
use crate::ranking::sigmoid;

const GAIT_REFERENCE: &str = include_str!("../data/reference/gait_kinematics_46_runners.csv");

/// What the simulated shop's runners really prefer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Preferences follow the evidence summary (comfort, fit, support for pronated feet,
    /// softer shoes for lighter runners), with weights unlike the baseline's.
    Evidence,
    /// As `evidence`, and the shop's runners also keep low-drop shoes and return high-drop ones.
    LowDrop,
    /// As `evidence`, plus preferences no hand-written feature names: loyalty to the worn
    /// pair's brand, brands that older runners trust, high stacks for heavier runners, and
    /// light shoes for women (see `hidden_preferences`). Only a model that learns its own
    /// runner × shoe interactions can find them.
    ShopPreferences,
}

#[derive(Debug, Clone)]
pub struct SimulationConfig {
    pub sales: usize,
    pub seed: u64,
    pub stores: usize,
    pub scenario: Scenario,
    /// Last sale time; sales spread over `days` before it.
    pub end: DateTime<Utc>,
    pub days: i64,
    /// Runners sold the wrong size often return it for fit. Off by default so the ranking
    /// benches' histories stay as they were; the sizing bench turns it on.
    pub size_returns: bool,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            sales: 2000,
            seed: 7,
            stores: 3,
            scenario: Scenario::Evidence,
            end: Utc.with_ymd_and_hms(2026, 9, 30, 18, 0, 0).single().unwrap_or_else(Utc::now),
            days: 365,
            size_returns: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimulatedSale {
    pub sale_id: String,
    pub fitting: Fitting,
    /// The fitting as compact JSON (only the fields the simulated shop filled in).
    pub fitting_json: String,
    pub store_id: String,
    pub shoe_id: String,
    pub sold_at: DateTime<Utc>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_reason: Option<ReturnReason>,
    pub satisfaction: Option<u8>,
    pub pain_at_follow_up: Option<f64>,
    /// Every shoe tried in the session (the one sold among them), in the order tried.
    pub tried: Vec<TryOn>,
    /// The size sold, EU.
    pub size_eu: Option<f64>,
    /// The size this runner would keep in the sold model (the simulated world's truth, for
    /// evaluating size advice; no shop knows it).
    pub ideal_size_eu: Option<f64>,
}

struct ReferenceRunner {
    age: f64,
    mass_kg: f64,
    eversion_deg: f64,
}

fn reference_runners() -> Vec<ReferenceRunner> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(Cursor::new(GAIT_REFERENCE.as_bytes()))
        .finish();
    let column = |df: &DataFrame, name: &str| -> Vec<f64> {
        df.column(name)
            .and_then(|c| c.cast(&DataType::Float64))
            .map(|c| c.f64().map(|a| a.iter().map(|v| v.unwrap_or(f64::NAN)).collect()).unwrap_or_default())
            .unwrap_or_default()
    };
    let Ok(df) = df else { return Vec::new() };
    let (age, mass, eversion) = (column(&df, "age"), column(&df, "mass_kg"), column(&df, "peak_eversion_stance_deg"));
    (0..age.len())
        .map(|i| ReferenceRunner { age: age[i], mass_kg: mass[i], eversion_deg: eversion[i] })
        .filter(|r| r.age.is_finite() && r.mass_kg.is_finite() && r.eversion_deg.is_finite())
        .collect()
}

fn pick<'a, T>(rng: &mut StdRng, options: &'a [(T, f64)]) -> &'a T {
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut roll = rng.gen::<f64>() * total;
    for (value, weight) in options {
        if roll < *weight {
            return value;
        }
        roll -= weight;
    }
    &options[options.len() - 1].0
}

fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    Normal::new(mean, sd).map(|n| n.sample(rng)).unwrap_or(mean)
}

fn wear_grade(level: f64) -> &'static str {
    match level {
        l if l >= 2.5 => "heavy",
        l if l >= 1.5 => "moderate",
        l if l >= 0.5 => "light",
        _ => "none",
    }
}

fn runner(rng: &mut StdRng, reference: &[ReferenceRunner], catalogue: &Catalogue, store: &str) -> (Fitting, String) {
    let base = &reference[rng.gen_range(0..reference.len())];
    let sex = if rng.gen_bool(0.5) { "female" } else { "male" };
    let mass = (base.mass_kg + normal(rng, 0.0, 3.0) + if sex == "female" { -5.0 } else { 3.0 }).clamp(40.0, 130.0);
    let eversion = (base.eversion_deg + normal(rng, 0.0, 1.0)).clamp(-5.0, 20.0);
    let goal = *pick(rng, &[("daily_training", 45.0), ("long_runs", 25.0), ("racing", 15.0), ("trail", 15.0)]);
    let terrain = if goal == "trail" { "trail" } else { *pick(rng, &[("road", 85.0), ("road_trail", 15.0)]) };
    let weekly = LogNormal::new(30f64.ln(), 0.5).map(|d| d.sample(rng)).unwrap_or(30.0).clamp(5.0, 150.0);
    let mut profile = json!({
        "body_mass_kg": (mass * 10.0).round() / 10.0, "sex": sex,
        "age_years": (base.age + normal(rng, 0.0, 2.0)).clamp(16.0, 80.0).round(),
        "weekly_distance_km": weekly.round(), "goal": goal, "terrain": terrain,
        "width": pick(rng, &[("standard", 75.0), ("wide", 20.0), ("narrow", 5.0)]),
    });
    if let Some(feel) = pick(rng, &[(None, 40.0), (Some("soft"), 30.0), (Some("balanced"), 20.0), (Some("firm"), 10.0)]) {
        profile["preferred_feel"] = json!(feel);
    }
    if rng.gen_bool(0.7) {
        profile["budget_usd"] = json!(rng.gen_range(110..=220) as f64);
    }
    let mut fitting = json!({ "store_id": store, "profile": profile });
    if rng.gen_bool(0.75) {
        let speed = normal(rng, 3.1, 0.4).clamp(2.0, 5.5);
        // Cadence rises with speed: ~169 spm at 2.7 m/s, ~178 at 3.8 m/s.
        let cadence = (147.0 + 8.2 * speed + normal(rng, 0.0, 5.0)).clamp(140.0, 210.0);
        fitting["gait"] = json!({
            "speed_m_s": (speed * 10.0).round() / 10.0, "cadence_spm": cadence.round(),
            "foot_strike": pick(rng, &[("rearfoot", 70.0), ("midfoot", 20.0), ("forefoot", 10.0)]),
            "peak_rearfoot_eversion_deg": (eversion * 10.0).round() / 10.0, "eversion_reference": "standing",
            "contralateral_pelvic_drop_deg": normal(rng, 5.0, 1.8).clamp(0.5, 14.0).round(),
            "ground_contact_time_ms": normal(rng, 250.0, 25.0).clamp(160.0, 340.0).round(),
            "vertical_oscillation_cm": (normal(rng, 8.5, 1.2).clamp(5.0, 13.0) * 10.0).round() / 10.0,
            "left_right_asymmetry_pct": normal(rng, 0.0, 3.0).abs().min(20.0).round()
        });
    }
    if rng.gen_bool(0.6) {
        let medial = ((eversion - 5.0) / 2.5 + normal(rng, 0.0, 0.6)).clamp(0.0, 3.0);
        let lateral = ((4.0 - eversion) / 2.0 + normal(rng, 0.0, 0.6)).clamp(0.0, 3.0);
        let foot = json!({
            "lateral_heel": wear_grade(normal(rng, 1.8, 0.5)), "medial_heel": wear_grade(medial * 0.6),
            "medial_midfoot": wear_grade(medial), "medial_forefoot": wear_grade(medial),
            "lateral_forefoot": wear_grade(lateral), "lateral_midfoot": wear_grade(lateral * 0.7)
        });
        let worn = &catalogue.shoes[rng.gen_range(0..catalogue.shoes.len())];
        let mut wear = json!({
            "left": foot, "right": foot, "midsole_compression": wear_grade(rng.gen_range(0.0..3.0)),
            "distance_on_shoe_km": rng.gen_range(150..1100) as f64,
        });
        wear["worn_shoe_id"] = json!(worn.id);
        fitting["wear"] = wear;
    }
    if rng.gen_bool(0.15) {
        fitting["health"] = json!({"pain": [{
            "location": pick(rng, &[("knee", 35.0), ("shin", 20.0), ("calf_achilles", 20.0), ("heel", 15.0), ("arch", 10.0)]),
            "score_0_10": rng.gen_range(1..=3) as f64, "duration_weeks": rng.gen_range(1..=8) as f64
        }]});
    }
    let json = fitting.to_string();
    (serde_json::from_value(fitting).expect("simulated fittings are built within the validated ranges"), json)
}

/// Preferences of the `ShopPreferences` scenario's runners, in log-odds. Kept out of the
/// feature code on purpose: nothing in `features` names a brand, an age × brand pairing,
/// a stack threshold by mass or a weight preference by sex.
fn hidden_preferences(runner: &RunnerSignals, fitting: &Fitting, shoe: &Shoe) -> f64 {
    let mut u = 0.0;
    if runner.worn.as_ref().is_some_and(|w| w.brand == shoe.brand) {
        u += 1.2;
    }
    if fitting.profile.age_years.is_some_and(|a| a.get() >= 45.0) {
        match shoe.brand.as_str() {
            "Brooks" | "ASICS" | "New Balance" => u += 1.0,
            "Nike" | "Adidas" | "PUMA" => u -= 0.8,
            _ => {}
        }
    }
    if runner.mass_kg >= 85.0 {
        match shoe.heel_stack_mm {
            Some(stack) if stack >= 36.0 => u += 1.0,
            Some(stack) if stack < 32.0 => u -= 1.2,
            _ => {}
        }
    }
    if fitting.profile.sex == Some(Sex::Female) && shoe.weight_g.is_some_and(|w| w < 250.0) {
        u += 0.8;
    }
    u
}

/// The simulated world's true log-odds that `shoe` turns out a good fit for this runner.
pub fn true_utility(runner: &RunnerSignals, fitting: &Fitting, shoe: &Shoe, scenario: Scenario) -> f64 {
    let u = evidence_utility(&pair_features(runner, shoe), scenario);
    if scenario == Scenario::ShopPreferences {
        u + hidden_preferences(runner, fitting, shoe)
    } else {
        u
    }
}

fn evidence_utility(x: &FeatureVector, scenario: Scenario) -> f64 {
    use Feature::*;
    let mut u = 0.8 + 1.2 * x.get(StabilityXPronation) + 0.8 * x.get(MotionControlXMarkedPronation)
        - 1.6 * x.get(MotionControlXNeutral)
        - 0.6 * x.get(StabilityXNeutral)
        + 1.0 * x.get(SoftnessXLight)
        + 0.7 * x.get(FeelAgreement)
        - 2.5 * x.get(WidthUnavailable)
        + 1.5 * (x.get(TerrainFit) - 1.0)
        - 0.35 * x.get(DropChangeExcessMm)
        - 3.0 * x.get(OverBudget)
        + 0.5 * x.get(GoalFit)
        - 0.6 * x.get(PlatedXNotRacing);
    if scenario == Scenario::LowDrop {
        // Each cm of drop above 6 mm costs 2 log-odds; lower drops gain.
        u -= 2.0 * (x.get(DropCm) - 0.6);
    }
    u
}

/// What the simulated staff hand over: any shoe that suits the terrain, width and budget
/// (staff judgement, not this service's ranking, so the history is not biased towards the
/// baseline), and now and then any shoe at all.
fn staff_choice<'a>(rng: &mut StdRng, runner: &RunnerSignals, catalogue: &'a Catalogue) -> &'a Shoe {
    let suitable: Vec<&Shoe> = catalogue
        .shoes
        .iter()
        .filter(|s| {
            s.terrain.suitability_for(runner.terrain) > 0.0
                && s.offers_width(runner.width)
                && runner.budget_usd.is_none_or(|b| s.price_usd.is_none_or(|p| p <= b * 1.1))
        })
        .collect();
    if suitable.is_empty() || rng.gen_bool(0.15) {
        return &catalogue.shoes[rng.gen_range(0..catalogue.shoes.len())];
    }
    suitable[rng.gen_range(0..suitable.len())]
}

/// Simulated runners (fittings only), for evaluating against true utilities.
pub fn runners(catalogue: &Catalogue, count: usize, seed: u64) -> Vec<Fitting> {
    let mut rng = StdRng::seed_from_u64(seed);
    let reference = reference_runners();
    (0..count).map(|i| runner(&mut rng, &reference, catalogue, &format!("S{}", 1 + i % 3)).0).collect()
}

/// How many shoes staff hand over in a session (each a distinct model).
fn tried_count(rng: &mut StdRng) -> usize {
    *pick(rng, &[(2usize, 15.0), (3, 35.0), (4, 30.0), (5, 20.0)])
}

/// A comfort rating and observations the fitter would note, from how the shoe felt.
fn try_on_notes(rng: &mut StdRng, felt: f64, runner: &RunnerSignals, shoe: &Shoe) -> (Option<Satisfaction>, Vec<FitObservation>) {
    let comfort = (3.0 + felt * 0.8 + normal(rng, 0.0, 0.6)).round().clamp(1.0, 5.0) as i64;
    let mut notes = Vec::new();
    if !shoe.offers_width(runner.width) {
        notes.push(FitObservation::TooNarrow);
    }
    if comfort >= 4 && notes.is_empty() && rng.gen_bool(0.3) {
        notes.push(FitObservation::FeltGood);
    }
    if comfort <= 2 && rng.gen_bool(0.5) {
        notes.push(*pick(rng, &[(FitObservation::TooFirm, 1.0), (FitObservation::HeelSlip, 1.0), (FitObservation::FeltUnstable, 1.0)]));
    }
    (rng.gen_bool(0.8).then(|| Satisfaction::new(comfort).ok()).flatten(), notes)
}

pub fn simulate(catalogue: &Catalogue, config: &SimulationConfig) -> Vec<SimulatedSale> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let reference = reference_runners();
    let noise = Normal::new(0.0, 0.7).expect("valid normal");
    let mut size_rng = StdRng::seed_from_u64(config.seed ^ 0x51ce_5eed);
    // One simulated world: every history and every test set shares its models' true fit.
    let sizing = SizingWorld::new(catalogue, 0);
    let span_secs = (config.days * 86_400).max(1);
    let mut sales: Vec<SimulatedSale> = (0..config.sales)
        .map(|i| {
            let store = format!("S{}", 1 + i % config.stores.max(1));
            let (fitting, fitting_json) = runner(&mut rng, &reference, catalogue, &store);
            let signals = RunnerSignals::from_fitting(&fitting, catalogue);
            // Staff hand over a few shoes; the runner buys the one that feels best (true
            // utility plus in-store noise) and keeps it or not (true utility plus later noise).
            let mut handed: Vec<&Shoe> = Vec::new();
            for _ in 0..tried_count(&mut rng) * 3 {
                let shoe = staff_choice(&mut rng, &signals, catalogue);
                if !handed.iter().any(|s| s.id == shoe.id) {
                    handed.push(shoe);
                }
                if handed.len() >= 5 {
                    break;
                }
            }
            let felt: Vec<f64> = handed
                .iter()
                .map(|s| true_utility(&signals, &fitting, s, config.scenario) + noise.sample(&mut rng))
                .collect();
            let best = (0..handed.len()).max_by(|&a, &b| felt[a].total_cmp(&felt[b])).unwrap_or(0);
            let shoe = handed[best];
            // Sizes come from their own random stream, so the ranking draws above and below
            // are the same with or without them.
            let foot = sizing.foot(&mut size_rng, &fitting);
            let (fitting, fitting_json) = sizing.measured(&mut size_rng, fitting, fitting_json, &foot);
            let mut sold_size = None;
            let mut ideal = None;
            let tried = handed
                .iter()
                .zip(&felt)
                .map(|(s, f)| {
                    let (comfort, mut observations) = try_on_notes(&mut rng, *f, &signals, s);
                    let fit = sizing.try_on(&mut size_rng, &foot, s);
                    for o in fit.observations {
                        if !observations.contains(&o) {
                            observations.push(o);
                        }
                    }
                    if s.id == shoe.id {
                        sold_size = fit.sold_eu;
                        ideal = fit.ideal_eu;
                    }
                    TryOn { shoe_id: s.id.clone(), size_eu: fit.tried_eu.and_then(|e| ShoeSizeEu::try_from(e).ok()), comfort_1_5: comfort, observations }
                })
                .collect();
            let u = true_utility(&signals, &fitting, shoe, config.scenario) + noise.sample(&mut rng);
            let good = rng.gen::<f64>() < sigmoid(u);
            let sold_at = config.end - Duration::seconds(rng.gen_range(0..span_secs));
            let mut sale = SimulatedSale {
                sale_id: format!("SIM-{}-{i:07}", config.seed),
                fitting,
                fitting_json,
                store_id: store,
                shoe_id: shoe.id.clone(),
                sold_at,
                returned_at: None,
                return_reason: None,
                satisfaction: None,
                pain_at_follow_up: None,
                tried,
                size_eu: sold_size,
                ideal_size_eu: ideal,
            };
            let wrong_size = sold_size.is_some() && ideal.is_some() && sold_size != ideal;
            if config.size_returns && wrong_size && size_rng.gen_bool(0.6) {
                sale.returned_at = Some(sold_at + Duration::days(size_rng.gen_range(2..20)));
                sale.return_reason = Some(ReturnReason::Fit);
            } else if good {
                sale.satisfaction = rng.gen_bool(0.7).then(|| if rng.gen_bool(0.6) { 5 } else { 4 });
            } else if rng.gen_bool(0.55) {
                sale.returned_at = Some(sold_at + Duration::days(rng.gen_range(3..25)));
                sale.return_reason =
                    Some(*pick(&mut rng, &[(ReturnReason::Comfort, 40.0), (ReturnReason::Fit, 30.0), (ReturnReason::Pain, 20.0), (ReturnReason::Other, 10.0)]));
            } else if rng.gen_bool(0.7) {
                sale.satisfaction = Some(rng.gen_range(1..=2));
            } else {
                sale.pain_at_follow_up = Some(rng.gen_range(4..=7) as f64);
            }
            sale
        })
        .collect();
    sales.sort_by_key(|s| s.sold_at);
    sales
}

/// The sales as an outcome-import table (see README for the columns).
pub fn to_frame(sales: &[SimulatedSale]) -> PolarsResult<DataFrame> {
    df!(
        "sale_id" => sales.iter().map(|s| s.sale_id.as_str()).collect::<Vec<_>>(),
        "store_id" => sales.iter().map(|s| s.store_id.as_str()).collect::<Vec<_>>(),
        "shoe_id" => sales.iter().map(|s| s.shoe_id.as_str()).collect::<Vec<_>>(),
        "sold_at" => sales.iter().map(|s| crate::time::rfc3339_secs(s.sold_at)).collect::<Vec<_>>(),
        "returned_at" => sales.iter().map(|s| s.returned_at.map(crate::time::rfc3339_secs)).collect::<Vec<_>>(),
        "return_reason" => sales.iter().map(|s| s.return_reason.map(|r| r.as_str())).collect::<Vec<_>>(),
        "satisfaction" => sales.iter().map(|s| s.satisfaction.map(|v| v as i64)).collect::<Vec<_>>(),
        "pain_at_follow_up_0_10" => sales.iter().map(|s| s.pain_at_follow_up).collect::<Vec<_>>(),
        "fitting" => sales.iter().map(|s| s.fitting_json.as_str()).collect::<Vec<_>>(),
        "try_ons" => sales.iter().map(|s| serde_json::to_string(&s.tried).unwrap_or_default()).collect::<Vec<_>>(),
        "synthetic" => sales.iter().map(|_| true).collect::<Vec<bool>>(),
        "size_eu" => sales.iter().map(|s| s.size_eu).collect::<Vec<_>>(),
    )
}

pub fn write_csv(sales: &[SimulatedSale], out: &mut impl std::io::Write) -> PolarsResult<()> {
    CsvWriter::new(out).include_header(true).finish(&mut to_frame(sales)?)
}

pub fn write_parquet(sales: &[SimulatedSale], out: &mut impl std::io::Write) -> PolarsResult<()> {
    ParquetWriter::new(out).finish(&mut to_frame(sales)?).map(|_| ())
}

/// The sales as training records, without going through a file or the database.
pub fn to_records(sales: &[SimulatedSale], as_of: DateTime<Utc>) -> Vec<crate::training::SaleRecord> {
    sales
        .iter()
        .map(|s| crate::training::SaleRecord {
            session_key: s.sale_id.clone(),
            fitting: std::sync::Arc::new(s.fitting.clone()),
            store_id: Some(s.store_id.clone()),
            sale_id: s.sale_id.clone(),
            shoe_id: s.shoe_id.clone(),
            sold_at: s.sold_at,
            label: crate::outcomes::label(s.sold_at, s.returned_at.is_some(), s.satisfaction, s.pain_at_follow_up, as_of),
            tried: std::sync::Arc::new(s.tried.clone()),
            synthetic: true,
            size_eu: s.size_eu,
            return_reason: s.return_reason,
        })
        .collect()
}

/// The simulated world's sizing (SYNTHETIC): every model's true fit against its brand's
/// chart (some run short, some long, some narrow), runners' true feet, and how a shop that
/// sizes by the chart alone hands over, notices and sells sizes.
pub struct SizingWorld {
    charts: &'static crate::sizing::SizeCharts,
    /// Per shoe: true length offset (mm, positive = runs short) and whether it runs narrow.
    pub offsets: std::collections::HashMap<String, TrueFit>,
}

/// A model's true fit in the simulated world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrueFit {
    pub length_mm: f64,
    pub narrow: bool,
}

/// A runner's true feet.
#[derive(Debug, Clone, Copy)]
pub struct TrueFoot {
    pub length_mm: f64,
    pub measured_mm: Option<f64>,
    pub width_ratio: f64,
    pub kind: crate::sizing::chart::ChartKind,
}

/// What happened with sizes when one model was tried.
pub struct SizedTryOn {
    pub tried_eu: Option<f64>,
    pub sold_eu: Option<f64>,
    pub ideal_eu: Option<f64>,
    pub observations: Vec<FitObservation>,
}

impl SizingWorld {
    /// Brand offsets sd 2.5 mm, models within a brand sd 3.5 mm more (up to about a full size
    /// apart, as 3D scans matched to purchases found: Jurca & Džeroski 2021); one model in
    /// five runs narrow.
    pub fn new(catalogue: &Catalogue, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x000f_f5e7);
        let mut brands: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
        let mut offsets = std::collections::HashMap::new();
        for shoe in &catalogue.shoes {
            let brand = *brands.entry(shoe.brand.clone()).or_insert_with(|| normal(&mut rng, 0.0, 2.5));
            let length_mm = brand + normal(&mut rng, 0.0, 3.5);
            offsets.insert(shoe.id.clone(), TrueFit { length_mm, narrow: rng.gen_bool(0.2) });
        }
        Self { charts: crate::sizing::SizeCharts::bundled(), offsets }
    }

    /// A runner's feet: about 268 ± 12 mm for men and 243 ± 11 mm for women; four in five
    /// measured in store (to 1 mm ± 1 mm).
    pub fn foot(&self, rng: &mut StdRng, fitting: &Fitting) -> TrueFoot {
        let kind = crate::sizing::offsets::chart_kind(fitting);
        let (mean, ratio) = match kind {
            crate::sizing::chart::ChartKind::Women => (243.0, 0.38),
            crate::sizing::chart::ChartKind::Men => (268.0, 0.39),
        };
        let sd = if kind == crate::sizing::chart::ChartKind::Women { 11.0 } else { 12.0 };
        let length_mm = normal(rng, mean, sd).clamp(215.0, 305.0);
        let measured_mm = rng.gen_bool(0.8).then(|| (length_mm + normal(rng, 0.0, 1.0)).round());
        TrueFoot { length_mm, measured_mm, width_ratio: normal(rng, ratio, 0.015), kind }
    }

    /// The fitting with its feet as measured (both feet; the other foot a few mm shorter).
    pub fn measured(&self, rng: &mut StdRng, mut fitting: Fitting, json: String, foot: &TrueFoot) -> (Fitting, String) {
        let Some(mm) = foot.measured_mm else { return (fitting, json) };
        let other = (mm - normal(rng, 2.0, 2.0).abs()).round();
        let width = (mm * foot.width_ratio).round();
        let feet = json!({
            "left": {"length_mm": other, "width_mm": (other * foot.width_ratio).round()},
            "right": {"length_mm": mm, "width_mm": width},
            "method": "scanner"
        });
        let Ok(parsed) = serde_json::from_value(feet.clone()) else { return (fitting, json) };
        fitting.feet = Some(parsed);
        let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        doc["feet"] = feet;
        (fitting, doc.to_string())
    }

    /// The size this runner keeps in a model: the chart row nearest the true foot plus the
    /// model's true offset.
    pub fn ideal_eu(&self, foot: &TrueFoot, shoe: &Shoe) -> Option<f64> {
        let chart = self.charts.brand(&shoe.brand)?;
        let offset = self.offsets.get(&shoe.id).map(|o| o.length_mm).unwrap_or(0.0);
        chart.nearest_row(foot.kind, foot.length_mm + offset).map(|(_, r)| r.eu)
    }

    /// A shop sizing by the chart alone: the chart's size for the measured foot (or the
    /// runner's own guess, within about a size, when not measured); the runner says "too
    /// short" or "too long" three times in four when it is half a size off (always when more),
    /// and is then sold the right size.
    pub fn try_on(&self, rng: &mut StdRng, foot: &TrueFoot, shoe: &Shoe) -> SizedTryOn {
        let none = SizedTryOn { tried_eu: None, sold_eu: None, ideal_eu: None, observations: Vec::new() };
        let Some(chart) = self.charts.brand(&shoe.brand) else { return none };
        let Some(ideal) = self.ideal_eu(foot, shoe) else { return none };
        let guess = foot.measured_mm.unwrap_or_else(|| foot.length_mm + normal(rng, 0.0, 4.0));
        let Some((_, row)) = chart.nearest_row(foot.kind, guess) else { return none };
        let tried = row.eu;
        let mut observations = Vec::new();
        // Half a size off goes unnoticed now and then; a full size off almost never.
        let steps_off = chart.table(foot.kind).iter().filter(|r| (r.eu - tried) * (r.eu - ideal) < 0.0).count() + 1;
        let noticed = tried != ideal && rng.gen_bool(if steps_off >= 2 { 0.98 } else { 0.75 });
        if tried < ideal && noticed {
            observations.push(FitObservation::TooShort);
        } else if tried > ideal && noticed {
            observations.push(if rng.gen_bool(0.7) { FitObservation::TooLong } else { FitObservation::HeelSlip });
        }
        let narrow = self.offsets.get(&shoe.id).is_some_and(|o| o.narrow);
        if narrow && foot.width_ratio > 0.385 && rng.gen_bool(0.6) {
            observations.push(FitObservation::TooNarrow);
        }
        let sold = if noticed { ideal } else { tried };
        SizedTryOn { tried_eu: Some(tried), sold_eu: Some(sold), ideal_eu: Some(ideal), observations }
    }
}
