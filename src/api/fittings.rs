//! Fitting sessions: store one, read it back, record the shoes tried on.

use actix_web::{http::header, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::error::{ApiError, ErrorCode, Problem};
use super::extract::{Caller, Json};
use super::AppState;
use crate::auth::{Action, Principal};
use crate::fitting::history::{PastFitting, PastPurchase};
use crate::fitting::{CustomerRef, ErasureReport, FieldError, Fitting, FittingId, StoredFitting};
use crate::outcomes::{FitObservation, TryOn, TryOnSet};

#[derive(OpenApi)]
#[openapi(
    paths(create_fitting, list_fittings, get_fitting, put_try_ons, get_try_ons, erase_customer),
    components(schemas(FittingResource, FittingHistoryPage, PastFitting, PastPurchase, ErasureReport, TryOnSet, TryOn, FitObservation))
)]
pub struct FittingsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/fittings").route(web::post().to(create_fitting)).route(web::get().to(list_fittings)))
        .service(web::resource("/v1/fittings/{id}").route(web::get().to(get_fitting)))
        .service(
            web::resource("/v1/fittings/{id}/try-ons").route(web::put().to(put_try_ons)).route(web::get().to(get_try_ons)),
        )
        .service(web::resource("/v1/customers/{customer_ref}").route(web::delete().to(erase_customer)));
}

/// The `Idempotency-Key` header, when sent.
pub fn idempotency_key(req: &actix_web::HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().map_err(|_| FieldError::new("Idempotency-Key", "must be ASCII"))?;
            if key.is_empty() || key.len() > 100 {
                return Err(FieldError::new("Idempotency-Key", "must be 1-100 characters").into());
            }
            Ok(Some(key.to_owned()))
        }
    }
}

/// Reads a fitting the caller may see; another store's fitting is a 404, as if it did not exist.
pub async fn visible_fitting(state: &AppState, caller: &Principal, id: FittingId) -> Result<StoredFitting, ApiError> {
    let stored = state.fittings.get(id).await?;
    if caller.can_see_store(stored.fitting.store_id.as_ref().map(|s| s.as_str())) {
        Ok(stored)
    } else {
        Err(ApiError::Rejected(ErrorCode::FittingNotFound, format!("no fitting with id '{id}'")))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FittingResource {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub fitting: Fitting,
}

impl From<StoredFitting> for FittingResource {
    fn from(s: StoredFitting) -> Self {
        Self { id: s.id.0, created_at: s.created_at, fitting: s.fitting }
    }
}

/// A runner's fittings the caller may see (another store's are left out), newest first,
/// each with the pairs bought after it.
pub async fn visible_history(state: &AppState, caller: &Caller, customer: CustomerRef) -> Result<Vec<PastFitting>, ApiError> {
    let catalogue = state.catalogue.snapshot();
    let principal = caller.0.clone();
    Ok(state.fittings.history(customer, catalogue, move |store| principal.can_see_store(store)).await?)
}

/// Parses a fitting id from the path; a malformed id cannot exist, so it is a 404.
pub fn parse_fitting_id(raw: &str) -> Result<FittingId, ApiError> {
    uuid::Uuid::parse_str(raw).map(FittingId).map_err(|_| ApiError::Rejected(ErrorCode::FittingNotFound, format!("no fitting with id '{raw}'")))
}

/// Store a fitting session (profile, health, gait, wear). With an `Idempotency-Key`, a retry
/// with the same body returns the first fitting and a reuse with another body is a 409.
/// Staff keys store fittings for their own store.
#[utoipa::path(post, path = "/v1/fittings", tag = "fittings", request_body = Fitting,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = FittingResource),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_fitting(
    caller: Caller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: Json<Fitting>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::CreateFitting)?;
    let mut fitting = body.0;
    fitting.store_id = caller.store_for_write(fitting.store_id)?;
    crate::recommendation::check_worn_shoe(&fitting, &state.catalogue.snapshot())?;
    let idempotency = idempotency_key(&req)?.map(|key| (caller.key_id.clone(), key));
    let (stored, _replayed) = state.fittings.create_idempotent(fitting, idempotency).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/fittings/{}", stored.id)))
        .json(FittingResource::from(stored)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FittingQuery {
    /// The runner's pseudonymous customer reference.
    customer_ref: String,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// Items to skip, 0-1000000 (default 0).
    #[param(minimum = 0, maximum = 1_000_000)]
    offset: Option<u32>,
}

/// A returning runner's fittings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FittingHistoryPage {
    pub customer_ref: String,
    pub items: Vec<PastFitting>,
    /// Fittings of this runner the caller may see, before paging.
    pub total: usize,
    pub limit: u32,
    pub offset: u32,
}

/// Look up a returning runner: their earlier fittings, newest first, each with the shoes
/// bought after it, whether they were kept and how the runner rated them. Staff keys see
/// their own store's fittings only.
#[utoipa::path(get, path = "/v1/fittings", tag = "fittings", params(FittingQuery),
    responses((status = 200, body = FittingHistoryPage), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_fittings(caller: Caller, state: web::Data<AppState>, q: web::Query<FittingQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadFitting)?;
    let q = q.into_inner();
    let page = super::PageQuery::new(q.limit, q.offset)?;
    let customer = CustomerRef::parse(&q.customer_ref).map_err(|reason| FieldError::new("customer_ref", reason))?;
    let history = visible_history(&state, &caller, customer).await?;
    let p = page.apply(history.iter());
    Ok(HttpResponse::Ok().json(FittingHistoryPage {
        customer_ref: q.customer_ref,
        items: p.items,
        total: p.total,
        limit: p.limit,
        offset: p.offset,
    }))
}

/// Read a stored fitting session.
#[utoipa::path(get, path = "/v1/fittings/{id}", tag = "fittings", params(("id" = String, Path, description = "Fitting id (UUID)")),
    responses((status = 200, body = FittingResource), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_fitting(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadFitting)?;
    let id = parse_fitting_id(&id)?;
    Ok(HttpResponse::Ok().json(FittingResource::from(visible_fitting(&state, &caller, id).await?)))
}

/// Record the shoes a runner tried on in this fitting, in the order tried, with the size,
/// the runner's comfort (1-5) and the fitter's observations. The set replaces any recorded
/// before, so sending it again changes nothing. Bought against tried-and-put-back is what
/// the ranking model learns from. Staff keys write their own store's fittings only.
#[utoipa::path(put, path = "/v1/fittings/{id}/try-ons", tag = "fittings", request_body = TryOnSet,
    params(("id" = String, Path, description = "Fitting id (UUID)")),
    responses((status = 200, body = TryOnSet, description = "The stored set"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such fitting (or another store's)"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Unknown or repeated shoe, or a value out of range")))]
pub async fn put_try_ons(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<TryOnSet>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::CreateFitting)?;
    let id = parse_fitting_id(&id)?;
    visible_fitting(&state, &caller, id).await?;
    state.outcomes.record_try_ons(id, &body.0).await?;
    Ok(HttpResponse::Ok().json(body.0))
}

/// The shoes tried on in this fitting, in the order tried.
#[utoipa::path(get, path = "/v1/fittings/{id}/try-ons", tag = "fittings",
    params(("id" = String, Path, description = "Fitting id (UUID)")),
    responses((status = 200, body = TryOnSet, description = "The recorded set (empty when none)"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such fitting (or another store's)")))]
pub async fn get_try_ons(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadFitting)?;
    let id = parse_fitting_id(&id)?;
    visible_fitting(&state, &caller, id).await?;
    Ok(HttpResponse::Ok().json(state.outcomes.try_ons(id).await?))
}

/// Erase a runner: deletes every fitting with this customer reference; their outcomes are
/// kept for training, detached from the customer (see README, Privacy).
#[utoipa::path(delete, path = "/v1/customers/{customer_ref}", tag = "fittings",
    params(("customer_ref" = String, Path, description = "Pseudonymous customer reference")),
    responses((status = 200, body = ErasureReport), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn erase_customer(caller: Caller, state: web::Data<AppState>, customer: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::EraseCustomer)?;
    let customer = CustomerRef::parse(&customer).map_err(ApiError::InvalidPath)?;
    Ok(HttpResponse::Ok().json(state.fittings.erase_customer(customer).await?))
}
