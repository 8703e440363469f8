//! Model choice check: the logistic regression against a gradient-boosted tree ensemble
//! (forust-ml, an XGBoost-style GBDT in Rust) on the same features, the same time/session split
//! and the same held-out metrics, on a synthetic history. `cargo bench --bench compare_gbdt`.

use std::sync::atomic::AtomicBool;

use chrono::Utc;
use forust_ml::{GradientBooster, Matrix};
use stridefit::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use stridefit::catalogue::Catalogue;
use stridefit::features::{FeatureVector, FEATURE_COUNT};
use stridefit::ranking::{sigmoid, Scored, Scorer};
use stridefit::simulate::{simulate, to_records, Scenario, SimulationConfig};
use stridefit::training::{dataset, evaluate, train, Metrics, Silent, TEST_FRACTION, VALIDATION_FRACTION};

struct Gbdt(GradientBooster);

impl Scorer for Gbdt {
    fn version(&self) -> &str {
        "gbdt"
    }
    fn score(&self, features: &FeatureVector) -> Scored {
        let row = features.0.to_vec();
        let z = self.0.predict(&Matrix::new(&row, 1, FEATURE_COUNT), false)[0];
        Scored { score: sigmoid(z), contributions: [0.0; FEATURE_COUNT] }
    }
}

fn line(name: &str, m: &Metrics) {
    println!(
        "{name:<22} NDCG@5 {:.4}  MRR {:.4}  AUC {:.4}  log loss {:.4}  ECE {:.4}",
        m.ndcg_at_5,
        m.mrr,
        m.auc.unwrap_or(f64::NAN),
        m.log_loss,
        m.ece
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let catalogue =
        Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).expect("shoes"), parse_insoles(BUNDLED_INSOLES_CSV).expect("insoles"));
    for scenario in [Scenario::Evidence, Scenario::LowDrop] {
        let sales = simulate(&catalogue, &SimulationConfig { sales: 20_000, seed: 7, scenario, ..Default::default() });
        let records = to_records(&sales, Utc::now());
        let lr = train(&records, &catalogue, None, &Silent, &AtomicBool::new(false)).expect("logistic regression");

        let data = dataset::build(&records, &catalogue).expect("dataset");
        let split = dataset::split_by_time(&data, TEST_FRACTION, VALIDATION_FRACTION);
        let fit_rows: Vec<usize> = split.train.iter().chain(split.validation.iter()).copied().collect();
        // Column-major feature matrix.
        let mut columns = vec![0.0; fit_rows.len() * FEATURE_COUNT];
        for (r, &i) in fit_rows.iter().enumerate() {
            for j in 0..FEATURE_COUNT {
                columns[j * fit_rows.len() + r] = data.examples[i].x.0[j];
            }
        }
        let y: Vec<f64> = fit_rows.iter().map(|&i| data.examples[i].label as u8 as f64).collect();
        let mut booster = GradientBooster::default().set_iterations(200).set_learning_rate(0.1).set_max_depth(4);
        booster.fit(&Matrix::new(&columns, fit_rows.len(), FEATURE_COUNT), &y, &vec![1.0; y.len()], None).expect("gbdt");
        let gbdt = evaluate::evaluate(&Gbdt(booster), &data, &split.test, &catalogue);

        println!("\nscenario {scenario:?}: {} sales, {} held-out pairs", records.len(), split.test.len());
        line("logistic regression", &lr.comparison.candidate.overall);
        line("GBDT (200 x depth 4)", &gbdt.overall);
        line("baseline rules", &lr.comparison.baseline.overall);
    }
}
