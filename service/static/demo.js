// headline-lens demo page: posts the pasted headlines to /score (same origin) and renders
// the scores with the explaining spans highlighted. No third-party code; user text is only
// ever inserted with textContent, never as HTML.
"use strict";

const HEADS = ["clickbait", "bias"];
// The server explains at most 64 headlines per request (each word is scored again).
const MAX_HEADLINES = 64;

const $ = (id) => document.getElementById(id);

function cueLabel(cue) {
  return cue ? cue.replace(/_/g, " ") : "no named cue";
}

// Span offsets index the text in Unicode code points (Python's str); JavaScript strings index
// UTF-16 units, so the text is split into code points before slicing.
function highlightedText(text, spans) {
  const chars = Array.from(text);
  const owner = new Array(chars.length).fill(null);
  for (const span of spans) {
    for (let i = Math.max(0, span.start); i < Math.min(chars.length, span.end); i++) {
      if (owner[i] === null || owner[i].weight < span.weight) owner[i] = span;
    }
  }
  const maxWeight = Math.max(1e-6, ...spans.map((s) => s.weight));
  const fragment = document.createDocumentFragment();
  let i = 0;
  while (i < chars.length) {
    const span = owner[i];
    let j = i + 1;
    while (j < chars.length && owner[j] === span) j++;
    const piece = chars.slice(i, j).join("");
    if (span === null) {
      fragment.append(document.createTextNode(piece));
    } else {
      const mark = document.createElement("mark");
      mark.className = `span ${span.head}`;
      mark.dataset.head = span.head;
      if (span.cue) mark.dataset.cue = span.cue;
      mark.style.setProperty("--strength", (0.2 + 0.6 * Math.min(1, span.weight / maxWeight)).toFixed(2));
      mark.title = `${span.head} +${span.weight.toFixed(2)} · ${cueLabel(span.cue)}`;
      mark.textContent = piece;
      fragment.append(mark);
    }
    i = j;
  }
  return fragment;
}

function scoreRows(result) {
  const rows = document.createElement("div");
  rows.className = "scores";
  for (const head of HEADS) {
    const name = document.createElement("span");
    name.textContent = head;
    if (result.labels && result.labels[head]) name.className = "flag";
    const bar = document.createElement("div");
    bar.className = `bar ${head}`;
    const fill = document.createElement("span");
    fill.style.width = `${Math.round(result[head] * 100)}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.dataset.head = head;
    value.textContent = result[head].toFixed(2);
    rows.append(name, bar, value);
  }
  return rows;
}

// The spans worth showing: positive weight, for a head the model flags (at its threshold).
function flaggedSpans(result) {
  return (result.spans || []).filter((span) => span.weight > 0 && result.labels && result.labels[span.head]);
}

function cueList(spans) {
  const named = spans.filter((s) => s.cue);
  if (!named.length) return null;
  const p = document.createElement("p");
  p.className = "cues";
  p.textContent = "Cues: " + named.map((s) => `“${s.text}” ${cueLabel(s.cue)} (${s.head})`).join(", ");
  return p;
}

function render(results) {
  const container = $("results");
  container.replaceChildren();
  for (const result of results) {
    const card = document.createElement("article");
    card.className = "result";
    const text = document.createElement("p");
    text.className = "text";
    const spans = flaggedSpans(result);
    text.append(highlightedText(result.text, spans));
    card.append(text, scoreRows(result));
    const cues = cueList(spans);
    if (cues) card.append(cues);
    container.append(card);
  }
}

// The server's own words: `error` names the broken rule (`detail` repeats it, one line per rule).
function errorMessage(response, body) {
  const details = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).filter(Boolean) : [];
  const message = [body.error, ...details].filter(Boolean).join(" — ");
  return `${response.status}: ${message || response.statusText}`;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function score(event) {
  event.preventDefault();
  const headlines = $("headlines").value.split("\n").map((l) => l.trim()).filter(Boolean);
  showError("");
  if (!headlines.length) return showError("Paste at least one headline.");
  if (headlines.length > MAX_HEADLINES) return showError(`At most ${MAX_HEADLINES} headlines per request.`);
  const headers = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) headers["X-API-Key"] = key;
  $("score-button").disabled = true;
  $("status").textContent = "Scoring…";
  try {
    const response = await fetch("score", {
      method: "POST",
      headers,
      body: JSON.stringify({ headlines, explain: true }),
      cache: "no-store",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(errorMessage(response, body));
    render(body.results);
    $("status").textContent = `${body.results.length} scored.`;
  } catch (error) {
    $("status").textContent = "";
    showError(error.message);
  } finally {
    $("score-button").disabled = false;
  }
}

async function showModel() {
  try {
    const response = await fetch("model", { cache: "no-store" });
    if (response.ok) $("model-version").textContent = (await response.json()).version;
    else $("model-version").textContent = "unavailable";
  } catch {
    $("model-version").textContent = "unavailable";
  }
}

$("score-form").addEventListener("submit", score);
showModel();
