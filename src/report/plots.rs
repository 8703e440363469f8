//! The report's figures, drawn with plotters' SVG backend into strings that the page inlines:
//! no files, no fonts (text stays SVG text), no scripts.

use plotters::prelude::*;

use crate::training::analysis::{Analysis, LearningPoint, PartialDependence, RankBucket};
use crate::training::evaluate::{Evaluation, Interval, Metrics};
use crate::training::metrics::CalibrationBin;

type Plot = anyhow::Result<String>;

const FONT: &str = "sans-serif";
pub const CANDIDATE: RGBColor = RGBColor(31, 100, 180);
pub const AGAINST: RGBColor = RGBColor(230, 120, 20);
pub const RULES: RGBColor = RGBColor(40, 150, 80);
pub const REFERENCE: RGBColor = RGBColor(130, 130, 130);

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("cannot draw a figure: {e}")
}

/// The series labels, drawn alike on every figure.
fn legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 12))
        .draw()
        .map_err(err)
}

/// A ranker as the figures show it: label, colour, evaluation.
pub struct Row<'a> {
    pub label: String,
    pub colour: RGBColor,
    pub evaluation: &'a Evaluation,
}

/// The primary metric's value and interval in one group of held-out sessions.
pub fn primary(m: &Metrics) -> (f64, Option<Interval>) {
    match m.tried_ndcg_at_5 {
        Some(v) if m.tried_sessions > 0 => (v, m.tried_ndcg_at_5_interval),
        _ => (m.ndcg_at_5, m.ndcg_at_5_interval),
    }
}

fn range_of(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = (hi - lo).max(0.02);
    ((lo - span * pad).max(0.0), (hi + span * pad).min(1.0).max(lo + 0.01))
}

/// Reliability diagram: observed good-fit rate against predicted probability, each bin
/// labelled with its count; the diagonal is perfect calibration.
pub fn calibration(rows: &[(String, RGBColor, &[CalibrationBin])]) -> Plot {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("predicted probability of a good fit")
            .y_desc("observed good-fit rate")
            .label_style((FONT, 12))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.35).stroke_width(1)))
            .map_err(err)?;
        for (label, colour, bins) in rows {
            let colour = *colour;
            chart
                .draw_series(LineSeries::new(bins.iter().map(|b| (b.predicted, b.observed)), colour.stroke_width(2)))
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
            chart
                .draw_series(bins.iter().map(|b| Circle::new((b.predicted, b.observed), 4, colour.filled())))
                .map_err(err)?;
            chart
                .draw_series(bins.iter().map(|b| {
                    Text::new(format!("n={}", b.count), (b.predicted, b.observed), (FONT, 10).into_font().color(&colour))
                }))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The primary metric by store, each ranker with its 95 % interval.
pub fn by_store(rows: &[Row], stores: &[String]) -> Plot {
    let mut svg = String::new();
    {
        let values = rows.iter().flat_map(|r| {
            stores.iter().filter_map(|s| r.evaluation.per_store.get(s)).flat_map(|m| {
                let (v, i) = primary(m);
                [v, i.map_or(v, |i| i.low), i.map_or(v, |i| i.high)]
            })
        });
        let (lo, hi) = range_of(values, 0.1);
        let width = (140 + 110 * stores.len().max(1) as u32).clamp(420, 900);
        let root = SVGBackend::with_string(&mut svg, (width, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = stores.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..n - 0.5, lo..hi)
            .map_err(err)?;
        let names = stores.to_vec();
        chart
            .configure_mesh()
            .x_labels(stores.len().max(1))
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 { names.get(k as usize).cloned().unwrap_or_default() } else { String::new() }
            })
            .disable_x_mesh()
            .x_desc("store")
            .y_desc("NDCG@5")
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        let k = rows.len().max(1) as f64;
        for (j, row) in rows.iter().enumerate() {
            let offset = (j as f64 - (k - 1.0) / 2.0) * 0.6 / k;
            let colour = row.colour;
            let points: Vec<(f64, f64, Option<Interval>)> = stores
                .iter()
                .enumerate()
                .filter_map(|(s, store)| row.evaluation.per_store.get(store).map(|m| (s as f64 + offset, primary(m))))
                .map(|(x, (v, i))| (x, v, i))
                .collect();
            chart
                .draw_series(points.iter().map(|(x, v, i)| {
                    let i = i.unwrap_or(Interval { low: *v, high: *v });
                    ErrorBar::new_vertical(*x, i.low, *v, i.high, colour.stroke_width(2), 8)
                }))
                .map_err(err)?
                .label(row.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
            chart.draw_series(points.iter().map(|(x, v, _)| Circle::new((*x, *v), 4, colour.filled()))).map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The recipe refitted on more and more history, with the rules on the same sessions.
pub fn learning_curve(points: &[LearningPoint], rules: f64) -> Plot {
    let mut svg = String::new();
    {
        let values = points.iter().flat_map(|p| [p.value, p.interval.map_or(p.value, |i| i.low), p.interval.map_or(p.value, |i| i.high)]);
        let (lo, hi) = range_of(values.chain([rules]), 0.1);
        let max_x = points.iter().map(|p| p.sessions).max().unwrap_or(1) as f64 * 1.08;
        let root = SVGBackend::with_string(&mut svg, (520, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..max_x, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("training sessions")
            .y_desc("held-out NDCG@5")
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(vec![(0.0, rules), (max_x, rules)], RULES.stroke_width(1)))
            .map_err(err)?
            .label("rules")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RULES.stroke_width(1)));
        chart
            .draw_series(LineSeries::new(points.iter().map(|p| (p.sessions as f64, p.value)), CANDIDATE.stroke_width(2)))
            .map_err(err)?
            .label("this model's recipe")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CANDIDATE.stroke_width(2)));
        chart
            .draw_series(points.iter().map(|p| {
                let i = p.interval.unwrap_or(Interval { low: p.value, high: p.value });
                ErrorBar::new_vertical(p.sessions as f64, i.low, p.value, i.high, CANDIDATE.stroke_width(1), 8)
            }))
            .map_err(err)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Share of held-out sales that were poor fits, by where the model ranked the shoe bought.
pub fn poor_fit_by_rank(buckets: &[RankBucket]) -> Plot {
    let mut svg = String::new();
    {
        let top = buckets.iter().map(|b| b.rate).fold(0.0, f64::max).max(0.05) * 1.25;
        let root = SVGBackend::with_string(&mut svg, (520, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = buckets.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top.min(1.0))
            .map_err(err)?;
        let names: Vec<String> = buckets.iter().map(|b| b.ranks.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(buckets.len().max(1))
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 { names.get(k as usize).cloned().unwrap_or_default() } else { String::new() }
            })
            .disable_x_mesh()
            .x_desc("rank the model gave the shoe bought")
            .y_desc("poor-fit rate")
            .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(buckets.iter().enumerate().map(|(k, b)| {
                Rectangle::new([(k as f64 - 0.35, 0.0), (k as f64 + 0.35, b.rate)], CANDIDATE.mix(0.75).filled())
            }))
            .map_err(err)?;
        chart
            .draw_series(buckets.iter().enumerate().map(|(k, b)| {
                Text::new(format!("{}/{}", b.poor_fits, b.sales), (k as f64 - 0.3, b.rate + top * 0.06), (FONT, 11))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Global importance: how far each input moves the log-odds, largest first.
pub fn importance(analysis: &Analysis, max: usize) -> Plot {
    let items: Vec<_> = analysis.importance.iter().take(max).collect();
    let mut svg = String::new();
    {
        let height = 60 + 26 * items.len().max(1) as u32;
        let top = items.iter().map(|i| i.mean_abs_log_odds).fold(0.0, f64::max).max(1e-3) * 1.1;
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = items.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..top, -0.5..n - 0.5)
            .map_err(err)?;
        // Largest at the top: item k sits at y = n - 1 - k.
        let names: Vec<String> = items.iter().rev().map(|i| i.input.replace('_', " ")).collect();
        chart
            .configure_mesh()
            .y_labels(items.len().max(1))
            .y_label_formatter(&|y| {
                let k = y.round();
                if (y - k).abs() < 1e-6 && k >= 0.0 { names.get(k as usize).cloned().unwrap_or_default() } else { String::new() }
            })
            .disable_y_mesh()
            .x_desc("mean |change in log-odds| across held-out pairs")
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(items.iter().enumerate().map(|(k, i)| {
                let colour = match i.kind.as_str() {
                    "hand_feature" => CANDIDATE,
                    "relation" => AGAINST,
                    _ => RULES,
                };
                let y = n - 1.0 - k as f64;
                Rectangle::new([(0.0, y - 0.35), (i.mean_abs_log_odds, y + 0.35)], colour.mix(0.8).filled())
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One partial-dependence panel: the mean predicted probability at each level of an input.
pub fn partial_dependence(pd: &PartialDependence) -> Plot {
    let mut svg = String::new();
    {
        let (lo, hi) = range_of(pd.points.iter().map(|p| p.probability), 0.2);
        let (x0, x1) = pd.points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.x), b.max(p.x)));
        let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
        let pad = (x1 - x0) * 0.08;
        let root = SVGBackend::with_string(&mut svg, (420, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .caption(pd.input.replace('_', " "), (FONT, 14))
            .x_label_area_size(if pd.numeric { 34 } else { 60 })
            .y_label_area_size(46)
            .build_cartesian_2d(x0 - pad..x1 + pad, lo..hi)
            .map_err(err)?;
        let labels: Vec<(f64, String)> = pd.points.iter().map(|p| (p.x, p.level.clone())).collect();
        let numeric = pd.numeric;
        chart
            .configure_mesh()
            .x_labels(if numeric { 6 } else { labels.len().max(1) })
            .x_label_formatter(&|x| {
                if numeric {
                    format!("{x:.1}")
                } else {
                    labels.iter().find(|(v, _)| (v - x).abs() < 1e-6).map(|(_, l)| l.clone()).unwrap_or_default()
                }
            })
            .y_desc("mean P(good fit)")
            .label_style((FONT, 11))
            .draw()
            .map_err(err)?;
        let points: Vec<(f64, f64)> = pd.points.iter().map(|p| (p.x, p.probability)).collect();
        if numeric {
            chart.draw_series(LineSeries::new(points.clone(), CANDIDATE.stroke_width(2))).map_err(err)?;
        }
        chart.draw_series(points.iter().map(|(x, y)| Circle::new((*x, *y), 3, CANDIDATE.filled()))).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
