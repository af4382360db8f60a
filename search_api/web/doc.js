// The document view: identity, table of sections, the full text with the chosen passage highlighted,
// and similar documents.

import { json } from "./api.js";
import { t } from "./i18n.js";
import { lastSearchHref } from "./search.js";
import { classificationBadge, classificationLabel, docHref, dlRow, el, pagesText, showError } from "./util.js";

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
    ...dlRow("field.number", doc.number),
    ...dlRow("field.type", doc.doc_type),
    ...dlRow("field.issuer", doc.issuer),
    ...dlRow("field.date", doc.issued_date),
    ...dlRow("field.place", doc.place),
    ...dlRow("field.term", doc.term),
    ...dlRow("field.language", lang),
    ...dlRow("field.classification", classificationLabel(doc.classification)),
  );
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
        c.section || c.pages.length
          ? el("p", { class: "chunk-meta" }, [c.section, c.pages.length ? `${t("field.pages")} ${pagesText(c.pages)}` : ""].filter(Boolean).join(" · "))
          : null,
        el("p", { class: "chunk-text" }, plain(c.text)),
      ),
    ),
  );
  $("doc").hidden = false;
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
