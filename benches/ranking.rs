//! Ranking cost: features for one pair, and ranking a whole catalogue with the rules and the
//! bundled model at 100, 1 000 and 10 000 shoes generated from the bundled catalogue's rows,
//! through the generic path and the scoring kernel.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use stridefit::features::{pair_features, RunnerSignals};
use stridefit::fitting::{examples, Fitting};
use stridefit::ranking::{rank, rank_for_runner, BaselineScorer, Filters, Policy, Scorer, ShoeTable};
use stridefit::referral;

mod support;
use support::catalogue_of;

fn benches(c: &mut Criterion) {
    let fitting: Fitting = serde_json::from_value(examples::shop_fitting()).expect("example");
    let small = catalogue_of(100);
    let runner = RunnerSignals::from_fitting(&fitting, &small);
    let shoe = small.shoes[0].clone();
    c.bench_function("features/one_pair", |b| b.iter(|| pair_features(black_box(&runner), black_box(&shoe))));
    c.bench_function("referral/assess", |b| b.iter(|| referral::assess(black_box(&fitting))));

    let baseline = BaselineScorer::new();
    let bundled = stridefit::model::registry::Bundled::parse(stridefit::model::BUNDLED_DEFAULT_MODEL).expect("bundled model");
    let trained = bundled.artifact.scorer().expect("model");
    let scorers: [(&str, &dyn Scorer); 2] = [("rank/baseline", &baseline), ("rank/trained", trained.as_ref())];
    for (name, scorer) in scorers {
        let mut group = c.benchmark_group(name);
        for n in [100, 1_000, 10_000] {
            // As the service ranks: shoe attributes and the shoe matrix computed once per
            // catalogue snapshot, then the fitter's pass (budget, one generation per line,
            // variety, filter counts) and the five shoes explained.
            let table = ShoeTable::new(std::sync::Arc::new(catalogue_of(n)));
            let policy = Policy::default();
            group.throughput(Throughput::Elements(n as u64));
            // The generic path: every pair's inputs built, every candidate sorted.
            group.bench_with_input(BenchmarkId::new("generic", n), &table, |b, t| {
                b.iter(|| {
                    rank_for_runner(scorer, &t.catalogue, &t.attributes, black_box(&runner), &Filters::default(), 5, &policy)
                })
            });
            // The scoring kernel, whole answer (what the service calls).
            group.bench_with_input(BenchmarkId::new("kernel", n), &table, |b, t| {
                b.iter(|| t.rank(scorer, black_box(&runner), &Filters::default(), 5, &policy))
            });
            // The kernel alone: every shoe's key and the shortlist the top 5 come from.
            group.bench_with_input(BenchmarkId::new("shortlist", n), &table, |b, t| {
                b.iter(|| t.shortlist(scorer, black_box(&runner), &Filters::default(), 5, &policy))
            });
        }
        group.finish();
    }

    let top = rank(trained.as_ref(), &small, &runner, &Filters::default(), 5);
    let response = serde_json::json!({
        "shoes": top.iter().map(|r| serde_json::json!({
            "shoe_id": r.shoe.id, "score": r.score, "reasons": r.explanation.reasons, "cautions": r.explanation.cautions
        })).collect::<Vec<_>>(),
        "referral": referral::assess(&fitting),
        "advice": referral::training_advice(&fitting, &referral::assess(&fitting)),
    });
    c.bench_function("json/serialise_recommendation_response", |b| b.iter(|| serde_json::to_vec(black_box(&response))));

    let body = serde_json::to_vec(&serde_json::json!({ "fitting": examples::shop_fitting(), "top_k": 5 })).expect("json");
    c.bench_function("json/parse_recommendation_request", |b| {
        b.iter(|| stridefit::api::extract::parse_json::<stridefit::api::recommendations::RecommendationRequest>(black_box(&body)))
    });
}

criterion_group!(ranking, benches);
criterion_main!(ranking);
