// Shared by the staff page and the runner's summary: the staff key (this tab's session
// storage only, never a URL, cookie or log), JSON API calls, and small DOM helpers.
"use strict";

const SF = (() => {
  const KEY = "stridefit.staffKey";

  function key() { return sessionStorage.getItem(KEY); }
  function setKey(k) { sessionStorage.setItem(KEY, k); }
  function clearKey() { sessionStorage.removeItem(KEY); }

  /** An API error with the problem+json body, when there was one. */
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `The service answered ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ "Accept": "application/json" }, extraHeaders || {});
    const k = key();
    if (k) headers["Authorization"] = "Bearer " + k;
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: "The service cannot be reached. Check the connection and try again." });
    }
    const text = await resp.text();
    let data = null;
    if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }

  /** A random id that works without a secure context (crypto.randomUUID needs one). */
  function randomId(prefix) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Sets `value` at a dotted path with indexes: `health.pain[0].night_pain`. */
  function setPath(obj, path, value) {
    const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    let cur = obj;
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
      if (last) { cur[p] = value; return; }
      if (cur[p] === undefined || cur[p] === null) cur[p] = nextIsIndex ? [] : {};
      cur = cur[p];
    });
  }

  function getPath(obj, path) {
    const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    let cur = obj;
    for (const p of parts) {
      if (cur === undefined || cur === null) return undefined;
      cur = cur[p];
    }
    return cur;
  }

  /** Builds an element: el("li", {class: "x"}, "text", child…). Text is never parsed as HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function money(usd) {
    return usd === null || usd === undefined ? "price not known" : "$" + Number(usd).toFixed(0);
  }

  /** Snake-case enum values in plain words ("daily_training" → "daily training"). */
  function words(value) {
    return String(value).replace(/_/g, " ");
  }

  const OBSERVATIONS = {
    heel_slip: "heel slips", too_narrow: "too narrow", too_wide: "too wide", too_short: "too short",
    too_long: "too long", toe_box_tight: "tight toe box", too_firm: "too firm", too_soft: "too soft",
    felt_unstable: "felt unstable", pressure_point: "pressure point", felt_good: "felt good",
  };

  return { key, setKey, clearKey, api, ApiError, randomId, setPath, getPath, el, money, words, OBSERVATIONS };
})();
