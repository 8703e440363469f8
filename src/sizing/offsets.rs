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
use crate::outcomes::{FitObservation, ReturnReason};
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
fn posterior_mean(records: &[(f64, Bound)], prior_mm: f64, prior_sd_mm: f64) -> f64 {
    let grid: Vec<f64> = (0..=200).map(|i| -25.0 + 0.25 * f64::from(i)).collect();
    let log_post: Vec<f64> = grid
        .iter()
        .map(|&o| {
            let z = (o - prior_mm) / prior_sd_mm;
            -0.5 * z * z
                + records
                    .iter()
                    .map(|&(w, b)| w * likelihood(b, o).ln())
                    .sum::<f64>()
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

/// A model's (or brand's) weighted length bounds, and its count and sum of width remarks.
type Pooled = (Vec<(f64, Bound)>, f64, f64);

/// Learns offsets from records (see module docs). Records of shoes or brands missing from
/// the catalogue or the charts are skipped.
pub fn learn(
    records: &[SizeRecord],
    catalogue: &Catalogue,
    charts: &SizeCharts,
    prior: Prior,
) -> SizeOffsets {
    // Per shoe: bounded length records, and (count, sum) of width remarks.
    let mut by_shoe: HashMap<&str, Pooled> = HashMap::new();
    for r in records {
        let Some(shoe) = catalogue.shoe(&r.shoe_id) else {
            continue;
        };
        let Some(chart) = charts.brand(&shoe.brand) else {
            continue;
        };
        let acc = by_shoe.entry(shoe.id.as_str()).or_default();
        if let Some(evidence) = r.length {
            if let Some(size_mm) = chart.foot_length_mm(SizeSystem::Eu, r.size_eu, r.kind) {
                acc.0
                    .push(evidence.weight_and_bound(size_mm - r.foot_mm, chart.step_mm(r.kind)));
            }
        }
        if let Some(width) = r.width {
            acc.1 += 1.0;
            acc.2 += width;
        }
    }
    // Brands pool their models' records, shrunk toward zero.
    let mut brand_records: HashMap<String, Pooled> = HashMap::new();
    for (id, acc) in &by_shoe {
        let Some(shoe) = catalogue.shoe(id) else {
            continue;
        };
        let b = brand_records.entry(shoe.brand.to_lowercase()).or_default();
        b.0.extend_from_slice(&acc.0);
        b.1 += acc.1;
        b.2 += acc.2;
    }
    let brands: HashMap<String, (f64, f64, f64)> = brand_records
        .into_iter()
        .map(|(brand, (length, n_width, width_sum))| {
            let n = length.iter().map(|(w, _)| w).sum();
            let mm = posterior_mean(&length, 0.0, BRAND_PRIOR_SD_MM);
            (brand, (mm, n, width_sum / (n_width + BRAND_PRIOR_RECORDS)))
        })
        .collect();
    let shoes = by_shoe
        .into_iter()
        .filter_map(|(id, (length, n_width, width_sum))| {
            let shoe = catalogue.shoe(id)?;
            let (brand_mm, brand_n, brand_width) = match prior {
                Prior::Brand => brands
                    .get(&shoe.brand.to_lowercase())
                    .copied()
                    .unwrap_or((0.0, 0.0, 0.0)),
                Prior::Zero => (0.0, 0.0, 0.0),
            };
            let records = length.iter().map(|(w, _)| w).sum();
            let length_mm = posterior_mean(&length, brand_mm, MODEL_PRIOR_SD_MM);
            let width =
                (width_sum + MODEL_PRIOR_RECORDS * brand_width) / (n_width + MODEL_PRIOR_RECORDS);
            Some((
                id.to_owned(),
                ModelOffset {
                    length_mm,
                    width,
                    records,
                    brand_length_mm: brand_mm,
                    brand_records: brand_n,
                },
            ))
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

/// Size records from training's sales: each session's try-ons with a size, and each sale
/// with a size, of runners whose feet were measured.
pub fn records_from_sales(sales: &[SaleRecord]) -> Vec<SizeRecord> {
    let mut evidence = SizeEvidence::default();
    sales.iter().for_each(|sale| evidence.add(sale));
    evidence.into_records()
}

/// Size records gathered one sale at a time, so that a stream of sales (a million stored
/// ones) is never held whole: only the records and the sessions already seen are kept.
#[derive(Debug, Default)]
pub struct SizeEvidence {
    records: Vec<SizeRecord>,
    /// A session's try-ons count once, however many of its sales arrive.
    seen_sessions: std::collections::HashSet<String>,
}

impl SizeEvidence {
    pub fn add(&mut self, sale: &SaleRecord) {
        let Some((_, foot)) = sale.fitting.feet.as_ref().and_then(|f| f.deciding_foot()) else {
            return;
        };
        let foot_mm = foot.length_mm.get();
        let kind = chart_kind(&sale.fitting);
        if self.seen_sessions.insert(sale.session_key.clone()) {
            for t in sale.tried.iter() {
                let Some(size) = t.size_eu else { continue };
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
                    Some(1.0)
                } else if has(FitObservation::TooWide) {
                    Some(-1.0)
                } else {
                    length.map(|_| 0.0)
                };
                if length.is_some() || width.is_some() {
                    self.records.push(SizeRecord {
                        shoe_id: t.shoe_id.clone(),
                        foot_mm,
                        kind,
                        size_eu: size.get(),
                        length,
                        width,
                    });
                }
            }
        }
        let Some(size_eu) = sale.size_eu else {
            return;
        };
        let length = match (sale.return_reason, sale.label) {
            (None, Some(true)) => Some(LengthEvidence::Kept),
            // A return for fit says the size was wrong; the direction comes from the try-on.
            (Some(ReturnReason::Fit), _) => sale
                .tried
                .iter()
                .find(|t| t.shoe_id == sale.shoe_id)
                .and_then(|t| {
                    if t.observations.contains(&FitObservation::TooLong)
                        || t.observations.contains(&FitObservation::HeelSlip)
                    {
                        Some(LengthEvidence::TooLong)
                    } else if t.observations.contains(&FitObservation::TooShort) {
                        Some(LengthEvidence::TooShort)
                    } else {
                        None
                    }
                }),
            _ => None,
        };
        if length.is_some() {
            self.records.push(SizeRecord {
                shoe_id: sale.shoe_id.clone(),
                foot_mm,
                kind,
                size_eu,
                length,
                width: None,
            });
        }
    }

    pub fn into_records(self) -> Vec<SizeRecord> {
        self.records
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
