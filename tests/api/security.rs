//! API keys, roles, per-store isolation, limits, idempotent writes and erasure.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stridefit::auth::Role;

use crate::helpers::*;

async fn send(client: &reqwest::Client, method: reqwest::Method, url: String, body: Option<&Value>) -> (u16, Value) {
    let mut req = client.request(method, url);
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

struct As<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl As<'_> {
    fn new<'a>(app: &'a TestApp, role: Role, store: Option<&str>) -> As<'a> {
        As { app, client: client_with(&create_key(&app.database.url, role, store)) }
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        send(&self.client, reqwest::Method::GET, self.app.url(path), None).await
    }
    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        send(&self.client, reqwest::Method::POST, self.app.url(path), Some(body)).await
    }
    async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        send(&self.client, reqwest::Method::PUT, self.app.url(path), Some(body)).await
    }
    async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        send(&self.client, reqwest::Method::PATCH, self.app.url(path), Some(body)).await
    }
}

#[tokio::test]
async fn requests_without_a_valid_key_are_401_problems() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let r = anonymous.post(app.url("/v1/recommendations")).json(&json!({"fitting": web_fitting()})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let bad = client_with("sf_not-a-real-key");
    assert_eq!(bad.get(app.url("/v1/shoes")).send().await.unwrap().status(), 401);
    // Health and docs stay public.
    assert_eq!(anonymous.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(anonymous.get(app.url("/openapi.json")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_revoked_key_stops_working_within_seconds() {
    let app = spawn_app().await;
    let staff = As::new(&app, Role::Staff, Some("S1"));
    assert_eq!(staff.get("/v1/shoes?limit=1").await.0, 200);
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    let id = db.with_conn(stridefit::db::keys::list).unwrap().into_iter().find(|k| k.role == stridefit::auth::Role::Staff).unwrap().id;
    db.with_conn(|c| stridefit::db::keys::revoke(c, &id, stridefit::time::parse_rfc3339("2026-11-25T00:00:00Z").unwrap())).unwrap();
    let start = Instant::now();
    while staff.get("/v1/shoes?limit=1").await.0 != 401 {
        assert!(start.elapsed() < Duration::from_secs(10), "revoked key still accepted");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_storefront_key_may_only_recommend_and_read_the_catalogue() {
    let app = spawn_app().await;
    let shop = As::new(&app, Role::Storefront, None);
    assert_eq!(shop.post("/v1/recommendations", &json!({"fitting": web_fitting()})).await.0, 200);
    assert_eq!(shop.get("/v1/shoes?limit=1").await.0, 200);
    let (status, body) = shop.post("/v1/fittings", &web_fitting()).await;
    assert_eq!(status, 403);
    assert_eq!((body["code"].as_str(), body["detail"].as_str()), (Some("forbidden"), Some("this storefront key may not record fittings")));
    assert_eq!(shop.get("/v1/models").await.0, 403);
    assert_eq!(shop.put("/v1/stores/S1/stock", &json!({"items": [{"shoe_id": "brooks-ghost-16", "quantity": 1}]})).await.0, 403);
    let id = app.create_fitting(&shop_fitting()).await;
    assert_eq!(shop.post("/v1/recommendations", &json!({"fitting_id": id})).await.0, 403);
}

#[tokio::test]
async fn a_staff_key_works_for_its_store_and_cannot_train_import_or_edit_the_catalogue() {
    let app = spawn_app().await;
    let till = As::new(&app, Role::Staff, Some("S1"));
    let mut fitting = shop_fitting();
    fitting.as_object_mut().unwrap().remove("store_id");
    let (status, created) = till.post("/v1/fittings", &fitting).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["fitting"]["store_id"], "S1", "stored for the key's store");
    let id = created["id"].as_str().unwrap();
    assert_eq!(till.post("/v1/recommendations", &json!({"fitting_id": id, "store_id": "S1"})).await.0, 200);
    let (status, _) = till
        .post("/v1/outcomes", &json!({"sale_id": "T-1", "fitting_id": id, "shoe_id": "brooks-ghost-16", "sold_at": "2026-10-01T10:00:00Z"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(till.get("/v1/outcomes/T-1").await.1["store_id"], "S1");

    assert_eq!(till.post("/v1/models", &json!({})).await.0, 403);
    let shoe = app.get("/v1/shoes/brooks-ghost-16").await.body;
    assert_eq!(till.put("/v1/shoes/brooks-ghost-16", &shoe).await.0, 403);
    assert_eq!(till.get("/v1/models").await.0, 403);
    let r = till.client.post(app.url("/v1/outcomes/import")).header("content-type", "text/csv").body("a,b\n").send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_analyst_trains_and_reads_across_stores_but_cannot_record_sales() {
    let app = spawn_app().await;
    let analyst = As::new(&app, Role::Analyst, None);
    let s2 = As::new(&app, Role::Staff, Some("S2"));
    let (_, f) = s2.post("/v1/fittings", &shop_fitting().as_object().unwrap().iter().filter(|(k, _)| *k != "store_id").map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>().into()).await;
    assert_eq!(analyst.get(&format!("/v1/fittings/{}", f["id"].as_str().unwrap())).await.0, 200);
    assert_eq!(analyst.get("/v1/models").await.0, 200);
    assert_eq!(analyst.post("/v1/fittings", &web_fitting()).await.0, 403);
    assert_eq!(analyst.post("/v1/outcomes", &json!({"shoe_id": "brooks-ghost-16"})).await.0, 403);
}

#[tokio::test]
async fn staff_of_one_store_can_never_reach_another_stores_records() {
    let app = spawn_app().await;
    let a = As::new(&app, Role::Staff, Some("SA"));
    let b = As::new(&app, Role::Staff, Some("SB"));
    let mut fitting = web_fitting();
    fitting["store_id"] = json!("SA");
    let (_, created) = a.post("/v1/fittings", &fitting).await;
    let id = created["id"].as_str().unwrap().to_owned();
    a.post("/v1/outcomes", &json!({"sale_id": "SA-1", "fitting_id": id, "shoe_id": "brooks-ghost-16", "sold_at": "2026-10-01T10:00:00Z"}))
        .await;

    // Reading, recommending from, or selling against A's fitting: as if it did not exist.
    assert_eq!(b.get(&format!("/v1/fittings/{id}")).await.0, 404);
    assert_eq!(b.post("/v1/recommendations", &json!({"fitting_id": id})).await.0, 404);
    let (status, body) = b
        .post("/v1/outcomes", &json!({"sale_id": "SB-1", "fitting_id": id, "shoe_id": "brooks-ghost-16", "sold_at": "2026-10-01T10:00:00Z"}))
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("fitting_id")));
    // A's sale: not readable, not changeable.
    assert_eq!(b.get("/v1/outcomes/SA-1").await.0, 404);
    assert_eq!(b.patch("/v1/outcomes/SA-1", &json!({"satisfaction": 1})).await.0, 404);
    assert_eq!(a.get("/v1/outcomes/SA-1").await.1["satisfaction"], Value::Null, "unchanged");
    // Writing into, or filtering by, store A.
    assert_eq!(b.post("/v1/fittings", &fitting).await.0, 403);
    assert_eq!(b.post("/v1/recommendations", &json!({"fitting": web_fitting(), "store_id": "SA"})).await.0, 403);
    assert_eq!(b.get("/v1/stores/SA/stock").await.0, 403);
    // Guessing ids gets nowhere either.
    assert_eq!(b.get("/v1/fittings/00000000-0000-0000-0000-000000000001").await.0, 404);
}

#[tokio::test]
async fn a_sale_id_used_by_another_store_answers_as_an_unknown_one() {
    let app = spawn_app().await;
    let a = As::new(&app, Role::Staff, Some("SA"));
    let b = As::new(&app, Role::Staff, Some("SB"));
    let sale = |satisfaction: i64| json!({"sale_id": "TILL-7", "shoe_id": "brooks-ghost-16", "sold_at": "2026-10-01T10:00:00Z", "satisfaction": satisfaction});
    let (status, first) = a.post("/v1/outcomes", &sale(5)).await;
    assert_eq!(status, 201, "{first}");

    // Store B's till numbers its sales alike: its own sale is created, not refused with 409.
    let (status, second) = b.post("/v1/outcomes", &sale(2)).await;
    assert_eq!((status, second["store_id"].as_str()), (201, Some("SB")), "{second}");
    // Each store reads and updates its own sale under the shared id.
    assert_eq!(a.get("/v1/outcomes/TILL-7").await.1["satisfaction"], 5);
    assert_eq!(b.patch("/v1/outcomes/TILL-7", &json!({"satisfaction": 3})).await.1["satisfaction"], 3);
    assert_eq!(a.get("/v1/outcomes/TILL-7").await.1["satisfaction"], 5, "A's sale untouched");
    // Naming the other store gets exactly what an unknown id gets.
    let (other, unknown) = (b.get("/v1/outcomes/TILL-7?store_id=SA").await, b.get("/v1/outcomes/NEVER-SOLD").await);
    assert_eq!((other.0, other.1["code"].clone()), (unknown.0, unknown.1["code"].clone()));

    // A key that sees every store must say which store it means.
    let admin = As::new(&app, Role::Admin, None);
    let (status, body) = admin.get("/v1/outcomes/TILL-7").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("sale_ambiguous")), "{body}");
    assert_eq!(admin.get("/v1/outcomes/TILL-7?store_id=SB").await.1["satisfaction"], 3);
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let app = spawn_app_with(TestDatabase::new(), |s| {
        s.rate_limit_per_minute = 60;
        s.rate_limit_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = app.client.get(app.url("/v1/shoes?limit=1")).send().await.unwrap();
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert!(retry_after.unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn a_retried_fitting_with_the_same_idempotency_key_is_stored_once() {
    let app = spawn_app().await;
    let post = |body: Value| {
        app.client.post(app.url("/v1/fittings")).header("Idempotency-Key", "till-7-0001").json(&body).send()
    };
    let replies = futures_util::future::join_all((0..8).map(|_| post(shop_fitting()))).await;
    let mut ids = std::collections::HashSet::new();
    for r in replies {
        let r = r.unwrap();
        assert_eq!(r.status(), 201);
        ids.insert(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "one fitting for eight retries: {ids:?}");
    let r = post(web_fitting()).await.unwrap();
    assert_eq!(r.status(), 409, "same key, different body");
}

#[tokio::test]
async fn erasing_a_customer_deletes_their_fittings_and_keeps_outcomes_for_training() {
    let app = spawn_app().await;
    let mut fitting = shop_fitting();
    fitting["customer_ref"] = json!("c-erase-me");
    let first = app.create_fitting(&fitting).await;
    let second = app.create_fitting(&fitting).await;
    let other = app.create_fitting(&shop_fitting()).await;
    app.post("/v1/outcomes", &json!({"sale_id": "E-1", "fitting_id": first, "shoe_id": "brooks-ghost-16", "sold_at": "2026-01-01T10:00:00Z", "satisfaction": 5}))
        .await;

    let r = app.delete("/v1/customers/c-erase-me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.body["fittings_deleted"].as_u64(), r.body["outcomes_detached"].as_u64()), (Some(2), Some(1)));
    assert_eq!(app.get(&format!("/v1/fittings/{first}")).await.status, 404);
    assert_eq!(app.get(&format!("/v1/fittings/{second}")).await.status, 404);
    assert_eq!(app.get(&format!("/v1/fittings/{other}")).await.status, 200, "other customers untouched");
    let outcome = app.get("/v1/outcomes/E-1").await.body;
    assert_eq!(outcome["fitting_id"], Value::Null);

    // The sale still trains, on a copy without the customer reference or health answers.
    let url = app.database.url.clone();
    let records = std::thread::spawn(move || {
        stridefit::training::load_records(&stridefit::db::Database::connect(&url, 1).unwrap()).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].fitting.customer_ref.is_none());
    assert!(records[0].fitting.health.pain.is_empty());
}

#[tokio::test]
async fn cors_allows_only_storefront_origins() {
    let app = spawn_app().await;
    create_key(&app.database.url, Role::Storefront, None); // origin https://shop.example
    tokio::time::sleep(Duration::from_millis(500)).await; // one refresh interval
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/v1/recommendations"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let ok = preflight("https://shop.example").await.unwrap();
    assert_eq!(ok.headers().get("access-control-allow-origin").unwrap(), "https://shop.example");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// CORS admits every storefront key's origins at the preflight (it carries no key); the request
/// itself is then held to the calling key's own origins, so shop A's key fails on shop B's page.
#[tokio::test]
async fn a_storefront_key_works_only_from_its_own_shops_pages() {
    let app = spawn_app().await;
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    let key_a = stridefit::auth::create_key(&db, "shop A", Role::Storefront, None, &["https://a.example".to_owned()]).unwrap().1;
    stridefit::auth::create_key(&db, "shop B", Role::Storefront, None, &["https://b.example".to_owned()]).unwrap();
    let staff = create_key(&app.database.url, Role::Staff, Some("S1"));
    let body = json!({"fitting": web_fitting()});
    let recommend = |key: &str, origin: Option<&str>| {
        let mut req = client_with(key).post(app.url("/v1/recommendations")).json(&body);
        if let Some(origin) = origin {
            req = req.header("Origin", origin);
        }
        req.send()
    };

    assert_eq!(recommend(&key_a, Some("https://a.example")).await.unwrap().status(), 200);
    // The shop's back end (no Origin) and the service's own pages (its own origin) may use it.
    assert_eq!(recommend(&key_a, None).await.unwrap().status(), 200);
    assert_eq!(recommend(&key_a, Some(&app.address)).await.unwrap().status(), 200);

    let refused = recommend(&key_a, Some("https://b.example")).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "origin_not_allowed");
    assert!(problem["detail"].as_str().unwrap().contains("https://b.example"), "{problem}");

    // Other roles are not browser keys: their origin is not checked here.
    assert_eq!(recommend(&staff, Some("https://b.example")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn open_mode_serves_without_keys() {
    let app = spawn_app_with(TestDatabase::new(), |s| s.open_access = true).await;
    let r = reqwest::Client::new().post(app.url("/v1/recommendations")).json(&json!({"fitting": web_fitting()})).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_keys_cli_prints_the_secret_alone_on_the_last_line_and_stores_only_its_hash() {
    let app = spawn_app().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["keys", "create", "--role", "staff", "--store", "S3", "--name", "till 3"])
        .env("STRIDEFIT_DATABASE_URL", &app.database.url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = stdout.trim_end().lines().last().unwrap().to_owned();
    assert!(secret.starts_with("sf_") && !secret.contains(' '));
    let till = client_with(&secret);
    assert_eq!(till.get(app.url("/v1/stores/S3/stock")).send().await.unwrap().status(), 200);

    let list = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["keys", "list"])
        .env("STRIDEFIT_DATABASE_URL", &app.database.url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(listed.contains("till 3") && !listed.contains(&secret));
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    assert!(db.with_conn(stridefit::db::keys::list).unwrap().iter().all(|k| k.secret_hash != secret));
}

#[tokio::test]
async fn nan_infinity_and_huge_numbers_are_4xx() {
    let app = spawn_app().await;
    for bad in ["NaN", "Infinity", "-Infinity", "1e999", "123456789012345678901234567890"] {
        let body = web_fitting().to_string().replace("82.0", bad);
        let r = app.post_raw("/v1/fittings", "application/json", body).await;
        assert!(r.status == 400 || r.status == 422, "{bad}: {}", r.text);
    }
}
