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

/// The constraints of a path or query parameter, by its name (ids have one syntax wherever
/// they appear).
fn parameter_schema(path: &str, name: &str, schema: &mut Value) {
    let Some(schema) = schema.as_object_mut() else { return };
    // An optional query parameter's type may list "null"; a pattern applies to its strings.
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
            let (name, place) = (p["name"].as_str().unwrap_or_default().to_owned(), p["in"].as_str().unwrap_or_default().to_owned());
            let place = place.as_str();
            has_path |= place == "path";
            has_query |= place == "query";
            if place == "header" && name == "Idempotency-Key" {
                // Visible ASCII, 1-100 characters (see `api::fittings::idempotency_key`).
                p["schema"] = json!({"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[!-~]([ -~]*[!-~])?$"});
            }
            if place == "path" || place == "query" {
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
    // An upload must carry a file: an empty body is refused.
    if let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")).and_then(Value::as_object_mut) {
        for (media, body) in content.iter_mut() {
            if !media.contains("json") {
                body["schema"] = json!({"type": "string", "minLength": 1});
            }
        }
    }
    if path == "/v1/outcomes/import" {
        // The service reads CSV or Parquet whatever the declared type; `application/octet-stream`
        // lets generated clients upload a file (they support no `text/csv` bodies).
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            let binary = json!({"schema": {"type": "string", "format": "binary", "minLength": 1}});
            body.insert(
                "content".into(),
                json!({
                    "text/csv": {"schema": {"type": "string", "minLength": 1}},
                    "application/vnd.apache.parquet": binary.clone(),
                    "application/octet-stream": binary
                }),
            );
        }
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

/// Sets (lists of enum values) are collected into sets, so duplicates are accepted and merged:
/// the document must not promise the client that they are refused.
fn drop_unique_items(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("uniqueItems");
            map.values_mut().for_each(drop_unique_items);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unique_items),
        _ => {}
    }
}

/// Constraints of shared id types on body properties, and the `fitting` xor `fitting_id` rule.
fn complete_schemas(schemas: &mut Map<String, Value>) {
    schemas.values_mut().for_each(drop_unique_items);
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
        let set = |schema: &mut Value, pointer: &str, key: &str, value: Value| {
            if let Some(s) = schema.pointer_mut(pointer).and_then(Value::as_object_mut) {
                s.insert(key.to_owned(), value);
            }
        };
        match name.as_str() {
            "RecommendationRequest" => {
                // Exactly one of the two, and present means not null.
                set(schema, "", "oneOf", json!([{"required": ["fitting"]}, {"required": ["fitting_id"]}]));
                set(schema, "/properties", "fitting", json!({"$ref": "#/components/schemas/Fitting"}));
                set(schema, "/properties", "fitting_id", json!({"type": "string", "format": "uuid", "description": "A fitting stored with `POST /v1/fittings`."}));
                // `RecommendationService::recommend`'s price filter range.
                set(schema, "/properties/max_price_usd", "exclusiveMinimum", json!(0));
                set(schema, "/properties/max_price_usd", "maximum", json!(2000));
            }
            "SaleUpdate" => set(schema, "", "minProperties", json!(1)),
            // `Health::validate`: a previous injury names its type, its site, or both.
            "PreviousInjury" => set(
                schema,
                "",
                "anyOf",
                json!([
                    {"required": ["type"], "properties": {"type": {"$ref": "#/components/schemas/InjuryType"}}},
                    {"required": ["site"], "properties": {"site": {"$ref": "#/components/schemas/BodyLocation"}}}
                ]),
            ),
            "StockUpdate" | "InsoleStockUpdate" => {
                set(schema, "/properties/items", "minItems", json!(1));
                set(schema, "/properties/items", "maxItems", json!(super::stock::MAX_STOCK_ITEMS));
            }
            "StockQuantity" => {
                set(schema, "/properties/quantity", "minimum", json!(0));
                set(schema, "/properties/quantity", "maximum", json!(100_000));
                set(schema, "/properties/shoe_id", "pattern", json!(CATALOGUE_ID_PATTERN));
            }
            "InsoleQuantity" => set(schema, "/properties/insole_id", "pattern", json!(CATALOGUE_ID_PATTERN)),
            "Shoe" | "Insole" => {
                // The checks of `catalogue::{Shoe, Insole}::validate` that a schema can state.
                set(schema, "/properties/id", "pattern", json!(CATALOGUE_ID_PATTERN));
                for text in ["brand", "model"] {
                    set(schema, &format!("/properties/{text}"), "pattern", json!("\\S"));
                    set(schema, &format!("/properties/{text}"), "maxLength", json!(120));
                }
                let max_price = if name == "Shoe" { 2000 } else { 1000 };
                let ranges: &[(&str, f64, f64)] = &[
                    ("price_usd", 1.0, f64::from(max_price)),
                    ("heel_stack_mm", 5.0, 60.0),
                    ("forefoot_stack_mm", 3.0, 60.0),
                    ("drop_mm", 0.0, 20.0),
                    ("weight_g", 80.0, 600.0),
                    ("release_year", 1970.0, 2100.0),
                ];
                for (field, min, max) in ranges {
                    let pointer = format!("/properties/{field}");
                    if schema.pointer(&pointer).is_some() {
                        set(schema, &pointer, "minimum", json!(min));
                        set(schema, &pointer, "maximum", json!(max));
                    }
                }
                set(schema, "/properties/widths", "minItems", json!(1));
            }
            _ => {}
        }
    }
}

/// (create path, method, status, target operation ids, parameter, runtime expression).
type Link = (&'static str, &'static str, &'static str, &'static [&'static str], &'static str, &'static str);

/// OpenAPI links from each create to the reads and writes of what it created, so clients
/// (and stateful tests) can follow them.
const LINKS: &[Link] = &[
    ("/v1/fittings", "post", "201", &["get_fitting", "get_try_ons", "put_try_ons"], "id", "$response.body#/id"),
    ("/v1/outcomes", "post", "201", &["get_outcome", "update_outcome"], "sale_id", "$response.body#/sale_id"),
    ("/v1/shoes", "post", "201", &["get_shoe", "replace_shoe", "delete_shoe"], "id", "$response.body#/id"),
    ("/v1/insoles", "post", "201", &["get_insole", "replace_insole", "delete_insole"], "id", "$response.body#/id"),
    ("/v1/models", "post", "202", &["get_job", "cancel_job"], "id", "$response.body#/id"),
];

fn add_links(doc: &mut Value) {
    let known: Vec<String> = doc["paths"]
        .as_object()
        .map(|paths| {
            paths.values().filter_map(Value::as_object).flat_map(|item| item.values()).filter_map(|op| op["operationId"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default();
    for (path, method, status, targets, parameter, expression) in LINKS {
        let pointer = format!("/paths/{}/{method}/responses/{status}", path.replace('/', "~1"));
        let Some(response) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else { continue };
        let links = response.entry("links").or_insert_with(|| json!({}));
        for target in targets.iter().filter(|t| known.iter().any(|k| k == *t)) {
            links[*target] = json!({"operationId": target, "parameters": {*parameter: expression}});
        }
    }
}

pub fn complete(doc: &mut Value) {
    add_links(doc);
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
