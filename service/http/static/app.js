// The dashboard's entry point: sign-in, routing between the list and a job, toasts and
// browser notifications when a job the page has seen running comes to its end.
import { Api } from "./api.js";
import { JobDetail } from "./detail.js";
import { ScrapeForm } from "./form.js";
import { JobsList } from "./list.js";
import { Live } from "./live.js";
import { h, shortId, summary } from "./view.js";

const KEY_STORAGE = "leadjobs.apiKey";
const TOAST_MS = 8000;

const signInView = document.getElementById("sign-in-view");
const signInForm = document.getElementById("sign-in-form");
const signInError = document.getElementById("sign-in-error");
const account = document.getElementById("account");
const notifyButton = document.getElementById("enable-notifications");

let session = null;

function toast(message, tone = "info") {
  const item = h(
    "div",
    { class: `toast toast-${tone}` },
    h("p", {}, message),
    h("button", { type: "button", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"),
  );
  document.getElementById("toasts").append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

function announceEnd(job) {
  const message = `${job.kind === "scrape" ? "Scrape" : "Enrich"} job ${shortId(job.id)} ${job.status}: ${summary(job)}`;
  toast(message, job.status === "succeeded" ? "success" : "warning");
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification(`leadjobs: job ${job.status}`, { body: message, tag: job.id });
  }
}

function showNotificationButton() {
  notifyButton.hidden = !("Notification" in window) || Notification.permission !== "default";
}

notifyButton.addEventListener("click", async () => {
  await Notification.requestPermission();
  showNotificationButton();
});

class Session {
  constructor(key) {
    this.api = new Api(key);
    const onError = (error) => this.onError(error);
    this.live = new Live(this.api, {
      onJob: (job) => {
        this.list.update(job);
        this.detail.update(job);
      },
      onEnd: announceEnd,
      onError,
    });
    this.list = new JobsList(this.api, this.live, onError);
    this.detail = new JobDetail(this.api, this.live, { toast, onError });
    this.form = new ScrapeForm(this.api, {
      onSubmitted: (job) => {
        toast(`Scrape job ${shortId(job.id)} submitted.`, "success");
        this.live.observe(job);
        if (location.hash.startsWith("#/jobs/")) location.hash = "#/";
        else this.list.reset();
      },
      onError,
    });
  }

  route() {
    const match = location.hash.match(/^#\/jobs\/([0-9a-f-]{36})$/i);
    this.live.stopAll();
    if (match) {
      this.list.hide();
      this.detail.show(match[1]);
    } else {
      this.detail.hide();
      this.list.show();
    }
  }

  onError(error) {
    if (error.status === 401) signOut("Your API key is no longer accepted. Sign in again.");
  }

  close() {
    this.live.stopAll();
    this.list.hide();
    this.detail.hide();
  }
}

function start(key) {
  session?.close();
  session = new Session(key);
  signInView.hidden = true;
  account.hidden = false;
  showNotificationButton();
  session.route();
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  session?.close();
  session = null;
  account.hidden = true;
  signInView.hidden = false;
  signInError.textContent = message;
  document.getElementById("api-key").focus();
}

signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = new FormData(signInForm).get("key").trim();
  if (!key) {
    signInError.textContent = "Enter your API key.";
    return;
  }
  const button = signInForm.querySelector("button");
  button.disabled = true;
  signInError.textContent = "";
  try {
    await new Api(key).jobs({ limit: 1 });
    sessionStorage.setItem(KEY_STORAGE, key);
    signInForm.reset();
    start(key);
  } catch (error) {
    signInError.textContent =
      error.status === 401 ? "That API key was not accepted. Check it and try again." : error.message;
  } finally {
    button.disabled = false;
  }
});

document.getElementById("sign-out").addEventListener("click", () => signOut());
window.addEventListener("hashchange", () => session?.route());

const saved = sessionStorage.getItem(KEY_STORAGE);
if (saved) start(saved);
else signOut();
