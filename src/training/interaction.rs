//! Fitting the interaction ranker: a pairwise logistic (RankNet) loss over each session's
//! tried-on set (bought beats put back; kept beats returned) plus a pointwise logistic
//! loss on sale outcomes, with L2, by mini-batch Adam. Regularisation and the number of
//! passes are chosen on the validation split; the final fit uses train + validation.
//!
//! The objective is convex in the parameters (a linear model over the inputs and their
//! runner × shoe products), so the fit is stable and repeatable (a seeded shuffle).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::dataset::Dataset;
use super::TrainError;
use crate::features::{attributes, extended_schema_hash, RUNNER_DIM, SHOE_DIM};
use crate::model::interaction::{linear_inputs, linear_names, InteractionArtifact, InteractionHyperParameters, LINEAR_DIM};

/// L2 strengths tried on the interaction matrix. Measured on simulated shops of 6 000
/// sessions, the best lay at 0.03-0.1; weaker ones overfit the matrix within a pass.
pub const ALPHAS: &[f64] = &[0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
/// The linear part (standardised hand features and relations) is shrunk ten times less:
/// it carries the evidence and needs no protection from sparse one-hot noise.
const LINEAR_L2_FACTOR: f64 = 0.1;
pub const MAX_PASSES: f64 = 40.0;
/// Small steps: Adam moves a rare one-hot weight as far as a common one per step.
const LEARNING_RATE: f64 = 0.005;
const PAIRWISE_WEIGHT: f64 = 1.0;
/// The dense linear part needs larger steps than the sparse matrix to converge in time.
const LINEAR_STEP_FACTOR: f64 = 1.0;
const BATCH_SESSIONS: usize = 128;
/// Stop once validation has not improved for this many checks (four passes): 8 stopped too
/// early on 20 000 sessions (NDCG@5 against the truth 0.936 instead of 0.940).
const PATIENCE: usize = 16;

/// Parameter layout: linear weights, intercept, then the interaction matrix (row-major).
const INTERCEPT: usize = LINEAR_DIM;
const MATRIX: usize = LINEAR_DIM + 1;
const PARAMS: usize = MATRIX + RUNNER_DIM * SHOE_DIM;

/// One scored item of a session, with its inputs in the sparse form the fit needs.
struct Item {
    linear: [f64; LINEAR_DIM],
    /// Shared with every item of the same shoe (one list per catalogue shoe, not per item).
    shoe_nz: std::sync::Arc<[(u16, f64)]>,
    label: Option<bool>,
    grade: f64,
}

/// A session's items and its runner's non-zero attributes.
struct Group {
    runner_nz: Vec<(u16, f64)>,
    items: Vec<Item>,
}

fn non_zero(values: &[f64]) -> Vec<(u16, f64)> {
    values.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(i, v)| (i as u16, *v)).collect()
}

/// Groups examples (given by index) by session, standardising the linear inputs.
fn groups(dataset: &Dataset, examples: &[usize], means: &[f64], scales: &[f64]) -> Vec<Group> {
    let shoes: Vec<std::sync::Arc<[(u16, f64)]>> = dataset.shoe_attributes.iter().map(|a| non_zero(&a.0).into()).collect();
    dataset
        .by_session(examples)
        .into_iter()
        .map(|(session, examples)| Group {
            runner_nz: non_zero(&dataset.sessions[session].runner.attributes.0),
            items: examples
                .into_iter()
                .map(|e| {
                    let mut linear = linear_inputs(&e.pair(dataset));
                    for k in 0..LINEAR_DIM {
                        linear[k] = (linear[k] - means[k]) / scales[k];
                    }
                    Item {
                        linear,
                        shoe_nz: shoes[e.shoe as usize].clone(),
                        label: e.label.filter(|_| e.sold),
                        grade: e.grade,
                    }
                })
                .collect(),
        })
        .collect()
}

fn standardiser(dataset: &Dataset, examples: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = examples.len().max(1) as f64;
    let rows: Vec<[f64; LINEAR_DIM]> = examples.iter().map(|&i| linear_inputs(&dataset.examples[i].pair(dataset))).collect();
    let mut means = vec![0.0; LINEAR_DIM];
    for r in &rows {
        for k in 0..LINEAR_DIM {
            means[k] += r[k] / n;
        }
    }
    let mut vars = vec![0.0; LINEAR_DIM];
    for r in &rows {
        for k in 0..LINEAR_DIM {
            vars[k] += (r[k] - means[k]).powi(2) / n;
        }
    }
    let scales = vars.into_iter().map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 }).collect();
    (means, scales)
}

fn logit(theta: &[f64], runner_nz: &[(u16, f64)], item: &Item) -> f64 {
    let mut z = theta[INTERCEPT];
    for (w, x) in theta[..LINEAR_DIM].iter().zip(&item.linear) {
        z += w * x;
    }
    for &(i, r) in runner_nz {
        let row = MATRIX + i as usize * SHOE_DIM;
        for &(j, s) in item.shoe_nz.iter() {
            z += theta[row + j as usize] * r * s;
        }
    }
    z
}

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Adds d(loss)/d(logit) = `g` of one item into the gradient.
fn add_gradient(grad: &mut [f64], g: f64, runner_nz: &[(u16, f64)], item: &Item, with_intercept: bool) {
    for (d, x) in grad[..LINEAR_DIM].iter_mut().zip(&item.linear) {
        *d += g * x;
    }
    if with_intercept {
        grad[INTERCEPT] += g;
    }
    for &(i, r) in runner_nz {
        let row = MATRIX + i as usize * SHOE_DIM;
        for &(j, s) in item.shoe_nz.iter() {
            grad[row + j as usize] += g * r * s;
        }
    }
}

/// How many pointwise and pairwise terms a group holds.
fn term_counts(group: &Group) -> (usize, usize) {
    let point = group.items.iter().filter(|it| it.label.is_some()).count();
    let pairs = group.items.iter().map(|a| group.items.iter().filter(|b| a.grade > b.grade).count()).sum();
    (point, pairs)
}

/// Running sums of the objective's two parts and how many terms each holds.
#[derive(Debug, Clone, Copy, Default)]
struct Loss {
    point: f64,
    pairs: f64,
    n_point: usize,
    n_pairs: usize,
}

impl Loss {
    fn add(&mut self, other: Loss) {
        self.point += other.point;
        self.pairs += other.pairs;
        self.n_point += other.n_point;
        self.n_pairs += other.n_pairs;
    }

    /// Mean pointwise loss plus weighted mean pairwise loss: what validation compares.
    fn objective(&self) -> f64 {
        self.point / self.n_point.max(1) as f64 + PAIRWISE_WEIGHT * self.pairs / self.n_pairs.max(1) as f64
    }
}

/// The one definition of the objective for one session: logistic loss of each labelled sale,
/// and of each pair ordered by grade. Returns it with d(loss)/d(logit) per item, pointwise
/// terms scaled by `scales.0` and pairwise by `scales.1`.
fn session_loss(z: &[f64], labels: &[Option<bool>], grades: &[f64], scales: (f64, f64)) -> (Loss, Vec<f64>) {
    let mut loss = Loss::default();
    let mut dz = vec![0.0; z.len()];
    for (k, label) in labels.iter().enumerate() {
        if let Some(y) = label {
            let y = *y as u8 as f64;
            loss.point += softplus(z[k]) - y * z[k];
            dz[k] += (sigmoid(z[k]) - y) * scales.0;
            loss.n_point += 1;
        }
    }
    for a in 0..z.len() {
        for b in 0..z.len() {
            if grades[a] > grades[b] {
                let d = z[a] - z[b];
                loss.pairs += softplus(-d);
                let g = -sigmoid(-d) * PAIRWISE_WEIGHT * scales.1;
                dz[a] += g;
                dz[b] -= g;
                loss.n_pairs += 1;
            }
        }
    }
    (loss, dz)
}

/// A group's unregularised loss, adding its gradient (with the given term scales) when asked.
fn group_loss(theta: &[f64], group: &Group, grad: Option<(&mut [f64], (f64, f64))>) -> Loss {
    let z: Vec<f64> = group.items.iter().map(|it| logit(theta, &group.runner_nz, it)).collect();
    let labels: Vec<Option<bool>> = group.items.iter().map(|it| it.label).collect();
    let grades: Vec<f64> = group.items.iter().map(|it| it.grade).collect();
    let scales = grad.as_ref().map_or((1.0, 1.0), |g| g.1);
    let (loss, dz) = session_loss(&z, &labels, &grades, scales);
    if let Some((grad, _)) = grad {
        for (item, d) in group.items.iter().zip(&dz) {
            if *d != 0.0 {
                add_gradient(grad, *d, &group.runner_nz, item, item.label.is_some());
            }
        }
    }
    loss
}

fn objective(theta: &[f64], groups: &[Group]) -> f64 {
    let mut loss = Loss::default();
    for g in groups {
        loss.add(group_loss(theta, g, None));
    }
    loss.objective()
}

struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    fn new() -> Self {
        Self { m: vec![0.0; PARAMS], v: vec![0.0; PARAMS], t: 0 }
    }
    /// One step; the linear part and intercept move `LINEAR_STEP_FACTOR` times faster.
    fn step(&mut self, theta: &mut [f64], grad: &[f64], lr: f64) {
        let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
        self.t += 1;
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        for k in 0..PARAMS {
            if grad[k] == 0.0 && self.m[k] == 0.0 {
                continue;
            }
            self.m[k] = b1 * self.m[k] + (1.0 - b1) * grad[k];
            self.v[k] = b2 * self.v[k] + (1.0 - b2) * grad[k] * grad[k];
            let rate = if k < MATRIX { lr * LINEAR_STEP_FACTOR } else { lr };
            theta[k] -= rate * (self.m[k] / c1) / ((self.v[k] / c2).sqrt() + eps);
        }
    }
}

/// One mini-batch step: the mean pointwise and mean pairwise gradients plus L2.
fn step(theta: &mut [f64], adam: &mut Adam, grad: &mut [f64], train: &[Group], batch: &[usize], alpha: f64, rate: f64) {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (np, nq) = batch.iter().map(|&g| term_counts(&train[g])).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let scales = (1.0 / np.max(1) as f64, 1.0 / nq.max(1) as f64);
    for &g in batch {
        group_loss(theta, &train[g], Some((&mut *grad, scales)));
    }
    for k in 0..PARAMS {
        if k != INTERCEPT && theta[k] != 0.0 {
            let factor = if k < LINEAR_DIM { LINEAR_L2_FACTOR } else { 1.0 };
            grad[k] += factor * alpha * theta[k];
        }
    }
    adam.step(theta, grad, rate);
}

/// One regularisation strength: its best validation objective and the passes that reached it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResult {
    pub alpha: f64,
    /// Passes over the training sessions (fractional) at the best validation figure.
    pub passes: f64,
    pub validation_objective: f64,
}

/// Validation is checked this many times per pass, so early stopping is not coarse.
const CHECKS_PER_PASS: usize = 4;

/// Trains for at most `passes` passes (fractional), in a seeded random order, calling
/// `on_check(passes_so_far, theta)` `CHECKS_PER_PASS` times a pass; stops when it says so.
fn fit_with(train: &[Group], passes: f64, alpha: f64, mut on_check: impl FnMut(f64, &[f64]) -> bool) -> Vec<f64> {
    let mut theta = vec![0.0; PARAMS];
    let mut adam = Adam::new();
    let mut grad = vec![0.0; PARAMS];
    let mut rng = StdRng::seed_from_u64(17);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let batches_per_pass = train.len().div_ceil(BATCH_SESSIONS).max(1);
    let total = (passes * batches_per_pass as f64).round() as usize;
    let check_every = batches_per_pass.div_ceil(CHECKS_PER_PASS).max(1);
    for done in 0..total {
        let in_pass = done % batches_per_pass;
        if in_pass == 0 {
            order.shuffle(&mut rng);
        }
        let start = in_pass * BATCH_SESSIONS;
        let batch = &order[start..(start + BATCH_SESSIONS).min(order.len())];
        // Decaying steps settle the noise of small batches: rate / sqrt(1 + passes).
        let rate = LEARNING_RATE / (1.0 + done as f64 / batches_per_pass as f64).sqrt();
        step(&mut theta, &mut adam, &mut grad, train, batch, alpha, rate);
        if (done + 1) % check_every == 0 && !on_check((done + 1) as f64 / batches_per_pass as f64, &theta) {
            break;
        }
    }
    theta
}

/// Searches alpha and the number of passes on validation, then refits on train + validation.
pub fn fit(
    dataset: &Dataset,
    train: &[usize],
    validation: &[usize],
    version: &str,
    on_step: &mut dyn FnMut(usize, usize),
) -> Result<(InteractionArtifact, Vec<SearchResult>, f64), TrainError> {
    let (means, scales) = standardiser(dataset, train);
    let train_groups = groups(dataset, train, &means, &scales);
    let valid_groups = groups(dataset, validation, &means, &scales);
    if train_groups.is_empty() {
        return Err(TrainError::NotEnoughData("no training sessions".into()));
    }
    // Each strength's search is independent and seeded alike, so they run in parallel and
    // give exactly what they gave one after another.
    use rayon::prelude::*;
    let results: Vec<SearchResult> = ALPHAS
        .par_iter()
        .map(|&alpha| {
            let (mut best, mut best_passes, mut since) = (f64::INFINITY, 1.0, 0);
            fit_with(&train_groups, MAX_PASSES, alpha, |passes, theta| {
                let v = if valid_groups.is_empty() { 0.0 } else { objective(theta, &valid_groups) };
                if v < best - 1e-5 {
                    (best, best_passes, since) = (v, passes, 0);
                } else {
                    since += 1;
                }
                since < PATIENCE
            });
            SearchResult { alpha, passes: best_passes, validation_objective: best }
        })
        .collect();
    on_step(ALPHAS.len(), ALPHAS.len() + 1);
    // The search's groups go before the final fit builds its own over train + validation.
    drop((train_groups, valid_groups));
    let best = results
        .iter()
        .min_by(|a, b| a.validation_objective.total_cmp(&b.validation_objective))
        .cloned()
        .ok_or_else(|| TrainError::Solver("no regularisation strength tried".into()))?;

    let all: Vec<usize> = train.iter().chain(validation).copied().collect();
    let artifact = refit(dataset, &all, best.alpha, best.passes, version)?;
    on_step(ALPHAS.len() + 1, ALPHAS.len() + 1);
    Ok((artifact, results, best.validation_objective))
}

/// Fits with fixed hyper-parameters (no search) on these examples: the final fit, and the
/// report's learning curve (the same recipe on less history).
pub fn refit(dataset: &Dataset, examples: &[usize], alpha: f64, passes: f64, version: &str) -> Result<InteractionArtifact, TrainError> {
    let (means, scales) = standardiser(dataset, examples);
    let all_groups = groups(dataset, examples, &means, &scales);
    if all_groups.is_empty() {
        return Err(TrainError::NotEnoughData("no training sessions".into()));
    }
    let theta = fit_with(&all_groups, passes, alpha, |_, _| true);
    Ok(InteractionArtifact {
        version: version.to_owned(),
        schema_hash: extended_schema_hash(),
        linear_names: linear_names(),
        runner_names: attributes::runner_attribute_names(),
        shoe_names: attributes::shoe_attribute_names(),
        means,
        scales,
        linear_weights: theta[..LINEAR_DIM].to_vec(),
        intercept: theta[INTERCEPT],
        interactions: theta[MATRIX..].to_vec(),
        hyper_parameters: InteractionHyperParameters { alpha, passes, learning_rate: LEARNING_RATE, pairwise_weight: PAIRWISE_WEIGHT },
    })
}

/// The same validation objective for any scorer (used to choose between model families).
pub fn validation_objective(scorer: &dyn crate::ranking::Scorer, dataset: &Dataset, examples: &[usize]) -> f64 {
    let mut loss = Loss::default();
    for (session, items) in dataset.by_session(examples) {
        let prepared = scorer.prepare(&dataset.sessions[session].runner);
        let z: Vec<f64> = items.iter().map(|e| scorer.rank_key(&prepared, &e.pair(dataset))).collect();
        let labels: Vec<Option<bool>> = items.iter().map(|e| e.label.filter(|_| e.sold)).collect();
        let grades: Vec<f64> = items.iter().map(|e| e.grade).collect();
        loss.add(session_loss(&z, &labels, &grades, (1.0, 1.0)).0);
    }
    loss.objective()
}
