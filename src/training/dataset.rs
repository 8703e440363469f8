//! Labelled (fitting, shoe) pairs for training and evaluation. The builder drops what cannot
//! be learned from and orders the sales by time, reading them one at a time (a stream from
//! the database never holds them all); the features come from `features::pair`, the same
//! call the server makes when it ranks.
//!
//! A session is one fitting. Its examples are the shoes sold (with the outcome as a label)
//! and, when the shop recorded try-ons, the shoes tried and put back: bought against put
//! back is what a ranking objective learns from.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::catalogue::Catalogue;
use crate::db::outcomes::OutcomeRow;
use crate::features::{
    pair, shoe_attributes, FeatureVector, Pair, Relations, RunnerAttributes, RunnerSignals, ShoeAttributes, WornShoe, RUNNER_DIM,
};
use crate::fitting::Fitting;
use crate::outcomes::{label, TryOn};

/// One sale as training reads it, from the database or an import file.
#[derive(Debug, Clone)]
pub struct SaleRecord {
    /// Groups the sales of one fitting session.
    pub session_key: String,
    pub fitting: Arc<Fitting>,
    pub store_id: Option<String>,
    /// The till's id of the sale, unique within its store.
    pub sale_id: String,
    pub shoe_id: String,
    pub sold_at: DateTime<Utc>,
    pub label: Option<bool>,
    /// Shoes tried in the session (shared by its sales); empty when not recorded.
    pub tried: Arc<Vec<TryOn>>,
    /// Simulator output, not a real sale.
    pub synthetic: bool,
    /// The size sold, EU, when the till recorded it.
    pub size_eu: Option<f64>,
    pub return_reason: Option<crate::outcomes::ReturnReason>,
}

impl SaleRecord {
    /// Builds a record from a stored outcome and its fitting document.
    pub fn from_row(row: &OutcomeRow, fitting: Arc<Fitting>, tried: Arc<Vec<TryOn>>, as_of: DateTime<Utc>) -> Option<Self> {
        let sold_at = row.sold_at.0;
        Some(Self {
            session_key: row.fitting_id?.to_string(),
            fitting,
            store_id: row.store_id.clone(),
            sale_id: row.sale_id.clone(),
            shoe_id: row.shoe_id.clone(),
            sold_at,
            label: label(sold_at, row.returned_at.is_some(), row.satisfaction.map(|s| s as u8), row.pain_at_follow_up, as_of),
            tried,
            synthetic: row.synthetic,
            size_eu: row.size_eu,
            return_reason: row.return_reason,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub key: String,
    pub store_id: Option<String>,
    /// The runner's signals, packed; `Dataset::runner` gives them back whole.
    runner: PackedRunner,
    pub first_sold_at: DateTime<Utc>,
    /// Whether the shop recorded which shoes were tried and put back.
    pub has_try_ons: bool,
}

/// A runner's signals in an eighth of their size, bit for bit: the binned attributes are
/// almost all 0 or 1, so the slots that hold exactly 1 are a bit set and any other non-zero
/// value is listed, and the worn pair is its catalogue index. A million sessions held whole
/// took 0.9 GB.
#[derive(Debug, Clone, PartialEq)]
struct PackedRunner {
    values: [f64; 6],
    worn_drop_mm: Option<f64>,
    budget_usd: Option<f64>,
    pronation_measured: bool,
    terrain: crate::catalogue::Terrain,
    goal: crate::fitting::Goal,
    width: crate::catalogue::Width,
    feel: Option<crate::fitting::Feel>,
    /// Catalogue index of the worn pair.
    worn: Option<u32>,
    /// Attribute slots that hold exactly 1.0.
    ones: u128,
    /// Every other slot whose value is not +0.0 (by its bits), in slot order.
    others: Box<[(u8, f64)]>,
}

const _: () = assert!(RUNNER_DIM <= 128, "the packed runner keeps one bit per attribute slot");

impl PackedRunner {
    fn pack(runner: &RunnerSignals, index_of: &HashMap<&str, u32>) -> Self {
        let mut ones = 0u128;
        let mut others = Vec::new();
        for (slot, &v) in runner.attributes.0.iter().enumerate() {
            if v.to_bits() == 1f64.to_bits() {
                ones |= 1 << slot;
            } else if v.to_bits() != 0 {
                others.push((slot as u8, v));
            }
        }
        let r = runner;
        Self {
            values: [r.pronation, r.supination, r.light, r.mass_kg, r.weekly_km, r.forefoot_strike],
            worn_drop_mm: r.worn_drop_mm,
            budget_usd: r.budget_usd,
            pronation_measured: r.pronation_measured,
            terrain: r.terrain,
            goal: r.goal,
            width: r.width,
            feel: r.feel,
            // The worn pair is always a catalogue shoe (`RunnerSignals::from_fitting`).
            worn: r.worn.as_ref().and_then(|w| index_of.get(w.id.as_str()).copied()),
            ones,
            others: others.into_boxed_slice(),
        }
    }

    fn unpack(&self, worn_shoes: &[WornShoe]) -> RunnerSignals {
        let [pronation, supination, light, mass_kg, weekly_km, forefoot_strike] = self.values;
        RunnerSignals {
            pronation,
            supination,
            pronation_measured: self.pronation_measured,
            light,
            mass_kg,
            weekly_km,
            forefoot_strike,
            worn_drop_mm: self.worn_drop_mm,
            terrain: self.terrain,
            goal: self.goal,
            width: self.width,
            feel: self.feel,
            budget_usd: self.budget_usd,
            worn: self.worn.map(|i| worn_shoes[i as usize].clone()),
            attributes: RunnerAttributes(self.attributes()),
        }
    }

    /// The attributes other than 0 (by value: -0.0 is left out), in slot order, into `out`:
    /// what `attributes` holds other than 0, read from the set bits and the listed values
    /// without writing the whole array (the interaction ranker's fit reads a session's
    /// runner this way at every visit).
    fn non_zero_into(&self, out: &mut Vec<(u16, f64)>) {
        out.clear();
        let mut ones = self.ones;
        let mut others = self.others.iter().filter(|(_, v)| *v != 0.0).peekable();
        loop {
            let one = (ones != 0).then(|| ones.trailing_zeros() as u16);
            match (one, others.peek()) {
                (None, None) => break,
                // The two are never the same slot: a slot holds exactly 1.0 or is listed.
                (Some(slot), next) if next.is_none_or(|&&(other, _)| slot < u16::from(other)) => {
                    out.push((slot, 1.0));
                    ones &= ones - 1;
                }
                _ => {
                    if let Some(&(slot, v)) = others.next() {
                        out.push((u16::from(slot), v));
                    }
                }
            }
        }
    }

    fn attributes(&self) -> [f64; RUNNER_DIM] {
        let mut out = [0.0; RUNNER_DIM];
        for (slot, v) in out.iter_mut().enumerate() {
            if self.ones & (1 << slot) != 0 {
                *v = 1.0;
            }
        }
        for &(slot, v) in self.others.iter() {
            out[slot as usize] = v;
        }
        out
    }
}

/// Relevance of a shoe within its session, for ranking objectives and metrics. The
/// runner's in-store comfort rating does not order the shoes put back: tried on the
/// learning-curve shop, it helped the tree reference and hurt the ranker at 20 000 sessions.
pub mod grade {
    pub const PUT_BACK: f64 = 0.0;
    pub const BOUGHT_POOR_FIT: f64 = 1.0;
    pub const BOUGHT: f64 = 2.0;
    pub const BOUGHT_GOOD_FIT: f64 = 3.0;
}

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub session: usize,
    /// Index of the shoe in the catalogue (and in `Dataset::shoe_attributes`).
    pub shoe: u32,
    pub sold: bool,
    /// The sale's outcome (true = good fit); `None` for shoes put back and unlabelled sales.
    pub label: Option<bool>,
    pub x: FeatureVector,
    pub relations: Relations,
}

// Most of training's memory: 4.9 M examples at 1 M sales.
const _: () = assert!(std::mem::size_of::<Example>() == 240);

impl Example {
    /// Relevance within the session (see `grade`), from what was sold and its label: not
    /// stored, which keeps an example in 240 bytes (4.9 M of them at 1 M sales).
    pub fn grade(&self) -> f64 {
        if self.sold {
            sale_grade(self.label)
        } else {
            grade::PUT_BACK
        }
    }
    /// Whether this is a labelled sale (pointwise objectives and metrics).
    pub fn is_labelled_sale(&self) -> bool {
        self.sold && self.label.is_some()
    }
    pub fn good_fit(&self) -> bool {
        self.label == Some(true)
    }
    pub fn pair<'a>(&self, dataset: &'a Dataset) -> Pair<'a> {
        Pair { x: self.x, relations: self.relations, shoe: &dataset.shoe_attributes[self.shoe as usize] }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub sessions: Vec<Session>,
    /// Sales ordered by sale time, then the shoes put back.
    pub examples: Vec<Example>,
    /// Attributes of every catalogue shoe, by catalogue index.
    pub shoe_attributes: Vec<ShoeAttributes>,
    /// Every catalogue shoe as a worn pair, by catalogue index (unpacks sessions' runners).
    worn_shoes: Vec<WornShoe>,
    /// Sales read, with or without a label or a known shoe.
    pub sales: usize,
    /// Of those, sales made by a simulator.
    pub synthetic_sales: usize,
    pub unlabelled: usize,
    pub unknown_shoe: usize,
}

impl Dataset {
    /// The runner of a session, as `RunnerSignals::from_fitting` gave it.
    pub fn runner(&self, session: usize) -> RunnerSignals {
        self.sessions[session].runner.unpack(&self.worn_shoes)
    }

    /// A session's runner's non-zero attributes, in slot order, into `out`: what
    /// `runner(session).attributes` holds other than 0, without unpacking the rest.
    pub(crate) fn runner_non_zero(&self, session: usize, out: &mut Vec<(u16, f64)>) {
        self.sessions[session].runner.non_zero_into(out);
    }

    /// Labelled sales that were good fits.
    pub fn positives(&self) -> usize {
        self.examples.iter().filter(|e| e.good_fit()).count()
    }
    pub fn labelled_sales(&self) -> usize {
        self.examples.iter().filter(|e| e.is_labelled_sale()).count()
    }
    pub fn try_on_sessions(&self) -> usize {
        self.sessions.iter().filter(|s| s.has_try_ons).count()
    }

    /// The labelled sales among these examples (what the pointwise logistic model fits).
    pub fn labelled_sales_in(&self, examples: &[usize]) -> Vec<&Example> {
        examples.iter().map(|&i| &self.examples[i]).filter(|e| e.is_labelled_sale()).collect()
    }

    /// These examples grouped by session, sessions in index order.
    pub fn by_session(&self, examples: &[usize]) -> std::collections::BTreeMap<usize, Vec<&Example>> {
        let mut grouped: std::collections::BTreeMap<usize, Vec<&Example>> = std::collections::BTreeMap::new();
        for &i in examples {
            grouped.entry(self.examples[i].session).or_default().push(&self.examples[i]);
        }
        grouped
    }
}

fn sale_grade(label: Option<bool>) -> f64 {
    match label {
        Some(true) => grade::BOUGHT_GOOD_FIT,
        Some(false) => grade::BOUGHT_POOR_FIT,
        None => grade::BOUGHT,
    }
}

/// Keeps sales of shoes still in the catalogue that carry a label or belong to a session
/// with try-ons, ordered by time, then computes each pair's features and adds the session's
/// put-back shoes.
pub fn build(records: &[SaleRecord], catalogue: &Catalogue) -> Dataset {
    let mut builder = Builder::new(catalogue);
    for record in records {
        builder.push_record(record);
    }
    builder.finish()
}

/// One sale as the builder reads it.
pub struct Sale<'a> {
    /// Groups the sales of one fitting session.
    pub session_key: &'a str,
    pub store_id: Option<&'a str>,
    /// The till's id of the sale, unique within its store: with the store, it orders sales
    /// made at the same instant.
    pub sale_id: &'a str,
    pub shoe_id: &'a str,
    pub sold_at: DateTime<Utc>,
    pub label: Option<bool>,
    pub synthetic: bool,
    /// Whether the session recorded any try-on (known to the catalogue or not).
    pub has_try_ons: bool,
}

/// What the builder keeps of a session's fitting and try-ons.
pub struct SessionInput {
    pub runner: RunnerSignals,
    /// The catalogue indices of the shoes tried, in the order tried (unknown shoes left out).
    pub tried: Vec<u32>,
}

/// What orders sales made at the same instant: the first eight bytes of a SHA-256 of the
/// store and the sale id (unique together), so it depends on the sale alone and is the same
/// on every backend and build.
pub(crate) fn tie(store_id: Option<&str>, sale_id: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // The store's presence and length first, so ("a", "bc") and ("ab", "c") differ.
    match store_id {
        Some(store) => {
            hasher.update([1]);
            hasher.update((store.len() as u64).to_le_bytes());
            hasher.update(store.as_bytes());
        }
        None => hasher.update([0]),
    }
    hasher.update(sale_id.as_bytes());
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// A kept sale, before the sales are put in time order.
struct PendingSale {
    sold_ms: i64,
    session: u32,
    shoe: u32,
    label: Option<bool>,
}

/// An example to build: its session (numbered in time order), its shoe, and whether it
/// was sold (with the sale's label) or tried and put back. 12 bytes, where a tuple with
/// the grade took 24.
#[derive(Debug, Clone, Copy)]
struct Spec {
    session: u32,
    shoe: u32,
    sold: bool,
    label: Option<bool>,
}

/// Builds a dataset from sales handed over one at a time (a stream from the database holds
/// no sale but the one it reads), keeping a few bytes per sale and one packed runner per
/// session until `finish` orders them and computes the features. Gives exactly what sorting
/// every record by (sale time in ms, `tie`) first would give.
///
/// Sales made at the same instant are ordered by `tie`, a digest of the store and sale id,
/// never by the order the database returned them in: that order is the query plan's, so
/// the same stored sales could number their sessions, and train their model, differently
/// from one run or backend to the next.
pub struct Builder<'c> {
    catalogue: &'c Catalogue,
    index_of: HashMap<&'c str, u32>,
    sales: Vec<PendingSale>,
    /// Each kept sale's `tie`, by `sales` index.
    ties: Vec<u64>,
    /// Each session as first read, in the order read; its fields come from its earliest
    /// kept sale (in time, then by `tie`), as they did when every record was
    /// sorted first. `finish` puts them in time order in place.
    sessions: Vec<Session>,
    /// (sale time in ms, `tie`) of that sale, by session.
    firsts: Vec<(i64, u64)>,
    /// The catalogue indices of the shoes each session tried, in the order tried.
    tried: Vec<Box<[u32]>>,
    session_of: HashMap<String, u32>,
    read: usize,
    synthetic_sales: usize,
    unlabelled: usize,
    unknown_shoe: usize,
}

impl<'c> Builder<'c> {
    pub fn new(catalogue: &'c Catalogue) -> Self {
        Self::with_capacity(catalogue, 0)
    }

    /// A builder with room for this many sales (and as many sessions) from the start: grown
    /// step by step, each array's and map's outgrown copies stay in the allocator's pages
    /// beside the examples built later. Room reserved and never written is not resident.
    pub fn with_capacity(catalogue: &'c Catalogue, sales: usize) -> Self {
        Self {
            catalogue,
            index_of: catalogue.shoes.iter().enumerate().map(|(i, s)| (s.id.as_str(), i as u32)).collect(),
            sales: Vec::with_capacity(sales),
            ties: Vec::with_capacity(sales),
            sessions: Vec::with_capacity(sales),
            firsts: Vec::with_capacity(sales),
            tried: Vec::with_capacity(sales),
            session_of: HashMap::with_capacity(sales),
            read: 0,
            synthetic_sales: 0,
            unlabelled: 0,
            unknown_shoe: 0,
        }
    }

    /// The catalogue index of a shoe, if the catalogue has it.
    pub fn shoe_index(&self, shoe_id: &str) -> Option<u32> {
        self.index_of.get(shoe_id).copied()
    }

    /// Whether a sale of this session has been kept already.
    pub fn has_session(&self, key: &str) -> bool {
        self.session_of.contains_key(key)
    }

    pub fn push_record(&mut self, record: &SaleRecord) {
        let sale = Sale {
            session_key: &record.session_key,
            store_id: record.store_id.as_deref(),
            sale_id: &record.sale_id,
            shoe_id: &record.shoe_id,
            sold_at: record.sold_at,
            label: record.label,
            synthetic: record.synthetic,
            has_try_ons: !record.tried.is_empty(),
        };
        let catalogue = self.catalogue;
        let index_of = &self.index_of;
        let tried: Vec<u32> = record.tried.iter().filter_map(|t| index_of.get(t.shoe_id.as_str()).copied()).collect();
        let _ = self.push(sale, || Ok::<_, std::convert::Infallible>(SessionInput { runner: RunnerSignals::from_fitting(&record.fitting, catalogue), tried }));
    }

    /// A session of this sale's, from its runner.
    fn session(&self, key: String, sale: &Sale, runner: &RunnerSignals) -> Session {
        Session {
            key,
            store_id: sale.store_id.map(str::to_owned),
            runner: PackedRunner::pack(runner, &self.index_of),
            first_sold_at: sale.sold_at,
            has_try_ons: sale.has_try_ons,
        }
    }

    /// Reads one sale. `session` is asked for the session's runner and try-ons only when
    /// this sale is the session's earliest kept so far; its error is handed back.
    pub fn push<E>(&mut self, sale: Sale, session: impl FnOnce() -> Result<SessionInput, E>) -> Result<(), E> {
        self.read += 1;
        self.synthetic_sales += sale.synthetic as usize;
        let usable = sale.label.is_some() || sale.has_try_ons;
        self.unlabelled += !usable as usize;
        let shoe = self.index_of.get(sale.shoe_id).copied();
        self.unknown_shoe += shoe.is_none() as usize;
        let (Some(shoe), true) = (shoe, usable) else { return Ok(()) };
        let sold_ms = sale.sold_at.timestamp_millis();
        let first = (sold_ms, tie(sale.store_id, sale.sale_id));
        let index = match self.session_of.get(sale.session_key) {
            Some(&i) => {
                // A session is described by its earliest sale, by (time, tie).
                if first < self.firsts[i as usize] {
                    let input = session()?;
                    let key = std::mem::take(&mut self.sessions[i as usize].key);
                    self.sessions[i as usize] = self.session(key, &sale, &input.runner);
                    self.firsts[i as usize] = first;
                    self.tried[i as usize] = input.tried.into_boxed_slice();
                }
                i
            }
            None => {
                let input = session()?;
                let i = self.sessions.len() as u32;
                let new = self.session(sale.session_key.to_owned(), &sale, &input.runner);
                self.sessions.push(new);
                self.firsts.push(first);
                self.tried.push(input.tried.into_boxed_slice());
                self.session_of.insert(sale.session_key.to_owned(), i);
                i
            }
        };
        self.sales.push(PendingSale { sold_ms, session: index, shoe, label: sale.label });
        self.ties.push(first.1);
        Ok(())
    }

    /// Orders the kept sales by time, numbers the sessions in that order, adds the shoes
    /// tried and put back, and computes every example's features (in parallel). What is
    /// held beside the examples is kept small and few copies are made (the sessions are
    /// reordered in place, the sales' shoes per session are one array): the examples are
    /// most of training's memory and this is where its peak is.
    pub fn finish(self) -> Dataset {
        let Builder { catalogue, sales, ties, mut sessions, firsts, tried, session_of, read, synthetic_sales, unlabelled, unknown_shoe, .. } = self;
        drop((session_of, firsts));
        let mut order: Vec<u32> = (0..sales.len() as u32).collect();
        order.sort_unstable_by_key(|&k| (sales[k as usize].sold_ms, ties[k as usize]));
        drop(ties);
        // Sessions numbered by their first sale in time order (every session has a sale).
        let mut number = vec![u32::MAX; sessions.len()];
        let mut first_order: Vec<u32> = Vec::with_capacity(sessions.len());
        for &k in &order {
            let p = sales[k as usize].session as usize;
            if number[p] == u32::MAX {
                number[p] = first_order.len() as u32;
                first_order.push(p as u32);
            }
        }
        // The shoes each (numbered) session sold, as one array: `sold[starts[s]..starts[s + 1]]`.
        let mut starts = vec![0u32; sessions.len() + 1];
        for sale in &sales {
            starts[number[sale.session as usize] as usize + 1] += 1;
        }
        for s in 0..sessions.len() {
            starts[s + 1] += starts[s];
        }
        let mut sold = vec![0u32; sales.len()];
        let mut filled = starts.clone();
        for sale in &sales {
            let s = number[sale.session as usize] as usize;
            sold[filled[s] as usize] = sale.shoe;
            filled[s] += 1;
        }
        drop(filled);
        // Shoes tried and put back: every tried shoe the session did not buy, once each.
        let put_back = |s: usize, visit: &mut dyn FnMut(u32)| {
            let tried = &tried[first_order[s] as usize];
            let sold = &sold[starts[s] as usize..starts[s + 1] as usize];
            for (k, &shoe) in tried.iter().enumerate() {
                if !sold.contains(&shoe) && !tried[..k].contains(&shoe) {
                    visit(shoe);
                }
            }
        };
        let mut put_backs = 0;
        for s in 0..first_order.len() {
            put_back(s, &mut |_| put_backs += 1);
        }
        let mut specs: Vec<Spec> = Vec::with_capacity(sales.len() + put_backs);
        for &k in &order {
            let sale = &sales[k as usize];
            specs.push(Spec { session: number[sale.session as usize], shoe: sale.shoe, sold: true, label: sale.label });
        }
        for s in 0..first_order.len() {
            put_back(s, &mut |shoe| specs.push(Spec { session: s as u32, shoe, sold: false, label: None }));
        }
        drop((order, sales, first_order, starts, sold, tried));
        permute(&mut sessions, number);
        let mut dataset = Dataset {
            sessions,
            shoe_attributes: catalogue.shoes.iter().map(shoe_attributes).collect(),
            worn_shoes: catalogue.shoes.iter().map(WornShoe::of).collect(),
            sales: read,
            synthetic_sales,
            unlabelled,
            unknown_shoe,
            ..Default::default()
        };
        // Each example's features in parallel, in order; a session's runner is unpacked once
        // for a run of its examples.
        let examples = specs
            .par_iter()
            .map_init(
                || None::<(usize, RunnerSignals)>,
                |cache, spec| {
                    let session = spec.session as usize;
                    if cache.as_ref().is_some_and(|(s, _)| *s != session) {
                        *cache = None;
                    }
                    let (_, runner) = cache.get_or_insert_with(|| (session, dataset.runner(session)));
                    let shoe = spec.shoe;
                    let p = pair(runner, &catalogue.shoes[shoe as usize], &dataset.shoe_attributes[shoe as usize]);
                    Example { session, shoe, sold: spec.sold, label: spec.label, x: p.x, relations: p.relations }
                },
            )
            .collect();
        dataset.examples = examples;
        dataset
    }
}

/// Moves each item to its place `to[i]` (a permutation), in place: the sessions take their
/// time order without a second copy of them.
fn permute<T>(items: &mut [T], mut to: Vec<u32>) {
    for i in 0..items.len() {
        while to[i] as usize != i {
            let j = to[i] as usize;
            items.swap(i, j);
            to.swap(i, j);
        }
    }
}

/// Example indices split by time and by session: the newest sessions are held out for
/// testing, the next newest for validation; no session appears on two sides.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

pub fn split_by_time(dataset: &Dataset, test_fraction: f64, validation_fraction: f64) -> Split {
    let mut order: Vec<usize> = (0..dataset.sessions.len()).collect();
    order.sort_by_key(|&s| (dataset.sessions[s].first_sold_at, s));
    let n = order.len();
    let n_test = ((n as f64) * test_fraction).round() as usize;
    let n_valid = ((n as f64) * validation_fraction).round() as usize;
    let mut side = vec![0u8; n];
    for (pos, &s) in order.iter().enumerate() {
        side[s] = if pos >= n - n_test {
            2
        } else if pos >= n - n_test - n_valid {
            1
        } else {
            0
        };
    }
    let mut split = Split::default();
    for (i, e) in dataset.examples.iter().enumerate() {
        match side[e.session] {
            0 => split.train.push(i),
            1 => split.validation.push(i),
            _ => split.test.push(i),
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_runners_non_zero_attributes_are_those_of_its_whole_array_to_the_bit() {
        use crate::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
        let catalogue = Catalogue::new(parse_shoes(BUNDLED_SHOES_CSV).unwrap(), parse_insoles(BUNDLED_INSOLES_CSV).unwrap());
        let config = crate::simulate::SimulationConfig { sales: 300, seed: 3, ..Default::default() };
        let sales = crate::simulate::simulate(&catalogue, &config);
        let index_of: HashMap<&str, u32> = catalogue.shoes.iter().enumerate().map(|(i, s)| (s.id.as_str(), i as u32)).collect();
        let mut runners: Vec<RunnerSignals> = sales.iter().map(|s| RunnerSignals::from_fitting(&s.fitting, &catalogue)).collect();
        // Values the simulator may not make: -0.0 (left out, as 0), NaN and negatives (kept).
        for (k, runner) in runners.iter_mut().enumerate().take(40) {
            let slot = k * 7 % RUNNER_DIM;
            runner.attributes.0[slot] = [-0.0, f64::NAN, -2.5, 1.0, 0.0][k % 5];
        }
        let mut out = Vec::new();
        for runner in &runners {
            let packed = PackedRunner::pack(runner, &index_of);
            packed.non_zero_into(&mut out);
            let whole: Vec<(u16, u64)> =
                packed.attributes().iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(i, v)| (i as u16, v.to_bits())).collect();
            let read: Vec<(u16, u64)> = out.iter().map(|&(i, v)| (i, v.to_bits())).collect();
            assert_eq!(read, whole);
        }
    }
}
