// The rule browser: every rule, its conditions in words beside the letter's sentence, parameters by date and county.
import { ensureDetail } from "./api.js";
import { formatAmount, h } from "./dom.js";
import { state } from "./state.js";
import { citations, ensureTrace } from "./trace.js";
import { L, t } from "./words.js";

export function renderRuleList() {
  const list = document.getElementById("rule-list");
  list.replaceChildren(...state.rules.map((r) => h("li", {},
    h("a", { href: "#rules/" + r.id, "data-testid": "rules-item", "data-rule": r.id,
      class: r.id === state.rulesSelected ? "current" : null }, L(r.title, r.id), h("small", {}, r.id)))));
}

// Links to the sentences of the letter that cite this (the trace report read backwards).
function letterLinks(indexes) {
  if (!indexes || !indexes.length) return null;
  return h("span", { class: "letter-links" }, indexes.map((i) =>
    h("a", { href: "#trace/" + i, "data-testid": "letter-link", "data-index": i }, t("see-letter", { n: i }))));
}

export function quoteBox(source, inherited, cited) {
  if (!source || !source.quote) return h("div", { class: "quote none" }, t(inherited ? "quote-inherited" : "no-quote"), " ", letterLinks(cited));
  return h("blockquote", { class: "quote", "data-testid": "condition-quote" },
    h("p", {}, source.quote),
    h("cite", {}, [source.document, source.clause].filter(Boolean).join(" "), " ", letterLinks(cited)));
}

// ctx: {focusId, rule, cites}: the condition to mark, the rule shown, the letter's citations
export function conditionNode(node, ctx) {
  if (!node) return null;
  const focusId = ctx.focusId;
  if (Array.isArray(node)) return h("div", { class: "group-body" }, node.map((c) => conditionNode(c, ctx)));
  if (node.kind === "condition") {
    return h("div", { class: "cond" + (node.id === focusId ? " highlight" : ""), "data-testid": "condition", "data-condition": node.id, id: "cond-" + node.id },
      h("div", { class: "words" },
        h("strong", {}, L(node.words, L(node.label, node.id))),
        L(node.words) && L(node.label) !== L(node.words) ? h("div", { class: "sub" }, L(node.label)) : null,
        node.expr ? h("code", {}, node.expr) : null),
      quoteBox(node.source, true, ctx.cites.of("condition", ctx.rule, node.id)));
  }
  const head = L(node.label) || t("group-" + node.kind);
  return h("div", { class: "group", "data-condition": node.id || null },
    h("div", { class: "group-head" }, head, node.label ? h("small", {}, " · " + t("group-" + node.kind)) : null),
    h("div", { class: "group-body" }, (node.children || []).map((c) => conditionNode(c, ctx))));
}

export function valueText(value, unit) {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "object" ? JSON.stringify(value) : /^-?\d+(\.\d+)?$/.test(String(value)) ? formatAmount(value) : String(value);
  return text + (unit ? " " + L(unit) : "");
}

export function parameterTable(p, cites) {
  const rows = (p.values || []).map((v) => h("tr", {}, h("td", {}, t("param-city")), h("td", {}, v.from), h("td", {}, valueText(v.value, p.unit))));
  for (const [county, values] of Object.entries(p.overrides || {})) {
    for (const v of values) {
      const cite = v.source && v.source.document ? [v.source.document, v.source.clause].filter(Boolean).join(" ") : "";
      rows.push(h("tr", { class: "override", "data-county": county }, h("td", {}, county), h("td", {}, v.from),
        h("td", {}, valueText(v.value, p.unit), cite ? h("div", { class: "sub", "data-testid": "override-source" }, t("override-source", { document: cite })) : null)));
    }
  }
  return h("section", { class: "param", "data-testid": "parameter", "data-parameter": p.name, id: "param-" + p.name },
    h("h4", {}, L(p.label, p.name), " ", h("code", {}, "$" + p.name), p.floor ? h("span", { class: "tag" }, t("param-floor")) : null),
    p.source && p.source.quote ? quoteBox(p.source, false, cites.of("parameter", null, p.name)) : null,
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, t("county")), h("th", {}, t("from")), h("th", {}, t("value")))), h("tbody", {}, rows)));
}

export async function renderRuleDetail(id, focusId) {
  const box = document.getElementById("rule-detail");
  state.rulesSelected = id;
  renderRuleList();
  if (!id) { box.replaceChildren(); return; }
  box.replaceChildren(h("p", {}, t("loading")));
  const detail = await ensureDetail(id);
  if (!detail) { box.replaceChildren(h("p", { class: "explain-error" }, t("load-failed", { detail: id }))); return; }
  let cites = { of: () => [] };
  try { cites = citations(await ensureTrace()); } catch (err) { /* a policy without its letter: no links back */ }
  if (state.rulesSelected !== id) return; // another rule was chosen meanwhile
  const ctx = { focusId, rule: id, cites };
  const src = detail.source || {};
  const parts = [
    h("h2", { "data-testid": "rule-title" }, L(detail.title, id), " ", h("small", {}, id + " · v" + detail.version + " · " + t("rule-kind-" + detail.kind))),
    h("p", { class: "meta" }, t("source") + ": " + [src.document, src.clause].filter(Boolean).join(" "),
      detail.in_force ? " · " + t("in-force") + ": " + t(detail.in_force.until ? "in-force-range" : "in-force-from", { from: detail.in_force.from, until: detail.in_force.until }) : ""),
    src.quote ? quoteBox(src, false, cites.of("rule", id, id)) : null,
  ];
  const conditions = detail.conditions;
  if (conditions && (!Array.isArray(conditions) || conditions.length)) parts.push(h("h3", {}, t("conditions")), conditionNode(conditions, ctx));
  if (detail.items) {
    parts.push(h("h3", {}, t("items", { label: L(detail.items.label) })), h("p", {}, h("code", {}, detail.items.over)),
      h("div", { class: "group-body" }, (detail.items.conditions || []).map((c) => conditionNode(c, ctx))));
    if (detail.items.amount) parts.push(h("p", {}, t("item-amount") + ": ", h("code", {}, detail.items.amount)));
  }
  if ((detail.criteria || []).length) {
    parts.push(h("h3", {}, t("criteria")), h("div", {}, detail.criteria.map((c) =>
      h("div", { class: "cond" + (c.id === focusId ? " highlight" : ""), "data-testid": "criterion", "data-condition": c.id, id: "cond-" + c.id },
        h("div", { class: "words" }, h("strong", {}, L(c.label, c.id)),
          h("div", { class: "sub" }, t("points") + ": " + c.points + (c.veto ? " · " + t("veto") : "")),
          c.expr ? h("code", {}, c.expr) : null),
        quoteBox(c.source, true, cites.of("condition", id, c.id))))));
  }
  if ((detail.classes || []).length) {
    parts.push(h("h3", {}, t("classes")), h("ul", {}, detail.classes.map((c) => h("li", { id: "cond-" + c.id }, L(c.label, c.id), " ", h("code", {}, c.expr || "")))));
  }
  if (detail.amount) parts.push(h("h3", {}, t("rule-amount")), h("p", {}, h("code", {}, detail.amount)));
  const notes = (detail.notes || []).map((n) => L(n && n.label ? n.label : n)).filter(Boolean);
  if (notes.length) parts.push(h("h3", {}, t("notes")), h("ul", {}, notes.map((n) => h("li", {}, n))));
  if (detail.interpretation) parts.push(h("h3", {}, t("interpretation")), h("p", { class: "interp" }, L(detail.interpretation)));
  parts.push(h("h3", {}, t("parameters")));
  parts.push((detail.parameters || []).length ? h("div", { "data-testid": "parameters" }, detail.parameters.map((p) => parameterTable(p, cites))) : h("p", {}, t("no-parameters")));
  box.replaceChildren(...parts.filter(Boolean));
  if (focusId) {
    const el = document.getElementById("cond-" + focusId) || document.getElementById("param-" + focusId);
    if (el) { el.classList.add("highlight"); el.scrollIntoView({ block: "center" }); }
  }
}
