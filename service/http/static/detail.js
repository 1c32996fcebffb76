// One job: its facts, progress, parameters, event timeline and first results, with
// cancel, resume and downloads. The timeline grows live from the job's event stream.
import { ENDINGS, TERMINAL } from "./api.js";
import { h, progress, shortId, statusBadge, summary, time } from "./view.js";

const CANCELLABLE = new Set(["scheduled", "queued", "running"]);
const RESUMABLE = new Set(["failed", "cancelled"]);
const RESULTS_SHOWN = 25;
// For a scheduled job (no stream until it starts) and for a stream that is down.
const REFRESH_MS = 10000;

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
    this.enrichButton = document.getElementById("enrich-job");
    this.downloads = [...document.querySelectorAll("[data-download]")];
    this.timer = null;
    // Passed to every follow of the shown job, so Live can tell its stream is ours.
    this.onEvent = (event) => this.addEvent(event);
    this.clear();

    this.cancelButton.addEventListener("click", () =>
      this.act(this.cancelButton, (id) => this.api.cancel(id), "Cancel requested."),
    );
    this.resumeButton.addEventListener("click", () =>
      this.act(this.resumeButton, (id) => this.api.resume(id), "Job resumed."),
    );
    this.enrichButton.addEventListener("click", () => this.enrich());
    for (const button of this.downloads) {
      button.addEventListener("click", () => this.download(button, button.dataset.download));
    }
  }

  async show(id) {
    this.clear();
    this.section.hidden = false;
    this.id = id;
    const visit = this.visit;
    this.title.textContent = `Job ${shortId(id)}`;
    this.title.focus();
    try {
      // Events first, then the job: a job read as unfinished has not yet written its
      // ending, so its stream, opened after the last event loaded, will carry it.
      for (const event of await this.api.allEvents(id)) this.addEvent(event);
      const sentAt = performance.now();
      const job = await this.api.job(id);
      if (visit !== this.visit) return;
      if (TERMINAL.has(job.status) && !this.endingShown()) {
        for (const event of await this.api.allEvents(id)) this.addEvent(event);
      }
      if (visit !== this.visit) return;
      this.live.observe(job, sentAt);
    } catch (error) {
      if (visit !== this.visit) return;
      this.error.textContent =
        error.status === 404 ? "No such job for this key." : `Could not load the job: ${error.message}`;
      this.onError(error);
      return;
    }
    this.timer = setInterval(() => this.tick(), REFRESH_MS);
  }

  endingShown() {
    return ENDINGS.has(this.timeline.lastElementChild?.dataset.type);
  }

  hide() {
    this.section.hidden = true;
    if (this.id) this.live.unfollow(this.id);
    this.clear();
  }

  // Nothing of the last job shown may linger into the next one.
  clear() {
    clearInterval(this.timer);
    this.timer = null;
    // Every visit of a job's page is its own: answers for an earlier one are dropped.
    this.visit = {};
    this.id = null;
    this.job = null;
    this.lastEventId = 0;
    this.resultsLoading = null;
    this.error.textContent = "";
    for (const node of [this.facts, this.progressBlock, this.timeline, this.resultsBody]) {
      node.replaceChildren();
    }
    this.params.textContent = "";
    this.resultsNote.textContent = "";
    this.cancelButton.hidden = true;
    this.resumeButton.hidden = true;
    this.enrichButton.hidden = true;
    for (const button of this.downloads) button.disabled = true;
  }

  tick() {
    if (document.hidden || !this.job || TERMINAL.has(this.job.status)) return;
    if (!this.followIfActive()) this.live.refresh(this.job.id);
  }

  // Follows the job's stream while it is queued or running; true if a stream is open.
  followIfActive() {
    const job = this.job;
    if (!job || !(job.status === "queued" || job.status === "running")) return false;
    return this.live.follow(job.id, {
      afterId: this.lastEventId,
      onEvent: this.onEvent,
      priority: true,
    });
  }

  // Called for every job the page learns about; renders only the one shown.
  update(job) {
    if (this.section.hidden || job.id !== this.id) return;
    const before = this.job;
    this.job = job;
    this.render(job);
    this.followIfActive();
    const ended = before && !TERMINAL.has(before.status) && TERMINAL.has(job.status);
    const growing = this.resultsBody.rows.length < Math.min(job.result_count, RESULTS_SHOWN);
    if (!before || ended || growing) this.loadResults();
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
    // Enrich reads a scrape job's leads once the scrape has ended.
    this.enrichButton.hidden = !(job.kind === "scrape" && TERMINAL.has(job.status) && job.result_count > 0);
    for (const button of this.downloads) button.disabled = false;
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

  // One request at a time; asks made meanwhile are served by one more afterwards.
  async loadResults() {
    if (this.resultsLoading) {
      this.resultsLoading.again = true;
      return;
    }
    const id = this.id;
    const visit = this.visit;
    const loading = (this.resultsLoading = { again: true });
    try {
      while (loading.again && visit === this.visit) {
        loading.again = false;
        const page = await this.api.results(id, RESULTS_SHOWN);
        if (visit !== this.visit) return;
        this.resultsBody.replaceChildren(...page.items.map(resultRow));
        this.resultsNote.textContent = page.next_cursor
          ? `(first ${page.items.length}; download for all ${this.job?.result_count ?? ""})`
          : `(${page.items.length})`;
      }
    } catch (error) {
      this.onError(error);
    } finally {
      if (this.resultsLoading === loading) this.resultsLoading = null;
    }
  }

  async act(button, call, message) {
    const id = this.id;
    const visit = this.visit;
    if (!id) return;
    button.disabled = true;
    this.error.textContent = "";
    const sentAt = performance.now();
    try {
      this.live.observe(await call(id), sentAt);
      this.toast(message);
      // The button may have hidden itself: keep keyboard focus in the page.
      if (visit === this.visit && button.hidden) this.title.focus();
    } catch (error) {
      if (visit === this.visit) this.error.textContent = error.message;
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }

  // A new enrich job over this scrape job's leads; the page moves to it.
  async enrich() {
    const id = this.id;
    const visit = this.visit;
    if (!id) return;
    this.enrichButton.disabled = true;
    this.error.textContent = "";
    const sentAt = performance.now();
    try {
      const job = await this.api.submitEnrich({ source_job_id: id });
      this.live.observe(job, sentAt);
      this.toast(`Enrich job ${shortId(job.id)} submitted.`, "success");
      if (visit === this.visit) location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      if (visit === this.visit) this.error.textContent = error.message;
      this.onError(error);
    } finally {
      this.enrichButton.disabled = false;
    }
  }

  async download(button, format) {
    const id = this.id;
    const visit = this.visit;
    if (!id) return;
    button.disabled = true;
    try {
      const { blob, filename } = await this.api.download(id, format);
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked later, not at once: the browser reads the blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      if (visit === this.visit) this.error.textContent = `Download failed: ${error.message}`;
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
