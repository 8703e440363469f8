//! Labelled (fitting, shoe) pairs for training and evaluation. polars joins the sales
//! with the catalogue, drops what cannot be learned from and orders them by time; the
//! features come from `features::pair`, the same call the server makes when it ranks.
//!
//! A session is one fitting. Its examples are the shoes sold (with the outcome as a label)
//! and, when the shop recorded try-ons, the shoes tried and put back: bought against put
//! back is what a ranking objective learns from.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::*;
use rayon::prelude::*;

use crate::catalogue::Catalogue;
use crate::db::outcomes::OutcomeRow;
use crate::features::{pair, shoe_attributes, FeatureVector, Pair, Relations, RunnerSignals, ShoeAttributes};
use crate::fitting::Fitting;
use crate::outcomes::{label, TryOn};

/// One sale as training reads it, from the database or an import file.
#[derive(Debug, Clone)]
pub struct SaleRecord {
    /// Groups the sales of one fitting session.
    pub session_key: String,
    pub fitting: Arc<Fitting>,
    pub store_id: Option<String>,
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
            shoe_id: row.shoe_id.clone(),
            sold_at,
            label: label(sold_at, row.returned_at.is_some(), row.satisfaction.map(|s| s as u8), row.pain_at_follow_up, as_of),
            tried,
            synthetic: row.synthetic,
            size_eu: row.size_eu,
            return_reason: row.return_reason.as_deref().and_then(|r| crate::outcomes::ReturnReason::parse(r).ok()),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub key: String,
    pub store_id: Option<String>,
    pub runner: RunnerSignals,
    pub first_sold_at: DateTime<Utc>,
    /// Whether the shop recorded which shoes were tried and put back.
    pub has_try_ons: bool,
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

#[derive(Debug, Clone)]
pub struct Example {
    pub session: usize,
    pub shoe_id: String,
    /// Index of the shoe in the catalogue (and in `Dataset::shoe_attributes`).
    pub shoe: u32,
    pub sold: bool,
    /// The sale's outcome (true = good fit); `None` for shoes put back and unlabelled sales.
    pub label: Option<bool>,
    /// Relevance within the session (see `grade`).
    pub grade: f64,
    pub x: FeatureVector,
    pub relations: Relations,
}

impl Example {
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

#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub sessions: Vec<Session>,
    /// Sales ordered by sale time, then the shoes put back.
    pub examples: Vec<Example>,
    /// Attributes of every catalogue shoe, by catalogue index.
    pub shoe_attributes: Vec<ShoeAttributes>,
    pub unlabelled: usize,
    pub unknown_shoe: usize,
}

impl Dataset {
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

    /// One example of a session's shoe, its inputs from the shared feature path.
    fn example(&self, catalogue: &Catalogue, session: usize, shoe: u32, label: Option<bool>, grade: f64, sold: bool) -> Example {
        let spec = &catalogue.shoes[shoe as usize];
        let p = pair(&self.sessions[session].runner, spec, &self.shoe_attributes[shoe as usize]);
        Example { session, shoe_id: spec.id.clone(), shoe, sold, label, grade, x: p.x, relations: p.relations }
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
/// with try-ons, ordered by time (polars), then computes each pair's features and adds the
/// session's put-back shoes.
pub fn build(records: &[SaleRecord], catalogue: &Catalogue) -> PolarsResult<Dataset> {
    let n = records.len();
    let sales = df!(
        "row" => (0..n as u32).collect::<Vec<u32>>(),
        "shoe_id" => records.iter().map(|r| r.shoe_id.as_str()).collect::<Vec<_>>(),
        "sold_at" => records.iter().map(|r| r.sold_at.timestamp_millis()).collect::<Vec<i64>>(),
        "usable" => records.iter().map(|r| r.label.is_some() || !r.tried.is_empty()).collect::<Vec<bool>>(),
    )?;
    let shoes = df!("shoe_id" => catalogue.shoes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>())?;
    let kept = sales
        .lazy()
        .filter(col("usable"))
        .join(shoes.lazy(), [col("shoe_id")], [col("shoe_id")], JoinArgs::new(JoinType::Inner))
        .sort(["sold_at", "row"], SortMultipleOptions::default())
        .select([col("row")])
        .collect()?;
    let rows: Vec<u32> = kept.column("row")?.u32()?.into_no_null_iter().collect();

    let index_of: HashMap<&str, u32> = catalogue.shoes.iter().enumerate().map(|(i, s)| (s.id.as_str(), i as u32)).collect();
    let mut dataset = Dataset {
        unlabelled: records.iter().filter(|r| r.label.is_none() && r.tried.is_empty()).count(),
        unknown_shoe: records.iter().filter(|r| !index_of.contains_key(r.shoe_id.as_str())).count(),
        shoe_attributes: catalogue.shoes.iter().map(shoe_attributes).collect(),
        ..Default::default()
    };
    // Which session and shoe each example is, in order (cheap, sequential); then each
    // session's runner signals and each example's features, in parallel and in that order.
    let mut session_index: HashMap<&str, usize> = HashMap::new();
    let mut session_records: Vec<&SaleRecord> = Vec::new();
    let mut sold_in: std::collections::HashSet<(usize, u32)> = std::collections::HashSet::new();
    let mut specs: Vec<(usize, u32, Option<bool>, f64, bool)> = Vec::with_capacity(rows.len());
    for row in rows {
        let record = &records[row as usize];
        let shoe_index = index_of[record.shoe_id.as_str()];
        let session = *session_index.entry(record.session_key.as_str()).or_insert_with(|| {
            session_records.push(record);
            session_records.len() - 1
        });
        sold_in.insert((session, shoe_index));
        specs.push((session, shoe_index, record.label, sale_grade(record.label), true));
    }
    // Shoes tried and put back: every tried shoe the session did not buy.
    for (session, record) in session_records.iter().enumerate() {
        for tried in record.tried.iter() {
            let Some(&shoe_index) = index_of.get(tried.shoe_id.as_str()) else { continue };
            if sold_in.insert((session, shoe_index)) {
                specs.push((session, shoe_index, None, grade::PUT_BACK, false));
            }
        }
    }
    dataset.sessions = session_records
        .par_iter()
        .map(|record| Session {
            key: record.session_key.clone(),
            store_id: record.store_id.clone(),
            runner: RunnerSignals::from_fitting(&record.fitting, catalogue),
            first_sold_at: record.sold_at,
            has_try_ons: !record.tried.is_empty(),
        })
        .collect();
    dataset.examples = specs
        .par_iter()
        .map(|&(session, shoe, label, grade, sold)| dataset.example(catalogue, session, shoe, label, grade, sold))
        .collect();
    Ok(dataset)
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
