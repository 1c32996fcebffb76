// The leadjobs HTTP API as the dashboard uses it: every call carries the signed-in key.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }

  // Field errors of a 400 problem: [{field, message}].
  get fieldErrors() {
    return this.problem?.errors ?? [];
  }
}

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
// The event types that end a job (a resumed job may have more than one).
export const ENDINGS = new Set([...TERMINAL].map((status) => `job.${status}`));

export class Api {
  constructor(key = null) {
    this.key = key;
  }

  async call(method, path, { body, signal } = {}) {
    const headers = { "X-API-Key": this.key, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
    });
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  jobs({ status, kind, cursor, limit = 20 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (status) query.set("status", status);
    if (kind) query.set("kind", kind);
    if (cursor) query.set("cursor", cursor);
    return this.call("GET", `/v1/jobs?${query}`);
  }

  job(id) {
    return this.call("GET", `/v1/jobs/${id}`);
  }

  results(id, limit = 25) {
    return this.call("GET", `/v1/jobs/${id}/results?limit=${limit}`);
  }

  async allEvents(id) {
    const events = [];
    let cursor = null;
    do {
      const query = new URLSearchParams({ limit: "200" });
      if (cursor) query.set("cursor", cursor);
      const page = await this.call("GET", `/v1/jobs/${id}/events?${query}`);
      events.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return events;
  }

  submitScrape(body) {
    return this.call("POST", "/v1/jobs/scrape", { body });
  }

  submitEnrich(body) {
    return this.call("POST", "/v1/jobs/enrich", { body });
  }

  cancel(id) {
    return this.call("POST", `/v1/jobs/${id}/cancel`);
  }

  resume(id) {
    return this.call("POST", `/v1/jobs/${id}/resume`);
  }

  // The export as a Blob: a plain link cannot send the key header.
  async download(id, format) {
    const response = await fetch(`/v1/jobs/${id}/results?format=${format}`, {
      headers: { "X-API-Key": this.key },
      cache: "no-store",
    });
    if (!response.ok) throw await errorOf(response);
    return { blob: await response.blob(), filename: `leads-${id}.${format}` };
  }

  // The job's live event stream (SSE over fetch, since EventSource cannot send headers).
  // Calls onEvent for each event after `afterId`; resolves when the stream ends, which
  // the server does after the job's terminal event.
  async stream(id, afterId, onEvent, signal) {
    const headers = { "X-API-Key": this.key, Accept: "text/event-stream" };
    if (afterId) headers["Last-Event-ID"] = String(afterId);
    const response = await fetch(`/v1/jobs/${id}/events`, { headers, signal, cache: "no-store" });
    if (!response.ok) throw await errorOf(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let heldCr = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      // A CR that ends a chunk may be the first half of a CRLF: hold it for the next one.
      let text = heldCr + value;
      heldCr = text.endsWith("\r") ? "\r" : "";
      if (heldCr) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = parseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) onEvent(event);
      }
    }
  }
}

async function errorOf(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // Not problem details (a proxy's page, say): the status alone must do.
  }
  return new ApiError(response.status, problem);
}

function parseMessage(block) {
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  // Comment-only blocks are the server's keep-alives.
  if (!data.length) return null;
  try {
    return JSON.parse(data.join("\n"));
  } catch {
    return null; // not an event of ours; the job refresh that follows the next one catches up
  }
}
