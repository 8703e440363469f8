//! Brand size charts: each brand's published table of foot length against its US, UK and EU
//! labels (data/size_charts.csv, sources in data/SOURCES.md). Every conversion goes through
//! foot length, because brands disagree on how the systems line up: Adidas' UK is US − ½,
//! Nike's EU 40 is 250 mm in its men's chart and 255 mm in its women's.

use crate::text::Whole;
use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const BUNDLED: &str = include_str!("../../data/size_charts.csv");

/// A size system a runner or a shop speaks in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizeSystem {
    #[default]
    Eu,
    Uk,
    UsMen,
    UsWomen,
    /// Foot length in mm (ISO 9407), what a scanner reports.
    Mondopoint,
}

impl SizeSystem {
    pub fn label(self, size: f64) -> String {
        match self {
            SizeSystem::Eu => format!("EU {}", EuText(size)),
            SizeSystem::Uk => format!("UK {}", HalfText(size)),
            SizeSystem::UsMen => format!("US men's {}", HalfText(size)),
            SizeSystem::UsWomen => format!("US women's {}", HalfText(size)),
            SizeSystem::Mondopoint => format!("{} mm", Whole(size)),
        }
    }
}

/// `f` of `text.to_lowercase()`, without allocating for a short ASCII text (a brand name),
/// whose lowercase is its ASCII lowercase.
pub(crate) fn with_lowercase<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    match buf.get_mut(..text.len()) {
        Some(out) if text.is_ascii() => {
            for (o, b) in out.iter_mut().zip(text.bytes()) {
                *o = b.to_ascii_lowercase();
            }
            match std::str::from_utf8(out) {
                Ok(lower) => f(lower),
                Err(_) => f(&text.to_lowercase()),
            }
        }
        _ => f(&text.to_lowercase()),
    }
}

/// EU sizes come in halves (42.5) and, at some brands, thirds (42⅔, stored as 42.67).
pub fn eu_text(size: f64) -> String {
    EuText(size).to_string()
}

/// `eu_text` written into the label that says it, without a string of its own.
struct EuText(f64);

impl std::fmt::Display for EuText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.0;
        let sixths = eu_sixths(size);
        let (whole, rest) = (sixths.div_euclid(6), sixths.rem_euclid(6));
        match rest {
            0 => write!(f, "{whole}"),
            2 => write!(f, "{whole}⅓"),
            3 => write!(f, "{whole}.5"),
            4 => write!(f, "{whole}⅔"),
            _ => write!(f, "{size:.2}"),
        }
    }
}

/// A UK or US size: whole, or to one decimal.
struct HalfText(f64);

impl std::fmt::Display for HalfText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.0;
        if (size - size.round()).abs() < 0.01 {
            write!(f, "{}", Whole(size))
        } else {
            write!(f, "{size:.1}")
        }
    }
}

/// An EU size as a whole number of sixths, so 42.5 and 42⅔ (42.67 or 42.666…) compare exactly.
pub fn eu_sixths(size: f64) -> i32 {
    (size * 6.0).round() as i32
}

/// An EU size rounded to two decimals, the form it is stored and shown in.
pub fn eu_canonical(size: f64) -> f64 {
    (f64::from(eu_sixths(size)) / 6.0 * 100.0).round() / 100.0
}

/// Men's or women's table of a brand's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Men,
    Women,
}

/// One published row: a foot length and the brand's labels for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartRow {
    pub us: f64,
    pub uk: f64,
    pub eu: f64,
    pub foot_mm: f64,
}

impl ChartRow {
    fn value(&self, system: SizeSystem) -> f64 {
        match system {
            SizeSystem::Eu => self.eu,
            SizeSystem::Uk => self.uk,
            SizeSystem::UsMen | SizeSystem::UsWomen => self.us,
            SizeSystem::Mondopoint => self.foot_mm,
        }
    }
}

/// A brand's chart: its men's and women's tables, each sorted by foot length.
#[derive(Debug, Clone, Default)]
pub struct BrandChart {
    pub brand: String,
    pub men: Vec<ChartRow>,
    pub women: Vec<ChartRow>,
    /// Each row of `men` and of `women` with every system's label (`row_labels`), worked out
    /// once when the charts are read: size advice reads them for every shoe it sizes.
    labels: [Vec<SizeLabels>; 2],
}

impl BrandChart {
    /// Row `i` of `kind`'s table with its labels in every system, read in that table (a
    /// women's row's foot length and UK and US sizes from the women's table).
    pub fn row_labels(&self, kind: ChartKind, i: usize) -> Option<SizeLabels> {
        if let Some(l) = self.labels[kind as usize].get(i) {
            return Some(l.clone());
        }
        self.table(kind).get(i).map(|row| self.labels_of(kind, row.eu))
    }

    fn labels_of(&self, kind: ChartKind, eu: f64) -> SizeLabels {
        let mut l = SizeLabels::of_eu(Some(self), eu);
        if kind == ChartKind::Women {
            // A women's row: its foot length comes from the women's table.
            if let Some(mm) = self.foot_length_mm(SizeSystem::Eu, eu, ChartKind::Women) {
                l.foot_length_mm = Some((mm * 10.0).round() / 10.0);
                l.uk = self.size_for(SizeSystem::Uk, ChartKind::Women, mm);
                l.us_men = self.size_for(SizeSystem::UsMen, ChartKind::Men, mm);
                l.us_women = self.size_for(SizeSystem::UsWomen, ChartKind::Women, mm);
            }
        }
        l.eu = eu_canonical(eu);
        l
    }

    pub fn table(&self, kind: ChartKind) -> &[ChartRow] {
        match kind {
            ChartKind::Men => &self.men,
            ChartKind::Women => &self.women,
        }
    }

    /// The table a system's labels are read from: US men's and women's have their own;
    /// EU and UK labels are read from `kind`'s table, or the other one when `kind`'s does
    /// not reach the size.
    fn tables_for(&self, system: SizeSystem, kind: ChartKind) -> [&[ChartRow]; 2] {
        let other = match kind {
            ChartKind::Men => ChartKind::Women,
            ChartKind::Women => ChartKind::Men,
        };
        match system {
            SizeSystem::UsMen => [&self.men, &[]],
            SizeSystem::UsWomen => [&self.women, &[]],
            _ => [self.table(kind), self.table(other)],
        }
    }

    /// The foot length the brand's chart gives for a labelled size, interpolated between
    /// rows; `None` outside the chart or for a label it does not use.
    pub fn foot_length_mm(&self, system: SizeSystem, size: f64, kind: ChartKind) -> Option<f64> {
        if system == SizeSystem::Mondopoint {
            return Some(size);
        }
        self.tables_for(system, kind)
            .into_iter()
            .find_map(|rows| interpolate(rows, system, size))
    }

    /// The row whose foot length is nearest `foot_mm` in `kind`'s table (ties go to the
    /// larger size: a runner between sizes wants the room).
    pub fn nearest_row(&self, kind: ChartKind, foot_mm: f64) -> Option<(usize, &ChartRow)> {
        let rows = self.table(kind);
        rows.iter().enumerate().min_by(|(_, a), (_, b)| {
            let (da, db) = ((a.foot_mm - foot_mm).abs(), (b.foot_mm - foot_mm).abs());
            if (da - db).abs() < 1e-9 {
                b.foot_mm.total_cmp(&a.foot_mm)
            } else {
                da.total_cmp(&db)
            }
        })
    }

    /// A size in `system` for a foot length, as the brand labels it: the nearest row.
    pub fn size_for(&self, system: SizeSystem, kind: ChartKind, foot_mm: f64) -> Option<f64> {
        match system {
            SizeSystem::Mondopoint => Some((foot_mm / 5.0).round() * 5.0),
            SizeSystem::UsMen => self.nearest_row(ChartKind::Men, foot_mm).map(|(_, r)| r.us),
            SizeSystem::UsWomen => self
                .nearest_row(ChartKind::Women, foot_mm)
                .map(|(_, r)| r.us),
            _ => self
                .nearest_row(kind, foot_mm)
                .map(|(_, r)| r.value(system)),
        }
    }

    /// Mean foot length between neighbouring rows of a table (about 4–5 mm per half size).
    pub fn step_mm(&self, kind: ChartKind) -> f64 {
        let rows = self.table(kind);
        match (rows.first(), rows.last()) {
            (Some(a), Some(b)) if rows.len() > 1 => {
                (b.foot_mm - a.foot_mm) / (rows.len() - 1) as f64
            }
            _ => 5.0,
        }
    }
}

/// Piecewise-linear foot length for a label; labels rise with length in every table.
fn interpolate(rows: &[ChartRow], system: SizeSystem, size: f64) -> Option<f64> {
    let exact = rows.iter().find(|r| (r.value(system) - size).abs() < 0.02);
    if let Some(r) = exact {
        return Some(r.foot_mm);
    }
    rows.windows(2).find_map(|w| {
        let (a, b) = (w[0].value(system), w[1].value(system));
        (a < size && size < b)
            .then(|| w[0].foot_mm + (w[1].foot_mm - w[0].foot_mm) * (size - a) / (b - a))
    })
}

/// Every brand's chart, by brand name (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct SizeCharts {
    brands: HashMap<String, BrandChart>,
}

/// A chart file row that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("size chart line {line}: {reason}")]
pub struct ChartError {
    pub line: usize,
    pub reason: String,
}

impl SizeCharts {
    /// The charts shipped in data/size_charts.csv (checked by a test, so a bad edit fails CI
    /// rather than serving without charts).
    pub fn bundled() -> &'static SizeCharts {
        static CHARTS: OnceLock<SizeCharts> = OnceLock::new();
        CHARTS.get_or_init(|| {
            SizeCharts::parse(BUNDLED).unwrap_or_else(|e| {
                log::error!("bundled size charts unreadable, size advice disabled: {e}");
                SizeCharts::default()
            })
        })
    }

    /// Reads `brand,chart,us,uk,eu,foot_length_mm` rows.
    pub fn parse(text: &str) -> Result<SizeCharts, ChartError> {
        let mut brands: HashMap<String, BrandChart> = HashMap::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let err = |reason: String| ChartError {
                line: n + 1,
                reason,
            };
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let [brand, kind, us, uk, eu, mm] = cells[..] else {
                return Err(err(format!("expected 6 columns, found {}", cells.len())));
            };
            let num = |s: &str| {
                s.parse::<f64>()
                    .map_err(|_| err(format!("'{s}' is not a number")))
            };
            let row = ChartRow {
                us: num(us)?,
                uk: num(uk)?,
                eu: num(eu)?,
                foot_mm: num(mm)?,
            };
            let chart = brands
                .entry(brand.to_lowercase())
                .or_insert_with(|| BrandChart {
                    brand: brand.to_owned(),
                    ..BrandChart::default()
                });
            match kind {
                "men" => chart.men.push(row),
                "women" => chart.women.push(row),
                other => return Err(err(format!("chart '{other}' is not men or women"))),
            }
        }
        for chart in brands.values_mut() {
            for rows in [&mut chart.men, &mut chart.women] {
                rows.sort_by(|a, b| a.foot_mm.total_cmp(&b.foot_mm));
                let rising = rows
                    .windows(2)
                    .all(|w| w[0].us < w[1].us && w[0].uk <= w[1].uk && w[0].eu < w[1].eu);
                if !rising {
                    return Err(ChartError {
                        line: 0,
                        reason: format!("{}: labels must rise with foot length", chart.brand),
                    });
                }
            }
            let labels = [ChartKind::Men, ChartKind::Women]
                .map(|kind| chart.table(kind).iter().map(|row| chart.labels_of(kind, row.eu)).collect());
            chart.labels = labels;
        }
        Ok(SizeCharts { brands })
    }

    pub fn brand(&self, brand: &str) -> Option<&BrandChart> {
        with_lowercase(brand, |key| self.brands.get(key))
    }

    pub fn brands(&self) -> impl Iterator<Item = &BrandChart> {
        self.brands.values()
    }
}

/// One size as every system labels it at one brand.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"eu": 42.5, "uk": 8.0, "us_men": 9.0, "us_women": 10.5, "foot_length_mm": 270.0}))]
pub struct SizeLabels {
    pub eu: f64,
    pub uk: Option<f64>,
    pub us_men: Option<f64>,
    pub us_women: Option<f64>,
    /// The foot length the brand's chart gives for this size.
    pub foot_length_mm: Option<f64>,
}

impl SizeLabels {
    /// An EU size of a brand's shoe with its UK and US labels, converted through the foot
    /// length the brand's chart gives it (no chart: EU only).
    pub fn of_eu(chart: Option<&BrandChart>, eu: f64) -> SizeLabels {
        let eu = eu_canonical(eu);
        let Some(chart) = chart else {
            return SizeLabels {
                eu,
                uk: None,
                us_men: None,
                us_women: None,
                foot_length_mm: None,
            };
        };
        // Each US label through the foot length of its own table: a box's women's size is
        // the brand's women's row for that EU size.
        let mm = chart.foot_length_mm(SizeSystem::Eu, eu, ChartKind::Men);
        let women_mm = chart.foot_length_mm(SizeSystem::Eu, eu, ChartKind::Women);
        let at = |system| mm.and_then(|mm| chart.size_for(system, ChartKind::Men, mm));
        SizeLabels {
            eu,
            uk: at(SizeSystem::Uk),
            us_men: at(SizeSystem::UsMen),
            us_women: women_mm
                .and_then(|mm| chart.size_for(SizeSystem::UsWomen, ChartKind::Women, mm)),
            foot_length_mm: mm.map(|m| (m * 10.0).round() / 10.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charts() -> &'static SizeCharts {
        SizeCharts::bundled()
    }

    #[test]
    fn every_brand_of_the_bundled_catalogue_has_a_chart() {
        let parsed = SizeCharts::parse(BUNDLED).unwrap();
        use crate::catalogue::csv;
        for shoe in &csv::parse_shoes(csv::BUNDLED_SHOES_CSV).unwrap() {
            let chart = parsed
                .brand(&shoe.brand)
                .unwrap_or_else(|| panic!("no size chart for {}", shoe.brand));
            assert!(
                chart.men.len() >= 10 && chart.women.len() >= 10,
                "{} chart is thin",
                chart.brand
            );
        }
    }

    /// Rows as each brand publishes them (see data/SOURCES.md): the foot length and labels
    /// of a men's US 9 and a women's US 8.
    #[test]
    fn conversions_reproduce_the_brands_published_rows() {
        // (brand, system, size, kind, expected foot mm)
        let published = [
            ("Nike", SizeSystem::UsMen, 9.0, ChartKind::Men, 270.0),
            ("Nike", SizeSystem::Eu, 42.5, ChartKind::Men, 270.0),
            ("Nike", SizeSystem::UsWomen, 8.0, ChartKind::Women, 250.0),
            ("Nike", SizeSystem::Eu, 39.0, ChartKind::Women, 250.0),
            ("ASICS", SizeSystem::Eu, 44.0, ChartKind::Men, 280.0),
            ("Hoka", SizeSystem::Eu, 42.67, ChartKind::Men, 270.0),
            ("Adidas", SizeSystem::Uk, 8.5, ChartKind::Men, 271.0),
            ("Brooks", SizeSystem::UsMen, 10.0, ChartKind::Men, 275.5),
        ];
        for (brand, system, size, kind, mm) in published {
            let got = charts()
                .brand(brand)
                .unwrap()
                .foot_length_mm(system, size, kind)
                .unwrap();
            assert!(
                (got - mm).abs() < 0.6,
                "{brand} {system:?} {size}: {got} mm, published {mm} mm"
            );
        }
    }

    #[test]
    fn a_foot_length_gets_each_brands_own_labels() {
        // 270 mm: Nike men's US 9 / UK 8 / EU 42.5; Adidas labels the same foot UK 8.5 and EU 42⅔.
        let nike = charts().brand("Nike").unwrap();
        assert_eq!(
            nike.size_for(SizeSystem::UsMen, ChartKind::Men, 270.0),
            Some(9.0)
        );
        assert_eq!(
            nike.size_for(SizeSystem::Uk, ChartKind::Men, 270.0),
            Some(8.0)
        );
        assert_eq!(
            nike.size_for(SizeSystem::Eu, ChartKind::Men, 270.0),
            Some(42.5)
        );
        let adidas = charts().brand("adidas").unwrap();
        assert_eq!(
            adidas.size_for(SizeSystem::Uk, ChartKind::Men, 270.0),
            Some(8.5)
        );
        assert_eq!(
            eu_text(
                adidas
                    .size_for(SizeSystem::Eu, ChartKind::Men, 270.0)
                    .unwrap()
            ),
            "42⅔"
        );
    }

    #[test]
    fn us_to_uk_is_not_one_constant_across_brands() {
        let uk_of_us9 = |brand: &str| {
            let chart = charts().brand(brand).unwrap();
            let mm = chart
                .foot_length_mm(SizeSystem::UsMen, 9.0, ChartKind::Men)
                .unwrap();
            chart.size_for(SizeSystem::Uk, ChartKind::Men, mm).unwrap()
        };
        assert_eq!(uk_of_us9("Nike"), 8.0);
        assert_eq!(uk_of_us9("Adidas"), 8.5);
    }

    #[test]
    fn eu_sizes_in_thirds_and_halves_compare_exactly() {
        assert_eq!(eu_sixths(42.67), eu_sixths(42.0 + 2.0 / 3.0));
        assert_ne!(eu_sixths(42.5), eu_sixths(42.67));
        assert_eq!(eu_canonical(42.666), 42.67);
        assert_eq!(eu_text(42.5), "42.5");
        assert_eq!(eu_text(41.33), "41⅓");
    }

    #[test]
    fn a_stocked_eu_size_shows_uk_and_us_from_the_brands_chart() {
        let labels = SizeLabels::of_eu(charts().brand("Nike"), 42.5);
        assert_eq!(
            (labels.uk, labels.us_men, labels.foot_length_mm),
            (Some(8.0), Some(9.0), Some(270.0))
        );
        // Nike's women's chart labels EU 42.5 US women's 10.5.
        assert_eq!(labels.us_women, Some(10.5));
    }

    #[test]
    fn a_chart_whose_labels_fall_as_length_rises_is_refused() {
        let bad = "brand,chart,us,uk,eu,foot_length_mm\nX,men,9,8,42.5,270\nX,men,9.5,8.5,42,275\n";
        assert!(SizeCharts::parse(bad).is_err());
    }
}
