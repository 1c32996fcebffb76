// The jobs list: newest first, filtered and paged; rows of running jobs update live.
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
    this.heading = document.getElementById("jobs-title");
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
    this.loads = 0;

    this.filters.addEventListener("change", () => this.reset());
    this.filters.addEventListener("submit", (event) => event.preventDefault());
    this.older.addEventListener("click", () => this.page(() => this.cursors.push(this.nextCursor)));
    this.newer.addEventListener("click", () => this.page(() => this.cursors.pop()));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !this.section.hidden) this.load();
    });
  }

  show({ focus = false } = {}) {
    this.section.hidden = false;
    if (focus) this.heading.focus();
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
    this.loads += 1; // answers still on their way are for a list no longer shown
  }

  reset() {
    this.cursors = [null];
    return this.load({ replace: true });
  }

  page(move) {
    this.newer.disabled = this.older.disabled = true;
    move();
    return this.load({ replace: true });
  }

  async load({ replace = false } = {}) {
    if (this.section.hidden) return;
    const load = ++this.loads;
    const form = new FormData(this.filters);
    const sentAt = performance.now();
    let page;
    try {
      page = await this.api.jobs({
        status: form.get("status"),
        kind: form.get("kind"),
        cursor: this.cursors.at(-1),
        limit: PAGE_SIZE,
      });
    } catch (error) {
      if (load !== this.loads) return;
      this.error.textContent = `Could not load jobs: ${error.message}`;
      this.pager();
      this.onError(error);
      return;
    }
    // A newer load (another page, filter or a refresh) has started: its answer counts.
    if (load !== this.loads) return;
    this.error.textContent = "";
    if (replace) this.clearRows();
    this.nextCursor = page.next_cursor;
    // Rows show what the page knows, which a stream may have made newer than this answer.
    const jobs = page.items.map((job) => this.live.observe(job, sentAt));
    this.render(jobs);
    for (const job of jobs) {
      if (job.status === "queued" || job.status === "running") this.live.follow(job.id);
    }
  }

  // Signing out: the next key starts on the first page with no filters.
  forget() {
    this.clearRows();
    this.filters.reset();
    this.cursors = [null];
    this.nextCursor = null;
  }

  clearRows() {
    for (const row of [...this.tbody.rows]) this.live.unfollow(row.dataset.jobId);
    this.tbody.replaceChildren();
  }

  // Keyed by job id: existing rows are updated in place (keeping keyboard focus), new
  // ones inserted where they belong, rows no longer on this page removed.
  render(jobs) {
    const wanted = new Set(jobs.map((job) => job.id));
    for (const row of [...this.tbody.rows]) {
      if (!wanted.has(row.dataset.jobId)) {
        this.live.unfollow(row.dataset.jobId);
        row.remove();
      }
    }
    jobs.forEach((job, index) => {
      const row = this.row(job.id) ?? newRow(job);
      if (this.tbody.rows[index] !== row) this.tbody.insertBefore(row, this.tbody.rows[index] ?? null);
      fillRow(row, job);
    });
    this.empty.hidden = jobs.length > 0;
    this.pager();
  }

  pager() {
    this.newer.disabled = this.cursors.length === 1;
    this.older.disabled = !this.nextCursor;
    this.pageNumber.textContent = `Page ${this.cursors.length}`;
  }

  row(id) {
    return [...this.tbody.rows].find((row) => row.dataset.jobId === id) ?? null;
  }

  // A finished job's stream closes by itself after the job's last event.
  update(job) {
    const row = this.row(job.id);
    if (row) fillRow(row, job);
  }
}

// Explicit roles: the phone layout restyles the table as cards, and browsers drop a
// table's semantics once it is no longer displayed as one.
function newRow(job) {
  const cell = (name, label, ...children) =>
    h("td", { class: name, role: "cell", "data-label": label }, ...children);
  return h(
    "tr",
    { "data-job-id": job.id, role: "row" },
    cell(
      "job",
      "Job",
      h("div", {}, h("span", { class: "kind" }, job.kind), " ", h("a", { href: `#/jobs/${job.id}` }, summary(job))),
    ),
    cell("status-cell", "Status"),
    cell("progress-cell", "Progress"),
    cell("created", "Created"),
    cell("started", "Started"),
    cell("finished", "Finished"),
    cell("num results", "Results"),
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
