// Entry point: hash routing (#/search?…, #/doc/{id}?chunk=…, #/draft), language switch, API key form.

import { getKey, setKey } from "./api.js";
import { initDraft, relabelDraft, showDraft } from "./draft.js";
import { relabelDoc, showDoc } from "./doc.js";
import { resetFacets } from "./facets.js";
import { initialLang, setLang } from "./i18n.js";
import { initSearch, relabelSearch, showSearch } from "./search.js";
import { onUnauthorized, parseHash } from "./util.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["search-view", "doc-view", "draft-view"];
let pendingRetry = null;
let currentView = null;

function showView(id) {
  for (const v of VIEWS) $(v).hidden = v !== id;
  $("key-view").hidden = true;
  $("nav-search").toggleAttribute("aria-current", id === "search-view");
  $("nav-draft").toggleAttribute("aria-current", id === "draft-view");
  if (id === "search-view") $("nav-search").setAttribute("aria-current", "page");
  if (id === "draft-view") $("nav-draft").setAttribute("aria-current", "page");
}

function route() {
  const { view, id, params } = parseHash();
  const previous = currentView;
  if (view === "doc" && id) {
    currentView = "doc-view";
    showView(currentView);
    showDoc(id, params);
  } else if (view === "draft") {
    currentView = "draft-view";
    showView(currentView);
    showDraft();
  } else {
    currentView = "search-view";
    showView(currentView);
    showSearch(params);
  }
  // Moving to another view by a link: put keyboard focus at the start of the new content.
  if (previous && previous !== currentView && currentView !== "doc-view") $("main").focus({ preventScroll: true });
}

function askForKey(retry) {
  pendingRetry = retry || null;
  for (const v of VIEWS) $(v).hidden = true;
  $("key-view").hidden = false;
  $("key-error").hidden = !getKey();
  if (getKey()) setKey("");
  updateKeyButton();
  $("key-input").value = "";
  $("key-input").focus();
}

function updateKeyButton() {
  $("forget-key").hidden = !getKey();
}

function initKeyForm() {
  $("key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = $("key-input").value.trim();
    if (!value) return;
    setKey(value);
    $("key-input").value = "";
    updateKeyButton();
    resetFacets();
    const retry = pendingRetry;
    pendingRetry = null;
    $("key-view").hidden = true;
    if (currentView) $(currentView).hidden = false;
    if (retry) retry();
    else route();
  });
  $("forget-key").addEventListener("click", () => {
    setKey("");
    // Reload so nothing fetched with the key (results, documents, drafts) stays in the page.
    location.reload();
  });
}

function initLang() {
  const select = $("lang-select");
  const code = initialLang();
  setLang(code);
  select.value = code;
  select.addEventListener("change", () => {
    setLang(select.value);
    relabelSearch();
    relabelDoc();
    relabelDraft();
  });
}

function start() {
  initLang();
  initKeyForm();
  initSearch();
  initDraft();
  onUnauthorized(askForKey);
  updateKeyButton();
  window.addEventListener("hashchange", route);
  if (!location.hash) history.replaceState(null, "", "#/search");
  route();
}

start();
