//! Sizes: brand size charts (foot length ↔ EU / UK / US men's / US women's / mondopoint),
//! the size to try in each recommended model, and each model's fit learned from the shop's
//! own try-ons, sales and returns. Ranking never reads this; recommendation calls it for
//! the shoes it returns.

pub mod advice;
pub mod chart;
pub mod offsets;
pub mod service;

pub use advice::{advise, Advisor, SizeAdvice, SizeBasis};
pub use chart::{eu_canonical, eu_sixths, SizeCharts, SizeLabels, SizeSystem};
pub use offsets::{learn, ModelOffset, Prior, SizeOffsets, SizeRecord};
pub use service::SizingService;
