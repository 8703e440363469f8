//! One timed end-to-end pass at scale: simulate N outcome rows (default 1 000 000), write
//! them as a CSV file, import it into a fresh database the way `stridefit import outcomes`
//! does (streamed from the file), load the sales back as the training dataset (streamed),
//! train and evaluate.
//!
//! `cargo bench --bench pipeline` (SQLite in a temp dir). Set STRIDEFIT_BENCH_ROWS to change
//! N and STRIDEFIT_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test to run on a scratch
//! PostgreSQL database (created and dropped by the bench). Each step runs in a process of
//! its own, so each step's peak resident memory (VmHWM) is its own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use stridefit::catalogue::CatalogueService;
use stridefit::simulate::{simulate, write_csv, SimulationConfig};
use stridefit::training::{load_dataset, train_on, Silent};

const STEP: &str = "STRIDEFIT_PIPELINE_STEP";

/// The allocator the shipped binary runs on (src/main.rs), so each step measures what
/// `stridefit import outcomes` and `stridefit train` do: on glibc's malloc the import spent
/// about a fifth of its CPU time allocating and freeing (benches/README.md, "Training and import").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn open(url: &str) -> stridefit::db::Database {
    let settings = stridefit::Settings { database_url: url.to_owned(), db_pool_size: 2, ..Default::default() };
    stridefit::startup::prepare_database(&settings).expect("database")
}

/// A digest of what the trained model computes (every weight, mean and scale to the bit; not
/// its version or time), so two builds can be shown to train the same model.
fn model_digest(artifact: &stridefit::model::Artifact) -> String {
    use sha2::{Digest, Sha256};
    use stridefit::model::Artifact;
    let mut h = Sha256::new();
    let mut add = |values: &[f64]| values.iter().for_each(|v| h.update(v.to_bits().to_le_bytes()));
    match artifact {
        Artifact::Logistic(a) => {
            add(&a.means);
            add(&a.scales);
            add(&a.weights);
            add(&[a.intercept, a.alpha]);
        }
        Artifact::Interaction(a) => {
            add(&a.means);
            add(&a.scales);
            add(&a.linear_weights);
            add(&a.interactions);
            add(&[a.intercept, a.hyper_parameters.alpha, a.hyper_parameters.passes]);
        }
    }
    format!("{:x}", h.finalize())[..16].to_owned()
}

/// One step, in this (child) process; prints `measure <name> <seconds> <peak MB>` lines.
fn run_step(step: &str, url: &str, csv: &Path) {
    let db = open(url);
    let catalogue = CatalogueService::load(db.clone()).expect("catalogue").snapshot();
    match step {
        "simulate" => {
            let rows: usize = std::env::var("STRIDEFIT_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
            let t = Instant::now();
            let sales = simulate(&catalogue, &SimulationConfig { sales: rows, ..Default::default() });
            let mut out = std::io::BufWriter::new(std::fs::File::create(csv).expect("csv file"));
            write_csv(&sales, &mut out).expect("csv");
            drop(out);
            let size = std::fs::metadata(csv).map_or(0, |m| m.len());
            println!("simulate + write CSV: {rows} rows, {:.1} MB in {:.1} s (not part of the target)", size as f64 / 1e6, t.elapsed().as_secs_f64());
        }
        "import" => {
            let t = Instant::now();
            let report = stridefit::outcomes::import::import_outcomes_file(&db, &catalogue, csv, &|_| {}).expect("import");
            let s = t.elapsed().as_secs_f64();
            println!("import:   {} rows in {s:.1} s ({:.0} rows/s), {} fittings, peak {:.0} MB", report.inserted, report.inserted as f64 / s, report.fittings_created, peak_mb());
            println!("measure import {s} {}", peak_mb());
        }
        "train" => {
            let t = Instant::now();
            // Streamed into the training dataset (examples with their features): no sale
            // record or fitting document is held beyond its row.
            let data = load_dataset(&db, &catalogue).expect("load");
            let load_s = t.elapsed().as_secs_f64();
            println!("load:     {} sales ({} examples) in {load_s:.1} s, peak {:.0} MB", data.sales, data.examples.len(), peak_mb());
            println!("measure load {load_s} {}", peak_mb());
            let t = Instant::now();
            let result = train_on(&data, &catalogue, None, &Silent, &AtomicBool::new(false)).expect("train");
            let train_s = t.elapsed().as_secs_f64();
            println!(
                "train + evaluate: {} labelled sales in {train_s:.1} s (candidate {} NDCG@5 {:.4}, baseline {:.4}), peak {:.0} MB",
                result.summary.labelled_pairs,
                result.summary.family,
                result.comparison.candidate.overall.ndcg_at_5,
                result.comparison.baseline.overall.ndcg_at_5,
                peak_mb()
            );
            let tried = |m: &stridefit::training::Metrics| m.tried_ndcg_at_5.map_or("-".into(), |v| format!("{v:.4}"));
            println!(
                "held-out tried-on NDCG@5: candidate {}, baseline {}; chosen {}",
                tried(&result.comparison.candidate.overall),
                tried(&result.comparison.baseline.overall),
                serde_json::to_string(&result.summary.families.iter().find(|f| f.family == result.summary.family).map(|f| &f.hyper_parameters)).unwrap_or_default()
            );
            println!("model digest {} (the same digest = the same model, weight for weight)", model_digest(&result.artifact));
            println!("measure train {train_s} {}", peak_mb());
        }
        other => panic!("unknown step {other}"),
    }
}

/// A fresh database: a SQLite file in `dir`, or a scratch PostgreSQL database (its admin URL
/// and name, for dropping it afterwards).
fn fresh_database(dir: &Path) -> (String, Option<(String, String)>) {
    match std::env::var("STRIDEFIT_BENCH_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
        Some(admin_url) => {
            use diesel::{Connection, RunQueryDsl};
            let name = format!("stridefit_pipeline_{}", std::process::id());
            let mut admin = diesel::PgConnection::establish(&admin_url).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), Some((admin_url, name)))
        }
        None => (format!("sqlite://{}", dir.join("pipeline.db").display()), None),
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run only when benching.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Ok(step) = std::env::var(STEP) {
        // RUST_LOG=info shows each phase of training with its time.
        let _ = env_logger::try_init();
        let url = std::env::var("STRIDEFIT_PIPELINE_URL").expect("url");
        let csv = PathBuf::from(std::env::var("STRIDEFIT_PIPELINE_CSV").expect("csv"));
        run_step(&step, &url, &csv);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, scratch) = fresh_database(dir.path());
    let csv = dir.path().join("outcomes.csv");
    let exe = std::env::current_exe().expect("bench binary");
    let mut measured = std::collections::HashMap::new();
    for step in ["simulate", "import", "train"] {
        let out = Command::new(&exe)
            .arg("--bench")
            .env(STEP, step)
            .env("STRIDEFIT_PIPELINE_URL", &url)
            .env("STRIDEFIT_PIPELINE_CSV", &csv)
            .output()
            .expect("step runs");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            match line.strip_prefix("measure ") {
                Some(m) => {
                    let parts: Vec<&str> = m.split_whitespace().collect();
                    let value = |i: usize| parts.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
                    measured.insert(parts[0].to_owned(), (value(1), value(2)));
                }
                None => println!("{line}"),
            }
        }
        assert!(out.status.success(), "step {step} failed");
    }
    let get = |k: &str| measured.get(k).copied().unwrap_or((f64::NAN, f64::NAN));
    let (import, load, fit) = (get("import"), get("load"), get("train"));
    let total = import.0 + load.0 + fit.0;
    let backend = if scratch.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{backend}: import {:.1} s (peak {:.0} MB), load {:.1} s, train + evaluate {:.1} s (load + train peak {:.0} MB)", import.0, import.1, load.0, fit.0, fit.1);
    println!("TOTAL import + load + train + evaluate: {total:.1} s (target <= 60 s: {})", if total <= 60.0 { "met" } else { "missed" });
    if let Some((admin_url, name)) = scratch {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut admin) = diesel::PgConnection::establish(&admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}
