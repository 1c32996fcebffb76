// Small pieces of markup shared by the list and the detail view. Text always goes in
// as text nodes, never as HTML, so nothing a job carries can inject markup.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: iso, title: iso }, dateTime.format(new Date(iso)));
}

export function shortId(id) {
  return String(id).slice(0, 8);
}

// One line that tells jobs apart: the search for scrape jobs, the leads for enrich jobs.
export function summary(job) {
  const params = job.params;
  if (job.kind === "scrape") {
    const search = params.search;
    const extra = [...(search.titles ?? []), ...(search.locations ?? [])];
    return extra.length ? `${search.keywords} · ${extra.join(", ")}` : search.keywords;
  }
  if (params.source_job_id) return `Leads of job ${shortId(params.source_job_id)}`;
  const count = params.leads?.length ?? 0;
  return `${count} lead${count === 1 ? "" : "s"}`;
}

export function statusBadge(job) {
  const label = job.cancel_requested && !["cancelled", "succeeded", "failed"].includes(job.status)
    ? `${job.status} · cancelling`
    : job.status;
  return h("span", { class: `status status-${job.status}` }, label);
}

export function progressText(job) {
  const p = job.progress;
  const unit = job.kind === "scrape" ? "pages" : "batches";
  const of = p.pages_total ? `${p.pages_done}/${p.pages_total}` : String(p.pages_done);
  const items = job.kind === "scrape" ? "leads" : "leads done";
  let text = `${of} ${unit} · ${p.items_done} ${items}`;
  if (job.kind === "enrich" && p.enriched !== undefined) {
    text += ` (${p.enriched} enriched, ${p.not_found} not found, ${p.failed} failed)`;
  }
  return text;
}

export function progress(job) {
  const percent = Math.round(job.progress.percent);
  return h(
    "div",
    { class: "progress" },
    h("progress", {
      max: "100",
      value: String(percent),
      "aria-label": `${percent}% done`,
    }),
    h("span", { class: "percent" }, `${percent}%`),
    h("span", { class: "progress-text" }, progressText(job)),
  );
}
