//! Learning from sales outcomes and try-ons: build examples (streamed into a packed dataset,
//! with the shared features), split by time and session, fit the model families (a logistic
//! regression with linfa on hand features; an interaction ranker with a pairwise objective
//! over tried-on sets), choose one on the validation split, and compare it with the active
//! model, the rules and reference rankers on the same held-out sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::Catalogue;
use crate::db::{self, Database, DbError};
use crate::fitting::Fitting;
use crate::model::{Artifact, TrainedModel};
use crate::ranking::{BaselineScorer, Scorer};
use crate::sizing::offsets::{MeasuredFoot, SizeEvidence, SoldSize, TriedSize};

pub mod analysis;
pub mod dataset;
pub mod evaluate;
pub mod fit;
pub mod interaction;
pub mod jobs;
pub mod metrics;
pub mod stored;

pub use dataset::{Dataset, SaleRecord};
pub use crate::model::comparison::{Comparison, Evaluation, Gain, Metrics, Window};

/// Fewest labelled pairs, and of each class, worth training on.
pub const MIN_EXAMPLES: usize = 40;
pub const MIN_PER_CLASS: usize = 10;
pub const TEST_FRACTION: f64 = 0.2;
pub const VALIDATION_FRACTION: f64 = 0.2;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("not enough labelled outcomes to train: {0}")]
    NotEnoughData(String),
    #[error("the solver failed: {0}")]
    Solver(String),
    #[error("training was cancelled")]
    Cancelled,
    #[error("data pipeline failed: {0}")]
    Pipeline(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<polars::prelude::PolarsError> for TrainError {
    fn from(e: polars::prelude::PolarsError) -> Self {
        TrainError::Pipeline(e.to_string())
    }
}

/// Told how far a long step has got (0-1) and what it is doing.
pub trait Progress: Sync {
    fn report(&self, fraction: f64, message: &str);
}

/// Progress that goes nowhere (tests, library callers).
pub struct Silent;
impl Progress for Silent {
    fn report(&self, _: f64, _: &str) {}
}

/// One model family's best validation figure, as the family choice saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FamilyResult {
    pub family: String,
    /// Mean pointwise log loss plus mean pairwise (bought vs put back) loss; lower is better.
    pub validation_objective: f64,
    /// The hyper-parameters that reached it.
    #[schema(value_type = Object)]
    pub hyper_parameters: serde_json::Value,
}

/// What the data held and how the model was chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrainingSummary {
    pub sales: usize,
    pub labelled_pairs: usize,
    pub good_fit_rate: f64,
    pub sessions: usize,
    /// Sessions that recorded which shoes were tried on.
    #[serde(default)]
    pub try_on_sessions: usize,
    /// Shoes tried and put back (the ranking objective's negatives).
    #[serde(default)]
    pub put_back: usize,
    pub unlabelled: usize,
    pub unknown_shoe: usize,
    pub train_pairs: usize,
    pub validation_pairs: usize,
    pub test_pairs: usize,
    /// The chosen family (`logistic_regression` or `interaction_ranker`).
    #[serde(default)]
    pub family: String,
    /// Every family tried, with its validation figure.
    #[serde(default)]
    pub families: Vec<FamilyResult>,
    pub alpha: f64,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub trained_at: chrono::DateTime<chrono::Utc>,
    /// True when any training sale came from a simulator (imported with `synthetic` = true,
    /// or `stridefit train --synthetic`).
    pub synthetic: bool,
    #[serde(default)]
    pub synthetic_sales: usize,
}

/// Every ranker evaluated on the same held-out examples.
pub fn compare(
    candidate: &dyn Scorer,
    active: Option<&dyn Scorer>,
    data: &Dataset,
    split: &dataset::Split,
    catalogue: &Catalogue,
) -> Comparison {
    use evaluate::{evaluate, evaluate_ranker, Ranker};
    let counts = evaluate::popularity(data, &split.train);
    let test = &split.test;
    // The five evaluations are independent (each seeds its own bootstrap): side by side.
    let ((candidate_eval, active_eval), (baseline, (popularity, random))) = rayon::join(
        || {
            rayon::join(
                || evaluate(candidate, data, test, catalogue),
                || {
                    active
                        .filter(|a| a.version() != crate::ranking::baseline::BASELINE_VERSION && a.version() != candidate.version())
                        .map(|a| evaluate(a, data, test, catalogue))
                },
            )
        },
        || {
            rayon::join(
                || evaluate(&BaselineScorer::new(), data, test, catalogue),
                || {
                    rayon::join(
                        || evaluate_ranker(&Ranker::Popularity(&counts), data, test, catalogue),
                        || evaluate_ranker(&Ranker::Random, data, test, catalogue),
                    )
                },
            )
        },
    );
    let against = active_eval.as_ref().unwrap_or(&baseline);
    let metric = if candidate_eval.overall.tried_sessions > 0 { "tried_ndcg_at_5" } else { "ndcg_at_5" };
    let gain = evaluate::gain_interval(&candidate_eval, against).map(|(mean, interval)| Gain {
        over: against.model_version.clone(),
        metric: metric.into(),
        mean,
        interval,
    });
    let times: Vec<_> = test.iter().map(|&i| data.sessions[data.examples[i].session].first_sold_at).collect();
    let sessions: std::collections::HashSet<usize> = test.iter().map(|&i| data.examples[i].session).collect();
    Comparison {
        held_out: Window {
            sessions: sessions.len(),
            from: times.iter().min().copied(),
            to: times.iter().max().copied(),
        },
        popularity: Some(popularity),
        random: Some(random),
        candidate: candidate_eval,
        active: active_eval,
        baseline,
        gain,
    }
}

pub struct TrainingResult {
    pub artifact: Artifact,
    pub summary: TrainingSummary,
    pub comparison: Comparison,
}

pub fn new_version() -> String {
    format!("m-{}-{}", Utc::now().format("%Y%m%d-%H%M%S"), &uuid::Uuid::new_v4().simple().to_string()[..4])
}

pub(crate) fn check_cancel(cancel: &AtomicBool) -> Result<(), TrainError> {
    if cancel.load(Ordering::Relaxed) {
        Err(TrainError::Cancelled)
    } else {
        Ok(())
    }
}

/// The whole run on already-loaded sales. Nothing here touches the serving model.
pub fn train(
    records: &[SaleRecord],
    catalogue: &Catalogue,
    active: Option<&dyn Scorer>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<TrainingResult, TrainError> {
    progress.report(0.05, "building examples");
    let started = std::time::Instant::now();
    let data = dataset::build(records, catalogue);
    log::info!("examples built in {:.1} s", started.elapsed().as_secs_f64());
    train_on(&data, catalogue, active, progress, cancel)
}

/// The whole run on a built dataset (`load_dataset` streams one from the database).
pub fn train_on(
    data: &Dataset,
    catalogue: &Catalogue,
    active: Option<&dyn Scorer>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<TrainingResult, TrainError> {
    let labelled = data.labelled_sales();
    let positives = data.positives();
    let negatives = labelled - positives;
    if labelled < MIN_EXAMPLES || positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS {
        return Err(TrainError::NotEnoughData(format!(
            "{labelled} labelled sales ({positives} good fits, {negatives} poor); need {MIN_EXAMPLES}+ with {MIN_PER_CLASS}+ of each"
        )));
    }
    check_cancel(cancel)?;
    let split = dataset::split_by_time(data, TEST_FRACTION, VALIDATION_FRACTION);
    let (train_set, valid_set) = (data.labelled_sales_in(&split.train), data.labelled_sales_in(&split.validation));

    let version = new_version();
    let started = std::time::Instant::now();
    // The two families fit side by side (each is deterministic on its own); the ranker's
    // search reports the progress.
    progress.report(0.10, "fitting logistic regression and interaction ranker");
    let (logistic, ranker) = rayon::join(
        || {
            let fitted = fit::fit(&train_set, &valid_set, &version, &mut |_, _| {});
            log::info!("logistic regression fitted in {:.1} s", started.elapsed().as_secs_f64());
            fitted
        },
        || {
            let fitted = interaction::fit(data, &split.train, &split.validation, &version, &mut |done, total| {
                progress.report(0.10 + 0.60 * done as f64 / total as f64, "fitting interaction ranker")
            });
            log::info!("interaction ranker fitted in {:.1} s", started.elapsed().as_secs_f64());
            fitted
        },
    );
    let (logistic, alphas) = logistic?;
    let (ranker, search, ranker_objective) = ranker?;
    log::info!("search: {}", serde_json::to_string(&search).unwrap_or_default());
    check_cancel(cancel)?;

    // The family choice compares both on the same validation sessions and objective. The
    // logistic model's figure is measured with its final fit, which has seen validation,
    // so the comparison leans its way: the ranker must win clearly. Both are measured on the
    // validation sessions the ranker's search checked (all of them, up to 20 000).
    let logistic_model = TrainedModel::from_artifact(logistic.clone()).map_err(|e| TrainError::Solver(e.to_string()))?;
    let checked = interaction::validation_sample(data, &split.validation);
    let logistic_objective = interaction::validation_objective(&logistic_model, data, &checked);
    let families = vec![
        FamilyResult {
            family: crate::model::LOGISTIC_KIND.into(),
            validation_objective: logistic_objective,
            hyper_parameters: serde_json::json!({"alpha": logistic.alpha, "search": alphas}),
        },
        FamilyResult {
            family: crate::model::INTERACTION_KIND.into(),
            validation_objective: ranker_objective,
            hyper_parameters: serde_json::json!({
                "alpha": ranker.hyper_parameters.alpha, "passes": ranker.hyper_parameters.passes, "search": search}),
        },
    ];
    let artifact = if ranker_objective < logistic_objective { Artifact::Interaction(ranker) } else { Artifact::Logistic(logistic) };
    let alpha = match &artifact {
        Artifact::Logistic(a) => a.alpha,
        Artifact::Interaction(a) => a.hyper_parameters.alpha,
    };

    progress.report(0.75, "evaluating on held-out sessions");
    let started = std::time::Instant::now();
    let candidate = artifact.clone().scorer().map_err(|e| TrainError::Solver(e.to_string()))?;
    let comparison = compare(candidate.as_ref(), active, data, &split, catalogue);
    log::info!("evaluated in {:.1} s", started.elapsed().as_secs_f64());
    check_cancel(cancel)?;
    let summary = TrainingSummary {
        sales: data.sales,
        labelled_pairs: labelled,
        good_fit_rate: positives as f64 / labelled as f64,
        sessions: data.sessions.len(),
        try_on_sessions: data.try_on_sessions(),
        put_back: data.examples.iter().filter(|e| !e.sold).count(),
        unlabelled: data.unlabelled,
        unknown_shoe: data.unknown_shoe,
        train_pairs: split.train.len(),
        validation_pairs: split.validation.len(),
        test_pairs: split.test.len(),
        family: artifact.kind().into(),
        families,
        alpha,
        trained_at: crate::time::now(),
        synthetic_sales: data.synthetic_sales,
        synthetic: data.synthetic_sales > 0,
    };
    progress.report(1.0, "done");
    Ok(TrainingResult { artifact, summary, comparison })
}

/// The training dataset of every outcome in the database, read as a stream: each row is
/// reduced to a few bytes as it arrives and each fitting to its packed runner, so no record
/// and no fitting document is held beyond its row (`load_records` then `dataset::build`
/// give the same dataset, holding every record).
pub fn load_dataset(db: &Database, catalogue: &Catalogue) -> Result<Dataset, TrainError> {
    Ok(read_stored_sales(db, catalogue, None)?.finish())
}

/// `load_dataset`, with the size evidence of the same sales gathered on the same read (each
/// fitting parsed once for both; the size offsets are learned from it). `sizes` is handed the
/// evidence once every sale is read, before the examples' features are built, when the
/// least is held: only what it answers is kept beside the dataset.
pub fn load_dataset_and_sizes<T>(
    db: &Database,
    catalogue: &Catalogue,
    sizes: impl FnOnce(SizeEvidence) -> T,
) -> Result<(Dataset, T), TrainError> {
    let mut evidence = SizeEvidence::default();
    let builder = read_stored_sales(db, catalogue, Some(&mut evidence))?;
    let started = std::time::Instant::now();
    let kept = sizes(evidence);
    log::info!("size evidence used in {:.1} s", started.elapsed().as_secs_f64());
    Ok((builder.finish(), kept))
}

/// Rows of the stored sales read ahead of the builder, whose fittings are parsed together
/// (in tests a few, so that sessions span batches).
const READ_BATCH: usize = if cfg!(test) { 7 } else { 1024 };

/// A fitting document as the stored-sales read uses it.
struct ParsedFitting {
    /// The measured foot (only when the size evidence is gathered).
    foot: Option<MeasuredFoot>,
    input: dataset::SessionInput,
}

/// What the parsing threads find for a row: its fitting's key, the fitting's place among
/// those with try-ons (`TriedByFitting::find`), and its document parsed when it is wanted.
type PreparedRow = (String, Option<usize>, Option<Result<ParsedFitting, String>>);

/// A fitting's try-ons as the stored-sales read keeps them.
struct FittingTryOns {
    /// Where its tried shoes (catalogue indices, in the order tried) lie in
    /// `TriedByFitting::shoes`.
    known: std::ops::Range<u32>,
    /// Whether the fitting recorded any try-on at all.
    any: bool,
    /// Whether one of the fitting's sales has been read (its try-ons then count once for
    /// the size evidence, with the first).
    read: bool,
    /// Where what they say about sizes lies among every fitting's (only when the size
    /// evidence is gathered): one array for all, not a million small ones.
    sizes: std::ops::Range<u32>,
}

/// Every fitting's try-ons as the stored-sales read keeps them, by fitting id: arrays in id
/// order (the try-ons are read in that order) with every fitting's shoes in one array. A
/// hash map of a million fittings, each with an array of its own, held more while the sales
/// were read, which mimalloc may keep beside the examples built after (`stridefit train`'s
/// peak with pages never returned: 1 939 → 1 890 MiB at 1 M sales).
struct TriedByFitting {
    ids: Vec<db::DbUuid>,
    fittings: Vec<FittingTryOns>,
    shoes: Vec<u32>,
}

impl TriedByFitting {
    /// Room for this many fittings and known shoes from the start (see
    /// `dataset::Builder::with_capacity`).
    fn with_capacity(fittings: usize, shoes: usize) -> Self {
        Self { ids: Vec::with_capacity(fittings), fittings: Vec::with_capacity(fittings), shoes: Vec::with_capacity(shoes) }
    }

    fn push(&mut self, id: db::DbUuid, known: impl Iterator<Item = u32>, any: bool, sizes: std::ops::Range<u32>) {
        let start = self.shoes.len() as u32;
        self.shoes.extend(known);
        self.ids.push(id);
        self.fittings.push(FittingTryOns { known: start..self.shoes.len() as u32, any, read: false, sizes });
    }

    /// Puts the fittings in id order if the database did not return them so (each backend
    /// orders ids as `DbUuid` does, so this only checks).
    fn sort(&mut self) {
        if self.ids.is_sorted() {
            return;
        }
        let mut pairs: Vec<_> = std::mem::take(&mut self.ids).into_iter().zip(std::mem::take(&mut self.fittings)).collect();
        pairs.sort_unstable_by_key(|(id, _)| *id);
        (self.ids, self.fittings) = pairs.into_iter().unzip();
    }

    fn find(&self, id: db::DbUuid) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// The tried shoes known to the catalogue of the fitting at `find`'s place, in the order
    /// tried.
    fn known_at(&self, at: Option<usize>) -> &[u32] {
        at.map_or(&[], |i| {
            let known = &self.fittings[i].known;
            &self.shoes[known.start as usize..known.end as usize]
        })
    }
}

/// Every stored sale read once into a dataset builder (and, when asked, into `sizes`): the
/// sales of `for_each_sale` in its order, each fitting parsed the first time one of its sales
/// is read (again only when the builder asks for an earlier sale's session).
fn read_stored_sales<'c>(
    db: &Database,
    catalogue: &'c Catalogue,
    mut sizes: Option<&mut SizeEvidence>,
) -> Result<dataset::Builder<'c>, TrainError> {
    // Sized for every stored sale up front (see `Builder::with_capacity`); a sale recorded
    // meanwhile only grows them.
    let stored = usize::try_from(db.with_conn(db::outcomes::count)?).unwrap_or_default();
    let mut builder = dataset::Builder::with_capacity(catalogue, stored);
    // What the try-ons say about sizes, and the size records, sized up front as the builder
    // is (from the stored try-ons, and at most one record per try-on and per sale): grown
    // step by step, their outgrown copies stayed in the allocator's pages beside the
    // examples (`stridefit train` peaked over 2 GB with MIMALLOC_PURGE_DELAY=-1).
    let tried_stored = match sizes {
        Some(_) => usize::try_from(db.with_conn(db::try_ons::count)?).unwrap_or_default(),
        None => 0,
    };
    let mut tried_by_fitting = TriedByFitting::with_capacity(stored, tried_stored);
    let mut tried_sizes: Vec<TriedSize> = Vec::with_capacity(tried_stored);
    if let Some(evidence) = sizes.as_deref_mut() {
        evidence.reserve(tried_stored + stored);
    }
    db.with_conn(|conn| {
        db::try_ons::for_each_fitting(conn, |fitting_id, rows| {
            let known = rows.iter().filter_map(|r| builder.shoe_index(&r.shoe_id));
            let start = tried_sizes.len() as u32;
            if let Some(evidence) = sizes.as_deref_mut() {
                evidence.tried(&crate::outcomes::TryOnSet::from_rows(&rows).try_ons, &mut tried_sizes);
            }
            let sizes = start..tried_sizes.len() as u32;
            tried_by_fitting.push(fitting_id, known, !rows.is_empty(), sizes);
        })
    })?;
    tried_by_fitting.sort();
    let gathering = sizes.is_some();
    let now = Utc::now();
    let mut unreadable = None;
    let parse = |key: db::DbUuid, document: &str, known: &[u32]| {
        let fitting = serde_json::from_str::<Fitting>(document).map_err(|e| format!("fitting {key} is unreadable: {e}"))?;
        Ok::<_, String>(ParsedFitting {
            foot: if gathering { MeasuredFoot::of(&fitting) } else { None },
            input: dataset::SessionInput {
                runner: crate::features::RunnerSignals::from_fitting(&fitting, catalogue),
                tried: known.to_vec(),
            },
        })
    };
    // The database is read on a thread of its own, a batch of rows ahead, while this one
    // parses the batch's fittings (in parallel) and hands its sales to the builder in order.
    let read = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(db::outcomes::OutcomeRow, String)>>(2);
        let reader = scope.spawn(move || {
            db.with_conn(|conn| {
                let mut batch = Vec::with_capacity(READ_BATCH);
                db::outcomes::for_each_with_fitting(conn, |row, document| {
                    batch.push((row, document));
                    if batch.len() == READ_BATCH {
                        // The receiver only goes once every batch is taken.
                        let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(READ_BATCH)));
                    }
                    Ok(())
                })?;
                let _ = tx.send(batch);
                Ok(())
            })
        });
        for batch in rx {
            // Each fitting is parsed here when this batch's first look says it will be
            // needed; a sale that needs it otherwise (a session's earlier sale read later
            // in the batch) parses it when asked, as before. Parsing twice gives the same.
            // Gathering size evidence reads every sale's measured foot from its fitting (a
            // fitting's sales are few; a map of every fitting's foot took 70 MB, twice that
            // as it grew).
            let parsed: Vec<PreparedRow> = {
                use rayon::prelude::*;
                let (builder, tried_by_fitting) = (&builder, &tried_by_fitting);
                batch
                    .par_iter()
                    .map(|(row, document)| {
                        let Some(fitting_id) = row.fitting_id else { return (String::new(), None, None) };
                        let key = fitting_id.to_string();
                        let at = tried_by_fitting.find(fitting_id);
                        let wanted = gathering || !builder.has_session(&key);
                        let parsed = wanted.then(|| parse(fitting_id, document, tried_by_fitting.known_at(at)));
                        (key, at, parsed)
                    })
                    .collect()
            };
            for ((row, document), (key, at, mut parsed)) in batch.into_iter().zip(parsed) {
                // The join leaves only outcomes with a fitting.
                let Some(fitting_id) = row.fitting_id else { continue };
                // The first sale read of a fitting with try-ons adds their size evidence.
                let first_read = match at {
                    Some(i) if gathering => !std::mem::replace(&mut tried_by_fitting.fittings[i].read, true),
                    _ => false,
                };
                let tried = at.map(|i| &tried_by_fitting.fittings[i]);
                let known = tried_by_fitting.known_at(at);
                // A fitting is read the first time one of its sales is seen, as `load_records`
                // reads it, so an unreadable document fails the load the same way.
                let mut input = None;
                let mut foot = None;
                if gathering || !builder.has_session(&key) {
                    match parsed.take().unwrap_or_else(|| parse(fitting_id, &document, known)) {
                        Ok(fitting) => {
                            foot = fitting.foot;
                            input = Some(fitting.input);
                        }
                        Err(e) => {
                            unreadable.get_or_insert(e);
                            continue;
                        }
                    }
                }
                let sold_at = row.sold_at.0;
                let label = crate::outcomes::label(sold_at, row.returned_at.is_some(), row.satisfaction.map(|s| s as u8), row.pain_at_follow_up, now);
                if let (Some(evidence), Some(foot)) = (sizes.as_deref_mut(), foot) {
                    let session_sizes = tried.map_or(&[][..], |t| &tried_sizes[t.sizes.start as usize..t.sizes.end as usize]);
                    if first_read {
                        evidence.add_session(foot, session_sizes);
                    }
                    let sold = SoldSize { shoe_id: &row.shoe_id, size_eu: row.size_eu, return_reason: row.return_reason, label };
                    evidence.add_sale(foot, sold, session_sizes);
                }
                let sale = dataset::Sale {
                    session_key: &key,
                    store_id: row.store_id.as_deref(),
                    sale_id: &row.sale_id,
                    shoe_id: &row.shoe_id,
                    sold_at,
                    label,
                    synthetic: row.synthetic,
                    has_try_ons: tried.is_some_and(|t| t.any),
                };
                let pushed = builder.push(sale, || match input.take() {
                    Some(i) => Ok(i),
                    None => parse(fitting_id, &document, known).map(|fitting| fitting.input),
                });
                if let Err(e) = pushed {
                    unreadable.get_or_insert(e);
                }
            }
        }
        reader.join().unwrap_or_else(|_| Err(DbError::Unavailable("the outcomes' reader failed".into())))
    });
    read?;
    if let Some(message) = unreadable {
        return Err(TrainError::Pipeline(message));
    }
    drop((tried_by_fitting, tried_sizes));
    for_each_detached(db, now, |record| {
        if let Some(evidence) = sizes.as_deref_mut() {
            evidence.add(&record);
        }
        builder.push_record(&record);
    })?;
    Ok(builder)
}

/// Erased customers' outcomes, each on its de-identified snapshot as a session of its own:
/// they still teach the model what fits, with nothing that names the runner.
fn for_each_detached(db: &Database, now: chrono::DateTime<Utc>, mut visit: impl FnMut(SaleRecord)) -> Result<(), TrainError> {
    for mut row in db.with_conn(db::outcomes::detached_with_snapshots)? {
        let Some(snapshot) = row.fitting_snapshot.take() else { continue };
        let Ok(fitting) = serde_json::from_str::<Fitting>(&snapshot) else { continue };
        row.fitting_id = Some(row.id);
        let record = SaleRecord::from_row(&row, Arc::new(fitting), Arc::default(), now);
        if let Some(record) = record.map(|r| SaleRecord { session_key: format!("detached-{}", row.id), ..r }) {
            visit(record);
        }
    }
    Ok(())
}

/// Every outcome in the database that has a fitting, with its session's try-ons.
pub fn load_records(db: &Database) -> Result<Vec<SaleRecord>, TrainError> {
    let mut records = Vec::new();
    for_each_sale(db, |record| records.push(record))?;
    Ok(records)
}

/// Every outcome in the database that has a fitting, with its session's try-ons, handed to
/// `visit` one at a time as it is read. Only the try-ons are held for the whole read; each
/// fitting document is parsed for its sale and dropped after it (a fitting shared by several
/// sales is parsed for each), so what a caller keeps decides the memory, not the table.
/// An unreadable fitting fails the read after every sale was seen.
pub fn for_each_sale(db: &Database, mut visit: impl FnMut(SaleRecord)) -> Result<(), TrainError> {
    let mut tried_by_fitting: HashMap<db::DbUuid, Arc<Vec<crate::outcomes::TryOn>>> = HashMap::new();
    db.with_conn(|conn| {
        db::try_ons::for_each_fitting(conn, |fitting_id, rows| {
            tried_by_fitting.insert(fitting_id, Arc::new(crate::outcomes::TryOnSet::from_rows(&rows).try_ons));
        })
    })?;
    let now = Utc::now();
    let mut unreadable = None;
    db.with_conn(|conn| {
        db::outcomes::for_each_with_fitting(conn, |row, document| {
            // The join leaves only outcomes with a fitting.
            let Some(key) = row.fitting_id else { return Ok(()) };
            match serde_json::from_str::<Fitting>(&document) {
                Ok(fitting) => {
                    let tried = tried_by_fitting.get(&key).cloned().unwrap_or_default();
                    if let Some(record) = SaleRecord::from_row(&row, Arc::new(fitting), tried, now) {
                        visit(record);
                    }
                }
                Err(e) => {
                    unreadable.get_or_insert_with(|| format!("fitting {key} is unreadable: {e}"));
                }
            }
            Ok(())
        })
    })?;
    if let Some(message) = unreadable {
        return Err(TrainError::Pipeline(message));
    }
    drop(tried_by_fitting);
    for_each_detached(db, now, visit)
}

#[cfg(test)]
mod tests;
