//! Trained models: the serialised artifact (a standardised logistic regression over the
//! shared features) and its `Scorer`, so a trained model ranks and explains exactly like
//! the baseline does, through the same feature vector.

use serde::{Deserialize, Serialize};

use crate::features::{schema_hash, Feature, FeatureVector, FEATURE_COUNT};
use crate::ranking::{sigmoid, Scored, Scorer};

pub mod registry;
pub use registry::{ModelError, ModelInfo, ModelRegistry, BUNDLED_DEFAULT_MODEL};

pub const LOGISTIC_KIND: &str = "logistic_regression";

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
        let mut slopes = [0.0; FEATURE_COUNT];
        let mut means = [0.0; FEATURE_COUNT];
        for i in 0..n {
            let scale = if artifact.scales[i] > 1e-12 { artifact.scales[i] } else { 1.0 };
            slopes[i] = artifact.weights[i] / scale;
            means[i] = artifact.means[i];
        }
        let offset = artifact.intercept - slopes.iter().zip(means.iter()).map(|(s, m)| s * m).sum::<f64>();
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
    fn score(&self, features: &FeatureVector) -> Scored {
        let mut contributions = [0.0; FEATURE_COUNT];
        let mut z = self.artifact.intercept;
        for i in 0..FEATURE_COUNT {
            let c = self.slopes[i] * (features.0[i] - self.means[i]);
            contributions[i] = c;
            z += c;
        }
        Scored { score: sigmoid(z), contributions }
    }

    fn rank_key(&self, features: &FeatureVector) -> f64 {
        self.offset + self.slopes.iter().zip(features.0.iter()).map(|(s, x)| s * x).sum::<f64>()
    }
}
