//! Validation every domain shares: a field error named by its JSON path, and strict JSON
//! parsing that reports every bad field at once. Nothing here knows HTTP.

pub mod json;

/// A field that failed validation, named by its JSON path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}
