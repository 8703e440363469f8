//! Learning curve against the truth: a simulated shop whose runners have preferences no
//! hand-written feature names (`Scenario::ShopPreferences`), histories of 2 000, 6 000 and
//! 20 000 fitting sessions with try-ons, and NDCG@5 over the whole catalogue measured
//! against the simulator's true utilities for 1 000 fresh runners — for the rules, the
//! logistic model, the interaction ranker, and (through `benches/learning_curve.sh`) a
//! LightGBM lambdarank reference trained on the same sessions and the same inputs.
//!
//! Gain of a shoe for a runner: how far its true utility (log-odds of a good fit) lies above
//! the runner's 20th-best shoe, zero below; NDCG@5 compares a ranker's top five with the ideal.
//!
//!     cargo bench --bench learning_curve -- OUT_DIR [SIZES…]
//!
//! writes `OUT_DIR/train_N.csv` (training sessions: session, split, grade, label, inputs),
//! `OUT_DIR/eval.csv` (fresh runners × catalogue: runner, shoe, gain, inputs) and
//! `OUT_DIR/rust.json` (the figures), and prints a table.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use stridefit::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use stridefit::catalogue::Catalogue;
use stridefit::features::{attributes, pair, Feature, Pair, RunnerSignals, ShoeAttributes};
use stridefit::fitting::Fitting;
use stridefit::model::{InteractionModel, TrainedModel};
use stridefit::ranking::{BaselineScorer, Scorer};
use stridefit::simulate::{runners, simulate, to_records, true_utility, Scenario, SimulationConfig};
use stridefit::training::metrics::ndcg_graded_at_k;
use stridefit::training::{dataset, fit, interaction};

const EVAL_RUNNERS: usize = 1000;
const GAIN_FLOOR_RANK: usize = 20;

fn catalogue() -> Catalogue {
    Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).expect("shoes"), parse_insoles(BUNDLED_INSOLES_CSV).expect("insoles"))
}

fn header() -> String {
    Feature::ALL
        .iter()
        .map(|f| f.name().to_owned())
        .chain(attributes::relation_names())
        .chain(attributes::runner_attribute_names().into_iter().map(|n| format!("runner.{n}")))
        .chain(attributes::shoe_attribute_names().into_iter().map(|n| format!("shoe.{n}")))
        .collect::<Vec<_>>()
        .join(",")
}

/// One pair's inputs, flat, in `header` order: what the reference learner sees.
fn flat(p: &Pair, runner: &RunnerSignals) -> String {
    p.x.0
        .iter()
        .chain(p.relations.0.iter())
        .chain(runner.attributes.0.iter())
        .chain(p.shoe.0.iter())
        .map(|v| format!("{v}"))
        .collect::<Vec<_>>()
        .join(",")
}

struct EvalRunner {
    signals: RunnerSignals,
    gains: Vec<f64>,
}

fn eval_runners(catalogue: &Catalogue, shoe_attrs: &[ShoeAttributes], out: &Path) -> Vec<EvalRunner> {
    let fittings: Vec<Fitting> = runners(catalogue, EVAL_RUNNERS, 999);
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("eval.csv")).expect("eval.csv"));
    writeln!(file, "runner,shoe,gain,{}", header()).expect("write");
    fittings
        .iter()
        .enumerate()
        .map(|(r, f)| {
            let signals = RunnerSignals::from_fitting(f, catalogue);
            let utilities: Vec<f64> =
                catalogue.shoes.iter().map(|s| true_utility(&signals, f, s, Scenario::ShopPreferences)).collect();
            let mut sorted = utilities.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let floor = sorted[GAIN_FLOOR_RANK.min(sorted.len()) - 1];
            let gains: Vec<f64> = utilities.iter().map(|u| (u - floor).max(0.0)).collect();
            for (i, s) in catalogue.shoes.iter().enumerate() {
                let p = pair(&signals, s, &shoe_attrs[i]);
                writeln!(file, "{r},{i},{},{}", gains[i], flat(&p, &signals)).expect("write");
            }
            EvalRunner { signals, gains }
        })
        .collect()
}

/// Mean NDCG@5 over the fresh runners of a scorer's catalogue ranking, against true gains.
fn true_ndcg(scorer: &dyn Scorer, catalogue: &Catalogue, shoe_attrs: &[ShoeAttributes], runners: &[EvalRunner]) -> f64 {
    let total: f64 = runners
        .iter()
        .map(|r| {
            let prepared = scorer.prepare(&r.signals);
            let keys: Vec<f64> = catalogue
                .shoes
                .iter()
                .zip(shoe_attrs)
                .map(|(s, a)| scorer.rank_key(&prepared, &pair(&r.signals, s, a)))
                .collect();
            ndcg_graded_at_k(&keys, &r.gains, 5)
        })
        .sum();
    total / runners.len() as f64
}

fn write_training_file(path: &Path, data: &dataset::Dataset, split: &dataset::Split) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("train csv"));
    writeln!(file, "session,split,grade,label,{}", header()).expect("write");
    for (side, idx) in [("train", &split.train), ("valid", &split.validation)] {
        let mut idx = idx.clone();
        idx.sort_by_key(|&i| data.examples[i].session);
        for i in idx {
            let e = &data.examples[i];
            let runner = &data.runner(e.session);
            let label = e.label.filter(|_| e.sold).map_or(String::new(), |l| (l as u8).to_string());
            writeln!(file, "{},{side},{},{label},{}", e.session, e.grade(), flat(&e.pair(data), runner)).expect("write");
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/learning-curve".into()));
    let sizes: Vec<usize> = {
        let given: Vec<usize> = args.filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() { vec![2_000, 6_000, 20_000] } else { given }
    };
    std::fs::create_dir_all(&out).expect("output directory");
    let catalogue = catalogue();
    let shoe_attrs: Vec<ShoeAttributes> = catalogue.shoes.iter().map(attributes::shoe_attributes).collect();
    let eval = eval_runners(&catalogue, &shoe_attrs, &out);
    let rules = true_ndcg(&BaselineScorer::new(), &catalogue, &shoe_attrs, &eval);

    println!("{:>8} {:>8} {:>10} {:>12} {:>10}", "sessions", "rules", "logistic", "interaction", "fit (s)");
    let mut rows = Vec::new();
    for &n in &sizes {
        let sales = simulate(
            &catalogue,
            &SimulationConfig { sales: n, seed: 100 + n as u64, scenario: Scenario::ShopPreferences, ..Default::default() },
        );
        let records = to_records(&sales, Utc::now());
        let data = dataset::build(&records, &catalogue);
        // No test split: the fresh runners are the test. Validation picks hyper-parameters.
        let split = dataset::split_by_time(&data, 0.0, 0.2);
        write_training_file(&out.join(format!("train_{n}.csv")), &data, &split);
        let (train, valid) = (data.labelled_sales_in(&split.train), data.labelled_sales_in(&split.validation));
        let (lr, _) = fit::fit(&train, &valid, "lc-lr", &mut |_, _| {}).expect("logistic");
        let lr = TrainedModel::from_artifact(lr).expect("logistic model");
        let started = std::time::Instant::now();
        let (ir, search, _) = interaction::fit(&data, &split.train, &split.validation, "lc-ir", &mut |_, _| {}).expect("ranker");
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("{n} sessions: {}", serde_json::to_string(&search).unwrap_or_default());
        let ir = InteractionModel::from_artifact(ir).expect("ranker model");
        let (l, i) = (true_ndcg(&lr, &catalogue, &shoe_attrs, &eval), true_ndcg(&ir, &catalogue, &shoe_attrs, &eval));
        println!("{n:>8} {rules:>8.3} {l:>10.3} {i:>12.3} {seconds:>10.1}");
        rows.push(serde_json::json!({"sessions": n, "rules": rules, "logistic": l, "interaction": i, "fit_seconds": seconds}));
    }
    std::fs::write(out.join("rust.json"), serde_json::to_string_pretty(&rows).expect("json")).expect("rust.json");
}
