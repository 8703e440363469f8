//! Catalogue routes: shoes and insoles (list, read, create, replace, delete).

use actix_web::{http::header, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::error::{ApiError, ErrorCode, Problem};
use super::extract::{Caller, Json};
use crate::auth::Action;
use super::{AppState, Page, PageQuery};
use crate::catalogue::{Category, Insole, Shoe, Support, Terrain};

#[derive(OpenApi)]
#[openapi(
    paths(list_shoes, get_shoe, create_shoe, replace_shoe, delete_shoe, list_insoles, get_insole, create_insole, replace_insole, delete_insole),
    components(schemas(Shoe, Insole, ShoePage, InsolePage))
)]
pub struct CatalogueApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/shoes").route(web::get().to(list_shoes)).route(web::post().to(create_shoe)))
        .service(
            web::resource("/v1/shoes/{id}")
                .route(web::get().to(get_shoe))
                .route(web::put().to(replace_shoe))
                .route(web::delete().to(delete_shoe)),
        )
        .service(web::resource("/v1/insoles").route(web::get().to(list_insoles)).route(web::post().to(create_insole)))
        .service(
            web::resource("/v1/insoles/{id}")
                .route(web::get().to(get_insole))
                .route(web::put().to(replace_insole))
                .route(web::delete().to(delete_insole)),
        );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShoeFilter {
    /// Brand, case-insensitive.
    brand: Option<String>,
    support: Option<Support>,
    terrain: Option<Terrain>,
    category: Option<Category>,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// Items to skip, 0-1000000 (default 0).
    #[param(minimum = 0, maximum = 1_000_000)]
    offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShoePage {
    pub items: Vec<Shoe>,
    pub total: usize,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsolePage {
    pub items: Vec<Insole>,
    pub total: usize,
    pub limit: u32,
    pub offset: u32,
}

impl From<Page<Shoe>> for ShoePage {
    fn from(p: Page<Shoe>) -> Self {
        Self { items: p.items, total: p.total, limit: p.limit, offset: p.offset }
    }
}

impl From<Page<Insole>> for InsolePage {
    fn from(p: Page<Insole>) -> Self {
        Self { items: p.items, total: p.total, limit: p.limit, offset: p.offset }
    }
}

/// List shoes in the catalogue, optionally filtered, a page at a time.
#[utoipa::path(get, path = "/v1/shoes", tag = "catalogue", params(ShoeFilter),
    responses((status = 200, body = ShoePage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_shoes(caller: Caller, state: web::Data<AppState>, q: web::Query<ShoeFilter>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let q = q.into_inner();
    let page = PageQuery::new(q.limit, q.offset)?;
    let catalogue = state.catalogue.snapshot();
    let brand = q.brand.map(|b| b.to_lowercase());
    let matching = catalogue.shoes.iter().filter(|s| {
        brand.as_ref().is_none_or(|b| s.brand.to_lowercase() == *b)
            && q.support.is_none_or(|v| s.support == v)
            && q.terrain.is_none_or(|v| s.terrain == v)
            && q.category.is_none_or(|v| s.category == v)
    });
    Ok(HttpResponse::Ok().json(ShoePage::from(page.apply(matching))))
}

/// Read one shoe.
#[utoipa::path(get, path = "/v1/shoes/{id}", tag = "catalogue", params(("id" = String, Path, description = "Shoe id")),
    responses((status = 200, body = Shoe), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_shoe(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let catalogue = state.catalogue.snapshot();
    let shoe = catalogue.shoe(&id).ok_or_else(|| ApiError::Rejected(ErrorCode::ShoeNotFound, format!("no shoe with id '{id}'")))?;
    Ok(HttpResponse::Ok().json(shoe))
}

/// Add a shoe to the catalogue.
#[utoipa::path(post, path = "/v1/shoes", tag = "catalogue", request_body = Shoe,
    responses((status = 201, body = Shoe), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_shoe(caller: Caller, state: web::Data<AppState>, body: Json<Shoe>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    let shoe = state.catalogue.create_shoe(body.0).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/v1/shoes/{}", super::path_segment(&shoe.id)))).json(shoe))
}

fn id_matches_path(body_id: &str, path_id: &str) -> Result<(), ApiError> {
    if body_id == path_id {
        Ok(())
    } else {
        Err(crate::fitting::FieldError::new("id", format!("must match the id in the path ('{path_id}')")).into())
    }
}

/// Replace a shoe's specs.
#[utoipa::path(put, path = "/v1/shoes/{id}", tag = "catalogue", request_body = Shoe, params(("id" = String, Path, description = "Shoe id")),
    responses((status = 200, body = Shoe), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replace_shoe(caller: Caller, state: web::Data<AppState>, id: web::Path<String>, body: Json<Shoe>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    id_matches_path(&body.0.id, &id)?;
    Ok(HttpResponse::Ok().json(state.catalogue.replace_shoe(body.0).await?))
}

/// Remove a shoe (and its stock rows) from the catalogue.
#[utoipa::path(delete, path = "/v1/shoes/{id}", tag = "catalogue", params(("id" = String, Path, description = "Shoe id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_shoe(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    state.catalogue.delete_shoe(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List insoles, a page at a time.
#[utoipa::path(get, path = "/v1/insoles", tag = "catalogue", params(PageQuery),
    responses((status = 200, body = InsolePage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_insoles(caller: Caller, state: web::Data<AppState>, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let page = PageQuery::new(q.limit, q.offset)?;
    let catalogue = state.catalogue.snapshot();
    Ok(HttpResponse::Ok().json(InsolePage::from(page.apply(catalogue.insoles.iter()))))
}

/// Read one insole.
#[utoipa::path(get, path = "/v1/insoles/{id}", tag = "catalogue", params(("id" = String, Path, description = "Insole id")),
    responses((status = 200, body = Insole), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_insole(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let catalogue = state.catalogue.snapshot();
    let insole = catalogue
        .insoles
        .iter()
        .find(|i| i.id == *id)
        .ok_or_else(|| ApiError::Rejected(ErrorCode::InsoleNotFound, format!("no insole with id '{id}'")))?;
    Ok(HttpResponse::Ok().json(insole))
}

/// Add an insole to the catalogue.
#[utoipa::path(post, path = "/v1/insoles", tag = "catalogue", request_body = Insole,
    responses((status = 201, body = Insole), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_insole(caller: Caller, state: web::Data<AppState>, body: Json<Insole>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    let insole = state.catalogue.create_insole(body.0).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/v1/insoles/{}", super::path_segment(&insole.id)))).json(insole))
}

/// Replace an insole's specs.
#[utoipa::path(put, path = "/v1/insoles/{id}", tag = "catalogue", request_body = Insole, params(("id" = String, Path, description = "Insole id")),
    responses((status = 200, body = Insole), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replace_insole(caller: Caller, state: web::Data<AppState>, id: web::Path<String>, body: Json<Insole>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    id_matches_path(&body.0.id, &id)?;
    Ok(HttpResponse::Ok().json(state.catalogue.replace_insole(body.0).await?))
}

/// Remove an insole from the catalogue.
#[utoipa::path(delete, path = "/v1/insoles/{id}", tag = "catalogue", params(("id" = String, Path, description = "Insole id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_insole(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteCatalogue)?;
    state.catalogue.delete_insole(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
