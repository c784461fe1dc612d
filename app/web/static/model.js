// What the page draws, read from Marquez-shaped answers: the job and dataset graph of
// GET /api/v1/lineage and the column graph of GET /api/v1/column-lineage.
//
// Nodes are taken by the names their answers carry (data.namespace, data.name, data.dataset,
// data.field), never by splitting node ids: namespaces such as postgres://db:5432 hold colons.

export const nodeIds = {
  job: (ns, name) => `job:${ns}:${name}`,
  dataset: (ns, name) => `dataset:${ns}:${name}`,
  field: (ns, dataset, field) => `datasetField:${ns}:${dataset}:${field}`,
};

export function kindOfId(id) {
  if (id.startsWith("datasetField:")) return "field";
  if (id.startsWith("job:")) return "job";
  if (id.startsWith("dataset:")) return "dataset";
  return "";
}

// The job and dataset graph: nodes by id with their neighbours, and the edges between them.
export function lineageModel(body, wanted) {
  const nodes = new Map();
  for (const raw of (body && body.graph) || []) {
    const data = raw.data || {};
    const kind = raw.type === "JOB" ? "job" : "dataset";
    nodes.set(raw.id, {
      id: raw.id,
      kind,
      name: String(data.name ?? (data.id && data.id.name) ?? raw.id),
      namespace: String(data.namespace ?? (data.id && data.id.namespace) ?? ""),
      data,
      ins: [],
      outs: [],
    });
  }
  const edges = [];
  const seen = new Set();
  for (const raw of (body && body.graph) || []) {
    for (const edge of [...(raw.inEdges || []), ...(raw.outEdges || [])]) {
      const key = `${edge.origin}\u0000${edge.destination}`;
      if (seen.has(key) || !nodes.has(edge.origin) || !nodes.has(edge.destination)) continue;
      seen.add(key);
      edges.push({ from: edge.origin, to: edge.destination });
      nodes.get(edge.origin).outs.push(edge.destination);
      nodes.get(edge.destination).ins.push(edge.origin);
    }
  }
  // A node asked for by another name (a symlink) is drawn under its catalogued id.
  const start = nodes.has(wanted) ? wanted : nodes.size ? nodes.keys().next().value : null;
  return { nodes, edges, start };
}

// The transformations of one input field: the columnLineage facet's `transformations`
// (type DIRECT/INDIRECT, subtype IDENTITY/TRANSFORMATION/AGGREGATION/JOIN/..., masking) when
// the answer carries them, else Marquez's transformationType (IDENTITY or MASKED).
export function transformationsOf(input) {
  if (input && Array.isArray(input.transformations) && input.transformations.length) {
    return input.transformations.map((t) => ({
      type: t.type ? String(t.type).toUpperCase() : "",
      subtype: t.subtype ? String(t.subtype).toUpperCase() : "",
      description: t.description ? String(t.description) : "",
      masking: Boolean(t.masking),
    }));
  }
  if (input && (input.transformationType || input.transformationDescription)) {
    const legacy = String(input.transformationType || "").toUpperCase();
    return [
      {
        type: legacy === "IDENTITY" || legacy === "MASKED" ? "DIRECT" : "",
        subtype: legacy === "MASKED" ? "" : legacy,
        description: input.transformationDescription ? String(input.transformationDescription) : "",
        masking: legacy === "MASKED",
      },
    ];
  }
  return [];
}

// Badges naming transformations, each once: IDENTITY, AGGREGATION, JOIN (indirect), masked.
export function transformationBadges(transformations) {
  const badges = [];
  const add = (text, cls, title) => {
    if (!badges.some((b) => b.text === text)) badges.push({ text, cls, title });
  };
  for (const t of transformations) {
    const name = t.subtype || (t.masking ? "" : t.type) || "";
    if (name) {
      const indirect = t.type === "INDIRECT";
      add(name, indirect ? "indirect" : name.toLowerCase(), `${t.type || "?"}/${name}${t.description ? `: ${t.description}` : ""}`);
    }
    if (t.masking) add("masked", "masked", "the value is masked");
  }
  return badges;
}

// The style of a column edge, by its strongest transformation.
export function edgeClass(transformations) {
  if (transformations.some((t) => t.masking)) return "masked";
  if (transformations.length && transformations.every((t) => t.type === "INDIRECT")) return "indirect";
  for (const name of ["AGGREGATION", "TRANSFORMATION", "IDENTITY"]) {
    if (transformations.some((t) => t.subtype === name)) return name.toLowerCase();
  }
  return transformations.length ? "transformation" : "unknown";
}

// The column graph: datasets as tables of their columns, and edges between columns carrying
// the transformations the destination column records for that input.
export function columnModel(body) {
  const tables = new Map();
  const fields = new Map();
  for (const raw of (body && body.graph) || []) {
    const data = raw.data || {};
    const namespace = String(data.namespace ?? "");
    const dataset = String(data.dataset ?? data.name ?? "");
    const tableId = nodeIds.dataset(namespace, dataset);
    if (!tables.has(tableId)) tables.set(tableId, { id: tableId, namespace, name: dataset, fields: [] });
    const field = {
      id: raw.id,
      table: tableId,
      namespace,
      dataset,
      name: String(data.field ?? raw.id),
      type: data.fieldType ? String(data.fieldType) : "",
      description: data.description ? String(data.description) : "",
      inputs: (data.inputFields || []).map((input) => ({
        id: nodeIds.field(input.namespace, input.dataset ?? input.name, input.field),
        namespace: String(input.namespace ?? ""),
        dataset: String(input.dataset ?? input.name ?? ""),
        field: String(input.field ?? ""),
        transformations: transformationsOf(input),
      })),
      outs: [],
      ins: [],
      raw,
    };
    fields.set(raw.id, field);
    tables.get(tableId).fields.push(field);
  }
  const edges = [];
  const seen = new Set();
  for (const field of fields.values()) {
    for (const edge of [...(field.raw.inEdges || []), ...(field.raw.outEdges || [])]) {
      const key = `${edge.origin}\u0000${edge.destination}`;
      if (seen.has(key) || !fields.has(edge.origin) || !fields.has(edge.destination)) continue;
      seen.add(key);
      const target = fields.get(edge.destination);
      const input = target.inputs.find((i) => i.id === edge.origin);
      const transformations = input ? input.transformations : [];
      edges.push({ from: edge.origin, to: edge.destination, transformations });
      fields.get(edge.origin).outs.push(edge.destination);
      target.ins.push(edge.origin);
    }
  }
  return { tables, fields, edges };
}
