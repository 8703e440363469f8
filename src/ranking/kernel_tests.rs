//! The scoring kernel gives the generic path's answers: every shoe's key, and whole
//! rankings (shoes, scores, explanations, filter counts, the better match elsewhere) for the
//! README's fittings and simulated runners, every scorer, with and without filters.

use std::sync::Arc;

use super::kernel::{rank_keys, term_sums, with_scratch, Request};
use super::*;
use crate::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use crate::catalogue::{Catalogue, ShoeStatus, Terrain, Width};
use crate::features::Feature;
use crate::fitting::{examples, Fitting};
use crate::model::registry::Bundled;

fn scorers() -> Vec<(&'static str, Box<dyn Scorer>)> {
    vec![
        ("baseline", Box::new(BaselineScorer::new())),
        ("bundled default", Bundled::parse(crate::model::BUNDLED_DEFAULT_MODEL).unwrap().artifact.scorer().unwrap()),
        (
            "logistic",
            Bundled::parse(include_str!("../../tests/golden/logistic_model_v1.json")).unwrap().artifact.scorer().unwrap(),
        ),
    ]
}

/// The bundled shoes, plus (when `copies` > 1) generated ones as the load test makes them:
/// new ids in the same lines with jittered prices and weights, some discontinued, some
/// without a price, some with another brand's spelling.
fn catalogue(copies: usize) -> Catalogue {
    let base = parse_shoes(BUNDLED_SHOES_CSV).unwrap();
    let mut shoes = base.clone();
    for c in 1..copies {
        for (i, s) in base.iter().enumerate() {
            let mut s = s.clone();
            s.id = format!("{}-g{c}", s.id);
            let jitter = ((i * 7 + c * 13) % 31) as f64 / 100.0 - 0.15;
            s.price_usd = s.price_usd.map(|p| (p * (1.0 + jitter) * 100.0).round() / 100.0);
            s.weight_g = s.weight_g.map(|w| (w * (1.0 + jitter / 3.0)).round());
            if (i + c) % 17 == 0 {
                s.status = Some(ShoeStatus::Discontinued);
            }
            if (i + c) % 23 == 0 {
                s.price_usd = None;
            }
            if (i + c) % 29 == 0 {
                s.brand = s.brand.to_uppercase();
            }
            if (i + c) % 19 == 0 {
                s.release_year = s.release_year.map(|y| y + 1);
            }
            shoes.push(s);
        }
    }
    Catalogue::new(shoes, parse_insoles(BUNDLED_INSOLES_CSV).unwrap())
}

fn fittings(catalogue: &Catalogue) -> Vec<Fitting> {
    let mut heavy = examples::shop_fitting();
    heavy["profile"]["body_mass_kg"] = serde_json::json!(96.0);
    heavy["profile"]["age_years"] = serde_json::json!(52);
    heavy["profile"]["sex"] = serde_json::json!("male");
    heavy["wear"].as_object_mut().unwrap().remove("worn_drop_mm");
    heavy["wear"]["worn_shoe_id"] = serde_json::json!("brooks-adrenaline-gts-24");
    let mut racer = examples::web_fitting();
    racer["profile"]["goal"] = serde_json::json!("racing");
    let mut out: Vec<Fitting> =
        [examples::shop_fitting(), examples::web_fitting(), heavy, racer].into_iter().map(|v| serde_json::from_value(v).unwrap()).collect();
    out.extend(crate::simulate::runners(catalogue, 60, 7));
    out
}

fn filter_sets(catalogue: &Catalogue) -> Vec<Filters> {
    let stock: std::collections::HashSet<String> = catalogue.shoes.iter().step_by(3).map(|s| s.id.clone()).collect();
    vec![
        Filters::default(),
        Filters { max_price_usd: Some(150.0), ..Filters::default() },
        Filters { width: Some(Width::Wide), terrain: Some(Terrain::Road), ..Filters::default() },
        Filters { only_ids: Some(stock.clone()), ..Filters::default() },
        Filters { only_ids: Some(stock), max_price_usd: Some(130.0), width: Some(Width::Narrow), terrain: Some(Terrain::Trail) },
        Filters { max_price_usd: Some(60.0), ..Filters::default() },
    ]
}

fn policies(catalogue: &Catalogue) -> Vec<Policy> {
    vec![
        Policy::default(),
        Policy::NONE,
        Policy { liked_line: Some(catalogue.shoes[5].line().to_owned()), ..Policy::default() },
        Policy { brand_repeat_penalty: 1.5, line_margin: 0.0, ..Policy::default() },
    ]
}

#[test]
fn every_shoe_key_from_the_kernel_matches_the_scorer_and_the_fitter() {
    let catalogue = Arc::new(catalogue(3));
    let table = ShoeTable::new(catalogue.clone());
    let matrix = table.matrix.as_ref().unwrap();
    for (name, scorer) in scorers() {
        for fitting in fittings(&catalogue).iter().take(20) {
            let runner = RunnerSignals::from_fitting(fitting, &catalogue);
            let prepared = scorer.prepare(&runner);
            let linear = scorer.linear(&prepared).unwrap();
            for policy in policies(&catalogue) {
                let request = Request::new(matrix, &catalogue, &runner, &policy);
                let mut keys = Vec::new();
                rank_keys(matrix, &request, &linear, &policy, &mut keys);
                for (i, shoe) in catalogue.shoes.iter().enumerate() {
                    let p = pair(&runner, shoe, &table.attributes[i]);
                    let expected = scorer.rank_key(&prepared, &p) + policy.adjustment(&runner, shoe);
                    assert!((keys[i] - expected).abs() < 1e-9, "{name}, {}: {} vs {expected}", shoe.id, keys[i]);
                }
            }
        }
    }
}

#[test]
fn filters_as_column_passes_reject_and_count_as_shoe_by_shoe() {
    let (mut subtracted, mut added) = (0, 0);
    for copies in [1, 10] {
        let catalogue = catalogue(copies);
        let m = kernel::ShoeMatrix::new(&catalogue).unwrap();
        for filters in filter_sets(&catalogue) {
            let stock: Vec<bool> =
                catalogue.shoes.iter().map(|s| filters.only_ids.as_ref().is_some_and(|ids| ids.contains(&s.id))).collect();
            let mut bits = Vec::new();
            m.rejections(&filters, &stock, &mut bits);
            let expected: Vec<u8> = catalogue.shoes.iter().map(|s| filters.rejections(s)).collect();
            assert_eq!(bits, expected);
            let current_only = filters.only_ids.is_none();
            let slots: Vec<u32> = (0..m.len())
                .map(|i| if bits[i] != 0 || (current_only && m.is_discontinued(i)) { m.no_line() } else { m.line_of(i) })
                .collect();
            let one_by_one = m.counted_one_by_one(&slots);
            // Both ways of counting must be reached: from the current shoes down, and up from none.
            if current_only && 2 * one_by_one.len() > m.current_counts().len() {
                subtracted += 1;
            } else {
                added += 1;
            }
            let mut counts = kernel::Counts::default();
            m.candidate_counts(&slots, current_only, &mut counts);
            assert_eq!(counts, one_by_one, "{copies} copies, {filters:?}");
            // The float sums to the bit (`==` would take -0.0 for 0.0).
            assert_eq!(format!("{:?}", counts), format!("{:?}", one_by_one));
        }
    }
    assert!(subtracted > 0 && added > 0, "{subtracted} counted down, {added} up");
}

/// Everything a response shows, in one comparable form.
fn shown(r: &Ranking) -> String {
    format!("{:?}", (&r.shoes, r.candidates, r.removed, &r.relaxations, &r.elsewhere, &r.shared_reasons))
}

#[test]
fn the_kernel_ranks_and_explains_exactly_as_the_generic_path() {
    for copies in [1, 10] {
        let catalogue = Arc::new(catalogue(copies));
        let table = ShoeTable::new(catalogue.clone());
        assert!(table.matrix.is_some());
        let filters = filter_sets(&catalogue);
        let policies = policies(&catalogue);
        for (name, scorer) in scorers() {
            for (f, fitting) in fittings(&catalogue).iter().enumerate() {
                let runner = RunnerSignals::from_fitting(fitting, &catalogue);
                for (k, filter) in filters.iter().enumerate() {
                    // Every combination for the README's fittings, a rotation for the simulated ones.
                    let policy = &policies[(f + k) % policies.len()];
                    for top_k in [1, 5, 12] {
                        let generic = rank_for_runner(scorer.as_ref(), &catalogue, &table.attributes, &runner, filter, top_k, policy);
                        let fast = table.rank(scorer.as_ref(), &runner, filter, top_k, policy);
                        assert_eq!(shown(&generic), shown(&fast), "{name}, {copies} copies, fitting {f}, filters {k}, top {top_k}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_scorer_without_a_linear_form_ranks_through_the_generic_path() {
    struct Opaque(BaselineScorer);
    impl Scorer for Opaque {
        fn version(&self) -> &str {
            "opaque"
        }
        fn score(&self, prepared: &Prepared, pair: &Pair) -> Scored {
            self.0.score(prepared, pair)
        }
    }
    let catalogue = Arc::new(catalogue(2));
    let table = ShoeTable::new(catalogue.clone());
    let runner = RunnerSignals::from_fitting(&fittings(&catalogue)[0], &catalogue);
    let opaque = table.rank(&Opaque(BaselineScorer::new()), &runner, &Filters::default(), 5, &Policy::default());
    let linear = table.rank(&BaselineScorer::new(), &runner, &Filters::default(), 5, &Policy::default());
    let ids = |r: &Ranking| r.shoes.iter().map(|s| s.shoe.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&opaque), ids(&linear));
}

#[test]
fn a_nested_ranking_gets_its_own_buffers() {
    let outer = with_scratch(|a| {
        a.keys.push(1.0);
        with_scratch(|b| b.keys.len())
    });
    assert_eq!(outer, 0);
}


#[test]
fn keys_go_on_the_grid_exactly_as_libm_rounds_them() {
    const GRID: f64 = 4_294_967_296.0;
    let libm = |k: f64| (k * GRID).round() / GRID;
    let mut values = vec![0.0, -0.0, 1e-12, -1e-12, 0.5 / GRID, -0.5 / GRID, 1.5 / GRID, -2.5 / GRID, 3.0, -7.25, 1e6, -1e6, 1e300];
    // Halves of the grid (ties) and their neighbours, and a spread of ordinary keys.
    for k in -40..40 {
        let tie = (k as f64 + 0.5) / GRID;
        values.extend([tie, f64::from_bits(tie.to_bits() + 1), f64::from_bits(tie.to_bits() - 1), k as f64 * 0.173_205_080_756_887_72]);
    }
    // Magnitudes where the shortcut stops rounding (2^51, 2^52 times the grid), halves included.
    for m in [2_251_799_813_685_248.0f64, 4_503_599_627_370_496.0] {
        for d in [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5] {
            values.extend([(m + d) / GRID, -(m + d) / GRID]);
        }
    }
    values.extend([f64::INFINITY, f64::NEG_INFINITY]);
    for v in values {
        assert_eq!(super::kernel::on_grid(v).to_bits(), libm(v).to_bits(), "{v:e}");
    }
}

#[test]
fn the_keys_pass_sums_the_candidates_terms_as_the_generic_path_adds_them() {
    let catalogue = Arc::new(catalogue(3));
    let table = ShoeTable::new(catalogue.clone());
    let matrix = table.matrix.as_ref().unwrap();
    let (_, scorer) = scorers().swap_remove(1);
    let policy = Policy::default();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let mut checked = [0; 3];
    for fitting in fittings(&catalogue) {
        let runner = RunnerSignals::from_fitting(&fitting, &catalogue);
        let linear = scorer.linear(&scorer.prepare(&runner)).unwrap();
        let request = Request::new(matrix, &catalogue, &runner, &policy);
        let sums = term_sums(matrix, &request, &linear, &policy);
        // Without filters the candidates are the shoes still made.
        let candidates: Vec<Pair> = catalogue
            .shoes
            .iter()
            .zip(&table.attributes)
            .filter(|(s, _)| s.status() != ShoeStatus::Discontinued)
            .map(|(s, a)| pair(&runner, s, a))
            .collect();
        let total = |term: &dyn Fn(&Pair) -> f64| candidates.iter().map(term).sum::<f64>();
        if runner.worn_drop_mm.is_some() {
            assert!(close(sums.excess, total(&|p| p.x.get(Feature::DropChangeExcessMm))), "{}", sums.excess);
            checked[0] += 1;
        }
        if runner.budget_usd.is_some() {
            assert!(close(sums.over, total(&|p| p.x.get(Feature::OverBudget))), "{}", sums.over);
            checked[1] += 1;
        }
        if runner.worn.is_some() {
            use crate::features::attributes::slots;
            assert_eq!(sums.same_line as f64, total(&|p| p.relations.0[slots::SAME_LINE]));
            assert_eq!(sums.same_shoe as f64, total(&|p| p.relations.0[slots::SAME_SHOE]));
            for (sum, slot) in sums.changes.iter().zip([slots::STACK_CHANGE, slots::WEIGHT_CHANGE, slots::PRICE_CHANGE]) {
                assert!(close(*sum, total(&|p| p.relations.0[slot])), "slot {slot}: {sum}");
            }
            checked[2] += 1;
        }
    }
    assert!(checked.iter().all(|&n| n > 0), "{checked:?}");
}
