// The search view: query box, interpretation, filters, results with highlighted snippets, paging.

import { json } from "./api.js";
import { loadFacets, readFacets, renderFacets, toApiFilters } from "./facets.js";
import { t } from "./i18n.js";
import {
  classificationBadge,
  docHref,
  el,
  pagesText,
  roleLabel,
  searchHref,
  showError,
  statusMessage,
  validityBadge,
} from "./util.js";

const $ = (id) => document.getElementById(id);
let state = { q: "", mode: "hybrid", type: [], issuer: [], year: "", language: [], inForce: false, offset: 0, k: 10 };
let lastResponse = null;
let lastHref = "#/search";
let facetsData = null;
let seq = 0;

/** The hash of the last search, for "back to results" links. */
export function lastSearchHref() {
  return lastHref;
}

/** Wire the form, filters and pager once. */
export function initSearch() {
  // Phones start with the filters folded away so the results come first.
  if (window.matchMedia("(max-width: 760px)").matches) $("filters-box").open = false;
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    go({ ...state, q: $("q").value.trim(), mode: $("mode").value, offset: 0 });
  });
  $("clear-filters").addEventListener("click", () => {
    go({ ...state, type: [], issuer: [], year: "", language: [], inForce: false, offset: 0 });
  });
  $("prev-page").addEventListener("click", () => go({ ...state, offset: Math.max(0, state.offset - state.k) }));
  $("next-page").addEventListener("click", () => go({ ...state, offset: state.offset + state.k }));
}

function go(next) {
  const href = searchHref(next);
  if (location.hash === href) showSearch(new URLSearchParams(href.split("?")[1] || ""), true);
  else location.hash = href;
}

function stateFrom(params) {
  const num = (name, dflt) => {
    const v = Number.parseInt(params.get(name) || "", 10);
    return Number.isFinite(v) && v >= 0 ? v : dflt;
  };
  return {
    q: params.get("q") || "",
    mode: ["hybrid", "lexical", "dense"].includes(params.get("mode")) ? params.get("mode") : "hybrid",
    type: params.getAll("type"),
    issuer: params.getAll("issuer"),
    year: params.get("year") || "",
    language: params.getAll("language"),
    inForce: params.get("in_force") === "1",
    offset: num("offset", 0),
    k: Math.max(1, Math.min(num("k", 10), 100)),
  };
}

/** Show the search view for the hash parameters; runs the search when there is a query. */
export function showSearch(params, force = false) {
  const next = stateFrom(params);
  const same = JSON.stringify(next) === JSON.stringify(state) && lastResponse;
  state = next;
  lastHref = searchHref(state);
  $("q").value = state.q;
  $("mode").value = state.mode;
  refreshFacets();
  if (!state.q) {
    lastResponse = null;
    $("results").replaceChildren();
    $("pager").hidden = true;
    $("interpretation").hidden = true;
    $("results-status").replaceChildren(el("p", { class: "hint" }, t("results.start")));
    return;
  }
  if (same && !force) return;
  runSearch();
}

/** Re-render labels that are built in code (after a language switch). */
export function relabelSearch() {
  if (facetsData) renderFacets($("facets"), facetsData, state, "f", onFilterChange);
  if (lastResponse) render(lastResponse);
  else if (!state.q) $("results-status").replaceChildren(el("p", { class: "hint" }, t("results.start")));
}

function refreshFacets() {
  loadFacets()
    .then((facets) => {
      facetsData = facets;
      renderFacets($("facets"), facets, state, "f", onFilterChange);
    })
    .catch((err) => {
      if (err && err.status === 401) return; // the search call itself asks for the key
      $("facets").replaceChildren(el("p", { class: "hint" }, t("filters.unavailable")));
    });
}

function onFilterChange() {
  go({ ...state, ...readFacets($("facets")), offset: 0 });
}

async function runSearch() {
  const mine = ++seq;
  const status = $("results-status");
  status.replaceChildren(el("p", { class: "hint" }, t("results.loading")));
  $("results").setAttribute("aria-busy", "true");
  const body = {
    query: state.q,
    k: state.k,
    mode: state.mode,
    offset: state.offset,
    filters: toApiFilters(state),
  };
  try {
    const resp = await json("/search", { method: "POST", body });
    if (mine !== seq) return;
    lastResponse = resp;
    render(resp);
  } catch (err) {
    if (mine !== seq) return;
    lastResponse = null;
    $("results").replaceChildren();
    $("pager").hidden = true;
    $("interpretation").hidden = true;
    showError(status, err, () => runSearch());
  } finally {
    $("results").removeAttribute("aria-busy");
  }
}

function render(resp) {
  renderInterpretation(resp.query_interpretation || {});
  const list = $("results");
  const status = $("results-status");
  list.replaceChildren();
  const hits = resp.hits || [];
  if (!hits.length) {
    status.replaceChildren(statusMessage("empty", t("results.none"), t("results.noneHelp")));
    $("pager").hidden = true;
    return;
  }
  const from = state.offset + 1;
  const to = state.offset + hits.length;
  status.replaceChildren(
    el("p", {}, t("results.count", { from, to, total: resp.total, ms: Math.round(resp.took_ms || 0) })),
  );
  for (const hit of hits) list.append(renderHit(hit));
  const pager = $("pager");
  pager.hidden = resp.total <= state.k && state.offset === 0;
  $("prev-page").disabled = state.offset === 0;
  $("next-page").disabled = to >= resp.total;
  $("page-label").textContent = t("results.page", { n: Math.floor(state.offset / state.k) + 1 });
}

function renderInterpretation(qi) {
  const box = $("interpretation");
  const parts = [];
  const docs = qi.number_docs || [];
  // The API lists a number with its spelling variants (57-NQ/TW, 57NQTW, …); show the written forms only.
  const numbers = (qi.numbers || []).filter((n) => /[-/]/.test(n));
  for (const n of numbers.length ? numbers : (qi.numbers || []).slice(0, 1)) {
    parts.push(el("span", { class: docs.length ? "chip ok" : "chip warn" }, t(docs.length ? "interp.number" : "interp.numberNoDoc", { n })));
  }
  // Only a Latin-script query can be "without diacritics" (Bengali or English text is not Vietnamese).
  if (qi.diacritics === false && /[a-z]/i.test(state.q) && !/[^\u0000-\u024f\s\p{P}\p{N}]/u.test(state.q)) parts.push(el("span", { class: "chip" }, t("interp.noDiacritics")));
  if ((qi.tokens || []).length) parts.push(el("span", { class: "chip muted" }, t("interp.tokens", { t: qi.tokens.join(", ") })));
  box.replaceChildren(el("span", { class: "visually-hidden" }, `${t("interp.label")}: `), ...parts);
  box.hidden = parts.length === 0;
}

function renderHit(hit) {
  const title = hit.title || hit.number || hit.doc_id;
  const meta = el("dl", { class: "meta" });
  const add = (key, value) => {
    if (value) meta.append(el("div", { dataset: { field: key.split(".")[1] } }, el("dt", {}, t(key)), el("dd", {}, value)));
  };
  add("field.number", hit.number);
  add("field.type", hit.doc_type);
  add("field.issuer", hit.issuer);
  add("field.date", hit.issued_date);
  add("field.section", hit.section);
  add("field.pages", pagesText(hit.pages));
  add("field.role", roleLabel(hit.role));
  const snippet = el("p", { class: "snippet" });
  // Snippets are HTML-escaped by the server with only <mark> added, so they may go in as HTML.
  snippet.innerHTML = hit.snippet || "";
  return el(
    "li",
    { class: "hit" },
    el(
      "article",
      {},
      el("h3", {}, el("a", { href: docHref(hit.doc_id, hit.chunk_id), class: "hit-link" }, title)),
      classificationBadge(hit.classification),
      validityBadge(hit.validity),
      meta,
      snippet,
    ),
  );
}
