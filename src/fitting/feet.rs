//! Foot measurements taken in a fitting, for size advice: length and width of each foot,
//! arch height if known, and the runner's usual size in a named model. Only what choosing
//! a size needs is kept (see README, "Sizes").

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;
use crate::sizing::chart::SizeSystem;
use crate::units::{ArchHeightMm, FootLengthMm, FootWidthMm};

/// Two feet of one runner differ by a few mm (one in five by half a size, about 2 % by a
/// full size, Fleet Feet scans); more than this is a typing slip, not a foot.
pub const MAX_LEFT_RIGHT_DIFFERENCE_MM: f64 = 20.0;

/// How the feet were measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureMethod {
    Brannock,
    Ruler,
    Scanner,
}

/// One foot, measured standing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"length_mm": 268.0, "width_mm": 102.0}))]
pub struct Foot {
    pub length_mm: FootLengthMm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_mm: Option<FootWidthMm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch_height_mm: Option<ArchHeightMm>,
}

/// The size a runner wears in a model they know, for advice when nothing is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"shoe_id": "brooks-ghost-16", "size": 9.5, "system": "us_men"}))]
pub struct UsualSize {
    /// A catalogue shoe id.
    pub shoe_id: String,
    /// The size as labelled in `system`, e.g. 9.5 (US) or 42.67 (EU 42⅔).
    pub size: f64,
    pub system: SizeSystem,
}

/// Feet as measured in the fitting; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "left": {"length_mm": 266.0, "width_mm": 101.0},
    "right": {"length_mm": 268.0, "width_mm": 102.0},
    "method": "brannock",
    "preferred_system": "eu"
}))]
pub struct FootMeasurements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Foot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<Foot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<MeasureMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual_size: Option<UsualSize>,
    /// The system sizes are advised in (default EU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_system: Option<SizeSystem>,
}

/// Which foot a size is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhichFoot {
    Left,
    Right,
}

impl WhichFoot {
    pub fn as_str(self) -> &'static str {
        match self {
            WhichFoot::Left => "left",
            WhichFoot::Right => "right",
        }
    }
}

impl FootMeasurements {
    /// The longer foot decides the size: (which, length mm, width mm).
    pub fn deciding_foot(&self) -> Option<(WhichFoot, &Foot)> {
        match (&self.left, &self.right) {
            (Some(l), Some(r)) if l.length_mm.get() > r.length_mm.get() => {
                Some((WhichFoot::Left, l))
            }
            (_, Some(r)) => Some((WhichFoot::Right, r)),
            (Some(l), None) => Some((WhichFoot::Left, l)),
            (None, None) => None,
        }
    }

    /// How much longer the deciding foot is than the other, when both were measured.
    pub fn length_difference_mm(&self) -> Option<f64> {
        Some((self.left.as_ref()?.length_mm.get() - self.right.as_ref()?.length_mm.get()).abs())
    }

    pub fn system(&self) -> SizeSystem {
        self.preferred_system.unwrap_or_default()
    }

    /// Checks between fields; single values are range-checked by their types.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.left.is_none() && self.right.is_none() && self.usual_size.is_none() {
            return Err(FieldError::new(
                "feet",
                "give at least one foot's length or a usual_size",
            ));
        }
        for (side, foot) in [("left", &self.left), ("right", &self.right)] {
            let Some(foot) = foot else { continue };
            if let Some(w) = foot.width_mm {
                // The ball of the foot is about 35-45 % of its length; outside 25-55 % the
                // two numbers were swapped or mistyped.
                let ratio = w.get() / foot.length_mm.get();
                if !(0.25..=0.55).contains(&ratio) {
                    return Err(FieldError::new(
                        format!("feet.{side}.width_mm"),
                        "must be between 25 % and 55 % of the foot's length (check the two were not swapped)",
                    ));
                }
            }
        }
        if self
            .length_difference_mm()
            .is_some_and(|d| d > MAX_LEFT_RIGHT_DIFFERENCE_MM)
        {
            return Err(FieldError::new(
                "feet.right.length_mm",
                format!("differs from the left foot by more than {MAX_LEFT_RIGHT_DIFFERENCE_MM} mm: check both measurements"),
            ));
        }
        if let Some(usual) = &self.usual_size {
            if usual.shoe_id.is_empty() || usual.shoe_id.len() > 100 {
                return Err(FieldError::new(
                    "feet.usual_size.shoe_id",
                    "must be 1 to 100 characters",
                ));
            }
            let (min, max) = match usual.system {
                SizeSystem::Eu => (28.0, 52.0),
                SizeSystem::Uk | SizeSystem::UsMen | SizeSystem::UsWomen => (1.0, 18.0),
                SizeSystem::Mondopoint => (150.0, 350.0),
            };
            if !(usual.size.is_finite() && (min..=max).contains(&usual.size)) {
                return Err(FieldError::new(
                    "feet.usual_size.size",
                    format!("must be between {min} and {max} in that system"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feet(v: serde_json::Value) -> FootMeasurements {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_longer_foot_decides() {
        let f =
            feet(serde_json::json!({"left": {"length_mm": 271.0}, "right": {"length_mm": 266.0}}));
        let (which, foot) = f.deciding_foot().unwrap();
        assert_eq!((which, foot.length_mm.get()), (WhichFoot::Left, 271.0));
        assert_eq!(f.length_difference_mm(), Some(5.0));
    }

    #[test]
    fn lengths_outside_human_feet_are_refused_by_their_type() {
        assert!(serde_json::from_value::<FootMeasurements>(
            serde_json::json!({"left": {"length_mm": 27.0}})
        )
        .is_err());
        assert!(serde_json::from_value::<FootMeasurements>(
            serde_json::json!({"left": {"length_mm": 268.0, "width_mm": 10.0}})
        )
        .is_err());
    }

    #[test]
    fn swapped_or_mismatched_numbers_name_the_field() {
        let swapped = feet(serde_json::json!({"left": {"length_mm": 200.0, "width_mm": 130.0}}));
        assert_eq!(swapped.validate().unwrap_err().field, "feet.left.width_mm");
        let apart =
            feet(serde_json::json!({"left": {"length_mm": 240.0}, "right": {"length_mm": 270.0}}));
        assert_eq!(apart.validate().unwrap_err().field, "feet.right.length_mm");
        let empty = feet(serde_json::json!({"method": "ruler"}));
        assert_eq!(empty.validate().unwrap_err().field, "feet");
        let usual = feet(
            serde_json::json!({"usual_size": {"shoe_id": "brooks-ghost-16", "size": 43.0, "system": "us_men"}}),
        );
        assert_eq!(usual.validate().unwrap_err().field, "feet.usual_size.size");
    }
}
