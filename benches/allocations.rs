//! Heap allocations per ranking, counted by an instrumented global allocator: the generic
//! path against the scoring kernel, whole answer (five shoes explained) and the kernel's
//! keys and shortlist alone, at 1 000 and 10 000 shoes with the bundled model.
//! `cargo bench --bench allocations`.
//!
//! For instruction counts on a busy machine (valgrind's callgrind counts instructions, which
//! other processes do not disturb), `STRIDEFIT_CALLS=N STRIDEFIT_PATH=generic|kernel|shortlist
//! STRIDEFIT_SHOES=1000` runs one path N times and nothing else; the difference between N and
//! 0 calls, over N, is one call's count (see benches/README.md).

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use stridefit::features::RunnerSignals;
use stridefit::fitting::{examples, Fitting};
use stridefit::ranking::{rank_for_runner, Filters, Policy, ShoeTable};

mod support;
use support::catalogue_of;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations and bytes of one call, after a warm-up call (buffers reused per thread).
fn count<T>(mut f: impl FnMut() -> T) -> (usize, usize) {
    black_box(f());
    let region = Region::new(GLOBAL);
    black_box(f());
    let stats = region.change();
    (stats.allocations + stats.reallocations, stats.bytes_allocated)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let fitting: Fitting = serde_json::from_value(examples::shop_fitting()).expect("example");
    if let Ok(calls) = std::env::var("STRIDEFIT_CALLS") {
        return repeat(&fitting, calls.parse().expect("STRIDEFIT_CALLS: a number"));
    }
    let bundled = stridefit::model::registry::Bundled::parse(stridefit::model::BUNDLED_DEFAULT_MODEL).expect("bundled model");
    let scorer = bundled.artifact.scorer().expect("model");
    let scorer = scorer.as_ref();
    let policy = Policy::default();
    let filters = Filters::default();
    println!("{:<44} {:>12} {:>12}", "ranking (bundled model, top 5, shop fitting)", "allocations", "bytes");
    for n in [1_000, 10_000] {
        let table = ShoeTable::new(Arc::new(catalogue_of(n)));
        let runner = RunnerSignals::from_fitting(&fitting, &table.catalogue);
        let rows = [
            ("generic path, whole answer", count(|| rank_for_runner(scorer, &table.catalogue, &table.attributes, &runner, &filters, 5, &policy))),
            ("kernel, whole answer", count(|| table.rank(scorer, &runner, &filters, 5, &policy))),
            ("kernel, keys and shortlist only", count(|| table.shortlist(scorer, &runner, &filters, 5, &policy))),
        ];
        for (name, (allocations, bytes)) in rows {
            println!("{:<44} {allocations:>12} {bytes:>12}", format!("{n} shoes, {name}"));
        }
    }
}

/// One path, `calls` times (for instruction counting).
fn repeat(fitting: &Fitting, calls: usize) {
    let n: usize = std::env::var("STRIDEFIT_SHOES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let path = std::env::var("STRIDEFIT_PATH").unwrap_or_else(|_| "kernel".into());
    let bundled = stridefit::model::registry::Bundled::parse(stridefit::model::BUNDLED_DEFAULT_MODEL).expect("bundled model");
    let scorer = bundled.artifact.scorer().expect("model");
    let scorer = scorer.as_ref();
    let (policy, filters) = (Policy::default(), Filters::default());
    let table = ShoeTable::new(Arc::new(catalogue_of(n)));
    let runner = RunnerSignals::from_fitting(fitting, &table.catalogue);
    for _ in 0..calls {
        match path.as_str() {
            "generic" => drop(black_box(rank_for_runner(scorer, &table.catalogue, &table.attributes, &runner, &filters, 5, &policy))),
            "shortlist" => drop(black_box(table.shortlist(scorer, &runner, &filters, 5, &policy))),
            _ => drop(black_box(table.rank(scorer, &runner, &filters, 5, &policy))),
        }
    }
}
