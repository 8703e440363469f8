//! Recommendations: one fitting in, a ranked and explained list out, with the referral and
//! training advice. Ties catalogue, features, ranking and referral together; no HTTP here.

use std::sync::Arc;

use arc_swap::ArcSwap;

pub use crate::ranking::ActiveScorer;

use crate::catalogue::{CatalogueError, CatalogueService, Terrain, Width};
use crate::features::RunnerSignals;
use crate::fitting::history::PastPurchase;
use crate::fitting::{FieldError, Fitting, StoreId};
use crate::ranking::{FilterCounts, Filters, Policy, RankedShoe, Relaxation, ShoeTable};
use crate::referral::{self, Referral};
use crate::sizing::{self, eu_sixths, SizeAdvice, SizeCharts, SizeOffsets, SizingService};
use crate::text::{sentence, Spaced};

/// Bounds on how many shoes one answer lists.
pub const DEFAULT_TOP_K: usize = 5;
pub const MAX_TOP_K: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct RecommendationOptions {
    pub top_k: Option<usize>,
    /// Only shoes this store has in stock.
    pub store_id: Option<StoreId>,
    pub terrain: Option<Terrain>,
    pub max_price_usd: Option<f64>,
    pub width: Option<Width>,
    /// What became of the worn pair when this runner bought it here, if they did.
    pub worn_outcome: Option<PastPurchase>,
}

#[derive(Debug, Clone)]
pub struct Recommendation {
    pub model_version: String,
    pub shoes: Vec<RankedShoe>,
    pub referral: Referral,
    pub advice: Vec<String>,
    /// How many shoes passed the filters and were scored.
    pub candidates: usize,
    /// How many shoes each filter turned away.
    pub removed: FilterCounts,
    /// When the list is short: the nearest loosenings that would bring shoes in.
    pub relaxations: Vec<Relaxation>,
    /// Reasons true of every shoe listed.
    pub shared_reasons: Vec<String>,
    /// Pairs in stock at the store, by shoe id, when the request named a store.
    pub stock: Option<std::collections::HashMap<String, i32>>,
    /// A better match the store does not have (in the runner's size), and the stores that do.
    pub elsewhere: Option<(RankedShoe, Vec<String>)>,
    /// Size advice and stock in size, by shoe id, for the shoes listed and `elsewhere`.
    pub sizes: std::collections::HashMap<String, ShoeSizing>,
    /// Shoes the store has, but not in the runner's advised size or the next one.
    pub not_in_size: usize,
    /// Pairs of each insole at the store, when the request named one.
    pub insole_stock: Option<std::collections::HashMap<String, i32>>,
}

/// One listed shoe's size: the advice, and the store's pairs in that size.
#[derive(Debug, Clone, Default)]
pub struct ShoeSizing {
    pub advice: Option<SizeAdvice>,
    /// Pairs of the first advised size at the store, when it gives sizes.
    pub pairs_in_size: Option<i32>,
    /// Pairs of the next size, when it gives sizes.
    pub pairs_in_next_size: Option<i32>,
    /// E.g. "EU 43 is out of stock here; EU 42.5 is in (2 pairs)".
    pub note: Option<String>,
}

/// Pairs of one EU size in a store's breakdown of a shoe.
fn pairs_of(sizes: &[(f64, i32)], eu: f64) -> i32 {
    sizes.iter().filter(|(s, _)| eu_sixths(*s) == eu_sixths(eu)).map(|(_, q)| *q).sum()
}

/// The store's pairs in the advised sizes, and a note when the first is out but the next is in.
fn sizing_at_store(advice: Option<SizeAdvice>, sizes: Option<&Vec<(f64, i32)>>) -> ShoeSizing {
    let (Some(a), Some(sizes)) = (advice.as_ref(), sizes) else { return ShoeSizing { advice, ..ShoeSizing::default() } };
    let [first, next] = a.eu_sizes();
    let (in_first, in_next) = (pairs_of(sizes, first), pairs_of(sizes, next));
    let note = match (in_first, in_next) {
        (0, n) if n > 0 => Some(sentence!("{} is out of stock here; {} is in ({n} {})", a.first, a.next, if n == 1 { "pair" } else { "pairs" })),
        (0, _) => Some(sentence!("neither {} nor {} is in stock here", a.first, a.next)),
        _ => None,
    };
    ShoeSizing { pairs_in_size: Some(in_first), pairs_in_next_size: Some(in_next), note, advice }
}


#[derive(Clone)]
pub struct RecommendationService {
    catalogue: Arc<CatalogueService>,
    scorer: Arc<ActiveScorer>,
    /// Shoe attributes of the current catalogue snapshot, rebuilt when the snapshot changes.
    table: Arc<ArcSwap<Option<Arc<ShoeTable>>>>,
    /// Learned size offsets; without them sizes are advised from the brand charts alone.
    sizing: Option<Arc<SizingService>>,
}

impl RecommendationService {
    pub fn new(catalogue: Arc<CatalogueService>, scorer: Arc<ActiveScorer>) -> Self {
        Self { catalogue, scorer, table: Arc::new(ArcSwap::from_pointee(None)), sizing: None }
    }

    /// Advises sizes with the offsets this service learns and stores.
    pub fn with_sizing(mut self, sizing: Arc<SizingService>) -> Self {
        self.sizing = Some(sizing);
        self
    }

    /// The shoe table for the current catalogue snapshot.
    fn shoe_table(&self) -> Arc<ShoeTable> {
        let snapshot = self.catalogue.snapshot();
        if let Some(table) = self.table.load().as_ref() {
            if Arc::ptr_eq(&table.catalogue, &snapshot) {
                return table.clone();
            }
        }
        let table = Arc::new(ShoeTable::new(snapshot));
        self.table.store(Arc::new(Some(table.clone())));
        table
    }

    pub async fn recommend(&self, fitting: &Fitting, options: RecommendationOptions) -> Result<Recommendation, CatalogueError> {
        let top_k = options.top_k.unwrap_or(DEFAULT_TOP_K);
        if !(1..=MAX_TOP_K).contains(&top_k) {
            return Err(FieldError::new("top_k", format!("must be between 1 and {MAX_TOP_K}")).into());
        }
        if let Some(max) = options.max_price_usd {
            if !(max.is_finite() && max > 0.0 && max <= 2000.0) {
                return Err(FieldError::new("max_price_usd", "must be between 0 and 2000 USD").into());
            }
        }
        let table = self.shoe_table();
        let catalogue = &table.catalogue;
        let stock = match &options.store_id {
            Some(store) => Some(self.catalogue.stock_quantities(store.clone()).await?),
            None => None,
        };
        let offsets = self.sizing.as_ref().map(|s| s.offsets()).unwrap_or_else(|| Arc::new(SizeOffsets::default()));
        let charts = SizeCharts::bundled();
        let advisor = sizing::Advisor::new(fitting, catalogue, charts, &offsets);
        let advise = |shoe: &crate::catalogue::Shoe| advisor.advise(shoe);
        let stock_sizes = match &options.store_id {
            Some(store) => Some(self.catalogue.stock_sizes(store.clone()).await?),
            None => None,
        };
        // In stock means in stock in the runner's advised size or the next one, where the
        // store gives sizes (a shoe stocked only as a total stays in).
        let mut not_in_size = 0;
        let only_ids = stock.as_ref().map(|s| {
            s.keys()
                .filter(|id| {
                    let sized = stock_sizes.as_ref().and_then(|by| by.get(*id));
                    let advice = catalogue.shoe(id).and_then(advise);
                    let fits = match (sized, advice) {
                        (Some(sizes), Some(a)) => a.eu_sizes().iter().any(|eu| pairs_of(sizes, *eu) > 0),
                        _ => true,
                    };
                    not_in_size += usize::from(!fits);
                    fits
                })
                .cloned()
                .collect()
        });
        let filters = Filters { only_ids, terrain: options.terrain, max_price_usd: options.max_price_usd, width: options.width };

        let scorer = self.scorer.get();
        let runner = RunnerSignals::from_fitting(fitting, catalogue);
        let liked = options.worn_outcome.as_ref().filter(|o| o.kept && o.satisfaction.is_none_or(|s| s >= 4));
        let policy = Policy {
            liked_line: liked.and_then(|o| catalogue.shoe(&o.shoe_id)).map(|s| s.line().to_owned()),
            ..Policy::default()
        };
        let mut ranking = table.rank(scorer.as_ref().as_ref(), &runner, &filters, top_k, &policy);
        if let (Some(outcome), Some(worn)) = (&options.worn_outcome, runner.worn.as_ref()) {
            for r in &mut ranking.shoes {
                say_how_the_worn_pair_did(r, outcome, &worn.id, catalogue);
            }
        }
        let insole_stock = match &options.store_id {
            Some(store) => Some(
                self.catalogue.insole_stock(store.clone()).await?.into_iter().map(|r| (r.insole_id, r.quantity)).collect(),
            ),
            None => None,
        };
        let store_sizes = |id: &str| stock_sizes.as_ref().and_then(|by| by.get(id));
        let mut sizes: std::collections::HashMap<String, ShoeSizing> = ranking
            .shoes
            .iter()
            .map(|r| (r.shoe.id.clone(), sizing_at_store(advise(&r.shoe), store_sizes(&r.shoe.id))))
            .collect();
        let elsewhere = match ranking.elsewhere {
            Some(shoe) => {
                let advice = advise(&shoe.shoe);
                let wanted = advice.as_ref().map(|a| a.eu_sizes());
                let stores = self
                    .catalogue
                    .stores_with_sizes(shoe.shoe.id.clone())
                    .await?
                    .into_iter()
                    .filter(|s| options.store_id.as_ref().is_none_or(|own| own.as_str() != s.store_id))
                    // A store that gives sizes must have the advised size or the next one.
                    .filter(|s| match (&s.sizes, wanted) {
                        (Some(by_size), Some(eus)) => eus.iter().any(|eu| pairs_of(by_size, *eu) > 0),
                        _ => true,
                    })
                    .map(|s| s.store_id)
                    .collect();
                sizes.insert(shoe.shoe.id.clone(), sizing_at_store(advice, store_sizes(&shoe.shoe.id)));
                Some((shoe, stores))
            }
            None => None,
        };
        let referral = referral::assess(fitting);
        let advice = referral::training_advice(fitting, &referral);
        Ok(Recommendation {
            model_version: scorer.version().to_owned(),
            shoes: ranking.shoes,
            referral,
            advice,
            candidates: ranking.candidates,
            removed: ranking.removed,
            relaxations: ranking.relaxations,
            shared_reasons: ranking.shared_reasons,
            stock,
            elsewhere,
            sizes,
            not_in_size,
            insole_stock,
        })
    }
}

/// A successor of a pair the runner bought here: kept and liked is a reason to stay in the
/// line; returned is worth a caution.
fn say_how_the_worn_pair_did(r: &mut RankedShoe, outcome: &PastPurchase, worn_id: &str, catalogue: &crate::catalogue::Catalogue) {
    let Some(worn) = catalogue.shoe(worn_id) else { return };
    if r.shoe.line() != worn.line() {
        return;
    }
    let relation = if r.shoe.id == worn.id { "the same model as the" } else { "the same line as the" };
    let name = worn.display_name();
    match (outcome.kept, outcome.satisfaction) {
        // A rating of 3 or less is no endorsement, and no complaint either.
        (true, Some(s)) if s >= 4 => {
            r.explanation.reasons.insert(0, sentence!("{relation} {name} you kept and rated {s}/5"));
            forget_brand_returns(r);
        }
        (true, None) => {
            r.explanation.reasons.insert(0, sentence!("{relation} {name} you bought here and kept"));
            forget_brand_returns(r);
        }
        (false, _) => {
            let why = outcome.return_reason.map(|w| format!(" ({})", Spaced(w.as_str()))).unwrap_or_default();
            r.explanation.cautions.insert(0, sentence!("{relation} {name} you returned{why}: ask what did not suit"));
        }
        _ => {}
    }
}

/// What peers returned says less than what this runner kept: a learned "runners like you
/// often return this brand" would contradict the reason just given.
fn forget_brand_returns(r: &mut RankedShoe) {
    let peers = format!("runners like you have often returned {} shoes", r.shoe.brand);
    r.explanation.cautions.retain(|c| *c != peers);
}

/// A worn pair named but not in the catalogue would silently drop the comparison with it:
/// refuse it, with the nearest ids, so staff can correct a typo or pick the generation.
pub fn check_worn_shoe(fitting: &Fitting, catalogue: &crate::catalogue::Catalogue) -> Result<(), FieldError> {
    if let Some(id) = fitting.wear.as_ref().and_then(|w| w.worn_shoe_id.as_deref()) {
        catalogue.require_shoe(id, "wear.worn_shoe_id")?;
    }
    // The usual size is read through that model's brand chart: an unknown model would
    // silently drop the size advice.
    if let Some(usual) = fitting.feet.as_ref().and_then(|f| f.usual_size.as_ref()) {
        let shoe = catalogue.require_shoe(&usual.shoe_id, "feet.usual_size.shoe_id")?;
        let chart = SizeCharts::bundled().brand(&shoe.brand);
        let kind = sizing::offsets::chart_kind(fitting);
        if chart.is_some_and(|c| c.foot_length_mm(usual.system, usual.size, kind).is_none()) {
            return Err(FieldError::new("feet.usual_size.size", format!("is not a size on {}'s chart in that system", shoe.brand)));
        }
    }
    Ok(())
}
