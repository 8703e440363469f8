//! Physical quantities as range-checked newtypes, so a fitting that reaches the
//! domain can never hold a cadence of 20 spm or a pain score of 14/10.
//! Each type deserialises through `TryFrom<f64>`, so JSON input is checked at the edge.

use serde::{Deserialize, Serialize};

/// Why a number was refused: the allowed range and its unit, in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("must be between {min} and {max} {unit}")]
pub struct OutOfRange {
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

fn number_schema(min: f64, max: f64, unit: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
        .minimum(Some(min))
        .maximum(Some(max))
        .description(Some(format!("{min} to {max} {unit}")))
        .into()
}

macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $unit:literal, $min:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(try_from = "f64", into = "f64")]
        pub struct $name(f64);

        // Written by hand so the range and unit reach the OpenAPI document.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                number_schema($min, $max, $unit)
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const MIN: f64 = $min;
            pub const MAX: f64 = $max;
            pub const UNIT: &'static str = $unit;

            pub fn new(value: f64) -> Result<Self, OutOfRange> {
                if value.is_finite() && (Self::MIN..=Self::MAX).contains(&value) {
                    Ok(Self(value))
                } else {
                    Err(OutOfRange { min: Self::MIN, max: Self::MAX, unit: Self::UNIT })
                }
            }

            pub fn get(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = OutOfRange;
            fn try_from(value: f64) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for f64 {
            fn from(value: $name) -> f64 {
                value.0
            }
        }
    };
}

bounded!(/// Body mass of the runner.
    MassKg, "kg", 25.0, 250.0);
bounded!(/// Age of the runner.
    AgeYears, "years", 8.0, 100.0);
bounded!(/// Distance run in a typical week.
    WeeklyDistanceKm, "km", 0.0, 400.0);
bounded!(/// A price or a budget.
    PriceUsd, "USD", 0.0, 2000.0);
bounded!(/// EU shoe size.
    ShoeSizeEu, "EU size", 28.0, 52.0);
bounded!(/// Treadmill belt speed.
    SpeedMs, "m/s", 1.0, 10.0);
bounded!(/// Steps per minute, both feet.
    CadenceSpm, "steps/min", 120.0, 240.0);
bounded!(/// Peak rearfoot eversion in stance (positive = eversion).
    EversionDeg, "degrees", -15.0, 35.0);
bounded!(/// Contralateral pelvic drop at mid-stance.
    PelvicDropDeg, "degrees", 0.0, 25.0);
bounded!(/// Ground contact time of one step.
    ContactTimeMs, "ms", 100.0, 500.0);
bounded!(/// Vertical oscillation of the centre of mass.
    VerticalOscillationCm, "cm", 2.0, 20.0);
bounded!(/// Left/right asymmetry in ground contact time.
    AsymmetryPct, "%", 0.0, 50.0);
bounded!(/// Pain while running, 0 = none, 10 = worst imaginable.
    PainScore, "points (0-10 scale)", 0.0, 10.0);
bounded!(/// How long something has lasted.
    DurationWeeks, "weeks", 0.0, 520.0);
bounded!(/// Hours after a run until pain settles.
    DurationHours, "hours", 0.0, 168.0);
bounded!(/// Heel-counter tilt seen from behind (positive = tilted medially, inward).
    TiltDeg, "degrees", -30.0, 30.0);
bounded!(/// Distance on a worn pair.
    DistanceKm, "km", 0.0, 10000.0);
bounded!(/// Heel-to-toe drop of a shoe.
    DropMm, "mm", 0.0, 20.0);
bounded!(/// Stack height of a shoe.
    StackMm, "mm", 5.0, 60.0);
bounded!(/// Shoe mass in the reference size.
    WeightG, "g", 80.0, 600.0);
bounded!(/// Foot length, heel to longest toe, standing.
    FootLengthMm, "mm", 150.0, 350.0);
bounded!(/// Foot width across the ball of the foot, standing.
    FootWidthMm, "mm", 60.0, 140.0);
bounded!(/// Arch height (dorsal height at half foot length), standing.
    ArchHeightMm, "mm", 20.0, 100.0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence_of_twenty_steps_per_minute_is_refused_with_its_range() {
        let err = CadenceSpm::new(20.0).unwrap_err();
        assert_eq!(err.to_string(), "must be between 120 and 240 steps/min");
    }

    #[test]
    fn pain_of_fourteen_out_of_ten_is_refused() {
        assert!(PainScore::new(14.0).is_err());
        assert_eq!(PainScore::new(10.0).unwrap().get(), 10.0);
    }

    #[test]
    fn negative_mass_and_nan_are_refused() {
        assert!(MassKg::new(-70.0).is_err());
        assert!(MassKg::new(f64::NAN).is_err());
        assert!(MassKg::new(f64::INFINITY).is_err());
    }

    #[test]
    fn json_numbers_are_checked_when_deserialised() {
        let ok: CadenceSpm = serde_json::from_str("172").unwrap();
        assert_eq!(ok.get(), 172.0);
        let err = serde_json::from_str::<CadenceSpm>("20").unwrap_err();
        assert!(err.to_string().contains("between 120 and 240"));
    }
}
