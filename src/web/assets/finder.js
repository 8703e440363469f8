// The embeddable shoe finder: profile-only questions, ranked shoes from the recommendations
// API with a storefront key. A web shop loads this script from the stridefit service; calls
// go to the script's own origin (or data-api), under the key's CORS rule.
"use strict";

(function () {
  const script = document.currentScript;
  const config = (script && script.dataset) || {};
  const apiBase = (config.api || new URL(script.src, location.href).origin).replace(/\/$/, "");
  const mount = document.getElementById(config.target || "stridefit-finder");
  if (!mount) return;
  let key = config.key || null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const options = (pairs) => pairs.map(([v, t]) => el("option", { value: v }, t));
  function field(id, label, control, hint) {
    control.id = `sff-${id}`;
    control.name = id;
    if (hint) control.setAttribute("aria-describedby", `sff-${id}-hint`);
    return el("div", { class: "sff-field" }, el("label", { for: `sff-${id}` }, label), control, hint ? el("span", { class: "sff-hint", id: `sff-${id}-hint` }, hint) : null);
  }
  const num = (min, max, step) => el("input", { type: "number", inputmode: "decimal", min, max, step: step || "any" });

  const fields = [
    field("body_mass_kg", "Your weight", Object.assign(num(25, 250), { required: true }), "kg"),
    field("weekly_distance_km", "Running per week", Object.assign(num(0, 400), { required: true }), "km"),
    field("goal", "Mostly for", el("select", { required: true }, options([["", "Choose…"], ["daily_training", "everyday running"], ["long_runs", "long runs"], ["racing", "racing"], ["trail", "trail running"]]))),
    field("terrain", "Where you run", el("select", { required: true }, options([["", "Choose…"], ["road", "road"], ["trail", "trail"], ["road_trail", "both"]]))),
    field("width", "Foot width", el("select", {}, options([["", "not sure"], ["narrow", "narrow"], ["standard", "standard"], ["wide", "wide"], ["extra_wide", "extra wide"]]))),
    field("preferred_feel", "Feel you like", el("select", {}, options([["", "no preference"], ["soft", "soft"], ["balanced", "balanced"], ["firm", "firm"]]))),
    field("budget_usd", "Budget", num(0, 2000), "US dollars"),
    field("shoe_size_eu", "Shoe size", num(28, 52, "0.5"), "EU"),
  ];
  const keyField = key ? null : field("key", "Storefront key", el("input", { type: "password", autocomplete: "off", spellcheck: "false" }), "from stridefit keys create --role storefront");
  const out = el("div", { class: "sff-results", "aria-live": "polite" });
  const form = el("form", { class: "sff", novalidate: true },
    el("h2", {}, "Find your running shoe"),
    el("div", { class: "sff-grid" }, keyField, fields),
    el("button", { type: "submit" }, "Show my shoes"));
  mount.replaceChildren(form, out);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const k = key || form.elements.key.value.trim();
    const profile = {};
    const problems = [];
    for (const c of form.querySelectorAll("[name]")) {
      if (c.name === "key" || c.value === "") continue;
      if (c.type === "number") {
        if (c.validity.badInput) { problems.push(`${c.labels[0].textContent} must be a number`); continue; }
        profile[c.name] = Number(c.value);
      } else profile[c.name] = c.value;
    }
    out.replaceChildren(el("p", {}, "Finding shoes…"));
    let resp, data;
    try {
      resp = await fetch(`${apiBase}/v1/recommendations`, {
        method: "POST", credentials: "omit", cache: "no-store",
        headers: { "Content-Type": "application/json", "Authorization": `Bearer ${k}` },
        body: JSON.stringify({ fitting: { profile }, top_k: 3 }),
      });
      data = await resp.json().catch(() => null);
    } catch (e) {
      out.replaceChildren(el("p", { class: "sff-alert", role: "alert" }, "The shoe finder cannot reach the fitting service from this page. The storefront key must allow this site's address."));
      return;
    }
    if (!resp.ok) {
      const labelled = ((data && data.errors) || []).map((x) => {
        const c = form.querySelector(`[name="${x.field.replace(/^fitting\.profile\./, "")}"]`);
        if (c) c.setAttribute("aria-invalid", "true");
        return `${c ? c.labels[0].textContent : x.field} ${x.reason}`;
      });
      const msg = resp.status === 401 || resp.status === 403 ? "This storefront key was not accepted." : (data && data.detail) || `The service answered ${resp.status}.`;
      out.replaceChildren(el("div", { class: "sff-alert", role: "alert" }, el("p", {}, msg), labelled.length ? el("ul", {}, labelled.map((t) => el("li", {}, t))) : null));
      return;
    }
    form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
    out.replaceChildren(
      data.shared_reasons.length ? el("p", { class: "sff-shared" }, "All of these: ", data.shared_reasons.join("; ")) : null,
      ...data.shoes.map((s) => el("article", { class: "sff-card" },
        el("h3", {}, `${s.rank}. ${s.name}`),
        el("p", {}, el("span", { class: "sff-price" }, s.price_usd === null || s.price_usd === undefined ? "price not known" : `$${Math.round(s.price_usd)}`)),
        s.reasons.length ? el("ul", {}, s.reasons.map((t) => el("li", {}, t))) : null,
        s.cautions.length ? el("ul", { "aria-label": "Good to know" }, s.cautions.map((t) => el("li", {}, t))) : null)));
  });
})();
