// Small DOM and routing helpers shared by the views. Text always goes in with textContent.

import { t } from "./i18n.js";

/** Create an element: el("a", {href: "#", class: "x"}, "text", child, …). Strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Link to the document view, optionally at a chunk. Doc ids may hold ':' '@' and spaces. */
export function docHref(docId, chunkId) {
  const base = `#/doc/${encodeURIComponent(docId)}`;
  return chunkId === undefined || chunkId === null ? base : `${base}?chunk=${encodeURIComponent(chunkId)}`;
}

/** Link to the search view for a state {q, mode, type[], issuer[], year, language[], inForce, offset, k}. */
export function searchHref(state) {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.mode && state.mode !== "hybrid") p.set("mode", state.mode);
  for (const v of state.type || []) p.append("type", v);
  for (const v of state.issuer || []) p.append("issuer", v);
  if (state.year) p.set("year", state.year);
  for (const v of state.language || []) p.append("language", v);
  if (state.inForce) p.set("in_force", "1");
  if (state.offset) p.set("offset", String(state.offset));
  if (state.k && state.k !== 10) p.set("k", String(state.k));
  const qs = p.toString();
  return qs ? `#/search?${qs}` : "#/search";
}

/** Parse the hash into {view, id, params}: #/search?…, #/doc/{id}?chunk=…, #/draft. */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const [view, ...rest] = path.split("/");
  const id = rest.length ? decodeURIComponent(rest.join("/")) : null;
  return { view: view || "search", id, params };
}

/** Translated classification label for an API label ("unclassified", "MẬT", "TỐI MẬT", "TUYỆT MẬT"). */
export function classificationLabel(label) {
  const level = classificationLevel(label);
  return level === null ? String(label) : t(`class.${level}`);
}

/** 0–3 for a known classification label, null otherwise. */
export function classificationLevel(label) {
  const key = String(label ?? "unclassified")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/gi, "d")
    .toLowerCase()
    .trim();
  const levels = { unclassified: 0, "": 0, "0": 0, mat: 1, "1": 1, "toi mat": 2, "2": 2, "tuyet mat": 3, "3": 3 };
  return key in levels ? levels[key] : null;
}

/** A badge for classified material; null for unclassified (nothing to warn about). */
export function classificationBadge(label) {
  const level = classificationLevel(label);
  if (level === 0) return null;
  return el("span", { class: `badge classified level-${level ?? "x"}` }, classificationLabel(label));
}

const VALIDITY = ["in_force", "not_yet_in_force", "replaced", "repealed", "partly_amended", "expired", "unknown"];

/** Translated label of a validity status; null when the status is not one the API defines. */
export function validityLabel(status) {
  return VALIDITY.includes(status) ? t(`validity.${status}`) : null;
}

/** A badge for a document's validity (in force, replaced, …); null when unknown or absent (nothing to say). */
export function validityBadge(status) {
  if (!status || status === "unknown" || !VALIDITY.includes(status)) return null;
  return el("span", { class: `badge validity v-${status.replace(/_/g, "-")}`, dataset: { validity: status } }, validityLabel(status));
}

/** Translated label of a section role (targets, results, …); the role itself when no label exists; "" for none. */
export function roleLabel(role) {
  if (!role) return "";
  const label = t(`role.${role}`);
  return label === `role.${role}` ? role.replace(/_/g, " ") : label;
}

/** Translated label of a relation kind (replaces, amended_by, …); the kind in words when no label exists. */
export function relationLabel(kind) {
  const label = t(`rel.${kind}`);
  return label === `rel.${kind}` ? String(kind).replace(/_/g, " ") : label;
}

/** Pages as "3" or "3–5". */
export function pagesText(pages) {
  if (!pages || !pages.length) return "";
  const lo = Math.min(...pages);
  const hi = Math.max(...pages);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** A <dl> row pair when the value is present. */
export function dlRow(labelKey, value) {
  if (value === undefined || value === null || value === "") return [];
  const dd = value instanceof Node ? el("dd", {}, value) : el("dd", {}, String(value));
  return [el("dt", {}, t(labelKey)), dd];
}

/** A status box: message, optional help line and an optional action button. */
export function statusMessage(kind, message, help, action) {
  return el(
    "div",
    { class: `message ${kind}` },
    el("p", { class: "message-title" }, message),
    help ? el("p", {}, help) : null,
    action ? el("button", { type: "button", onclick: action.run }, action.label) : null,
  );
}

let unauthorized = () => {};

/** Register what to do on a 401 (the app shows the key form and retries once a key is entered). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Show an API error in a status box; a 401 opens the key form and retries the call when a key is given. */
export function showError(box, err, retry) {
  box.replaceChildren();
  if (err && err.status === 401) {
    unauthorized(retry);
    return;
  }
  const again = retry ? { label: t("error.retry"), run: retry } : null;
  let message;
  if (!err || err.status === 0) message = t("error.network");
  else if (err.status === 403) message = t("error.forbidden");
  else message = t("error.generic", { m: err.message });
  box.append(statusMessage("error", message, null, again));
}
