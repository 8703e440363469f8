//! Several service processes on one database behave as one service.

use std::time::{Duration, Instant};

use serde_json::json;

use stridefit::auth::Role;

use crate::helpers::*;

async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(what, Duration::from_secs(10), check).await
}

async fn eventually_within<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within {limit:?}");
}

#[tokio::test]
async fn a_catalogue_change_and_a_model_activation_through_one_replica_reach_the_other() {
    let a = spawn_app().await;
    let b = start_replica(&a.database.url).await;
    let client = a.client.clone();

    let shoe = json!({"id": "replica-test-1", "brand": "R", "model": "One", "category": "daily", "support": "neutral",
        "cushioning": "high", "terrain": "road", "price_usd": 120.0, "widths": ["standard"]});
    assert_eq!(a.post("/v1/shoes", &shoe).await.status, 201);
    eventually("the new shoe on replica B", || async {
        client.get(format!("{b}/v1/shoes/replica-test-1")).send().await.map(|r| r.status() == 200).unwrap_or(false)
    })
    .await;

    assert_eq!(a.post("/v1/models/baseline-rules-v1/activate", &json!({})).await.status, 200);
    eventually("the activation on replica B", || async {
        let r = client.post(format!("{b}/v1/recommendations")).json(&json!({"fitting": web_fitting(), "top_k": 1})).send().await;
        match r {
            Ok(r) => r.json::<serde_json::Value>().await.map(|v| v["model_version"] == "baseline-rules-v1").unwrap_or(false),
            Err(_) => false,
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_on_two_replicas_never_duplicate_a_sale() {
    let a = spawn_app().await;
    let b = start_replica(&a.database.url).await;
    let fitting_id = a.create_fitting(&shop_fitting()).await;
    let body = json!({"sale_id": "RACE-1", "fitting_id": fitting_id, "shoe_id": "brooks-ghost-16", "store_id": "S1",
        "sold_at": "2026-10-01T10:00:00Z"});
    let targets: Vec<String> = (0..10).map(|i| if i % 2 == 0 { a.address.clone() } else { b.clone() }).collect();
    let client = a.client.clone();
    let replies = futures_util::future::join_all(
        targets.iter().map(|base| client.post(format!("{base}/v1/outcomes")).json(&body).send()),
    )
    .await;
    let statuses: Vec<u16> = replies.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 201), "{statuses:?}");

    // And every fitting written through either replica is kept.
    let ids = futures_util::future::join_all((0..10).map(|i| {
        let base = if i % 2 == 0 { a.address.clone() } else { b.clone() };
        let client = client.clone();
        async move {
            let r = client.post(format!("{base}/v1/fittings")).json(&web_fitting()).send().await.unwrap();
            r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        }
    }))
    .await;
    for id in ids {
        assert_eq!(a.get(&format!("/v1/fittings/{id}")).await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_on_a_fresh_database_migrate_and_seed_once() {
    let database = TestDatabase::new();
    let (u1, u2) = (database.url.clone(), database.url.clone());
    let (a, b) = tokio::join!(tokio::spawn(async move { start_replica(&u1).await }), tokio::spawn(async move { start_replica(&u2).await }));
    let (a, b) = (a.unwrap(), b.unwrap());
    let client = client_with(&create_key(&database.url, Role::Admin, None));
    for base in [a, b] {
        let shoes: serde_json::Value = client.get(format!("{base}/v1/shoes?limit=1")).send().await.unwrap().json().await.unwrap();
        assert!(shoes["total"].as_u64().unwrap() >= 80, "{shoes}");
        let models: serde_json::Value = client.get(format!("{base}/v1/models")).send().await.unwrap().json().await.unwrap();
        assert_eq!(models.as_array().unwrap().len(), 2, "default model stored once, plus the rules: {models}");
    }
}

async fn job_status(client: &reqwest::Client, base: &str, id: &str) -> (u16, String) {
    let r = client.get(format!("{base}/v1/jobs/{id}")).send().await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (status, body["status"].as_str().unwrap_or_default().to_owned())
}

async fn import_demo_history(app: &TestApp) {
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv")).unwrap();
    let r = app.post_raw("/v1/outcomes/import", "text/csv", csv).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn one_training_run_at_a_time_and_a_cancel_on_one_replica_stops_the_run_on_the_other() {
    let a = spawn_app_with(TestDatabase::new(), |s| s.job_lease_secs = 3).await;
    let b = start_replica_with(&a.database.url, |s| s.job_lease_secs = 3).await;
    import_demo_history(&a).await;
    let models_before = a.get("/v1/models").await.body.as_array().unwrap().len();

    let first = a.post("/v1/models", &json!({})).await.body;
    assert_eq!(first["status"], "running", "the queue was free, so A started it: {first}");
    let first = first["id"].as_str().unwrap().to_owned();
    // A second run queued through B waits: the first holds the deployment's training queue.
    let second: serde_json::Value = a.client.post(format!("{b}/v1/models")).json(&json!({})).send().await.unwrap().json().await.unwrap();
    assert_eq!(second["status"], "queued", "{second}");
    let second = second["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(job_status(&a.client, &b, &second).await.1, "queued");

    // Cancelling the first through B stops it on A: the queue frees and the second run starts.
    let r = a.client.delete(format!("{b}/v1/jobs/{first}")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(job_status(&a.client, &a.address, &first).await.0, 404, "a cancelled job is gone everywhere");
    let client = a.client.clone();
    // The run stops at training's next checkpoint (seconds apart in a debug build under load).
    eventually_within("the queued run to start once the cancelled one stopped", Duration::from_secs(90), || async {
        job_status(&client, &b, &second).await.1 != "queued"
    })
    .await;
    let listed = a.get("/v1/jobs").await.body;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["id"], second.as_str());

    // Cancel the second through A, wherever it runs; neither run stored a model.
    assert_eq!(a.client.delete(format!("{}/v1/jobs/{second}", a.address)).send().await.unwrap().status(), 202);
    assert_eq!(a.get("/v1/jobs").await.body["total"], 0);
    // Both runs have let the queue go: a third starts at once, and neither cancelled run stored a model.
    let third = a.post("/v1/models", &json!({})).await.body;
    eventually_within("the queue to be free", Duration::from_secs(90), || async {
        job_status(&client, &a.address, third["id"].as_str().unwrap()).await.1 != "queued"
    })
    .await;
    a.client.delete(format!("{}/v1/jobs/{}", a.address, third["id"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(a.get("/v1/models").await.body.as_array().unwrap().len(), models_before, "cancelled runs store nothing");
}

#[tokio::test]
async fn a_run_whose_process_was_killed_is_marked_failed_once_its_lease_lapses() {
    let database = TestDatabase::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["serve", "--open", "--bind", &format!("127.0.0.1:{port}"), "--workers", "1"])
        .env("STRIDEFIT_DATABASE_URL", &database.url)
        .env("STRIDEFIT_JOB_LEASE_SECS", "2")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let start = Instant::now();
    while client.get(format!("{base}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(start.elapsed() < Duration::from_secs(30), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv")).unwrap();
    let r = client.post(format!("{base}/v1/outcomes/import")).header("content-type", "text/csv").body(csv).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let job: serde_json::Value = client.post(format!("{base}/v1/models")).json(&json!({})).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["status"], "running", "{job}");
    let id = job["id"].as_str().unwrap().to_owned();

    // The process dies mid-run, without a word (kill -9), and a replica comes up.
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = Instant::now();
    let replica = start_replica_with(&database.url, |s| {
        s.job_lease_secs = 2;
        s.open_access = true;
    })
    .await;
    let mut last = String::new();
    while killed_at.elapsed() < Duration::from_secs(10) {
        let r: serde_json::Value = client.get(format!("{replica}/v1/jobs/{id}")).send().await.unwrap().json().await.unwrap();
        if r["status"] == "failed" {
            assert!(r["message"].as_str().unwrap().contains("interrupted"), "{r}");
            // The queue is free again: a new run starts at once.
            let next: serde_json::Value = client.post(format!("{replica}/v1/models")).json(&json!({})).send().await.unwrap().json().await.unwrap();
            assert_eq!(next["status"], "running", "{next}");
            client.delete(format!("{replica}/v1/jobs/{}", next["id"].as_str().unwrap())).send().await.unwrap();
            return;
        }
        last = r.to_string();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the killed run was not marked failed within its lease: {last}");
}

#[tokio::test]
async fn replicas_writing_the_same_stock_row_at_once_all_succeed() {
    let a = spawn_app().await;
    let b = start_replica(&a.database.url).await;
    let shoes: Vec<String> = a.get("/v1/shoes?limit=60").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let client = a.client.clone();
    // Every writer creates the same fresh rows at once: the window where an update-then-insert
    // loses a race.
    let writes = (0..8).map(|i| {
        let base = if i % 2 == 0 { a.address.clone() } else { b.clone() };
        let items: Vec<serde_json::Value> = shoes.iter().map(|id| json!({"shoe_id": id, "quantity": i + 1})).collect();
        let client = client.clone();
        async move {
            client.put(format!("{base}/v1/stores/S9/stock")).json(&json!({"items": items})).send().await.unwrap().status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(statuses.iter().all(|s| *s == 200), "every write is an upsert, none a 409: {statuses:?}");
    let stock = a.get("/v1/stores/S9/stock").await.body;
    assert_eq!(stock["items"].as_array().unwrap().len(), shoes.len(), "one row per shoe");
}
