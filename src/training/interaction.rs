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
/// On a large history a pass is long: validation is checked at least every this many
/// training sessions, and the patience is at most this many sessions trained without
/// improvement. Four passes of patience were tuned on shops of 20 000 sessions (64 000
/// sessions trained); at 1 M sales they were 2.4 M. Neither bound changes a history of up
/// to 80 000 sessions (48 000 training sessions).
const MAX_CHECK_SESSIONS: usize = 50_000;
const MAX_PATIENCE_SESSIONS: usize = 200_000;
/// The search's validation checks read at most this many validation sessions (an even
/// spread through time): at 1 M sales there were 200 000, and checking them cost more than
/// training. The figures it compares (strengths, passes, the two families) move by less
/// than their differences with 20 000 sessions; no history under 100 000 sessions is sampled.
pub const MAX_VALIDATION_SESSIONS: usize = 20_000;
/// When the weakest strength of `ALPHAS` wins, the next two weaker ones on the same steps are
/// tried, for at most this many rounds: the best strength falls as the history grows
/// (0.03-0.1 at 6 000 sessions, 0.01 at 20 000, the grid's weakest, 0.001, at 1 M sales).
const WEAKER_ROUNDS: usize = 2;

/// Parameter layout: linear weights, intercept, then the interaction matrix (row-major).
const INTERCEPT: usize = LINEAR_DIM;
const MATRIX: usize = LINEAR_DIM + 1;
const PARAMS: usize = MATRIX + RUNNER_DIM * SHOE_DIM;

/// The sessions one fit reads. Items are the dataset's examples, read and standardised as
/// they are used rather than copied (a copy of every item's inputs was most of training's
/// memory); group `g` is session `sessions[g]` with the examples `items[starts[g]..starts[g + 1]]`.
struct Groups<'a> {
    dataset: &'a Dataset,
    means: Vec<f64>,
    scales: Vec<f64>,
    /// Each catalogue shoe's non-zero attributes, shared by every item of that shoe.
    shoes: Vec<Vec<(u16, f64)>>,
    sessions: Vec<usize>,
    starts: Vec<usize>,
    items: Vec<u32>,
}

/// One group's inputs as the objective reads them, filled in place (no allocation per group).
#[derive(Default)]
struct Scratch {
    runner_nz: Vec<(u16, f64)>,
    linear: Vec<[f64; LINEAR_DIM]>,
    shoes: Vec<u32>,
    z: Vec<f64>,
    labels: Vec<Option<bool>>,
    grades: Vec<f64>,
    dz: Vec<f64>,
}

fn non_zero_into(values: &[f64], out: &mut Vec<(u16, f64)>) {
    out.clear();
    out.extend(values.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(i, v)| (i as u16, *v)));
}

impl<'a> Groups<'a> {
    /// Groups examples (given by index) by session, sessions in index order and each
    /// session's examples in the given order, standardised with `(means, scales)`.
    fn new(dataset: &'a Dataset, examples: &[usize], (means, scales): (Vec<f64>, Vec<f64>)) -> Self {
        let shoes = dataset
            .shoe_attributes
            .iter()
            .map(|a| {
                let mut nz = Vec::new();
                non_zero_into(&a.0, &mut nz);
                nz
            })
            .collect();
        let mut items: Vec<u32> = examples.iter().map(|&i| i as u32).collect();
        // Stable: a session's examples keep their order.
        items.sort_by_key(|&i| dataset.examples[i as usize].session);
        let (mut sessions, mut starts) = (Vec::new(), Vec::new());
        for (k, &i) in items.iter().enumerate() {
            let session = dataset.examples[i as usize].session;
            if sessions.last() != Some(&session) {
                sessions.push(session);
                starts.push(k);
            }
        }
        starts.push(items.len());
        Self { dataset, means, scales, shoes, sessions, starts, items }
    }

    fn len(&self) -> usize {
        self.sessions.len()
    }

    fn examples(&self, g: usize) -> impl Iterator<Item = &'a super::dataset::Example> + '_ {
        self.items[self.starts[g]..self.starts[g + 1]].iter().map(|&i| &self.dataset.examples[i as usize])
    }

    /// Reads group `g` into `s`: the runner's non-zero attributes, and each item's
    /// standardised linear inputs, shoe, label and grade.
    fn load(&self, g: usize, s: &mut Scratch) {
        self.dataset.runner_non_zero(self.sessions[g], &mut s.runner_nz);
        s.linear.clear();
        s.shoes.clear();
        s.labels.clear();
        s.grades.clear();
        for e in self.examples(g) {
            let mut linear = linear_inputs(&e.pair(self.dataset));
            for ((v, m), s) in linear.iter_mut().zip(&self.means).zip(&self.scales) {
                *v = (*v - m) / s;
            }
            s.linear.push(linear);
            s.shoes.push(e.shoe);
            s.labels.push(e.label.filter(|_| e.sold));
            s.grades.push(e.grade());
        }
    }
}

/// Mean and scale of each linear input over these examples, summed in example order (two
/// passes over the examples, no copy of their inputs).
fn standardiser(dataset: &Dataset, examples: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = examples.len().max(1) as f64;
    let row = |i: usize| linear_inputs(&dataset.examples[i].pair(dataset));
    let mut means = vec![0.0; LINEAR_DIM];
    for &i in examples {
        let r = row(i);
        for k in 0..LINEAR_DIM {
            means[k] += r[k] / n;
        }
    }
    let mut vars = vec![0.0; LINEAR_DIM];
    for &i in examples {
        let r = row(i);
        for k in 0..LINEAR_DIM {
            vars[k] += (r[k] - means[k]).powi(2) / n;
        }
    }
    let scales = vars.into_iter().map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 }).collect();
    (means, scales)
}

/// Every item's logit in a group, into `z`: each is the sum, in this order, of the intercept,
/// its linear terms and its runner × shoe terms (runner attributes outer, shoe attributes
/// inner). Each item's sum is one chain of dependent additions; summed item after item, the
/// processor waited on each addition. Here the items' chains advance together (a runner
/// attribute for every item in turn), each in its own order, so every sum is the same to the
/// bit.
fn logits(theta: &[f64], runner_nz: &[(u16, f64)], linear: &[[f64; LINEAR_DIM]], shoes: &[u32], shoe_nz: &[Vec<(u16, f64)>], z: &mut Vec<f64>) {
    z.clear();
    z.resize(linear.len(), theta[INTERCEPT]);
    for (k, w) in theta[..LINEAR_DIM].iter().enumerate() {
        for (z, x) in z.iter_mut().zip(linear) {
            *z += w * x[k];
        }
    }
    for &(i, r) in runner_nz {
        let row = &theta[MATRIX + i as usize * SHOE_DIM..MATRIX + (i as usize + 1) * SHOE_DIM];
        for (z, &shoe) in z.iter_mut().zip(shoes) {
            let mut sum = *z;
            for &(j, s) in &shoe_nz[shoe as usize] {
                sum += row[j as usize] * r * s;
            }
            *z = sum;
        }
    }
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
fn add_gradient(grad: &mut [f64], g: f64, runner_nz: &[(u16, f64)], linear: &[f64; LINEAR_DIM], shoe_nz: &[(u16, f64)], with_intercept: bool) {
    for (d, x) in grad[..LINEAR_DIM].iter_mut().zip(linear) {
        *d += g * x;
    }
    if with_intercept {
        grad[INTERCEPT] += g;
    }
    for &(i, r) in runner_nz {
        let row = MATRIX + i as usize * SHOE_DIM;
        for &(j, s) in shoe_nz {
            grad[row + j as usize] += g * r * s;
        }
    }
}

/// How many pointwise and pairwise terms a group holds.
fn term_counts(groups: &Groups, g: usize) -> (usize, usize) {
    let point = groups.examples(g).filter(|e| e.label.filter(|_| e.sold).is_some()).count();
    let pairs = groups.examples(g).map(|a| groups.examples(g).filter(|b| a.grade() > b.grade()).count()).sum();
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
fn session_loss(z: &[f64], labels: &[Option<bool>], grades: &[f64], scales: (f64, f64), dz: &mut Vec<f64>) -> Loss {
    let mut loss = Loss::default();
    dz.clear();
    dz.resize(z.len(), 0.0);
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
    loss
}

/// A group's unregularised loss, adding its gradient (with the given term scales) when asked.
fn group_loss(theta: &[f64], groups: &Groups, g: usize, s: &mut Scratch, grad: Option<(&mut [f64], (f64, f64))>) -> Loss {
    groups.load(g, s);
    logits(theta, &s.runner_nz, &s.linear, &s.shoes, &groups.shoes, &mut s.z);
    let scales = grad.as_ref().map_or((1.0, 1.0), |g| g.1);
    let loss = session_loss(&s.z, &s.labels, &s.grades, scales, &mut s.dz);
    if let Some((grad, _)) = grad {
        for k in 0..s.z.len() {
            if s.dz[k] != 0.0 {
                add_gradient(grad, s.dz[k], &s.runner_nz, &s.linear[k], &groups.shoes[s.shoes[k] as usize], s.labels[k].is_some());
            }
        }
    }
    loss
}

fn objective(theta: &[f64], groups: &Groups) -> f64 {
    let mut loss = Loss::default();
    let mut scratch = Scratch::default();
    for g in 0..groups.len() {
        loss.add(group_loss(theta, groups, g, &mut scratch, None));
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
#[allow(clippy::too_many_arguments)]
fn step(theta: &mut [f64], adam: &mut Adam, grad: &mut [f64], train: &Groups, scratch: &mut Scratch, batch: &[usize], alpha: f64, rate: f64) {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (np, nq) = batch.iter().map(|&g| term_counts(train, g)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let scales = (1.0 / np.max(1) as f64, 1.0 / nq.max(1) as f64);
    for &g in batch {
        group_loss(theta, train, g, scratch, Some((&mut *grad, scales)));
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

/// Batches between two validation checks: a quarter of a pass, at most `MAX_CHECK_SESSIONS`.
fn check_every(train_sessions: usize) -> usize {
    let batches_per_pass = train_sessions.div_ceil(BATCH_SESSIONS).max(1);
    batches_per_pass.div_ceil(CHECKS_PER_PASS).clamp(1, MAX_CHECK_SESSIONS / BATCH_SESSIONS)
}

/// Checks without improvement before the search stops: `PATIENCE`, or fewer when that
/// would train more than `MAX_PATIENCE_SESSIONS` sessions.
fn patience(train_sessions: usize) -> usize {
    let sessions_per_check = check_every(train_sessions) * BATCH_SESSIONS;
    (MAX_PATIENCE_SESSIONS / sessions_per_check).clamp(1, PATIENCE)
}

/// The examples of at most `MAX_VALIDATION_SESSIONS` of these examples' sessions, spread
/// evenly through them (sessions are numbered in time order); all of them when there are no
/// more. The search checks these, and the family choice compares both families on them.
pub fn validation_sample(dataset: &Dataset, examples: &[usize]) -> Vec<usize> {
    spread_sessions(dataset, examples, MAX_VALIDATION_SESSIONS)
}

/// The examples of at most `max` of these examples' sessions, evenly spread, in their order.
fn spread_sessions(dataset: &Dataset, examples: &[usize], max: usize) -> Vec<usize> {
    let mut sessions: Vec<usize> = examples.iter().map(|&i| dataset.examples[i].session).collect();
    sessions.sort_unstable();
    sessions.dedup();
    let n = sessions.len();
    if n <= max {
        return examples.to_vec();
    }
    let mut kept = vec![false; dataset.sessions.len()];
    for k in 0..max {
        kept[sessions[k * n / max]] = true;
    }
    examples.iter().copied().filter(|&i| kept[dataset.examples[i].session]).collect()
}

/// Trains for at most `passes` passes (fractional), in a seeded random order, calling
/// `on_check(passes_so_far, theta)` every `check_every` batches; stops when it says so.
fn fit_with(train: &Groups, passes: f64, alpha: f64, mut on_check: impl FnMut(f64, &[f64]) -> bool) -> Vec<f64> {
    let mut theta = vec![0.0; PARAMS];
    let mut adam = Adam::new();
    let mut grad = vec![0.0; PARAMS];
    let mut scratch = Scratch::default();
    let mut rng = StdRng::seed_from_u64(17);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let batches_per_pass = train.len().div_ceil(BATCH_SESSIONS).max(1);
    let total = (passes * batches_per_pass as f64).round() as usize;
    let check_every = check_every(train.len());
    let decay_batches = batches_per_pass.min(MAX_CHECK_SESSIONS / BATCH_SESSIONS);
    for done in 0..total {
        let in_pass = done % batches_per_pass;
        if in_pass == 0 {
            order.shuffle(&mut rng);
        }
        let start = in_pass * BATCH_SESSIONS;
        let batch = &order[start..(start + BATCH_SESSIONS).min(order.len())];
        // Decaying steps settle the noise of small batches: rate / sqrt(1 + passes), a "pass"
        // here being at most `MAX_CHECK_SESSIONS` sessions: over a long pass the steps did not
        // shrink, and at 1 M sales the validation objective swung by 0.05 between checks.
        let rate = LEARNING_RATE / (1.0 + done as f64 / decay_batches as f64).sqrt();
        step(&mut theta, &mut adam, &mut grad, train, &mut scratch, batch, alpha, rate);
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
    let train_groups = Groups::new(dataset, train, standardiser(dataset, train));
    // Validation is standardised as training is.
    let valid_groups = Groups::new(dataset, &validation_sample(dataset, validation), (train_groups.means.clone(), train_groups.scales.clone()));
    if train_groups.len() == 0 {
        return Err(TrainError::NotEnoughData("no training sessions".into()));
    }
    let patience = patience(train_groups.len());
    let search = |alpha: f64| {
        let (mut best, mut best_passes, mut since) = (f64::INFINITY, 1.0, 0);
        fit_with(&train_groups, MAX_PASSES, alpha, |passes, theta| {
            let v = if valid_groups.len() == 0 { 0.0 } else { objective(theta, &valid_groups) };
            log::debug!("alpha {alpha}: {passes:.3} passes, validation objective {v:.6}");
            if v < best - 1e-5 {
                (best, best_passes, since) = (v, passes, 0);
            } else {
                since += 1;
            }
            since < patience
        });
        SearchResult { alpha, passes: best_passes, validation_objective: best }
    };
    let best_of = |results: &[SearchResult]| {
        results.iter().min_by(|a, b| a.validation_objective.total_cmp(&b.validation_objective)).cloned()
    };
    // Each strength's search is independent and seeded alike, so they run in parallel and
    // give exactly what they gave one after another.
    use rayon::prelude::*;
    let mut results: Vec<SearchResult> = ALPHAS.par_iter().map(|&alpha| search(alpha)).collect();
    // The weakest strength won: the grid's edge, not the best, may have been found. The
    // next two weaker ones are tried side by side, and two more if the weakest wins again.
    for _ in 0..WEAKER_ROUNDS {
        let weakest = results[0].alpha;
        if best_of(&results).map(|b| b.alpha) != Some(weakest) {
            break;
        }
        let (a, b) = (next_weaker(weakest), next_weaker(next_weaker(weakest)));
        let (ra, rb) = rayon::join(|| search(a), || search(b));
        results.splice(0..0, [rb, ra]);
    }
    let steps = results.len() + 1;
    on_step(results.len(), steps);
    // The search's groups go before the final fit builds its own over train + validation.
    drop((train_groups, valid_groups));
    let best = best_of(&results).ok_or_else(|| TrainError::Solver("no regularisation strength tried".into()))?;

    let all: Vec<usize> = train.iter().chain(validation).copied().collect();
    let artifact = refit(dataset, &all, best.alpha, best.passes, version)?;
    on_step(steps, steps);
    Ok((artifact, results, best.validation_objective))
}

/// The next strength below `alpha` on the grid's 1-3-10 steps (0.001 → 0.0003 → 0.0001).
fn next_weaker(alpha: f64) -> f64 {
    let written = format!("{alpha:.0e}");
    let (mantissa, exponent) = written.split_once('e').unwrap_or(("1", "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let weaker = if mantissa.parse::<f64>().unwrap_or(1.0) >= 2.0 { format!("1e{exponent}") } else { format!("3e{}", exponent - 1) };
    weaker.parse().unwrap_or(alpha / 3.0)
}

/// Fits with fixed hyper-parameters (no search) on these examples: the final fit, and the
/// report's learning curve (the same recipe on less history).
pub fn refit(dataset: &Dataset, examples: &[usize], alpha: f64, passes: f64, version: &str) -> Result<InteractionArtifact, TrainError> {
    let all_groups = Groups::new(dataset, examples, standardiser(dataset, examples));
    if all_groups.len() == 0 {
        return Err(TrainError::NotEnoughData("no training sessions".into()));
    }
    let theta = fit_with(&all_groups, passes, alpha, |_, _| true);
    let Groups { means, scales, .. } = all_groups;
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
        let prepared = scorer.prepare(&dataset.runner(session));
        let z: Vec<f64> = items.iter().map(|e| scorer.rank_key(&prepared, &e.pair(dataset))).collect();
        let labels: Vec<Option<bool>> = items.iter().map(|e| e.label.filter(|_| e.sold)).collect();
        let grades: Vec<f64> = items.iter().map(|e| e.grade()).collect();
        loss.add(session_loss(&z, &labels, &grades, (1.0, 1.0), &mut Vec::new()));
    }
    loss.objective()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_validation_sample_spreads_whole_sessions_through_time_and_keeps_small_sets_whole() {
        use crate::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
        use crate::simulate::{simulate, to_records, SimulationConfig};
        let catalogue =
            crate::catalogue::Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).unwrap(), parse_insoles(BUNDLED_INSOLES_CSV).unwrap());
        let sales = simulate(&catalogue, &SimulationConfig { sales: 400, seed: 5, ..Default::default() });
        let data = super::super::dataset::build(&to_records(&sales, chrono::Utc::now()), &catalogue);
        let all: Vec<usize> = (0..data.examples.len()).collect();
        assert_eq!(spread_sessions(&data, &all, data.sessions.len()), all);

        let sample = spread_sessions(&data, &all, 40);
        let kept: std::collections::BTreeSet<usize> = sample.iter().map(|&i| data.examples[i].session).collect();
        assert_eq!(kept.len(), 40);
        // Whole sessions, in the examples' order.
        assert_eq!(sample, all.iter().copied().filter(|&i| kept.contains(&data.examples[i].session)).collect::<Vec<_>>());
        // Spread from the oldest session to the newest tenth.
        assert_eq!(kept.first(), Some(&0));
        assert!(*kept.last().unwrap() >= data.sessions.len() * 9 / 10);
    }

    #[test]
    fn a_groups_logits_advanced_together_are_each_items_own_sum_to_the_bit() {
        use rand::Rng;
        let mut rng = StdRng::seed_from_u64(3);
        let theta: Vec<f64> = (0..PARAMS).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let sparse = |rng: &mut StdRng, dim: usize| -> Vec<(u16, f64)> {
            let kept: Vec<usize> = (0..dim).filter(|_| rng.gen_bool(0.2)).collect();
            kept.into_iter().map(|i| (i as u16, rng.gen_range(-2.0..2.0))).collect()
        };
        let shoe_nz: Vec<Vec<(u16, f64)>> = (0..9).map(|_| sparse(&mut rng, SHOE_DIM)).collect();
        for _ in 0..20 {
            let runner_nz = sparse(&mut rng, RUNNER_DIM);
            let n = rng.gen_range(1..7);
            let linear: Vec<[f64; LINEAR_DIM]> = (0..n).map(|_| std::array::from_fn(|_| rng.gen_range(-3.0..3.0))).collect();
            let shoes: Vec<u32> = (0..n).map(|_| rng.gen_range(0..9)).collect();
            let mut z = Vec::new();
            logits(&theta, &runner_nz, &linear, &shoes, &shoe_nz, &mut z);
            for k in 0..n {
                // One item's sum, term after term, as the fit once computed it.
                let mut own = theta[INTERCEPT];
                for (w, x) in theta[..LINEAR_DIM].iter().zip(&linear[k]) {
                    own += w * x;
                }
                for &(i, r) in &runner_nz {
                    for &(j, s) in &shoe_nz[shoes[k] as usize] {
                        own += theta[MATRIX + i as usize * SHOE_DIM + j as usize] * r * s;
                    }
                }
                assert_eq!(z[k].to_bits(), own.to_bits());
            }
        }
    }

    #[test]
    fn weaker_strengths_continue_the_grids_steps() {
        let mut alpha = ALPHAS[0];
        let mut seen = Vec::new();
        for _ in 0..4 {
            alpha = next_weaker(alpha);
            seen.push(alpha);
        }
        assert_eq!(seen, [0.0003, 0.0001, 0.00003, 0.00001]);
        assert_eq!(next_weaker(0.3), 0.1);
        assert_eq!(next_weaker(0.01), 0.003);
    }

    #[test]
    fn checks_and_patience_are_a_quarter_pass_and_four_passes_until_a_pass_is_long() {
        // Histories of the learning curve (2 000 to 20 000 sessions, 60-80 % of them trained on)
        // and up to 80 000 sessions keep four checks a pass and sixteen checks of patience.
        for train in [1_200usize, 16_000, 48_000] {
            let batches = train.div_ceil(BATCH_SESSIONS);
            assert_eq!(check_every(train), batches.div_ceil(CHECKS_PER_PASS), "{train}");
            assert_eq!(patience(train), PATIENCE, "{train}");
        }
        // 1 M sales: 600 000 training sessions, a check every 49 920 sessions, four of patience.
        assert_eq!(check_every(600_000) * BATCH_SESSIONS, 49_920);
        assert_eq!(patience(600_000), 4);
        assert!(patience(600_000) * check_every(600_000) * BATCH_SESSIONS <= MAX_PATIENCE_SESSIONS);
    }
}
