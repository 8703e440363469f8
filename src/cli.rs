//! Command line: `serve` (the default), `import catalogue FILE`, `migrate`, `openapi`.
//! Every flag can also come from a `STRIDEFIT_*` environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::{Settings, DEFAULT_BIND, DEFAULT_DATABASE_URL};

#[derive(Debug, Parser)]
#[command(name = "stridefit", version, about = "Running-shoe fitting engine: REST service and admin tools.", long_about = None)]
pub struct Cli {
    /// Database: sqlite://PATH (embedded default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "STRIDEFIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default). Applies migrations and seeds the bundled
    /// catalogue into an empty database first.
    Serve(ServeArgs),
    /// Import data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Train a model on the stored outcomes (or a file), compare it with the active model
    /// and the baseline on held-out sessions, and store it as a candidate.
    Train(TrainArgs),
    /// Evaluate a stored model, the active one and the baseline on the same held-out data.
    Evaluate(EvaluateArgs),
    /// Evaluate a stored model on the current outcomes (stored for the HTTP report too) and
    /// write the analyst's report: one self-contained HTML page.
    Report(ReportArgs),
    /// List or activate model versions.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Create, list or revoke API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a SYNTHETIC outcome history (runners drawn from real gait data) for demos and tests.
    Simulate(SimulateArgs),
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import shoes or insoles from a CSV file (told apart by the header; see README).
    /// New ids are added, existing ids replaced; one bad row rejects the whole file.
    Catalogue {
        /// CSV file with the columns of data/shoes.csv or data/insoles.csv.
        file: PathBuf,
    },
    /// Import sales outcomes from CSV or Parquet (columns in README). All or nothing:
    /// every rejected row is listed and nothing is written; sales already stored are updated.
    Outcomes {
        /// CSV or Parquet file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Train on this outcome file (rows with inline fittings) instead of the database.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Activate the new model when it beats the active one on held-out NDCG@5.
    #[arg(long)]
    pub activate_if_better: bool,
    /// Also write the artifact, summary and metrics as JSON (e.g. data/default_model.json).
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Mark the training data as synthetic in the model's summary.
    #[arg(long)]
    pub synthetic: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model version to evaluate (default: the active one).
    #[arg(long)]
    pub model: Option<String>,
    /// Evaluate on this outcome file instead of the database.
    #[arg(long)]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Model version to report on.
    #[arg(long)]
    pub model: String,
    /// Compare with this version (default: the active one).
    #[arg(long)]
    pub against: Option<String>,
    /// Evaluate on this outcome file instead of the database.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Where to write the HTML page.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List model versions with their held-out metrics.
    List,
    /// The activation history, newest first.
    Activations,
    /// Make a version the one that ranks (e.g. baseline-rules-v1 to roll back to the rules).
    Activate {
        version: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key. The secret is printed once, alone on the last line of standard output.
    Create {
        #[arg(long, value_enum)]
        role: crate::auth::Role,
        /// The store a staff key belongs to (required for staff).
        #[arg(long)]
        store: Option<String>,
        /// A label, e.g. "till 3".
        #[arg(long)]
        name: String,
        /// Browser origin allowed by CORS for a storefront key (repeatable), e.g. https://shop.example.
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// This key's own rate limit in requests per minute (default: the service's
        /// STRIDEFIT_RATE_LIMIT_PER_MINUTE).
        #[arg(long)]
        rate_limit_per_minute: Option<u32>,
        /// This key's burst above its rate (default: a tenth of its per-minute rate).
        #[arg(long, requires = "rate_limit_per_minute")]
        rate_limit_burst: Option<u32>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id; every replica refuses it within a few seconds.
    Revoke { id: String },
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of sales to generate.
    #[arg(long, default_value_t = 5000)]
    pub sales: usize,
    /// Random seed (the same seed gives the same history).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Number of stores (S1, S2, ...).
    #[arg(long, default_value_t = 3)]
    pub stores: usize,
    /// What the simulated runners really prefer.
    #[arg(long, value_enum, default_value_t = crate::simulate::Scenario::Evidence)]
    pub scenario: crate::simulate::Scenario,
    /// Runners sold the wrong size return it for fit (more often than not).
    #[arg(long)]
    pub size_returns: bool,
    /// Output file; `.parquet` writes Parquet, anything else CSV.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "STRIDEFIT_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "STRIDEFIT_WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// Database connections in the pool.
    #[arg(long, env = "STRIDEFIT_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "STRIDEFIT_MAX_BODY_BYTES", default_value_t = crate::api::extract::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Largest outcome file accepted by POST /v1/outcomes/import, in bytes.
    #[arg(long, env = "STRIDEFIT_MAX_IMPORT_BYTES", default_value_t = crate::api::outcomes::DEFAULT_MAX_IMPORT_BYTES)]
    pub max_import_bytes: usize,
    /// How often (ms) to pick up catalogue changes and model activations made by other replicas.
    #[arg(long, env = "STRIDEFIT_REFRESH_INTERVAL_MS", default_value_t = 2000)]
    pub refresh_interval_ms: u64,
    /// Serve WITHOUT API keys, for local trials only (every caller is an administrator).
    #[arg(long, env = "STRIDEFIT_OPEN_ACCESS")]
    pub open: bool,
    /// Requests per minute allowed per API key (0 = unlimited); over it answers 429.
    #[arg(long, env = "STRIDEFIT_RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,
    /// Requests a key may send in a burst above its per-minute rate.
    #[arg(long, env = "STRIDEFIT_RATE_LIMIT_BURST", default_value_t = 60)]
    pub rate_limit_burst: u32,
    /// Requests per minute per client address without a valid API key (0 = unlimited); over it answers 429.
    #[arg(long, env = "STRIDEFIT_ANONYMOUS_RATE_LIMIT_PER_MINUTE", default_value_t = 60)]
    pub anonymous_rate_limit_per_minute: u32,
    /// Requests without a valid key a client address may send in a burst.
    #[arg(long, env = "STRIDEFIT_ANONYMOUS_RATE_LIMIT_BURST", default_value_t = 30)]
    pub anonymous_rate_limit_burst: u32,
    /// Seconds a client may take to send its headers, and again its body, before it is cut off (408).
    #[arg(long, env = "STRIDEFIT_CLIENT_TIMEOUT_SECS", default_value_t = 10)]
    pub client_timeout_secs: u64,
    /// Seconds a replica's claim on a running training job holds unless renewed; a run whose
    /// process died is marked failed this long after its last renewal.
    #[arg(long, env = "STRIDEFIT_JOB_LEASE_SECS", default_value_t = crate::training::jobs::DEFAULT_JOB_LEASE.as_secs())]
    pub job_lease_secs: u64,
}

#[derive(Debug, Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// Serve settings from the environment alone, for a bare `stridefit`.
    pub fn from_env() -> Self {
        ServeOnly::parse_from(["stridefit"]).args
    }

    pub fn into_settings(self, database_url: String) -> Settings {
        Settings {
            bind: self.bind,
            database_url,
            workers: self.workers,
            db_pool_size: self.db_pool_size,
            max_body_bytes: self.max_body_bytes,
            max_import_bytes: self.max_import_bytes,
            refresh_interval_ms: self.refresh_interval_ms,
            open_access: self.open,
            rate_limit_per_minute: self.rate_limit_per_minute,
            rate_limit_burst: self.rate_limit_burst,
            anonymous_rate_limit_per_minute: self.anonymous_rate_limit_per_minute,
            anonymous_rate_limit_burst: self.anonymous_rate_limit_burst,
            client_timeout_secs: self.client_timeout_secs,
            job_lease_secs: self.job_lease_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn import_catalogue_takes_a_file() {
        let cli = Cli::try_parse_from(["stridefit", "import", "catalogue", "shoes.csv"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Import(ImportCommand::Catalogue { file })) if file == std::path::Path::new("shoes.csv")));
    }

    #[test]
    fn no_subcommand_means_serve() {
        assert!(Cli::try_parse_from(["stridefit"]).unwrap().command.is_none());
    }
}
