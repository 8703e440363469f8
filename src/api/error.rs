//! The one place errors become HTTP: every failure answers `application/problem+json`
//! (RFC 9457) with a stable snake_case `code`, and the offending `field` where there is one.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use super::codes::ErrorCode;
use crate::catalogue::{CatalogueError, CatalogueItem};
use crate::db::DbError;
use crate::fitting::{FieldError, FittingError};

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed", "title": "A field is invalid", "status": 422,
    "detail": "gait.cadence_spm: must be between 120 and 240 steps/min",
    "code": "validation_failed", "field": "gait.cadence_spm"
}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field of a request body at once (`field`, `reason`), or every rejected
    /// row of an import file (with its `line`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemItem>,
}

/// One invalid field (of a body, or of an import file's row).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"field": "gait.cadence_spm", "reason": "must be between 120 and 240 steps/min"}))]
pub struct ProblemItem {
    /// Line of the import file (the header is line 1); absent for request bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Path of the field, e.g. `profile.body_mass_kg` or `health.pain[0].score_0_10`.
    pub field: String,
    pub reason: String,
}

impl From<FieldError> for ProblemItem {
    fn from(e: FieldError) -> Self {
        Self { line: None, field: e.field, reason: e.reason }
    }
}

impl From<crate::tabular::RowError> for ProblemItem {
    fn from(e: crate::tabular::RowError) -> Self {
        Self { line: Some(e.line), field: e.field, reason: e.reason }
    }
}

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{}: {}", .0.field, .0.reason)]
    Validation(FieldError),
    /// Several invalid fields of one body, all reported at once.
    #[error("{}", summarise(.0))]
    InvalidFields(Vec<FieldError>),
    #[error("{detail}")]
    MalformedJson { detail: String },
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidPath(String),
    #[error("requests must send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// A domain failure with its own code: an unknown id, a conflicting write.
    #[error("{1}")]
    Rejected(ErrorCode, String),
    #[error("no route {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("{detail}")]
    InvalidFile { detail: String, errors: Vec<crate::tabular::RowError> },
    #[error("the database is unavailable; try again shortly")]
    Unavailable(String),
    #[error("not ready: {0}")]
    NotReady(String),
    #[error("the request body did not arrive within {0} s")]
    RequestTimeout(u64),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    OtherStore(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_s: u64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// The `detail` of a multi-field validation problem: how many, then each in turn.
fn summarise(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("{}: {}", one.field, one.reason),
        many => {
            let each: Vec<String> = many.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect();
            format!("{} fields are invalid: {}", many.len(), each.join("; "))
        }
    }
}

/// Debug output (actix logs failed requests with it at debug level) names only the kind of
/// failure: details can echo values from the request, and logs carry no personal data.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code();
        let status = code.status().as_u16();
        let code = code.as_str();
        match self {
            ApiError::Internal(e) => write!(f, "{status} {code}: {e:#}"),
            ApiError::Unavailable(e) => write!(f, "{status} {code}: {e}"),
            _ => write!(f, "{status} {code}"),
        }
    }
}

impl ApiError {
    /// A validation problem for one or several fields.
    pub fn invalid_fields(mut errors: Vec<FieldError>) -> Self {
        if errors.len() == 1 {
            ApiError::Validation(errors.remove(0))
        } else {
            ApiError::InvalidFields(errors)
        }
    }

    /// The one mapping from a failure to its code (and through the code, its status).
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation(_) | ApiError::InvalidFields(_) => ErrorCode::ValidationFailed,
            ApiError::RequestTimeout(_) => ErrorCode::RequestTimeout,
            ApiError::MalformedJson { .. } => ErrorCode::MalformedJson,
            ApiError::InvalidQuery(_) => ErrorCode::InvalidQuery,
            ApiError::InvalidPath(_) => ErrorCode::InvalidPath,
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::Rejected(code, _) => *code,
            ApiError::RouteNotFound { .. } => ErrorCode::RouteNotFound,
            ApiError::InvalidFile { .. } => ErrorCode::InvalidFile,
            ApiError::Unavailable(_) => ErrorCode::DatabaseUnavailable,
            ApiError::NotReady(_) => ErrorCode::NotReady,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::OtherStore(_) => ErrorCode::OtherStore,
            ApiError::TooManyRequests { .. } => ErrorCode::RateLimited,
            ApiError::Internal(_) => ErrorCode::InternalError,
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        let (field, errors) = match self {
            ApiError::Validation(e) => (Some(e.field.clone()), vec![ProblemItem::from(e.clone())]),
            ApiError::InvalidFields(all) => {
                (all.first().map(|e| e.field.clone()), all.iter().cloned().map(ProblemItem::from).collect())
            }
            ApiError::InvalidFile { errors, .. } => (None, errors.iter().cloned().map(ProblemItem::from).collect()),
            _ => (None, Vec::new()),
        };
        Problem {
            kind: format!("/problems/{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status().as_u16(),
            detail: self.to_string(),
            code,
            field,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The cause chain goes to the log, never to the client.
            ApiError::Internal(e) => log::error!("internal error: {e:#}"),
            ApiError::Unavailable(e) => log::warn!("database unavailable: {e}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::TooManyRequests { retry_after_s, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_s.to_string()));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The rest of a timed-out body is never read: close rather than reuse the connection.
            ApiError::RequestTimeout(_) => {
                response.insert_header((header::CONNECTION, "close"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Validation(e)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            // Services map the not-found and unique-violation cases they expect; one that slips
            // through is a fault, and the driver's text stays in the log.
            DbError::NotFound => ApiError::Internal(anyhow::anyhow!("a record the service expected was not found")),
            DbError::Conflict(detail) => {
                log::warn!("unmapped unique violation: {detail}");
                ApiError::Rejected(ErrorCode::AlreadyExists, "another write created the same record first; read it, or retry".into())
            }
            DbError::Unavailable(detail) => ApiError::Unavailable(detail),
            DbError::Query(q) => ApiError::Internal(anyhow::Error::new(q).context("database query failed")),
            DbError::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<CatalogueError> for ApiError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::NotFound { kind: CatalogueItem::Shoe, .. } => ApiError::Rejected(ErrorCode::ShoeNotFound, e.to_string()),
            CatalogueError::NotFound { kind: CatalogueItem::Insole, .. } => ApiError::Rejected(ErrorCode::InsoleNotFound, e.to_string()),
            CatalogueError::AlreadyExists { kind: CatalogueItem::Shoe, .. } => ApiError::Rejected(ErrorCode::ShoeExists, e.to_string()),
            CatalogueError::AlreadyExists { kind: CatalogueItem::Insole, .. } => ApiError::Rejected(ErrorCode::InsoleExists, e.to_string()),
            CatalogueError::Invalid(f) => ApiError::Validation(f),
            CatalogueError::Db(db) => db.into(),
        }
    }
}

impl From<crate::outcomes::OutcomeError> for ApiError {
    fn from(e: crate::outcomes::OutcomeError) -> Self {
        use crate::outcomes::OutcomeError;
        match e {
            OutcomeError::NotFound(_) => ApiError::Rejected(ErrorCode::SaleNotFound, e.to_string()),
            OutcomeError::Conflict(_) => ApiError::Rejected(ErrorCode::SaleConflict, e.to_string()),
            OutcomeError::Ambiguous { .. } => ApiError::Rejected(ErrorCode::SaleAmbiguous, e.to_string()),
            OutcomeError::Invalid(f) => ApiError::Validation(f),
            OutcomeError::InvalidFields(all) => ApiError::invalid_fields(all),
            OutcomeError::Db(db) => db.into(),
        }
    }
}

impl From<crate::model::ModelError> for ApiError {
    fn from(e: crate::model::ModelError) -> Self {
        use crate::model::ModelError;
        match e {
            ModelError::NotFound(_) => ApiError::Rejected(ErrorCode::ModelNotFound, e.to_string()),
            ModelError::SchemaMismatch { .. } => ApiError::Rejected(ErrorCode::ModelSchemaMismatch, e.to_string()),
            ModelError::Corrupt(_) => ApiError::Internal(anyhow::anyhow!(e.to_string())),
            ModelError::Db(db) => db.into(),
        }
    }
}

impl From<crate::report::ReportError> for ApiError {
    fn from(e: crate::report::ReportError) -> Self {
        use crate::report::ReportError;
        match e {
            ReportError::Model(m) => m.into(),
            ReportError::NotEvaluated(_) => ApiError::Rejected(ErrorCode::ModelNotEvaluated, e.to_string()),
            ReportError::Render(inner) => ApiError::Internal(inner.context("the report did not render")),
        }
    }
}

impl From<crate::training::jobs::JobError> for ApiError {
    fn from(e: crate::training::jobs::JobError) -> Self {
        use crate::training::jobs::JobError;
        match e {
            JobError::NotFound(_) => ApiError::Rejected(ErrorCode::JobNotFound, e.to_string()),
            JobError::Db(db) => db.into(),
        }
    }
}

/// Row errors listed in one answer at most; the detail still counts them all.
const MAX_LISTED_ROW_ERRORS: usize = 1000;

impl From<crate::outcomes::import::ImportError> for ApiError {
    fn from(e: crate::outcomes::import::ImportError) -> Self {
        use crate::outcomes::import::ImportError;
        use crate::tabular::TableError;
        match e {
            ImportError::File(TableError::InvalidRows(mut rows)) => {
                let detail = format!("{} row(s) rejected; nothing was imported", rows.len());
                rows.truncate(MAX_LISTED_ROW_ERRORS);
                ApiError::InvalidFile { detail, errors: rows }
            }
            ImportError::File(other) => ApiError::InvalidFile { detail: other.to_string(), errors: Vec::new() },
            ImportError::Db(db) => db.into(),
            ImportError::Io(e) => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Missing | AuthError::Invalid => ApiError::Unauthorized(e.to_string()),
            AuthError::Forbidden { .. } => ApiError::Forbidden(e.to_string()),
            AuthError::OtherStore => ApiError::OtherStore(e.to_string()),
            AuthError::OtherOrigin { .. } => ApiError::Rejected(ErrorCode::OriginNotAllowed, e.to_string()),
            AuthError::RateLimited { retry_after_s } => ApiError::TooManyRequests { detail: e.to_string(), retry_after_s },
            AuthError::Db(db) => db.into(),
        }
    }
}

impl From<FittingError> for ApiError {
    fn from(e: FittingError) -> Self {
        match e {
            FittingError::NotFound(_) => ApiError::Rejected(ErrorCode::FittingNotFound, e.to_string()),
            FittingError::IdempotencyKeyReused(_) => ApiError::Rejected(ErrorCode::IdempotencyKeyReused, e.to_string()),
            FittingError::Invalid(f) => ApiError::Validation(f),
            FittingError::Db(db) => db.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_echoes_request_values() {
        // actix logs failed requests with `{:?}` at debug level.
        let errors = [
            ApiError::Validation(FieldError::new("customer_ref", "'jane@example.com' is not allowed")),
            ApiError::InvalidFields(vec![FieldError::new("a", "saddle numbness 'yes'"), FieldError::new("b", "x")]),
            ApiError::RouteNotFound { method: "DELETE".into(), path: "/v1/customers/c-secret".into() },
            ApiError::Rejected(ErrorCode::SaleNotFound, "no sale with id 'SALE-secret'".into()),
        ];
        for e in errors {
            let logged = format!("{e:?}");
            for secret in ["jane", "numbness", "c-secret", "SALE-secret"] {
                assert!(!logged.contains(secret), "{logged}");
            }
        }
    }

    #[test]
    fn several_invalid_fields_are_listed_with_a_summary() {
        let p = ApiError::invalid_fields(vec![FieldError::new("a", "is required"), FieldError::new("b.c", "must be a number")]).problem();
        assert_eq!((p.status, p.code, p.field.as_deref()), (422, ErrorCode::ValidationFailed, Some("a")));
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.detail, "2 fields are invalid: a: is required; b.c: must be a number");
    }
}
