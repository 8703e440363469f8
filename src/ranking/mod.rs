//! Ranking: score every candidate shoe for a runner with whichever `Scorer` is active
//! (the evidence baseline or a trained model), keep the best, and explain each one from
//! the scorer's own per-feature contributions. No HTTP here.

use std::collections::HashSet;

use crate::catalogue::{Catalogue, Shoe, Terrain, Width};
use crate::features::{
    pair, shoe_attributes, FeatureVector, Pair, Relations, RunnerSignals, ShoeAttributes, FEATURE_COUNT, RELATION_COUNT,
    SHOE_DIM,
};

mod active;
pub mod baseline;
mod explain;
pub mod fitter;
mod insoles;
pub use active::ActiveScorer;
mod kernel;
pub use baseline::BaselineScorer;
pub use explain::{explain, Explanation};
pub use fitter::{rank_for_runner, FilterCounts, Policy, Ranking, Relaxation};
pub use insoles::{pair_insole, InsolePairing};
pub use kernel::{Linear, ShoeMatrix};

/// A scorer's verdict on one pair: a 0-1 fit score and each input's share of it (in
/// log-odds): hand features, worn-pair relations and the shoe's learned attribute terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub contributions: [f64; FEATURE_COUNT],
    pub relations: [f64; RELATION_COUNT],
    pub shoe: [f64; SHOE_DIM],
}

impl Scored {
    pub fn from_hand(score: f64, contributions: [f64; FEATURE_COUNT]) -> Self {
        Self { score, contributions, relations: [0.0; RELATION_COUNT], shoe: [0.0; SHOE_DIM] }
    }
}

/// Runner-side work a scorer does once per request, before it scores many shoes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prepared {
    /// This runner's learned weight for each shoe attribute (interaction models; else zero).
    pub shoe_weights: [f64; SHOE_DIM],
    /// The runner-only part of the log-odds (the same for every shoe).
    pub offset: f64,
}

impl Prepared {
    pub const NONE: Prepared = Prepared { shoe_weights: [0.0; SHOE_DIM], offset: 0.0 };
}

/// Anything that can score a (runner, shoe) pair. The baseline rules and trained models all
/// implement it, so handlers never know which one is ranking.
pub trait Scorer: Send + Sync {
    /// Version name reported with every recommendation, e.g. `baseline-rules-v1`.
    fn version(&self) -> &str;

    /// Runner-side work, once per request.
    fn prepare(&self, _runner: &RunnerSignals) -> Prepared {
        Prepared::NONE
    }

    fn score(&self, prepared: &Prepared, pair: &Pair) -> Scored;

    /// A key that orders shoes exactly as `score` does (the log-odds), cheap enough to
    /// compute for every shoe in the catalogue: no contributions, no `exp`.
    fn rank_key(&self, prepared: &Prepared, pair: &Pair) -> f64 {
        let s = self.score(prepared, pair).score;
        (s / (1.0 - s)).ln()
    }

    /// The rank key as a linear function of the pair's inputs, for scorers that are linear
    /// in them: the scoring kernel then ranks a whole catalogue from precomputed shoe codes.
    /// `None` (the default) ranks through `rank_key` on every pair.
    fn linear(&self, _prepared: &Prepared) -> Option<Linear> {
        None
    }
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

/// Bits of `Filters::rejections`: which filters turn a shoe away.
pub mod rejected {
    pub const STOCK: u8 = 1;
    pub const WIDTH: u8 = 2;
    pub const TERRAIN: u8 = 4;
    pub const PRICE: u8 = 8;
}

impl Filters {
    pub fn admits(&self, shoe: &Shoe) -> bool {
        self.rejections(shoe) == 0
    }

    /// Every filter that turns this shoe away (bits of `rejected`), so an empty answer can
    /// say which filter removed what.
    pub fn rejections(&self, shoe: &Shoe) -> u8 {
        let mut bits = 0;
        if !self.only_ids.as_ref().is_none_or(|ids| ids.contains(&shoe.id)) {
            bits |= rejected::STOCK;
        }
        if !self.width.is_none_or(|w| shoe.offers_width(w)) {
            bits |= rejected::WIDTH;
        }
        if !self.terrain.is_none_or(|t| shoe.terrain.suitability_for(t) > 0.0) {
            bits |= rejected::TERRAIN;
        }
        if !self.max_price_usd.is_none_or(|max| shoe.price_usd.is_some_and(|p| p <= max)) {
            bits |= rejected::PRICE;
        }
        bits
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
///
/// The hot loop keeps only (score, index) per shoe; features and contributions are
/// recomputed for the few shoes returned.
pub fn rank(
    scorer: &dyn Scorer,
    catalogue: &Catalogue,
    runner: &RunnerSignals,
    filters: &Filters,
    top_k: usize,
) -> Vec<RankedShoe> {
    rank_counted(scorer, catalogue, runner, filters, top_k).0
}

/// `rank`, also returning how many shoes passed the filters and were scored.
pub fn rank_counted(
    scorer: &dyn Scorer,
    catalogue: &Catalogue,
    runner: &RunnerSignals,
    filters: &Filters,
    top_k: usize,
) -> (Vec<RankedShoe>, usize) {
    let attributes: Vec<ShoeAttributes> = catalogue.shoes.iter().map(shoe_attributes).collect();
    rank_counted_with(scorer, catalogue, &attributes, runner, filters, top_k)
}

/// The catalogue with every shoe's attributes and the scoring kernel's shoe matrix computed
/// once per snapshot, so a request does not rebuild them for every shoe.
pub struct ShoeTable {
    pub catalogue: std::sync::Arc<Catalogue>,
    pub attributes: Vec<ShoeAttributes>,
    pub matrix: Option<ShoeMatrix>,
}

impl ShoeTable {
    pub fn new(catalogue: std::sync::Arc<Catalogue>) -> Self {
        let attributes = catalogue.shoes.iter().map(shoe_attributes).collect();
        let matrix = ShoeMatrix::new(&catalogue);
        Self { catalogue, attributes, matrix }
    }
}

/// `rank_counted` with the shoes' attributes precomputed (`attributes[i]` is shoe `i`'s).
pub fn rank_counted_with(
    scorer: &dyn Scorer,
    catalogue: &Catalogue,
    attributes: &[ShoeAttributes],
    runner: &RunnerSignals,
    filters: &Filters,
    top_k: usize,
) -> (Vec<RankedShoe>, usize) {
    let prepared = scorer.prepare(runner);
    let mut scored: Vec<(f64, u32)> = Vec::with_capacity(catalogue.shoes.len());
    let mut typical = TypicalCandidate::default();
    for (i, shoe) in catalogue.shoes.iter().enumerate() {
        if !filters.admits(shoe) {
            continue;
        }
        let p = pair(runner, shoe, &attributes[i]);
        typical.add(&p);
        scored.push((scorer.rank_key(&prepared, &p), i as u32));
    }
    let candidates = scored.len();
    if scored.is_empty() || top_k == 0 {
        return (Vec::new(), candidates);
    }
    let mean = typical.scored(scorer, &prepared);

    // Catalogue shoes are sorted by id, so a lower index breaks ties by id.
    let by_score = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > top_k {
        scored.select_nth_unstable_by(top_k - 1, by_score);
        scored.truncate(top_k);
    }
    scored.sort_by(by_score);
    let ranked = scored
        .into_iter()
        .map(|(_, i)| explained(scorer, &prepared, &mean, runner, catalogue, &catalogue.shoes[i as usize], &attributes[i as usize]))
        .collect();
    (ranked, candidates)
}

/// Sums of the candidates' inputs: scorers are linear in their inputs, so the average
/// candidate's contributions are the contributions of the average inputs.
pub(crate) struct TypicalCandidate {
    hand: [f64; FEATURE_COUNT],
    relations: [f64; RELATION_COUNT],
    shoe: [f64; SHOE_DIM],
    count: usize,
}

impl Default for TypicalCandidate {
    fn default() -> Self {
        Self { hand: [0.0; FEATURE_COUNT], relations: [0.0; RELATION_COUNT], shoe: [0.0; SHOE_DIM], count: 0 }
    }
}

impl TypicalCandidate {
    pub(crate) fn add(&mut self, p: &Pair) {
        add_into(&mut self.hand, &p.x.0);
        add_into(&mut self.relations, &p.relations.0);
        add_into(&mut self.shoe, &p.shoe.0);
        self.count += 1;
    }

    /// The scorer's verdict on the average candidate (what explanations compare against).
    pub(crate) fn scored(&self, scorer: &dyn Scorer, prepared: &Prepared) -> Scored {
        let n = self.count.max(1) as f64;
        let attributes = ShoeAttributes(self.shoe.map(|s| s / n));
        let mean = Pair { x: FeatureVector(self.hand.map(|s| s / n)), relations: Relations(self.relations.map(|s| s / n)), shoe: &attributes };
        scorer.score(prepared, &mean)
    }
}

/// One returned shoe with its score, explanation (against the typical candidate) and insole.
pub(crate) fn explained(
    scorer: &dyn Scorer,
    prepared: &Prepared,
    typical: &Scored,
    runner: &RunnerSignals,
    catalogue: &Catalogue,
    shoe: &Shoe,
    attributes: &ShoeAttributes,
) -> RankedShoe {
    let p = pair(runner, shoe, attributes);
    let s = scorer.score(prepared, &p);
    RankedShoe {
        explanation: explain(runner, shoe, &p.x, &s, typical),
        insole: pair_insole(runner, shoe, &catalogue.insoles),
        shoe: shoe.clone(),
        score: s.score,
    }
}

fn add_into<const N: usize>(sum: &mut [f64; N], values: &[f64; N]) {
    for (s, v) in sum.iter_mut().zip(values) {
        *s += v;
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod fitter_panel;
#[cfg(test)]
mod kernel_tests;
