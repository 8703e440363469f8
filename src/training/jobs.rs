//! Training runs in the background with progress in the database, so any replica can
//! report on a job. A failed, cancelled or crashed run stores nothing and never touches
//! the serving model; activation is a separate, explicit step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use utoipa::ToSchema;

use super::{load_records, train, Progress, TrainError};
use crate::catalogue::CatalogueService;
use crate::db::{self, models::JobRow, Database, DbError};
use crate::recommendation::ActiveScorer;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    pub kind: String,
    /// queued, running, succeeded, failed or cancelled.
    pub status: String,
    /// 0 to 1.
    pub progress: f64,
    pub message: String,
    /// The model this run produced (once succeeded).
    pub model_version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            status: r.status,
            progress: r.progress,
            message: r.message,
            model_version: r.model_version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Clone)]
pub struct JobService {
    db: Database,
    catalogue: Arc<CatalogueService>,
    active: Arc<ActiveScorer>,
    cancels: Arc<Mutex<HashMap<String, Arc<AtomicBool>>>>,
    metrics: Arc<crate::metrics::Metrics>,
}

/// Writes progress to the job row, at most every 2 % so the database is not flooded.
struct JobProgress {
    db: Database,
    row: Mutex<JobRow>,
}

impl Progress for JobProgress {
    fn report(&self, fraction: f64, message: &str) {
        let Ok(mut row) = self.row.lock() else { return };
        if fraction - row.progress < 0.02 && fraction < 1.0 && row.message == message {
            return;
        }
        row.progress = fraction.clamp(0.0, 1.0);
        row.message = message.to_owned();
        row.updated_at = db::now_rfc3339();
        let snapshot = row.clone();
        drop(row);
        if let Err(e) = self.db.with_conn(|conn| db::models::update_job(conn, &snapshot)) {
            log::warn!("cannot record job progress: {e}");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("no job with id '{0}'")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl JobService {
    pub fn new(
        db: Database,
        catalogue: Arc<CatalogueService>,
        active: Arc<ActiveScorer>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        Self { db, catalogue, active, cancels: Arc::default(), metrics }
    }

    /// Marks runs left `running` by a stopped process as failed (call at start-up). Another
    /// replica's live run keeps reporting progress, so only runs silent for 15 minutes count.
    pub fn fail_interrupted(db: &Database) -> Result<(), DbError> {
        use diesel::prelude::*;
        use db::schema::jobs;
        let stale_before = (chrono::Utc::now() - chrono::Duration::minutes(15))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        db.with_conn(|conn| {
            diesel::update(
                jobs::table.filter(jobs::status.eq_any(["queued", "running"])).filter(jobs::updated_at.lt(stale_before)),
            )
                .set((jobs::status.eq("failed"), jobs::message.eq("interrupted: the service stopped during the run")))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Queues a training run on the stored outcomes and returns at once.
    pub async fn start_training(&self) -> Result<Job, JobError> {
        let now = db::now_rfc3339();
        let row = JobRow {
            id: uuid::Uuid::new_v4().to_string(),
            kind: "training".into(),
            status: "queued".into(),
            progress: 0.0,
            message: "queued".into(),
            model_version: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let stored = row.clone();
        self.db.run(move |conn| db::models::insert_job(conn, &stored)).await?;
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut map) = self.cancels.lock() {
            map.insert(row.id.clone(), cancel.clone());
        }
        let this = self.clone();
        let job = row.clone();
        std::thread::Builder::new()
            .name(format!("training-{}", &row.id[..8]))
            .spawn(move || this.run(job, cancel))
            .map_err(|e| DbError::Other(e.into()))?;
        Ok(row.into())
    }

    fn run(&self, mut row: JobRow, cancel: Arc<AtomicBool>) {
        row.status = "running".into();
        let progress = JobProgress { db: self.db.clone(), row: Mutex::new(row.clone()) };
        progress.report(0.01, "loading outcomes");
        let catalogue = self.catalogue.snapshot();
        let active = self.active.get();
        let db = self.db.clone();
        // A panic in the run must fail the job, not leave it running forever.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let records = load_records(&db)?;
            let result = train(&records, &catalogue, Some(active.as_ref().as_ref()), &progress, &cancel)?;
            let metrics = serde_json::to_value(&result.comparison).unwrap_or_default();
            let summary = serde_json::to_value(&result.summary).unwrap_or_default();
            db.with_conn(|conn| crate::model::registry::store_model(conn, &result.artifact, &summary, &metrics))?;
            Ok::<_, TrainError>(result.artifact.version().to_owned())
        }));
        let mut row = progress.row.into_inner().unwrap_or(row);
        match result {
            Ok(Ok(version)) => {
                row.status = "succeeded".into();
                row.progress = 1.0;
                row.message = format!("trained {version}; activate it with POST /v1/models/{version}/activate");
                row.model_version = Some(version);
            }
            Ok(Err(TrainError::Cancelled)) => {
                row.status = "cancelled".into();
                row.message = "cancelled; nothing was stored".into();
            }
            Ok(Err(e)) => {
                row.status = "failed".into();
                row.message = e.to_string();
            }
            Err(_) => {
                row.status = "failed".into();
                row.message = "the training run crashed; nothing was stored".into();
            }
        }
        log::info!("training job {} {}: {}", row.id, row.status, row.message);
        self.metrics.training_runs.with_label_values(&[row.status.as_str()]).inc();
        row.updated_at = db::now_rfc3339();
        if let Err(e) = self.db.with_conn(|conn| db::models::update_job(conn, &row)) {
            log::error!("cannot record the end of job {}: {e}", row.id);
        }
        if let Ok(mut map) = self.cancels.lock() {
            map.remove(&row.id);
        }
    }

    pub async fn get(&self, id: String) -> Result<Job, JobError> {
        let key = id.clone();
        self.db.run(move |conn| db::models::find_job(conn, &key)).await.map(Job::from).map_err(|e| match e {
            DbError::NotFound => JobError::NotFound(id),
            other => other.into(),
        })
    }

    /// Asks a running job to stop at its next checkpoint.
    pub async fn cancel(&self, id: String) -> Result<Job, JobError> {
        let flag = self.cancels.lock().ok().and_then(|m| m.get(&id).cloned());
        if let Some(flag) = flag {
            flag.store(true, Ordering::Relaxed);
        }
        self.get(id).await
    }
}
