//! What a model was measured at: the held-out comparison of a candidate with the active
//! model, the rules and the references, as training computes it and the registry stores it
//! beside each version. The types live with the models (not with training) because the
//! registry and the activation history read them back, and training already sits above both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A 95 % bootstrap interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Metrics {
    /// Labelled sales evaluated (pointwise metrics).
    pub pairs: usize,
    /// Sessions with a good-fit sale, ranked against the catalogue.
    pub sessions_ranked: usize,
    /// NDCG@5 of the good-fit sales among the whole catalogue.
    pub ndcg_at_5: f64,
    #[serde(default)]
    pub ndcg_at_5_interval: Option<Interval>,
    pub mrr: f64,
    #[serde(default)]
    pub mrr_interval: Option<Interval>,
    pub auc: Option<f64>,
    #[serde(default)]
    pub auc_interval: Option<Interval>,
    /// Absent for reference rankers, which give no probabilities.
    pub log_loss: Option<f64>,
    /// Expected calibration error.
    pub ece: Option<f64>,
    pub calibration: Vec<CalibrationBin>,
    /// Sessions with a recorded tried-on set of two or more shoes.
    #[serde(default)]
    pub tried_sessions: usize,
    /// NDCG@5 within each tried-on set (kept > bought and returned > put back).
    #[serde(default)]
    pub tried_ndcg_at_5: Option<f64>,
    #[serde(default)]
    pub tried_ndcg_at_5_interval: Option<Interval>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub model_version: String,
    pub overall: Metrics,
    pub per_store: BTreeMap<String, Metrics>,
    /// Each held-out session's primary ranking figure (tried-set NDCG@5 where try-ons exist,
    /// else catalogue NDCG@5), for paired comparisons. Not stored.
    #[serde(skip)]
    pub per_session: BTreeMap<usize, f64>,
}

/// One bin of a calibration curve: mean predicted probability against the observed rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CalibrationBin {
    pub predicted: f64,
    pub observed: f64,
    pub count: usize,
}

/// A span of sessions, by first sale time (RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Window {
    pub sessions: usize,
    #[serde(default, with = "crate::time::offset_option")]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, with = "crate::time::offset_option")]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// The candidate's gain over the model it would replace, on the same sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Gain {
    /// The version compared against (the active model, or the rules when none is trained).
    pub over: String,
    /// `tried_ndcg_at_5` where the held-out sessions recorded try-ons, else `ndcg_at_5`.
    pub metric: String,
    pub mean: f64,
    pub interval: Interval,
}

/// Candidate, active, rules and references, all on the same held-out sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comparison {
    #[serde(default)]
    pub held_out: Window,
    pub candidate: Evaluation,
    pub active: Option<Evaluation>,
    pub baseline: Evaluation,
    #[serde(default)]
    pub popularity: Option<Evaluation>,
    #[serde(default)]
    pub random: Option<Evaluation>,
    #[serde(default)]
    pub gain: Option<Gain>,
}

impl Comparison {
    /// The comparison stored with `version`; none when it was stored without one (`{}`) or in
    /// a shape this build cannot read, which is logged rather than failing the caller.
    pub fn from_stored(metrics: &str, version: &str) -> Option<Self> {
        if matches!(metrics.trim(), "{}" | "null") {
            return None;
        }
        serde_json::from_str(metrics)
            .map_err(|e| log::warn!("model {version}: stored metrics unreadable ({e}); shown without them"))
            .ok()
    }

    /// Activate only when the lower end of the gain's 95 % interval is above zero.
    pub fn clearly_better(&self) -> bool {
        self.gain.as_ref().is_some_and(|g| g.interval.low > 0.0)
    }
}

