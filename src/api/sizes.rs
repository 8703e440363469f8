//! Sizes: each model's fit against its brand's size chart as the last training learned it,
//! and the brand charts themselves.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::codes::ErrorCode;
use super::error::{ApiError, Problem};
use super::extract::Caller;
use super::AppState;
use crate::auth::Action;
use crate::sizing::chart::ChartKind;
use crate::sizing::service::LearnedOffset;
use crate::sizing::SizeCharts;

#[derive(OpenApi)]
#[openapi(
    paths(list_size_offsets, get_size_offset, get_size_chart),
    components(schemas(LearnedOffset, SizeChartView, SizeChartRow, ChartKind))
)]
pub struct SizesApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/size-offsets").route(web::get().to(list_size_offsets)))
        .service(web::resource("/v1/size-offsets/{shoe_id}").route(web::get().to(get_size_offset)))
        .service(web::resource("/v1/size-charts/{brand}").route(web::get().to(get_size_chart)));
}

/// Every model's learned size offset (models without sized records are absent): how much
/// longer or shorter than its brand's chart it fits, shrunk toward the brand's offset when
/// it has few records. Retrained with the ranking model.
#[utoipa::path(get, path = "/v1/size-offsets", tag = "sizes", responses((status = 200, body = Vec<LearnedOffset>)))]
pub async fn list_size_offsets(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    Ok(HttpResponse::Ok().json(state.sizing.learned().await?))
}

/// One model's learned size offset; 404 until a training run has learned one for it.
#[utoipa::path(get, path = "/v1/size-offsets/{shoe_id}", tag = "sizes", params(("shoe_id" = String, Path, description = "Catalogue shoe id")),
    responses((status = 200, body = LearnedOffset), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_size_offset(
    caller: Caller,
    state: web::Data<AppState>,
    shoe_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let id = shoe_id.into_inner();
    let found = state
        .sizing
        .learned()
        .await?
        .into_iter()
        .find(|o| o.shoe_id == id);
    match found {
        Some(o) => Ok(HttpResponse::Ok().json(o)),
        None => Err(ApiError::Rejected(
            ErrorCode::SizeOffsetNotFound,
            format!(
                "no learned size offset for '{id}' (not in the catalogue, or no sized records yet)"
            ),
        )),
    }
}

/// One row of a brand's published chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct SizeChartRow {
    pub foot_length_mm: f64,
    pub us: f64,
    pub uk: f64,
    pub eu: f64,
}

/// A brand's size chart: foot length against its labels, men's and women's tables.
#[derive(Debug, Serialize, ToSchema)]
pub struct SizeChartView {
    pub brand: String,
    pub men: Vec<SizeChartRow>,
    pub women: Vec<SizeChartRow>,
}

/// A brand's size chart as bundled (sources in data/SOURCES.md); 404 for a brand without one.
#[utoipa::path(get, path = "/v1/size-charts/{brand}", tag = "sizes", params(("brand" = String, Path, description = "Brand name, any case")),
    responses((status = 200, body = SizeChartView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_size_chart(
    caller: Caller,
    brand: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadCatalogue)?;
    let Some(chart) = SizeCharts::bundled().brand(&brand) else {
        return Err(ApiError::Rejected(
            ErrorCode::SizeChartNotFound,
            format!("no size chart for brand '{brand}'"),
        ));
    };
    let rows = |kind| {
        chart
            .table(kind)
            .iter()
            .map(|r| SizeChartRow {
                foot_length_mm: r.foot_mm,
                us: r.us,
                uk: r.uk,
                eu: r.eu,
            })
            .collect()
    };
    Ok(HttpResponse::Ok().json(SizeChartView {
        brand: chart.brand.clone(),
        men: rows(ChartKind::Men),
        women: rows(ChartKind::Women),
    }))
}
