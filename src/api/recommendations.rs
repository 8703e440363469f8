//! Recommendations: ranked, explained shoes for a stored or inline fitting, with the
//! clinician referral and training advice.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::json_out::JsonOut;
use super::extract::{Caller, Json};
use super::fittings::{parse_fitting_id, visible_fitting};
use crate::auth::{Action, AuthError};
use super::AppState;
use crate::catalogue::{Cushioning, Support, Terrain, Width};
use crate::fitting::history::PastPurchase;
use crate::fitting::{FieldError, Fitting, StoreId};
use crate::ranking::{FilterCounts, RankedShoe, Relaxation};
use crate::recommendation::{Recommendation, RecommendationOptions, ShoeSizing};
use crate::sizing::{SizeAdvice, SizeBasis, SizeLabels, SizeSystem};
use crate::referral::{Referral, ReferralLevel, ReferralReason};

#[derive(OpenApi)]
#[openapi(
    paths(create_recommendation),
    components(schemas(RecommendationRequest, RecommendationResponse, ShoeRecommendation, InsoleSuggestion, FilteredOut, RelaxationSuggestion, ElsewhereSuggestion, Referral, ReferralLevel, ReferralReason, SizeAdvice, SizeLabels, SizeBasis, SizeSystem))
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
    /// List price, when the catalogue has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<f64>,
    /// Pairs at the store, when the request named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_in_stock: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShoeRecommendation {
    /// Position in `shoes`, from 1; 0 for the shoe offered in `elsewhere`.
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
    /// What to watch for: a price over the budget, a change from the worn pair (with how to
    /// ease into it), support the gait does not need.
    pub cautions: Vec<String>,
    /// Facts about the choice, e.g. that an older generation stands in for a newer one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Pairs in stock at the store, all sizes, when the request named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_in_stock: Option<i32>,
    /// The size to try in this model, when the fitting measured the feet or gave a usual size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_advice: Option<SizeAdvice>,
    /// Pairs of the advised size at the store, when the store gives its stock by size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_in_size: Option<i32>,
    /// Pairs of the next size to try at the store, when the store gives its stock by size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_in_next_size: Option<i32>,
    /// When the advised size is out of stock here: whether the next one is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insole: Option<InsoleSuggestion>,
}

/// How many catalogue shoes each filter turned away (a shoe can fail several).
#[derive(Debug, Serialize, ToSchema)]
pub struct FilteredOut {
    /// Not in stock at `store_id`.
    pub stock: usize,
    /// Not made in `width`.
    pub width: usize,
    /// Not made for `terrain`.
    pub terrain: usize,
    /// Over `max_price_usd`, or with no known price.
    pub price: usize,
    /// No longer made (listed only when the store has them in stock).
    pub discontinued: usize,
    /// Of `stock`: shoes the store has, but not in the advised size or the next one.
    pub size: usize,
}

/// A loosening of one filter that would bring shoes in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"filter": "max_price_usd", "shoes": 3, "suggestion": "3 more shoes at up to $135"}))]
pub struct RelaxationSuggestion {
    /// The request field to loosen: `store_id`, `width`, `terrain` or `max_price_usd`.
    pub filter: String,
    /// How many shoes it would add.
    pub shoes: usize,
    pub suggestion: String,
}

/// A better match than the first shoe listed that the store does not have in stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElsewhereSuggestion {
    /// "Order it or check another store", in plain words.
    pub message: String,
    pub shoe: ShoeRecommendation,
    /// Other stores with at least one pair (in the advised size or the next one, where
    /// they give their stock by size).
    pub in_stock_at: Vec<String>,
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
    /// How many shoes each filter turned away.
    pub filtered_out: FilteredOut,
    /// When fewer shoes than asked for came back: the nearest loosenings of the filters
    /// that would bring more in. Empty otherwise.
    pub relaxations: Vec<RelaxationSuggestion>,
    /// Ranked best first: in-budget shoes before over-budget ones, priced before unpriced,
    /// one generation per model line.
    pub shoes: Vec<ShoeRecommendation>,
    /// Why every shoe listed suits, said once; each shoe's `reasons` say what sets it apart.
    pub shared_reasons: Vec<String>,
    /// A better match the store does not have (only with `store_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<ElsewhereSuggestion>,
    pub referral: Referral,
    pub advice: Vec<String>,
}

fn shoe_view(
    rank: usize,
    r: RankedShoe,
    stock: Option<&std::collections::HashMap<String, i32>>,
    sizes: &mut std::collections::HashMap<String, ShoeSizing>,
    insole_stock: Option<&std::collections::HashMap<String, i32>>,
) -> ShoeRecommendation {
    let sizing = sizes.remove(&r.shoe.id).unwrap_or_default();
    ShoeRecommendation {
        size_advice: sizing.advice,
        pairs_in_size: sizing.pairs_in_size,
        pairs_in_next_size: sizing.pairs_in_next_size,
        size_note: sizing.note,
        pairs_in_stock: stock.map(|s| s.get(&r.shoe.id).copied().unwrap_or(0)),
        notes: r.explanation.notes,
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
        insole: r.insole.map(|p| InsoleSuggestion {
            name: p.insole.display_name(),
            price_usd: p.insole.price_usd,
            pairs_in_stock: insole_stock.map(|s| s.get(&p.insole.id).copied().unwrap_or(0)),
            insole_id: p.insole.id,
            reason: p.reason,
        }),
    }
}

fn filtered_out(c: FilterCounts, not_in_size: usize) -> FilteredOut {
    FilteredOut { stock: c.stock, width: c.width, terrain: c.terrain, price: c.price, discontinued: c.discontinued, size: not_in_size }
}

fn relaxation_view(r: Relaxation) -> RelaxationSuggestion {
    RelaxationSuggestion { filter: r.filter.to_owned(), shoes: r.shoes, suggestion: r.suggestion }
}

impl RecommendationResponse {
    fn new(fitting_id: Option<uuid::Uuid>, rec: Recommendation) -> Self {
        let mut sizes = rec.sizes;
        let stock = rec.stock.as_ref();
        let insoles = rec.insole_stock.as_ref();
        Self {
            model_version: rec.model_version,
            fitting_id,
            candidates: rec.candidates,
            filtered_out: filtered_out(rec.removed, rec.not_in_size),
            relaxations: rec.relaxations.into_iter().map(relaxation_view).collect(),
            shared_reasons: rec.shared_reasons,
            shoes: rec.shoes.into_iter().enumerate().map(|(i, s)| shoe_view(i + 1, s, stock, &mut sizes, insoles)).collect(),
            elsewhere: rec.elsewhere.map(|(shoe, stores)| {
                let name = shoe.shoe.display_name();
                let view = shoe_view(0, shoe, stock, &mut sizes, insoles);
                // Said in the runner's size when one is advised and the store has the model,
                // just not in that size.
                let here = match (&view.size_advice, view.pairs_in_stock) {
                    (Some(a), Some(n)) if n > 0 => format!("not in stock here in {} or {}", a.first, a.next),
                    _ => "not in stock here".to_owned(),
                };
                let size = view.size_advice.as_ref().map(|a| format!(" in {}", a.first)).unwrap_or_default();
                ElsewhereSuggestion {
                    message: if stores.is_empty() {
                        format!("{name} fits better but is {here}: order it{size}")
                    } else {
                        format!("{name} fits better but is {here}: order it{size} or check another store")
                    },
                    shoe: view,
                    in_stock_at: stores,
                }
            }),
            referral: rec.referral,
            advice: rec.advice,
        }
    }
}

/// The latest purchase of the worn pair by this runner, from the fittings the caller may see:
/// "last time you kept the Ghost 16 and rated it 5" makes its successor a reason.
async fn worn_pair_outcome(state: &AppState, caller: &Caller, fitting: &Fitting) -> Result<Option<PastPurchase>, ApiError> {
    let (Some(customer), Some(worn)) =
        (fitting.customer_ref.clone(), fitting.wear.as_ref().and_then(|w| w.worn_shoe_id.clone()))
    else {
        return Ok(None);
    };
    let history = super::fittings::visible_history(state, caller, customer).await?;
    // History is newest first; so is each fitting's list once reversed.
    Ok(history.into_iter().flat_map(|f| f.purchases.into_iter().rev()).find(|p| p.shoe_id == worn))
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
            // A stored fitting was checked when saved; its worn pair may since have left the
            // catalogue, which only drops the comparison with it.
            crate::recommendation::check_worn_shoe(&fitting, &state.catalogue.snapshot())?;
            (None, fitting)
        }
        _ => return Err(FieldError::new("fitting", "send exactly one of fitting_id or fitting").into()),
    };
    let worn_outcome = worn_pair_outcome(&state, &caller, &fitting).await?;
    let options = RecommendationOptions {
        top_k: req.top_k,
        store_id: req.store_id,
        terrain: req.terrain,
        max_price_usd: req.max_price_usd,
        width: req.width,
        worn_outcome,
    };
    let rec = state.recommendations.recommend(&fitting, options).await?;
    state.metrics.recommendations.inc();
    state.metrics.referrals.with_label_values(&[rec.referral.level.as_str()]).inc();
    // Written by hand into a buffer about the size of a five-shoe answer: the bytes that
    // `HttpResponse::json` writes (see `json`), with the same content type.
    let body = RecommendationResponse::new(fitting_id, rec).json();
    Ok(HttpResponse::Ok().content_type(actix_web::http::header::ContentType::json()).body(body))
}

/// Bytes reserved for an answer's JSON: a five-shoe answer with sizes and insoles is 4-6 KB.
const RESPONSE_CAPACITY: usize = 8 * 1024;

/// The answer's JSON, byte for byte what serde_json writes for the derived `Serialize`
/// (which stays for the OpenAPI schema; the tests compare the two on every field).
impl RecommendationResponse {
    fn json(&self) -> Vec<u8> {
        let mut out = JsonOut::with_capacity(RESPONSE_CAPACITY);
        out.raw("{\"model_version\":");
        out.str(&self.model_version);
        if let Some(id) = &self.fitting_id {
            out.raw(",\"fitting_id\":");
            out.value(id);
        }
        out.raw(",\"candidates\":");
        out.uint(self.candidates);
        let f = &self.filtered_out;
        for (key, n) in [
            (",\"filtered_out\":{\"stock\":", f.stock),
            (",\"width\":", f.width),
            (",\"terrain\":", f.terrain),
            (",\"price\":", f.price),
            (",\"discontinued\":", f.discontinued),
            (",\"size\":", f.size),
        ] {
            out.raw(key);
            out.uint(n);
        }
        out.raw("},\"relaxations\":");
        out.list(&self.relaxations, |out, r| {
            out.raw("{\"filter\":");
            out.str(&r.filter);
            out.raw(",\"shoes\":");
            out.uint(r.shoes);
            out.raw(",\"suggestion\":");
            out.str(&r.suggestion);
            out.raw("}");
        });
        out.raw(",\"shoes\":");
        out.list(&self.shoes, |out, s| s.write(out));
        out.raw(",\"shared_reasons\":");
        out.strings(&self.shared_reasons);
        if let Some(e) = &self.elsewhere {
            out.raw(",\"elsewhere\":{\"message\":");
            out.str(&e.message);
            out.raw(",\"shoe\":");
            e.shoe.write(&mut out);
            out.raw(",\"in_stock_at\":");
            out.strings(&e.in_stock_at);
            out.raw("}");
        }
        out.raw(",\"referral\":");
        out.value(&self.referral);
        out.raw(",\"advice\":");
        out.strings(&self.advice);
        out.raw("}");
        out.into_bytes()
    }
}

impl ShoeRecommendation {
    fn write(&self, out: &mut JsonOut) {
        out.raw("{\"rank\":");
        out.uint(self.rank);
        out.raw(",\"shoe_id\":");
        out.str(&self.shoe_id);
        out.raw(",\"name\":");
        out.str(&self.name);
        out.raw(",\"score\":");
        out.f64(self.score);
        out.raw(",\"price_usd\":");
        out.opt_f64(self.price_usd);
        out.raw(",\"support\":\"");
        out.raw(self.support.as_str());
        out.raw("\",\"cushioning\":\"");
        out.raw(self.cushioning.as_str());
        out.raw("\",\"drop_mm\":");
        out.opt_f64(self.drop_mm);
        out.raw(",\"reasons\":");
        out.strings(&self.reasons);
        out.raw(",\"cautions\":");
        out.strings(&self.cautions);
        if !self.notes.is_empty() {
            out.raw(",\"notes\":");
            out.strings(&self.notes);
        }
        if let Some(n) = self.pairs_in_stock {
            out.raw(",\"pairs_in_stock\":");
            out.int(n);
        }
        if let Some(a) = &self.size_advice {
            out.raw(",\"size_advice\":");
            write_size_advice(out, a);
        }
        if let Some(n) = self.pairs_in_size {
            out.raw(",\"pairs_in_size\":");
            out.int(n);
        }
        if let Some(n) = self.pairs_in_next_size {
            out.raw(",\"pairs_in_next_size\":");
            out.int(n);
        }
        if let Some(note) = &self.size_note {
            out.raw(",\"size_note\":");
            out.str(note);
        }
        if let Some(i) = &self.insole {
            out.raw(",\"insole\":{\"insole_id\":");
            out.str(&i.insole_id);
            out.raw(",\"name\":");
            out.str(&i.name);
            out.raw(",\"reason\":");
            out.str(&i.reason);
            if let Some(p) = i.price_usd {
                out.raw(",\"price_usd\":");
                out.f64(p);
            }
            if let Some(n) = i.pairs_in_stock {
                out.raw(",\"pairs_in_stock\":");
                out.int(n);
            }
            out.raw("}");
        }
        out.raw("}");
    }
}

fn write_size_advice(out: &mut JsonOut, a: &SizeAdvice) {
    out.raw("{\"system\":");
    out.value(&a.system);
    out.raw(",\"first\":");
    out.str(&a.first);
    out.raw(",\"next\":");
    out.str(&a.next);
    out.raw(",\"first_size\":");
    write_size_labels(out, &a.first_size);
    out.raw(",\"next_size\":");
    write_size_labels(out, &a.next_size);
    out.raw(",\"basis\":");
    out.value(&a.basis);
    out.raw(",\"reason\":");
    out.str(&a.reason);
    if let Some(w) = &a.width {
        out.raw(",\"width\":");
        out.str(w);
    }
    out.raw("}");
}

fn write_size_labels(out: &mut JsonOut, l: &SizeLabels) {
    out.raw("{\"eu\":");
    out.f64(l.eu);
    out.raw(",\"uk\":");
    out.opt_f64(l.uk);
    out.raw(",\"us_men\":");
    out.opt_f64(l.us_men);
    out.raw(",\"us_women\":");
    out.opt_f64(l.us_women);
    out.raw(",\"foot_length_mm\":");
    out.opt_f64(l.foot_length_mm);
    out.raw("}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Cushioning, Support};

    fn labels(eu: f64, others: Option<f64>) -> SizeLabels {
        SizeLabels { eu, uk: others, us_men: others.map(|v| v + 0.5), us_women: others.map(|v| v + 2.0), foot_length_mm: others.map(|v| v * 30.1) }
    }

    /// A shoe with every optional part present (`full`) or absent, texts with characters
    /// JSON escapes, and numbers of every kind the answer carries.
    fn shoe(rank: usize, full: bool) -> ShoeRecommendation {
        ShoeRecommendation {
            rank,
            shoe_id: format!("brooks-ghost-{}", 16 + rank),
            name: "Brooks Ghost 16 \"wide\" – ⅔".into(),
            score: [0.874, 1.0, 0.0, 0.1 + 0.2][rank % 4],
            price_usd: full.then_some(139.95),
            support: [Support::Neutral, Support::Stability, Support::MotionControl][rank % 3],
            cushioning: [Cushioning::Low, Cushioning::Moderate, Cushioning::High, Cushioning::Max][rank % 4],
            drop_mm: full.then_some(-0.0),
            reasons: vec!["12 mm drop suits\tyou".into(), "back\\slash".into()],
            cautions: if full { vec!["$20 over your $120 budget ($140)".into()] } else { Vec::new() },
            notes: if full { vec!["an earlier generation: the newer Ghost 17 is over your price limit".into()] } else { Vec::new() },
            pairs_in_stock: full.then_some(-3),
            size_advice: full.then(|| SizeAdvice {
                system: [SizeSystem::Eu, SizeSystem::UsWomen, SizeSystem::Mondopoint][rank % 3],
                first: "EU 42⅔".into(),
                next: "EU 42".into(),
                first_size: labels(42.666_666_666_666_664, Some(8.5)),
                next_size: labels(42.0, None),
                basis: [SizeBasis::Measured, SizeBasis::UsualSize, SizeBasis::ProfileSize][rank % 3],
                reason: "you measure 268 mm (right foot)\n".into(),
                width: rank.is_multiple_of(2).then(|| "take the wide version".into()),
            }),
            pairs_in_size: full.then_some(0),
            pairs_in_next_size: full.then_some(2),
            size_note: full.then(|| "EU 43 is out of stock here".into()),
            insole: full.then(|| InsoleSuggestion {
                insole_id: "superfeet-green".into(),
                name: "Superfeet Green".into(),
                reason: "high arch".into(),
                price_usd: rank.is_multiple_of(2).then_some(54.99),
                pairs_in_stock: rank.is_multiple_of(3).then_some(7),
            }),
        }
    }

    fn response(full: bool) -> RecommendationResponse {
        let fitting: Fitting = serde_json::from_value(crate::fitting::examples::shop_fitting()).unwrap();
        RecommendationResponse {
            model_version: "interaction-v3 \u{1}".into(),
            fitting_id: full.then(uuid::Uuid::new_v4),
            candidates: 987,
            filtered_out: FilteredOut { stock: 1, width: 2, terrain: 3, price: 4, discontinued: 5, size: usize::MAX },
            relaxations: if full {
                vec![RelaxationSuggestion { filter: "max_price_usd".into(), shoes: 3, suggestion: "3 more shoes at up to $135".into() }]
            } else {
                Vec::new()
            },
            shoes: (1..=if full { 5 } else { 2 }).map(|r| shoe(r, full || r == 1)).collect(),
            shared_reasons: if full { vec!["a daily trainer".into(), "\"quoted\"".into()] } else { Vec::new() },
            elsewhere: full.then(|| ElsewhereSuggestion {
                message: "Brooks Ghost 17 fits better but is not in stock here".into(),
                shoe: shoe(0, true),
                in_stock_at: vec!["S2".into(), "S3".into()],
            }),
            referral: crate::referral::assess(&fitting),
            advice: vec!["build up slowly".into()],
        }
    }

    #[test]
    fn the_answer_is_written_byte_for_byte_as_serde_json_writes_it() {
        for full in [true, false] {
            let r = response(full);
            let hand = String::from_utf8(r.json()).unwrap();
            assert_eq!(hand, serde_json::to_string(&r).unwrap(), "full: {full}");
        }
    }
}
