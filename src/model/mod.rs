//! Trained models: the serialised artifacts (a standardised logistic regression over the
//! hand features, or an interaction ranker that also learns runner × shoe attribute
//! pairings) and their `Scorer`s, so a trained model ranks and explains exactly like the
//! baseline does, through the same feature path.

use serde::{Deserialize, Serialize};

use crate::features::{schema_hash, Feature, Pair, FEATURE_COUNT};
use crate::ranking::{sigmoid, Prepared, Scored, Scorer};

pub mod activations;
pub mod comparison;
pub mod interaction;
pub mod registry;
pub use interaction::{InteractionArtifact, InteractionModel, INTERACTION_KIND};
pub use registry::{ModelError, ModelInfo, ModelRegistry, BUNDLED_DEFAULT_MODEL};

pub const LOGISTIC_KIND: &str = "logistic_regression";

/// A stored model of any family. The registry's `kind` column says which one a row holds,
/// so artifacts stored before a family existed keep loading as what they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Artifact {
    Logistic(LogisticArtifact),
    Interaction(InteractionArtifact),
}

impl Artifact {
    pub fn kind(&self) -> &'static str {
        match self {
            Artifact::Logistic(_) => LOGISTIC_KIND,
            Artifact::Interaction(_) => INTERACTION_KIND,
        }
    }

    pub fn version(&self) -> &str {
        match self {
            Artifact::Logistic(a) => &a.version,
            Artifact::Interaction(a) => &a.version,
        }
    }

    pub fn schema_hash(&self) -> &str {
        match self {
            Artifact::Logistic(a) => &a.schema_hash,
            Artifact::Interaction(a) => &a.schema_hash,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Artifact::Logistic(a) => serde_json::to_value(a),
            Artifact::Interaction(a) => serde_json::to_value(a),
        }
        .unwrap_or_default()
    }

    /// Reads an artifact stored under `kind`.
    pub fn from_json(kind: &str, json: serde_json::Value) -> Result<Self, ModelError> {
        let corrupt = |e: serde_json::Error| ModelError::Corrupt(e.to_string());
        match kind {
            LOGISTIC_KIND => serde_json::from_value(json).map(Artifact::Logistic).map_err(corrupt),
            INTERACTION_KIND => serde_json::from_value(json).map(Artifact::Interaction).map_err(corrupt),
            other => Err(ModelError::Corrupt(format!("unknown model kind '{other}'"))),
        }
    }

    /// The scorer, refusing an artifact trained on other feature definitions.
    pub fn scorer(self) -> Result<Box<dyn Scorer>, ModelError> {
        Ok(match self {
            Artifact::Logistic(a) => Box::new(TrainedModel::from_artifact(a)?),
            Artifact::Interaction(a) => Box::new(InteractionModel::from_artifact(a)?),
        })
    }
}

/// What is stored for a trained model: enough to score without linfa at serving time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticArtifact {
    pub version: String,
    pub schema_hash: String,
    pub feature_names: Vec<String>,
    /// Training-set mean and scale of each feature (the model sees standardised inputs).
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// L2 regularisation chosen on the validation split.
    pub alpha: f64,
}

/// Folds a standardised linear model's training means and scales into raw-input slopes and
/// one offset, so scoring needs no standardisation: log-odds = offset + Σ slope·x. Returns
/// (slopes, means, offset); callers have checked the lengths.
pub(crate) fn fold_standardisation<const N: usize>(
    weights: &[f64],
    means: &[f64],
    scales: &[f64],
    intercept: f64,
) -> ([f64; N], [f64; N], f64) {
    let mut slopes = [0.0; N];
    let mut kept_means = [0.0; N];
    for i in 0..N {
        let scale = if scales[i] > 1e-12 { scales[i] } else { 1.0 };
        slopes[i] = weights[i] / scale;
        kept_means[i] = means[i];
    }
    let offset = intercept - slopes.iter().zip(kept_means.iter()).map(|(s, m)| s * m).sum::<f64>();
    (slopes, kept_means, offset)
}

/// A logistic regression ready to score; built only from an artifact whose features match.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    artifact: LogisticArtifact,
    /// weight / scale per feature, and the intercept with the means folded in.
    slopes: [f64; FEATURE_COUNT],
    means: [f64; FEATURE_COUNT],
    /// intercept - sum(slope * mean): the log-odds are then offset + sum(slope * x).
    offset: f64,
}

impl TrainedModel {
    pub fn from_artifact(artifact: LogisticArtifact) -> Result<Self, ModelError> {
        let expected = schema_hash();
        if artifact.schema_hash != expected {
            return Err(ModelError::SchemaMismatch { version: artifact.version, found: artifact.schema_hash, expected });
        }
        let n = FEATURE_COUNT;
        if [artifact.means.len(), artifact.scales.len(), artifact.weights.len(), artifact.feature_names.len()] != [n; 4] {
            return Err(ModelError::Corrupt(format!("model {} does not have {n} features", artifact.version)));
        }
        let (slopes, means, offset) = fold_standardisation(&artifact.weights, &artifact.means, &artifact.scales, artifact.intercept);
        Ok(Self { artifact, slopes, means, offset })
    }

    pub fn artifact(&self) -> &LogisticArtifact {
        &self.artifact
    }

    /// Weight of one feature in standardised units, for reports.
    pub fn weight(&self, feature: Feature) -> f64 {
        self.artifact.weights[feature.index()]
    }
}

impl Scorer for TrainedModel {
    fn version(&self) -> &str {
        &self.artifact.version
    }

    /// Contributions are measured from the training mean, so a shoe's reasons say what
    /// lifts it above an average pair the shop has sold.
    fn score(&self, _: &Prepared, pair: &Pair) -> Scored {
        let mut contributions = [0.0; FEATURE_COUNT];
        let mut z = self.artifact.intercept;
        for (((c, slope), mean), x) in contributions.iter_mut().zip(&self.slopes).zip(&self.means).zip(&pair.x.0) {
            *c = slope * (x - mean);
            z += *c;
        }
        Scored::from_hand(sigmoid(z), contributions)
    }

    fn rank_key(&self, _: &Prepared, pair: &Pair) -> f64 {
        self.offset + self.slopes.iter().zip(pair.x.0.iter()).map(|(s, x)| s * x).sum::<f64>()
    }

    fn linear(&self, _: &Prepared) -> Option<crate::ranking::Linear> {
        Some(crate::ranking::Linear::hand_only(self.offset, self.slopes))
    }
}
