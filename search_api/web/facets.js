// Filters built from GET /api/v1/facets: validity first (an "in force only" checkbox over the counts of documents by
// validity: the API filters on in_force only), then type, issuer, language as checkboxes, year as a select.

import { json } from "./api.js";
import { t } from "./i18n.js";
import { el, validityLabel } from "./util.js";

let cached = null;

/** The facets ({total, doc_type, issuer, year, language, validity}: lists of {value, count}), fetched once. */
export function loadFacets() {
  if (!cached) {
    cached = json("/facets").catch((err) => {
      cached = null;
      throw err;
    });
  }
  return cached;
}

/** Forget cached facets (after an API key change the visible documents may differ). */
export function resetFacets() {
  cached = null;
}

const GROUPS = [
  { key: "type", facet: "doc_type", label: "filters.type" },
  { key: "issuer", facet: "issuer", label: "filters.issuer" },
  { key: "language", facet: "language", label: "filters.language" },
];

function valueLabel(key, value) {
  if (key === "language") {
    const label = t(`lang.${value}`);
    return label === `lang.${value}` ? value : label;
  }
  return value;
}

/** Render the filter controls into container, checked per selected; onChange() fires on any change. */
export function renderFacets(container, facets, selected, prefix, onChange) {
  container.replaceChildren(validityBox(facets, selected, prefix, onChange));
  for (const group of GROUPS) {
    const values = facets[group.facet] || [];
    if (!values.length) continue;
    const chosen = new Set(selected[group.key] || []);
    const fs = el("fieldset", { class: "facet", dataset: { facet: group.key } }, el("legend", {}, t(group.label)));
    values.forEach((fv, i) => {
      const id = `${prefix}-${group.key}-${i}`;
      fs.append(
        el(
          "div",
          { class: "check" },
          el("input", {
            type: "checkbox",
            id,
            name: group.key,
            value: fv.value,
            checked: chosen.has(fv.value),
            onchange: onChange,
          }),
          el("label", { for: id }, valueLabel(group.key, fv.value), " ", el("span", { class: "count" }, `(${fv.count})`)),
        ),
      );
    });
    container.append(fs);
    if (group.key === "issuer") container.append(yearSelect(facets, selected, prefix, onChange));
  }
  if (!container.querySelector("select") && (facets.year || []).length) {
    container.append(yearSelect(facets, selected, prefix, onChange));
  }
}

/** The validity group: the in-force checkbox (a filter of the API), then the counts by status (information). */
function validityBox(facets, selected, prefix, onChange) {
  const id = `${prefix}-in-force`;
  const fs = el(
    "fieldset",
    { class: "facet validity", dataset: { facet: "validity" } },
    el("legend", {}, t("filters.validity")),
    el(
      "div",
      { class: "check" },
      el("input", { type: "checkbox", id, name: "inForce", value: "1", checked: !!selected.inForce, onchange: onChange }),
      el("label", { for: id }, t("filters.inForce")),
    ),
  );
  const counts = (facets.validity || []).filter((fv) => fv && fv.count > 0);
  if (counts.length) {
    fs.append(
      el(
        "ul",
        { class: "facet-counts" },
        ...counts.map((fv) =>
          el(
            "li",
            { dataset: { validity: fv.value } },
            validityLabel(fv.value) || fv.value,
            " ",
            el("span", { class: "count" }, `(${fv.count})`),
          ),
        ),
      ),
    );
  }
  return fs;
}

function yearSelect(facets, selected, prefix, onChange) {
  const id = `${prefix}-year`;
  const select = el("select", { id, name: "year", onchange: onChange }, el("option", { value: "" }, t("filters.any")));
  const years = [...(facets.year || [])].sort((a, b) => String(b.value).localeCompare(String(a.value)));
  for (const fv of years) {
    select.append(
      el("option", { value: fv.value, selected: String(selected.year || "") === String(fv.value) }, `${fv.value} (${fv.count})`),
    );
  }
  return el("div", { class: "facet year" }, el("label", { for: id }, t("filters.year")), select);
}

/** The current selection in a rendered filter container: {type[], issuer[], year, language[], inForce}. */
export function readFacets(container) {
  const state = { type: [], issuer: [], language: [], year: "", inForce: false };
  for (const box of container.querySelectorAll("input[type=checkbox]:checked")) {
    if (box.name === "inForce") state.inForce = true;
    else if (Array.isArray(state[box.name])) state[box.name].push(box.value);
  }
  const year = container.querySelector("select[name=year]");
  state.year = year ? year.value : "";
  return state;
}

/** API filters ({doc_type, issuer, language, date_from, date_to, in_force}) for a selection. */
export function toApiFilters(state) {
  const filters = {};
  if (state.type && state.type.length) filters.doc_type = state.type;
  if (state.issuer && state.issuer.length) filters.issuer = state.issuer;
  if (state.language && state.language.length) filters.language = state.language;
  if (state.year && /^\d{4}$/.test(state.year)) {
    filters.date_from = `${state.year}-01-01`;
    filters.date_to = `${state.year}-12-31`;
  }
  if (state.inForce) filters.in_force = true;
  return filters;
}
