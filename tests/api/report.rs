//! The analyst's report and the activation history: evaluation as a job, the page's
//! sections and figures, its rendering in a real browser, and who activated what.

use std::path::PathBuf;
use std::time::Duration;

use scraper::{Html, Selector};
use serde_json::{json, Value};
use stridefit::auth::Role;

use crate::browser::{pdf_pages, Browser, DESKTOP};
use crate::helpers::*;

const BUNDLED: &str = "m-20261129-002904-6d5e";
const SECTIONS: &[&str] =
    &["verdict", "data", "comparison", "calibration", "stores", "learning-curve", "rank", "effects", "reasons", "model-card", "size-offsets", "activations"];

async fn wait_for_job(app: &TestApp, job: &Value) -> Value {
    let url = format!("/v1/jobs/{}", job["id"].as_str().unwrap());
    for _ in 0..3000 {
        let r = app.get(&url).await;
        let status = r.body["status"].as_str().unwrap_or_default().to_owned();
        if !matches!(status.as_str(), "queued" | "running") {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job did not finish");
}

fn demo_outcomes() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv")).unwrap()
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef) -> String {
    e.text().collect::<String>()
}

fn target_dir() -> PathBuf {
    let dir = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every figure of the comparison table is the stored evaluation's, to the digit shown.
fn assert_comparison_matches(doc: &Html, analysis: &Value) {
    let comparison = &analysis["comparison"];
    let roles = [("candidate", "candidate"), ("rules", "baseline"), ("popularity reference", "popularity"), ("random reference", "random")];
    for (role, key) in roles {
        let rows = select(doc, &format!("section#comparison tr[data-role=\"{role}\"]"));
        assert_eq!(rows.len(), 1, "one {role} row");
        let overall = &comparison[key]["overall"];
        assert_eq!(rows[0].value().attr("data-version"), comparison[key]["model_version"].as_str());
        for metric in ["tried_ndcg_at_5", "ndcg_at_5", "auc", "mrr", "log_loss", "ece"] {
            let cell = rows[0].select(&Selector::parse(&format!("td[data-metric=\"{metric}\"]")).unwrap()).next().unwrap();
            match overall[metric].as_f64() {
                Some(v) => {
                    // Stored JSON read back may differ from the in-memory figure in the last bit.
                    let shown: f64 = cell.value().attr("data-value").unwrap().parse().unwrap();
                    assert!((shown - v).abs() < 1e-12, "{role} {metric}: {shown} vs {v}");
                    assert!(text(&cell).starts_with(&format!("{v:.3}")), "{role} {metric}: {} vs {v}", text(&cell));
                }
                None => assert_eq!(text(&cell), "–", "{role} {metric} has no value"),
            }
        }
        let interval = &overall["tried_ndcg_at_5_interval"];
        if interval.is_object() {
            let cell = rows[0].select(&Selector::parse("td[data-metric=\"tried_ndcg_at_5\"]").unwrap()).next().unwrap();
            let expected = format!("[{:.3}, {:.3}]", interval["low"].as_f64().unwrap(), interval["high"].as_f64().unwrap());
            assert!(text(&cell).ends_with(&expected), "{role}: {} lacks {expected}", text(&cell));
        }
    }
    let gain = &comparison["gain"];
    let line = text(&select(doc, "#gain")[0]);
    assert!(line.contains(&format!("{:+.3}", gain["mean"].as_f64().unwrap())), "{line}");
    assert!(line.contains(&format!("[{:+.3}, {:+.3}]", gain["interval"]["low"].as_f64().unwrap(), gain["interval"]["high"].as_f64().unwrap())), "{line}");
}

/// A page that is one file: no scripts, and nothing fetched from elsewhere.
fn assert_self_contained(doc: &Html) {
    assert!(select(doc, "script").is_empty(), "no scripts");
    let fetched: Vec<String> = select(doc, "[src], link[href], image, use").iter().map(|e| e.html()).collect();
    assert!(fetched.is_empty(), "external assets: {fetched:?}");
    assert!(select(doc, "section svg").len() >= 6, "the figures are inline SVG");
}

#[tokio::test]
async fn an_analyst_evaluates_over_http_and_reads_a_report_whose_figures_are_the_stored_ones() {
    let app = spawn_app().await;
    let import = app.post_raw("/v1/outcomes/import", "text/csv", demo_outcomes()).await;
    assert_eq!(import.status, 200, "{}", import.text);

    // No evaluation yet: the report says how to get one.
    let missing = assert_problem(&app.get(&format!("/v1/models/{BUNDLED}/report")).await, 409).clone();
    assert_eq!(missing["code"], "model_not_evaluated");
    assert!(missing["detail"].as_str().unwrap().contains("evaluate"), "{missing}");
    assert_problem(&app.get("/v1/models/m-nope/report").await, 404);
    assert_problem(&app.post("/v1/models/m-nope/evaluate", &json!({})).await, 404);

    // An analyst key may evaluate and read the report.
    let analyst = client_with(&create_key(&app.database.url, Role::Analyst, None));
    let started = analyst.post(app.url(&format!("/v1/models/{BUNDLED}/evaluate"))).send().await.unwrap();
    assert_eq!(started.status(), 202);
    let job = wait_for_job(&app, &started.json().await.unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "evaluation");
    assert_eq!(job["model_version"], BUNDLED);
    let message = job["message"].as_str().unwrap();
    assert!(message.contains("held-out sessions (2026-") && message.contains("/report"), "{message}");

    let evaluation = app.get(&format!("/v1/models/{BUNDLED}/evaluation")).await;
    assert_eq!(evaluation.status, 200, "{}", evaluation.text);
    assert_eq!(evaluation.body["job_id"], job["id"]);
    let analysis = &evaluation.body["analysis"];
    assert!(analysis["comparison"]["held_out"]["sessions"].as_u64().unwrap() > 100, "{}", analysis["comparison"]["held_out"]);
    assert_eq!(analysis["data"]["synthetic"], true);
    assert_eq!(analysis["learning_curve"].as_array().unwrap().len(), 4, "the recipe refitted on four shares of the history");
    assert!(analysis["importance"].as_array().unwrap().len() >= 10);
    assert!(!analysis["reasons"]["top"].as_array().unwrap().is_empty());

    let report = analyst.get(app.url(&format!("/v1/models/{BUNDLED}/report"))).send().await.unwrap();
    assert_eq!(report.status(), 200);
    assert!(report.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = report.text().await.unwrap();
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    for id in SECTIONS {
        assert_eq!(select(&doc, &format!("section#{id} h2")).len(), 1, "section {id}");
    }
    assert_eq!(text(&select(&doc, "p.verdict")[0]), analysis["verdict"]["text"].as_str().unwrap());
    assert_comparison_matches(&doc, analysis);
    assert_self_contained(&doc);
    let curve: Vec<String> = select(&doc, "section#learning-curve td[data-value]").iter().map(|c| c.value().attr("data-value").unwrap().to_owned()).collect();
    let stored: Vec<String> = analysis["learning_curve"].as_array().unwrap().iter().map(|p| p["value"].as_f64().unwrap().to_string()).collect();
    assert_eq!(curve, stored);
    for store in ["S1", "S2", "S3"] {
        let cells = select(&doc, &format!("section#stores tr[data-store=\"{store}\"] td[data-value]"));
        let expected = analysis["comparison"]["candidate"]["per_store"][store]["tried_ndcg_at_5"].as_f64().unwrap();
        assert_eq!(cells[0].value().attr("data-value").unwrap().parse::<f64>().unwrap(), expected, "store {store}");
    }

    // The page in a real browser: nothing fetched from anywhere, no console error, a full-page
    // screenshot under target/, and a printout of a few A4 pages.
    let html = target_dir().join("model-report.html");
    std::fs::write(&html, &page).unwrap();
    let Some(browser) = Browser::start().await else { return };
    let mut window = browser.session(DESKTOP, &["file://"]).await;
    window.goto(&format!("file://{}", html.display())).await;
    window.wait_for("section#activations h2").await;
    window.assert_clean().await;
    window.assert_accessible("the model report").await;
    let shot = window.screenshot_page("model-report", true).await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 50_000, "the screenshot is blank: {}", shot.display());
    let pages = pdf_pages(&window.print_pdf().await);
    assert!((2..=12).contains(&pages), "the report prints on {pages} A4 pages");
    window.close().await;
}

#[tokio::test]
async fn the_activation_history_records_command_line_and_http_activations_with_their_figures() {
    let app = spawn_app().await;
    assert_eq!(app.get("/v1/models/activations").await.body["total"], 0);

    // At the command line (no key): roll back to the rules.
    let url = app.database.url.clone();
    std::thread::spawn(move || stridefit::commands::activate_model(&url, "baseline-rules-v1").unwrap()).join().unwrap();

    // Over HTTP with an analyst's key: back to the bundled model.
    let analyst = client_with(&create_key(&app.database.url, Role::Analyst, None));
    let r = analyst.post(app.url(&format!("/v1/models/{BUNDLED}/activate"))).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let history = app.get("/v1/models/activations").await;
    assert_eq!(history.status, 200, "{}", history.text);
    assert_eq!(history.body["total"], 2);
    let items = history.body["items"].as_array().unwrap();
    let (http, cli) = (&items[0], &items[1]);
    assert_eq!((cli["via"].as_str(), cli["kind"].as_str()), (Some("command_line"), Some("rollback")));
    assert_eq!((cli["from_version"].as_str(), cli["to_version"].as_str()), (Some(BUNDLED), Some("baseline-rules-v1")));
    assert!(cli["key_id"].is_null() && cli["key_name"].is_null());
    assert_eq!(cli["figures"]["source"], "none", "the rules carry no figures of their own");

    assert_eq!(http["via"], "http");
    assert_eq!((http["from_version"].as_str(), http["to_version"].as_str()), (Some("baseline-rules-v1"), Some(BUNDLED)));
    assert_eq!(http["kind"], "rollback", "the bundled model served before");
    assert!(http["key_id"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(http["key_name"], "test key");
    let figures = &http["figures"];
    assert_eq!(figures["source"], "training");
    assert_eq!(figures["metric"], "tried_ndcg_at_5");
    assert!(figures["value"].is_number() && figures["gain_low"].is_number() && figures["held_out_sessions"].is_number(), "{figures}");
    assert!(http["activated_at"].as_str().unwrap() >= cli["activated_at"].as_str().unwrap());

    // Paging, and bad paging named.
    let page = app.get("/v1/models/activations?limit=1&offset=1").await.body;
    assert_eq!((page["items"].as_array().unwrap().len(), page["items"][0]["via"].as_str()), (1, Some("command_line")));
    assert_problem(&app.get("/v1/models/activations?limit=0").await, 422);
    // A storefront key may not read it.
    let storefront = client_with(&create_key(&app.database.url, Role::Storefront, None));
    assert_eq!(storefront.get(app.url("/v1/models/activations")).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_command_line_writes_the_report_for_a_history_file_and_the_service_serves_the_same_evaluation() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("report.html");
    let args = stridefit::cli::ReportArgs {
        model: BUNDLED.into(),
        against: Some("baseline-rules-v1".into()),
        from: Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo_outcomes.csv"))),
        output: output.clone(),
    };
    let url = app.database.url.clone();
    std::thread::spawn(move || stridefit::commands::report(&url, &args).unwrap()).join().unwrap();

    let page = std::fs::read_to_string(&output).unwrap();
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    for id in SECTIONS {
        assert_eq!(select(&doc, &format!("section#{id} h2")).len(), 1, "section {id}");
    }
    assert!(text(&select(&doc, "header p.meta")[0]).contains("at the command line"));
    let evaluation = app.get(&format!("/v1/models/{BUNDLED}/evaluation")).await.body;
    assert!(evaluation["job_id"].is_null());
    assert_eq!(evaluation["analysis"]["comparison"]["gain"]["over"], "baseline-rules-v1", "compared with the version asked for");
    assert_comparison_matches(&doc, &evaluation["analysis"]);
    let served = app.get(&format!("/v1/models/{BUNDLED}/report")).await;
    assert_eq!(served.status, 200);
    assert!(served.text.contains(evaluation["id"].as_str().unwrap()), "the service renders the stored evaluation");
}
