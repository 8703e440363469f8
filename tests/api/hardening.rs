//! What the README promises under attack: erasure that leaves nothing on disk or in the
//! access log, imports that never 500, slow bodies cut, floods of bad keys limited before any
//! lookup, no cross-store oracles, and validation errors a form can use.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stridefit::auth::Role;

use crate::helpers::*;

/// Every byte of the SQLite database and its WAL.
fn sqlite_bytes(url: &str) -> Vec<u8> {
    let path = url.trim_start_matches("sqlite://");
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
            all.extend(bytes);
        }
    }
    all
}

/// Every byte of the PostgreSQL files holding the fittings table, its TOAST table and its
/// indexes, after a checkpoint has written the shared buffers out (the test runs on the
/// server's machine, as root or postgres).
fn postgres_fitting_bytes(url: &str) -> Vec<u8> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::PgConnection::establish(url).expect("PostgreSQL");
    diesel::sql_query("CHECKPOINT").execute(&mut conn).expect("checkpoint");
    let files: Vec<String> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Array<diesel::sql_types::Text>>(
        "(SELECT array_agg(current_setting('data_directory') || '/' || pg_relation_filepath(c.oid)) FROM pg_class c \
          WHERE c.oid = 'fittings'::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'fittings'::regclass) \
             OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'fittings'::regclass))",
    ))
    .get_result(&mut conn)
    .expect("relation files");
    let mut all = Vec::new();
    for file in files {
        // A relation larger than 1 GiB continues in FILE.1, FILE.2, …; these tables are small.
        all.extend(std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}")));
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn erasure_leaves_no_byte_of_the_runner_in_the_database_files() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["customer_ref"] = json!("c-scrub-9q8w7e");
    let first = app.create_fitting(&fitting).await;
    app.create_fitting(&fitting).await;
    let sale = json!({"sale_id": "SCRUB-1", "fitting_id": first, "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z"});
    assert_eq!(app.post("/v1/outcomes", &sale).await.status, 201);
    // PostgreSQL's jsonb keeps keys and values apart, so there the pain site is looked for as
    // a value (only the fittings table's files are read there; SQLite's whole file holds
    // other tables too, where the word alone could occur).
    let sqlite = app.database.url.starts_with("sqlite://");
    let secrets = ["c-scrub-9q8w7e", if sqlite { "\"location\":\"knee\"" } else { "knee" }];
    let files = |url: String| async move {
        if url.starts_with("sqlite://") {
            sqlite_bytes(&url)
        } else {
            tokio::task::spawn_blocking(move || postgres_fitting_bytes(&url)).await.unwrap()
        }
    };
    let before = files(app.database.url.clone()).await;
    for s in secrets {
        assert!(contains(&before, s), "the test must see {s} before the erasure");
    }

    let r = app.delete("/v1/customers/c-scrub-9q8w7e").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["fittings_deleted"], 2);

    let after = files(app.database.url.clone()).await;
    for s in secrets {
        assert!(!contains(&after, s), "{s} is still in the database files after the erasure");
    }
    // The sale still trains on its de-identified copy.
    assert_eq!(app.get("/v1/outcomes/SCRUB-1").await.body["fitting_id"], Value::Null);
}

#[tokio::test]
async fn the_access_log_names_route_patterns_never_customer_references() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("log.db").display());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["--database-url", &url, "serve", "--open", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = server.stderr.take().unwrap();
    // Read the log on a thread; find the port in the start-up line.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 || tx.send(String::from_utf8_lossy(&buf[..n]).into_owned()).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let start = Instant::now();
    let port = loop {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
            log.push_str(&chunk);
        }
        if let Some(port) = log.split("listening on port ").nth(1).and_then(|r| r.split_whitespace().next()) {
            break port.to_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no start-up line: {log}");
    };
    let client = reqwest::Client::new();
    let r = client.delete(format!("http://127.0.0.1:{port}/v1/customers/c-logged-4x4x")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client.get(format!("http://127.0.0.1:{port}/v1/outcomes/SALE-secret-77")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let start = Instant::now();
    while !log.contains("/v1/outcomes/{sale_id}") && start.elapsed() < Duration::from_secs(10) {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
            log.push_str(&chunk);
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(log.contains("DELETE /v1/customers/{customer_ref} 200"), "{log}");
    assert!(!log.contains("c-logged-4x4x") && !log.contains("SALE-secret-77"), "{log}");
}

#[tokio::test]
async fn re_importing_a_file_after_an_erasure_updates_the_sales_without_resurrecting_the_runner() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["customer_ref"] = json!("c-reimport-1");
    let cell = fitting.to_string().replace('"', "\"\"");
    let csv = format!("sale_id,shoe_id,sold_at,fitting,satisfaction\nRI-1,brooks-ghost-16,2026-01-01T10:00:00Z,\"{cell}\",4\n");
    let first = app.post_raw("/v1/outcomes/import", "text/csv", csv.clone()).await;
    assert_eq!((first.status, first.body["fittings_created"].as_u64()), (200, Some(1)), "{}", first.text);
    assert_eq!(app.delete("/v1/customers/c-reimport-1").await.body["fittings_deleted"], 1);

    let again = app.post_raw("/v1/outcomes/import", "text/csv", csv.replace(",4\n", ",2\n")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!((again.body["updated"].as_u64(), again.body["fittings_created"].as_u64()), (Some(1), Some(0)));
    let outcome = app.get("/v1/outcomes/RI-1").await.body;
    assert_eq!((outcome["satisfaction"].as_u64(), &outcome["fitting_id"]), (Some(2), &Value::Null), "{outcome}");
    // Still erased, and the sale still trains on its de-identified copy.
    assert_eq!(app.delete("/v1/customers/c-reimport-1").await.body["fittings_deleted"], 0);
    let url = app.database.url.clone();
    let records = std::thread::spawn(move || {
        stridefit::training::load_records(&stridefit::db::Database::connect(&url, 1).unwrap()).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].fitting.customer_ref.is_none());
}

/// Sends headers announcing a body, then trickles it one byte at a time.
fn trickle(port: u16, path: &str, content_type: &str) -> (String, Duration) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n").unwrap();
    let start = Instant::now();
    stream.set_nonblocking(true).unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while start.elapsed() < Duration::from_secs(15) {
        let _ = stream.write_all(b" ");
        std::thread::sleep(Duration::from_millis(300));
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                if response.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(_) => {}
        }
    }
    (String::from_utf8_lossy(&response).into_owned(), start.elapsed())
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_with_408() {
    let app = spawn_app_with(TestDatabase::new(), |s| {
        s.client_timeout_secs = 1;
        s.open_access = true;
    })
    .await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    for (path, content_type) in [("/v1/fittings", "application/json"), ("/v1/outcomes/import", "text/csv")] {
        let (response, took) = tokio::task::spawn_blocking(move || trickle(port, path, content_type)).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 408"), "{path}: {response:?} after {took:?}");
        assert!(took < Duration::from_secs(5), "{path}: cut after {took:?}");
    }
}

#[tokio::test]
async fn requests_without_a_valid_key_are_limited_per_address_before_any_lookup() {
    let app = spawn_app_with(TestDatabase::new(), |s| {
        // One a minute after the burst: nothing refills while the test runs, however slow.
        s.anonymous_rate_limit_per_minute = 1;
        s.anonymous_rate_limit_burst = 5;
    })
    .await;
    assert_eq!(app.get("/v1/shoes?limit=1").await.status, 200, "the admin key, looked up once");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..12 {
        let r = client_with(&format!("sf_flood_{i}")).get(app.url("/v1/shoes?limit=1")).send().await.unwrap();
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    assert!(retry_after.unwrap().parse::<u64>().unwrap() >= 1);
    // A blocked address is refused before its key is looked up, even a valid one never seen.
    let fresh = client_with(&create_key(&app.database.url, Role::Analyst, None));
    assert_eq!(fresh.get(app.url("/v1/shoes?limit=1")).send().await.unwrap().status(), 429);
    // Keys already known keep working.
    assert_eq!(app.get("/v1/shoes?limit=1").await.status, 200);
}

#[tokio::test]
async fn a_key_created_with_its_own_limit_is_held_to_it_and_keys_list_shows_it() {
    let app = spawn_app().await; // the service-wide per-key limit is off in tests
    let url = app.database.url.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["keys", "create", "--role", "storefront", "--name", "web", "--cors-origin", "https://shop.example"])
        .args(["--rate-limit-per-minute", "2", "--rate-limit-burst", "2"])
        .env("STRIDEFIT_DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = String::from_utf8(out.stdout).unwrap().trim_end().lines().last().unwrap().to_owned();
    let web = client_with(&secret);
    let statuses: Vec<u16> =
        futures_util::future::join_all((0..4).map(|_| web.get(app.url("/v1/shoes?limit=1")).send())).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["keys", "list"])
        .env("STRIDEFIT_DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let listed = String::from_utf8(list.stdout).unwrap();
    let line = listed.lines().find(|l| l.contains(" web ")).unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("2 (+2)") && line.contains("https://shop.example"), "{listed}");
}

#[tokio::test]
async fn storefront_keys_filter_by_stock_only_of_the_store_they_are_bound_to() {
    let app = spawn_app().await;
    app.set_stock("S1", &[("brooks-ghost-16", 2)]).await;
    let unbound = client_with(&create_key(&app.database.url, Role::Storefront, None));
    let bound = client_with(&create_key(&app.database.url, Role::Storefront, Some("S1")));
    let ask = |client: &reqwest::Client, store: &str| {
        client.post(app.url("/v1/recommendations")).json(&json!({"fitting": web_fitting(), "store_id": store})).send()
    };
    assert_eq!(ask(&unbound, "S1").await.unwrap().status(), 403);
    assert_eq!(ask(&bound, "S1").await.unwrap().status(), 200);
    assert_eq!(ask(&bound, "S2").await.unwrap().status(), 403);
    let r = unbound.post(app.url("/v1/recommendations")).json(&json!({"fitting": web_fitting()})).send().await.unwrap();
    assert_eq!(r.status(), 200, "without a stock filter the storefront still recommends");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    let secret = create_key(&app.database.url, Role::Analyst, None);
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let r = reqwest::Client::new().get(app.url("/v1/shoes?limit=1")).header("authorization", format!("{scheme} {secret}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn locations_are_percent_encoded() {
    let app = spawn_app().await;
    let sale = json!({"sale_id": "A/B 1?x#é", "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z"});
    let r = app.client.post(app.url("/v1/outcomes")).json(&sale).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["location"], "/v1/outcomes/A%2FB%201%3Fx%23%C3%A9");
    let located = app.get(r.headers()["location"].to_str().unwrap()).await;
    assert_eq!((located.status, located.body["sale_id"].as_str()), (200, Some("A/B 1?x#é")));
}

#[tokio::test]
async fn blank_or_padded_sale_ids_are_refused() {
    let app = spawn_app().await;
    for id in [" ", "  ", " S-1", "S-1 ", "\t"] {
        let sale = json!({"sale_id": id, "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z"});
        assert_eq!(assert_problem(&app.post("/v1/outcomes", &sale).await, 422)["field"], "sale_id", "{id:?}");
    }
}

#[tokio::test]
async fn json_nested_past_128_levels_is_a_400() {
    let app = spawn_app().await;
    let deep = format!("{{\"profile\": {}{}}}", "[".repeat(200), "]".repeat(200));
    assert_eq!(assert_problem(&app.post_raw("/v1/fittings", "application/json", deep).await, 400)["code"], "malformed_json");
}

#[tokio::test]
async fn content_types_that_merely_mention_json_are_415() {
    let app = spawn_app().await;
    for ct in ["text/x-jsonish", "application/jsonx", "text/plain; note=json"] {
        assert_problem(&app.post_raw("/v1/fittings", ct, web_fitting().to_string()).await, 415);
    }
    let r = app.post_raw("/v1/recommendations", "application/json; charset=utf-8", json!({"fitting": web_fitting()}).to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once_in_words_a_form_can_show() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["profile"]["body_mass_kg"] = json!("heavy");
    fitting["profile"].as_object_mut().unwrap().remove("goal");
    fitting["gait"]["cadence_spm"] = json!(20);
    fitting["wear"]["distance_on_shoe_km"] = json!(true);
    let r = app.post("/v1/fittings", &fitting).await;
    let p = assert_problem(&r, 422);
    let mut fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["gait.cadence_spm", "profile.body_mass_kg", "profile.goal", "wear.distance_on_shoe_km"], "{}", r.text);
    assert!(p["detail"].as_str().unwrap().starts_with("4 fields are invalid"), "{}", r.text);
    for rust in ["f64", "f32", "u32", "i64", "usize", "bool", "invalid digit", "struct ", "expected"] {
        assert!(!r.text.contains(rust), "{rust} in {}", r.text);
    }
    let goal = p["errors"].as_array().unwrap().iter().find(|e| e["field"] == "profile.goal").unwrap();
    assert_eq!(goal["reason"], "is required");
    let r = app.get("/v1/shoes?limit=abc").await;
    assert!(!r.text.contains("invalid digit") && !r.text.contains("u32"), "{}", r.text);
}

#[tokio::test]
async fn a_deleted_job_is_gone() {
    let app = spawn_app().await;
    let job = app.post("/v1/models", &json!({})).await;
    assert_eq!(job.status, 202, "{}", job.text);
    let url = format!("/v1/jobs/{}", job.body["id"].as_str().unwrap());
    assert_eq!(app.delete(&url).await.status, 202);
    assert_problem(&app.get(&url).await, 404);
    assert_problem(&app.delete(&url).await, 404);
}

#[tokio::test]
async fn another_method_on_a_public_route_is_405() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = reqwest::Client::new().post(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 405, "{path}");
    }
}

#[tokio::test]
async fn an_object_sent_as_an_array_is_refused() {
    let app = spawn_app().await;
    let mut fitting = web_fitting();
    fitting["profile"] = json!([82.0, "male"]);
    let r = app.post("/v1/recommendations", &json!({"fitting": fitting})).await;
    assert_eq!(assert_problem(&r, 422)["field"], "fitting.profile", "{}", r.text);
    let r = app.post("/v1/recommendations", &json!({"fitting": web_fitting(), "fitting_id": null})).await;
    assert_eq!(assert_problem(&r, 422)["field"], "fitting_id", "{}", r.text);
}

#[tokio::test]
async fn the_docs_page_never_calls_an_outside_validator() {
    let app = spawn_app().await;
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(init.text.contains("\"validatorUrl\": \"none\""), "{}", init.text);
}
