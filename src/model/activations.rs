//! The activation history: every activation and rollback, who made it (API key, or the
//! command line), the version before and after, and the comparison figures known at that
//! moment, so a later reader sees what the decision rested on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::comparison::Comparison;
pub use crate::db::evaluations::{ActivationKind, ActivationVia};
use crate::db::evaluations::{self, ActivationRow};
use crate::db::{self, DbConnection, DbError};
use crate::ranking::baseline::BASELINE_VERSION;

/// Who activates: an API key over HTTP, or someone at the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub via: ActivationVia,
    pub key_id: Option<String>,
}

impl Actor {
    pub fn command_line() -> Self {
        Self { via: ActivationVia::CommandLine, key_id: None }
    }
    pub fn key(key_id: &str) -> Self {
        Self { via: ActivationVia::Http, key_id: Some(key_id.to_owned()) }
    }
}

/// The comparison figures of the activated version known at activation, taken from its stored
/// comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    /// `evaluation` (its newest stored evaluation), `training` (the figures recorded when it
    /// was trained) or `none` (the rules, or a model stored without figures).
    pub source: String,
    /// When those figures were measured (RFC 3339, UTC).
    #[serde(default, with = "crate::time::millis_option")]
    pub measured_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Held-out sessions and their first and last sale time.
    pub held_out_sessions: Option<u64>,
    #[serde(default, with = "crate::time::offset_option")]
    pub held_out_from: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, with = "crate::time::offset_option")]
    pub held_out_to: Option<chrono::DateTime<chrono::Utc>>,
    /// The primary metric's name and the activated version's value on it.
    pub metric: Option<String>,
    pub value: Option<f64>,
    /// What it was compared with, its gain on the primary metric and the gain's 95 % interval.
    pub gain_over: Option<String>,
    pub gain: Option<f64>,
    pub gain_low: Option<f64>,
    pub gain_high: Option<f64>,
}

impl Figures {
    fn from_comparison(source: &str, measured_at: Option<chrono::DateTime<chrono::Utc>>, c: &Comparison) -> Self {
        let overall = &c.candidate.overall;
        let tried = overall.tried_sessions > 0 && overall.tried_ndcg_at_5.is_some();
        let (metric, value) = if tried { ("tried_ndcg_at_5", overall.tried_ndcg_at_5) } else { ("ndcg_at_5", Some(overall.ndcg_at_5)) };
        let gain = c.gain.as_ref();
        Self {
            source: source.into(),
            measured_at,
            // Comparisons stored before the held-out window was recorded read back with none.
            held_out_sessions: (c.held_out.sessions > 0).then_some(c.held_out.sessions as u64),
            held_out_from: c.held_out.from,
            held_out_to: c.held_out.to,
            metric: Some(metric.into()),
            value,
            gain_over: gain.map(|g| g.over.clone()),
            gain: gain.map(|g| g.mean),
            gain_low: gain.map(|g| g.interval.low),
            gain_high: gain.map(|g| g.interval.high),
        }
    }

    fn none() -> Self {
        Self { source: "none".into(), ..Default::default() }
    }
}

/// One recorded activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activation {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    /// RFC 3339 UTC.
    #[serde(with = "crate::time::millis")]
    pub activated_at: chrono::DateTime<chrono::Utc>,
    pub kind: ActivationKind,
    pub via: ActivationVia,
    /// The API key that asked (absent at the command line).
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    /// The version serving before (absent when nothing had been activated).
    pub from_version: Option<String>,
    pub to_version: String,
    pub figures: Figures,
}

impl From<ActivationRow> for Activation {
    fn from(r: ActivationRow) -> Self {
        Self {
            figures: serde_json::from_str(&r.figures).unwrap_or_else(|_| Figures::none()),
            id: r.id.to_string(),
            activated_at: r.activated_at.0,
            kind: r.kind,
            via: r.via,
            key_id: r.key_id,
            key_name: r.key_name,
            from_version: r.from_version,
            to_version: r.to_version,
        }
    }
}

/// The part of a stored evaluation's analysis the activation history reads (the analysis as a
/// whole is training's type, which sits above the registry).
#[derive(Deserialize)]
struct StoredAnalysis {
    comparison: Comparison,
}

/// The figures known for `version` now: its newest evaluation, else its training figures.
fn figures_of(conn: &mut DbConnection, version: &str) -> Result<Figures, DbError> {
    if let Some(row) = evaluations::latest_evaluation(conn, version)? {
        if let Ok(StoredAnalysis { comparison }) = serde_json::from_str(&row.analysis) {
            return Ok(Figures::from_comparison("evaluation", Some(row.created_at.0), &comparison));
        }
    }
    if version == BASELINE_VERSION {
        return Ok(Figures::none());
    }
    let row = match db::models::find_model(conn, version) {
        Ok(row) => row,
        Err(DbError::NotFound) => return Ok(Figures::none()),
        Err(e) => return Err(e),
    };
    Ok(Comparison::from_stored(&row.metrics, version)
        .map_or_else(Figures::none, |c| Figures::from_comparison("training", Some(row.created_at.0), &c)))
}

/// Records an activation of `to` replacing `from`; call inside the activation's transaction.
pub fn record(conn: &mut DbConnection, actor: &Actor, from: Option<&str>, to: &str) -> Result<Activation, DbError> {
    let rollback = to == BASELINE_VERSION || evaluations::has_served(conn, to)?;
    let key_name = match &actor.key_id {
        Some(id) => evaluations::key_name(conn, id)?,
        None => None,
    };
    let figures = figures_of(conn, to)?;
    let row = ActivationRow {
        id: crate::db::DbUuid::new_v4(),
        activated_at: crate::time::now().into(),
        kind: if rollback { ActivationKind::Rollback } else { ActivationKind::Activation },
        via: actor.via,
        key_id: actor.key_id.clone(),
        key_name,
        from_version: from.map(str::to_owned),
        to_version: to.to_owned(),
        figures: serde_json::to_string(&figures).unwrap_or_else(|_| "{}".into()).into(),
    };
    evaluations::insert_activation(conn, &row)?;
    Ok(row.into())
}

/// The history, newest first.
pub fn list(conn: &mut DbConnection, limit: u32, offset: u32) -> Result<(Vec<Activation>, usize), DbError> {
    let (rows, total) = evaluations::list_activations(conn, limit as i64, offset as i64)?;
    Ok((rows.into_iter().map(Activation::from).collect(), total.max(0) as usize))
}
