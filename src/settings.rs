//! Typed settings with their defaults in one place. The CLI fills them from flags and
//! `STRIDEFIT_*` environment variables; tests build them directly.

/// Default SQLite file, inside a git-ignored folder of the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://.stridefit/stridefit.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// `sqlite://PATH` (default) or `postgres://…`.
    pub database_url: String,
    /// HTTP worker threads; 0 = one per core.
    pub workers: usize,
    /// Database connections in the pool.
    pub db_pool_size: u32,
    /// Largest JSON body accepted, bytes.
    pub max_body_bytes: usize,
    /// Largest outcome file accepted over HTTP, bytes.
    pub max_import_bytes: usize,
    /// How often to check for catalogue changes and model activations made by other
    /// replicas, milliseconds.
    pub refresh_interval_ms: u64,
    /// Serve without API keys (local trials only; logged as a warning).
    pub open_access: bool,
    /// Requests per minute per API key (0 = unlimited), and the burst allowed above it.
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    /// Requests per minute per client address that bring no valid API key (0 = unlimited),
    /// and the burst above it; counted before any key lookup, so floods of bad keys never
    /// reach the database.
    pub anonymous_rate_limit_per_minute: u32,
    pub anonymous_rate_limit_burst: u32,
    /// Seconds a client may take to send its request headers and body.
    pub client_timeout_secs: u64,
    /// Seconds a replica's claim on a running job holds unless renewed: a run whose process
    /// died is marked failed this long after its last renewal.
    pub job_lease_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            workers: 0,
            db_pool_size: 8,
            max_body_bytes: crate::api::extract::DEFAULT_MAX_BODY_BYTES,
            max_import_bytes: crate::api::outcomes::DEFAULT_MAX_IMPORT_BYTES,
            refresh_interval_ms: 2000,
            open_access: false,
            rate_limit_per_minute: 600,
            rate_limit_burst: 60,
            anonymous_rate_limit_per_minute: 60,
            anonymous_rate_limit_burst: 30,
            client_timeout_secs: 10,
            job_lease_secs: crate::training::jobs::DEFAULT_JOB_LEASE.as_secs(),
        }
    }
}
