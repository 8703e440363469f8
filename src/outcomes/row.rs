//! A sale as a database row: checked against the catalogue, built for a new sale, read back
//! as the API's `Outcome`. Shared by recording one sale and importing a file.

use chrono::{DateTime, SubsecRound, Utc};

use super::{check_ids, label, Outcome, SaleReport, Satisfaction};
use crate::catalogue::Catalogue;
use crate::db::{outcomes::OutcomeRow, DbError};
use crate::units::PainScore;
use crate::validation::FieldError;

/// Sale and return times are kept to the second, as tills record them.
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

impl OutcomeRow {
    pub fn to_outcome(&self, as_of: DateTime<Utc>) -> Result<Outcome, DbError> {
        let bad = |what: &str| DbError::Other(anyhow::anyhow!("stored outcome {} has an unreadable {what}", self.sale_id));
        let (sold_at, returned_at) = (self.sold_at.0, self.returned_at.map(|t| t.0));
        let satisfaction = self.satisfaction.map(|s| Satisfaction::new(s as i64).map_err(|_| bad("satisfaction"))).transpose()?;
        let pain = self.pain_at_follow_up.map(|p| PainScore::new(p).map_err(|_| bad("pain"))).transpose()?;
        Ok(Outcome {
            label: label(sold_at, returned_at.is_some(), satisfaction.map(|s| s.get()), pain.map(|p| p.get()), as_of),
            sale_id: self.sale_id.clone(),
            fitting_id: self.fitting_id.map(|f| f.0),
            store_id: self.store_id.clone(),
            shoe_id: self.shoe_id.clone(),
            insole_id: self.insole_id.clone(),
            sold_at,
            returned_at,
            return_reason: self.return_reason,
            satisfaction,
            pain_at_follow_up_0_10: pain,
            size_eu: self.size_eu,
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

/// A row for a new sale with the id given (the report must have been validated and its sale id
/// resolved). The caller chooses the id: the API a random one, the import ascending ones.
pub fn new_row(id: crate::db::DbUuid, report: &SaleReport, sold_at: DateTime<Utc>, request_hash: Option<String>) -> OutcomeRow {
    let now = crate::time::now();
    let followed_up = report.satisfaction.is_some() || report.pain_at_follow_up_0_10.is_some();
    OutcomeRow {
        id,
        sale_id: report.sale_id.clone().unwrap_or_default(),
        fitting_id: report.fitting_id.map(crate::db::DbUuid),
        store_id: report.store_id.as_ref().map(|s| s.to_string()),
        shoe_id: report.shoe_id.clone(),
        insole_id: report.insole_id.clone(),
        sold_at: whole_seconds(sold_at).into(),
        returned_at: report.returned_at.map(|t| whole_seconds(t).into()),
        return_reason: report.return_reason,
        satisfaction: report.satisfaction.map(|s| s.get() as i32),
        pain_at_follow_up: report.pain_at_follow_up_0_10.map(|p| p.get()),
        followed_up_at: followed_up.then_some(now.into()),
        request_hash,
        created_at: now.into(),
        updated_at: now.into(),
        fitting_snapshot: None,
        synthetic: false,
        size_eu: report.size_eu.map(|s| crate::sizing::eu_canonical(s.get())),
    }
}
