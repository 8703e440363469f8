//! The learned offsets in service: learned and stored by each training run, served from
//! memory, reloaded when another replica (or the CLI) stored new ones.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::offsets::{ModelOffset, Prior, SizeEvidence, SizeOffsets};
use super::SizeCharts;
use crate::catalogue::Catalogue;
use crate::db::{self, Database, DbError};

/// Changes whenever a training run stores offsets.
const OFFSETS_TRAINED: &str = "size_offsets_trained_at";

/// One model's learned offset as the API and the analyst report show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct LearnedOffset {
    pub shoe_id: String,
    pub brand: String,
    #[serde(flatten)]
    pub offset: ModelOffset,
    /// In plain words, e.g. "runs about half a size short".
    pub summary: String,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub trained_at: chrono::DateTime<chrono::Utc>,
}

pub struct SizingService {
    db: Database,
    current: ArcSwap<SizeOffsets>,
    seen: std::sync::Mutex<Option<String>>,
}

fn read(conn: &mut db::DbConnection) -> Result<(SizeOffsets, Option<String>), DbError> {
    crate::db::transaction(conn, |conn| {
        let marker = db::meta::get(conn, OFFSETS_TRAINED)?;
        Ok((to_offsets(&db::sizes::offsets(conn)?), marker))
    })
}

fn to_offsets(rows: &[db::sizes::SizeOffsetRow]) -> SizeOffsets {
    let mut offsets = SizeOffsets::default();
    for r in rows {
        offsets.shoes.insert(
            r.shoe_id.clone(),
            ModelOffset {
                length_mm: r.length_mm,
                width: r.width,
                records: r.records,
                brand_length_mm: r.brand_length_mm,
                brand_records: r.brand_records,
            },
        );
        offsets
            .brands
            .insert(r.brand.to_lowercase(), (r.brand_length_mm, r.brand_records));
    }
    offsets
}

/// The offsets the service learns from gathered evidence: each model's brand is its prior.
pub fn learn_offsets(evidence: &SizeEvidence, catalogue: &Catalogue) -> SizeOffsets {
    evidence.learn(catalogue, SizeCharts::bundled(), Prior::Brand)
}

/// Stores learned offsets, replacing the last run's. Returns how many models got an offset.
pub fn store(db: &Database, learned: &SizeOffsets, catalogue: &Catalogue) -> Result<usize, DbError> {
    let now = crate::time::now();
    let mut rows: Vec<db::sizes::SizeOffsetRow> = learned
        .shoes
        .iter()
        .filter_map(|(id, o)| {
            let shoe = catalogue.shoe(id)?;
            Some(db::sizes::SizeOffsetRow {
                shoe_id: id.clone(),
                brand: shoe.brand.clone(),
                length_mm: o.length_mm,
                width: o.width,
                records: o.records,
                brand_length_mm: o.brand_length_mm,
                brand_records: o.brand_records,
                trained_at: now.into(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.shoe_id.cmp(&b.shoe_id));
    let n = rows.len();
    db.with_write_conn(|conn| {
        crate::db::transaction(conn, |conn| {
            db::sizes::replace_offsets(conn, &rows)?;
            db::meta::set(conn, OFFSETS_TRAINED, &crate::time::rfc3339_millis(now))
        })
    })?;
    Ok(n)
}

/// "runs about half a size short", "fits true to the chart".
pub fn summary(offset: &ModelOffset, step_mm: f64) -> String {
    let length = match super::advice::offset_words(offset.length_mm, step_mm) {
        None => "fits true to its brand's chart".to_owned(),
        Some(words) if offset.length_mm > 0.0 => format!("runs {words}: size up"),
        Some(words) => format!("runs {words}: size down"),
    };
    match offset.width {
        w if w > 0.25 => format!("{length}; runs narrow"),
        w if w < -0.25 => format!("{length}; runs wide"),
        _ => length,
    }
}

impl SizingService {
    pub fn load(db: Database) -> Result<Self, DbError> {
        let (offsets, marker) = db.with_conn(read)?;
        Ok(Self {
            db,
            current: ArcSwap::from_pointee(offsets),
            seen: std::sync::Mutex::new(marker),
        })
    }

    /// The offsets serving now.
    pub fn offsets(&self) -> Arc<SizeOffsets> {
        self.current.load_full()
    }

    /// Reloads when a training run (here or elsewhere) stored new offsets.
    pub async fn reload_if_changed(&self) -> Result<bool, DbError> {
        let marker = self
            .db
            .run(|conn| db::meta::get(conn, OFFSETS_TRAINED))
            .await?;
        let changed = self.seen.lock().map(|seen| *seen != marker).unwrap_or(true);
        if changed {
            let (offsets, marker) = self.db.run(read).await?;
            self.current.store(Arc::new(offsets));
            if let Ok(mut seen) = self.seen.lock() {
                *seen = marker;
            }
        }
        Ok(changed)
    }

    /// Every model's learned offset (for the API and the analyst report), by shoe id.
    pub async fn learned(&self) -> Result<Vec<LearnedOffset>, DbError> {
        let rows = self.db.run(db::sizes::offsets).await?;
        Ok(rows.iter().map(learned_view).collect())
    }
}

fn learned_view(r: &db::sizes::SizeOffsetRow) -> LearnedOffset {
    let offset = ModelOffset {
        length_mm: (r.length_mm * 10.0).round() / 10.0,
        width: (r.width * 100.0).round() / 100.0,
        records: (r.records * 10.0).round() / 10.0,
        brand_length_mm: (r.brand_length_mm * 10.0).round() / 10.0,
        brand_records: (r.brand_records * 10.0).round() / 10.0,
    };
    let step = SizeCharts::bundled()
        .brand(&r.brand)
        .map(|c| c.step_mm(super::chart::ChartKind::Men))
        .unwrap_or(4.5);
    LearnedOffset {
        shoe_id: r.shoe_id.clone(),
        brand: r.brand.clone(),
        summary: summary(&r_offset(r), step),
        offset,
        trained_at: r.trained_at.0,
    }
}

fn r_offset(r: &db::sizes::SizeOffsetRow) -> ModelOffset {
    ModelOffset {
        length_mm: r.length_mm,
        width: r.width,
        records: r.records,
        brand_length_mm: r.brand_length_mm,
        brand_records: r.brand_records,
    }
}

#[cfg(test)]
mod tests {
    use super::super::offsets::learn;
    use super::*;
    use crate::simulate::{simulate, to_records, write_csv, SimulationConfig};

    #[test]
    fn offsets_learned_from_stored_sales_as_a_stream_are_those_the_sales_held_whole_give() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("sizes.db").display());
        let db = crate::startup::prepare_database(&crate::Settings { database_url: url, ..Default::default() }).unwrap();
        let catalogue = crate::catalogue::CatalogueService::load(db.clone()).unwrap().snapshot();
        let config = SimulationConfig { sales: 2_000, seed: 11, size_returns: true, ..Default::default() };
        let mut sales = simulate(&catalogue, &config);
        // Some fittings with a second sale (the same inline fitting, stored once): its try-ons
        // count once, and each sale of a measured runner adds its own record.
        let again: Vec<_> = sales
            .iter()
            .step_by(25)
            .map(|s| crate::simulate::SimulatedSale {
                sale_id: format!("{}-again", s.sale_id),
                sold_at: s.sold_at + chrono::Duration::hours(1),
                ..s.clone()
            })
            .collect();
        sales.extend(again);
        let csv = dir.path().join("sales.csv");
        write_csv(&sales, &mut std::fs::File::create(&csv).unwrap()).unwrap();
        crate::outcomes::import::import_outcomes_file(&db, &catalogue, &csv, &|_| {}).unwrap();

        // What training stores: the offsets learned on its one read of the stored sales.
        let (data, on_training_read) =
            crate::training::load_dataset_and_sizes(&db, &catalogue, |e| learn_offsets(&e, &catalogue)).unwrap();
        let learned = store(&db, &on_training_read, &catalogue).unwrap();
        let stored = SizingService::load(db.clone()).unwrap().offsets();
        // The simulator's sales as the importer was given them, held whole in memory.
        let mut records = to_records(&sales, crate::time::now());
        for record in &mut records {
            // A second sale is a session's own (its fitting's).
            if let Some(first) = record.session_key.strip_suffix("-again") {
                record.session_key = first.to_owned();
            }
        }
        let held = super::super::offsets::records_from_sales(&records);
        let expected = learn(&held, &catalogue, SizeCharts::bundled(), Prior::Brand);
        assert!(learned > 50, "only {learned} models got an offset");
        let stored_fittings = db.with_conn(crate::db::fittings::count).unwrap();
        assert!(stored_fittings < sales.len() as i64, "{stored_fittings} fittings for {} sales", sales.len());
        // Training's read gathers the same evidence while it builds its dataset, and it is
        // what the sales read one by one, each with its parsed fitting and try-ons, give:
        // the same records in the same order, so the same offsets to the bit.
        assert_eq!(data, crate::training::load_dataset(&db, &catalogue).unwrap());
        let mut one_by_one = SizeEvidence::default();
        crate::training::for_each_sale(&db, |sale| one_by_one.add(&sale)).unwrap();
        assert_eq!(on_training_read, learn_offsets(&one_by_one, &catalogue));
        assert_eq!(on_training_read, learn(&one_by_one.into_records(), &catalogue, SizeCharts::bundled(), Prior::Brand));
        assert_eq!(stored.shoes.len(), expected.shoes.len());
        for (id, want) in &expected.shoes {
            let got = stored.shoes[id];
            // The same records in another order: sums agree to rounding.
            let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
            assert!(
                close(got.length_mm, want.length_mm) && close(got.width, want.width) && close(got.records, want.records),
                "{id}: stored {got:?}, held {want:?}"
            );
        }
    }
}
