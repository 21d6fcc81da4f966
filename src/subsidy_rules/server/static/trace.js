// The letter sentence by sentence, each normative sentence linked to what encodes it.
import { api, ensureDetail } from "./api.js";
import { h } from "./dom.js";
import { state } from "./state.js";
import { L, t } from "./words.js";

// The report of the shipped letter, fetched once per language.
export async function ensureTrace() {
  if (!state.trace || state.traceLang !== state.lang) {
    const report = await api("trace");
    state.trace = report;
    state.traceLang = state.lang;
  }
  return state.trace;
}

function citeKey(kind, rule, id) {
  return kind === "condition" ? "condition:" + rule + "/" + id : kind === "rule" ? "rule:" + (rule || id) : kind + ":" + id;
}

// Which sentences cite a rule, a condition or a parameter: the way back from the rule browser to the letter.
export function citations(report) {
  const found = new Map();
  for (const s of report.sentences || []) {
    for (const link of s.links || []) {
      const key = citeKey(link.kind, link.rule, link.id);
      if (!found.has(key)) found.set(key, []);
      if (!found.get(key).includes(s.index)) found.get(key).push(s.index);
    }
  }
  return { of: (kind, rule, id) => found.get(citeKey(kind, rule, id)) || [] };
}

function showSentence(index) {
  const el = document.getElementById("s-" + index);
  if (!el) return;
  for (const old of document.querySelectorAll("ol.sentences .highlight")) old.classList.remove("highlight");
  el.scrollIntoView({ block: "center" });
  el.classList.add("highlight");
}

export async function renderTrace(focusIndex) {
  const box = document.getElementById("trace");
  if (!state.trace || state.traceLang !== state.lang) {
    box.replaceChildren(h("p", {}, t("loading")));
    try {
      await ensureTrace();
    } catch (err) {
      box.replaceChildren(h("p", { class: "explain-error", "data-testid": "trace-error" }, t("load-failed", { detail: err.message })));
      return;
    }
  }
  // a parameter belongs to no rule in the report: link it to the first rule that reads it
  const readers = new Map();
  await Promise.all(state.rules.map((r) => ensureDetail(r.id)));
  for (const r of state.rules) {
    for (const p of (state.details.get(r.id) || {}).parameters || []) if (!readers.has(p.name)) readers.set(p.name, r.id);
  }
  const report = state.trace;
  const sentences = report.sentences || [];
  const uncovered = new Set(report.uncovered || []);
  const doc = report.document || {};
  const docTitle = L(doc.title) || doc.name || doc.document || doc.id || "";
  const byIndex = new Map(sentences.map((s) => [s.index, s]));
  const linkFor = (link) => {
    const rule = link.rule || readers.get(link.id);
    const target = !rule ? null : link.kind === "rule" ? "#rules/" + rule : "#rules/" + rule + "/" + link.id;
    return h(target ? "a" : "span", { href: target, class: "trace-link kind-" + link.kind, "data-testid": "trace-link", "data-kind": link.kind,
      "data-rule": rule || null, "data-id": link.id || null },
      h("span", { class: "tag" }, t("link-" + link.kind)), " ", L(link.label, link.id || link.rule));
  };
  const items = sentences.map((s) => h("li", {
    id: "s-" + s.index, "data-testid": "trace-sentence", "data-index": s.index,
    class: (s.normative ? "normative" : "informative") + (uncovered.has(s.index) ? " uncovered" : ""),
  },
  h("div", { class: "s-head" }, h("span", { class: "s-index" }, "#" + s.index), s.section ? h("span", { class: "s-section" }, L(s.section)) : null,
    h("span", { class: "tag" }, t(s.normative ? "trace-normative" : "trace-informative"))),
  h("p", { class: "s-text" }, s.text),
  s.normative ? h("div", { class: "s-links" }, (s.links || []).length ? s.links.map(linkFor) : h("span", { class: "nolink" }, t("trace-no-links"))) : null));
  const normative = sentences.filter((s) => s.normative).length;
  const parts = [
    h("h2", {}, t("trace-title"), docTitle ? h("small", {}, " " + docTitle) : null),
    h("p", { "data-testid": "trace-summary" }, t("trace-summary", { total: sentences.length, normative, uncovered: uncovered.size })),
    h("section", { class: "uncovered-box", "data-testid": "trace-uncovered" }, h("h3", {}, t("trace-uncovered")),
      uncovered.size ? h("ol", {}, [...uncovered].map((i) => h("li", {}, h("a", { href: "#trace", "data-testid": "uncovered-link", "data-index": i,
        onclick: (ev) => { ev.preventDefault(); showSentence(i); } },
        "#" + i + " " + ((byIndex.get(i) || {}).text || ""))))) : h("p", {}, t("trace-none-uncovered"))),
  ];
  if ((report.quotes_not_found || []).length) {
    parts.push(h("section", { class: "explain-error", "data-testid": "trace-quotes-not-found" }, h("h3", {}, t("trace-quotes-not-found")),
      h("ul", {}, report.quotes_not_found.map((q) => h("li", {}, typeof q === "string" ? q : [q.rule, q.id, q.quote].filter(Boolean).join(" · "))))));
  }
  parts.push(h("ol", { class: "sentences" }, items));
  box.replaceChildren(...parts);
  if (focusIndex !== null && focusIndex !== undefined) showSentence(focusIndex);
}
