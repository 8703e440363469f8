//! One timed end-to-end pass at scale: simulate N outcome rows (default 1 000 000), write
//! them as CSV, import into a fresh SQLite database, load them back, train and evaluate.
//! `cargo bench --bench pipeline` (set STRIDEFIT_BENCH_ROWS to change N). Prints each step.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use stridefit::catalogue::CatalogueService;
use stridefit::simulate::{simulate, write_csv, SimulationConfig};
use stridefit::training::{load_records, train, Silent};

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run only when benching.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rows: usize = std::env::var("STRIDEFIT_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pipeline.db").display());
    let settings = stridefit::Settings { database_url: url, db_pool_size: 2, ..Default::default() };
    let db = stridefit::startup::prepare_database(&settings).expect("database");
    let catalogue = CatalogueService::load(db.clone()).expect("catalogue").snapshot();

    let t = Instant::now();
    let sales = simulate(&catalogue, &SimulationConfig { sales: rows, ..Default::default() });
    let mut csv = Vec::new();
    write_csv(&sales, &mut csv).expect("csv");
    drop(sales);
    println!("simulate + write CSV: {rows} rows, {:.1} MB in {:.1} s (not part of the target)", csv.len() as f64 / 1e6, t.elapsed().as_secs_f64());

    let start = Instant::now();
    let report = stridefit::outcomes::import::import_outcomes(&db, &catalogue, &csv, &|_, _| {}).expect("import");
    let import_s = start.elapsed().as_secs_f64();
    println!("import:   {} rows in {import_s:.1} s ({:.0} rows/s)", report.inserted, report.inserted as f64 / import_s);
    drop(csv);

    let t = Instant::now();
    let records = load_records(&db).expect("load");
    let load_s = t.elapsed().as_secs_f64();
    println!("load:     {} labelled-or-not sales in {load_s:.1} s", records.len());

    let t = Instant::now();
    let result = train(&records, &catalogue, None, &Silent, &AtomicBool::new(false)).expect("train");
    let train_s = t.elapsed().as_secs_f64();
    println!(
        "train + evaluate: {} pairs in {train_s:.1} s (candidate NDCG@5 {:.3}, baseline {:.3})",
        result.summary.labelled_pairs, result.comparison.candidate.overall.ndcg_at_5, result.comparison.baseline.overall.ndcg_at_5
    );
    let total = start.elapsed().as_secs_f64();
    println!("TOTAL import + load + train + evaluate: {total:.1} s (target < 60 s)");
}
