//! Shoe, insole and stock rows, and the queries over them.

use diesel::prelude::*;

use super::schema::{insoles, shoes, stock};
use super::sql_types::DbTime;
use super::{DbConnection, DbError};
use crate::time::now;
use crate::catalogue::{ArchSupport, Category, Cushioning, Insole, InsoleCushioning, Rigidity, Shoe, ShoeStatus, Support, Terrain, Volume, WidthSet};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = shoes)]
pub struct ShoeRow {
    pub id: String,
    pub brand: String,
    pub model: String,
    pub release_year: Option<i32>,
    pub category: Category,
    pub support: Support,
    pub cushioning: Cushioning,
    pub terrain: Terrain,
    pub heel_stack_mm: Option<f64>,
    pub forefoot_stack_mm: Option<f64>,
    pub drop_mm: Option<f64>,
    pub weight_g: Option<f64>,
    pub price_usd: Option<f64>,
    pub widths: String,
    pub plated: bool,
    pub source: Option<String>,
    pub updated_at: DbTime,
    pub line: Option<String>,
    pub status: Option<ShoeStatus>,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = insoles)]
pub struct InsoleRow {
    pub id: String,
    pub brand: String,
    pub model: String,
    pub arch_support: ArchSupport,
    pub volume: Volume,
    pub cushioning: InsoleCushioning,
    pub rigidity: Rigidity,
    pub price_usd: Option<f64>,
    pub source: Option<String>,
    pub updated_at: DbTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock)]
pub struct StockRow {
    pub store_id: String,
    pub shoe_id: String,
    pub quantity: i32,
    pub updated_at: DbTime,
}

fn corrupt(what: &str, e: String) -> DbError {
    DbError::Other(anyhow::anyhow!("stored {what} is unreadable: {e}"))
}

impl From<&Shoe> for ShoeRow {
    fn from(s: &Shoe) -> Self {
        Self {
            id: s.id.clone(),
            brand: s.brand.clone(),
            model: s.model.clone(),
            release_year: s.release_year,
            category: s.category,
            support: s.support,
            cushioning: s.cushioning,
            terrain: s.terrain,
            heel_stack_mm: s.heel_stack_mm,
            forefoot_stack_mm: s.forefoot_stack_mm,
            drop_mm: s.drop_mm,
            weight_g: s.weight_g,
            price_usd: s.price_usd,
            widths: s.widths.joined("|"),
            plated: s.plated,
            source: s.source.clone(),
            updated_at: now().into(),
            line: s.line.clone(),
            status: s.status,
        }
    }
}

impl TryFrom<ShoeRow> for Shoe {
    type Error = DbError;
    fn try_from(r: ShoeRow) -> Result<Self, DbError> {
        let parse = |e: String| corrupt("shoe", e);
        Ok(Shoe {
            category: r.category,
            support: r.support,
            cushioning: r.cushioning,
            terrain: r.terrain,
            widths: WidthSet::parse_joined(&r.widths, '|').map_err(parse)?,
            id: r.id,
            brand: r.brand,
            model: r.model,
            release_year: r.release_year,
            heel_stack_mm: r.heel_stack_mm,
            forefoot_stack_mm: r.forefoot_stack_mm,
            drop_mm: r.drop_mm,
            weight_g: r.weight_g,
            price_usd: r.price_usd,
            plated: r.plated,
            source: r.source,
            line: r.line,
            status: r.status,
        })
    }
}

impl From<&Insole> for InsoleRow {
    fn from(i: &Insole) -> Self {
        Self {
            id: i.id.clone(),
            brand: i.brand.clone(),
            model: i.model.clone(),
            arch_support: i.arch_support,
            volume: i.volume,
            cushioning: i.cushioning,
            rigidity: i.rigidity,
            price_usd: i.price_usd,
            source: i.source.clone(),
            updated_at: now().into(),
        }
    }
}

impl From<InsoleRow> for Insole {
    fn from(r: InsoleRow) -> Self {
        Insole {
            arch_support: r.arch_support,
            volume: r.volume,
            cushioning: r.cushioning,
            rigidity: r.rigidity,
            id: r.id,
            brand: r.brand,
            model: r.model,
            price_usd: r.price_usd,
            source: r.source,
        }
    }
}

pub fn all_shoes(conn: &mut DbConnection) -> Result<Vec<Shoe>, DbError> {
    shoes::table.order(shoes::id).select(ShoeRow::as_select()).load(conn)?.into_iter().map(Shoe::try_from).collect()
}

pub fn all_insoles(conn: &mut DbConnection) -> Result<Vec<Insole>, DbError> {
    Ok(insoles::table.order(insoles::id).select(InsoleRow::as_select()).load(conn)?.into_iter().map(Insole::from).collect())
}

pub fn insert_shoe(conn: &mut DbConnection, shoe: &Shoe) -> Result<(), DbError> {
    diesel::insert_into(shoes::table).values(ShoeRow::from(shoe)).execute(conn)?;
    Ok(())
}

/// Inserts or replaces shoes by id, all in the caller's transaction: one `INSERT … ON CONFLICT
/// DO UPDATE` per shoe, so two replicas importing at once never collide.
pub fn upsert_shoes(conn: &mut DbConnection, items: &[Shoe]) -> Result<(), DbError> {
    for shoe in items {
        let row = ShoeRow::from(shoe);
        super::on_backend!(conn, |c| diesel::insert_into(shoes::table)
            .values(&row)
            .on_conflict(shoes::id)
            .do_update()
            .set(&row)
            .execute(c))?;
    }
    Ok(())
}

pub fn update_shoe(conn: &mut DbConnection, shoe: &Shoe) -> Result<(), DbError> {
    match diesel::update(shoes::table.find(&shoe.id)).set(ShoeRow::from(shoe)).execute(conn)? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

pub fn delete_shoe(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    crate::db::transaction(conn, |conn| {
        diesel::delete(stock::table.filter(stock::shoe_id.eq(id))).execute(conn)?;
        match diesel::delete(shoes::table.find(id)).execute(conn)? {
            0 => Err(DbError::NotFound),
            _ => Ok(()),
        }
    })
}

pub fn insert_insole(conn: &mut DbConnection, insole: &Insole) -> Result<(), DbError> {
    diesel::insert_into(insoles::table).values(InsoleRow::from(insole)).execute(conn)?;
    Ok(())
}

/// Inserts or replaces insoles by id (one upsert each), in the caller's transaction.
pub fn upsert_insoles(conn: &mut DbConnection, items: &[Insole]) -> Result<(), DbError> {
    for insole in items {
        let row = InsoleRow::from(insole);
        super::on_backend!(conn, |c| diesel::insert_into(insoles::table)
            .values(&row)
            .on_conflict(insoles::id)
            .do_update()
            .set(&row)
            .execute(c))?;
    }
    Ok(())
}

pub fn update_insole(conn: &mut DbConnection, insole: &Insole) -> Result<(), DbError> {
    match diesel::update(insoles::table.find(&insole.id)).set(InsoleRow::from(insole)).execute(conn)? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

pub fn delete_insole(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    match diesel::delete(insoles::table.find(id)).execute(conn)? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

pub fn store_stock(conn: &mut DbConnection, store_id: &str) -> Result<Vec<StockRow>, DbError> {
    Ok(stock::table
        .filter(stock::store_id.eq(store_id))
        .order(stock::shoe_id)
        .select(StockRow::as_select())
        .load(conn)?)
}

/// Stores with at least one pair of a shoe, by store id.
pub fn stores_stocking(conn: &mut DbConnection, shoe_id: &str) -> Result<Vec<String>, DbError> {
    Ok(stock::table
        .filter(stock::shoe_id.eq(shoe_id))
        .filter(stock::quantity.gt(0))
        .order(stock::store_id)
        .select(stock::store_id)
        .load(conn)?)
}

/// Ids of the shoes a store has at least one pair of.
pub fn in_stock_shoe_ids(conn: &mut DbConnection, store_id: &str) -> Result<Vec<String>, DbError> {
    Ok(stock::table
        .filter(stock::store_id.eq(store_id))
        .filter(stock::quantity.gt(0))
        .select(stock::shoe_id)
        .load(conn)?)
}

/// Sets the quantity of each listed shoe at a store, in one transaction; each row is one
/// upsert, so concurrent writers to the same store and shoe never collide.
pub fn set_stock(conn: &mut DbConnection, store_id: &str, items: &[(String, i32)]) -> Result<(), DbError> {
    crate::db::transaction(conn, |conn| {
        let at = DbTime(now());
        for (shoe_id, quantity) in items {
            let row = StockRow { store_id: store_id.to_owned(), shoe_id: shoe_id.clone(), quantity: *quantity, updated_at: at };
            super::on_backend!(conn, |c| diesel::insert_into(stock::table)
                .values(&row)
                .on_conflict((stock::store_id, stock::shoe_id))
                .do_update()
                .set((stock::quantity.eq(row.quantity), stock::updated_at.eq(&row.updated_at)))
                .execute(c))?;
        }
        Ok(())
    })
}
