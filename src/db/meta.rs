//! Small key/value facts about the database itself, such as whether the bundled catalogue was seeded.

use diesel::prelude::*;

use super::schema::app_meta;
use super::{DbConnection, DbError};

pub const CATALOGUE_SEEDED: &str = "catalogue_seeded_at";
/// Changes on every catalogue write, so other replicas know to reload.
pub const CATALOGUE_CHANGED: &str = "catalogue_changed";
/// Version of the model serving recommendations.
pub const ACTIVE_MODEL: &str = "active_model_version";
/// Set once the bundled default model has been stored.
pub const DEFAULT_MODEL_SEEDED: &str = "default_model_seeded_at";

pub fn get(conn: &mut DbConnection, key: &str) -> Result<Option<String>, DbError> {
    Ok(app_meta::table.find(key).select(app_meta::value).first(conn).optional()?)
}

/// Records that the catalogue changed (in the caller's transaction).
pub fn touch_catalogue(conn: &mut DbConnection) -> Result<(), DbError> {
    set(conn, CATALOGUE_CHANGED, &uuid::Uuid::new_v4().to_string())
}

/// One upsert: replicas setting the same key at once never collide.
pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), DbError> {
    super::on_backend!(conn, |c| diesel::insert_into(app_meta::table)
        .values((app_meta::key.eq(key), app_meta::value.eq(value)))
        .on_conflict(app_meta::key)
        .do_update()
        .set(app_meta::value.eq(value))
        .execute(c))?;
    Ok(())
}
