//! The analyst's report: one self-contained HTML page (inline SVG, no scripts, no external
//! assets) that says whether to activate a model and shows why. It renders a stored
//! `Analysis` with the activation history through an askama template; the figures come
//! from `plots`. Shared by `stridefit report` and `GET /v1/models/{version}/report`.

use askama::Template;
use plotters::style::RGBColor;

use crate::model::activations::Activation;
use crate::training::analysis::{metric_words, Analysis};
use crate::training::evaluate::{Evaluation, Interval};
use crate::training::stored::StoredEvaluation;

pub mod plots;

/// Where the analysis came from.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub evaluation_id: String,
    pub created_at: String,
    /// The evaluation job that computed it (absent when the command line did).
    pub job_id: Option<String>,
}

/// A learned size offset for one shoe model, as the last training run stored it (the sizing
/// work learns them for the whole catalogue, so every model's report shows the same ones).
#[derive(Debug, Clone, PartialEq)]
pub struct SizeOffset {
    pub shoe_id: String,
    /// Millimetres added to the foot before reading the brand's chart: + runs short (size up).
    pub length_mm: f64,
    /// −1 runs wide to +1 runs narrow.
    pub width: f64,
    /// Sales (weighted) behind the model's own estimate.
    pub records: f64,
    pub trained_at: String,
}

pub struct ReportInput<'a> {
    pub analysis: &'a Analysis,
    pub provenance: Provenance,
    pub activations: &'a [Activation],
    pub size_offsets: &'a [SizeOffset],
}

fn fmt3(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "–".into() }
}

fn with_interval(v: f64, i: Option<Interval>) -> String {
    match i {
        Some(i) => format!("{} [{}, {}]", fmt3(v), fmt3(i.low), fmt3(i.high)),
        None => fmt3(v),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), fmt3)
}

/// A number as the page shows it, with the full value in `data-value` for checks.
struct Figure {
    text: String,
    value: String,
}

impl Figure {
    fn new(v: Option<f64>, i: Option<Interval>) -> Self {
        match v {
            Some(v) => Self { text: with_interval(v, i), value: v.to_string() },
            None => Self { text: "–".into(), value: String::new() },
        }
    }
}

struct ComparisonRow {
    role: String,
    version: String,
    tried: Figure,
    catalogue: Figure,
    auc: Figure,
    mrr: Figure,
    log_loss: Figure,
    ece: Figure,
    sales: usize,
}

fn comparison_row(role: &str, e: &Evaluation) -> ComparisonRow {
    let m = &e.overall;
    ComparisonRow {
        role: role.to_owned(),
        version: e.model_version.clone(),
        tried: Figure::new(m.tried_ndcg_at_5, m.tried_ndcg_at_5_interval),
        catalogue: Figure::new(Some(m.ndcg_at_5), m.ndcg_at_5_interval),
        auc: Figure::new(m.auc, m.auc_interval),
        mrr: Figure::new(Some(m.mrr), m.mrr_interval),
        log_loss: Figure::new(m.log_loss, None),
        ece: Figure::new(m.ece, None),
        sales: m.pairs,
    }
}

struct StoreRow {
    store: String,
    cells: Vec<Figure>,
}

struct CurveRow {
    sessions: usize,
    value: Figure,
}

struct RankRow {
    ranks: String,
    sales: usize,
    poor_fits: usize,
    rate: String,
}

struct ReasonRow {
    reason: String,
    shown: usize,
    share: String,
}

struct ActivationRow {
    at: String,
    kind: String,
    via: String,
    who: String,
    from: String,
    to: String,
    figures: String,
}

struct OffsetRow {
    shoe_id: String,
    length: String,
    width: String,
    records: String,
    trained_at: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    version: String,
    family: String,
    verdict: String,
    activate: bool,
    provenance: Provenance,
    computed_at: String,
    synthetic: bool,
    data_rows: Vec<(String, String)>,
    primary_metric: String,
    comparison: Vec<ComparisonRow>,
    gain: String,
    held_out: String,
    calibration_svg: String,
    calibration_rows: Vec<(String, String, String, usize)>,
    store_roles: Vec<String>,
    store_rows: Vec<StoreRow>,
    store_svg: String,
    curve_rows: Vec<CurveRow>,
    curve_svg: String,
    rank_rows: Vec<RankRow>,
    rank_svg: String,
    importance_svg: String,
    importance_rows: Vec<(String, String, String)>,
    pd_svgs: Vec<String>,
    reasons: Vec<ReasonRow>,
    reason_sessions: usize,
    reason_shoes: usize,
    card_rows: Vec<(String, String)>,
    hyper_parameters: String,
    families: Vec<(String, String)>,
    offsets: Vec<OffsetRow>,
    activations: Vec<ActivationRow>,
}

fn window_words(from: &Option<chrono::DateTime<chrono::Utc>>, to: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => format!("{} to {}", f.format("%Y-%m-%d"), t.format("%Y-%m-%d")),
        _ => "–".into(),
    }
}

/// The page for an analysis.
pub fn render(input: &ReportInput) -> anyhow::Result<String> {
    let a = input.analysis;
    let c = &a.comparison;
    let against_role = if a.against_is_active { "active" } else { "compared" };
    let mut rankers: Vec<(String, &Evaluation, RGBColor)> = vec![("candidate".into(), &c.candidate, plots::CANDIDATE)];
    if let Some(active) = &c.active {
        rankers.push((against_role.into(), active, plots::AGAINST));
    }
    rankers.push(("rules".into(), &c.baseline, plots::RULES));
    let mut references: Vec<(String, &Evaluation)> = Vec::new();
    if let Some(p) = &c.popularity {
        references.push(("popularity reference".into(), p));
    }
    if let Some(r) = &c.random {
        references.push(("random reference".into(), r));
    }
    let comparison: Vec<ComparisonRow> = rankers
        .iter()
        .map(|(role, e, _)| comparison_row(role, e))
        .chain(references.iter().map(|(role, e)| comparison_row(role, e)))
        .collect();

    let d = &a.data;
    let data_rows = vec![
        ("Sales read".to_owned(), d.sales.to_string()),
        ("Labelled sales (kept or poor fit known)".to_owned(), d.labelled_sales.to_string()),
        ("Fitting sessions".to_owned(), d.sessions.to_string()),
        ("Sessions with recorded try-ons".to_owned(), d.try_on_sessions.to_string()),
        ("Shoes tried on and put back".to_owned(), d.put_back.to_string()),
        ("Stores".to_owned(), if d.stores.is_empty() { "–".into() } else { format!("{} ({})", d.stores.len(), d.stores.join(", ")) }),
        ("Training and validation window".to_owned(), format!("{} ({} sessions)", window_words(&d.training.from, &d.training.to), d.training.sessions)),
        ("Held-out window".to_owned(), format!("{} ({} sessions)", window_words(&d.held_out.from, &d.held_out.to), d.held_out.sessions)),
        (
            "Synthetic or real".to_owned(),
            if d.synthetic { format!("SYNTHETIC ({} of {} sales from the simulator)", d.synthetic_sales, d.sales) } else { "real".into() },
        ),
    ];

    let gain = match &c.gain {
        Some(g) => format!(
            "Gain over {} in {}: {:+.3} [{:+.3}, {:+.3}] (paired bootstrap over sessions, 95 %)",
            g.over,
            metric_words(&g.metric),
            g.mean,
            g.interval.low,
            g.interval.high
        ),
        None => "No gain could be measured: too few held-out sessions.".into(),
    };
    let primary_metric = c.gain.as_ref().map_or("ndcg_at_5", |g| g.metric.as_str()).to_owned();

    let mut calibration_series: Vec<(String, RGBColor, &[crate::training::metrics::CalibrationBin])> =
        vec![(format!("candidate {}", c.candidate.model_version), plots::CANDIDATE, &c.candidate.overall.calibration)];
    if let Some(active) = &c.active {
        calibration_series.push((format!("{against_role} {}", active.model_version), plots::AGAINST, &active.overall.calibration));
    }
    calibration_series.push(("rules".into(), plots::RULES, &c.baseline.overall.calibration));
    let calibration_rows = c
        .candidate
        .overall
        .calibration
        .iter()
        .map(|b| (fmt3(b.predicted), fmt3(b.observed), format!("{:+.3}", b.observed - b.predicted), b.count))
        .collect();

    let stores: Vec<String> = c.candidate.per_store.keys().cloned().collect();
    let store_plot_rows: Vec<plots::Row> =
        rankers.iter().map(|(role, e, colour)| plots::Row { label: role.clone(), colour: *colour, evaluation: e }).collect();
    let store_rows = stores
        .iter()
        .map(|s| StoreRow {
            store: s.clone(),
            cells: rankers
                .iter()
                .map(|(_, e, _)| match e.per_store.get(s) {
                    Some(m) => {
                        let (v, i) = plots::primary(m);
                        Figure::new(Some(v), i)
                    }
                    None => Figure::new(None, None),
                })
                .collect(),
        })
        .collect();

    let rules_primary = plots::primary(&c.baseline.overall).0;
    let curve_svg = if a.learning_curve.is_empty() { String::new() } else { plots::learning_curve(&a.learning_curve, rules_primary)? };
    let reason_total = a.reasons.shoes.max(1) as f64;
    let card = &a.model;
    let mut card_rows = vec![
        ("Version".to_owned(), card.version.clone()),
        ("Family".to_owned(), card.family.clone()),
        ("Feature set".to_owned(), card.feature_set.clone()),
        ("Feature schema hash".to_owned(), card.schema_hash.clone()),
        ("Stored at".to_owned(), card.created_at.map_or_else(|| "–".into(), crate::time::rfc3339_millis)),
    ];
    if let Some(t) = &card.training {
        card_rows.push(("Trained at".into(), crate::time::rfc3339_millis(t.trained_at)));
        card_rows.push((
            "Trained on".into(),
            format!(
                "{} labelled sales and {} shoes put back in {} sessions{}",
                t.labelled_pairs,
                t.put_back,
                t.sessions,
                if t.synthetic { " (SYNTHETIC)" } else { "" }
            ),
        ));
    }
    let families = card
        .training
        .as_ref()
        .map(|t| t.families.iter().map(|f| (f.family.clone(), format!("{:.4}", f.validation_objective))).collect())
        .unwrap_or_default();

    let page = Page {
        version: card.version.clone(),
        family: card.family.clone(),
        verdict: a.verdict.text.clone(),
        activate: a.verdict.activate,
        provenance: input.provenance.clone(),
        computed_at: crate::time::rfc3339_millis(a.computed_at),
        synthetic: d.synthetic,
        data_rows,
        primary_metric,
        comparison,
        gain,
        held_out: format!(
            "All rows were measured on the same {} held-out sessions, {}.",
            c.held_out.sessions,
            window_words(&c.held_out.from, &c.held_out.to)
        ),
        calibration_svg: plots::calibration(&calibration_series)?,
        calibration_rows,
        store_roles: rankers.iter().map(|(r, _, _)| r.clone()).collect(),
        store_rows,
        store_svg: plots::by_store(&store_plot_rows, &stores)?,
        curve_rows: a
            .learning_curve
            .iter()
            .map(|p| CurveRow { sessions: p.sessions, value: Figure::new(Some(p.value), p.interval) })
            .collect(),
        curve_svg,
        rank_rows: a
            .poor_fit_by_rank
            .iter()
            .map(|b| RankRow { ranks: b.ranks.clone(), sales: b.sales, poor_fits: b.poor_fits, rate: format!("{:.1} %", b.rate * 100.0) })
            .collect(),
        rank_svg: plots::poor_fit_by_rank(&a.poor_fit_by_rank)?,
        importance_svg: plots::importance(a, 12)?,
        importance_rows: a
            .importance
            .iter()
            .take(12)
            .map(|i| (i.input.clone(), i.kind.replace('_', " "), fmt3(i.mean_abs_log_odds)))
            .collect(),
        pd_svgs: a.partial_dependence.iter().map(plots::partial_dependence).collect::<anyhow::Result<_>>()?,
        reasons: a
            .reasons
            .top
            .iter()
            .map(|r| ReasonRow { reason: r.reason.clone(), shown: r.shown, share: format!("{:.0} %", 100.0 * r.shown as f64 / reason_total) })
            .collect(),
        reason_sessions: a.reasons.sessions,
        reason_shoes: a.reasons.shoes,
        card_rows,
        hyper_parameters: serde_json::to_string_pretty(&card.hyper_parameters).unwrap_or_default(),
        families,
        offsets: input
            .size_offsets
            .iter()
            .map(|o| OffsetRow {
                shoe_id: o.shoe_id.clone(),
                length: format!("{:+.1}", o.length_mm),
                width: format!("{:+.2}", o.width),
                records: format!("{:.0}", o.records),
                trained_at: o.trained_at.clone(),
            })
            .collect(),
        activations: input
            .activations
            .iter()
            .map(|x| ActivationRow {
                at: crate::time::rfc3339_millis(x.activated_at),
                kind: x.kind.as_str().to_owned(),
                via: x.via.as_str().replace('_', " "),
                who: match (&x.key_name, &x.key_id) {
                    (Some(name), Some(id)) => format!("{name} ({id})"),
                    (None, Some(id)) => id.clone(),
                    _ => "command line".into(),
                },
                from: x.from_version.clone().unwrap_or_else(|| "–".into()),
                to: x.to_version.clone(),
                figures: match (&x.figures.metric, x.figures.value, x.figures.gain) {
                    (Some(m), Some(v), Some(g)) => format!(
                        "{m} {} ; gain {:+.3} [{}, {}] over {} ({} figures)",
                        fmt3(v),
                        g,
                        opt(x.figures.gain_low),
                        opt(x.figures.gain_high),
                        x.figures.gain_over.as_deref().unwrap_or("–"),
                        x.figures.source
                    ),
                    (Some(m), Some(v), None) => format!("{m} {} ({} figures)", fmt3(v), x.figures.source),
                    _ => "no figures recorded".into(),
                },
            })
            .collect(),
    };
    Ok(page.render()?)
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    #[error("model {0} has not been evaluated yet: POST /v1/models/{0}/evaluate (or `stridefit report --model {0}`) measures it")]
    NotEvaluated(String),
    #[error("cannot render the report: {0}")]
    Render(#[from] anyhow::Error),
}

impl From<crate::db::DbError> for ReportError {
    fn from(e: crate::db::DbError) -> Self {
        ReportError::Model(e.into())
    }
}

/// Activations listed in a report (the newest).
pub const REPORT_ACTIVATIONS: u32 = 50;
/// Learned size offsets listed in a report (the largest).
pub const REPORT_OFFSETS: usize = 15;

/// The page for a stored evaluation, with the activation history as it stands.
pub fn page_for(conn: &mut crate::db::DbConnection, evaluation: &StoredEvaluation) -> Result<String, ReportError> {
    let (activations, _) = crate::model::activations::list(conn, REPORT_ACTIVATIONS, 0)?;
    // The largest learned offsets first: what a fitter most needs to know.
    let mut offsets: Vec<SizeOffset> = crate::db::sizes::offsets(conn)?
        .into_iter()
        .map(|r| SizeOffset { shoe_id: r.shoe_id, length_mm: r.length_mm, width: r.width, records: r.records, trained_at: crate::time::rfc3339_millis(r.trained_at.0) })
        .collect();
    offsets.sort_by(|a, b| b.length_mm.abs().total_cmp(&a.length_mm.abs()).then(a.shoe_id.cmp(&b.shoe_id)));
    offsets.truncate(REPORT_OFFSETS);
    let input = ReportInput {
        analysis: &evaluation.analysis,
        provenance: Provenance {
            evaluation_id: evaluation.id.clone(),
            created_at: crate::time::rfc3339_millis(evaluation.created_at),
            job_id: evaluation.job_id.clone(),
        },
        activations: &activations,
        size_offsets: &offsets,
    };
    Ok(render(&input)?)
}

/// The newest stored evaluation of `version`: a 404 for an unknown version, a 409 for one
/// not evaluated yet.
pub fn latest_evaluation(conn: &mut crate::db::DbConnection, version: &str) -> Result<StoredEvaluation, ReportError> {
    if version != crate::ranking::baseline::BASELINE_VERSION {
        match crate::db::models::find_model(conn, version) {
            Ok(_) => {}
            Err(crate::db::DbError::NotFound) => return Err(crate::model::ModelError::NotFound(version.to_owned()).into()),
            Err(e) => return Err(e.into()),
        }
    }
    crate::training::stored::latest(conn, version)?.ok_or_else(|| ReportError::NotEvaluated(version.to_owned()))
}

/// The page for the newest stored evaluation of `version`.
pub fn latest_page(conn: &mut crate::db::DbConnection, version: &str) -> Result<String, ReportError> {
    let evaluation = latest_evaluation(conn, version)?;
    page_for(conn, &evaluation)
}

/// The reports the API serves, each read on the database's blocking pool.
#[derive(Clone)]
pub struct Reports {
    db: crate::db::Database,
}

impl Reports {
    pub fn new(db: crate::db::Database) -> Self {
        Self { db }
    }

    pub async fn latest_page(&self, version: String) -> Result<String, ReportError> {
        self.db.run(move |conn| Ok(latest_page(conn, &version))).await?
    }

    pub async fn latest_evaluation(&self, version: String) -> Result<StoredEvaluation, ReportError> {
        self.db.run(move |conn| Ok(latest_evaluation(conn, &version))).await?
    }
}
