//! The scorer serving now, shared by the service, the model registry and training jobs.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::{BaselineScorer, Scorer};

/// The scorer serving now. Swapping it is atomic: a request ranks wholly with the old or
/// wholly with the new one.
pub struct ActiveScorer {
    current: ArcSwap<Box<dyn Scorer>>,
}

impl ActiveScorer {
    pub fn new(scorer: Box<dyn Scorer>) -> Self {
        Self { current: ArcSwap::from_pointee(scorer) }
    }

    pub fn baseline() -> Self {
        Self::new(Box::new(BaselineScorer::new()))
    }

    pub fn get(&self) -> Arc<Box<dyn Scorer>> {
        self.current.load_full()
    }

    pub fn replace(&self, scorer: Box<dyn Scorer>) {
        self.current.store(Arc::new(scorer));
    }
}
