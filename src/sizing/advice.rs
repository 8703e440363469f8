//! The size to try first (and next) in one model, from the runner's measured feet (or usual
//! size in a known model), the brand's chart and the model's learned offset, with the
//! reason in plain words.

use crate::text::{sentence, Whole};
use serde::Serialize;
use utoipa::ToSchema;

use super::chart::{BrandChart, ChartKind, SizeCharts, SizeLabels, SizeSystem};
use super::offsets::{chart_kind, ModelOffset, SizeOffsets};
use crate::catalogue::{Catalogue, Shoe, Width};
use crate::fitting::Fitting;

/// Below this much (mm) a model's offset is "true to the chart": less than a quarter of a
/// half size, which no runner tells apart.
const TRUE_TO_CHART_MM: f64 = 1.2;

/// Where the foot length behind an advice came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizeBasis {
    /// Measured in the fitting.
    Measured,
    /// Read from the runner's usual size in a known model.
    UsualSize,
    /// Read from the profile's EU size.
    ProfileSize,
}

/// A size advice for one shoe.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "system": "eu", "first": "EU 43", "next": "EU 42.5",
    "first_size": {"eu": 43.0, "uk": 8.5, "us_men": 9.5, "us_women": 11.0, "foot_length_mm": 275.0},
    "next_size": {"eu": 42.5, "uk": 8.0, "us_men": 9.0, "us_women": 10.5, "foot_length_mm": 270.0},
    "basis": "measured",
    "reason": "you measure 268 mm (right foot, the longer); this model runs about half a size short for runners like you: try EU 43, then EU 42.5"
}))]
pub struct SizeAdvice {
    /// The system `first` and `next` are written in (the runner's preferred one).
    pub system: SizeSystem,
    /// The size to try first, as labelled in `system`.
    pub first: String,
    /// The size to try if the first is too long or too short.
    pub next: String,
    /// The first size in every system (EU, as stocked, decides).
    pub first_size: SizeLabels,
    pub next_size: SizeLabels,
    pub basis: SizeBasis,
    /// Why, in plain words.
    pub reason: String,
    /// About width, when the model is made in widths or the foot is wide or narrow for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<String>,
}

impl SizeAdvice {
    /// EU sizes to look for on the shelf: the first, then the next.
    pub fn eu_sizes(&self) -> [f64; 2] {
        [self.first_size.eu, self.next_size.eu]
    }
}

/// The runner's foot as an advice starts from it, worked out once per request: a length
/// with where it came from and how it is said, or the profile's EU size, whose length is
/// read from each brand's chart.
enum Foot {
    Known { foot_mm: f64, basis: SizeBasis, said: String },
    ProfileEu { eu: f64, said: String },
    /// Nothing known about the size, or a usual size that cannot be read.
    Unknown,
}

impl Foot {
    fn of(fitting: &Fitting, catalogue: &Catalogue, charts: &SizeCharts, offsets: &SizeOffsets, kind: ChartKind) -> Foot {
        let feet = fitting.feet.as_ref();
        if let Some((which, foot)) = feet.and_then(|f| f.deciding_foot()) {
            let mm = foot.length_mm.get();
            let said = match feet.and_then(|f| f.length_difference_mm()) {
                Some(d) if d >= 1.0 => format!(
                    "you measure {} mm ({} foot, the longer by {} mm)",
                    Whole(mm),
                    which.as_str(),
                    Whole(d)
                ),
                Some(_) => format!("you measure {} mm (both feet)", Whole(mm)),
                None => format!("you measure {} mm ({} foot)", Whole(mm), which.as_str()),
            };
            return Foot::Known { foot_mm: mm, basis: SizeBasis::Measured, said };
        }
        if let Some(usual) = feet.and_then(|f| f.usual_size.as_ref()) {
            return Self::from_usual_size(usual, catalogue, charts, offsets, kind).unwrap_or(Foot::Unknown);
        }
        match fitting.profile.shoe_size_eu {
            Some(eu) => Foot::ProfileEu {
                eu: eu.get(),
                said: format!("your usual size is EU {}", super::chart::eu_text(eu.get())),
            },
            None => Foot::Unknown,
        }
    }

    fn from_usual_size(
        usual: &crate::fitting::feet::UsualSize,
        catalogue: &Catalogue,
        charts: &SizeCharts,
        offsets: &SizeOffsets,
        kind: ChartKind,
    ) -> Option<Foot> {
        let known = catalogue.shoe(&usual.shoe_id)?;
        let chart = charts.brand(&known.brand)?;
        let chart_mm = chart.foot_length_mm(usual.system, usual.size, kind)?;
        // A runner who fits a short-running model in size X has a foot shorter than X's
        // chart length by that model's offset.
        let known_offset = offsets
            .for_shoe(&known.id, &known.brand)
            .map(|o| o.length_mm)
            .unwrap_or(0.0);
        let mm = chart_mm - known_offset;
        let said = format!(
            "you wear {} in the {}, a foot of about {} mm",
            usual.system.label(usual.size),
            known.display_name(),
            Whole(mm)
        );
        Some(Foot::Known { foot_mm: mm, basis: SizeBasis::UsualSize, said })
    }

    /// The length (mm) an advice in `chart` starts from, where it came from, and how it is said.
    fn start(&self, chart: &BrandChart, kind: ChartKind) -> Option<(f64, SizeBasis, &str)> {
        match self {
            Foot::Known { foot_mm, basis, said } => Some((*foot_mm, *basis, said)),
            Foot::ProfileEu { eu, said } => {
                Some((chart.foot_length_mm(SizeSystem::Eu, *eu, kind)?, SizeBasis::ProfileSize, said))
            }
            Foot::Unknown => None,
        }
    }
}

/// How far from the chart a model fits, in words ("about half a size short").
pub(crate) fn offset_words(offset_mm: f64, step_mm: f64) -> Option<String> {
    if offset_mm.abs() < TRUE_TO_CHART_MM {
        return None;
    }
    let halves = (offset_mm.abs() / step_mm).round().max(1.0);
    let amount = match halves as u32 {
        1 => "half a size".to_owned(),
        2 => "a full size".to_owned(),
        3 => "one and a half sizes".to_owned(),
        n => format!("{} sizes", f64::from(n) / 2.0),
    };
    let way = if offset_mm > 0.0 { "short" } else { "long" };
    let amount = if (offset_mm.abs() / step_mm) < 0.75 {
        format!("a little under {amount}")
    } else {
        format!("about {amount}")
    };
    Some(format!("{amount} {way}"))
}

/// Width class of a foot from its width-to-length ratio (ball width about 38–40 % of
/// length for a standard D/B fit on a Brannock scale).
fn width_of_foot(ratio: f64, kind: ChartKind) -> Width {
    let shift = if kind == ChartKind::Women { 0.01 } else { 0.0 };
    match ratio + shift {
        r if r < 0.355 => Width::Narrow,
        r if r < 0.395 => Width::Standard,
        r if r < 0.42 => Width::Wide,
        _ => Width::ExtraWide,
    }
}

fn width_words(w: Width) -> &'static str {
    match w {
        Width::Narrow => "narrow",
        Width::Standard => "standard",
        Width::Wide => "wide",
        Width::ExtraWide => "extra wide",
    }
}

/// The width the runner's foot needs and how that is said: measured, or asked for.
fn width_needed(fitting: &Fitting, kind: ChartKind) -> (Width, String) {
    let measured = fitting
        .feet
        .as_ref()
        .and_then(|f| f.deciding_foot())
        .and_then(|(_, foot)| {
            foot.width_mm
                .map(|w| (w.get(), width_of_foot(w.get() / foot.length_mm.get(), kind)))
        });
    match measured {
        Some((mm, w)) => (
            w,
            format!(
                "your foot is {} mm across ({} for its length)",
                Whole(mm),
                width_words(w)
            ),
        ),
        None => (
            fitting.profile.width,
            format!("you asked for {} width", width_words(fitting.profile.width)),
        ),
    }
}

fn width_advice(need: Width, said: &str, shoe: &Shoe, offset: Option<&ModelOffset>) -> Option<String> {
    let runs_narrow = offset.is_some_and(|o| o.width > 0.25);
    let runs_wide = offset.is_some_and(|o| o.width < -0.25);
    let made_in = |w: Width| shoe.offers_width(w);
    let wider = match need {
        Width::Narrow => Width::Standard,
        Width::Standard => Width::Wide,
        Width::Wide | Width::ExtraWide => Width::ExtraWide,
    };
    if runs_narrow
        && need != Width::Narrow
        && made_in(wider)
        && (need == Width::Standard || !made_in(need))
    {
        return Some(sentence!(
            "{said}; this model runs narrow for runners like you: try the {} version",
            width_words(wider)
        ));
    }
    if made_in(need) {
        if shoe.widths.len() > 1 {
            let also = if runs_wide {
                "; it runs a little wide, so lace it snug"
            } else {
                ""
            };
            return Some(sentence!(
                "{said}: take the {} version{also}",
                width_words(need)
            ));
        }
        if runs_narrow {
            return Some(sentence!(
                "{said}; this model runs narrow for runners like you: check the toe box"
            ));
        }
        return None;
    }
    Some(sentence!(
        "{said}; this model is not made in {}: check the toe box before anything else",
        width_words(need)
    ))
}

/// The size advice for one shoe, or `None` when nothing about the runner's size is known or
/// the brand has no chart. For several shoes of one request, `Advisor` works out the
/// runner's side once.
pub fn advise(
    fitting: &Fitting,
    shoe: &Shoe,
    catalogue: &Catalogue,
    charts: &SizeCharts,
    offsets: &SizeOffsets,
) -> Option<SizeAdvice> {
    Advisor::new(fitting, catalogue, charts, offsets).advise(shoe)
}

/// Size advice for one runner: the foot, the width it needs, the size system and how each
/// is said, worked out once; then `advise` for each shoe.
pub struct Advisor<'a> {
    charts: &'a SizeCharts,
    offsets: &'a SizeOffsets,
    kind: ChartKind,
    system: SizeSystem,
    foot: Foot,
    width: (Width, String),
}

impl<'a> Advisor<'a> {
    pub fn new(fitting: &Fitting, catalogue: &Catalogue, charts: &'a SizeCharts, offsets: &'a SizeOffsets) -> Self {
        let kind = chart_kind(fitting);
        let foot = Foot::of(fitting, catalogue, charts, offsets, kind);
        // Only an advice says the width: none is written when no advice can be.
        let width = match foot {
            Foot::Unknown => (Width::Standard, String::new()),
            _ => width_needed(fitting, kind),
        };
        let system = fitting.feet.as_ref().map(|f| f.system()).unwrap_or_default();
        Self { charts, offsets, kind, system, foot, width }
    }

    /// The size advice for `shoe`, or `None` when nothing about the runner's size is known
    /// or the brand has no chart.
    pub fn advise(&self, shoe: &Shoe) -> Option<SizeAdvice> {
        let (kind, system, offsets) = (self.kind, self.system, self.offsets);
        let chart = self.charts.brand(&shoe.brand)?;
        let (foot_mm, basis, said) = self.foot.start(chart, kind)?;
        let offset = offsets.for_shoe(&shoe.id, &shoe.brand);
        let offset_mm = offset.map(|o| o.length_mm).unwrap_or(0.0);
        let target = foot_mm + offset_mm;
        let rows = chart.table(kind);
        let (i, row) = chart.nearest_row(kind, target)?;
        // The next size leans the way the foot does: a foot past the first size's length tries
        // the larger one next.
        let j = if target >= row.foot_mm {
            (i + 1).min(rows.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        let j = if j == i && rows.len() > 1 {
            if i == 0 {
                1
            } else {
                i - 1
            }
        } else {
            j
        };
        let (first, next) = (chart.row_labels(kind, i)?, chart.row_labels(kind, j)?);
        let in_system = |l: &SizeLabels| -> String {
            let value = match system {
                SizeSystem::Eu => Some(l.eu),
                SizeSystem::Uk => l.uk,
                SizeSystem::UsMen => l.us_men,
                SizeSystem::UsWomen => l.us_women,
                SizeSystem::Mondopoint => l.foot_length_mm,
            };
            match value {
                Some(v) => system.label(v),
                None => SizeSystem::Eu.label(l.eu),
            }
        };
        let (first_text, next_text) = (in_system(&first), in_system(&next));
        // How the model fits, said between the foot and the sizes to try.
        let fit = match offset.filter(|o| o.records > 0.0 || o.brand_records > 0.0) {
            Some(o) => match offset_words(o.length_mm, chart.step_mm(kind)) {
                Some(words) if o.records >= 1.0 => FitWords::Model(words),
                Some(words) => FitWords::Brand(&shoe.brand, words),
                None => FitWords::TrueToChart,
            },
            None => FitWords::Chart(&shoe.brand, &first_text),
        };
        let reason = sentence!("{said}; {fit}: try {first_text}, then {next_text}");
        Some(SizeAdvice {
            system,
            first: first_text,
            next: next_text,
            first_size: first,
            next_size: next,
            basis,
            reason,
            width: width_advice(self.width.0, &self.width.1, shoe, offset.as_ref()),
        })
    }
}

/// How a model fits, in a size advice's reason; written into the reason rather than into a
/// string of its own.
enum FitWords<'a> {
    /// "this model runs half a size short for runners like you"
    Model(String),
    /// "Nike shoes run half a size short for runners like you" (the brand's records only)
    Brand(&'a str, String),
    TrueToChart,
    /// "Nike's chart puts that at EU 42" (nothing learned yet)
    Chart(&'a str, &'a str),
}

impl std::fmt::Display for FitWords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitWords::Model(words) => write!(f, "this model runs {words} for runners like you"),
            FitWords::Brand(brand, words) => write!(f, "{brand} shoes run {words} for runners like you"),
            FitWords::TrueToChart => f.write_str("this model fits true to the chart"),
            FitWords::Chart(brand, first) => write!(f, "{} chart puts that at {first}", Possessive(brand)),
        }
    }
}

/// "Nike's", "Brooks'".
struct Possessive<'a>(&'a str);

impl std::fmt::Display for Possessive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.0;
        if name.ends_with('s') {
            write!(f, "{name}'")
        } else {
            write!(f, "{name}'s")
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::csv;
    use serde_json::json;

    fn catalogue() -> Catalogue {
        Catalogue::new(
            csv::parse_shoes(csv::BUNDLED_SHOES_CSV).unwrap(),
            csv::parse_insoles(csv::BUNDLED_INSOLES_CSV).unwrap(),
        )
    }

    fn fitting(feet: serde_json::Value, sex: &str) -> Fitting {
        serde_json::from_value(json!({
            "profile": {"body_mass_kg": 70.0, "sex": sex, "weekly_distance_km": 30.0, "goal": "daily_training", "terrain": "road"},
            "feet": feet
        }))
        .unwrap()
    }

    fn offsets(shoe: &str, mm: f64) -> SizeOffsets {
        let mut o = SizeOffsets::default();
        o.shoes.insert(
            shoe.into(),
            ModelOffset {
                length_mm: mm,
                width: 0.0,
                records: 40.0,
                brand_length_mm: 0.0,
                brand_records: 40.0,
            },
        );
        o
    }

    #[test]
    fn a_measured_foot_gets_the_charts_size_and_the_next_one_it_leans_to() {
        let c = catalogue();
        let shoe = c.shoe("nike-pegasus-41").unwrap();
        let f = fitting(
            json!({"left": {"length_mm": 266.0}, "right": {"length_mm": 268.0}}),
            "male",
        );
        let a = advise(&f, shoe, &c, SizeCharts::bundled(), &SizeOffsets::default()).unwrap();
        // 268 mm is nearest Nike's 270 mm row (US 9, EU 42.5); it leans short, so next is EU 42.
        assert_eq!((a.first.as_str(), a.next.as_str()), ("EU 42.5", "EU 42"));
        assert!(
            a.reason
                .starts_with("you measure 268 mm (right foot, the longer by 2 mm)"),
            "{}",
            a.reason
        );
        assert_eq!(a.basis, SizeBasis::Measured);
    }

    #[test]
    fn a_model_that_runs_short_is_sized_up_and_says_so() {
        let c = catalogue();
        let shoe = c.shoe("nike-pegasus-41").unwrap();
        let f = fitting(
            json!({"right": {"length_mm": 268.0}, "preferred_system": "us_men"}),
            "male",
        );
        let a = advise(
            &f,
            shoe,
            &c,
            SizeCharts::bundled(),
            &offsets("nike-pegasus-41", 5.0),
        )
        .unwrap();
        assert_eq!(a.first, "US men's 9.5");
        assert!(
            a.reason.contains("runs about half a size short"),
            "{}",
            a.reason
        );
        assert!(
            a.reason.ends_with("try US men's 9.5, then US men's 9"),
            "{}",
            a.reason
        );
    }

    /// The reason's sentence in each of the four ways a model can fit: learned for the model,
    /// for its brand only, true to the chart, or nothing learned (the brand's chart).
    #[test]
    fn the_reason_says_how_the_model_fits_between_the_foot_and_the_sizes_to_try() {
        let c = catalogue();
        let shoe = c.shoe("nike-pegasus-41").unwrap();
        let f = fitting(json!({"right": {"length_mm": 268.0}}), "male");
        let learned = |length_mm: f64, records: f64| {
            let mut o = offsets("nike-pegasus-41", length_mm);
            o.shoes.get_mut("nike-pegasus-41").unwrap().records = records;
            o
        };
        for (offsets, fit) in [
            (SizeOffsets::default(), "Nike's chart puts that at EU 42.5".to_owned()),
            (learned(5.0, 40.0), "this model runs about half a size short for runners like you".to_owned()),
            (learned(5.0, 0.0), "Nike shoes run about half a size short for runners like you".to_owned()),
            (learned(0.0, 40.0), "this model fits true to the chart".to_owned()),
        ] {
            let a = advise(&f, shoe, &c, SizeCharts::bundled(), &offsets).unwrap();
            let expected = format!("you measure 268 mm (right foot); {fit}: try {}, then {}", a.first, a.next);
            assert_eq!(a.reason, expected);
        }
    }

    #[test]
    fn a_usual_size_in_a_known_model_stands_in_for_measurements() {
        let c = catalogue();
        let shoe = c.shoe("hoka-clifton-10").unwrap();
        let f = fitting(
            json!({"usual_size": {"shoe_id": "brooks-ghost-16", "size": 9.5, "system": "us_men"}}),
            "male",
        );
        let a = advise(&f, shoe, &c, SizeCharts::bundled(), &SizeOffsets::default()).unwrap();
        assert_eq!(a.basis, SizeBasis::UsualSize);
        // Brooks US 9.5 is 271 mm; Hoka's nearest row is 270 mm, US 9 = EU 42⅔.
        assert_eq!(a.first_size.us_men, Some(9.0));
        assert_eq!(a.first, "EU 42⅔");
    }

    #[test]
    fn women_are_sized_on_the_womens_chart() {
        let c = catalogue();
        let shoe = c.shoe("nike-pegasus-41").unwrap();
        let f = fitting(
            json!({"right": {"length_mm": 250.0}, "preferred_system": "us_women"}),
            "female",
        );
        let a = advise(&f, shoe, &c, SizeCharts::bundled(), &SizeOffsets::default()).unwrap();
        assert_eq!(a.first, "US women's 8");
        assert_eq!(a.first_size.eu, 39.0);
    }

    #[test]
    fn a_wide_foot_is_told_to_take_the_wide_version_where_one_is_made() {
        let c = catalogue();
        let wide_made = c
            .shoes
            .iter()
            .find(|s| s.offers_width(Width::Wide) && c.shoe(&s.id).is_some() && s.brand == "Brooks")
            .unwrap();
        let f = fitting(
            json!({"right": {"length_mm": 265.0, "width_mm": 108.0}}),
            "male",
        );
        let a = advise(
            &f,
            wide_made,
            &c,
            SizeCharts::bundled(),
            &SizeOffsets::default(),
        )
        .unwrap();
        assert!(
            a.width
                .as_deref()
                .unwrap()
                .contains("take the wide version"),
            "{:?}",
            a.width
        );
    }

    #[test]
    fn nothing_known_about_size_gives_no_advice() {
        let c = catalogue();
        let f: Fitting = serde_json::from_value(crate::fitting::examples::web_fitting()).unwrap();
        assert!(advise(
            &f,
            &c.shoes[0],
            &c,
            SizeCharts::bundled(),
            &SizeOffsets::default()
        )
        .is_none());
    }
}
