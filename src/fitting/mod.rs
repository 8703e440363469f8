//! The fitting session: what the shop learns about a runner (profile, health,
//! treadmill gait, worn-shoe wear). Field types carry their own ranges; `validate`
//! adds the checks that span fields. Gait and wear are optional: web shops have neither.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::{Cushioning, Terrain, Width};
use crate::units::*;

pub mod feet;
mod health;
pub mod history;
mod service;
pub use health::{
    Answer, BodyLocation, ClotRisk, Course, EnergyAvailability, ExertionalSymptoms, HealthReport, InjuryType,
    InjuryYear, MenstrualStatus, Onset, PainReport, PainTiming, PreviousInjury, RedFlags, Side, MAX_PAIN_REPORTS,
    MAX_PREVIOUS_INJURIES,
};
pub use crate::ids::{CustomerRef, FittingId, StoreId};
pub use crate::validation::FieldError;
pub use service::{ErasureReport, FittingError, FittingService, StoredFitting};


#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(crate::fitting::examples::shop_fitting()))]
pub struct Fitting {
    /// Store where the fitting took place (for in-store sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "S1")]
    pub store_id: Option<StoreId>,
    /// Pseudonymous customer reference from the shop's system; never a name or contact detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "c-7f3a91")]
    pub customer_ref: Option<CustomerRef>,
    pub profile: RunnerProfile,
    #[serde(default)]
    pub health: HealthReport,
    /// Treadmill gait metrics, when a gait analysis was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gait: Option<GaitMetrics>,
    /// What the runner's current, worn pair shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wear: Option<WearPattern>,
    /// Foot measurements for size advice, when taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feet: Option<feet::FootMeasurements>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    DailyTraining,
    LongRuns,
    Racing,
    Trail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feel {
    Soft,
    Balanced,
    Firm,
}

impl Feel {
    /// Whether a shoe's cushioning matches the feel: +1 match, 0 neutral, -1 the opposite.
    pub fn agreement(self, cushioning: Cushioning) -> f64 {
        use Cushioning::*;
        match (self, cushioning) {
            (Feel::Soft, High | Max) | (Feel::Firm, Low) | (Feel::Balanced, Moderate | High) => 1.0,
            (Feel::Soft, Low) | (Feel::Firm, Max) => -1.0,
            _ => 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunnerProfile {
    #[schema(example = 72.0)]
    pub body_mass_kg: MassKg,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<AgeYears>,
    #[schema(example = 35.0)]
    pub weekly_distance_km: WeeklyDistanceKm,
    pub goal: Goal,
    pub terrain: Terrain,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_feel: Option<Feel>,
    #[serde(default)]
    pub width: Width,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd: Option<PriceUsd>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shoe_size_eu: Option<ShoeSizeEu>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FootStrike {
    Rearfoot,
    Midfoot,
    Forefoot,
}

/// How peak eversion was zeroed: the same foot reads ~4 deg against a standing
/// reference and ~11 deg against subtalar neutral (J Athl Train 47(1):83).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EversionReference {
    #[default]
    Standing,
    SubtalarNeutral,
    Unspecified,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GaitMetrics {
    #[schema(example = 3.0)]
    pub speed_m_s: SpeedMs,
    #[schema(example = 170.0)]
    pub cadence_spm: CadenceSpm,
    pub foot_strike: FootStrike,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rearfoot_eversion_deg: Option<EversionDeg>,
    #[serde(default)]
    pub eversion_reference: EversionReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contralateral_pelvic_drop_deg: Option<PelvicDropDeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground_contact_time_ms: Option<ContactTimeMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical_oscillation_cm: Option<VerticalOscillationCm>,
    /// Left/right asymmetry of ground contact time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_right_asymmetry_pct: Option<AsymmetryPct>,
}

/// Visual outsole wear grade of one zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WearGrade {
    #[default]
    None,
    Light,
    Moderate,
    Heavy,
}

impl WearGrade {
    pub fn level(self) -> f64 {
        match self {
            WearGrade::None => 0.0,
            WearGrade::Light => 1.0,
            WearGrade::Moderate => 2.0,
            WearGrade::Heavy => 3.0,
        }
    }
}

/// Outsole wear of one shoe, zone by zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutsoleWear {
    pub lateral_heel: WearGrade,
    pub medial_heel: WearGrade,
    pub lateral_midfoot: WearGrade,
    pub medial_midfoot: WearGrade,
    pub lateral_forefoot: WearGrade,
    pub medial_forefoot: WearGrade,
    pub toe: WearGrade,
}

impl OutsoleWear {
    /// Medial minus lateral wear, -1 (all lateral) to +1 (all medial).
    pub fn medial_bias(&self) -> f64 {
        let medial = self.medial_heel.level() + self.medial_midfoot.level() + self.medial_forefoot.level();
        let lateral = self.lateral_heel.level() + self.lateral_midfoot.level() + self.lateral_forefoot.level();
        (medial - lateral) / 9.0
    }

    fn zones(&self) -> [WearGrade; 7] {
        [
            self.lateral_heel,
            self.medial_heel,
            self.lateral_midfoot,
            self.medial_midfoot,
            self.lateral_forefoot,
            self.medial_forefoot,
            self.toe,
        ]
    }

    /// Sum of absolute per-zone differences between two shoes, scaled to 0-1.
    pub fn difference(&self, other: &OutsoleWear) -> f64 {
        let d: f64 = self.zones().iter().zip(other.zones()).map(|(a, b)| (a.level() - b.level()).abs()).sum();
        d / 21.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WearPattern {
    #[serde(default)]
    pub left: OutsoleWear,
    #[serde(default)]
    pub right: OutsoleWear,
    #[serde(default)]
    pub midsole_compression: WearGrade,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heel_counter_tilt_left_deg: Option<TiltDeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heel_counter_tilt_right_deg: Option<TiltDeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 720.0)]
    pub distance_on_shoe_km: Option<DistanceKm>,
    /// Catalogue id of the worn model, when it is in the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "brooks-ghost-16")]
    pub worn_shoe_id: Option<String>,
    /// Drop of the worn pair, when known and not in the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worn_drop_mm: Option<DropMm>,
}

impl WearPattern {
    /// Mean medial bias of both shoes.
    pub fn medial_bias(&self) -> f64 {
        (self.left.medial_bias() + self.right.medial_bias()) / 2.0
    }

    /// Largest medial tilt of the heel counters, degrees (0 when unknown or lateral).
    pub fn medial_tilt_deg(&self) -> f64 {
        [self.heel_counter_tilt_left_deg, self.heel_counter_tilt_right_deg]
            .into_iter()
            .flatten()
            .map(|t| t.get())
            .fold(0.0, f64::max)
    }
}

impl Fitting {
    /// Checks that span fields; single-field ranges are enforced by the field types.
    pub fn validate(&self) -> Result<(), FieldError> {
        use chrono::Datelike;
        let this_year = u16::try_from(chrono::Utc::now().year()).unwrap_or(u16::MAX);
        self.health.validate(this_year)?;
        if let Some(feet) = &self.feet {
            feet.validate()?;
        }
        if let Some(wear) = &self.wear {
            if let Some(id) = &wear.worn_shoe_id {
                if id.is_empty() || id.len() > 100 {
                    return Err(FieldError::new("wear.worn_shoe_id", "must be 1 to 100 characters"));
                }
            }
        }
        Ok(())
    }
}

pub mod examples {
    //! Example fittings, shared by the OpenAPI document, the README and the tests.
    use serde_json::{json, Value};

    /// An in-store fitting after a treadmill run, with a worn pair.
    pub fn shop_fitting() -> Value {
        json!({
            "store_id": "S1",
            "customer_ref": "c-7f3a91",
            "profile": {
                "body_mass_kg": 61.0, "sex": "female", "age_years": 34.0,
                "weekly_distance_km": 40.0, "goal": "daily_training", "terrain": "road",
                "preferred_feel": "soft", "width": "standard", "budget_usd": 170.0
            },
            "health": {
                "pain": [{"location": "knee", "side": "left", "score_0_10": 2.0, "duration_weeks": 3.0,
                          "course": "stable", "timing": ["during_runs"], "onset": "gradual",
                          "worse_during_run": false, "swelling": false, "locking_or_giving_way": false}],
                "red_flags": {},
                "previous_injuries": [{"type": "tendon", "site": "achilles", "year": 2023}]
            },
            "gait": {
                "speed_m_s": 3.0, "cadence_spm": 166.0, "foot_strike": "rearfoot",
                "peak_rearfoot_eversion_deg": 12.5, "eversion_reference": "standing",
                "contralateral_pelvic_drop_deg": 4.0, "ground_contact_time_ms": 262.0,
                "vertical_oscillation_cm": 8.4, "left_right_asymmetry_pct": 3.0
            },
            "wear": {
                "left":  {"lateral_heel": "moderate", "medial_heel": "light", "medial_midfoot": "moderate", "medial_forefoot": "heavy"},
                "right": {"lateral_heel": "moderate", "medial_heel": "light", "medial_midfoot": "moderate", "medial_forefoot": "heavy"},
                "midsole_compression": "moderate",
                "heel_counter_tilt_left_deg": 4.0, "heel_counter_tilt_right_deg": 3.0,
                "distance_on_shoe_km": 780.0,
                "worn_drop_mm": 12.0
            }
        })
    }

    /// What a web shop can ask an online runner: no treadmill, no worn pair.
    pub fn web_fitting() -> Value {
        json!({
            "profile": {
                "body_mass_kg": 82.0, "sex": "male", "weekly_distance_km": 25.0,
                "goal": "trail", "terrain": "trail", "width": "wide", "budget_usd": 160.0
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_fittings_parse_and_validate() {
        for example in [examples::shop_fitting(), examples::web_fitting()] {
            let fitting: Fitting = serde_json::from_value(example).unwrap();
            fitting.validate().unwrap();
        }
    }

    #[test]
    fn unknown_fields_are_refused_so_typos_in_health_answers_are_not_lost() {
        let mut v = examples::web_fitting();
        v["health"] = serde_json::json!({"red_flags": {"saddle_numbnes": true}});
        assert!(serde_json::from_value::<Fitting>(v).is_err());
    }

    #[test]
    fn medial_wear_gives_positive_bias_and_lateral_negative() {
        let medial = OutsoleWear { medial_forefoot: WearGrade::Heavy, medial_midfoot: WearGrade::Heavy, ..Default::default() };
        let lateral = OutsoleWear { lateral_forefoot: WearGrade::Heavy, ..Default::default() };
        assert!(medial.medial_bias() > 0.5);
        assert!(lateral.medial_bias() < 0.0);
    }

    #[test]
    fn too_many_pain_reports_are_refused_naming_the_field() {
        let mut f: Fitting = serde_json::from_value(examples::shop_fitting()).unwrap();
        let one = f.health.pain[0].clone();
        f.health.pain = vec![one; MAX_PAIN_REPORTS + 1];
        assert_eq!(f.validate().unwrap_err().field, "health.pain");
    }
}
