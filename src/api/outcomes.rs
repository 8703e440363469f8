//! Outcome routes: the POS reports a sale, then a return or follow-up; analysts upload histories.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use utoipa::OpenApi;

use super::error::{ApiError, ErrorCode, Problem};
use super::extract::{Caller, Json};
use super::fittings::idempotency_key;
use super::AppState;
use crate::auth::{Action, Principal};
use crate::outcomes::import::ImportReport;
use crate::fitting::StoreId;
use crate::validation::FieldError;
use crate::outcomes::{Outcome, ReturnReason, SaleReport, SaleScope, SaleUpdate, Satisfaction};

#[derive(OpenApi)]
#[openapi(
    paths(create_outcome, get_outcome, update_outcome, import_outcome_file),
    components(schemas(SaleReport, SaleUpdate, Outcome, ReturnReason, Satisfaction, ImportReport))
)]
pub struct OutcomesApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/outcomes").route(web::post().to(create_outcome)))
        .service(web::resource("/v1/outcomes/import").route(web::post().to(import_outcome_file)))
        .service(
            web::resource("/v1/outcomes/{sale_id}").route(web::get().to(get_outcome)).route(web::patch().to(update_outcome)),
        );
}

/// Largest outcome file accepted over HTTP by default (bytes); see `STRIDEFIT_MAX_IMPORT_BYTES`.
pub const DEFAULT_MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
pub struct ImportLimit(pub usize);

/// Staff see only their own store's sales; another store's sale is a 404.
fn visible(caller: &Principal, outcome: Outcome) -> Result<Outcome, ApiError> {
    if caller.can_see_store(outcome.store_id.as_deref()) {
        Ok(outcome)
    } else {
        Err(ApiError::Rejected(ErrorCode::SaleNotFound, format!("no sale with id '{}'", outcome.sale_id)))
    }
}

/// Which store a sale id is looked up in.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SaleQuery {
    /// The sale's store. Sale ids are unique within a store: keys that see every store name
    /// it when two stores use the same id (409 `sale_ambiguous` otherwise); staff keys default
    /// to their own store.
    #[param(value_type = Option<String>, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    store_id: Option<StoreId>,
}

/// Staff keys look in their own store (another store's sale answers as an unknown id does);
/// keys not bound to a store look in the store named, else in every store.
fn sale_scope(caller: &Principal, query: SaleQuery) -> Result<SaleScope, ApiError> {
    Ok(match query.store_id {
        Some(store) => SaleScope::Store(Some(store)),
        None => match caller.store_for_write(None)? {
            Some(own) => SaleScope::Store(Some(own)),
            None => SaleScope::AnyStore,
        },
    })
}

/// Report a sale after a fitting. A retry with the same `sale_id` (or `Idempotency-Key`) and
/// the same body returns the stored sale (200) instead of creating another; the same key with
/// a different body is a 409.
#[utoipa::path(post, path = "/v1/outcomes", tag = "outcomes", request_body = SaleReport,
    params(("Idempotency-Key" = Option<String>, Header, description = "Used as the sale id when the body has none")),
    responses((status = 201, body = Outcome), (status = 200, description = "A retry: the sale as first stored", body = Outcome),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_outcome(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<SaleReport>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordOutcome)?;
    let mut report = body.0;
    report.store_id = caller.store_for_write(report.store_id)?;
    // Staff may only attach sales to their own store's fittings.
    if let (Some(fitting_id), Some(_)) = (report.fitting_id, caller.store.as_ref()) {
        super::fittings::visible_fitting(&state, &caller, crate::fitting::FittingId(fitting_id))
            .await
            .map_err(|_| FieldError::new("fitting_id", format!("no fitting with id '{fitting_id}'")))?;
    }
    let key = idempotency_key(&req)?.map(|k| format!("{}-{k}", caller.key_id));
    let recorded = state.outcomes.record(report, key).await?;
    let recorded = crate::outcomes::Recorded { outcome: visible(&caller, recorded.outcome)?, created: recorded.created };
    if recorded.created {
        state.metrics.outcomes_recorded.inc();
    }
    let mut resp = if recorded.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(resp
        .insert_header((header::LOCATION, sale_location(&recorded.outcome)))
        .json(recorded.outcome))
}

/// The sale's address, naming its store: sale ids are unique within a store.
fn sale_location(outcome: &Outcome) -> String {
    let path = format!("/v1/outcomes/{}", super::path_segment(&outcome.sale_id));
    match &outcome.store_id {
        Some(store) => format!("{path}?store_id={}", super::path_segment(store)),
        None => path,
    }
}

/// Read a sale's outcome, with the training label it gives today.
#[utoipa::path(get, path = "/v1/outcomes/{sale_id}", tag = "outcomes",
    params(("sale_id" = String, Path, description = "POS sale id"), SaleQuery),
    responses((status = 200, body = Outcome), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Several stores use this sale id: name one with `store_id` (`sale_ambiguous`)")))]
pub async fn get_outcome(
    caller: Caller,
    state: web::Data<AppState>,
    sale_id: web::Path<String>,
    query: web::Query<SaleQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadOutcome)?;
    let scope = sale_scope(&caller, query.into_inner())?;
    Ok(HttpResponse::Ok().json(visible(&caller, state.outcomes.get(scope, sale_id.into_inner()).await?)?))
}

/// Attach a return or a follow-up (satisfaction, pain) to a sale.
#[utoipa::path(patch, path = "/v1/outcomes/{sale_id}", tag = "outcomes", request_body = SaleUpdate,
    params(("sale_id" = String, Path, description = "POS sale id"), SaleQuery),
    responses((status = 200, body = Outcome), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Several stores use this sale id: name one with `store_id` (`sale_ambiguous`)"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_outcome(
    caller: Caller,
    state: web::Data<AppState>,
    sale_id: web::Path<String>,
    query: web::Query<SaleQuery>,
    body: Json<SaleUpdate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordOutcome)?;
    let scope = sale_scope(&caller, query.into_inner())?;
    visible(&caller, state.outcomes.get(scope.clone(), sale_id.clone()).await?)?;
    Ok(HttpResponse::Ok().json(state.outcomes.update(scope, sale_id.into_inner(), body.0).await?))
}

/// Upload an outcome history (CSV or Parquet, sent as the raw body). All or nothing: one bad
/// row rejects the file and the answer lists every rejected row. Sales already stored are updated.
#[utoipa::path(post, path = "/v1/outcomes/import", tag = "outcomes",
    request_body(content = String, description = "CSV (text/csv) or Parquet (application/vnd.apache.parquet) file", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_outcome_file(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ImportOutcomes)?;
    use futures_util::StreamExt;
    let limit = req.app_data::<ImportLimit>().map_or(DEFAULT_MAX_IMPORT_BYTES, |l| l.0);
    let mut bytes = web::BytesMut::new();
    // A large file may take longer than a JSON body, but not forever: each client timeout
    // period must bring at least another MiB, so a trickling upload is cut with 408.
    let timeout = super::extract::BodyTimeout::of(&req);
    let started = tokio::time::Instant::now();
    loop {
        let deadline = started + timeout * (1 + (bytes.len() / (1024 * 1024)) as u32);
        let Some(chunk) =
            tokio::time::timeout_at(deadline, payload.next()).await.map_err(|_| ApiError::RequestTimeout(timeout.as_secs()))?
        else {
            break;
        };
        let chunk = chunk.map_err(|e| ApiError::MalformedJson { detail: format!("upload interrupted: {e}") })?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(FieldError::new("body", "the file is empty").into());
    }
    let report = state.outcomes.import(bytes.to_vec()).await?;
    state.metrics.outcomes_imported.inc_by((report.inserted + report.updated) as u64);
    Ok(HttpResponse::Ok().json(report))
}
