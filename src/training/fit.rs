//! Fitting the logistic regression with linfa, choosing L2 regularisation on the
//! validation split by log loss.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};

use super::dataset::Example;
use super::metrics::log_loss;
use super::TrainError;
use crate::features::{schema_hash, Feature, FEATURE_COUNT};
use crate::model::{LogisticArtifact, TrainedModel};
use crate::features::{Pair, Relations, ShoeAttributes, SHOE_DIM};
use crate::ranking::{Prepared, Scorer};

/// Regularisation strengths tried, weakest to strongest.
pub const ALPHAS: &[f64] = &[0.01, 0.1, 1.0, 10.0];
const MAX_ITERATIONS: u64 = 150;

#[derive(Debug, Clone, serde::Serialize)]
pub struct AlphaResult {
    pub alpha: f64,
    pub validation_log_loss: f64,
}

fn standardiser(examples: &[&Example]) -> (Vec<f64>, Vec<f64>) {
    let n = examples.len().max(1) as f64;
    let mut means = vec![0.0; FEATURE_COUNT];
    for e in examples {
        for (m, x) in means.iter_mut().zip(e.x.0.iter()) {
            *m += x / n;
        }
    }
    let mut scales = vec![0.0; FEATURE_COUNT];
    for e in examples {
        for ((s, x), m) in scales.iter_mut().zip(e.x.0.iter()).zip(&means) {
            *s += (x - m).powi(2) / n;
        }
    }
    // A constant feature keeps scale 1 and (as the solver finds) weight ~0.
    let scales = scales.into_iter().map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 }).collect();
    (means, scales)
}

fn design(examples: &[&Example], means: &[f64], scales: &[f64]) -> (Array2<f64>, Array1<usize>) {
    let mut x = Array2::zeros((examples.len(), FEATURE_COUNT));
    for (i, e) in examples.iter().enumerate() {
        for j in 0..FEATURE_COUNT {
            x[[i, j]] = (e.x.0[j] - means[j]) / scales[j];
        }
    }
    let y = examples.iter().map(|e| e.good_fit() as usize).collect();
    (x, y)
}

fn fit_one(
    examples: &[&Example],
    means: &[f64],
    scales: &[f64],
    alpha: f64,
    version: &str,
) -> Result<LogisticArtifact, TrainError> {
    let (x, y) = design(examples, means, scales);
    let model = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(MAX_ITERATIONS)
        .fit(&Dataset::new(x, y))
        .map_err(|e| TrainError::Solver(e.to_string()))?;
    // linfa's positive class is the larger label; make sure that is "good fit" (1).
    let sign = if model.labels().pos.class == 1 { 1.0 } else { -1.0 };
    Ok(LogisticArtifact {
        version: version.to_owned(),
        schema_hash: schema_hash(),
        feature_names: Feature::ALL.iter().map(|f| f.name().to_owned()).collect(),
        means: means.to_vec(),
        scales: scales.to_vec(),
        weights: model.params().iter().map(|w| sign * w).collect(),
        intercept: sign * model.intercept(),
        alpha,
    })
}

fn validation_loss(artifact: &LogisticArtifact, validation: &[&Example]) -> Result<f64, TrainError> {
    let model = TrainedModel::from_artifact(artifact.clone()).map_err(|e| TrainError::Solver(e.to_string()))?;
    // The logistic model reads hand features only.
    const NO_SHOE: ShoeAttributes = ShoeAttributes([0.0; SHOE_DIM]);
    let p: Vec<f64> = validation
        .iter()
        .map(|e| model.score(&Prepared::NONE, &Pair { x: e.x, relations: Relations::default(), shoe: &NO_SHOE }).score)
        .collect();
    let y: Vec<bool> = validation.iter().map(|e| e.good_fit()).collect();
    Ok(log_loss(&p, &y))
}

/// The alpha search fits on at most this many training pairs (an even spread through time);
/// 19 coefficients are well determined long before that, and it keeps large histories fast.
pub const MAX_SEARCH_PAIRS: usize = 50_000;

fn spread_sample<'a>(examples: &[&'a Example], max: usize) -> Vec<&'a Example> {
    if examples.len() <= max {
        return examples.to_vec();
    }
    let step = examples.len() as f64 / max as f64;
    (0..max).map(|i| examples[(i as f64 * step) as usize]).collect()
}

/// Picks alpha on validation, then refits on train + validation with it. Takes labelled sales.
pub fn fit(
    train: &[&Example],
    validation: &[&Example],
    version: &str,
    on_step: &mut dyn FnMut(usize, usize),
) -> Result<(LogisticArtifact, Vec<AlphaResult>), TrainError> {
    let (all_train, all_validation) = (train, validation);
    let search = spread_sample(train, MAX_SEARCH_PAIRS);
    let checked = spread_sample(validation, MAX_SEARCH_PAIRS);
    let (train, validation) = (search.as_slice(), checked.as_slice());
    let (means, scales) = standardiser(train);
    let mut results = Vec::new();
    for (i, &alpha) in ALPHAS.iter().enumerate() {
        let artifact = fit_one(train, &means, &scales, alpha, version)?;
        let loss = if validation.is_empty() { f64::NAN } else { validation_loss(&artifact, validation)? };
        results.push(AlphaResult { alpha, validation_log_loss: loss });
        on_step(i + 1, ALPHAS.len() + 1);
    }
    let best = results
        .iter()
        .filter(|r| r.validation_log_loss.is_finite())
        .min_by(|a, b| a.validation_log_loss.total_cmp(&b.validation_log_loss))
        .map_or(1.0, |r| r.alpha);
    let all: Vec<&Example> = all_train.iter().chain(all_validation.iter()).copied().collect();
    let artifact = refit(&all, best, version)?;
    on_step(ALPHAS.len() + 1, ALPHAS.len() + 1);
    Ok((artifact, results))
}

/// The final fit reads at most this many labelled sales (an even spread through time): at
/// 1 M sales its 800 000 took a core for about a minute beside the ranker's search, for
/// 19 coefficients that a quarter of them fix as well.
pub const MAX_FIT_PAIRS: usize = 200_000;

/// Fits with a fixed alpha on these labelled sales (the final fit, and the report's learning curve).
pub fn refit(examples: &[&Example], alpha: f64, version: &str) -> Result<LogisticArtifact, TrainError> {
    let sample = spread_sample(examples, MAX_FIT_PAIRS);
    let examples = sample.as_slice();
    let (means, scales) = standardiser(examples);
    fit_one(examples, &means, &scales, alpha, version)
}
