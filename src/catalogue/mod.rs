//! The catalogue: shoe models and insoles with the specs the scorer reads.
//! Specs are facts from brands and the reference tables; unknown numbers stay `None`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

use crate::validation::FieldError;

pub mod csv;
pub mod service;
pub use service::{CatalogueError, CatalogueItem, CatalogueService};

/// The model line of a catalogue id: the id without its trailing generation numbers
/// (`brooks-ghost-16` → `brooks-ghost`), so successive generations compare equal.
pub fn model_line(shoe_id: &str) -> &str {
    let mut line = shoe_id;
    while let Some((head, tail)) = line.rsplit_once('-') {
        if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) {
            line = head;
        } else {
            break;
        }
    }
    line
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[derive(diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Result<Self, String> {
                match text.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "'{}' is not one of: {}",
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum!(/// How much the shoe resists pronation.
    Support { Neutral => "neutral", Stability => "stability", MotionControl => "motion_control" });
text_enum!(/// How soft and thick the midsole feels.
    Cushioning { Low => "low", Moderate => "moderate", High => "high", Max => "max" });
text_enum!(/// Surface a shoe is made for, or a runner runs on.
    Terrain { Road => "road", Trail => "trail", RoadTrail => "road_trail" });
text_enum!(/// What the shoe is for.
    Category { Daily => "daily", Cushioned => "cushioned", Tempo => "tempo", Race => "race" });
text_enum!(/// Foot or last width.
    Width { Narrow => "narrow", Standard => "standard", Wide => "wide", ExtraWide => "extra_wide" });
text_enum!(/// Where a shoe stands in its model line: the generation sold now, the one before it
    /// (still in shops), or no longer made.
    ShoeStatus { Current => "current", Previous => "previous", Discontinued => "discontinued" });
text_enum!(/// Arch support of an insole.
    ArchSupport { Neutral => "neutral", Low => "low", Medium => "medium", High => "high" });
text_enum!(/// Room an insole takes in a shoe.
    Volume { Low => "low", Medium => "medium", High => "high" });
text_enum!(/// Cushioning of an insole.
    InsoleCushioning { Low => "low", Moderate => "moderate", High => "high" });
text_enum!(/// Stiffness of an insole's shell.
    Rigidity { Flexible => "flexible", SemiRigid => "semi_rigid", Rigid => "rigid" });

// `text_enum!` declares the enum, so `#[derive(Default)]` with `#[default]` is not available.
#[allow(clippy::derivable_impls)]
impl Default for Width {
    fn default() -> Self {
        Width::Standard
    }
}

/// The widths a model is made in: each at most once, always listed narrow → extra wide.
/// On the wire the same JSON array of width names a list was; stored as the names joined
/// with `|`. A bit per width, in the order of `Width`'s variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WidthSet(u8);

impl WidthSet {
    pub const fn of(width: Width) -> Self {
        WidthSet(1 << width as u8)
    }

    /// One bit per width: narrow 1, standard 2, wide 4, extra wide 8.
    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn contains(self, width: Width) -> bool {
        self.0 & Self::of(width).0 != 0
    }

    pub fn insert(&mut self, width: Width) {
        self.0 |= Self::of(width).0;
    }

    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Width> {
        Width::ALL.iter().copied().filter(move |w| self.contains(*w))
    }

    /// Parses names joined with `separator` (`narrow|wide`), as stored and in catalogue files.
    pub fn parse_joined(text: &str, separator: char) -> Result<Self, String> {
        text.split(separator).map(Width::parse).collect()
    }

    /// The names joined with `separator`, narrow first.
    pub fn joined(self, separator: &str) -> String {
        self.iter().map(Width::as_str).collect::<Vec<_>>().join(separator)
    }
}

impl FromIterator<Width> for WidthSet {
    fn from_iter<I: IntoIterator<Item = Width>>(widths: I) -> Self {
        let mut set = WidthSet::default();
        widths.into_iter().for_each(|w| set.insert(w));
        set
    }
}

impl<const N: usize> From<[Width; N]> for WidthSet {
    fn from(widths: [Width; N]) -> Self {
        widths.into_iter().collect()
    }
}

impl Serialize for WidthSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for WidthSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Width>::deserialize(deserializer)?.into_iter().collect())
    }
}

impl Cushioning {
    /// 0 (firm) to 1 (maximal) for the scorer.
    pub fn softness(self) -> f64 {
        match self {
            Cushioning::Low => 0.0,
            Cushioning::Moderate => 1.0 / 3.0,
            Cushioning::High => 2.0 / 3.0,
            Cushioning::Max => 1.0,
        }
    }
}

impl Terrain {
    /// How well a shoe made for `self` suits running on `surface`: 1 made for it, 0.5 hybrid, 0 not.
    pub fn suitability_for(self, surface: Terrain) -> f64 {
        match (self, surface) {
            (a, b) if a == b => 1.0,
            (Terrain::RoadTrail, _) | (_, Terrain::RoadTrail) => 0.5,
            _ => 0.0,
        }
    }
}

/// A shoe model as sold. `id` is a stable slug such as `brooks-ghost-16`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "brooks-ghost-16", "brand": "Brooks", "model": "Ghost 16", "release_year": 2024,
    "category": "daily", "support": "neutral", "cushioning": "high", "terrain": "road",
    "heel_stack_mm": 35.0, "forefoot_stack_mm": 23.0, "drop_mm": 12.0, "weight_g": 283.0,
    "price_usd": 140.0, "widths": ["narrow", "standard", "wide", "extra_wide"], "plated": false
}))]
pub struct Shoe {
    pub id: String,
    pub brand: String,
    pub model: String,
    #[serde(default)]
    pub release_year: Option<i32>,
    pub category: Category,
    pub support: Support,
    pub cushioning: Cushioning,
    pub terrain: Terrain,
    #[serde(default)]
    pub heel_stack_mm: Option<f64>,
    #[serde(default)]
    pub forefoot_stack_mm: Option<f64>,
    #[serde(default)]
    pub drop_mm: Option<f64>,
    #[serde(default)]
    pub weight_g: Option<f64>,
    #[serde(default)]
    pub price_usd: Option<f64>,
    #[schema(value_type = Vec<Width>)]
    pub widths: WidthSet,
    #[serde(default)]
    pub plated: bool,
    /// Where the specs come from.
    #[serde(default)]
    pub source: Option<String>,
    /// The model line across generations, e.g. `brooks-ghost`; when absent, the id without
    /// its trailing generation number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// Current, previous or discontinued generation; absent reads as current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ShoeStatus>,
}

/// An insole (sock liner replacement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "superfeet-run-support-medium-arch", "brand": "Superfeet", "model": "Run Support Medium Arch",
    "arch_support": "medium", "volume": "medium", "cushioning": "moderate", "rigidity": "semi_rigid",
    "price_usd": 55.0
}))]
pub struct Insole {
    pub id: String,
    pub brand: String,
    pub model: String,
    pub arch_support: ArchSupport,
    pub volume: Volume,
    pub cushioning: InsoleCushioning,
    pub rigidity: Rigidity,
    #[serde(default)]
    pub price_usd: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

fn check_id(id: &str, field: &str) -> Result<(), FieldError> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be 1-100 characters of lowercase letters, digits and '-'"))
    }
}

fn check_text(value: &str, field: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() || value.chars().count() > 120 {
        return Err(FieldError::new(field, "must be 1-120 characters"));
    }
    Ok(())
}

fn check_range(value: Option<f64>, field: &str, min: f64, max: f64, unit: &str) -> Result<(), FieldError> {
    match value {
        Some(v) if !(v.is_finite() && (min..=max).contains(&v)) => {
            Err(FieldError::new(field, format!("must be between {min} and {max} {unit}")))
        }
        _ => Ok(()),
    }
}

impl Shoe {
    /// Checks a shoe from the API or an import file before it reaches the catalogue.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_id(&self.id, "id")?;
        check_text(&self.brand, "brand")?;
        check_text(&self.model, "model")?;
        if let Some(year) = self.release_year {
            if !(1970..=2100).contains(&year) {
                return Err(FieldError::new("release_year", "must be between 1970 and 2100"));
            }
        }
        check_range(self.heel_stack_mm, "heel_stack_mm", 5.0, 60.0, "mm")?;
        check_range(self.forefoot_stack_mm, "forefoot_stack_mm", 3.0, 60.0, "mm")?;
        check_range(self.drop_mm, "drop_mm", 0.0, 20.0, "mm")?;
        check_range(self.weight_g, "weight_g", 80.0, 600.0, "g")?;
        check_range(self.price_usd, "price_usd", 1.0, 2000.0, "USD")?;
        if self.widths.is_empty() {
            return Err(FieldError::new("widths", "must list at least one width"));
        }
        if let Some(line) = &self.line {
            check_id(line, "line")?;
        }
        if let (Some(heel), Some(fore), Some(drop)) = (self.heel_stack_mm, self.forefoot_stack_mm, self.drop_mm) {
            if ((heel - fore) - drop).abs() > 1.5 {
                return Err(FieldError::new("drop_mm", "must equal heel_stack_mm - forefoot_stack_mm (within 1.5 mm)"));
            }
        }
        Ok(())
    }

    /// The model line this shoe belongs to (see `line`).
    pub fn line(&self) -> &str {
        self.line.as_deref().unwrap_or_else(|| model_line(&self.id))
    }

    pub fn status(&self) -> ShoeStatus {
        self.status.unwrap_or(ShoeStatus::Current)
    }

    pub fn offers_width(&self, width: Width) -> bool {
        self.widths.contains(width)
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.brand, self.model)
    }
}

impl Insole {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_id(&self.id, "id")?;
        check_text(&self.brand, "brand")?;
        check_text(&self.model, "model")?;
        check_range(self.price_usd, "price_usd", 1.0, 1000.0, "USD")
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.brand, self.model)
    }
}

/// An immutable snapshot of the catalogue, shared by every request until the next change.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub shoes: Vec<Shoe>,
    pub insoles: Vec<Insole>,
    shoe_index: HashMap<String, usize>,
}

impl Catalogue {
    pub fn new(mut shoes: Vec<Shoe>, mut insoles: Vec<Insole>) -> Self {
        shoes.sort_by(|a, b| a.id.cmp(&b.id));
        insoles.sort_by(|a, b| a.id.cmp(&b.id));
        let shoe_index = shoes.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        Self { shoes, insoles, shoe_index }
    }

    pub fn shoe(&self, id: &str) -> Option<&Shoe> {
        self.shoe_index.get(id).map(|&i| &self.shoes[i])
    }

    /// The shoe a request names in `field`, or a refusal that lists the closest catalogue ids:
    /// an unknown id silently ignored would drop what the caller meant it for.
    pub fn require_shoe(&self, id: &str, field: impl Into<String>) -> Result<&Shoe, FieldError> {
        self.shoe(id).ok_or_else(|| {
            let closest = self.closest_shoe_ids(id, 3);
            let hint = if closest.is_empty() { String::new() } else { format!("; closest: {}", closest.join(", ")) };
            FieldError::new(field, format!("'{id}' is not a catalogue shoe{hint}"))
        })
    }

    /// Up to `n` catalogue shoe ids closest to a mistyped one (edit distance, then id), for
    /// a refusal that helps staff find the shoe they meant.
    pub fn closest_shoe_ids(&self, id: &str, n: usize) -> Vec<&str> {
        let mut by_distance: Vec<(usize, &str)> =
            self.shoes.iter().map(|s| (edit_distance(id, &s.id), s.id.as_str())).collect();
        by_distance.sort();
        // Too far off to be a typo or another generation: no suggestion beats a silly one.
        let limit = (id.len() / 2).max(3);
        by_distance.into_iter().filter(|(d, _)| *d <= limit).take(n).map(|(_, id)| id).collect()
    }

}

/// Levenshtein distance over chars (ids are short ASCII slugs, so the O(n*m) row is cheap).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn shoe(id: &str) -> Shoe {
        Shoe {
            id: id.into(),
            brand: "Brand".into(),
            model: "Model".into(),
            release_year: Some(2024),
            category: Category::Daily,
            support: Support::Neutral,
            cushioning: Cushioning::Moderate,
            terrain: Terrain::Road,
            heel_stack_mm: Some(34.0),
            forefoot_stack_mm: Some(26.0),
            drop_mm: Some(8.0),
            weight_g: Some(260.0),
            price_usd: Some(140.0),
            widths: WidthSet::of(Width::Standard),
            plated: false,
            source: None,
            line: None,
            status: None,
        }
    }

    #[test]
    fn a_drop_that_disagrees_with_the_stacks_is_refused() {
        let mut s = shoe("a");
        s.drop_mm = Some(2.0);
        assert_eq!(s.validate().unwrap_err().field, "drop_mm");
    }

    #[test]
    fn ids_must_be_lowercase_slugs() {
        assert!(shoe("nike-pegasus-41").validate().is_ok());
        assert_eq!(shoe("Nike Pegasus").validate().unwrap_err().field, "id");
    }

    #[test]
    fn widths_read_as_a_set_and_write_narrow_first_once_each() {
        let set: WidthSet = serde_json::from_value(serde_json::json!(["wide", "narrow", "wide"])).unwrap();
        assert_eq!((set.len(), set.contains(Width::Standard)), (2, false));
        assert_eq!(serde_json::to_value(set).unwrap(), serde_json::json!(["narrow", "wide"]));
        assert_eq!(WidthSet::parse_joined(&set.joined("|"), '|').unwrap(), set);
        assert!(serde_json::from_value::<WidthSet>(serde_json::json!(["roomy"])).is_err());
        assert!(WidthSet::parse_joined("standard|roomy", '|').unwrap_err().contains("roomy"));
        assert!(serde_json::from_value::<WidthSet>(serde_json::json!([])).unwrap().is_empty());
    }

    #[test]
    fn enum_parse_lists_the_allowed_values() {
        assert_eq!(Support::parse("stability").unwrap(), Support::Stability);
        assert!(Support::parse("max").unwrap_err().contains("neutral, stability, motion_control"));
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("brooks-ghost-15", "brooks-ghost-16"), 1);
    }

    #[test]
    fn a_mistyped_id_suggests_the_nearest_catalogue_ids() {
        let catalogue = Catalogue::new(vec![shoe("brooks-ghost-16"), shoe("brooks-ghost-17"), shoe("nike-pegasus-41")], vec![]);
        assert_eq!(catalogue.closest_shoe_ids("brooks-ghost-15", 2), vec!["brooks-ghost-16", "brooks-ghost-17"]);
        assert!(catalogue.closest_shoe_ids("zzzzzzzzzzzzzzzzzzzz", 3).is_empty());
    }

    #[test]
    fn a_shoe_without_a_line_takes_it_from_its_id() {
        let mut s = shoe("brooks-beast-gts-24");
        assert_eq!(s.line(), "brooks-beast-gts");
        s.line = Some("brooks-beast".into());
        assert_eq!(s.line(), "brooks-beast");
        assert_eq!(s.status(), ShoeStatus::Current);
    }

    #[test]
    fn hybrid_shoes_half_suit_either_surface() {
        assert_eq!(Terrain::Road.suitability_for(Terrain::Road), 1.0);
        assert_eq!(Terrain::Road.suitability_for(Terrain::Trail), 0.0);
        assert_eq!(Terrain::RoadTrail.suitability_for(Terrain::Trail), 0.5);
    }
}
