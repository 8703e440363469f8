//! Builds the application: opens the database, applies migrations, seeds the bundled
//! catalogue on first start, and binds the HTTP server. Used by `main` and by the tests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, Logger};
use actix_web::dev::Service;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::api::{self, AppState};
use crate::catalogue::{service::seed_bundled_catalogue, CatalogueService};
use crate::db::Database;
use crate::fitting::FittingService;
use crate::model::{registry::seed_default_model, ModelRegistry};
use crate::outcomes::OutcomeService;
use crate::training::jobs::JobService;
use crate::recommendation::{ActiveScorer, RecommendationService};
use crate::auth::Authenticator;
use crate::metrics::Metrics;
use actix_cors::Cors;
use actix_web::http::header::{self, HeaderName};
use crate::Settings;

pub struct Application {
    port: u16,
    server: Server,
}

/// Opens the database and brings it up to date: migrations, then the first-start seed.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<Database> {
    // Two connections: one holds the start-up lock while the other does the work.
    let db = Database::connect(&settings.database_url, settings.db_pool_size.max(2))?;
    db.with_startup_lock(|| {
        let applied = db.migrate()?;
        if applied > 0 {
            log::info!("applied {applied} database migration(s)");
        }
        if let Some(seeded) = seed_bundled_catalogue(&db)? {
            log::info!("seeded the bundled catalogue: {} shoes, {} insoles", seeded.shoes, seeded.insoles);
        }
        seed_default_model(&db)
    })?;
    Ok(db)
}

/// The request log's target: actix's own, so filters written for it keep working.
const REQUEST_LOG_TARGET: &str = "actix_web::middleware::logger";

/// One log line per request: method, route pattern, status and latency. The pattern
/// (`/v1/customers/{customer_ref}`), never the raw path: paths carry customer references and
/// sale ids that must not outlive an erasure in the logs; no query string or body either.
fn request_logger() -> Logger {
    Logger::new("%{method}xi %{route}xi %s %Dms")
        .log_target(REQUEST_LOG_TARGET)
        .custom_request_replace("method", |req| req.method().to_string())
        .custom_request_replace("route", |req| req.match_pattern().unwrap_or_else(|| "(unmatched)".to_owned()))
}

/// Runs `round` every `interval` for the life of the process (a late round is not made up).
fn spawn_every<F, Fut>(interval: std::time::Duration, mut round: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            round().await;
        }
    });
}

/// Keeps this process in step with the others on the same database: catalogue changes and
/// model activations made through any replica are served here within one interval.
fn spawn_refresher(state: web::Data<AppState>, interval_ms: u64) {
    spawn_every(std::time::Duration::from_millis(interval_ms.max(50)), move || {
        let state = state.clone();
        async move {
            if let Err(e) = state.catalogue.refresh_if_changed().await {
                log::warn!("catalogue refresh failed: {e}");
            }
            if let Err(e) = state.models.reload_if_changed().await {
                log::warn!("model refresh failed: {e}");
            }
            if let Err(e) = state.sizing.reload_if_changed().await {
                log::warn!("size offset refresh failed: {e}");
            }
            let auth = state.auth.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || auth.refresh_origins()).await {
                log::warn!("CORS origin refresh failed: {e}");
            }
            state.auth.housekeeping();
        }
    });
}

/// Every replica watches the job queue: it fails runs whose lease lapsed (a replica died
/// mid-run) and starts the next queued job when no run holds the queue.
fn spawn_job_poller(state: web::Data<AppState>) {
    spawn_every(state.jobs.poll_interval(), move || {
        let state = state.clone();
        async move {
            if let Err(e) = state.jobs.poll().await {
                log::warn!("job queue poll failed: {e}");
            }
        }
    });
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = prepare_database(&settings)?;
        let catalogue = Arc::new(CatalogueService::load(db.clone()).context("loading the catalogue")?);
        let scorer = Arc::new(ActiveScorer::baseline());
        let models = ModelRegistry::new(db.clone(), scorer.clone());
        let version = models.load_active()?;
        log::info!("ranking with model {version}");
        let metrics = Arc::new(Metrics::new());
        if settings.open_access {
            log::warn!("OPEN ACCESS: serving without API keys; every caller is an administrator. For local trials only.");
        }
        let auth = Arc::new(Authenticator::new(
            db.clone(),
            settings.open_access,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
        )
        .with_anonymous_limit(settings.anonymous_rate_limit_per_minute, settings.anonymous_rate_limit_burst));
        auth.refresh_origins()?;
        if !settings.open_access && db.with_conn(crate::db::keys::list)?.iter().all(|k| k.revoked_at.is_some()) {
            log::warn!("no API keys yet: every /v1 call will answer 401. Create one with `stridefit keys create --role admin --name me`, or run `stridefit serve --open` for a local trial");
        }
        let sizing = Arc::new(crate::sizing::SizingService::load(db.clone()).context("loading the learned size offsets")?);
        let state = web::Data::new(AppState {
            auth,
            recommendations: RecommendationService::new(catalogue.clone(), scorer.clone()).with_sizing(sizing.clone()),
            sizing,
            fittings: FittingService::new(db.clone()),
            outcomes: OutcomeService::new(db.clone(), catalogue.clone()),
            jobs: JobService::new(
                db.clone(),
                catalogue.clone(),
                scorer.clone(),
                metrics.clone(),
                std::time::Duration::from_secs(settings.job_lease_secs),
            ),
            metrics,
            models,
            catalogue,
            scorer,
            reports: crate::report::Reports::new(db.clone()),
            db: db.clone(),
        });

        spawn_refresher(state.clone(), settings.refresh_interval_ms);
        spawn_job_poller(state.clone());

        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let (body_limit, import_limit) = (settings.max_body_bytes, settings.max_import_bytes);
        let body_timeout = api::extract::BodyTimeout(std::time::Duration::from_secs(settings.client_timeout_secs.max(1)));
        let mut server = HttpServer::new(move || {
            let metrics = state.metrics.clone();
            let auth = state.auth.clone();
            // Browsers may call from the origins of storefront keys only.
            let cors = Cors::default()
                .allowed_origin_fn(move |origin, _| origin.to_str().is_ok_and(|o| auth.origin_allowed(o)))
                .allowed_methods(["GET", "POST"])
                .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
                .max_age(3600);
            App::new()
                .wrap(cors)
                .wrap(Compress::default())
                .wrap_fn(move |req, srv| {
                    // Latency by route pattern (not the raw path, which holds ids).
                    let start = std::time::Instant::now();
                    let metrics = metrics.clone();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        // Read once routed: actix then finds the pattern from the resource that
                        // matched, instead of matching the path against every route again.
                        let route = res.request().match_pattern();
                        metrics
                            .http_requests
                            .with_label_values(&[
                                res.request().method().as_str(),
                                route.as_deref().unwrap_or("unmatched"),
                                res.status().as_str(),
                            ])
                            .observe(start.elapsed().as_secs_f64());
                        Ok(res)
                    }
                })
                // A logger whose lines the log filter drops would still render every request's
                // fields (a clock read, a copy of the format, the route pattern): not built then.
                .wrap(Condition::new(log::log_enabled!(target: REQUEST_LOG_TARGET, log::Level::Info), request_logger()))
                .app_data(state.clone())
                .app_data(body_timeout)
                .configure(|cfg| api::configure(cfg, body_limit, import_limit))
        })
        .client_request_timeout(std::time::Duration::from_secs(settings.client_timeout_secs))
        .client_disconnect_timeout(std::time::Duration::from_secs(2))
        .listen(listener)?
        // On SIGTERM/SIGINT stop accepting, let in-flight requests finish (up to 30 s).
        .shutdown_timeout(30);
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        Ok(Self { port, server: server.run() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
