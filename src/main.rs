use std::process::ExitCode;

use clap::Parser;
use stridefit::cli::{Cli, Command, ImportCommand, KeysCommand, ModelsCommand, ServeArgs};
use stridefit::{commands, Application};

/// mimalloc instead of the system allocator: an answer to `POST /v1/recommendations` makes
/// about 180 short-lived allocations (its texts, vectors and the framework's buffers), and
/// glibc's malloc and free spent about a tenth of the request's instructions on them
/// (benches/README.md, "Whole requests"). Only the binary sets it; the library, its tests and
/// the benches (which count allocations with their own) keep the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let db = cli.database_url.as_str();
    let result = match cli.command.unwrap_or_else(|| Command::Serve(ServeArgs::from_env())) {
        Command::Serve(args) => serve(args.into_settings(cli.database_url.clone())),
        Command::Migrate => migrate(db),
        Command::Import(ImportCommand::Catalogue { file }) => commands::import_catalogue(db, &file),
        Command::Import(ImportCommand::Outcomes { file }) => commands::import_outcomes(db, &file),
        Command::Train(args) => commands::train(db, &args),
        Command::Evaluate(args) => commands::evaluate(db, &args),
        Command::Report(args) => commands::report(db, &args),
        Command::Models(ModelsCommand::List) => commands::list_models(db),
        Command::Models(ModelsCommand::Activations) => commands::list_activations(db),
        Command::Models(ModelsCommand::Activate { version }) => commands::activate_model(db, &version),
        Command::Simulate(args) => commands::simulate(db, &args),
        Command::Keys(KeysCommand::Create { role, store, name, cors_origins, rate_limit_per_minute, rate_limit_burst }) => {
            let limit = rate_limit_per_minute.map(|per_minute| stridefit::auth::RateLimit {
                per_minute,
                burst: rate_limit_burst.unwrap_or(per_minute.div_ceil(10).max(1)),
            });
            commands::create_key(db, role, store.as_deref(), &name, &cors_origins, limit)
        }
        Command::Keys(KeysCommand::List) => commands::list_keys(db),
        Command::Keys(KeysCommand::Revoke { id }) => commands::revoke_key(db, &id),
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
        log::info!("stridefit listening on port {} (docs at /docs/)", app.port());
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
