// The draft view: template, topic and filters; sections arrive over server-sent events (or in one answer);
// citations link to passages; DOCX and Markdown downloads go through fetch so the API key is sent.

import { download, json, stream } from "./api.js";
import { loadFacets, readFacets, renderFacets, toApiFilters } from "./facets.js";
import { lang, t } from "./i18n.js";
import { classificationLabel, classificationLevel, docHref, el, showError } from "./util.js";

const $ = (id) => document.getElementById(id);
const STREAM_PATH = "/drafts/stream";
let templates = null;
let facetsData = null;
let draft = null; // {id, sections: [{heading, text, citations, classification}], citations, level, done}
let running = false;

/** Wire the form and download buttons once. */
export function initDraft() {
  $("draft-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    generate();
  });
  $("download-docx").addEventListener("click", () => save("docx"));
  $("download-md").addEventListener("click", () => save("md"));
}

/** Show the draft view: load templates and filters when needed. */
export function showDraft() {
  if (!templates) loadTemplates();
  loadFacets()
    .then((facets) => {
      facetsData = facets;
      renderFacets($("draft-facets"), facets, readFacets($("draft-facets")), "d", () => {});
    })
    .catch(() => $("draft-facets").replaceChildren());
}

/** Re-render after a language switch. */
export function relabelDraft() {
  if (templates) renderTemplates();
  if (facetsData) renderFacets($("draft-facets"), facetsData, readFacets($("draft-facets")), "d", () => {});
  if (draft) renderDraft();
  if (draft && draft.done && !running) $("draft-status").replaceChildren(el("p", { class: "message ok" }, t("draft.done")));
}

async function loadTemplates() {
  const status = $("draft-status");
  try {
    const data = await json("/templates");
    templates = Array.isArray(data) ? data : data.templates || [];
    renderTemplates();
  } catch (err) {
    templates = null;
    if (err && err.status === 401) showError(status, err, () => loadTemplates());
    else status.replaceChildren(el("p", { class: "message error" }, t("draft.noTemplates")));
  }
}

function templateId(tpl) {
  return tpl.id || tpl.template_id || tpl.name;
}

function renderTemplates() {
  const select = $("draft-template");
  const previous = select.value;
  // One entry per template id, labelled in the interface language when that version exists.
  const byId = new Map();
  for (const tpl of templates) {
    const id = templateId(tpl);
    const best = byId.get(id);
    if (!best || tpl.language === lang() || (best.language !== lang() && tpl.language === "vi")) byId.set(id, tpl);
  }
  select.replaceChildren(
    ...[...byId.values()].map((tpl) => {
      const label = [tpl.title, tpl.description].filter(Boolean).join(" — ") || templateId(tpl);
      return el("option", { value: templateId(tpl), selected: templateId(tpl) === previous }, label);
    }),
  );
}

function requestBody() {
  const id = $("draft-template").value;
  const tpl = (templates || []).find((x) => templateId(x) === id && x.language === lang());
  return {
    template: id,
    topic: $("draft-topic").value.trim(),
    language: tpl ? tpl.language : "vi",
    filters: toApiFilters(readFacets($("draft-facets"))),
  };
}

async function generate() {
  if (running) return;
  const status = $("draft-status");
  const body = requestBody();
  if (!body.topic) {
    status.replaceChildren(el("p", { class: "message error" }, t("draft.topicRequired")));
    $("draft-topic").focus();
    return;
  }
  running = true;
  $("draft-submit").disabled = true;
  draft = { id: null, sections: [], citations: [], level: 0, done: false };
  renderDraft();
  status.replaceChildren(el("p", { class: "hint" }, t("draft.running")));
  try {
    try {
      await stream(STREAM_PATH, body, onEvent);
    } catch (err) {
      // No streaming endpoint on this server: ask for the whole draft at once.
      if (!err || (err.status !== 404 && err.status !== 405)) throw err;
      accept(await json("/drafts", { method: "POST", body }));
    }
    if (draft.error) throw Object.assign(new Error(draft.error), { status: 500 });
    draft.done = true;
    renderDraft();
    status.replaceChildren(el("p", { class: "message ok" }, t("draft.done")));
  } catch (err) {
    if (err && err.status && err.status !== 401 && err.status !== 0) {
      status.replaceChildren(el("div", { class: "message error" }, t("draft.error", { m: err.message })));
    } else {
      showError(status, err, () => generate());
    }
  } finally {
    running = false;
    $("draft-submit").disabled = false;
  }
}

function onEvent(name, data) {
  if (name === "section" && data) {
    draft.sections.push(data);
    raiseLevel(data); // classified text is marked as soon as it arrives, not only when the draft is done
    for (const c of data.citations || []) addCitation(c);
    for (const p of data.paragraphs || []) for (const c of p.citations || []) addCitation(c);
  } else if (name === "citation" && data) {
    addCitation(data);
  } else if ((name === "done" || name === "draft" || name === "end") && data && typeof data === "object") {
    accept(data);
  } else if (name === "start" && data && typeof data === "object") {
    draft.id = data.id || data.draft_id || draft.id;
  } else if (name === "error") {
    draft.error = (data && data.message) || (data && data.error && data.error.message) || String(data);
  }
  renderDraft();
}

function accept(data) {
  draft.id = data.id || data.draft_id || draft.id;
  draft.title = data.title || draft.title;
  if (Array.isArray(data.sections) && data.sections.length >= draft.sections.length) draft.sections = data.sections;
  raiseLevel(data);
  for (const s of draft.sections) raiseLevel(s);
  for (const c of data.citations || []) addCitation(c);
  for (const s of draft.sections) {
    for (const c of s.citations || []) addCitation(c);
    for (const p of s.paragraphs || []) for (const c of p.citations || []) addCitation(c);
  }
}

/** The draft's level (0–3) only ever rises; an unreadable one counts as the highest (fails closed). */
function raiseLevel(item) {
  if (!item || (item.classification_level === undefined && item.classification === undefined)) return;
  const level = Number.isInteger(item.classification_level)
    ? item.classification_level
    : classificationLevel(item.classification);
  draft.level = Math.max(draft.level, level === null || level < 0 || level > 3 ? 3 : level);
}

function citationKey(c) {
  return `${c.doc_id}|${c.chunk_id}`;
}

function addCitation(c) {
  if (!c || !c.doc_id) return;
  if (!draft.citations.some((x) => citationKey(x) === citationKey(c))) draft.citations.push(c);
}

function citationLabel(c) {
  const name = c.number || c.title || c.doc_id;
  return [name, c.section].filter(Boolean).join(", ");
}

function paragraphsOf(section) {
  if (Array.isArray(section.paragraphs)) return section.paragraphs;
  return String(section.text ?? section.content ?? "")
    .split(/\n{2,}/)
    .filter((p) => p.trim())
    .map((text) => ({ text, citations: [] }));
}

function renderParagraph(p) {
  const node = el("p", { class: p.supported === false ? "unsupported" : null }, p.text);
  for (const c of p.citations || []) {
    node.append(" ", el("a", { href: docHref(c.doc_id, c.chunk_id), class: "cite" }, c.label || `[${citationLabel(c)}]`));
  }
  if (p.supported === false && p.note) node.append(" ", el("span", { class: "note" }, `(${p.note})`));
  return node;
}

function renderDraft() {
  const out = $("draft-output");
  out.hidden = !draft;
  if (!draft) return;
  const marking = $("draft-marking");
  marking.hidden = !draft.level;
  marking.textContent = draft.level ? classificationLabel(String(draft.level)) : "";
  $("draft-title").textContent = draft.title || t("draft.result");
  $("draft-sections").replaceChildren(
    ...draft.sections.map((s) =>
      el("section", { class: "draft-section" }, el("h3", {}, s.heading || s.title || ""), ...paragraphsOf(s).map(renderParagraph)),
    ),
  );
  const cites = draft.citations;
  $("draft-citations-box").hidden = cites.length === 0;
  $("draft-citations").replaceChildren(
    ...cites.map((c) =>
      el("li", {}, el("a", { href: docHref(c.doc_id, c.chunk_id), class: "citation-link" }, citationLabel(c))),
    ),
  );
  $("draft-downloads").hidden = !(draft.done && draft.id);
}

async function save(kind) {
  if (!draft || !draft.id) return;
  const status = $("draft-status");
  const button = $(kind === "docx" ? "download-docx" : "download-md");
  button.disabled = true;
  try {
    const id = encodeURIComponent(draft.id);
    await download(`/drafts/${id}.${kind}`, `thammuu-draft-${draft.id}.${kind}`);
  } catch (err) {
    showError(status, err, () => save(kind));
  } finally {
    button.disabled = false;
  }
}
