//! Model registry rows and training jobs.

use diesel::prelude::*;

use super::schema::{jobs, models};
use super::{DbConnection, DbError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = models)]
pub struct ModelRow {
    pub version: String,
    pub kind: String,
    pub schema_hash: String,
    pub artifact: String,
    pub training_summary: String,
    pub metrics: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = jobs, treat_none_as_null = true)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub progress: f64,
    pub message: String,
    pub model_version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
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

pub fn update_job(conn: &mut DbConnection, row: &JobRow) -> Result<(), DbError> {
    diesel::update(jobs::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Removes a job's record (a running job was asked to stop first; its later updates touch no row).
pub fn delete_job(conn: &mut DbConnection, id: &str) -> Result<usize, DbError> {
    Ok(diesel::delete(jobs::table.find(id)).execute(conn)?)
}

pub fn find_job(conn: &mut DbConnection, id: &str) -> Result<JobRow, DbError> {
    Ok(jobs::table.find(id).select(JobRow::as_select()).first(conn)?)
}
