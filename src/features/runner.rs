//! Runner-side signals derived once per fitting: pronation and supination from gait and
//! wear, the lighter-runner flag, and the preferences the pair features compare against.

use super::attributes::{runner_attributes, RunnerAttributes, WornShoe};
use crate::catalogue::{Catalogue, Terrain, Width};
use crate::fitting::{EversionReference, Feel, FootStrike, Fitting, GaitMetrics, Goal, Sex, WearPattern};

#[derive(Debug, Clone, PartialEq)]
pub struct RunnerSignals {
    /// 0 (none) to 1 (marked) pronation signal.
    pub pronation: f64,
    /// 0 to 1 supination (under-pronation) signal.
    pub supination: f64,
    /// Whether pronation came from a treadmill measurement (true) or only from worn shoes.
    pub pronation_measured: bool,
    /// 1 when the runner is under the mass threshold where softer shoes cut injury risk.
    pub light: f64,
    pub mass_kg: f64,
    pub weekly_km: f64,
    /// 1 forefoot, 0.5 midfoot, 0 rearfoot or unknown.
    pub forefoot_strike: f64,
    pub worn_drop_mm: Option<f64>,
    pub terrain: Terrain,
    pub goal: Goal,
    pub width: Width,
    pub feel: Option<Feel>,
    pub budget_usd: Option<f64>,
    /// The worn pair, when the fitting names a catalogue model.
    pub worn: Option<WornShoe>,
    /// Raw, binned runner attributes for models that learn their own interactions.
    pub attributes: RunnerAttributes,
}

/// Mean and SD of peak rearfoot eversion by reference posture. Standing: 6.7 +/- 2.8 deg in 46
/// runners at 2.5 m/s (Fukuchi et al. 2017); subtalar neutral reads ~7 deg higher (J Athl Train 47(1):83).
fn eversion_norm(reference: EversionReference) -> (f64, f64) {
    match reference {
        EversionReference::Standing => (6.7, 2.8),
        EversionReference::SubtalarNeutral => (11.0, 3.0),
        EversionReference::Unspecified => (8.5, 3.5),
    }
}

/// Mass under which harder shoes raised injury risk (SHR 1.80): men < 78.2 kg, women < 62.8 kg
/// (Malisoux et al., Am J Sports Med 2020). Unknown sex uses the midpoint.
fn lighter_runner_threshold_kg(sex: Option<Sex>) -> f64 {
    match sex {
        Some(Sex::Male) => 78.2,
        Some(Sex::Female) => 62.8,
        None => 70.5,
    }
}

fn eversion_z(gait: &GaitMetrics) -> Option<f64> {
    let eversion = gait.peak_rearfoot_eversion_deg?.get();
    let (mean, sd) = eversion_norm(gait.eversion_reference);
    Some((eversion - mean) / sd)
}

/// Pronation from wear: heavy medial wear and a medially tilted heel counter. Wear maps to no
/// single pathology (Vernon & Potter 2004), so this is a weak signal, used at low weight.
fn wear_pronation(wear: &WearPattern) -> f64 {
    let medial = (wear.medial_bias().max(0.0) * 2.0).min(1.0);
    let tilt = ((wear.medial_tilt_deg() - 2.0) / 6.0).clamp(0.0, 1.0);
    0.7 * medial + 0.3 * tilt
}

fn wear_supination(wear: &WearPattern) -> f64 {
    ((-wear.medial_bias()).max(0.0) * 2.0).min(1.0)
}

impl RunnerSignals {
    /// Pronation at or above this is "marked": the only case where motion control helped
    /// (HR 0.34 in pronated feet; Malisoux et al., Am J Sports Med 2016).
    pub const MARKED_PRONATION: f64 = 0.6;

    pub fn from_fitting(fitting: &Fitting, catalogue: &Catalogue) -> Self {
        let profile = &fitting.profile;
        let gait = fitting.gait.as_ref();
        let wear = fitting.wear.as_ref();
        let z = gait.and_then(eversion_z);

        // Measured gait dominates; wear alone counts for half as much.
        let (pronation, supination) = match (z, wear) {
            (Some(z), wear) => {
                let gait_pron = ((z - 0.5) / 1.5).clamp(0.0, 1.0);
                let gait_sup = ((-z - 1.0) / 1.0).clamp(0.0, 1.0);
                match wear {
                    Some(w) => (0.8 * gait_pron + 0.2 * wear_pronation(w), 0.8 * gait_sup + 0.2 * wear_supination(w)),
                    None => (gait_pron, gait_sup),
                }
            }
            (None, Some(w)) => (0.5 * wear_pronation(w), 0.5 * wear_supination(w)),
            (None, None) => (0.0, 0.0),
        };

        let worn = wear.and_then(|w| w.worn_shoe_id.as_deref()).and_then(|id| catalogue.shoe(id)).map(WornShoe::of);
        let worn_drop_mm =
            wear.and_then(|w| w.worn_drop_mm.map(|d| d.get()).or_else(|| worn.as_ref().and_then(|s| s.drop_mm)));
        let attributes = runner_attributes(fitting, pronation, supination, worn.as_ref());

        let mass = profile.body_mass_kg.get();
        Self {
            pronation,
            supination,
            pronation_measured: z.is_some(),
            light: (mass < lighter_runner_threshold_kg(profile.sex)) as u8 as f64,
            mass_kg: mass,
            weekly_km: profile.weekly_distance_km.get(),
            forefoot_strike: match gait.map(|g| g.foot_strike) {
                Some(FootStrike::Forefoot) => 1.0,
                Some(FootStrike::Midfoot) => 0.5,
                _ => 0.0,
            },
            worn_drop_mm,
            terrain: if profile.goal == Goal::Trail { Terrain::Trail } else { profile.terrain },
            goal: profile.goal,
            width: profile.width,
            feel: profile.preferred_feel,
            budget_usd: profile.budget_usd.map(|b| b.get()),
            worn,
            attributes,
        }
    }

    pub fn marked_pronation(&self) -> bool {
        self.pronation >= Self::MARKED_PRONATION
    }
}
