// Draws a scene (nodes with their drawing, edges, keyboard items) in the SVG canvas: layout by
// ELK (elkjs, vendored, in a web worker so the page stays responsive while it runs), zoom
// (wheel, buttons, + and - keys), pan (drag), fit, a minimap, and keyboard moves between items
// (arrows follow edges, Enter or Space selects).

import { clear, s } from "./dom.js";

const WORKER_URL = new URL("vendor/elkjs/elk-worker.min.js", import.meta.url).href;
const MIN_SCALE = 0.03;
const MAX_SCALE = 3;
const FAR_SCALE = 0.35; // below this the labels are too small to read and are not drawn

let elk = null;
function layoutEngine() {
  if (!elk) elk = new window.ELK({ workerUrl: WORKER_URL });
  return elk;
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

function pathOf(edge) {
  const parts = [];
  for (const section of edge.sections || []) {
    parts.push(`M${section.startPoint.x},${section.startPoint.y}`);
    for (const p of section.bendPoints || []) parts.push(`L${p.x},${p.y}`);
    parts.push(`L${section.endPoint.x},${section.endPoint.y}`);
  }
  return parts.join(" ");
}

export class GraphView {
  constructor({ svg, minimap, onSelect }) {
    this.svg = svg;
    this.minimap = minimap;
    this.onSelect = onSelect;
    this.transform = { k: 1, x: 0, y: 0 };
    this.size = { width: 0, height: 0 };
    this.items = new Map();
    this.generation = 0;
    this.pending = false;
    clear(svg);
    const defs = s("defs", {}, svg);
    for (const [id, cls] of [["arrow", "arrow"], ["arrow-hot", "arrow hot"]]) {
      const marker = s("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
      s("path", { d: "M0,0 L10,5 L0,10 z", class: cls }, marker);
    }
    this.viewport = s("g", { class: "viewport" }, svg);
    this.edgeLayer = s("g", { class: "edges" }, this.viewport);
    this.nodeLayer = s("g", { class: "nodes" }, this.viewport);
    clear(minimap);
    this.miniNodes = s("g", { class: "mini-nodes" }, minimap);
    this.miniView = s("rect", { class: "mini-view" }, minimap);
    this.listen();
    layoutEngine();
  }

  // Lays out and draws a scene; answers the time each step took, or null when a newer scene
  // was asked for meanwhile.
  async draw(scene) {
    const generation = ++this.generation;
    const started = performance.now();
    const laid = await layoutEngine().layout({
      id: "root",
      layoutOptions: scene.layoutOptions,
      children: scene.nodes.map((n) => ({
        id: n.id,
        width: n.width,
        height: n.height,
        ports: n.ports,
        layoutOptions: n.ports ? { "elk.portConstraints": "FIXED_POS" } : undefined,
      })),
      edges: scene.edges.map((e) => ({ id: e.id, sources: [e.sourcePort || e.source], targets: [e.targetPort || e.target] })),
    });
    if (generation !== this.generation) return null;
    const laidOut = performance.now();
    this.render(scene, laid);
    const built = performance.now();
    await frame();
    await frame();
    return { layoutMs: laidOut - started, renderMs: performance.now() - laidOut, buildMs: built - laidOut };
  }

  render(scene, laid) {
    clear(this.edgeLayer);
    clear(this.nodeLayer);
    clear(this.miniNodes);
    this.items = new Map();
    this.scene = scene;
    this.size = { width: laid.width || 0, height: laid.height || 0 };
    const specs = new Map(scene.nodes.map((n) => [n.id, n]));
    const specEdges = new Map(scene.edges.map((e) => [e.id, e]));
    for (const edge of laid.edges || []) {
      const spec = specEdges.get(edge.id);
      const path = s("path", { class: `edge ${spec.cls || ""}`, d: pathOf(edge), "marker-end": "url(#arrow)", "data-from": spec.from, "data-to": spec.to }, this.edgeLayer);
      if (spec.title) s("title", { text: spec.title }, path);
    }
    const placed = [...(laid.children || [])].sort((a, b) => a.x - b.x || a.y - b.y);
    const fragment = document.createDocumentFragment();
    for (const child of placed) {
      const spec = specs.get(child.id);
      const g = s("g", { class: `node ${spec.cls || ""}`, transform: `translate(${child.x},${child.y})` });
      for (const item of spec.draw(g) || []) {
        this.items.set(item.id, { ...item, cx: child.x + item.x, cy: child.y + item.y });
        item.el.setAttribute("data-item", item.id);
        item.el.setAttribute("tabindex", "0");
        item.el.setAttribute("role", "button");
      }
      fragment.appendChild(g);
      s("rect", { x: child.x, y: child.y, width: child.width, height: child.height, class: `mini ${spec.cls || ""}` }, this.miniNodes);
    }
    this.nodeLayer.appendChild(fragment);
    this.minimap.setAttribute("viewBox", `0 0 ${Math.max(this.size.width, 1)} ${Math.max(this.size.height, 1)}`);
    this.svg.setAttribute("data-nodes", String(scene.nodes.length));
    this.svg.setAttribute("data-edges", String(scene.edges.length));
  }

  // --- view transform -------------------------------------------------------------------

  viewSize() {
    return { width: this.svg.clientWidth || 800, height: this.svg.clientHeight || 600 };
  }

  setTransform(k, x, y) {
    this.transform = { k, x, y };
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const t = this.transform;
      this.viewport.setAttribute("transform", `translate(${t.x},${t.y}) scale(${t.k})`);
      this.svg.classList.toggle("far", t.k < FAR_SCALE);
      this.svg.setAttribute("data-scale", t.k.toFixed(3));
      const view = this.viewSize();
      this.miniView.setAttribute("x", -t.x / t.k);
      this.miniView.setAttribute("y", -t.y / t.k);
      this.miniView.setAttribute("width", view.width / t.k);
      this.miniView.setAttribute("height", view.height / t.k);
    });
  }

  zoomAt(px, py, factor) {
    const { k, x, y } = this.transform;
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, k * factor));
    this.setTransform(next, px - ((px - x) * next) / k, py - ((py - y) * next) / k);
  }

  zoomBy(factor) {
    const view = this.viewSize();
    this.zoomAt(view.width / 2, view.height / 2, factor);
  }

  fit() {
    const view = this.viewSize();
    const pad = 24;
    const w = Math.max(this.size.width, 1);
    const h = Math.max(this.size.height, 1);
    const k = Math.min(1.2, Math.max(MIN_SCALE, Math.min((view.width - 2 * pad) / w, (view.height - 2 * pad) / h)));
    this.setTransform(k, (view.width - w * k) / 2, (view.height - h * k) / 2);
    return k;
  }

  centerOn(gx, gy, k = this.transform.k) {
    const view = this.viewSize();
    this.setTransform(k, view.width / 2 - gx * k, view.height / 2 - gy * k);
  }

  // Fits the whole graph when it is readable that way, else shows the given item readably.
  initialView(itemId) {
    const view = this.viewSize();
    const fitScale = Math.min((view.width - 48) / Math.max(this.size.width, 1), (view.height - 48) / Math.max(this.size.height, 1));
    const item = this.items.get(itemId);
    if (fitScale >= 0.5 || !item) this.fit();
    else this.centerOn(item.cx, item.cy, 0.9);
  }

  ensureVisible(item) {
    const { k, x, y } = this.transform;
    const view = this.viewSize();
    const sx = item.cx * k + x;
    const sy = item.cy * k + y;
    const margin = 40;
    if (sx < margin || sy < margin || sx > view.width - margin || sy > view.height - margin) {
      this.centerOn(item.cx, item.cy, Math.max(k, FAR_SCALE + 0.15));
    }
  }

  // --- selection and keyboard ----------------------------------------------------------------

  focusItem(id) {
    const item = this.items.get(id);
    if (!item) return false;
    item.el.focus({ preventScroll: true });
    this.ensureVisible(item);
    return true;
  }

  // Marks the selected item and everything up and downstream of it.
  markSelected(id) {
    for (const el of this.svg.querySelectorAll(".selected, .related, .hot")) {
      el.classList.remove("selected", "related", "hot");
    }
    for (const el of this.edgeLayer.querySelectorAll("path[marker-end='url(#arrow-hot)']")) el.setAttribute("marker-end", "url(#arrow)");
    const item = this.items.get(id);
    if (!item) return;
    item.el.classList.add("selected");
    const related = new Set([id]);
    for (const direction of ["ins", "outs"]) {
      const queue = [id];
      while (queue.length) {
        const next = this.items.get(queue.pop());
        for (const other of (next && next[direction]) || []) {
          if (!related.has(other) && this.items.has(other)) {
            related.add(other);
            queue.push(other);
          }
        }
      }
    }
    for (const other of related) if (other !== id) this.items.get(other).el.classList.add("related");
    for (const edge of this.edgeLayer.children) {
      if (related.has(edge.getAttribute("data-from")) && related.has(edge.getAttribute("data-to"))) {
        edge.classList.add("hot");
        edge.setAttribute("marker-end", "url(#arrow-hot)");
      }
    }
  }

  neighbour(item, key) {
    const all = [...this.items.values()].filter((o) => o.id !== item.id);
    const nearest = (list, score) => list.reduce((best, o) => (best === null || score(o) < score(best) ? o : best), null);
    const distance = (o) => Math.hypot(o.cx - item.cx, o.cy - item.cy);
    if (key === "ArrowRight" || key === "ArrowLeft") {
      const linked = (key === "ArrowRight" ? item.outs : item.ins) || [];
      const linkedItems = linked.map((id) => this.items.get(id)).filter(Boolean);
      if (linkedItems.length) return nearest(linkedItems, (o) => Math.abs(o.cy - item.cy));
      const side = all.filter((o) => (key === "ArrowRight" ? o.cx > item.cx + 1 : o.cx < item.cx - 1));
      return nearest(side, (o) => Math.abs(o.cx - item.cx) + 2 * Math.abs(o.cy - item.cy));
    }
    const below = key === "ArrowDown";
    const side = all.filter((o) => (below ? o.cy > item.cy + 1 : o.cy < item.cy - 1));
    const column = side.filter((o) => Math.abs(o.cx - item.cx) < 60);
    return nearest(column.length ? column : side, column.length ? (o) => Math.abs(o.cy - item.cy) : distance);
  }

  onKey(event) {
    const target = event.target.closest && event.target.closest("[data-item]");
    const item = target && this.items.get(target.getAttribute("data-item"));
    if (item && event.key.startsWith("Arrow")) {
      event.preventDefault();
      const next = this.neighbour(item, event.key);
      if (next) this.focusItem(next.id);
      return;
    }
    if (item && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      this.onSelect(item.id, item.kind);
      return;
    }
    if (event.key === "+" || event.key === "=") this.zoomBy(1.25);
    else if (event.key === "-" || event.key === "_") this.zoomBy(0.8);
    else if (event.key === "0") this.fit();
  }

  listen() {
    this.svg.addEventListener("keydown", (e) => this.onKey(e));
    this.svg.addEventListener("focusin", (e) => {
      const target = e.target.closest && e.target.closest("[data-item]");
      const item = target && this.items.get(target.getAttribute("data-item"));
      if (item) this.ensureVisible(item);
    });
    this.svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const box = this.svg.getBoundingClientRect();
        this.zoomAt(e.clientX - box.left, e.clientY - box.top, Math.exp(-e.deltaY * (e.deltaMode ? 0.05 : 0.002)));
      },
      { passive: false },
    );
    let drag = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, start: { ...this.transform }, moved: false, id: e.pointerId };
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.svg.setPointerCapture(e.pointerId);
      drag.moved = true;
      this.svg.classList.add("panning");
      this.setTransform(drag.start.k, drag.start.x + dx, drag.start.y + dy);
    });
    const end = (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      this.svg.classList.remove("panning");
      const moved = drag.moved;
      drag = null;
      if (moved || e.type !== "pointerup") return;
      const target = e.target.closest && e.target.closest("[data-item]");
      const item = target && this.items.get(target.getAttribute("data-item"));
      if (item) {
        item.el.focus({ preventScroll: true });
        this.onSelect(item.id, item.kind);
      }
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
    const toGraph = (e) => {
      const point = this.minimap.createSVGPoint();
      point.x = e.clientX;
      point.y = e.clientY;
      return point.matrixTransform(this.minimap.getScreenCTM().inverse());
    };
    let miniDrag = false;
    this.minimap.addEventListener("pointerdown", (e) => {
      miniDrag = true;
      this.minimap.setPointerCapture(e.pointerId);
      const p = toGraph(e);
      this.centerOn(p.x, p.y);
    });
    this.minimap.addEventListener("pointermove", (e) => {
      if (!miniDrag) return;
      const p = toGraph(e);
      this.centerOn(p.x, p.y);
    });
    this.minimap.addEventListener("pointerup", () => {
      miniDrag = false;
    });
    // When the canvas changes size (the panel opens or closes, the window is resized), the
    // point at its centre stays where it is.
    let last = null;
    new ResizeObserver(() => {
      const now = this.viewSize();
      if (last && (now.width !== last.width || now.height !== last.height)) {
        const { k, x, y } = this.transform;
        this.setTransform(k, x + (now.width - last.width) / 2, y + (now.height - last.height) / 2);
      }
      last = now;
    }).observe(this.svg);
  }
}
