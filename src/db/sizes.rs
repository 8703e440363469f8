//! Stock by size, insole stock and learned size offsets.

use diesel::prelude::*;

use super::schema::{insole_stock, size_offsets, stock, stock_sizes};
use super::sql_types::DbTime;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_sizes)]
pub struct StockSizeRow {
    pub store_id: String,
    pub shoe_id: String,
    /// Canonical EU size (two decimals: 42.5, 42.67).
    pub size_eu: f64,
    pub quantity: i32,
    pub updated_at: DbTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = size_offsets)]
pub struct SizeOffsetRow {
    pub shoe_id: String,
    pub brand: String,
    pub length_mm: f64,
    pub width: f64,
    pub records: f64,
    pub brand_length_mm: f64,
    pub brand_records: f64,
    pub trained_at: DbTime,
}

/// A store's pairs by size, ordered by shoe and size.
pub fn store_sizes(conn: &mut DbConnection, store_id: &str) -> Result<Vec<StockSizeRow>, DbError> {
    Ok(stock_sizes::table
        .filter(stock_sizes::store_id.eq(store_id))
        .order((stock_sizes::shoe_id.asc(), stock_sizes::size_eu.asc()))
        .select(StockSizeRow::as_select())
        .load(conn)?)
}

/// Every store's pairs of one shoe by size (for "in stock at another store in your size").
pub fn shoe_sizes(conn: &mut DbConnection, shoe_id: &str) -> Result<Vec<StockSizeRow>, DbError> {
    Ok(stock_sizes::table
        .filter(stock_sizes::shoe_id.eq(shoe_id))
        .filter(stock_sizes::quantity.gt(0))
        .order((stock_sizes::store_id.asc(), stock_sizes::size_eu.asc()))
        .select(StockSizeRow::as_select())
        .load(conn)?)
}

/// Replaces a store's size breakdown of one shoe (call inside the stock update's
/// transaction): `None` clears it, so a total set without sizes never disagrees with stale sizes.
pub fn replace_shoe_sizes(
    conn: &mut DbConnection,
    store_id: &str,
    shoe_id: &str,
    sizes: Option<&[(f64, i32)]>,
) -> Result<(), DbError> {
    diesel::delete(
        stock_sizes::table
            .filter(stock_sizes::store_id.eq(store_id))
            .filter(stock_sizes::shoe_id.eq(shoe_id)),
    )
    .execute(conn)?;
    let Some(sizes) = sizes else { return Ok(()) };
    let now = crate::time::now();
    let rows: Vec<StockSizeRow> = sizes
        .iter()
        .map(|&(size_eu, quantity)| StockSizeRow {
            store_id: store_id.to_owned(),
            shoe_id: shoe_id.to_owned(),
            size_eu,
            quantity,
            updated_at: now.into(),
        })
        .collect();
    super::on_backend!(conn, |c| diesel::insert_into(stock_sizes::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

/// Stores with at least one pair of a shoe in stock, totals only (no size breakdown needed).
pub fn stores_with_total(
    conn: &mut DbConnection,
    shoe_id: &str,
) -> Result<Vec<(String, i32)>, DbError> {
    Ok(stock::table
        .filter(stock::shoe_id.eq(shoe_id))
        .filter(stock::quantity.gt(0))
        .order(stock::store_id)
        .select((stock::store_id, stock::quantity))
        .load(conn)?)
}

/// Replaces every learned offset with a new training's (one transaction, caller's).
pub fn replace_offsets(conn: &mut DbConnection, rows: &[SizeOffsetRow]) -> Result<(), DbError> {
    diesel::delete(size_offsets::table).execute(conn)?;
    for chunk in rows.chunks(500) {
        super::on_backend!(conn, |c| diesel::insert_into(size_offsets::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn offsets(conn: &mut DbConnection) -> Result<Vec<SizeOffsetRow>, DbError> {
    Ok(size_offsets::table
        .order(size_offsets::shoe_id)
        .select(SizeOffsetRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = insole_stock)]
pub struct InsoleStockRow {
    pub store_id: String,
    pub insole_id: String,
    pub quantity: i32,
    pub updated_at: DbTime,
}

/// A store's insoles, one row per insole it has ever stocked.
pub fn store_insoles(conn: &mut DbConnection, store_id: &str) -> Result<Vec<InsoleStockRow>, DbError> {
    Ok(insole_stock::table
        .filter(insole_stock::store_id.eq(store_id))
        .order(insole_stock::insole_id)
        .select(InsoleStockRow::as_select())
        .load(conn)?)
}

/// Sets the pairs of each listed insole at a store (call inside a transaction).
pub fn set_insole_stock(conn: &mut DbConnection, store_id: &str, items: &[(String, i32)]) -> Result<(), DbError> {
    let now = crate::time::now();
    for (insole_id, quantity) in items {
        let key = insole_stock::table.filter(insole_stock::store_id.eq(store_id)).filter(insole_stock::insole_id.eq(insole_id));
        let updated = diesel::update(key)
            .set((insole_stock::quantity.eq(quantity), insole_stock::updated_at.eq(DbTime(now))))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(insole_stock::table)
                .values(InsoleStockRow {
                    store_id: store_id.to_owned(),
                    insole_id: insole_id.clone(),
                    quantity: *quantity,
                    updated_at: now.into(),
                })
                .execute(conn)?;
        }
    }
    Ok(())
}
