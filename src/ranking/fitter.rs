//! What an experienced fitter does with a scorer's order, on top of any scorer: the budget
//! first, one generation per model line, race shoes kept for racers, some variety between
//! brands, and an account of what the filters removed. The scorer and the features stay
//! untouched; every step here works on the scorer's log-odds.

use crate::text::{sentence, Spaced, Whole};
use std::borrow::Cow;
use std::collections::HashMap;

use super::kernel::{self, ShoeMatrix};
use super::{rejected, Filters, RankedShoe, Scorer};
use crate::catalogue::{Catalogue, Shoe, ShoeStatus, Terrain, Width};
use crate::features::{goal_fit, pair, RunnerSignals, ShoeAttributes};
use crate::fitting::Goal;

/// The fitter's adjustments, in log-odds added to the scorer's rank key. A margin of 4
/// turns a 0.5 fit into 0.98: an over-budget shoe needs an overwhelming fit to outrank an
/// in-budget one, which is the order a fitter shows them in, without hiding it.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Taken off a shoe priced above the runner's budget.
    pub over_budget_margin: f64,
    /// Taken off a shoe with no known price: staff cannot quote it, so it goes below priced ones.
    pub no_price_margin: f64,
    /// Taken off a shoe not made in the runner's (non-standard) width: a shoe that does not
    /// come in the width cannot fit, however well it scores otherwise.
    pub width_margin: f64,
    /// Added, times the goal fit (1 race, 0.7 tempo; half for shoes without a plate) and
    /// the terrain fit, for a runner whose goal is racing, so a preferred feel orders race
    /// shoes among themselves instead of pushing them out for soft or firm daily trainers.
    pub racing_goal_margin: f64,
    /// Taken off a shoe for each shoe of the same brand already above it in the list. Small:
    /// variety only wins between comparably good shoes (0.4 log-odds is about 0.1 of score
    /// around the middle).
    pub brand_repeat_penalty: f64,
    /// Show only one generation of each model line: the newest that passed the filters and
    /// scores within this many log-odds of the line's best (so an older generation stands in
    /// when only it comes in the runner's width or budget). Negative: show every generation.
    pub line_margin: f64,
    /// The model line of a pair this runner bought here, kept and liked: staying in a line
    /// that worked is what a fitter offers first, so it gains `liked_line_margin`.
    pub liked_line: Option<String>,
    pub liked_line_margin: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            over_budget_margin: 4.0,
            no_price_margin: 5.0,
            width_margin: 4.0,
            racing_goal_margin: 3.0,
            brand_repeat_penalty: 0.4,
            line_margin: 1.0,
            liked_line: None,
            liked_line_margin: 1.5,
        }
    }
}

impl Policy {
    /// The rule order, unchanged: what `rank` returns.
    pub const NONE: Policy = Policy {
        over_budget_margin: 0.0,
        no_price_margin: 0.0,
        width_margin: 0.0,
        racing_goal_margin: 0.0,
        brand_repeat_penalty: 0.0,
        line_margin: -1.0,
        liked_line: None,
        liked_line_margin: 0.0,
    };

    pub(crate) fn adjustment(&self, runner: &RunnerSignals, shoe: &Shoe) -> f64 {
        let mut a = match (shoe.price_usd, runner.budget_usd) {
            (None, _) => -self.no_price_margin,
            (Some(price), Some(budget)) if price > budget => -self.over_budget_margin,
            _ => 0.0,
        };
        if !shoe.offers_width(runner.width) {
            a -= self.width_margin;
        }
        if self.liked_line.as_deref() == Some(shoe.line()) {
            a += self.liked_line_margin;
        }
        if runner.goal == Goal::Racing {
            let plate = if shoe.plated { 1.0 } else { 0.5 };
            a += self.racing_goal_margin * plate * goal_fit(runner.goal, shoe.category) * shoe.terrain.suitability_for(runner.terrain);
        }
        a
    }
}

/// How many catalogue shoes each filter turned away (a shoe can fail several).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterCounts {
    pub stock: usize,
    pub width: usize,
    pub terrain: usize,
    pub price: usize,
    /// Discontinued shoes, left out unless the store has them in stock.
    pub discontinued: usize,
}

/// The nearest loosening of one filter that would bring more shoes in.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    /// `store_id`, `width`, `terrain` or `max_price_usd`.
    pub filter: &'static str,
    /// Shoes it would add.
    pub shoes: usize,
    /// In plain words, e.g. "3 more shoes at up to $135".
    pub suggestion: String,
}

/// A recommendation's shoes and the account of how they were chosen.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    pub shoes: Vec<RankedShoe>,
    /// Shoes that passed the filters and were scored.
    pub candidates: usize,
    pub removed: FilterCounts,
    /// Filled when fewer than `top_k` shoes came back.
    pub relaxations: Vec<Relaxation>,
    /// A better match than the first shoe listed that only the stock filter kept out.
    pub elsewhere: Option<RankedShoe>,
    /// Reasons true of every shoe listed, said once for the list instead of on each shoe.
    pub shared_reasons: Vec<String>,
}

/// Widths to try instead of `w`, nearest first.
fn nearby_widths(w: Width) -> &'static [Width] {
    match w {
        Width::Narrow => &[Width::Standard],
        Width::Standard => &[Width::Wide, Width::Narrow],
        Width::Wide => &[Width::ExtraWide, Width::Standard],
        Width::ExtraWide => &[Width::Wide, Width::Standard],
    }
}

fn terrain_words(t: Terrain) -> &'static str {
    match t {
        Terrain::Road => "road",
        Terrain::Trail => "trail",
        Terrain::RoadTrail => "road and trail",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "shoe"
    } else {
        "shoes"
    }
}

/// Per filter, the smallest loosening that brings in shoes this filter alone turned away.
fn relaxations(catalogue: &Catalogue, filters: &Filters, single_misses: &[(u8, u32)], wanted: usize) -> Vec<Relaxation> {
    let shoes_missing = |bit: u8| single_misses.iter().filter(move |(b, _)| *b == bit).map(|(_, i)| &catalogue.shoes[*i as usize]);
    let mut out = Vec::new();
    let stock = shoes_missing(rejected::STOCK).count();
    if stock > 0 {
        out.push(Relaxation {
            filter: "store_id",
            shoes: stock,
            suggestion: sentence!("{stock} more {} to order or find at another store", plural(stock)),
        });
    }
    if let Some(width) = filters.width {
        for &other in nearby_widths(width) {
            let n = shoes_missing(rejected::WIDTH).filter(|s| s.offers_width(other)).count();
            if n > 0 {
                out.push(Relaxation {
                    filter: "width",
                    shoes: n,
                    suggestion: sentence!("{n} more in {} width", Spaced(other.as_str())),
                });
                break;
            }
        }
    }
    let mut by_terrain: HashMap<Terrain, usize> = HashMap::new();
    for s in shoes_missing(rejected::TERRAIN) {
        *by_terrain.entry(s.terrain).or_default() += 1;
    }
    if let Some((terrain, n)) = by_terrain.into_iter().max_by_key(|(t, n)| (*n, std::cmp::Reverse(*t))) {
        out.push(Relaxation { filter: "terrain", shoes: n, suggestion: sentence!("{n} more made for {}", terrain_words(terrain)) });
    }
    let mut prices: Vec<f64> = shoes_missing(rejected::PRICE).filter_map(|s| s.price_usd).collect();
    prices.sort_by(f64::total_cmp);
    if !prices.is_empty() {
        let limit = prices[wanted.clamp(1, prices.len()) - 1];
        let n = prices.iter().filter(|p| **p <= limit).count();
        out.push(Relaxation {
            filter: "max_price_usd",
            shoes: n,
            suggestion: sentence!("{n} more {} at up to ${}", plural(n), Whole(limit)),
        });
    }
    out
}

/// Why a newer generation of a line did not make the list, for the note on the older one.
fn why_not_listed(bits: u8, filters: &Filters, runner: &RunnerSignals, newer: &Shoe) -> Option<String> {
    Some(match bits {
        rejected::STOCK => "is not in stock here".to_owned(),
        rejected::WIDTH => format!("is not made in {} width", Spaced(filters.width?.as_str())),
        rejected::PRICE => "is over your price limit".to_owned(),
        0 if !newer.offers_width(runner.width) => format!("is not made in {} width", Spaced(runner.width.as_str())),
        0 if runner.budget_usd.is_some_and(|b| newer.price_usd.is_some_and(|p| p > b)) => "is over your budget".to_owned(),
        0 => "suits you less well".to_owned(),
        _ => return None,
    })
}

/// One shoe per model line from `scored` (best first): the newest generation within `margin`
/// log-odds of the line's best, at its own key; returned best first. Newest means current
/// before previous, then the later release.
fn newest_per_line(catalogue: &Catalogue, scored: &[(f64, u32)], margin: f64) -> Vec<(f64, u32)> {
    let shoe_of = |i: u32| &catalogue.shoes[i as usize];
    let freshness = |s: &Shoe| (std::cmp::Reverse(s.status()), s.release_year.unwrap_or(0));
    // `scored` is best first, so the first shoe seen of a line is its best.
    let mut newest: HashMap<&str, (f64, (f64, u32))> = HashMap::new();
    for &(key, i) in scored {
        let s = shoe_of(i);
        newest
            .entry(s.line())
            .and_modify(|(best, e)| {
                if key >= *best - margin && freshness(s) > freshness(shoe_of(e.1)) {
                    *e = (key, i);
                }
            })
            .or_insert((key, (key, i)));
    }
    let mut pool: Vec<(f64, u32)> = newest.into_values().map(|(_, e)| e).collect();
    pool.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    pool
}

/// Ranks the admitted shoes as a fitter would list them (see `Policy`) and explains each.
/// `attributes[i]` is shoe `i`'s, as in `ShoeTable`. This is the path for any scorer: it
/// builds every pair's inputs and sorts every candidate; `ShoeTable::rank` gives the same
/// answer through the scoring kernel when the scorer is linear.
pub fn rank_for_runner(
    scorer: &dyn Scorer,
    catalogue: &Catalogue,
    attributes: &[ShoeAttributes],
    runner: &RunnerSignals,
    filters: &Filters,
    top_k: usize,
    policy: &Policy,
) -> Ranking {
    let prepared = scorer.prepare(runner);
    let mut scored: Vec<(f64, u32)> = Vec::with_capacity(catalogue.shoes.len());
    let mut removed = FilterCounts::default();
    let mut single_misses: Vec<(u8, u32)> = Vec::new();
    let mut unstocked: Vec<(f64, u32)> = Vec::new();
    let mut typical = super::TypicalCandidate::default();
    for (i, shoe) in catalogue.shoes.iter().enumerate() {
        // A discontinued shoe is only worth showing when it is on this store's shelf.
        if shoe.status() == ShoeStatus::Discontinued && filters.only_ids.is_none() {
            removed.discontinued += 1;
            continue;
        }
        let bits = filters.rejections(shoe);
        if bits != 0 {
            removed.stock += usize::from(bits & rejected::STOCK != 0);
            removed.width += usize::from(bits & rejected::WIDTH != 0);
            removed.terrain += usize::from(bits & rejected::TERRAIN != 0);
            removed.price += usize::from(bits & rejected::PRICE != 0);
            if is_single_miss(bits, shoe) {
                single_misses.push((bits, i as u32));
            }
            if bits == rejected::STOCK && shoe.status() != ShoeStatus::Discontinued {
                let p = pair(runner, shoe, &attributes[i]);
                let key = scorer.rank_key(&prepared, &p) + policy.adjustment(runner, shoe);
                unstocked.push((kernel::on_grid(key), i as u32));
            }
            continue;
        }
        let p = pair(runner, shoe, &attributes[i]);
        typical.add(&p);
        scored.push((kernel::on_grid(scorer.rank_key(&prepared, &p) + policy.adjustment(runner, shoe)), i as u32));
    }
    let candidates = scored.len();
    if top_k == 0 {
        return Ranking { candidates, removed, ..Ranking::default() };
    }

    // Catalogue shoes are sorted by id, so a lower index breaks ties by id.
    scored.sort_by(super::kernel::by_key);
    // One generation per line: the newest one close to the line's best stands for its line,
    // at its own score. Newest means current before previous, then the later release.
    let pool: Vec<(f64, u32)> = if policy.line_margin >= 0.0 { newest_per_line(catalogue, &scored, policy.line_margin) } else { scored };
    unstocked.sort_by(super::kernel::by_key);
    let best_unstocked = newest_per_line(catalogue, &unstocked, policy.line_margin.max(0.0)).first().copied();
    let line_of = |shoe: u32| -> Cow<[u32]> {
        let line = catalogue.shoes[shoe as usize].line();
        Cow::Owned((0..catalogue.shoes.len() as u32).filter(|&i| catalogue.shoes[i as usize].line() == line).collect())
    };
    let finish = Finish { scorer, prepared: &prepared, runner, catalogue, attributes, filters, top_k, policy };
    finish.run(pool, candidates, removed, || single_misses, || typical.scored(scorer, &prepared), best_unstocked, line_of)
}

/// A shoe only one filter turned away (and that could be had by loosening it): a discontinued
/// shoe on no shelf here cannot be ordered either.
fn is_single_miss(bits: u8, shoe: &Shoe) -> bool {
    bits.count_ones() == 1 && !(bits == rejected::STOCK && shoe.status() == ShoeStatus::Discontinued)
}

impl super::ShoeTable {
    /// `rank_for_runner` on this snapshot: through the scoring kernel when the scorer is
    /// linear in its inputs (every shoe's key from the shoe matrix, the pool of lines and
    /// the top `top_k` without sorting the catalogue, reused buffers), else the generic path.
    pub fn rank(&self, scorer: &dyn Scorer, runner: &RunnerSignals, filters: &Filters, top_k: usize, policy: &Policy) -> Ranking {
        let prepared = scorer.prepare(runner);
        match (self.matrix.as_ref(), scorer.linear(&prepared)) {
            (Some(matrix), Some(linear)) => kernel::with_scratch(|scratch| {
                self.rank_linear(matrix, scorer, &prepared, &linear, runner, filters, top_k, policy, scratch)
            }),
            _ => rank_for_runner(scorer, &self.catalogue, &self.attributes, runner, filters, top_k, policy),
        }
    }

    /// The kernel's part of `rank` alone: every shoe's key and the shortlist (one shoe per
    /// line, best first) that the pick of `top_k` can reach, without explanations. `None`
    /// when the scorer is not linear. For benchmarks and callers that need only the order.
    pub fn shortlist(&self, scorer: &dyn Scorer, runner: &RunnerSignals, filters: &Filters, top_k: usize, policy: &Policy) -> Option<Vec<(f64, u32)>> {
        let prepared = scorer.prepare(runner);
        let (matrix, linear) = (self.matrix.as_ref()?, scorer.linear(&prepared)?);
        Some(kernel::with_scratch(|scratch| {
            let request = kernel::Request::new(matrix, &self.catalogue, runner, policy);
            self.gather(matrix, &request, &linear, filters, top_k, policy, scratch).pool
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn rank_linear(
        &self,
        m: &ShoeMatrix,
        scorer: &dyn Scorer,
        prepared: &super::Prepared,
        linear: &kernel::Linear,
        runner: &RunnerSignals,
        filters: &Filters,
        top_k: usize,
        policy: &Policy,
        scratch: &mut kernel::Scratch,
    ) -> Ranking {
        let catalogue = &*self.catalogue;
        let request = kernel::Request::new(m, catalogue, runner, policy);
        let Gathered { pool, candidates, removed, best_unstocked, unfiltered, terms } =
            self.gather(m, &request, linear, filters, top_k, policy, scratch);
        if top_k == 0 {
            return Ranking { candidates, removed, ..Ranking::default() };
        }
        // Without a filter no shoe is rejected; with one, gather left each shoe's rejections.
        let rejections: &[u8] = if unfiltered { &[] } else { &scratch.bits };
        let single_misses = || {
            rejections
                .iter()
                .enumerate()
                .filter_map(|(i, &bits)| {
                    if m.is_discontinued(i) && filters.only_ids.is_none() {
                        return None;
                    }
                    (bits != 0 && is_single_miss(bits, &catalogue.shoes[i])).then_some((bits, i as u32))
                })
                .collect()
        };
        let counts = if unfiltered { m.current_counts() } else { &*scratch.counts };
        let typical = || kernel::typical(m, &request, counts, &terms, scorer, prepared);
        // The listed shoes' indexes are at hand: no search by id, no copy of the line.
        let line_of = |shoe: u32| Cow::Borrowed(m.line_members(m.line_of(shoe as usize)));
        let finish = Finish { scorer, prepared, runner, catalogue, attributes: &self.attributes, filters, top_k, policy };
        finish.run(pool, candidates, removed, single_misses, typical, best_unstocked, line_of)
    }

    /// Keys, filters and the shortlist, into `scratch` (`slots`: the candidates; `counts`:
    /// theirs, unless `unfiltered` says they are the matrix's current shoes).
    #[allow(clippy::too_many_arguments)]
    fn gather(
        &self,
        m: &ShoeMatrix,
        request: &kernel::Request,
        linear: &kernel::Linear,
        filters: &Filters,
        top_k: usize,
        policy: &Policy,
        scratch: &mut kernel::Scratch,
    ) -> Gathered {
        let catalogue = &*self.catalogue;
        let mut removed = FilterCounts::default();
        scratch.unstocked.clear();
        let unfiltered = filters.only_ids.is_none() && filters.width.is_none() && filters.terrain.is_none() && filters.max_price_usd.is_none();
        if unfiltered {
            removed.discontinued = m.len() - m.current_counts().len();
        } else {
            // Which shoes the filters admit (their line as their slot), what each filter
            // removed, and the candidates' code counts; the keys come after, in one pass.
            scratch.stock.clear();
            if let Some(ids) = &filters.only_ids {
                scratch.stock.resize(m.len(), false);
                for id in ids {
                    if let Ok(i) = catalogue.shoes.binary_search_by(|s| s.id.as_str().cmp(id)) {
                        scratch.stock[i] = true;
                    }
                }
            }
            // The filters as column passes, then each shoe's slot and what turned it away,
            // then the candidates' counts: no branch per filter and shoe.
            m.rejections(filters, &scratch.stock, &mut scratch.bits);
            let stock_only = filters.only_ids.is_some();
            let no_line = m.no_line();
            scratch.slots.clear();
            for (i, &bits) in scratch.bits.iter().enumerate() {
                // Without a store's stock, discontinued shoes are out before any filter.
                let gone = m.is_discontinued(i) && !stock_only;
                let bits = if gone { 0 } else { bits };
                removed.discontinued += usize::from(gone);
                removed.stock += usize::from(bits & rejected::STOCK != 0);
                removed.width += usize::from(bits & rejected::WIDTH != 0);
                removed.terrain += usize::from(bits & rejected::TERRAIN != 0);
                removed.price += usize::from(bits & rejected::PRICE != 0);
                if bits == rejected::STOCK && !m.is_discontinued(i) {
                    scratch.unstocked.push((0.0, i as u32));
                }
                scratch.slots.push(if gone || bits != 0 { no_line } else { m.line_of(i) });
            }
            m.candidate_counts(&scratch.slots, !stock_only, &mut scratch.counts);
        }
        let slots = if unfiltered { m.unfiltered_slots() } else { &scratch.slots[..] };
        let terms =
            kernel::rank_keys_and_best(m, request, linear, policy, slots, &mut scratch.keys, &mut scratch.best, &mut scratch.pass);
        let keys = &scratch.keys;
        let candidates = if unfiltered { m.current_counts().len() } else { scratch.counts.len() };
        if top_k == 0 {
            return Gathered { pool: Vec::new(), candidates, removed, best_unstocked: None, unfiltered, terms };
        }
        let pool = if policy.line_margin < 0.0 {
            kernel::every_candidate(m, keys, slots, top_k, policy.brand_repeat_penalty)
        } else {
            kernel::line_representatives(m, keys, slots, &scratch.best, policy.line_margin, top_k, policy.brand_repeat_penalty)
        };
        for u in scratch.unstocked.iter_mut() {
            u.0 = keys[u.1 as usize];
        }
        let best_unstocked = if scratch.unstocked.is_empty() {
            None
        } else {
            kernel::line_pool(
                m,
                &scratch.unstocked,
                policy.line_margin.max(0.0),
                1,
                0.0,
                &mut scratch.lines,
            )
            .first()
            .copied()
        };
        Gathered { pool, candidates, removed, best_unstocked, unfiltered, terms }
    }
}

/// What the kernel's pass leaves for the shared finish.
struct Gathered {
    pool: Vec<(f64, u32)>,
    candidates: usize,
    removed: FilterCounts,
    best_unstocked: Option<(f64, u32)>,
    unfiltered: bool,
    /// The candidates' sums of the terms not linear in a code (the average candidate's).
    terms: kernel::TermSums,
}

/// What both paths share once the candidates are scored: the greedy pick with variety, the
/// explanations of the shoes returned, notes, cautions and the better match elsewhere.
struct Finish<'a> {
    scorer: &'a dyn Scorer,
    prepared: &'a super::Prepared,
    runner: &'a RunnerSignals,
    catalogue: &'a Catalogue,
    attributes: &'a [ShoeAttributes],
    filters: &'a Filters,
    top_k: usize,
    policy: &'a Policy,
}

impl Finish<'_> {
    #[allow(clippy::too_many_arguments)]
    fn run<'l>(
        &self,
        pool: Vec<(f64, u32)>,
        candidates: usize,
        removed: FilterCounts,
        single_misses: impl FnOnce() -> Vec<(u8, u32)>,
        typical: impl FnOnce() -> super::Scored,
        best_unstocked: Option<(f64, u32)>,
        line_of: impl Fn(u32) -> Cow<'l, [u32]>,
    ) -> Ranking {
        let Finish { scorer, prepared, runner, catalogue, attributes, filters, top_k, policy } = *self;
        let mut ranking = Ranking { candidates, removed, ..Ranking::default() };
        let shoe_of = |i: u32| &catalogue.shoes[i as usize];

    // Variety: greedily take the best shoe after a small penalty per same-brand shoe above it.
    // `top_k` is small (at most 50): the brands and the taken shoes are short lists.
    let mut chosen: Vec<(f64, u32)> = Vec::with_capacity(top_k);
    let mut brands: Vec<(&str, usize)> = Vec::with_capacity(top_k);
    let taken_by = |brands: &[(&str, usize)], brand: &str| brands.iter().find(|(b, _)| *b == brand).map_or(0, |(_, n)| *n);
    while chosen.len() < top_k {
        let mut best: Option<(f64, (f64, u32))> = None;
        for &(key, i) in pool.iter().filter(|(_, i)| !chosen.iter().any(|(_, c)| c == i)) {
            // The pool is sorted: once the raw key cannot beat the best adjusted one, stop.
            if best.is_some_and(|(b, _)| key <= b) {
                break;
            }
            let adjusted = key - policy.brand_repeat_penalty * taken_by(&brands, shoe_of(i).brand.as_str()) as f64;
            if best.is_none_or(|(b, _)| adjusted > b) {
                best = Some((adjusted, (key, i)));
            }
        }
        let Some((_, (key, i))) = best else { break };
        let brand = shoe_of(i).brand.as_str();
        match brands.iter_mut().find(|(b, _)| *b == brand) {
            Some((_, n)) => *n += 1,
            None => brands.push((brand, 1)),
        }
        chosen.push((key, i));
    }

    if chosen.len() < top_k {
        ranking.relaxations = relaxations(catalogue, filters, &single_misses(), top_k - chosen.len());
    }
    if candidates == 0 {
        return ranking;
    }

    let mean = typical();
    let ranked_shoe = |i: u32| super::explained(scorer, prepared, &mean, runner, catalogue, shoe_of(i), &attributes[i as usize]);

    let mut shoes: Vec<RankedShoe> = chosen.iter().map(|&(_, i)| ranked_shoe(i)).collect();
    for (r, &(_, listed)) in shoes.iter_mut().zip(&chosen) {
        // Say so when an older generation stands in for a newer one the filters kept out.
        let members = line_of(listed);
        let newer = members.iter().filter(|&&i| i != listed).map(|&i| shoe_of(i)).filter(|s| {
            s.status() != ShoeStatus::Discontinued
                && (s.release_year > r.shoe.release_year || (r.shoe.status() == ShoeStatus::Previous && s.status() == ShoeStatus::Current))
        });
        if let Some(newer) = newer.max_by_key(|s| s.release_year) {
            if let Some(why) = why_not_listed(filters.rejections(newer), filters, runner, newer) {
                r.explanation.notes.push(sentence!("an earlier generation: the newer {} {why}", newer.display_name()));
            }
        }
        if let (Some(price), Some(budget)) = (r.shoe.price_usd, runner.budget_usd) {
            if price > budget {
                let caution = sentence!("${} over your ${} budget (${})", Whole(price - budget), Whole(budget), Whole(price));
                r.explanation.cautions.retain(|c| !c.contains("over your budget"));
                r.explanation.cautions.insert(0, caution);
            }
        }
        if r.shoe.price_usd.is_none() {
            r.explanation.cautions.push("no current list price: check it before recommending".into());
        }
    }
    // A shoe with one reason gets the specs that answer this runner, if any, before and after
    // the reasons every shoe shares are taken to be said once for the list (the specs carry
    // the shoe's own numbers, so they rarely repeat across shoes).
    add_spec_facts(&mut shoes, runner);
    ranking.shared_reasons = take_shared_reasons(&mut shoes);
    add_spec_facts(&mut shoes, runner);
    let more = take_shared_reasons(&mut shoes);
    ranking.shared_reasons.extend(more);

    // The store's missing better match, also as the newest generation of its line.
    if let (Some((key, i)), Some(&(first, _))) = (best_unstocked, chosen.first()) {
        if key > first {
            ranking.elsewhere = Some(ranked_shoe(i));
        }
    }
    ranking.shoes = shoes;
    ranking
    }
}

fn add_spec_facts(shoes: &mut [RankedShoe], runner: &RunnerSignals) {
    for r in shoes.iter_mut().filter(|r| r.explanation.reasons.len() < 2) {
        for fact in super::explain::spec_facts(runner, &r.shoe) {
            if r.explanation.reasons.len() >= 2 {
                break;
            }
            if !r.explanation.reasons.contains(&fact) {
                r.explanation.reasons.push(fact);
            }
        }
    }
}

/// A reason every shoe in the list shares tells the runner nothing about the choice between
/// them: take it off the shoes (unless it is some shoe's only reason) and return it, to be
/// said once for the whole list.
fn take_shared_reasons(shoes: &mut [RankedShoe]) -> Vec<String> {
    let mut taken = Vec::new();
    if shoes.len() < 2 {
        return taken;
    }
    let shared: Vec<String> = shoes[0]
        .explanation
        .reasons
        .iter()
        .filter(|r| shoes.iter().all(|s| s.explanation.reasons.contains(r)))
        .cloned()
        .collect();
    for reason in shared {
        if shoes.iter().all(|s| s.explanation.reasons.len() > 1) {
            for s in shoes.iter_mut() {
                s.explanation.reasons.retain(|r| *r != reason);
            }
            taken.push(reason);
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::shoe;
    use crate::catalogue::{Catalogue, Support};
    use crate::features::shoe_attributes;
    use crate::fitting::{examples, Fitting};
    use crate::ranking::BaselineScorer;

    /// The README's shop runner (pronated, 61 kg, budget $170) without the worn pair.
    fn runner(budget: Option<f64>, width: &str) -> RunnerSignals {
        let mut v = examples::shop_fitting();
        v["profile"]["budget_usd"] = budget.map_or(serde_json::Value::Null, |b| serde_json::json!(b));
        v["profile"]["width"] = serde_json::json!(width);
        v.as_object_mut().unwrap().remove("wear");
        let f: Fitting = serde_json::from_value(v).unwrap();
        RunnerSignals::from_fitting(&f, &Catalogue::default())
    }

    fn stability(id: &str, brand: &str, price: Option<f64>) -> Shoe {
        let mut s = shoe(id);
        s.brand = brand.into();
        s.support = Support::Stability;
        s.price_usd = price;
        s
    }

    fn ranked(shoes: Vec<Shoe>, runner: &RunnerSignals, filters: &Filters, top_k: usize) -> Ranking {
        let catalogue = Catalogue::new(shoes, Vec::new());
        let attributes: Vec<_> = catalogue.shoes.iter().map(shoe_attributes).collect();
        rank_for_runner(&BaselineScorer::new(), &catalogue, &attributes, runner, filters, top_k, &Policy::default())
    }

    fn ids(r: &Ranking) -> Vec<&str> {
        r.shoes.iter().map(|s| s.shoe.id.as_str()).collect()
    }

    #[test]
    fn an_in_budget_shoe_ranks_above_a_better_scoring_one_over_budget_which_names_the_amount() {
        // The stability shoe suits this pronated runner better, but costs $25 over budget.
        let mut neutral = shoe("a-neutral-1");
        neutral.price_usd = Some(140.0);
        let r = ranked(vec![stability("b-stable-1", "B", Some(170.0)), neutral], &runner(Some(145.0), "standard"), &Filters::default(), 5);
        assert_eq!(ids(&r), ["a-neutral-1", "b-stable-1"]);
        assert!(r.shoes[0].score < r.shoes[1].score);
        assert_eq!(r.shoes[1].explanation.cautions[0], "$25 over your $145 budget ($170)");
    }

    #[test]
    fn a_shoe_without_a_price_ranks_below_priced_ones_with_a_caution() {
        let mut cheap_neutral = shoe("a-neutral-1");
        cheap_neutral.price_usd = Some(100.0);
        let r = ranked(vec![stability("b-stable-1", "B", None), cheap_neutral], &runner(None, "standard"), &Filters::default(), 5);
        assert_eq!(ids(&r), ["a-neutral-1", "b-stable-1"]);
        assert!(r.shoes[1].explanation.cautions.iter().any(|c| c.contains("no current list price")));
    }

    #[test]
    fn one_generation_per_line_the_newest_unless_only_an_older_one_comes_in_the_width() {
        let mut old = stability("b-guide-18", "B", Some(140.0));
        old.release_year = Some(2025);
        old.status = Some(ShoeStatus::Previous);
        old.widths.insert(Width::Wide);
        let mut new = stability("b-guide-19", "B", Some(145.0));
        new.release_year = Some(2026);
        let r = ranked(vec![old.clone(), new.clone()], &runner(Some(170.0), "standard"), &Filters::default(), 5);
        assert_eq!(ids(&r), ["b-guide-19"]);
        let r = ranked(vec![old, new], &runner(Some(170.0), "wide"), &Filters::default(), 5);
        assert_eq!(ids(&r), ["b-guide-18"]);
        assert_eq!(r.shoes[0].explanation.notes, ["an earlier generation: the newer B Model is not made in wide width"]);
    }

    #[test]
    fn a_discontinued_shoe_appears_only_when_the_store_has_it() {
        let mut gone = stability("b-old-1", "B", Some(120.0));
        gone.status = Some(ShoeStatus::Discontinued);
        let r = ranked(vec![gone.clone()], &runner(None, "standard"), &Filters::default(), 5);
        assert!(r.shoes.is_empty());
        assert_eq!(r.removed.discontinued, 1);
        let in_stock = Filters { only_ids: Some(["b-old-1".to_string()].into()), ..Filters::default() };
        assert_eq!(ids(&ranked(vec![gone], &runner(None, "standard"), &in_stock, 5)), ["b-old-1"]);
    }

    #[test]
    fn a_second_shoe_of_another_brand_beats_a_third_of_one_brand_when_comparable() {
        let shoes = vec![
            stability("a-one-1", "A", Some(140.0)),
            stability("a-two-1", "A", Some(140.0)),
            stability("a-three-1", "A", Some(140.0)),
            stability("b-one-1", "B", Some(140.0)),
        ];
        let policy = Policy { brand_repeat_penalty: 0.0, ..Policy::default() };
        let catalogue = Catalogue::new(shoes.clone(), Vec::new());
        let attributes: Vec<_> = catalogue.shoes.iter().map(shoe_attributes).collect();
        let plain = rank_for_runner(&BaselineScorer::new(), &catalogue, &attributes, &runner(None, "standard"), &Filters::default(), 2, &policy);
        assert_eq!(ids(&plain), ["a-one-1", "a-three-1"], "equal scores: by id");
        assert_eq!(ids(&ranked(shoes, &runner(None, "standard"), &Filters::default(), 2)), ["a-one-1", "b-one-1"]);
    }

    #[test]
    fn an_empty_answer_names_what_each_filter_removed_and_the_nearest_loosening() {
        let mut shoes = Vec::new();
        for (i, price) in [130.0, 135.0, 150.0].into_iter().enumerate() {
            let mut s = stability(&format!("s-{i}"), "S", Some(price));
            s.widths = [Width::Standard, Width::Wide].into();
            s.line = Some(format!("line-{i}"));
            shoes.push(s);
        }
        let filters = Filters { max_price_usd: Some(120.0), width: Some(Width::ExtraWide), ..Filters::default() };
        let r = ranked(shoes.clone(), &runner(None, "extra_wide"), &filters, 5);
        assert!(r.shoes.is_empty());
        assert_eq!((r.removed.price, r.removed.width), (3, 3));
        // Every shoe fails both filters: loosening one alone brings nothing.
        assert!(r.relaxations.is_empty(), "{:?}", r.relaxations);

        let filters = Filters { max_price_usd: Some(120.0), ..Filters::default() };
        let r = ranked(shoes.clone(), &runner(None, "standard"), &filters, 2);
        assert_eq!(r.relaxations[0].suggestion, "2 more shoes at up to $135");
        let filters = Filters { width: Some(Width::ExtraWide), ..Filters::default() };
        let r = ranked(shoes, &runner(None, "standard"), &filters, 5);
        assert_eq!(r.relaxations[0].suggestion, "3 more in wide width");
    }

    #[test]
    fn the_line_of_a_pair_the_runner_kept_and_liked_moves_up() {
        let shoes = vec![stability("a-stable-1", "A", Some(140.0)), stability("b-liked-2", "B", Some(140.0))];
        let catalogue = Catalogue::new(shoes, Vec::new());
        let attributes: Vec<_> = catalogue.shoes.iter().map(shoe_attributes).collect();
        let policy = Policy { liked_line: Some("b-liked".into()), ..Policy::default() };
        let r = rank_for_runner(&BaselineScorer::new(), &catalogue, &attributes, &runner(None, "standard"), &Filters::default(), 2, &policy);
        assert_eq!(ids(&r), ["b-liked-2", "a-stable-1"]);
    }

    #[test]
    fn a_better_match_out_of_stock_is_offered_separately() {
        let mut neutral = shoe("a-neutral-1");
        neutral.price_usd = Some(140.0);
        let shoes = vec![stability("b-stable-1", "B", Some(140.0)), neutral];
        let in_stock = Filters { only_ids: Some(["a-neutral-1".to_string()].into()), ..Filters::default() };
        let r = ranked(shoes, &runner(None, "standard"), &in_stock, 5);
        assert_eq!(ids(&r), ["a-neutral-1"]);
        assert_eq!(r.elsewhere.as_ref().map(|e| e.shoe.id.as_str()), Some("b-stable-1"));
        assert_eq!(r.relaxations[0].filter, "store_id");
    }
}
