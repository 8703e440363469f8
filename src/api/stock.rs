//! Stock per store: what a shop has on its shelves, so recommendations can stay in stock.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{Caller, Json};
use crate::auth::{Action, AuthError};
use super::AppState;
use crate::catalogue::service::StockSetting;
use crate::fitting::{FieldError, StoreId};
use crate::sizing::{eu_canonical, eu_sixths, SizeCharts, SizeLabels};

#[derive(OpenApi)]
#[openapi(
    paths(get_stock, set_stock, get_insole_stock, set_insole_stock),
    components(schemas(StockList, StockItem, StockUpdate, StockQuantity, SizeQuantity, SizeStock, InsoleStockList, InsoleStockItem, InsoleStockUpdate, InsoleQuantity))
)]
pub struct StockApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/stores/{store_id}/stock").route(web::get().to(get_stock)).route(web::put().to(set_stock)),
    )
    .service(
        web::resource("/v1/stores/{store_id}/insole-stock")
            .route(web::get().to(get_insole_stock))
            .route(web::put().to(set_insole_stock)),
    );
}

/// Most items one update may carry.
pub const MAX_STOCK_ITEMS: usize = 20_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct StockItem {
    pub shoe_id: String,
    /// Pairs in all sizes.
    pub quantity: i32,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Pairs per size, when the store gave sizes: EU as stocked, with the brand's UK and US
    /// labels converted through its size chart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Vec<SizeStock>>,
}

/// Pairs of one size of a shoe at a store.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"size_eu": 42.5, "uk": 8.0, "us_men": 9.0, "us_women": 10.5, "quantity": 2}))]
pub struct SizeStock {
    /// EU size as stocked (42.67 is 42⅔).
    pub size_eu: f64,
    pub uk: Option<f64>,
    pub us_men: Option<f64>,
    pub us_women: Option<f64>,
    pub quantity: i32,
}

/// Pairs of one EU size.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"size_eu": 42.5, "quantity": 2}))]
pub struct SizeQuantity {
    /// EU size, 28-52, in halves (42.5) or thirds (42.67 for 42⅔).
    #[schema(minimum = 28, maximum = 52)]
    pub size_eu: f64,
    /// Pairs on hand in this size, 0 or more.
    #[schema(minimum = 0, maximum = 100000)]
    pub quantity: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockList {
    pub store_id: String,
    pub items: Vec<StockItem>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockQuantity {
    #[schema(example = "brooks-ghost-16")]
    pub shoe_id: String,
    /// Pairs on hand, 0 or more. Required without `sizes`; with them, optional and, when
    /// sent, must equal their sum.
    #[serde(default)]
    #[schema(example = 4, minimum = 0, maximum = 100000)]
    pub quantity: Option<i32>,
    /// Pairs per EU size (each size once). Setting a shoe without `sizes` clears its
    /// size breakdown, so totals and sizes never disagree.
    #[serde(default)]
    pub sizes: Option<Vec<SizeQuantity>>,
}

/// Quantities to set; shoes not listed keep their current quantity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"shoe_id": "brooks-ghost-16", "sizes": [{"size_eu": 42.5, "quantity": 2}, {"size_eu": 43.0, "quantity": 1}]},
    {"shoe_id": "hoka-clifton-10", "quantity": 0}
]}))]
pub struct StockUpdate {
    pub items: Vec<StockQuantity>,
}

fn store_id(raw: &str) -> Result<StoreId, ApiError> {
    StoreId::parse(raw).map_err(ApiError::InvalidPath)
}

async fn stock_list(state: &AppState, store: StoreId) -> Result<StockList, ApiError> {
    let rows = state.catalogue.stock(store.clone()).await?;
    let mut sizes = state.catalogue.stock_sizes(store.clone()).await?;
    let catalogue = state.catalogue.snapshot();
    let charts = SizeCharts::bundled();
    Ok(StockList {
        store_id: store.to_string(),
        items: rows
            .into_iter()
            .map(|r| {
                let chart = catalogue.shoe(&r.shoe_id).and_then(|s| charts.brand(&s.brand));
                let sizes = sizes.remove(&r.shoe_id).map(|by_size| {
                    by_size
                        .into_iter()
                        .map(|(eu, quantity)| {
                            let l = SizeLabels::of_eu(chart, eu);
                            SizeStock { size_eu: l.eu, uk: l.uk, us_men: l.us_men, us_women: l.us_women, quantity }
                        })
                        .collect()
                });
                StockItem { shoe_id: r.shoe_id, quantity: r.quantity, updated_at: r.updated_at.0, sizes }
            })
            .collect(),
    })
}

/// An EU size a shop can stock: 28-52 in halves or thirds.
fn check_eu_size(size: f64, field: &str) -> Result<f64, FieldError> {
    let sixths = eu_sixths(size);
    let on_grid = (f64::from(sixths) / 6.0 - size).abs() < 0.01 && (sixths % 2 == 0 || sixths % 3 == 0);
    if !(size.is_finite() && (28.0..=52.0).contains(&size) && on_grid) {
        return Err(FieldError::new(field, "must be an EU size from 28 to 52 in halves (42.5) or thirds (42.67)"));
    }
    Ok(eu_canonical(size))
}

/// An item as the service sets it: the total and, when given, the pairs per size.
fn stock_setting(i: usize, item: StockQuantity) -> Result<StockSetting, FieldError> {
    let Some(sizes) = item.sizes else {
        let quantity = item.quantity.ok_or_else(|| FieldError::new(format!("items[{i}].quantity"), "is required without sizes"))?;
        return Ok(StockSetting { shoe_id: item.shoe_id, quantity, sizes: None });
    };
    let mut seen = std::collections::HashSet::new();
    let mut by_size = Vec::with_capacity(sizes.len());
    for (j, s) in sizes.iter().enumerate() {
        let eu = check_eu_size(s.size_eu, &format!("items[{i}].sizes[{j}].size_eu"))?;
        if !seen.insert(eu_sixths(eu)) {
            return Err(FieldError::new(format!("items[{i}].sizes[{j}].size_eu"), "is listed twice"));
        }
        if !(0..=100_000).contains(&s.quantity) {
            return Err(FieldError::new(format!("items[{i}].sizes[{j}].quantity"), "must be between 0 and 100000"));
        }
        by_size.push((eu, s.quantity));
    }
    let total: i32 = by_size.iter().map(|(_, q)| q).sum();
    if item.quantity.is_some_and(|q| q != total) {
        return Err(FieldError::new(format!("items[{i}].quantity"), format!("must equal the sum of sizes ({total}) or be left out")));
    }
    Ok(StockSetting { shoe_id: item.shoe_id, quantity: total, sizes: Some(by_size) })
}

/// A store's stock, one row per shoe it has ever stocked.
#[utoipa::path(get, path = "/v1/stores/{store_id}/stock", tag = "stock", params(("store_id" = String, Path, description = "Store id")),
    responses((status = 200, body = StockList), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn get_stock(caller: Caller, state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadStock)?;
    let store = store_id(&path)?;
    if !caller.can_see_store(Some(store.as_str())) {
        return Err(AuthError::OtherStore.into());
    }
    Ok(HttpResponse::Ok().json(stock_list(&state, store).await?))
}

/// Set quantities for some shoes at a store, in total or per EU size. All or nothing: one
/// unknown shoe or bad size rejects the update.
#[utoipa::path(put, path = "/v1/stores/{store_id}/stock", tag = "stock", request_body = StockUpdate,
    params(("store_id" = String, Path, description = "Store id")),
    responses((status = 200, body = StockList), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_stock(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<StockUpdate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteStock)?;
    let store = store_id(&path)?;
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_STOCK_ITEMS {
        return Err(FieldError::new("items", format!("must list 1 to {MAX_STOCK_ITEMS} shoes")).into());
    }
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item.shoe_id.as_str()) {
            return Err(FieldError::new(format!("items[{i}].shoe_id"), "is listed twice").into());
        }
    }
    let settings = items.into_iter().enumerate().map(|(i, item)| stock_setting(i, item)).collect::<Result<Vec<_>, _>>()?;
    state.catalogue.set_stock(store.clone(), settings).await?;
    Ok(HttpResponse::Ok().json(stock_list(&state, store).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsoleStockItem {
    pub insole_id: String,
    pub quantity: i32,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsoleStockList {
    pub store_id: String,
    pub items: Vec<InsoleStockItem>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsoleQuantity {
    #[schema(example = "superfeet-run-support-medium-arch")]
    pub insole_id: String,
    /// Pairs on hand, 0 or more.
    #[schema(example = 3, minimum = 0, maximum = 100000)]
    pub quantity: i32,
}

/// Insole quantities to set; insoles not listed keep theirs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"insole_id": "superfeet-run-support-medium-arch", "quantity": 3}]}))]
pub struct InsoleStockUpdate {
    pub items: Vec<InsoleQuantity>,
}

async fn insole_stock_list(state: &AppState, store: StoreId) -> Result<InsoleStockList, ApiError> {
    let rows = state.catalogue.insole_stock(store.clone()).await?;
    Ok(InsoleStockList {
        store_id: store.to_string(),
        items: rows
            .into_iter()
            .map(|r| InsoleStockItem { insole_id: r.insole_id, quantity: r.quantity, updated_at: r.updated_at.0 })
            .collect(),
    })
}

/// A store's insoles, one row per insole it has ever stocked.
#[utoipa::path(get, path = "/v1/stores/{store_id}/insole-stock", tag = "stock", params(("store_id" = String, Path, description = "Store id")),
    responses((status = 200, body = InsoleStockList), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn get_insole_stock(caller: Caller, state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadStock)?;
    let store = store_id(&path)?;
    if !caller.can_see_store(Some(store.as_str())) {
        return Err(AuthError::OtherStore.into());
    }
    Ok(HttpResponse::Ok().json(insole_stock_list(&state, store).await?))
}

/// Set insole quantities at a store. All or nothing: one unknown insole rejects the update.
#[utoipa::path(put, path = "/v1/stores/{store_id}/insole-stock", tag = "stock", request_body = InsoleStockUpdate,
    params(("store_id" = String, Path, description = "Store id")),
    responses((status = 200, body = InsoleStockList), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_insole_stock(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<InsoleStockUpdate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::WriteStock)?;
    let store = store_id(&path)?;
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_STOCK_ITEMS {
        return Err(FieldError::new("items", format!("must list 1 to {MAX_STOCK_ITEMS} insoles")).into());
    }
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item.insole_id.as_str()) {
            return Err(FieldError::new(format!("items[{i}].insole_id"), "is listed twice").into());
        }
    }
    let pairs = items.into_iter().map(|i| (i.insole_id, i.quantity)).collect();
    state.catalogue.set_insole_stock(store.clone(), pairs).await?;
    Ok(HttpResponse::Ok().json(insole_stock_list(&state, store).await?))
}
