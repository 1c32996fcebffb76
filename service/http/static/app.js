// The dashboard's entry point: sign-in, routing between the list and a job, toasts and
// browser notifications when a job the page has seen unfinished comes to its end.
import { Api } from "./api.js";
import { JobDetail } from "./detail.js";
import { ScrapeForm } from "./form.js";
import { JobsList } from "./list.js";
import { Live } from "./live.js";
import { h, shortId, summary } from "./view.js";

const KEY_STORAGE = "leadjobs.apiKey";
const TOAST_MS = 10000;

const signInView = document.getElementById("sign-in-view");
const signInForm = document.getElementById("sign-in-form");
const signInError = document.getElementById("sign-in-error");
const account = document.getElementById("account");
const notifyButton = document.getElementById("enable-notifications");
const toasts = document.getElementById("toasts");

// One set of views for the page's life; signing in only swaps the key they use.
const api = new Api();
const onError = (error) => {
  if (error?.status === 401 && api.key) signOut("Your API key is no longer accepted. Sign in again.");
};
const live = new Live(api, {
  onJob: (job) => {
    list.update(job);
    detail.update(job);
  },
  onEnd: announceEnd,
  onError,
});
const list = new JobsList(api, live, onError);
const detail = new JobDetail(api, live, { toast, onError });
const form = new ScrapeForm(api, {
  onSubmitted: (job, sentAt) => {
    toast(`Scrape job ${shortId(job.id)} submitted.`, "success");
    live.observe(job, sentAt);
    list.reset();
  },
  onError,
});

function toast(message, tone = "info") {
  const item = h(
    "div",
    { class: `toast toast-${tone}` },
    h("p", {}, message),
    h("button", { type: "button", "aria-label": "Dismiss", onclick: () => dismiss(item) }, "×"),
  );
  toasts.append(item);
  // Stays while the pointer or keyboard focus is on it, so it can be read and dismissed.
  const expire = () => {
    if (item.matches(":hover, :focus-within")) setTimeout(expire, 1000);
    else dismiss(item);
  };
  setTimeout(expire, TOAST_MS);
}

function dismiss(item) {
  if (item.contains(document.activeElement)) document.getElementById("main").focus();
  item.remove();
}

function announceEnd(job) {
  const message = `${job.kind === "scrape" ? "Scrape" : "Enrich"} job ${shortId(job.id)} ${job.status}: ${summary(job)}`;
  toast(message, job.status === "succeeded" ? "success" : "warning");
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(`leadjobs: job ${job.status}`, { body: message, tag: job.id });
    } catch {
      // Some browsers (Chrome on Android) only notify from a service worker; the toast did.
    }
  }
}

function showNotificationButton() {
  notifyButton.hidden = !("Notification" in window) || Notification.permission !== "default";
}

notifyButton.addEventListener("click", async () => {
  await Notification.requestPermission();
  showNotificationButton();
});

function route() {
  if (!api.key) return;
  live.stopAll();
  const match = location.hash.match(/^#\/jobs\/([0-9a-f-]{36})$/i);
  if (match) {
    list.hide();
    detail.show(match[1]);
  } else {
    const fromJob = !detail.section.hidden;
    detail.hide();
    list.show({ focus: fromJob });
  }
}

function start(key) {
  api.key = key;
  signInView.hidden = true;
  account.hidden = false;
  showNotificationButton();
  route();
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  api.key = null;
  live.reset();
  list.hide();
  list.forget();
  detail.hide();
  form.reset();
  // Not a navigation: the next key starts on the list, not on this key's job.
  history.replaceState(null, "", location.pathname);
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
window.addEventListener("hashchange", route);

const saved = sessionStorage.getItem(KEY_STORAGE);
if (saved) start(saved);
else signOut();
