//! Stored fitting sessions: the validated document as JSON plus the columns we look up by.

use diesel::prelude::*;

use super::schema::fittings;
use super::sql_types::DbTime;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fittings)]
pub struct FittingRow {
    pub id: String,
    pub store_id: Option<String>,
    pub customer_ref: Option<String>,
    pub document: String,
    pub created_at: DbTime,
}

pub fn insert(conn: &mut DbConnection, row: &FittingRow) -> Result<(), DbError> {
    diesel::insert_into(fittings::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<FittingRow, DbError> {
    Ok(fittings::table.find(id).select(FittingRow::as_select()).first(conn)?)
}

/// Inserts many fittings in batches under SQLite's bound-parameter limit.
pub fn insert_many(conn: &mut DbConnection, rows: &[FittingRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(2000) {
        super::on_backend!(conn, |c| diesel::insert_into(fittings::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Which of these ids exist.
pub fn existing_ids(conn: &mut DbConnection, ids: &[&str]) -> Result<Vec<String>, DbError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(900) {
        found.extend(fittings::table.filter(fittings::id.eq_any(chunk)).select(fittings::id).load::<String>(conn)?);
    }
    Ok(found)
}

pub fn by_customer(conn: &mut DbConnection, customer_ref: &str) -> Result<Vec<FittingRow>, DbError> {
    Ok(fittings::table.filter(fittings::customer_ref.eq(customer_ref)).select(FittingRow::as_select()).load(conn)?)
}

pub fn delete_many(conn: &mut DbConnection, ids: &[String]) -> Result<usize, DbError> {
    Ok(diesel::delete(fittings::table.filter(fittings::id.eq_any(ids))).execute(conn)?)
}
