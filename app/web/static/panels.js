// The side panel: a job with its latest run and run history, a dataset with its schema and
// versions, a column with its inputs and their transformations.

import { api } from "./api.js";
import { clear, epochMs, formatDuration, formatTime, h, isoTime, onActivate, shortId, stateBadge } from "./dom.js";
import { nodeIds, transformationBadges } from "./model.js";
import { paged, plural } from "./paging.js";

const RUN_PAGE = 20;
const VERSION_PAGE = 20;

function header(kind, name, namespace) {
  return h(
    "header",
    { class: "panel-head" },
    h("span", { class: `kind kind-${kind.toLowerCase()}`, text: kind }),
    h("h2", { id: "panel-title", text: name }),
    namespace ? h("div", { class: "ns", text: namespace }) : null,
  );
}

function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [name, value] of pairs) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
    dl.append(h("dt", { text: name }), h("dd", {}, value instanceof Node ? value : String(value)));
  }
  return dl;
}

function section(title, ...children) {
  return h("section", { class: "panel-section" }, h("h3", { text: title }), ...children);
}

function failure(err, what) {
  return h("p", { class: "error", text: `${what}: ${err.message}` });
}

function linkList(ctx, ids) {
  if (!ids.length) return h("p", { class: "hint", text: "none" });
  return h(
    "ul",
    { class: "links" },
    ...ids.map((d) => h("li", {}, ctx.link({ nodeId: nodeIds.dataset(d.namespace, d.name) }, d.name, `${d.namespace}`))),
  );
}

// Whether a run began after the point in time the graph shows.
function afterAsOf(run, asOf) {
  if (!asOf) return false;
  const began = epochMs(run.startedAt || run.createdAt);
  return began !== null && began > epochMs(asOf);
}

function runDuration(run) {
  if (run.durationMs !== null && run.durationMs !== undefined) return formatDuration(run.durationMs);
  const start = epochMs(run.startedAt);
  const end = epochMs(run.endedAt);
  return start !== null && end !== null ? formatDuration(end - start) : "";
}

function versionList(versions) {
  return (versions || []).map((v) => {
    const id = v.datasetVersionId || v;
    return `${id.namespace}:${id.name}${id.version ? ` @ ${shortId(id.version)}` : ""}`;
  });
}

async function runDetails(cell, run) {
  clear(cell).append(h("p", { class: "hint", text: "Loading the run\u2026" }));
  let full = run;
  try {
    full = await api.run(run.id);
  } catch (err) {
    cell.prepend(failure(err, "GET /jobs/runs/" + run.id));
  }
  const facets = full.facets && Object.keys(full.facets).length ? h("pre", { class: "json", text: JSON.stringify(full.facets, null, 2) }) : null;
  clear(cell).append(
    facts([
      ["Run", full.id],
      ["State", stateBadge(full.state)],
      ["Started", formatTime(full.startedAt)],
      ["Ended", formatTime(full.endedAt)],
      ["Duration", runDuration(full)],
      ["Nominal start", formatTime(full.nominalStartTime)],
      ["Nominal end", formatTime(full.nominalEndTime)],
      ["Transitions", (full.transitions || []).map((s) => `${s.eventType} ${formatTime(s.transitionedAt)}`).join("\n")],
      ["Job version", full.jobVersion && full.jobVersion.version],
      ["Read", versionList(full.inputDatasetVersions).join("\n")],
      ["Wrote", versionList(full.outputDatasetVersions).join("\n")],
    ]),
    facets ? h("details", {}, h("summary", { text: "Run facets" }), facets) : null,
  );
}

function runRow(run, ctx) {
  const detail = h("td", { colspan: 4, class: "run-detail" });
  const detailRow = h("tr", { hidden: true }, detail);
  const row = h(
    "tr",
    {
      class: `run${afterAsOf(run, ctx.asOf) ? " after-as-of" : ""}`,
      tabindex: 0,
      "aria-expanded": "false",
      title: afterAsOf(run, ctx.asOf) ? "started after the point in time shown" : null,
      "data-run": run.id,
    },
    h("td", {}, stateBadge(run.state)),
    h("td", { text: formatTime(run.startedAt || run.createdAt), title: isoTime(run.startedAt || run.createdAt) }),
    h("td", { text: runDuration(run) }),
    h("td", { class: "mono", text: shortId(run.id), title: run.id }),
  );
  const toggle = () => {
    const open = detailRow.hidden;
    detailRow.hidden = !open;
    row.setAttribute("aria-expanded", String(open));
    if (open) runDetails(detail, run);
  };
  onActivate(row, toggle);
  return [row, detailRow];
}

export async function jobPanel(body, ctx, { namespace, name, node }) {
  const latest = h("div", { class: "latest-run" }, h("p", { class: "hint", text: "Loading the latest run\u2026" }));
  const about = h("div", {});
  const runsBody = h("tbody", {});
  const more = h("button", { type: "button", class: "more", hidden: true, text: "More runs" });
  const runsInfo = h("p", { class: "hint", text: "Loading runs\u2026" });
  clear(body).append(
    header("Job", name, namespace),
    h("div", { class: "actions" }, ctx.link({ nodeId: node ? node.id : nodeIds.job(namespace, name) }, "Lineage from this job")),
    latest,
    about,
    section(
      "Run history",
      runsInfo,
      h("table", { class: "runs" }, h("thead", {}, h("tr", {}, h("th", { text: "State" }), h("th", { text: "Started" }), h("th", { text: "Duration" }), h("th", { text: "Run" }))), runsBody),
      more,
    ),
  );
  const describe = (job) => {
    const sql = job.facets && job.facets.sql && job.facets.sql.query;
    clear(about).append(
      facts([
        ["Type", job.type],
        ["Description", job.description],
        ["Location", job.location],
        ["Parent job", job.parentJobName || (job.parentJob && job.parentJob.name)],
        ["Updated", formatTime(job.updatedAt)],
      ]),
      section("Reads", linkList(ctx, job.inputs || [])),
      section("Writes", linkList(ctx, job.outputs || [])),
      sql || job.sql ? section("SQL", h("pre", { class: "sql", text: sql || job.sql })) : null,
    );
  };
  const showLatest = (run) => {
    if (!run) {
      clear(latest).append(h("p", { class: "hint", text: ctx.asOf ? `No run by ${formatTime(ctx.asOf)}.` : "No run recorded." }));
      return;
    }
    clear(latest).append(
      h("span", { class: "label", text: ctx.asOf ? `Latest run by ${formatTime(ctx.asOf)}` : "Latest run" }),
      stateBadge(run.state),
      h("span", { text: ` ${formatTime(run.startedAt || run.createdAt)}` }),
      runDuration(run) ? h("span", { class: "hint", text: ` \u00b7 ${runDuration(run)}` }) : null,
    );
  };
  if (node) describe(node.data);
  let job = null;
  try {
    job = await api.job(namespace, name);
    if (!ctx.current()) return;
    describe(job);
  } catch (err) {
    if (!ctx.current()) return;
    if (err.unauthorized) ctx.unauthorized(err);
    about.prepend(failure(err, "Job details"));
  }
  // At a point in time, the latest run is the newest that had begun by then.
  const latestOf = (runs) => (ctx.asOf ? runs.find((r) => !afterAsOf(r, ctx.asOf)) || null : (job && job.latestRun) || runs[0] || null);
  await paged({
    ctx,
    more,
    info: runsInfo,
    load: async (offset) => {
      const answer = await api.runs(namespace, name, RUN_PAGE, offset);
      return { items: answer.runs || [], total: answer.totalCount };
    },
    show: (runs, offset) => {
      if (offset === 0) showLatest(latestOf(runs));
      for (const run of runs) runsBody.append(...runRow(run, ctx));
    },
    describe: (_shown, total) => (total ? plural(total, "run") : "No run recorded."),
    failed: (err, offset) => {
      if (offset === 0) showLatest(latestOf([]));
      runsInfo.replaceWith(failure(err, "Run history"));
    },
  });
}

function schemaTable(fields) {
  if (!fields || !fields.length) return h("p", { class: "hint", text: "No schema recorded." });
  return h(
    "table",
    { class: "schema" },
    h("thead", {}, h("tr", {}, h("th", { text: "Column" }), h("th", { text: "Type" }), h("th", { text: "Description" }))),
    h(
      "tbody",
      {},
      ...fields.map((f) => h("tr", {}, h("td", { class: "mono", text: f.name }), h("td", { text: f.type || "" }), h("td", { text: f.description || "" }))),
    ),
  );
}

// What changed in the schema from the older version to the newer one.
function schemaChange(newer, older) {
  if (!older) return "first version";
  const before = new Map((older.fields || []).map((f) => [f.name, f.type]));
  const after = new Map((newer.fields || []).map((f) => [f.name, f.type]));
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const retyped = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  const parts = [];
  if (added.length) parts.push(`+${added.join(", +")}`);
  if (removed.length) parts.push(`\u2212${removed.join(", \u2212")}`);
  if (retyped.length) parts.push(`~${retyped.join(", ~")}`);
  return parts.join("  ") || "same schema";
}

export async function datasetPanel(body, ctx, { namespace, name, node }) {
  const about = h("div", {});
  const schemaTitle = h("h3", { text: "Schema" });
  const schemaBox = h("div", {});
  const versionsBody = h("tbody", {});
  const versionsInfo = h("p", { class: "hint", text: "Loading versions\u2026" });
  const more = h("button", { type: "button", class: "more", hidden: true, text: "More versions" });
  const datasetId = node ? node.id : nodeIds.dataset(namespace, name);
  clear(body).append(
    header("Dataset", name, namespace),
    h(
      "div",
      { class: "actions" },
      ctx.link({ nodeId: datasetId }, "Lineage from this dataset"),
      ctx.link({ nodeId: datasetId, view: "columns" }, "Column lineage"),
    ),
    about,
    h("section", { class: "panel-section" }, schemaTitle, schemaBox),
    section(
      "Versions",
      versionsInfo,
      h("table", { class: "versions" }, h("thead", {}, h("tr", {}, h("th", { text: "Created" }), h("th", { text: "Version" }), h("th", { text: "By run" }), h("th", { text: "Schema" }))), versionsBody),
      more,
    ),
  );
  let current = node ? node.data : null;
  const showSchema = (fields, title) => {
    schemaTitle.textContent = title;
    clear(schemaBox).append(schemaTable(fields));
  };
  const describe = (dataset) => {
    clear(about).append(
      facts([
        ["Type", dataset.type],
        ["Physical name", dataset.physicalName && dataset.physicalName !== dataset.name ? dataset.physicalName : ""],
        ["Source", dataset.sourceName],
        ["Updated", formatTime(dataset.updatedAt)],
        ["Description", dataset.description],
        ["Tags", (dataset.tags || []).map((t) => (typeof t === "string" ? t : t.name)).join(", ")],
      ]),
    );
    showSchema(dataset.fields, "Schema");
  };
  if (current) describe(current);
  try {
    current = await api.dataset(namespace, name);
    if (!ctx.current()) return;
    describe(current);
  } catch (err) {
    if (!ctx.current()) return;
    if (err.unauthorized) ctx.unauthorized(err);
    about.prepend(failure(err, "Dataset details"));
  }
  const rows = [];
  let oldest = null; // the last version shown: its change is known once the next page comes
  const versionRow = (version, older, last) => {
    const run = version.createdByRun;
    const label = shortId(version.version || (version.id && version.id.version));
    const row = h(
      "tr",
      { class: "version", tabindex: 0, "data-version": version.version || "" },
      h("td", { text: formatTime(version.createdAt), title: isoTime(version.createdAt) }),
      h("td", { class: "mono", text: label, title: version.version || "" }),
      h("td", {}, run ? stateBadge(run.state) : "", run ? h("span", { class: "mono", text: ` ${shortId(run.id)}`, title: run.id }) : ""),
      h("td", { class: "change", text: older || last ? schemaChange(version, older) : "" }),
    );
    onActivate(row, () => {
      for (const r of rows) r.classList.remove("chosen");
      row.classList.add("chosen");
      showSchema(version.fields, `Schema at version ${label} (${formatTime(version.createdAt)})`);
    });
    rows.push(row);
    return row;
  };
  let total = 0;
  await paged({
    ctx,
    more,
    info: versionsInfo,
    load: async (offset) => {
      const answer = await api.versions(namespace, name, VERSION_PAGE, offset);
      total = answer.totalCount ?? 0;
      return { items: answer.versions || [], total: answer.totalCount };
    },
    show: (versions, offset) => {
      if (oldest && versions.length) oldest.row.querySelector(".change").textContent = schemaChange(oldest.version, versions[0]);
      versions.forEach((version, i) => versionsBody.append(versionRow(version, versions[i + 1] || null, offset + i + 1 >= total)));
      if (versions.length) oldest = { version: versions[versions.length - 1], row: rows[rows.length - 1] };
    },
    describe: (_shown, count) => (count ? `${plural(count, "version")}; choose one for its schema` : "No version recorded."),
    failed: (err) => versionsInfo.replaceWith(failure(err, "Versions")),
  });
}

function transformationList(transformations) {
  const badges = transformationBadges(transformations);
  const details = transformations.map((t) => t.description).filter(Boolean);
  return h(
    "span",
    { class: "transformations" },
    ...badges.map((b) => h("span", { class: `badge t-${b.cls}`, text: b.text, title: b.title })),
    details.length ? h("span", { class: "hint", text: ` ${details.join("; ")}` }) : null,
  );
}

export function columnPanel(body, ctx, { field, model }) {
  const outputs = field.outs.map((id) => model.fields.get(id)).filter(Boolean);
  clear(body).append(
    header("Column", field.name, `${field.dataset} \u00b7 ${field.namespace}`),
    h(
      "div",
      { class: "actions" },
      ctx.link({ nodeId: field.id, view: "columns" }, "Lineage of this column"),
      ctx.link({ nodeId: nodeIds.dataset(field.namespace, field.dataset) }, "Dataset lineage"),
    ),
    facts([
      ["Type", field.type],
      ["Description", field.description],
    ]),
    section(
      "Made from",
      field.inputs.length
        ? h(
            "ul",
            { class: "links inputs" },
            ...field.inputs.map((input) =>
              h("li", {}, ctx.link({ nodeId: input.id, view: "columns" }, `${input.dataset}.${input.field}`, input.namespace), " ", transformationList(input.transformations)),
            ),
          )
        : h("p", { class: "hint", text: "No input column recorded." }),
    ),
    section(
      "Used by",
      outputs.length
        ? h("ul", { class: "links" }, ...outputs.map((o) => h("li", {}, ctx.link({ nodeId: o.id, view: "columns" }, `${o.dataset}.${o.name}`, o.namespace))))
        : h("p", { class: "hint", text: "No column downstream in this graph." }),
    ),
  );
}
