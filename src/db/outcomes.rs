//! Outcome rows and their queries.

use diesel::prelude::*;

use super::schema::{fittings, outcomes};
use super::sql_types::{DbJson, DbTime, DbUuid};
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
// `treat_none_as_default_value = false`: a missing value is written as NULL, so diesel sends
// a batch as one multi-row INSERT on SQLite (with DEFAULT it sends one statement per row).
#[diesel(table_name = outcomes, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct OutcomeRow {
    pub id: DbUuid,
    pub sale_id: String,
    pub fitting_id: Option<DbUuid>,
    pub store_id: Option<String>,
    pub shoe_id: String,
    pub insole_id: Option<String>,
    pub sold_at: DbTime,
    pub returned_at: Option<DbTime>,
    pub return_reason: Option<crate::outcomes::ReturnReason>,
    pub satisfaction: Option<i32>,
    pub pain_at_follow_up: Option<f64>,
    pub followed_up_at: Option<DbTime>,
    pub request_hash: Option<String>,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    pub fitting_snapshot: Option<DbJson>,
    /// Made by a simulator (imported with `synthetic` = true), never a real sale.
    pub synthetic: bool,
    /// The size sold, canonical EU.
    pub size_eu: Option<f64>,
}

/// The sale with this id at this store (`None`: the sales recorded without a store).
/// Sale ids are unique within a store, not across stores.
pub fn find_by_sale(conn: &mut DbConnection, store_id: Option<&str>, sale_id: &str) -> Result<Option<OutcomeRow>, DbError> {
    let sale = outcomes::table.filter(outcomes::sale_id.eq(sale_id)).select(OutcomeRow::as_select());
    Ok(match store_id {
        Some(store) => sale.filter(outcomes::store_id.eq(store)).first(conn).optional()?,
        None => sale.filter(outcomes::store_id.is_null()).first(conn).optional()?,
    })
}

/// Every store's sale with this id (for keys not bound to a store).
pub fn find_in_any_store(conn: &mut DbConnection, sale_id: &str) -> Result<Vec<OutcomeRow>, DbError> {
    Ok(outcomes::table
        .filter(outcomes::sale_id.eq(sale_id))
        .order(outcomes::store_id)
        .limit(20)
        .select(OutcomeRow::as_select())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConnection, row: &OutcomeRow) -> Result<(), DbError> {
    diesel::insert_into(outcomes::table).values(row).execute(conn)?;
    Ok(())
}

/// Inserts many rows in statements under SQLite's bound-parameter limit (1000 rows of
/// 18 values); on SQLite each statement is prepared once per connection and reused.
pub fn insert_many(conn: &mut DbConnection, rows: &[OutcomeRow]) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => super::insert_sqlite_reusing_statements!(c, outcomes::table, rows, 1000)?,
        DbConnection::Postgres(c) => {
            for chunk in rows.chunks(1000) {
                diesel::insert_into(outcomes::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &OutcomeRow) -> Result<(), DbError> {
    diesel::update(outcomes::table.find(row.id)).set(row).execute(conn)?;
    Ok(())
}

/// The stored sales of one store (`None`: the sales without a store) with one of these sale
/// ids. The condition is written as the (store, sale id) index is, so a large import's
/// lookups stay index lookups as the table grows.
pub fn existing_in_store(conn: &mut DbConnection, store_id: Option<&str>, sale_ids: &[&str]) -> Result<Vec<OutcomeRow>, DbError> {
    use diesel::sql_types::{Bool, Text};
    let mut found = Vec::new();
    for chunk in sale_ids.chunks(900) {
        found.extend(
            outcomes::table
                .filter(diesel::dsl::sql::<Bool>("COALESCE(store_id, '') = ").bind::<Text, _>(store_id.unwrap_or_default()))
                .filter(outcomes::sale_id.eq_any(chunk))
                .select(OutcomeRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Whether any sale is stored.
pub fn any(conn: &mut DbConnection) -> Result<bool, DbError> {
    Ok(outcomes::table.select(outcomes::id).first::<DbUuid>(conn).optional()?.is_some())
}

pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(outcomes::table.count().get_result(conn)?)
}

/// Every outcome with its fitting document, for training (outcomes without a fitting are
/// skipped), handed to `each` one by one as the database returns them: SQLite steps through
/// the rows and PostgreSQL sends them row by row, so the documents are never all in memory.
pub fn for_each_with_fitting(
    conn: &mut DbConnection,
    mut each: impl FnMut(OutcomeRow, String) -> Result<(), DbError>,
) -> Result<(), DbError> {
    // Built per backend: the selection's type names its backend.
    macro_rules! query {
        () => {
            outcomes::table
                .inner_join(fittings::table.on(outcomes::fitting_id.eq(fittings::id.nullable())))
                .select((OutcomeRow::as_select(), fittings::document))
        };
    }
    match conn {
        DbConnection::Sqlite(c) => {
            for row in query!().load_iter::<(OutcomeRow, DbJson), diesel::connection::DefaultLoadingMode>(c)? {
                let (row, document) = row?;
                each(row, document.0)?;
            }
        }
        DbConnection::Postgres(c) => {
            for row in query!().load_iter::<(OutcomeRow, DbJson), diesel::pg::PgRowByRowLoadingMode>(c)? {
                let (row, document) = row?;
                each(row, document.0)?;
            }
        }
    }
    Ok(())
}

/// The outcomes recorded against these fittings, oldest sale first.
pub fn for_fittings(conn: &mut DbConnection, fitting_ids: &[DbUuid]) -> Result<Vec<OutcomeRow>, DbError> {
    let mut found = Vec::new();
    // Under SQLite's bound-parameter limit.
    for chunk in fitting_ids.chunks(900) {
        found.extend(
            outcomes::table
                .filter(outcomes::fitting_id.eq_any(chunk))
                .order((outcomes::sold_at, outcomes::sale_id))
                .select(OutcomeRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Unlinks a fitting's outcomes, keeping a de-identified snapshot for training.
pub fn detach_fitting(conn: &mut DbConnection, fitting_id: DbUuid, snapshot: Option<&str>) -> Result<usize, DbError> {
    Ok(diesel::update(outcomes::table.filter(outcomes::fitting_id.eq(fitting_id)))
        .set((outcomes::fitting_id.eq(None::<DbUuid>), outcomes::fitting_snapshot.eq(snapshot.map(|s| DbJson(s.to_owned())))))
        .execute(conn)?)
}

/// Outcomes whose fitting was erased but which kept a de-identified snapshot.
pub fn detached_with_snapshots(conn: &mut DbConnection) -> Result<Vec<OutcomeRow>, DbError> {
    Ok(outcomes::table
        .filter(outcomes::fitting_id.is_null())
        .filter(outcomes::fitting_snapshot.is_not_null())
        .select(OutcomeRow::as_select())
        .load(conn)?)
}
