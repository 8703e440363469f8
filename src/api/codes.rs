//! Every failure the API reports, in one table: its stable `code`, HTTP status, title and when
//! it happens. Problems, the OpenAPI document (the `code` enum) and README's error table all
//! come from here; a test keeps README in step.

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $status:ident, $title:literal, $when:literal;)*) => {
        /// A problem's stable, machine-readable `code`: one per distinct failure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title,)* }
            }

            /// When a client meets it, in words (README's table).
            pub fn when(self) -> &'static str {
                match self { $(ErrorCode::$variant => $when,)* }
            }
        }
    };
}

error_codes! {
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY, "Invalid fields",
        "Values out of range, unknown enums or fields, missing fields: `errors` lists every one, `field` is the first.";
    MalformedJson = "malformed_json", BAD_REQUEST, "The body is not valid JSON",
        "The body is not JSON, or nests deeper than 128 levels.";
    InvalidQuery = "invalid_query", BAD_REQUEST, "A query parameter is invalid",
        "A query parameter is unknown, missing or of the wrong type.";
    InvalidPath = "invalid_path", BAD_REQUEST, "A path parameter is invalid",
        "A path segment is not of the form the route takes.";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported content type",
        "JSON routes need `Content-Type: application/json` (or another `application/*+json`).";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, "Body too large",
        "The body is over `STRIDEFIT_MAX_BODY_BYTES` (JSON) or `STRIDEFIT_MAX_IMPORT_BYTES` (import files).";
    RequestTimeout = "request_timeout", REQUEST_TIMEOUT, "Request timeout",
        "The body did not arrive within `STRIDEFIT_CLIENT_TIMEOUT_SECS`.";
    RouteNotFound = "route_not_found", NOT_FOUND, "No such route",
        "No route has this method and path.";
    FittingNotFound = "fitting_not_found", NOT_FOUND, "No such fitting",
        "No fitting has this id, or it belongs to another store.";
    ShoeNotFound = "shoe_not_found", NOT_FOUND, "No such shoe",
        "No shoe in the catalogue has this id.";
    InsoleNotFound = "insole_not_found", NOT_FOUND, "No such insole",
        "No insole in the catalogue has this id.";
    SaleNotFound = "sale_not_found", NOT_FOUND, "No such sale",
        "No sale has this id at the caller's store (or the store named).";
    ModelNotFound = "model_not_found", NOT_FOUND, "No such model",
        "No stored model has this version.";
    JobNotFound = "job_not_found", NOT_FOUND, "No such job",
        "No job has this id.";
    SizeOffsetNotFound = "size_offset_not_found", NOT_FOUND, "No learned size offset",
        "No training run has learned a size offset for this shoe yet (or it is not in the catalogue).";
    SizeChartNotFound = "size_chart_not_found", NOT_FOUND, "No size chart",
        "No bundled size chart is for this brand.";
    ShoeExists = "shoe_exists", CONFLICT, "The shoe exists",
        "A shoe with this id is already in the catalogue.";
    InsoleExists = "insole_exists", CONFLICT, "The insole exists",
        "An insole with this id is already in the catalogue.";
    SaleAmbiguous = "sale_ambiguous", CONFLICT, "Several stores use this sale id",
        "A key that sees every store named a sale id two stores use: add `?store_id=`.";
    SaleConflict = "sale_conflict", CONFLICT, "The sale was reported differently",
        "The sale id (or `Idempotency-Key`) was already used for a sale with other details.";
    IdempotencyKeyReused = "idempotency_key_reused", CONFLICT, "The key was used for another request",
        "An `Idempotency-Key` was already used with a different body.";
    ModelSchemaMismatch = "model_schema_mismatch", CONFLICT, "The model needs other features",
        "The model was trained on other feature definitions than this release computes.";
    ModelNotEvaluated = "model_not_evaluated", CONFLICT, "The model has no evaluation yet",
        "The model has no stored evaluation to report on: `POST /v1/models/{version}/evaluate` makes one.";
    AlreadyExists = "already_exists", CONFLICT, "The record exists",
        "Another write created the same record first.";
    InvalidFile = "invalid_file", UNPROCESSABLE_ENTITY, "The file has invalid rows",
        "An import file is unreadable or has bad rows; `errors` lists every one, nothing was written.";
    Unauthorized = "unauthorized", UNAUTHORIZED, "Authentication required",
        "Missing, malformed, unknown or revoked API key (`WWW-Authenticate: Bearer`).";
    Forbidden = "forbidden", FORBIDDEN, "Not allowed",
        "The key's role may not do this.";
    OtherStore = "other_store", FORBIDDEN, "Another store's",
        "A staff key wrote to, or filtered by, a store other than its own.";
    OriginNotAllowed = "origin_not_allowed", FORBIDDEN, "Not allowed from this web page",
        "A storefront key was used from a browser page at an origin the key was not made for.";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, "Too many requests",
        "Over the key's rate, or too many requests without a valid key from one address (`Retry-After`).";
    DatabaseUnavailable = "database_unavailable", SERVICE_UNAVAILABLE, "Service unavailable",
        "The database cannot be reached; the service recovers by itself.";
    NotReady = "not_ready", SERVICE_UNAVAILABLE, "Not ready",
        "The service is starting or shutting down.";
    InternalError = "internal_error", INTERNAL_SERVER_ERROR, "Internal error",
        "A fault of the service; the log has the cause, the answer never does.";
}

/// README's error table, generated from the codes.
pub fn markdown_table() -> String {
    let mut out = String::from("| Status | `code` | When |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        out.push_str(&format!("| {} | `{}` | {} |\n", code.status().as_u16(), code.as_str(), code.when()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_serialises_as_its_name_and_names_are_unique() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    /// README lists every code as the service answers it (`UPDATE_README=1` rewrites the table).
    #[test]
    fn readme_error_table_matches_the_codes() {
        const START: &str = "<!-- error-codes:start -->\n";
        const END: &str = "<!-- error-codes:end -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md has no {START:?} … {END:?} markers");
        };
        let current = &readme[start + START.len()..end];
        let expected = markdown_table();
        if current != expected {
            if std::env::var_os("UPDATE_README").is_some() {
                let updated = format!("{}{expected}{}", &readme[..start + START.len()], &readme[end..]);
                std::fs::write(path, updated).unwrap();
            } else {
                panic!("README's error table is stale: run UPDATE_README=1 cargo test --lib readme_error_table");
            }
        }
    }
}
