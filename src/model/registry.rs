//! The model registry: stored versions with their metrics, the active version, and the
//! atomic swap of the serving scorer. The baseline rules are always available as a version,
//! so rolling back to rules is one activation.

use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::activations::{self, Activation, Actor};
use super::comparison::Comparison;
use super::Artifact;
use crate::db::{self, models::ModelRow, Database, DbError};
use crate::ranking::baseline::BASELINE_VERSION;
use crate::ranking::{BaselineScorer, Scorer};
use crate::ranking::ActiveScorer;

/// The default model shipped with the service, trained on the synthetic demo history.
pub const BUNDLED_DEFAULT_MODEL: &str = include_str!("../../data/default_model.json");

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no model with version '{0}'")]
    NotFound(String),
    #[error("model {version} was trained on features {found}, but this build computes {expected}; retrain it")]
    SchemaMismatch { version: String, found: String, expected: String },
    #[error("stored model is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A registry entry as the API and CLI show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelInfo {
    pub version: String,
    pub kind: String,
    pub active: bool,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: chrono::DateTime<Utc>,
    pub schema_hash: String,
    /// The held-out comparison recorded when it was trained (candidate, active, rules and
    /// references on the same sessions); null for the rules, which are not trained.
    #[schema(required = true)]
    pub metrics: Option<Comparison>,
    /// What it was trained on.
    #[schema(value_type = Object)]
    pub training_summary: serde_json::Value,
}

#[derive(Clone)]
pub struct ModelRegistry {
    db: Database,
    active: Arc<ActiveScorer>,
}

fn parse_artifact(row: &ModelRow) -> Result<Artifact, ModelError> {
    let json = serde_json::from_str(&row.artifact).map_err(|e| ModelError::Corrupt(format!("{}: {e}", row.version)))?;
    Artifact::from_json(&row.kind, json)
}

fn info(row: ModelRow, active: &str) -> ModelInfo {
    ModelInfo {
        active: row.version == active,
        metrics: Comparison::from_stored(&row.metrics, &row.version),
        training_summary: serde_json::from_str(&row.training_summary).unwrap_or_else(|_| serde_json::json!({})),
        version: row.version,
        kind: row.kind,
        created_at: row.created_at.0,
        schema_hash: row.schema_hash,
    }
}

fn baseline_info(active: &str) -> ModelInfo {
    ModelInfo {
        version: BASELINE_VERSION.to_owned(),
        kind: "rules".to_owned(),
        active: active == BASELINE_VERSION,
        created_at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 25, 0, 0, 0).single().unwrap_or_default(),
        schema_hash: crate::features::schema_hash(),
        // The rules are not trained: no held-out metrics of their own.
        metrics: None,
        training_summary: serde_json::json!({"note": "evidence-based rules; see README"}),
    }
}

/// Builds the scorer for a stored version (or the baseline).
pub fn load_scorer(conn: &mut db::DbConnection, version: &str) -> Result<Box<dyn Scorer>, ModelError> {
    if version == BASELINE_VERSION {
        return Ok(Box::new(BaselineScorer::new()));
    }
    let row = db::models::find_model(conn, version).map_err(|e| match e {
        DbError::NotFound => ModelError::NotFound(version.to_owned()),
        other => other.into(),
    })?;
    parse_artifact(&row)?.scorer()
}

/// Stores a trained artifact with its summary and metrics (not activated).
pub fn store_model(
    conn: &mut db::DbConnection,
    artifact: &Artifact,
    summary: &serde_json::Value,
    metrics: Option<&Comparison>,
) -> Result<(), DbError> {
    db::models::insert_model(
        conn,
        &ModelRow {
            version: artifact.version().to_owned(),
            kind: artifact.kind().to_owned(),
            schema_hash: artifact.schema_hash().to_owned(),
            artifact: artifact.to_json().to_string(),
            training_summary: summary.to_string().into(),
            metrics: serde_json::to_string(&metrics).map_err(|e| DbError::Other(e.into()))?.into(),
            created_at: crate::time::now().into(),
        },
    )
}

/// A model bundle as `stridefit train --write` writes it: `kind` (logistic when absent, as
/// bundles written before other families existed), `artifact`, summary and metrics.
pub struct Bundled {
    pub artifact: Artifact,
    pub training_summary: serde_json::Value,
    pub metrics: Option<Comparison>,
}

impl Bundled {
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| ModelError::Corrupt(e.to_string()))?;
        let kind = v["kind"].as_str().unwrap_or(super::LOGISTIC_KIND).to_owned();
        Ok(Self {
            artifact: Artifact::from_json(&kind, v["artifact"].take())?,
            training_summary: v["training_summary"].take(),
            // The figures are informational: a bundle whose figures this build cannot read
            // still loads, without them.
            metrics: serde_json::from_value(v["metrics"].take()).unwrap_or_else(|e| {
                log::warn!("model bundle: figures unreadable ({e}); loaded without them");
                None
            }),
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.artifact.kind(), "artifact": self.artifact.to_json(),
            "training_summary": self.training_summary, "metrics": self.metrics,
        })
    }
}

/// Stores the bundled default model on first start and activates it if nothing is active.
pub fn seed_default_model(db: &Database) -> anyhow::Result<()> {
    let bundled = match Bundled::parse(BUNDLED_DEFAULT_MODEL) {
        Ok(b) => b,
        Err(e) => {
            log::warn!("no usable bundled default model ({e}); serving the baseline rules");
            return Ok(());
        }
    };
    if let Err(e) = bundled.artifact.clone().scorer() {
        log::warn!("the bundled default model is not usable ({e}); serving the baseline rules");
        return Ok(());
    }
    db.with_conn(|conn| {
        crate::db::transaction(conn, |conn| {
            if db::meta::get(conn, db::meta::DEFAULT_MODEL_SEEDED)?.is_some() {
                return Ok(());
            }
            if db::models::find_model(conn, bundled.artifact.version()).is_err() {
                store_model(conn, &bundled.artifact, &bundled.training_summary, bundled.metrics.as_ref())?;
            }
            if db::meta::get(conn, db::meta::ACTIVE_MODEL)?.is_none() {
                db::meta::set(conn, db::meta::ACTIVE_MODEL, bundled.artifact.version())?;
            }
            db::meta::set(conn, db::meta::DEFAULT_MODEL_SEEDED, &crate::time::rfc3339_millis(crate::time::now()))
        })
    })?;
    Ok(())
}

impl ModelRegistry {
    pub fn new(db: Database, active: Arc<ActiveScorer>) -> Self {
        Self { db, active }
    }

    /// Loads the active version into the serving slot (start-up, or after another replica
    /// activated a model). A stored version that no longer loads falls back to the baseline.
    pub fn load_active(&self) -> Result<String, ModelError> {
        let scorer = self.db.with_conn(|conn| {
            let version = db::meta::get(conn, db::meta::ACTIVE_MODEL)?.unwrap_or_else(|| BASELINE_VERSION.to_owned());
            Ok(load_scorer(conn, &version))
        })?;
        let scorer = scorer.unwrap_or_else(|e| {
            log::error!("cannot load the active model ({e}); serving the baseline rules");
            Box::new(BaselineScorer::new())
        });
        let version = scorer.version().to_owned();
        self.active.replace(scorer);
        Ok(version)
    }

    /// Follows an activation made elsewhere (another replica, the CLI); true if it changed.
    pub async fn reload_if_changed(&self) -> Result<bool, ModelError> {
        let stored = self.db.run(|conn| db::meta::get(conn, db::meta::ACTIVE_MODEL)).await?;
        let wanted = stored.unwrap_or_else(|| BASELINE_VERSION.to_owned());
        if wanted == self.active_version() {
            return Ok(false);
        }
        let key = wanted.clone();
        let scorer = self.db.run(move |conn| Ok(load_scorer(conn, &key))).await??;
        self.active.replace(scorer);
        log::info!("now ranking with model {wanted} (activated elsewhere)");
        Ok(true)
    }

    pub fn active_version(&self) -> String {
        self.active.get().version().to_owned()
    }

    pub async fn list(&self) -> Result<Vec<ModelInfo>, ModelError> {
        let active = self.active_version();
        let rows = self.db.run(db::models::list_models).await?;
        let mut list: Vec<ModelInfo> = rows.into_iter().map(|r| info(r, &active)).collect();
        list.push(baseline_info(&active));
        Ok(list)
    }

    pub async fn get(&self, version: String) -> Result<ModelInfo, ModelError> {
        let active = self.active_version();
        if version == BASELINE_VERSION {
            return Ok(baseline_info(&active));
        }
        let key = version.clone();
        let row = self.db.run(move |conn| db::models::find_model(conn, &key)).await.map_err(|e| match e {
            DbError::NotFound => ModelError::NotFound(version),
            other => other.into(),
        })?;
        Ok(info(row, &active))
    }

    /// Makes a version the one serving: recorded in the database (so other replicas and
    /// restarts follow) together with an entry in the activation history, then swapped in
    /// atomically. Requests in flight finish on the old one.
    pub async fn activate(&self, version: String, actor: Actor) -> Result<ModelInfo, ModelError> {
        let key = version.clone();
        let scorer = self
            .db
            .run_write(move |conn| {
                Ok(load_scorer(conn, &key).and_then(|scorer| {
                    crate::db::transaction(conn, |conn| {
                        let before = db::meta::get(conn, db::meta::ACTIVE_MODEL)?;
                        db::meta::set(conn, db::meta::ACTIVE_MODEL, &key)?;
                        activations::record(conn, &actor, before.as_deref(), &key)
                    })?;
                    Ok(scorer)
                }))
            })
            .await??;
        self.active.replace(scorer);
        log::info!("model {version} activated at {}", Utc::now().to_rfc3339());
        self.get(version).await
    }

    /// The activation history, newest first: one page and the total.
    pub async fn activations(&self, limit: u32, offset: u32) -> Result<(Vec<Activation>, usize), ModelError> {
        Ok(self.db.run(move |conn| activations::list(conn, limit, offset)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_with_metrics(metrics: &str) -> ModelRow {
        ModelRow {
            version: "m-test".into(),
            kind: super::super::LOGISTIC_KIND.into(),
            schema_hash: crate::features::schema_hash(),
            artifact: "{}".into(),
            training_summary: "{}".to_owned().into(),
            metrics: metrics.to_owned().into(),
            created_at: crate::time::now().into(),
        }
    }

    #[test]
    fn stored_figures_read_back_typed_and_unreadable_ones_list_as_none() {
        let bundled = Bundled::parse(BUNDLED_DEFAULT_MODEL).unwrap();
        let comparison = bundled.metrics.clone().expect("the bundled model ships its figures");
        let stored = row_with_metrics(&serde_json::to_string(&comparison).unwrap());
        assert_eq!(info(stored, "m-other").metrics, Some(comparison));
        // Written by older builds or by hand: none of these fails a listing.
        for text in ["{}", "null", r#"{"candidate": 3}"#, "[1, 2]"] {
            assert_eq!(info(row_with_metrics(text), "m-other").metrics, None, "{text}");
        }
    }
}
