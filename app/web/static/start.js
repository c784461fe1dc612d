// The start screen: namespaces, and the jobs and datasets of the chosen one, a page at a time.

import { api } from "./api.js";
import { clear, formatTime, h, stateBadge } from "./dom.js";
import { nodeIds } from "./model.js";
import { paged, plural } from "./paging.js";

const PAGE = 50;

function pagedList(box, ctx, load, render, noun) {
  const list = h("ul", { class: "entries" });
  const info = h("p", { class: "hint", text: `Loading ${noun}s\u2026` });
  const more = h("button", { type: "button", class: "more", hidden: true, text: `More ${noun}s` });
  box.append(info, list, more);
  return paged({
    ctx,
    more,
    info,
    load,
    show: (items) => list.append(...items.map(render)),
    describe: (shown, total) => (total ? `${shown} of ${plural(total, noun)}` : `No ${noun} in this namespace.`),
    failed: (err) => {
      info.textContent = `Could not list ${noun}s: ${err.message}`;
      info.className = "error";
    },
  });
}

export async function startScreen(root, ctx, { namespace }) {
  const nsBox = h("section", { class: "column", id: "namespaces", "aria-labelledby": "namespaces-title" }, h("h2", { id: "namespaces-title", text: "Namespaces" }));
  const jobsBox = h("section", { class: "column", id: "jobs", "aria-labelledby": "jobs-title" }, h("h2", { id: "jobs-title", text: "Jobs" }));
  const datasetsBox = h("section", { class: "column", id: "datasets", "aria-labelledby": "datasets-title" }, h("h2", { id: "datasets-title", text: "Datasets" }));
  clear(root).append(nsBox, jobsBox, datasetsBox);
  let namespaces;
  try {
    namespaces = await ctx.namespaces(true);
  } catch (err) {
    if (!ctx.current()) return;
    if (err.unauthorized) ctx.unauthorized(err);
    nsBox.append(h("p", { class: "error", text: `Could not list namespaces: ${err.message}` }));
    return;
  }
  if (!ctx.current()) return;
  if (!namespaces.length) {
    nsBox.append(h("p", { class: "hint", text: "No lineage yet: send OpenLineage events to POST /api/v1/lineage." }));
    return;
  }
  const chosen = namespaces.some((n) => n.name === namespace) ? namespace : namespaces[0].name;
  nsBox.append(
    h(
      "ul",
      { class: "entries" },
      ...namespaces.map((n) => {
        const a = ctx.link({ ns: n.name }, n.name, n.description || "");
        if (n.name === chosen) a.setAttribute("aria-current", "true");
        return h("li", { class: n.name === chosen ? "chosen" : "" }, a);
      }),
    ),
  );
  jobsBox.querySelector("h2").textContent = `Jobs in ${chosen}`;
  datasetsBox.querySelector("h2").textContent = `Datasets in ${chosen}`;
  await Promise.all([
    pagedList(
      jobsBox,
      ctx,
      async (offset) => {
        const answer = await api.jobs(chosen, PAGE, offset);
        return { items: answer.jobs || [], total: answer.totalCount };
      },
      (job) => {
        const id = nodeIds.job(job.namespace ?? chosen, job.name);
        const run = job.latestRun;
        return h(
          "li",
          {},
          ctx.link({ nodeId: id, selected: id }, job.name, [job.type, formatTime(job.updatedAt)].filter(Boolean).join(" \u00b7 ")),
          run ? stateBadge(run.state) : h("span", { class: "state state-none", text: "no run" }),
        );
      },
      "job",
    ),
    pagedList(
      datasetsBox,
      ctx,
      async (offset) => {
        const answer = await api.datasets(chosen, PAGE, offset);
        return { items: answer.datasets || [], total: answer.totalCount };
      },
      (dataset) => {
        const id = nodeIds.dataset(dataset.namespace ?? chosen, dataset.name);
        const columns = (dataset.fields || []).length;
        return h(
          "li",
          {},
          ctx.link({ nodeId: id, selected: id }, dataset.name, [columns ? `${columns} columns` : "", formatTime(dataset.updatedAt)].filter(Boolean).join(" \u00b7 ")),
        );
      },
      "dataset",
    ),
  ]);
}
