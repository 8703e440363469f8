//! Model registry rows and training jobs.

use diesel::prelude::*;
use chrono::{DateTime, Utc};
use diesel::sql_types::Text;

use super::schema::{job_leases, jobs, models};
use super::sql_types::{DbJson, DbTime, DbUuid, TimestampUtc, Uuid};
use super::stored_enums::text_enum;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = models)]
pub struct ModelRow {
    pub version: String,
    pub kind: String,
    pub schema_hash: String,
    pub artifact: String,
    pub training_summary: DbJson,
    pub metrics: DbJson,
    pub created_at: DbTime,
}

text_enum!(
    /// What a job does.
    JobKind { Training = "training", Evaluation = "evaluation" }
);

text_enum!(
    /// Where a job is: queued until a replica claims it, running while that replica holds
    /// its lease, then one of the three ends.
    JobStatus { Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", Cancelled = "cancelled" }
);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs, treat_none_as_null = true)]
pub struct JobRow {
    pub id: DbUuid,
    pub kind: JobKind,
    pub status: JobStatus,
    pub progress: f64,
    pub message: String,
    pub model_version: Option<String>,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    /// The replica running it, and until when its claim holds unless renewed.
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DbTime>,
    /// Set by a cancel on any replica; the running replica polls it.
    pub cancel_requested: bool,
}

pub fn insert_model(conn: &mut DbConnection, row: &ModelRow) -> Result<(), DbError> {
    diesel::insert_into(models::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_model(conn: &mut DbConnection, version: &str) -> Result<ModelRow, DbError> {
    Ok(models::table.find(version).select(ModelRow::as_select()).first(conn)?)
}

pub fn list_models(conn: &mut DbConnection) -> Result<Vec<ModelRow>, DbError> {
    Ok(models::table.order(models::created_at.desc()).select(ModelRow::as_select()).load(conn)?)
}

pub fn insert_job(conn: &mut DbConnection, row: &JobRow) -> Result<(), DbError> {
    diesel::insert_into(jobs::table).values(row).execute(conn)?;
    Ok(())
}

/// Records progress; false when the job is gone (cancelled and deleted elsewhere).
pub fn record_progress(conn: &mut DbConnection, id: DbUuid, progress: f64, message: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
    let changed = diesel::update(jobs::table.find(id))
        .set((jobs::progress.eq(progress), jobs::message.eq(message), jobs::updated_at.eq(DbTime(now))))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Records how a job ended and lets its lease go.
pub fn finish_job(conn: &mut DbConnection, row: &JobRow) -> Result<(), DbError> {
    diesel::update(jobs::table.find(row.id))
        .set((
            jobs::status.eq(row.status),
            jobs::progress.eq(row.progress),
            jobs::message.eq(&row.message),
            jobs::model_version.eq(&row.model_version),
            jobs::updated_at.eq(&row.updated_at),
            jobs::lease_owner.eq(None::<String>),
            jobs::lease_expires_at.eq(None::<DbTime>),
        ))
        .execute(conn)?;
    diesel::delete(job_leases::table.filter(job_leases::job_id.eq(row.id))).execute(conn)?;
    Ok(())
}

/// Removes a job's record; a replica running it sees the row gone at its next renewal and stops.
pub fn delete_job(conn: &mut DbConnection, id: DbUuid) -> Result<usize, DbError> {
    diesel::update(jobs::table.find(id)).set(jobs::cancel_requested.eq(true)).execute(conn)?;
    Ok(diesel::delete(jobs::table.find(id)).execute(conn)?)
}

/// Jobs, newest first.
pub fn list_jobs(conn: &mut DbConnection, limit: i64, offset: i64) -> Result<(Vec<JobRow>, i64), DbError> {
    let rows = jobs::table
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(JobRow::as_select())
        .load(conn)?;
    Ok((rows, jobs::table.count().get_result(conn)?))
}

/// The oldest job waiting for a replica.
pub fn next_queued(conn: &mut DbConnection) -> Result<Option<JobRow>, DbError> {
    Ok(jobs::table
        .filter(jobs::status.eq(JobStatus::Queued))
        .order((jobs::created_at, jobs::id))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// Claims `queue` for `job_id` until `expires_at`, unless another owner holds a live claim:
/// one atomic upsert, so two replicas racing for it cannot both win.
pub fn claim_lease(conn: &mut DbConnection, queue: &str, job_id: DbUuid, owner: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<bool, DbError> {
    // The same statement on both backends (diesel spells an upsert's WHERE for neither here).
    const CLAIM: &str = "INSERT INTO job_leases (queue, job_id, owner, expires_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (queue) DO UPDATE SET job_id = excluded.job_id, owner = excluded.owner, \
        expires_at = excluded.expires_at WHERE job_leases.expires_at < $5";
    let sql = match conn {
        DbConnection::Postgres(_) => CLAIM.to_owned(),
        DbConnection::Sqlite(_) => (1..=5).fold(CLAIM.to_owned(), |sql, i| sql.replace(&format!("${i}"), "?")),
    };
    let claimed = super::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(queue)
        .bind::<Uuid, _>(job_id)
        .bind::<Text, _>(owner)
        .bind::<TimestampUtc, _>(DbTime(expires_at))
        .bind::<TimestampUtc, _>(DbTime(now))
        .execute(c))?;
    Ok(claimed > 0)
}

/// Marks a claimed job running under this owner's lease; false if it was cancelled meanwhile.
pub fn start_job(conn: &mut DbConnection, id: DbUuid, owner: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<bool, DbError> {
    let changed = diesel::update(jobs::table.find(id).filter(jobs::status.eq(JobStatus::Queued)))
        .set((
            jobs::status.eq(JobStatus::Running),
            jobs::lease_owner.eq(owner),
            jobs::lease_expires_at.eq(DbTime(expires_at)),
            jobs::message.eq("running"),
            jobs::updated_at.eq(DbTime(now)),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Extends a running job's lease; false when the job was cancelled (flagged or deleted), so
/// the run must stop.
pub fn renew_lease(conn: &mut DbConnection, queue: &str, id: DbUuid, owner: &str, expires_at: DateTime<Utc>) -> Result<bool, DbError> {
    diesel::update(job_leases::table.find(queue).filter(job_leases::owner.eq(owner)).filter(job_leases::job_id.eq(id)))
        .set(job_leases::expires_at.eq(DbTime(expires_at)))
        .execute(conn)?;
    let live = diesel::update(
        jobs::table.find(id).filter(jobs::lease_owner.eq(owner)).filter(jobs::cancel_requested.eq(false)),
    )
    .set(jobs::lease_expires_at.eq(DbTime(expires_at)))
    .execute(conn)?;
    Ok(live > 0)
}

/// Lets go of `queue` if this owner holds it (a claimed job that could not start).
pub fn release_lease(conn: &mut DbConnection, queue: &str, owner: &str) -> Result<(), DbError> {
    diesel::delete(job_leases::table.find(queue).filter(job_leases::owner.eq(owner))).execute(conn)?;
    Ok(())
}

/// Fails running jobs whose lease lapsed (their replica stopped or lost the database); a job
/// left running by a release without leases counts as lapsed.
pub fn fail_lapsed(conn: &mut DbConnection, now: DateTime<Utc>, message: &str) -> Result<Vec<DbUuid>, DbError> {
    let lapsed: Vec<DbUuid> = jobs::table
        .filter(jobs::status.eq(JobStatus::Running))
        .filter(jobs::lease_expires_at.lt(DbTime(now)).or(jobs::lease_expires_at.is_null()))
        .select(jobs::id)
        .load(conn)?;
    if !lapsed.is_empty() {
        diesel::update(jobs::table.filter(jobs::id.eq_any(&lapsed)).filter(jobs::status.eq(JobStatus::Running)))
            .set((
                jobs::status.eq(JobStatus::Failed),
                jobs::message.eq(message),
                jobs::updated_at.eq(DbTime(now)),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_expires_at.eq(None::<DbTime>),
            ))
            .execute(conn)?;
    }
    Ok(lapsed)
}

pub fn find_job(conn: &mut DbConnection, id: DbUuid) -> Result<JobRow, DbError> {
    Ok(jobs::table.find(id).select(JobRow::as_select()).first(conn)?)
}
