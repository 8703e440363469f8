//! Outcome routes: the POS reports a sale, then a return or follow-up; analysts upload histories.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use utoipa::OpenApi;

use super::error::{ApiError, Problem};
use super::extract::Json;
use super::AppState;
use crate::outcomes::import::{import_outcomes, ImportReport};
use crate::outcomes::{Outcome, ReturnReason, SaleReport, SaleUpdate, Satisfaction};

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

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().map_err(|_| crate::fitting::FieldError::new("Idempotency-Key", "must be ASCII"))?;
            if key.is_empty() || key.len() > 100 {
                return Err(crate::fitting::FieldError::new("Idempotency-Key", "must be 1-100 characters").into());
            }
            Ok(Some(key.to_owned()))
        }
    }
}

/// Report a sale after a fitting. A retry with the same `sale_id` (or `Idempotency-Key`) and
/// the same body returns the stored sale (200) instead of creating another; the same key with
/// a different body is a 409.
#[utoipa::path(post, path = "/v1/outcomes", tag = "outcomes", request_body = SaleReport,
    params(("Idempotency-Key" = Option<String>, Header, description = "Used as the sale id when the body has none")),
    responses((status = 201, body = Outcome), (status = 200, description = "A retry: the sale as first stored", body = Outcome),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_outcome(state: web::Data<AppState>, req: HttpRequest, body: Json<SaleReport>) -> Result<HttpResponse, ApiError> {
    let recorded = state.outcomes.record(body.0, idempotency_key(&req)?).await?;
    if recorded.created {
        state.metrics.outcomes_recorded.inc();
    }
    let mut resp = if recorded.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(resp
        .insert_header((header::LOCATION, format!("/v1/outcomes/{}", recorded.outcome.sale_id)))
        .json(recorded.outcome))
}

/// Read a sale's outcome, with the training label it gives today.
#[utoipa::path(get, path = "/v1/outcomes/{sale_id}", tag = "outcomes", params(("sale_id" = String, Path, description = "POS sale id")),
    responses((status = 200, body = Outcome), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_outcome(state: web::Data<AppState>, sale_id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.outcomes.get(sale_id.into_inner()).await?))
}

/// Attach a return or a follow-up (satisfaction, pain) to a sale.
#[utoipa::path(patch, path = "/v1/outcomes/{sale_id}", tag = "outcomes", request_body = SaleUpdate,
    params(("sale_id" = String, Path, description = "POS sale id")),
    responses((status = 200, body = Outcome), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_outcome(state: web::Data<AppState>, sale_id: web::Path<String>, body: Json<SaleUpdate>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.outcomes.update(sale_id.into_inner(), body.0).await?))
}

/// Upload an outcome history (CSV or Parquet, sent as the raw body). All or nothing: one bad
/// row rejects the file and the answer lists every rejected row. Sales already stored are updated.
#[utoipa::path(post, path = "/v1/outcomes/import", tag = "outcomes",
    request_body(content = String, description = "CSV (text/csv) or Parquet (application/vnd.apache.parquet) file", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_outcome_file(state: web::Data<AppState>, req: HttpRequest, mut payload: web::Payload) -> Result<HttpResponse, ApiError> {
    use futures_util::StreamExt;
    let limit = req.app_data::<ImportLimit>().map_or(DEFAULT_MAX_IMPORT_BYTES, |l| l.0);
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedJson { detail: format!("upload interrupted: {e}") })?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(crate::fitting::FieldError::new("body", "the file is empty").into());
    }
    let db = state.db.clone();
    let catalogue = state.catalogue.snapshot();
    let report = tokio::task::spawn_blocking(move || import_outcomes(&db, &catalogue, &bytes, &|_, _| {}))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("import task failed: {e}")))??;
    state.metrics.outcomes_imported.inc_by((report.inserted + report.updated) as u64);
    Ok(HttpResponse::Ok().json(report))
}
