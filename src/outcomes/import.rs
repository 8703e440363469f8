//! Bulk import of outcome histories from CSV or Parquet. All or nothing: every row is
//! checked first and one bad row rejects the file, with a report of every rejected row.
//! Re-importing is safe: sales already stored are updated, never duplicated.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::Connection;

use super::row::{new_row, validate_report, whole_seconds};
use super::{ReturnReason, SaleReport, Satisfaction, TryOn, TryOnSet};
use crate::catalogue::Catalogue;
use crate::db::{self, fittings::FittingRow, Database, DbError};
use crate::fitting::{Fitting, StoreId};
use crate::tabular::{Row, RowError, Table, TableError};
use crate::units::PainScore;

pub const REQUIRED_COLUMNS: &[&str] = &["sale_id", "shoe_id", "sold_at"];
pub const OPTIONAL_COLUMNS: &[&str] = &[
    "fitting_id", "fitting", "store_id", "insole_id", "returned_at", "return_reason", "satisfaction", "pain_at_follow_up_0_10",
    "try_ons", "synthetic", "size_eu",
];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] TableError),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub fittings_created: usize,
    /// Try-on rows stored (each session's set replaces any stored before).
    pub try_ons: usize,
}

/// One checked row, ready to write.
struct ParsedRow {
    report: SaleReport,
    sold_at: DateTime<Utc>,
    inline_fitting: Option<Fitting>,
    /// The session's try-ons (a JSON array in the `try_ons` column); they replace any
    /// stored for the sale's fitting.
    try_ons: Option<TryOnSet>,
    /// The `synthetic` column: true for simulator output.
    synthetic: bool,
}

fn time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("'{s}' is not an RFC 3339 time such as 2026-11-25T10:15:00Z"))
}

fn parse_row(row: &Row, catalogue: &Catalogue) -> Result<ParsedRow, RowError> {
    let inline_fitting = row
        .optional("fitting", |s| {
            let f: Fitting = crate::validation::json::parse(s.as_bytes()).map_err(|e| format!("invalid fitting: {e}"))?;
            f.validate().map_err(|e| format!("invalid fitting: {e}"))?;
            Ok(f)
        })?;
    let fitting_id = row.optional("fitting_id", |s| uuid::Uuid::parse_str(s).map_err(|_| format!("'{s}' is not a UUID")))?;
    if fitting_id.is_none() && inline_fitting.is_none() {
        return Err(row.err("fitting_id", "each row needs a fitting_id or an inline fitting"));
    }
    let sold_at = row.parsed("sold_at", time)?;
    let report = SaleReport {
        sale_id: Some(row.required("sale_id")?),
        fitting_id,
        shoe_id: row.required("shoe_id")?,
        insole_id: row.cell("insole_id").map(str::to_owned),
        store_id: row.optional("store_id", StoreId::parse)?,
        sold_at: Some(sold_at),
        returned_at: row.optional("returned_at", time)?,
        return_reason: row.optional("return_reason", ReturnReason::parse)?,
        satisfaction: row.optional("satisfaction", |s| {
            s.parse::<i64>().map_err(|_| format!("'{s}' is not a whole number")).and_then(Satisfaction::new)
        })?,
        pain_at_follow_up_0_10: row.optional("pain_at_follow_up_0_10", |s| {
            s.parse::<f64>().map_err(|_| format!("'{s}' is not a number")).and_then(|v| PainScore::new(v).map_err(|e| e.to_string()))
        })?,
        size_eu: row.optional("size_eu", |s| {
            s.parse::<f64>().map_err(|_| format!("'{s}' is not a number")).and_then(|v| crate::units::ShoeSizeEu::new(v).map_err(|e| e.to_string()))
        })?,
    };
    validate_report(&report, catalogue).map_err(|e| row.lift(e))?;
    let try_ons = row.optional("try_ons", |s| {
        let try_ons: Vec<TryOn> = serde_json::from_str(s).map_err(|e| format!("invalid try-ons: {e}"))?;
        let set = TryOnSet { try_ons };
        set.check(catalogue).map_err(|errors| {
            errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
        })?;
        Ok(set)
    })?;
    let synthetic = row
        .optional("synthetic", |s| match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(format!("'{other}' is not true or false")),
        })?
        .unwrap_or(false);
    Ok(ParsedRow { report, sold_at, inline_fitting, try_ons, synthetic })
}

/// A sale's identity: sale ids are unique within a store (`""`: sales without a store).
fn sale_key<'a>(store_id: Option<&'a str>, sale_id: Option<&'a str>) -> (&'a str, &'a str) {
    (store_id.unwrap_or_default(), sale_id.unwrap_or_default())
}

/// Checks every row of a file against the catalogue; returns the rows or every error.
fn parse_file(bytes: &[u8], catalogue: &Catalogue) -> Result<Vec<ParsedRow>, TableError> {
    let table = Table::read(bytes)?;
    table.require(REQUIRED_COLUMNS)?;
    let rows = table.rows(|row| parse_row(row, catalogue))?;
    let mut seen = HashSet::new();
    let duplicates: Vec<RowError> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !seen.insert(sale_key(r.report.store_id.as_ref().map(|s| s.as_str()), r.report.sale_id.as_deref())))
        .map(|(i, r)| RowError {
            line: i + 2,
            field: "sale_id".into(),
            reason: format!("'{}' appears more than once for its store in the file", r.report.sale_id.as_deref().unwrap_or_default()),
        })
        .collect();
    if duplicates.is_empty() {
        Ok(rows)
    } else {
        Err(TableError::InvalidRows(duplicates))
    }
}

/// Imports a file. `progress` is told (done, total) as rows are written.
pub fn import_outcomes(
    db: &Database,
    catalogue: &Catalogue,
    bytes: &[u8],
    progress: &dyn Fn(usize, usize),
) -> Result<ImportReport, ImportError> {
    let mut rows = parse_file(bytes, catalogue)?;
    let total = rows.len();
    db.with_write_conn(|conn| {
        // A large import is one transaction: give SQLite room to keep its pages in memory
        // instead of spilling them to the WAL mid-transaction (256 MiB, this connection only).
        let sqlite = matches!(conn, crate::db::DbConnection::Sqlite(_));
        if sqlite {
            diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA cache_size = -262144")?;
        }
        let result = import_rows(conn, &mut rows, total, progress);
        if sqlite {
            diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA cache_size = -2000")?;
        }
        result
    })?
    .map_err(ImportError::File)
}

fn import_rows(
    conn: &mut crate::db::DbConnection,
    rows: &mut [ParsedRow],
    total: usize,
    progress: &dyn Fn(usize, usize),
) -> Result<Result<ImportReport, TableError>, DbError> {
    {
        conn.transaction(|conn| {
            // Referenced fittings must exist.
            let referenced: Vec<String> = rows.iter().filter_map(|r| r.report.fitting_id.map(|f| f.to_string())).collect();
            let refs: Vec<&str> = referenced.iter().map(String::as_str).collect();
            let known: HashSet<String> = db::fittings::existing_ids(conn, &refs)?.into_iter().collect();
            let missing: Vec<RowError> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.report.fitting_id.filter(|f| !known.contains(&f.to_string())).map(|f| (i, f)))
                .map(|(i, f)| RowError { line: i + 2, field: "fitting_id".into(), reason: format!("no fitting with id '{f}'") })
                .collect();
            if !missing.is_empty() {
                return Ok(Err(TableError::InvalidRows(missing)));
            }

            let sale_ids: Vec<&str> = rows.iter().map(|r| r.report.sale_id.as_deref().unwrap_or_default()).collect();
            let stored = db::outcomes::existing_sales(conn, &sale_ids)?;
            let existing: std::collections::HashMap<(&str, &str), &db::outcomes::OutcomeRow> =
                stored.iter().map(|r| (sale_key(r.store_id.as_deref(), Some(&r.sale_id)), r)).collect();

            let mut new_fittings = Vec::new();
            let mut inserts = Vec::new();
            let (mut try_on_rows, mut try_on_fittings) = (Vec::new(), Vec::new());
            let mut report = ImportReport { rows: total, ..Default::default() };
            for row in rows.iter_mut() {
                let old = existing.get(&sale_key(row.report.store_id.as_ref().map(|s| s.as_str()), row.report.sale_id.as_deref())).copied();
                // A sale already stored keeps the fitting it has (or, after an erasure, its
                // de-identified snapshot): re-importing never re-creates an erased runner.
                if old.is_some() {
                    row.inline_fitting = None;
                }
                if let Some(fitting) = row.inline_fitting.take() {
                    let id = uuid::Uuid::new_v4();
                    new_fittings.push(FittingRow {
                        id: id.to_string(),
                        store_id: fitting.store_id.as_ref().map(|s| s.to_string()).or_else(|| row.report.store_id.as_ref().map(|s| s.to_string())),
                        customer_ref: fitting.customer_ref.as_ref().map(|c| c.to_string()),
                        document: serde_json::to_string(&fitting).map_err(|e| DbError::Other(e.into()))?,
                        created_at: whole_seconds(row.sold_at).into(),
                    });
                    row.report.fitting_id = Some(id);
                }
                let mut fresh = new_row(&row.report, row.sold_at, None);
                fresh.synthetic = row.synthetic;
                let session = match old {
                    Some(old) => old.fitting_id.clone().or_else(|| fresh.fitting_id.clone()),
                    None => fresh.fitting_id.clone(),
                };
                if let (Some(set), Some(fitting_id)) = (row.try_ons.take(), session) {
                    try_on_rows.extend(set.to_rows(&fitting_id));
                    try_on_fittings.push(fitting_id);
                }
                match old {
                    Some(old) => {
                        fresh.id = old.id.clone();
                        fresh.created_at = old.created_at;
                        fresh.request_hash = old.request_hash.clone();
                        fresh.fitting_id = old.fitting_id.clone().or(fresh.fitting_id);
                        fresh.fitting_snapshot = old.fitting_snapshot.clone();
                        db::outcomes::update(conn, &fresh)?;
                        report.updated += 1;
                    }
                    None => inserts.push(fresh),
                }
            }
            report.fittings_created = new_fittings.len();
            db::fittings::insert_many(conn, &new_fittings)?;
            for (done, chunk) in inserts.chunks(10_000).enumerate() {
                db::outcomes::insert_many(conn, chunk)?;
                progress(report.updated + (done * 10_000 + chunk.len()), total);
            }
            report.inserted = inserts.len();
            // Try-ons after their fittings exist; a re-imported session's set replaces the old one.
            db::try_ons::delete_for(conn, &try_on_fittings)?;
            db::try_ons::insert_many(conn, &try_on_rows)?;
            report.try_ons = try_on_rows.len();
            progress(total, total);
            Ok(Ok(report))
        })
    }
}

/// Training records straight from a file whose rows carry inline fittings (no database).
pub fn records_from_file(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<Vec<crate::training::SaleRecord>, TableError> {
    let rows = parse_file(bytes, catalogue)?;
    let now = Utc::now();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let Some(fitting) = row.inline_fitting else {
            return Err(TableError::InvalidRows(vec![RowError {
                line: i + 2,
                field: "fitting".into(),
                reason: "training from a file needs the fitting inline".into(),
            }]));
        };
        let r = &row.report;
        out.push(crate::training::SaleRecord {
            session_key: r.sale_id.clone().unwrap_or_default(),
            fitting: std::sync::Arc::new(fitting),
            store_id: r.store_id.as_ref().map(|s| s.to_string()),
            shoe_id: r.shoe_id.clone(),
            sold_at: row.sold_at,
            tried: std::sync::Arc::new(row.try_ons.map(|t| t.try_ons).unwrap_or_default()),
            synthetic: row.synthetic,
            size_eu: r.size_eu.map(|s| s.get()),
            return_reason: r.return_reason,
            label: super::label(
                row.sold_at,
                r.returned_at.is_some(),
                r.satisfaction.map(|s| s.get()),
                r.pain_at_follow_up_0_10.map(|p| p.get()),
                now,
            ),
        });
    }
    Ok(out)
}
