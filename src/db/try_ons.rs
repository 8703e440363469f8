//! Stored try-ons: one row per (fitting, shoe), replaced as a set.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::try_ons;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = try_ons)]
pub struct TryOnRow {
    pub fitting_id: String,
    pub shoe_id: String,
    /// 1 for the first shoe tried.
    pub position: i32,
    pub size_eu: Option<f64>,
    pub comfort: Option<i32>,
    /// JSON array of observation codes.
    pub observations: String,
}

/// Replaces a fitting's try-ons with `rows` (call inside a transaction).
pub fn replace(conn: &mut DbConnection, fitting_id: &str, rows: &[TryOnRow]) -> Result<(), DbError> {
    diesel::delete(try_ons::table.filter(try_ons::fitting_id.eq(fitting_id))).execute(conn)?;
    insert_many(conn, rows)
}

/// Inserts rows in batches under SQLite's bound-parameter limit.
pub fn insert_many(conn: &mut DbConnection, rows: &[TryOnRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(2000) {
        super::on_backend!(conn, |c| diesel::insert_into(try_ons::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Deletes the try-ons of these fittings (before a re-import replaces them).
pub fn delete_for(conn: &mut DbConnection, fitting_ids: &[String]) -> Result<(), DbError> {
    for chunk in fitting_ids.chunks(900) {
        diesel::delete(try_ons::table.filter(try_ons::fitting_id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

pub fn for_fitting(conn: &mut DbConnection, fitting_id: &str) -> Result<Vec<TryOnRow>, DbError> {
    Ok(try_ons::table
        .filter(try_ons::fitting_id.eq(fitting_id))
        .order(try_ons::position.asc())
        .select(TryOnRow::as_select())
        .load(conn)?)
}

/// Every stored try-on, grouped by fitting and in the order tried (training).
pub fn all_by_fitting(conn: &mut DbConnection) -> Result<HashMap<String, Vec<TryOnRow>>, DbError> {
    let rows: Vec<TryOnRow> = try_ons::table
        .order((try_ons::fitting_id.asc(), try_ons::position.asc()))
        .select(TryOnRow::as_select())
        .load(conn)?;
    let mut grouped: HashMap<String, Vec<TryOnRow>> = HashMap::new();
    for row in rows {
        grouped.entry(row.fitting_id.clone()).or_default().push(row);
    }
    Ok(grouped)
}
