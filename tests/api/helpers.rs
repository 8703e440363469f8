//! Test harness: each test gets the real service on a free port over a fresh SQLite file.

use serde_json::{json, Value};
use stridefit::auth::Role;
use stridefit::{Application, Settings};
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    /// Sends the admin key on every request.
    pub client: reqwest::Client,
    pub database: TestDatabase,
}

/// A fresh database per test: a SQLite file in a temp folder, or, when
/// `STRIDEFIT_TEST_DATABASE_URL` points at a PostgreSQL server, a new database on it
/// (dropped when the test ends).
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new() -> Self {
        match std::env::var("STRIDEFIT_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
            Some(admin_url) => {
                use diesel::{Connection, RunQueryDsl};
                let name = format!("stridefit_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&admin_url).expect("PostgreSQL reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
                Self { url: format!("{base}/{name}"), _dir: None, postgres: Some((admin_url.clone(), name)) }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                Self { url: format!("sqlite://{}", dir.path().join("stridefit.db").display()), _dir: Some(dir), postgres: None }
            }
        }
    }
}

impl TestDatabase {
    /// For PostgreSQL, this database's URL through another port (for outage tests).
    pub fn proxied_url(&self) -> Option<impl Fn(u16) -> String + '_> {
        let (_, name) = self.postgres.as_ref()?;
        Some(move |port: u16| format!("postgres://postgres@127.0.0.1:{port}/{name}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(TestDatabase::new()).await
}

/// Starts the service on an existing database (to test restarts).
pub async fn spawn_app_on(database: TestDatabase) -> TestApp {
    spawn_app_with(database, |_| {}).await
}

/// Starts the service with adjusted settings; the test client carries a fresh admin key.
pub async fn spawn_app_with(database: TestDatabase, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let address = start_replica_with(&database.url, tweak).await;
    let admin = create_key(&database.url, Role::Admin, None);
    TestApp { address, client: client_with(&admin), database }
}

/// Creates an API key directly in the database and returns its secret.
pub fn create_key(database_url: &str, role: Role, store: Option<&str>) -> String {
    let db = stridefit::db::Database::connect(database_url, 1).expect("database");
    let store = store.map(|s| stridefit::fitting::StoreId::parse(s).unwrap());
    let origins = if role == Role::Storefront { vec!["https://shop.example".to_owned()] } else { vec![] };
    stridefit::auth::create_key(&db, "test key", role, store, &origins).expect("key").1
}

/// An HTTP client that sends this key on every request.
pub fn client_with(secret: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {secret}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

/// Starts one more service process-equivalent on a database; returns its base URL.
pub async fn start_replica(database_url: &str) -> String {
    start_replica_with(database_url, |_| {}).await
}

pub async fn start_replica_with(database_url: &str, tweak: impl FnOnce(&mut Settings)) -> String {
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.to_owned(),
        workers: 1,
        db_pool_size: 4,
        refresh_interval_ms: 200,
        rate_limit_per_minute: 0,
        ..Settings::default()
    };
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let content_type =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, content_type, body, text }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::reply(self.client.get(self.url(path)).send().await.expect("request")).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Self::reply(self.client.delete(self.url(path)).send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        Self::reply(self.client.post(self.url(path)).json(body).send().await.expect("request")).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        Self::reply(self.client.put(self.url(path)).json(body).send().await.expect("request")).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
        let req = self.client.post(self.url(path)).header("content-type", content_type).body(body);
        Self::reply(req.send().await.expect("request")).await
    }

    pub async fn create_fitting(&self, fitting: &Value) -> String {
        let r = self.post("/v1/fittings", fitting).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn recommend(&self, request: &Value) -> Reply {
        self.post("/v1/recommendations", request).await
    }

    pub async fn set_stock(&self, store: &str, items: &[(&str, i32)]) -> Reply {
        let items: Vec<Value> = items.iter().map(|(id, q)| json!({"shoe_id": id, "quantity": q})).collect();
        self.put(&format!("/v1/stores/{store}/stock"), &json!({ "items": items })).await
    }
}

/// Asserts a problem+json answer with this status, and returns the body.
pub fn assert_problem(r: &Reply, status: u16) -> &Value {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(r.content_type.starts_with("application/problem+json"), "content type {}", r.content_type);
    for key in ["type", "title", "status", "detail", "code"] {
        assert!(r.body.get(key).is_some(), "problem lacks {key}: {}", r.text);
    }
    assert_eq!(r.body["status"], status);
    &r.body
}

pub fn shop_fitting() -> Value {
    stridefit::fitting::examples::shop_fitting()
}

pub fn web_fitting() -> Value {
    stridefit::fitting::examples::web_fitting()
}

pub fn shoe_ids(r: &Reply) -> Vec<String> {
    r.body["shoes"].as_array().expect("shoes").iter().map(|s| s["shoe_id"].as_str().unwrap().to_owned()).collect()
}
