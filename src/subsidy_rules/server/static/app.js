// The page for policy staff. Plain JavaScript, no framework, no network but this server's /api/v1.
// Every word the page itself shows comes from WORDS (keyed by id, zh and en); every word about
// the policy (rule titles, field labels, explanations) comes from the API in the chosen language.
"use strict";

const WORDS = {
  zh: {
    "page-title": "补贴规则 · 申报测算",
    "app-name": "就业扶贫补贴规则",
    "tab-claim": "申报测算",
    "tab-rules": "规则浏览",
    "tab-trace": "对照原文",
    "lang-switch": "English",
    "rule": "规则",
    "example": "示例申报",
    "example-none": "(选择示例)",
    "example-load": "载入示例",
    "examples-this-rule": "本规则的示例",
    "examples-other-rules": "其他规则的示例",
    "form-clear": "清空",
    "outcome": "结果",
    "amount": "金额",
    "explanation": "说明",
    "download": "下载",
    "download-claim-yaml": "申报 YAML",
    "download-claim-json": "申报 JSON",
    "download-decision-json": "结果 JSON",
    "download-decision-md": "结果 Markdown",
    "missing-title": "补充这些材料即可确定",
    "failing-title": "不符合条件的项目",
    "failed-conditions-title": "未满足的条件",
    "score": "得分",
    "score-value": "{score} / {max}(需要 {min} 分以上)",
    "designation": "认定",
    "classes-caption": "列入名单",
    "footer": "本页面不联网、不保存任何申报内容;测算结果仅供参考,以经办机构审核为准。",
    "outcome-eligible": "符合条件",
    "outcome-ineligible": "不符合条件",
    "outcome-undetermined": "无法确定(缺少材料)",
    "outcome-error": "申报有误",
    "no-amount": "无金额标准",
    "currency-CNY": "元",
    "status-working": "正在测算…",
    "status-done": "已按当前填写内容测算",
    "status-failed": "无法连接服务",
    "as-of": "评估日期",
    "as-of-help": "按此日期适用当时有效的规则和参数;不填则用今天。",
    "jurisdiction": "县区",
    "jurisdiction-help": "决定适用哪个县区的补贴标准(县区可在市级标准以上提高)。",
    "bool-unknown": "未填报",
    "bool-yes": "是",
    "bool-no": "否",
    "enum-unknown": "未填报",
    "add-row": "添加一条:{label}",
    "remove-row": "删除",
    "row-title": "第 {n} 条",
    "more-fields": "其他字段({n} 项,本规则不读取)",
    "error-at": "位置",
    "from": "起",
    "until": "止",
    "in-force": "施行",
    "in-force-from": "{from} 起",
    "in-force-range": "{from} 至 {until}",
    "source": "依据",
    "letter-quote": "原文",
    "no-quote": "(未引原文)",
    "quote-inherited": "(原文同规则依据,见上)",
    "conditions": "条件",
    "group-all": "以下全部满足",
    "group-any": "以下满足其一",
    "group-not": "以下不成立",
    "items": "逐项审核:{label}",
    "item-amount": "每项金额",
    "rule-amount": "金额",
    "criteria": "考核指标",
    "points": "分值",
    "veto": "一票否决",
    "classes": "分类",
    "notes": "备注",
    "interpretation": "解释说明",
    "parameters": "参数(按日期和县区)",
    "param-name": "参数",
    "param-city": "全市标准",
    "param-overrides": "县区标准",
    "param-floor": "下限(县区只可提高)",
    "no-parameters": "本规则不读取参数。",
    "date": "日期",
    "value": "取值",
    "county": "县区",
    "rule-kind-eligibility": "资格审核",
    "rule-kind-checklist": "考核清单",
    "rule-kind-classification": "分类",
    "trace-title": "原文逐句对照",
    "trace-summary": "共 {total} 句,规范性语句 {normative} 句,其中 {uncovered} 句尚无规则对应。",
    "trace-uncovered": "尚无规则对应的规范性语句",
    "trace-none-uncovered": "每一句规范性语句都有规则对应。",
    "trace-quotes-not-found": "规则引用了原文中找不到的句子",
    "trace-normative": "规范性",
    "trace-informative": "说明性",
    "trace-no-links": "尚无规则对应",
    "link-rule": "规则",
    "link-condition": "条件",
    "link-parameter": "参数",
    "loading": "正在载入…",
    "reason-sep": ":",
    "list-sep": ";",
    "load-failed": "无法载入:{detail}",
    "token-title": "此服务需要访问令牌",
    "token-help": "请输入管理员发给您的访问令牌。令牌只保存在本浏览器标签页中。",
    "token-label": "访问令牌",
    "token-submit": "确定",
    "token-refused": "令牌不正确,请重新输入。",
  },
  en: {
    "page-title": "Subsidy rules · try a claim",
    "app-name": "Employment poverty-alleviation subsidy rules",
    "tab-claim": "Try a claim",
    "tab-rules": "Rules",
    "tab-trace": "The letter",
    "lang-switch": "中文",
    "rule": "Rule",
    "example": "Example claim",
    "example-none": "(choose an example)",
    "example-load": "Load example",
    "examples-this-rule": "Examples for this rule",
    "examples-other-rules": "Examples for other rules",
    "form-clear": "Clear",
    "outcome": "Outcome",
    "amount": "Amount",
    "explanation": "Explanation",
    "download": "Download",
    "download-claim-yaml": "Claim YAML",
    "download-claim-json": "Claim JSON",
    "download-decision-json": "Decision JSON",
    "download-decision-md": "Decision Markdown",
    "missing-title": "Facts that would settle it",
    "failing-title": "Items that do not qualify",
    "failed-conditions-title": "Conditions not met",
    "score": "Score",
    "score-value": "{score} / {max} ({min} or more needed)",
    "designation": "Designated",
    "classes-caption": "Lists",
    "footer": "This page uses no internet and keeps no claim data; results are a guide, the case office's review decides.",
    "outcome-eligible": "Eligible",
    "outcome-ineligible": "Not eligible",
    "outcome-undetermined": "Undetermined (facts missing)",
    "outcome-error": "The claim has an error",
    "no-amount": "No amount standard",
    "currency-CNY": "yuan",
    "status-working": "Working…",
    "status-done": "Decided on what the form holds now",
    "status-failed": "Cannot reach the server",
    "as-of": "Date of assessment",
    "as-of-help": "Rules and parameters in force on this date apply; empty means today.",
    "jurisdiction": "County",
    "jurisdiction-help": "Decides whose rates apply (a county may set rates above the city's).",
    "bool-unknown": "not given",
    "bool-yes": "yes",
    "bool-no": "no",
    "enum-unknown": "not given",
    "add-row": "Add: {label}",
    "remove-row": "Remove",
    "row-title": "No. {n}",
    "more-fields": "Other fields ({n}, not read by this rule)",
    "error-at": "at",
    "from": "from",
    "until": "until",
    "in-force": "In force",
    "in-force-from": "from {from}",
    "in-force-range": "{from} to {until}",
    "source": "Source",
    "letter-quote": "The letter",
    "no-quote": "(no quote)",
    "quote-inherited": "(the rule's sentence above)",
    "conditions": "Conditions",
    "group-all": "All of these hold",
    "group-any": "At least one of these holds",
    "group-not": "This does not hold",
    "items": "Each item: {label}",
    "item-amount": "Amount per item",
    "rule-amount": "Amount",
    "criteria": "Criteria",
    "points": "Points",
    "veto": "veto",
    "classes": "Classes",
    "notes": "Notes",
    "interpretation": "Interpretation",
    "parameters": "Parameters (by date and county)",
    "param-name": "Parameter",
    "param-city": "City rate",
    "param-overrides": "County rates",
    "param-floor": "floor (counties may only raise it)",
    "no-parameters": "This rule reads no parameters.",
    "date": "Date",
    "value": "Value",
    "county": "County",
    "rule-kind-eligibility": "eligibility",
    "rule-kind-checklist": "checklist",
    "rule-kind-classification": "classification",
    "trace-title": "The letter, sentence by sentence",
    "trace-summary": "{total} sentences, {normative} normative; {uncovered} of them not covered by any rule.",
    "trace-uncovered": "Normative sentences no rule covers",
    "trace-none-uncovered": "Every normative sentence is covered by a rule.",
    "trace-quotes-not-found": "Quotes cited by rules that the letter does not contain",
    "trace-normative": "normative",
    "trace-informative": "informative",
    "trace-no-links": "not covered by any rule",
    "link-rule": "rule",
    "link-condition": "condition",
    "link-parameter": "parameter",
    "loading": "Loading…",
    "reason-sep": ": ",
    "list-sep": "; ",
    "load-failed": "Could not load: {detail}",
    "token-title": "This service needs an access token",
    "token-help": "Enter the access token your administrator gave you. It is kept in this browser tab only.",
    "token-label": "Access token",
    "token-submit": "OK",
    "token-refused": "That token was not accepted; please enter it again.",
  },
};

const MARKS = { eligible: "✓", ineligible: "✗", undetermined: "?" };
const DEBOUNCE_MS = 250;
const LANG_KEY = "subsidy-rules.lang";
const TOKEN_KEY = "subsidy-rules.token";

const state = {
  lang: "zh",
  rules: [],          // GET /rules
  facts: null,        // GET /facts: {entities: {...}}
  examples: [],       // GET /examples
  ruleId: null,
  details: new Map(), // rule id -> GET /rules/{id}
  claim: {},          // what the form holds, in claim shape (values as typed, not yet cleaned)
  decisionDoc: null,  // the last explain --format json document
  explainSeq: 0,
  timer: null,
  trace: null,
  traceLang: null,
  rulesSelected: null,
  token: "",          // bearer token, when the server requires one
};

// ------------------------------------------------------------------ words
function t(id, args) {
  const table = WORDS[state.lang] || WORDS.zh;
  let text = table[id] !== undefined ? table[id] : WORDS.zh[id] !== undefined ? WORDS.zh[id] : id;
  if (args) {
    for (const [key, value] of Object.entries(args)) text = text.split("{" + key + "}").join(String(value));
  }
  return text;
}

function L(label, fallback) {
  if (label === null || label === undefined) return fallback || "";
  if (typeof label === "string") return label;
  return label[state.lang] || label.zh || label.en || fallback || "";
}

function applyWords() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.title = t("page-title");
  const sw = document.querySelector("[data-testid=lang-switch]");
  sw.lang = state.lang === "zh" ? "en" : "zh-CN";
}

// ------------------------------------------------------------------ small DOM helper
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ------------------------------------------------------------------ the API
class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || "HTTP " + status);
    this.status = status;
    this.code = err.code || null;
    this.path = err.path || null;
    this.diagnostics = err.diagnostics || [];
  }
}

async function api(path, { method = "GET", body, params = {}, as = "json" } = {}) {
  const url = new URL("/api/v1/" + path, location.origin);
  url.searchParams.set("lang", state.lang);
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined) url.searchParams.set(key, value);
  const init = { method, headers: { Accept: as === "json" ? "application/json" : "text/plain, text/markdown" } };
  if (state.token) init.headers.Authorization = "Bearer " + state.token;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    throw new ApiError(response.status, data);
  }
  return as === "json" ? response.json() : response.text();
}

// ------------------------------------------------------------------ paths ("employer.hires[1].worker.age")
function pathString(parts) {
  let out = "";
  for (const part of parts) out += typeof part === "number" ? "[" + part + "]" : (out ? "." : "") + part;
  return out;
}

function getAt(obj, parts) {
  let cur = obj;
  for (const part of parts) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  return cur;
}

function setAt(obj, parts, value) {
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    if (cur[part] === null || cur[part] === undefined || typeof cur[part] !== "object") {
      cur[part] = typeof parts[i + 1] === "number" ? [] : {};
    }
    cur = cur[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

// ------------------------------------------------------------------ the claim the form holds
function entityOf(name) {
  return state.facts && state.facts.entities[name];
}

function currentRule() {
  return state.rules.find((r) => r.id === state.ruleId) || null;
}

// The claim as sent: empty inputs (unknown facts) left out, empty records dropped, list rows kept.
function cleanClaim() {
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
function namesRead(detail) {
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

// ------------------------------------------------------------------ the form
function fieldValue(field, input) {
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

function shownValue(field, value) {
  if (value === undefined || value === null) return "";
  if (field.type === "bool") return value === true ? "true" : value === false ? "false" : "";
  return String(value);
}

function inputFor(field, parts) {
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
    scheduleExplain();
  };
  input.addEventListener(input.tagName === "SELECT" ? "change" : "input", onEdit);
  if (input.tagName !== "SELECT") input.addEventListener("change", onEdit);
  return input;
}

// A choice's words: the schema's label; where it only repeats the value, the field's help text
// often spells it out ("取值:enterprise = 企业;farmer_cooperative = 农民专业合作社").
function enumLabel(field, choice) {
  const label = L(choice.label, choice.value);
  if (label !== choice.value) return label;
  const help = L(field.description);
  const m = new RegExp("(?:^|[:：;；,，]\\s*)" + choice.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\s*=\\s*([^;；]+)").exec(help);
  const words = m ? m[1].trim() : "";
  return words && words !== choice.value ? words + " (" + choice.value + ")" : label;
}

function scalarRow(field, parts) {
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

function hasValue(value) {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(hasValue);
  return true;
}

function recordFields(entityName, parts, read, depth) {
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

function fieldNode(field, parts, read, depth) {
  const path = pathString(parts);
  if (field.type === "record") {
    return h("fieldset", { class: "record", "data-path": path },
      h("legend", {}, L(field.label, field.name)),
      recordFields(field.of, parts, read, depth + 1));
  }
  if (field.type === "list") return listNode(field, parts, read, depth);
  return scalarRow(field, parts);
}

function rowName(row) {
  if (!row || typeof row !== "object") return "";
  if (typeof row.name === "string" && row.name) return row.name;
  for (const value of Object.values(row)) {
    if (value && typeof value === "object" && !Array.isArray(value) && typeof value.name === "string" && value.name) return value.name;
  }
  return "";
}

function listNode(field, parts, read, depth) {
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
      scheduleExplain();
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
          scheduleExplain();
        } }, t("remove-row")));
    return h("details", { class: "row", "data-path": rowPath, open: openRows }, summary,
      h("div", { class: "row-body" }, recordFields(field.of, rowParts, read, depth + 1)));
  });
  return h("fieldset", { class: "list", "data-path": path, "data-testid": "list-" + path },
    h("legend", {}, L(field.label, field.name), h("span", { class: "count" }, " (" + rows.length + ")")),
    children, add);
}

function rowTitle(i, row) {
  const name = rowName(row);
  return "[" + i + "] " + (name || t("row-title", { n: i + 1 }));
}

function refreshRowTitles() {
  for (const el of document.querySelectorAll("[data-row-title]")) {
    const parts = parsePath(el.dataset.rowTitle);
    el.textContent = rowTitle(parts[parts.length - 1], getAt(state.claim, parts));
  }
}

function parsePath(path) {
  const parts = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}

function renderForm(opts) {
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

function countiesOf(detail) {
  const names = new Set();
  for (const p of (detail && detail.parameters) || []) for (const c of Object.keys(p.overrides || {})) names.add(c);
  return [...names].sort();
}

// ------------------------------------------------------------------ the explanation follows the form
function scheduleExplain() {
  clearTimeout(state.timer);
  state.timer = setTimeout(explainNow, DEBOUNCE_MS);
  setStatus("status-working");
}

function setStatus(id) {
  const el = document.getElementById("explain-status");
  el.textContent = id ? t(id) : "";
  el.dataset.state = id || "";
}

async function explainNow() {
  clearTimeout(state.timer);
  const rule = currentRule();
  if (!rule) return;
  const seq = ++state.explainSeq;
  const claim = cleanClaim();
  const params = { rule: rule.id };
  setStatus("status-working");
  try {
    const [doc, text] = await Promise.all([
      api("explain", { method: "POST", body: claim, params: Object.assign({ format: "json" }, params) }),
      api("explain", { method: "POST", body: claim, params: Object.assign({ format: "text" }, params), as: "text" }),
    ]);
    if (seq !== state.explainSeq) return;
    state.decisionDoc = doc;
    showDecision(doc, text);
    setStatus("status-done");
  } catch (err) {
    if (seq !== state.explainSeq) return;
    state.decisionDoc = null;
    showError(err);
  }
}

function formatAmount(amount) {
  // amounts are exact decimal strings ("9000.00"); group the digits without going through floats
  const text = String(amount);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (m[3] || "");
}

function showDecision(doc, text) {
  document.getElementById("explain-error").hidden = true;
  const decision = (doc.decisions || [])[0] || null;
  const outcome = document.getElementById("outcome");
  const amount = document.getElementById("amount");
  const unit = document.getElementById("amount-unit");
  document.getElementById("explanation-text").textContent = text;
  if (!decision) {
    outcome.textContent = "—";
    outcome.dataset.outcome = "";
    amount.textContent = "—";
    unit.textContent = "";
    return;
  }
  outcome.dataset.outcome = decision.outcome;
  outcome.textContent = (MARKS[decision.outcome] || "") + " " + t("outcome-" + decision.outcome);
  if (decision.amount === null || decision.amount === undefined) {
    amount.textContent = "—";
    unit.textContent = decision.outcome === "eligible" ? t("no-amount") : "";
  } else {
    amount.textContent = formatAmount(decision.amount);
    unit.textContent = t("currency-" + (decision.currency || "CNY"));
  }
  showExtra(decision);
  showMissing(decision.missing || []);
  showFailedConditions(decision, text);
  showFailing(decision, text);
  paintRowMarks();
}

// What a checklist scored, what a rule designates, which lists a classification puts the claim on.
function showExtra(decision) {
  const box = document.getElementById("verdict-extra");
  const caption = document.getElementById("verdict-extra-caption");
  const value = document.getElementById("verdict-extra-value");
  box.hidden = true;
  const score = decision.score;
  if (score) {
    caption.textContent = t("score");
    value.textContent = score.min_score !== null && score.min_score !== undefined
      ? t("score-value", { score: score.score, max: score.max_score, min: score.min_score })
      : score.score + " / " + score.max_score;
    box.hidden = false;
  } else if (decision.classes && decision.classes.length) {
    const detail = state.details.get(decision.rule);
    const labels = new Map(((detail && detail.classes) || []).map((c) => [c.id, L(c.label, c.id)]));
    caption.textContent = t("classes-caption");
    value.textContent = decision.classes.map((id) => labels.get(id) || id).join(t("list-sep"));
    box.hidden = false;
  } else if (decision.designation && decision.outcome === "eligible") {
    caption.textContent = t("designation");
    value.textContent = L(decision.designation.label, decision.designation.id);
    box.hidden = false;
  }
}

function showFailedConditions(decision, text) {
  const box = document.getElementById("failed-conditions");
  const list = document.getElementById("failed-conditions-list");
  const failed = decision.outcome === "ineligible" ? failedLeaves(decision.reasons || []) : [];
  list.replaceChildren(...failed.map((r) => h("li", { "data-testid": "failed-condition", "data-reason": r.id }, failedText(r, null, null, text))));
  box.hidden = failed.length === 0;
}

function showFailing(decision, text) {
  const box = document.getElementById("failing");
  const list = document.getElementById("failing-list");
  list.replaceChildren();
  const failing = (decision.items || []).filter((item) => item.considered !== false && item.outcome === "ineligible");
  for (const item of failing) {
    const reasons = failedLeaves(item.reasons || []);
    list.append(h("li", { "data-testid": "failing-item", "data-path": item.path },
      h("a", { href: "#claim", class: "item-link", onclick: (ev) => { ev.preventDefault(); focusField(item.path); } },
        "[" + item.index + "] " + (item.name || item.path)),
      h("ul", {}, reasons.map((r) => h("li", { "data-testid": "failing-reason", "data-reason": r.id }, failedText(r, item.path, item.index, text))))));
  }
  box.hidden = failing.length === 0;
}

function failedLeaves(reasons) {
  const out = [];
  const walk = (r) => {
    if (r.result !== false) return;
    const kids = (r.children || []).filter((c) => c.result === false);
    if (r.kind === "condition" || !kids.length) out.push(r);
    else kids.forEach(walk);
  };
  reasons.forEach(walk);
  return out;
}

// A failed condition in the CLI's own sentence ("劳动合同期限 11个月,需要 12个月以上(含)(差1)"),
// taken from the text explanation (under the item's line for an item); else built from its facts.
function failedText(reason, itemPath, itemIndex, text) {
  const sentence = cliSentence(text || "", reason.label, itemIndex);
  if (sentence === null) return reasonText(reason, itemPath);
  if (sentence.startsWith(reason.label + " = ")) return sentence;
  return reason.label + t("reason-sep") + sentence;
}

function cliSentence(text, label, itemIndex) {
  const lines = text.split("\n");
  let from = 0;
  let to = lines.length;
  if (itemIndex !== null && itemIndex !== undefined) {
    const head = lines.findIndex((line) => /^\s*[✓✗?] \[(\d+)\] /.exec(line) && /^\s*[✓✗?] \[(\d+)\] /.exec(line)[1] === String(itemIndex));
    if (head < 0) return null;
    const indent = lines[head].search(/\S/);
    from = head + 1;
    to = from;
    while (to < lines.length && lines[to].search(/\S/) > indent) to++;
  }
  for (let i = from; i < to; i++) {
    const line = lines[i].trim();
    if (line.startsWith("✗ " + label)) {
      const rest = line.slice(2 + label.length).replace(/^[:：]\s*/, "").trim();
      return rest || null;
    }
  }
  return null;
}

// "签订1年以上(含1年)劳动合同:劳动合同期限 = 11" — the condition and the facts it read, in words.
function reasonText(reason, itemPath) {
  const values = Object.entries(reason.values || {}).filter(([key]) => !key.startsWith("$") && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key));
  const shown = values.map(([key, value]) => {
    const full = itemPath && !key.includes(".") || (itemPath && !entityOf(key.split(".")[0])) ? itemPath + "." + key : key;
    const words = fieldLabelOf(full).split(" · ").pop();
    const text = value === null ? t("bool-unknown") : typeof value === "boolean" ? t(value ? "bool-yes" : "bool-no") : String(value);
    return [words, words + " = " + text];
  });
  if (shown.length === 1 && shown[0][0] === reason.label) return shown[0][1]; // "已参加社会保险 = 否"
  return reason.label + (shown.length ? t("reason-sep") + shown.map((pair) => pair[1]).join(t("list-sep")) : "");
}

function fieldLabelOf(path) {
  // "employer.hires[1].social_insurance" -> "吸纳的劳动者 [1] · 已参加社会保险"
  const parts = parsePath(path);
  const words = [];
  let entity = entityOf(parts[0]);
  for (let i = 1; i < parts.length && entity; i++) {
    const part = parts[i];
    if (typeof part === "number") { words[words.length - 1] += " [" + part + "]"; continue; }
    const field = entity.fields.find((f) => f.name === part);
    if (!field) { words.push(String(part)); entity = null; break; }
    words.push(L(field.label, field.name));
    entity = field.of ? entityOf(field.of) : null;
  }
  return words.join(" · ") || path;
}

function showMissing(paths) {
  const box = document.getElementById("missing");
  const list = document.getElementById("missing-list");
  list.replaceChildren();
  for (const path of paths) {
    list.append(h("li", {}, h("a", { href: "#claim", "data-testid": "missing-link", "data-path": path,
      onclick: (ev) => { ev.preventDefault(); focusField(path); } }, fieldLabelOf(path)),
      h("code", {}, path)));
  }
  box.hidden = paths.length === 0;
}

function showError(err) {
  const box = document.getElementById("explain-error");
  const outcome = document.getElementById("outcome");
  document.getElementById("amount").textContent = "—";
  document.getElementById("amount-unit").textContent = "";
  document.getElementById("explanation-text").textContent = "";
  document.getElementById("missing").hidden = true;
  document.getElementById("failing").hidden = true;
  document.getElementById("failed-conditions").hidden = true;
  document.getElementById("verdict-extra").hidden = true;
  if (!(err instanceof ApiError)) {
    outcome.textContent = "—";
    outcome.dataset.outcome = "";
    setStatus("status-failed");
    box.replaceChildren(String(err.message || err));
    box.hidden = false;
    return;
  }
  setStatus("");
  outcome.dataset.outcome = "error";
  outcome.textContent = "⚠ " + t("outcome-error");
  const lines = [h("p", {}, (err.code ? err.code + " " : "") + err.message)];
  if (err.path) {
    lines.push(h("p", {}, t("error-at") + " ", h("a", { href: "#claim", "data-testid": "error-link", "data-path": err.path,
      onclick: (ev) => { ev.preventDefault(); focusField(err.path); } }, err.path)));
  }
  for (const d of err.diagnostics || []) {
    if (d.message && d.message !== err.message) lines.push(h("p", { class: "diag" }, (d.code || "") + " " + d.message));
  }
  box.replaceChildren(...lines);
  box.hidden = false;
}

function paintRowMarks() {
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
function openTo(path) {
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

function focusField(path) {
  if (location.hash !== "#claim") showView("claim");
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

// ------------------------------------------------------------------ downloads (made in the page, nothing sent anywhere)
function yamlScalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text; // a date
  const plain = /^[^\s\-?:,[\]{}#&*!|>'"%@`0-9.+][^#]*$/.test(text) && !/[:]\s|\s$|:$/.test(text)
    && !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(text);
  return plain ? text : JSON.stringify(text);
}

function toYaml(value, indent) {
  indent = indent || "";
  const lines = [];
  if (Array.isArray(value)) {
    if (!value.length) return indent + "[]";
    for (const row of value) {
      if (row && typeof row === "object" && !Array.isArray(row) && Object.keys(row).length) {
        const inner = toYaml(row, indent + "  ").split("\n");
        lines.push(indent + "- " + inner[0].slice(indent.length + 2), ...inner.slice(1));
      } else if (row && typeof row === "object") {
        lines.push(indent + "- " + (Array.isArray(row) ? "[]" : "{}"));
      } else {
        lines.push(indent + "- " + yamlScalar(row));
      }
    }
    return lines.join("\n");
  }
  for (const [key, item] of Object.entries(value)) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
    if (item && typeof item === "object" && (Array.isArray(item) ? item.length : Object.keys(item).length)) {
      lines.push(indent + name + ":", toYaml(item, indent + "  "));
    } else if (item && typeof item === "object") {
      lines.push(indent + name + ": " + (Array.isArray(item) ? "[]" : "{}"));
    } else {
      lines.push(indent + name + ": " + yamlScalar(item));
    }
  }
  return lines.join("\n");
}

function saveBlob(text, type, filename) {
  const blob = new Blob([text], { type: type + ";charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(kind) {
  const rule = currentRule();
  const stem = rule ? rule.id : "claim";
  const claim = cleanClaim();
  if (kind === "claim-json") saveBlob(JSON.stringify(claim, null, 2) + "\n", "application/json", stem + "-claim.json");
  else if (kind === "claim-yaml") saveBlob(toYaml(claim) + "\n", "application/yaml", stem + "-claim.yaml");
  else if (kind === "decision-json") {
    const doc = await api("explain", { method: "POST", body: claim, params: { rule: stem, format: "json" } });
    saveBlob(JSON.stringify(doc, null, 2) + "\n", "application/json", stem + "-decision.json");
  } else if (kind === "decision-md") {
    const md = await api("explain", { method: "POST", body: claim, params: { rule: stem, format: "markdown" }, as: "text" });
    saveBlob(md, "text/markdown", stem + "-decision.md");
  }
}

// ------------------------------------------------------------------ rule picker and examples
function renderRulePicker() {
  const select = document.getElementById("rule-select");
  select.replaceChildren(...state.rules.map((r) => h("option", { value: r.id }, L(r.title, r.id) + " (" + r.id + ")")));
  if (state.ruleId) select.value = state.ruleId;
  const rule = currentRule();
  const src = document.getElementById("rule-source");
  src.textContent = rule ? t("source") + ": " + [rule.source && rule.source.document, rule.source && rule.source.clause].filter(Boolean).join(" ") : "";
  renderExamplePicker();
}

function renderExamplePicker() {
  const select = document.getElementById("example-select");
  const keep = select.value;
  // this rule's examples first; any other example may be loaded too (it picks its own rule)
  const mine = state.examples.filter((e) => (e.rules || []).includes(state.ruleId));
  const others = state.examples.filter((e) => !(e.rules || []).includes(state.ruleId));
  const option = (e) => h("option", { value: e.name, title: e.comment || "" }, e.name);
  select.replaceChildren(...[h("option", { value: "" }, t("example-none")),
    mine.length ? h("optgroup", { label: t("examples-this-rule") }, mine.map(option)) : null,
    others.length ? h("optgroup", { label: t("examples-other-rules") }, others.map(option)) : null].filter(Boolean));
  if (state.examples.some((e) => e.name === keep)) select.value = keep;
}

async function chooseRule(id) {
  state.ruleId = id;
  renderRulePicker();
  await ensureDetail(id);
  renderForm();
  scheduleExplain();
}

async function ensureDetail(id) {
  if (state.details.has(id)) return state.details.get(id);
  try {
    const detail = await api("rules/" + encodeURIComponent(id));
    state.details.set(id, detail);
    return detail;
  } catch (err) {
    return null; // the form then shows every field
  }
}

async function loadExample(name) {
  if (!name) return;
  const claim = await api("examples/" + encodeURIComponent(name));
  const example = state.examples.find((e) => e.name === name);
  state.claim = claim;
  const comment = document.getElementById("example-comment");
  comment.textContent = example && example.comment ? example.comment : "";
  comment.hidden = !comment.textContent;
  if (example && example.rules && example.rules.length && !example.rules.includes(state.ruleId)) {
    state.ruleId = example.rules[0];
    renderRulePicker();
    await ensureDetail(state.ruleId);
  }
  renderForm();
  await explainNow();
  document.getElementById("claim-form").dataset.example = name; // the example the form started from
}

// ------------------------------------------------------------------ the rule browser
function renderRuleList() {
  const list = document.getElementById("rule-list");
  list.replaceChildren(...state.rules.map((r) => h("li", {},
    h("a", { href: "#rules/" + r.id, "data-testid": "rules-item", "data-rule": r.id,
      class: r.id === state.rulesSelected ? "current" : null }, L(r.title, r.id), h("small", {}, r.id)))));
}

function quoteBox(source, inherited) {
  if (!source || !source.quote) return h("div", { class: "quote none" }, t(inherited ? "quote-inherited" : "no-quote"));
  return h("blockquote", { class: "quote", "data-testid": "condition-quote" },
    h("p", {}, source.quote),
    h("cite", {}, [source.document, source.clause].filter(Boolean).join(" ")));
}

function conditionNode(node, focusId) {
  if (!node) return null;
  if (Array.isArray(node)) return h("div", { class: "group-body" }, node.map((c) => conditionNode(c, focusId)));
  if (node.kind === "condition") {
    return h("div", { class: "cond" + (node.id === focusId ? " highlight" : ""), "data-testid": "condition", "data-condition": node.id, id: "cond-" + node.id },
      h("div", { class: "words" },
        h("strong", {}, L(node.words, L(node.label, node.id))),
        L(node.words) && L(node.label) !== L(node.words) ? h("div", { class: "sub" }, L(node.label)) : null,
        node.expr ? h("code", {}, node.expr) : null),
      quoteBox(node.source, true));
  }
  const head = L(node.label) || t("group-" + node.kind);
  return h("div", { class: "group", "data-condition": node.id || null },
    h("div", { class: "group-head" }, head, node.label ? h("small", {}, " · " + t("group-" + node.kind)) : null),
    h("div", { class: "group-body" }, (node.children || []).map((c) => conditionNode(c, focusId))));
}

function valueText(value, unit) {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "object" ? JSON.stringify(value) : /^-?\d+(\.\d+)?$/.test(String(value)) ? formatAmount(value) : String(value);
  return text + (unit ? " " + L(unit) : "");
}

function parameterTable(p) {
  const rows = (p.values || []).map((v) => h("tr", {}, h("td", {}, t("param-city")), h("td", {}, v.from), h("td", {}, valueText(v.value, p.unit))));
  for (const [county, values] of Object.entries(p.overrides || {})) {
    for (const v of values) rows.push(h("tr", { class: "override", "data-county": county }, h("td", {}, county), h("td", {}, v.from), h("td", {}, valueText(v.value, p.unit))));
  }
  return h("section", { class: "param", "data-testid": "parameter", "data-parameter": p.name, id: "param-" + p.name },
    h("h4", {}, L(p.label, p.name), " ", h("code", {}, "$" + p.name), p.floor ? h("span", { class: "tag" }, t("param-floor")) : null),
    p.source && p.source.quote ? quoteBox(p.source) : null,
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, t("county")), h("th", {}, t("from")), h("th", {}, t("value")))), h("tbody", {}, rows)));
}

async function renderRuleDetail(id, focusId) {
  const box = document.getElementById("rule-detail");
  state.rulesSelected = id;
  renderRuleList();
  if (!id) { box.replaceChildren(); return; }
  box.replaceChildren(h("p", {}, t("loading")));
  const detail = await ensureDetail(id);
  if (!detail) { box.replaceChildren(h("p", { class: "explain-error" }, t("load-failed", { detail: id }))); return; }
  const src = detail.source || {};
  const parts = [
    h("h2", { "data-testid": "rule-title" }, L(detail.title, id), " ", h("small", {}, id + " · v" + detail.version + " · " + t("rule-kind-" + detail.kind))),
    h("p", { class: "meta" }, t("source") + ": " + [src.document, src.clause].filter(Boolean).join(" "),
      detail.in_force ? " · " + t("in-force") + ": " + t(detail.in_force.until ? "in-force-range" : "in-force-from", { from: detail.in_force.from, until: detail.in_force.until }) : ""),
    src.quote ? quoteBox(src) : null,
  ];
  const conditions = detail.conditions;
  if (conditions && (!Array.isArray(conditions) || conditions.length)) parts.push(h("h3", {}, t("conditions")), conditionNode(conditions, focusId));
  if (detail.items) {
    parts.push(h("h3", {}, t("items", { label: L(detail.items.label) })), h("p", {}, h("code", {}, detail.items.over)),
      h("div", { class: "group-body" }, (detail.items.conditions || []).map((c) => conditionNode(c, focusId))));
    if (detail.items.amount) parts.push(h("p", {}, t("item-amount") + ": ", h("code", {}, detail.items.amount)));
  }
  if ((detail.criteria || []).length) {
    parts.push(h("h3", {}, t("criteria")), h("div", {}, detail.criteria.map((c) =>
      h("div", { class: "cond" + (c.id === focusId ? " highlight" : ""), "data-testid": "criterion", "data-condition": c.id, id: "cond-" + c.id },
        h("div", { class: "words" }, h("strong", {}, L(c.label, c.id)),
          h("div", { class: "sub" }, t("points") + ": " + c.points + (c.veto ? " · " + t("veto") : "")),
          c.expr ? h("code", {}, c.expr) : null),
        quoteBox(c.source)))));
  }
  if ((detail.classes || []).length) {
    parts.push(h("h3", {}, t("classes")), h("ul", {}, detail.classes.map((c) => h("li", { id: "cond-" + c.id }, L(c.label, c.id), " ", h("code", {}, c.expr || "")))));
  }
  if (detail.amount) parts.push(h("h3", {}, t("rule-amount")), h("p", {}, h("code", {}, detail.amount)));
  const notes = (detail.notes || []).map((n) => L(n && n.label ? n.label : n)).filter(Boolean);
  if (notes.length) parts.push(h("h3", {}, t("notes")), h("ul", {}, notes.map((n) => h("li", {}, n))));
  if (detail.interpretation) parts.push(h("h3", {}, t("interpretation")), h("p", { class: "interp" }, L(detail.interpretation)));
  parts.push(h("h3", {}, t("parameters")));
  parts.push((detail.parameters || []).length ? h("div", { "data-testid": "parameters" }, detail.parameters.map(parameterTable)) : h("p", {}, t("no-parameters")));
  box.replaceChildren(...parts.filter(Boolean));
  if (focusId) {
    const el = document.getElementById("cond-" + focusId) || document.getElementById("param-" + focusId);
    if (el) { el.classList.add("highlight"); el.scrollIntoView({ block: "center" }); }
  }
}

// ------------------------------------------------------------------ the letter, sentence by sentence
async function renderTrace() {
  const box = document.getElementById("trace");
  if (!state.trace || state.traceLang !== state.lang) {
    box.replaceChildren(h("p", {}, t("loading")));
    try {
      state.trace = await api("trace");
      state.traceLang = state.lang;
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
        onclick: (ev) => { ev.preventDefault(); const el = document.getElementById("s-" + i); if (el) { el.scrollIntoView({ block: "center" }); el.classList.add("highlight"); } } },
        "#" + i + " " + ((byIndex.get(i) || {}).text || ""))))) : h("p", {}, t("trace-none-uncovered"))),
  ];
  if ((report.quotes_not_found || []).length) {
    parts.push(h("section", { class: "explain-error", "data-testid": "trace-quotes-not-found" }, h("h3", {}, t("trace-quotes-not-found")),
      h("ul", {}, report.quotes_not_found.map((q) => h("li", {}, typeof q === "string" ? q : [q.rule, q.id, q.quote].filter(Boolean).join(" · "))))));
  }
  parts.push(h("ol", { class: "sentences" }, items));
  box.replaceChildren(...parts);
}

// ------------------------------------------------------------------ views
function showView(name, rest) {
  const before = document.querySelector(".view:not([hidden])");
  if (before && before.id !== "view-" + name) window.scrollTo(0, 0);
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== "view-" + name;
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("current", tab.dataset.view === name);
  if (name === "rules") renderRuleDetail(rest[0] || state.rulesSelected || state.ruleId || (state.rules[0] && state.rules[0].id), rest[1]);
  if (name === "trace") renderTrace();
}

function route() {
  const [name, ...rest] = (location.hash.replace(/^#/, "") || "claim").split("/").map(decodeURIComponent);
  showView(["claim", "rules", "trace"].includes(name) ? name : "claim", rest);
}

async function switchLanguage() {
  state.lang = state.lang === "zh" ? "en" : "zh";
  try { localStorage.setItem(LANG_KEY, state.lang); } catch (e) { /* private mode */ }
  applyWords();
  renderRulePicker();
  renderForm();
  route();
  await explainNow();
}

function showLoadError(err) {
  const box = document.querySelector("[data-testid=load-error]");
  box.textContent = t("load-failed", { detail: err.message || err });
  box.hidden = false;
}

async function start() {
  const asked = new URLSearchParams(location.search).get("lang");
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
  state.lang = asked === "en" || asked === "zh" ? asked : saved === "en" ? "en" : "zh";
  applyWords();
  document.querySelector("[data-testid=lang-switch]").addEventListener("click", switchLanguage);
  document.getElementById("rule-select").addEventListener("change", (ev) => chooseRule(ev.target.value));
  document.getElementById("example-load").addEventListener("click", () => loadExample(document.getElementById("example-select").value).catch(showError));
  document.getElementById("form-clear").addEventListener("click", () => {
    state.claim = {};
    document.getElementById("example-comment").hidden = true;
    delete document.getElementById("claim-form").dataset.example;
    renderForm();
    scheduleExplain();
  });
  document.getElementById("claim-form").addEventListener("submit", (ev) => ev.preventDefault());
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download).catch(showError));
  }
  window.addEventListener("hashchange", route);
  document.getElementById("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.token = document.getElementById("token-input").value.trim();
    try { sessionStorage.setItem(TOKEN_KEY, state.token); } catch (e) { /* private mode */ }
    loadAll();
  });
  try { state.token = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { state.token = ""; }
  await loadAll();
}

// A server that requires tokens asks for one; it is kept for this browser tab only.
function askForToken(refused) {
  const box = document.getElementById("token-form");
  box.hidden = false;
  document.querySelector("main").hidden = true;
  document.getElementById("token-refused").hidden = !refused;
  document.getElementById("token-input").focus();
}

async function loadAll() {
  document.querySelector("[data-testid=load-error]").hidden = true;
  try {
    const [rules, facts, examples] = await Promise.all([api("rules"), api("facts"), api("examples").catch((err) => {
      if (err instanceof ApiError && err.status === 401) throw err;
      return { examples: [] };
    })]);
    state.rules = rules.rules || [];
    state.facts = facts;
    state.examples = examples.examples || [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      askForToken(Boolean(state.token));
      return;
    }
    showLoadError(err);
    return;
  }
  document.getElementById("token-form").hidden = true;
  document.querySelector("main").hidden = false;
  api("health").then((health) => {
    const p = health.policy || {};
    document.querySelector("[data-testid=policy-name]").textContent = [p.name, p.version].filter(Boolean).join(" ");
  }).catch(() => {});
  state.ruleId = state.rules.length ? state.rules[0].id : null;
  renderRulePicker();
  if (state.ruleId) await ensureDetail(state.ruleId);
  renderForm();
  route();
  document.body.dataset.ready = "true";
  if (state.ruleId) scheduleExplain();
}

document.addEventListener("DOMContentLoaded", start);
