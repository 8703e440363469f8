use std::process::ExitCode;

use clap::Parser;
use stridefit::catalogue::csv::CsvError;
use stridefit::catalogue::service::{import_catalogue_file, ImportError};
use stridefit::cli::{Cli, Command, ImportCommand, ServeArgs};
use stridefit::{startup, Application};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or_else(|| Command::Serve(ServeArgs::from_env())) {
        Command::Serve(args) => serve(args.into_settings(cli.database_url)),
        Command::Migrate => migrate(&cli.database_url),
        Command::Import(ImportCommand::Catalogue { file }) => import_catalogue(&cli.database_url, &file),
        Command::Openapi { output } => write_openapi(output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: stridefit::Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).await?;
        log::info!("stridefit listening on {} (docs at /docs/)", settings.bind.replace(":0", &format!(":{}", app.port())));
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn migrate(database_url: &str) -> anyhow::Result<()> {
    let db = stridefit::db::Database::connect(database_url, 1)?;
    let applied = db.migrate()?;
    println!("applied {applied} migration(s)");
    Ok(())
}

fn import_catalogue(database_url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let settings = stridefit::Settings { database_url: database_url.to_owned(), db_pool_size: 1, ..Default::default() };
    let db = startup::prepare_database(&settings)?;
    match import_catalogue_file(&db, &bytes) {
        Ok(summary) => {
            println!("imported {} shoe(s) and {} insole(s) from {}", summary.shoes, summary.insoles, file.display());
            Ok(())
        }
        Err(ImportError::Csv(CsvError::InvalidRows(rows))) => {
            for row in &rows {
                eprintln!("line {}: {}: {}", row.line, row.field, row.reason);
            }
            anyhow::bail!("{} row(s) rejected; nothing was imported", rows.len())
        }
        Err(e) => Err(e.into()),
    }
}

fn write_openapi(output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let json = stridefit::api::openapi_json();
    match output {
        Some(path) => std::fs::write(&path, json).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => {
            print!("{json}");
            Ok(())
        }
    }
}
