// What the page knows: the policy's rules, facts and examples as served, the form's claim, the last decision.

export const MARKS = { eligible: "✓", ineligible: "✗", undetermined: "?" };

export const DEBOUNCE_MS = 250;

export const LANG_KEY = "subsidy-rules.lang";

export const TOKEN_KEY = "subsidy-rules.token";

export const state = {
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

export function entityOf(name) {
  return state.facts && state.facts.entities[name];
}

export function currentRule() {
  return state.rules.find((r) => r.id === state.ruleId) || null;
}
