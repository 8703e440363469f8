//! The interaction ranker: a linear part over the hand features and worn-pair relations,
//! plus a learned runner × shoe interaction matrix over the raw binned attributes. It can
//! learn any pairing of a runner attribute with a shoe attribute (a brand a segment keeps,
//! a stack that heavier runners need) that nobody wrote as a feature, yet it scores a shoe
//! as one short dot product: the runner side is folded into per-shoe-attribute weights once
//! per request (`prepare`).

use serde::{Deserialize, Serialize};

use super::ModelError;
use crate::features::{
    attributes, extended_schema_hash, Feature, Pair, RunnerSignals, FEATURE_COUNT, RELATION_COUNT, RUNNER_DIM, SHOE_DIM,
};
use crate::ranking::{sigmoid, Linear, Prepared, Scored, Scorer};

pub const INTERACTION_KIND: &str = "interaction_ranker";

/// Inputs of the linear part: hand features then relations.
pub const LINEAR_DIM: usize = FEATURE_COUNT + RELATION_COUNT;

pub fn linear_names() -> Vec<String> {
    Feature::ALL.iter().map(|f| f.name().to_owned()).chain(attributes::relation_names()).collect()
}

/// Copies a pair's linear inputs (hand features, then relations) into one vector.
pub fn linear_inputs(pair: &Pair) -> [f64; LINEAR_DIM] {
    let mut v = [0.0; LINEAR_DIM];
    v[..FEATURE_COUNT].copy_from_slice(&pair.x.0);
    v[FEATURE_COUNT..].copy_from_slice(&pair.relations.0);
    v
}

/// How the model was chosen and trained, kept with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractionHyperParameters {
    /// L2 strength, chosen on the validation split.
    pub alpha: f64,
    /// Passes over the training sessions (fractional), chosen on the validation split
    /// (early stopping).
    pub passes: f64,
    pub learning_rate: f64,
    /// Weight of the pairwise (bought vs put back) loss against the pointwise (kept vs returned) loss.
    pub pairwise_weight: f64,
}

/// What is stored for an interaction ranker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionArtifact {
    pub version: String,
    pub schema_hash: String,
    pub linear_names: Vec<String>,
    pub runner_names: Vec<String>,
    pub shoe_names: Vec<String>,
    /// Training mean and scale of each linear input (the model sees standardised inputs).
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub linear_weights: Vec<f64>,
    pub intercept: f64,
    /// Runner attribute × shoe attribute weights, row-major (`runner_names.len()` rows).
    pub interactions: Vec<f64>,
    pub hyper_parameters: InteractionHyperParameters,
}

/// An interaction ranker ready to score; built only from an artifact whose features match.
#[derive(Debug, Clone)]
pub struct InteractionModel {
    artifact: InteractionArtifact,
    slopes: [f64; LINEAR_DIM],
    means: [f64; LINEAR_DIM],
    /// intercept - sum(slope * mean).
    offset: f64,
    rows: Vec<[f64; SHOE_DIM]>,
}

impl InteractionModel {
    pub fn from_artifact(artifact: InteractionArtifact) -> Result<Self, ModelError> {
        let expected = extended_schema_hash();
        if artifact.schema_hash != expected {
            return Err(ModelError::SchemaMismatch { version: artifact.version, found: artifact.schema_hash, expected });
        }
        let shapes = [
            artifact.means.len(),
            artifact.scales.len(),
            artifact.linear_weights.len(),
            artifact.linear_names.len(),
            artifact.interactions.len(),
        ];
        if shapes != [LINEAR_DIM, LINEAR_DIM, LINEAR_DIM, LINEAR_DIM, RUNNER_DIM * SHOE_DIM] {
            return Err(ModelError::Corrupt(format!("model {} does not have this build's input sizes", artifact.version)));
        }
        let (slopes, means, offset) =
            super::fold_standardisation(&artifact.linear_weights, &artifact.means, &artifact.scales, artifact.intercept);
        let rows = artifact
            .interactions
            .chunks_exact(SHOE_DIM)
            .map(|c| {
                let mut row = [0.0; SHOE_DIM];
                row.copy_from_slice(c);
                row
            })
            .collect();
        Ok(Self { artifact, slopes, means, offset, rows })
    }

    pub fn artifact(&self) -> &InteractionArtifact {
        &self.artifact
    }
}

impl Scorer for InteractionModel {
    fn version(&self) -> &str {
        &self.artifact.version
    }

    /// Folds the runner into one weight per shoe attribute: w_j = sum_i r_i W_ij.
    fn prepare(&self, runner: &RunnerSignals) -> Prepared {
        let mut shoe_weights = [0.0; SHOE_DIM];
        for (r, row) in runner.attributes.0.iter().zip(&self.rows) {
            if *r != 0.0 {
                for (w, v) in shoe_weights.iter_mut().zip(row) {
                    *w += r * v;
                }
            }
        }
        Prepared { shoe_weights, offset: 0.0 }
    }

    /// Linear contributions are measured from the training mean (as the logistic model's
    /// are); learned shoe terms from zero, and the explanation compares them with the
    /// average candidate's.
    fn score(&self, prepared: &Prepared, pair: &Pair) -> Scored {
        let v = linear_inputs(pair);
        let mut z = self.artifact.intercept + prepared.offset;
        let mut linear = [0.0; LINEAR_DIM];
        for i in 0..LINEAR_DIM {
            linear[i] = self.slopes[i] * (v[i] - self.means[i]);
            z += linear[i];
        }
        let mut shoe = [0.0; SHOE_DIM];
        for ((c, w), s) in shoe.iter_mut().zip(&prepared.shoe_weights).zip(&pair.shoe.0) {
            *c = w * s;
            z += *c;
        }
        let mut contributions = [0.0; FEATURE_COUNT];
        contributions.copy_from_slice(&linear[..FEATURE_COUNT]);
        let mut relations = [0.0; RELATION_COUNT];
        relations.copy_from_slice(&linear[FEATURE_COUNT..]);
        Scored { score: sigmoid(z), contributions, relations, shoe }
    }

    fn linear(&self, prepared: &Prepared) -> Option<Linear> {
        let mut hand = [0.0; FEATURE_COUNT];
        hand.copy_from_slice(&self.slopes[..FEATURE_COUNT]);
        let mut relations = [0.0; RELATION_COUNT];
        relations.copy_from_slice(&self.slopes[FEATURE_COUNT..]);
        Some(Linear { offset: self.offset + prepared.offset, hand, relations, shoe: prepared.shoe_weights })
    }

    fn rank_key(&self, prepared: &Prepared, pair: &Pair) -> f64 {
        let mut z = self.offset + prepared.offset;
        for (s, x) in self.slopes[..FEATURE_COUNT].iter().zip(pair.x.0.iter()) {
            z += s * x;
        }
        for (s, x) in self.slopes[FEATURE_COUNT..].iter().zip(pair.relations.0.iter()) {
            z += s * x;
        }
        for (w, s) in prepared.shoe_weights.iter().zip(pair.shoe.0.iter()) {
            z += w * s;
        }
        z
    }
}
