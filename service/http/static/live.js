// Live job state: follows running jobs over their event streams and tells the views
// when a job changes and when one the page has seen running comes to its end.
import { TERMINAL } from "./api.js";

// Browsers open at most six HTTP/1.1 connections per host, and every stream holds one;
// jobs beyond this many are refreshed by the views' fallback timer instead.
const MAX_STREAMS = 3;
const RECONNECT_MS = 5000;

export class Live {
  constructor(api, { onJob, onEnd, onError }) {
    this.api = api;
    this.onJob = onJob;
    this.onEnd = onEnd;
    this.onError = onError;
    this.streams = new Map();
    this.statuses = new Map();
  }

  // Every job the page receives passes through here, so an end is noticed whichever
  // request saw it: a stream, the fallback refresh or a button's response.
  observe(job) {
    const before = this.statuses.get(job.id);
    this.statuses.set(job.id, job.status);
    this.onJob(job);
    if (before && !TERMINAL.has(before) && TERMINAL.has(job.status)) this.onEnd(job);
  }

  // Opens the job's stream unless one is open; `onEvent` gets each event after
  // `afterId`. A priority follow (the job the user opened) may close another stream.
  follow(id, { afterId = 0, onEvent = null, priority = false } = {}) {
    if (this.streams.has(id)) return true;
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
      refreshing: false,
      stale: false,
    };
    this.streams.set(id, stream);
    this.run(id, stream);
    return true;
  }

  isFollowing(id) {
    return this.streams.has(id);
  }

  unfollow(id) {
    this.streams.get(id)?.controller.abort();
    this.streams.delete(id);
  }

  stopAll() {
    for (const id of [...this.streams.keys()]) this.unfollow(id);
  }

  async run(id, stream) {
    const { signal } = stream.controller;
    while (!signal.aborted) {
      try {
        await this.api.stream(
          id,
          stream.lastId,
          (event) => {
            stream.lastId = event.id;
            stream.onEvent?.(event);
            this.refresh(id, stream);
          },
          signal,
        );
        break; // the server ends the stream after the job's terminal event
      } catch (error) {
        if (signal.aborted) return;
        if (error.status) {
          this.onError(error);
          break;
        }
        // The connection dropped (a restart, a proxy): resume after the last event seen.
        await pause(RECONNECT_MS, signal);
      }
    }
    if (this.streams.get(id) === stream) this.streams.delete(id);
  }

  // One request in flight per job; events that arrive meanwhile ask for one more.
  async refresh(id, stream) {
    if (stream.refreshing) {
      stream.stale = true;
      return;
    }
    stream.refreshing = true;
    try {
      do {
        stream.stale = false;
        this.observe(await this.api.job(id));
      } while (stream.stale);
    } catch (error) {
      this.onError(error);
    } finally {
      stream.refreshing = false;
    }
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
