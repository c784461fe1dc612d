// The server's read API (Marquez's paths and shapes) and the token the page reads it with.
//
// A page opened as /lineage?token=... keeps the token in this tab's sessionStorage, takes it out
// of the address bar (so it is neither bookmarked nor shared in a copied link) and sends it as
// `Authorization: Bearer <token>` on every read.

const TOKEN_KEY = "lineage-integrator.token";
const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  get unauthorized() {
    return this.status === 401;
  }
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage refused (private mode): the token cannot be kept, reads go without it
  }
}

// Moves ?token=... from the address bar into sessionStorage.
export function adoptTokenFromAddress() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("token")) return;
  setToken(url.searchParams.get("token"));
  url.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}

function messageOf(status, body, fallback) {
  if (body && Array.isArray(body.errors) && body.errors.length) {
    return body.errors.map((e) => (e.path && e.path !== "$" ? `${e.path}: ${e.message}` : e.message)).join("; ");
  }
  if (body && typeof body.message === "string") return body.message;
  return `${status} ${fallback}`.trim();
}

async function get(path, params) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, String(value));
  }
  const headers = { Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(url, { headers, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, `the server did not answer (${err.message})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(response.status, body, response.statusText));
  return body;
}

const seg = encodeURIComponent;

export const api = {
  namespaces: () => get("/namespaces", { limit: 500 }),
  jobs: (ns, limit, offset) => get(`/namespaces/${seg(ns)}/jobs`, { limit, offset }),
  job: (ns, name) => get(`/namespaces/${seg(ns)}/jobs/${seg(name)}`),
  runs: (ns, name, limit, offset) => get(`/namespaces/${seg(ns)}/jobs/${seg(name)}/runs`, { limit, offset }),
  run: (id) => get(`/jobs/runs/${seg(id)}`),
  datasets: (ns, limit, offset) => get(`/namespaces/${seg(ns)}/datasets`, { limit, offset }),
  dataset: (ns, name) => get(`/namespaces/${seg(ns)}/datasets/${seg(name)}`),
  versions: (ns, name, limit, offset) =>
    get(`/namespaces/${seg(ns)}/datasets/${seg(name)}/versions`, { limit, offset }),
  search: (q, limit) => get("/search", { q, limit, sort: "NAME", filter: "all" }),
  lineage: (nodeId, depth, asOf) => get("/lineage", { nodeId, depth, asOf }),
  columnLineage: (nodeId, depth) => get("/column-lineage", { nodeId, depth, withDownstream: "true" }),
};
