//! The analyst and admin commands behind the CLI, with progress bars and summary tables.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalogue::service::{import_catalogue_file, ImportError as CatalogueImportError};
use crate::catalogue::CatalogueService;
use crate::cli::{EvaluateArgs, ReportArgs, SimulateArgs, TrainArgs};
use crate::model::activations::Actor;
use crate::db::Database;
use crate::model::registry::{load_scorer, store_model};
use crate::model::ModelRegistry;
use crate::sizing::offsets::{SizeEvidence, SizeOffsets};
use crate::ranking::ActiveScorer;
use crate::tabular::TableError;
use crate::training::{self, dataset, Comparison, Evaluation, Progress, SaleRecord};
use crate::Settings;

/// A progress bar for long steps.
struct Bar(ProgressBar);

impl Bar {
    fn new(what: &str) -> Self {
        let bar = ProgressBar::new(1000);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} [{bar:40}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_owned());
        Self(bar)
    }
}

impl Progress for Bar {
    fn report(&self, fraction: f64, message: &str) {
        self.0.set_position((fraction * 1000.0) as u64);
        self.0.set_message(message.to_owned());
    }
}

fn open(database_url: &str) -> anyhow::Result<Database> {
    let settings = Settings { database_url: database_url.to_owned(), db_pool_size: 2, ..Default::default() };
    crate::startup::prepare_database(&settings)
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

fn report_rows(err: TableError) -> anyhow::Error {
    if let TableError::InvalidRows(rows) = &err {
        for row in rows.iter().take(200) {
            eprintln!("line {}: {}: {}", row.line, row.field, row.reason);
        }
        if rows.len() > 200 {
            eprintln!("... and {} more", rows.len() - 200);
        }
        return anyhow::anyhow!("{} row(s) rejected; nothing was imported", rows.len());
    }
    err.into()
}

pub fn import_catalogue(database_url: &str, file: &Path) -> anyhow::Result<()> {
    let db = open(database_url)?;
    match import_catalogue_file(&db, &read(file)?) {
        Ok(summary) => {
            println!("imported {} shoe(s) and {} insole(s) from {}", summary.shoes, summary.insoles, file.display());
            Ok(())
        }
        Err(CatalogueImportError::Csv(e)) => Err(report_rows(e)),
        Err(e) => Err(e.into()),
    }
}

pub fn import_outcomes(database_url: &str, file: &Path) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let catalogue = CatalogueService::load(db.clone())?.snapshot();
    std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{prefix:>10} {spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    bar.set_prefix("import");
    // The file is read in batches: rows are checked and written as they come, so the total
    // is not known up front.
    let result = crate::outcomes::import::import_outcomes_file(&db, &catalogue, file, &|done| {
        bar.set_message(format!("{done} rows checked"));
        bar.tick();
    });
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            println!(
                "imported {} row(s) from {}: {} new sale(s), {} updated, {} fitting(s) created",
                r.rows,
                file.display(),
                r.inserted,
                r.updated,
                r.fittings_created
            );
            Ok(())
        }
        Err(crate::outcomes::import::ImportError::File(e)) => Err(report_rows(e)),
        Err(e) => Err(e.into()),
    }
}

/// A file's sales, read whole; its bad rows are reported by line.
fn file_records(file: &Path, catalogue: &crate::catalogue::Catalogue) -> anyhow::Result<Vec<SaleRecord>> {
    crate::outcomes::import::records_from_file(&read(file)?, catalogue).map_err(report_rows)
}

/// The dataset `evaluate` reads: a file's sales (read whole) or the stored ones, streamed into
/// the packed dataset.
fn dataset_from(db: &Database, catalogue: &crate::catalogue::Catalogue, file: Option<&Path>) -> anyhow::Result<dataset::Dataset> {
    Ok(match file {
        Some(file) => dataset::build(&file_records(file, catalogue)?, catalogue),
        None => training::load_dataset(db, catalogue)?,
    })
}

/// The dataset `train` fits and the size offsets learned from the same sales: a file's
/// (held whole) or the stored ones (one streamed read serves both, the offsets learned before
/// the features are built, as the training job does).
fn dataset_and_sizes(
    db: &Database,
    catalogue: &crate::catalogue::Catalogue,
    file: Option<&Path>,
) -> anyhow::Result<(dataset::Dataset, SizeOffsets)> {
    let learn = |evidence: SizeEvidence| crate::sizing::service::learn_offsets(&evidence, catalogue);
    Ok(match file {
        Some(file) => {
            let records = file_records(file, catalogue)?;
            let mut evidence = SizeEvidence::default();
            records.iter().for_each(|sale| evidence.add(sale));
            (dataset::build(&records, catalogue), learn(evidence))
        }
        None => training::load_dataset_and_sizes(db, catalogue, learn)?,
    })
}

fn fmt(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "-".into() }
}

fn with_interval(value: f64, interval: Option<training::evaluate::Interval>) -> String {
    match interval {
        Some(i) => format!("{} [{}, {}]", fmt(value), fmt(i.low), fmt(i.high)),
        None => fmt(value),
    }
}

fn row(name: &str, e: &training::Metrics) -> String {
    format!(
        "{name:<30} {:>21} {:>21} {:>21} {:>7} {:>8} {:>6}",
        e.tried_ndcg_at_5.map_or("-".into(), |v| with_interval(v, e.tried_ndcg_at_5_interval)),
        with_interval(e.ndcg_at_5, e.ndcg_at_5_interval),
        e.auc.map_or("-".into(), |v| with_interval(v, e.auc_interval)),
        fmt(e.mrr),
        e.log_loss.map_or("-".into(), fmt),
        e.pairs
    )
}

/// The summary table: one line per ranker (all on the same held-out sessions), then per store.
pub fn print_comparison(c: &Comparison) {
    let header = format!(
        "{:<30} {:>21} {:>21} {:>21} {:>7} {:>8} {:>6}",
        "model", "NDCG@5 tried [95%]", "NDCG@5 catalogue", "AUC", "MRR", "logloss", "sales"
    );
    println!(
        "\nheld-out: the newest {} sessions ({} to {}), the same for every row",
        c.held_out.sessions,
        c.held_out.from.map_or_else(|| "-".into(), crate::time::rfc3339_offset),
        c.held_out.to.map_or_else(|| "-".into(), crate::time::rfc3339_offset)
    );
    println!("{header}\n{}", "-".repeat(header.len()));
    let mut all: Vec<(&str, &Evaluation)> = vec![("candidate", &c.candidate)];
    if let Some(a) = &c.active {
        all.push(("active", a));
    }
    all.push(("rules", &c.baseline));
    if let Some(p) = &c.popularity {
        all.push(("reference", p));
    }
    if let Some(r) = &c.random {
        all.push(("reference", r));
    }
    for (role, e) in &all {
        println!("{}", row(&format!("{role}: {}", e.model_version), &e.overall));
    }
    for store in c.candidate.per_store.keys() {
        println!("\nstore {store}");
        for (role, e) in &all {
            if let Some(m) = e.per_store.get(store) {
                println!("{}", row(&format!("  {role}"), m));
            }
        }
    }
    if let Some(g) = &c.gain {
        println!(
            "\ngain over {} in {}: {:+.3} [{:+.3}, {:+.3}] (95 % bootstrap over sessions)",
            g.over, g.metric, g.mean, g.interval.low, g.interval.high
        );
    }
}

pub fn train(database_url: &str, args: &TrainArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let catalogue = CatalogueService::load(db.clone())?.snapshot();
    let active = Arc::new(ActiveScorer::baseline());
    let registry = ModelRegistry::new(db.clone(), active.clone());
    registry.load_active()?;
    let bar = Bar::new("train");
    bar.report(0.01, "loading outcomes");
    let (data, offsets) = dataset_and_sizes(&db, &catalogue, args.from.as_deref())?;
    let current = active.get();
    let mut result = training::train_on(&data, &catalogue, Some(current.as_ref().as_ref()), &bar, &AtomicBool::new(false))?;
    drop(data);
    bar.0.finish_and_clear();
    result.summary.synthetic |= args.synthetic;
    let summary = serde_json::to_value(&result.summary)?;
    db.with_conn(|conn| store_model(conn, &result.artifact, &summary, Some(&result.comparison)))?;
    let sized = crate::sizing::service::store(&db, &offsets, &catalogue)?;
    let version = result.artifact.version().to_owned();
    println!(
        "trained {version} ({}) on {} labelled sales and {} tried-and-put-back shoes from {} sessions",
        result.summary.family, result.summary.labelled_pairs, result.summary.put_back, result.summary.sessions
    );
    for f in &result.summary.families {
        println!("  {:<22} validation objective {:.4}", f.family, f.validation_objective);
    }
    println!("learned size offsets for {sized} models from measured feet with sizes tried, sold and returned");
    print_comparison(&result.comparison);
    if let Some(path) = &args.write {
        let bundle = crate::model::registry::Bundled {
            artifact: result.artifact.clone(),
            training_summary: summary,
            metrics: Some(result.comparison.clone()),
        };
        std::fs::write(path, serde_json::to_string_pretty(&bundle.to_json())? + "\n")?;
        println!("\nwrote {}", path.display());
    }
    if args.activate_if_better && result.comparison.clearly_better() {
        actix_web::rt::System::new().block_on(registry.activate(version.clone(), Actor::command_line()))?;
        println!("\nactivated {version}: the gain's 95 % interval is above zero");
    } else if args.activate_if_better {
        println!("\nnot activated: the gain's 95 % interval reaches zero or below; `stridefit models activate {version}` promotes it anyway");
    } else {
        println!("\nnot activated; run `stridefit models activate {version}` to promote it");
    }
    Ok(())
}

pub fn evaluate(database_url: &str, args: &EvaluateArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let catalogue = CatalogueService::load(db.clone())?.snapshot();
    let active = Arc::new(ActiveScorer::baseline());
    let registry = ModelRegistry::new(db.clone(), active.clone());
    let active_version = registry.load_active()?;
    let version = args.model.clone().unwrap_or_else(|| active_version.clone());
    let scorer = db.with_conn(|conn| Ok(load_scorer(conn, &version)))??;
    let bar = Bar::new("evaluate");
    bar.report(0.1, "loading outcomes");
    let data = dataset_from(&db, &catalogue, args.from.as_deref())?;
    let split = dataset::split_by_time(&data, training::TEST_FRACTION, training::VALIDATION_FRACTION);
    bar.report(0.4, "scoring held-out sessions");
    let current = active.get();
    let comparison = training::compare(scorer.as_ref(), Some(current.as_ref().as_ref()), &data, &split, &catalogue);
    bar.0.finish_and_clear();
    print_comparison(&comparison);
    Ok(())
}

pub fn list_models(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let registry = ModelRegistry::new(db, Arc::new(ActiveScorer::baseline()));
    registry.load_active()?;
    let models = actix_web::rt::System::new().block_on(registry.list())?;
    println!("{:<2} {:<28} {:<20} {:>7} {:>7} {:<24} held-out split", "", "version", "kind", "NDCG@5", "AUC", "created");
    for m in models {
        let comparison = m.metrics.as_ref();
        let candidate = comparison.map(|c| &c.candidate.overall);
        let ndcg = candidate.map_or("-".into(), |o| fmt(o.ndcg_at_5));
        let auc = candidate.and_then(|o| o.auc).map_or("-".into(), fmt);
        // Stored figures come from each model's own held-out split: say which, so nobody
        // compares rows as if they were measured on the same sessions.
        let split = match comparison.map(|c| &c.held_out) {
            Some(training::Window { sessions, from: Some(from), to: Some(to) }) => {
                format!("{sessions} sessions {}..{}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
            }
            _ => "-".into(),
        };
        println!(
            "{:<2} {:<28} {:<20} {:>7} {:>7} {:<24} {}",
            if m.active { "*" } else { "" },
            m.version,
            m.kind,
            ndcg,
            auc,
            crate::time::rfc3339_millis(m.created_at),
            split
        );
    }
    println!("\nFigures were measured on each model's own held-out split (last column); to compare models on the same sessions run `stridefit evaluate --model VERSION`.");
    Ok(())
}

pub fn activate_model(database_url: &str, version: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let registry = ModelRegistry::new(db, Arc::new(ActiveScorer::baseline()));
    let info = actix_web::rt::System::new().block_on(registry.activate(version.to_owned(), Actor::command_line()))?;
    println!("activated {} ({}); running services pick it up on their next refresh or restart", info.version, info.kind);
    Ok(())
}

pub fn report(database_url: &str, args: &ReportArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let catalogue = CatalogueService::load(db.clone())?.snapshot();
    // The stored sales are streamed by the evaluation itself, once the models are found.
    let data = match &args.from {
        Some(file) => Some(dataset::build(&file_records(file, &catalogue)?, &catalogue)),
        None => None,
    };
    let bar = Bar::new("report");
    let stored = training::stored::evaluate_and_store(
        &db,
        &catalogue,
        &args.model,
        args.against.as_deref(),
        data,
        None,
        &bar,
        &AtomicBool::new(false),
    )?;
    bar.0.finish_and_clear();
    let page = db.with_conn(|conn| Ok(crate::report::page_for(conn, &stored)))??;
    std::fs::write(&args.output, page).with_context(|| format!("cannot write {}", args.output.display()))?;
    print_comparison(&stored.analysis.comparison);
    println!("\n{}", stored.analysis.verdict.text);
    println!("wrote {} (evaluation {}, also served at /v1/models/{}/report)", args.output.display(), stored.id, args.model);
    Ok(())
}

pub fn list_activations(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let (items, total) = db.with_conn(|conn| crate::model::activations::list(conn, 200, 0))?;
    println!("{:<25} {:<10} {:<12} {:<24} {:<28} {:<28} figures", "time", "kind", "via", "key", "before", "after");
    for a in &items {
        let key = match (&a.key_name, &a.key_id) {
            (Some(name), Some(id)) => format!("{name} ({id})"),
            (None, Some(id)) => id.clone(),
            _ => "-".into(),
        };
        let figures = match (&a.figures.metric, a.figures.value, a.figures.gain) {
            (Some(m), Some(v), Some(g)) => format!("{m} {v:.3}, gain {g:+.3} over {}", a.figures.gain_over.as_deref().unwrap_or("-")),
            (Some(m), Some(v), None) => format!("{m} {v:.3}"),
            _ => "-".into(),
        };
        println!(
            "{:<25} {:<10} {:<12} {:<24} {:<28} {:<28} {figures}",
            a.activated_at,
            a.kind.as_str(),
            a.via.as_str(),
            key,
            a.from_version.as_deref().unwrap_or("-"),
            a.to_version
        );
    }
    if total > items.len() {
        println!("... and {} older", total - items.len());
    }
    Ok(())
}

pub fn simulate(database_url: &str, args: &SimulateArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let catalogue = CatalogueService::load(db)?.snapshot();
    let config = crate::simulate::SimulationConfig {
        sales: args.sales,
        seed: args.seed,
        stores: args.stores,
        scenario: args.scenario,
        size_returns: args.size_returns,
        ..Default::default()
    };
    let sales = crate::simulate::simulate(&catalogue, &config);
    let mut file = std::fs::File::create(&args.output).with_context(|| format!("cannot create {}", args.output.display()))?;
    if args.output.extension().is_some_and(|e| e == "parquet") {
        crate::simulate::write_parquet(&sales, &mut file)?;
    } else {
        crate::simulate::write_csv(&sales, &mut file)?;
    }
    println!("wrote {} SYNTHETIC sales to {}", sales.len(), args.output.display());
    Ok(())
}

pub fn create_key(
    database_url: &str,
    role: crate::auth::Role,
    store: Option<&str>,
    name: &str,
    origins: &[String],
    limit: Option<crate::auth::RateLimit>,
) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let store = store.map(crate::fitting::StoreId::parse).transpose().map_err(anyhow::Error::msg)?;
    let (key, secret) = crate::auth::create_key_with_limit(&db, name, role, store, origins, limit)?;
    println!("created key {} ({}{}) \"{}\"", key.id, key.role.as_str(), key.store_id.map(|s| format!(", store {s}")).unwrap_or_default(), key.name);
    println!("the secret below is shown once; send it as Authorization: Bearer <secret>");
    println!("{secret}");
    Ok(())
}

pub fn list_keys(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let keys = db.with_conn(crate::db::keys::list)?;
    println!("{:<16} {:<11} {:<8} {:<24} {:<25} {:<25} {:<14} cors origins", "id", "role", "store", "name", "created", "revoked", "limit/min");
    for k in keys.into_iter().map(crate::auth::KeyInfo::from) {
        let limit = k.rate_limit.map_or_else(|| "default".to_owned(), |l| format!("{} (+{})", l.per_minute, l.burst));
        let origins = if k.cors_origins.is_empty() { "-".to_owned() } else { k.cors_origins.join(" ") };
        println!(
            "{:<16} {:<11} {:<8} {:<24} {:<25} {:<25} {:<14} {}",
            k.id,
            k.role.as_str(),
            k.store_id.unwrap_or_else(|| "-".into()),
            k.name,
            crate::time::rfc3339_millis(k.created_at),
            k.revoked_at.map_or_else(|| "-".into(), crate::time::rfc3339_millis),
            limit,
            origins
        );
    }
    Ok(())
}

pub fn revoke_key(database_url: &str, id: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    if db.with_conn(|conn| crate::db::keys::revoke(conn, id, crate::time::now()))? {
        println!("revoked {id}");
        Ok(())
    } else {
        anyhow::bail!("no active key with id '{id}'")
    }
}
