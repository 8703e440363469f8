//! Stock per store: what a shop has on its shelves, so recommendations can stay in stock.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{Caller, Json};
use crate::auth::{Action, AuthError};
use super::AppState;
use crate::fitting::{FieldError, StoreId};

#[derive(OpenApi)]
#[openapi(paths(get_stock, set_stock), components(schemas(StockList, StockItem, StockUpdate, StockQuantity)))]
pub struct StockApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/stores/{store_id}/stock").route(web::get().to(get_stock)).route(web::put().to(set_stock)),
    );
}

/// Most items one update may carry.
pub const MAX_STOCK_ITEMS: usize = 20_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct StockItem {
    pub shoe_id: String,
    pub quantity: i32,
    pub updated_at: String,
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
    /// Pairs on hand, 0 or more.
    #[schema(example = 4)]
    pub quantity: i32,
}

/// Quantities to set; shoes not listed keep their current quantity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"shoe_id": "brooks-ghost-16", "quantity": 4}, {"shoe_id": "hoka-clifton-10", "quantity": 0}]}))]
pub struct StockUpdate {
    pub items: Vec<StockQuantity>,
}

fn store_id(raw: &str) -> Result<StoreId, ApiError> {
    StoreId::parse(raw).map_err(ApiError::InvalidPath)
}

async fn stock_list(state: &AppState, store: StoreId) -> Result<StockList, ApiError> {
    let rows = state.catalogue.stock(store.clone()).await?;
    Ok(StockList {
        store_id: store.to_string(),
        items: rows
            .into_iter()
            .map(|r| StockItem { shoe_id: r.shoe_id, quantity: r.quantity, updated_at: r.updated_at })
            .collect(),
    })
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

/// Set quantities for some shoes at a store. All or nothing: one unknown shoe rejects the update.
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
    let pairs = items.into_iter().map(|i| (i.shoe_id, i.quantity)).collect();
    state.catalogue.set_stock(store.clone(), pairs).await?;
    Ok(HttpResponse::Ok().json(stock_list(&state, store).await?))
}
