//! Labelled (fitting, shoe) pairs for training and evaluation. polars joins the outcomes
//! with the catalogue, drops unlabelled sales and orders them by time; the features come
//! from `features::pair_features`, the same call the server makes when it ranks.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::*;

use crate::catalogue::Catalogue;
use crate::db::outcomes::OutcomeRow;
use crate::features::{pair_features, FeatureVector, RunnerSignals};
use crate::fitting::Fitting;
use crate::outcomes::label;

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
}

impl SaleRecord {
    /// Builds a record from a stored outcome and its fitting document.
    pub fn from_row(row: &OutcomeRow, fitting: Arc<Fitting>, as_of: DateTime<Utc>) -> Option<Self> {
        let sold_at = DateTime::parse_from_rfc3339(&row.sold_at).ok()?.with_timezone(&Utc);
        Some(Self {
            session_key: row.fitting_id.clone()?,
            fitting,
            store_id: row.store_id.clone(),
            shoe_id: row.shoe_id.clone(),
            sold_at,
            label: label(sold_at, row.returned_at.is_some(), row.satisfaction.map(|s| s as u8), row.pain_at_follow_up, as_of),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub key: String,
    pub store_id: Option<String>,
    pub runner: RunnerSignals,
    pub first_sold_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub session: usize,
    pub shoe_id: String,
    pub label: bool,
    pub x: FeatureVector,
}

#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub sessions: Vec<Session>,
    /// Ordered by sale time.
    pub examples: Vec<Example>,
    pub unlabelled: usize,
    pub unknown_shoe: usize,
}

impl Dataset {
    pub fn positives(&self) -> usize {
        self.examples.iter().filter(|e| e.label).count()
    }
}

/// Keeps labelled sales of shoes still in the catalogue, ordered by time (polars), then
/// computes each pair's features.
pub fn build(records: &[SaleRecord], catalogue: &Catalogue) -> PolarsResult<Dataset> {
    let n = records.len();
    let sales = df!(
        "row" => (0..n as u32).collect::<Vec<u32>>(),
        "shoe_id" => records.iter().map(|r| r.shoe_id.as_str()).collect::<Vec<_>>(),
        "sold_at" => records.iter().map(|r| r.sold_at.timestamp_millis()).collect::<Vec<i64>>(),
        "label" => records.iter().map(|r| r.label).collect::<Vec<Option<bool>>>(),
    )?;
    let shoes = df!("shoe_id" => catalogue.shoes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>())?;
    let labelled = sales.clone().lazy().filter(col("label").is_not_null());
    let kept = labelled
        .join(shoes.lazy(), [col("shoe_id")], [col("shoe_id")], JoinArgs::new(JoinType::Inner))
        .sort(["sold_at", "row"], SortMultipleOptions::default())
        .select([col("row")])
        .collect()?;
    let unlabelled = records.iter().filter(|r| r.label.is_none()).count();
    let rows: Vec<u32> = kept.column("row")?.u32()?.into_no_null_iter().collect();

    let mut dataset = Dataset { unlabelled, unknown_shoe: n - unlabelled - rows.len(), ..Default::default() };
    let mut session_index: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let record = &records[row as usize];
        let session = *session_index.entry(record.session_key.as_str()).or_insert_with(|| {
            dataset.sessions.push(Session {
                key: record.session_key.clone(),
                store_id: record.store_id.clone(),
                runner: RunnerSignals::from_fitting(&record.fitting, catalogue),
                first_sold_at: record.sold_at,
            });
            dataset.sessions.len() - 1
        });
        let shoe = catalogue.shoe(&record.shoe_id).expect("joined with the catalogue");
        dataset.examples.push(Example {
            session,
            shoe_id: record.shoe_id.clone(),
            label: record.label.unwrap_or(false),
            x: pair_features(&dataset.sessions[session].runner, shoe),
        });
    }
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
