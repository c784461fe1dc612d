// The lineage explorer: a start screen (namespaces, jobs, datasets, search), the job and dataset
// graph around a node (optionally as it was at a point in time), the column graph of a dataset
// or column, and a side panel for what is selected. The address bar always says what is shown:
//   /lineage?ns=N                                      the start screen on namespace N
//   /lineage?nodeId=job:ns:name&depth=5&asOf=ISO        the graph around a node, at a time
//   /lineage?nodeId=dataset:ns:name&view=columns        the column graph of a dataset
//   ...&selected=ID                                      the node whose panel is open

import { ApiError, adoptTokenFromAddress, api, setToken, token } from "./api.js";
import { clear, formatTime, fromLocalInput, h, toLocalInput } from "./dom.js";
import { GraphView } from "./graph-view.js";
import { columnModel, kindOfId, lineageModel } from "./model.js";
import { columnPanel, datasetPanel, jobPanel } from "./panels.js";
import { columnScene, lineageScene } from "./scenes.js";
import { setupSearch } from "./search.js";
import { startScreen } from "./start.js";

const DEFAULT_DEPTH = 5;
const KEEP = ["depth", "asOf"]; // settings a navigation carries over
const $ = (id) => document.getElementById(id);

const ui = {
  body: document.body,
  start: $("start"),
  graphSection: $("graph-view"),
  panel: $("panel"),
  panelBody: $("panel-body"),
  status: $("status"),
  alert: $("alert"),
  depth: $("depth"),
  asOf: $("as-of"),
  asOfNote: $("as-of-note"),
  legend: $("legend"),
  viewToggle: $("view-toggle"),
};

const state = { key: null, loading: null, model: null, columns: false, shown: 0, namespaces: null, params: {} };
const timings = {};

function readParams() {
  const q = new URLSearchParams(window.location.search);
  const depth = Number.parseInt(q.get("depth") || "", 10);
  return {
    nodeId: q.get("nodeId") || "",
    depth: Number.isFinite(depth) && depth >= 0 ? depth : DEFAULT_DEPTH,
    asOf: q.get("asOf") || "",
    view: q.get("view") || "",
    selected: q.get("selected") || "",
    ns: q.get("ns") || "",
  };
}

function href(params) {
  const q = new URLSearchParams();
  const current = readParams();
  const merged = { ...Object.fromEntries(KEEP.map((k) => [k, current[k]])), ...params };
  for (const key of ["ns", "nodeId", "view", "depth", "asOf", "selected"]) {
    const value = merged[key];
    if (value === undefined || value === null || value === "") continue;
    if (key === "depth" && Number(value) === DEFAULT_DEPTH) continue;
    q.set(key, String(value));
  }
  const search = q.toString();
  return `${window.location.pathname}${search ? `?${search}` : ""}`;
}

function go(params, { replace = false } = {}) {
  const url = href(params);
  if (replace || url === window.location.pathname + window.location.search) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  route();
}

function link(params, text, detail) {
  const a = h("a", { href: href(params) }, h("span", { class: "title", text }), detail ? h("span", { class: "detail", text: detail }) : null);
  a.addEventListener("click", (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    go(params);
  });
  return a;
}

function say(message, kind = "") {
  ui.status.textContent = message || "";
  ui.status.className = kind;
}

function unauthorized(err) {
  ui.body.dataset.state = "unauthorized";
  clear(ui.alert);
  const input = h("input", { type: "password", id: "token-input", autocomplete: "off", "aria-label": "API token" });
  const form = h(
    "form",
    { class: "token-form" },
    h("label", { for: "token-input", text: "Token" }),
    input,
    h("button", { type: "submit", text: "Use token" }),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    ui.alert.hidden = true;
    state.loading = null;
    state.namespaces = null;
    route();
  });
  const reason = token()
    ? "The token this tab holds was refused (401)."
    : "This server needs a token to read lineage (401).";
  ui.alert.append(
    h("p", {}, h("strong", { text: reason }), ` ${err.message}. Open the page as /lineage?token=\u2026 or enter the token here; it is kept for this browser tab only.`),
    form,
  );
  ui.alert.hidden = false;
}

async function namespaces(refresh = false) {
  if (!state.namespaces || refresh) {
    const answer = await api.namespaces();
    state.namespaces = (answer.namespaces || []).map((n) => ({ ...n, name: String(n.name) }));
  }
  return state.namespaces;
}

// What the panels and lists are handed: they check current() after every await, so an answer
// to a screen the user has left is dropped.
function context() {
  const shown = ++state.shown;
  const params = readParams();
  return {
    asOf: params.asOf,
    current: () => shown === state.shown,
    link,
    go,
    unauthorized,
    namespaces,
  };
}

const view = new GraphView({
  svg: $("graph"),
  minimap: $("minimap"),
  onSelect: (id) => go({ ...readParams(), selected: id }, { replace: true }),
});

function legend(columns) {
  clear(ui.legend);
  const entries = columns
    ? [["edge t-identity", "identity"], ["edge t-transformation", "transformation"], ["edge t-aggregation", "aggregation"], ["edge t-indirect", "indirect"], ["edge t-masked", "masked"]]
    : [["box job", "job"], ["box dataset", "dataset"], ["box start", "start node"]];
  for (const [cls, text] of entries) ui.legend.append(h("span", { class: "key" }, h("span", { class: `swatch ${cls}` }), text));
}

const isColumns = (params) => params.view === "columns" || kindOfId(params.nodeId) === "field";
const graphKey = (params) => `${params.nodeId}|${params.depth}|${params.asOf}|${isColumns(params)}`;

// The graph the address asks for: drawn once per key, however often the address is routed
// while it loads; answers whether it was drawn.
function ensureGraph(params) {
  const key = graphKey(params);
  if (key !== state.key || !state.loading) {
    closePanel();
    ui.panel.hidden = !params.selected; // the graph is fitted to the room the panel leaves
    state.key = key;
    state.loading = loadGraph(params, key);
  }
  return state.loading;
}

// Draws the graph of key; an answer that comes after another graph was asked for is dropped.
async function loadGraph(params, key) {
  const columns = isColumns(params);
  state.model = null;
  state.columns = columns;
  ui.body.dataset.state = "loading";
  ui.body.dataset.view = columns ? "columns" : "graph";
  legend(columns);
  ui.viewToggle.hidden = kindOfId(params.nodeId) === "job";
  ui.viewToggle.textContent = columns ? "Jobs and datasets" : "Columns";
  ui.asOf.disabled = columns;
  ui.asOf.title = columns ? "the point in time applies to the job and dataset graph" : "";
  say(columns ? "Loading column lineage\u2026" : "Loading lineage\u2026");
  const started = performance.now();
  let answer;
  try {
    answer = columns ? await api.columnLineage(params.nodeId, params.depth) : await api.lineage(params.nodeId, params.depth, params.asOf);
  } catch (err) {
    if (key !== state.key) return false;
    state.loading = null;
    closePanel();
    await view.draw({ nodes: [], edges: [], layoutOptions: {} });
    if (err instanceof ApiError && err.unauthorized) unauthorized(err);
    else {
      ui.body.dataset.state = "error";
      say(err.status === 404 ? `Not found${params.asOf ? ` as of ${formatTime(params.asOf)}` : ""}: ${err.message}` : err.message, "error");
    }
    return false;
  }
  if (key !== state.key) return false;
  const fetched = performance.now();
  const model = columns ? columnModel(answer) : lineageModel(answer, params.nodeId);
  const scene = columns ? columnScene(model, params.nodeId) : lineageScene(model);
  say(`Laying out ${scene.nodes.length} ${columns ? "datasets" : "nodes"}\u2026`);
  const drawn = await view.draw(scene);
  if (!drawn || key !== state.key) return false;
  state.model = model;
  const start = columns ? (model.fields.has(params.nodeId) ? params.nodeId : model.tables.has(params.nodeId) ? params.nodeId : null) : model.start;
  view.initialView(start);
  Object.assign(timings, {
    fetchMs: fetched - started,
    layoutMs: drawn.layoutMs,
    renderMs: drawn.renderMs,
    buildMs: drawn.buildMs,
    nodes: scene.nodes.length,
    edges: scene.edges.length,
    items: view.items.size,
  });
  const count = columns ? `${model.fields.size} columns in ${model.tables.size} datasets` : `${model.nodes.size} nodes, ${model.edges.length} edges`;
  say(scene.nodes.length ? count : "Nothing to draw");
  ui.body.dataset.state = "ready";
  return true;
}

function closePanel() {
  ui.panel.hidden = true;
  ui.panel.removeAttribute("data-kind");
  clear(ui.panelBody);
}

async function openPanel(selected) {
  view.markSelected(selected);
  const model = state.model;
  if (!selected || !model) {
    closePanel();
    return;
  }
  const ctx = context();
  let kind = "";
  let run = null;
  if (state.columns) {
    const field = model.fields.get(selected);
    const table = model.tables.get(selected);
    if (field) {
      kind = "field";
      run = () => columnPanel(ui.panelBody, ctx, { field, model });
    } else if (table) {
      kind = "dataset";
      run = () => datasetPanel(ui.panelBody, ctx, { namespace: table.namespace, name: table.name, node: null });
    }
  } else {
    const node = model.nodes.get(selected);
    if (node) {
      kind = node.kind;
      const args = { namespace: node.namespace, name: node.name, node };
      run = () => (node.kind === "job" ? jobPanel(ui.panelBody, ctx, args) : datasetPanel(ui.panelBody, ctx, args));
    }
  }
  if (!run) {
    closePanel();
    return;
  }
  ui.panel.hidden = false;
  ui.panel.dataset.kind = kind;
  ui.panel.dataset.loaded = "false";
  await run();
  if (ctx.current()) ui.panel.dataset.loaded = "true";
}

async function route() {
  const params = readParams();
  state.params = params;
  ui.depth.value = String(params.depth);
  ui.asOf.value = toLocalInput(params.asOf);
  ui.asOfNote.hidden = !params.asOf || !params.nodeId || isColumns(params);
  ui.asOfNote.textContent = params.asOf ? `As of ${formatTime(params.asOf)}` : "";
  if (!params.nodeId) {
    state.key = null;
    state.loading = null;
    state.model = null;
    ui.graphSection.hidden = true;
    ui.start.hidden = false;
    closePanel();
    ui.body.dataset.view = "start";
    ui.body.dataset.state = "loading";
    say("");
    await startScreen(ui.start, context(), { namespace: params.ns });
    if (ui.body.dataset.view === "start" && ui.body.dataset.state === "loading") ui.body.dataset.state = "ready";
    return;
  }
  ui.start.hidden = true;
  ui.graphSection.hidden = false;
  const address = window.location.search;
  if (!(await ensureGraph(params)) || window.location.search !== address) return;
  await openPanel(params.selected);
}

function wire() {
  setupSearch($("search"), $("search-results"), { go, unauthorized, namespaces, current: () => true });
  $("zoom-in").addEventListener("click", () => view.zoomBy(1.25));
  $("zoom-out").addEventListener("click", () => view.zoomBy(0.8));
  $("fit").addEventListener("click", () => view.fit());
  $("close-panel").addEventListener("click", () => go({ ...readParams(), selected: "" }, { replace: true }));
  ui.viewToggle.addEventListener("click", () => {
    const p = readParams();
    go({ ...p, view: p.view === "columns" || kindOfId(p.nodeId) === "field" ? "" : "columns", selected: "" });
  });
  $("settings").addEventListener("submit", (e) => e.preventDefault());
  ui.depth.addEventListener("change", () => {
    const p = readParams();
    if (p.nodeId) go({ ...p, depth: ui.depth.value });
  });
  ui.asOf.addEventListener("change", () => {
    const p = readParams();
    go({ ...p, asOf: fromLocalInput(ui.asOf.value) });
  });
  $("as-of-now").addEventListener("click", () => go({ ...readParams(), asOf: "" }));
  $("graph").addEventListener("dblclick", (e) => {
    const target = e.target.closest && e.target.closest("[data-item]");
    const id = target && target.getAttribute("data-item");
    if (id && kindOfId(id)) go({ ...readParams(), nodeId: id, selected: id });
  });
  document.addEventListener("keydown", (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    if (e.key === "Escape" && !ui.panel.hidden) {
      const selected = readParams().selected;
      go({ ...readParams(), selected: "" }, { replace: true });
      view.focusItem(selected);
    } else if (e.key === "/" && !typing) {
      e.preventDefault();
      $("search").focus();
    }
  });
  window.addEventListener("popstate", route);
}

adoptTokenFromAddress();
wire();
window.lineageView = { timings, view, state, route };
route();
