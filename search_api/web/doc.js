// The document view: identity (with validity), relations to other documents grouped by kind, table of sections,
// the full text with the chosen passage highlighted (each passage's role discreetly), and similar documents.

import { json } from "./api.js";
import { t } from "./i18n.js";
import { lastSearchHref } from "./search.js";
import {
  classificationBadge,
  classificationLabel,
  docHref,
  dlRow,
  el,
  pagesText,
  relationLabel,
  roleLabel,
  showError,
  validityBadge,
  validityLabel,
} from "./util.js";

const $ = (id) => document.getElementById(id);
let current = null; // {docId, chunk, doc, similar}
let seq = 0;

/** Show the document view for a doc id, scrolled to a chunk when one is given. */
export async function showDoc(docId, params) {
  const chunk = params.get("chunk");
  $("doc-back").href = lastSearchHref();
  if (current && current.docId === docId && current.doc) {
    current.chunk = chunk;
    focusChunk(chunk);
    return;
  }
  const mine = ++seq;
  current = { docId, chunk, doc: null, similar: null };
  $("doc").hidden = true;
  const status = $("doc-status");
  status.replaceChildren(el("p", { class: "hint" }, t("doc.loading")));
  const path = `/documents/${encodeURIComponent(docId)}`;
  try {
    const doc = await json(path);
    if (mine !== seq) return;
    current.doc = doc;
    status.replaceChildren();
    render();
    focusChunk(chunk);
  } catch (err) {
    if (mine !== seq) return;
    current = null;
    if (err && err.status === 404) status.replaceChildren(el("p", { class: "message error" }, t("doc.notFound")));
    else showError(status, err, () => showDoc(docId, params));
    return;
  }
  try {
    const sim = await json(`${path}/similar?k=5`);
    if (mine !== seq) return;
    current.similar = sim.similar || [];
  } catch {
    if (mine !== seq) return;
    current.similar = [];
  }
  renderSimilar();
}

/** Re-render after a language switch. */
export function relabelDoc() {
  if (current && current.doc) {
    render();
    renderSimilar();
    markChunk(current.chunk);
  }
}

function render() {
  const doc = current.doc;
  $("doc-title").textContent = doc.title || doc.number || t("doc.untitled");
  const badge = classificationBadge(doc.classification);
  if (badge) $("doc-title").append(" ", badge);
  const lang = doc.language ? (t(`lang.${doc.language}`).startsWith("lang.") ? doc.language : t(`lang.${doc.language}`)) : "";
  $("doc-identity").replaceChildren(
    ...dlRow("field.number", reviewed(doc, "number")),
    ...dlRow("field.type", reviewed(doc, "doc_type")),
    ...dlRow("field.issuer", reviewed(doc, "issuer")),
    ...dlRow("field.issuerRaw", doc.issuer_raw),
    ...dlRow("field.date", reviewed(doc, "issued_date")),
    ...dlRow("field.effective", doc.effective_date),
    ...dlRow("field.expiry", doc.expiry_date),
    ...dlRow("field.validity", validityNode(doc.validity, doc.language)),
    ...dlRow("field.place", doc.place),
    ...dlRow("field.term", doc.term),
    ...dlRow("field.language", lang),
    ...dlRow("field.classification", classificationLabel(doc.classification)),
  );
  renderRelations(doc.relations || [], doc.language || null);
  const textLang = doc.language || null;
  const chunks = doc.chunks || [];
  const firstOfSection = new Map();
  const chunkText = new Map();
  for (const c of chunks) {
    if (c.section && !firstOfSection.has(c.section)) {
      firstOfSection.set(c.section, c.chunk_id);
      chunkText.set(c.section, c.text);
    }
  }
  const sections = (doc.sections && doc.sections.length ? doc.sections : [...firstOfSection.keys()]).filter((s) =>
    firstOfSection.has(s),
  );
  $("doc-toc").replaceChildren(
    ...sections.map((s) =>
      el(
        "li",
        {},
        el("a", { href: docHref(doc.doc_id, firstOfSection.get(s)), lang: textLang }, tocLabel(s, chunkText.get(s))),
      ),
    ),
  );
  $("toc-heading").parentElement.hidden = sections.length === 0;
  $("doc-chunks").replaceChildren(
    ...chunks.map((c) =>
      el(
        "section",
        { class: "chunk", id: `chunk-${c.chunk_id}`, tabindex: "-1", lang: textLang, dataset: { chunk: c.chunk_id } },
        chunkMeta(c),
        el("p", { class: "chunk-text" }, plain(c.text)),
      ),
    ),
  );
  $("doc").hidden = false;
}

/** The line above a passage: its section and pages, then its role (targets, results, …) set apart. */
function chunkMeta(c) {
  const pages = c.pages && c.pages.length ? `${t("field.pages")} ${pagesText(c.pages)}` : "";
  const where = [c.section, pages].filter(Boolean).join(" · ");
  const role = roleLabel(c.role);
  if (!where && !role) return null;
  return el(
    "p",
    { class: "chunk-meta" },
    where,
    role ? el("span", { class: where ? "role" : "role alone", dataset: { role: c.role }, lang: document.documentElement.lang }, role) : null,
  );
}

/** An identity field's value, with a "check it" badge when indexing doubts it (an OCR'd scan, an odd layout):
 * the confidence and the reasons in its tooltip. A doubted field that could not be read at all still shows. */
function reviewed(doc, field) {
  const value = doc[field];
  const review = (doc.review || []).find((r) => r.field === field);
  if (!review || !review.needs_review) return value;
  const reasons = (review.reasons || []).join("; ");
  const tip = t("review.tip", { c: Math.round(100 * review.confidence) }) + (reasons ? ` (${reasons})` : "");
  const node = el("span", { class: "reviewed", dataset: { needsReview: field } });
  node.append(value ? String(value) : el("span", { class: "review-missing" }, t("review.missing")));
  node.append(" ", el("span", { class: "badge review", title: tip, role: "note" }, t("review.badge")));
  return node;
}

/** The validity of the document: its status, why (in the interface language), by which document (linked when
 * visible), the sentence it rests on, and the date it is judged on. */
function validityNode(validity, textLang) {
  if (!validity || !validity.status) return null;
  const node = el("span", { class: "validity-info", dataset: { validity: validity.status } });
  node.append(validityBadge(validity.status) || el("span", { class: "validity-unknown" }, validityLabel(validity.status) || validity.status));
  const reason = reasonNodes(validity);
  if (reason) node.append(" ", el("span", { class: "validity-reason" }, ...reason));
  else if (validity.reason) node.append(" ", el("span", { class: "validity-reason", lang: "en" }, validity.reason));
  if (!reason && (validity.by_doc_id || validity.by_number)) {
    node.append(el("span", { class: "validity-by-line" }, ...fill("validity.by", { n: byRef(validity, validity.by_number || validity.by_doc_id) })));
  }
  if (validity.sentence) node.append(el("q", { class: "validity-sentence", lang: textLang }, validity.sentence));
  if (validity.as_of) node.append(el("span", { class: "validity-as-of" }, t("validity.asOf", { d: validity.as_of })));
  return node;
}

const DAY = "(\\d{4}-\\d{2}-\\d{2})";
// The API's reason is short English text of a few fixed forms: each is said again in the interface language.
const REASONS = [
  [new RegExp(`^(replaced|repealed|amended|partly replaced|partly repealed) by (.+) from ${DAY}$`), (m) => [[`reason.${m[1].replace(" ", "_")}`, { n: m[2], d: m[3] }]]],
  [new RegExp(`^expired on ${DAY}$`), (m) => [["reason.expired", { d: m[1] }]]],
  [new RegExp(`^takes effect on ${DAY}$`), (m) => [["reason.takesEffect", { d: m[1] }]]],
  [new RegExp(`^in force since ${DAY}$`), (m) => [["reason.inForceSince", { d: m[1] }]]],
  [
    new RegExp(`^in force since ${DAY}; to be (replaced|repealed) by (.+) from ${DAY}$`),
    (m) => [["reason.inForceSince", { d: m[1] }], [`reason.toBe_${m[2]}`, { n: m[3], d: m[4] }]],
  ],
  [/^no effective date known$/, () => [["reason.unknown", {}]]],
];

/** The reason as nodes in the interface language, the deciding document linked; null for an unknown form. */
function reasonNodes(validity) {
  const text = String(validity.reason || "").trim();
  for (const [pattern, parts] of REASONS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const out = [];
    parts(m).forEach(([key, params], i) => {
      if (i) out.push("; ");
      out.push(...fill(key, "n" in params ? { ...params, n: byRef(validity, params.n) } : params));
    });
    return out;
  }
  return null;
}

/** The deciding document: a link when the API resolved it to a document the caller may see. */
function byRef(validity, number) {
  if (validity.by_doc_id && (number === validity.by_number || number === validity.by_doc_id)) {
    return el("a", { href: docHref(validity.by_doc_id), class: "validity-by" }, number);
  }
  return number;
}

/** t(key) as a list of nodes, where a parameter may be a node (a link) placed where its {name} stands. */
function fill(key, params) {
  const text = t(key);
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    out.push(text.slice(last, m.index));
    out.push(m[1] in params ? params[m[1]] : m[0]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out.filter((x) => x !== "");
}

// Kinds that change whether this document applies come first, then what it does to others, then the rest.
const KIND_ORDER = [
  "replaced_by", "repealed_by", "amended_by", "corrected_by", "consolidated_by",
  "replaces", "repeals", "amends", "corrects", "consolidates",
  "basis", "implements", "guides", "implemented_by", "guided_by", "basis_of",
];

/** The relations list: one group per kind, each related document linked when it is indexed and visible. */
function renderRelations(relations, textLang) {
  const groups = new Map();
  for (const r of relations) {
    if (!r || !r.kind) continue;
    if (!groups.has(r.kind)) groups.set(r.kind, []);
    groups.get(r.kind).push(r);
  }
  const rank = (k) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  const kinds = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
  $("doc-relations-box").hidden = kinds.length === 0;
  $("doc-relations").replaceChildren(
    ...kinds.map((kind) =>
      el(
        "section",
        { class: "rel-group", dataset: { kind } },
        el("h3", {}, relationLabel(kind), " ", el("span", { class: "count" }, `(${groups.get(kind).length})`)),
        el("ul", {}, ...groups.get(kind).map((r) => relationItem(r, textLang))),
      ),
    ),
  );
}

function relationItem(r, textLang) {
  const name = r.number || r.title || r.doc_id || "";
  const head = r.doc_id
    ? el("a", { href: docHref(r.doc_id), class: "relation-link" }, name)
    : el("span", { class: "relation-number" }, name);
  const title = r.title && r.title !== name ? el("span", { class: "relation-title", lang: textLang }, ` — ${r.title}`) : null;
  const meta = [r.doc_type, r.issued_date, r.scope ? t("doc.relationScope", { s: r.scope }) : ""].filter(Boolean).join(" · ");
  return el(
    "li",
    { dataset: { direction: r.direction || "" } },
    head,
    title,
    meta ? el("span", { class: "meta-line" }, meta) : null,
    r.sentence ? el("q", { class: "relation-sentence", lang: textLang }, r.sentence) : null,
  );
}

/** Text without Markdown heading marks ("## II. …" → "II. …"), which the sources carry. */
function plain(text) {
  return String(text || "").replace(/^#{1,6}[ \t]+/gm, "");
}

/** A section's entry in the table: its heading line when the passage starts with it ("II. QUAN ĐIỂM …"). */
function tocLabel(section, text) {
  const first = plain(text).trim().split("\n", 1)[0].trim();
  if (first && first !== section && first.startsWith(section) && first.length <= 120) return first;
  return section;
}

function renderSimilar() {
  const list = $("doc-similar");
  if (!current || current.similar === null) {
    list.replaceChildren();
    return;
  }
  if (!current.similar.length) {
    list.replaceChildren(el("li", { class: "hint" }, t("doc.similarNone")));
    return;
  }
  list.replaceChildren(
    ...current.similar.map((s) =>
      el(
        "li",
        {},
        el("a", { href: docHref(s.doc_id, s.chunk_id), class: "similar-link" }, s.title || s.number || s.doc_id),
        " ",
        classificationBadge(s.classification),
        el("span", { class: "meta-line" }, [s.number, s.doc_type, s.issuer, s.issued_date].filter(Boolean).join(" · ")),
      ),
    ),
  );
}

function markChunk(chunk) {
  for (const node of document.querySelectorAll(".chunk.target")) {
    node.classList.remove("target");
    node.removeAttribute("aria-current");
  }
  if (chunk === null || chunk === undefined) return null;
  const node = document.getElementById(`chunk-${chunk}`);
  if (!node) return null;
  node.classList.add("target");
  node.setAttribute("aria-current", "true");
  node.setAttribute("aria-label", t("doc.passage"));
  return node;
}

function focusChunk(chunk) {
  const node = markChunk(chunk);
  if (node) {
    node.scrollIntoView({ block: "center" });
    node.focus({ preventScroll: true });
  } else {
    window.scrollTo(0, 0);
    $("doc-title").focus?.();
  }
}
