//! The scoring kernel for scorers linear in a pair's inputs (the rules, the logistic model,
//! the interaction ranker). `ShoeMatrix` holds the catalogue as contiguous columns of small
//! level codes and a few numbers, built once per catalogue snapshot; per request the
//! scorer's weights and the fitter's margins fold into short tables over those codes, so a
//! shoe's rank key is six table reads and two multiply-adds, with no allocation per shoe.
//!
//! It computes the same sums as `pair_features`, `relations` and `shoe_attributes` fed to
//! the scorer's `rank_key` plus `Policy::adjustment` (tests compare every shoe's key).

use std::cell::RefCell;
use std::collections::HashMap;

use super::{Policy, Scored, Scorer};
use crate::catalogue::{model_line, Catalogue, Category, Cushioning, Shoe, ShoeStatus, Support, Terrain, Width, WidthSet};
use crate::features::attributes::{
    brand_level, category_level, cushioning_level, slots, support_level, terrain_level, DROP_MM, HEEL_STACK_MM,
    PRICE_USD, WEIGHT_G,
};
use crate::features::{
    goal_fit, Feature, FeatureVector, Pair, Relations, RunnerSignals, ShoeAttributes, FEATURE_COUNT,
    RELATION_COUNT, SHOE_DIM, TYPICAL_DROP_MM, TYPICAL_WEIGHT_G,
};
use crate::fitting::Goal;

/// A scorer's rank key as a linear function of a pair's inputs:
/// `offset + hand·x + relations·r + shoe·a` (the interaction ranker's runner side folded in).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    pub offset: f64,
    pub hand: [f64; FEATURE_COUNT],
    pub relations: [f64; RELATION_COUNT],
    pub shoe: [f64; SHOE_DIM],
}

impl Linear {
    pub fn hand_only(offset: f64, hand: [f64; FEATURE_COUNT]) -> Self {
        Self { offset, hand, relations: [0.0; RELATION_COUNT], shoe: [0.0; SHOE_DIM] }
    }
}

const SUPPORTS: [Support; 3] = [Support::Neutral, Support::Stability, Support::MotionControl];
const CUSHIONINGS: [Cushioning; 4] = [Cushioning::Low, Cushioning::Moderate, Cushioning::High, Cushioning::Max];
const CATEGORIES: [Category; 4] = [Category::Daily, Category::Cushioned, Category::Tempo, Category::Race];
const TERRAINS: [Terrain; 3] = [Terrain::Road, Terrain::Trail, Terrain::RoadTrail];
/// Price level of a shoe without a list price (levels 0-6 count the thresholds reached).
const NO_PRICE: usize = 7;
const _: () = assert!(PRICE_USD.len() < NO_PRICE && DROP_MM.len() < 8 && WEIGHT_G.len() < 8 && HEEL_STACK_MM.len() < 8 && MAX_BRANDS == 256);
/// Positions in a shoe's `codes`: support × cushioning; category × terrain × plated; brand,
/// by exact (case-insensitive) name; drop level × weight level; heel-stack level × price
/// level; one bit per width made.
const SC: usize = 0;
const CTP: usize = 1;
const BRAND: usize = 2;
const DW: usize = 3;
const SP: usize = 4;
const WIDTHS_MADE: usize = 5;
/// Brands a matrix can code in one byte; a catalogue with more ranks through the generic path.
const MAX_BRANDS: usize = 256;

fn sc_code(s: Support, c: Cushioning) -> usize {
    support_level(s) * 4 + cushioning_level(c)
}
fn ctp_code(g: Category, t: Terrain, plated: bool) -> usize {
    category_level(g) * 6 + terrain_level(t) * 2 + plated as usize
}
fn width_bit(w: Width) -> u8 {
    WidthSet::of(w).bits()
}
/// How many thresholds `value` reaches (the thermometer code's set slots), 0 when unknown.
fn level(value: Option<f64>, thresholds: &[f64]) -> usize {
    value.map_or(0, |v| thresholds.iter().take_while(|t| v >= **t).count())
}

/// Counts of candidate shoes per code, and sums of their numbers: enough to rebuild the
/// average candidate's inputs without visiting each shoe's inputs.
#[derive(Clone)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct Counts {
    sc: [u32; 16],
    ctp: [u32; 32],
    brand: [u32; MAX_BRANDS],
    dw: [u32; 64],
    sp: [u32; 64],
    widths: [u32; 16],
    n: u32,
    drop: f64,
    weight: f64,
}

impl Counts {
    /// How many shoes were counted.
    pub(crate) fn len(&self) -> usize {
        self.n as usize
    }
}

impl Default for Counts {
    fn default() -> Self {
        Self { sc: [0; 16], ctp: [0; 32], brand: [0; MAX_BRANDS], dw: [0; 64], sp: [0; 64], widths: [0; 16], n: 0, drop: 0.0, weight: 0.0 }
    }
}

/// The catalogue snapshot as columns (shoe `i` of the catalogue is row `i`).
pub struct ShoeMatrix {
    /// Each shoe's six codes side by side (`SC`, `CTP`, `BRAND`, `DW`, `SP`, `WIDTHS_MADE`), so the
    /// hot pass reads them from one place.
    codes: Vec<[u8; 8]>,
    /// Drop and weight with the typical values standing in for unknown ones.
    drop: Vec<f64>,
    weight: Vec<f64>,
    /// Raw numbers, NaN when unknown.
    price: Vec<f64>,
    stack_raw: Vec<f64>,
    weight_raw: Vec<f64>,
    /// `model_line(id)` (worn-pair relations) and `Shoe::line` (the fitter), interned.
    model_line: Vec<u32>,
    line: Vec<u32>,
    /// Newest first: current before previous, then the later release.
    freshness: Vec<i64>,
    discontinued: Vec<bool>,
    brand_levels: Vec<usize>,
    line_ids: HashMap<String, u32>,
    lines: usize,
    /// Shoe indices grouped by line (ascending within a line): line `l` is
    /// `line_members[line_starts[l]..line_starts[l + 1]]`.
    line_members: Vec<u32>,
    line_starts: Vec<u32>,
    /// The same groups, each newest first (ties in catalogue order): a line's representative
    /// is the first shoe of its group close enough to the line's best.
    fresh_members: Vec<u32>,
    /// Each shoe's line, or `lines` (no line: not a candidate) for a discontinued shoe: the
    /// candidates' slots when no filter applies.
    slots: Vec<u32>,
    /// Every shoe that is not discontinued: the candidates when no filter applies.
    current: Box<Counts>,
}

fn freshness(s: &Shoe) -> i64 {
    let status = match s.status() {
        ShoeStatus::Current => 2,
        ShoeStatus::Previous => 1,
        ShoeStatus::Discontinued => 0,
    };
    (status << 40) + i64::from(s.release_year.unwrap_or(0))
}

fn intern(ids: &mut HashMap<String, u32>, key: &str) -> u32 {
    let next = ids.len() as u32;
    *ids.entry(key.to_owned()).or_insert(next)
}

impl ShoeMatrix {
    /// `None` when the catalogue has more brands than the codes hold.
    pub fn new(catalogue: &Catalogue) -> Option<Self> {
        let shoes = &catalogue.shoes;
        let mut brand_ids: HashMap<String, u32> = HashMap::new();
        let mut brand_levels = Vec::new();
        let mut model_line_ids = HashMap::new();
        let mut line_ids = HashMap::new();
        let mut m = ShoeMatrix {
            codes: Vec::with_capacity(shoes.len()),
            drop: Vec::with_capacity(shoes.len()),
            weight: Vec::with_capacity(shoes.len()),
            price: Vec::with_capacity(shoes.len()),
            stack_raw: Vec::with_capacity(shoes.len()),
            weight_raw: Vec::with_capacity(shoes.len()),
            model_line: Vec::with_capacity(shoes.len()),
            line: Vec::with_capacity(shoes.len()),
            freshness: Vec::with_capacity(shoes.len()),
            discontinued: Vec::with_capacity(shoes.len()),
            brand_levels: Vec::new(),
            line_ids: HashMap::new(),
            lines: 0,
            line_members: Vec::new(),
            line_starts: Vec::new(),
            fresh_members: Vec::new(),
            slots: Vec::new(),
            current: Box::default(),
        };
        for s in shoes {
            let before = brand_ids.len();
            let brand = intern(&mut brand_ids, &s.brand.to_ascii_lowercase());
            if brand_ids.len() > before {
                brand_levels.push(brand_level(&s.brand));
            }
            if brand_ids.len() > MAX_BRANDS {
                return None;
            }
            let price_level = if s.price_usd.is_some() { level(s.price_usd, PRICE_USD) } else { NO_PRICE };
            let mut codes = [0u8; 8];
            codes[SC] = sc_code(s.support, s.cushioning) as u8;
            codes[CTP] = ctp_code(s.category, s.terrain, s.plated) as u8;
            codes[BRAND] = brand as u8;
            codes[DW] = (level(s.drop_mm, DROP_MM) << 3 | level(s.weight_g, WEIGHT_G)) as u8;
            codes[SP] = (level(s.heel_stack_mm, HEEL_STACK_MM) << 3 | price_level) as u8;
            codes[WIDTHS_MADE] = s.widths.bits();
            m.codes.push(codes);
            m.drop.push(s.drop_mm.unwrap_or(TYPICAL_DROP_MM));
            m.weight.push(s.weight_g.unwrap_or(TYPICAL_WEIGHT_G));
            m.price.push(s.price_usd.unwrap_or(f64::NAN));
            m.stack_raw.push(s.heel_stack_mm.unwrap_or(f64::NAN));
            m.weight_raw.push(s.weight_g.unwrap_or(f64::NAN));
            m.model_line.push(intern(&mut model_line_ids, model_line(&s.id)));
            m.line.push(intern(&mut line_ids, s.line()));
            m.freshness.push(freshness(s));
            m.discontinued.push(s.status() == ShoeStatus::Discontinued);
        }
        m.brand_levels = brand_levels;
        m.lines = line_ids.len();
        m.line_ids = line_ids;
        let mut members: Vec<u32> = (0..shoes.len() as u32).collect();
        members.sort_by_key(|&i| (m.line[i as usize], i));
        let mut starts = vec![0u32; m.lines + 1];
        for &i in &members {
            starts[m.line[i as usize] as usize + 1] += 1;
        }
        for l in 0..m.lines {
            starts[l + 1] += starts[l];
        }
        let mut fresh = members.clone();
        fresh.sort_by_key(|&i| (m.line[i as usize], std::cmp::Reverse(m.freshness[i as usize]), i));
        m.fresh_members = fresh;
        m.line_members = members;
        m.line_starts = starts;
        let no_line = m.lines as u32;
        m.slots = (0..shoes.len()).map(|i| if m.discontinued[i] { no_line } else { m.line[i] }).collect();
        let mut current = Counts::default();
        for i in 0..shoes.len() {
            if !m.discontinued[i] {
                m.count(&mut current, i);
            }
        }
        m.current = Box::new(current);
        Some(m)
    }

    fn count(&self, c: &mut Counts, i: usize) {
        self.count_codes(c, i);
        c.drop += self.drop[i];
        c.weight += self.weight[i];
    }

    #[inline(always)]
    fn count_codes(&self, c: &mut Counts, i: usize) {
        let codes = &self.codes[i];
        c.sc[codes[SC] as usize] += 1;
        c.ctp[codes[CTP] as usize] += 1;
        c.brand[codes[BRAND] as usize] += 1;
        c.dw[codes[DW] as usize] += 1;
        c.sp[codes[SP] as usize] += 1;
        c.widths[codes[WIDTHS_MADE] as usize] += 1;
        c.n += 1;
    }

    /// Takes a shoe `count_codes` counted back out.
    #[inline(always)]
    fn uncount_codes(&self, c: &mut Counts, i: usize) {
        let codes = &self.codes[i];
        c.sc[codes[SC] as usize] -= 1;
        c.ctp[codes[CTP] as usize] -= 1;
        c.brand[codes[BRAND] as usize] -= 1;
        c.dw[codes[DW] as usize] -= 1;
        c.sp[codes[SP] as usize] -= 1;
        c.widths[codes[WIDTHS_MADE] as usize] -= 1;
        c.n -= 1;
    }

    /// The counts of the shoes in `slots` (not `no_line()`), taken shoe by shoe, for the tests.
    #[cfg(test)]
    pub(crate) fn counted_one_by_one(&self, slots: &[u32]) -> Counts {
        let mut c = Counts::default();
        for (i, &slot) in slots.iter().enumerate() {
            if slot != self.no_line() {
                self.count(&mut c, i);
            }
        }
        c
    }

    /// Each shoe's rejections under a request's filters (`super::rejected` bits, as
    /// `Filters::rejections` gives them), one pass over a column per filter the request has
    /// (`stock[i]`: shoe `i` is in the store's stock; read only with `only_ids`).
    pub(crate) fn rejections(&self, filters: &super::Filters, stock: &[bool], bits: &mut Vec<u8>) {
        use super::rejected;
        let n = self.len();
        bits.clear();
        bits.resize(n, 0);
        let bits = &mut bits[..n];
        if filters.only_ids.is_some() {
            for (b, &s) in bits.iter_mut().zip(&stock[..n]) {
                *b |= rejected::STOCK * u8::from(!s);
            }
        }
        if let Some(w) = filters.width {
            let bit = width_bit(w);
            for (b, c) in bits.iter_mut().zip(&self.codes) {
                *b |= rejected::WIDTH * u8::from(c[WIDTHS_MADE] & bit == 0);
            }
        }
        if let Some(surface) = filters.terrain {
            let suits = TERRAINS.map(|t| t.suitability_for(surface) > 0.0);
            for (b, c) in bits.iter_mut().zip(&self.codes) {
                *b |= rejected::TERRAIN * u8::from(!suits[(c[CTP] as usize % 6) / 2]);
            }
        }
        if let Some(max) = filters.max_price_usd {
            // A shoe without a price (NaN) fails the limit.
            for (b, &p) in bits.iter_mut().zip(&self.price) {
                *b |= rejected::PRICE * u8::from(p.is_nan() || p > max);
            }
        }
    }

    /// The candidates' counts into `out` (`slots[i]`: shoe `i`'s slot, `no_line()` when it is
    /// not a candidate). With `current_only` (every candidate is a current shoe) and fewer
    /// current shoes turned away than kept, they are the current shoes' counts less those
    /// turned away: whole numbers, so the same counts. The drop and weight sums run over the
    /// candidates in catalogue order either way, from 0.0, the order counting shoe by shoe
    /// adds them in (a shoe that is not a candidate adds -0.0, which changes no sum's bits).
    pub(crate) fn candidate_counts(&self, slots: &[u32], current_only: bool, out: &mut Counts) {
        let n = self.len();
        let (slots, discontinued) = (&slots[..n], &self.discontinued[..n]);
        let no_line = self.no_line();
        let candidates = slots.iter().filter(|&&s| s != no_line).count();
        if current_only && 2 * candidates > self.current.len() {
            out.clone_from(&self.current);
            for (i, (&slot, &gone)) in slots.iter().zip(discontinued).enumerate() {
                if slot == no_line && !gone {
                    self.uncount_codes(out, i);
                }
            }
        } else {
            *out = Counts::default();
            for (i, &slot) in slots.iter().enumerate() {
                if slot != no_line {
                    self.count_codes(out, i);
                }
            }
        }
        let (drop, weight) = (&self.drop[..n], &self.weight[..n]);
        let (mut drop_sum, mut weight_sum) = (0.0, 0.0);
        for i in 0..n {
            let candidate = slots[i] != no_line;
            drop_sum += if_candidate(candidate, drop[i]);
            weight_sum += if_candidate(candidate, weight[i]);
        }
        out.drop = drop_sum;
        out.weight = weight_sum;
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub(crate) fn is_discontinued(&self, i: usize) -> bool {
        self.discontinued[i]
    }

    pub(crate) fn line_of(&self, i: usize) -> u32 {
        self.line[i]
    }

    /// The shoes of line `l`, in catalogue order.
    pub(crate) fn line_members(&self, l: u32) -> &[u32] {
        &self.line_members[self.line_starts[l as usize] as usize..self.line_starts[l as usize + 1] as usize]
    }

    /// The slot of a shoe that is not a candidate (see `slots`).
    pub(crate) fn no_line(&self) -> u32 {
        self.lines as u32
    }

    /// Each shoe's candidate slot when no filter applies (see `slots`).
    pub(crate) fn unfiltered_slots(&self) -> &[u32] {
        &self.slots
    }

    pub(crate) fn current_counts(&self) -> &Counts {
        &self.current
    }
}

/// Where each input goes: a dot product with the weights, or a sum for the average candidate.
trait Sink {
    fn hand(&mut self, f: Feature, v: f64);
    fn relation(&mut self, i: usize, v: f64);
    fn attribute(&mut self, j: usize, v: f64);
}

struct Dot<'a> {
    w: &'a Linear,
    sum: f64,
}

impl Sink for Dot<'_> {
    fn hand(&mut self, f: Feature, v: f64) {
        self.sum += self.w.hand[f.index()] * v;
    }
    fn relation(&mut self, i: usize, v: f64) {
        self.sum += self.w.relations[i] * v;
    }
    fn attribute(&mut self, j: usize, v: f64) {
        self.sum += self.w.shoe[j] * v;
    }
}

/// Sums of inputs, each scaled by how many candidates share the code.
struct Sums {
    x: [f64; FEATURE_COUNT],
    relations: [f64; RELATION_COUNT],
    shoe: [f64; SHOE_DIM],
    times: f64,
}

impl Sink for Sums {
    fn hand(&mut self, f: Feature, v: f64) {
        self.x[f.index()] += v * self.times;
    }
    fn relation(&mut self, i: usize, v: f64) {
        self.relations[i] += v * self.times;
    }
    fn attribute(&mut self, j: usize, v: f64) {
        self.shoe[j] += v * self.times;
    }
}

/// The worn pair in the matrix's codes.
struct Worn {
    brand: Option<u8>,
    model_line: Option<u32>,
    index: Option<u32>,
    support: Support,
    cushioning: Cushioning,
    category: Category,
    stack: Option<f64>,
    weight: Option<f64>,
    price: Option<f64>,
}

/// One request's runner with what the kernel reads of it.
pub(crate) struct Request<'a> {
    runner: &'a RunnerSignals,
    worn: Option<Worn>,
    liked_line: Option<u32>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(matrix: &ShoeMatrix, catalogue: &Catalogue, runner: &'a RunnerSignals, policy: &Policy) -> Self {
        let worn = runner.worn.as_ref().map(|w| {
            // The worn pair comes from this catalogue; its row gives its codes.
            let index = catalogue.shoes.binary_search_by(|s| s.id.as_str().cmp(&w.id)).ok();
            let row = index.or_else(|| catalogue.shoes.iter().position(|s| s.brand.eq_ignore_ascii_case(&w.brand)));
            let brand = row.map(|i| matrix.codes[i][BRAND]);
            let line = model_line(&w.id);
            let model_line = match index {
                Some(i) => Some(matrix.model_line[i]),
                None => catalogue.shoes.iter().position(|s| model_line(&s.id) == line).map(|i| matrix.model_line[i]),
            };
            Worn {
                brand,
                model_line,
                index: index.map(|i| i as u32),
                support: w.support,
                cushioning: w.cushioning,
                category: w.category,
                stack: w.heel_stack_mm,
                weight: w.weight_g,
                price: w.price_usd,
            }
        });
        let liked_line = policy.liked_line.as_deref().and_then(|l| matrix.line_ids.get(l).copied());
        Self { runner, worn, liked_line }
    }

    fn support_cushioning(&self, s: Support, c: Cushioning, sink: &mut impl Sink) {
        let r = self.runner;
        let supportive = matches!(s, Support::Stability | Support::MotionControl) as u8 as f64;
        let motion_control = (s == Support::MotionControl) as u8 as f64;
        let stability = (s == Support::Stability) as u8 as f64;
        let softness = c.softness();
        sink.hand(Feature::StabilityXPronation, supportive * r.pronation);
        sink.hand(
            Feature::MotionControlXMarkedPronation,
            motion_control * ((r.pronation - RunnerSignals::MARKED_PRONATION) / (1.0 - RunnerSignals::MARKED_PRONATION)).max(0.0),
        );
        sink.hand(Feature::MotionControlXNeutral, motion_control * (1.0 - r.pronation));
        sink.hand(Feature::StabilityXNeutral, stability * (1.0 - r.pronation));
        sink.hand(Feature::SoftnessXLight, softness * r.light);
        sink.hand(Feature::Softness, softness);
        sink.hand(Feature::FeelAgreement, r.feel.map_or(0.0, |f| f.agreement(c)));
        sink.hand(Feature::SupinationXSoftness, r.supination * softness);
        sink.hand(Feature::MileageXSoftness, r.weekly_km.min(120.0) / 50.0 * softness);
        sink.attribute(slots::SHOE_SUPPORT + support_level(s), 1.0);
        sink.attribute(slots::SHOE_CUSHIONING + cushioning_level(c), 1.0);
        if let Some(w) = &self.worn {
            sink.relation(slots::SUPPORT_STEP, support_level(s) as f64 - support_level(w.support) as f64);
            sink.relation(slots::SOFTNESS_CHANGE, softness - w.cushioning.softness());
        }
    }

    fn category_terrain_plated(&self, g: Category, t: Terrain, plated: bool, sink: &mut impl Sink) {
        let r = self.runner;
        sink.hand(Feature::TerrainFit, t.suitability_for(r.terrain));
        sink.hand(Feature::GoalFit, goal_fit(r.goal, g));
        sink.hand(Feature::PlatedXNotRacing, (plated && r.goal != Goal::Racing) as u8 as f64);
        sink.attribute(slots::SHOE_CATEGORY + category_level(g), 1.0);
        sink.attribute(slots::SHOE_TERRAIN + terrain_level(t), 1.0);
        sink.attribute(slots::SHOE_PLATED, plated as u8 as f64);
        if let Some(w) = &self.worn {
            sink.relation(slots::SAME_CATEGORY, (w.category == g) as u8 as f64);
        }
    }

    fn brand(&self, matrix: &ShoeMatrix, brand: usize, sink: &mut impl Sink) {
        sink.attribute(slots::SHOE_BRAND + matrix.brand_levels[brand], 1.0);
        if let Some(w) = &self.worn {
            sink.relation(slots::SAME_BRAND, (w.brand == Some(brand as u8)) as u8 as f64);
        }
    }

    fn drop_weight(code: usize, sink: &mut impl Sink) {
        for k in 0..code >> 3 {
            sink.attribute(slots::SHOE_DROP + k, 1.0);
        }
        for k in 0..code & 7 {
            sink.attribute(slots::SHOE_WEIGHT + k, 1.0);
        }
    }

    fn stack_price(code: usize, sink: &mut impl Sink) {
        for k in 0..code >> 3 {
            sink.attribute(slots::SHOE_STACK + k, 1.0);
        }
        let price_level = if code & 7 == NO_PRICE { 0 } else { code & 7 };
        for k in 0..price_level {
            sink.attribute(slots::SHOE_PRICE + k, 1.0);
        }
    }

    fn widths(&self, bits: u8, sink: &mut impl Sink) {
        let offers = |w: Width| bits & width_bit(w) != 0;
        sink.hand(Feature::WidthUnavailable, (!offers(self.runner.width)) as u8 as f64);
        sink.attribute(slots::SHOE_OFFERS_WIDE, (offers(Width::Wide) || offers(Width::ExtraWide)) as u8 as f64);
        sink.attribute(slots::SHOE_OFFERS_NARROW, offers(Width::Narrow) as u8 as f64);
    }
}

/// A request's tables: each code's share of the rank key.
/// Each table has an entry for every byte, so a code indexes it without a check or a mask.
/// Kept per worker (`Scratch`): a request writes every entry a code of its matrix can
/// reach, and the others stay zero, so 12 KB are not zeroed again for every request.
pub(crate) struct Tables {
    base: f64,
    drop: f64,
    weight: f64,
    sc: [f64; 256],
    ctp: [f64; 256],
    brand: [f64; MAX_BRANDS],
    dw: [f64; 256],
    sp: [f64; 256],
    widths: [f64; 256],
}

fn dot(w: &Linear, emit: impl FnOnce(&mut Dot)) -> f64 {
    let mut d = Dot { w, sum: 0.0 };
    emit(&mut d);
    d.sum
}

impl Default for Box<Tables> {
    fn default() -> Self {
        Box::new(Tables {
            base: 0.0,
            drop: 0.0,
            weight: 0.0,
            sc: [0.0; 256],
            ctp: [0.0; 256],
            brand: [0.0; MAX_BRANDS],
            dw: [0.0; 256],
            sp: [0.0; 256],
            widths: [0.0; 256],
        })
    }
}

impl Tables {
    /// This request's entries for every code of `m`, and its linear numbers.
    fn fill(&mut self, m: &ShoeMatrix, q: &Request, w: &Linear, policy: &Policy) {
        let r = q.runner;
        let t = self;
        for s in SUPPORTS {
            for c in CUSHIONINGS {
                t.sc[sc_code(s, c)] = dot(w, |d| q.support_cushioning(s, c, d));
            }
        }
        let racing = r.goal == Goal::Racing;
        for g in CATEGORIES {
            for terrain in TERRAINS {
                for plated in [false, true] {
                    let mut v = dot(w, |d| q.category_terrain_plated(g, terrain, plated, d));
                    if racing {
                        let plate = if plated { 1.0 } else { 0.5 };
                        v += policy.racing_goal_margin * plate * goal_fit(r.goal, g) * terrain.suitability_for(r.terrain);
                    }
                    t.ctp[ctp_code(g, terrain, plated)] = v;
                }
            }
        }
        for b in 0..m.brand_levels.len() {
            t.brand[b] = dot(w, |d| q.brand(m, b, d));
        }
        // Thermometer codes: a level's sum is the level below it plus one weight, added in
        // the order `drop_weight` and `stack_price` feed the dot product (the same bits).
        let mut row = 0.0;
        for d in 0..=DROP_MM.len() {
            if d > 0 {
                row += w.shoe[slots::SHOE_DROP + d - 1];
            }
            let mut v = row;
            for k in 0..=WEIGHT_G.len() {
                if k > 0 {
                    v += w.shoe[slots::SHOE_WEIGHT + k - 1];
                }
                t.dw[d << 3 | k] = v;
            }
        }
        let mut row = 0.0;
        for s in 0..=HEEL_STACK_MM.len() {
            if s > 0 {
                row += w.shoe[slots::SHOE_STACK + s - 1];
            }
            let mut v = row;
            for k in 0..=PRICE_USD.len() {
                if k > 0 {
                    v += w.shoe[slots::SHOE_PRICE + k - 1];
                }
                t.sp[s << 3 | k] = v;
            }
            t.sp[s << 3 | NO_PRICE] = row - policy.no_price_margin;
        }
        for bits in 0..16u8 {
            let mut v = dot(w, |d| q.widths(bits, d));
            if bits & width_bit(r.width) == 0 {
                v -= policy.width_margin;
            }
            t.widths[bits as usize] = v;
        }
        // Drop and weight enter linearly: drop / 10 (drop_cm), forefoot × drop / 10, drop
        // minus the worn drop; (300 - weight) / 100 (lightness).
        let h = |f: Feature| w.hand[f.index()];
        t.drop = h(Feature::DropCm) / 10.0 + h(Feature::ForefootStrikeXDrop) * r.forefoot_strike / 10.0;
        t.weight = -h(Feature::Lightness) / 100.0;
        t.base = w.offset + w.shoe[0] + h(Feature::Lightness) * 3.0;
        if let Some(worn_drop) = r.worn_drop_mm {
            t.drop += h(Feature::DropChangeMm);
            t.base -= h(Feature::DropChangeMm) * worn_drop;
        }
    }
}

/// Per-worker buffers, reused from one request to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) keys: Vec<f64>,
    /// Each shoe's line when it is a candidate of a filtered request, else `no_line`.
    pub(crate) slots: Vec<u32>,
    /// Each line's best candidate.
    pub(crate) best: Vec<Best>,
    pub(crate) unstocked: Vec<(f64, u32)>,
    pub(crate) stock: Vec<bool>,
    /// Each shoe's rejections under a filtered request's filters (`ShoeMatrix::rejections`).
    pub(crate) bits: Vec<u8>,
    pub(crate) counts: Box<Counts>,
    pub(crate) lines: LineBuffers,
    pub(crate) pass: PassBuffers,
}

/// The keys' pass's own buffers: the request's tables, and each shoe's optional terms for
/// the candidates' sums (`fused`).
#[derive(Default)]
pub(crate) struct PassBuffers {
    tables: Box<Tables>,
    terms: Vec<f64>,
}

/// `line_pool`'s per-line buffers.
#[derive(Default)]
pub(crate) struct LineBuffers {
    best: Vec<(f64, u32)>,
    rep: Vec<(f64, u32)>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's buffers (fresh ones if they are in use further up the stack).
pub(crate) fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// The per-shoe terms that only some requests have (budget, worn pair, liked line), with
/// what each needs; an absent term is compiled out of the pass (see `fused`).
struct Extra {
    budget: Option<(f64, f64, f64, f64)>,
    worn_drop: Option<(f64, f64)>,
    worn: Option<WornTerms>,
    liked: Option<(u32, f64)>,
}

struct WornTerms {
    same_line: u32,
    same_line_weight: f64,
    same_shoe: usize,
    same_shoe_weight: f64,
    /// Stack, weight and price changes: (worn value, scale, slope), when the worn pair has it.
    changes: [Option<(f64, f64, f64)>; 3],
}

impl Extra {
    fn new(q: &Request, w: &Linear, policy: &Policy) -> Self {
        let r = q.runner;
        let h = |f: Feature| w.hand[f.index()];
        let rel = &w.relations;
        Self {
            budget: r.budget_usd.map(|b| (b, h(Feature::OverBudget), b.max(1.0), policy.over_budget_margin)),
            worn_drop: r.worn_drop_mm.map(|d| (d, h(Feature::DropChangeExcessMm))),
            worn: q.worn.as_ref().map(|worn| WornTerms {
                same_line: worn.model_line.unwrap_or(u32::MAX),
                same_line_weight: rel[slots::SAME_LINE],
                same_shoe: worn.index.map_or(usize::MAX, |i| i as usize),
                same_shoe_weight: rel[slots::SAME_SHOE],
                changes: [
                    worn.stack.map(|v| (v, 10.0, rel[slots::STACK_CHANGE])),
                    worn.weight.map(|v| (v, 100.0, rel[slots::WEIGHT_CHANGE])),
                    worn.price.map(|v| (v, 100.0, rel[slots::PRICE_CHANGE])),
                ],
            }),
            liked: q.liked_line.map(|l| (l, policy.liked_line_margin)),
        }
    }
}

/// Each line's best candidate as it stands: `(ordered key, shoe)` (see `ordered`);
/// `u32::MAX` when the line has none yet. `i64::MIN` orders below every key the pass makes
/// (only a NaN with every bit set maps to it).
pub(crate) type Best = (i64, u32);
const NO_BEST: Best = (i64::MIN, u32::MAX);

/// The candidates' sums of the per-shoe terms that are not linear in a code (the average
/// candidate's share of them, see `typical`), taken in the keys' pass from the same numbers
/// the keys add. Each float sum starts at -0.0 and runs in catalogue order; a shoe that is not
/// a candidate adds -0.0, which leaves every sum's bits as they were, so each is what
/// `Iterator::sum` over the candidates alone gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TermSums {
    /// Drop change beyond 4 mm (runners with a worn drop).
    pub(crate) excess: f64,
    /// Price over budget, scaled (runners with a budget).
    pub(crate) over: f64,
    /// Stack, weight and price changes from the worn pair (where it has them; NaN terms left out).
    pub(crate) changes: [f64; 3],
    /// Candidates in the worn pair's line, and the worn pair itself among them.
    pub(crate) same_line: usize,
    pub(crate) same_shoe: usize,
}

impl Default for TermSums {
    fn default() -> Self {
        Self { excess: -0.0, over: -0.0, changes: [-0.0; 3], same_line: 0, same_shoe: 0 }
    }
}

/// `term` for a candidate, else -0.0, the one number that adds nothing to any sum's bits.
#[inline(always)]
fn if_candidate(candidate: bool, term: f64) -> f64 {
    if candidate {
        term
    } else {
        -0.0
    }
}

/// A key as an integer that orders as `f64::total_cmp` does (one compare in the hot loop).
#[inline(always)]
fn ordered(key: f64) -> i64 {
    let bits = key.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Every shoe's rank key (scorer log-odds plus the fitter's margins, on the grid) into
/// `keys`, and in the same pass each line's best candidate into `best` and the candidates'
/// term sums (returned): `slots[i]` is shoe `i`'s line, or `m.no_line()` when it is not a
/// candidate (`best` has a slot for that too).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rank_keys_and_best(
    m: &ShoeMatrix,
    q: &Request,
    w: &Linear,
    policy: &Policy,
    slots: &[u32],
    keys: &mut Vec<f64>,
    best: &mut Vec<Best>,
    buffers: &mut PassBuffers,
) -> TermSums {
    let PassBuffers { tables: t, terms } = buffers;
    t.fill(m, q, w, policy);
    // Written for every shoe where a term is present, read only there.
    terms.resize(TERM_COLUMNS * m.len(), 0.0);
    let x = Extra::new(q, w, policy);
    // The pass writes every key: only a longer catalogue needs new (zeroed) room.
    keys.truncate(m.len());
    keys.resize(m.len(), 0.0);
    best.clear();
    best.resize(m.lines + 1, NO_BEST);
    let (b, d, wo, l) = (x.budget.is_some(), x.worn_drop.is_some(), x.worn.is_some(), x.liked.is_some());
    let pass = match (b, d, wo, l) {
        (false, false, false, false) => fused::<false, false, false, false>,
        (false, false, false, true) => fused::<false, false, false, true>,
        (false, false, true, false) => fused::<false, false, true, false>,
        (false, false, true, true) => fused::<false, false, true, true>,
        (false, true, false, false) => fused::<false, true, false, false>,
        (false, true, false, true) => fused::<false, true, false, true>,
        (false, true, true, false) => fused::<false, true, true, false>,
        (false, true, true, true) => fused::<false, true, true, true>,
        (true, false, false, false) => fused::<true, false, false, false>,
        (true, false, false, true) => fused::<true, false, false, true>,
        (true, false, true, false) => fused::<true, false, true, false>,
        (true, false, true, true) => fused::<true, false, true, true>,
        (true, true, false, false) => fused::<true, true, false, false>,
        (true, true, false, true) => fused::<true, true, false, true>,
        (true, true, true, false) => fused::<true, true, true, false>,
        (true, true, true, true) => fused::<true, true, true, true>,
    };
    pass(m, t, &x, slots, keys, best, terms)
}

/// Every shoe's rank key into `keys` (the catalogue's current shoes as candidates).
#[cfg(test)]
pub(crate) fn rank_keys(m: &ShoeMatrix, q: &Request, w: &Linear, policy: &Policy, keys: &mut Vec<f64>) {
    rank_keys_and_best(m, q, w, policy, &m.slots, keys, &mut Vec::new(), &mut PassBuffers::default());
}

/// The candidates' term sums as `rank_keys_and_best` takes them, for the tests.
#[cfg(test)]
pub(crate) fn term_sums(m: &ShoeMatrix, q: &Request, w: &Linear, policy: &Policy) -> TermSums {
    rank_keys_and_best(m, q, w, policy, &m.slots, &mut Vec::new(), &mut Vec::new(), &mut PassBuffers::default())
}

/// The pass over the columns, in loops over contiguous memory: the tables' six entries and
/// the two linear numbers (table reads, so one shoe at a time); the request's optional terms
/// (the worn pair's three changes each in a loop of its own) and the grid (no table, no
/// branch); each line's best. Every shoe's terms are added in one fixed order, so equal
/// shoes get equal keys; a key carried from one loop to the next through `keys` keeps its
/// bits, so splitting the terms over loops adds them exactly as one loop did. No call, no
/// allocation. The optional terms' sums over the candidates (`TermSums`) are taken from the
/// terms the loops compute: they write them into `terms` and the last loop adds them in
/// order, so no loop before it keeps a running float sum (see benches/README.md, "Whole
/// requests").
fn fused<const BUDGET: bool, const DROP: bool, const WORN: bool, const LIKED: bool>(
    m: &ShoeMatrix,
    t: &Tables,
    x: &Extra,
    slots: &[u32],
    keys: &mut [f64],
    best: &mut [Best],
    terms: &mut [f64],
) -> TermSums {
    let n = m.len();
    // Slices of one length: the indexing below needs no bounds checks.
    let (slots, keys) = (&slots[..n], &mut keys[..n]);
    table_sums(m, t, keys);
    let mut sums = TermSums::default();
    let (over_terms, rest) = terms[..TERM_COLUMNS * n].split_at_mut(n);
    let (excess_terms, rest) = rest.split_at_mut(n);
    let (stack_terms, rest) = rest.split_at_mut(n);
    let (weight_terms, price_terms) = rest.split_at_mut(n);
    let mut change_terms = [stack_terms, weight_terms, price_terms];
    if WORN {
        // The terms before the worn pair's changes, then the changes, then the rest: the
        // order one loop would add them in.
        request_terms::<BUDGET, DROP, true, false, false>(m, x, slots, keys, over_terms, excess_terms, &mut sums);
        let changes = x.worn.as_ref().map_or([None; 3], |w| w.changes);
        for ((change, column), out) in changes.iter().zip([&m.stack_raw, &m.weight_raw, &m.price]).zip(&mut change_terms) {
            worn_change(*change, &column[..n], keys, out);
        }
        request_terms::<false, false, false, LIKED, true>(m, x, slots, keys, over_terms, excess_terms, &mut sums);
    } else {
        request_terms::<BUDGET, DROP, false, LIKED, true>(m, x, slots, keys, over_terms, excess_terms, &mut sums);
    }
    let no_line = m.no_line();
    for i in 0..n {
        // In catalogue order, from -0.0, as `Iterator::sum` over the candidates adds them.
        let candidate = slots[i] != no_line;
        if BUDGET {
            sums.over += over_terms[i];
        }
        if DROP {
            sums.excess += excess_terms[i];
        }
        if WORN {
            // A change the worn pair lacks sums -0.0s, and `typical` leaves it out.
            for (column, sum) in change_terms.iter().zip(&mut sums.changes) {
                *sum += if_candidate(candidate, column[i]);
            }
        }
        // Ties go to the lower index, which came first. Every key orders above `NO_BEST`.
        let o = ordered(keys[i]);
        if let Some(b) = best.get_mut(slots[i] as usize) {
            if o > b.0 {
                *b = (o, i as u32);
            }
        }
    }
    sums
}

/// Each key's six table entries and its two linear numbers, into `keys`.
#[inline(always)]
fn table_sums(m: &ShoeMatrix, t: &Tables, keys: &mut [f64]) {
    let n = keys.len();
    let (codes, drop, weight) = (&m.codes[..n], &m.drop[..n], &m.weight[..n]);
    for i in 0..n {
        let c = &codes[i];
        keys[i] = t.base
            + t.sc[c[SC] as usize]
            + t.ctp[c[CTP] as usize]
            + t.brand[c[BRAND] as usize]
            + t.dw[c[DW] as usize]
            + t.sp[c[SP] as usize]
            + t.widths[c[WIDTHS_MADE] as usize]
            + t.drop * drop[i]
            + t.weight * weight[i];
    }
}

/// The request's optional terms that are not the worn pair's changes, added to `keys` in
/// order (budget, drop excess, the worn pair's line and shoe, the liked line), and then, with
/// `GRID`, each key put on the grid. The budget's and the drop's terms go into their
/// columns (-0.0 for a shoe that is not a candidate); the worn pair's counts into `sums`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn request_terms<const BUDGET: bool, const DROP: bool, const WORN: bool, const LIKED: bool, const GRID: bool>(
    m: &ShoeMatrix,
    x: &Extra,
    slots: &[u32],
    keys: &mut [f64],
    over_terms: &mut [f64],
    excess_terms: &mut [f64],
    sums: &mut TermSums,
) {
    let n = keys.len();
    let (drop, price, model_line, line) = (&m.drop[..n], &m.price[..n], &m.model_line[..n], &m.line[..n]);
    let (over_terms, excess_terms) = (&mut over_terms[..n], &mut excess_terms[..n]);
    let (budget, slope, scale, margin) = x.budget.unwrap_or((0.0, 0.0, 1.0, 0.0));
    let (worn_drop, drop_slope) = x.worn_drop.unwrap_or((0.0, 0.0));
    let (liked, liked_margin) = x.liked.unwrap_or((u32::MAX, 0.0));
    let (same_line, same_line_weight, same_shoe, same_shoe_weight) =
        x.worn.as_ref().map_or((u32::MAX, 0.0, usize::MAX, 0.0), |w| (w.same_line, w.same_line_weight, w.same_shoe, w.same_shoe_weight));
    let no_line = m.no_line();
    for i in 0..n {
        let mut k = keys[i];
        let candidate = slots[i] != no_line;
        if BUDGET {
            // NaN (no price): no excess and no margin here (the price table took the no-price margin).
            let p = price[i];
            let over = ((p - budget) / scale).max(0.0);
            k += slope * over - if p > budget { margin } else { 0.0 };
            over_terms[i] = if_candidate(candidate, over);
        }
        if DROP {
            let excess = ((drop[i] - worn_drop).abs() - 4.0).max(0.0);
            k += drop_slope * excess;
            excess_terms[i] = if_candidate(candidate, excess);
        }
        if WORN {
            let in_line = model_line[i] == same_line;
            k += same_line_weight * in_line as u8 as f64;
            k += if i == same_shoe { same_shoe_weight } else { 0.0 };
            sums.same_line += usize::from(candidate && in_line);
            sums.same_shoe += usize::from(candidate && i == same_shoe);
        }
        if LIKED {
            k += if line[i] == liked { liked_margin } else { 0.0 };
        }
        keys[i] = if GRID { on_grid(k) } else { k };
    }
}

/// One of the worn pair's changes (stack, weight or price: the shoe's value less the worn
/// pair's, scaled) times its weight, added to every key; the change itself into `out`,
/// -0.0 where it is unknown. A shoe whose value is unknown (NaN) adds 0.0 as it always has;
/// a change the worn pair lacks adds -0.0 to every key, which leaves each key's bits as they
/// are, so it is skipped.
#[inline(always)]
fn worn_change(change: Option<(f64, f64, f64)>, column: &[f64], keys: &mut [f64], out: &mut [f64]) {
    let n = keys.len();
    let (column, out) = (&column[..n], &mut out[..n]);
    let Some((worn, scale, slope)) = change else {
        out.fill(-0.0);
        return;
    };
    for i in 0..n {
        let d = (column[i] - worn) / scale;
        keys[i] += if d.is_nan() { 0.0 } else { slope * d };
        out[i] = if d.is_nan() { -0.0 } else { d };
    }
}

/// Columns of `PassBuffers::terms`: over budget, drop excess, stack, weight and price changes.
const TERM_COLUMNS: usize = 5;

/// The part of the fitter's pool that its pick of `top_k` can reach, best first, from
/// `rank_keys_and_best`'s lines: each line's representative is its newest candidate within
/// `margin` of the line's best (among equally new ones the first in rank order), found by
/// walking the line newest first (usually one step). See `line_pool` for the cut.
pub(crate) fn line_representatives(
    m: &ShoeMatrix,
    keys: &[f64],
    slots: &[u32],
    best: &[Best],
    margin: f64,
    top_k: usize,
    penalty: f64,
) -> Vec<(f64, u32)> {
    // One allocation, of the size it ends with.
    let mut pool: Vec<(f64, u32)> = Vec::with_capacity(best[..m.lines].iter().filter(|b| b.1 != u32::MAX).count());
    for (l, &(_, b)) in best[..m.lines].iter().enumerate() {
        if b == u32::MAX {
            continue;
        }
        let top = keys[b as usize];
        let group = &m.fresh_members[m.line_starts[l] as usize..m.line_starts[l + 1] as usize];
        // No shoe of the line is newer than its best: the walk would end at the best (it
        // is first in rank order among the newest), so it is the representative.
        if m.freshness[b as usize] == m.freshness[group[0] as usize] {
            pool.push((top, b));
            continue;
        }
        let floor = top - margin;
        let mut rep: Option<(f64, u32)> = None;
        for &i in group {
            let (key, fresh) = (keys[i as usize], m.freshness[i as usize]);
            if let Some((_, r)) = rep {
                if fresh < m.freshness[r as usize] {
                    break;
                }
            }
            if slots[i as usize] as usize != l || key < floor {
                continue;
            }
            if rep.is_none_or(|r| by_key(&(key, i), &r).is_lt()) {
                rep = Some((key, i));
                // The line's best key, first in catalogue order among these: nothing after beats it.
                if key.to_bits() == top.to_bits() {
                    break;
                }
            }
        }
        pool.extend(rep);
    }
    cut(pool, top_k, penalty)
}

/// Every candidate, for a policy that shows every generation.
pub(crate) fn every_candidate(m: &ShoeMatrix, keys: &[f64], slots: &[u32], top_k: usize, penalty: f64) -> Vec<(f64, u32)> {
    let no_line = m.no_line();
    let pool = (0..m.len()).filter(|&i| slots[i] != no_line).map(|i| (keys[i], i as u32)).collect();
    cut(pool, top_k, penalty)
}

/// The scorer's verdict on the average candidate, from the candidates' code counts and the
/// sums of their other terms that the keys' pass took (`rank_keys_and_best`), what
/// explanations compare against.
pub(crate) fn typical(m: &ShoeMatrix, q: &Request, counts: &Counts, terms: &TermSums, scorer: &dyn Scorer, prepared: &super::Prepared) -> Scored {
    let r = q.runner;
    let mut sums = Sums { x: [0.0; FEATURE_COUNT], relations: [0.0; RELATION_COUNT], shoe: [0.0; SHOE_DIM], times: 0.0 };
    for s in SUPPORTS {
        for c in CUSHIONINGS {
            sums.times = counts.sc[sc_code(s, c)] as f64;
            if sums.times > 0.0 {
                q.support_cushioning(s, c, &mut sums);
            }
        }
    }
    for g in CATEGORIES {
        for t in TERRAINS {
            for plated in [false, true] {
                sums.times = counts.ctp[ctp_code(g, t, plated)] as f64;
                if sums.times > 0.0 {
                    q.category_terrain_plated(g, t, plated, &mut sums);
                }
            }
        }
    }
    for b in 0..m.brand_levels.len() {
        sums.times = counts.brand[b] as f64;
        if sums.times > 0.0 {
            q.brand(m, b, &mut sums);
        }
    }
    for code in 0..64 {
        sums.times = counts.dw[code] as f64;
        if sums.times > 0.0 {
            Request::drop_weight(code, &mut sums);
        }
        sums.times = counts.sp[code] as f64;
        if sums.times > 0.0 {
            Request::stack_price(code, &mut sums);
        }
    }
    for bits in 0..16u8 {
        sums.times = counts.widths[bits as usize] as f64;
        if sums.times > 0.0 {
            q.widths(bits, &mut sums);
        }
    }
    let n = counts.n as f64;
    sums.shoe[0] += n;
    sums.x[Feature::DropCm.index()] += counts.drop / 10.0;
    sums.x[Feature::ForefootStrikeXDrop.index()] += r.forefoot_strike * counts.drop / 10.0;
    sums.x[Feature::Lightness.index()] += 3.0 * n - counts.weight / 100.0;
    if let Some(worn_drop) = r.worn_drop_mm {
        sums.x[Feature::DropChangeMm.index()] += counts.drop - n * worn_drop;
        sums.x[Feature::DropChangeExcessMm.index()] += terms.excess;
    }
    if r.budget_usd.is_some() {
        sums.x[Feature::OverBudget.index()] += terms.over;
    }
    if let Some(w) = &q.worn {
        sums.relations[slots::SAME_LINE] += terms.same_line as f64;
        sums.relations[slots::SAME_SHOE] += terms.same_shoe as f64;
        let known = [w.stack.is_some(), w.weight.is_some(), w.price.is_some()];
        for ((sum, known), slot) in terms.changes.iter().zip(known).zip([slots::STACK_CHANGE, slots::WEIGHT_CHANGE, slots::PRICE_CHANGE]) {
            if known {
                sums.relations[slot] += sum;
            }
        }
    }
    let n = n.max(1.0);
    let attributes = ShoeAttributes(sums.shoe.map(|s| s / n));
    let mean = Pair { x: FeatureVector(sums.x.map(|s| s / n)), relations: Relations(sums.relations.map(|s| s / n)), shoe: &attributes };
    scorer.score(prepared, &mean)
}

/// Keys are compared on a grid of 2^-32 log-odds: shoes whose keys are equal in exact
/// arithmetic (common under the rules: 0.3 × lightness against 0.3 × drop) then tie and go
/// by id, whichever order the floating-point sums ran in.
#[inline(always)]
pub(crate) fn on_grid(key: f64) -> f64 {
    const GRID: f64 = 4_294_967_296.0;
    round_half_away(key * GRID) / GRID
}

/// `f64::round` (halves away from zero, the sign kept) without its call into libm, which
/// the baseline x86-64 target makes for every shoe, and without a branch: adding and taking
/// off 2^52 rounds a magnitude below 2^52 to the nearest integer, an exact half to even, which
/// is then moved up; from 2^52 on every number is whole.
#[inline(always)]
fn round_half_away(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    let r = (a + TWO_52) - TWO_52;
    let r = r + if a - r == 0.5 { 1.0 } else { 0.0 };
    let r = if a < TWO_52 { r } else { a };
    r.copysign(x)
}

/// Catalogue shoes are sorted by id, so a lower index breaks ties by id.
pub(crate) fn by_key(a: &(f64, u32), b: &(f64, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The part of the fitter's pool (one shoe per model line, see `fitter::newest_per_line`)
/// that its greedy pick of `top_k` can reach, best first, in O(candidates): each line's best
/// key, then its representative, then only the lines close enough to the `top_k`-th.
///
/// The greedy pick takes at step t the best key minus `penalty` per same-brand shoe already
/// taken; some shoe among the `top_k` best is still untaken with at least the `top_k`-th key
/// minus `penalty × (top_k - 1)`, so nothing below that can be picked or change the pick.
pub(crate) fn line_pool(
    m: &ShoeMatrix,
    scored: &[(f64, u32)],
    margin: f64,
    top_k: usize,
    penalty: f64,
    buffers: &mut LineBuffers,
) -> Vec<(f64, u32)> {
    let LineBuffers { best: scratch_best, rep: scratch_rep, touched } = buffers;
    let pool: Vec<(f64, u32)> = if margin < 0.0 {
        scored.to_vec()
    } else {
        const NONE: (f64, u32) = (f64::NEG_INFINITY, u32::MAX);
        scratch_best.clear();
        scratch_best.resize(m.lines, NONE);
        touched.clear();
        for &(key, i) in scored {
            let l = m.line[i as usize] as usize;
            if scratch_best[l].1 == u32::MAX {
                touched.push(l as u32);
                scratch_best[l] = (key, i);
            } else if by_key(&(key, i), &scratch_best[l]).is_lt() {
                scratch_best[l] = (key, i);
            }
        }
        // The representative: the newest shoe within `margin` of the line's best; among equally
        // new ones the first in rank order (as the sequential pass over the sorted list keeps).
        scratch_rep.clear();
        scratch_rep.resize(m.lines, NONE);
        for &(key, i) in scored {
            let l = m.line[i as usize] as usize;
            if key < scratch_best[l].0 - margin {
                continue;
            }
            let rep = scratch_rep[l];
            let better = rep.1 == u32::MAX || {
                let (f, g) = (m.freshness[i as usize], m.freshness[rep.1 as usize]);
                f > g || (f == g && by_key(&(key, i), &rep).is_lt())
            };
            if better {
                scratch_rep[l] = (key, i);
            }
        }
        touched.iter().map(|&l| scratch_rep[l as usize]).collect()
    };
    cut(pool, top_k, penalty)
}

/// Keeps the lines close enough to the `top_k`-th to be picked (see `line_pool`), best first.
fn cut(mut pool: Vec<(f64, u32)>, top_k: usize, penalty: f64) -> Vec<(f64, u32)> {
    if penalty >= 0.0 && pool.len() > top_k && top_k > 0 {
        pool.select_nth_unstable_by(top_k - 1, by_key);
        let threshold = pool[top_k - 1].0 - penalty * (top_k - 1) as f64;
        pool.retain(|(key, _)| *key >= threshold);
    }
    pool.sort_by(by_key);
    pool
}
