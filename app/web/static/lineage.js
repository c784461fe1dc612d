// Draws GET /api/v1/lineage as SVG: layers by distance from the chosen node (upstream left,
// downstream right), datasets and jobs as boxes, edges as curves. A dataset's columns open on
// click; a column's lineage (GET /api/v1/lineage?nodeId=datasetField:...) is then drawn
// between the open columns and listed in the side panel. No library, no network but this server.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 230, H = 44, ROW = 20, GAP_X = 110, GAP_Y = 26, PAD = 30;
  var state = { graph: [], start: null, open: {}, column: null, columnGraph: [] };
  var svg = document.getElementById("graph");
  var details = document.getElementById("details");
  var message = document.getElementById("message");

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, value, cls) {
    var t = el("text", { x: x, y: y, "class": cls || "" }, parent);
    t.textContent = value.length > 34 ? value.slice(0, 15) + "\u2026" + value.slice(-18) : value;
    return t;
  }

  function say(msg) {
    message.textContent = msg || "";
    message.className = msg ? "shown" : "";
  }

  function fetchLineage(nodeId, depth) {
    var url = "/api/v1/lineage?nodeId=" + encodeURIComponent(nodeId) + "&depth=" + encodeURIComponent(depth);
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var errors = (body && body.errors) || [];
          throw new Error(errors.map(function (e) { return e.message; }).join("; ") || response.statusText);
        }
        return body;
      });
    });
  }

  // Layer = signed distance from the start node: downstream positive, upstream negative.
  function layers(graph, start) {
    var byId = {};
    graph.forEach(function (n) { byId[n.id] = n; });
    var layer = {};
    layer[start] = 0;
    [["outEdges", "destination", 1], ["inEdges", "origin", -1]].forEach(function (dir) {
      var queue = [start], seen = {};
      seen[start] = true;
      while (queue.length) {
        var id = queue.shift(), node = byId[id];
        if (!node) continue;
        node[dir[0]].forEach(function (e) {
          var next = e[dir[1]];
          if (!seen[next] && byId[next]) {
            seen[next] = true;
            if (!(next in layer)) layer[next] = layer[id] + dir[2];
            queue.push(next);
          }
        });
      }
    });
    graph.forEach(function (n) { if (!(n.id in layer)) layer[n.id] = 0; });
    return layer;
  }

  function nodeHeight(n) {
    var fields = state.open[n.id] ? (n.data.fields || []).length : 0;
    return H + fields * ROW + (fields ? 6 : 0);
  }

  function layout(graph, start) {
    var layer = layers(graph, start), columns = {}, pos = {};
    graph.forEach(function (n) { (columns[layer[n.id]] = columns[layer[n.id]] || []).push(n); });
    var keys = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var min = keys.length ? keys[0] : 0;
    keys.forEach(function (k) {
      var col = columns[k];
      col.sort(function (a, b) {  // barycentre of already placed neighbours, then id
        function centre(n) {
          var ys = n.inEdges.concat(n.outEdges).map(function (e) {
            var other = e.origin === n.id ? e.destination : e.origin;
            return pos[other] ? pos[other].y : null;
          }).filter(function (y) { return y !== null; });
          return ys.length ? ys.reduce(function (s, y) { return s + y; }, 0) / ys.length : Infinity;
        }
        var ca = centre(a), cb = centre(b);
        return ca === cb ? (a.id < b.id ? -1 : 1) : ca - cb;
      });
      var y = PAD;
      col.forEach(function (n) {
        pos[n.id] = { x: PAD + (k - min) * (W + GAP_X), y: y, h: nodeHeight(n) };
        y += pos[n.id].h + GAP_Y;
      });
    });
    return pos;
  }

  function curve(x1, y1, x2, y2) {
    var mid = (x1 + x2) / 2;
    return "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2;
  }

  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                                markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8c959f" }, marker);
    var pos = layout(state.graph, state.start), width = 0, height = 0, fieldPos = {};
    var edges = el("g", { "class": "edges" }, svg), nodes = el("g", { "class": "nodes" }, svg);
    state.graph.forEach(function (n) {
      n.outEdges.forEach(function (e) {
        var a = pos[e.origin], b = pos[e.destination];
        if (!a || !b) return;
        el("path", { "class": "edge", d: curve(a.x + W, a.y + H / 2, b.x, b.y + H / 2), "marker-end": "url(#arrow)",
                     "data-origin": e.origin, "data-destination": e.destination }, edges);
      });
    });
    state.graph.forEach(function (n) {
      var p = pos[n.id], kind = n.type === "JOB" ? "job" : "dataset";
      var g = el("g", { "class": "node " + kind + (n.id === state.start ? " start" : ""), "data-id": n.id,
                        transform: "translate(" + p.x + "," + p.y + ")" }, nodes);
      el("rect", { "class": "box", width: W, height: p.h, rx: kind === "job" ? 14 : 3 }, g);
      text(g, 10, 18, n.data.name || n.id);
      text(g, 10, 34, n.data.namespace || "", "ns");
      g.addEventListener("click", function (ev) { ev.stopPropagation(); select(n); });
      if (state.open[n.id]) {
        (n.data.fields || []).forEach(function (f, i) {
          var related = state.columnGraph.some(function (c) { return c.id === f.nodeId; });
          var fg = el("g", { "class": "field" + (state.column === f.nodeId ? " selected" : related ? " related" : ""),
                             "data-id": f.nodeId, transform: "translate(6," + (H + i * ROW) + ")" }, g);
          el("rect", { width: W - 12, height: ROW - 2, rx: 2 }, fg);
          text(fg, 6, 13, f.name + (f.type ? " : " + f.type : ""));
          fieldPos[f.nodeId] = { x: p.x + 6, y: p.y + H + i * ROW + ROW / 2 };
          fg.addEventListener("click", function (ev) { ev.stopPropagation(); followColumn(f.nodeId); });
        });
      }
      width = Math.max(width, p.x + W + PAD);
      height = Math.max(height, p.y + p.h + PAD);
    });
    state.columnGraph.forEach(function (c) {
      c.outEdges.forEach(function (e) {
        var a = fieldPos[e.origin], b = fieldPos[e.destination];
        if (a && b) el("path", { "class": "edge column", d: curve(a.x + W - 12, a.y, b.x, b.y) }, edges);
      });
    });
    svg.setAttribute("width", Math.max(width, 400));
    svg.setAttribute("height", Math.max(height, 300));
    svg.setAttribute("data-nodes", String(state.graph.length));
  }

  function row(dl, name, value) {
    if (value === null || value === undefined || value === "" || value.length === 0) return;
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = name;
    dd.textContent = Array.isArray(value) ? value.join(", ") : String(value);
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function ids(list) {
    return (list || []).map(function (i) { return i.namespace + ":" + i.name; });
  }

  function select(n) {
    if (n.type !== "JOB") state.open[n.id] = !state.open[n.id];
    details.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = n.id;
    details.appendChild(h);
    var dl = document.createElement("dl"), d = n.data;
    row(dl, "Open metadata type", d.typeName);
    row(dl, "Qualified name", d.qualifiedName);
    row(dl, "Description", d.description);
    row(dl, "Owner", d.owner);
    row(dl, "Processing", n.type === "JOB" ? d.type : null);
    row(dl, "Inputs", ids(d.inputs));
    row(dl, "Outputs", ids(d.outputs));
    row(dl, "Parent job", d.parentJob ? d.parentJob.namespace + ":" + d.parentJob.name : null);
    row(dl, "Child jobs", ids(d.childJobs));
    row(dl, "Also known as", d.symlinks);
    row(dl, "Columns", (d.fields || []).map(function (f) { return f.name; }));
    row(dl, "Home repositories", d.homeMetadataCollectionIds);
    details.appendChild(dl);
    if (d.sql) {
      var pre = document.createElement("pre");
      pre.textContent = d.sql;
      details.appendChild(pre);
    }
    draw();
  }

  function followColumn(fieldId) {
    var depth = document.getElementById("depth").value || "20";
    fetchLineage(fieldId, depth).then(function (body) {
      state.column = fieldId;
      state.columnGraph = body.graph || [];
      state.columnGraph.forEach(function (c) {  // open the datasets the column lineage runs through
        state.graph.forEach(function (n) {
          if (n.data.namespace === c.data.namespace && n.data.name === c.data.dataset) state.open[n.id] = true;
        });
      });
      details.innerHTML = "";
      var h = document.createElement("h2");
      h.textContent = fieldId;
      details.appendChild(h);
      var dl = document.createElement("dl");
      var me = state.columnGraph.filter(function (c) { return c.id === fieldId; })[0];
      row(dl, "Type", me && me.data.fieldType);
      row(dl, "Column lineage", state.columnGraph.filter(function (c) { return c.id !== fieldId; })
        .map(function (c) { return c.id.replace(/^datasetField:/, ""); }));
      details.appendChild(dl);
      say("");
      draw();
    }).catch(function (err) { say(err.message); });
  }

  function show(nodeId, depth) {
    if (!nodeId) { say("Give a node: dataset:{namespace}:{name} or job:{namespace}:{name}"); return; }
    var url = new URL(window.location.href);
    url.searchParams.set("nodeId", nodeId);
    url.searchParams.set("depth", depth);
    window.history.replaceState(null, "", url.toString());
    fetchLineage(nodeId, depth).then(function (body) {
      state.graph = body.graph || [];
      state.start = nodeId;
      state.column = null;
      state.columnGraph = [];
      if (!state.graph.some(function (n) { return n.id === nodeId; }) && state.graph.length) {
        state.start = state.graph[0].id;  // an alias: the graph names the node by its catalogued name
      }
      say(state.graph.length ? "" : "Nothing to draw");
      draw();
      document.body.setAttribute("data-ready", "true");
    }).catch(function (err) {
      state.graph = [];
      draw();
      say(err.message);
      document.body.setAttribute("data-ready", "error");
    });
  }

  document.getElementById("query").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show(document.getElementById("nodeId").value.trim(), document.getElementById("depth").value || "20");
  });
  var params = new URLSearchParams(window.location.search);
  if (params.get("nodeId")) {
    document.getElementById("nodeId").value = params.get("nodeId");
    if (params.get("depth")) document.getElementById("depth").value = params.get("depth");
    show(params.get("nodeId"), params.get("depth") || "20");
  }
  window.lineageView = { state: state, show: show, followColumn: followColumn, select: select };
})();
