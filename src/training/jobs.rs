//! Background jobs, with the jobs table as the queue. A job is queued by any replica; a
//! replica claims it through a lease in the database (one row per queue, so at most one
//! training run goes at a time across the deployment) and renews the lease while it works.
//! A cancel on any replica deletes the job's row, and the running replica stops at its next
//! renewal; a run whose process died is marked failed once its lease lapses, by whichever
//! replica looks first. A failed, cancelled or crashed run stores nothing and never touches
//! the serving model; activation is a separate, explicit step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{load_dataset_and_sizes, train_on, Progress, TrainError};
use crate::catalogue::CatalogueService;
use crate::db::{self, models::JobRow, Database, DbError, DbUuid};
pub use crate::db::models::{JobKind, JobStatus};
use crate::ranking::ActiveScorer;

/// The queue training runs share: one runs at a time per deployment.
const TRAINING_QUEUE: &str = "training";

/// How long a claim on a job holds unless renewed, by default (`STRIDEFIT_JOB_LEASE_SECS`).
pub const DEFAULT_JOB_LEASE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    /// 0 to 1.
    pub progress: f64,
    pub message: String,
    /// The model this run produced (once succeeded).
    pub model_version: Option<String>,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub updated_at: DateTime<Utc>,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Self {
            id: r.id.to_string(),
            kind: r.kind,
            status: r.status,
            progress: r.progress,
            message: r.message,
            model_version: r.model_version,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

/// One page of jobs, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<Job>,
    /// Jobs stored, before paging.
    pub total: i64,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("no job with id '{0}'")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Clone)]
pub struct JobService {
    db: Database,
    catalogue: Arc<CatalogueService>,
    active: Arc<ActiveScorer>,
    metrics: Arc<crate::metrics::Metrics>,
    /// This process as a lease owner.
    owner: Arc<str>,
    lease: Duration,
    /// Cancel flags of the runs this replica is running: a cancel sent here needs no round trip.
    running: Arc<Mutex<HashMap<DbUuid, Arc<AtomicBool>>>>,
}

/// Writes progress to the job row, at most every 2 %, so the database is not flooded; a row
/// gone (cancelled elsewhere) raises the run's cancel flag.
struct JobProgress {
    db: Database,
    id: DbUuid,
    last: Mutex<(f64, String)>,
    cancel: Arc<AtomicBool>,
}

impl Progress for JobProgress {
    fn report(&self, fraction: f64, message: &str) {
        let Ok(mut last) = self.last.lock() else { return };
        if fraction - last.0 < 0.02 && fraction < 1.0 && last.1 == message {
            return;
        }
        *last = (fraction.clamp(0.0, 1.0), message.to_owned());
        let (fraction, message) = last.clone();
        drop(last);
        match self.db.with_conn(|conn| db::models::record_progress(conn, self.id, fraction, &message, crate::time::now())) {
            Ok(true) => {}
            Ok(false) => self.cancel.store(true, Ordering::Relaxed),
            Err(e) => log::warn!("cannot record job progress: {e}"),
        }
    }
}

impl JobService {
    pub fn new(
        db: Database,
        catalogue: Arc<CatalogueService>,
        active: Arc<ActiveScorer>,
        metrics: Arc<crate::metrics::Metrics>,
        lease: Duration,
    ) -> Self {
        let owner: Arc<str> = format!("replica-{}", uuid::Uuid::new_v4()).into();
        let lease = lease.max(Duration::from_secs(1));
        Self { db, catalogue, active, metrics, owner, lease, running: Arc::default() }
    }

    /// How often a replica looks at the queue: often enough to notice a lapsed lease well
    /// within its length.
    pub fn poll_interval(&self) -> Duration {
        (self.lease / 4).clamp(Duration::from_millis(100), Duration::from_secs(2))
    }

    /// Queues a training run on the stored outcomes and returns at once; this replica starts
    /// it now if no run holds the queue, else the first replica to find the queue free does.
    pub async fn start_training(&self) -> Result<Job, JobError> {
        self.queue(JobKind::Training, None).await
    }

    /// Queues an evaluation of a stored version on the stored outcomes (in the same queue as
    /// training); its result is stored with the held-out window for the report.
    pub async fn start_evaluation(&self, version: String) -> Result<Job, JobError> {
        self.queue(JobKind::Evaluation, Some(version)).await
    }

    async fn queue(&self, kind: JobKind, model_version: Option<String>) -> Result<Job, JobError> {
        let now = crate::time::now();
        let row = JobRow {
            id: DbUuid::new_v4(),
            kind,
            status: JobStatus::Queued,
            progress: 0.0,
            message: "queued".into(),
            model_version,
            created_at: now.into(),
            updated_at: now.into(),
            lease_owner: None,
            lease_expires_at: None,
            cancel_requested: false,
        };
        let stored = row.clone();
        self.db.run_write(move |conn| db::models::insert_job(conn, &stored)).await?;
        self.poll().await?;
        self.find(row.id).await
    }

    /// One round of the queue: fail runs whose lease lapsed, then claim and start the oldest
    /// queued job if the queue is free. Every replica calls this on a timer.
    pub async fn poll(&self) -> Result<(), JobError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.poll_now())
            .await
            .map_err(|e| DbError::Other(anyhow::anyhow!("job poll task failed: {e}")))??;
        Ok(())
    }

    fn poll_now(&self) -> Result<(), DbError> {
        let now = crate::time::now();
        let message = "interrupted: the replica running it stopped; nothing was stored";
        let lapsed = self.db.with_write_conn(|conn| db::models::fail_lapsed(conn, now, message))?;
        for id in lapsed {
            log::warn!("training job {id} failed: its lease lapsed");
            self.metrics.training_runs.with_label_values(&[JobStatus::Failed.as_str()]).inc();
        }
        let Some(job) = self.db.with_conn(db::models::next_queued)? else { return Ok(()) };
        let expires = now + self.lease;
        let owner = self.owner.clone();
        let started = self.db.with_write_conn(|conn| {
            crate::db::transaction(conn, |conn| {
                if !db::models::claim_lease(conn, TRAINING_QUEUE, job.id, &owner, now, expires)? {
                    return Ok(false);
                }
                if db::models::start_job(conn, job.id, &owner, now, expires)? {
                    Ok(true)
                } else {
                    db::models::release_lease(conn, TRAINING_QUEUE, &owner)?;
                    Ok(false)
                }
            })
        })?;
        if started {
            self.spawn_run(job)?;
        }
        Ok(())
    }

    fn spawn_run(&self, job: JobRow) -> Result<(), DbError> {
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut map) = self.running.lock() {
            map.insert(job.id, cancel.clone());
        }
        let this = self.clone();
        std::thread::Builder::new()
            .name(format!("{}-{}", job.kind.as_str(), &job.id.to_string()[..8]))
            .spawn(move || this.run(job, cancel))
            .map_err(|e| DbError::Other(e.into()))?;
        Ok(())
    }

    /// Renews the lease until `stop` is dropped; a job cancelled anywhere raises `cancel`.
    fn keep_lease(&self, id: DbUuid, cancel: Arc<AtomicBool>) -> mpsc::Sender<()> {
        let (stop, stopped) = mpsc::channel::<()>();
        let this = self.clone();
        let every = self.lease / 3;
        let spawned = std::thread::Builder::new().name(format!("lease-{}", &id.to_string()[..8])).spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                let expires = crate::time::now() + this.lease;
                match this.db.with_conn(|conn| db::models::renew_lease(conn, TRAINING_QUEUE, id, &this.owner, expires)) {
                    Ok(true) => {}
                    Ok(false) => cancel.store(true, Ordering::Relaxed),
                    Err(e) => log::warn!("cannot renew the lease of job {id}: {e}"),
                }
            }
        });
        if let Err(e) = spawned {
            log::error!("cannot start the lease keeper: {e}");
        }
        stop
    }

    fn run(&self, mut row: JobRow, cancel: Arc<AtomicBool>) {
        let _lease = self.keep_lease(row.id, cancel.clone());
        let progress =
            JobProgress { db: self.db.clone(), id: row.id, last: Mutex::new((0.0, String::new())), cancel: cancel.clone() };
        progress.report(0.01, "loading outcomes");
        // A panic in the run must fail the job, not leave it running forever.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match row.kind {
            JobKind::Training => self.train(&progress, &cancel),
            JobKind::Evaluation => self.evaluate(row.model_version.as_deref().unwrap_or_default(), row.id, &progress, &cancel),
        }));
        let kind = row.kind.as_str();
        let (status, message) = match result {
            Ok(Ok((version, message))) => {
                row.progress = 1.0;
                row.model_version = Some(version);
                (JobStatus::Succeeded, message)
            }
            Ok(Err(TrainError::Cancelled)) => (JobStatus::Cancelled, "cancelled; nothing was stored".into()),
            Ok(Err(e)) => (JobStatus::Failed, e.to_string()),
            Err(_) => (JobStatus::Failed, format!("the {kind} run crashed; nothing was stored")),
        };
        row.status = status;
        row.message = message;
        log::info!("{} job {} {}: {}", row.kind, row.id, row.status, row.message);
        if row.kind == JobKind::Training {
            self.metrics.training_runs.with_label_values(&[row.status.as_str()]).inc();
        }
        row.updated_at = crate::time::now().into();
        if let Err(e) = self.db.with_write_conn(|conn| db::models::finish_job(conn, &row)) {
            log::error!("cannot record the end of job {}: {e}", row.id);
        }
        if let Ok(mut map) = self.running.lock() {
            map.remove(&row.id);
        }
    }

    /// A training run: the new model is stored, never activated. Answers its version and message.
    fn train(&self, progress: &JobProgress, cancel: &AtomicBool) -> Result<(String, String), TrainError> {
        let catalogue = self.catalogue.snapshot();
        let active = self.active.get();
        // Streamed into the packed dataset, the size offsets learned on the same read before
        // the features are built: the sales are never held whole, so a million of them train
        // in under 2 GB.
        let (data, offsets) =
            load_dataset_and_sizes(&self.db, &catalogue, |evidence| crate::sizing::service::learn_offsets(&evidence, &catalogue))?;
        let result = train_on(&data, &catalogue, Some(active.as_ref().as_ref()), progress, cancel)?;
        drop(data);
        // A cancel that arrived after training's last checkpoint still stores nothing.
        if cancel.load(Ordering::Relaxed) {
            return Err(TrainError::Cancelled);
        }
        let summary = serde_json::to_value(&result.summary).unwrap_or_default();
        self.db.with_conn(|conn| crate::model::registry::store_model(conn, &result.artifact, &summary, Some(&result.comparison)))?;
        crate::sizing::service::store(&self.db, &offsets, &catalogue)?;
        let version = result.artifact.version().to_owned();
        let message = format!("trained {version}; activate it with POST /v1/models/{version}/activate");
        Ok((version, message))
    }

    /// An evaluation of a stored version against the active one; the analysis is stored.
    fn evaluate(&self, version: &str, job_id: DbUuid, progress: &JobProgress, cancel: &AtomicBool) -> Result<(String, String), TrainError> {
        let catalogue = self.catalogue.snapshot();
        let stored = super::stored::evaluate_and_store(&self.db, &catalogue, version, None, None, Some(job_id), progress, cancel)
            .map_err(|e| match e {
                super::stored::EvaluationError::Train(t) => t,
                other => TrainError::Pipeline(other.to_string()),
            })?;
        let held = &stored.analysis.comparison.held_out;
        let message = format!(
            "evaluated {version} on {} held-out sessions ({} to {}): {}; report at /v1/models/{version}/report",
            held.sessions,
            held.from.map_or_else(|| "-".into(), crate::time::rfc3339_offset),
            held.to.map_or_else(|| "-".into(), crate::time::rfc3339_offset),
            stored.analysis.verdict.text
        );
        Ok((version.to_owned(), message))
    }

    /// A job by the id a client sent; an id that is not a UUID names no job.
    pub async fn get(&self, id: String) -> Result<Job, JobError> {
        let key = id.parse().map_err(|_| JobError::NotFound(id))?;
        self.find(key).await
    }

    async fn find(&self, id: DbUuid) -> Result<Job, JobError> {
        self.db.run(move |conn| db::models::find_job(conn, id)).await.map(Job::from).map_err(|e| match e {
            DbError::NotFound => JobError::NotFound(id.to_string()),
            other => other.into(),
        })
    }

    /// Jobs, newest first.
    pub async fn list(&self, limit: u32, offset: u32) -> Result<JobPage, JobError> {
        let (rows, total) = self.db.run(move |conn| db::models::list_jobs(conn, limit.into(), offset.into())).await?;
        Ok(JobPage { items: rows.into_iter().map(Job::from).collect(), total, limit, offset })
    }

    /// Cancels and deletes a job, from any replica: the replica running it stops at its next
    /// lease renewal (at once if it is this one). Answers the job as it was last seen.
    pub async fn cancel(&self, id: String) -> Result<Job, JobError> {
        let key: DbUuid = id.parse().map_err(|_| JobError::NotFound(id))?;
        let job = self.find(key).await?;
        if let Some(flag) = self.running.lock().ok().and_then(|m| m.get(&key).cloned()) {
            flag.store(true, Ordering::Relaxed);
        }
        self.db.run_write(move |conn| db::models::delete_job(conn, key)).await?;
        Ok(job)
    }
}
