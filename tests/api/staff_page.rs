//! The pages people use, in a real browser (headless Chromium, see `browser.rs`): a fitter's
//! whole fitting on a tablet and on a desktop, the red-flag path to the urgent banner, the
//! runner's printed summary, and the web shop's finder calling across origins. Every page is
//! checked by axe-core, and every session fails on a console error or a request elsewhere.

use serde_json::{json, Value};
use stridefit::auth::Role;

use crate::browser::{self, Browser, Session, Viewport, DESKTOP, TABLET_PORTRAIT};
use crate::helpers::*;

/// The shop of the README: store S1's shelves, and the 860v15 at S2 only.
async fn shop(app: &TestApp) -> String {
    let r = app
        .set_stock(
            "S1",
            &[
                ("brooks-adrenaline-gts-24", 3),
                ("asics-gel-kayano-31", 2),
                ("brooks-ghost-16", 4),
                ("hoka-clifton-10", 1),
                ("saucony-guide-18", 2),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.set_stock("S2", &[("new-balance-fresh-foam-x-860v15", 2)])
            .await
            .status,
        200
    );
    create_key(&app.database.url, Role::Staff, Some("S1"))
}

/// The screenshots the README shows (the tests save every size under the target dir).
const README_SHOTS: &[&str] = &[
    "fitting-1-profile-tablet.png",
    "fitting-2-wear-tablet.png",
    "fitting-3-shoes-desktop.png",
    "fitting-4-tryons-and-sale-tablet.png",
    "summary-desktop.png",
    "red-flag-urgent-desktop.png",
    "finder-tablet.png",
    "sizes-tablet.png",
];

fn publish(shot: &std::path::Path) {
    if README_SHOTS.iter().any(|n| shot.ends_with(n)) {
        browser::publish_screenshot(shot);
    }
}

async fn sign_in(page: &mut Session, app: &TestApp, key: &str) {
    page.goto(&app.url("/app/")).await;
    page.wait_for("#staff-key").await;
    page.fill("#staff-key", key).await;
    page.click("#signin-form button[type=submit]").await;
    page.wait_for("#step-runner").await;
}

async fn tri(page: &Session, path: &str, answer: &str) {
    page.click(&format!(
        "fieldset[data-path=\"{path}\"] input[value=\"{answer}\"]"
    ))
    .await;
}

/// Profile of the README's runner: 61 kg, 40 km a week, knee pain 2/10 for three weeks.
async fn fill_profile(page: &Session) {
    page.click("#new-runner").await;
    page.wait_for("#step-profile").await;
    page.fill("#body_mass_kg", "61").await;
    page.fill("#weekly_distance_km", "40").await;
    page.select("#goal", "daily_training").await;
    page.select("#terrain", "road").await;
    page.select("#sex", "female").await;
    page.fill("#age_years", "34").await;
    page.select("#preferred_feel", "soft").await;
    page.select("#width", "standard").await;
    page.fill("#shoe_size_eu", "39").await;
    page.fill("#budget_usd", "170").await;
    page.wait_until(
        "the referral check",
        "document.querySelector('#referral-banner').dataset.level",
    )
    .await;
}

async fn run_fitting(viewport: Viewport) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    let mut page = browser.session(viewport, &[&app.address]).await;

    // Sign in: the key goes to session storage only.
    page.goto(&app.url("/app/")).await;
    page.wait_for("#staff-key").await;
    page.assert_accessible("the sign-in form").await;
    sign_in(&mut page, &app, &key).await;
    let stored = page.eval("return [sessionStorage.getItem('stridefit.staffKey'), localStorage.length, document.cookie, location.href]", json!([])).await;
    assert_eq!(stored[0], key.as_str());
    assert_eq!(stored[1], 0, "nothing in local storage");
    assert_eq!(stored[2], "", "no cookie");
    assert!(
        !stored[3].as_str().unwrap().contains(&key),
        "the key is never in the URL"
    );
    page.assert_accessible("the runner step").await;

    // Profile, pain and previous injury; the banner answers as the fitter types.
    fill_profile(&page).await;
    page.click("#add-pain").await;
    page.select("[data-path='health.pain[0].location']", "knee")
        .await;
    page.select("[data-path='health.pain[0].side']", "left")
        .await;
    page.fill("[data-path='health.pain[0].score_0_10']", "2")
        .await;
    page.fill("[data-path='health.pain[0].duration_weeks']", "3")
        .await;
    page.select("[data-path='health.pain[0].course']", "stable")
        .await;
    page.select("[data-path='health.pain[0].onset']", "gradual")
        .await;
    page.click("[data-path='health.pain[0].timing'] input[value='during_runs']")
        .await;
    tri(&page, "health.pain[0].locking_or_giving_way", "no").await;
    tri(&page, "health.pain[0].swelling", "no").await;
    page.click("#add-injury").await;
    page.select("[data-path='health.previous_injuries[0].type']", "tendon")
        .await;
    page.select("[data-path='health.previous_injuries[0].site']", "achilles")
        .await;
    page.fill("[data-path='health.previous_injuries[0].year']", "2023")
        .await;
    page.wait_until(
        "a referral level",
        "document.querySelector('#referral-banner').dataset.level",
    )
    .await;
    page.eval("window.scrollTo(0, 0)", json!([])).await;
    let shot = page.screenshot("fitting-1-profile").await;
    publish(&shot);
    page.assert_accessible("profile and health").await;

    // Gait, with units and ranges beside each number.
    page.click("[data-next=gait]").await;
    page.wait_for("#speed_m_s").await;
    assert!(page
        .text("#cadence_spm-hint")
        .await
        .contains("steps/min, 120–240"));
    page.fill("#speed_m_s", "3").await;
    page.wait_for_text("#speed-kmh", "10.8 km/h").await;
    page.fill("#cadence_spm", "166").await;
    page.select("#foot_strike", "rearfoot").await;
    page.fill("#peak_rearfoot_eversion_deg", "12.5").await;
    page.select("#eversion_reference", "standing").await;
    page.fill("#contralateral_pelvic_drop_deg", "4").await;
    page.fill("#ground_contact_time_ms", "262").await;
    page.fill("#vertical_oscillation_cm", "8.4").await;
    page.fill("#left_right_asymmetry_pct", "3").await;
    page.assert_accessible("gait").await;

    // Wear: taps on the outsole drawing, both shoes.
    page.click("[data-next=wear]").await;
    page.wait_for(".zone").await;
    for foot in ["left", "right"] {
        for (zone, taps) in [
            ("lateral_heel", 2),
            ("medial_midfoot", 2),
            ("medial_forefoot", 3),
        ] {
            for _ in 0..taps {
                page.click(&format!(".zone[data-foot={foot}][data-zone={zone}]"))
                    .await;
            }
        }
    }
    assert_eq!(
        page.eval("return document.querySelector('.zone[data-foot=left][data-zone=medial_forefoot]').textContent", json!([])).await,
        "left shoe, inner forefoot heavy"
    );
    page.fill("#worn_model", "Brooks Ghost 16").await;
    page.fill("#distance_on_shoe_km", "780").await;
    page.select("#midsole_compression", "moderate").await;
    let shot = page.screenshot_page("fitting-2-wear", true).await;
    publish(&shot);
    page.assert_accessible("the outsole drawing").await;

    // Save: the stored fitting is what was entered; the shoes are the API's ranking.
    page.click("#save-fitting").await;
    page.wait_for("#shoes-out .card").await;
    let fitting_id = page
        .eval(
            "return document.querySelector('#step-shoes').dataset.fitting",
            json!([]),
        )
        .await;
    let fitting_id = fitting_id.as_str().expect("fitting id").to_owned();
    let stored = app.get(&format!("/v1/fittings/{fitting_id}")).await;
    assert_eq!(stored.status, 200);
    let f = &stored.body["fitting"];
    assert_eq!(f["store_id"], "S1");
    assert_eq!(f["profile"]["body_mass_kg"], 61.0);
    assert_eq!(f["health"]["pain"][0]["location"], "knee");
    assert_eq!(f["health"]["pain"][0]["locking_or_giving_way"], false);
    assert!(
        f["health"]["pain"][0]
            .get("night_pain")
            .is_none_or(Value::is_null),
        "not asked stays not asked: {f}"
    );
    assert_eq!(
        f["health"]["previous_injuries"][0],
        json!({"type": "tendon", "site": "achilles", "year": 2023})
    );
    assert_eq!(f["gait"]["cadence_spm"], 166.0);
    assert_eq!(f["wear"]["left"]["medial_forefoot"], "heavy");
    assert_eq!(f["wear"]["right"]["lateral_heel"], "moderate");
    assert_eq!(f["wear"]["worn_shoe_id"], "brooks-ghost-16");
    let api = app
        .recommend(&json!({"fitting_id": fitting_id, "store_id": "S1", "top_k": 5}))
        .await;
    let names: Vec<String> = api.body["shoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(!names.is_empty());
    let shown = page.eval("return Array.from(document.querySelectorAll('#shoes-out .card[data-shoe]:not(.elsewhere) h3')).map(h => h.textContent)", json!([])).await;
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}. {n}", i + 1))
        .collect();
    assert_eq!(shown, json!(expected), "the page shows the API's ranking");
    let first = &api.body["shoes"][0];
    let card = page
        .text("#shoes-out .card[data-shoe]:not(.elsewhere)")
        .await;
    assert!(
        card.contains(&format!(
            "${}",
            first["price_usd"].as_f64().unwrap().round()
        )),
        "price on the card: {card}"
    );
    assert!(card.contains("in stock"), "{card}");
    for reason in first["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .chain(first["cautions"].as_array().unwrap())
    {
        assert!(
            card.contains(reason.as_str().unwrap()),
            "card lacks {reason}: {card}"
        );
    }
    if let Some(insole) = first["insole"]["name"].as_str() {
        assert!(card.contains(insole));
    }
    if let Some(elsewhere) = api.body["elsewhere"]["shoe"]["name"].as_str() {
        assert!(page
            .text("#shoes-out .card.elsewhere")
            .await
            .contains(elsewhere));
    }
    let shot = page.screenshot_page("fitting-3-shoes", true).await;
    publish(&shot);
    page.assert_accessible("the ranked shoes").await;

    // Try two on, record comfort and what was seen, then the sale.
    let first_id = first["shoe_id"].as_str().unwrap().to_owned();
    let second_id = api.body["shoes"][1]["shoe_id"].as_str().unwrap().to_owned();
    page.click(&format!("#shoes-out .card[data-shoe='{first_id}'] button"))
        .await;
    page.click(&format!("#shoes-out .card[data-shoe='{second_id}'] button"))
        .await;
    page.click("[data-next=tryons]").await;
    page.wait_for(&format!(".tryon[data-shoe='{second_id}']"))
        .await;
    page.click(&format!(
        ".tryon[data-shoe='{first_id}'] .comfort input[value='5']"
    ))
    .await;
    page.click(&format!(
        ".tryon[data-shoe='{first_id}'] input[value='felt_good']"
    ))
    .await;
    page.click(&format!(
        ".tryon[data-shoe='{second_id}'] .comfort input[value='3']"
    ))
    .await;
    page.click(&format!(
        ".tryon[data-shoe='{second_id}'] input[value='too_firm']"
    ))
    .await;
    page.click("#save-tryons").await;
    page.wait_for_text("#tryons-saved", "Saved 2 try-ons").await;
    page.select("#sale-shoe", &first_id).await;
    page.fill("#sale-id", "S1-POS-1001").await;
    page.click("#sale-form button[type=submit]").await;
    page.wait_for("#open-summary").await;
    let shot = page
        .screenshot_page("fitting-4-tryons-and-sale", true)
        .await;
    publish(&shot);
    page.assert_accessible("try-ons and sale").await;

    let tried = app.get(&format!("/v1/fittings/{fitting_id}/try-ons")).await;
    assert_eq!(
        tried.body,
        json!({"try_ons": [
            {"shoe_id": first_id, "size_eu": 39.0, "comfort_1_5": 5, "observations": ["felt_good"]},
            {"shoe_id": second_id, "size_eu": 39.0, "comfort_1_5": 3, "observations": ["too_firm"]}
        ]})
    );
    let sale = app.get("/v1/outcomes/S1-POS-1001").await;
    assert_eq!(sale.status, 200, "{}", sale.text);
    assert_eq!(sale.body["shoe_id"], first_id.as_str());
    assert_eq!(sale.body["fitting_id"], fitting_id.as_str());
    assert_eq!(sale.body["store_id"], "S1");

    // The runner's summary: plain words, no codes, one printed page.
    page.click("#open-summary").await;
    page.wait_for("#summary h1").await;
    let summary = page.text("#summary").await;
    let chosen = first["name"].as_str().unwrap();
    for expected in [
        "What we saw",
        "heavy wear on the inner forefoot",
        "you land on your heel first",
        "166 steps a minute",
        "Shoes you tried",
        "comfort 5 out of 5",
        "felt good",
        "too firm",
        "Easing into them",
    ] {
        assert!(
            summary.contains(expected),
            "summary lacks {expected:?}:\n{summary}"
        );
    }
    assert!(
        summary.contains(&format!("Your new shoes: {chosen}")),
        "{summary}"
    );
    assert!(
        summary.contains("Size: EU 39"),
        "the size tried on: {summary}"
    );
    assert_plain_words(&summary);
    let shot = page.screenshot_page("summary", true).await;
    publish(&shot);
    page.assert_accessible("the runner's summary").await;
    let pdf = page.print_pdf().await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    std::fs::write(
        browser::screenshot_dir().join(format!("summary-{}.pdf", viewport.name)),
        &pdf,
    )
    .unwrap();
    assert_eq!(
        browser::pdf_pages(&pdf),
        1,
        "the summary prints on one page"
    );

    assert!(
        !page.requests.iter().any(|u| u.contains(&key)),
        "the key never appears in a URL"
    );
    page.assert_clean().await;
    page.close().await;
}

/// No snake_case codes, catalogue ids, UUIDs or referral level names in the runner's text.
fn assert_plain_words(text: &str) {
    for word in text.split(|c: char| c.is_whitespace() || ",;:()".contains(c)) {
        let w = word.trim_matches(|c: char| ".!?\"'".contains(c));
        assert!(!w.contains('_'), "internal code {w:?} in: {text}");
        let hyphen_digits = w.contains('-')
            && w.chars().any(|c| c.is_ascii_digit())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        assert!(
            !hyphen_digits || w.len() < 8,
            "catalogue id {w:?} in: {text}"
        );
        assert!(uuid::Uuid::parse_str(w).is_err(), "an id {w:?} in: {text}");
    }
    assert!(!text.contains("rearfoot"), "jargon in: {text}");
}

#[tokio::test]
async fn a_fitter_completes_a_fitting_on_a_tablet_in_portrait_and_prints_the_runners_summary() {
    run_fitting(TABLET_PORTRAIT).await;
}

#[tokio::test]
async fn a_fitter_completes_a_fitting_on_a_desktop_and_prints_the_runners_summary() {
    run_fitting(DESKTOP).await;
}

#[tokio::test]
async fn a_red_flag_answer_turns_the_banner_urgent_with_who_to_see_and_back_when_answered_no() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    for viewport in [TABLET_PORTRAIT, DESKTOP] {
        let mut page = browser.session(viewport, &[&app.address]).await;
        sign_in(&mut page, &app, &key).await;
        fill_profile(&page).await;
        page.wait_until(
            "no referral",
            "document.querySelector('#referral-banner').dataset.level === 'none'",
        )
        .await;
        page.click("#add-pain").await;
        page.select("[data-path='health.pain[0].location']", "lower_back")
            .await;
        page.fill("[data-path='health.pain[0].score_0_10']", "4")
            .await;
        page.fill("[data-path='health.pain[0].duration_weeks']", "1")
            .await;
        tri(&page, "health.red_flags.saddle_numbness", "yes").await;
        page.wait_until(
            "the urgent banner",
            "document.querySelector('#referral-banner').dataset.level === 'urgent'",
        )
        .await;
        let banner = page.text("#referral-banner").await;
        assert!(banner.contains("URGENT: a doctor today"), "{banner}");
        assert!(
            banner.contains("Please see a doctor today, before running again."),
            "{banner}"
        );
        assert!(
            banner.contains("emergency department or urgent care"),
            "who to see: {banner}"
        );
        assert!(
            banner.contains("Any new change in bladder or bowel control?"),
            "questions still to ask: {banner}"
        );
        let colours = page
            .eval("const s = getComputedStyle(document.querySelector('#referral-banner')); return [s.backgroundColor, s.color, s.position]", json!([]))
            .await;
        assert_eq!(
            colours,
            json!(["rgb(155, 28, 28)", "rgb(255, 255, 255)", "sticky"]),
            "urgent is white on dark red, always in view"
        );
        // The unasked question is marked in the checklist, and the banner takes the fitter there.
        assert_eq!(
            page.eval("return document.querySelector(\"fieldset[data-path='health.red_flags.bladder_or_bowel_change']\").classList.contains('ask')", json!([])).await,
            true
        );
        page.eval("window.scrollTo(0, 0)", json!([])).await;
        let shot = page.screenshot("red-flag-urgent").await;
        publish(&shot);
        page.click("#referral-banner .ask-list button").await;
        let focused = page.eval("return document.activeElement.closest('fieldset') && document.activeElement.closest('fieldset').dataset.path", json!([])).await;
        assert_eq!(focused, "health.red_flags.bladder_or_bowel_change");
        page.assert_accessible("the urgent banner").await;

        tri(&page, "health.red_flags.saddle_numbness", "no").await;
        page.wait_until(
            "the banner to leave urgent",
            "document.querySelector('#referral-banner').dataset.level === 'prompt'",
        )
        .await;
        assert!(page
            .text("#referral-banner")
            .await
            .contains("physiotherapist"));
        page.assert_clean().await;
        page.close().await;
    }
}

#[tokio::test]
async fn the_page_names_every_bad_number_beside_its_field_and_stores_nothing() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    let mut page = browser.session(DESKTOP, &[&app.address]).await;
    sign_in(&mut page, &app, &key).await;
    fill_profile(&page).await;
    page.click("[data-next=gait]").await;
    page.fill("#speed_m_s", "3").await;
    page.fill("#cadence_spm", "20").await;
    page.click("[data-next=wear]").await;
    page.click("#save-fitting").await;
    // Checked in the page first: back on the gait step, the field is marked and says what is allowed.
    page.wait_for("#cadence_spm[aria-invalid=true]").await;
    assert!(page
        .text("#step-gait .error")
        .await
        .contains("Cadence must be between 120 and 240"));
    assert_eq!(
        page.eval("return document.activeElement.id", json!([]))
            .await,
        "cadence_spm"
    );
    page.assert_accessible("field errors").await;
    // What only the service knows (a foot strike is needed with gait numbers) comes back as
    // the API's 422 and lands beside the same kind of field.
    page.allow_console_error("status of 422");
    page.fill("#cadence_spm", "170").await;
    page.click("[data-next=wear]").await;
    page.click("#save-fitting").await;
    page.wait_for("#foot_strike[aria-invalid=true]").await;
    assert!(page
        .text("#step-gait [data-errors]")
        .await
        .contains("Foot strike is required"));
    assert!(
        page.eval(
            "return document.querySelector('#step-shoes').dataset.fitting === undefined",
            json!([])
        )
        .await
            == true,
        "nothing stored"
    );
    page.select("#foot_strike", "midfoot").await;
    page.click("[data-next=wear]").await;
    page.click("#save-fitting").await;
    page.wait_for("#shoes-out .card").await;
    page.assert_clean().await;
    page.close().await;
}

/// A web shop on another origin: its page loads the finder from the service and calls the
/// recommendations API with a storefront key that allows that origin.
#[tokio::test]
async fn the_finder_on_a_web_shops_page_ranks_shoes_under_the_keys_cors_rule() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let db = stridefit::db::Database::connect(&app.database.url, 1).unwrap();
    let shop_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // `localhost` and `127.0.0.1` are different origins to a browser.
    let shop_origin = format!("http://localhost:{shop_port}");
    let (_, allowed) = stridefit::auth::create_key(
        &db,
        "web shop",
        Role::Storefront,
        None,
        std::slice::from_ref(&shop_origin),
    )
    .unwrap();
    // A second shop address that no key names: the browser must refuse the service's answer.
    let stranger_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stranger_origin = format!("http://localhost:{stranger_port}");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await; // origins refresh
    let service = app.address.clone();
    let html = move |key: &str| {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Running shop</title><link rel=\"icon\" href=\"data:,\">\
             <link rel=\"stylesheet\" href=\"{service}/finder/finder.css\"></head><body><main class=\"sff-page\"><h1>Running shop</h1>\
             <div id=\"stridefit-finder\"></div></main><script src=\"{service}/finder/finder.js\" data-key=\"{key}\" defer></script></body></html>"
        )
    };
    let (good, bad) = (html(&allowed), html(&allowed));
    let server = actix_web::HttpServer::new(move || {
        let (good, bad) = (good.clone(), bad.clone());
        actix_web::App::new()
            .route(
                "/",
                actix_web::web::get().to(move || {
                    let b = good.clone();
                    async move {
                        actix_web::HttpResponse::Ok()
                            .content_type("text/html")
                            .body(b)
                    }
                }),
            )
            .route(
                "/other",
                actix_web::web::get().to(move || {
                    let b = bad.clone();
                    async move {
                        actix_web::HttpResponse::Ok()
                            .content_type("text/html")
                            .body(b)
                    }
                }),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", shop_port))
    .unwrap()
    .bind(("127.0.0.1", stranger_port))
    .unwrap()
    .run();
    tokio::spawn(server);

    for viewport in [TABLET_PORTRAIT, DESKTOP] {
        let mut page = browser
            .session(viewport, &[&app.address, &shop_origin, &stranger_origin])
            .await;
        page.goto(&format!("{shop_origin}/")).await;
        page.wait_for("#sff-body_mass_kg").await;
        page.assert_accessible("the finder").await;
        page.fill("#sff-body_mass_kg", "82").await;
        page.fill("#sff-weekly_distance_km", "25").await;
        page.select("#sff-goal", "trail").await;
        page.select("#sff-terrain", "trail").await;
        page.select("#sff-width", "wide").await;
        page.fill("#sff-budget_usd", "160").await;
        page.click(".sff button[type=submit]").await;
        page.wait_for(".sff-card").await;
        let api = app
            .recommend(&json!({"fitting": {"profile": {"body_mass_kg": 82, "weekly_distance_km": 25, "goal": "trail", "terrain": "trail", "width": "wide", "budget_usd": 160}}, "top_k": 3}))
            .await;
        let expected: Vec<String> = api.body["shoes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}. {}", s["rank"], s["name"].as_str().unwrap()))
            .collect();
        let shown = page.eval("return Array.from(document.querySelectorAll('.sff-card h3')).map(h => h.textContent)", json!([])).await;
        assert_eq!(shown, json!(expected));
        let shot = page.screenshot_page("finder", true).await;
        publish(&shot);
        page.assert_accessible("the finder's results").await;
        page.assert_clean().await;

        // The same page at an address no key allows: the browser refuses the answer, and the
        // finder says why.
        page.allow_console_error("CORS");
        page.allow_console_error("Failed to load resource");
        page.allow_console_error("Failed to fetch");
        page.goto(&format!("{stranger_origin}/other")).await;
        page.fill("#sff-body_mass_kg", "82").await;
        page.fill("#sff-weekly_distance_km", "25").await;
        page.select("#sff-goal", "trail").await;
        page.select("#sff-terrain", "trail").await;
        page.click(".sff button[type=submit]").await;
        page.wait_for_text(".sff-alert", "must allow this site's address")
            .await;
        page.assert_clean().await;
        page.close().await;
    }
}

#[tokio::test]
async fn pages_are_served_from_the_binary_with_a_policy_that_keeps_them_on_this_host() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/app/", "text/html"),
        ("/app/summary", "text/html"),
        ("/app/app.js", "text/javascript"),
        ("/app/summary.js", "text/javascript"),
        ("/app/common.js", "text/javascript"),
        ("/app/style.css", "text/css"),
        ("/finder/", "text/html"),
        ("/finder/finder.js", "text/javascript"),
        ("/finder/finder.css", "text/css"),
    ] {
        let r = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let headers = r.headers().clone();
        assert!(
            headers["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        let body = r.text().await.unwrap();
        for outside in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "@import",
            "fetch(\"http",
            "//cdn",
            "fonts.g",
        ] {
            assert!(
                !body.contains(outside),
                "{path} loads something from outside: {outside}"
            );
        }
        if kind == "text/html" {
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("default-src 'none'")
                    && csp.contains("connect-src 'self'")
                    && csp.contains("script-src 'self'"),
                "{path}: {csp}"
            );
            assert_eq!(
                csp.contains("frame-ancestors 'none'"),
                path.starts_with("/app"),
                "staff pages are never framed; the finder may be: {path}"
            );
        }
    }
    // No key needed to load the pages; the API behind them still wants one.
    let r = reqwest::Client::new()
        .get(app.url("/app"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "/app redirects to /app/");
    assert_eq!(
        reqwest::get(app.url("/v1/fittings?customer_ref=x"))
            .await
            .unwrap()
            .status(),
        401
    );
}

/// The numbers a fitter types carry the API's ranges as their limits, and the hint beside
/// each says the same: a field cannot drift from the contract unnoticed.
#[test]
fn every_number_field_on_the_fitting_page_has_the_ranges_of_the_api() {
    let doc = stridefit::api::openapi_value();
    let html = stridefit::web::app_html();
    let mut checked = 0;
    for tag in html.split("<input").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
        };
        let Some(schema) = attr("data-schema") else {
            continue;
        };
        let s = &doc["components"]["schemas"][&schema];
        assert!(s.is_object(), "no schema {schema}");
        let num = |v: &str| v.parse::<f64>().unwrap();
        assert_eq!(
            num(&attr("min").unwrap()),
            s["minimum"].as_f64().unwrap(),
            "{schema} min"
        );
        assert_eq!(
            num(&attr("max").unwrap()),
            s["maximum"].as_f64().unwrap(),
            "{schema} max"
        );
        let hint_id = attr("aria-describedby").unwrap_or_else(|| panic!("{schema} has no hint"));
        let hint_start = html.find(&format!("id=\"{hint_id}\"")).unwrap();
        let hint = &html[hint_start..hint_start + 120];
        let (lo, hi) = (
            s["minimum"].as_f64().unwrap(),
            s["maximum"].as_f64().unwrap(),
        );
        assert!(
            hint.contains(&format!("{lo}–{hi}")),
            "hint for {schema} says {hint}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} number fields checked");
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";
const ARROW_LEFT: &str = "\u{E012}";

/// Tabs until the focused element matches `css` (at most `max` presses).
async fn tab_to(page: &Session, css: &str, max: usize) {
    for _ in 0..max {
        if page
            .eval(
                "return document.activeElement.matches(arguments[0])",
                json!([css]),
            )
            .await
            == true
        {
            return;
        }
        page.keys(TAB).await;
    }
    panic!("{css} cannot be reached with the Tab key");
}

#[tokio::test]
async fn a_fitter_can_sign_in_answer_and_mark_wear_with_the_keyboard_alone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    let mut page = browser.session(TABLET_PORTRAIT, &[&app.address]).await;
    page.goto(&app.url("/app/")).await;
    page.wait_for("#staff-key").await;
    // The sign-in field has the focus; Enter submits.
    assert_eq!(
        page.eval("return document.activeElement.id", json!([]))
            .await,
        "staff-key"
    );
    page.keys(&key).await;
    page.keys(ENTER).await;
    page.wait_for("#step-runner").await;
    tab_to(&page, "#new-runner", 20).await;
    page.keys(ENTER).await;
    page.wait_for("#step-profile").await;
    tab_to(&page, "#body_mass_kg", 20).await;
    page.keys(&format!("70{TAB}30")).await;
    tab_to(&page, "#goal", 5).await;
    page.keys("Daily").await;
    tab_to(&page, "#terrain", 5).await;
    page.keys("Road").await;
    page.wait_until(
        "the referral check",
        "document.querySelector('#referral-banner').dataset.level === 'none'",
    )
    .await;
    // A yes/no/not-asked answer: the arrow keys move within the group.
    tab_to(
        &page,
        "fieldset[data-path='health.exertional_symptoms.chest_pain_or_pressure'] input:checked",
        200,
    )
    .await;
    page.keys(ARROW_LEFT).await;
    assert_eq!(
        page.eval("return document.querySelector(\"fieldset[data-path='health.exertional_symptoms.chest_pain_or_pressure'] input:checked\").value", json!([])).await,
        "no"
    );
    page.keys(ARROW_LEFT).await;
    page.wait_until(
        "the urgent banner",
        "document.querySelector('#referral-banner').dataset.level === 'urgent'",
    )
    .await;
    // The outsole zones are buttons: Space steps the grade.
    page.click("[data-next=gait]").await;
    page.click("[data-next=wear]").await;
    tab_to(&page, ".zone[data-foot=right][data-zone=lateral_heel]", 40).await;
    page.keys(SPACE).await;
    page.keys(ENTER).await;
    assert_eq!(
        page.eval("return document.activeElement.dataset.grade", json!([]))
            .await,
        "moderate"
    );
    // Every focused control shows where the focus is.
    let outline = page
        .eval(
            "return getComputedStyle(document.activeElement).outlineStyle",
            json!([]),
        )
        .await;
    assert_eq!(outline, "solid", "a visible focus ring");
    page.assert_clean().await;
    page.close().await;
}

/// A runner who bought here before: the page finds them, starts from their last fitting, and a
/// pain worth a physiotherapist's look reaches the printed summary.
#[tokio::test]
async fn a_returning_runner_starts_from_the_last_fitting_and_takes_the_referral_home() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    let earlier = app.create_fitting(&shop_fitting()).await;
    let sale = json!({"sale_id": "S1-900", "fitting_id": earlier, "shoe_id": "brooks-adrenaline-gts-24", "store_id": "S1"});
    assert_eq!(app.post("/v1/outcomes", &sale).await.status, 201);
    let rated = app
        .client
        .patch(app.url("/v1/outcomes/S1-900"))
        .json(&json!({"satisfaction": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 200);

    let mut page = browser.session(DESKTOP, &[&app.address]).await;
    sign_in(&mut page, &app, &key).await;
    page.fill("#lookup-ref", "c-7f3a91").await;
    page.click("#lookup-form button[type=submit]").await;
    page.wait_for_text(
        "#lookup-result",
        "Brooks Adrenaline GTS 24, kept, rated 5/5",
    )
    .await;
    page.assert_accessible("a returning runner's history").await;
    page.click("#lookup-result button").await;
    page.wait_for("#step-profile").await;
    let copied = page
        .eval("return ['#customer_ref', '#body_mass_kg', '#goal', '#worn_model', \"[data-path='health.previous_injuries[0].type']\"].map(s => document.querySelector(s).value)", json!([]))
        .await;
    assert_eq!(
        copied,
        json!([
            "c-7f3a91",
            "61",
            "daily_training",
            "Brooks Adrenaline GTS 24",
            "tendon"
        ])
    );

    page.click("#add-pain").await;
    page.select("[data-path='health.pain[0].location']", "knee")
        .await;
    page.fill("[data-path='health.pain[0].score_0_10']", "5")
        .await;
    page.fill("[data-path='health.pain[0].duration_weeks']", "2")
        .await;
    page.click("[data-path='health.pain[0].timing'] input[value='during_runs']")
        .await;
    page.wait_until(
        "the prompt banner",
        "document.querySelector('#referral-banner').dataset.level === 'prompt'",
    )
    .await;
    assert!(page
        .text("#referral-banner")
        .await
        .contains("physiotherapist"));
    page.click("[data-next=gait]").await;
    page.click("[data-next=wear]").await;
    page.click("#save-fitting").await;
    page.wait_for("#shoes-out .card[data-shoe]").await;
    let fitting_id = page
        .eval(
            "return document.querySelector('#step-shoes').dataset.fitting",
            json!([]),
        )
        .await;
    let stored = app
        .get(&format!("/v1/fittings/{}", fitting_id.as_str().unwrap()))
        .await;
    assert_eq!(stored.body["fitting"]["customer_ref"], "c-7f3a91");
    assert_eq!(
        stored.body["fitting"]["wear"]["worn_shoe_id"],
        "brooks-adrenaline-gts-24"
    );
    page.click("#shoes-out .card[data-shoe] button").await;
    page.click("[data-next=tryons]").await;
    page.wait_for(".tryon").await;
    let tried = page
        .eval(
            "return document.querySelector('.tryon').dataset.shoe",
            json!([]),
        )
        .await;
    page.select("#sale-shoe", tried.as_str().unwrap()).await;
    page.click("#sale-form button[type=submit]").await;
    page.click("#open-summary").await;
    page.wait_for("#summary h1").await;
    let summary = page.text("#summary").await;
    let api = app
        .recommend(&json!({"fitting_id": fitting_id, "store_id": "S1"}))
        .await;
    let message = api.body["referral"]["message"]
        .as_str()
        .expect("a referral message");
    assert!(
        summary.contains("Getting it checked") && summary.contains(message),
        "the referral goes home: {summary}"
    );
    assert!(summary.contains("physiotherapist"), "{summary}");
    assert_plain_words(&summary);
    assert_eq!(
        browser::pdf_pages(&page.print_pdf().await),
        1,
        "still one printed page"
    );
    page.assert_accessible("a summary with a referral").await;
    page.assert_clean().await;
    page.close().await;
}

/// With measured feet, each shoe says which size to try first and next, how many pairs of
/// those sizes are on the shelf, and the try-on starts in the advised size.
#[tokio::test]
async fn measured_feet_bring_size_advice_to_every_shoe_and_the_try_on_starts_in_that_size() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app().await;
    let key = shop(&app).await;
    let sized = json!({"items": [
        {"shoe_id": "brooks-adrenaline-gts-24", "sizes": [{"size_eu": 38.5, "quantity": 1}, {"size_eu": 39, "quantity": 2}, {"size_eu": 40, "quantity": 1}]},
        {"shoe_id": "asics-gel-kayano-31", "sizes": [{"size_eu": 39, "quantity": 1}, {"size_eu": 39.5, "quantity": 1}, {"size_eu": 40, "quantity": 1}]},
        {"shoe_id": "brooks-ghost-16", "quantity": 4}
    ]});
    assert_eq!(app.put("/v1/stores/S1/stock", &sized).await.status, 200);
    let mut page = browser.session(TABLET_PORTRAIT, &[&app.address]).await;
    sign_in(&mut page, &app, &key).await;
    fill_profile(&page).await;
    page.wait_for("#feet-left-length").await;
    assert!(
        page.text("#feet-left-length-hint")
            .await
            .contains("mm, 150–350"),
        "ranges from the service's document"
    );
    page.fill("#feet-left-length", "244").await;
    page.fill("#feet-left-width", "93").await;
    page.fill("#feet-right-length", "247").await;
    page.fill("#feet-right-width", "95").await;
    page.select("#feet-method", "brannock").await;
    page.select("#feet-system", "eu").await;
    page.click("[data-next=gait]").await;
    page.click("[data-next=wear]").await;
    page.click("#save-fitting").await;
    page.wait_for("#shoes-out .card[data-shoe]").await;
    let fitting_id = page
        .eval(
            "return document.querySelector('#step-shoes').dataset.fitting",
            json!([]),
        )
        .await;
    let stored = app
        .get(&format!("/v1/fittings/{}", fitting_id.as_str().unwrap()))
        .await;
    assert_eq!(stored.body["fitting"]["feet"]["right"]["length_mm"], 247.0);
    let api = app
        .recommend(&json!({"fitting_id": fitting_id, "store_id": "S1", "top_k": 5}))
        .await;
    let first = &api.body["shoes"][0];
    let advice = &first["size_advice"];
    assert!(
        advice.is_object(),
        "the service advises a size: {}",
        api.text
    );
    let card = page
        .text(&format!(
            "#shoes-out .card[data-shoe='{}']",
            first["shoe_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        card.contains(&format!(
            "try {}, then {}",
            advice["first"].as_str().unwrap(),
            advice["next"].as_str().unwrap()
        )),
        "{card}"
    );
    assert!(card.contains(advice["reason"].as_str().unwrap()), "{card}");
    if let Some(pairs) = first["pairs_in_size"].as_i64() {
        assert!(
            card.contains(&format!(
                "on the shelf: {pairs} in {}",
                advice["first"].as_str().unwrap()
            )),
            "{card}"
        );
    }
    let shot = page.screenshot_page("sizes", true).await;
    publish(&shot);
    page.assert_accessible("size advice").await;
    page.click(&format!(
        "#shoes-out .card[data-shoe='{}'] button",
        first["shoe_id"].as_str().unwrap()
    ))
    .await;
    page.click("[data-next=tryons]").await;
    let size = page
        .eval(
            "return Number(document.querySelector('.tryon input[type=number]').value)",
            json!([]),
        )
        .await;
    assert_eq!(
        size.as_f64(),
        advice["first_size"]["eu"].as_f64(),
        "the try-on starts in the advised size"
    );
    page.assert_clean().await;
    page.close().await;
}
