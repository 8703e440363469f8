//! Recommendations: ranked, explained shoes for a stored or inline fitting, with the
//! clinician referral and training advice.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{Caller, Json};
use super::fittings::{parse_fitting_id, visible_fitting};
use crate::auth::{Action, AuthError};
use super::AppState;
use crate::catalogue::{Cushioning, Support, Terrain, Width};
use crate::fitting::{FieldError, Fitting, StoreId};
use crate::ranking::RankedShoe;
use crate::recommendation::{Recommendation, RecommendationOptions};
use crate::referral::{Referral, ReferralLevel, ReferralReason};

#[derive(OpenApi)]
#[openapi(
    paths(create_recommendation),
    components(schemas(RecommendationRequest, RecommendationResponse, ShoeRecommendation, InsoleSuggestion, Referral, ReferralLevel, ReferralReason))
)]
pub struct RecommendationsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/recommendations").route(web::post().to(create_recommendation)));
}

/// Either `fitting_id` of a stored fitting or an inline `fitting`, plus options.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "fitting": crate::fitting::examples::web_fitting(),
    "top_k": 3,
    "max_price_usd": 160.0
}))]
pub struct RecommendationRequest {
    /// A fitting stored with `POST /v1/fittings`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub fitting_id: Option<String>,
    /// A fitting sent inline (not stored).
    #[serde(default, deserialize_with = "present")]
    pub fitting: Option<Fitting>,
    /// How many shoes to return, 1-50 (default 5).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    pub top_k: Option<usize>,
    /// Only shoes in stock at this store.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub store_id: Option<StoreId>,
    /// Only shoes made for this terrain (hybrids count for both).
    #[serde(default)]
    pub terrain: Option<Terrain>,
    /// Only shoes with a known price at or under this.
    #[serde(default)]
    pub max_price_usd: Option<f64>,
    /// Only shoes made in this width.
    #[serde(default)]
    pub width: Option<Width>,
}

/// An optional field that, when sent, must not be null: `fitting` and `fitting_id` are
/// "exactly one of", and a null beside the other one would make that ambiguous.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsoleSuggestion {
    pub insole_id: String,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShoeRecommendation {
    pub rank: usize,
    pub shoe_id: String,
    pub name: String,
    /// Fit score, 0-1, from the model named in `model_version`.
    pub score: f64,
    pub price_usd: Option<f64>,
    pub support: Support,
    pub cushioning: Cushioning,
    pub drop_mm: Option<f64>,
    /// Why it suits, in plain words, strongest first.
    pub reasons: Vec<String>,
    /// What to watch for.
    pub cautions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insole: Option<InsoleSuggestion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationResponse {
    /// Version of the model that ranked the shoes.
    pub model_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub fitting_id: Option<uuid::Uuid>,
    /// Shoes that passed the filters and were scored.
    pub candidates: usize,
    pub shoes: Vec<ShoeRecommendation>,
    pub referral: Referral,
    pub advice: Vec<String>,
}

fn shoe_view(rank: usize, r: RankedShoe) -> ShoeRecommendation {
    ShoeRecommendation {
        rank,
        name: r.shoe.display_name(),
        score: (r.score * 1000.0).round() / 1000.0,
        price_usd: r.shoe.price_usd,
        support: r.shoe.support,
        cushioning: r.shoe.cushioning,
        drop_mm: r.shoe.drop_mm,
        shoe_id: r.shoe.id,
        reasons: r.explanation.reasons,
        cautions: r.explanation.cautions,
        insole: r.insole.map(|p| InsoleSuggestion { name: p.insole.display_name(), insole_id: p.insole.id, reason: p.reason }),
    }
}

impl RecommendationResponse {
    fn new(fitting_id: Option<uuid::Uuid>, rec: Recommendation) -> Self {
        Self {
            model_version: rec.model_version,
            fitting_id,
            candidates: rec.candidates,
            shoes: rec.shoes.into_iter().enumerate().map(|(i, s)| shoe_view(i + 1, s)).collect(),
            referral: rec.referral,
            advice: rec.advice,
        }
    }
}

/// Rank shoes for a runner, explain each, pair insoles where a signal supports it, and flag
/// when the runner should see a clinician.
#[utoipa::path(post, path = "/v1/recommendations", tag = "recommendations", request_body = RecommendationRequest,
    responses((status = 200, body = RecommendationResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_recommendation(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<RecommendationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Recommend)?;
    let req = body.0;
    // In-stock filtering reveals a store's shelves: only for keys of that store (see README).
    if let Some(store) = &req.store_id {
        if !caller.may_filter_by_stock_of(store.as_str()) {
            return Err(AuthError::OtherStore.into());
        }
    }
    let (fitting_id, fitting) = match (req.fitting_id, req.fitting) {
        (Some(id), None) => {
            caller.require(Action::ReadFitting)?;
            let id = parse_fitting_id(&id)?;
            (Some(id.0), visible_fitting(&state, &caller, id).await?.fitting)
        }
        (None, Some(fitting)) => {
            fitting.validate()?;
            (None, fitting)
        }
        _ => return Err(FieldError::new("fitting", "send exactly one of fitting_id or fitting").into()),
    };
    let options = RecommendationOptions {
        top_k: req.top_k,
        store_id: req.store_id,
        terrain: req.terrain,
        max_price_usd: req.max_price_usd,
        width: req.width,
    };
    let rec = state.recommendations.recommend(&fitting, options).await?;
    state.metrics.recommendations.inc();
    state.metrics.referrals.with_label_values(&[rec.referral.level.as_str()]).inc();
    Ok(HttpResponse::Ok().json(RecommendationResponse::new(fitting_id, rec)))
}
