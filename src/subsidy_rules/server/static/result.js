// The result panel: the explanation follows the form, and the downloads.
import { ApiError, api } from "./api.js";
import { formatAmount, h } from "./dom.js";
import { cleanClaim, fieldLabelOf, focusField, paintRowMarks } from "./form.js";
import { DEBOUNCE_MS, MARKS, currentRule, entityOf, state } from "./state.js";
import { L, t } from "./words.js";
import { toYaml } from "./yaml.js";

export function scheduleExplain() {
  clearTimeout(state.timer);
  state.timer = setTimeout(explainNow, DEBOUNCE_MS);
  setStatus("status-working");
}

export function setStatus(id) {
  const el = document.getElementById("explain-status");
  el.textContent = id ? t(id) : "";
  el.dataset.state = id || "";
}

export async function explainNow() {
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

export function showDecision(doc, text) {
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
    document.getElementById("amount-box").dataset.amountStatus = "";
    showMissing([]);
    showMissing([], "amount-missing");
    return;
  }
  outcome.dataset.outcome = decision.outcome;
  outcome.textContent = (MARKS[decision.outcome] || "") + " " + t("outcome-" + decision.outcome);
  const status = decision.amount_status || "";
  document.getElementById("amount-box").dataset.amountStatus = status;
  if (decision.amount === null || decision.amount === undefined) {
    amount.textContent = "—";
    // 待定 (facts needed for the amount only) / 来函未规定标准 (the source sets none, never 0)
    unit.textContent = status === "pending" || status === "no_standard" ? t("amount-" + status)
      : decision.outcome === "eligible" ? t("no-amount") : "";
  } else {
    amount.textContent = formatAmount(decision.amount);
    unit.textContent = t("currency-" + (decision.currency || "CNY"));
  }
  showExtra(decision);
  showMissing(decision.missing || []);
  showMissing(decision.amount_missing || [], "amount-missing");
  showFailedConditions(decision, text);
  showFailing(decision, text);
  paintRowMarks();
}

// What a checklist scored, what a rule designates, which lists a classification puts the claim on.
export function showExtra(decision) {
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

export function showFailedConditions(decision, text) {
  const box = document.getElementById("failed-conditions");
  const list = document.getElementById("failed-conditions-list");
  const failed = decision.outcome === "ineligible" ? failedLeaves(decision.reasons || []) : [];
  list.replaceChildren(...failed.map((r) => h("li", { "data-testid": "failed-condition", "data-reason": r.id }, failedText(r, null, null, text))));
  box.hidden = failed.length === 0;
}

export function showFailing(decision, text) {
  const box = document.getElementById("failing");
  const list = document.getElementById("failing-list");
  list.replaceChildren();
  const failing = (decision.items || []).filter((item) => item.considered !== false && item.outcome === "ineligible");
  for (const item of failing) {
    const reasons = failedLeaves(item.reasons || []);
    list.append(h("li", { "data-testid": "failing-item", "data-path": item.path },
      h("a", { href: "#claim", class: "item-link", onclick: (ev) => { ev.preventDefault(); focusField(item.path); } },
        t("ordinal", { n: item.index + 1 }) + " " + (item.name || item.path)),
      h("ul", {}, reasons.map((r) => h("li", { "data-testid": "failing-reason", "data-reason": r.id }, failedText(r, item.path, item.index, text))))));
  }
  box.hidden = failing.length === 0;
}

export function failedLeaves(reasons) {
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

// A failed condition in the CLI's own sentence ("劳动合同期限 11个月,需要 12个月 以上(含),差 1个月"),
// taken from the text explanation (under the item's line for an item); else built from its facts.
export function failedText(reason, itemPath, itemIndex, text) {
  const sentence = cliSentence(text || "", reason.label, itemIndex);
  if (sentence === null) return reasonText(reason, itemPath);
  if (sentence.startsWith(reason.label + " = ")) return sentence;
  return reason.label + t("reason-sep") + sentence;
}

export function cliSentence(text, label, itemIndex) {
  const lines = text.split("\n");
  let from = 0;
  let to = lines.length;
  if (itemIndex !== null && itemIndex !== undefined) {
    // item heads count from 1 for people: "✗ 第11名 徐长林" (zh), "✗ #11 徐长林" (en); "–" marks an unpaid item
    const itemHead = /^\s*[✓✗?–] (?:第(\d+)[名个]|#(\d+)) /;
    const head = lines.findIndex((line) => {
      const found = itemHead.exec(line);
      return found !== null && (found[1] || found[2]) === String(itemIndex + 1);
    });
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
export function reasonText(reason, itemPath) {
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

// Facts to supply, each a link to its field: those that would settle the decision ("missing"),
// or those that would fix an eligible decision's pending amount ("amount-missing").
export function showMissing(paths, id = "missing") {
  const box = document.getElementById(id);
  const list = document.getElementById(id + "-list");
  list.replaceChildren();
  for (const path of paths) {
    list.append(h("li", {}, h("a", { href: "#claim", "data-testid": id + "-link", "data-path": path,
      onclick: (ev) => { ev.preventDefault(); focusField(path); } }, fieldLabelOf(path)),
      h("code", {}, path)));
  }
  box.hidden = paths.length === 0;
}

export function showError(err) {
  const box = document.getElementById("explain-error");
  const outcome = document.getElementById("outcome");
  document.getElementById("amount").textContent = "—";
  document.getElementById("amount-unit").textContent = "";
  document.getElementById("explanation-text").textContent = "";
  document.getElementById("missing").hidden = true;
  document.getElementById("amount-missing").hidden = true;
  document.getElementById("amount-box").dataset.amountStatus = "";
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

export function saveBlob(text, type, filename) {
  const blob = new Blob([text], { type: type + ";charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function download(kind) {
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
