// One job: its facts, progress, parameters, event timeline and first results, with
// cancel, resume and downloads. The timeline grows live from the job's event stream.
import { TERMINAL } from "./api.js";
import { h, progress, shortId, statusBadge, summary, time } from "./view.js";

const CANCELLABLE = new Set(["scheduled", "queued", "running"]);
const RESUMABLE = new Set(["failed", "cancelled"]);
const RESULTS_SHOWN = 25;

export class JobDetail {
  constructor(api, live, { toast, onError }) {
    this.api = api;
    this.live = live;
    this.toast = toast;
    this.onError = onError;
    this.section = document.getElementById("job-view");
    this.title = document.getElementById("job-title");
    this.facts = document.getElementById("job-facts");
    this.progressBlock = document.getElementById("job-progress");
    this.params = document.getElementById("job-params");
    this.timeline = document.getElementById("job-events");
    this.resultsBody = document.querySelector("#job-results tbody");
    this.resultsNote = document.getElementById("results-note");
    this.error = document.getElementById("job-error");
    this.cancelButton = document.getElementById("cancel-job");
    this.resumeButton = document.getElementById("resume-job");
    this.id = null;
    this.job = null;
    this.lastEventId = 0;

    this.cancelButton.addEventListener("click", () =>
      this.act(this.cancelButton, () => this.api.cancel(this.job.id), "Cancel requested."),
    );
    this.resumeButton.addEventListener("click", () =>
      this.act(this.resumeButton, () => this.api.resume(this.job.id), "Job resumed."),
    );
    document.getElementById("download-csv").addEventListener("click", (event) =>
      this.download(event.currentTarget, "csv"),
    );
    document.getElementById("download-jsonl").addEventListener("click", (event) =>
      this.download(event.currentTarget, "jsonl"),
    );
  }

  async show(id) {
    this.clear();
    this.section.hidden = false;
    this.id = id;
    this.title.textContent = `Job ${shortId(id)}`;
    this.title.focus();
    let job;
    let events;
    try {
      [job, events] = await Promise.all([this.api.job(id), this.api.allEvents(id)]);
    } catch (error) {
      this.error.textContent =
        error.status === 404 ? "No such job for this key." : `Could not load the job: ${error.message}`;
      this.onError(error);
      return;
    }
    if (this.section.hidden || this.id !== id) return; // the user went elsewhere meanwhile
    for (const event of events) this.addEvent(event);
    this.live.observe(job);
    await this.loadResults();
    this.followIfActive();
  }

  hide() {
    this.section.hidden = true;
    if (this.id) this.live.unfollow(this.id);
    this.clear();
  }

  // Nothing of the last job shown may linger into the next one.
  clear() {
    this.id = null;
    this.job = null;
    this.lastEventId = 0;
    this.error.textContent = "";
    for (const node of [this.facts, this.progressBlock, this.timeline, this.resultsBody]) {
      node.replaceChildren();
    }
    this.params.textContent = "";
    this.resultsNote.textContent = "";
    this.cancelButton.hidden = true;
    this.resumeButton.hidden = true;
  }

  followIfActive() {
    if (this.job && !TERMINAL.has(this.job.status) && this.job.status !== "scheduled") {
      this.live.follow(this.job.id, {
        afterId: this.lastEventId,
        onEvent: (event) => this.addEvent(event),
        priority: true,
      });
    }
  }

  // Called for every job the page learns about; renders only the one shown.
  update(job) {
    if (this.section.hidden || job.id !== this.id) return;
    const before = this.job;
    this.job = job;
    this.render(job);
    const ended = before && !TERMINAL.has(before.status) && TERMINAL.has(job.status);
    const growing = this.resultsBody.rows.length < Math.min(job.result_count, RESULTS_SHOWN);
    if (ended || growing) this.loadResults();
  }

  render(job) {
    this.title.textContent = `${job.kind === "scrape" ? "Scrape" : "Enrich"} job · ${summary(job)}`;
    this.facts.replaceChildren(
      ...fact("Status", statusBadge(job)),
      ...fact("Job id", h("code", {}, job.id)),
      ...fact("Created", time(job.created_at)),
      ...(job.run_at ? fact("Run at", time(job.run_at)) : []),
      ...fact("Started", time(job.started_at)),
      ...fact("Finished", time(job.finished_at)),
      ...fact("Results", String(job.result_count)),
      ...(job.error
        ? fact(
            "Error",
            h(
              "span",
              { class: "error-message" },
              `${job.error.type}: ${job.error.message}`,
              job.error.page ? ` (page ${job.error.page})` : "",
            ),
          )
        : []),
    );
    this.progressBlock.replaceChildren(progress(job));
    this.params.textContent = JSON.stringify(job.params, null, 2);
    this.cancelButton.hidden = !CANCELLABLE.has(job.status) || job.cancel_requested;
    this.resumeButton.hidden = !RESUMABLE.has(job.status);
  }

  addEvent(event) {
    if (event.id <= this.lastEventId) return;
    this.lastEventId = event.id;
    const details = Object.entries(event.data ?? {})
      .filter(([, value]) => value !== null && typeof value !== "object")
      .map(([name, value]) => `${name} ${value}`)
      .join(" · ");
    this.timeline.append(
      h(
        "li",
        { "data-type": event.type },
        time(event.at),
        " ",
        h("strong", {}, event.type),
        details ? h("span", { class: "muted" }, ` ${details}`) : null,
      ),
    );
  }

  async loadResults() {
    if (!this.job) return;
    const id = this.job.id;
    try {
      const page = await this.api.results(id, RESULTS_SHOWN);
      if (this.job?.id !== id) return;
      this.resultsBody.replaceChildren(...page.items.map(resultRow));
      this.resultsNote.textContent = page.next_cursor
        ? `(first ${page.items.length}; download for all ${this.job.result_count})`
        : `(${page.items.length})`;
    } catch (error) {
      this.onError(error);
    }
  }

  async act(button, call, message) {
    button.disabled = true;
    this.error.textContent = "";
    try {
      const job = await call();
      this.live.observe(job);
      this.toast(message);
      this.followIfActive();
    } catch (error) {
      this.error.textContent = error.message;
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }

  async download(button, format) {
    button.disabled = true;
    try {
      const { blob, filename } = await this.api.download(this.job.id, format);
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked later, not at once: the browser reads the blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      this.error.textContent = `Download failed: ${error.message}`;
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value)];
}

function resultRow(lead) {
  const cell = (label, value) => h("td", { "data-label": label }, value ?? "");
  return h(
    "tr",
    {},
    cell("Name", lead.full_name),
    cell("Title", lead.title),
    cell("Company", lead.company),
    cell("Location", lead.location),
    cell("Email", lead.email),
    cell("Email status", lead.email_status),
  );
}
