// The draft view: template, topic, optionally the reviewed document (subject), unit and period, and filters;
// sections arrive over server-sent events (or in one answer), the subject's targets table in the section that
// holds it; citations link to passages; DOCX and Markdown downloads go through fetch so the API key is sent.

import { download, json, stream } from "./api.js";
import { loadFacets, readFacets, renderFacets, toApiFilters } from "./facets.js";
import { lang, t } from "./i18n.js";
import { classificationLabel, classificationLevel, docHref, el, showError } from "./util.js";

const $ = (id) => document.getElementById(id);
const STREAM_PATH = "/drafts/stream";
let templates = null;
let facetsData = null;
let draft = null; // {id, subject, targets, sections: [{heading, paragraphs, targets, …}], citations, level, done}
let running = false;
let formError = null; // {key, detail, fields}: the refusal shown next to the form (kept for a language switch)

/** Wire the form and download buttons once. */
export function initDraft() {
  $("draft-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    generate();
  });
  $("download-docx").addEventListener("click", () => save("docx"));
  $("download-md").addEventListener("click", () => save("md"));
  for (const id of ["draft-subject", "draft-from", "draft-to"]) {
    $(id).addEventListener("input", () => $(id).removeAttribute("aria-invalid"));
  }
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
  if (formError) showFormError(formError);
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
  const body = {
    template: id,
    topic: $("draft-topic").value.trim(),
    language: tpl ? tpl.language : "vi",
    filters: toApiFilters(readFacets($("draft-facets"))),
  };
  // The review fields go only when filled: an absent subject drafts from the topic alone.
  const subject = $("draft-subject").value.trim();
  const unit = $("draft-unit").value.trim();
  const from = $("draft-from").value;
  const to = $("draft-to").value;
  if (subject) body.subject = subject;
  if (unit) body.unit = unit;
  if (from || to) {
    body.period = {};
    if (from) body.period.from = from;
    if (to) body.period.to = to;
  }
  return body;
}

/** Show why the request was refused next to the form, marking the field concerned. */
function showFormError(error) {
  formError = error;
  const box = $("draft-form-error");
  box.replaceChildren(
    el("p", { class: "message-title" }, t(error.key)),
    error.detail ? el("p", { class: "detail" }, error.detail) : null,
  );
  box.hidden = false;
  for (const id of ["draft-subject", "draft-from", "draft-to"]) $(id).removeAttribute("aria-invalid");
  for (const id of error.fields || []) $(id).setAttribute("aria-invalid", "true");
}

function clearFormError() {
  formError = null;
  $("draft-form-error").hidden = true;
  $("draft-form-error").replaceChildren();
  for (const id of ["draft-subject", "draft-from", "draft-to"]) $(id).removeAttribute("aria-invalid");
}

/** A 422 answer shown at the form: an unknown subject names the subject field; other refusals say why. */
function formErrorOf(err) {
  if (err.code === "unknown_subject") return { key: "draft.unknownSubject", detail: err.message, fields: ["draft-subject"] };
  const text = String(err.message || "");
  const fields = [];
  if (/subject/i.test(text)) fields.push("draft-subject");
  if (/period/i.test(text)) fields.push("draft-from", "draft-to");
  return { key: "draft.invalid", detail: text, fields };
}

async function generate() {
  if (running) return;
  const status = $("draft-status");
  const body = requestBody();
  clearFormError();
  if (!body.topic) {
    status.replaceChildren(el("p", { class: "message error" }, t("draft.topicRequired")));
    $("draft-topic").focus();
    return;
  }
  if (body.period && body.period.from && body.period.to && body.period.from > body.period.to) {
    status.replaceChildren();
    showFormError({ key: "draft.periodOrder", detail: "", fields: ["draft-from", "draft-to"] });
    $("draft-from").focus();
    return;
  }
  running = true;
  $("draft-submit").disabled = true;
  draft = { id: null, subject: null, targets: [], sections: [], citations: [], level: 0, done: false };
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
    if (err && err.status === 422 && !draft.sections.length) {
      // Refused before anything was drafted (unknown subject, invalid period…): say so beside the form.
      draft = null;
      renderDraft();
      status.replaceChildren();
      showFormError(formErrorOf(err));
      if (formError.fields.length) $(formError.fields[0]).focus();
    } else if (err && err.status && err.status !== 401 && err.status !== 0) {
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
    addSectionCitations(data);
  } else if (name === "citation" && data) {
    addCitation(data);
  } else if ((name === "done" || name === "draft" || name === "end") && data && typeof data === "object") {
    accept(data);
  } else if (name === "start" && data && typeof data === "object") {
    draft.id = data.id || data.draft_id || draft.id;
    if (data.subject && typeof data.subject === "object") draft.subject = data.subject;
  } else if (name === "error") {
    draft.error = (data && data.message) || (data && data.error && data.error.message) || String(data);
  }
  renderDraft();
}

function accept(data) {
  draft.id = data.id || data.draft_id || draft.id;
  draft.title = data.title || draft.title;
  if (data.subject && typeof data.subject === "object") draft.subject = data.subject;
  if (Array.isArray(data.targets)) draft.targets = data.targets;
  if (Array.isArray(data.sections) && data.sections.length >= draft.sections.length) draft.sections = data.sections;
  raiseLevel(data);
  for (const s of draft.sections) raiseLevel(s);
  for (const c of data.citations || []) addCitation(c);
  for (const s of draft.sections) addSectionCitations(s);
  for (const c of targetCitations(draft.targets)) addCitation(c);
}

function addSectionCitations(section) {
  for (const c of section.citations || []) addCitation(c);
  for (const p of section.paragraphs || []) for (const c of p.citations || []) addCitation(c);
  for (const c of targetCitations(section.targets)) addCitation(c);
}

/** Every citation of a targets table: each target's, then its results'. */
function targetCitations(rows) {
  const out = [];
  for (const row of rows || []) {
    if (row.citation) out.push(row.citation);
    for (const r of row.results || []) if (r.citation) out.push(r.citation);
  }
  return out;
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

function citeLink(c) {
  return el("a", { href: docHref(c.doc_id, c.chunk_id), class: "cite" }, c.label || `[${citationLabel(c)}]`);
}

function renderParagraph(p) {
  if (p.gap) {
    // A placeholder where no source says anything: a notice for the drafter, not an unsupported claim.
    return el(
      "p",
      { class: "gap", role: "note" },
      el("span", { class: "gap-label" }, `${t("draft.gapLabel")}: `),
      el("em", {}, p.text),
    );
  }
  const node = el("p", { class: p.supported === false ? "unsupported" : null }, p.text);
  for (const c of p.citations || []) {
    node.append(" ", citeLink(c));
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
  renderSubject(draft.subject);
  // The table goes in the section that holds it; a draft whose sections carry none shows it after them.
  const held = draft.sections.some((s) => Array.isArray(s.targets) && s.targets.length);
  const sections = draft.sections.map((s) =>
    el(
      "section",
      { class: "draft-section" },
      el("h3", {}, s.heading || s.title || ""),
      ...paragraphsOf(s).map(renderParagraph),
      Array.isArray(s.targets) && s.targets.length ? targetsTable(s.targets) : null,
    ),
  );
  if (!held && draft.targets && draft.targets.length) {
    sections.push(el("section", { class: "draft-section" }, el("h3", {}, t("draft.targets")), targetsTable(draft.targets)));
  }
  $("draft-sections").replaceChildren(...sections);
  const cites = draft.citations;
  $("draft-citations-box").hidden = cites.length === 0;
  $("draft-citations").replaceChildren(
    ...cites.map((c) =>
      el("li", {}, el("a", { href: docHref(c.doc_id, c.chunk_id), class: "citation-link" }, citationLabel(c))),
    ),
  );
  $("draft-downloads").hidden = !(draft.done && draft.id);
}

/** "Văn bản được sơ kết: 05-NQ/TU — title", linked to the document. */
function renderSubject(subject) {
  const line = $("draft-subject-line");
  line.hidden = !(subject && subject.doc_id);
  if (line.hidden) {
    line.replaceChildren();
    return;
  }
  const name = [subject.number, subject.title].filter(Boolean).join(" — ") || subject.doc_id;
  line.replaceChildren(
    el("span", { class: "label" }, `${t("draft.subjectLabel")}: `),
    el("a", { href: docHref(subject.doc_id), class: "subject-link" }, name),
    subject.issued_date ? el("span", { class: "meta-line" }, [subject.doc_type, subject.issued_date].filter(Boolean).join(" · ")) : null,
  );
}

/** The targets table: each target (verbatim, with its citation) and the results reported on it. */
function targetsTable(rows) {
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "targets" },
      el("caption", {}, t("draft.targets")),
      el(
        "thead",
        {},
        el("tr", {}, el("th", { scope: "col" }, "#"), el("th", { scope: "col" }, t("draft.targetCol")), el("th", { scope: "col" }, t("draft.resultCol"))),
      ),
      el(
        "tbody",
        {},
        ...rows.map((row, i) =>
          el(
            "tr",
            {},
            el("td", { class: "num" }, String(i + 1)),
            el("td", { class: "target" }, row.text, row.citation ? [" ", citeLink(row.citation)] : null),
            el(
              "td",
              { class: "results" },
              row.results && row.results.length
                ? el("ul", {}, ...row.results.map((r) => el("li", {}, r.text, r.citation ? [" ", citeLink(r.citation)] : null)))
                : el("span", { class: "no-data" }, t("draft.noResult")),
            ),
          ),
        ),
      ),
    ),
  );
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
