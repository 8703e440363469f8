//! Health, readiness, metrics and database outages.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use stridefit::auth::Role;

use crate::helpers::*;

#[tokio::test]
async fn readiness_reports_the_loaded_model() {
    let app = spawn_app().await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "ready");
    assert!(r.body["model_version"].as_str().unwrap().len() > 3);
}

fn metric(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name_and_labels))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_counters_move_with_real_traffic() {
    let app = spawn_app().await;
    let before = app.get("/metrics").await.text;
    assert_eq!(metric(&before, "stridefit_recommendations_total"), 0.0);

    let mut urgent = web_fitting();
    urgent["health"] = json!({"red_flags": {"saddle_numbness": true}});
    app.recommend(&json!({ "fitting": urgent })).await;
    app.recommend(&json!({ "fitting": web_fitting() })).await;
    app.get("/v1/shoes/no-such-shoe").await;

    let after = app.get("/metrics").await.text;
    assert_eq!(metric(&after, "stridefit_recommendations_total"), 2.0, "{after}");
    assert_eq!(metric(&after, "stridefit_referrals_total{level=\"urgent\"}"), 1.0);
    assert_eq!(metric(&after, "stridefit_referrals_total{level=\"none\"}"), 1.0);
    assert_eq!(
        metric(&after, "stridefit_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/recommendations\",status=\"200\"}"),
        2.0
    );
    assert_eq!(metric(&after, "stridefit_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/shoes/{id}\",status=\"404\"}"), 1.0);
    let version = app.get("/readyz").await.body["model_version"].as_str().unwrap().to_owned();
    assert_eq!(metric(&after, &format!("stridefit_active_model_info{{version=\"{version}\"}}")), 1.0);
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (flag, handles) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: the database is "down"
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                handles.lock().unwrap().push(link);
            }
        });
        Self { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

// Multi-threaded: the proxy must keep running while the service start-up blocks on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_recovers_by_itself() {
    let database = TestDatabase::new();
    let proxy = Proxy::start("127.0.0.1:5432".into()).await;
    let Some(url) = database.proxied_url().map(|proxied| proxied(proxy.port)) else {
        eprintln!("skipped: needs STRIDEFIT_TEST_DATABASE_URL=postgres://… (run by .ci/run)");
        return;
    };
    let address = start_replica(&url).await;
    let client = client_with(&create_key(&database.url, Role::Admin, None));
    let get = |path: &str| client.get(format!("{address}{path}")).send();
    assert_eq!(get("/readyz").await.unwrap().status(), 200);

    proxy.cut();
    let r = get("/v1/fittings/3f1f6f0e-2c1a-4c9b-9a51-1d7f3c1b2a10").await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(get("/readyz").await.unwrap().status(), 503);
    assert_eq!(get("/healthz").await.unwrap().status(), 200, "the process itself is alive");

    proxy.restore();
    let start = Instant::now();
    loop {
        let status = get("/v1/fittings/3f1f6f0e-2c1a-4c9b-9a51-1d7f3c1b2a10").await.unwrap().status();
        if status == 404 {
            break; // the database answered again
        }
        assert!(start.elapsed() < Duration::from_secs(30), "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(database);
}

/// SIGTERM while a request is half sent: the server finishes that request, then exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_in_flight_request_finish_before_exit() {
    use std::io::{Read, Write};
    let database = TestDatabase::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stridefit"))
        .args(["serve", "--open", "--bind", &format!("127.0.0.1:{port}"), "--workers", "1"])
        .env("STRIDEFIT_DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let start = Instant::now();
    while reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(start.elapsed() < Duration::from_secs(30), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let body = json!({"fitting": web_fitting(), "top_k": 1}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /v1/recommendations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(tail.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("model_version"));

    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    // New connections are refused once it has gone.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
