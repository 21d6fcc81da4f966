// The page's entry: views by URL fragment, the language switch, the token prompt, loading the policy.
import { ApiError, api, ensureDetail } from "./api.js";
import { cleanClaim, hooks, renderForm } from "./form.js";
import { chooseRule, loadExample, renderRulePicker } from "./picker.js";
import { download, explainNow, scheduleExplain, showError } from "./result.js";
import { renderRuleDetail } from "./rules.js";
import { LANG_KEY, TOKEN_KEY, state } from "./state.js";
import { renderTrace } from "./trace.js";
import { WORDS, applyWords, t } from "./words.js";
import { toYaml } from "./yaml.js";

export function showView(name, rest) {
  const before = document.querySelector(".view:not([hidden])");
  if (before && before.id !== "view-" + name) window.scrollTo(0, 0);
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== "view-" + name;
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("current", tab.dataset.view === name);
  if (name === "rules") renderRuleDetail(rest[0] || state.rulesSelected || state.ruleId || (state.rules[0] && state.rules[0].id), rest[1]);
  if (name === "trace") renderTrace(rest[0] !== undefined && rest[0] !== "" ? Number(rest[0]) : null);
}

export function route() {
  const [name, ...rest] = (location.hash.replace(/^#/, "") || "claim").split("/").map(decodeURIComponent);
  showView(["claim", "rules", "trace"].includes(name) ? name : "claim", rest);
}

export async function switchLanguage() {
  state.lang = state.lang === "zh" ? "en" : "zh";
  try { localStorage.setItem(LANG_KEY, state.lang); } catch (e) { /* private mode */ }
  applyWords();
  renderRulePicker();
  renderForm();
  route();
  await explainNow();
}

export function showLoadError(err) {
  const box = document.querySelector("[data-testid=load-error]");
  box.textContent = t("load-failed", { detail: err.message || err });
  box.hidden = false;
}

export async function start() {
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
export function askForToken(refused) {
  const box = document.getElementById("token-form");
  box.hidden = false;
  document.querySelector("main").hidden = true;
  document.getElementById("token-refused").hidden = !refused;
  document.getElementById("token-input").focus();
}

export async function loadAll() {
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

// main.js only: the form reports its changes to the result panel
hooks.changed = scheduleExplain;

// a handle for checking the page from outside (the browser tests); the page itself never reads it
window.subsidyPage = Object.freeze({ WORDS, state, cleanClaim, toYaml, loadExample });

document.addEventListener("DOMContentLoaded", start);
