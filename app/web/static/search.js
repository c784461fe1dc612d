// Type-ahead search over namespaces, jobs, datasets and columns (GET /api/v1/search, and the
// namespace list), as an ARIA combobox: arrows move, Enter opens, Escape closes.

import { api } from "./api.js";
import { clear, h } from "./dom.js";
import { kindOfId, nodeIds } from "./model.js";

const DELAY_MS = 150;
const LIMIT = 25;
const KIND_LABEL = { namespace: "namespace", job: "job", dataset: "dataset", field: "column" };
const KIND_ORDER = ["namespace", "job", "dataset", "field"];

function kindOf(result) {
  const type = String(result.type || "").toUpperCase();
  if (type === "JOB") return "job";
  if (type === "DATASET") return "dataset";
  if (type === "NAMESPACE") return "namespace";
  if (type === "DATASET_FIELD" || type === "FIELD" || type === "COLUMN") return "field";
  return kindOfId(String(result.nodeId || "")) || "dataset";
}

// The dataset and column a column result names: its own fields when it has them, else the
// last two parts of its node id (a namespace may hold colons, a dataset name seldom does).
function fieldParts(result) {
  const id = String(result.nodeId || "");
  const parts = id.split(":");
  const field = String(result.field ?? parts[parts.length - 1] ?? result.name);
  const dataset = String(result.dataset ?? result.datasetName ?? parts[parts.length - 2] ?? "");
  return { field, dataset };
}

function entry(result) {
  const kind = kindOf(result);
  const namespace = String(result.namespace ?? "");
  if (kind === "namespace") return { kind, title: String(result.name), detail: "", params: { ns: String(result.name) } };
  if (kind === "field") {
    const { field, dataset } = fieldParts(result);
    const nodeId = result.nodeId || nodeIds.field(namespace, dataset, field);
    return { kind, title: field, detail: `${dataset} \u00b7 ${namespace}`, params: { nodeId, view: "columns", selected: nodeId } };
  }
  const nodeId = result.nodeId || (kind === "job" ? nodeIds.job(namespace, result.name) : nodeIds.dataset(namespace, result.name));
  return { kind, title: String(result.name), detail: namespace, params: { nodeId, selected: nodeId } };
}

export function setupSearch(input, list, ctx) {
  let timer = null;
  let asked = 0;
  let entries = [];
  let active = -1;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    const options = list.querySelectorAll("[role=option]");
    if (!options.length) return;
    active = (index + options.length) % options.length;
    options.forEach((o, i) => o.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  };

  const choose = (index) => {
    const chosen = entries[index];
    if (!chosen) return;
    close();
    input.value = "";
    ctx.go(chosen.params);
  };

  const show = (found, note) => {
    entries = found;
    clear(list);
    active = -1;
    if (note) list.append(h("li", { class: "note", text: note }));
    found.forEach((e, i) => {
      const option = h(
        "li",
        { role: "option", id: `search-option-${i}`, "aria-selected": "false", class: `result kind-${e.kind}`, "data-kind": e.kind },
        h("span", { class: `kind kind-${e.kind}`, text: KIND_LABEL[e.kind] }),
        h("span", { class: "title", text: e.title }),
        e.detail ? h("span", { class: "detail", text: e.detail }) : null,
      );
      option.addEventListener("pointerdown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(i));
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };

  const run = async (q) => {
    const ask = ++asked;
    const needle = q.toLowerCase();
    let results = [];
    let note = "";
    try {
      const [answer, namespaces] = await Promise.all([api.search(q, LIMIT), ctx.namespaces()]);
      const found = (answer && answer.results) || [];
      const named = new Set(found.filter((r) => kindOf(r) === "namespace").map((r) => String(r.name)));
      const matching = namespaces.filter((n) => n.name.toLowerCase().includes(needle) && !named.has(n.name)).slice(0, 5);
      results = [...matching.map((n) => ({ type: "NAMESPACE", name: n.name })), ...found];
    } catch (err) {
      if (ask !== asked) return;
      if (err.unauthorized) ctx.unauthorized(err);
      show([], `Search failed: ${err.message}`);
      return;
    }
    if (ask !== asked) return;
    const found = results.map(entry).sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    if (!found.length) note = `Nothing matches \u201c${q}\u201d`;
    show(found, note);
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      asked++;
      close();
      return;
    }
    timer = setTimeout(() => run(q), DELAY_MS);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden && entries.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      highlight(active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (!list.hidden) choose(active >= 0 ? active : 0);
    } else if (e.key === "Escape") {
      if (!list.hidden) {
        e.stopPropagation();
        close();
      } else {
        input.blur();
      }
    }
  });
  input.addEventListener("blur", close);
}
