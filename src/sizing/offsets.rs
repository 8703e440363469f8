//! Learned per-model size offsets: how much longer (or shorter) than its brand's chart a
//! model fits, learned from the shop's own records of measured feet with the sizes they
//! tried, bought, kept and returned. Each estimate is a posterior mean under a normal prior
//! centred on the brand's offset (the brand's on zero), so a model with few records stays
//! near its brand and a brand with few near zero.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::chart::{ChartKind, SizeCharts, SizeSystem};
use crate::catalogue::Catalogue;
use crate::outcomes::{FitObservation, ReturnReason, TryOn};
use crate::training::SaleRecord;

/// Records' worth of belief in the brand's width remark rate when estimating a model's, and
/// in zero when estimating a brand's.
pub const MODEL_PRIOR_RECORDS: f64 = 10.0;
pub const BRAND_PRIOR_RECORDS: f64 = 20.0;

/// What one record says about a model's length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LengthEvidence {
    /// Bought in this size and kept: the size fitted.
    Kept,
    /// Tried in this size and it felt right.
    FittedWell,
    /// Tried (or bought and returned for fit) and too short: the fitting size is larger.
    TooShort,
    TooLong,
}

/// What a record says about a model's offset `o` (mm), given `x` = the size's chart length
/// minus the foot: a kept size puts `o` within half a step of `x`; a too-short size says the
/// fitting size is at least one larger, so `o` is above `x` + half a step (a too-long one,
/// below `x` − half a step).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Within { x: f64, half_step: f64 },
    AtLeast(f64),
    AtMost(f64),
}

impl LengthEvidence {
    fn weight_and_bound(self, x: f64, step: f64) -> (f64, Bound) {
        match self {
            LengthEvidence::Kept => (
                1.0,
                Bound::Within {
                    x,
                    half_step: step / 2.0,
                },
            ),
            LengthEvidence::FittedWell => (
                0.5,
                Bound::Within {
                    x,
                    half_step: step / 2.0,
                },
            ),
            LengthEvidence::TooShort => (0.5, Bound::AtLeast(x + step / 2.0)),
            LengthEvidence::TooLong => (0.5, Bound::AtMost(x - step / 2.0)),
        }
    }
}

/// Foot measurements (±1 mm) and how a size feels blur every bound by about this much.
const BLUR_MM: f64 = 1.5;
/// Share of records that say nothing true about length (a wrong size kept anyway, a
/// remark about something else): no single record can drag an estimate far.
const STRAY: f64 = 0.1;
/// How far a model strays from its brand's offset, and a brand from zero, before the
/// records say otherwise (the prior's standard deviations).
const MODEL_PRIOR_SD_MM: f64 = 4.0;
const BRAND_PRIOR_SD_MM: f64 = 4.0;

/// Standard normal CDF (erfc approximation with relative error below 1.2e-7, Numerical Recipes).
fn phi(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398
                                + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

fn likelihood(bound: Bound, o: f64) -> f64 {
    let p = match bound {
        Bound::Within { x, half_step } => {
            phi((x + half_step - o) / BLUR_MM) - phi((x - half_step - o) / BLUR_MM)
        }
        Bound::AtLeast(b) => phi((o - b) / BLUR_MM),
        Bound::AtMost(b) => phi((b - o) / BLUR_MM),
    };
    STRAY + (1.0 - STRAY) * p
}

/// The posterior mean offset (mm) over a grid from −25 to +25 mm: each record's likelihood
/// (weighted) times a normal prior, so few records leave the estimate near the prior.
fn posterior_mean(records: impl Iterator<Item = (f64, Bound)>, prior_mm: f64, prior_sd_mm: f64) -> f64 {
    let grid: Vec<f64> = (0..=200).map(|i| -25.0 + 0.25 * f64::from(i)).collect();
    let log_likelihood = log_likelihood_sums(records, &grid);
    let log_post: Vec<f64> = grid
        .iter()
        .zip(&log_likelihood)
        .map(|(&o, &sum)| {
            let z = (o - prior_mm) / prior_sd_mm;
            -0.5 * z * z + sum
        })
        .collect();
    let top = log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut num, mut den) = (0.0, 0.0);
    for (o, lp) in grid.iter().zip(&log_post) {
        let p = (lp - top).exp();
        num += p * o;
        den += p;
    }
    if den > 0.0 {
        num / den
    } else {
        prior_mm
    }
}

/// Distinct (weight, bound) pairs whose terms are kept: measured feet come in whole
/// millimetres and sizes in chart steps, so a brand's records hold a few thousand at most;
/// past this, terms are computed for each record (the same sums, only slower).
const KEPT_TERMS: usize = 20_000;

/// At each grid point, the sum over the records, in their order, of each record's weighted
/// log likelihood. Each distinct record's terms are computed once (a million records hold a
/// few thousand): each sum adds the same terms in the same order as summing record by
/// record, so it is the same to the bit.
fn log_likelihood_sums(records: impl Iterator<Item = (f64, Bound)>, grid: &[f64]) -> Vec<f64> {
    let terms_of = |w: f64, b: Bound| -> Vec<f64> { grid.iter().map(|&o| w * likelihood(b, o).ln()).collect() };
    let mut kept: HashMap<[u64; 4], Vec<f64>> = HashMap::new();
    // `Sum` for f64 starts from −0.0.
    let mut sums = vec![-0.0; grid.len()];
    for (w, b) in records {
        let key = term_key(w, b);
        let fresh;
        let terms = match kept.get(&key) {
            Some(t) => t,
            None if kept.len() < KEPT_TERMS => kept.entry(key).or_insert(terms_of(w, b)),
            None => {
                fresh = terms_of(w, b);
                &fresh
            }
        };
        for (sum, t) in sums.iter_mut().zip(terms) {
            *sum += t;
        }
    }
    sums
}

/// A record's weight and bound, bit for bit.
fn term_key(w: f64, b: Bound) -> [u64; 4] {
    match b {
        Bound::Within { x, half_step } => [0, w.to_bits(), x.to_bits(), half_step.to_bits()],
        Bound::AtLeast(v) => [1, w.to_bits(), v.to_bits(), 0],
        Bound::AtMost(v) => [2, w.to_bits(), v.to_bits(), 0],
    }
}

/// One measured foot in one size of one model, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeRecord {
    pub shoe_id: String,
    pub foot_mm: f64,
    pub kind: ChartKind,
    pub size_eu: f64,
    pub length: Option<LengthEvidence>,
    /// +1 too narrow, −1 too wide, 0 neither (only from try-ons with a width remark).
    pub width: Option<f64>,
}

/// A model's learned fit against its brand's chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"length_mm": 4.1, "width": 0.2, "records": 38, "brand_length_mm": 1.2, "brand_records": 310}))]
pub struct ModelOffset {
    /// Millimetres to add to a foot's length before reading the brand's chart: positive
    /// means the model runs short (size up), negative that it runs long.
    pub length_mm: f64,
    /// −1 (runs wide) to +1 (runs narrow), shrunk like the length.
    pub width: f64,
    /// Records (weighted) behind the model's own estimate.
    pub records: f64,
    pub brand_length_mm: f64,
    pub brand_records: f64,
}

/// Every model's offset, as the last training left them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SizeOffsets {
    pub shoes: HashMap<String, ModelOffset>,
    pub brands: HashMap<String, (f64, f64)>,
}

impl SizeOffsets {
    /// The offset to use for a shoe: its own, else its brand's, else none.
    pub fn for_shoe(&self, shoe_id: &str, brand: &str) -> Option<ModelOffset> {
        self.shoes.get(shoe_id).copied().or_else(|| {
            super::chart::with_lowercase(brand, |key| self.brands.get(key))
                .map(|&(mm, n)| ModelOffset {
                    length_mm: mm,
                    width: 0.0,
                    records: 0.0,
                    brand_length_mm: mm,
                    brand_records: n,
                })
        })
    }
}

/// How to pool records: with the brand as prior (the service's choice) or straight toward zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prior {
    Brand,
    Zero,
}

/// One record as `learn` reads it, whether held as a `SizeRecord` or gathered compactly.
struct Observed<'a> {
    shoe_id: &'a str,
    foot_mm: f64,
    kind: ChartKind,
    size_eu: f64,
    length: Option<LengthEvidence>,
    width: Option<f64>,
}

/// Learns offsets from records (see module docs). Records of shoes or brands missing from
/// the catalogue or the charts are skipped.
pub fn learn(
    records: &[SizeRecord],
    catalogue: &Catalogue,
    charts: &SizeCharts,
    prior: Prior,
) -> SizeOffsets {
    let observed = |i: usize| {
        let r = &records[i];
        Observed {
            shoe_id: &r.shoe_id,
            foot_mm: r.foot_mm,
            kind: r.kind,
            size_eu: r.size_eu,
            length: r.length,
            width: r.width,
        }
    };
    learn_observed(records.len(), observed, catalogue, charts, prior)
}

/// A model's records as `learn_observed` pools them.
struct ModelRecords<'c> {
    id: &'c str,
    brand: &'c str,
    chart: &'c super::chart::BrandChart,
    /// Its length records, by their index (`learn_observed`'s `lengths[start..end]`).
    lengths: std::ops::Range<usize>,
    /// Count and sum of its width remarks.
    n_width: f64,
    width_sum: f64,
}

/// `learn`, with the records read by index (the `len` of them, in index order). Each model's
/// length records are kept as their indices (4 bytes each, in one array sized exactly) and
/// their bounds computed again as they are summed: a million records' bounds held per model
/// took 32 bytes each, grown by doubling, beside the size evidence itself.
fn learn_observed<'a, 'c>(
    len: usize,
    record: impl Fn(usize) -> Observed<'a>,
    catalogue: &'c Catalogue,
    charts: &'c SizeCharts,
    prior: Prior,
) -> SizeOffsets {
    // A record's weighted bound on its model's offset, if it says something of the length.
    let bound = |r: &Observed, chart: &super::chart::BrandChart| {
        let evidence = r.length?;
        let size_mm = chart.foot_length_mm(SizeSystem::Eu, r.size_eu, r.kind)?;
        Some(evidence.weight_and_bound(size_mm - r.foot_mm, chart.step_mm(r.kind)))
    };
    // Per shoe, in the order first met: its records' width remarks, and how many length
    // records it has; each record's model, by that order.
    let mut models: Vec<ModelRecords> = Vec::new();
    let mut model_of: HashMap<&str, u32> = HashMap::new();
    let mut counted: Vec<usize> = Vec::new();
    for i in 0..len {
        let r = record(i);
        let Some(shoe) = catalogue.shoe(r.shoe_id) else {
            continue;
        };
        let Some(chart) = charts.brand(&shoe.brand) else {
            continue;
        };
        let m = *model_of.entry(shoe.id.as_str()).or_insert_with(|| {
            models.push(ModelRecords {
                id: shoe.id.as_str(),
                brand: shoe.brand.as_str(),
                chart,
                lengths: 0..0,
                n_width: 0.0,
                width_sum: 0.0,
            });
            counted.push(0);
            models.len() as u32 - 1
        }) as usize;
        if bound(&r, chart).is_some() {
            counted[m] += 1;
        }
        if let Some(width) = r.width {
            models[m].n_width += 1.0;
            models[m].width_sum += width;
        }
    }
    // Each model's length records' indices in one array, in record order within a model.
    let mut next = 0;
    for (model, n) in models.iter_mut().zip(&counted) {
        model.lengths = next..next;
        next += n;
    }
    let mut lengths = vec![0u32; next];
    for i in 0..len {
        let r = record(i);
        let Some(&m) = model_of.get(r.shoe_id) else {
            continue;
        };
        let model = &mut models[m as usize];
        if bound(&r, model.chart).is_some() {
            lengths[model.lengths.end] = i as u32;
            model.lengths.end += 1;
        }
    }
    drop((model_of, counted));
    let (record, bound, lengths) = (&record, &bound, &lengths);
    // A model's weighted bounds, in record order.
    let bounds = |model: &ModelRecords<'c>| {
        let chart = model.chart;
        lengths[model.lengths.clone()].iter().filter_map(move |&i| bound(&record(i as usize), chart))
    };
    // Brands pool their models' records, shrunk toward zero; the models in id order, so the
    // pooled sums (and the offsets) are the same from run to run.
    let mut by_id: Vec<&ModelRecords> = models.iter().collect();
    by_id.sort_unstable_by_key(|m| m.id);
    let mut brand_models: HashMap<String, Vec<&ModelRecords>> = HashMap::new();
    for model in by_id {
        brand_models.entry(model.brand.to_lowercase()).or_default().push(model);
    }
    let brands: HashMap<String, (f64, f64, f64)> = brand_models
        .into_iter()
        .map(|(brand, models)| {
            let pooled = || models.iter().flat_map(|m| bounds(m));
            let n = pooled().map(|(w, _)| w).sum();
            let mm = posterior_mean(pooled(), 0.0, BRAND_PRIOR_SD_MM);
            let n_width: f64 = models.iter().fold(0.0, |a, m| a + m.n_width);
            let width_sum: f64 = models.iter().fold(0.0, |a, m| a + m.width_sum);
            (brand, (mm, n, width_sum / (n_width + BRAND_PRIOR_RECORDS)))
        })
        .collect();
    let shoes = models
        .iter()
        .map(|model| {
            let (brand_mm, brand_n, brand_width) = match prior {
                Prior::Brand => brands
                    .get(&model.brand.to_lowercase())
                    .copied()
                    .unwrap_or((0.0, 0.0, 0.0)),
                Prior::Zero => (0.0, 0.0, 0.0),
            };
            let records = bounds(model).map(|(w, _)| w).sum();
            let length_mm = posterior_mean(bounds(model), brand_mm, MODEL_PRIOR_SD_MM);
            let width = (model.width_sum + MODEL_PRIOR_RECORDS * brand_width)
                / (model.n_width + MODEL_PRIOR_RECORDS);
            (
                model.id.to_owned(),
                ModelOffset {
                    length_mm,
                    width,
                    records,
                    brand_length_mm: brand_mm,
                    brand_records: brand_n,
                },
            )
        })
        .collect();
    SizeOffsets {
        shoes,
        brands: brands
            .into_iter()
            .map(|(b, (mm, n, _))| (b, (mm, n)))
            .collect(),
    }
}

/// The chart a runner's sizes are read in: women's for women, men's otherwise.
pub fn chart_kind(fitting: &crate::fitting::Fitting) -> ChartKind {
    match fitting.profile.sex {
        Some(crate::fitting::Sex::Female) => ChartKind::Women,
        _ => ChartKind::Men,
    }
}

/// A runner's measured foot as sizes read it: the deciding (longer) foot in the runner's chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredFoot {
    pub length_mm: f64,
    pub kind: ChartKind,
}

impl MeasuredFoot {
    /// None when the fitting measured no foot (its sales then say nothing about sizes).
    pub fn of(fitting: &crate::fitting::Fitting) -> Option<Self> {
        let (_, foot) = fitting.feet.as_ref()?.deciding_foot()?;
        Some(Self {
            length_mm: foot.length_mm.get(),
            kind: chart_kind(fitting),
        })
    }
}

/// What one try-on says about sizes, whatever the runner's foot: a stream of sales keeps
/// this for each session in place of its try-ons (16 bytes each).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriedSize {
    /// EU; NaN when the try-on recorded no size (a stored size is never NaN).
    size_eu: f64,
    /// The shoe, as `SizeEvidence` numbers the ids it has met.
    shoe: u32,
    length: Option<LengthEvidence>,
    /// +1 too narrow, −1 too wide, 0 neither.
    width: Option<i8>,
    /// What a return for fit of this shoe says about its length.
    returned: Option<LengthEvidence>,
}

/// One sale as the size offsets read it.
#[derive(Debug, Clone, Copy)]
pub struct SoldSize<'a> {
    pub shoe_id: &'a str,
    pub size_eu: Option<f64>,
    pub return_reason: Option<ReturnReason>,
    /// The sale's outcome (true = a good fit), as training labels it.
    pub label: Option<bool>,
}

/// Size records from training's sales: each session's try-ons with a size, and each sale
/// with a size, of runners whose feet were measured.
pub fn records_from_sales(sales: &[SaleRecord]) -> Vec<SizeRecord> {
    let mut evidence = SizeEvidence::default();
    sales.iter().for_each(|sale| evidence.add(sale));
    evidence.into_records()
}

/// A size record as gathered: the shoe by the number `SizeEvidence` gave its id.
#[derive(Debug, Clone, Copy)]
struct Gathered {
    foot_mm: f64,
    size_eu: f64,
    shoe: u32,
    kind: ChartKind,
    length: Option<LengthEvidence>,
    /// −1, 0 or +1 (a width remark), exactly as the `f64` a `SizeRecord` holds.
    width: Option<i8>,
}

/// Size records gathered one sale at a time, so that a stream of sales (a million stored
/// ones) is never held whole: only the records (24 bytes each) and the sessions already
/// seen are kept.
#[derive(Debug, Default)]
pub struct SizeEvidence {
    records: Vec<Gathered>,
    /// Every shoe id met, by its number.
    shoe_ids: Vec<String>,
    numbers: HashMap<String, u32>,
    /// A session's try-ons count once, however many of its sales arrive.
    seen_sessions: std::collections::HashSet<String>,
}

impl SizeEvidence {
    /// Room for this many more records, so that a stream of sales does not grow them step by
    /// step (room never written is not resident).
    pub fn reserve(&mut self, records: usize) {
        self.records.reserve_exact(records);
    }

    /// Adds a sale held whole: its session's try-ons the first time the session is met, then
    /// the sale itself.
    pub fn add(&mut self, sale: &SaleRecord) {
        let Some(foot) = MeasuredFoot::of(&sale.fitting) else {
            return;
        };
        let first = self.seen_sessions.insert(sale.session_key.clone());
        let mut tried = Vec::new();
        if first || sale.return_reason == Some(ReturnReason::Fit) {
            self.tried(&sale.tried, &mut tried);
        }
        if first {
            self.add_session(foot, &tried);
        }
        let sold = SoldSize {
            shoe_id: &sale.shoe_id,
            size_eu: sale.size_eu,
            return_reason: sale.return_reason,
            label: sale.label,
        };
        self.add_sale(foot, sold, &tried);
    }

    /// What a session's try-ons say about sizes, in the order tried, added to `out`.
    pub fn tried(&mut self, try_ons: &[TryOn], out: &mut Vec<TriedSize>) {
        out.extend(try_ons.iter().map(|t| self.tried_size(t)));
    }

    fn tried_size(&mut self, t: &TryOn) -> TriedSize {
        let has = |o: FitObservation| t.observations.contains(&o);
        let length = if has(FitObservation::TooShort) {
            Some(LengthEvidence::TooShort)
        } else if has(FitObservation::TooLong) {
            Some(LengthEvidence::TooLong)
        } else if has(FitObservation::FeltGood) {
            Some(LengthEvidence::FittedWell)
        } else {
            None
        };
        let width = if has(FitObservation::TooNarrow) || has(FitObservation::ToeBoxTight) {
            Some(1)
        } else if has(FitObservation::TooWide) {
            Some(-1)
        } else {
            length.map(|_| 0)
        };
        // A return for fit says the size was wrong; the direction comes from the try-on.
        let returned = if has(FitObservation::TooLong) || has(FitObservation::HeelSlip) {
            Some(LengthEvidence::TooLong)
        } else if has(FitObservation::TooShort) {
            Some(LengthEvidence::TooShort)
        } else {
            None
        };
        TriedSize {
            shoe: self.number(&t.shoe_id),
            size_eu: t.size_eu.map_or(f64::NAN, |s| s.get()),
            length,
            width,
            returned,
        }
    }

    fn number(&mut self, shoe_id: &str) -> u32 {
        if let Some(&n) = self.numbers.get(shoe_id) {
            return n;
        }
        let n = self.shoe_ids.len() as u32;
        self.shoe_ids.push(shoe_id.to_owned());
        self.numbers.insert(shoe_id.to_owned(), n);
        n
    }

    /// A session's try-ons with a size and a remark, once per session (a stream of sales
    /// calls it for the first sale it meets of each session).
    pub fn add_session(&mut self, foot: MeasuredFoot, tried: &[TriedSize]) {
        for t in tried {
            if t.size_eu.is_nan() {
                continue;
            }
            if t.length.is_some() || t.width.is_some() {
                self.records.push(Gathered {
                    foot_mm: foot.length_mm,
                    size_eu: t.size_eu,
                    shoe: t.shoe,
                    kind: foot.kind,
                    length: t.length,
                    width: t.width,
                });
            }
        }
    }

    /// A sale with a size: kept, it fitted; returned for fit, its try-on tells which way.
    pub fn add_sale(&mut self, foot: MeasuredFoot, sale: SoldSize, tried: &[TriedSize]) {
        let Some(size_eu) = sale.size_eu else {
            return;
        };
        let length = match (sale.return_reason, sale.label) {
            (None, Some(true)) => Some(LengthEvidence::Kept),
            (Some(ReturnReason::Fit), _) => self.numbers.get(sale.shoe_id).and_then(|&shoe| {
                tried.iter().find(|t| t.shoe == shoe).and_then(|t| t.returned)
            }),
            _ => None,
        };
        if length.is_some() {
            let shoe = self.number(sale.shoe_id);
            self.records.push(Gathered {
                foot_mm: foot.length_mm,
                size_eu,
                shoe,
                kind: foot.kind,
                length,
                width: None,
            });
        }
    }

    fn observed(&self) -> impl Iterator<Item = Observed<'_>> {
        (0..self.records.len()).map(|i| self.observed_at(i))
    }

    fn observed_at(&self, i: usize) -> Observed<'_> {
        let r = &self.records[i];
        Observed {
            shoe_id: &self.shoe_ids[r.shoe as usize],
            foot_mm: r.foot_mm,
            kind: r.kind,
            size_eu: r.size_eu,
            length: r.length,
            width: r.width.map(f64::from),
        }
    }

    /// The offsets these records give: `learn` of `into_records`, without the records.
    pub fn learn(&self, catalogue: &Catalogue, charts: &SizeCharts, prior: Prior) -> SizeOffsets {
        learn_observed(self.records.len(), |i| self.observed_at(i), catalogue, charts, prior)
    }

    pub fn into_records(self) -> Vec<SizeRecord> {
        self.observed()
            .map(|r| SizeRecord {
                shoe_id: r.shoe_id.to_owned(),
                foot_mm: r.foot_mm,
                kind: r.kind,
                size_eu: r.size_eu,
                length: r.length,
                width: r.width,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::csv;
    use crate::simulate::{simulate, to_records, SimulationConfig, SizingWorld};

    fn catalogue() -> Catalogue {
        Catalogue::new(
            csv::parse_shoes(csv::BUNDLED_SHOES_CSV).unwrap(),
            csv::parse_insoles(csv::BUNDLED_INSOLES_CSV).unwrap(),
        )
    }

    #[test]
    fn offsets_learned_on_a_simulated_shop_recover_the_true_ones_within_half_a_size() {
        let catalogue = catalogue();
        let config = SimulationConfig {
            sales: 6_000,
            seed: 5,
            size_returns: true,
            ..Default::default()
        };
        let sales = simulate(&catalogue, &config);
        let records =
            records_from_sales(&to_records(&sales, config.end + chrono::Duration::days(60)));
        let learned = learn(&records, &catalogue, SizeCharts::bundled(), Prior::Brand);
        let truth = SizingWorld::new(&catalogue, 0);
        let mut checked = 0;
        let mut abs_error = 0.0;
        for (id, o) in &learned.shoes {
            if o.records < 30.0 {
                continue;
            }
            let shoe = catalogue.shoe(id).unwrap();
            let half_size = SizeCharts::bundled()
                .brand(&shoe.brand)
                .unwrap()
                .step_mm(ChartKind::Men);
            let true_mm = truth.offsets[id].length_mm;
            assert!(
                (o.length_mm - true_mm).abs() < half_size,
                "{id}: learned {:.1} mm, true {true_mm:.1} mm",
                o.length_mm
            );
            abs_error += (o.length_mm - true_mm).abs();
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} models had 30 records");
        assert!(
            abs_error / (checked as f64) < 1.5,
            "mean error {:.2} mm",
            abs_error / checked as f64
        );
    }

    #[test]
    fn log_likelihood_sums_are_the_record_by_record_sums_to_the_bit() {
        let grid: Vec<f64> = (0..=200).map(|i| -25.0 + 0.25 * f64::from(i)).collect();
        // Repeated and distinct records, mixed: 3 000 distinct ones and their repeats.
        let records: Vec<(f64, Bound)> = (0..12_000)
            .map(|i| {
                let x = f64::from(i % 3_000) * 0.013 - 20.0;
                match i % 3 {
                    0 => LengthEvidence::Kept.weight_and_bound(x, 4.5),
                    1 => LengthEvidence::TooShort.weight_and_bound(x, 6.67),
                    _ => LengthEvidence::TooLong.weight_and_bound(x, 5.0),
                }
            })
            .collect();
        let sums = log_likelihood_sums(records.iter().copied(), &grid);
        for (&o, &sum) in grid.iter().zip(&sums) {
            let plain: f64 = records.iter().map(|&(w, b)| w * likelihood(b, o).ln()).sum();
            assert_eq!(sum.to_bits(), plain.to_bits(), "at {o} mm");
        }
    }

    #[test]
    fn evidence_gathered_compactly_learns_what_its_records_learn() {
        let catalogue = catalogue();
        let config = SimulationConfig {
            sales: 3_000,
            seed: 9,
            size_returns: true,
            ..Default::default()
        };
        let sales = to_records(&simulate(&catalogue, &config), config.end + chrono::Duration::days(60));
        let mut evidence = SizeEvidence::default();
        sales.iter().for_each(|sale| evidence.add(sale));
        let compact = evidence.learn(&catalogue, SizeCharts::bundled(), Prior::Brand);
        let records = evidence.into_records();
        assert!(records.len() > 1_000, "{} records", records.len());
        assert_eq!(compact, learn(&records, &catalogue, SizeCharts::bundled(), Prior::Brand));
    }

    /// A model's held bounds and width remarks; a brand's models' bounds.
    type HeldModel = (Vec<(f64, Bound)>, f64, f64);
    type HeldBrand<'a> = (Vec<&'a [(f64, Bound)]>, f64, f64);

    /// `learn` as it was when each model's bounds were held (32 bytes a record): what the
    /// indices it keeps now must give, to the bit.
    fn learn_holding_bounds(records: &[SizeRecord], catalogue: &Catalogue, charts: &SizeCharts, prior: Prior) -> SizeOffsets {
        let mut by_shoe: HashMap<&str, HeldModel> = HashMap::new();
        for r in records {
            let Some(shoe) = catalogue.shoe(&r.shoe_id) else { continue };
            let Some(chart) = charts.brand(&shoe.brand) else { continue };
            let acc = by_shoe.entry(shoe.id.as_str()).or_default();
            if let Some(evidence) = r.length {
                if let Some(size_mm) = chart.foot_length_mm(SizeSystem::Eu, r.size_eu, r.kind) {
                    acc.0.push(evidence.weight_and_bound(size_mm - r.foot_mm, chart.step_mm(r.kind)));
                }
            }
            if let Some(width) = r.width {
                acc.1 += 1.0;
                acc.2 += width;
            }
        }
        let mut shoe_ids: Vec<&str> = by_shoe.keys().copied().collect();
        shoe_ids.sort_unstable();
        let mut brand_records: HashMap<String, HeldBrand> = HashMap::new();
        for id in &shoe_ids {
            let shoe = catalogue.shoe(id).unwrap();
            let acc = &by_shoe[id];
            let b = brand_records.entry(shoe.brand.to_lowercase()).or_default();
            b.0.push(&acc.0);
            b.1 += acc.1;
            b.2 += acc.2;
        }
        let brands: HashMap<String, (f64, f64, f64)> = brand_records
            .into_iter()
            .map(|(brand, (length, n_width, width_sum))| {
                let n = length.iter().flat_map(|l| l.iter()).map(|(w, _)| w).sum();
                let mm = posterior_mean(length.iter().flat_map(|l| l.iter()).copied(), 0.0, BRAND_PRIOR_SD_MM);
                (brand, (mm, n, width_sum / (n_width + BRAND_PRIOR_RECORDS)))
            })
            .collect();
        let shoes = by_shoe
            .into_iter()
            .map(|(id, (length, n_width, width_sum))| {
                let shoe = catalogue.shoe(id).unwrap();
                let (brand_mm, brand_n, brand_width) = match prior {
                    Prior::Brand => brands.get(&shoe.brand.to_lowercase()).copied().unwrap_or((0.0, 0.0, 0.0)),
                    Prior::Zero => (0.0, 0.0, 0.0),
                };
                let records = length.iter().map(|(w, _)| w).sum();
                let length_mm = posterior_mean(length.iter().copied(), brand_mm, MODEL_PRIOR_SD_MM);
                let width = (width_sum + MODEL_PRIOR_RECORDS * brand_width) / (n_width + MODEL_PRIOR_RECORDS);
                let offset = ModelOffset { length_mm, width, records, brand_length_mm: brand_mm, brand_records: brand_n };
                (id.to_owned(), offset)
            })
            .collect();
        SizeOffsets { shoes, brands: brands.into_iter().map(|(b, (mm, n, _))| (b, (mm, n))).collect() }
    }

    #[test]
    fn offsets_learned_from_record_indices_are_those_the_held_bounds_gave_to_the_bit() {
        let catalogue = catalogue();
        let config = SimulationConfig { sales: 3_000, seed: 3, size_returns: true, ..Default::default() };
        let sales = to_records(&simulate(&catalogue, &config), config.end + chrono::Duration::days(60));
        let mut records = records_from_sales(&sales);
        // A shoe the catalogue lacks is skipped either way.
        records[7].shoe_id = "no-such-shoe".into();
        assert!(records.len() > 1_000, "{} records", records.len());
        for prior in [Prior::Brand, Prior::Zero] {
            let learned = learn(&records, &catalogue, SizeCharts::bundled(), prior);
            let held = learn_holding_bounds(&records, &catalogue, SizeCharts::bundled(), prior);
            assert_eq!(learned, held);
            let bits = |o: &SizeOffsets| {
                let mut v: Vec<(String, [u64; 5])> = o
                    .shoes
                    .iter()
                    .map(|(id, m)| {
                        let b = [m.length_mm, m.width, m.records, m.brand_length_mm, m.brand_records].map(f64::to_bits);
                        (id.clone(), b)
                    })
                    .collect();
                v.sort();
                v
            };
            assert_eq!(bits(&learned), bits(&held));
        }
    }

    #[test]
    fn a_model_with_few_records_leans_on_its_brand_and_a_thin_brand_on_zero() {
        let catalogue = catalogue();
        let shoes: Vec<&str> = catalogue
            .shoes
            .iter()
            .filter(|s| s.brand == "Nike")
            .map(|s| s.id.as_str())
            .take(2)
            .collect();
        // A 270 mm foot keeping EU 43 (275 mm on Nike's chart): the model runs 5 mm short.
        let kept = |shoe: &str, n: usize| -> Vec<SizeRecord> {
            (0..n)
                .map(|_| SizeRecord {
                    shoe_id: shoe.to_owned(),
                    foot_mm: 270.0,
                    kind: ChartKind::Men,
                    size_eu: 43.0,
                    length: Some(LengthEvidence::Kept),
                    width: None,
                })
                .collect()
        };
        let records: Vec<SizeRecord> = kept(shoes[0], 200)
            .into_iter()
            .chain(kept(shoes[1], 2))
            .collect();
        let learned = learn(&records, &catalogue, SizeCharts::bundled(), Prior::Brand);
        let (many, few) = (learned.shoes[shoes[0]], learned.shoes[shoes[1]]);
        assert!((many.length_mm - 5.0).abs() < 0.5, "{many:?}");
        // Two records: mostly the brand's (about 5 mm less its shrinkage toward zero).
        assert!(
            (few.length_mm - few.brand_length_mm).abs() < 1.0 && few.brand_length_mm > 4.0,
            "{few:?}"
        );
        // A brand with two records: pulled from their 5 mm toward zero.
        let thin = learn(
            &kept(shoes[1], 2),
            &catalogue,
            SizeCharts::bundled(),
            Prior::Brand,
        );
        let brand = thin.shoes[shoes[1]].brand_length_mm;
        assert!(brand > 0.0 && brand < 4.5, "{brand}");
    }
}
