//! Sales outcomes: what happened after a fitting (bought, kept or returned, how satisfied).
//! A sale is keyed by the POS's own sale id, so a retried report never duplicates it and a
//! later return or follow-up attaches to the same record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fitting::{FieldError, StoreId};
use crate::units::PainScore;

pub mod import;
mod row;
mod service;
pub mod try_on;
pub use try_on::{FitObservation, TryOn, TryOnSet};
pub use service::{OutcomeError, OutcomeService, Recorded, SaleScope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    Fit,
    Comfort,
    Pain,
    Defect,
    ChangedMind,
    Other,
}

impl ReturnReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Fit => "fit",
            ReturnReason::Comfort => "comfort",
            ReturnReason::Pain => "pain",
            ReturnReason::Defect => "defect",
            ReturnReason::ChangedMind => "changed_mind",
            ReturnReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| format!("'{s}' is not one of: fit, comfort, pain, defect, changed_mind, other"))
    }
}

/// Satisfaction at follow-up, 1 (very unhappy) to 5 (very happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Satisfaction(u8);

impl Satisfaction {
    pub fn new(v: i64) -> Result<Self, String> {
        if (1..=5).contains(&v) {
            Ok(Self(v as u8))
        } else {
            Err("must be between 1 and 5".into())
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Satisfaction {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        Self::new(v)
    }
}

impl From<Satisfaction> for i64 {
    fn from(s: Satisfaction) -> i64 {
        s.0 as i64
    }
}

impl utoipa::PartialSchema for Satisfaction {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(1.0))
            .maximum(Some(5.0))
            .description(Some("1 (very unhappy) to 5 (very happy)"))
            .into()
    }
}
impl ToSchema for Satisfaction {}

/// A sale reported by the POS after a fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "sale_id": "POS-S1-000123", "fitting_id": "6f9919b2-b950-42f8-9b6c-cd520415194a",
    "shoe_id": "brooks-adrenaline-gts-24", "store_id": "S1", "sold_at": "2026-11-25T10:15:00Z"
}))]
pub struct SaleReport {
    /// The POS's own sale id; retries with the same id never create a second sale.
    /// Optional when an `Idempotency-Key` header is sent instead.
    #[serde(default)]
    pub sale_id: Option<String>,
    /// The stored fitting the sale followed.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub fitting_id: Option<uuid::Uuid>,
    pub shoe_id: String,
    #[serde(default)]
    pub insole_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub store_id: Option<StoreId>,
    /// When the sale happened (RFC 3339); defaults to now.
    #[serde(default)]
    pub sold_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub returned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub return_reason: Option<ReturnReason>,
    #[serde(default)]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default)]
    pub pain_at_follow_up_0_10: Option<PainScore>,
    /// The size sold, EU (42.5, or 42.67 for 42⅔); it teaches each model's true fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_eu: Option<crate::units::ShoeSizeEu>,
}

/// A later event on a sale: a return, or the follow-up rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"satisfaction": 5, "pain_at_follow_up_0_10": 0.0}))]
pub struct SaleUpdate {
    #[serde(default)]
    pub returned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub return_reason: Option<ReturnReason>,
    #[serde(default)]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default)]
    pub pain_at_follow_up_0_10: Option<PainScore>,
}

impl SaleUpdate {
    pub fn is_empty(&self) -> bool {
        self == &SaleUpdate::default()
    }
}

/// A stored outcome as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    pub sale_id: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub fitting_id: Option<uuid::Uuid>,
    pub store_id: Option<String>,
    pub shoe_id: String,
    pub insole_id: Option<String>,
    pub sold_at: DateTime<Utc>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_reason: Option<ReturnReason>,
    pub satisfaction: Option<Satisfaction>,
    pub pain_at_follow_up_0_10: Option<PainScore>,
    /// The training label this outcome gives today (see README): true = a good fit.
    pub label: Option<bool>,
    /// The size sold, EU, when the till recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_eu: Option<f64>,
}

/// Days after a sale within which a return may still arrive; younger sales without a
/// return or rating carry no label yet.
pub const RETURN_WINDOW_DAYS: i64 = 30;

/// The training label, or `None` while it is too early to tell.
/// Good (true): kept, and satisfaction 3+ (or no rating once the return window has passed),
/// and no pain above 3/10 at follow-up. Poor (false): returned, satisfaction 1-2, or pain above 3/10.
pub fn label(
    sold_at: DateTime<Utc>,
    returned: bool,
    satisfaction: Option<u8>,
    pain: Option<f64>,
    as_of: DateTime<Utc>,
) -> Option<bool> {
    if returned || satisfaction.is_some_and(|s| s <= 2) || pain.is_some_and(|p| p > 3.0) {
        return Some(false);
    }
    if satisfaction.is_some() || (as_of - sold_at).num_days() >= RETURN_WINDOW_DAYS {
        return Some(true);
    }
    None
}

/// Checks shared by the API and import paths.
pub fn check_ids(shoe_id: &str, insole_id: Option<&str>, sale_id: Option<&str>) -> Result<(), FieldError> {
    let ok = |s: &str| !s.is_empty() && s.len() <= 100 && !s.chars().any(char::is_control);
    if let Some(sale) = sale_id {
        // A blank id, or one padded with spaces, is a till bug, not a sale: " 12" and "12"
        // must not become two sales.
        let trimmed = !sale.starts_with(char::is_whitespace) && !sale.ends_with(char::is_whitespace);
        if !ok(sale) || !trimmed {
            return Err(FieldError::new("sale_id", "must be 1-100 printable characters, not starting or ending with a space"));
        }
    }
    if !ok(shoe_id) {
        return Err(FieldError::new("shoe_id", "must be 1-100 printable characters"));
    }
    if let Some(insole) = insole_id {
        if !ok(insole) {
            return Err(FieldError::new("insole_id", "must be 1-100 printable characters"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t(days_ago: i64) -> DateTime<Utc> {
        Utc::now() - Duration::days(days_ago)
    }

    #[test]
    fn a_return_is_a_poor_fit_whatever_the_rating() {
        assert_eq!(label(t(40), true, Some(5), None, Utc::now()), Some(false));
    }

    #[test]
    fn a_kept_shoe_past_the_return_window_is_a_good_fit() {
        assert_eq!(label(t(40), false, None, None, Utc::now()), Some(true));
    }

    #[test]
    fn a_recent_sale_without_rating_has_no_label_yet() {
        assert_eq!(label(t(3), false, None, None, Utc::now()), None);
    }

    #[test]
    fn low_satisfaction_or_pain_at_follow_up_is_a_poor_fit() {
        assert_eq!(label(t(3), false, Some(2), None, Utc::now()), Some(false));
        assert_eq!(label(t(40), false, Some(4), Some(6.0), Utc::now()), Some(false));
        assert_eq!(label(t(3), false, Some(3), Some(1.0), Utc::now()), Some(true));
    }

    #[test]
    fn satisfaction_outside_one_to_five_is_refused() {
        assert!(serde_json::from_str::<Satisfaction>("6").is_err());
        assert!(serde_json::from_str::<Satisfaction>("0").is_err());
        assert_eq!(serde_json::from_str::<Satisfaction>("4").unwrap().get(), 4);
    }
}
