//! Shoes a runner tried on during a fitting. Bought against tried-and-put-back is the
//! signal a ranking model learns from; a set of try-ons belongs to one fitting and is
//! replaced as a whole, so posting the same set twice changes nothing.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Satisfaction;
use crate::catalogue::Catalogue;
use crate::fitting::FieldError;
use crate::units::ShoeSizeEu;

/// Most shoes one fitting can record as tried on.
pub const MAX_TRY_ONS: usize = 30;

/// What the fitter saw or the runner said about a tried shoe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FitObservation {
    HeelSlip,
    TooNarrow,
    TooWide,
    TooShort,
    TooLong,
    ToeBoxTight,
    TooFirm,
    TooSoft,
    FeltUnstable,
    PressurePoint,
    FeltGood,
}

/// One shoe tried on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"shoe_id": "brooks-ghost-16", "size_eu": 42.5, "comfort_1_5": 4, "observations": ["heel_slip"]}))]
pub struct TryOn {
    /// A catalogue shoe id.
    pub shoe_id: String,
    /// Size tried, EU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_eu: Option<ShoeSizeEu>,
    /// The runner's comfort rating, 1 (uncomfortable) to 5 (very comfortable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comfort_1_5: Option<Satisfaction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<FitObservation>,
}

/// The shoes tried in one fitting, in the order they were tried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"try_ons": [
    {"shoe_id": "brooks-adrenaline-gts-24", "size_eu": 42.5, "comfort_1_5": 5, "observations": ["felt_good"]},
    {"shoe_id": "asics-gel-kayano-31", "size_eu": 42.5, "comfort_1_5": 3, "observations": ["too_firm"]},
    {"shoe_id": "hoka-clifton-10", "size_eu": 43.0, "comfort_1_5": 2, "observations": ["heel_slip", "felt_unstable"]}
]}))]
pub struct TryOnSet {
    pub try_ons: Vec<TryOn>,
}

impl TryOnSet {
    /// Every problem at once, each naming its field (`try_ons[2].shoe_id`).
    pub fn check(&self, catalogue: &Catalogue) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.try_ons.len() > MAX_TRY_ONS {
            errors.push(FieldError::new("try_ons", format!("at most {MAX_TRY_ONS} shoes per fitting")));
        }
        for (i, t) in self.try_ons.iter().enumerate() {
            if let Err(e) = catalogue.require_shoe(&t.shoe_id, format!("try_ons[{i}].shoe_id")) {
                errors.push(e);
            } else if self.try_ons[..i].iter().any(|o| o.shoe_id == t.shoe_id) {
                errors.push(FieldError::new(format!("try_ons[{i}].shoe_id"), format!("'{}' is listed twice", t.shoe_id)));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl TryOnSet {
    /// Rows to store for a fitting, positions counted from 1 in the order tried.
    pub fn to_rows(&self, fitting_id: crate::db::DbUuid) -> Vec<crate::db::try_ons::TryOnRow> {
        self.try_ons
            .iter()
            .enumerate()
            .map(|(i, t)| crate::db::try_ons::TryOnRow {
                fitting_id,
                shoe_id: t.shoe_id.clone(),
                position: i as i32 + 1,
                size_eu: t.size_eu.map(|s| s.get()),
                comfort: t.comfort_1_5.map(|c| c.get() as i32),
                observations: serde_json::to_string(&t.observations).unwrap_or_else(|_| "[]".into()).into(),
            })
            .collect()
    }

    /// The set as stored; a value the current types refuse is dropped, not fatal.
    pub fn from_rows(rows: &[crate::db::try_ons::TryOnRow]) -> Self {
        let try_ons = rows
            .iter()
            .map(|r| TryOn {
                shoe_id: r.shoe_id.clone(),
                size_eu: r.size_eu.and_then(|s| ShoeSizeEu::try_from(s).ok()),
                comfort_1_5: r.comfort.and_then(|c| Satisfaction::new(c as i64).ok()),
                observations: serde_json::from_str(&r.observations).unwrap_or_default(),
            })
            .collect();
        Self { try_ons }
    }
}
