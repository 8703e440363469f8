//! Several service processes on one database behave as one service.

use std::time::{Duration, Instant};

use serde_json::json;

use stridefit::auth::Role;

use crate::helpers::*;

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 10 s");
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
