//! Prometheus metrics, one registry per running service (tests run several in one process).

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    pub http_requests: HistogramVec,
    pub recommendations: IntCounter,
    pub referrals: IntCounterVec,
    pub active_model: IntGaugeVec,
    pub outcomes_recorded: IntCounter,
    pub outcomes_imported: IntCounter,
    pub training_runs: IntCounterVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    // Names are fixed and unique, so registration cannot clash.
    let _ = registry.register(Box::new(metric.clone()));
    metric
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("stridefit".into()), None).unwrap_or_default();
        let buckets = vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
        let histogram = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route and status").buckets(buckets),
            &["method", "route", "status"],
        )
        .expect("valid histogram");
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("valid counter");
        let counter_vec = |name: &str, help: &str, labels: &[&str]| IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter");
        Self {
            http_requests: register(&registry, histogram),
            recommendations: register(&registry, counter("recommendations_total", "Recommendations served")),
            referrals: register(&registry, counter_vec("referrals_total", "Referrals by level", &["level"])),
            active_model: register(
                &registry,
                IntGaugeVec::new(Opts::new("active_model_info", "The model version ranking (value 1)"), &["version"]).expect("valid gauge"),
            ),
            outcomes_recorded: register(&registry, counter("outcomes_recorded_total", "Sales recorded through the API")),
            outcomes_imported: register(&registry, counter("outcomes_imported_total", "Outcome rows imported from files")),
            training_runs: register(&registry, counter_vec("training_runs_total", "Training runs by final status", &["status"])),
            registry,
        }
    }

    /// The text exposition format, with the active model set just before.
    pub fn render(&self, active_version: &str) -> String {
        self.active_model.reset();
        self.active_model.with_label_values(&[active_version]).set(1);
        let mut buffer = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            log::error!("cannot encode metrics: {e}");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
