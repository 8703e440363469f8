//! Model registry and training jobs: list and inspect versions, start a training run,
//! follow its progress, and activate (promote or roll back) a version.

use actix_web::{http::header, web, HttpResponse};
use utoipa::OpenApi;

use super::error::{ApiError, Problem};
use super::extract::Caller;
use super::AppState;
use crate::auth::Action;
use crate::model::ModelInfo;
use crate::training::jobs::{Job, JobKind, JobPage, JobStatus};

#[derive(OpenApi)]
#[openapi(
    paths(list_models, get_model, create_model, activate_model, list_jobs, get_job, cancel_job),
    components(schemas(ModelInfo, Job, JobPage, JobKind, JobStatus))
)]
pub struct ModelsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/models").route(web::get().to(list_models)).route(web::post().to(create_model)))
        .service(web::resource("/v1/models/{version}").route(web::get().to(get_model)))
        .service(web::resource("/v1/models/{version}/activate").route(web::post().to(activate_model)))
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
/// `baseline-rules-v1`). Takes effect at once, without a restart.
#[utoipa::path(post, path = "/v1/models/{version}/activate", tag = "models", params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = ModelInfo), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn activate_model(caller: Caller, state: web::Data<AppState>, version: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageModels)?;
    Ok(HttpResponse::Ok().json(state.models.activate(version.into_inner()).await?))
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
