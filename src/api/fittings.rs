//! Fitting sessions: store one, read it back.

use actix_web::{http::header, web, HttpResponse};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::Json;
use super::AppState;
use crate::fitting::{Fitting, FittingId, StoredFitting};

#[derive(OpenApi)]
#[openapi(paths(create_fitting, get_fitting), components(schemas(FittingResource)))]
pub struct FittingsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/fittings").route(web::post().to(create_fitting)))
        .service(web::resource("/v1/fittings/{id}").route(web::get().to(get_fitting)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FittingResource {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub fitting: Fitting,
}

impl From<StoredFitting> for FittingResource {
    fn from(s: StoredFitting) -> Self {
        Self { id: s.id.0, created_at: s.created_at, fitting: s.fitting }
    }
}

/// Parses a fitting id from the path; a malformed id cannot exist, so it is a 404.
pub fn parse_fitting_id(raw: &str) -> Result<FittingId, ApiError> {
    uuid::Uuid::parse_str(raw).map(FittingId).map_err(|_| ApiError::NotFound(format!("no fitting with id '{raw}'")))
}

/// Store a fitting session (profile, health, gait, wear).
#[utoipa::path(post, path = "/v1/fittings", tag = "fittings", request_body = Fitting,
    responses((status = 201, body = FittingResource),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_fitting(state: web::Data<AppState>, body: Json<Fitting>) -> Result<HttpResponse, ApiError> {
    let stored = state.fittings.create(body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/fittings/{}", stored.id)))
        .json(FittingResource::from(stored)))
}

/// Read a stored fitting session.
#[utoipa::path(get, path = "/v1/fittings/{id}", tag = "fittings", params(("id" = String, Path, description = "Fitting id (UUID)")),
    responses((status = 200, body = FittingResource), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_fitting(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_fitting_id(&id)?;
    Ok(HttpResponse::Ok().json(FittingResource::from(state.fittings.get(id).await?)))
}
