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
use crate::validation::json::{self, JsonError};

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
        // The peer address (not a forwarded header a client could forge) keys the limit on
        // requests without a valid key.
        let client = req.peer_addr().map(|a| a.ip());
        let request = req.clone();
        Box::pin(async move {
            let auth = auth.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no authenticator configured")))?;
            let header = match header {
                Some(Ok(h)) => Some(h),
                Some(Err(_)) => return Err(auth.authenticate_cached(Some(""), client).and_then(Result::err).unwrap_or(crate::auth::AuthError::Invalid).into()),
                None => None,
            };
            let principal = match auth.authenticate_cached(header.as_deref(), client) {
                Some(result) => result?,
                None => tokio::task::spawn_blocking(move || auth.authenticate(header.as_deref(), client))
                    .await
                    .map_err(|e| ApiError::Internal(anyhow::anyhow!("authentication task failed: {e}")))??,
            };
            let origin = request.headers().get(header::ORIGIN).map(|v| v.to_str().unwrap_or("(not text)"));
            principal.check_origin(origin, |origin| is_own_origin(&request, origin))?;
            Ok(Caller(principal))
        })
    }
}

/// Whether `origin` is this service's own: its pages call the API from it. Looked at only
/// for a storefront key sent from another origin than its own, so no other request pays.
fn is_own_origin(req: &HttpRequest, origin: &str) -> bool {
    let info = req.connection_info();
    origin.strip_prefix(info.scheme()).and_then(|rest| rest.strip_prefix("://")) == Some(info.host())
}

/// Parses a JSON body: malformed JSON is a 400, bad fields a 422 naming every one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    json::parse(bytes).map_err(|e| match e {
        JsonError::Malformed(detail) => ApiError::MalformedJson { detail },
        JsonError::Invalid(errors) => ApiError::invalid_fields(errors),
    })
}

/// A JSON body whose errors name the field, e.g. `gait.cadence_spm`.
pub struct Json<T>(pub T);

/// How long a client may take to send its body, set once per app (`STRIDEFIT_CLIENT_TIMEOUT_SECS`).
#[derive(Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// Default body deadline when the app sets none.
const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl BodyTimeout {
    pub fn of(req: &HttpRequest) -> std::time::Duration {
        req.app_data::<BodyTimeout>().map_or(DEFAULT_BODY_TIMEOUT, |t| t.0)
    }
}

/// Whether a Content-Type names JSON: `application/json` or a `+json` type, parameters aside.
fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json_media_type);
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_MAX_BODY_BYTES, |l| l.0);
        let deadline = BodyTimeout::of(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            // actix cuts slow headers itself; a body trickling in is cut here.
            let bytes = tokio::time::timeout(deadline, body)
                .await
                .map_err(|_| ApiError::RequestTimeout(deadline.as_secs()))?
                .map_err(|e| match e.as_response_error().status_code().as_u16() {
                    413 => ApiError::PayloadTooLarge { limit },
                    _ => ApiError::MalformedJson { detail: "the body could not be read".to_owned() },
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
    // serde_urlencoded's message names Rust types ("invalid digit found in string", "expected u32"):
    // keep the parameter name, reword the reason.
    let message = err.to_string();
    let message = message.strip_prefix("Query deserialize error: ").unwrap_or(&message);
    let reason = json::reason_in_words(message);
    ApiError::InvalidQuery(format!("a query parameter {reason}")).into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::InvalidPath(err.to_string()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_media_types_are_json() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/x-jsonish"));
        assert!(!is_json_media_type("application/jsonx"));
        assert!(!is_json_media_type("text/plain"));
    }
}
