//! Training and import cost on synthetic histories: training (pipeline, fit, evaluation) at
//! 10 000 and 100 000 outcome rows, and CSV import throughput into SQLite. The 1 000 000-row
//! end-to-end run is `cargo bench --bench pipeline` (one timed pass; see benches/README.md).

use std::sync::atomic::AtomicBool;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stridefit::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use stridefit::catalogue::Catalogue;
use stridefit::simulate::{simulate, to_records, write_csv, SimulationConfig};
use stridefit::training::{train, Silent};

fn catalogue() -> Catalogue {
    Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).expect("shoes"), parse_insoles(BUNDLED_INSOLES_CSV).expect("insoles"))
}

fn training(c: &mut Criterion) {
    let catalogue = catalogue();
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let sales = simulate(&catalogue, &SimulationConfig { sales: n, ..Default::default() });
        let records = to_records(&sales, Utc::now());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &records, |b, records| {
            b.iter(|| train(records, &catalogue, None, &Silent, &AtomicBool::new(false)).expect("trains"))
        });
    }
    group.finish();
}

fn import(c: &mut Criterion) {
    let catalogue = catalogue();
    let n = 10_000;
    let sales = simulate(&catalogue, &SimulationConfig { sales: n, ..Default::default() });
    let mut csv = Vec::new();
    write_csv(&sales, &mut csv).expect("csv");
    let mut group = c.benchmark_group("import_outcomes_csv");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("dir");
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                let settings = stridefit::Settings { database_url: url, db_pool_size: 1, ..Default::default() };
                (stridefit::startup::prepare_database(&settings).expect("db"), dir)
            },
            |(db, _dir)| stridefit::outcomes::import::import_outcomes(&db, &catalogue, &csv, &|_| {}).expect("imports"),
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, training, import);
criterion_main!(benches);
