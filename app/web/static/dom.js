// Building the page's elements and formatting values for people. Every name that comes from the
// server reaches the page through textContent or setAttribute, never as markup.

export const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  return node;
}

// An HTML element: h("li", {class: "x", text: name, on: {click: fn}}, child, "text", ...).
export function h(tag, attrs, ...children) {
  const node = apply(document.createElement(tag), attrs);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// An SVG element, appended to parent when one is given.
export function s(tag, attrs, parent) {
  const node = apply(document.createElementNS(SVG_NS, tag), attrs);
  if (parent) parent.appendChild(node);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

const canvas = document.createElement("canvas").getContext("2d");
const widths = new Map();

// Width in pixels of text drawn in the page's font at the given size and weight.
export function textWidth(text, size = 13, weight = 400) {
  const key = `${size}|${weight}|${text}`;
  let width = widths.get(key);
  if (width === undefined) {
    canvas.font = `${weight} ${size}px system-ui, sans-serif`;
    width = canvas.measureText(text).width;
    if (widths.size > 50000) widths.clear();
    widths.set(key, width);
  }
  return width;
}

// The text, shortened in its middle with an ellipsis until it fits in maxWidth pixels.
export function fitText(text, maxWidth, size = 13, weight = 400) {
  if (textWidth(text, size, weight) <= maxWidth) return text;
  let keep = text.length;
  while (keep > 2) {
    keep -= Math.max(1, Math.floor(keep / 12));
    const head = Math.ceil(keep * 0.45);
    const shortened = `${text.slice(0, head)}\u2026${text.slice(text.length - (keep - head))}`;
    if (textWidth(shortened, size, weight) <= maxWidth) return shortened;
  }
  return "\u2026";
}

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const pad = (n) => String(n).padStart(2, "0");

// A time in the browser's zone, to the second: 2026-01-01 09:30:00.
export function formatTime(value) {
  const date = toDate(value);
  if (!date) return "";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function isoTime(value) {
  const date = toDate(value);
  return date ? date.toISOString() : "";
}

export function epochMs(value) {
  const date = toDate(value);
  return date ? date.getTime() : null;
}

// A duration people read: 850 ms, 12.4 s, 3 min 5 s, 2 h 10 min.
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// The local time a datetime-local input shows for an instant, and back.
export function toLocalInput(value) {
  const date = toDate(value);
  if (!date) return "";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function fromLocalInput(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.000Z$/, "Z");
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : "";
}

// A run state as a badge: COMPLETED, FAILED, RUNNING, ABORTED, NEW.
export function stateBadge(state) {
  const value = state ? String(state).toUpperCase() : "UNKNOWN";
  return h("span", { class: `state state-${value.toLowerCase().replace(/[^a-z]/g, "")}`, text: value });
}

// Runs fn on a click, and on Enter or Space while the element has the focus.
export function onActivate(el, fn) {
  el.addEventListener("click", fn);
  el.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      fn();
    }
  });
  return el;
}
