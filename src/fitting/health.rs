//! The health part of a fitting: pain reports, red-flag answers, previous injuries and the
//! intake questions of EVIDENCE "Clinician referral, part 2". Every answer is optional and
//! typed (no free text); an unanswered yes/no question reads as "not asked", never as "no".

use std::collections::BTreeSet;

use serde::de::{self, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::FieldError;
use crate::units::{DurationHours, DurationWeeks, PainScore};

/// The longest lists a fitting may carry: a runner has two feet and a handful of complaints.
pub const MAX_PAIN_REPORTS: usize = 12;
pub const MAX_PREVIOUS_INJURIES: usize = 20;

/// The answer to a yes/no health question. In JSON `true` is yes, `false` is no, and an
/// absent field or `null` means the question was not asked; a missing answer is never "no".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Option<bool>", into = "Option<bool>")]
pub enum Answer {
    #[default]
    NotAsked,
    No,
    Yes,
}

impl Answer {
    pub fn yes(self) -> bool {
        self == Answer::Yes
    }

    pub fn not_asked(&self) -> bool {
        *self == Answer::NotAsked
    }
}

impl From<Option<bool>> for Answer {
    fn from(value: Option<bool>) -> Self {
        match value {
            None => Answer::NotAsked,
            Some(false) => Answer::No,
            Some(true) => Answer::Yes,
        }
    }
}

impl From<Answer> for Option<bool> {
    fn from(value: Answer) -> Self {
        match value {
            Answer::NotAsked => None,
            Answer::No => Some(false),
            Answer::Yes => Some(true),
        }
    }
}

impl From<bool> for Answer {
    fn from(value: bool) -> Self {
        Some(value).into()
    }
}

// Written by hand: the wire form is a nullable boolean, and the document should say so.
impl utoipa::PartialSchema for Answer {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Boolean, Type::Null]))
            .description(Some(
                "true = yes, false = no; absent or null = not asked (never read as no)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Answer {}

/// Where it hurts. Coarse on purpose: enough to apply referral rules, not to diagnose.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BodyLocation {
    LowerBack,
    HipGroin,
    Buttock,
    Thigh,
    Hamstring,
    Knee,
    Shin,
    /// Calf or Achilles when the runner cannot tell; prefer `calf` or `achilles`.
    CalfAchilles,
    Ankle,
    Heel,
    Arch,
    Forefoot,
    Toes,
    Other,
    UpperBack,
    Chest,
    /// The muscle belly of the calf.
    Calf,
    /// The tendon at the back of the heel.
    Achilles,
    /// Top or outer edge of the foot between heel and forefoot.
    Midfoot,
    WholeFoot,
}

impl BodyLocation {
    pub fn words(self) -> &'static str {
        use BodyLocation::*;
        match self {
            LowerBack => "lower back",
            HipGroin => "hip or groin",
            Buttock => "buttock",
            Thigh => "thigh",
            Hamstring => "hamstring",
            Knee => "knee",
            Shin => "shin",
            CalfAchilles => "calf or Achilles",
            Ankle => "ankle",
            Heel => "heel",
            Arch => "arch",
            Forefoot => "forefoot",
            Toes => "toes",
            Other => "other area",
            UpperBack => "upper back",
            Chest => "chest",
            Calf => "calf",
            Achilles => "Achilles",
            Midfoot => "midfoot",
            WholeFoot => "whole foot",
        }
    }

    /// Ankle and foot: where the Ottawa ankle and foot rules apply.
    pub fn is_ankle_or_foot(self) -> bool {
        use BodyLocation::*;
        matches!(
            self,
            Ankle | Heel | Arch | Forefoot | Toes | Midfoot | WholeFoot
        )
    }

    /// The calf, where a one-sided swelling matters (Wells criteria).
    pub fn is_calf(self) -> bool {
        matches!(self, BodyLocation::Calf | BodyLocation::CalfAchilles)
    }

    /// The back of the heel: the Achilles tendon and its insertion.
    pub fn is_heel_cord(self) -> bool {
        matches!(
            self,
            BodyLocation::Achilles | BodyLocation::CalfAchilles | BodyLocation::Heel
        )
    }

    /// Sites where runners' bone-stress injuries occur (shin, foot, femur, pelvis).
    pub fn is_bone_stress_site(self) -> bool {
        use BodyLocation::*;
        matches!(
            self,
            HipGroin | Thigh | Shin | Heel | Arch | Forefoot | Midfoot | WholeFoot
        )
    }

    /// The lower leg and foot, where exertional tightness or numbness is asked about.
    pub fn is_lower_leg(self) -> bool {
        use BodyLocation::*;
        matches!(self, Shin | Calf | CalfAchilles) || self.is_ankle_or_foot()
    }

    /// Joints that can become hot and swollen.
    pub fn is_joint(self) -> bool {
        use BodyLocation::*;
        matches!(self, HipGroin | Knee | Ankle | Toes | Forefoot | Midfoot)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    Both,
}

/// How the pain has been changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Course {
    New,
    Improving,
    Stable,
    Worsening,
}

/// When it hurts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PainTiming {
    DuringRuns,
    AfterRuns,
    FirstStepsInMorning,
    AtNight,
    AtRest,
}

/// How it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Onset {
    Gradual,
    Sudden,
    AfterFallOrTwist,
    /// A sudden pop or the feeling of being kicked.
    WithPop,
}

/// One current pain, as the runner reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PainReport {
    pub location: BodyLocation,
    /// How bad it is, 0-10: while running, unless `timing` says it comes only at other times.
    #[schema(example = 4.0)]
    pub score_0_10: PainScore,
    /// How long it has been going on.
    #[schema(example = 3.0)]
    pub duration_weeks: DurationWeeks,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<Course>,
    /// When it hurts; empty when not asked.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub timing: BTreeSet<PainTiming>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<Onset>,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub worse_during_run: Answer,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub night_pain: Answer,
    /// Pain at rest, away from running.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub rest_pain: Answer,
    /// Pain in daily life (walking, stairs), not only when running.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub in_daily_life: Answer,
    /// Hours after a run until it settles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settles_after_hours: Option<DurationHours>,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub returns_every_run: Answer,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub needs_painkillers_to_run: Answer,
    /// Tender on one spot of bone when pressed.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub focal_bone_tenderness: Answer,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub swelling: Answer,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub limp: Answer,
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub pain_on_hopping: Answer,
    /// Did not improve after two weeks of rest.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub no_improvement_after_rest: Answer,
    /// Cannot take four steps on it (Ottawa ankle and foot rules).
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub cannot_bear_weight: Answer,
    /// The joint locks, catches or gives way.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub locking_or_giving_way: Answer,
    /// The painful area is warm or red.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub warmth_or_redness: Answer,
    /// Pushing off or rising onto the toes on that side is weak.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub weak_push_off: Answer,
    /// The leg goes tight or numb at a predictable point in each run.
    #[serde(default, skip_serializing_if = "Answer::not_asked")]
    pub tightness_or_numbness_during_run: Answer,
}

impl PainReport {
    pub fn hurts(&self) -> bool {
        self.score_0_10.get() > 0.0
    }

    /// Hurts while running: said so in `timing`, or, when timing was not asked (as in
    /// fittings stored before it existed), any score, since the score meant "while running".
    pub fn hurts_when_running(&self) -> bool {
        (self.hurts() && (self.timing.is_empty() || self.timing.contains(&PainTiming::DuringRuns)))
            || self.worse_during_run.yes()
    }

    pub fn at_night(&self) -> bool {
        self.night_pain.yes() || self.timing.contains(&PainTiming::AtNight)
    }

    pub fn at_rest(&self) -> bool {
        self.rest_pain.yes() || self.timing.contains(&PainTiming::AtRest)
    }

    /// Any answer that points to more than overuse soreness.
    pub fn has_warning_answer(&self) -> bool {
        [
            self.focal_bone_tenderness,
            self.swelling,
            self.limp,
            self.pain_on_hopping,
            self.cannot_bear_weight,
            self.locking_or_giving_way,
            self.warmth_or_redness,
            self.weak_push_off,
            self.needs_painkillers_to_run,
            self.no_improvement_after_rest,
        ]
        .iter()
        .any(|a| a.yes())
            || matches!(self.onset, Some(Onset::WithPop))
    }

    /// Soreness or stiffness after a run that is short-lived and settling: no pain while
    /// running, none at rest or at night, not worsening, improving or gone within the day,
    /// and under a week old (EVIDENCE part 2, "Not a referral").
    pub fn settling_after_load(&self) -> bool {
        !self.hurts_when_running()
            && !self.at_rest()
            && !self.at_night()
            && !self.has_warning_answer()
            && self.course != Some(Course::Worsening)
            && (self.course == Some(Course::Improving)
                || self.settles_after_hours.is_some_and(|h| h.get() <= 24.0))
            && self.duration_weeks.get() <= 1.0
    }

    /// Heel or arch pain on the first steps in the morning that eases once warm.
    pub fn first_steps_heel_pain(&self) -> bool {
        matches!(self.location, BodyLocation::Heel | BodyLocation::Arch)
            && self.timing.contains(&PainTiming::FirstStepsInMorning)
            && !self.at_rest()
            && !self.at_night()
            && !self.has_warning_answer()
    }
}

/// Signs and history that change how urgently a runner should be seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RedFlags {
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub bladder_or_bowel_change: Answer,
    /// Numbness in the saddle or genital area.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub saddle_numbness: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub sciatica_both_legs: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub progressive_leg_weakness: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub numbness_or_tingling: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub fever: Answer,
    /// Feeling generally unwell (shivery, flu-like).
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub feeling_unwell: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub unexplained_weight_loss: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub history_of_cancer: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub immunosuppressed: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub recent_trauma: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub osteoporosis_or_long_term_steroids: Answer,
    /// Low body weight, missed periods, or a recent jump in training: raise bone-stress risk.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub bone_stress_risk_factors: Answer,
}

/// Symptoms during or right after exercise (AHA 14-element screen; ESC 2020 sports cardiology).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExertionalSymptoms {
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub chest_pain_or_pressure: Answer,
    /// Fainted or nearly fainted during or right after exercise.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub fainting_or_near_fainting: Answer,
    /// Racing, pounding or irregular heartbeat.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub palpitations: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub dizziness: Answer,
    /// More out of breath than the effort explains.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub breathlessness_out_of_proportion: Answer,
}

/// One-sided leg swelling and the Wells-type answers that make a clot more likely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClotRisk {
    /// One calf (or one whole leg) swollen, not both.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub one_calf_swollen: Answer,
    /// A journey of four hours or more in the past four weeks.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub recent_long_travel: Answer,
    /// Surgery, a plaster cast or brace, or three days or more in bed in the past 12 weeks.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub recent_surgery_or_immobilisation: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub previous_blood_clot: Answer,
    /// Pregnant, or gave birth in the past six weeks.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub pregnant_or_postpartum: Answer,
    /// Combined hormonal contraception or hormone replacement.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub hormonal_contraception_or_hrt: Answer,
    /// Cancer being treated now, or in the past six months.
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub active_cancer: Answer,
}

impl ClotRisk {
    /// Any risk factor beyond the swelling itself.
    pub fn any_risk_factor(&self) -> bool {
        [
            self.recent_long_travel,
            self.recent_surgery_or_immobilisation,
            self.previous_blood_clot,
            self.pregnant_or_postpartum,
            self.hormonal_contraception_or_hrt,
            self.active_cancer,
        ]
        .iter()
        .any(|a| a.yes())
    }
}

/// Menstrual status, asked only with the reason given (see `EnergyAvailability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MenstrualStatus {
    Regular,
    Irregular,
    /// No period for three months or more.
    #[serde(rename = "absent_3_months_or_more")]
    Absent3MonthsOrMore,
    NotApplicable,
}

/// Signs that the body is short of energy for the training (IOC consensus on relative
/// energy deficiency in sport, Mountjoy et al., BJSM 2023). Optional; the runner is told
/// why it is asked: these signs make bone-stress injuries more likely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnergyAvailability {
    /// Optional. Asked because missed periods can mean the body is short of energy, which
    /// makes bone injuries more likely; `not_applicable` for those it does not apply to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub menstrual_status: Option<MenstrualStatus>,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub restricted_eating: Answer,
    #[serde(skip_serializing_if = "Answer::not_asked")]
    pub recent_weight_loss: Answer,
}

impl EnergyAvailability {
    /// The signs that were answered yes, in plain words.
    pub fn signs(&self) -> Vec<&'static str> {
        let mut signs = Vec::new();
        match self.menstrual_status {
            Some(MenstrualStatus::Absent3MonthsOrMore) => {
                signs.push("no periods for three months or more")
            }
            Some(MenstrualStatus::Irregular) => signs.push("irregular periods"),
            _ => {}
        }
        if self.restricted_eating.yes() {
            signs.push("restricted eating");
        }
        if self.recent_weight_loss.yes() {
            signs.push("recent weight loss");
        }
        signs
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InjuryType {
    BoneStress,
    Tendon,
    Ligament,
    Muscle,
    JointSurgery,
    Other,
}

/// Calendar year of a past injury.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct InjuryYear(u16);

impl InjuryYear {
    pub const MIN: u16 = 1940;
    pub const MAX: u16 = 2100;

    pub fn new(year: u16) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(format!(
                "must be a year between {} and {}",
                Self::MIN,
                Self::MAX
            ))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for InjuryYear {
    type Error = String;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<InjuryYear> for u16 {
    fn from(value: InjuryYear) -> u16 {
        value.0
    }
}

impl utoipa::PartialSchema for InjuryYear {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(f64::from(Self::MIN)))
            .maximum(Some(f64::from(Self::MAX)))
            .description(Some("calendar year, not in the future"))
            .into()
    }
}

impl utoipa::ToSchema for InjuryYear {}

/// A past injury. Fittings stored before this had bare locations (`"shin"`); those still
/// read, as an injury of unknown type at that site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "bone_stress", "site": "shin", "year": 2024}))]
pub struct PreviousInjury {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<InjuryType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<BodyLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<InjuryYear>,
}

/// The object form, with the same checks as the rest of the fitting.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviousInjuryFields {
    #[serde(rename = "type", default)]
    kind: Option<InjuryType>,
    #[serde(default)]
    site: Option<BodyLocation>,
    #[serde(default)]
    year: Option<InjuryYear>,
}

// By hand rather than `untagged`, so an error in the object form still names its field.
impl<'de> Deserialize<'de> for PreviousInjury {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InjuryVisitor;
        impl<'de> Visitor<'de> for InjuryVisitor {
            type Value = PreviousInjury;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a previous injury {\"type\", \"site\", \"year\"} or a body location")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let site = BodyLocation::deserialize(v.into_deserializer())?;
                Ok(PreviousInjury {
                    kind: None,
                    site: Some(site),
                    year: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let f =
                    PreviousInjuryFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(PreviousInjury {
                    kind: f.kind,
                    site: f.site,
                    year: f.year,
                })
            }
        }
        deserializer.deserialize_any(InjuryVisitor)
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HealthReport {
    pub pain: Vec<PainReport>,
    pub red_flags: RedFlags,
    pub previous_injuries: Vec<PreviousInjury>,
    #[serde(skip_serializing_if = "is_default")]
    pub exertional_symptoms: ExertionalSymptoms,
    #[serde(skip_serializing_if = "is_default")]
    pub clot_risk: ClotRisk,
    #[serde(skip_serializing_if = "is_default")]
    pub energy_availability: EnergyAvailability,
}

impl HealthReport {
    pub fn has_pain(&self) -> bool {
        self.pain.iter().any(|p| p.score_0_10.get() > 0.0)
    }

    /// A bone-stress injury in the past, by type.
    pub fn previous_bone_stress(&self) -> bool {
        self.previous_injuries
            .iter()
            .any(|i| i.kind == Some(InjuryType::BoneStress))
    }

    /// Checks that span fields; single answers are checked by their types.
    pub fn validate(&self, this_year: u16) -> Result<(), FieldError> {
        if self.pain.len() > MAX_PAIN_REPORTS {
            return Err(FieldError::new(
                "health.pain",
                format!("at most {MAX_PAIN_REPORTS} pain reports"),
            ));
        }
        if self.previous_injuries.len() > MAX_PREVIOUS_INJURIES {
            return Err(FieldError::new(
                "health.previous_injuries",
                format!("at most {MAX_PREVIOUS_INJURIES} entries"),
            ));
        }
        for (i, injury) in self.previous_injuries.iter().enumerate() {
            if injury.kind.is_none() && injury.site.is_none() {
                return Err(FieldError::new(
                    format!("health.previous_injuries[{i}]"),
                    "needs a type or a site",
                ));
            }
            if injury.year.is_some_and(|y| y.get() > this_year) {
                return Err(FieldError::new(
                    format!("health.previous_injuries[{i}].year"),
                    format!("must not be after {this_year}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn previous_injuries_stored_as_bare_locations_still_read() {
        let h: HealthReport =
            serde_json::from_value(json!({"previous_injuries": ["shin", "knee"]})).unwrap();
        assert_eq!(
            h.previous_injuries[0],
            PreviousInjury {
                kind: None,
                site: Some(BodyLocation::Shin),
                year: None
            }
        );
        let back = serde_json::to_value(&h).unwrap();
        assert_eq!(
            back["previous_injuries"],
            json!([{"site": "shin"}, {"site": "knee"}])
        );
    }

    #[test]
    fn previous_injuries_with_type_site_and_year_are_checked() {
        let ok =
            json!({"previous_injuries": [{"type": "bone_stress", "site": "shin", "year": 2024}]});
        let h: HealthReport = serde_json::from_value(ok).unwrap();
        assert!(h.previous_bone_stress());
        assert!(h.validate(2026).is_ok());
        assert_eq!(
            h.validate(2023).unwrap_err().field,
            "health.previous_injuries[0].year"
        );
        for bad in [
            json!({"type": "broken"}),
            json!({"site": "shin", "colour": "red"}),
            json!({"year": 1800}),
            json!("elbow"),
        ] {
            assert!(
                serde_json::from_value::<HealthReport>(json!({"previous_injuries": [bad]}))
                    .is_err()
            );
        }
        let empty: HealthReport =
            serde_json::from_value(json!({"previous_injuries": [{}]})).unwrap();
        assert_eq!(
            empty.validate(2026).unwrap_err().field,
            "health.previous_injuries[0]"
        );
    }

    #[test]
    fn an_error_inside_a_previous_injury_names_its_field() {
        let v = json!({"previous_injuries": [{"type": "bone_stress", "year": "last year"}]});
        let err = serde_path_to_error::deserialize::<_, HealthReport>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "previous_injuries[0].year");
    }

    #[test]
    fn timing_is_a_set_and_unknown_values_are_refused() {
        let p: PainReport = serde_json::from_value(
            json!({"location": "heel", "score_0_10": 2.0, "duration_weeks": 1.0,
            "timing": ["at_night", "during_runs", "at_night"]}),
        )
        .unwrap();
        assert_eq!(p.timing.len(), 2);
        assert!(
            serde_json::from_value::<PainReport>(
                json!({"location": "heel", "score_0_10": 2.0, "duration_weeks": 1.0,
            "timing": ["sometimes"]})
            )
            .is_err()
        );
    }
}
