//! HTTP: routes, extractors, the OpenAPI document and the error mapping. Handlers parse
//! into domain types, call a service and map the result; they hold no business rules.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

pub mod catalogue;
pub mod codes;
mod contract;
pub mod error;
pub mod extract;
pub mod fittings;
mod json_out;
pub mod models;
pub mod outcomes;
pub mod recommendations;
pub mod sizes;
pub mod stock;

use crate::catalogue::CatalogueService;
use crate::db::Database;
use crate::fitting::{FieldError, FittingService};
use crate::model::ModelRegistry;
use crate::outcomes::OutcomeService;
use crate::recommendation::{ActiveScorer, RecommendationService};
use crate::training::jobs::JobService;
use error::{ApiError, Problem};

/// Everything handlers share. Cheap to clone: services hold `Arc`s and a pool.
pub struct AppState {
    pub catalogue: Arc<CatalogueService>,
    pub fittings: FittingService,
    pub recommendations: RecommendationService,
    pub scorer: Arc<ActiveScorer>,
    pub outcomes: OutcomeService,
    pub models: ModelRegistry,
    pub jobs: JobService,
    /// For readiness only: handlers reach stored data through the services above.
    pub db: Database,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub auth: Arc<crate::auth::Authenticator>,
    pub sizing: Arc<crate::sizing::SizingService>,
    pub reports: crate::report::Reports,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "stridefit",
        description = "Running-shoe fitting engine: ranks shoes for a runner from wear, gait and profile, explains \
                       each, pairs insoles where a signal supports it, and flags when the runner should see a clinician. \
                       It never diagnoses. Errors are application/problem+json (RFC 9457)."
    ),
    paths(healthz, readyz, metrics),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    components(schemas(Problem, Liveness, Readiness)),
    tags(
        (name = "recommendations", description = "Ranked, explained shoes and clinician referral"),
        (name = "fittings", description = "Fitting sessions"),
        (name = "catalogue", description = "Shoes and insoles"),
        (name = "stock", description = "Stock per store"),
        (name = "outcomes", description = "Sales outcomes: kept, returned, satisfaction"),
        (name = "models", description = "Trained models, training jobs, activation"),
        (name = "operations", description = "Health, readiness, metrics")
    )
)]
struct RootApi;

/// Declares `Authorization: Bearer <key>` (see README, API keys and roles).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API key from `stridefit keys create`; roles staff, storefront, analyst, admin"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of the whole service.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = RootApi::openapi();
    doc.merge(recommendations::RecommendationsApi::openapi());
    doc.merge(fittings::FittingsApi::openapi());
    doc.merge(catalogue::CatalogueApi::openapi());
    doc.merge(stock::StockApi::openapi());
    doc.merge(sizes::SizesApi::openapi());
    doc.merge(outcomes::OutcomesApi::openapi());
    doc.merge(models::ModelsApi::openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The served document: what utoipa generates from the handlers, completed by `contract`.
pub fn openapi_value() -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi()).unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}));
    contract::complete(&mut doc);
    doc
}

/// The spec as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&openapi_value()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// The service's own liveness (not a runner's health answers).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "The process is up", body = Liveness)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "ok" })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    status: &'static str,
    /// The model version ranking recommendations.
    model_version: String,
}

/// Readiness: the database answers and a model is loaded; 503 with the reason otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready: the database is unreachable or no model is loaded", body = Problem, content_type = "application/problem+json")))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(|e| ApiError::NotReady(format!("database unreachable: {e}")))?;
    let model_version = state.models.active_version();
    if model_version.is_empty() {
        return Err(ApiError::NotReady("no model loaded".into()));
    }
    Ok(HttpResponse::Ok().json(Readiness { status: "ready", model_version }))
}

/// Prometheus metrics: request latency by route and status, recommendations, referrals by
/// level, the active model, outcome and training counters.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()), responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(&state.models.active_version()))
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound { method: req.method().to_string(), path: req.path().to_owned() })
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

/// Registers every route, the error handlers for framework extractors, and the docs.
pub fn configure(cfg: &mut web::ServiceConfig, body_limit: usize, import_limit: usize) {
    cfg.app_data(extract::BodyLimit(body_limit))
        .app_data(outcomes::ImportLimit(import_limit))
        .app_data(web::JsonConfig::default().limit(body_limit).error_handler(extract::json_error))
        .app_data(web::QueryConfig::default().error_handler(extract::query_error))
        .app_data(web::PathConfig::default().error_handler(extract::path_error))
        // Resources (not bare routes), so another method on them is a 405, not a 404.
        .service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)))
        .configure(recommendations::configure)
        .configure(fittings::configure)
        .configure(catalogue::configure)
        .configure(stock::configure)
        .configure(sizes::configure)
        .configure(outcomes::configure)
        .configure(models::configure)
        .configure(crate::web::configure)
        .route("/docs", web::get().to(docs_redirect))
        // The UI never sends the document to an outside validator (its default): offline,
        // and nothing about the API leaves the shop.
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .external_url_unchecked("/openapi.json", openapi_value())
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none")),
        )
        .default_service(web::to(not_found));
}

/// A value as one URL path segment: everything but RFC 3986's unreserved characters is
/// percent-encoded, so a sale id with `/`, `?`, spaces or non-ASCII makes a valid `Location`.
pub fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Page bounds for list routes.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Largest `offset`: far beyond any catalogue, and bounded so the document can say so.
pub const MAX_OFFSET: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Items to skip, 0-1000000 (default 0).
    #[param(minimum = 0, maximum = 1_000_000)]
    pub offset: Option<u32>,
}

/// One page of a list, with the total before paging.
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub limit: u32,
    pub offset: u32,
}

impl PageQuery {
    pub fn new(limit: Option<u32>, offset: Option<u32>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(FieldError::new("limit", format!("must be between 1 and {MAX_PAGE_SIZE}")).into());
        }
        if offset.is_some_and(|o| o > MAX_OFFSET) {
            return Err(FieldError::new("offset", format!("must be between 0 and {MAX_OFFSET}")).into());
        }
        Ok(Self { limit: Some(limit), offset: Some(offset.unwrap_or(0)) })
    }

    pub fn apply<'a, T: Clone + 'a>(&self, items: impl Iterator<Item = &'a T>) -> Page<T> {
        let (limit, offset) = (self.limit.unwrap_or(DEFAULT_PAGE_SIZE), self.offset.unwrap_or(0));
        let all: Vec<&T> = items.collect();
        let page = all.iter().skip(offset as usize).take(limit as usize).map(|t| (*t).clone()).collect();
        Page { items: page, total: all.len(), limit, offset }
    }
}
