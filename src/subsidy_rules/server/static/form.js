// The form, generated from the fact schema: one field per fact of the rule's entity, rows for lists.
// It edits state.claim and calls hooks.changed(); it knows nothing of the result panel.
import { h } from "./dom.js";
import { getAt, parsePath, pathString, setAt } from "./paths.js";
import { MARKS, currentRule, entityOf, state } from "./state.js";
import { L, t } from "./words.js";

// set by main.js
export const hooks = { changed: () => {} };

// The claim as sent: empty inputs (unknown facts) left out, empty records dropped, list rows kept.
export function cleanClaim() {
  function clean(value, isRow) {
    if (value === null || value === undefined || value === "") return undefined;
    if (Array.isArray(value)) return value.map((row) => clean(row, true) || {});
    if (typeof value === "object") {
      const out = {};
      for (const [key, item] of Object.entries(value)) {
        const cleaned = clean(item, false);
        if (cleaned !== undefined) out[key] = cleaned;
      }
      return Object.keys(out).length || isRow ? out : undefined;
    }
    return value;
  }
  const out = {};
  for (const [key, value] of Object.entries(state.claim)) {
    const cleaned = clean(value, false);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  const rule = currentRule();
  if (rule && out[rule.applies_to] === undefined) out[rule.applies_to] = {};
  return out;
}

// Names the rule's expressions read: fields outside them go under "other fields".
export function namesRead(detail) {
  const names = new Set(["name"]);
  if (!detail) return null;
  const texts = [];
  const walk = (node) => {
    if (!node) return;
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (node.expr) texts.push(node.expr);
    (node.children || []).forEach(walk);
  };
  walk(detail.conditions);
  if (detail.items) {
    texts.push(detail.items.over || "", detail.items.amount || "");
    walk(detail.items.conditions);
  }
  (detail.criteria || []).forEach((c) => texts.push(c.expr || ""));
  (detail.classes || []).forEach((c) => texts.push(c.expr || ""));
  texts.push(detail.amount || "");
  for (const text of texts) for (const m of String(text).matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) names.add(m[0]);
  return names;
}

export function fieldValue(field, input) {
  const raw = input.value;
  if (raw === "") return undefined;
  switch (field.type) {
    case "bool": return raw === "true";
    case "integer": return /^-?\d+$/.test(raw) && raw.replace(/^-/, "").length <= 15 ? Number(raw) : raw;
    case "decimal":
    case "money": {
      const digits = raw.replace(/[^0-9]/g, "").replace(/^0+/, "");
      return digits.length <= 15 && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    }
    default: return raw;
  }
}

export function shownValue(field, value) {
  if (value === undefined || value === null) return "";
  if (field.type === "bool") return value === true ? "true" : value === false ? "false" : "";
  return String(value);
}

export function inputFor(field, parts) {
  const path = pathString(parts);
  const value = getAt(state.claim, parts);
  const common = { id: "f-" + path, name: path, "data-path": path, "data-testid": "field-" + path, "data-type": field.type };
  let input;
  if (field.type === "bool") {
    input = h("select", common,
      h("option", { value: "" }, t("bool-unknown")),
      h("option", { value: "true" }, t("bool-yes")),
      h("option", { value: "false" }, t("bool-no")));
  } else if (field.type === "enum") {
    input = h("select", common, h("option", { value: "" }, t("enum-unknown")),
      (field.values || []).map((v) => h("option", { value: v.value }, enumLabel(field, v))));
  } else if (field.type === "date") {
    input = h("input", Object.assign({ type: "date" }, common));
  } else if (field.type === "integer") {
    input = h("input", Object.assign({ type: "number", step: "1", inputmode: "numeric" }, common));
  } else if (field.type === "decimal" || field.type === "money") {
    input = h("input", Object.assign({ type: "number", step: field.type === "money" ? "0.01" : "any", inputmode: "decimal" }, common));
  } else {
    input = h("input", Object.assign({ type: "text" }, common));
  }
  input.value = shownValue(field, value);
  const onEdit = () => {
    setAt(state.claim, parts, fieldValue(field, input));
    if (field.name === "name") refreshRowTitles();
    hooks.changed();
  };
  input.addEventListener(input.tagName === "SELECT" ? "change" : "input", onEdit);
  if (input.tagName !== "SELECT") input.addEventListener("change", onEdit);
  return input;
}

// A choice's words: the schema's label; where it only repeats the value, the field's help text
// often spells it out ("取值:enterprise = 企业;farmer_cooperative = 农民专业合作社").
export function enumLabel(field, choice) {
  const label = L(choice.label, choice.value);
  if (label !== choice.value) return label;
  const help = L(field.description);
  const m = new RegExp("(?:^|[:：;；,，]\\s*)" + choice.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\s*=\\s*([^;；]+)").exec(help);
  const words = m ? m[1].trim() : "";
  return words && words !== choice.value ? words + " (" + choice.value + ")" : label;
}

export function scalarRow(field, parts) {
  const path = pathString(parts);
  const unit = L(field.unit);
  // help that only spells out the choices is already in the choices
  const worded = field.type === "enum" && (field.values || []).length > 0
    && field.values.every((v) => enumLabel(field, v) !== v.value && L(v.label, v.value) === v.value);
  const help = worded ? "" : L(field.description);
  return h("div", { class: "field", "data-field": path },
    h("label", { for: "f-" + path }, L(field.label, field.name)),
    h("div", { class: "control" }, inputFor(field, parts), unit ? h("span", { class: "unit" }, unit) : null),
    help ? h("small", { class: "help" }, help) : null);
}

export function hasValue(value) {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(hasValue);
  return true;
}

export function recordFields(entityName, parts, read, depth) {
  const entity = entityOf(entityName);
  if (!entity) return [];
  const main = [];
  const other = [];
  for (const field of entity.fields) {
    const fieldParts = parts.concat([field.name]);
    const shown = !read || read.has(field.name) || hasValue(getAt(state.claim, fieldParts));
    const node = fieldNode(field, fieldParts, read, depth);
    (shown ? main : other).push(node);
  }
  if (other.length) {
    main.push(h("details", { class: "more", "data-testid": "more-" + pathString(parts) },
      h("summary", {}, t("more-fields", { n: other.length })), other));
  }
  return main;
}

export function fieldNode(field, parts, read, depth) {
  const path = pathString(parts);
  if (field.type === "record") {
    return h("fieldset", { class: "record", "data-path": path },
      h("legend", {}, L(field.label, field.name)),
      recordFields(field.of, parts, read, depth + 1));
  }
  if (field.type === "list") return listNode(field, parts, read, depth);
  return scalarRow(field, parts);
}

export function rowName(row) {
  if (!row || typeof row !== "object") return "";
  if (typeof row.name === "string" && row.name) return row.name;
  for (const value of Object.values(row)) {
    if (value && typeof value === "object" && !Array.isArray(value) && typeof value.name === "string" && value.name) return value.name;
  }
  return "";
}

export function listNode(field, parts, read, depth) {
  const path = pathString(parts);
  let rows = getAt(state.claim, parts);
  if (!Array.isArray(rows)) rows = [];
  const entity = entityOf(field.of);
  const addLabel = L(entity && entity.label, field.of);
  const add = h("button", { type: "button", class: "add", "data-testid": "add-" + path, "data-path": path,
    onclick: () => {
      const current = getAt(state.claim, parts);
      if (Array.isArray(current)) current.push({}); else setAt(state.claim, parts, [{}]);
      renderForm({ open: pathString(parts.concat([(getAt(state.claim, parts) || []).length - 1])) });
      hooks.changed();
    } }, t("add-row", { label: addLabel }));
  const openRows = rows.length <= 3;
  const children = rows.map((row, i) => {
    const rowParts = parts.concat([i]);
    const rowPath = pathString(rowParts);
    const summary = h("summary", { "data-testid": "row-" + rowPath },
      h("span", { class: "mark", "data-row-mark": rowPath }),
      h("span", { class: "row-title", "data-row-title": rowPath }, rowTitle(i, row)),
      h("button", { type: "button", class: "remove quiet", "data-testid": "remove-" + rowPath,
        onclick: (ev) => {
          ev.preventDefault();
          getAt(state.claim, parts).splice(i, 1);
          renderForm();
          hooks.changed();
        } }, t("remove-row")));
    return h("details", { class: "row", "data-path": rowPath, open: openRows }, summary,
      h("div", { class: "row-body" }, recordFields(field.of, rowParts, read, depth + 1)));
  });
  return h("fieldset", { class: "list", "data-path": path, "data-testid": "list-" + path },
    h("legend", {}, L(field.label, field.name), h("span", { class: "count" }, " (" + rows.length + ")")),
    children, add);
}

export function rowTitle(i, row) {
  const name = rowName(row);
  // people count from 1, as the explanation does (第1名 / #1); JSON paths stay 0-based
  return name ? t("ordinal", { n: i + 1 }) + " " + name : t("row-title", { n: i + 1 });
}

export function refreshRowTitles() {
  for (const el of document.querySelectorAll("[data-row-title]")) {
    const parts = parsePath(el.dataset.rowTitle);
    el.textContent = rowTitle(parts[parts.length - 1], getAt(state.claim, parts));
  }
}

export function renderForm(opts) {
  const form = document.getElementById("claim-form");
  const openNow = new Set([...form.querySelectorAll("details[open]")].map((d) => d.dataset.path || d.dataset.testid));
  form.replaceChildren();
  const rule = currentRule();
  if (!rule || !state.facts) return;
  const entity = rule.applies_to;
  if (!state.claim[entity] || typeof state.claim[entity] !== "object") state.claim[entity] = {};
  const detail = state.details.get(rule.id);
  const read = namesRead(detail);
  const meta = { name: "as_of", type: "date", label: { zh: t("as-of"), en: t("as-of") }, description: { zh: t("as-of-help"), en: t("as-of-help") } };
  const place = { name: "jurisdiction", type: "text", label: { zh: t("jurisdiction"), en: t("jurisdiction") }, description: { zh: t("jurisdiction-help"), en: t("jurisdiction-help") } };
  const jur = scalarRow(place, ["jurisdiction"]);
  const counties = countiesOf(detail);
  if (counties.length) {
    const list = h("datalist", { id: "counties" }, counties.map((c) => h("option", { value: c })));
    jur.querySelector("input").setAttribute("list", "counties");
    jur.append(list);
  }
  form.append(
    h("fieldset", { class: "meta" }, scalarRow(meta, ["as_of"]), jur),
    h("fieldset", { class: "record root", "data-path": entity, "data-testid": "entity-" + entity },
      h("legend", {}, L(entityOf(entity) && entityOf(entity).label, entity)),
      recordFields(entity, [entity], read, 0)));
  // keep what the user had opened (re-rendering after add/remove must not fold everything)
  for (const d of form.querySelectorAll("details")) {
    const key = d.dataset.path || d.dataset.testid;
    if (openNow.has(key)) d.open = true;
  }
  if (opts && opts.open) openTo(opts.open);
  paintRowMarks();
}

export function countiesOf(detail) {
  const names = new Set();
  for (const p of (detail && detail.parameters) || []) for (const c of Object.keys(p.overrides || {})) names.add(c);
  return [...names].sort();
}

export function fieldLabelOf(path) {
  // "employer.hires[1].social_insurance" -> "吸纳的劳动者 第2名 · 已参加社会保险"
  const parts = parsePath(path);
  const words = [];
  let entity = entityOf(parts[0]);
  for (let i = 1; i < parts.length && entity; i++) {
    const part = parts[i];
    if (typeof part === "number") { words[words.length - 1] += " " + t("ordinal", { n: part + 1 }); continue; }
    const field = entity.fields.find((f) => f.name === part);
    if (!field) { words.push(String(part)); entity = null; break; }
    words.push(L(field.label, field.name));
    entity = field.of ? entityOf(field.of) : null;
  }
  return words.join(" · ") || path;
}

export function paintRowMarks() {
  const decision = state.decisionDoc && (state.decisionDoc.decisions || [])[0];
  const byPath = new Map(((decision && decision.items) || []).map((item) => [item.path, item]));
  for (const el of document.querySelectorAll("[data-row-mark]")) {
    const item = byPath.get(el.dataset.rowMark);
    const outcome = item && item.considered !== false ? item.outcome : "";
    el.textContent = MARKS[outcome] || "·";
    el.dataset.outcome = outcome;
  }
}

// Open every folded section down to a path and hand it the focus.
export function openTo(path) {
  let parts = parsePath(path);
  let target = null;
  while (parts.length && !target) {
    target = document.querySelector('#claim-form [data-path="' + CSS.escape(pathString(parts)) + '"]');
    if (!target) parts = parts.slice(0, -1);
  }
  if (!target) return null;
  for (let el = target; el; el = el.parentElement) if (el.tagName === "DETAILS") el.open = true;
  if (target.tagName === "DETAILS") target.open = true;
  return target;
}

export function focusField(path) {
  const target = openTo(path);
  if (!target) return;
  let focusable = target;
  if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
    focusable = target.querySelector("input, select, textarea, button.add") || target;
  }
  const box = target.closest(".field") || target;
  box.scrollIntoView({ block: "center" });
  focusable.focus({ preventScroll: true });
  for (const old of document.querySelectorAll(".highlight")) old.classList.remove("highlight");
  box.classList.add("highlight");
  setTimeout(() => box.classList.remove("highlight"), 4000);
}
