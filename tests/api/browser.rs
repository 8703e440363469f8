//! A real browser for tests: Debian's headless Chromium driven over WebDriver by chromedriver,
//! each test with its own driver on a free port. A session fails the test on any console error
//! and on any request to a host it was not told about; it saves screenshots under the target
//! directory, prints to PDF and runs axe-core (vendored from the npm registry) for WCAG checks.
//!
//! Chromium missing: the test fails, unless `STRIDEFIT_SKIP_BROWSER_TESTS=1` is set outside CI
//! (then it prints why and passes). `.ci/run` installs `chromium` and `chromium-driver`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// axe-core 4.14.1 from the npm registry (`npm pack axe-core@4.14.1`), MPL-2.0.
const AXE_JS: &str = include_str!("../browser/axe-core/axe.min.js");
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Long enough for a debug build on a busy two-core machine.
const WAIT: Duration = Duration::from_secs(60);

/// Tablet in portrait and a desktop window, in CSS pixels.
#[derive(Debug, Clone, Copy)]
pub struct Viewport {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

pub const TABLET_PORTRAIT: Viewport = Viewport {
    name: "tablet",
    width: 820,
    height: 1180,
};
pub const DESKTOP: Viewport = Viewport {
    name: "desktop",
    width: 1366,
    height: 900,
};

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// One chromedriver process; dropped with the test.
pub struct Browser {
    driver: Child,
    url: String,
    port: u16,
    chromium: PathBuf,
    http: reqwest::Client,
    /// Sessions opened, so a test that panics still closes its browsers.
    sessions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver would leave its Chromium processes behind: end each session
        // first (a blocking request: this may run while a panic unwinds, outside any runtime).
        let sessions = self.sessions.lock().map(|s| s.clone()).unwrap_or_default();
        for id in sessions {
            delete_session_blocking(self.port, &id);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn delete_session_blocking(port: u16, id: &str) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let request = format!("DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    }
}

impl Browser {
    /// Starts chromedriver, or returns `None` when the developer asked to skip browser tests
    /// on a machine without Chromium. Panics (fails the test) when Chromium is missing otherwise.
    pub async fn start() -> Option<Browser> {
        let driver = find_program("STRIDEFIT_CHROMEDRIVER", &["chromedriver"]);
        let chromium = find_program(
            "STRIDEFIT_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            let skip = std::env::var("STRIDEFIT_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1");
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            if skip && !ci {
                eprintln!("SKIPPED browser test: chromium or chromedriver not found and STRIDEFIT_SKIP_BROWSER_TESTS=1 (install: apt-get install -y chromium chromium-driver)");
                return None;
            }
            panic!(
                "browser tests need Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them). \
                 On a developer machine without them, set STRIDEFIT_SKIP_BROWSER_TESTS=1 to skip these tests (never in CI)."
            );
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let browser = Browser {
            driver: child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            sessions: Default::default(),
            chromium,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        };
        let start = Instant::now();
        loop {
            if let Ok(r) = browser
                .http
                .get(format!("{}/status", browser.url))
                .send()
                .await
            {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == true {
                        break;
                    }
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(browser)
    }

    /// A new headless Chromium window of this size. Requests may go to `allowed_origins`
    /// (scheme://host:port) and nowhere else.
    pub async fn session(&self, viewport: Viewport, allowed_origins: &[&str]) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                         "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-GB",
                         format!("--window-size={},{}", viewport.width, viewport.height)],
                "perfLoggingPrefs": {"enableNetwork": true, "enablePage": false}
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
        }}});
        let r = self
            .http
            .post(format!("{}/session", self.url))
            .json(&caps)
            .send()
            .await
            .expect("new session");
        let body: Value = r.json().await.expect("session json");
        let id = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {body}"))
            .to_owned();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.push(id.clone());
        }
        let session = Session {
            base: format!("{}/session/{id}", self.url),
            http: self.http.clone(),
            viewport,
            allowed: allowed_origins
                .iter()
                .map(|s| s.trim_end_matches('/').to_owned())
                .collect(),
            requests: Vec::new(),
            console: Vec::new(),
            allowed_console: Vec::new(),
        };
        // The window's outer size includes no browser chrome in headless mode; set the
        // viewport exactly so screenshots have the size they claim.
        session.set_viewport(viewport.width, viewport.height).await;
        session
    }
}

/// One browser window.
pub struct Session {
    base: String,
    http: reqwest::Client,
    pub viewport: Viewport,
    allowed: Vec<String>,
    /// Every URL the page requested, in order.
    pub requests: Vec<String>,
    /// Console messages at error level.
    pub console: Vec<String>,
    allowed_console: Vec<String>,
}

impl Session {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| json!({"error": "transport", "message": e.to_string()}))?;
        let ok = resp.status().is_success();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(v["value"].clone())
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    async fn set_viewport(&self, width: u32, height: u32) {
        let _ = self
            .call(
                reqwest::Method::POST,
                "/window/rect",
                Some(json!({"width": width, "height": height})),
            )
            .await;
        // Correct for any window decoration so the page itself is width × height.
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight]", json!([]))
            .await;
        let (iw, ih) = (
            inner[0].as_u64().unwrap_or(width as u64) as u32,
            inner[1].as_u64().unwrap_or(height as u64) as u32,
        );
        if iw != width || ih != height {
            let w = width + width.saturating_sub(iw);
            let h = height + height.saturating_sub(ih);
            let _ = self
                .call(
                    reqwest::Method::POST,
                    "/window/rect",
                    Some(json!({"width": w, "height": h})),
                )
                .await;
        }
    }

    pub async fn goto(&mut self, url: &str) {
        self.collect_logs().await;
        self.post("/url", json!({"url": url})).await;
    }

    /// Runs JavaScript in the page (`arguments` are `args`) and returns its result.
    pub async fn eval(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `condition` (a JavaScript expression) is truthy.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let start = Instant::now();
        let script = format!("return !!({condition});");
        loop {
            if let Ok(v) = self
                .call(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(json!({"script": script, "args": []})),
                )
                .await
            {
                if v == true {
                    return;
                }
            }
            if start.elapsed() > WAIT {
                let body = self
                    .eval(
                        "return document.body ? document.body.innerText.slice(0, 3000) : ''",
                        json!([]),
                    )
                    .await;
                let path = self
                    .screenshot(&format!("timeout-{}", sanitize(what)))
                    .await;
                panic!(
                    "timed out waiting for {what} ({condition}); screenshot {}; page text:\n{}",
                    path.display(),
                    body.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits for an element matching `css` that is displayed.
    pub async fn wait_for(&self, css: &str) {
        let cond = format!(
            "(() => {{ const e = document.querySelector({}); return e && e.getClientRects().length > 0 && !e.closest('[hidden]'); }})()",
            serde_json::to_string(css).unwrap()
        );
        self.wait_until(css, &cond).await;
    }

    /// Waits until the text of `css` contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let cond = format!(
            "(() => {{ const e = document.querySelector({}); return e && e.innerText.includes({}); }})()",
            serde_json::to_string(css).unwrap(),
            serde_json::to_string(text).unwrap()
        );
        self.wait_until(&format!("{css} to say {text:?}"), &cond)
            .await;
    }

    async fn element(&self, css: &str) -> String {
        self.wait_for(css).await;
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Clicks like a person: the element is scrolled to the middle of the window first, so a
    /// sticky banner never covers it.
    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.eval(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center'})",
            json!([{ELEMENT_KEY: id}]),
        )
        .await;
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    /// Types into an input (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.eval(
            "arguments[0].scrollIntoView({block: 'center'})",
            json!([{ELEMENT_KEY: id}]),
        )
        .await;
        let _ = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{id}/clear"),
                Some(json!({})),
            )
            .await;
        self.post(&format!("/element/{id}/value"), json!({"text": text}))
            .await;
    }

    /// Picks an option of a `<select>` by its value, as a click on that option would.
    pub async fn select(&self, css: &str, value: &str) {
        let select = self.element(css).await;
        self.eval(
            "arguments[0].scrollIntoView({block: 'center'})",
            json!([{ELEMENT_KEY: select}]),
        )
        .await;
        let option = format!(
            "{css} option[value={}]",
            serde_json::to_string(value).unwrap()
        );
        // An option of a closed list has no box of its own: WebDriver picks it by clicking it.
        let v = self
            .post(
                "/element",
                json!({"using": "css selector", "value": option}),
            )
            .await;
        let id = v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no option {option}"))
            .to_owned();
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    /// Sends keys to the focused element (e.g. "\u{E004}" for Tab, "\u{E007}" for Enter).
    pub async fn keys(&self, text: &str) {
        let id = self.eval("return document.activeElement", json!([])).await;
        let id = id[ELEMENT_KEY]
            .as_str()
            .expect("a focused element")
            .to_owned();
        self.post(&format!("/element/{id}/value"), json!({"text": text}))
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await;
        self.eval(
            "return document.querySelector(arguments[0]).innerText",
            json!([css]),
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// Saves a PNG of the window under `<target>/browser-screenshots/<name>-<viewport>.png`.
    /// With `full_page`, the window grows to the page's height first.
    pub async fn screenshot_page(&self, name: &str, full_page: bool) -> PathBuf {
        if full_page {
            let h = self
                .eval(
                    "return Math.ceil(document.documentElement.scrollHeight)",
                    json!([]),
                )
                .await
                .as_u64()
                .unwrap_or(900) as u32;
            self.set_viewport(self.viewport.width, h.clamp(self.viewport.height, 6000))
                .await;
        }
        let png = self
            .call(reqwest::Method::GET, "/screenshot", None)
            .await
            .expect("screenshot");
        if full_page {
            self.set_viewport(self.viewport.width, self.viewport.height)
                .await;
        }
        let bytes = base64_decode(png.as_str().expect("base64 png"));
        let path = screenshot_dir().join(format!("{}-{}.png", sanitize(name), self.viewport.name));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        path
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.screenshot_page(name, false).await
    }

    /// The page as the browser's print would make it (A4), as PDF bytes.
    pub async fn print_pdf(&self) -> Vec<u8> {
        let pdf = self
            .post("/print", json!({"page": {"width": 21.0, "height": 29.7}, "background": true, "shrinkToFit": false}))
            .await;
        base64_decode(pdf.as_str().expect("base64 pdf"))
    }

    /// Runs axe-core on the page for WCAG 2.0/2.1/2.2 A and AA rules; returns each violation
    /// as "rule (impact): help — targets".
    pub async fn axe_violations(&self) -> Vec<String> {
        let loaded = self
            .eval("return typeof window.axe !== 'undefined'", json!([]))
            .await;
        if loaded != true {
            // Injected through WebDriver, not a <script> tag: the page's CSP stays as served.
            self.eval(&format!("{AXE_JS}\n;return true;"), json!([]))
                .await;
        }
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
                               resultTypes: ['violations']})
               .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                     v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));";
        let v = self
            .call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": script, "args": []})),
            )
            .await
            .unwrap_or_else(|e| panic!("axe: {e}"));
        v.as_array()
            .unwrap_or(&vec![])
            .iter()
            .map(|s| s.as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Fails the test on any axe-core violation.
    pub async fn assert_accessible(&self, what: &str) {
        let v = self.axe_violations().await;
        assert!(
            v.is_empty(),
            "axe-core found {} WCAG violation(s) on {what} ({}):\n{}",
            v.len(),
            self.viewport.name,
            v.join("\n")
        );
    }

    /// A console error containing this text is expected (e.g. a refused cross-origin call).
    pub fn allow_console_error(&mut self, containing: &str) {
        self.allowed_console.push(containing.to_owned());
    }

    async fn collect_logs(&mut self) {
        if let Ok(Value::Array(entries)) = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "browser"})),
            )
            .await
        {
            for e in entries {
                if e["level"] == "SEVERE" {
                    self.console
                        .push(e["message"].as_str().unwrap_or("").to_owned());
                }
            }
        }
        if let Ok(Value::Array(entries)) = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "performance"})),
            )
            .await
        {
            for e in entries {
                let Some(msg) = e["message"]
                    .as_str()
                    .and_then(|m| serde_json::from_str::<Value>(m).ok())
                else {
                    continue;
                };
                if msg["message"]["method"] == "Network.requestWillBeSent" {
                    if let Some(url) = msg["message"]["params"]["request"]["url"].as_str() {
                        self.requests.push(url.to_owned());
                    }
                }
            }
        }
    }

    /// Fails the test on any console error (not explicitly allowed) and any request to a
    /// host other than the allowed origins.
    pub async fn assert_clean(&mut self) {
        self.collect_logs().await;
        let errors: Vec<&String> = self
            .console
            .iter()
            .filter(|m| !self.allowed_console.iter().any(|a| m.contains(a.as_str())))
            .collect();
        assert!(
            errors.is_empty(),
            "console errors ({}):\n{}",
            self.viewport.name,
            errors
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
        let foreign: Vec<&String> = self
            .requests
            .iter()
            .filter(|u| {
                !(u.starts_with("data:") || u.starts_with("blob:") || u.starts_with("about:"))
            })
            .filter(|u| {
                !self
                    .allowed
                    .iter()
                    .any(|o| u.starts_with(&format!("{o}/")) || *u == o)
            })
            .collect();
        assert!(foreign.is_empty(), "requests to other hosts: {foreign:?}");
        assert!(
            !self.requests.is_empty(),
            "no request was seen: the network log is not working"
        );
    }

    pub async fn close(mut self) {
        self.collect_logs().await;
        let _ = self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// `<target>/browser-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("browser-screenshots")
}

/// With `UPDATE_SCREENSHOTS=1`, copies a screenshot into `docs/screenshots/` for the README.
pub fn publish_screenshot(path: &Path) {
    if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let dest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/screenshots")
            .join(path.file_name().unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(path, dest).unwrap();
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .chars()
        .take(60)
        .collect()
}

/// Number of pages in a PDF (its `/Type /Page` objects).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    ["/Type /Page", "/Type/Page"]
        .iter()
        .map(|pat| {
            text.match_indices(pat)
                .filter(|(i, _)| !text[i + pat.len()..].starts_with('s'))
                .count()
        })
        .sum()
}

fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}
