// The scrape job form. It checks nothing itself: the API's problem details are the one
// source of validation messages, shown next to the field they name.

const LISTS = new Set(["search.titles", "search.locations"]);

export class ScrapeForm {
  constructor(api, { onSubmitted, onError }) {
    this.api = api;
    this.onSubmitted = onSubmitted;
    this.onError = onError;
    this.form = document.getElementById("scrape-form");
    this.button = this.form.querySelector("button[type=submit]");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  body() {
    const body = {};
    for (const input of this.form.querySelectorAll("input[name]")) {
      const raw = input.value.trim();
      if (raw === "") continue;
      let value = raw;
      if (input.type === "number") value = Number(raw);
      else if (input.type === "datetime-local") value = new Date(raw).toISOString();
      else if (LISTS.has(input.name)) value = raw.split(",").map((s) => s.trim()).filter(Boolean);
      setPath(body, input.name.split("."), value);
    }
    return body;
  }

  async submit() {
    this.clearErrors();
    this.button.disabled = true;
    const sentAt = performance.now();
    try {
      const job = await this.api.submitScrape(this.body());
      // Out of the way, so the list with the new job shows; the values stay for the next one.
      this.form.closest("details").open = false;
      this.onSubmitted(job, sentAt);
    } catch (error) {
      this.showErrors(error);
      this.onError(error);
    } finally {
      this.button.disabled = false;
    }
  }

  // Signing out: the next person starts from an empty, closed form.
  reset() {
    this.form.reset();
    this.clearErrors();
    this.form.closest("details").open = false;
  }

  clearErrors() {
    for (const node of this.form.querySelectorAll("[data-error-for]")) node.textContent = "";
    for (const input of this.form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  showErrors(error) {
    const general = this.form.querySelector('[data-error-for=""]');
    // A network failure is a TypeError with no field errors.
    const fields = error.fieldErrors ?? [];
    if (!fields.length) {
      general.textContent = error.message;
      return;
    }
    let first = null;
    for (const { field, message } of fields) {
      // "search.titles[2]" is reported on the titles field.
      const name = field.replace(/\[\d+\]$/, "");
      const slot = this.form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      const input = this.form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (slot && input) {
        slot.textContent = message;
        input.setAttribute("aria-invalid", "true");
        first ??= input;
      } else {
        general.textContent += `${field}: ${message}. `;
      }
    }
    if (first) {
      first.closest("details:not([open])")?.setAttribute("open", "");
      first.focus();
    }
  }
}

function setPath(target, path, value) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path.at(-1)] = value;
}
