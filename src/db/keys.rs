//! API key rows and idempotency records.

use diesel::prelude::*;

use super::schema::{api_keys, idempotency_keys};
use super::sql_types::{DbTime, DbUuid};
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub role: crate::auth::role::Role,
    pub store_id: Option<String>,
    pub secret_hash: String,
    pub cors_origins: Option<String>,
    pub created_at: DbTime,
    pub revoked_at: Option<DbTime>,
    /// This key's own rate limit; `None` keeps the service-wide setting.
    pub rate_limit_per_minute: Option<i32>,
    pub rate_limit_burst: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub key_id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub fitting_id: DbUuid,
    pub created_at: DbTime,
}

pub fn insert(conn: &mut DbConnection, row: &ApiKeyRow) -> Result<(), DbError> {
    diesel::insert_into(api_keys::table).values(row).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiKeyRow>, DbError> {
    Ok(api_keys::table.order(api_keys::created_at).select(ApiKeyRow::as_select()).load(conn)?)
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<ApiKeyRow>, DbError> {
    Ok(api_keys::table.filter(api_keys::secret_hash.eq(hash)).select(ApiKeyRow::as_select()).first(conn).optional()?)
}

pub fn revoke(conn: &mut DbConnection, id: &str, at: chrono::DateTime<chrono::Utc>) -> Result<bool, DbError> {
    let n = diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(DbTime(at)))
        .execute(conn)?;
    Ok(n > 0)
}

pub fn find_idempotency(conn: &mut DbConnection, key_id: &str, key: &str) -> Result<Option<IdempotencyRow>, DbError> {
    Ok(idempotency_keys::table
        .find((key_id, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_idempotency(conn: &mut DbConnection, row: &IdempotencyRow) -> Result<(), DbError> {
    diesel::insert_into(idempotency_keys::table).values(row).execute(conn)?;
    Ok(())
}

pub fn delete_idempotency_for_fittings(conn: &mut DbConnection, fitting_ids: &[DbUuid]) -> Result<(), DbError> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::fitting_id.eq_any(fitting_ids))).execute(conn)?;
    Ok(())
}
