//! Held-out evaluation of any scorer on the same examples: pointwise (AUC, log loss,
//! calibration) and ranking (NDCG@5, MRR over the whole catalogue), overall and per store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dataset::Dataset;
use super::metrics::{auc, calibration, log_loss, ndcg_at_k, reciprocal_rank, CalibrationBin};
use crate::catalogue::Catalogue;
use crate::features::pair_features;
use crate::ranking::Scorer;

/// Sessions ranked against the full catalogue are capped to keep evaluation fast on big histories.
pub const MAX_RANKED_SESSIONS: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Metrics {
    /// Labelled (fitting, shoe) pairs evaluated.
    pub pairs: usize,
    /// Sessions with a good-fit sale, ranked against the catalogue.
    pub sessions_ranked: usize,
    pub ndcg_at_5: f64,
    pub mrr: f64,
    pub auc: Option<f64>,
    pub log_loss: f64,
    /// Expected calibration error.
    pub ece: f64,
    pub calibration: Vec<CalibrationBin>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub model_version: String,
    pub overall: Metrics,
    pub per_store: BTreeMap<String, Metrics>,
}

/// Metrics of one group of examples.
fn metrics(scorer: &dyn Scorer, dataset: &Dataset, examples: &[usize], catalogue: &Catalogue) -> Metrics {
    let p: Vec<f64> = examples.iter().map(|&i| scorer.score(&dataset.examples[i].x).score).collect();
    let y: Vec<bool> = examples.iter().map(|&i| dataset.examples[i].label).collect();
    let (bins, ece) = calibration(&p, &y);

    // Ranking: each session's good-fit shoes are the relevant items among the whole catalogue.
    let mut relevant: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for &i in examples {
        let e = &dataset.examples[i];
        if e.label {
            relevant.entry(e.session).or_default().push(e.shoe_id.as_str());
        }
    }
    let (mut ndcg, mut mrr, mut ranked) = (0.0, 0.0, 0usize);
    for (session, shoes) in relevant.iter().take(MAX_RANKED_SESSIONS) {
        let runner = &dataset.sessions[*session].runner;
        let scores: Vec<(f64, &str)> =
            catalogue.shoes.iter().map(|s| (scorer.score(&pair_features(runner, s)).score, s.id.as_str())).collect();
        let ranks: Vec<usize> = shoes
            .iter()
            .filter_map(|id| {
                let own = scores.iter().find(|(_, sid)| sid == id)?;
                // Rank as the service would: higher score first, ties by id.
                Some(1 + scores.iter().filter(|(s, sid)| *s > own.0 || (*s == own.0 && *sid < own.1)).count())
            })
            .collect();
        ndcg += ndcg_at_k(&ranks, 5);
        mrr += reciprocal_rank(&ranks);
        ranked += 1;
    }
    let denom = ranked.max(1) as f64;
    Metrics {
        pairs: examples.len(),
        sessions_ranked: ranked,
        ndcg_at_5: ndcg / denom,
        mrr: mrr / denom,
        auc: auc(&p, &y),
        log_loss: log_loss(&p, &y),
        ece,
        calibration: bins,
    }
}

pub fn evaluate(scorer: &dyn Scorer, dataset: &Dataset, examples: &[usize], catalogue: &Catalogue) -> Evaluation {
    let mut by_store: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in examples {
        let store = dataset.sessions[dataset.examples[i].session].store_id.clone().unwrap_or_else(|| "(none)".into());
        by_store.entry(store).or_default().push(i);
    }
    Evaluation {
        model_version: scorer.version().to_owned(),
        overall: metrics(scorer, dataset, examples, catalogue),
        per_store: by_store.into_iter().map(|(store, ex)| (store, metrics(scorer, dataset, &ex, catalogue))).collect(),
    }
}
