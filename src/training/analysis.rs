//! What an analyst needs to decide on a model, computed once from a history: the data it was
//! measured on, the comparison on the same held-out sessions with a verdict, a learning curve,
//! poor fits by recommended rank, feature effects and the reasons runners were shown. The
//! report (`crate::report`) draws it; nothing here draws, and the result is stored as JSON.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dataset::{self, Dataset, Split};
use super::evaluate::{self, Interval, Ranker};
pub use crate::model::comparison::Window;
use super::{check_cancel, compare, Comparison, Progress, TrainError, TrainingSummary};
use crate::catalogue::Catalogue;
use crate::features::{attributes, Feature, Pair, Relations, ShoeAttributes, FEATURE_COUNT, RELATION_COUNT, SHOE_DIM};
use crate::model::Artifact;
use crate::ranking::{sigmoid, Filters, Scorer};

/// Held-out sessions explained to count the reasons runners were shown (each ranks the catalogue).
pub const MAX_EXPLAINED_SESSIONS: usize = 400;
/// Held-out pairs used for feature effects.
pub const MAX_EFFECT_PAIRS: usize = 3000;
/// Inputs given a partial-dependence curve.
pub const PARTIAL_DEPENDENCE_INPUTS: usize = 4;
/// Shares of the training sessions the learning curve refits on.
pub const LEARNING_FRACTIONS: &[f64] = &[0.125, 0.25, 0.5, 1.0];
/// Fewest sessions a learning-curve point is fitted on.
const MIN_CURVE_SESSIONS: usize = 20;

/// What the figures were measured on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DataSummary {
    /// Sales read (before dropping shoes no longer in the catalogue).
    pub sales: usize,
    pub labelled_sales: usize,
    pub sessions: usize,
    pub try_on_sessions: usize,
    /// Shoes tried on and put back.
    pub put_back: usize,
    pub stores: Vec<String>,
    /// The sessions a model of this recipe would train and validate on.
    pub training: Window,
    /// The newest sessions, held out for every ranker.
    pub held_out: Window,
    /// True when any sale came from the simulator.
    pub synthetic: bool,
    pub synthetic_sales: usize,
}

/// The model card: what the model is and how it was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelCard {
    pub version: String,
    /// `logistic_regression`, `interaction_ranker` or `rules`.
    pub family: String,
    #[schema(value_type = Object)]
    pub hyper_parameters: serde_json::Value,
    /// The feature definitions' version and what they hold.
    pub feature_set: String,
    pub schema_hash: String,
    /// RFC 3339, UTC.
    #[serde(default, with = "crate::time::millis_option")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What it was trained on, as recorded at training (absent for the rules).
    pub training: Option<TrainingSummary>,
}

/// The decision in plain words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verdict {
    /// True only when the gain's 95 % interval lies above zero.
    pub activate: bool,
    pub text: String,
}

/// The model's recipe refitted on a share of the training sessions, scored on the held-out ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LearningPoint {
    pub sessions: usize,
    /// `tried_ndcg_at_5` or `ndcg_at_5` (the comparison's primary metric).
    pub metric: String,
    pub value: f64,
    pub interval: Option<Interval>,
}

/// Held-out sales whose shoe the model ranked in these places, and how many were poor fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankBucket {
    /// e.g. `1`, `2`, `6-10`, `21+`.
    pub ranks: String,
    pub sales: usize,
    /// Returned, rated 1-2 or painful at follow-up (the poor-fit label).
    pub poor_fits: usize,
    pub rate: f64,
}

/// How much one input moves the model's log-odds across held-out pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Importance {
    pub input: String,
    /// `hand_feature`, `relation` or `learned_shoe_attribute`.
    pub kind: String,
    /// Mean absolute deviation of its contribution from its mean (log-odds).
    pub mean_abs_log_odds: f64,
}

/// The mean predicted good-fit probability with one input set to each level, every other
/// input as observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartialDependence {
    pub input: String,
    /// True for numeric inputs (a curve), false for levels (points).
    pub numeric: bool,
    pub points: Vec<DependencePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DependencePoint {
    pub level: String,
    pub x: f64,
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReasonCount {
    /// The reason with its numbers replaced by `#`, so one kind of reason counts once.
    pub reason: String,
    /// Shoes (of the top five per session) that showed it.
    pub shown: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reasons {
    pub sessions: usize,
    pub shoes: usize,
    pub top: Vec<ReasonCount>,
}

/// Everything the report shows, as computed on one history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Analysis {
    pub model: ModelCard,
    pub data: DataSummary,
    pub comparison: Comparison,
    /// The version compared against (the active one unless another was asked for), when it
    /// is a trained model other than the candidate.
    pub against: Option<String>,
    pub against_is_active: bool,
    pub verdict: Verdict,
    pub learning_curve: Vec<LearningPoint>,
    pub poor_fit_by_rank: Vec<RankBucket>,
    pub importance: Vec<Importance>,
    pub partial_dependence: Vec<PartialDependence>,
    pub reasons: Reasons,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub computed_at: chrono::DateTime<chrono::Utc>,
}

/// The scorer under study and what is known about it.
pub struct Subject<'a> {
    pub scorer: &'a dyn Scorer,
    /// The stored artifact (absent for the rules): its recipe draws the learning curve.
    pub artifact: Option<&'a Artifact>,
    pub card: ModelCard,
}

/// The comparison's primary figure of an evaluation.
fn primary(e: &evaluate::Evaluation) -> (f64, Option<Interval>) {
    match e.overall.tried_ndcg_at_5 {
        Some(v) if e.overall.tried_sessions > 0 => (v, e.overall.tried_ndcg_at_5_interval),
        _ => (e.overall.ndcg_at_5, e.overall.ndcg_at_5_interval),
    }
}

pub fn metric_words(metric: &str) -> &'static str {
    if metric == "tried_ndcg_at_5" {
        "NDCG@5 over the tried-on shoes"
    } else {
        "NDCG@5 over the catalogue"
    }
}

/// One line a shop manager can act on.
pub fn verdict(comparison: &Comparison, active_version: Option<&str>) -> Verdict {
    let candidate = &comparison.candidate.model_version;
    let Some(gain) = &comparison.gain else {
        return Verdict {
            activate: false,
            text: "do not activate: too few held-out sessions to compare it with anything".into(),
        };
    };
    let over = if Some(gain.over.as_str()) == active_version {
        format!("the active model ({})", gain.over)
    } else if gain.over == crate::ranking::baseline::BASELINE_VERSION {
        "the rules".to_owned()
    } else {
        format!("model {}", gain.over)
    };
    let figure = format!(
        "{} {:+.3} [{:+.3}, {:+.3}] over {over}",
        metric_words(&gain.metric),
        gain.mean,
        gain.interval.low,
        gain.interval.high
    );
    if Some(candidate.as_str()) == active_version {
        return Verdict { activate: false, text: format!("already active: {figure}") };
    }
    if gain.interval.low > 0.0 {
        Verdict { activate: true, text: format!("activate: {figure}") }
    } else if gain.interval.high < 0.0 {
        Verdict { activate: false, text: format!("do not activate: it ranks worse, {figure}") }
    } else {
        Verdict {
            activate: false,
            text: format!("do not activate yet: {figure}; the interval includes zero, so the gain may be noise"),
        }
    }
}

fn window(data: &Dataset, sessions: impl Iterator<Item = usize>) -> Window {
    let set: BTreeSet<usize> = sessions.collect();
    let times: Vec<_> = set.iter().map(|&s| data.sessions[s].first_sold_at).collect();
    Window {
        sessions: set.len(),
        from: times.iter().min().copied(),
        to: times.iter().max().copied(),
    }
}

fn data_summary(data: &Dataset, split: &Split) -> DataSummary {
    let examples = |idx: &[usize]| idx.iter().map(|&i| data.examples[i].session).collect::<Vec<_>>();
    let trained: Vec<usize> = examples(&split.train).into_iter().chain(examples(&split.validation)).collect();
    DataSummary {
        sales: data.sales,
        labelled_sales: data.labelled_sales(),
        sessions: data.sessions.len(),
        try_on_sessions: data.try_on_sessions(),
        put_back: data.examples.iter().filter(|e| !e.sold).count(),
        stores: data.sessions.iter().filter_map(|s| s.store_id.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
        training: window(data, trained.into_iter()),
        held_out: window(data, examples(&split.test).into_iter()),
        synthetic: data.synthetic_sales > 0,
        synthetic_sales: data.synthetic_sales,
    }
}

/// Every `1/fraction`-th training session (spread through time), with its examples.
fn share_of_sessions(data: &Dataset, examples: &[usize], fraction: f64) -> (usize, Vec<usize>) {
    let sessions: BTreeSet<usize> = examples.iter().map(|&i| data.examples[i].session).collect();
    let n = sessions.len();
    let keep_n = ((n as f64) * fraction).round() as usize;
    let kept: BTreeSet<usize> = sessions
        .iter()
        .enumerate()
        .filter(|(k, _)| ((k + 1) as f64 * keep_n as f64 / n as f64).floor() > (*k as f64 * keep_n as f64 / n as f64).floor())
        .map(|(_, s)| *s)
        .collect();
    (kept.len(), examples.iter().copied().filter(|&i| kept.contains(&data.examples[i].session)).collect())
}

fn learning_curve(
    artifact: &Artifact,
    data: &Dataset,
    split: &Split,
    catalogue: &Catalogue,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Vec<LearningPoint>, TrainError> {
    let pool: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
    let mut points = Vec::new();
    for (step, &fraction) in LEARNING_FRACTIONS.iter().enumerate() {
        check_cancel(cancel)?;
        progress.report(0.35 + 0.4 * step as f64 / LEARNING_FRACTIONS.len() as f64, "refitting on less history (learning curve)");
        let (sessions, examples) = share_of_sessions(data, &pool, fraction);
        if sessions < MIN_CURVE_SESSIONS {
            continue;
        }
        let refitted = match artifact {
            Artifact::Logistic(a) => {
                Artifact::Logistic(super::fit::refit(&data.labelled_sales_in(&examples), a.alpha, "learning-curve")?)
            }
            Artifact::Interaction(a) => Artifact::Interaction(super::interaction::refit(
                data,
                &examples,
                a.hyper_parameters.alpha,
                a.hyper_parameters.passes,
                "learning-curve",
            )?),
        };
        let scorer = refitted.scorer().map_err(|e| TrainError::Solver(e.to_string()))?;
        let e = evaluate::evaluate(scorer.as_ref(), data, &split.test, catalogue);
        let (value, interval) = primary(&e);
        let metric = if e.overall.tried_sessions > 0 { "tried_ndcg_at_5" } else { "ndcg_at_5" };
        points.push(LearningPoint { sessions, metric: metric.into(), value, interval });
    }
    Ok(points)
}

const RANK_BUCKETS: &[(usize, usize, &str)] =
    &[(1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"), (11, 20, "11-20"), (21, usize::MAX, "21+")];

fn poor_fit_by_rank(scorer: &dyn Scorer, data: &Dataset, test: &[usize], catalogue: &Catalogue) -> Vec<RankBucket> {
    let mut counts = vec![(0usize, 0usize); RANK_BUCKETS.len()];
    for (&session, items) in data.by_session(test).iter().take(evaluate::MAX_RANKED_SESSIONS) {
        let sales: Vec<_> = items.iter().filter(|e| e.is_labelled_sale()).collect();
        if sales.is_empty() {
            continue;
        }
        let keys = evaluate::catalogue_keys(&Ranker::Model(scorer), data, session, catalogue);
        for e in sales {
            let rank = evaluate::rank_of(&keys, e.shoe as usize);
            if let Some(b) = RANK_BUCKETS.iter().position(|(lo, hi, _)| (*lo..=*hi).contains(&rank)) {
                counts[b].0 += 1;
                counts[b].1 += (e.label == Some(false)) as usize;
            }
        }
    }
    RANK_BUCKETS
        .iter()
        .zip(counts)
        .map(|((_, _, label), (sales, poor))| RankBucket {
            ranks: (*label).to_owned(),
            sales,
            poor_fits: poor,
            rate: if sales == 0 { 0.0 } else { poor as f64 / sales as f64 },
        })
        .collect()
}

/// An input a scorer reads: a hand feature, a relation to the worn pair, or a group of the
/// shoe's attributes (whose learned terms an interaction model sums).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    Hand(usize),
    Relation(usize),
    ShoeGroup(&'static str),
}

impl Input {
    fn name(self) -> String {
        match self {
            Input::Hand(i) => Feature::ALL[i].name().to_owned(),
            Input::Relation(i) => attributes::relation_name(i).unwrap_or("relation").to_owned(),
            Input::ShoeGroup(g) => format!("shoe {g}"),
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Input::Hand(_) => "hand_feature",
            Input::Relation(_) => "relation",
            Input::ShoeGroup(_) => "learned_shoe_attribute",
        }
    }
}

fn shoe_groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for i in 0..SHOE_DIM {
        let g = attributes::shoe_attribute_group(i);
        if g != "bias" && !groups.contains(&g) {
            groups.push(g);
        }
    }
    groups
}

/// A spread sample of held-out pairs (index of the example).
fn effect_sample(test: &[usize]) -> Vec<usize> {
    if test.len() <= MAX_EFFECT_PAIRS {
        return test.to_vec();
    }
    let step = test.len() as f64 / MAX_EFFECT_PAIRS as f64;
    (0..MAX_EFFECT_PAIRS).map(|k| test[(k as f64 * step) as usize]).collect()
}

fn importance(scorer: &dyn Scorer, data: &Dataset, sample: &[usize]) -> Vec<(Input, f64)> {
    let groups = shoe_groups();
    let inputs: Vec<Input> = (0..FEATURE_COUNT)
        .map(Input::Hand)
        .chain((0..RELATION_COUNT).map(Input::Relation))
        .chain(groups.iter().map(|g| Input::ShoeGroup(g)))
        .collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(sample.len()); inputs.len()];
    let mut prepared = HashMap::new();
    for &i in sample {
        let e = &data.examples[i];
        let p = *prepared.entry(e.session).or_insert_with(|| scorer.prepare(&data.runner(e.session)));
        let s = scorer.score(&p, &e.pair(data));
        for (k, input) in inputs.iter().enumerate() {
            let c = match *input {
                Input::Hand(j) => s.contributions[j],
                Input::Relation(j) => s.relations[j],
                Input::ShoeGroup(g) => (0..SHOE_DIM).filter(|&d| attributes::shoe_attribute_group(d) == g).map(|d| s.shoe[d]).sum(),
            };
            columns[k].push(c);
        }
    }
    let mut out: Vec<(Input, f64)> = inputs
        .into_iter()
        .zip(columns)
        .map(|(input, values)| {
            let n = values.len().max(1) as f64;
            let mean = values.iter().sum::<f64>() / n;
            (input, values.iter().map(|v| (v - mean).abs()).sum::<f64>() / n)
        })
        .filter(|(_, v)| *v > 1e-9)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// One level an input is set to: its label, its position on the x axis, and (for a shoe
/// attribute group) the value of each of the group's slots.
type Level = (String, f64, Vec<(usize, f64)>);

/// Levels of an input to set every pair to: numeric inputs at quantiles of what was observed;
/// shoe attribute groups at each of their levels.
fn levels(input: Input, data: &Dataset, sample: &[usize]) -> Vec<Level> {
    match input {
        Input::Hand(_) | Input::Relation(_) => {
            let mut values: Vec<f64> = sample
                .iter()
                .map(|&i| {
                    let e = &data.examples[i];
                    match input {
                        Input::Hand(j) => e.x.0[j],
                        Input::Relation(j) => e.relations.0[j],
                        Input::ShoeGroup(_) => 0.0,
                    }
                })
                .collect();
            values.sort_by(f64::total_cmp);
            values.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            let grid: Vec<f64> = if values.len() <= 9 {
                values
            } else {
                let mut g: Vec<f64> = (0..9).map(|k| values[(k as f64 / 8.0 * (values.len() - 1) as f64).round() as usize]).collect();
                g.dedup();
                g
            };
            grid.into_iter().map(|v| (format!("{v:.2}"), v, Vec::new())).collect()
        }
        Input::ShoeGroup(g) => {
            let names = attributes::shoe_attribute_names();
            let dims: Vec<usize> = (0..SHOE_DIM).filter(|&d| attributes::shoe_attribute_group(d) == g).collect();
            let thermometer = dims.first().is_some_and(|&d| names[d].contains(">="));
            if thermometer {
                // Level k: the first k thresholds reached.
                (0..=dims.len())
                    .map(|k| {
                        let label = if k == 0 {
                            format!("< {}", names[dims[0]].split(">=").nth(1).unwrap_or(""))
                        } else {
                            format!(">= {}", names[dims[k - 1]].split(">=").nth(1).unwrap_or(""))
                        };
                        (label, k as f64, dims.iter().enumerate().map(|(n, &d)| (d, (n < k) as u8 as f64)).collect())
                    })
                    .collect()
            } else {
                dims.iter()
                    .enumerate()
                    .map(|(n, &level)| {
                        let label = names[level].split('=').nth(1).unwrap_or(&names[level]).to_owned();
                        (label, n as f64, dims.iter().map(|&d| (d, (d == level) as u8 as f64)).collect())
                    })
                    .collect()
            }
        }
    }
}

fn partial_dependence(scorer: &dyn Scorer, data: &Dataset, sample: &[usize], input: Input) -> PartialDependence {
    let mut prepared = HashMap::new();
    let points = levels(input, data, sample)
        .into_iter()
        .map(|(level, x, shoe_values)| {
            let mut total = 0.0;
            for &i in sample {
                let e = &data.examples[i];
                let p = *prepared.entry(e.session).or_insert_with(|| scorer.prepare(&data.runner(e.session)));
                let (mut features, mut relations) = (e.x, e.relations);
                let mut shoe: ShoeAttributes = data.shoe_attributes[e.shoe as usize];
                match input {
                    Input::Hand(j) => features.0[j] = x,
                    Input::Relation(j) => relations.0[j] = x,
                    Input::ShoeGroup(_) => shoe_values.iter().for_each(|&(d, v)| shoe.0[d] = v),
                }
                let pair = Pair { x: features, relations: Relations(relations.0), shoe: &shoe };
                total += sigmoid(scorer.rank_key(&p, &pair));
            }
            DependencePoint { level, x, probability: total / sample.len().max(1) as f64 }
        })
        .collect();
    PartialDependence { input: input.name(), numeric: !matches!(input, Input::ShoeGroup(_)), points }
}

/// A reason with its numbers (and their signs) replaced by `#`, so "38 mm of heel stack" and
/// "40 mm of heel stack" count as one kind of reason.
fn reason_kind(reason: &str) -> String {
    let chars: Vec<char> = reason.chars().collect();
    let mut out = String::with_capacity(reason.len());
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        let next_digit = chars.get(k + 1).is_some_and(char::is_ascii_digit);
        let signed = matches!(c, '+' | '-' | '\u{2212}') && next_digit && (k == 0 || chars[k - 1] == ' ');
        if c.is_ascii_digit() || signed {
            out.push('#');
            k += 1;
            while k < chars.len() && (chars[k].is_ascii_digit() || (chars[k] == '.' && chars.get(k + 1).is_some_and(char::is_ascii_digit))) {
                k += 1;
            }
        } else {
            out.push(c);
            k += 1;
        }
    }
    out
}

fn reasons(scorer: &dyn Scorer, data: &Dataset, test: &[usize], catalogue: &Catalogue) -> Reasons {
    let sessions: BTreeSet<usize> = test.iter().map(|&i| data.examples[i].session).collect();
    let step = (sessions.len() / MAX_EXPLAINED_SESSIONS).max(1);
    let mut counts: HashMap<String, usize> = HashMap::new();
    let (mut explained, mut shoes) = (0, 0);
    for &s in sessions.iter().step_by(step).take(MAX_EXPLAINED_SESSIONS) {
        let ranked = crate::ranking::rank(scorer, catalogue, &data.runner(s), &Filters::default(), 5);
        explained += 1;
        for shoe in ranked {
            shoes += 1;
            for r in &shoe.explanation.reasons {
                *counts.entry(reason_kind(r)).or_default() += 1;
            }
        }
    }
    let mut top: Vec<ReasonCount> = counts.into_iter().map(|(reason, shown)| ReasonCount { reason, shown }).collect();
    top.sort_by(|a, b| b.shown.cmp(&a.shown).then(a.reason.cmp(&b.reason)));
    top.truncate(12);
    Reasons { sessions: explained, shoes, top }
}

/// The whole analysis of `subject` on the sales in `data`, against `against` (the active
/// model, or another version asked for) on the same held-out sessions.
pub fn analyse(
    subject: &Subject,
    against: Option<&dyn Scorer>,
    active_version: &str,
    data: &Dataset,
    catalogue: &Catalogue,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Analysis, TrainError> {
    let split = dataset::split_by_time(data, super::TEST_FRACTION, super::VALIDATION_FRACTION);
    if split.test.is_empty() {
        return Err(TrainError::NotEnoughData(format!("{} sessions: none left to hold out", data.sessions.len())));
    }
    check_cancel(cancel)?;
    progress.report(0.15, "comparing on held-out sessions");
    let comparison = compare(subject.scorer, against, data, &split, catalogue);
    let compared = comparison.active.as_ref().map(|a| a.model_version.clone());
    check_cancel(cancel)?;
    let learning_curve = match subject.artifact {
        Some(artifact) => learning_curve(artifact, data, &split, catalogue, progress, cancel)?,
        None => Vec::new(),
    };
    progress.report(0.8, "feature effects");
    let sample = effect_sample(&split.test);
    let ranked_inputs = importance(subject.scorer, data, &sample);
    let partial_dependence = ranked_inputs
        .iter()
        .take(PARTIAL_DEPENDENCE_INPUTS)
        .map(|(input, _)| partial_dependence(subject.scorer, data, &sample, *input))
        .collect();
    check_cancel(cancel)?;
    progress.report(0.9, "reasons shown to runners");
    let reasons = reasons(subject.scorer, data, &split.test, catalogue);
    let poor_fit_by_rank = poor_fit_by_rank(subject.scorer, data, &split.test, catalogue);
    progress.report(1.0, "done");
    Ok(Analysis {
        model: subject.card.clone(),
        data: data_summary(data, &split),
        verdict: verdict(&comparison, Some(active_version)),
        against_is_active: compared.as_deref() == Some(active_version),
        against: compared,
        comparison,
        learning_curve,
        poor_fit_by_rank,
        importance: ranked_inputs
            .iter()
            .map(|(input, v)| Importance { input: input.name(), kind: input.kind().to_owned(), mean_abs_log_odds: *v })
            .collect(),
        partial_dependence,
        reasons,
        computed_at: crate::time::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_count_once_whatever_their_numbers() {
        assert_eq!(reason_kind("38 mm of heel stack suits runners of your build"), "# mm of heel stack suits runners of your build");
        assert_eq!(
            reason_kind("+4 mm heel stack against your current pair: ease into it over a few weeks"),
            "# mm heel stack against your current pair: ease into it over a few weeks"
        );
        assert_eq!(reason_kind("2.5 mm lower drop"), "# mm lower drop");
    }
}
