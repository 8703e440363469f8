//! Catalogue changes go to the database first, then the in-memory snapshot is rebuilt,
//! so ranking reads a consistent catalogue without a database round trip per request.

use std::collections::HashSet;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::csv::{parse_insoles, parse_shoes, CatalogueFile, CsvError, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use super::{Catalogue, Insole, Shoe};
use crate::db::{self, Database, DbError};
use crate::ids::StoreId;
use crate::validation::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no {kind} with id '{id}'")]
    NotFound { kind: CatalogueItem, id: String },
    #[error("a {kind} with id '{id}' already exists")]
    AlreadyExists { kind: CatalogueItem, id: String },
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a catalogue id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueItem {
    Shoe,
    Insole,
}

impl std::fmt::Display for CatalogueItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CatalogueItem::Shoe => "shoe",
            CatalogueItem::Insole => "insole",
        })
    }
}

/// How many rows an import or seed wrote.
/// One shoe's stock at a store as a client sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct StockSetting {
    pub shoe_id: String,
    /// Pairs in total (the sum of `sizes` when those are given).
    pub quantity: i32,
    /// Pairs per canonical EU size, when the store gives sizes.
    pub sizes: Option<Vec<(f64, i32)>>,
}

/// A store that has a shoe: its total and, when it gives sizes, its pairs per EU size.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSizes {
    pub store_id: String,
    pub total: i32,
    pub sizes: Option<Vec<(f64, i32)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub shoes: usize,
    pub insoles: usize,
}

pub struct CatalogueService {
    db: Database,
    current: ArcSwap<Catalogue>,
    /// The change marker the snapshot was read at.
    seen: std::sync::Mutex<Option<String>>,
}

/// The catalogue and the change marker, read in one transaction so they agree.
fn read_catalogue(conn: &mut db::DbConnection) -> Result<(Catalogue, Option<String>), DbError> {
    crate::db::transaction(conn, |conn| {
        let marker = db::meta::get(conn, db::meta::CATALOGUE_CHANGED)?;
        Ok((Catalogue::new(db::catalogue::all_shoes(conn)?, db::catalogue::all_insoles(conn)?), marker))
    })
}

/// Writes the bundled catalogue into a database that has never been seeded. An admin who
/// later deletes shoes does not see them come back: the seed is recorded in `app_meta`.
pub fn seed_bundled_catalogue(db: &Database) -> anyhow::Result<Option<ImportSummary>> {
    let shoes = parse_shoes(BUNDLED_SHOES_CSV).map_err(|e| anyhow::anyhow!("bundled shoes.csv: {e}"))?;
    let insoles = parse_insoles(BUNDLED_INSOLES_CSV).map_err(|e| anyhow::anyhow!("bundled insoles.csv: {e}"))?;
    let seeded = db.with_write_conn(|conn| {
        crate::db::transaction(conn, |conn| {
            if db::meta::get(conn, db::meta::CATALOGUE_SEEDED)?.is_some() {
                return Ok(None);
            }
            db::catalogue::upsert_shoes(conn, &shoes)?;
            db::catalogue::upsert_insoles(conn, &insoles)?;
            db::meta::set(conn, db::meta::CATALOGUE_SEEDED, &crate::time::rfc3339_millis(crate::time::now()))?;
            db::meta::touch_catalogue(conn)?;
            Ok(Some(ImportSummary { shoes: shoes.len(), insoles: insoles.len() }))
        })
    })?;
    Ok(seeded)
}

/// Imports a catalogue file (shoes or insoles), inserting new ids and replacing existing
/// ones, all in one transaction: a file with one bad row changes nothing.
pub fn import_catalogue_file(db: &Database, bytes: &[u8]) -> Result<ImportSummary, ImportError> {
    let file = super::csv::parse_catalogue_file(bytes)?;
    db.with_write_conn(|conn| {
        crate::db::transaction(conn, |conn| {
            db::meta::touch_catalogue(conn)?;
            match &file {
                CatalogueFile::Shoes(shoes) => {
                    db::catalogue::upsert_shoes(conn, shoes)?;
                    Ok(ImportSummary { shoes: shoes.len(), insoles: 0 })
                }
                CatalogueFile::Insoles(insoles) => {
                    db::catalogue::upsert_insoles(conn, insoles)?;
                    Ok(ImportSummary { shoes: 0, insoles: insoles.len() })
                }
            }
        })
    })
    .map_err(ImportError::Db)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Db(DbError),
}

impl CatalogueService {
    /// Reads the catalogue from the database (blocking; call at start-up).
    pub fn load(db: Database) -> Result<Self, DbError> {
        let (catalogue, marker) = db.with_conn(read_catalogue)?;
        Ok(Self { db, current: ArcSwap::from_pointee(catalogue), seen: std::sync::Mutex::new(marker) })
    }

    /// The catalogue as of the last change; cheap to call per request.
    pub fn snapshot(&self) -> Arc<Catalogue> {
        self.current.load_full()
    }

    /// Re-reads the catalogue from the database, e.g. after a change.
    pub async fn refresh(&self) -> Result<(), DbError> {
        let (catalogue, marker) = self.db.run(read_catalogue).await?;
        self.current.store(Arc::new(catalogue));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = marker;
        }
        Ok(())
    }

    /// Reloads when another replica (or the CLI) changed the catalogue; true if it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, DbError> {
        let marker = self.db.run(|conn| db::meta::get(conn, db::meta::CATALOGUE_CHANGED)).await?;
        let changed = self.seen.lock().map(|seen| *seen != marker).unwrap_or(true);
        if changed {
            self.refresh().await?;
        }
        Ok(changed)
    }

    async fn write_then_refresh<F>(&self, work: F) -> Result<(), CatalogueError>
    where
        F: FnOnce(&mut db::DbConnection) -> Result<(), DbError> + Send + 'static,
    {
        self.db.run_write(|conn| {
            crate::db::transaction(conn, |conn| {
                work(conn)?;
                db::meta::touch_catalogue(conn)
            })
        })
        .await?;
        self.refresh().await?;
        Ok(())
    }

    pub async fn create_shoe(&self, shoe: Shoe) -> Result<Shoe, CatalogueError> {
        shoe.validate()?;
        let (id, stored) = (shoe.id.clone(), shoe.clone());
        self.write_then_refresh(move |conn| db::catalogue::insert_shoe(conn, &stored)).await.map_err(already_exists(CatalogueItem::Shoe, id))?;
        Ok(shoe)
    }

    pub async fn replace_shoe(&self, shoe: Shoe) -> Result<Shoe, CatalogueError> {
        shoe.validate()?;
        let (id, stored) = (shoe.id.clone(), shoe.clone());
        self.write_then_refresh(move |conn| db::catalogue::update_shoe(conn, &stored)).await.map_err(not_found(CatalogueItem::Shoe, id))?;
        Ok(shoe)
    }

    pub async fn delete_shoe(&self, id: String) -> Result<(), CatalogueError> {
        let key = id.clone();
        self.write_then_refresh(move |conn| db::catalogue::delete_shoe(conn, &key)).await.map_err(not_found(CatalogueItem::Shoe, id))
    }

    pub async fn create_insole(&self, insole: Insole) -> Result<Insole, CatalogueError> {
        insole.validate()?;
        let (id, stored) = (insole.id.clone(), insole.clone());
        self.write_then_refresh(move |conn| db::catalogue::insert_insole(conn, &stored)).await.map_err(already_exists(CatalogueItem::Insole, id))?;
        Ok(insole)
    }

    pub async fn replace_insole(&self, insole: Insole) -> Result<Insole, CatalogueError> {
        insole.validate()?;
        let (id, stored) = (insole.id.clone(), insole.clone());
        self.write_then_refresh(move |conn| db::catalogue::update_insole(conn, &stored))
            .await
            .map_err(not_found(CatalogueItem::Insole, id))?;
        Ok(insole)
    }

    pub async fn delete_insole(&self, id: String) -> Result<(), CatalogueError> {
        let key = id.clone();
        self.write_then_refresh(move |conn| db::catalogue::delete_insole(conn, &key)).await.map_err(not_found(CatalogueItem::Insole, id))
    }

    pub async fn stock(&self, store: StoreId) -> Result<Vec<db::catalogue::StockRow>, CatalogueError> {
        Ok(self.db.run(move |conn| db::catalogue::store_stock(conn, store.as_str())).await?)
    }

    /// Sets quantities for a store. Every shoe id must be in the catalogue; one unknown id
    /// rejects the whole request, naming the item.
    /// Sets quantities at a store, all or nothing. An item with `sizes` sets its pairs per
    /// EU size (and the total to their sum); an item without clears any size breakdown.
    pub async fn set_stock(&self, store: StoreId, items: Vec<StockSetting>) -> Result<(), CatalogueError> {
        let catalogue = self.snapshot();
        for (index, item) in items.iter().enumerate() {
            if catalogue.shoe(&item.shoe_id).is_none() {
                return Err(FieldError::new(format!("items[{index}].shoe_id"), format!("no shoe with id '{}'", item.shoe_id)).into());
            }
            if !(0..=100_000).contains(&item.quantity) {
                return Err(FieldError::new(format!("items[{index}].quantity"), "must be between 0 and 100000").into());
            }
        }
        self.db
            .run_write(move |conn| {
                crate::db::transaction(conn, |conn| {
                    let totals: Vec<(String, i32)> = items.iter().map(|i| (i.shoe_id.clone(), i.quantity)).collect();
                    db::catalogue::set_stock(conn, store.as_str(), &totals)?;
                    for item in &items {
                        db::sizes::replace_shoe_sizes(conn, store.as_str(), &item.shoe_id, item.sizes.as_deref())?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    /// A store's insoles, one row per insole it has ever stocked.
    pub async fn insole_stock(&self, store: StoreId) -> Result<Vec<db::sizes::InsoleStockRow>, CatalogueError> {
        Ok(self.db.run(move |conn| db::sizes::store_insoles(conn, store.as_str())).await?)
    }

    /// Sets insole quantities at a store, all or nothing.
    pub async fn set_insole_stock(&self, store: StoreId, items: Vec<(String, i32)>) -> Result<(), CatalogueError> {
        let catalogue = self.snapshot();
        for (index, (insole_id, quantity)) in items.iter().enumerate() {
            if !catalogue.insoles.iter().any(|i| &i.id == insole_id) {
                return Err(FieldError::new(format!("items[{index}].insole_id"), format!("no insole with id '{insole_id}'")).into());
            }
            if !(0..=100_000).contains(quantity) {
                return Err(FieldError::new(format!("items[{index}].quantity"), "must be between 0 and 100000").into());
            }
        }
        self.db.run_write(move |conn| crate::db::transaction(conn, |conn| db::sizes::set_insole_stock(conn, store.as_str(), &items))).await?;
        Ok(())
    }

    /// A store's pairs by size, by shoe id (shoes whose sizes were never given are absent).
    pub async fn stock_sizes(&self, store: StoreId) -> Result<std::collections::HashMap<String, Vec<(f64, i32)>>, CatalogueError> {
        let rows = self.db.run(move |conn| db::sizes::store_sizes(conn, store.as_str())).await?;
        let mut by_shoe: std::collections::HashMap<String, Vec<(f64, i32)>> = std::collections::HashMap::new();
        for r in rows {
            by_shoe.entry(r.shoe_id).or_default().push((r.size_eu, r.quantity));
        }
        Ok(by_shoe)
    }

    /// Stores with a shoe in stock and, where they give sizes, their pairs by size.
    pub async fn stores_with_sizes(&self, shoe_id: String) -> Result<Vec<StoreSizes>, CatalogueError> {
        let (totals, sizes) = self
            .db
            .run(move |conn| Ok((db::sizes::stores_with_total(conn, &shoe_id)?, db::sizes::shoe_sizes(conn, &shoe_id)?)))
            .await?;
        Ok(totals
            .into_iter()
            .map(|(store_id, total)| {
                let by_size: Vec<(f64, i32)> = sizes.iter().filter(|r| r.store_id == store_id).map(|r| (r.size_eu, r.quantity)).collect();
                StoreSizes { store_id, total, sizes: (!by_size.is_empty()).then_some(by_size) }
            })
            .collect())
    }

    pub async fn stock_quantities(&self, store: StoreId) -> Result<std::collections::HashMap<String, i32>, CatalogueError> {
        let rows = self.db.run(move |conn| db::catalogue::store_stock(conn, store.as_str())).await?;
        Ok(rows.into_iter().filter(|r| r.quantity > 0).map(|r| (r.shoe_id, r.quantity)).collect())
    }

    /// Stores with at least one pair of this shoe.
    pub async fn stores_stocking(&self, shoe_id: String) -> Result<Vec<String>, CatalogueError> {
        Ok(self.db.run(move |conn| db::catalogue::stores_stocking(conn, &shoe_id)).await?)
    }

    pub async fn in_stock(&self, store: StoreId) -> Result<HashSet<String>, CatalogueError> {
        let ids = self.db.run(move |conn| db::catalogue::in_stock_shoe_ids(conn, store.as_str())).await?;
        Ok(ids.into_iter().collect())
    }
}

fn already_exists(kind: CatalogueItem, id: String) -> impl FnOnce(CatalogueError) -> CatalogueError {
    move |e| match e {
        CatalogueError::Db(DbError::Conflict(_)) => CatalogueError::AlreadyExists { kind, id },
        other => other,
    }
}

fn not_found(kind: CatalogueItem, id: String) -> impl FnOnce(CatalogueError) -> CatalogueError {
    move |e| match e {
        CatalogueError::Db(DbError::NotFound) => CatalogueError::NotFound { kind, id },
        other => other,
    }
}
