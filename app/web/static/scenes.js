// Scenes the graph view draws: the job and dataset graph, and the column graph (datasets as
// tables of their columns, each column with its type and the transformations that make it).

import { fitText, s, textWidth } from "./dom.js";
import { edgeClass, transformationBadges } from "./model.js";

const NODE_HEIGHT = 48;
const NODE_MIN = 150;
const NODE_MAX = 340;
const HEADER = 44;
const ROW = 26;
const TABLE_MIN = 220;
const TABLE_MAX = 460;

function layoutOptions(count) {
  const big = count > 300;
  return {
    "elk.algorithm": "layered",
    "elk.direction": "RIGHT",
    "elk.spacing.nodeNode": big ? "14" : "22",
    "elk.layered.spacing.nodeNodeBetweenLayers": big ? "50" : "70",
    "elk.layered.spacing.edgeNodeBetweenLayers": "20",
    "elk.edgeRouting": big ? "POLYLINE" : "ORTHOGONAL",
    "elk.layered.thoroughness": big ? "1" : "7",
    "elk.layered.nodePlacement.strategy": big ? "SIMPLE" : "NETWORK_SIMPLEX",
    "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  };
}

const LATEST_RUN = (node) => node.data && node.data.latestRun && node.data.latestRun.state;

// Jobs and datasets as boxes: the name, its namespace below, a job's latest run state as a dot.
export function lineageScene(model) {
  const nodes = [];
  for (const node of model.nodes.values()) {
    const width = Math.min(NODE_MAX, Math.max(NODE_MIN, Math.max(textWidth(node.name, 13, 600), textWidth(node.namespace, 11)) + 46));
    const kindLabel = node.kind === "job" ? "Job" : "Dataset";
    const state = node.kind === "job" ? LATEST_RUN(node) : null;
    nodes.push({
      id: node.id,
      width,
      height: NODE_HEIGHT,
      cls: `${node.kind}${node.id === model.start ? " start" : ""}`,
      draw(g) {
        s("rect", { class: "box", width, height: NODE_HEIGHT, rx: node.kind === "job" ? 14 : 3 }, g);
        s("text", { class: "icon", x: 13, y: 29, text: node.kind === "job" ? "\u2699" : "\u25a4" }, g);
        s("text", { class: "name", x: 30, y: 21, text: fitText(node.name, width - 40, 13, 600) }, g);
        s("text", { class: "ns", x: 30, y: 37, text: fitText(node.namespace, width - 40, 11) }, g);
        if (state) s("circle", { class: `run-dot state-${String(state).toLowerCase().replace(/[^a-z]/g, "")}`, cx: width - 10, cy: 10, r: 4.5 }, g);
        s("title", { text: `${kindLabel} ${node.name}\nnamespace ${node.namespace}${state ? `\nlatest run ${state}` : ""}` }, g);
        g.setAttribute("aria-label", `${kindLabel} ${node.name} in ${node.namespace}${state ? `, latest run ${state}` : ""}`);
        return [{ id: node.id, kind: node.kind, el: g, x: width / 2, y: NODE_HEIGHT / 2, ins: node.ins, outs: node.outs }];
      },
    });
  }
  const edges = model.edges.map((e, i) => ({ id: `e${i}`, source: e.from, target: e.to, from: e.from, to: e.to }));
  return { nodes, edges, layoutOptions: layoutOptions(nodes.length) };
}

function badgeWidth(text) {
  return textWidth(text, 10, 600) + 10;
}

// Columns inside their dataset: one row a column, its type, and badges for its transformations.
export function columnScene(model, focus) {
  const nodes = [];
  for (const table of model.tables.values()) {
    const rows = table.fields.map((field) => {
      const transformations = field.inputs.filter((i) => field.ins.includes(i.id)).flatMap((i) => i.transformations);
      const badges = transformationBadges(transformations.length ? transformations : field.inputs.flatMap((i) => i.transformations));
      const badgesWidth = badges.reduce((sum, b) => sum + badgeWidth(b.text) + 4, 0);
      const need = textWidth(field.name, 12, 500) + (field.type ? textWidth(field.type, 11) + 14 : 0) + badgesWidth + 28;
      return { field, badges, badgesWidth, need };
    });
    const width = Math.min(
      TABLE_MAX,
      Math.max(TABLE_MIN, textWidth(table.name, 13, 600) + 30, textWidth(table.namespace, 11) + 30, ...rows.map((r) => r.need)),
    );
    const height = HEADER + rows.length * ROW + 6;
    const ports = [];
    rows.forEach((row, i) => {
      const y = HEADER + i * ROW + ROW / 2;
      ports.push({ id: `${row.field.id}|in`, width: 1, height: 1, x: -1, y, layoutOptions: { "elk.port.side": "WEST" } });
      ports.push({ id: `${row.field.id}|out`, width: 1, height: 1, x: width, y, layoutOptions: { "elk.port.side": "EAST" } });
    });
    const focused = rows.some((r) => r.field.id === focus) || table.id === focus;
    nodes.push({
      id: table.id,
      width,
      height,
      ports,
      cls: `table${focused ? " start" : ""}`,
      draw(g) {
        s("rect", { class: "box", width, height, rx: 4 }, g);
        const header = s("g", { class: "table-header" }, g);
        s("rect", { class: "header-bg", width, height: HEADER, rx: 4 }, header);
        s("text", { class: "name", x: 10, y: 19, text: fitText(table.name, width - 20, 13, 600) }, header);
        s("text", { class: "ns", x: 10, y: 35, text: fitText(table.namespace, width - 20, 11) }, header);
        s("title", { text: `Dataset ${table.name}\nnamespace ${table.namespace}` }, header);
        header.setAttribute("aria-label", `Dataset ${table.name} in ${table.namespace}, ${rows.length} columns`);
        const items = [{ id: table.id, kind: "table", el: header, x: width / 2, y: HEADER / 2, ins: [], outs: [] }];
        rows.forEach((row, i) => {
          const { field, badges } = row;
          const y = HEADER + i * ROW;
          const rowG = s("g", { class: `row${field.id === focus ? " focus" : ""}`, transform: `translate(0,${y})` }, g);
          s("rect", { class: "row-bg", x: 3, y: 1, width: width - 6, height: ROW - 2, rx: 3 }, rowG);
          const x = width - 4 - row.badgesWidth;
          let bx = x;
          const placed = badges.map((badge) => {
            const w = badgeWidth(badge.text);
            const at = { badge, x: bx, w };
            bx += w + 4;
            return at;
          });
          const typeWidth = field.type ? Math.min(textWidth(field.type, 11) + 6, 110) : 0;
          const nameRoom = x - 12 - typeWidth - 6;
          s("text", { class: "field-name", x: 10, y: 17, text: fitText(field.name, nameRoom, 12, 500) }, rowG);
          if (field.type) s("text", { class: "field-type", x: 10 + Math.min(textWidth(field.name, 12, 500), nameRoom) + 8, y: 17, text: fitText(field.type, 104, 11) }, rowG);
          for (const { badge, x: bx, w } of placed) {
            const b = s("g", { class: `badge t-${badge.cls}`, transform: `translate(${bx},5)` }, rowG);
            s("rect", { width: w, height: 16, rx: 8 }, b);
            s("text", { x: w / 2, y: 12, text: badge.text }, b);
            s("title", { text: badge.title }, b);
          }
          const summary = badges.map((b) => b.text).join(", ");
          s("title", { text: `${field.name}${field.type ? ` : ${field.type}` : ""}${summary ? `\n${summary}` : ""}` }, rowG);
          rowG.setAttribute("aria-label", `Column ${field.name} of ${table.name}${field.type ? `, ${field.type}` : ""}${summary ? `, ${summary}` : ""}`);
          items.push({ id: field.id, kind: "field", el: rowG, x: width / 2, y: y + ROW / 2, ins: field.ins, outs: field.outs });
        });
        return items;
      },
    });
  }
  const edges = model.edges.map((e, i) => {
    const badges = transformationBadges(e.transformations).map((b) => b.title);
    return {
      id: `c${i}`,
      source: model.fields.get(e.from).table,
      target: model.fields.get(e.to).table,
      sourcePort: `${e.from}|out`,
      targetPort: `${e.to}|in`,
      from: e.from,
      to: e.to,
      cls: `column t-${edgeClass(e.transformations)}`,
      title: `${model.fields.get(e.from).name} \u2192 ${model.fields.get(e.to).name}${badges.length ? `\n${badges.join("\n")}` : ""}`,
    };
  });
  return { nodes, edges, layoutOptions: { ...layoutOptions(nodes.length), "elk.edgeRouting": "ORTHOGONAL" } };
}
