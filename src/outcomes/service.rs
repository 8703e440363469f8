//! Recording outcomes. A sale is written once; a retry with the same sale id and body gets
//! the stored record back, a reuse with a different body is refused, and updates merge.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::Connection;
use sha2::{Digest, Sha256};

use super::{check_ids, label, Outcome, ReturnReason, SaleReport, SaleUpdate, Satisfaction};
use crate::catalogue::{Catalogue, CatalogueService};
use crate::db::{self, outcomes::OutcomeRow, Database, DbError};
use crate::fitting::FieldError;
use crate::units::PainScore;

#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    #[error("no sale with id '{0}'")]
    NotFound(String),
    #[error("sale '{0}' was already reported with different details")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
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

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl OutcomeRow {
    pub fn to_outcome(&self, as_of: DateTime<Utc>) -> Result<Outcome, DbError> {
        let bad = |what: &str| DbError::Other(anyhow::anyhow!("stored outcome {} has an unreadable {what}", self.sale_id));
        let sold_at = parse_time(&self.sold_at).ok_or_else(|| bad("sold_at"))?;
        let returned_at = self.returned_at.as_deref().map(|t| parse_time(t).ok_or_else(|| bad("returned_at"))).transpose()?;
        let satisfaction = self.satisfaction.map(|s| Satisfaction::new(s as i64).map_err(|_| bad("satisfaction"))).transpose()?;
        let pain = self.pain_at_follow_up.map(|p| PainScore::new(p).map_err(|_| bad("pain"))).transpose()?;
        Ok(Outcome {
            label: label(sold_at, returned_at.is_some(), satisfaction.map(|s| s.get()), pain.map(|p| p.get()), as_of),
            sale_id: self.sale_id.clone(),
            fitting_id: self.fitting_id.as_deref().and_then(|f| uuid::Uuid::parse_str(f).ok()),
            store_id: self.store_id.clone(),
            shoe_id: self.shoe_id.clone(),
            insole_id: self.insole_id.clone(),
            sold_at,
            returned_at,
            return_reason: self.return_reason.as_deref().map(|r| ReturnReason::parse(r).map_err(|_| bad("return_reason"))).transpose()?,
            satisfaction,
            pain_at_follow_up_0_10: pain,
        })
    }
}

/// Checks a report against the catalogue; the sale id must already be resolved.
pub fn validate_report(report: &SaleReport, catalogue: &Catalogue) -> Result<(), FieldError> {
    check_ids(&report.shoe_id, report.insole_id.as_deref(), report.sale_id.as_deref())?;
    catalogue.require_shoe(&report.shoe_id, "shoe_id")?;
    if let Some(insole) = &report.insole_id {
        if !catalogue.insoles.iter().any(|i| &i.id == insole) {
            return Err(FieldError::new("insole_id", format!("no insole with id '{insole}' in the catalogue")));
        }
    }
    if let (Some(sold), Some(returned)) = (report.sold_at, report.returned_at) {
        if returned < sold {
            return Err(FieldError::new("returned_at", "must not be before sold_at"));
        }
    }
    if report.return_reason.is_some() && report.returned_at.is_none() {
        return Err(FieldError::new("return_reason", "needs returned_at"));
    }
    Ok(())
}

/// A row for a new sale (the report must have been validated and its sale id resolved).
pub fn new_row(report: &SaleReport, sold_at: DateTime<Utc>, request_hash: Option<String>) -> OutcomeRow {
    let now = db::now_rfc3339();
    let followed_up = report.satisfaction.is_some() || report.pain_at_follow_up_0_10.is_some();
    OutcomeRow {
        id: uuid::Uuid::new_v4().to_string(),
        sale_id: report.sale_id.clone().unwrap_or_default(),
        fitting_id: report.fitting_id.map(|f| f.to_string()),
        store_id: report.store_id.as_ref().map(|s| s.to_string()),
        shoe_id: report.shoe_id.clone(),
        insole_id: report.insole_id.clone(),
        sold_at: rfc3339(sold_at),
        returned_at: report.returned_at.map(rfc3339),
        return_reason: report.return_reason.map(|r| r.as_str().to_owned()),
        satisfaction: report.satisfaction.map(|s| s.get() as i32),
        pain_at_follow_up: report.pain_at_follow_up_0_10.map(|p| p.get()),
        followed_up_at: followed_up.then(|| now.clone()),
        request_hash,
        created_at: now.clone(),
        updated_at: now,
        fitting_snapshot: None,
        synthetic: false,
    }
}

fn hash_report(report: &SaleReport) -> String {
    let canonical = serde_json::to_vec(report).unwrap_or_default();
    format!("{:x}", Sha256::digest(canonical))
}

impl OutcomeService {
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
        let row = new_row(&report, sold_at, Some(hash.clone()));
        let fitting_id = report.fitting_id;
        let sale_id = row.sale_id.clone();
        let result = self
            .db
            .run_write(move |conn| {
                conn.transaction(|conn| {
                    if let Some(fid) = fitting_id {
                        if db::fittings::find(conn, &fid.to_string()).is_err() {
                            return Ok(Err(OutcomeError::from(FieldError::new("fitting_id", format!("no fitting with id '{fid}'")))));
                        }
                    }
                    if let Some(existing) = db::outcomes::find_by_sale(conn, &row.sale_id)? {
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
                let existing = self.db.run(move |conn| db::outcomes::find_by_sale(conn, &key)).await?;
                (existing.ok_or_else(|| OutcomeError::NotFound(sale_id.clone()))?, false)
            }
            Err(e) => return Err(e.into()),
        };
        if !created && stored.request_hash.as_deref() != Some(hash.as_str()) {
            return Err(OutcomeError::Conflict(stored.sale_id));
        }
        Ok(Recorded { outcome: stored.to_outcome(Utc::now())?, created })
    }

    pub async fn get(&self, sale_id: String) -> Result<Outcome, OutcomeError> {
        let key = sale_id.clone();
        let row = self.db.run(move |conn| db::outcomes::find_by_sale(conn, &key)).await?;
        Ok(row.ok_or(OutcomeError::NotFound(sale_id))?.to_outcome(Utc::now())?)
    }

    /// Attaches a return or follow-up to a sale; fields not sent keep their values.
    pub async fn update(&self, sale_id: String, update: SaleUpdate) -> Result<Outcome, OutcomeError> {
        if update.is_empty() {
            return Err(FieldError::new("body", "send at least one of returned_at, return_reason, satisfaction, pain_at_follow_up_0_10").into());
        }
        let key = sale_id.clone();
        let row = self
            .db
            .run_write(move |conn| {
                conn.transaction(|conn| {
                    let Some(mut row) = db::outcomes::find_by_sale(conn, &key)? else { return Ok(Ok(None)) };
                    let now = db::now_rfc3339();
                    if let Some(t) = update.returned_at {
                        if parse_time(&row.sold_at).is_some_and(|sold| t < sold) {
                            return Ok(Err(FieldError::new("returned_at", "must not be before the sale")));
                        }
                        row.returned_at = Some(rfc3339(t));
                    }
                    if update.return_reason.is_some() && row.returned_at.is_none() {
                        return Ok(Err(FieldError::new("return_reason", "needs returned_at")));
                    }
                    if let Some(r) = update.return_reason {
                        row.return_reason = Some(r.as_str().to_owned());
                    }
                    if let Some(s) = update.satisfaction {
                        row.satisfaction = Some(s.get() as i32);
                        row.followed_up_at = Some(now.clone());
                    }
                    if let Some(p) = update.pain_at_follow_up_0_10 {
                        row.pain_at_follow_up = Some(p.get());
                        row.followed_up_at = Some(now.clone());
                    }
                    row.updated_at = now;
                    db::outcomes::update(conn, &row)?;
                    Ok::<_, DbError>(Ok(Some(row)))
                })
            })
            .await??
            .ok_or_else(|| OutcomeError::NotFound(sale_id.clone()))?;
        Ok(row.to_outcome(Utc::now())?)
    }
}
