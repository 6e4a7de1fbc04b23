// Content script: finds headlines on the page, has the background worker score them in
// debounced batches, and marks each with a badge whose colour reflects the scores and whose
// tooltip gives the scores and the words that explain them. Only headline texts leave the page:
// never its URL, and nothing else from it.
"use strict";

(() => {
  const ext = headlineLens.ext;
  const BADGE_CLASS = "headline-lens-badge";
  const HEADINGS = "h1, h2, h3";
  // Titles inside <article> that are not h1-h3: h4-h6, schema.org headlines, title-ish classes.
  const ARTICLE_TITLES =
    "article :is(h4, h5, h6, [itemprop='headline'], [class*='headline' i], [class*='title' i])";
  const CANDIDATES = `${HEADINGS}, ${ARTICLE_TITLES}, a[href]`;
  const MIN_CHARS = 12;
  const MAX_CHARS = 300;
  const MIN_WORDS = 3; // "World news" is a section heading, not a headline
  const LINK_MIN_WORDS = 4;
  const BATCH_SIZE = 256; // texts per request: the server's limit
  const DEBOUNCE_MS = 250;
  const MAX_WAIT_MS = 1000;
  const CACHE_LIMIT = 5000;

  let settings = null;
  let observer = null;
  const scored = new Map(); // text -> result, for repeats on this page
  const textOf = new WeakMap(); // element -> text it was badged for
  const pending = new Map(); // element -> text, waiting for the next batch
  const pendingRoots = new Set();
  let timer = null;
  let firstPendingAt = 0;
  let sending = false;
  let pausedUntil = 0;

  function cleanText(element) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement && node.parentElement.closest(`.${BADGE_CLASS}`)
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    const parts = [];
    while (walker.nextNode()) parts.push(walker.currentNode.data);
    return parts.join("").replace(/\s+/g, " ").trim();
  }

  function isHeadlineLike(element, text) {
    if (text.length < MIN_CHARS || text.length > MAX_CHARS || text.split(" ").length < MIN_WORDS) return false;
    if (element.isContentEditable || element.closest("nav, footer, [role='navigation'], [aria-hidden='true']")) {
      return false;
    }
    if (element.getClientRects().length === 0) return false; // not rendered (yet)
    if (element.matches("a[href]") && !element.matches(ARTICLE_TITLES)) {
      // A link is a headline when it reads like one, and is not a wrapper around a heading
      // or inside one (then the heading is the headline).
      if (element.querySelector(HEADINGS) || element.closest(HEADINGS)) return false;
      if (text.split(" ").length < LINK_MIN_WORDS) return false;
    }
    // The outermost title wins when candidates nest (an <h2> in a title-classed <div>).
    const parent = element.parentElement && element.parentElement.closest(`${HEADINGS}, ${ARTICLE_TITLES}`);
    return !(parent && parent !== element);
  }

  function collect(root) {
    const elements = [];
    if (root.nodeType !== Node.ELEMENT_NODE) return elements;
    const around = root.closest(CANDIDATES);
    if (around) elements.push(around);
    elements.push(...root.querySelectorAll(CANDIDATES));
    return elements;
  }

  function scan(roots) {
    for (const root of roots) {
      for (const element of collect(root)) {
        if (element.closest(`.${BADGE_CLASS}`)) continue;
        const text = cleanText(element);
        if (textOf.get(element) === text || !isHeadlineLike(element, text)) continue;
        if (scored.has(text)) {
          annotate(element, text, scored.get(text));
        } else {
          pending.set(element, text);
        }
      }
    }
    sendPending();
  }

  async function sendPending() {
    if (sending || pending.size === 0 || Date.now() < pausedUntil) return;
    sending = true;
    try {
      while (pending.size > 0 && Date.now() >= pausedUntil) {
        const texts = [...new Set(pending.values())].slice(0, BATCH_SIZE);
        const answer = await ext.runtime.sendMessage({ type: "score", headlines: texts });
        if (!answer || answer.error) {
          handleError(answer);
          break;
        }
        texts.forEach((text, i) => answer.results[i] && remember(text, answer.results[i]));
        const sent = new Set(texts);
        for (const [element, text] of [...pending]) {
          if (!sent.has(text)) continue;
          pending.delete(element);
          if (element.isConnected && scored.has(text)) annotate(element, text, scored.get(text));
        }
      }
    } finally {
      sending = false;
    }
  }

  function handleError(answer) {
    const status = answer && answer.status;
    if (status === 429 || status === 503) {
      // Back off as the server asks, then try the same headlines again.
      const seconds = (answer && answer.retryAfter) || 5;
      pausedUntil = Date.now() + seconds * 1000;
      setTimeout(sendPending, seconds * 1000 + 50);
      return;
    }
    // Anything else (server down, no permission, bad key) is reported once, without page data.
    pending.clear();
    if (!handleError.reported) {
      handleError.reported = true;
      console.warn(`headline-lens: scoring failed: ${(answer && answer.error) || "no answer"}`);
    }
  }

  function remember(text, result) {
    if (scored.size >= CACHE_LIMIT) scored.delete(scored.keys().next().value);
    scored.set(text, result);
  }

  function fmt(score) {
    return score.toFixed(2);
  }

  function tooltip(result) {
    const lines = ["headline-lens"];
    for (const head of ["clickbait", "bias"]) {
      const flag = result.labels && result.labels[head] ? " (flagged)" : "";
      lines.push(`${head} ${fmt(result[head])}${flag}`);
    }
    // Only the words behind a head that the user's threshold flags: explaining a low score is noise.
    const spans = (result.spans || [])
      .filter((span) => span.weight > 0 && result[span.head] >= settings.flagAt)
      .sort((a, b) => b.weight - a.weight);
    if (spans.length) {
      lines.push("Why:");
      for (const span of spans.slice(0, 6)) {
        const cue = span.cue ? `${span.cue.replace(/_/g, " ")}, ` : "";
        lines.push(`  “${span.text}” (${cue}${span.head} +${fmt(span.weight)})`);
      }
    }
    lines.push(`model ${result.model_version}`);
    return lines.join("\n");
  }

  function segment(head, score) {
    const part = document.createElement("span");
    part.className = `${BADGE_CLASS}__part`;
    part.dataset.head = head;
    part.dataset.level = headlineLens.level(score, settings);
    part.textContent = `${head === "clickbait" ? "C" : "B"} ${Math.round(score * 100)}`;
    return part;
  }

  function paint(badge, result) {
    const levels = ["clickbait", "bias"].map((head) => headlineLens.level(result[head], settings));
    badge.dataset.level = levels.includes("high") ? "high" : levels.includes("mid") ? "mid" : "low";
    badge.dataset.clickbait = fmt(result.clickbait);
    badge.dataset.bias = fmt(result.bias);
    badge.title = tooltip(result);
    badge.setAttribute("aria-label", badge.title.replace(/\n/g, "; "));
    badge.replaceChildren(segment("clickbait", result.clickbait), segment("bias", result.bias));
  }

  function annotate(element, text, result) {
    let badge = element.querySelector(`:scope > .${BADGE_CLASS}`);
    if (!badge) {
      badge = document.createElement("span");
      badge.className = BADGE_CLASS;
      badge.setAttribute("role", "img");
      element.append(badge);
    }
    badge.headlineLensResult = result;
    paint(badge, result);
    element.dataset.headlineLens = "scored";
    textOf.set(element, text);
  }

  function schedule(roots) {
    for (const root of roots) pendingRoots.add(root);
    if (!firstPendingAt) firstPendingAt = Date.now();
    clearTimeout(timer);
    // Debounce bursts of mutations, but never hold them longer than MAX_WAIT_MS.
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, firstPendingAt + MAX_WAIT_MS - Date.now()));
    timer = setTimeout(() => {
      const batch = [...pendingRoots].filter((root) => root.isConnected);
      pendingRoots.clear();
      firstPendingAt = 0;
      scan(batch);
    }, wait);
  }

  function isOwnBadge(node) {
    return node.nodeType === Node.ELEMENT_NODE && node.classList.contains(BADGE_CLASS);
  }

  function onMutations(mutations) {
    const roots = [];
    for (const mutation of mutations) {
      if (mutation.type === "characterData") {
        if (mutation.target.parentElement) roots.push(mutation.target.parentElement);
        continue;
      }
      if (isOwnBadge(mutation.target) || mutation.target.closest?.(`.${BADGE_CLASS}`)) continue;
      for (const node of mutation.addedNodes) {
        if (isOwnBadge(node)) continue;
        roots.push(node.nodeType === Node.ELEMENT_NODE ? node : mutation.target);
      }
    }
    if (roots.length) schedule(roots);
  }

  function start() {
    if (observer || headlineLens.siteDisabled(location.hostname, settings.disabledSites)) return;
    observer = new MutationObserver(onMutations);
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
    schedule([document.documentElement]);
  }

  function stop() {
    if (observer) observer.disconnect();
    observer = null;
    pending.clear();
    for (const badge of document.querySelectorAll(`.${BADGE_CLASS}`)) {
      const host = badge.parentElement;
      badge.remove();
      if (host) {
        delete host.dataset.headlineLens;
        textOf.delete(host);
      }
    }
  }

  ext.storage.onChanged.addListener(async (_changes, area) => {
    if (area !== "local") return;
    settings = await headlineLens.loadSettings();
    if (headlineLens.siteDisabled(location.hostname, settings.disabledSites)) {
      stop();
      return;
    }
    for (const badge of document.querySelectorAll(`.${BADGE_CLASS}`)) {
      if (badge.headlineLensResult) paint(badge, badge.headlineLensResult);
    }
    start();
  });

  headlineLens.loadSettings().then((loaded) => {
    settings = loaded;
    start();
  });
})();
