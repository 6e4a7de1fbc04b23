// Background (a service worker in Chromium, an event page in Firefox): the only part of the
// extension that talks to the headline-lens server. Content scripts hand it headline texts;
// fetching from here is covered by host_permissions instead of the page's CORS and
// local-network rules, and never carries the page's URL, cookies or referrer.
"use strict";

if (typeof importScripts === "function" && !globalThis.headlineLens) {
  importScripts("settings.js");
}

const REQUEST_TIMEOUT_MS = 15000;
// The server's limits: headlines per request, and per request with explanations (each word is
// scored again, so explaining is the expensive part).
const MAX_HEADLINES_PER_REQUEST = 256;
const MAX_EXPLAINED_PER_REQUEST = 64;

function backendUrl(settings, path) {
  const base = settings.backendUrl.endsWith("/") ? settings.backendUrl : settings.backendUrl + "/";
  return new URL(path, base);
}

async function ensurePermission(url) {
  const origins = [`${url.origin}/*`];
  const granted = await headlineLens.ext.permissions.contains({ origins });
  if (!granted) {
    throw new Error(`no permission to reach ${url.origin}: save the backend URL on the options page to grant it`);
  }
}

async function callBackend(settings, path, body) {
  const url = backendUrl(settings, path);
  await ensurePermission(url);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (settings.apiKey) headers["X-API-Key"] = settings.apiKey;
  const response = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    referrerPolicy: "no-referrer",
    cache: "no-store",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const details = Array.isArray(payload.detail) ? payload.detail.map((d) => d.msg).filter(Boolean) : [];
    const error = new Error([payload.error || `HTTP ${response.status}`, ...details].join(" — "));
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw error;
  }
  return payload;
}

async function score(headlines) {
  if (!Array.isArray(headlines) || headlines.length === 0 || headlines.length > MAX_HEADLINES_PER_REQUEST) {
    throw new Error(`send 1 to ${MAX_HEADLINES_PER_REQUEST} headlines`);
  }
  const settings = await headlineLens.loadSettings();
  const { results } = await callBackend(settings, "score", { headlines, explain: false });
  // Only flagged headlines show their explaining words, so only they are explained.
  const flagged = [...results.keys()].filter((i) => Math.max(results[i].clickbait, results[i].bias) >= settings.flagAt);
  try {
    for (let start = 0; start < flagged.length; start += MAX_EXPLAINED_PER_REQUEST) {
      const chunk = flagged.slice(start, start + MAX_EXPLAINED_PER_REQUEST);
      const explained = await callBackend(settings, "score", { headlines: chunk.map((i) => headlines[i]), explain: true });
      chunk.forEach((i, k) => (results[i].spans = explained.results[k].spans));
    }
  } catch (error) {
    // Explanations are extra: the scores stand without them (e.g. when rate-limited).
    console.warn(`headline-lens: explanations unavailable: ${error.message}`);
  }
  return results;
}

const handlers = {
  score: (message) => score(message.headlines).then((results) => ({ results })),
  model: async () => ({ model: await callBackend(await headlineLens.loadSettings(), "model") }),
};

headlineLens.ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = message && handlers[message.type];
  if (!handler || sender.id !== headlineLens.ext.runtime.id) return false;
  handler(message).then(sendResponse, (error) =>
    sendResponse({ error: error.message, status: error.status ?? null, retryAfter: error.retryAfter ?? null }),
  );
  return true; // the answer comes asynchronously
});
