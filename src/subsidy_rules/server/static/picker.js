// Choosing a rule and loading an example claim into the form.
import { api, ensureDetail } from "./api.js";
import { h } from "./dom.js";
import { renderForm } from "./form.js";
import { explainNow, scheduleExplain } from "./result.js";
import { currentRule, state } from "./state.js";
import { L, t } from "./words.js";

export function renderRulePicker() {
  const select = document.getElementById("rule-select");
  select.replaceChildren(...state.rules.map((r) => h("option", { value: r.id }, L(r.title, r.id) + " (" + r.id + ")")));
  if (state.ruleId) select.value = state.ruleId;
  const rule = currentRule();
  const src = document.getElementById("rule-source");
  src.textContent = rule ? t("source") + ": " + [rule.source && rule.source.document, rule.source && rule.source.clause].filter(Boolean).join(" ") : "";
  renderExamplePicker();
}

export function renderExamplePicker() {
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

export async function chooseRule(id) {
  state.ruleId = id;
  renderRulePicker();
  await ensureDetail(id);
  renderForm();
  scheduleExplain();
}

export async function loadExample(name) {
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
