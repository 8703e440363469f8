//! Insole pairing, only where a signal supports it: runners complain of being sold insoles
//! for neutral gait, so no signal means no insole.

use crate::catalogue::{ArchSupport, Category, Insole, InsoleCushioning, Rigidity, Shoe, Support, Volume};
use crate::features::RunnerSignals;
use crate::text::sentence;

#[derive(Debug, Clone, PartialEq)]
pub struct InsolePairing {
    pub insole: Insole,
    pub reason: String,
}

/// What the runner needs from an insole, and why.
struct Need {
    arch: &'static [ArchSupport],
    cushioning: Option<InsoleCushioning>,
    firm: bool,
    reason: String,
}

/// Pronation above this in a neutral shoe is worth medial support from an insole.
const INSOLE_PRONATION: f64 = 0.35;
/// Supination above this is worth a cushioned liner.
const INSOLE_SUPINATION: f64 = 0.5;

fn need(runner: &RunnerSignals, shoe: &Shoe) -> Option<Need> {
    if shoe.support == Support::Neutral && runner.pronation >= INSOLE_PRONATION {
        let seen = if runner.pronation_measured { "the treadmill shows" } else { "your worn pair shows" };
        return Some(Need {
            arch: if runner.marked_pronation() { &[ArchSupport::High, ArchSupport::Medium] } else { &[ArchSupport::Medium] },
            cushioning: None,
            firm: true,
            reason: sentence!("adds arch support to a neutral shoe: {seen} the foot rolling inward"),
        });
    }
    if runner.supination >= INSOLE_SUPINATION {
        return Some(Need {
            arch: &[ArchSupport::Neutral, ArchSupport::Low],
            cushioning: Some(InsoleCushioning::High),
            firm: false,
            reason: "adds cushioning for a foot that rolls outward and absorbs less shock".into(),
        });
    }
    None
}

fn fit_score(insole: &Insole, need: &Need, shoe: &Shoe) -> Option<i32> {
    let arch_rank = need.arch.iter().position(|a| *a == insole.arch_support)?;
    let mut score = 10 - 3 * arch_rank as i32;
    if need.cushioning.is_some_and(|c| c == insole.cushioning) {
        score += 3;
    }
    if need.firm && insole.rigidity != Rigidity::Flexible {
        score += 2;
    }
    // Racing and tempo shoes have little room inside.
    let low_volume_shoe = matches!(shoe.category, Category::Race | Category::Tempo);
    match (low_volume_shoe, insole.volume) {
        (true, Volume::Low) | (false, Volume::Medium) => score += 2,
        (true, Volume::High) => score -= 3,
        _ => {}
    }
    Some(score)
}

pub fn pair_insole(runner: &RunnerSignals, shoe: &Shoe, insoles: &[Insole]) -> Option<InsolePairing> {
    let need = need(runner, shoe)?;
    let best = insoles
        .iter()
        .filter_map(|i| fit_score(i, &need, shoe).map(|s| (s, i)))
        .max_by(|(a, ia), (b, ib)| a.cmp(b).then_with(|| ib.id.cmp(&ia.id)))?;
    Some(InsolePairing { insole: best.1.clone(), reason: need.reason })
}
