//! Evaluating a stored model on the history of the day and keeping the result: the
//! evaluation job and `stridefit report` both come here, and the report reads it back.

use std::sync::atomic::AtomicBool;

use super::analysis::{analyse, Analysis, ModelCard, Subject};
use super::{load_dataset, Dataset, Progress, TrainError, TrainingSummary};
use crate::catalogue::Catalogue;
use crate::db::evaluations::{self, EvaluationRow};
use crate::db::{self, Database, DbError, DbTime};
use crate::features::{EXTENDED_FEATURES_VERSION, FEATURE_COUNT, HAND_FEATURES_VERSION, RELATION_COUNT, RUNNER_DIM, SHOE_DIM};
use crate::model::registry::load_scorer;
use crate::model::{Artifact, ModelError};
use crate::ranking::baseline::BASELINE_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Train(#[from] TrainError),
}

impl From<DbError> for EvaluationError {
    fn from(e: DbError) -> Self {
        EvaluationError::Model(ModelError::Db(e))
    }
}

/// An analysis as stored, with where it came from.
#[derive(Debug, Clone)]
pub struct StoredEvaluation {
    pub id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub job_id: Option<String>,
    pub analysis: Analysis,
}

impl StoredEvaluation {
    fn from_row(row: EvaluationRow) -> Result<Self, ModelError> {
        let analysis = serde_json::from_str(&row.analysis)
            .map_err(|e| ModelError::Corrupt(format!("evaluation {} is unreadable: {e}", row.id)))?;
        Ok(Self { id: row.id.to_string(), created_at: row.created_at.0, job_id: row.job_id.map(|j| j.to_string()), analysis })
    }
}

fn feature_set(family: &str) -> String {
    match family {
        crate::model::INTERACTION_KIND => format!(
            "{EXTENDED_FEATURES_VERSION}: {FEATURE_COUNT} hand features and {RELATION_COUNT} worn-pair relations (linear), \
             {RUNNER_DIM} runner × {SHOE_DIM} shoe attributes (learned interactions)"
        ),
        crate::model::LOGISTIC_KIND => format!("{HAND_FEATURES_VERSION}: {FEATURE_COUNT} hand features"),
        _ => format!("{HAND_FEATURES_VERSION}: {FEATURE_COUNT} hand features with evidence-based weights"),
    }
}

/// The model card of a stored version (or the rules) and its artifact.
fn card(conn: &mut db::DbConnection, version: &str) -> Result<(ModelCard, Option<Artifact>), ModelError> {
    if version == BASELINE_VERSION {
        let card = ModelCard {
            version: version.to_owned(),
            family: "rules".into(),
            hyper_parameters: serde_json::json!({}),
            feature_set: feature_set("rules"),
            schema_hash: crate::features::schema_hash(),
            created_at: None,
            training: None,
        };
        return Ok((card, None));
    }
    let row = db::models::find_model(conn, version).map_err(|e| match e {
        DbError::NotFound => ModelError::NotFound(version.to_owned()),
        other => other.into(),
    })?;
    let artifact = Artifact::from_json(&row.kind, serde_json::from_str(&row.artifact).map_err(|e| ModelError::Corrupt(e.to_string()))?)?;
    let training: Option<TrainingSummary> = serde_json::from_str(&row.training_summary).ok();
    let hyper_parameters = match &artifact {
        Artifact::Logistic(a) => serde_json::json!({"alpha": a.alpha}),
        Artifact::Interaction(a) => serde_json::to_value(&a.hyper_parameters).unwrap_or_default(),
    };
    let card = ModelCard {
        version: version.to_owned(),
        family: row.kind.clone(),
        hyper_parameters,
        feature_set: feature_set(&row.kind),
        schema_hash: row.schema_hash,
        created_at: Some(row.created_at.0),
        training,
    };
    Ok((card, Some(artifact)))
}

/// The version serving now (the rules when none was activated).
pub fn active_version(conn: &mut db::DbConnection) -> Result<String, DbError> {
    Ok(db::meta::get(conn, db::meta::ACTIVE_MODEL)?.unwrap_or_else(|| BASELINE_VERSION.to_owned()))
}

/// Evaluates `version` against `against` (default: the active version) on `data` (default:
/// every stored outcome, streamed into the packed dataset), stores the analysis and returns it.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_and_store(
    db: &Database,
    catalogue: &Catalogue,
    version: &str,
    against: Option<&str>,
    data: Option<Dataset>,
    job_id: Option<db::DbUuid>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<StoredEvaluation, EvaluationError> {
    let loaded = db.with_conn(|conn| {
        Ok((|| {
            let (card, artifact) = card(conn, version)?;
            let scorer = load_scorer(conn, version)?;
            let active = active_version(conn)?;
            let against_scorer = load_scorer(conn, against.unwrap_or(&active))?;
            Ok::<_, ModelError>((card, artifact, scorer, active, against_scorer))
        })())
    })?;
    let (card, artifact, scorer, active, against_scorer) = loaded?;
    progress.report(0.05, "loading outcomes");
    let data = match data {
        Some(d) => d,
        None => load_dataset(db, catalogue)?,
    };
    let subject = Subject { scorer: scorer.as_ref(), artifact: artifact.as_ref(), card };
    let analysis = analyse(&subject, Some(against_scorer.as_ref()), &active, &data, catalogue, progress, cancel)?;
    let row = EvaluationRow {
        id: db::DbUuid::new_v4(),
        model_version: version.to_owned(),
        against_version: analysis.against.clone(),
        job_id,
        held_out_sessions: analysis.comparison.held_out.sessions as i32,
        held_out_from: analysis.comparison.held_out.from.map(DbTime),
        held_out_to: analysis.comparison.held_out.to.map(DbTime),
        analysis: serde_json::to_string(&analysis).map_err(|e| TrainError::Pipeline(e.to_string()))?.into(),
        created_at: crate::time::now().into(),
    };
    db.with_conn(|conn| evaluations::insert_evaluation(conn, &row))?;
    Ok(StoredEvaluation { id: row.id.to_string(), created_at: row.created_at.0, job_id: row.job_id.map(|j| j.to_string()), analysis })
}

/// The newest stored evaluation of a version, if any.
pub fn latest(conn: &mut db::DbConnection, version: &str) -> Result<Option<StoredEvaluation>, ModelError> {
    evaluations::latest_evaluation(conn, version)?.map(StoredEvaluation::from_row).transpose()
}
