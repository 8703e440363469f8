//! Raw attributes that let a trained model learn what no hand-written feature names: the
//! runner's own attributes, the candidate shoe's, the worn pair's, and the relations between
//! the worn pair and the candidate. Numbers are binned into one-hot levels so that a
//! runner × shoe interaction model can learn threshold effects ("heavier runners keep high
//! stacks") as well as any attribute pairing ("runners who wore brand A keep brand A").
//!
//! The order of every vector is part of the feature contract (`extended_schema_hash`).

use crate::catalogue::{Category, Cushioning, Shoe, Support, Terrain, Width};
use crate::fitting::{BodyLocation, Feel, Fitting, FootStrike, Goal, Sex};

/// Brands with a level of their own; any other brand shares "other".
pub const BRANDS: &[&str] =
    &["adidas", "altra", "asics", "brooks", "hoka", "mizuno", "new balance", "nike", "puma", "salomon", "saucony"];

pub(crate) fn brand_level(brand: &str) -> usize {
    // `BRANDS` are lowercase ASCII: the same match as lowercasing a copy, without the copy.
    let brand = brand.trim();
    BRANDS.iter().position(|b| b.eq_ignore_ascii_case(brand)).unwrap_or(BRANDS.len())
}

pub use crate::catalogue::model_line;

/// Index of the first upper bound `value` falls below, or the last level.
fn bin(value: f64, upper_bounds: &[f64]) -> usize {
    upper_bounds.iter().position(|b| value < *b).unwrap_or(upper_bounds.len())
}

/// Writes one-hot levels and plain values into a fixed vector in order.
struct Encoder<'a> {
    out: &'a mut [f64],
    at: usize,
}

impl<'a> Encoder<'a> {
    fn new(out: &'a mut [f64]) -> Self {
        Self { out, at: 0 }
    }
    /// `levels` slots; the one at `level` is set to 1 (none when `None`).
    fn one_hot(&mut self, level: Option<usize>, levels: usize) {
        if let Some(l) = level.filter(|l| *l < levels) {
            self.out[self.at + l] = 1.0;
        }
        self.at += levels;
    }
    fn flag(&mut self, on: bool) {
        self.out[self.at] = on as u8 as f64;
        self.at += 1;
    }
    fn value(&mut self, v: f64) {
        self.out[self.at] = v;
        self.at += 1;
    }
    /// One slot per threshold, set when `value` reaches it (none when `None`).
    fn thermometer(&mut self, value: Option<f64>, thresholds: &[f64]) {
        if let Some(v) = value {
            for (k, t) in thresholds.iter().enumerate() {
                if v >= *t {
                    self.out[self.at + k] = 1.0;
                }
            }
        }
        self.at += thresholds.len();
    }
}

/// How a group of slots encodes its value.
#[derive(Clone, Copy)]
enum Slots {
    /// One plain value (or flag).
    Value,
    /// One slot per level, the one that applies set to 1.
    OneHot(&'static [&'static str]),
    /// One slot per threshold, each set when the value reaches it: an ordered quantity, so a
    /// single weight learns "from this threshold on" and neighbouring levels share strength.
    Thermometer(&'static [f64]),
}

impl Slots {
    const fn len(self) -> usize {
        match self {
            Slots::Value => 1,
            Slots::OneHot(levels) => levels.len(),
            Slots::Thermometer(thresholds) => thresholds.len(),
        }
    }
}

/// The column names of a layout, in order: `group=level` (one-hot), `group>=threshold`.
fn names(groups: &[(&str, Slots)]) -> Vec<String> {
    groups
        .iter()
        .flat_map(|(group, slots)| match slots {
            Slots::Value => vec![(*group).to_owned()],
            Slots::OneHot(levels) => levels.iter().map(|l| format!("{group}={l}")).collect(),
            Slots::Thermometer(thresholds) => thresholds.iter().map(|t| format!("{group}>={t}")).collect(),
        })
        .collect()
}

const BRAND_LEVELS: &[&str] =
    &["adidas", "altra", "asics", "brooks", "hoka", "mizuno", "new_balance", "nike", "puma", "salomon", "saucony", "other"];
const SUPPORT_LEVELS: &[&str] = &["neutral", "stability", "motion_control"];
const CUSHIONING_LEVELS: &[&str] = &["low", "moderate", "high", "max"];
const CATEGORY_LEVELS: &[&str] = &["daily", "cushioned", "tempo", "race"];

const MASS_KG: &[f64] = &[55.0, 60.0, 65.0, 70.0, 75.0, 80.0, 85.0, 90.0, 100.0];
const AGE_YEARS: &[f64] = &[25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0];
const WEEKLY_KM: &[f64] = &[15.0, 25.0, 35.0, 50.0, 70.0];
const BUDGET_USD: &[f64] = &[110.0, 130.0, 150.0, 170.0, 200.0];
pub(crate) const DROP_MM: &[f64] = &[3.0, 6.0, 8.0, 10.0, 12.0];
pub(crate) const WEIGHT_G: &[f64] = &[210.0, 230.0, 250.0, 270.0, 290.0, 310.0];
pub(crate) const HEEL_STACK_MM: &[f64] = &[28.0, 32.0, 34.0, 36.0, 38.0, 40.0];
pub(crate) const PRICE_USD: &[f64] = &[100.0, 120.0, 140.0, 160.0, 180.0, 220.0];

/// Runner-side layout.
const RUNNER_GROUPS: &[(&str, Slots)] = &[
    ("bias", Slots::Value),
    ("sex", Slots::OneHot(&["female", "male"])),
    ("mass_kg", Slots::Thermometer(MASS_KG)),
    ("age_years", Slots::Thermometer(AGE_YEARS)),
    ("weekly_km", Slots::Thermometer(WEEKLY_KM)),
    ("goal", Slots::OneHot(&["daily_training", "long_runs", "racing", "trail"])),
    ("terrain", Slots::OneHot(&["road", "trail", "road_trail"])),
    ("pronation", Slots::OneHot(&["none", "some", "marked"])),
    ("supination", Slots::Value),
    ("foot_strike", Slots::OneHot(&["rearfoot", "midfoot", "forefoot"])),
    ("cadence_for_speed", Slots::OneHot(&["low", "typical", "high"])),
    ("pelvic_drop_ge7", Slots::Value),
    ("pain", Slots::OneHot(&["knee", "shin", "calf_achilles", "foot", "hip_back", "other"])),
    ("feel", Slots::OneHot(&["soft", "balanced", "firm"])),
    ("width", Slots::OneHot(&["narrow", "standard", "wide"])),
    ("budget_usd", Slots::Thermometer(BUDGET_USD)),
    ("worn_known", Slots::Value),
    ("worn_brand", Slots::OneHot(BRAND_LEVELS)),
    ("worn_support", Slots::OneHot(SUPPORT_LEVELS)),
    ("worn_cushioning", Slots::OneHot(CUSHIONING_LEVELS)),
    ("worn_category", Slots::OneHot(CATEGORY_LEVELS)),
    ("worn_drop_mm", Slots::Thermometer(DROP_MM)),
    ("worn_plated", Slots::Value),
];

const fn layout_len(groups: &[(&str, Slots)]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < groups.len() {
        n += groups[i].1.len();
        i += 1;
    }
    n
}

pub const RUNNER_DIM: usize = layout_len(RUNNER_GROUPS);

/// Shoe-side layout.
const SHOE_GROUPS: &[(&str, Slots)] = &[
    ("bias", Slots::Value),
    ("brand", Slots::OneHot(BRAND_LEVELS)),
    ("support", Slots::OneHot(SUPPORT_LEVELS)),
    ("cushioning", Slots::OneHot(CUSHIONING_LEVELS)),
    ("category", Slots::OneHot(CATEGORY_LEVELS)),
    ("terrain", Slots::OneHot(&["road", "trail", "road_trail"])),
    ("plated", Slots::Value),
    ("drop_mm", Slots::Thermometer(DROP_MM)),
    ("weight_g", Slots::Thermometer(WEIGHT_G)),
    ("heel_stack_mm", Slots::Thermometer(HEEL_STACK_MM)),
    ("price_usd", Slots::Thermometer(PRICE_USD)),
    ("offers_wide", Slots::Value),
    ("offers_narrow", Slots::Value),
];

pub const SHOE_DIM: usize = layout_len(SHOE_GROUPS);
/// How many groups the shoe attributes form (see `shoe_attribute_groups`).
pub const SHOE_GROUP_COUNT: usize = SHOE_GROUPS.len();

/// Worn pair → candidate relations.
const RELATION_GROUPS: &[(&str, Slots)] = &[
    ("same_brand_as_worn", Slots::Value),
    ("same_line_as_worn", Slots::Value),
    ("same_shoe_as_worn", Slots::Value),
    ("same_category_as_worn", Slots::Value),
    ("stack_change_cm", Slots::Value),
    ("weight_change_100g", Slots::Value),
    ("support_step", Slots::Value),
    ("softness_change", Slots::Value),
    ("price_change_100usd", Slots::Value),
];

pub const RELATION_COUNT: usize = layout_len(RELATION_GROUPS);

/// Where each shoe-attribute group starts in `ShoeAttributes` and each relation sits in
/// `Relations`, for code that writes them without the encoder (the scoring kernel); a test
/// checks them against the layouts.
pub(crate) mod slots {
    pub const SHOE_BRAND: usize = 1;
    pub const SHOE_SUPPORT: usize = 13;
    pub const SHOE_CUSHIONING: usize = 16;
    pub const SHOE_CATEGORY: usize = 20;
    pub const SHOE_TERRAIN: usize = 24;
    pub const SHOE_PLATED: usize = 27;
    pub const SHOE_DROP: usize = 28;
    pub const SHOE_WEIGHT: usize = 33;
    pub const SHOE_STACK: usize = 39;
    pub const SHOE_PRICE: usize = 45;
    pub const SHOE_OFFERS_WIDE: usize = 51;
    pub const SHOE_OFFERS_NARROW: usize = 52;
    pub const SAME_BRAND: usize = 0;
    pub const SAME_LINE: usize = 1;
    pub const SAME_SHOE: usize = 2;
    pub const SAME_CATEGORY: usize = 3;
    pub const STACK_CHANGE: usize = 4;
    pub const WEIGHT_CHANGE: usize = 5;
    pub const SUPPORT_STEP: usize = 6;
    pub const SOFTNESS_CHANGE: usize = 7;
    pub const PRICE_CHANGE: usize = 8;
}

pub fn runner_attribute_names() -> Vec<String> {
    names(RUNNER_GROUPS)
}
pub fn shoe_attribute_names() -> Vec<String> {
    names(SHOE_GROUPS)
}
pub fn relation_names() -> Vec<String> {
    names(RELATION_GROUPS)
}

/// The name of relation `index` (each relation is one value), without allocating: read for
/// every shoe explained.
pub fn relation_name(index: usize) -> Option<&'static str> {
    RELATION_GROUPS.get(index).map(|(name, _)| *name)
}

/// Each shoe-attribute group with its slots in `ShoeAttributes`, in layout order (the groups
/// are contiguous), for explanations that sum a group's terms without a lookup per slot.
pub fn shoe_attribute_groups() -> impl Iterator<Item = (&'static str, std::ops::Range<usize>)> {
    SHOE_GROUPS.iter().scan(0, |at, (group, slots)| {
        let start = *at;
        *at += slots.len();
        Some((*group, start..*at))
    })
}

/// Group of each shoe attribute, for explanations (`brand`, `drop_mm`, …).
pub fn shoe_attribute_group(index: usize) -> &'static str {
    let mut at = 0;
    for (group, slots) in SHOE_GROUPS {
        at += slots.len();
        if index < at {
            return group;
        }
    }
    "bias"
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunnerAttributes(pub [f64; RUNNER_DIM]);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShoeAttributes(pub [f64; SHOE_DIM]);

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Relations(pub [f64; RELATION_COUNT]);

/// What the runner's worn pair is, when the fitting names it and the catalogue knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WornShoe {
    pub id: String,
    pub brand: String,
    pub support: Support,
    pub cushioning: Cushioning,
    pub category: Category,
    pub drop_mm: Option<f64>,
    pub heel_stack_mm: Option<f64>,
    pub weight_g: Option<f64>,
    pub price_usd: Option<f64>,
    pub plated: bool,
}

impl WornShoe {
    pub fn of(shoe: &Shoe) -> Self {
        Self {
            id: shoe.id.clone(),
            brand: shoe.brand.clone(),
            support: shoe.support,
            cushioning: shoe.cushioning,
            category: shoe.category,
            drop_mm: shoe.drop_mm,
            heel_stack_mm: shoe.heel_stack_mm,
            weight_g: shoe.weight_g,
            price_usd: shoe.price_usd,
            plated: shoe.plated,
        }
    }
}

pub(crate) fn support_level(s: Support) -> usize {
    match s {
        Support::Neutral => 0,
        Support::Stability => 1,
        Support::MotionControl => 2,
    }
}
pub(crate) fn cushioning_level(c: Cushioning) -> usize {
    match c {
        Cushioning::Low => 0,
        Cushioning::Moderate => 1,
        Cushioning::High => 2,
        Cushioning::Max => 3,
    }
}
pub(crate) fn category_level(c: Category) -> usize {
    match c {
        Category::Daily => 0,
        Category::Cushioned => 1,
        Category::Tempo => 2,
        Category::Race => 3,
    }
}
pub(crate) fn terrain_level(t: Terrain) -> usize {
    match t {
        Terrain::Road => 0,
        Terrain::Trail => 1,
        Terrain::RoadTrail => 2,
    }
}

/// Pain locations in the coarse groups a shoe choice could plausibly relate to. Exhaustive
/// on purpose: a new location must be placed in a group (and the version bumped).
fn pain_level(location: BodyLocation) -> usize {
    use BodyLocation::*;
    match location {
        Knee => 0,
        Shin => 1,
        CalfAchilles | Calf | Achilles => 2,
        Heel | Arch | Forefoot | Midfoot | WholeFoot | Toes | Ankle => 3,
        LowerBack | UpperBack | HipGroin | Buttock => 4,
        Thigh | Hamstring | Chest | Other => 5,
    }
}

/// Cadence expected at a running speed (~169 spm at 2.7 m/s, ~178 at 3.8 m/s).
fn expected_cadence(speed_m_s: f64) -> f64 {
    147.0 + 8.2 * speed_m_s
}

/// The runner's attributes. `pronation`/`supination` are the signals `RunnerSignals` derived.
pub fn runner_attributes(fitting: &Fitting, pronation: f64, supination: f64, worn: Option<&WornShoe>) -> RunnerAttributes {
    let mut out = [0.0; RUNNER_DIM];
    let p = &fitting.profile;
    let gait = fitting.gait.as_ref();
    let mut e = Encoder::new(&mut out);
    e.value(1.0);
    e.one_hot(p.sex.map(|s| if s == Sex::Female { 0 } else { 1 }), 2);
    e.thermometer(Some(p.body_mass_kg.get()), MASS_KG);
    e.thermometer(p.age_years.map(|a| a.get()), AGE_YEARS);
    e.thermometer(Some(p.weekly_distance_km.get()), WEEKLY_KM);
    e.one_hot(
        Some(match p.goal {
            Goal::DailyTraining => 0,
            Goal::LongRuns => 1,
            Goal::Racing => 2,
            Goal::Trail => 3,
        }),
        4,
    );
    e.one_hot(Some(terrain_level(p.terrain)), 3);
    e.one_hot(Some(bin(pronation, &[0.3, 0.6])), 3);
    e.flag(supination >= 0.3);
    e.one_hot(
        gait.map(|g| match g.foot_strike {
            FootStrike::Rearfoot => 0,
            FootStrike::Midfoot => 1,
            FootStrike::Forefoot => 2,
        }),
        3,
    );
    e.one_hot(gait.map(|g| bin(g.cadence_spm.get() - expected_cadence(g.speed_m_s.get()), &[-6.0, 6.0])), 3);
    e.flag(gait.and_then(|g| g.contralateral_pelvic_drop_deg).is_some_and(|d| d.get() >= 7.0));
    let mut pain = [false; 6];
    for report in &fitting.health.pain {
        pain[pain_level(report.location)] = true;
    }
    for on in pain {
        e.flag(on);
    }
    e.one_hot(
        p.preferred_feel.map(|f| match f {
            Feel::Soft => 0,
            Feel::Balanced => 1,
            Feel::Firm => 2,
        }),
        3,
    );
    e.one_hot(
        Some(match p.width {
            Width::Narrow => 0,
            Width::Standard => 1,
            Width::Wide | Width::ExtraWide => 2,
        }),
        3,
    );
    e.thermometer(p.budget_usd.map(|b| b.get()), BUDGET_USD);
    e.flag(worn.is_some());
    e.one_hot(worn.map(|w| brand_level(&w.brand)), BRAND_LEVELS.len());
    e.one_hot(worn.map(|w| support_level(w.support)), 3);
    e.one_hot(worn.map(|w| cushioning_level(w.cushioning)), 4);
    e.one_hot(worn.map(|w| category_level(w.category)), 4);
    let worn_drop = worn.and_then(|w| w.drop_mm).or_else(|| fitting.wear.as_ref().and_then(|w| w.worn_drop_mm.map(|d| d.get())));
    e.thermometer(worn_drop, DROP_MM);
    e.flag(worn.is_some_and(|w| w.plated));
    debug_assert_eq!(e.at, RUNNER_DIM);
    RunnerAttributes(out)
}

/// The candidate shoe's attributes; depends on the shoe alone, so it can be computed once
/// per catalogue.
pub fn shoe_attributes(shoe: &Shoe) -> ShoeAttributes {
    let mut out = [0.0; SHOE_DIM];
    let mut e = Encoder::new(&mut out);
    e.value(1.0);
    e.one_hot(Some(brand_level(&shoe.brand)), BRAND_LEVELS.len());
    e.one_hot(Some(support_level(shoe.support)), 3);
    e.one_hot(Some(cushioning_level(shoe.cushioning)), 4);
    e.one_hot(Some(category_level(shoe.category)), 4);
    e.one_hot(Some(terrain_level(shoe.terrain)), 3);
    e.flag(shoe.plated);
    e.thermometer(shoe.drop_mm, DROP_MM);
    e.thermometer(shoe.weight_g, WEIGHT_G);
    e.thermometer(shoe.heel_stack_mm, HEEL_STACK_MM);
    e.thermometer(shoe.price_usd, PRICE_USD);
    e.flag(shoe.offers_width(Width::Wide) || shoe.offers_width(Width::ExtraWide));
    e.flag(shoe.offers_width(Width::Narrow));
    debug_assert_eq!(e.at, SHOE_DIM);
    ShoeAttributes(out)
}

/// How the candidate differs from the worn pair (all zero when the worn model is unknown).
pub fn relations(worn: Option<&WornShoe>, shoe: &Shoe) -> Relations {
    let mut out = [0.0; RELATION_COUNT];
    let Some(w) = worn else { return Relations(out) };
    let diff = |a: Option<f64>, b: Option<f64>, scale: f64| a.zip(b).map_or(0.0, |(a, b)| (a - b) / scale);
    let mut e = Encoder::new(&mut out);
    e.flag(brand_level(&w.brand) == brand_level(&shoe.brand) && w.brand.eq_ignore_ascii_case(&shoe.brand));
    e.flag(model_line(&w.id) == model_line(&shoe.id));
    e.flag(w.id == shoe.id);
    e.flag(w.category == shoe.category);
    e.value(diff(shoe.heel_stack_mm, w.heel_stack_mm, 10.0));
    e.value(diff(shoe.weight_g, w.weight_g, 100.0));
    e.value(support_level(shoe.support) as f64 - support_level(w.support) as f64);
    e.value(shoe.cushioning.softness() - w.cushioning.softness());
    e.value(diff(shoe.price_usd, w.price_usd, 100.0));
    debug_assert_eq!(e.at, RELATION_COUNT);
    Relations(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_name_every_slot() {
        assert_eq!(runner_attribute_names().len(), RUNNER_DIM);
        assert_eq!(shoe_attribute_names().len(), SHOE_DIM);
        assert_eq!(relation_names().len(), RELATION_COUNT);
        assert_eq!(BRAND_LEVELS.len(), BRANDS.len() + 1);
    }

    #[test]
    fn model_line_drops_generation_numbers_only() {
        assert_eq!(model_line("brooks-ghost-16"), "brooks-ghost");
        assert_eq!(model_line("brooks-adrenaline-gts-24"), "brooks-adrenaline-gts");
        assert_eq!(model_line("hoka-speedgoat-5"), "hoka-speedgoat");
        assert_eq!(model_line("nike-vaporfly"), "nike-vaporfly");
    }

    #[test]
    fn brands_are_known_whatever_their_case_and_surrounding_spaces() {
        assert_eq!(brand_level("New Balance"), 6);
        assert_eq!(brand_level(" NIKE "), 7);
        assert_eq!(brand_level("hoka"), 4);
        assert_eq!(brand_level("Nikes"), BRANDS.len());
        assert_eq!(brand_level("New  Balance"), BRANDS.len());
    }

    #[test]
    fn bins_place_bounds_in_the_upper_level() {
        assert_eq!(bin(59.9, &[60.0, 70.0]), 0);
        assert_eq!(bin(60.0, &[60.0, 70.0]), 1);
        assert_eq!(bin(95.0, &[60.0, 70.0]), 2);
    }

    #[test]
    fn slot_constants_match_the_layouts() {
        let shoe = shoe_attribute_names();
        for (at, name) in [
            (slots::SHOE_BRAND, "brand=adidas"),
            (slots::SHOE_SUPPORT, "support=neutral"),
            (slots::SHOE_CUSHIONING, "cushioning=low"),
            (slots::SHOE_CATEGORY, "category=daily"),
            (slots::SHOE_TERRAIN, "terrain=road"),
            (slots::SHOE_PLATED, "plated"),
            (slots::SHOE_DROP, "drop_mm>=3"),
            (slots::SHOE_WEIGHT, "weight_g>=210"),
            (slots::SHOE_STACK, "heel_stack_mm>=28"),
            (slots::SHOE_PRICE, "price_usd>=100"),
            (slots::SHOE_OFFERS_WIDE, "offers_wide"),
            (slots::SHOE_OFFERS_NARROW, "offers_narrow"),
        ] {
            assert_eq!(shoe[at], name);
        }
        assert_eq!(slots::SHOE_OFFERS_NARROW + 1, SHOE_DIM);
        let relations = relation_names();
        for (at, name) in [
            (slots::SAME_BRAND, "same_brand_as_worn"),
            (slots::SAME_LINE, "same_line_as_worn"),
            (slots::SAME_SHOE, "same_shoe_as_worn"),
            (slots::SAME_CATEGORY, "same_category_as_worn"),
            (slots::STACK_CHANGE, "stack_change_cm"),
            (slots::WEIGHT_CHANGE, "weight_change_100g"),
            (slots::SUPPORT_STEP, "support_step"),
            (slots::SOFTNESS_CHANGE, "softness_change"),
            (slots::PRICE_CHANGE, "price_change_100usd"),
        ] {
            assert_eq!(relations[at], name);
        }
        assert_eq!(slots::PRICE_CHANGE + 1, RELATION_COUNT);
    }

    #[test]
    fn shoe_groups_cover_the_layout() {
        assert_eq!(shoe_attribute_group(0), "bias");
        assert_eq!(shoe_attribute_group(1), "brand");
        assert_eq!(shoe_attribute_group(SHOE_DIM - 1), "offers_narrow");
        let mut covered = 0;
        for (group, range) in shoe_attribute_groups() {
            assert_eq!(range.start, covered, "{group}");
            assert!(range.clone().all(|i| shoe_attribute_group(i) == group), "{group}");
            covered = range.end;
        }
        assert_eq!((covered, shoe_attribute_groups().count()), (SHOE_DIM, SHOE_GROUP_COUNT));
    }
}
