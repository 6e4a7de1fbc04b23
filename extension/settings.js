// Settings shared by the background worker, the content script and the options page.
// Kept in storage.local: nothing (not even the API key) is synced to a browser vendor's cloud.
"use strict";

var headlineLens = globalThis.headlineLens || {};
globalThis.headlineLens = headlineLens;

headlineLens.ext = globalThis.browser ?? globalThis.chrome;

headlineLens.DEFAULTS = Object.freeze({
  // The headline-lens server; it must be covered by host_permissions (see the README).
  backendUrl: "http://127.0.0.1:3000",
  // Sent as X-API-Key when the server requires keys.
  apiKey: "",
  // A head's score at or above flagAt colours the badge amber, at or above strongAt red.
  flagAt: 0.5,
  strongAt: 0.8,
  // Hostnames (and their subdomains) where the extension does nothing.
  disabledSites: [],
});

headlineLens.loadSettings = async function loadSettings() {
  const stored = await headlineLens.ext.storage.local.get(Object.keys(headlineLens.DEFAULTS));
  return { ...headlineLens.DEFAULTS, ...stored };
};

headlineLens.siteDisabled = function siteDisabled(hostname, disabledSites) {
  const host = hostname.toLowerCase();
  return disabledSites.some((site) => {
    const entry = site.trim().toLowerCase();
    return entry !== "" && (host === entry || host.endsWith("." + entry));
  });
};

// "low" | "mid" | "high" for one score under the user's thresholds.
headlineLens.level = function level(score, settings) {
  if (score >= settings.strongAt) return "high";
  if (score >= settings.flagAt) return "mid";
  return "low";
};
