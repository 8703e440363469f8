//! Size advice on SYNTHETIC shops (see `simulate::SizingWorld`): how often the first size
//! advised for the model a runner bought is the size that runner keeps, advised from the
//! brand chart alone, with offsets learned from the shop's history (brand prior), and with
//! offsets learned with no brand prior, at 2 000 / 6 000 / 20 000 sessions of history.
//! Run: `cargo bench --bench sizing` (figures in benches/README.md).

use chrono::Duration;
use stridefit::catalogue::csv::{
    parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV,
};
use stridefit::catalogue::Catalogue;
use stridefit::simulate::{simulate, to_records, SimulationConfig, SizingWorld};
use stridefit::sizing::offsets::records_from_sales;
use stridefit::sizing::{advise, learn, ModelOffset, Prior, SizeCharts, SizeOffsets};

fn main() {
    let catalogue = Catalogue::new(
        parse_shoes(BUNDLED_SHOES_CSV).expect("shoes"),
        parse_insoles(BUNDLED_INSOLES_CSV).expect("insoles"),
    );
    let charts = SizeCharts::bundled();
    // Held-out runners from another seed: each measured runner with the model they bought.
    let test = simulate(
        &catalogue,
        &SimulationConfig {
            sales: 5_000,
            seed: 9_001,
            size_returns: true,
            ..Default::default()
        },
    );
    let test: Vec<_> = test
        .iter()
        .filter(|s| s.fitting.feet.is_some() && s.ideal_size_eu.is_some())
        .collect();
    let hit_rate = |offsets: &SizeOffsets| {
        let hits = test
            .iter()
            .filter(|s| {
                let shoe = catalogue
                    .shoe(&s.shoe_id)
                    .expect("sold shoe is in the catalogue");
                advise(&s.fitting, shoe, &catalogue, charts, offsets)
                    .is_some_and(|a| Some(a.first_size.eu) == s.ideal_size_eu)
            })
            .count();
        hits as f64 / test.len() as f64
    };
    let chart_alone = hit_rate(&SizeOffsets::default());
    // The simulated world's own offsets: what perfect learning would reach, given that feet
    // are measured to about 1 mm and sizes come in steps of 4-5 mm.
    let mut truth = SizeOffsets::default();
    for (id, fit) in SizingWorld::new(&catalogue, 0).offsets {
        truth.shoes.insert(
            id,
            ModelOffset {
                length_mm: fit.length_mm,
                width: 0.0,
                records: 1e6,
                brand_length_mm: 0.0,
                brand_records: 0.0,
            },
        );
    }
    println!(
        "held-out measured runners: {}; first size right with the true offsets: {:.1}%",
        test.len(),
        100.0 * hit_rate(&truth)
    );
    println!(
        "{:>9} | {:>11} | {:>15} | {:>22} | {:>13}",
        "sessions", "chart alone", "learned offsets", "learned, no brand prior", "size records"
    );
    for n in [2_000usize, 6_000, 20_000] {
        let config = SimulationConfig {
            sales: n,
            seed: 100 + n as u64,
            size_returns: true,
            ..Default::default()
        };
        let sales = simulate(&catalogue, &config);
        let records = records_from_sales(&to_records(&sales, config.end + Duration::days(60)));
        let with_brand = learn(&records, &catalogue, charts, Prior::Brand);
        let no_brand = learn(&records, &catalogue, charts, Prior::Zero);
        println!(
            "{n:>9} | {:>10.1}% | {:>14.1}% | {:>22.1}% | {:>13}",
            100.0 * chart_alone,
            100.0 * hit_rate(&with_brand),
            100.0 * hit_rate(&no_brand),
            records.len()
        );
    }
}
