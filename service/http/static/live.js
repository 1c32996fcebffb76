// Live job state: follows running jobs over their event streams and tells the views
// when a job changes and when one the page has seen unfinished comes to its end.
import { ENDINGS, TERMINAL } from "./api.js";

// Browsers open at most six HTTP/1.1 connections per host, shared by the tabs, and
// every stream holds one; jobs beyond this many are refreshed by the views' timers.
const MAX_STREAMS = 2;
const RETRY_MS = 5000;

export class Live {
  constructor(api, { onJob, onEnd, onError }) {
    this.api = api;
    this.onJob = onJob;
    this.onEnd = onEnd;
    this.onError = onError;
    this.streams = new Map();
    this.known = new Map();
    this.generation = 0;
  }

  // Every job the page receives passes through here, with the time its request was
  // sent: an answer to an older request than the one last applied is stale (a list
  // load that crossed a job's end, say) and is dropped, so a job never seems to go
  // back to running and its end is announced once. Returns the job as the page now
  // knows it: this one, or the newer one it already had.
  observe(job, sentAt) {
    const before = this.known.get(job.id);
    if (before && sentAt < before.sentAt) return before.job;
    this.known.set(job.id, { job, sentAt });
    this.onJob(job);
    if (before && !TERMINAL.has(before.job.status) && TERMINAL.has(job.status)) {
      this.onEnd(job);
    }
    return job;
  }

  // Fetches the job and passes it on, unless the page signed out meanwhile.
  async refresh(id) {
    const sentAt = performance.now();
    const generation = this.generation;
    try {
      const job = await this.api.job(id);
      if (generation === this.generation) this.observe(job, sentAt);
    } catch (error) {
      if (generation === this.generation) this.onError(error);
    }
  }

  // Opens the job's stream unless one is open; `onEvent` gets each event after
  // `afterId`. A priority follow (the job the user opened) may close another stream.
  follow(id, { afterId = 0, onEvent = null, priority = false } = {}) {
    const open = this.streams.get(id);
    if (open && (onEvent === null || open.onEvent === onEvent)) return true;
    // The job's page wants the events a plain follow from the list does not pass on.
    if (open) this.unfollow(id);
    if (this.streams.size >= MAX_STREAMS) {
      const victim = [...this.streams.keys()].find((key) => !this.streams.get(key).priority);
      if (!priority || victim === undefined) return false;
      this.unfollow(victim);
    }
    const stream = {
      controller: new AbortController(),
      onEvent,
      priority,
      lastId: afterId,
      ended: false,
      refreshing: false,
      stale: false,
    };
    this.streams.set(id, stream);
    this.run(id, stream).catch((error) => this.onError(error));
    return true;
  }

  unfollow(id) {
    this.streams.get(id)?.controller.abort();
    this.streams.delete(id);
  }

  stopAll() {
    for (const id of [...this.streams.keys()]) this.unfollow(id);
  }

  // Signing out: nothing of this key's jobs stays behind.
  reset() {
    this.generation += 1;
    this.stopAll();
    this.known.clear();
  }

  // Reads the stream until the job's end; a dropped connection or a server that is
  // restarting (5xx) resumes after the last event seen.
  async run(id, stream) {
    const { signal } = stream.controller;
    while (!signal.aborted && !stream.ended) {
      try {
        await this.api.stream(id, stream.lastId, (event) => this.receive(id, stream, event), signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error.status && error.status < 500) {
          this.onError(error);
          break;
        }
      }
      if (!stream.ended) await pause(RETRY_MS, signal);
    }
    if (this.streams.get(id) === stream) this.streams.delete(id);
  }

  receive(id, stream, event) {
    stream.lastId = event.id;
    // A resumed job's earlier ending is followed by more events; only the last counts.
    stream.ended = ENDINGS.has(event.type);
    stream.onEvent?.(event);
    this.coalescedRefresh(id, stream);
  }

  // One request in flight per job; events that arrive meanwhile ask for one more.
  async coalescedRefresh(id, stream) {
    if (stream.refreshing) {
      stream.stale = true;
      return;
    }
    stream.refreshing = true;
    do {
      stream.stale = false;
      await this.refresh(id);
    } while (stream.stale && !stream.controller.signal.aborted);
    stream.refreshing = false;
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
