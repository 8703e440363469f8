//! Learning from sales outcomes: build labelled pairs (polars + the shared features),
//! split by time and session, fit a logistic regression (linfa), and compare it with the
//! active model and the baseline rules on the same held-out data.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::Catalogue;
use crate::db::{self, Database, DbError};
use crate::fitting::Fitting;
use crate::model::{LogisticArtifact, TrainedModel};
use crate::ranking::{BaselineScorer, Scorer};

pub mod dataset;
pub mod evaluate;
pub mod fit;
pub mod jobs;
pub mod metrics;

pub use dataset::{Dataset, SaleRecord};
pub use evaluate::{Evaluation, Metrics};

/// Fewest labelled pairs, and of each class, worth training on.
pub const MIN_EXAMPLES: usize = 40;
pub const MIN_PER_CLASS: usize = 10;
pub const TEST_FRACTION: f64 = 0.2;
pub const VALIDATION_FRACTION: f64 = 0.2;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("not enough labelled outcomes to train: {0}")]
    NotEnoughData(String),
    #[error("the solver failed: {0}")]
    Solver(String),
    #[error("training was cancelled")]
    Cancelled,
    #[error("data pipeline failed: {0}")]
    Pipeline(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<polars::prelude::PolarsError> for TrainError {
    fn from(e: polars::prelude::PolarsError) -> Self {
        TrainError::Pipeline(e.to_string())
    }
}

/// Told how far a long step has got (0-1) and what it is doing.
pub trait Progress: Sync {
    fn report(&self, fraction: f64, message: &str);
}

/// Progress that goes nowhere (tests, library callers).
pub struct Silent;
impl Progress for Silent {
    fn report(&self, _: f64, _: &str) {}
}

/// What the data held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrainingSummary {
    pub sales: usize,
    pub labelled_pairs: usize,
    pub good_fit_rate: f64,
    pub sessions: usize,
    pub unlabelled: usize,
    pub unknown_shoe: usize,
    pub train_pairs: usize,
    pub validation_pairs: usize,
    pub test_pairs: usize,
    pub alpha: f64,
    pub trained_at: String,
    pub synthetic: bool,
}

/// Candidate, active and baseline on the same held-out pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comparison {
    pub candidate: Evaluation,
    pub active: Option<Evaluation>,
    pub baseline: Evaluation,
}

pub struct TrainingResult {
    pub artifact: LogisticArtifact,
    pub summary: TrainingSummary,
    pub comparison: Comparison,
}

pub fn new_version() -> String {
    format!("m-{}-{}", Utc::now().format("%Y%m%d-%H%M%S"), &uuid::Uuid::new_v4().simple().to_string()[..4])
}

fn check_cancel(cancel: &AtomicBool) -> Result<(), TrainError> {
    if cancel.load(Ordering::Relaxed) {
        Err(TrainError::Cancelled)
    } else {
        Ok(())
    }
}

/// The whole run on already-loaded sales. Nothing here touches the serving model.
pub fn train(
    records: &[SaleRecord],
    catalogue: &Catalogue,
    active: Option<&dyn Scorer>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<TrainingResult, TrainError> {
    progress.report(0.05, "building labelled pairs");
    let started = std::time::Instant::now();
    let data = dataset::build(records, catalogue)?;
    log::info!("labelled pairs built in {:.1} s", started.elapsed().as_secs_f64());
    let positives = data.positives();
    let negatives = data.examples.len() - positives;
    if data.examples.len() < MIN_EXAMPLES || positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS {
        return Err(TrainError::NotEnoughData(format!(
            "{} labelled pairs ({positives} good fits, {negatives} poor); need {MIN_EXAMPLES}+ with {MIN_PER_CLASS}+ of each",
            data.examples.len()
        )));
    }
    check_cancel(cancel)?;
    let split = dataset::split_by_time(&data, TEST_FRACTION, VALIDATION_FRACTION);
    let pick = |idx: &[usize]| idx.iter().map(|&i| &data.examples[i]).collect::<Vec<_>>();
    let (train_set, valid_set) = (pick(&split.train), pick(&split.validation));

    let version = new_version();
    let mut on_step = |done: usize, total: usize| {
        progress.report(0.15 + 0.55 * done as f64 / total as f64, "fitting logistic regression");
    };
    let started = std::time::Instant::now();
    let (artifact, alphas) = fit::fit(&train_set, &valid_set, &version, &mut on_step)?;
    log::info!("fitted in {:.1} s", started.elapsed().as_secs_f64());
    check_cancel(cancel)?;
    let started = std::time::Instant::now();

    progress.report(0.75, "evaluating on held-out sessions");
    let candidate = TrainedModel::from_artifact(artifact.clone()).map_err(|e| TrainError::Solver(e.to_string()))?;
    let comparison = Comparison {
        candidate: evaluate::evaluate(&candidate, &data, &split.test, catalogue),
        active: active.filter(|a| a.version() != crate::ranking::baseline::BASELINE_VERSION).map(|a| evaluate::evaluate(a, &data, &split.test, catalogue)),
        baseline: evaluate::evaluate(&BaselineScorer::new(), &data, &split.test, catalogue),
    };
    log::info!("evaluated in {:.1} s", started.elapsed().as_secs_f64());
    check_cancel(cancel)?;
    log::info!("alpha search: {}", serde_json::to_string(&alphas).unwrap_or_default());
    let summary = TrainingSummary {
        sales: records.len(),
        labelled_pairs: data.examples.len(),
        good_fit_rate: positives as f64 / data.examples.len() as f64,
        sessions: data.sessions.len(),
        unlabelled: data.unlabelled,
        unknown_shoe: data.unknown_shoe,
        train_pairs: split.train.len(),
        validation_pairs: split.validation.len(),
        test_pairs: split.test.len(),
        alpha: artifact.alpha,
        trained_at: db::now_rfc3339(),
        synthetic: false,
    };
    progress.report(1.0, "done");
    Ok(TrainingResult { artifact, summary, comparison })
}

/// Every outcome in the database that has a fitting, as training records.
pub fn load_records(db: &Database) -> Result<Vec<SaleRecord>, TrainError> {
    let rows = db.with_conn(db::outcomes::with_fittings)?;
    let now = Utc::now();
    let mut fittings: std::collections::HashMap<String, Arc<Fitting>> = std::collections::HashMap::new();
    let mut records = Vec::with_capacity(rows.len());
    for (row, document) in rows {
        let key = row.fitting_id.clone().unwrap_or_default();
        let fitting = match fittings.get(&key) {
            Some(f) => f.clone(),
            None => {
                let parsed: Fitting = serde_json::from_str(&document)
                    .map_err(|e| TrainError::Pipeline(format!("fitting {key} is unreadable: {e}")))?;
                let f = Arc::new(parsed);
                fittings.insert(key, f.clone());
                f
            }
        };
        records.extend(SaleRecord::from_row(&row, fitting, now));
    }
    // Erased customers' outcomes train on their de-identified snapshots, one session each.
    for mut row in db.with_conn(db::outcomes::detached_with_snapshots)? {
        let Some(snapshot) = row.fitting_snapshot.take() else { continue };
        let Ok(fitting) = serde_json::from_str::<Fitting>(&snapshot) else { continue };
        row.fitting_id = Some(format!("detached-{}", row.id));
        records.extend(SaleRecord::from_row(&row, Arc::new(fitting), now));
    }
    Ok(records)
}

/// Sales read from an outcome file with inline fittings (for `stridefit train --from FILE`).
pub fn records_from_file(bytes: &[u8], catalogue: &Catalogue) -> Result<Vec<SaleRecord>, crate::tabular::TableError> {
    crate::outcomes::import::records_from_file(bytes, catalogue)
}

#[cfg(test)]
mod tests;
