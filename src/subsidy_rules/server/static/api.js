// This server's /api/v1, and nothing else: every request names the language and, when needed, the token.
import { state } from "./state.js";

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || "HTTP " + status);
    this.status = status;
    this.code = err.code || null;
    this.path = err.path || null;
    this.diagnostics = err.diagnostics || [];
  }
}

export async function api(path, { method = "GET", body, params = {}, as = "json" } = {}) {
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

export async function ensureDetail(id) {
  if (state.details.has(id)) return state.details.get(id);
  try {
    const detail = await api("rules/" + encodeURIComponent(id));
    state.details.set(id, detail);
    return detail;
  } catch (err) {
    return null; // the form then shows every field
  }
}
