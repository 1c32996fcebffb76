// The jobs list: newest first, filtered and paged; rows of running jobs update live.
import { TERMINAL } from "./api.js";
import { h, progress, statusBadge, summary, time } from "./view.js";

const PAGE_SIZE = 20;
// Fallback for what no stream covers (scheduled jobs starting, jobs over the stream cap,
// jobs submitted elsewhere); the streams carry the live progress.
const REFRESH_MS = 10000;

export class JobsList {
  constructor(api, live, onError) {
    this.api = api;
    this.live = live;
    this.onError = onError;
    this.section = document.getElementById("jobs-view");
    this.tbody = document.querySelector("#jobs tbody");
    this.empty = document.getElementById("jobs-empty");
    this.error = document.getElementById("jobs-error");
    this.filters = document.getElementById("filters");
    this.newer = document.getElementById("newer");
    this.older = document.getElementById("older");
    this.pageNumber = document.getElementById("page-number");
    this.cursors = [null];
    this.nextCursor = null;
    this.timer = null;

    this.filters.addEventListener("change", () => this.reset());
    this.filters.addEventListener("submit", (event) => event.preventDefault());
    this.older.addEventListener("click", () => {
      this.cursors.push(this.nextCursor);
      this.load({ replace: true });
    });
    this.newer.addEventListener("click", () => {
      this.cursors.pop();
      this.load({ replace: true });
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !this.section.hidden) this.load();
    });
  }

  show() {
    this.section.hidden = false;
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (!document.hidden) this.load();
    }, REFRESH_MS);
    return this.load({ replace: true });
  }

  hide() {
    this.section.hidden = true;
    clearInterval(this.timer);
    this.timer = null;
  }

  reset() {
    this.cursors = [null];
    return this.load({ replace: true });
  }

  async load({ replace = false } = {}) {
    const form = new FormData(this.filters);
    let page;
    try {
      page = await this.api.jobs({
        status: form.get("status"),
        kind: form.get("kind"),
        cursor: this.cursors.at(-1),
        limit: PAGE_SIZE,
      });
    } catch (error) {
      this.error.textContent = `Could not load jobs: ${error.message}`;
      this.onError(error);
      return;
    }
    this.error.textContent = "";
    if (replace) this.tbody.replaceChildren();
    this.nextCursor = page.next_cursor;
    this.render(page.items);
    for (const job of page.items) this.live.observe(job);
    for (const job of page.items) {
      if (job.status === "queued" || job.status === "running") this.live.follow(job.id);
    }
  }

  // Keyed by job id: existing rows are updated in place (keeping keyboard focus), new
  // ones inserted where they belong, rows no longer on this page removed.
  render(jobs) {
    const wanted = new Set(jobs.map((job) => job.id));
    for (const row of [...this.tbody.rows]) {
      if (!wanted.has(row.dataset.jobId)) row.remove();
    }
    jobs.forEach((job, index) => {
      const row = this.row(job.id) ?? newRow(job);
      if (this.tbody.rows[index] !== row) this.tbody.insertBefore(row, this.tbody.rows[index] ?? null);
      fillRow(row, job);
    });
    this.empty.hidden = jobs.length > 0;
    this.newer.disabled = this.cursors.length === 1;
    this.older.disabled = !this.nextCursor;
    this.pageNumber.textContent = `Page ${this.cursors.length}`;
  }

  row(id) {
    return [...this.tbody.rows].find((row) => row.dataset.jobId === id) ?? null;
  }

  update(job) {
    const row = this.row(job.id);
    if (row) fillRow(row, job);
    if (TERMINAL.has(job.status)) this.live.unfollow(job.id);
  }
}

function newRow(job) {
  return h(
    "tr",
    { "data-job-id": job.id },
    h(
      "td",
      { class: "job", "data-label": "Job" },
      h("div", {}, h("span", { class: "kind" }, job.kind), " ", h("a", { href: `#/jobs/${job.id}` }, summary(job))),
    ),
    h("td", { class: "status-cell", "data-label": "Status" }),
    h("td", { class: "progress-cell", "data-label": "Progress" }),
    h("td", { class: "created", "data-label": "Created" }),
    h("td", { class: "started", "data-label": "Started" }),
    h("td", { class: "finished", "data-label": "Finished" }),
    h("td", { class: "num results", "data-label": "Results" }),
  );
}

function fillRow(row, job) {
  row.dataset.status = job.status;
  const cell = (name) => row.querySelector(`.${name}`);
  const error = job.error ? [h("p", { class: "error-message" }, job.error.message)] : [];
  cell("status-cell").replaceChildren(h("div", {}, statusBadge(job), ...error));
  cell("progress-cell").replaceChildren(progress(job));
  cell("created").replaceChildren(time(job.created_at));
  cell("started").replaceChildren(
    job.status === "scheduled" ? h("span", { class: "muted" }, "runs ", time(job.run_at)) : time(job.started_at),
  );
  cell("finished").replaceChildren(time(job.finished_at));
  cell("results").textContent = String(job.result_count);
}
