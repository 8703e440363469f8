// The runner's take-home summary: what the fitter saw and what it means, the shoes tried,
// the pair chosen and why, how to ease into it, training advice and any referral, in plain
// words. Built from the API (fitting, try-ons, the sale, the recommendation) with the staff
// key of this tab; the fitting and sale ids come from the URL fragment, never sent to a server.
"use strict";

const { api, el, words } = SF;

const ZONE_WORDS = {
  toe: "toe", medial_forefoot: "inner forefoot", lateral_forefoot: "outer forefoot",
  medial_midfoot: "inner midfoot", lateral_midfoot: "outer midfoot", medial_heel: "inner heel", lateral_heel: "outer heel",
};
const STRIKE_WORDS = { rearfoot: "you land on your heel first", midfoot: "you land on the middle of your foot", forefoot: "you land on the front of your foot" };

function params() {
  const out = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const [k, v] = part.split("=");
    if (k && v) out[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return out;
}

function wornZones(foot) {
  return Object.entries(foot || {}).filter(([, g]) => g === "moderate" || g === "heavy");
}

/** What the old pair shows, in plain words, and what that usually means. */
function wearLines(wear) {
  const seen = [], means = [];
  if (!wear) return { seen, means };
  for (const side of ["left", "right"]) {
    const zones = wornZones(wear[side]);
    if (zones.length) seen.push(`${side === "left" ? "Left" : "Right"} shoe: ${zones.map(([z, g]) => `${g} wear on the ${ZONE_WORDS[z] || words(z)}`).join(", ")}.`);
  }
  const all = [...wornZones(wear.left), ...wornZones(wear.right)].map(([z]) => z);
  if (all.some((z) => z.startsWith("medial"))) means.push("Wear along the inner edge usually means the foot rolls inward more than most after it lands.");
  if (all.includes("lateral_heel") && !all.some((z) => z.startsWith("medial"))) means.push("Wear on the outer heel is normal: most runners land there first.");
  const l = wornZones(wear.left).map(([z, g]) => z + g).sort().join();
  const r = wornZones(wear.right).map(([z, g]) => z + g).sort().join();
  if (wear.left && wear.right && l !== r) means.push("Your two shoes wear differently, so your left and right steps are not quite the same.");
  if (wear.midsole_compression === "heavy") seen.push("The cushioning of your old pair is worn down.");
  return { seen, means };
}

function gaitLines(gait) {
  if (!gait) return [];
  const lines = [];
  const kmh = (gait.speed_m_s * 3.6).toFixed(1);
  lines.push(`On the treadmill at ${kmh} km/h ${STRIKE_WORDS[gait.foot_strike] || "we watched how you land"} and take about ${Math.round(gait.cadence_spm)} steps a minute.`);
  if (gait.left_right_asymmetry_pct !== null && gait.left_right_asymmetry_pct !== undefined) {
    lines.push(`Your left and right foot stay on the ground for times that differ by ${gait.left_right_asymmetry_pct} %.`);
  }
  return lines;
}

function section(title, ...content) {
  const items = content.flat().filter(Boolean);
  if (!items.length) return null;
  return el("section", {}, el("h2", {}, title), ...items);
}

function list(lines) { return lines.length ? el("ul", {}, lines.map((t) => el("li", {}, t))) : null; }

async function build() {
  const status = document.getElementById("summary-status");
  const p = params();
  if (!SF.key()) { status.textContent = "Sign in on the fitting page first, in this tab."; return; }
  if (!p.fitting) { status.textContent = "No fitting chosen: open the summary from the fitting page."; return; }
  try {
    const stored = await api("GET", `/v1/fittings/${encodeURIComponent(p.fitting)}`);
    const fitting = stored.fitting;
    const [tryons, sale] = await Promise.all([
      api("GET", `/v1/fittings/${encodeURIComponent(p.fitting)}/try-ons`),
      p.sale ? api("GET", `/v1/outcomes/${encodeURIComponent(p.sale)}`) : Promise.resolve(null),
    ]);
    const req = { fitting_id: stored.id, top_k: 10 };
    if (fitting.store_id) req.store_id = fitting.store_id;
    const recs = await api("POST", "/v1/recommendations", req);
    const ranked = recs.shoes.concat(recs.elsewhere ? [recs.elsewhere.shoe] : []);
    const names = new Map(ranked.map((s) => [s.shoe_id, s.name]));
    const nameOf = async (id) => {
      if (names.has(id)) return names.get(id);
      try { const s = await api("GET", `/v1/shoes/${encodeURIComponent(id)}`); names.set(id, `${s.brand} ${s.model}`); } catch (e) { names.set(id, "a shoe no longer listed"); }
      return names.get(id);
    };

    const wear = wearLines(fitting.wear);
    const seen = [...wear.seen, ...gaitLines(fitting.gait)];
    const tried = [];
    for (const t of tryons.try_ons) {
      const bits = [];
      if (t.size_eu) bits.push(`size ${t.size_eu}`);
      if (t.comfort_1_5) bits.push(`comfort ${t.comfort_1_5} out of 5`);
      const obs = (t.observations || []).map((o) => SF.OBSERVATIONS[o] || words(o));
      if (obs.length) bits.push(obs.join(", "));
      tried.push(`${await nameOf(t.shoe_id)}${bits.length ? ": " + bits.join("; ") : ""}`);
    }

    let chosen = null;
    if (sale) {
      const rec = ranked.find((s) => s.shoe_id === sale.shoe_id);
      const name = await nameOf(sale.shoe_id);
      const why = rec ? recs.shared_reasons.concat(rec.reasons) : [];
      const ease = rec ? rec.cautions : [];
      let insole = null;
      if (sale.insole_id) {
        try { const i = await api("GET", `/v1/insoles/${encodeURIComponent(sale.insole_id)}`); insole = `${i.brand} ${i.model}`; } catch (e) { insole = null; }
      }
      const insoleReason = rec && rec.insole && rec.insole.insole_id === sale.insole_id ? rec.insole.reason : null;
      const triedOn = tryons.try_ons.find((t) => t.shoe_id === sale.shoe_id);
      const size = sale.size_eu || (triedOn && triedOn.size_eu) || null;
      // The width remark is what a runner needs again when buying the next pair.
      const advice = rec && rec.size_advice ? rec.size_advice.width : null;
      chosen = { name, why, ease, insole, insoleReason, size, advice };
    }

    const ref = recs.referral;
    const referral = ref && ref.level !== "none"
      ? el("section", { class: ref.level === "urgent" ? "referral urgent" : "referral" },
        el("h2", {}, ref.level === "urgent" ? "Please see a doctor today" : "Getting it checked"),
        ref.message ? el("p", {}, el("strong", {}, ref.message)) : null,
        ref.suggested_professional ? el("p", {}, `Who to see: ${ref.suggested_professional}.`) : null,
        list(ref.reasons.map((r) => r.text)))
      : null;

    const easing = chosen ? chosen.ease.slice() : [];
    const advice = recs.advice.slice();
    const date = new Date(stored.created_at);
    const article = document.getElementById("summary");
    article.replaceChildren(...[
      el("h1", {}, "Your running shoe fitting"),
      el("p", { class: "hint" }, `${date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" })}${fitting.store_id ? ` · store ${fitting.store_id}` : ""}`),
      referral,
      section("What we saw", list(seen.length ? seen : ["We went by what you told us about your running."])),
      section("What it means", list(wear.means.concat(recs.shared_reasons))),
      section("Shoes you tried", list(tried)),
      chosen ? el("section", { class: "chosen" }, el("h2", {}, `Your new shoes: ${chosen.name}`),
        chosen.size ? el("p", {}, `Size: EU ${chosen.size}${chosen.advice ? ` (${chosen.advice})` : ""}.`) : null,
        list(chosen.why),
        chosen.insole ? el("p", {}, `With the ${chosen.insole} insole${chosen.insoleReason ? `: ${chosen.insoleReason}` : "."}`) : null) : null,
      section("Easing into them", list(easing.length ? easing : ["Wear them for a few short, easy runs first and build up over two weeks."])),
      section("Training advice", list(advice)),
    ].filter(Boolean));
    article.hidden = false;
    status.textContent = "";
    document.title = chosen ? `Your shoe fitting: ${chosen.name}` : "Your shoe fitting";
  } catch (e) {
    status.textContent = e.status === 401 ? "Sign in on the fitting page first, in this tab." : e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("print").addEventListener("click", () => window.print());
  build();
});
