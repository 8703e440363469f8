//! The analyst and admin commands behind the CLI, with progress bars and summary tables.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalogue::service::{import_catalogue_file, ImportError as CatalogueImportError};
use crate::catalogue::CatalogueService;
use crate::cli::{EvaluateArgs, SimulateArgs, TrainArgs};
use crate::db::Database;
use crate::model::registry::{load_scorer, store_model};
use crate::model::ModelRegistry;
use crate::ranking::BaselineScorer;
use crate::recommendation::ActiveScorer;
use crate::tabular::TableError;
use crate::training::{self, dataset, evaluate, Comparison, Evaluation, Progress, SaleRecord};
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
    let bytes = read(file)?;
    let bar = Bar::new("import");
    bar.report(0.0, "checking rows");
    let result = crate::outcomes::import::import_outcomes(&db, &catalogue, &bytes, &|done, total| {
        bar.report(done as f64 / total.max(1) as f64, "writing");
    });
    bar.0.finish_and_clear();
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

fn records(db: &Database, from: Option<&Path>) -> anyhow::Result<(Vec<SaleRecord>, Arc<crate::catalogue::Catalogue>)> {
    let catalogue = CatalogueService::load(db.clone())?.snapshot();
    let records = match from {
        Some(file) => training::records_from_file(&read(file)?, &catalogue).map_err(report_rows)?,
        None => training::load_records(db)?,
    };
    Ok((records, catalogue))
}

fn fmt(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "-".into() }
}

fn row(name: &str, e: &training::Metrics) -> String {
    format!(
        "{name:<28} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7}",
        fmt(e.ndcg_at_5),
        fmt(e.mrr),
        e.auc.map_or("-".into(), fmt),
        fmt(e.log_loss),
        fmt(e.ece),
        e.pairs
    )
}

/// The summary table: one line per model, then per store.
pub fn print_comparison(c: &Comparison) {
    let header = format!("{:<28} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7}", "model", "NDCG@5", "MRR", "AUC", "logloss", "ECE", "pairs");
    println!("\nheld-out sessions (newest {:.0} %)", training::TEST_FRACTION * 100.0);
    println!("{header}\n{}", "-".repeat(header.len()));
    let mut all: Vec<(&str, &Evaluation)> = vec![("candidate", &c.candidate)];
    if let Some(a) = &c.active {
        all.push(("active", a));
    }
    all.push(("baseline", &c.baseline));
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
}

pub fn train(database_url: &str, args: &TrainArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let (records, catalogue) = records(&db, args.from.as_deref())?;
    let active = Arc::new(ActiveScorer::baseline());
    let registry = ModelRegistry::new(db.clone(), active.clone());
    registry.load_active()?;
    let bar = Bar::new("train");
    let current = active.get();
    let mut result = training::train(&records, &catalogue, Some(current.as_ref().as_ref()), &bar, &AtomicBool::new(false))?;
    bar.0.finish_and_clear();
    result.summary.synthetic = args.synthetic;
    let summary = serde_json::to_value(&result.summary)?;
    let metrics = serde_json::to_value(&result.comparison)?;
    db.with_conn(|conn| store_model(conn, &result.artifact, &summary, &metrics))?;
    println!(
        "trained {} on {} labelled pairs from {} sessions (alpha {})",
        result.artifact.version, result.summary.labelled_pairs, result.summary.sessions, result.artifact.alpha
    );
    print_comparison(&result.comparison);
    if let Some(path) = &args.write {
        let bundle = serde_json::json!({"artifact": result.artifact, "training_summary": summary, "metrics": metrics});
        std::fs::write(path, serde_json::to_string_pretty(&bundle)? + "\n")?;
        println!("\nwrote {}", path.display());
    }
    let beats_active = result
        .comparison
        .active
        .as_ref()
        .map_or(result.comparison.candidate.overall.ndcg_at_5 > result.comparison.baseline.overall.ndcg_at_5, |a| {
            result.comparison.candidate.overall.ndcg_at_5 > a.overall.ndcg_at_5
        });
    if args.activate_if_better && beats_active {
        actix_web::rt::System::new().block_on(registry.activate(result.artifact.version.clone()))?;
        println!("\nactivated {}", result.artifact.version);
    } else {
        println!("\nnot activated; run `stridefit models activate {}` to promote it", result.artifact.version);
    }
    Ok(())
}

pub fn evaluate(database_url: &str, args: &EvaluateArgs) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let (records, catalogue) = records(&db, args.from.as_deref())?;
    let active = Arc::new(ActiveScorer::baseline());
    let registry = ModelRegistry::new(db.clone(), active.clone());
    let active_version = registry.load_active()?;
    let version = args.model.clone().unwrap_or_else(|| active_version.clone());
    let scorer = db.with_conn(|conn| Ok(load_scorer(conn, &version)))??;
    let bar = Bar::new("evaluate");
    bar.report(0.1, "building labelled pairs");
    let data = dataset::build(&records, &catalogue)?;
    let split = dataset::split_by_time(&data, training::TEST_FRACTION, training::VALIDATION_FRACTION);
    bar.report(0.4, "scoring held-out sessions");
    let current = active.get();
    let comparison = Comparison {
        candidate: evaluate::evaluate(scorer.as_ref(), &data, &split.test, &catalogue),
        active: (active_version != version).then(|| evaluate::evaluate(current.as_ref().as_ref(), &data, &split.test, &catalogue)),
        baseline: evaluate::evaluate(&BaselineScorer::new(), &data, &split.test, &catalogue),
    };
    bar.0.finish_and_clear();
    print_comparison(&comparison);
    Ok(())
}

pub fn list_models(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let registry = ModelRegistry::new(db, Arc::new(ActiveScorer::baseline()));
    registry.load_active()?;
    let models = actix_web::rt::System::new().block_on(registry.list())?;
    println!("{:<2} {:<28} {:<20} {:>7} {:>7} {:<24}", "", "version", "kind", "NDCG@5", "AUC", "created");
    for m in models {
        let ndcg = m.metrics["candidate"]["overall"]["ndcg_at_5"].as_f64().map_or("-".into(), fmt);
        let auc = m.metrics["candidate"]["overall"]["auc"].as_f64().map_or("-".into(), fmt);
        println!("{:<2} {:<28} {:<20} {:>7} {:>7} {:<24}", if m.active { "*" } else { "" }, m.version, m.kind, ndcg, auc, m.created_at);
    }
    Ok(())
}

pub fn activate_model(database_url: &str, version: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let registry = ModelRegistry::new(db, Arc::new(ActiveScorer::baseline()));
    let info = actix_web::rt::System::new().block_on(registry.activate(version.to_owned()))?;
    println!("activated {} ({}); running services pick it up on their next refresh or restart", info.version, info.kind);
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

pub fn create_key(database_url: &str, role: crate::auth::Role, store: Option<&str>, name: &str, origins: &[String]) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let store = store.map(crate::fitting::StoreId::parse).transpose().map_err(anyhow::Error::msg)?;
    let (key, secret) = crate::auth::create_key(&db, name, role, store, origins)?;
    println!("created key {} ({}{}) \"{}\"", key.id, key.role.as_str(), key.store_id.map(|s| format!(", store {s}")).unwrap_or_default(), key.name);
    println!("the secret below is shown once; send it as Authorization: Bearer <secret>");
    println!("{secret}");
    Ok(())
}

pub fn list_keys(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    let keys = db.with_conn(crate::db::keys::list)?;
    println!("{:<16} {:<11} {:<8} {:<24} {:<25} {}", "id", "role", "store", "name", "created", "revoked");
    for k in keys {
        println!(
            "{:<16} {:<11} {:<8} {:<24} {:<25} {}",
            k.id,
            k.role,
            k.store_id.unwrap_or_else(|| "-".into()),
            k.name,
            k.created_at,
            k.revoked_at.unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}

pub fn revoke_key(database_url: &str, id: &str) -> anyhow::Result<()> {
    let db = open(database_url)?;
    if db.with_conn(|conn| crate::db::keys::revoke(conn, id, &crate::db::now_rfc3339()))? {
        println!("revoked {id}");
        Ok(())
    } else {
        anyhow::bail!("no active key with id '{id}'")
    }
}
