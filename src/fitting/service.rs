//! Storing and reading fitting sessions. The document is validated before it is written,
//! and written in one statement, so a failed request leaves nothing behind.

use super::{Fitting, FittingId};
use crate::db::{self, fittings::FittingRow, Database, DbError};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredFitting {
    pub id: FittingId,
    pub created_at: String,
    pub fitting: Fitting,
}

#[derive(Debug, thiserror::Error)]
pub enum FittingError {
    #[error("no fitting with id '{0}'")]
    NotFound(String),
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
        fitting.validate()?;
        let stored = StoredFitting { id: FittingId::new(), created_at: db::now_rfc3339(), fitting };
        let row = FittingRow {
            id: stored.id.to_string(),
            store_id: stored.fitting.store_id.as_ref().map(|s| s.to_string()),
            customer_ref: stored.fitting.customer_ref.as_ref().map(|c| c.to_string()),
            document: serde_json::to_string(&stored.fitting).map_err(|e| DbError::Other(e.into()))?,
            created_at: stored.created_at.clone(),
        };
        self.db.run(move |conn| db::fittings::insert(conn, &row)).await?;
        Ok(stored)
    }

    pub async fn get(&self, id: FittingId) -> Result<StoredFitting, FittingError> {
        let key = id.to_string();
        let row = self.db.run(move |conn| db::fittings::find(conn, &key)).await.map_err(|e| match e {
            DbError::NotFound => FittingError::NotFound(id.to_string()),
            other => other.into(),
        })?;
        let fitting = serde_json::from_str(&row.document)
            .map_err(|e| DbError::Other(anyhow::anyhow!("stored fitting {id} is unreadable: {e}")))?;
        Ok(StoredFitting { id, created_at: row.created_at, fitting })
    }
}
