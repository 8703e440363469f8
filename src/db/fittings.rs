//! Stored fitting sessions: the validated document as JSON plus the columns we look up by.

use diesel::prelude::*;

use super::schema::fittings;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fittings)]
pub struct FittingRow {
    pub id: String,
    pub store_id: Option<String>,
    pub customer_ref: Option<String>,
    pub document: String,
    pub created_at: String,
}

pub fn insert(conn: &mut DbConnection, row: &FittingRow) -> Result<(), DbError> {
    diesel::insert_into(fittings::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<FittingRow, DbError> {
    Ok(fittings::table.find(id).select(FittingRow::as_select()).first(conn)?)
}
