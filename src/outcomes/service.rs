//! Recording outcomes. A sale is written once; a retry with the same sale id and body gets
//! the stored record back, a reuse with a different body is refused, and updates merge.

use std::sync::Arc;

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::row::{new_row, validate_report, whole_seconds};
use super::{Outcome, SaleReport, SaleUpdate, TryOnSet};
use crate::catalogue::CatalogueService;
use crate::db::{self, outcomes::OutcomeRow, Database, DbError};
use crate::fitting::{FieldError, FittingId, StoreId};

#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    #[error("no sale with id '{0}'")]
    NotFound(String),
    #[error("sale '{0}' was already reported with different details")]
    Conflict(String),
    /// A key that sees every store asked for a sale id that several stores use.
    #[error("sale id '{sale_id}' is used at {} stores ({}): name the store with ?store_id=", stores.len(), stores.join(", "))]
    Ambiguous { sale_id: String, stores: Vec<String> },
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("{} invalid field(s)", .0.len())]
    InvalidFields(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where a sale id is looked up: sale ids are unique within a store, not across stores, so
/// one store's sale id tells nothing about another store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaleScope {
    /// One store's sales (`None`: the sales recorded without a store).
    Store(Option<StoreId>),
    /// Every store (keys not bound to a store): the id must name one sale.
    AnyStore,
}

impl SaleScope {
    fn find(&self, conn: &mut db::DbConnection, sale_id: &str) -> Result<Result<Option<OutcomeRow>, OutcomeError>, DbError> {
        match self {
            SaleScope::Store(store) => Ok(Ok(db::outcomes::find_by_sale(conn, store.as_ref().map(|s| s.as_str()), sale_id)?)),
            SaleScope::AnyStore => {
                let mut found = db::outcomes::find_in_any_store(conn, sale_id)?;
                if found.len() > 1 {
                    let stores = found.iter().map(|r| r.store_id.clone().unwrap_or_else(|| "(no store)".into())).collect();
                    return Ok(Err(OutcomeError::Ambiguous { sale_id: sale_id.to_owned(), stores }));
                }
                Ok(Ok(found.pop()))
            }
        }
    }
}

/// The stored outcome, and whether this request created it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub outcome: Outcome,
    pub created: bool,
}

#[derive(Clone)]
pub struct OutcomeService {
    db: Database,
    catalogue: Arc<CatalogueService>,
}

fn hash_report(report: &SaleReport) -> String {
    let canonical = serde_json::to_vec(report).unwrap_or_default();
    format!("{:x}", Sha256::digest(canonical))
}

impl OutcomeService {
    /// Replaces a fitting's try-on set (checked against the catalogue) in one transaction.
    pub async fn record_try_ons(&self, fitting_id: FittingId, set: &TryOnSet) -> Result<(), OutcomeError> {
        set.check(&self.catalogue.snapshot()).map_err(OutcomeError::InvalidFields)?;
        let rows = set.to_rows(fitting_id.into());
        self.db.run_write(move |conn| crate::db::transaction(conn, |conn| db::try_ons::replace(conn, fitting_id.into(), &rows))).await?;
        Ok(())
    }

    /// The shoes tried on in a fitting, in the order tried (empty when none were recorded).
    pub async fn try_ons(&self, fitting_id: FittingId) -> Result<TryOnSet, OutcomeError> {
        let rows = self.db.run(move |conn| db::try_ons::for_fitting(conn, fitting_id.into())).await?;
        Ok(TryOnSet::from_rows(&rows))
    }

    /// Imports an outcome file (all or nothing) off the async workers.
    pub async fn import(&self, bytes: Vec<u8>) -> Result<super::import::ImportReport, super::import::ImportError> {
        let (db, catalogue) = (self.db.clone(), self.catalogue.snapshot());
        tokio::task::spawn_blocking(move || super::import::import_outcomes(&db, &catalogue, &bytes, &|_| {}))
            .await
            .map_err(|e| super::import::ImportError::Db(DbError::Other(anyhow::anyhow!("import task failed: {e}"))))?
    }

    pub fn new(db: Database, catalogue: Arc<CatalogueService>) -> Self {
        Self { db, catalogue }
    }

    /// Records a sale. The sale id comes from the body, else from the `Idempotency-Key`.
    pub async fn record(&self, mut report: SaleReport, idempotency_key: Option<String>) -> Result<Recorded, OutcomeError> {
        if report.sale_id.is_none() {
            report.sale_id = Some(match idempotency_key {
                Some(key) => format!("key-{key}"),
                None => format!("auto-{}", uuid::Uuid::new_v4()),
            });
        }
        validate_report(&report, &self.catalogue.snapshot())?;
        let sold_at = report.sold_at.unwrap_or_else(Utc::now);
        // The hash covers the body as sent (sold_at may default to now, so hash before filling it).
        let hash = hash_report(&report);
        let row = new_row(crate::db::DbUuid::new_v4(), &report, sold_at, Some(hash.clone()));
        let fitting_id = report.fitting_id;
        let sale_id = row.sale_id.clone();
        let store_id = row.store_id.clone();
        let result = self
            .db
            .run_write(move |conn| {
                crate::db::transaction(conn, |conn| {
                    if let Some(fid) = fitting_id {
                        if db::fittings::find(conn, FittingId(fid)).is_err() {
                            return Ok(Err(OutcomeError::from(FieldError::new("fitting_id", format!("no fitting with id '{fid}'")))));
                        }
                    }
                    if let Some(existing) = db::outcomes::find_by_sale(conn, row.store_id.as_deref(), &row.sale_id)? {
                        return Ok(Ok((existing, false)));
                    }
                    db::outcomes::insert(conn, &row)?;
                    Ok::<_, DbError>(Ok((row, true)))
                })
            })
            .await;
        let (stored, created) = match result {
            Ok(inner) => inner?,
            // A concurrent retry inserted first: answer with what it stored.
            Err(DbError::Conflict(_)) => {
                let key = sale_id.clone();
                let existing = self.db.run(move |conn| db::outcomes::find_by_sale(conn, store_id.as_deref(), &key)).await?;
                (existing.ok_or_else(|| OutcomeError::NotFound(sale_id.clone()))?, false)
            }
            Err(e) => return Err(e.into()),
        };
        if !created && stored.request_hash.as_deref() != Some(hash.as_str()) {
            return Err(OutcomeError::Conflict(stored.sale_id));
        }
        Ok(Recorded { outcome: stored.to_outcome(Utc::now())?, created })
    }

    pub async fn get(&self, scope: SaleScope, sale_id: String) -> Result<Outcome, OutcomeError> {
        let key = sale_id.clone();
        let row = self.db.run(move |conn| scope.find(conn, &key)).await??;
        Ok(row.ok_or(OutcomeError::NotFound(sale_id))?.to_outcome(Utc::now())?)
    }

    /// Attaches a return or follow-up to a sale; fields not sent keep their values.
    pub async fn update(&self, scope: SaleScope, sale_id: String, update: SaleUpdate) -> Result<Outcome, OutcomeError> {
        if update.is_empty() {
            return Err(FieldError::new("body", "send at least one of returned_at, return_reason, satisfaction, pain_at_follow_up_0_10").into());
        }
        let key = sale_id.clone();
        let row = self
            .db
            .run_write(move |conn| {
                crate::db::transaction(conn, |conn| {
                    let mut row = match scope.find(conn, &key)? {
                        Ok(Some(row)) => row,
                        Ok(None) => return Ok(Ok(None)),
                        Err(e) => return Ok(Err(e)),
                    };
                    let now = crate::time::now();
                    if let Some(t) = update.returned_at {
                        if t < row.sold_at.0 {
                            return Ok(Err(FieldError::new("returned_at", "must not be before the sale").into()));
                        }
                        row.returned_at = Some(whole_seconds(t).into());
                    }
                    if update.return_reason.is_some() && row.returned_at.is_none() {
                        return Ok(Err(FieldError::new("return_reason", "needs returned_at").into()));
                    }
                    if let Some(r) = update.return_reason {
                        row.return_reason = Some(r);
                    }
                    if let Some(s) = update.satisfaction {
                        row.satisfaction = Some(s.get() as i32);
                        row.followed_up_at = Some(now.into());
                    }
                    if let Some(p) = update.pain_at_follow_up_0_10 {
                        row.pain_at_follow_up = Some(p.get());
                        row.followed_up_at = Some(now.into());
                    }
                    row.updated_at = now.into();
                    db::outcomes::update(conn, &row)?;
                    Ok::<_, DbError>(Ok::<_, OutcomeError>(Some(row)))
                })
            })
            .await??
            .ok_or_else(|| OutcomeError::NotFound(sale_id.clone()))?;
        Ok(row.to_outcome(Utc::now())?)
    }
}
