//! Stored evaluations and the activation history of the model registry.

use diesel::prelude::*;

use super::schema::{api_keys, model_activations, model_evaluations};
use super::sql_types::{DbJson, DbTime, DbUuid};
use super::stored_enums::text_enum;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = model_evaluations)]
pub struct EvaluationRow {
    pub id: DbUuid,
    pub model_version: String,
    pub against_version: Option<String>,
    pub job_id: Option<DbUuid>,
    pub held_out_sessions: i32,
    pub held_out_from: Option<DbTime>,
    pub held_out_to: Option<DbTime>,
    /// `training::analysis::Analysis` as JSON.
    pub analysis: DbJson,
    pub created_at: DbTime,
}

text_enum!(
    /// An activation of a version not served before, or a return to one that was (the rules
    /// are always a rollback).
    ActivationKind { Activation = "activation", Rollback = "rollback" }
);

text_enum!(
    /// Where the activation was asked for.
    ActivationVia { Http = "http", CommandLine = "command_line" }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = model_activations)]
pub struct ActivationRow {
    pub id: DbUuid,
    pub activated_at: DbTime,
    pub kind: ActivationKind,
    pub via: ActivationVia,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub from_version: Option<String>,
    pub to_version: String,
    /// `model::activations::Figures` as JSON.
    pub figures: DbJson,
}

pub fn insert_evaluation(conn: &mut DbConnection, row: &EvaluationRow) -> Result<(), DbError> {
    diesel::insert_into(model_evaluations::table).values(row).execute(conn)?;
    Ok(())
}

/// The newest stored evaluation of a version.
pub fn latest_evaluation(conn: &mut DbConnection, version: &str) -> Result<Option<EvaluationRow>, DbError> {
    Ok(model_evaluations::table
        .filter(model_evaluations::model_version.eq(version))
        .order((model_evaluations::created_at.desc(), model_evaluations::id.desc()))
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_activation(conn: &mut DbConnection, row: &ActivationRow) -> Result<(), DbError> {
    diesel::insert_into(model_activations::table).values(row).execute(conn)?;
    Ok(())
}

/// Activations, newest first, one page, and how many there are.
pub fn list_activations(conn: &mut DbConnection, limit: i64, offset: i64) -> Result<(Vec<ActivationRow>, i64), DbError> {
    let total = model_activations::table.count().get_result(conn)?;
    let rows = model_activations::table
        .order((model_activations::activated_at.desc(), model_activations::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(ActivationRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Whether a version has served before (as the one activated or the one replaced).
pub fn has_served(conn: &mut DbConnection, version: &str) -> Result<bool, DbError> {
    let count: i64 = model_activations::table
        .filter(model_activations::to_version.eq(version).or(model_activations::from_version.eq(version)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// A key's name, for the record of what it did (revoked keys keep theirs).
pub fn key_name(conn: &mut DbConnection, key_id: &str) -> Result<Option<String>, DbError> {
    Ok(api_keys::table.find(key_id).select(api_keys::name).first(conn).optional()?)
}
