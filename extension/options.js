// Options page: backend URL (granting host permission for a non-default server), API key,
// badge thresholds and the sites where the extension stays off.
"use strict";

const ext = headlineLens.ext;
const $ = (id) => document.getElementById(id);

function showStatus(message, kind) {
  $("status").textContent = message;
  $("status").dataset.kind = kind;
}

async function fill() {
  const settings = await headlineLens.loadSettings();
  $("backendUrl").value = settings.backendUrl;
  $("apiKey").value = settings.apiKey;
  $("flagAt").value = settings.flagAt;
  $("strongAt").value = settings.strongAt;
  $("disabledSites").value = settings.disabledSites.join("\n");
  $("own-origin").textContent = location.origin;
}

function read() {
  const url = new URL($("backendUrl").value.trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("the backend URL must be http or https");
  const flagAt = Number($("flagAt").value);
  const strongAt = Number($("strongAt").value);
  if (!(flagAt >= 0 && flagAt <= 1 && strongAt >= flagAt && strongAt <= 1)) {
    throw new Error("thresholds must satisfy 0 ≤ amber ≤ red ≤ 1");
  }
  return {
    backendUrl: url.origin + url.pathname.replace(/\/+$/, ""),
    apiKey: $("apiKey").value.trim(),
    flagAt,
    strongAt,
    disabledSites: $("disabledSites").value.split("\n").map((s) => s.trim().toLowerCase()).filter(Boolean),
  };
}

async function save(event) {
  event.preventDefault();
  try {
    const settings = read();
    // Called first thing in the click: browsers only show a permission prompt during a user gesture.
    const origins = [`${new URL(settings.backendUrl).origin}/*`];
    // request() answers true at once, without a prompt, when the permission is already held.
    if (!(await ext.permissions.request({ origins }))) {
      throw new Error(`permission to reach ${origins[0]} was not granted`);
    }
    await ext.storage.local.set(settings);
    showStatus("Saved.", "ok");
  } catch (error) {
    showStatus(error.message, "error");
  }
}

async function test() {
  const answer = await ext.runtime.sendMessage({ type: "model" });
  if (answer && answer.model) showStatus(`Connected: model ${answer.model.version}.`, "ok");
  else showStatus(`Not connected: ${(answer && answer.error) || "no answer"}`, "error");
}

$("options").addEventListener("submit", save);
$("test").addEventListener("click", test);
fill();
