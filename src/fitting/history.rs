//! A returning runner's history: their earlier fittings, newest first, each with the shoes
//! bought and what became of them, so staff can say "last time you kept the Ghost 16 and
//! rated it 5". Read-only; store isolation is the caller's filter.

use serde::Serialize;
use utoipa::ToSchema;

use super::{CustomerRef, Fitting};
use crate::catalogue::Catalogue;
use crate::db::{self, DbConnection, DbError};

/// One pair bought after a fitting, and its outcome so far.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PastPurchase {
    pub sale_id: String,
    pub shoe_id: String,
    /// The shoe's name, when it is still in the catalogue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// RFC 3339, UTC, whole seconds.
    #[serde(with = "crate::time::secs")]
    pub sold_at: chrono::DateTime<chrono::Utc>,
    /// False once the pair came back.
    pub kept: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<crate::outcomes::ReturnReason>,
    /// The runner's rating at follow-up, 1-5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<i32>,
}

/// An earlier fitting with what was bought after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PastFitting {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub fitting: Fitting,
    pub purchases: Vec<PastPurchase>,
}

/// Every fitting of this customer that `visible` admits (by store id), newest first, with
/// the real (not simulated) sales recorded against each.
pub fn customer_history(
    conn: &mut DbConnection,
    customer: &CustomerRef,
    catalogue: &Catalogue,
    visible: impl Fn(Option<&str>) -> bool,
) -> Result<Vec<PastFitting>, DbError> {
    let mut rows: Vec<_> =
        db::fittings::by_customer(conn, customer.as_str())?.into_iter().filter(|r| visible(r.store_id.as_deref())).collect();
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let ids: Vec<db::DbUuid> = rows.iter().map(|r| r.id).collect();
    let sales = db::outcomes::for_fittings(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let fitting: Fitting = serde_json::from_str(&row.document)
                .map_err(|e| DbError::Other(anyhow::anyhow!("stored fitting {} is unreadable: {e}", row.id)))?;
            let purchases = sales
                .iter()
                .filter(|o| o.fitting_id == Some(row.id) && !o.synthetic)
                .map(|o| PastPurchase {
                    sale_id: o.sale_id.clone(),
                    shoe_id: o.shoe_id.clone(),
                    name: catalogue.shoe(&o.shoe_id).map(|s| s.display_name()),
                    sold_at: o.sold_at.0,
                    kept: o.returned_at.is_none(),
                    return_reason: o.return_reason,
                    satisfaction: o.satisfaction,
                })
                .collect();
            Ok(PastFitting { id: row.id.to_string(), created_at: row.created_at.0, fitting, purchases })
        })
        .collect()
}
