//! The pages people use: the staff fitting page (`/app/`), the runner's printable summary
//! (`/app/summary`) and the embeddable shoe finder for web shops (`/finder/`). Plain HTML,
//! CSS and JavaScript embedded in the binary; they call the JSON API like any other client,
//! so they hold no business rules and nothing is fetched from another host.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

/// One embedded file.
struct Asset {
    body: &'static str,
    content_type: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($file:literal, $type:expr) => {
        Asset {
            body: include_str!(concat!("assets/", $file)),
            content_type: $type,
        }
    };
}

/// Staff pages: only this origin's scripts, styles and API; never framed (clickjacking a
/// signed-in till), and no referrer leaves the page.
const STAFF_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// The finder may be framed by a web shop; it still talks to this origin only.
const FINDER_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'";

fn page(asset: &Asset, csp: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(asset.body)
}

/// Scripts and styles. The finder's are loaded by web shops from their own pages, so they
/// carry no policy of their own and may be fetched cross-origin (no credentials involved).
fn file(asset: &Asset) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(asset.body)
}

static APP_HTML: Asset = asset!("app.html", HTML);
static APP_JS: Asset = asset!("app.js", JS);
static SUMMARY_HTML: Asset = asset!("summary.html", HTML);
static SUMMARY_JS: Asset = asset!("summary.js", JS);
static COMMON_JS: Asset = asset!("common.js", JS);
static STYLE_CSS: Asset = asset!("style.css", CSS);
static FINDER_HTML: Asset = asset!("finder.html", HTML);
static FINDER_JS: Asset = asset!("finder.js", JS);
static FINDER_CSS: Asset = asset!("finder.css", CSS);

/// The page source of the staff fitting page (tests check its field ranges against the API).
pub fn app_html() -> &'static str {
    APP_HTML.body
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, to))
        .finish()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app", web::get().to(|| async { redirect("/app/") }))
        .route(
            "/app/",
            web::get().to(|| async { page(&APP_HTML, STAFF_CSP) }),
        )
        .route(
            "/app/summary",
            web::get().to(|| async { page(&SUMMARY_HTML, STAFF_CSP) }),
        )
        .route("/app/app.js", web::get().to(|| async { file(&APP_JS) }))
        .route(
            "/app/summary.js",
            web::get().to(|| async { file(&SUMMARY_JS) }),
        )
        .route(
            "/app/common.js",
            web::get().to(|| async { file(&COMMON_JS) }),
        )
        .route(
            "/app/style.css",
            web::get().to(|| async { file(&STYLE_CSS) }),
        )
        .route("/finder", web::get().to(|| async { redirect("/finder/") }))
        .route(
            "/finder/",
            web::get().to(|| async { page(&FINDER_HTML, FINDER_CSP) }),
        )
        .route(
            "/finder/finder.js",
            web::get().to(|| async { file(&FINDER_JS) }),
        )
        .route(
            "/finder/finder.css",
            web::get().to(|| async { file(&FINDER_CSS) }),
        );
}
