//! Persistence through diesel. One connection enum covers SQLite (the embedded default)
//! and PostgreSQL (for several replicas); queries are written once against it, and only
//! connection set-up and migrations differ per backend.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub mod catalogue;
pub mod evaluations;
pub mod fittings;
pub mod keys;
pub mod meta;
pub mod models;
pub mod outcomes;
pub mod schema;
pub mod sizes;
pub mod sql_types;
mod stored_enums;
pub use sql_types::{DbJson, DbTime, DbUuid};
pub mod try_ons;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Pragmas every SQLite connection gets: WAL lets readers run beside the writer, the busy
/// timeout waits for a lock instead of failing, and foreign keys are off by default in SQLite.
/// The busy timeout comes first so that switching to WAL waits for a lock too.
/// `secure_delete` overwrites deleted rows with zeros, so an erased runner's data does not
/// linger in free space of the file (see `scrub_erased`).
/// A new file gets 16 KiB pages, set before WAL as they must be (a file that has tables
/// keeps its own size): a page holds about a dozen fitting documents instead of three, and a
/// large import writes, logs and checkpoints a quarter as many pages (1 M rows: 53.0 s →
/// 35.4 s, `benches/README.md`).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; \
                              PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";

/// Instants travel in binary (UTC) either way; the session zone only matters where SQL turns
/// a `timestamptz` into text or a date, and there it should read UTC as the API does.
const POSTGRES_SESSION: &str = "SET TIME ZONE 'UTC'";

#[derive(diesel::QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
}

/// Runs `work` in a transaction: committed if it succeeds, rolled back if it fails. Use this,
/// not diesel's `Connection::transaction`: when a rollback fails after `work` failed, diesel
/// returns the rollback's error instead of the failure. SQLite rolls a transaction back by
/// itself after some failures (a full disk or an I/O error while it writes pages or builds an
/// index), so the rollback then finds no transaction and the caller would read "not in a
/// transaction" instead of "database or disk is full".
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{Connection, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    Manager::begin_transaction(conn)?;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(failure) => {
            match Manager::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::NotInTransaction) => {}
                // Usually the database ended the transaction itself; the failure says why.
                Err(rollback) => log::warn!("after the failure below, the rollback failed too: {rollback}"),
            }
            Err(failure)
        }
    }
}

/// The current transaction's id on PostgreSQL (assigning one), `None` on SQLite: what an
/// erasure's scrub must wait past.
pub fn transaction_id(conn: &mut DbConnection) -> Result<Option<i64>, DbError> {
    match conn {
        DbConnection::Sqlite(_) => Ok(None),
        DbConnection::Postgres(c) => {
            Ok(Some(diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("txid_current()")).get_result(c)?))
        }
    }
}

/// Longest a PostgreSQL scrub waits for transactions older than the erasure (a large import).
const SCRUB_WAIT: Duration = Duration::from_secs(30);

/// After an erasure, makes the deleted rows unreadable on disk as well. SQLite: the deleted
/// cells are already zeroed (`secure_delete`), but older copies of their pages stay in the
/// WAL until a checkpoint, so checkpoint and truncate it (retrying while a reader still holds
/// an old snapshot). PostgreSQL: deleted tuples stay in the table's pages and in the
/// customer-reference index until rewritten, so rewrite the fittings table (`VACUUM FULL`,
/// which briefly locks it). A rewrite keeps every row some running transaction might still
/// see, and a snapshot's horizon is the oldest transaction running anywhere on the server, so
/// first wait (at most `SCRUB_WAIT`) until no transaction as old as the erasure's
/// (`erasure_xid`) runs. Neither reaches backups or PostgreSQL's own WAL archive.
pub fn scrub_erased(conn: &mut DbConnection, erasure_xid: Option<i64>) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => {
            for attempt in 0..50 {
                let result: Vec<Checkpoint> = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").load(c)?;
                if result.first().is_none_or(|r| r.busy == 0) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(20 * (attempt + 1).min(10)));
            }
            Err(DbError::Other(anyhow::anyhow!("the WAL could not be checkpointed after an erasure: readers kept it busy")))
        }
        DbConnection::Postgres(c) => {
            if let Some(xid) = erasure_xid {
                let started = std::time::Instant::now();
                loop {
                    // Nothing running from before the erasure committed: neither a transaction
                    // (server-wide) nor a snapshot in this database.
                    let clear: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                        "(txid_snapshot_xmin(txid_current_snapshot()) > {xid} AND NOT EXISTS (\
                           SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                           AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL \
                           AND age(backend_xmin) >= age(({xid} % 4294967296)::text::xid)))"
                    )))
                    .get_result(c)?;
                    if clear {
                        break;
                    }
                    if started.elapsed() > SCRUB_WAIT {
                        log::warn!("erasure: a transaction older than the erasure still runs; the next erasure or VACUUM removes what this rewrite keeps");
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            Ok(c.batch_execute("VACUUM FULL fittings")?)
        }
    }
}

/// Runs backend-specific diesel code (e.g. multi-row inserts, which the shared connection
/// type cannot express) on the inner connection.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Inserts a slice of rows on SQLite through statements diesel prepares once per connection
/// and reuses: `$n` rows at a time (an array's length is part of the statement's type, a
/// slice's is not, so a slice's multi-row INSERT is prepared anew every time), and the rows
/// left over one by one. Evaluates to `QueryResult<()>`.
macro_rules! insert_sqlite_reusing_statements {
    ($conn:expr, $table:expr, $rows:expr, $n:literal) => {{
        use diesel::RunQueryDsl;
        let (chunks, rest) = $rows.as_chunks::<$n>();
        chunks
            .iter()
            .try_for_each(|chunk| diesel::insert_into($table).values(chunk).execute($conn).map(drop))
            .and_then(|()| rest.iter().try_for_each(|row| diesel::insert_into($table).values(row).execute($conn).map(drop)))
    }};
}
pub(crate) use insert_sqlite_reusing_statements;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("record not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(diesel::result::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => DbError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => DbError::Conflict(info.message().to_owned()),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_owned())
            }
            // A server that went away mid-query reports it as an unknown error.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if ["connection", "terminating", "server closed"].iter().any(|w| info.message().contains(w)) =>
            {
                DbError::Unavailable(info.message().to_owned())
            }
            Error::BrokenTransactionManager => DbError::Unavailable("broken connection".into()),
            other => DbError::Query(other),
        }
    }
}

/// Where the database lives, parsed from `STRIDEFIT_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the driver receives: a file path for SQLite, the URL for PostgreSQL.
    pub target: String,
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH`
    /// or a bare path selects SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("the database URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { backend: Backend::Postgres, target: url.to_owned() });
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.contains("://") {
            return Err(format!("unsupported database URL scheme in '{url}': use sqlite://PATH or postgres://…"));
        }
        Ok(Self { backend: Backend::Sqlite, target: path.to_owned() })
    }
}

/// Opens connections for the pool, applying each backend's session settings.
pub struct ConnectionFactory {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionFactory {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.url.backend {
            Backend::Sqlite => {
                let mut conn =
                    diesel::SqliteConnection::establish(&self.url.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn =
                    diesel::PgConnection::establish(&self.url.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(POSTGRES_SESSION).map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

fn pool_builder(pool_size: u32) -> r2d2::Builder<ConnectionFactory> {
    Pool::builder().max_size(pool_size.max(1)).connection_timeout(Duration::from_secs(5))
}

fn build_pool(factory: ConnectionFactory, builder: r2d2::Builder<ConnectionFactory>) -> anyhow::Result<Pool<ConnectionFactory>> {
    if factory.url.backend == Backend::Sqlite {
        // One connection switches a new file to WAL before the pool opens several at once:
        // two connections switching together can each hold the read lock the other needs
        // gone, and SQLite then fails one at once ("database is locked") instead of waiting,
        // which the pool logged as an error on a new database's first start.
        factory.connect()?;
    }
    Ok(builder.build(factory)?)
}

/// A connection pool plus the helpers that run diesel code off the async workers.
#[derive(Clone)]
pub struct Database {
    pool: Pool<ConnectionFactory>,
    backend: Backend,
    /// SQLite file path or PostgreSQL URL.
    target: String,
}

impl Database {
    /// Opens the pool. For SQLite, creates the file's folder when missing.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(url).map_err(anyhow::Error::msg)?;
        if url.backend == Backend::Sqlite {
            if let Some(parent) = std::path::Path::new(&url.target).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
        let (backend, target) = (url.backend, url.target.clone());
        let pool = build_pool(ConnectionFactory { url }, pool_builder(pool_size))
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        Ok(Self { pool, backend, target })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }

    /// Runs start-up work (migrations, seeding) under a lock, so processes starting together
    /// apply them once: an advisory lock on PostgreSQL, a lock file beside a SQLite database.
    pub fn with_startup_lock<T>(&self, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
        // Arbitrary but fixed key for pg_advisory_lock.
        const STARTUP_LOCK: i64 = 0x5f1d_e5e1;
        if self.backend == Backend::Sqlite {
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(format!("{}.startup-lock", self.target))?;
            lock.lock()?;
            let result = work();
            lock.unlock()?;
            return result;
        }
        let mut conn = self.pool.get()?;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))?;
        let result = work();
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))?;
        result
    }

    /// Runs blocking diesel work on a connection without holding up the caller's thread.
    pub fn with_conn<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError>,
    {
        let mut conn = self.pool.get().map_err(|e| DbError::Unavailable(e.to_string()))?;
        work(&mut conn)
    }

    /// `with_conn` for transactions that read then write. SQLite cannot upgrade a read
    /// transaction while another connection writes (it fails at once with "database is
    /// locked"), so on SQLite these run one at a time per database file in this process.
    pub fn with_write_conn<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError>,
    {
        let lock = (self.backend == Backend::Sqlite).then(|| sqlite_write_lock(&self.target));
        let _guard = lock.as_ref().map(|l| l.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        self.with_conn(work)
    }

    /// `with_write_conn` on tokio's blocking pool, for async callers.
    pub async fn run_write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        self.off_worker(move |db| db.with_write_conn(work)).await
    }

    /// Whether the database answers a trivial query (readiness).
    pub async fn ping(&self) -> Result<(), DbError> {
        use diesel::connection::SimpleConnection;
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from)).await
    }

    /// `with_conn` on tokio's blocking pool, for async callers.
    pub async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        self.off_worker(move |db| db.with_conn(work)).await
    }

    async fn off_worker<T, F>(&self, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || job(&db))
            .await
            .map_err(|e| DbError::Other(anyhow::anyhow!("database task failed: {e}")))?
    }
}

/// One writer lock per SQLite file, shared by every pool on it in this process.
fn sqlite_write_lock(path: &str) -> std::sync::Arc<std::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<std::sync::Mutex<()>>>>> =
        std::sync::OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    let mut map = locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    map.entry(path.to_owned()).or_default().clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Connection errors the pool met while it opened its connections.
    #[derive(Debug, Default, Clone)]
    struct PoolErrors(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl r2d2::HandleError<r2d2::Error> for PoolErrors {
        fn handle_error(&self, error: r2d2::Error) {
            self.0.lock().unwrap().push(error.to_string());
        }
    }

    #[test]
    fn a_new_sqlite_file_opens_a_full_pool_without_a_failed_connection() {
        let dir = tempfile::tempdir().unwrap();
        for round in 0..60 {
            let path = dir.path().join(format!("new-{round}.db"));
            let url = DatabaseUrl::parse(path.to_str().unwrap()).unwrap();
            let errors = PoolErrors::default();
            let pool = build_pool(ConnectionFactory { url }, pool_builder(16).error_handler(Box::new(errors.clone()))).unwrap();
            let mut conn = pool.get().unwrap();
            let DbConnection::Sqlite(c) = &mut *conn else { unreachable!() };
            #[derive(QueryableByName)]
            struct Mode {
                #[diesel(sql_type = diesel::sql_types::Text)]
                journal_mode: String,
            }
            let mode: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(c).unwrap();
            assert_eq!(mode.journal_mode, "wal");
            assert!(errors.0.lock().unwrap().is_empty(), "round {round}: {:?}", errors.0.lock().unwrap());
        }
    }

    #[derive(QueryableByName)]
    struct PageSize {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        page_size: i32,
    }

    fn page_size(db: &Database) -> i32 {
        db.with_conn(|conn| {
            let DbConnection::Sqlite(c) = conn else { unreachable!() };
            Ok(diesel::sql_query("PRAGMA page_size").get_result::<PageSize>(c)?.page_size)
        })
        .unwrap()
    }

    #[test]
    fn a_new_sqlite_database_has_16_kib_pages_and_an_older_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        let db = Database::connect(new.to_str().unwrap(), 4).unwrap();
        db.migrate().unwrap();
        assert_eq!(page_size(&db), 16384);
        // A file made with SQLite's default 4 KiB pages, as earlier releases made them, with
        // a table in it: it opens, migrates and keeps its pages.
        let old = dir.path().join("old.db");
        {
            let mut c = diesel::SqliteConnection::establish(old.to_str().unwrap()).unwrap();
            c.batch_execute("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE earlier (x INTEGER)").unwrap();
        }
        let db = Database::connect(old.to_str().unwrap(), 4).unwrap();
        db.migrate().unwrap();
        assert_eq!(page_size(&db), 4096);
        assert_eq!(db.with_conn(outcomes::count).unwrap(), 0);
    }

    #[test]
    fn url_scheme_selects_the_backend() {
        assert_eq!(DatabaseUrl::parse("postgres://localhost/test").unwrap().backend, Backend::Postgres);
        let sqlite = DatabaseUrl::parse("sqlite://.stridefit/db.sqlite").unwrap();
        assert_eq!((sqlite.backend, sqlite.target.as_str()), (Backend::Sqlite, ".stridefit/db.sqlite"));
        assert_eq!(DatabaseUrl::parse("data.db").unwrap().target, "data.db");
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    /// SQLite ends a transaction by itself after some failures (a full disk while it spills
    /// pages or builds an index). The caller must still read that failure, not diesel's
    /// complaint that there was no transaction left to roll back.
    #[test]
    fn a_failure_that_ended_the_transaction_is_reported_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(dir.path().join("t.db").to_str().unwrap(), 1).unwrap();
        db.migrate().unwrap();
        let mut conn = db.pool.get().unwrap();
        // The ROLLBACK stands for SQLite's own; the failing statement is the failure.
        let ended_by_sqlite = |c: &mut DbConnection| -> Result<(), diesel::result::Error> {
            c.batch_execute("INSERT INTO app_meta (key, value) VALUES ('probe-1', 'one'); ROLLBACK; SELECT * FROM no_such_table")
        };
        let failure = transaction(&mut conn, ended_by_sqlite).unwrap_err();
        assert!(failure.to_string().contains("no_such_table"), "{failure}");
        // What diesel's own method says instead, which this function exists to avoid.
        #[allow(clippy::disallowed_methods)]
        let masked = diesel::Connection::transaction(&mut *conn, ended_by_sqlite).unwrap_err();
        assert!(matches!(masked, diesel::result::Error::NotInTransaction), "{masked}");
        // Nothing was kept, and the connection still works: a later transaction commits.
        transaction(&mut conn, |c| c.batch_execute("INSERT INTO app_meta (key, value) VALUES ('probe-2', 'two')")).unwrap();
        let probes: Vec<String> = on_backend!(&mut *conn, |c| diesel::dsl::sql::<diesel::sql_types::Text>("SELECT key FROM app_meta WHERE key LIKE 'probe-%'").load(c)).unwrap();
        assert_eq!(probes, vec!["probe-2"]);
    }

    #[test]
    fn every_sqlite_down_migration_reverts_its_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(dir.path().join("m.db").to_str().unwrap(), 1).unwrap();
        db.migrate().unwrap();
        let mut conn = db.pool.get().unwrap();
        let DbConnection::Sqlite(c) = &mut *conn else { unreachable!() };
        c.revert_all_migrations(SQLITE_MIGRATIONS).unwrap();
        let tables: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '__diesel%' AND name NOT LIKE 'sqlite_%')",
        ))
        .get_result(c)
        .unwrap();
        assert_eq!(tables, 0);
        assert!(!c.run_pending_migrations(SQLITE_MIGRATIONS).unwrap().is_empty());
    }

    /// The last migration of the previous release: a database it made must upgrade with
    /// every row kept.
    const PREVIOUS_RELEASE: &str = "20261129000040";

    const F1: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000f1";
    const O1: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000a1";
    const O2: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000a2";
    const J1: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000b1";
    const F2: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000f2";
    const J2: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000b2";
    const E1: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000c1";
    const A1: &str = "4f0c2a57-3b1e-4c6d-9a8f-0000000000d1";

    fn uid(text: &str) -> DbUuid {
        text.parse().unwrap()
    }

    fn version_of(name: &dyn std::fmt::Display) -> String {
        name.to_string().replace('-', "").chars().take(14).collect()
    }

    /// Migrates to the previous release, writes what that release wrote, then upgrades.
    fn upgrade_from_previous_release<C>(c: &mut C, migrations: impl Fn() -> EmbeddedMigrations)
    where
        C: diesel::Connection + MigrationHarness<C::Backend>,
    {
        for m in c.pending_migrations(migrations()).unwrap() {
            if version_of(&m.name()).as_str() <= PREVIOUS_RELEASE {
                c.run_migration(&m).unwrap();
            }
        }
        let fixtures = "INSERT INTO fittings (id, store_id, customer_ref, document, created_at) VALUES \
                ('F1', 'S1', 'c-1', '{}', '2026-10-01T10:00:00.000Z'); \
             INSERT INTO outcomes (id, sale_id, fitting_id, store_id, shoe_id, sold_at, satisfaction, created_at, updated_at, synthetic) VALUES \
                ('O1', 'TILL-1', 'F1', 'S1', 'brooks-ghost-16', '2026-10-01T10:00:00Z', 5, '2026-10-01T10:00:00Z', '2026-10-01T10:00:00Z', TRUE), \
                ('O2', 'TILL-2', NULL, NULL, 'hoka-clifton-9', '2026-10-02T12:00:00+02:00', NULL, '2026-10-02T10:00:00Z', '2026-10-02T10:00:00Z', FALSE); \
             INSERT INTO jobs (id, kind, status, progress, message, created_at, updated_at) VALUES \
                ('J1', 'training', 'running', 0.4, 'fitting', '2026-10-03T10:00:00.250Z', '2026-10-03T10:00:00.250Z');";
        // Ids as that release wrote them: hyphenated lower-case UUIDs.
        let fixtures = [("F1", F1), ("O1", O1), ("O2", O2), ("J1", J1)].iter().fold(fixtures.to_owned(), |sql, (k, v)| sql.replace(&format!("'{k}'"), &format!("'{v}'")));
        c.batch_execute(&fixtures).unwrap();
        c.run_pending_migrations(migrations()).unwrap();
    }

    /// The previous release's rows survived and the new rules hold: sale ids unique per store,
    /// its RFC 3339 text read back as the same instants, and a run left `running` without a
    /// lease is failed at the first look.
    fn assert_upgraded(conn: &mut DbConnection) {
        let at = |s: &str| crate::time::parse_rfc3339(s).unwrap();
        let fitting = fittings::find(conn, crate::ids::FittingId(uid(F1).0)).unwrap();
        assert_eq!((fitting.created_at.0, &*fitting.document), (at("2026-10-01T10:00:00Z"), "{}"));
        let mut sales = outcomes::existing_in_store(conn, Some("S1"), &["TILL-1", "TILL-2"]).unwrap();
        sales.extend(outcomes::existing_in_store(conn, None, &["TILL-1", "TILL-2"]).unwrap());
        let mut sold: Vec<_> = sales.iter().map(|o| (o.sale_id.as_str(), o.sold_at.0)).collect();
        sold.sort();
        assert_eq!(sold, [("TILL-1", at("2026-10-01T10:00:00Z")), ("TILL-2", at("2026-10-02T12:00:00+02:00"))]);
        let job = models::find_job(conn, uid(J1)).unwrap();
        assert_eq!((job.created_at.0, job.lease_expires_at), (at("2026-10-03T10:00:00.250Z"), None));
        let mut count = |sql: &str| -> i64 {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("(SELECT count(*) FROM {sql})")))
                .get_result(conn)
                .unwrap()
        };
        assert_eq!(count(&format!("outcomes WHERE sale_id = 'TILL-1' AND store_id = 'S1' AND fitting_id = '{F1}' AND satisfaction = 5 AND synthetic")), 1);
        assert_eq!(count("outcomes WHERE sale_id = 'TILL-2' AND store_id IS NULL"), 1);
        assert_eq!(count(&format!("jobs WHERE id = '{J1}' AND status = 'running' AND lease_owner IS NULL AND NOT cancel_requested")), 1);
        let sale = |id: u8, store: &str| {
            format!(
                "INSERT INTO outcomes (id, sale_id, store_id, shoe_id, sold_at, created_at, updated_at) VALUES \
                 ('4f0c2a57-3b1e-4c6d-9a8f-0000000000{id:02x}', 'TILL-1', '{store}', 'brooks-ghost-16', '2026-10-04T10:00:00Z', '2026-10-04T10:00:00Z', '2026-10-04T10:00:00Z')"
            )
        };
        conn.batch_execute(&sale(0xa3, "S2")).expect("another store may use the same sale id");
        assert!(conn.batch_execute(&sale(0xa4, "S1")).is_err(), "a sale id stays unique within its store");
        assert_eq!(models::fail_lapsed(conn, crate::time::now(), "interrupted").unwrap(), [uid(J1)]);
    }

    #[test]
    fn a_sqlite_database_of_the_previous_release_upgrades_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = diesel::SqliteConnection::establish(dir.path().join("u.db").to_str().unwrap()).unwrap();
        upgrade_from_previous_release(&mut c, || SQLITE_MIGRATIONS);
        assert_upgraded(&mut DbConnection::Sqlite(c));
    }

    /// A scratch PostgreSQL database for `work`, dropped afterwards; skipped (with a word)
    /// outside the PostgreSQL pass of the suite (`STRIDEFIT_TEST_DATABASE_URL=postgres://…`).
    fn with_scratch_postgres(prefix: &str, work: impl FnOnce(diesel::PgConnection)) {
        let Some(admin_url) = std::env::var("STRIDEFIT_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
            eprintln!("skipped: STRIDEFIT_TEST_DATABASE_URL is not a PostgreSQL URL");
            return;
        };
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
        work(diesel::PgConnection::establish(&format!("{base}/{name}")).unwrap());
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).unwrap();
    }

    #[test]
    fn a_postgres_database_of_the_previous_release_upgrades_with_its_rows() {
        with_scratch_postgres("stridefit_upgrade", |mut c| {
            upgrade_from_previous_release(&mut c, || POSTGRES_MIGRATIONS);
            assert_upgraded(&mut DbConnection::Postgres(c));
        });
    }

    #[test]
    fn every_postgres_down_migration_reverts_its_up() {
        with_scratch_postgres("stridefit_migrations", |mut c| {
            c.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
            c.revert_all_migrations(POSTGRES_MIGRATIONS).unwrap();
            let tables: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%')",
            ))
            .get_result(&mut c)
            .unwrap();
            assert_eq!(tables, 0);
            assert!(!c.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap().is_empty());
        });
    }

    /// Fills a database at the current schema with a little of everything the service stores.
    fn fill(conn: &mut DbConnection) {
        let at = |s: &str| DbTime(crate::time::parse_rfc3339(s).unwrap());
        let shoes = crate::catalogue::csv::parse_shoes(crate::catalogue::csv::BUNDLED_SHOES_CSV).unwrap();
        let insoles = crate::catalogue::csv::parse_insoles(crate::catalogue::csv::BUNDLED_INSOLES_CSV).unwrap();
        catalogue::upsert_shoes(conn, &shoes[..3]).unwrap();
        catalogue::upsert_insoles(conn, &insoles[..2]).unwrap();
        catalogue::set_stock(conn, "S1", &[(shoes[0].id.clone(), 4), (shoes[1].id.clone(), 0)]).unwrap();
        sizes::replace_shoe_sizes(conn, "S1", &shoes[0].id, Some(&[(42.0, 3), (42.5, 1)])).unwrap();
        sizes::set_insole_stock(conn, "S1", &[(insoles[0].id.clone(), 2)]).unwrap();
        let fitting = |id: &str, store: Option<&str>, customer: Option<&str>, document: &str, created: &str, hash: Option<&str>| {
            fittings::FittingRow {
                id: uid(id),
                store_id: store.map(str::to_owned),
                customer_ref: customer.map(str::to_owned),
                document: DbJson(document.into()),
                created_at: at(created),
                content_hash: hash.map(str::to_owned),
            }
        };
        fittings::insert(conn, &fitting(F1, Some("S1"), Some("c-1"), r#"{"age": 41, "feet": {"left": {"length_mm": 265.5}}}"#, "2026-10-01T10:00:00.250Z", None)).unwrap();
        fittings::insert(conn, &fitting(F2, None, None, r#"{"goals": ["marathon"], "weight_kg": null}"#, "2026-10-02T08:30:00.123456Z", Some("ab12"))).unwrap();
        let try_on = |shoe: &str, position: i32, observations: &str| try_ons::TryOnRow {
            fitting_id: uid(F1),
            shoe_id: shoe.to_owned(),
            position,
            size_eu: Some(42.5),
            comfort: Some(4),
            observations: DbJson(observations.into()),
        };
        try_ons::insert_many(conn, &[try_on(&shoes[0].id, 1, r#"["heel_slip"]"#), try_on(&shoes[1].id, 2, "[]")]).unwrap();
        let sale = |id: &str, sale_id: &str, fitting: Option<&str>| outcomes::OutcomeRow {
            id: uid(id),
            sale_id: sale_id.to_owned(),
            fitting_id: fitting.map(uid),
            store_id: Some("S1".into()),
            shoe_id: shoes[0].id.clone(),
            insole_id: Some(insoles[0].id.clone()),
            sold_at: at("2026-10-01T10:30:00Z"),
            returned_at: Some(at("2026-10-15T09:00:00Z")),
            return_reason: Some(crate::outcomes::ReturnReason::Fit),
            satisfaction: Some(2),
            pain_at_follow_up: Some(3.5),
            followed_up_at: Some(at("2026-10-20T12:00:00.500Z")),
            request_hash: Some("f00d".into()),
            created_at: at("2026-10-01T10:30:00.001Z"),
            updated_at: at("2026-10-20T12:00:00.500Z"),
            fitting_snapshot: None,
            synthetic: false,
            size_eu: Some(42.5),
        };
        let detached = outcomes::OutcomeRow {
            store_id: None,
            insole_id: None,
            returned_at: None,
            return_reason: None,
            satisfaction: None,
            pain_at_follow_up: None,
            followed_up_at: None,
            request_hash: None,
            fitting_snapshot: Some(DbJson(r#"{"age": 30}"#.into())),
            synthetic: true,
            ..sale(O2, "TILL-2", None)
        };
        outcomes::insert_many(conn, &[sale(O1, "TILL-1", Some(F1)), detached]).unwrap();
        let model = models::ModelRow {
            version: "m-20261001-100000-ab12".into(),
            kind: "logistic_regression".into(),
            schema_hash: "h1".into(),
            artifact: r#"{"weights": [1e-10, -0.5]}"#.into(),
            training_summary: DbJson(r#"{"sessions": 12, "synthetic": false}"#.into()),
            metrics: DbJson(r#"{"ndcg_at_5": 0.61}"#.into()),
            created_at: at("2026-10-03T09:00:00Z"),
        };
        models::insert_model(conn, &model).unwrap();
        meta::set(conn, meta::ACTIVE_MODEL, &model.version).unwrap();
        let job = |id: &str, status: models::JobStatus| models::JobRow {
            id: uid(id),
            kind: models::JobKind::Training,
            status,
            progress: 1.0,
            message: "trained".into(),
            model_version: Some(model.version.clone()),
            created_at: at("2026-10-03T08:59:00.100Z"),
            updated_at: at("2026-10-03T09:00:00Z"),
            lease_owner: None,
            lease_expires_at: None,
            cancel_requested: false,
        };
        models::insert_job(conn, &job(J1, models::JobStatus::Succeeded)).unwrap();
        models::insert_job(conn, &models::JobRow { kind: models::JobKind::Evaluation, progress: 0.3, model_version: None, ..job(J2, models::JobStatus::Queued) }).unwrap();
        let (now, later) = (at("2026-10-03T09:01:00Z").0, at("2026-10-03T09:02:00Z").0);
        assert!(models::claim_lease(conn, "training", uid(J2), "replica-1", now, later).unwrap());
        assert!(models::start_job(conn, uid(J2), "replica-1", now, later).unwrap());
        keys::insert(
            conn,
            &keys::ApiKeyRow {
                id: "k_0123456789ab".into(),
                name: "till 1".into(),
                role: crate::auth::role::Role::Staff,
                store_id: Some("S1".into()),
                secret_hash: "5ecre7".into(),
                cors_origins: Some("https://shop.example".into()),
                created_at: at("2026-09-30T08:00:00Z"),
                revoked_at: Some(at("2026-10-05T08:00:00.999Z")),
                rate_limit_per_minute: Some(600),
                rate_limit_burst: Some(60),
            },
        )
        .unwrap();
        keys::insert_idempotency(
            conn,
            &keys::IdempotencyRow {
                key_id: "k_0123456789ab".into(),
                idempotency_key: "retry-1".into(),
                request_hash: "beef".into(),
                fitting_id: uid(F1),
                created_at: at("2026-10-01T10:00:00.250Z"),
            },
        )
        .unwrap();
        evaluations::insert_evaluation(
            conn,
            &evaluations::EvaluationRow {
                id: uid(E1),
                model_version: model.version.clone(),
                against_version: Some("baseline".into()),
                job_id: Some(uid(J2)),
                held_out_sessions: 3,
                held_out_from: Some(at("2026-09-01T00:00:00Z")),
                held_out_to: Some(at("2026-10-01T00:00:00Z")),
                analysis: DbJson(r#"{"verdict": "better"}"#.into()),
                created_at: at("2026-10-03T09:05:00Z"),
            },
        )
        .unwrap();
        evaluations::insert_activation(
            conn,
            &evaluations::ActivationRow {
                id: uid(A1),
                activated_at: at("2026-10-03T09:10:00Z"),
                kind: evaluations::ActivationKind::Activation,
                via: evaluations::ActivationVia::CommandLine,
                key_id: None,
                key_name: None,
                from_version: None,
                to_version: model.version.clone(),
                figures: DbJson("{}".into()),
            },
        )
        .unwrap();
    }

    /// What the previous release's schema holds of a filled database, read through the
    /// service's own rows (JSON compared as documents).
    #[derive(Debug, PartialEq)]
    struct Contents {
        shoes: Vec<crate::catalogue::Shoe>,
        insoles: Vec<crate::catalogue::Insole>,
        stock: Vec<(String, String, i32)>,
        fittings: Vec<(serde_json::Value, fittings::FittingRow)>,
        try_ons: Vec<(serde_json::Value, try_ons::TryOnRow)>,
        outcomes: Vec<(Option<serde_json::Value>, outcomes::OutcomeRow)>,
        models: Vec<(serde_json::Value, serde_json::Value, models::ModelRow)>,
        jobs: Vec<models::JobRow>,
        keys: Vec<keys::ApiKeyRow>,
        idempotency: Vec<keys::IdempotencyRow>,
        active_model: Option<String>,
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    /// Takes a row's document out as parsed JSON (what the row keeps is then compared apart).
    fn document(stored: &mut DbJson) -> serde_json::Value {
        json(&std::mem::take(&mut stored.0))
    }

    fn contents(conn: &mut DbConnection) -> Contents {
        use schema::{fittings as f, idempotency_keys as i, jobs as j, outcomes as o, stock as s, try_ons as t};
        let stock = s::table.order((s::store_id, s::shoe_id)).select((s::store_id, s::shoe_id, s::quantity)).load(conn).unwrap();
        let fittings: Vec<fittings::FittingRow> = f::table.order(f::id).select(fittings::FittingRow::as_select()).load(conn).unwrap();
        let try_ons: Vec<try_ons::TryOnRow> =
            t::table.order((t::fitting_id, t::position)).select(try_ons::TryOnRow::as_select()).load(conn).unwrap();
        let outcomes: Vec<outcomes::OutcomeRow> = o::table.order(o::id).select(outcomes::OutcomeRow::as_select()).load(conn).unwrap();
        Contents {
            shoes: catalogue::all_shoes(conn).unwrap(),
            insoles: catalogue::all_insoles(conn).unwrap(),
            stock,
            fittings: fittings.into_iter().map(|mut r| (document(&mut r.document), r)).collect(),
            try_ons: try_ons.into_iter().map(|mut r| (document(&mut r.observations), r)).collect(),
            outcomes: outcomes.into_iter().map(|mut r| (r.fitting_snapshot.take().map(|j| json(&j)), r)).collect(),
            models: models::list_models(conn)
                .unwrap()
                .into_iter()
                .map(|mut r| (document(&mut r.training_summary), document(&mut r.metrics), r))
                .collect(),
            jobs: j::table.order(j::id).select(models::JobRow::as_select()).load(conn).unwrap(),
            keys: keys::list(conn).unwrap(),
            idempotency: i::table.select(keys::IdempotencyRow::as_select()).load(conn).unwrap(),
            active_model: meta::get(conn, meta::ACTIVE_MODEL).unwrap(),
        }
    }

    /// What the round trip through the previous release is expected to keep of `before`: the
    /// columns and tables that release has come back empty, and instants keep the
    /// millisecond that release stored.
    fn as_previous_release_keeps(mut c: Contents) -> Contents {
        use chrono::SubsecRound;
        let ms = |t: DbTime| DbTime(t.0.trunc_subsecs(3));
        for (_, f) in &mut c.fittings {
            f.content_hash = None;
            f.created_at = ms(f.created_at);
        }
        for (_, o) in &mut c.outcomes {
            o.size_eu = None;
        }
        for j in &mut c.jobs {
            (j.lease_owner, j.lease_expires_at, j.cancel_requested) = (None, None, false);
        }
        c
    }

    /// Fills a database at the current schema, reverts every migration after the previous
    /// release, checks that release's text forms, upgrades again and compares.
    fn down_to_previous_release_and_back<C>(mut conn: DbConnection, inner: impl Fn(&mut DbConnection) -> &mut C, migrations: impl Fn() -> EmbeddedMigrations)
    where
        C: diesel::Connection + MigrationHarness<C::Backend>,
    {
        fill(&mut conn);
        let before = contents(&mut conn);
        let c = inner(&mut conn);
        let later = c.applied_migrations().unwrap().iter().filter(|v| version_of(v).as_str() > PREVIOUS_RELEASE).count();
        assert!(later > 0);
        for _ in 0..later {
            c.revert_last_migration(migrations()).unwrap();
        }
        // As the previous release reads them: ids as hyphenated lower-case text, instants as
        // RFC 3339 text in UTC to the millisecond.
        let mut text = |sql: &str| -> String {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(sql)).get_result(&mut conn).unwrap()
        };
        assert_eq!(text(&format!("(SELECT created_at FROM fittings WHERE id = '{F2}')")), "2026-10-02T08:30:00.123Z");
        assert_eq!(text(&format!("(SELECT fitting_id FROM outcomes WHERE id = '{O1}')")), F1);
        assert_eq!(text(&format!("(SELECT id FROM jobs WHERE id = '{J2}')")), J2);
        inner(&mut conn).run_pending_migrations(migrations()).unwrap();
        let after = contents(&mut conn);
        assert_eq!(after, as_previous_release_keeps(before));
        let mut count = |table: &str| -> i64 {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("(SELECT count(*) FROM {table})"))).get_result(&mut conn).unwrap()
        };
        for table in ["stock_sizes", "insole_stock", "job_leases", "model_evaluations", "model_activations"] {
            assert_eq!(count(table), 0, "{table} came after the previous release");
        }
        fill_after_round_trip_still_writes(&mut conn);
    }

    /// The upgraded database takes new rows of every kind again (ids, foreign keys, checks).
    fn fill_after_round_trip_still_writes(conn: &mut DbConnection) {
        let row = fittings::FittingRow { id: DbUuid::new_v4(), ..fittings::find(conn, crate::ids::FittingId(uid(F1).0)).unwrap() };
        fittings::insert(conn, &row).unwrap();
        assert!(models::claim_lease(conn, "training", uid(J2), "replica-2", crate::time::now(), crate::time::now()).unwrap());
    }

    #[test]
    fn a_filled_sqlite_database_goes_down_to_the_previous_release_and_back_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = diesel::SqliteConnection::establish(dir.path().join("d.db").to_str().unwrap()).unwrap();
        c.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        c.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
        down_to_previous_release_and_back(
            DbConnection::Sqlite(c),
            |conn| match conn {
                DbConnection::Sqlite(c) => c,
                DbConnection::Postgres(_) => unreachable!(),
            },
            || SQLITE_MIGRATIONS,
        );
    }

    #[test]
    fn a_filled_postgres_database_goes_down_to_the_previous_release_and_back_with_its_rows() {
        with_scratch_postgres("stridefit_downgrade", |mut c| {
            c.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
            down_to_previous_release_and_back(
                DbConnection::Postgres(c),
                |conn| match conn {
                    DbConnection::Postgres(c) => c,
                    DbConnection::Sqlite(_) => unreachable!(),
                },
                || POSTGRES_MIGRATIONS,
            );
        });
    }

    /// Instants a few microseconds to a second apart, written out of order, come back in time
    /// order and compare as times (SQLite compares them as text: the fixed-width form is what
    /// makes that right); a JSON document reads back as the same document.
    fn assert_instants_and_documents_round_trip(conn: &mut DbConnection) {
        let at = |s: &str| crate::time::parse_rfc3339(s).unwrap();
        let times = ["2026-10-01T10:00:00.5Z", "2026-10-01T09:59:59.999999Z", "2026-10-01T10:00:00Z", "2026-10-01T10:00:00.000001Z"];
        for (i, t) in times.iter().enumerate() {
            let row = models::JobRow {
                id: uid(&format!("00000000-0000-4000-8000-00000000000{i}")),
                kind: models::JobKind::Training,
                status: models::JobStatus::Running,
                progress: 0.0,
                message: String::new(),
                model_version: None,
                created_at: DbTime(at(t)),
                updated_at: DbTime(at(t)),
                lease_owner: Some("r".into()),
                lease_expires_at: Some(DbTime(at(t))),
                cancel_requested: false,
            };
            models::insert_job(conn, &row).unwrap();
        }
        let (newest_first, _) = models::list_jobs(conn, 10, 0).unwrap();
        let order: Vec<String> = newest_first.iter().map(|j| j.id.to_string()[35..].to_owned()).collect();
        assert_eq!(order, ["0", "3", "2", "1"]);
        assert_eq!(newest_first[0].created_at.0, at(times[0]));
        let mut lapsed = models::fail_lapsed(conn, at("2026-10-01T10:00:00.000001Z"), "lapsed").unwrap();
        lapsed.sort();
        assert_eq!(lapsed, [uid("00000000-0000-4000-8000-000000000001"), uid("00000000-0000-4000-8000-000000000002")], "only leases strictly before the instant lapse");

        let document = r#"{"b": [1, 2.5], "a": {"c": null}}"#;
        let row = fittings::FittingRow {
            id: uid(F1),
            store_id: None,
            customer_ref: None,
            document: DbJson(document.into()),
            created_at: DbTime(at(times[0])),
            content_hash: None,
        };
        fittings::insert(conn, &row).unwrap();
        let back: serde_json::Value = serde_json::from_str(&fittings::find(conn, crate::ids::FittingId(uid(F1).0)).unwrap().document).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(document).unwrap());
    }

    #[test]
    fn sqlite_keeps_instants_in_time_order_and_documents_whole() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(dir.path().join("t.db").to_str().unwrap(), 1).unwrap();
        db.migrate().unwrap();
        db.with_conn(|conn| {
            assert_instants_and_documents_round_trip(conn);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn postgres_keeps_instants_in_time_order_and_documents_whole() {
        with_scratch_postgres("stridefit_types", |mut c| {
            c.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
            assert_instants_and_documents_round_trip(&mut DbConnection::Postgres(c));
        });
    }
}
