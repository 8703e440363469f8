//! Bulk import of outcome histories from CSV or Parquet. All or nothing: every row is
//! checked and one bad row rejects the file, with a report of every rejected row.
//! Re-importing is safe: sales already stored are updated, never duplicated, and an inline
//! fitting is stored once (found again by its content hash).
//!
//! The file is read in batches and written batch by batch inside one transaction; the first
//! bad row stops the writing (the checking goes on, to report every bad row) and the
//! transaction is rolled back. Memory follows the batch and the catalogue, not the file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::row::{new_row, validate_report, whole_seconds};
use super::{ReturnReason, SaleReport, Satisfaction, TryOn, TryOnSet};
use crate::catalogue::Catalogue;
use crate::db::{self, fittings::FittingRow, sql_types::AscendingIds, Database, DbConnection, DbError};
use crate::fitting::{Fitting, StoreId};
use crate::tabular::{Batches, Row, RowError, TableError, BATCH_ROWS};
#[cfg(test)]
use crate::tabular::Table;
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
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Db(e.into())
    }
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

/// A checked row in the form it is written: its inline fitting serialised and hashed and
/// its try-ons made rows, on the threads that check rows rather than on the one that writes.
struct ImportRow {
    report: SaleReport,
    sold_at: DateTime<Utc>,
    fitting: Option<FittingContent>,
    /// The session's try-ons, whose fitting id is set once the fitting is known; they
    /// replace any stored for the sale's fitting.
    try_ons: Option<Vec<db::try_ons::TryOnRow>>,
    synthetic: bool,
}

/// An inline fitting as it is stored, with its content digest (see `content_hash`).
struct FittingContent {
    digest: [u8; 32],
    store_id: Option<String>,
    customer_ref: Option<String>,
    document: String,
}

impl ImportRow {
    fn prepare(row: ParsedRow) -> Result<Self, String> {
        let unstorable = |e: serde_json::Error| format!("cannot be stored: {e}");
        let fitting = match &row.inline_fitting {
            Some(fitting) => {
                let store_id = fitting.store_id.as_ref().map(|s| s.to_string()).or_else(|| row.report.store_id.as_ref().map(|s| s.to_string()));
                let customer_ref = fitting.customer_ref.as_ref().map(|c| c.to_string());
                let document = serde_json::to_string(fitting).map_err(unstorable)?;
                let try_ons = row.try_ons.as_ref().map(serde_json::to_string).transpose().map_err(unstorable)?;
                let digest = db::fittings::content_digest(store_id.as_deref(), customer_ref.as_deref(), &document, try_ons.as_deref());
                Some(FittingContent { digest, store_id, customer_ref, document })
            }
            None => None,
        };
        // The fitting id is not known yet: the nil id stands in until the writer sets it.
        let try_ons = row.try_ons.map(|set| set.to_rows(db::DbUuid(uuid::Uuid::nil())));
        Ok(Self { report: row.report, sold_at: row.sold_at, fitting, try_ons, synthetic: row.synthetic })
    }
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

/// A row checked and made ready to write.
fn check_row(row: &Row, catalogue: &Catalogue) -> Result<ImportRow, RowError> {
    ImportRow::prepare(parse_row(row, catalogue)?).map_err(|reason| row.err("fitting", reason))
}

/// A sale's identity: sale ids are unique within a store (`""`: sales without a store).
fn sale_key<'a>(store_id: Option<&'a str>, sale_id: Option<&'a str>) -> (&'a str, &'a str) {
    (store_id.unwrap_or_default(), sale_id.unwrap_or_default())
}

/// A sale key as 128 bits of SHA-256, so the duplicate check over a whole file holds 16
/// bytes per row rather than the ids themselves.
fn sale_digest(report: &SaleReport) -> u128 {
    use sha2::{Digest, Sha256};
    let (store, sale) = sale_key(report.store_id.as_ref().map(|s| s.as_str()), report.sale_id.as_deref());
    let mut h = Sha256::new();
    h.update((store.len() as u64).to_le_bytes());
    h.update(store.as_bytes());
    h.update(sale.as_bytes());
    let d = h.finalize();
    u128::from_le_bytes(d[..16].try_into().unwrap_or_default())
}

/// Files at least this large are imported as a bulk load (see `BulkLoad`).
pub const BULK_BYTES: u64 = 64 << 20;

/// Every problem found so far, by kind. The report keeps today's order of precedence: rows
/// that do not parse, else sale ids repeated in the file, else fittings that do not exist.
#[derive(Default)]
struct Problems {
    rows: Vec<RowError>,
    duplicates: Vec<RowError>,
    missing_fittings: Vec<RowError>,
}

impl Problems {
    fn any(&self) -> bool {
        !(self.rows.is_empty() && self.duplicates.is_empty() && self.missing_fittings.is_empty())
    }
    fn into_error(self) -> Option<TableError> {
        [self.rows, self.duplicates, self.missing_fittings].into_iter().find(|e| !e.is_empty()).map(TableError::InvalidRows)
    }
}

/// Imports a file held in memory (the HTTP endpoint). `progress` is told how many rows have
/// been checked so far.
pub fn import_outcomes(
    db: &Database,
    catalogue: &Catalogue,
    bytes: &[u8],
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ImportError> {
    import_in_batches(db, catalogue, bytes, BATCH_ROWS, bytes.len() as u64 >= BULK_BYTES, progress)
}

/// The same, with a chosen batch size and load path (tests: small batches behave as one).
pub(crate) fn import_in_batches(
    db: &Database,
    catalogue: &Catalogue,
    bytes: &[u8],
    batch_rows: usize,
    bulk: bool,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ImportError> {
    let batches = Batches::from_bytes(bytes, batch_rows)?;
    import_batches(db, catalogue, batches, bulk, progress)
}

/// Imports a file from disk, reading it batch by batch (the command line).
pub fn import_outcomes_file(
    db: &Database,
    catalogue: &Catalogue,
    path: &Path,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ImportError> {
    let len = std::fs::metadata(path)?.len();
    let batches = Batches::from_path(path, BATCH_ROWS)??;
    import_batches(db, catalogue, batches, len >= BULK_BYTES, progress)
}

fn import_batches(
    db: &Database,
    catalogue: &Catalogue,
    mut batches: Batches<'_>,
    bulk: bool,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ImportError> {
    db.with_write_conn(|conn| {
        // A large import is one transaction: give SQLite room to keep its pages in memory
        // instead of spilling them to the WAL mid-transaction (128 MiB, this connection
        // only). SQLite's sorter, which builds the deferred indexes at the end, may take as
        // much again, so this bounds the import's peak memory twice over; rows appended in
        // id order touch few pages per batch.
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        if sqlite {
            diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA cache_size = -131072")?;
        }
        let result = crate::db::transaction(conn, |conn| {
            let stored = Stored::read(conn)?;
            let bulk = if bulk { BulkLoad::begin(conn, &stored)? } else { BulkLoad::None };
            let mut writer = Writer { bulk, stored, ids: AscendingIds::new(), made: HashMap::new() };
            let report = import_all(conn, catalogue, &mut batches, &mut writer, progress)?;
            writer.bulk.finish(conn)?;
            Ok::<_, ImportError>(report)
        });
        if sqlite {
            diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA cache_size = -2000")?;
        }
        Ok(result)
    })?
}

/// A batch's first row (rows of the file before it), its height, and each row checked.
type CheckedBatch = (usize, usize, Vec<Result<ImportRow, RowError>>);

/// Checks every batch and writes each while the file has shown no problem. Any problem
/// returns an error, which rolls the transaction back.
fn import_all(
    conn: &mut DbConnection,
    catalogue: &Catalogue,
    batches: &mut Batches<'_>,
    writer: &mut Writer,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ImportError> {
    let mut problems = Problems::default();
    let mut seen = HashSet::new();
    let mut report = ImportReport::default();
    // One thread reads and checks the next batch (the checks themselves in parallel) while
    // this one writes the last: reading and writing overlap, one batch ahead at most.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<CheckedBatch, TableError>>(1);
        scope.spawn(move || {
            let mut first = true;
            loop {
                let message = match batches.next_batch() {
                    Ok(None) => break,
                    Ok(Some(table)) => match std::mem::take(&mut first).then(|| table.require(REQUIRED_COLUMNS)) {
                        Some(Err(e)) => Err(e),
                        _ => Ok((table.offset(), table.height(), table.results(|row| check_row(row, catalogue)))),
                    },
                    Err(e) => Err(e),
                };
                let failed = message.is_err();
                if tx.send(message).is_err() || failed {
                    break;
                }
            }
        });
        for message in rx {
            let (offset, height, results) = message?;
            let mut rows = Vec::with_capacity(height);
            for (i, result) in results.into_iter().enumerate() {
                match result {
                    Err(e) => problems.rows.push(e),
                    Ok(row) => {
                        if !seen.insert(sale_digest(&row.report)) {
                            problems.duplicates.push(RowError {
                                line: offset + i + 2,
                                field: "sale_id".into(),
                                reason: format!(
                                    "'{}' appears more than once for its store in the file",
                                    row.report.sale_id.as_deref().unwrap_or_default()
                                ),
                            });
                        }
                        rows.push((offset + i + 2, row));
                    }
                }
            }
            report.rows += height;
            // Referenced fittings must exist (checked while rows still parse, as before).
            if problems.rows.is_empty() {
                let referenced: Vec<db::DbUuid> = rows.iter().filter_map(|(_, r)| r.report.fitting_id.map(db::DbUuid)).collect();
                let known: HashSet<db::DbUuid> = db::fittings::existing_ids(conn, &referenced)?.into_iter().collect();
                problems.missing_fittings.extend(rows.iter().filter_map(|(line, r)| {
                    r.report.fitting_id.filter(|f| !known.contains(&db::DbUuid(*f))).map(|f| RowError {
                        line: *line,
                        field: "fitting_id".into(),
                        reason: format!("no fitting with id '{f}'"),
                    })
                }));
            }
            if !problems.any() {
                writer.write_batch(conn, rows.into_iter().map(|(_, r)| r).collect(), &mut report)?;
            }
            progress(report.rows);
        }
        Ok::<_, ImportError>(())
    })?;
    match problems.into_error() {
        Some(e) => Err(e.into()),
        None => Ok(report),
    }
}

/// How a bulk import loads: on SQLite the secondary indexes the import does not read are
/// dropped inside the transaction and built once at the end (sorted builds instead of a
/// million random B-tree inserts); on PostgreSQL rows go in with COPY.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BulkLoad {
    None,
    /// The indexes dropped, to be built again.
    SqliteIndexesAfter(Vec<SqliteIndex>),
    PostgresCopy,
}

/// An index as its migration creates it: (name, CREATE statement).
type SqliteIndex = (&'static str, &'static str);

/// The indexes a bulk SQLite import rebuilds, exactly as the migrations create them.
const DEFERRED_SQLITE_INDEXES: &[SqliteIndex] = &[
    ("outcomes_fitting_id", "CREATE INDEX outcomes_fitting_id ON outcomes(fitting_id)"),
    ("outcomes_sold_at", "CREATE INDEX outcomes_sold_at ON outcomes(sold_at)"),
    ("fittings_store_id", "CREATE INDEX fittings_store_id ON fittings(store_id)"),
    ("fittings_customer_ref", "CREATE INDEX fittings_customer_ref ON fittings(customer_ref)"),
];

/// The unique index the sales are looked up by: deferred too when no sale is stored.
const SALES_INDEX: SqliteIndex = ("outcomes_store_sale", "CREATE UNIQUE INDEX outcomes_store_sale ON outcomes(COALESCE(store_id, ''), sale_id)");

/// The unique index imported fittings are found by: deferred too when none is stored.
const CONTENT_HASH_INDEX: SqliteIndex =
    ("fittings_content_hash", "CREATE UNIQUE INDEX fittings_content_hash ON fittings(content_hash) WHERE content_hash IS NOT NULL");

impl BulkLoad {
    fn begin(conn: &mut DbConnection, stored: &Stored) -> Result<Self, ImportError> {
        use diesel::connection::SimpleConnection;
        Ok(match conn {
            DbConnection::Sqlite(c) => {
                // A unique index the import does not read is rebuilt at the end, which also
                // checks once that nothing repeats.
                let mut deferred = DEFERRED_SQLITE_INDEXES.to_vec();
                deferred.extend((!stored.sales).then_some(SALES_INDEX));
                deferred.extend((!stored.hashed_fittings).then_some(CONTENT_HASH_INDEX));
                for (name, _) in &deferred {
                    c.batch_execute(&format!("DROP INDEX IF EXISTS {name}"))?;
                }
                BulkLoad::SqliteIndexesAfter(deferred)
            }
            DbConnection::Postgres(_) => BulkLoad::PostgresCopy,
        })
    }

    fn finish(&self, conn: &mut DbConnection) -> Result<(), ImportError> {
        use diesel::connection::SimpleConnection;
        if let (BulkLoad::SqliteIndexesAfter(deferred), DbConnection::Sqlite(c)) = (self, conn) {
            for (_, create) in deferred {
                c.batch_execute(create)?;
            }
        }
        Ok(())
    }
}

/// What was stored when the import began (read inside its transaction), which decides what
/// each batch must look up. On SQLite the import reads one snapshot: a write by another
/// connection after this read makes the import's own first write fail. On PostgreSQL a sale
/// recorded through the API while an import into an empty database runs is not looked up,
/// so the import's row for the same sale conflicts with it and the import fails whole
/// (nothing written) rather than updating it; the same race was there before, between a
/// batch's lookup and its write.
struct Stored {
    /// Any sale. When none is, every sale in the file is new (a sale repeated in the file is
    /// refused), so no batch looks its sales up.
    sales: bool,
    /// Any imported fitting (one with a content hash). When none is, a fitting can only
    /// repeat one this import made, which the writer remembers instead of looking it up.
    hashed_fittings: bool,
}

impl Stored {
    fn read(conn: &mut DbConnection) -> Result<Self, DbError> {
        Ok(Self { sales: db::outcomes::any(conn)?, hashed_fittings: db::fittings::any_with_content_hash(conn)? })
    }
}

/// What the import carries from one batch to the next.
struct Writer {
    bulk: BulkLoad,
    stored: Stored,
    ids: AscendingIds,
    /// The fittings this import made, by the first 128 bits of their content digest, when
    /// stored ones need no lookup (about 70 MB at a million; two contents sharing 128 bits
    /// are not a risk at any file size).
    made: HashMap<u128, db::DbUuid>,
}

impl Writer {
    /// Writes one checked batch: new fittings (once per content), new sales, updated sales,
    /// and each session's try-ons (a session's set replaces any stored before). New fittings
    /// and sales take ascending ids, so the file's rows append to their indexes.
    fn write_batch(&mut self, conn: &mut DbConnection, mut rows: Vec<ImportRow>, report: &mut ImportReport) -> Result<(), ImportError> {
        let mut existing = if self.stored.sales { stored_sales(conn, &rows)? } else { HashMap::new() };

        // Inline fittings of new sales, by content hash: stored ones are reused, new ones stored once.
        let mut hashed: Vec<Option<([u8; 32], FittingRow)>> = Vec::with_capacity(rows.len());
        for row in rows.iter_mut() {
            let (store, sale) = sale_key(row.report.store_id.as_ref().map(|s| s.as_str()), row.report.sale_id.as_deref());
            // A sale already stored keeps the fitting it has (or, after an erasure, its
            // de-identified snapshot): re-importing never re-creates an erased runner.
            if existing.contains_key(&(store.to_owned(), sale.to_owned())) {
                row.fitting = None;
            }
            hashed.push(row.fitting.take().map(|fitting| self.fitting_row(fitting, row.sold_at)));
        }
        let mut fitting_ids = self.known_fittings(conn, &hashed)?;
        let mut new_fittings = Vec::new();
        for (row, fitting) in rows.iter_mut().zip(hashed) {
            let Some((digest, fitting_row)) = fitting else { continue };
            let id = *fitting_ids.entry(digest).or_insert_with(|| {
                let id = fitting_row.id;
                new_fittings.push(fitting_row);
                id
            });
            row.report.fitting_id = Some(id.0);
        }
        if !self.stored.hashed_fittings {
            self.made.extend(fitting_ids.into_iter().map(|(digest, id)| (digest_key(&digest), id)));
        }
        report.fittings_created += new_fittings.len();
        insert_fittings(conn, &new_fittings, &self.bulk)?;
        // A fitting created just now has no try-ons stored to replace.
        let created: HashSet<db::DbUuid> = new_fittings.iter().map(|f| f.id).collect();
        drop(new_fittings);

        let mut inserts = Vec::new();
        // In id order, so the try-ons' key (fitting, shoe) grows as they are written.
        let mut try_on_sets: std::collections::BTreeMap<db::DbUuid, Vec<db::try_ons::TryOnRow>> = std::collections::BTreeMap::new();
        for row in rows {
            let key = (row.report.store_id.as_ref().map(|s| s.to_string()).unwrap_or_default(), row.report.sale_id.clone().unwrap_or_default());
            let old = existing.remove(&key);
            // A stored sale keeps its id; a new one takes the next ascending id.
            let id = match &old {
                Some(old) => old.id,
                None => self.ids.next_id(),
            };
            let mut fresh = new_row(id, &row.report, row.sold_at, None);
            fresh.synthetic = row.synthetic;
            let session = match &old {
                Some(old) => old.fitting_id.or(fresh.fitting_id),
                None => fresh.fitting_id,
            };
            if let (Some(set), Some(fitting_id)) = (row.try_ons, session) {
                // Two sales of one session in a file: the later row's set is the one kept.
                try_on_sets.insert(fitting_id, set);
            }
            match old {
                Some(old) => {
                    fresh.created_at = old.created_at;
                    fresh.request_hash = old.request_hash;
                    fresh.fitting_id = old.fitting_id.or(fresh.fitting_id);
                    fresh.fitting_snapshot = old.fitting_snapshot;
                    db::outcomes::update(conn, &fresh)?;
                    report.updated += 1;
                }
                None => inserts.push(fresh),
            }
        }
        insert_outcomes(conn, &inserts, &self.bulk)?;
        report.inserted += inserts.len();
        // Try-ons after their fittings exist; a re-imported session's set replaces the old one.
        let stored_sessions: Vec<db::DbUuid> = try_on_sets.keys().filter(|id| !created.contains(id)).copied().collect();
        let try_on_rows: Vec<db::try_ons::TryOnRow> = try_on_sets
            .into_iter()
            .flat_map(|(fitting_id, rows)| rows.into_iter().map(move |row| db::try_ons::TryOnRow { fitting_id, ..row }))
            .collect();
        db::try_ons::delete_for(conn, &stored_sessions)?;
        insert_try_ons(conn, &try_on_rows, &self.bulk)?;
        report.try_ons += try_on_rows.len();
        Ok(())
    }

    /// A new fitting's row (its id given now, used only if no stored fitting has its
    /// content) and its content digest.
    fn fitting_row(&mut self, fitting: FittingContent, sold_at: DateTime<Utc>) -> ([u8; 32], FittingRow) {
        let FittingContent { digest, store_id, customer_ref, document } = fitting;
        let row = FittingRow {
            id: self.ids.next_id(),
            store_id,
            customer_ref,
            document: document.into(),
            created_at: whole_seconds(sold_at).into(),
            content_hash: Some(db::fittings::hex(&digest)),
        };
        (digest, row)
    }

    /// The fittings with these contents already stored, or made earlier in this import.
    fn known_fittings(&self, conn: &mut DbConnection, hashed: &[Option<([u8; 32], FittingRow)>]) -> Result<HashMap<[u8; 32], db::DbUuid>, DbError> {
        let digests = hashed.iter().flatten();
        if !self.stored.hashed_fittings {
            return Ok(digests.filter_map(|(digest, _)| self.made.get(&digest_key(digest)).map(|id| (*digest, *id))).collect());
        }
        let by_hash: HashMap<&str, [u8; 32]> = digests.filter_map(|(digest, f)| Some((f.content_hash.as_deref()?, *digest))).collect();
        let hashes: Vec<&str> = by_hash.keys().copied().collect();
        Ok(db::fittings::by_content_hash(conn, &hashes)?.into_iter().filter_map(|(hash, id)| by_hash.get(hash.as_str()).map(|d| (*d, id))).collect())
    }
}

/// A content digest's first 128 bits.
fn digest_key(digest: &[u8; 32]) -> u128 {
    let mut first = [0; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

/// The stored sales of these rows by (store, sale id), looked up per store through the
/// (store, sale id) index.
fn stored_sales(conn: &mut DbConnection, rows: &[ImportRow]) -> Result<HashMap<(String, String), db::outcomes::OutcomeRow>, DbError> {
    let mut by_store: HashMap<Option<&str>, Vec<&str>> = HashMap::new();
    for r in rows {
        by_store.entry(r.report.store_id.as_ref().map(|s| s.as_str())).or_default().push(r.report.sale_id.as_deref().unwrap_or_default());
    }
    let mut stored = HashMap::new();
    for (store, sale_ids) in by_store {
        for r in db::outcomes::existing_in_store(conn, store, &sale_ids)? {
            stored.insert((r.store_id.clone().unwrap_or_default(), r.sale_id.clone()), r);
        }
    }
    Ok(stored)
}

use diesel::ExecuteCopyFromDsl;

fn insert_fittings(conn: &mut DbConnection, rows: &[FittingRow], bulk: &BulkLoad) -> Result<(), DbError> {
    match (bulk, conn) {
        (BulkLoad::PostgresCopy, DbConnection::Postgres(c)) => Ok(diesel::copy_from(db::schema::fittings::table).from_insertable(rows).execute(c).map(drop)?),
        (_, conn) => db::fittings::insert_many(conn, rows),
    }
}

fn insert_outcomes(conn: &mut DbConnection, rows: &[db::outcomes::OutcomeRow], bulk: &BulkLoad) -> Result<(), DbError> {
    match (bulk, conn) {
        (BulkLoad::PostgresCopy, DbConnection::Postgres(c)) => Ok(diesel::copy_from(db::schema::outcomes::table).from_insertable(rows).execute(c).map(drop)?),
        (_, conn) => db::outcomes::insert_many(conn, rows),
    }
}

fn insert_try_ons(conn: &mut DbConnection, rows: &[db::try_ons::TryOnRow], bulk: &BulkLoad) -> Result<(), DbError> {
    match (bulk, conn) {
        (BulkLoad::PostgresCopy, DbConnection::Postgres(c)) => Ok(diesel::copy_from(db::schema::try_ons::table).from_insertable(rows).execute(c).map(drop)?),
        (_, conn) => db::try_ons::insert_many(conn, rows),
    }
}

/// Checks every row of a file held in memory; returns the rows or every error (training
/// straight from a file).
fn parse_file(bytes: &[u8], catalogue: &Catalogue) -> Result<Vec<ParsedRow>, TableError> {
    parse_file_in(bytes, catalogue, BATCH_ROWS)
}

fn parse_file_in(bytes: &[u8], catalogue: &Catalogue, batch_rows: usize) -> Result<Vec<ParsedRow>, TableError> {
    let mut batches = Batches::from_bytes(bytes, batch_rows)?;
    let (mut problems, mut seen, mut out) = (Problems::default(), HashSet::new(), Vec::new());
    let mut first = true;
    while let Some(table) = batches.next_batch()? {
        if std::mem::take(&mut first) {
            table.require(REQUIRED_COLUMNS)?;
        }
        for (i, result) in table.results(|row| parse_row(row, catalogue)).into_iter().enumerate() {
            match result {
                Err(e) => problems.rows.push(e),
                Ok(row) => {
                    if !seen.insert(sale_digest(&row.report)) {
                        problems.duplicates.push(RowError {
                            line: table.offset() + i + 2,
                            field: "sale_id".into(),
                            reason: format!("'{}' appears more than once for its store in the file", row.report.sale_id.as_deref().unwrap_or_default()),
                        });
                    }
                    out.push(row);
                }
            }
        }
    }
    match problems.into_error() {
        Some(e) => Err(e),
        None => Ok(out),
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
            sale_id: r.sale_id.clone().unwrap_or_default(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::{fittings, outcomes, try_ons};
    use diesel::{QueryDsl, RunQueryDsl};

    fn catalogue() -> Catalogue {
        Catalogue::new(crate::catalogue::csv::parse_shoes(crate::catalogue::csv::BUNDLED_SHOES_CSV).unwrap(), vec![])
    }

    fn fresh_db(dir: &tempfile::TempDir) -> Database {
        let url = format!("sqlite://{}", dir.path().join("import.db").display());
        crate::startup::prepare_database(&crate::Settings { database_url: url, db_pool_size: 2, ..Default::default() }).unwrap()
    }

    /// A scratch PostgreSQL database (dropped with the guard), in the suite's PostgreSQL pass.
    struct ScratchPostgres(String, String);

    impl ScratchPostgres {
        fn new() -> Option<(Database, Self)> {
            use diesel::Connection;
            let admin_url = std::env::var("STRIDEFIT_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
            let name = format!("stridefit_import_{}", uuid::Uuid::new_v4().simple());
            let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
            let settings = crate::Settings { database_url: format!("{base}/{name}"), db_pool_size: 2, ..Default::default() };
            Some((crate::startup::prepare_database(&settings).unwrap(), Self(admin_url, name)))
        }
    }

    impl Drop for ScratchPostgres {
        fn drop(&mut self) {
            use diesel::Connection;
            if let Ok(mut admin) = diesel::PgConnection::establish(&self.0) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1)).execute(&mut admin);
            }
        }
    }

    /// (sales, fittings, try-ons) stored.
    fn counts(db: &Database) -> (i64, i64, i64) {
        db.with_conn(|c| {
            Ok((
                crate::db::on_backend!(c, |c| outcomes::table.count().get_result::<i64>(c))?,
                crate::db::on_backend!(c, |c| fittings::table.count().get_result::<i64>(c))?,
                crate::db::on_backend!(c, |c| try_ons::table.count().get_result::<i64>(c))?,
            ))
        })
        .unwrap()
    }

    fn demo(rows: usize) -> String {
        let csv = include_str!("../../data/demo_outcomes.csv");
        csv.lines().take(rows + 1).collect::<Vec<_>>().join("\n") + "\n"
    }

    fn row_errors(e: ImportError) -> Vec<RowError> {
        match e {
            ImportError::File(TableError::InvalidRows(rows)) => rows,
            other => panic!("expected row errors, got {other}"),
        }
    }

    /// A file's lines with some replaced (1 = the first row after the header).
    type Edit<'a> = (usize, &'a dyn Fn(&str) -> String);

    fn with_lines(csv: &str, edits: &[Edit]) -> String {
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        for (i, edit) in edits {
            lines[*i] = edit(&lines[*i]);
        }
        lines.join("\n") + "\n"
    }

    #[test]
    fn batches_read_every_cell_of_a_csv_with_quoted_newlines_as_the_whole_file_does() {
        for csv in ["a,b\n1,\"x\ny\"\n2,\"he said \"\"hi\"\"\"\n3,\n4,last", "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\n3,\n4,last\n\n"] {
            same_cells_in_batches(csv);
        }
        let whole = Table::read(b"a,b\n1,\"x\ny\"\n2,\"q\"\n3,\n4,last").unwrap();
        assert_eq!(whole.height(), 4);
        assert_eq!(whole.row(0).cell("b"), Some("x\ny"));
    }

    fn same_cells_in_batches(csv: &str) {
        let whole = Table::read(csv.as_bytes()).unwrap();
        for batch_rows in [1, 2, 3, 100] {
            let mut batches = Batches::from_bytes(csv.as_bytes(), batch_rows).unwrap();
            let mut cells = Vec::new();
            while let Some(t) = batches.next_batch().unwrap() {
                for i in 0..t.height() {
                    let row = t.row(i);
                    cells.push((row.line, row.cell("a").map(str::to_owned), row.cell("b").map(str::to_owned)));
                }
            }
            let expected: Vec<_> = (0..whole.height())
                .map(|i| (whole.row(i).line, whole.row(i).cell("a").map(str::to_owned), whole.row(i).cell("b").map(str::to_owned)))
                .collect();
            assert_eq!(cells, expected, "batches of {batch_rows} of {csv:?}");
        }
    }

    #[test]
    fn a_file_read_in_small_batches_gives_the_same_error_report_as_one_read_whole() {
        let catalogue = catalogue();
        let csv = with_lines(
            &demo(60),
            &[
                (3, &|l: &str| l.replacen(",S1,", ",S 1,", 1).replacen(",S2,", ",S 2,", 1).replacen(",S3,", ",S 3,", 1)),
                (41, &|l: &str| l.replacen("T", "X", 1)),
                (59, &|l: &str| l.replacen("Z,", "Q,", 1)),
            ],
        );
        let whole = parse_file_in(csv.as_bytes(), &catalogue, 10_000).err().unwrap();
        let TableError::InvalidRows(whole) = whole else { panic!("row errors expected") };
        assert_eq!(whole.iter().map(|e| e.line).collect::<Vec<_>>(), vec![4, 42, 60], "{whole:?}");
        for batch_rows in [1, 7, 20] {
            let TableError::InvalidRows(batched) = parse_file_in(csv.as_bytes(), &catalogue, batch_rows).err().unwrap() else {
                panic!("row errors expected")
            };
            assert_eq!(batched, whole, "batches of {batch_rows}");
        }
    }

    #[test]
    fn a_bad_row_late_in_a_large_file_leaves_nothing_stored_and_every_bad_row_is_reported() {
        let (dir, catalogue) = (tempfile::tempdir().unwrap(), catalogue());
        let db = fresh_db(&dir);
        let csv = demo(400);
        // Line 391 repeats line 2's sale; line 397 names a shoe the catalogue lacks.
        // The first row's sale id and store (sale ids are unique per store).
        let first_sale = csv.lines().nth(1).unwrap().splitn(3, ',').take(2).collect::<Vec<_>>().join(",");
        let csv = with_lines(
            &csv,
            &[
                (390, &|l: &str| format!("{first_sale},{}", l.splitn(3, ',').nth(2).unwrap())),
                (396, &|l: &str| {
                    let mut fields: Vec<&str> = l.splitn(4, ',').collect();
                    fields[2] = "no-such-shoe";
                    fields.join(",")
                }),
            ],
        );
        for (batch_rows, bulk) in [(50, false), (50, true), (10_000, false)] {
            let errors = row_errors(import_in_batches(&db, &catalogue, csv.as_bytes(), batch_rows, bulk, &|_| {}).unwrap_err());
            // Rows that do not parse come first; the repeated sale is reported once they do.
            assert_eq!(errors.iter().map(|e| (e.line, e.field.as_str())).collect::<Vec<_>>(), vec![(397, "shoe_id")]);
            assert_eq!(counts(&db), (0, 0, 0), "nothing stored (batches of {batch_rows})");
        }
        let only_repeat = with_lines(&demo(400), &[(390, &|l: &str| format!("{first_sale},{}", l.splitn(3, ',').nth(2).unwrap()))]);
        let errors = row_errors(import_in_batches(&db, &catalogue, only_repeat.as_bytes(), 50, true, &|_| {}).unwrap_err());
        assert_eq!(errors.iter().map(|e| (e.line, e.field.as_str())).collect::<Vec<_>>(), vec![(391, "sale_id")]);
        assert_eq!(counts(&db), (0, 0, 0));
        // The indexes a bulk load drops and rebuilds are back after a rolled-back import too.
        let indexes: i64 = db
            .with_conn(|c| {
                crate::db::on_backend!(c, |c| diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN \
                     ('outcomes_fitting_id', 'outcomes_sold_at', 'fittings_store_id', 'fittings_customer_ref')"
                )
                .get_result(c))
                .map_err(Into::into)
            })
            .unwrap();
        assert_eq!(indexes, 4);
    }

    #[test]
    fn a_full_disk_is_reported_as_such_and_nothing_is_stored() {
        let catalogue = catalogue();
        let dir = tempfile::tempdir().unwrap();
        let migrated = fresh_db(&dir);
        // One connection, so the limit below holds for the import: the database may not grow
        // past its size now, which SQLite reports exactly as a full disk.
        let db = Database::connect(&format!("sqlite://{}", dir.path().join("import.db").display()), 1).unwrap();
        db.with_conn(|c| Ok(diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA max_page_count = 1")?)).unwrap();
        for bulk in [false, true] {
            let err = import_in_batches(&db, &catalogue, demo(300).as_bytes(), 64, bulk, &|_| {}).unwrap_err();
            assert!(err.to_string().contains("full"), "bulk {bulk}: {err}");
            assert_eq!(counts(&migrated), (0, 0, 0));
        }
    }

    #[test]
    fn small_batches_and_a_bulk_load_store_what_one_batch_stores() {
        let catalogue = catalogue();
        let csv = demo(300);
        let mut stored = Vec::new();
        for (batch_rows, bulk) in [(10_000, false), (7, false), (64, true)] {
            let dir = tempfile::tempdir().unwrap();
            let db = fresh_db(&dir);
            let report = import_in_batches(&db, &catalogue, csv.as_bytes(), batch_rows, bulk, &|_| {}).unwrap();
            let records = crate::training::load_records(&db).unwrap();
            // Training's streamed read gives the dataset the records give.
            assert_eq!(crate::training::load_dataset(&db, &catalogue).unwrap(), crate::training::dataset::build(&records, &catalogue));
            let mut sales: Vec<(String, String, Option<bool>, usize)> =
                records.iter().map(|r| (r.shoe_id.clone(), r.sold_at.to_rfc3339(), r.label, r.tried.len())).collect();
            sales.sort();
            stored.push((report, counts(&db), sales));
        }
        assert_eq!(stored[0].0.inserted, 300);
        assert!(stored[0].1 .2 > 300, "the demo sessions carry try-ons");
        assert_eq!(stored[1], stored[0]);
        assert_eq!(stored[2], stored[0]);
        // PostgreSQL, with batches written by INSERT and by COPY (and a late bad row rolled back).
        for bulk in [false, true] {
            let Some((db, _scratch)) = ScratchPostgres::new() else {
                eprintln!("skipped on PostgreSQL: STRIDEFIT_TEST_DATABASE_URL is not a PostgreSQL URL");
                return;
            };
            let bad = with_lines(&csv, &[(290, &|l: &str| l.replacen("T", "X", 1))]);
            let errors = row_errors(import_in_batches(&db, &catalogue, bad.as_bytes(), 64, bulk, &|_| {}).unwrap_err());
            assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![291]);
            assert_eq!(counts(&db), (0, 0, 0));
            let report = import_in_batches(&db, &catalogue, csv.as_bytes(), 64, bulk, &|_| {}).unwrap();
            let records = crate::training::load_records(&db).unwrap();
            assert_eq!(crate::training::load_dataset(&db, &catalogue).unwrap(), crate::training::dataset::build(&records, &catalogue));
            let mut sales: Vec<(String, String, Option<bool>, usize)> =
                records.iter().map(|r| (r.shoe_id.clone(), r.sold_at.to_rfc3339(), r.label, r.tried.len())).collect();
            sales.sort();
            assert_eq!((report, counts(&db), sales), stored[0].clone(), "PostgreSQL, bulk {bulk}");
        }
    }

    /// A Parquet file is read by row slices: every cell and line number as one read gives,
    /// and small batches store what one batch stores.
    #[test]
    fn a_parquet_file_read_in_batches_gives_and_stores_what_one_read_does() {
        let catalogue = catalogue();
        let sales = crate::simulate::simulate(&catalogue, &crate::simulate::SimulationConfig { sales: 120, ..Default::default() });
        let mut bytes = Vec::new();
        crate::simulate::write_parquet(&sales, &mut bytes).unwrap();
        let columns = ["sale_id", "store_id", "shoe_id", "sold_at", "fitting", "try_ons", "size_eu"];
        let cells = |t: &Table| {
            (0..t.height())
                .map(|i| {
                    let row = t.row(i);
                    (row.line, columns.map(|c| row.cell(c).map(str::to_owned)))
                })
                .collect::<Vec<_>>()
        };
        let whole = cells(&Table::read(&bytes).unwrap());
        assert_eq!(whole.len(), 120);
        for batch_rows in [1, 7, 50, 1000] {
            let mut batches = Batches::from_bytes(&bytes, batch_rows).unwrap();
            let mut read = Vec::new();
            while let Some(table) = batches.next_batch().unwrap() {
                read.extend(cells(&table));
            }
            assert_eq!(read, whole, "batches of {batch_rows}");
        }
        let mut stored = Vec::new();
        for batch_rows in [10_000, 7] {
            let dir = tempfile::tempdir().unwrap();
            let db = fresh_db(&dir);
            let report = import_in_batches(&db, &catalogue, &bytes, batch_rows, false, &|_| {}).unwrap();
            stored.push((report, counts(&db)));
        }
        assert_eq!(stored[0].0.inserted, 120);
        assert_eq!(stored[1], stored[0], "batches of 7");
    }

    /// Every index of the outcome, fitting and try-on tables as SQLite holds it (name, SQL).
    fn sqlite_indexes(db: &Database) -> Vec<(String, Option<String>)> {
        #[derive(diesel::QueryableByName, PartialEq, Debug)]
        struct Index {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            sql: Option<String>,
        }
        db.with_conn(|c| {
            crate::db::on_backend!(c, |c| diesel::sql_query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('outcomes', 'fittings', 'try_ons') ORDER BY name"
            )
            .load::<Index>(c))
            .map_err(Into::into)
        })
        .unwrap()
        .into_iter()
        .map(|i| (i.name, i.sql))
        .collect()
    }

    /// A bulk load into an empty database defers even the unique indexes it would otherwise
    /// read (sales by store and id, fittings by content): afterwards, committed or rolled
    /// back, every index is there exactly as the migrations made it, and a second import
    /// (which reads them) still finds its sales and fittings.
    #[test]
    fn a_bulk_load_into_an_empty_database_leaves_every_index_as_the_migrations_made_it() {
        let (dir, catalogue) = (tempfile::tempdir().unwrap(), catalogue());
        let db = fresh_db(&dir);
        let migrated = sqlite_indexes(&db);
        assert!(migrated.iter().any(|(n, _)| n == "outcomes_store_sale") && migrated.iter().any(|(n, _)| n == "fittings_content_hash"));
        let csv = demo(120);
        let bad = with_lines(&csv, &[(110, &|l: &str| l.replacen("T", "X", 1))]);
        row_errors(import_in_batches(&db, &catalogue, bad.as_bytes(), 50, true, &|_| {}).unwrap_err());
        assert_eq!(sqlite_indexes(&db), migrated, "after a rolled-back bulk load");
        let first = import_in_batches(&db, &catalogue, csv.as_bytes(), 50, true, &|_| {}).unwrap();
        assert_eq!(sqlite_indexes(&db), migrated, "after a committed bulk load");
        let again = import_in_batches(&db, &catalogue, csv.as_bytes(), 50, true, &|_| {}).unwrap();
        assert_eq!((first.inserted, first.fittings_created), (120, 120));
        assert_eq!((again.inserted, again.updated, again.fittings_created), (0, 120, 0));
        assert_eq!(counts(&db), (120, 120, first.try_ons as i64));
        assert_eq!(sqlite_indexes(&db), migrated);
    }

    /// The same sessions under a second run of sale ids, later in the same file and in other
    /// batches: into an empty database (fittings remembered by the import) and into one with
    /// imported fittings (fittings looked up), each session's fitting is stored once.
    #[test]
    fn a_session_repeated_later_in_one_file_is_stored_once_with_or_without_stored_fittings() {
        let catalogue = catalogue();
        let csv = demo(30);
        let renumbered: String = csv.lines().skip(1).map(|l| l.replacen("SIM-", "SIM2-", 1) + "\n").collect();
        let twice = format!("{csv}{renumbered}");
        let check = |db: &Database, before: (i64, i64, i64)| {
            let report = import_in_batches(db, &catalogue, twice.as_bytes(), 7, true, &|_| {}).unwrap();
            let after = counts(db);
            (report.inserted, report.fittings_created, after.0 - before.0, after.1 - before.1)
        };
        let dir = tempfile::tempdir().unwrap();
        let empty = fresh_db(&dir);
        assert_eq!(check(&empty, (0, 0, 0)), (60, 30, 60, 30));
        let dir = tempfile::tempdir().unwrap();
        let with_fittings = fresh_db(&dir);
        let other = demo(60).lines().skip(31).map(|l| l.to_owned() + "\n").collect::<String>();
        import_outcomes(&with_fittings, &catalogue, format!("{}\n{other}", csv.lines().next().unwrap()).as_bytes(), &|_| {}).unwrap();
        let before = counts(&with_fittings);
        assert_eq!(before.1, 30);
        assert_eq!(check(&with_fittings, before), (60, 30, 60, 30));
        if let Some((db, _scratch)) = ScratchPostgres::new() {
            assert_eq!(check(&db, (0, 0, 0)), (60, 30, 60, 30));
        }
    }

    #[test]
    fn an_inline_fitting_is_stored_once_however_often_it_is_imported() {
        let (dir, catalogue) = (tempfile::tempdir().unwrap(), catalogue());
        let db = fresh_db(&dir);
        let csv = demo(40);
        let first = import_outcomes(&db, &catalogue, csv.as_bytes(), &|_| {}).unwrap();
        assert_eq!((first.inserted, first.fittings_created), (40, 40));
        let again = import_outcomes(&db, &catalogue, csv.as_bytes(), &|_| {}).unwrap();
        assert_eq!((again.updated, again.fittings_created), (40, 0));
        assert_eq!(counts(&db).1, 40);
        // The same fittings under new sale ids (a second export of the same sessions): the
        // sales are new, the fittings are the stored ones.
        let renumbered = csv.replace("SIM-", "SIM2-");
        let third = import_outcomes(&db, &catalogue, renumbered.as_bytes(), &|_| {}).unwrap();
        assert_eq!((third.inserted, third.fittings_created), (40, 0));
        assert_eq!(counts(&db).1, 40);
    }
}
