//! Stored try-ons: one row per (fitting, shoe), replaced as a set.

use diesel::prelude::*;

use super::schema::try_ons;
use super::sql_types::{DbJson, DbUuid};
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = try_ons, treat_none_as_default_value = false)]
pub struct TryOnRow {
    pub fitting_id: DbUuid,
    pub shoe_id: String,
    /// 1 for the first shoe tried.
    pub position: i32,
    pub size_eu: Option<f64>,
    pub comfort: Option<i32>,
    /// JSON array of observation codes.
    pub observations: DbJson,
}

/// Replaces a fitting's try-ons with `rows` (call inside a transaction).
pub fn replace(conn: &mut DbConnection, fitting_id: DbUuid, rows: &[TryOnRow]) -> Result<(), DbError> {
    diesel::delete(try_ons::table.filter(try_ons::fitting_id.eq(fitting_id))).execute(conn)?;
    insert_many(conn, rows)
}

/// Inserts many rows in statements under SQLite's bound-parameter limit (2000 rows of
/// 6 values); on SQLite each statement is prepared once per connection and reused.
pub fn insert_many(conn: &mut DbConnection, rows: &[TryOnRow]) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => super::insert_sqlite_reusing_statements!(c, try_ons::table, rows, 2000)?,
        DbConnection::Postgres(c) => {
            for chunk in rows.chunks(2000) {
                diesel::insert_into(try_ons::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Deletes the try-ons of these fittings (before a re-import replaces them).
pub fn delete_for(conn: &mut DbConnection, fitting_ids: &[DbUuid]) -> Result<(), DbError> {
    for chunk in fitting_ids.chunks(900) {
        diesel::delete(try_ons::table.filter(try_ons::fitting_id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

pub fn for_fitting(conn: &mut DbConnection, fitting_id: DbUuid) -> Result<Vec<TryOnRow>, DbError> {
    Ok(try_ons::table
        .filter(try_ons::fitting_id.eq(fitting_id))
        .order(try_ons::position.asc())
        .select(TryOnRow::as_select())
        .load(conn)?)
}

/// Stored try-ons (training sizes what it keeps of them from this).
pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(try_ons::table.count().get_result(conn)?)
}

/// Every stored try-on, one fitting's rows at a time in the order tried (training); the rows
/// are streamed, so only one fitting's are held at once.
pub fn for_each_fitting(conn: &mut DbConnection, mut each: impl FnMut(DbUuid, Vec<TryOnRow>)) -> Result<(), DbError> {
    // Built per backend: the selection's type names its backend.
    macro_rules! query {
        () => {
            try_ons::table.order((try_ons::fitting_id.asc(), try_ons::position.asc())).select(TryOnRow::as_select())
        };
    }
    let mut group: Vec<TryOnRow> = Vec::new();
    let mut push = |row: TryOnRow| {
        if group.first().is_some_and(|g| g.fitting_id != row.fitting_id) {
            let done = std::mem::take(&mut group);
            each(done[0].fitting_id, done);
        }
        group.push(row);
    };
    match conn {
        DbConnection::Sqlite(c) => {
            for row in query!().load_iter::<TryOnRow, diesel::connection::DefaultLoadingMode>(c)? {
                push(row?);
            }
        }
        DbConnection::Postgres(c) => {
            for row in query!().load_iter::<TryOnRow, diesel::pg::PgRowByRowLoadingMode>(c)? {
                push(row?);
            }
        }
    }
    if let Some(first) = group.first() {
        let id = first.fitting_id;
        each(id, group);
    }
    Ok(())
}

/// Every stored try-on, grouped by fitting and in the order tried.
pub fn all_by_fitting(conn: &mut DbConnection) -> Result<std::collections::HashMap<DbUuid, Vec<TryOnRow>>, DbError> {
    let mut grouped = std::collections::HashMap::new();
    for_each_fitting(conn, |fitting_id, rows| {
        grouped.insert(fitting_id, rows);
    })?;
    Ok(grouped)
}
