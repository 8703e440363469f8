//! Completes the generated OpenAPI document with what per-handler annotations would repeat on
//! every route: the problem answers all routes share (401, 403, 408, 413, 415, 422, 429, 503),
//! which routes need no key, a description on every response, and the constraints of ids that
//! live in shared newtypes. One place, so a new route gets the same contract.

use serde_json::{json, Map, Value};

/// Routes served without an API key.
const PUBLIC: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// `StoreId` and `CustomerRef` (see `fitting::ids`).
const OPAQUE_REF_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";
/// Catalogue ids (see `catalogue::check_id`).
const CATALOGUE_ID_PATTERN: &str = "^[a-z0-9-]{1,100}$";
/// A POS sale id: printable, no leading or trailing space (see `outcomes::check_ids`).
const SALE_ID_PATTERN: &str = "^[^\\s\\x00-\\x1f\\x7f-\\x9f]([^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f])?$";

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn reason_phrase(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted: the work continues in the background",
        "204" => "Deleted; no body",
        "400" => "Malformed request (JSON syntax, a query or path parameter)",
        "404" => "No such record, or one this key may not see",
        "409" => "Conflict with a stored record",
        "413" => "Body too large",
        "422" => "A field is invalid (every invalid field is listed in `errors`)",
        "503" => "Unavailable: the database cannot be reached",
        _ => "Response",
    }
}

/// Where each parameter's value must come from, by name and place.
fn parameter_schema(path: &str, name: &str, schema: &mut Value) {
    let Some(schema) = schema.as_object_mut() else { return };
    match name {
        "store_id" | "customer_ref" => {
            schema.insert("pattern".into(), json!(OPAQUE_REF_PATTERN));
        }
        "sale_id" => {
            schema.insert("minLength".into(), json!(1));
            schema.insert("maxLength".into(), json!(100));
            schema.insert("pattern".into(), json!(SALE_ID_PATTERN));
        }
        "id" if path.starts_with("/v1/shoes/") || path.starts_with("/v1/insoles/") => {
            schema.insert("pattern".into(), json!(CATALOGUE_ID_PATTERN));
        }
        "id" if path.starts_with("/v1/fittings/") || path.starts_with("/v1/jobs/") => {
            schema.insert("format".into(), json!("uuid"));
        }
        _ => {}
    }
}

/// Adds the answers every route of this kind can give, keeping any the handler documents.
fn complete_operation(path: &str, op: &mut Map<String, Value>) {
    let public = PUBLIC.contains(&path);
    let has_body = op.contains_key("requestBody");
    let mut has_path = false;
    let mut has_query = false;
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params {
            let (name, place) = (p["name"].as_str().unwrap_or_default().to_owned(), p["in"].as_str().unwrap_or_default());
            has_path |= place == "path";
            has_query |= place == "query";
            if place == "path" {
                if let Some(schema) = p.get_mut("schema") {
                    parameter_schema(path, &name, schema);
                }
            }
        }
    }
    if public {
        // An empty requirement list overrides the document's global bearer requirement.
        op.insert("security".into(), json!([]));
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    let mut add = |status: &str, answer: Value| {
        responses.entry(status.to_owned()).or_insert(answer);
    };
    if !public {
        let mut unauthorized = problem("Missing, malformed, unknown or revoked API key");
        unauthorized["headers"] = json!({"WWW-Authenticate": {"description": "Always `Bearer`", "schema": {"type": "string"}}});
        add("401", unauthorized);
        add("403", problem("This key's role may not do this, or the request names another store"));
        let mut limited = problem("Over the key's rate limit, or too many requests without a valid key from this address");
        limited["headers"] =
            json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}});
        add("429", limited);
        add("503", problem("The database cannot be reached; retry shortly"));
    }
    if has_body {
        add("400", problem("The body is not JSON, or nests deeper than 128 levels"));
        add("408", problem("The body did not arrive within the client timeout"));
        add("413", problem("The body is larger than the configured limit"));
        add("415", problem("The Content-Type is not JSON (or, for uploads, not CSV or Parquet)"));
        add("422", problem(reason_phrase("422")));
    }
    if has_query {
        add("400", problem("A query parameter is malformed or unknown"));
        add("422", problem("A query parameter is out of range"));
    }
    if has_path {
        add("400", problem("A path parameter is malformed"));
        add("404", problem(reason_phrase("404")));
    }
    for (status, answer) in responses.iter_mut() {
        if let Some(answer) = answer.as_object_mut() {
            let described = answer.get("description").and_then(Value::as_str).is_some_and(|d| !d.is_empty());
            if !described {
                answer.insert("description".into(), json!(reason_phrase(status)));
            }
        }
    }
}

/// Constraints of shared id types on body properties, and the `fitting` xor `fitting_id` rule.
fn complete_schemas(schemas: &mut Map<String, Value>) {
    for (name, schema) in schemas.iter_mut() {
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for (prop, s) in props.iter_mut() {
                let Some(s) = s.as_object_mut() else { continue };
                let is_string = s.get("type").is_some_and(|t| t == "string" || t.as_array().is_some_and(|a| a.contains(&json!("string"))));
                if !is_string {
                    continue;
                }
                match prop.as_str() {
                    "store_id" | "customer_ref" => {
                        s.insert("pattern".into(), json!(OPAQUE_REF_PATTERN));
                    }
                    "sale_id" if name == "SaleReport" => {
                        s.insert("maxLength".into(), json!(100));
                        s.insert("pattern".into(), json!(SALE_ID_PATTERN));
                    }
                    _ => {}
                }
            }
        }
        if name == "RecommendationRequest" {
            if let Some(s) = schema.as_object_mut() {
                s.insert("oneOf".into(), json!([{"required": ["fitting"]}, {"required": ["fitting_id"]}]));
            }
        }
    }
}

pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    if let Some(op) = op.as_object_mut() {
                        complete_operation(path, op);
                    }
                }
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        complete_schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_response_is_described_and_keyed_routes_document_auth_failures() {
        let doc = super::super::openapi_value();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, r) in op["responses"].as_object().unwrap() {
                    assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
                }
                let public = PUBLIC.contains(&path.as_str());
                assert_eq!(op["responses"].get("401").is_some(), !public, "{method} {path}");
                assert_eq!(op.get("security") == Some(&json!([])), public, "{method} {path}");
            }
        }
    }
}
