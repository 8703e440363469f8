//! Held-out evaluation of any ranker on the same sessions: pointwise (AUC, log loss,
//! calibration) on sale outcomes, and ranking (NDCG@5, MRR) both over each session's
//! tried-on set (the shop's question: which of these will they keep?) and over the whole
//! catalogue, overall and per store, with bootstrap 95 % intervals over sessions.
//! Reference rankers (random, popularity) give an NDCG its scale.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::dataset::Dataset;
use super::metrics::{auc, calibration, log_loss, ndcg_at_k, ndcg_graded_at_k, reciprocal_rank};
use crate::catalogue::Catalogue;
pub use crate::model::comparison::{Evaluation, Interval, Metrics};
use crate::features::pair;
use crate::ranking::{sigmoid, Scorer};

/// Sessions ranked against the full catalogue are capped to keep evaluation fast on big histories.
pub const MAX_RANKED_SESSIONS: usize = 20_000;
/// Bootstrap resamples for the intervals.
pub const BOOTSTRAP_RESAMPLES: usize = 400;

/// Something that orders shoes for a session: a model, or a reference.
pub enum Ranker<'a> {
    Model(&'a dyn Scorer),
    /// Training-set good-fit sales per shoe (catalogue index).
    Popularity(&'a HashMap<u32, f64>),
    /// A fixed pseudo-random order per session.
    Random,
}

pub const RANDOM_VERSION: &str = "reference-random";
pub const POPULARITY_VERSION: &str = "reference-popularity";

impl Ranker<'_> {
    fn version(&self) -> &str {
        match self {
            Ranker::Model(s) => s.version(),
            Ranker::Popularity(_) => POPULARITY_VERSION,
            Ranker::Random => RANDOM_VERSION,
        }
    }
}

/// Good-fit sales per shoe in the given (training) examples, for the popularity reference.
pub fn popularity(dataset: &Dataset, train: &[usize]) -> HashMap<u32, f64> {
    let mut counts = HashMap::new();
    for &i in train {
        let e = &dataset.examples[i];
        if e.sold && e.label != Some(false) {
            *counts.entry(e.shoe).or_insert(0.0) += 1.0;
        }
    }
    counts
}

fn random_key(session: usize, shoe: u32) -> f64 {
    // SplitMix-style hash: a stable, uniform order with no state.
    let mut z = (session as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (shoe as u64).wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// Rank keys for every catalogue shoe in a session, by catalogue index.
pub(crate) fn catalogue_keys(ranker: &Ranker, dataset: &Dataset, session: usize, catalogue: &Catalogue) -> Vec<f64> {
    match ranker {
        Ranker::Model(scorer) => {
            let runner = &dataset.runner(session);
            let prepared = scorer.prepare(runner);
            catalogue
                .shoes
                .iter()
                .zip(&dataset.shoe_attributes)
                .map(|(shoe, attributes)| scorer.rank_key(&prepared, &pair(runner, shoe, attributes)))
                .collect()
        }
        Ranker::Popularity(counts) => (0..catalogue.shoes.len() as u32)
            .map(|i| counts.get(&i).copied().unwrap_or(0.0) + 1e-6 * random_key(session, i))
            .collect(),
        Ranker::Random => (0..catalogue.shoes.len() as u32).map(|i| random_key(session, i)).collect(),
    }
}

/// 1-based rank of `index` among `keys` (higher first, ties by index as the service breaks them).
pub(crate) fn rank_of(keys: &[f64], index: usize) -> usize {
    let own = keys[index];
    1 + keys.iter().enumerate().filter(|(j, k)| **k > own || (**k == own && *j < index)).count()
}

fn interval(values: &[f64], rng: &mut StdRng) -> Option<Interval> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len();
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| (0..n).map(|_| values[rng.gen_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    Some(Interval { low: means[BOOTSTRAP_RESAMPLES * 25 / 1000], high: means[BOOTSTRAP_RESAMPLES * 975 / 1000 - 1] })
}

/// AUC with a bootstrap interval over sessions.
fn auc_with_interval(p: &[f64], y: &[bool], sessions: &[usize], rng: &mut StdRng) -> (Option<f64>, Option<Interval>) {
    let point = auc(p, y);
    if point.is_none() {
        return (None, None);
    }
    let mut by_session: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, s) in sessions.iter().enumerate() {
        by_session.entry(*s).or_default().push(k);
    }
    let groups: Vec<&Vec<usize>> = by_session.values().collect();
    let mut values: Vec<f64> = (0..BOOTSTRAP_RESAMPLES / 4)
        .filter_map(|_| {
            let (mut bp, mut by) = (Vec::new(), Vec::new());
            for _ in 0..groups.len() {
                for &k in groups[rng.gen_range(0..groups.len())] {
                    bp.push(p[k]);
                    by.push(y[k]);
                }
            }
            auc(&bp, &by)
        })
        .collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let ci = (n >= 10).then(|| Interval { low: values[n * 25 / 1000], high: values[(n * 975 / 1000).min(n - 1)] });
    (point, ci)
}

/// What one group of held-out sessions (all of them, or one store's) has gathered so far.
#[derive(Default)]
struct Gathered {
    /// Sessions offered (at most `MAX_RANKED_SESSIONS` are read).
    sessions: usize,
    p: Vec<f64>,
    y: Vec<bool>,
    owner: Vec<usize>,
    catalogue_ndcg: Vec<f64>,
    catalogue_rr: Vec<f64>,
    tried_ndcg: Vec<f64>,
    primary: BTreeMap<usize, f64>,
}

impl Gathered {
    /// Whether the next session is read (the first `MAX_RANKED_SESSIONS`, in session order).
    fn wants(&self) -> bool {
        self.sessions < MAX_RANKED_SESSIONS
    }

    /// One session's items, ranked by `keys` (every catalogue shoe's, by catalogue index).
    fn add(&mut self, dataset: &Dataset, session: usize, items: &[&super::dataset::Example], keys: &[f64]) {
        for e in items.iter().filter(|e| e.is_labelled_sale()) {
            self.p.push(sigmoid(keys[e.shoe as usize]));
            self.y.push(e.good_fit());
            self.owner.push(session);
        }
        let good: Vec<usize> = items.iter().filter(|e| e.good_fit()).map(|e| rank_of(keys, e.shoe as usize)).collect();
        if !good.is_empty() {
            let v = ndcg_at_k(&good, 5);
            self.catalogue_ndcg.push(v);
            self.catalogue_rr.push(reciprocal_rank(&good));
            self.primary.insert(session, v);
        }
        if dataset.sessions[session].has_try_ons && items.len() >= 2 && items.iter().any(|e| e.grade() > 0.0) {
            let tried_keys: Vec<f64> = items.iter().map(|e| keys[e.shoe as usize]).collect();
            let grades: Vec<f64> = items.iter().map(|e| e.grade()).collect();
            let v = ndcg_graded_at_k(&tried_keys, &grades, 5);
            self.tried_ndcg.push(v);
            self.primary.insert(session, v);
        }
    }

    /// The group's metrics, and each session's primary figure.
    fn metrics(self, ranker: &Ranker) -> (Metrics, BTreeMap<usize, f64>) {
        let Gathered { p, y, owner, catalogue_ndcg, catalogue_rr, tried_ndcg, primary, .. } = self;
        let mut rng = StdRng::seed_from_u64(20261128);
        let is_model = matches!(ranker, Ranker::Model(_));
        let (bins, ece) = calibration(&p, &y);
        let (auc_value, auc_ci) = auc_with_interval(&p, &y, &owner, &mut rng);
        let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
        let metrics = Metrics {
            pairs: p.len(),
            sessions_ranked: catalogue_ndcg.len(),
            ndcg_at_5: mean(&catalogue_ndcg),
            ndcg_at_5_interval: interval(&catalogue_ndcg, &mut rng),
            mrr: mean(&catalogue_rr),
            mrr_interval: interval(&catalogue_rr, &mut rng),
            auc: auc_value,
            auc_interval: auc_ci,
            log_loss: (is_model && !p.is_empty()).then(|| log_loss(&p, &y)),
            ece: (is_model && !p.is_empty()).then_some(ece),
            calibration: if is_model { bins } else { Vec::new() },
            tried_sessions: tried_ndcg.len(),
            tried_ndcg_at_5: (!tried_ndcg.is_empty()).then(|| mean(&tried_ndcg)),
            tried_ndcg_at_5_interval: interval(&tried_ndcg, &mut rng),
        };
        (metrics, primary)
    }
}

/// The ranker's metrics over the held-out examples and over each store's: the first
/// `MAX_RANKED_SESSIONS` sessions (in session order) of each group, every session's
/// catalogue ranked once for all the groups that read it (the overall group's sessions are
/// among their stores' first, and were ranked twice).
pub fn evaluate_ranker(ranker: &Ranker, dataset: &Dataset, examples: &[usize], catalogue: &Catalogue) -> Evaluation {
    let mut overall = Gathered::default();
    let mut per_store: BTreeMap<String, Gathered> = BTreeMap::new();
    for (session, items) in dataset.by_session(examples) {
        let store = dataset.sessions[session].store_id.clone().unwrap_or_else(|| "(none)".into());
        let in_store = per_store.entry(store).or_default();
        let (for_overall, for_store) = (overall.wants(), in_store.wants());
        overall.sessions += 1;
        in_store.sessions += 1;
        if !for_overall && !for_store {
            continue;
        }
        let keys = catalogue_keys(ranker, dataset, session, catalogue);
        if for_overall {
            overall.add(dataset, session, &items, &keys);
        }
        if for_store {
            in_store.add(dataset, session, &items, &keys);
        }
    }
    let (overall, per_session) = overall.metrics(ranker);
    Evaluation {
        model_version: ranker.version().to_owned(),
        overall,
        per_store: per_store.into_iter().map(|(store, g)| (store, g.metrics(ranker).0)).collect(),
        per_session,
    }
}

pub fn evaluate(scorer: &dyn Scorer, dataset: &Dataset, examples: &[usize], catalogue: &Catalogue) -> Evaluation {
    evaluate_ranker(&Ranker::Model(scorer), dataset, examples, catalogue)
}

/// Bootstrap 95 % interval of the mean per-session gain of `a` over `b`, on the sessions both ranked.
pub fn gain_interval(a: &Evaluation, b: &Evaluation) -> Option<(f64, Interval)> {
    let diffs: Vec<f64> = a.per_session.iter().filter_map(|(s, va)| b.per_session.get(s).map(|vb| va - vb)).collect();
    let mut rng = StdRng::seed_from_u64(7);
    let ci = interval(&diffs, &mut rng)?;
    Some((diffs.iter().sum::<f64>() / diffs.len() as f64, ci))
}
