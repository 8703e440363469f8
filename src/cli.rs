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
        assert!(matches!(cli.command, Some(Command::Import(ImportCommand::Catalogue { file })) if file == PathBuf::from("shoes.csv")));
    }

    #[test]
    fn no_subcommand_means_serve() {
        assert!(Cli::try_parse_from(["stridefit"]).unwrap().command.is_none());
    }
}
