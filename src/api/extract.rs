//! Extractors that turn framework errors into problem documents: JSON bodies report the
//! exact field path of a bad value, and query/path errors keep the same shape.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::fitting::FieldError;

/// Largest JSON body accepted by default (bytes); see `STRIDEFIT_MAX_BODY_BYTES`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Body limit shared by the JSON extractor, set once per app.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The authenticated caller of a request (401 without a valid key, 429 over its rate limit).
pub struct Caller(pub crate::auth::Principal);

impl std::ops::Deref for Caller {
    type Target = crate::auth::Principal;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = req.app_data::<web::Data<super::AppState>>().map(|s| s.auth.clone());
        let header = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_owned));
        Box::pin(async move {
            let auth = auth.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no authenticator configured")))?;
            let header = match header {
                Some(Ok(h)) => Some(h),
                Some(Err(_)) => return Err(crate::auth::AuthError::Invalid.into()),
                None => None,
            };
            if let Some(result) = auth.authenticate_cached(header.as_deref()) {
                return result.map(Caller).map_err(ApiError::from);
            }
            let principal = tokio::task::spawn_blocking(move || auth.authenticate(header.as_deref()))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("authentication task failed: {e}")))??;
            Ok(Caller(principal))
        })
    }
}

/// A JSON body whose errors name the field, e.g. `gait.cadence_spm`.
pub struct Json<T>(pub T);

fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Parses JSON, reporting syntax errors as 400 and wrong or out-of-range values as 422 with the path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Fast path: most bodies are valid, and path tracking roughly doubles the parse cost.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    // serde_json's recursion limit (128 levels) turns deeply nested bodies into an error.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end().map_err(|e| ApiError::MalformedJson { detail: strip_position(&e.to_string()).to_owned() })?;
            Ok(value)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let message = strip_position(&inner.to_string()).to_owned();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." { "body".to_owned() } else { path };
                    Err(ApiError::Validation(FieldError::new(field, message)))
                }
                _ => Err(ApiError::MalformedJson { detail: format!("{message} (line {}, column {})", inner.line(), inner.column()) }),
            }
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_MAX_BODY_BYTES, |l| l.0);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => ApiError::PayloadTooLarge { limit },
                _ => ApiError::MalformedJson { detail: e.to_string() },
            })?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            parse_json(&bytes).map(Json)
        })
    }
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType.into(),
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { limit }.into()
        }
        other => ApiError::MalformedJson { detail: other.to_string() }.into(),
    }
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::InvalidQuery(err.to_string()).into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::InvalidPath(err.to_string()).into()
}
