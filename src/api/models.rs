//! Model registry and training jobs: list and inspect versions, start a training run,
//! follow its progress, and activate (promote or roll back) a version.

use actix_web::{http::header, web, HttpResponse};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};


use super::error::{ApiError, Problem};
use super::extract::Caller;
use super::AppState;
use crate::auth::Action;
use crate::model::activations::{Activation, Actor};
use crate::model::ModelInfo;
use crate::training::analysis::Analysis;
use crate::training::jobs::{Job, JobKind, JobPage, JobStatus};
use super::PageQuery;

#[derive(OpenApi)]
#[openapi(
    paths(
        list_models, get_model, create_model, activate_model, list_model_activations, get_model_report, get_model_evaluation,
        evaluate_model, list_jobs, get_job, cancel_job
    ),
    components(schemas(ModelInfo, Job, JobPage, JobKind, JobStatus, Activation, ActivationPage, EvaluationView))
)]
pub struct ModelsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/models").route(web::get().to(list_models)).route(web::post().to(create_model)))
        // Before `/v1/models/{version}`, which would otherwise take "activations" for a version.
        .service(web::resource("/v1/models/activations").route(web::get().to(list_model_activations)))
        .service(web::resource("/v1/models/{version}").route(web::get().to(get_model)))
        .service(web::resource("/v1/models/{version}/activate").route(web::post().to(activate_model)))
        .service(web::resource("/v1/models/{version}/report").route(web::get().to(get_model_report)))
        .service(web::resource("/v1/models/{version}/evaluate").route(web::post().to(evaluate_model)))
        .service(web::resource("/v1/models/{version}/evaluation").route(web::get().to(get_model_evaluation)))
        .service(web::resource("/v1/jobs").route(web::get().to(list_jobs)))
        .service(web::resource("/v1/jobs/{id}").route(web::get().to(get_job)).route(web::delete().to(cancel_job)));
}

/// Model versions, newest first, with their held-out metrics; the baseline rules are listed too.
#[utoipa::path(get, path = "/v1/models", tag = "models", responses((status = 200, body = Vec<ModelInfo>)))]
pub async fn list_models(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Ok().json(state.models.list().await?))
}

/// One model version.
#[utoipa::path(get, path = "/v1/models/{version}", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = ModelInfo), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_model(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Ok().json(state.models.get(version.into_inner()).await?))
}

/// Queue a training run on the stored outcomes. Answers at once with the job; follow it at
/// `/v1/jobs/{id}`. One run goes at a time across all replicas: a run queued while another
/// runs waits (`queued`) and starts when the queue is free. The new model is stored as a
/// candidate and is not activated.
#[utoipa::path(post, path = "/v1/models", tag = "models",
    responses((status = 202, body = Job)))]
pub async fn create_model(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let job = state.jobs.start_training().await?;
    Ok(HttpResponse::Accepted().insert_header((header::LOCATION, format!("/v1/jobs/{}", job.id))).json(job))
}

/// Make a version the one that ranks (promote a candidate, or roll back, including to
/// `baseline-rules-v1`). Takes effect at once, without a restart, and is recorded in the
/// activation history with the calling key and the figures known for the version.
#[utoipa::path(post, path = "/v1/models/{version}/activate", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = ModelInfo), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The model was trained on other feature definitions; retrain it", body = Problem, content_type = "application/problem+json")))]
pub async fn activate_model(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Ok().json(state.models.activate(version.into_inner(), Actor::key(&caller.key_id)).await?))
}

/// One page of the activation history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationPage {
    pub items: Vec<Activation>,
    pub total: usize,
    pub limit: u32,
    pub offset: u32,
}

/// Every activation and rollback, newest first: when, which key (id and name; the command
/// line has none), the version before and after, and the comparison figures known for the
/// activated version at that moment.
#[utoipa::path(get, path = "/v1/models/activations", tag = "models", params(PageQuery),
    responses((status = 200, body = ActivationPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_model_activations(caller: Caller, state: web::Data<AppState>, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let page = PageQuery::new(q.limit, q.offset)?;
    let (limit, offset) = (page.limit.unwrap_or(super::DEFAULT_PAGE_SIZE), page.offset.unwrap_or(0));
    let (items, total) = state.models.activations(limit, offset).await?;
    Ok(HttpResponse::Ok().json(ActivationPage { items, total, limit, offset }))
}

/// The analyst's report on a version: one self-contained HTML page (inline SVG, no scripts,
/// no external assets; prints cleanly) with the data, the comparison with the active model,
/// the rules and two references on the same held-out sessions, a one-line verdict, the
/// plots (calibration, NDCG@5 by store, learning curve, poor fits by rank, feature effects),
/// the reasons runners were shown, the model card and the activation history. It renders the
/// version's newest stored evaluation (`POST /v1/models/{version}/evaluate`).
#[utoipa::path(get, path = "/v1/models/{version}/report", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 200, description = "The report page", body = String, content_type = "text/html"),
        (status = 404, description = "No such model version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version has no stored evaluation yet: evaluate it first", body = Problem, content_type = "application/problem+json")))]
pub async fn get_model_report(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let version = version.into_inner();
    let page = state.reports.latest_page(version).await?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}

/// A stored evaluation: the figures the report draws, as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The evaluation job that computed it (absent when the command line did).
    pub job_id: Option<String>,
    pub analysis: Analysis,
}

/// The newest stored evaluation of a version as JSON: the same figures as its report, with
/// the held-out window they were measured on.
#[utoipa::path(get, path = "/v1/models/{version}/evaluation", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = EvaluationView),
        (status = 404, description = "No such model version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version has no stored evaluation yet: evaluate it first", body = Problem, content_type = "application/problem+json")))]
pub async fn get_model_evaluation(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let stored = state.reports.latest_evaluation(version.into_inner()).await?;
    Ok(HttpResponse::Ok().json(EvaluationView { id: stored.id, created_at: stored.created_at, job_id: stored.job_id, analysis: stored.analysis }))
}

/// Evaluate a stored version on the current outcomes, as a background job (follow it at
/// `/v1/jobs/{id}`; it shares the training queue): the version, the active one, the rules and
/// two references on the same held-out sessions (the newest 20 %), plus everything the report
/// draws. The result is stored with its held-out window; the report and
/// `/v1/models/{version}/evaluation` show the newest. Takes no body.
#[utoipa::path(post, path = "/v1/models/{version}/evaluate", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 202, body = Job),
        (status = 404, description = "No such model version", body = Problem, content_type = "application/problem+json")))]
pub async fn evaluate_model(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let version = version.into_inner();
    state.models.get(version.clone()).await?;
    let job = state.jobs.start_evaluation(version).await?;
    Ok(HttpResponse::Accepted().insert_header((header::LOCATION, format!("/v1/jobs/{}", job.id))).json(job))
}

/// Jobs (training runs), newest first, with their status and progress.
#[utoipa::path(get, path = "/v1/jobs", tag = "models", params(super::PageQuery),
    responses((status = 200, body = JobPage), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_jobs(caller: Caller, state: web::Data<AppState>, q: web::Query<super::PageQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    let page = super::PageQuery::new(q.limit, q.offset)?;
    let (limit, offset) = (page.limit.unwrap_or(super::DEFAULT_PAGE_SIZE), page.offset.unwrap_or(0));
    Ok(HttpResponse::Ok().json(state.jobs.list(limit, offset).await?))
}

/// A job's status and progress.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "models", params(("id" = String, Path, description = "Job id")),
    responses((status = 200, body = Job), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_job(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Ok().json(state.jobs.get(id.into_inner()).await?))
}

/// Cancel and delete a job, from any replica: the replica running it stops within a few
/// seconds (a cancelled run stores nothing) and the job is gone — reading it afterwards is a
/// 404. Answers the job as it was last seen.
#[utoipa::path(delete, path = "/v1/jobs/{id}", tag = "models", params(("id" = String, Path, description = "Job id")),
    responses((status = 202, description = "Cancelled (if it was running) and deleted", body = Job),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn cancel_job(caller: Caller, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Accepted().json(state.jobs.cancel(id.into_inner()).await?))
}
