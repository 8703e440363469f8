//! Ranking: score every candidate shoe for a runner with whichever `Scorer` is active
//! (the evidence baseline or a trained model), keep the best, and explain each one from
//! the scorer's own per-feature contributions. No HTTP here.

use std::collections::HashSet;
use std::sync::Arc;

use crate::catalogue::{Catalogue, Shoe, Terrain, Width};
use crate::features::{pair_features, FeatureVector, RunnerSignals, FEATURE_COUNT};

pub mod baseline;
mod explain;
mod insoles;
pub use baseline::BaselineScorer;
pub use explain::{explain, Explanation};
pub use insoles::{pair_insole, InsolePairing};

/// A scorer's verdict on one pair: a 0-1 fit score and each feature's share of it (in log-odds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub contributions: [f64; FEATURE_COUNT],
}

/// Anything that can score a feature vector. The baseline rules and trained models both
/// implement it, so handlers never know which one is ranking.
pub trait Scorer: Send + Sync {
    /// Version name reported with every recommendation, e.g. `baseline-rules-v1`.
    fn version(&self) -> &str;
    fn score(&self, features: &FeatureVector) -> Scored;
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Hard filters from the request; everything else is a soft preference in the score.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only these shoe ids (e.g. in stock at the store).
    pub only_ids: Option<HashSet<String>>,
    pub terrain: Option<Terrain>,
    pub max_price_usd: Option<f64>,
    pub width: Option<Width>,
}

impl Filters {
    pub fn admits(&self, shoe: &Shoe) -> bool {
        self.only_ids.as_ref().is_none_or(|ids| ids.contains(&shoe.id))
            && self.terrain.is_none_or(|t| shoe.terrain.suitability_for(t) > 0.0)
            && self.max_price_usd.is_none_or(|max| shoe.price_usd.is_some_and(|p| p <= max))
            && self.width.is_none_or(|w| shoe.offers_width(w))
    }
}

#[derive(Debug, Clone)]
pub struct RankedShoe {
    pub shoe: Shoe,
    pub score: f64,
    pub explanation: Explanation,
    pub insole: Option<InsolePairing>,
}

/// Ranks the admitted shoes and returns the best `top_k`, best first (ties by id).
pub fn rank(
    scorer: &dyn Scorer,
    catalogue: &Catalogue,
    runner: &RunnerSignals,
    filters: &Filters,
    top_k: usize,
) -> Vec<RankedShoe> {
    let mut scored: Vec<(&Shoe, FeatureVector, Scored)> = catalogue
        .shoes
        .iter()
        .filter(|s| filters.admits(s))
        .map(|shoe| {
            let x = pair_features(runner, shoe);
            (shoe, x, scorer.score(&x))
        })
        .collect();
    let mean_contributions = mean_contributions(&scored);
    let by_score = |a: &(&Shoe, FeatureVector, Scored), b: &(&Shoe, FeatureVector, Scored)| {
        b.2.score.total_cmp(&a.2.score).then_with(|| a.0.id.cmp(&b.0.id))
    };
    if scored.len() > top_k && top_k > 0 {
        scored.select_nth_unstable_by(top_k - 1, by_score);
        scored.truncate(top_k);
    }
    scored.sort_by(by_score);
    scored.truncate(top_k);
    scored
        .into_iter()
        .map(|(shoe, x, s)| RankedShoe {
            explanation: explain(runner, shoe, &x, &s.contributions, &mean_contributions),
            insole: pair_insole(runner, shoe, &catalogue.insoles),
            shoe: shoe.clone(),
            score: s.score,
        })
        .collect()
}

fn mean_contributions(scored: &[(&Shoe, FeatureVector, Scored)]) -> [f64; FEATURE_COUNT] {
    let mut mean = [0.0; FEATURE_COUNT];
    if scored.is_empty() {
        return mean;
    }
    for (_, _, s) in scored {
        for (m, c) in mean.iter_mut().zip(s.contributions.iter()) {
            *m += c;
        }
    }
    let n = scored.len() as f64;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

/// The scorer currently serving, swappable while requests are in flight.
pub type SharedScorer = Arc<dyn Scorer>;


#[cfg(test)]
mod tests;
