//! Storing and reading fitting sessions. The document is validated before it is written,
//! and written in one statement, so a failed request leaves nothing behind.

use sha2::Digest;

use super::{CustomerRef, Fitting, FittingId};
use crate::db::{self, fittings::FittingRow, keys::IdempotencyRow, Database, DbError};

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ErasureReport {
    pub fittings_deleted: usize,
    pub outcomes_detached: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredFitting {
    pub id: FittingId,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub fitting: Fitting,
}

#[derive(Debug, thiserror::Error)]
pub enum FittingError {
    #[error("no fitting with id '{0}'")]
    NotFound(String),
    #[error("Idempotency-Key '{0}' was already used with a different body")]
    IdempotencyKeyReused(String),
    #[error(transparent)]
    Invalid(#[from] super::FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Clone)]
pub struct FittingService {
    db: Database,
}

impl FittingService {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub async fn create(&self, fitting: Fitting) -> Result<StoredFitting, FittingError> {
        Ok(self.create_idempotent(fitting, None).await?.0)
    }

    /// Stores a fitting. With an idempotency key (scoped to the caller's API key), a retry
    /// with the same body returns the first fitting (`true` = replayed) and a reuse with a
    /// different body is refused; concurrent retries store one fitting.
    pub async fn create_idempotent(
        &self,
        fitting: Fitting,
        idempotency: Option<(String, String)>,
    ) -> Result<(StoredFitting, bool), FittingError> {
        fitting.validate()?;
        let document = serde_json::to_string(&fitting).map_err(|e| DbError::Other(e.into()))?;
        let request_hash = format!("{:x}", sha2::Sha256::digest(document.as_bytes()));
        let stored = StoredFitting { id: FittingId::new(), created_at: crate::time::now(), fitting };
        let row = FittingRow {
            id: stored.id.into(),
            store_id: stored.fitting.store_id.as_ref().map(|s| s.to_string()),
            customer_ref: stored.fitting.customer_ref.as_ref().map(|c| c.to_string()),
            document: document.into(),
            created_at: stored.created_at.into(),
            content_hash: None,
        };
        let Some((key_id, key)) = idempotency else {
            self.db.run(move |conn| db::fittings::insert(conn, &row)).await?;
            return Ok((stored, false));
        };
        let (k1, k2, hash) = (key_id.clone(), key.clone(), request_hash.clone());
        let attempt = self
            .db
            .run_write(move |conn| {
                crate::db::transaction(conn, |conn| {
                    if let Some(previous) = db::keys::find_idempotency(conn, &k1, &k2)? {
                        return Ok(Some(previous));
                    }
                    db::fittings::insert(conn, &row)?;
                    db::keys::insert_idempotency(
                        conn,
                        &IdempotencyRow {
                            key_id: k1.clone(),
                            idempotency_key: k2.clone(),
                            request_hash: hash.clone(),
                            fitting_id: row.id,
                            created_at: row.created_at,
                        },
                    )?;
                    Ok(None)
                })
            })
            .await;
        let previous = match attempt {
            Ok(None) => return Ok((stored, false)),
            Ok(Some(previous)) => previous,
            // A concurrent retry committed first.
            Err(DbError::Conflict(_)) => {
                let (k1, k2) = (key_id.clone(), key.clone());
                self.db
                    .run(move |conn| db::keys::find_idempotency(conn, &k1, &k2))
                    .await?
                    .ok_or_else(|| FittingError::IdempotencyKeyReused(key.clone()))?
            }
            Err(e) => return Err(e.into()),
        };
        if previous.request_hash != request_hash {
            return Err(FittingError::IdempotencyKeyReused(key));
        }
        Ok((self.get(FittingId(previous.fitting_id.0)).await?, true))
    }

    /// Erases a runner's fittings. Their outcomes stay for training, detached from the
    /// customer, with a de-identified copy of the fitting (no reference, no health answers).
    /// A returning runner's fittings that `visible` admits (by store id), newest first, with
    /// what became of the pairs bought after each.
    pub async fn history(
        &self,
        customer: CustomerRef,
        catalogue: std::sync::Arc<crate::catalogue::Catalogue>,
        visible: impl Fn(Option<&str>) -> bool + Send + 'static,
    ) -> Result<Vec<super::history::PastFitting>, FittingError> {
        Ok(self.db.run(move |conn| super::history::customer_history(conn, &customer, &catalogue, visible)).await?)
    }

    pub async fn erase_customer(&self, customer: CustomerRef) -> Result<ErasureReport, FittingError> {
        let (report, xid) = self
            .db
            .run_write(move |conn| {
                crate::db::transaction(conn, |conn| {
                    let rows = db::fittings::by_customer(conn, customer.as_str())?;
                    let mut report = ErasureReport::default();
                    for row in &rows {
                        let snapshot = serde_json::from_str::<Fitting>(&row.document).ok().map(|mut f| {
                            f.customer_ref = None;
                            f.health = Default::default();
                            // Lengths and widths still teach each model's fit; arch height does not.
                            if let Some(feet) = &mut f.feet {
                                for foot in [&mut feet.left, &mut feet.right].into_iter().flatten() {
                                    foot.arch_height_mm = None;
                                }
                            }
                            serde_json::to_string(&f).unwrap_or_default()
                        });
                        report.outcomes_detached += db::outcomes::detach_fitting(conn, row.id, snapshot.as_deref())?;
                    }
                    let ids: Vec<db::DbUuid> = rows.iter().map(|r| r.id).collect();
                    db::keys::delete_idempotency_for_fittings(conn, &ids)?;
                    report.fittings_deleted = db::fittings::delete_many(conn, &ids)?;
                    let xid = db::transaction_id(conn)?;
                    Ok::<_, DbError>((report, xid))
                })
            })
            .await?;
        // Deleted is not yet gone from the files: scrub, then answer.
        self.db.run_write(move |conn| db::scrub_erased(conn, xid)).await?;
        Ok(report)
    }

    pub async fn get(&self, id: FittingId) -> Result<StoredFitting, FittingError> {
        let row = self.db.run(move |conn| db::fittings::find(conn, id)).await.map_err(|e| match e {
            DbError::NotFound => FittingError::NotFound(id.to_string()),
            other => other.into(),
        })?;
        let fitting = serde_json::from_str(&row.document)
            .map_err(|e| DbError::Other(anyhow::anyhow!("stored fitting {id} is unreadable: {e}")))?;
        Ok(StoredFitting { id, created_at: row.created_at.0, fitting })
    }
}
