// The staff fitting page: runner → profile and red flags (live referral banner) → gait →
// wear of the old pair → ranked shoes → try-ons → sale. Every decision comes from the JSON
// API; this script only collects answers, shows results and maps errors to the fields.
"use strict";

const { api, el, money, words } = SF;

const state = {
  catalogue: [],          // every shoe, for the name pickers
  fittingId: null,
  storeId: null,
  savedBody: null,        // the fitting body last sent, and its idempotency key
  idempotencyKey: null,
  recs: null,
  tryons: [],             // {shoe_id, name, size_eu, comfort, observations}
  insoles: new Map(),     // insole_id → name, from the recommendations
  wear: { left: {}, right: {} },
  seq: 0,                 // live referral requests: only the newest answer counts
  schemas: null,          // the service's OpenAPI schemas, for fields it may add
  onlyInSize: false,
  uid: 0,
};

const STEPS = ["runner", "profile", "gait", "wear", "shoes", "tryons"];

// ---------- questions (wording for staff; the fields are the API's) ----------
const RED_FLAGS = [
  ["bladder_or_bowel_change", "Any new change in bladder or bowel control?"],
  ["saddle_numbness", "Any numbness in the saddle or genital area?"],
  ["sciatica_both_legs", "Does pain run down both legs?"],
  ["progressive_leg_weakness", "Is either leg getting weaker?"],
  ["numbness_or_tingling", "Any numbness or tingling?"],
  ["fever", "Do you have a fever?"],
  ["feeling_unwell", "Do you feel generally unwell (shivery, flu-like)?"],
  ["recent_trauma", "A recent fall, knock or accident?"],
  ["history_of_cancer", "Have you ever had cancer?"],
  ["unexplained_weight_loss", "Have you lost weight without trying?"],
  ["immunosuppressed", "Any illness or treatment that weakens the immune system?"],
  ["osteoporosis_or_long_term_steroids", "Osteoporosis, or steroid tablets for a long time?"],
  ["bone_stress_risk_factors", "Low body weight, missed periods, or a recent jump in training?"],
];
const EXERTIONAL = [
  ["chest_pain_or_pressure", "Any chest pain or pressure when exercising?"],
  ["fainting_or_near_fainting", "Fainted or nearly fainted during or just after exercise?"],
  ["palpitations", "A racing, pounding or irregular heartbeat when exercising?"],
  ["dizziness", "Dizzy during or just after exercise?"],
  ["breathlessness_out_of_proportion", "Far more out of breath than the effort explains?"],
];
const CLOT = [
  ["one_calf_swollen", "Is one calf swollen compared with the other?"],
  ["recent_long_travel", "A journey of four hours or more in the past four weeks?"],
  ["recent_surgery_or_immobilisation", "Surgery, a plaster cast or three days or more in bed in the past 12 weeks?"],
  ["previous_blood_clot", "Ever had a blood clot?"],
  ["pregnant_or_postpartum", "Pregnant, or gave birth in the past six weeks?"],
  ["hormonal_contraception_or_hrt", "Combined hormonal contraception or hormone replacement?"],
  ["active_cancer", "Cancer being treated now, or in the past six months?"],
];
const ENERGY = [
  ["restricted_eating", "Restricting what you eat, for weight or performance?"],
  ["recent_weight_loss", "Lost weight recently?"],
];
const PAIN_QUESTIONS = [
  ["worse_during_run", "Does it get worse during the run?"],
  ["returns_every_run", "Does it come back on every run?"],
  ["in_daily_life", "Does it hurt in daily life (walking, stairs)?"],
  ["rest_pain", "Does it hurt at rest?"],
  ["night_pain", "Does it wake you at night, and not ease when you change position?"],
  ["no_improvement_after_rest", "No better after two weeks of rest?"],
  ["needs_painkillers_to_run", "Painkillers needed to run?"],
  ["swelling", "Is it swollen?"],
  ["warmth_or_redness", "Is it warm or red?"],
  ["focal_bone_tenderness", "Tender on one spot of bone when pressed?"],
  ["cannot_bear_weight", "Unable to take four steps on it?"],
  ["limp", "Limping?"],
  ["pain_on_hopping", "Does it hurt to hop on that leg?"],
  ["locking_or_giving_way", "Does the joint lock, catch or give way?"],
  ["weak_push_off", "Is pushing off or rising on the toes weak on that side?"],
  ["tightness_or_numbness_during_run", "Does the leg go tight or numb at the same point in each run?"],
];
const LOCATIONS = ["lower_back", "upper_back", "chest", "hip_groin", "buttock", "thigh", "hamstring", "knee", "shin",
  "calf", "achilles", "calf_achilles", "ankle", "heel", "arch", "midfoot", "forefoot", "toes", "whole_foot", "other"];
const LOCATION_WORDS = { hip_groin: "hip or groin", calf_achilles: "calf and Achilles", achilles: "Achilles" };
const TIMINGS = [["during_runs", "during runs"], ["after_runs", "after runs"], ["first_steps_in_morning", "first steps in the morning"], ["at_night", "at night"], ["at_rest", "at rest"]];
const ZONES = [
  // [field, label, css class per foot] — seen from below: the left sole's inner (medial) side is on the left
  ["toe", "toe", "toe"],
  ["medial_forefoot", "inner forefoot", null], ["lateral_forefoot", "outer forefoot", null],
  ["medial_midfoot", "inner midfoot", null], ["lateral_midfoot", "outer midfoot", null],
  ["medial_heel", "inner heel", "heel"], ["lateral_heel", "outer heel", "heel"],
];
const GRADES = ["none", "light", "moderate", "heavy"];

// ---------- small helpers ----------
function $(sel, root) { return (root || document).querySelector(sel); }
function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }
function nextUid() { state.uid += 1; return state.uid; }

function triControl(path, question, uid) {
  const name = `q${uid}`;
  const choice = (value, label, checked) => el("label", {},
    el("input", { type: "radio", name, value, checked }), label);
  return el("fieldset", { class: "tri", dataset: { path } },
    el("legend", {}, question),
    el("div", { class: "choices" }, choice("yes", "Yes"), choice("no", "No"), choice("", "Not asked", true)));
}

function fillTri(containerId, group, list) {
  const box = document.getElementById(containerId);
  for (const [field, question] of list) box.append(triControl(`health.${group}.${field}`, question, nextUid()));
}

function field(label, control, hint) {
  const id = control.id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field" }, el("label", { for: id }, label), control, hint ? el("span", { class: "range", id: hintId }, hint) : null);
}

// ---------- pains and injuries (repeatable) ----------
function addPain(values) {
  const uid = nextUid();
  const v = values || {};
  const locSelect = el("select", { id: `pain${uid}-location`, dataset: { rel: "location" } }, el("option", { value: "" }, "Choose…"),
    LOCATIONS.map((l) => el("option", { value: l, selected: v.location === l }, LOCATION_WORDS[l] || words(l))));
  const side = el("select", { id: `pain${uid}-side`, dataset: { rel: "side" } },
    el("option", { value: "" }, "Not given"), ["left", "right", "both"].map((s) => el("option", { value: s, selected: v.side === s }, s)));
  const score = el("input", { id: `pain${uid}-score`, type: "number", inputmode: "decimal", min: "0", max: "10", step: "any", dataset: { rel: "score_0_10" } });
  const weeks = el("input", { id: `pain${uid}-weeks`, type: "number", inputmode: "decimal", min: "0", max: "520", step: "any", dataset: { rel: "duration_weeks" } });
  const course = el("select", { id: `pain${uid}-course`, dataset: { rel: "course" } }, el("option", { value: "" }, "Not asked"),
    ["new", "improving", "stable", "worsening"].map((c) => el("option", { value: c }, c)));
  const onset = el("select", { id: `pain${uid}-onset`, dataset: { rel: "onset" } }, el("option", { value: "" }, "Not asked"),
    [["gradual", "gradually"], ["sudden", "suddenly"], ["after_fall_or_twist", "after a fall or twist"], ["with_pop", "with a pop"]].map(([o, t]) => el("option", { value: o }, t)));
  const settles = el("input", { id: `pain${uid}-settles`, type: "number", inputmode: "decimal", min: "0", max: "168", step: "any", dataset: { rel: "settles_after_hours" } });
  const timing = el("fieldset", { class: "chips-set", dataset: { rel: "timing", kind: "set" } }, el("legend", {}, "When it hurts"),
    el("div", { class: "chips" }, TIMINGS.map(([t, label]) => el("label", { class: "chip" }, el("input", { type: "checkbox", value: t }), label))));
  const card = el("div", { class: "pain", dataset: { uid } },
    el("h3", {}, "Pain"),
    el("div", { class: "grid" },
      field("Where", locSelect), field("Side", side),
      field("Pain while running", score, "0–10"), field("For how long", weeks, "weeks, 0–520"),
      field("Changing", course), field("Started", onset), field("Settles after a run within", settles, "hours")),
    timing,
    PAIN_QUESTIONS.map(([rel, q]) => { const t = triControl("", q, nextUid()); t.dataset.rel = rel; return t; }),
    el("div", { class: "actions" }, el("button", { type: "button", class: "secondary", onclick: () => { card.remove(); renumber(); liveReferral(); } }, "Remove this pain")));
  document.getElementById("pains").append(card);
  if (v.score_0_10 !== undefined) score.value = v.score_0_10;
  if (v.duration_weeks !== undefined) weeks.value = v.duration_weeks;
  renumber();
  return card;
}

function addInjury(values) {
  const uid = nextUid();
  const v = values || {};
  const type = el("select", { id: `inj${uid}-type`, dataset: { rel: "type" } }, el("option", { value: "" }, "Not known"),
    [["bone_stress", "bone stress (stress fracture)"], ["tendon", "tendon"], ["ligament", "ligament"], ["muscle", "muscle"], ["joint_surgery", "joint surgery"], ["other", "other"]]
      .map(([t, label]) => el("option", { value: t, selected: v.type === t }, label)));
  const site = el("select", { id: `inj${uid}-site`, dataset: { rel: "site" } }, el("option", { value: "" }, "Not known"),
    LOCATIONS.map((l) => el("option", { value: l, selected: v.site === l }, LOCATION_WORDS[l] || words(l))));
  const year = el("input", { id: `inj${uid}-year`, type: "number", inputmode: "numeric", min: "1950", max: "2100", step: "1", dataset: { rel: "year" } });
  if (v.year) year.value = v.year;
  const card = el("div", { class: "injury", dataset: { uid } },
    el("div", { class: "grid" }, field("Injury", type), field("Where", site), field("Year", year)),
    el("div", { class: "actions" }, el("button", { type: "button", class: "secondary", onclick: () => { card.remove(); renumber(); liveReferral(); } }, "Remove this injury")));
  document.getElementById("injuries").append(card);
  renumber();
  return card;
}

/** Gives every control in the repeatable cards its API path, by position. */
function renumber() {
  $$("#pains .pain").forEach((card, i) => {
    card.querySelector("h3").textContent = `Pain ${i + 1}`;
    $$("[data-rel]", card).forEach((c) => { c.dataset.path = `health.pain[${i}].${c.dataset.rel}`; });
  });
  $$("#injuries .injury").forEach((card, i) => {
    $$("[data-rel]", card).forEach((c) => { c.dataset.path = `health.previous_injuries[${i}].${c.dataset.rel}`; });
  });
}

// ---------- fields the service may add (size advice) ----------
/** Reads the service's OpenAPI document (public, same origin) to learn what it takes. */
async function loadContract() {
  try {
    const resp = await fetch("/openapi.json", { cache: "no-store", credentials: "omit" });
    state.schemas = (await resp.json()).components.schemas;
  } catch (e) {
    state.schemas = {};
  }
  const fitting = state.schemas.Fitting;
  if (fitting && fitting.properties && fitting.properties.feet && !$("#feet-fieldset")) buildFeet();
}

function rangeOf(schemaName) {
  const s = (state.schemas || {})[schemaName] || {};
  return { min: s.minimum, max: s.maximum };
}

function numberField(id, path, label, schemaName, unit, step) {
  const r = rangeOf(schemaName);
  const input = el("input", { id, type: "number", inputmode: "decimal", step: step || "any", min: r.min, max: r.max, dataset: { path } });
  const hint = r.min !== undefined ? `${unit}, ${r.min}–${r.max}` : unit;
  return field(label, input, hint);
}

function buildFeet() {
  const systems = ((state.schemas.SizeSystem || {}).enum || ["eu"]);
  const SYSTEM_WORDS = { eu: "EU", uk: "UK", us_men: "US men's", us_women: "US women's", mondopoint: "Mondopoint" };
  const methods = ((state.schemas.MeasureMethod || {}).enum || []);
  const select = (id, path, label, values, words, empty) => field(label, el("select", { id, dataset: { path } },
    el("option", { value: "" }, empty), values.map((v) => el("option", { value: v }, words[v] || SF.words(v)))));
  const box = el("fieldset", { id: "feet-fieldset" }, el("legend", {}, "Feet, for size advice"),
    el("p", { class: "hint" }, "Measured standing. Leave empty when not measured; a size the runner wears in a model they know helps too."),
    el("div", { class: "grid" },
      numberField("feet-left-length", "feet.left.length_mm", "Left foot length", "FootLengthMm", "mm"),
      numberField("feet-left-width", "feet.left.width_mm", "Left foot width", "FootWidthMm", "mm"),
      numberField("feet-left-arch", "feet.left.arch_height_mm", "Left arch height", "ArchHeightMm", "mm"),
      numberField("feet-right-length", "feet.right.length_mm", "Right foot length", "FootLengthMm", "mm"),
      numberField("feet-right-width", "feet.right.width_mm", "Right foot width", "FootWidthMm", "mm"),
      numberField("feet-right-arch", "feet.right.arch_height_mm", "Right arch height", "ArchHeightMm", "mm"),
      select("feet-method", "feet.method", "Measured with", methods, {}, "Not given"),
      select("feet-system", "feet.preferred_system", "Sizes shown in", systems, SYSTEM_WORDS, "EU (default)")),
    el("div", { class: "grid" },
      field("Usual model", el("input", { id: "usual-model", list: "catalogue-names", type: "text", autocomplete: "off" }), "a shoe they wear now, picked from the list"),
      numberField("usual-size", "feet.usual_size.size", "Usual size in it", "", "as labelled", "0.5"),
      select("usual-system", "feet.usual_size.system", "Usual size system", systems, SYSTEM_WORDS, "Choose…")));
  $("#feet-fields").append(box);
}

// ---------- the outsole drawing ----------
function buildSoles() {
  for (const foot of ["left", "right"]) {
    const shape = $(`.sole[data-foot="${foot}"] .sole-shape`);
    for (const [zone, label, kind] of ZONES) {
      // From below the left sole shows its inner side on the left, the right sole on the right.
      const medial = zone.startsWith("medial");
      const onLeft = foot === "left" ? medial : !medial;
      let cls = "zone";
      if (kind === "toe") cls += " toe";
      if (kind === "heel") cls += onLeft ? " heel-left" : " heel-right";
      // The name read out is the visible text with the foot in front: "left shoe, inner heel moderate".
      const btn = el("button", { type: "button", class: cls, dataset: { foot, zone, grade: "none" } },
        el("span", { class: "sr-only" }, `${foot} shoe, `), el("span", {}, label), " ", el("span", { class: "grade" }, "none"));
      btn.style.gridColumn = kind === "toe" ? "1 / span 2" : onLeft ? "1" : "2";
      btn.style.gridRow = String(zone === "toe" ? 1 : zone.endsWith("forefoot") ? 2 : zone.endsWith("midfoot") ? 3 : 4);
      btn.addEventListener("click", () => setZone(btn, GRADES[(GRADES.indexOf(btn.dataset.grade) + 1) % GRADES.length]));
      setZone(btn, "none");
      shape.append(btn);
    }
  }
}

function setZone(btn, grade) {
  const { foot, zone } = btn.dataset;
  btn.dataset.grade = grade;
  btn.querySelector(".grade").textContent = grade;
  if (grade === "none") delete state.wear[foot][zone]; else state.wear[foot][zone] = grade;
}

// ---------- collecting the fitting ----------
function readControl(c, out, localErrors) {
  const path = c.dataset.path;
  if (!path) return;
  if (c.matches("fieldset.tri")) {
    const checked = c.querySelector("input:checked");
    if (checked && checked.value) SF.setPath(out, path, checked.value === "yes");
    return;
  }
  if (c.dataset.kind === "set") {
    const values = $$("input:checked", c).map((i) => i.value);
    if (values.length) SF.setPath(out, path, values);
    return;
  }
  if (c.type === "number") {
    if (c.validity && c.validity.badInput) { localErrors.push({ field: path, reason: "must be a number" }); return; }
    if (c.value.trim() === "") return;
    if (c.validity && (c.validity.rangeUnderflow || c.validity.rangeOverflow)) {
      localErrors.push({ field: path, reason: `must be between ${c.min} and ${c.max}` });
      return;
    }
    SF.setPath(out, path, Number(c.value));
    return;
  }
  const v = c.value.trim();
  if (v !== "") SF.setPath(out, path, v);
}

/** The fitting as the API takes it; empty sections are left out. */
function collect() {
  const out = { profile: {}, health: {} };
  const localErrors = [];
  const pending = [];
  $$("#profile-form [data-path], #gait-form [data-path], #wear-form [data-path]").forEach((c) => {
    // the gait reference only counts when an eversion angle was measured
    if (c.id === "eversion_reference") { pending.push(c); return; }
    readControl(c, out, localErrors);
  });
  if (out.gait && out.gait.peak_rearfoot_eversion_deg !== undefined) pending.forEach((c) => readControl(c, out, localErrors));
  const wearFeet = {};
  for (const foot of ["left", "right"]) if (Object.keys(state.wear[foot]).length) wearFeet[foot] = Object.assign({}, state.wear[foot]);
  if (Object.keys(wearFeet).length) out.wear = Object.assign(out.wear || {}, wearFeet);
  const worn = $("#worn_model").value.trim();
  if (worn) {
    const shoe = shoeByName(worn);
    if (shoe) { out.wear = out.wear || {}; out.wear.worn_shoe_id = shoe.id; }
    else localErrors.push({ field: "wear.worn_shoe_id", reason: "is not in the catalogue: pick a name from the list, or leave it empty and give the drop" });
  }
  const usual = $("#usual-model");
  if (usual && usual.value.trim()) {
    const shoe = shoeByName(usual.value);
    if (shoe) SF.setPath(out, "feet.usual_size.shoe_id", shoe.id);
    else localErrors.push({ field: "feet.usual_size.shoe_id", reason: "is not in the catalogue: pick a name from the list" });
  }
  // previous injuries need a type or a site; an empty card adds nothing
  if (out.health.previous_injuries) out.health.previous_injuries = out.health.previous_injuries.filter((i) => i && (i.type || i.site));
  $$("#pains .pain").forEach((card, i) => {
    const pain = (out.health.pain || [])[i] || {};
    for (const rel of ["location", "score_0_10", "duration_weeks"]) {
      if (pain[rel] === undefined) localErrors.push({ field: `health.pain[${i}].${rel}`, reason: "is required" });
    }
  });
  if (out.health.pain) out.health.pain = out.health.pain.filter(Boolean);
  return { fitting: out, localErrors };
}

function profileComplete(f) {
  const p = f.profile;
  return p.body_mass_kg !== undefined && p.weekly_distance_km !== undefined && p.goal && p.terrain;
}

// ---------- errors on the fields ----------
function clearErrors() {
  $$("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
  $$(".error[data-for]").forEach((e) => e.remove());
  $$("[data-errors]").forEach((b) => { b.hidden = true; b.replaceChildren(); });
}

function controlFor(fieldPath) {
  if (fieldPath === "wear.worn_shoe_id") return $("#worn_model");
  if (fieldPath === "feet.usual_size.shoe_id") return $("#usual-model");
  return $$("[data-path]").find((c) => c.dataset.path === fieldPath) || null;
}

function stepOf(node) {
  const section = node && node.closest("section.step");
  return section ? section.id.replace("step-", "") : null;
}

/** Marks every bad field and lists them at the top of the first section holding one. */
function showErrors(errors, fallbackStep) {
  clearErrors();
  let first = null;
  const bySection = new Map();
  for (const e of errors) {
    const c = controlFor(e.field);
    const label = c ? labelOf(c) : e.field;
    const step = c ? stepOf(c) : fallbackStep;
    if (!bySection.has(step)) bySection.set(step, []);
    bySection.get(step).push({ label, reason: e.reason, control: c });
    if (c) {
      const target = c.matches("fieldset") ? c : c;
      target.setAttribute("aria-invalid", "true");
      const msgId = `${c.id || "f" + nextUid()}-err`;
      const msg = el("p", { class: "error", id: msgId, dataset: { for: e.field } }, `${label} ${e.reason}`);
      (c.closest(".field") || c).append(msg);
      const described = (c.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (!described.includes(msgId)) c.setAttribute("aria-describedby", described.concat(msgId).join(" "));
      if (!first) first = c;
    }
  }
  for (const [step, items] of bySection) {
    const box = step && $(`#step-${step} [data-errors]`);
    if (!box) continue;
    box.replaceChildren(el("p", {}, items.length === 1 ? "One answer needs fixing:" : `${items.length} answers need fixing:`),
      el("ul", {}, items.map((i) => el("li", {}, `${i.label} ${i.reason}`))));
    box.hidden = false;
  }
  const firstStep = first ? stepOf(first) : fallbackStep;
  if (firstStep) showStep(firstStep);
  if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
}

function labelOf(c) {
  if (c.matches("fieldset")) return c.querySelector("legend").textContent;
  const l = c.id && $(`label[for="${c.id}"]`);
  return l ? l.textContent : c.dataset.path;
}

// ---------- the live referral banner ----------
const LEVEL_HEADINGS = {
  none: "No referral from the answers so far",
  advise: "Advise an assessment — keep fitting",
  prompt: "Refer: the runner should see a professional soon",
  urgent: "URGENT: a doctor today",
};
let referralTimer = null;

function liveReferral() {
  clearTimeout(referralTimer);
  referralTimer = setTimeout(checkReferral, 350);
}

async function checkReferral() {
  const { fitting, localErrors } = collect();
  const banner = $("#referral-banner");
  if (!profileComplete(fitting)) {
    banner.className = "level-unknown";
    delete banner.dataset.level;
    banner.replaceChildren(el("h2", {}, "Clinician check"), el("p", {}, "Fill in weight, weekly distance, goal and terrain to check the answers."));
    return;
  }
  const relevant = localErrors.filter((x) => x.field.startsWith("profile.") || x.field.startsWith("health."));
  if (relevant.length) {
    banner.className = "level-unknown";
    delete banner.dataset.level;
    banner.replaceChildren(el("h2", {}, "Clinician check waiting"), el("p", {}, "Some answers need fixing first:"),
      el("ul", {}, relevant.map((x) => { const c = controlFor(x.field); return el("li", {}, `${c ? labelOf(c) : x.field} ${x.reason}`); })));
    return;
  }
  const seq = ++state.seq;
  try {
    // Profile and health decide the referral; gait and wear join when the fitting is saved.
    const r = await api("POST", "/v1/recommendations", { fitting: { profile: fitting.profile, health: fitting.health }, top_k: 1 });
    if (seq === state.seq) renderReferral(banner, r.referral);
  } catch (e) {
    if (seq !== state.seq) return;
    if (e.status === 401) return signedOut("Your key was not accepted any more: sign in again.");
    banner.className = "level-unknown";
    delete banner.dataset.level;
    const items = (e.problem.errors || []).map((x) => { const c = controlFor(x.field.replace(/^fitting\./, "")); return `${c ? labelOf(c) : x.field} ${x.reason}`; });
    banner.replaceChildren(el("h2", {}, "Clinician check waiting"), el("p", {}, "Some answers need fixing first:"),
      el("ul", {}, (items.length ? items : [e.message]).map((t) => el("li", {}, t))));
  }
}

function renderReferral(banner, ref) {
  banner.className = `level-${ref.level}`;
  banner.dataset.level = ref.level;
  $$("fieldset.tri.ask").forEach((f) => f.classList.remove("ask"));
  const parts = [el("h2", {}, LEVEL_HEADINGS[ref.level] || ref.level)];
  if (ref.message) parts.push(el("p", {}, el("strong", {}, ref.message)));
  if (ref.suggested_professional) parts.push(el("p", {}, "Who to see: ", ref.suggested_professional));
  if (ref.reasons && ref.reasons.length) {
    parts.push(el("ul", {}, ref.reasons.map((r) => el("li", {}, r.text))));
  }
  const asks = ref.questions_to_ask || [];
  if (asks.length) {
    parts.push(el("p", {}, el("strong", {}, "Still to ask:")));
    parts.push(el("ul", { class: "ask-list" }, asks.map((q) => {
      const c = controlFor(q.field);
      if (c && c.matches("fieldset.tri")) c.classList.add("ask");
      return el("li", {}, c ? el("button", { type: "button", onclick: () => { showStep(stepOf(c)); (c.querySelector("input") || c).focus(); } }, q.question) : q.question);
    })));
  }
  banner.replaceChildren(...parts);
}

// ---------- steps ----------
function showStep(name) {
  for (const s of STEPS) {
    const sec = document.getElementById(`step-${s}`);
    if (sec) sec.hidden = s !== name;
  }
  $$("nav.steps button").forEach((b) => {
    if (b.dataset.goto === name) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
  });
  $("#step-signin").hidden = true;
  const h = $(`#step-${name} h2`);
  if (h) { h.setAttribute("tabindex", "-1"); h.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

function signedOut(message) {
  SF.clearKey();
  STEPS.forEach((s) => { document.getElementById(`step-${s}`).hidden = true; });
  $("#steps").hidden = true;
  $("#who").hidden = true;
  $("#sign-out").hidden = true;
  $("#step-signin").hidden = false;
  const err = $("#signin-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("#staff-key").focus();
}

async function loadCatalogue() {
  const shoes = [];
  for (let offset = 0; ; offset += 200) {
    const page = await api("GET", `/v1/shoes?limit=200&offset=${offset}`);
    shoes.push(...page.items);
    if (shoes.length >= page.total || page.items.length === 0) break;
  }
  state.catalogue = shoes;
  const list = $("#catalogue-names");
  list.replaceChildren(...shoes.map((s) => el("option", { value: shoeName(s) })));
}

function shoeName(s) { return `${s.brand} ${s.model}`; }
function shoeByName(name) {
  const n = name.trim().toLowerCase();
  return state.catalogue.find((s) => shoeName(s).toLowerCase() === n) || null;
}
function shoeById(id) { return state.catalogue.find((s) => s.id === id) || null; }

async function signedIn() {
  await loadContract();
  $("#step-signin").hidden = true;
  $("#steps").hidden = false;
  $("#sign-out").hidden = false;
  $("#who").hidden = false;
  $("#who").textContent = "Signed in";
  showStep("runner");
}

// ---------- runner lookup ----------
async function lookup(ref) {
  const out = $("#lookup-result");
  out.replaceChildren(el("p", {}, "Looking up…"));
  try {
    const page = await api("GET", `/v1/fittings?customer_ref=${encodeURIComponent(ref)}&limit=5`);
    if (!page.items.length) {
      out.replaceChildren(el("p", {}, `No earlier fittings for ${ref} that this key can see.`),
        el("button", { type: "button", onclick: () => startRunner(ref, null) }, `Start a new fitting for ${ref}`));
      return;
    }
    const last = page.items[0];
    out.replaceChildren(
      el("h3", {}, `${ref}: ${page.total} earlier fitting${page.total === 1 ? "" : "s"}`),
      el("ul", {}, page.items.map((f) => el("li", {}, `${f.created_at.slice(0, 10)}: `,
        f.purchases.length ? f.purchases.map((p) => `${p.name || "a shoe no longer listed"}${p.kept ? ", kept" : ", returned"}${p.satisfaction ? `, rated ${p.satisfaction}/5` : ""}`).join("; ") : "nothing bought"))),
      el("button", { type: "button", onclick: () => startRunner(ref, last) }, "Start a fitting from the last one"));
  } catch (e) {
    if (e.status === 401) return signedOut("Your key was not accepted: sign in again.");
    out.replaceChildren(el("p", { class: "alert", role: "alert" }, e.message));
  }
}

function startRunner(ref, previous) {
  resetFitting();
  $("#customer_ref").value = ref;
  if (previous) {
    const p = previous.fitting.profile || {};
    for (const [k, v] of Object.entries(p)) {
      const c = controlFor(`profile.${k}`);
      if (c && v !== null && v !== undefined) c.value = v;
    }
    for (const inj of ((previous.fitting.health || {}).previous_injuries || [])) {
      const card = addInjury(inj);
      if (inj.type) card.querySelector('[data-rel="type"]').value = inj.type;
    }
    // the pair they bought last and kept is probably the one they are wearing now
    const kept = (previous.purchases || []).find((x) => x.kept);
    const shoe = kept && shoeById(kept.shoe_id);
    if (shoe) $("#worn_model").value = shoeName(shoe);
  }
  showStep("profile");
  liveReferral();
}

function resetFitting() {
  state.fittingId = null; state.savedBody = null; state.idempotencyKey = null; state.recs = null;
  state.tryons = []; state.insoles = new Map();
  for (const f of ["profile-form", "gait-form", "wear-form"]) document.getElementById(f).reset();
  $("#pains").replaceChildren(); $("#injuries").replaceChildren();
  $$(".zone").forEach((z) => setZone(z, "none"));
  $("#shoes-out").replaceChildren(); $("#tryons").replaceChildren(); $("#sale-done").replaceChildren();
  clearErrors();
  renderTryons();
}

// ---------- save and recommend ----------
async function saveFitting() {
  const { fitting, localErrors } = collect();
  if (localErrors.length) return showErrors(localErrors, "wear");
  const body = JSON.stringify(fitting);
  if (body !== state.savedBody) { state.idempotencyKey = SF.randomId("fit-"); }
  const btn = $("#save-fitting");
  btn.disabled = true;
  try {
    const r = await api("POST", "/v1/fittings", fitting, { "Idempotency-Key": state.idempotencyKey });
    state.savedBody = body;
    state.fittingId = r.id;
    $("#step-shoes").dataset.fitting = r.id;
    state.storeId = r.fitting.store_id || null;
    $("#who").textContent = state.storeId ? `Signed in — store ${state.storeId}` : "Signed in";
    clearErrors();
    showStep("shoes");
    await recommend();
  } catch (e) {
    if (e.status === 401) return signedOut("Your key was not accepted: sign in again.");
    const errors = (e.problem && e.problem.errors) || [{ field: e.problem.field || "", reason: e.message }];
    showErrors(errors, "wear");
  } finally {
    btn.disabled = false;
  }
}

async function recommend() {
  const status = $("#shoes-status");
  status.textContent = "Ranking the shoes…";
  const req = { fitting_id: state.fittingId, top_k: 5 };
  if (state.storeId) req.store_id = state.storeId;
  try {
    const r = await api("POST", "/v1/recommendations", req);
    state.recs = r;
    status.textContent = `${r.shoes.length} shoe${r.shoes.length === 1 ? "" : "s"} ${state.storeId ? `in stock at ${state.storeId}` : "from the catalogue"}.`;
    renderShoes(r);
  } catch (e) {
    if (e.status === 401) return signedOut("Your key was not accepted: sign in again.");
    status.replaceChildren(el("span", { class: "alert", role: "alert" }, e.message));
  }
}

/** Size advice for a shoe, when the service gives one (measured feet or a usual size). */
function sizeNote(shoe) {
  const a = shoe.size_advice;
  const parts = [];
  if (a) {
    const tryLine = `try ${a.first}, then ${a.next}`;
    // The reason usually says which sizes to try; say it once.
    parts.push(a.reason && a.reason.includes(tryLine) ? a.reason : [tryLine, a.reason].filter(Boolean).join(": "));
    if (shoe.pairs_in_size !== null && shoe.pairs_in_size !== undefined) {
      parts.push(`on the shelf: ${shoe.pairs_in_size} in ${a.first}${shoe.pairs_in_next_size !== null && shoe.pairs_in_next_size !== undefined ? `, ${shoe.pairs_in_next_size} in ${a.next}` : ""}`);
    }
    if (a.width) parts.push(a.width);
  }
  if (shoe.size_note) parts.push(shoe.size_note);
  return parts.length ? parts.join(" — ") : null;
}

/** The EU size to try first, when advised. */
function advisedEu(shoeId) {
  const shoes = state.recs ? state.recs.shoes : [];
  const s = shoes.find((x) => x.shoe_id === shoeId);
  return s && s.size_advice && s.size_advice.first_size ? s.size_advice.first_size.eu : null;
}

function shoeCard(s, elsewhere) {
  const insole = s.insole;
  if (insole) state.insoles.set(insole.insole_id, insole.name);
  const size = sizeNote(s);
  const meta = [
    el("span", { class: "price" }, money(s.price_usd)),
    el("span", {}, `${words(s.support)} support`),
    el("span", {}, `${words(s.cushioning)} cushioning`),
    s.drop_mm !== null && s.drop_mm !== undefined ? el("span", {}, `${s.drop_mm} mm drop`) : null,
    s.pairs_in_stock !== null && s.pairs_in_stock !== undefined && !elsewhere ? el("span", {}, `${s.pairs_in_stock} in stock`) : null,
  ];
  return el("article", { class: elsewhere ? "card elsewhere" : "card", dataset: { shoe: s.shoe_id } },
    el("h3", {}, elsewhere ? s.name : `${s.rank}. ${s.name}`),
    el("div", { class: "meta" }, meta),
    s.reasons.length ? el("ul", { "aria-label": "Why it suits" }, s.reasons.map((t) => el("li", { class: "reason" }, t))) : null,
    s.cautions.length ? el("ul", { "aria-label": "Watch for" }, s.cautions.map((t) => el("li", { class: "caution" }, t))) : null,
    (s.notes || []).length ? el("p", { class: "hint" }, s.notes.join("; ")) : null,
    size ? el("p", { class: "size" }, el("strong", {}, "Size: "), size) : null,
    insole ? el("p", { class: "insole" }, el("strong", {}, "Insole: "), `${insole.name} — ${insole.reason}`,
      [insole.price_usd !== null && insole.price_usd !== undefined ? money(insole.price_usd) : null,
        insole.pairs_in_stock !== null && insole.pairs_in_stock !== undefined ? `${insole.pairs_in_stock} in stock` : null]
        .filter(Boolean).map((t) => ` (${t})`).join("")) : null,
    elsewhere ? null : el("button", { type: "button", class: "secondary", "aria-label": `Try on ${s.name}`, onclick: () => addTryon(s.shoe_id, s.name) }, "Try on"));
}

function renderShoes(r) {
  const out = $("#shoes-out");
  const main = el("div", { class: "cards" });
  const bySize = r.shoes.some((s) => s.pairs_in_size !== null && s.pairs_in_size !== undefined);
  if (bySize) {
    const only = el("input", { type: "checkbox", id: "only-in-size", checked: state.onlyInSize });
    only.addEventListener("change", () => { state.onlyInSize = only.checked; renderShoes(r); $("#only-in-size").focus(); });
    main.append(el("label", { class: "chip" }, only, "Only shoes with the advised size on the shelf"));
  }
  if (r.shared_reasons.length) main.append(el("div", { class: "ok" }, el("strong", {}, "Every shoe here: "), r.shared_reasons.join("; ")));
  if (!r.shoes.length) main.append(el("p", { class: "alert" }, "No shoe in stock here matches."));
  r.shoes.filter((s) => !(bySize && state.onlyInSize) || s.pairs_in_size > 0).forEach((s) => main.append(shoeCard(s, false)));
  for (const x of r.relaxations || []) main.append(el("p", { class: "hint" }, x.suggestion));
  const side = el("div", { class: "cards" });
  if (r.referral && r.referral.level !== "none") {
    side.append(el("div", { class: `card referral-${r.referral.level}` }, el("h3", {}, LEVEL_HEADINGS[r.referral.level]),
      r.referral.message ? el("p", {}, r.referral.message) : null,
      r.referral.suggested_professional ? el("p", {}, "Who to see: ", r.referral.suggested_professional) : null));
  }
  if (r.elsewhere) {
    side.append(el("div", {}, el("h3", {}, "Better match, not on the shelf"), el("p", {}, r.elsewhere.message),
      shoeCard(r.elsewhere.shoe, true),
      r.elsewhere.in_stock_at.length ? el("p", {}, "In stock at: ", r.elsewhere.in_stock_at.join(", ")) : null));
  }
  if (r.advice.length) side.append(el("div", { class: "card" }, el("h3", {}, "Training advice"), el("ul", {}, r.advice.map((a) => el("li", {}, a)))));
  out.replaceChildren(el("div", { class: "results" }, main, side));
}

// ---------- try-ons and the sale ----------
function addTryon(shoeId, name) {
  if (state.tryons.some((t) => t.shoe_id === shoeId)) { renderTryons(); return; }
  const size = advisedEu(shoeId) || Number($("#shoe_size_eu").value) || null;
  state.tryons.push({ shoe_id: shoeId, name, size_eu: size, comfort: null, observations: [] });
  renderTryons();
  $("#tryons-saved").textContent = `${name} added to the try-ons.`;
}

function renderTryons() {
  const box = $("#tryons");
  box.replaceChildren(...state.tryons.map((t, i) => {
    const uid = nextUid();
    const size = el("input", { id: `try${uid}-size`, type: "number", inputmode: "decimal", min: "28", max: "52", step: "0.5" });
    if (t.size_eu) size.value = t.size_eu;
    size.addEventListener("input", () => { t.size_eu = size.value === "" ? null : Number(size.value); });
    const comfort = el("fieldset", { class: "comfort" }, el("legend", {}, "Comfort (1 uncomfortable – 5 very comfortable)"),
      el("div", { class: "chips" }, [1, 2, 3, 4, 5].map((n) => el("label", { class: "chip" },
        el("input", { type: "radio", name: `comfort${uid}`, value: String(n), checked: t.comfort === n, onchange: () => { t.comfort = n; } }), String(n)))));
    const obs = el("fieldset", {}, el("legend", {}, "What you saw or the runner said"),
      el("div", { class: "chips" }, Object.entries(SF.OBSERVATIONS).map(([k, label]) => el("label", { class: "chip" },
        el("input", { type: "checkbox", value: k, checked: t.observations.includes(k), onchange: (ev) => {
          t.observations = ev.target.checked ? t.observations.concat(k) : t.observations.filter((o) => o !== k);
        } }), label))));
    return el("div", { class: "tryon", dataset: { shoe: t.shoe_id } },
      el("h3", {}, `${i + 1}. ${t.name}`),
      el("div", { class: "row" }, field("Size tried (EU)", size, "28–52")),
      comfort, obs,
      el("button", { type: "button", class: "secondary", onclick: () => { state.tryons.splice(i, 1); renderTryons(); } }, `Remove ${t.name}`));
  }));
  const sale = $("#sale-shoe");
  const current = sale.value;
  sale.replaceChildren(el("option", { value: "" }, "Choose a tried shoe…"), ...state.tryons.map((t) => el("option", { value: t.shoe_id, selected: t.shoe_id === current }, t.name)));
  const ins = $("#sale-insole");
  const currentInsole = ins.value;
  ins.replaceChildren(el("option", { value: "" }, "None"), ...Array.from(state.insoles, ([id, name]) => el("option", { value: id, selected: id === currentInsole }, name)));
}

async function saveTryons() {
  const err = $("#tryons-error");
  err.hidden = true;
  if (!state.fittingId) { err.textContent = "Save the fitting first (step 4)."; err.hidden = false; return false; }
  const body = { try_ons: state.tryons.map((t) => {
    const o = { shoe_id: t.shoe_id, observations: t.observations };
    if (t.size_eu) o.size_eu = t.size_eu;
    if (t.comfort) o.comfort_1_5 = t.comfort;
    return o;
  }) };
  try {
    await api("PUT", `/v1/fittings/${state.fittingId}/try-ons`, body);
    $("#tryons-saved").textContent = `Saved ${state.tryons.length} try-on${state.tryons.length === 1 ? "" : "s"}.`;
    return true;
  } catch (e) {
    if (e.status === 401) { signedOut("Your key was not accepted: sign in again."); return false; }
    const items = (e.problem.errors || []).map((x) => `${x.field.replace(/^try_ons\[(\d+)\]\.?/, (_, n) => `Try-on ${Number(n) + 1} `)}${x.reason}`);
    err.replaceChildren(el("p", {}, e.message), items.length ? el("ul", {}, items.map((t) => el("li", {}, t))) : "");
    err.hidden = false;
    return false;
  }
}

async function recordSale(ev) {
  ev.preventDefault();
  const err = $("#sale-error");
  err.hidden = true;
  const shoe = $("#sale-shoe").value;
  if (!shoe) { err.textContent = "Choose the shoe sold."; err.hidden = false; $("#sale-shoe").focus(); return; }
  if (!(await saveTryons())) return;
  const saleIdInput = $("#sale-id");
  if (!saleIdInput.value.trim()) saleIdInput.value = SF.randomId(`${state.storeId || "sale"}-`);
  const body = { sale_id: saleIdInput.value.trim(), fitting_id: state.fittingId, shoe_id: shoe };
  const insole = $("#sale-insole").value;
  if (insole) body.insole_id = insole;
  try {
    await api("POST", "/v1/outcomes", body);
    const link = `/app/summary#fitting=${encodeURIComponent(state.fittingId)}&sale=${encodeURIComponent(body.sale_id)}`;
    $("#sale-done").replaceChildren(el("p", { class: "ok" }, `Sale ${body.sale_id} recorded.`),
      el("p", {}, el("a", { class: "button", href: link, id: "open-summary" }, "Open the runner's summary to print")));
  } catch (e) {
    if (e.status === 401) return signedOut("Your key was not accepted: sign in again.");
    err.textContent = e.message; err.hidden = false;
  }
}

// ---------- wiring ----------
function init() {
  fillTri("tri-general", "red_flags", RED_FLAGS);
  fillTri("tri-exertional", "exertional_symptoms", EXERTIONAL);
  fillTri("tri-clot", "clot_risk", CLOT);
  fillTri("tri-energy", "energy_availability", ENERGY);
  buildSoles();

  $("#signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const k = $("#staff-key").value.trim();
    if (!k) return;
    SF.setKey(k);
    $("#staff-key").value = "";
    try {
      await loadCatalogue();
      signedIn();
    } catch (e) {
      signedOut(e.status === 401 || e.status === 403 ? "This key was not accepted." : e.message);
    }
  });
  $("#sign-out").addEventListener("click", () => { resetFitting(); signedOut(null); });
  $$("nav.steps button").forEach((b) => b.addEventListener("click", () => showStep(b.dataset.goto)));
  $$("[data-next]").forEach((b) => b.addEventListener("click", () => showStep(b.dataset.next)));
  $("#lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const ref = $("#lookup-ref").value.trim();
    if (ref) lookup(ref);
  });
  $("#new-runner").addEventListener("click", () => startRunner(SF.randomId("c-").slice(0, 10), null));
  $("#add-pain").addEventListener("click", () => { const c = addPain(); c.querySelector("select").focus(); liveReferral(); });
  $("#add-injury").addEventListener("click", () => { const c = addInjury(); c.querySelector("select").focus(); });
  $("#profile-form").addEventListener("input", liveReferral);
  $("#profile-form").addEventListener("change", liveReferral);
  $("#speed_m_s").addEventListener("input", (ev) => {
    const v = Number(ev.target.value);
    $("#speed-kmh").textContent = ev.target.value && v > 0 ? `(= ${(v * 3.6).toFixed(1)} km/h)` : "";
  });
  $("#save-fitting").addEventListener("click", saveFitting);
  $("#tryon-add").addEventListener("click", () => {
    const shoe = shoeByName($("#tryon-pick").value);
    if (shoe) { addTryon(shoe.id, shoeName(shoe)); $("#tryon-pick").value = ""; }
    else $("#tryons-saved").textContent = "Pick a shoe name from the list.";
  });
  $("#save-tryons").addEventListener("click", saveTryons);
  $("#sale-form").addEventListener("submit", recordSale);

  if (SF.key()) {
    loadCatalogue().then(signedIn).catch((e) => signedOut(e.status === 401 ? "Sign in again." : e.message));
  } else {
    signedOut(null);
  }
}

document.addEventListener("DOMContentLoaded", init);
