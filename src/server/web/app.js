// @ts-check
// grounded's web page: ask, read the streamed answer, open its citations, manage documents.
// Plain browser JavaScript served as is; every piece of server data is inserted as text, never as HTML.

import { renderMarkdown } from "./markdown.js";

/** @typedef {import("./events").SourceRef} SourceRef */
/** @typedef {import("./events").CheckedSentence} CheckedSentence */
/** @typedef {import("./events").AskEvent} AskEvent */
/** @typedef {import("./events").AskResult} AskResult */
/** @typedef {import("./events").ErrorBody} ErrorBody */
/** @typedef {import("./events").HistoryTurn} HistoryTurn */
/** @typedef {import("./events").DocumentView} DocumentView */
/** @typedef {import("./events").Health} Health */
/** @typedef {{ n: number, start: number, end: number }} Evidence */

const KEY_STORE = "grounded.apiKey";
/**
 * The element with this id; the page's HTML has every id the script uses, so a missing one is a bug.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return /** @type {T} */ (el);
};

class ApiError extends Error {}

/** @returns {Record<string, string>} */
function authHeaders() {
  const key = localStorage.getItem(KEY_STORE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/**
 * The words of an error answer: grounded's `{error:{code,message}}`, or the HTTP status.
 * @param {Response} res
 */
async function errorMessage(res) {
  if (res.status === 401) {
    showKeyForm("This server needs an API key. Type it below; it is kept in this browser only.");
    return localStorage.getItem(KEY_STORE)
      ? "The saved API key was refused. Check it and save it again."
      : "This server needs an API key: type it in the API key box.";
  }
  try {
    const body = /** @type {ErrorBody} */ (await res.json());
    if (body?.error?.message) return body.error.message;
  } catch {
    // Not JSON: fall back to the status line.
  }
  return `The server answered ${res.status} ${res.statusText}.`;
}

/**
 * @param {string} path
 * @param {RequestInit & { headers?: Record<string, string> }} [init]
 */
async function api(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.headers ?? {}) } });
  } catch {
    throw new ApiError("Cannot reach grounded. Is `grounded serve` still running?");
  }
  if (!res.ok) throw new ApiError(await errorMessage(res));
  return res;
}

/**
 * @param {HTMLElement} el
 * @param {string} text shown, or nothing (the element hides)
 */
function show(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

/** @param {{ source: string, page: number | null }} ref */
function where(ref) {
  return ref.page ? `${ref.source}, page ${ref.page}` : ref.source;
}

// ---- API key ----

/** @param {string} [hint] */
function showKeyForm(hint) {
  $("key-form").hidden = false;
  if (hint) $("key-hint").textContent = hint;
  $("key-input").focus();
}

/**
 * A text field of the page.
 * @param {string} id
 * @returns {HTMLInputElement | HTMLTextAreaElement}
 */
const field = (id) => $(id);

$("key-toggle").addEventListener("click", () => {
  const form = $("key-form");
  form.hidden = !form.hidden;
  if (!form.hidden) $("key-input").focus();
});

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = field("key-input").value.trim();
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
  field("key-input").value = "";
  $("key-form").hidden = true;
  loadDocuments();
});

// ---- asking ----

/** @type {SourceRef[]} */
let sources = [];

/** @type {Record<CheckedSentence["support"], string>} */
const SUPPORT_TEXT = {
  supported: "",
  weak: "Only partly found in the cited source",
  unsupported: "Not found in the cited source",
  uncited: "Cites no source",
};

/**
 * A `[n]` button that opens source n, marking `evidence` in it when given.
 * @param {SourceRef} ref
 * @param {Evidence | null} [evidence]
 */
function citeButton(ref, evidence = null) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cite";
  button.textContent = `[${ref.n}]`;
  button.title = where(ref);
  button.addEventListener("click", () => openPassage(ref, evidence));
  return button;
}

/**
 * The finished answer, sentence by sentence as the server checked it: a sentence its sources do not
 * support is marked (and says why on hover), and its citations open the passage with the supporting text
 * highlighted.
 * @param {CheckedSentence[]} sentences
 */
function renderChecked(sentences) {
  const box = $("answer");
  box.replaceChildren();
  for (const sentence of sentences) {
    const span = document.createElement("span");
    span.className = `sentence ${sentence.support}`;
    span.textContent = sentence.text;
    if (SUPPORT_TEXT[sentence.support]) span.title = SUPPORT_TEXT[sentence.support];
    box.append(span);
    for (const n of sentence.citations) {
      const ref = sources.find((s) => s.n === n);
      if (ref) box.append(" ", citeButton(ref, sentence.evidence));
    }
    box.append(" ");
  }
}

/**
 * Answer text with each `[n]` marker as a button that opens source n.
 * @param {string} text
 */
function renderAnswer(text) {
  const box = $("answer");
  box.replaceChildren();
  const marker = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  for (const match of text.matchAll(marker)) {
    box.append(text.slice(last, match.index));
    for (const n of (match[1] ?? "").split(",").map((s) => Number(s.trim()))) {
      const ref = sources.find((s) => s.n === n);
      if (ref) box.append(citeButton(ref));
    }
    last = (match.index ?? 0) + match[0].length;
  }
  box.append(text.slice(last));
}

/**
 * @param {SourceRef[]} citations
 * @param {CheckedSentence[]} [sentences]
 */
function renderCitations(citations, sentences = []) {
  // A source in the list opens at the text that supports the first sentence citing it.
  /** @param {number} n */
  const evidenceFor = (n) => sentences.find((s) => s.evidence?.n === n)?.evidence ?? null;
  const list = $("citations");
  list.replaceChildren();
  for (const ref of citations) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet source";
    button.textContent = `[${ref.n}] ${where(ref)}`;
    button.addEventListener("click", () => openPassage(ref, evidenceFor(ref.n)));
    item.append(button);
    list.append(item);
  }
}

// Markdown sources are shown formatted (markdown.js); other text keeps its line breaks as written.
const MARKDOWN = /\.(md|markdown)$/i;
const PLAIN_TEXT = /\.(txt|text)$/i;
const PDF = /\.pdf$/i;

/** The source shown in the passage panel, for its "Open" button. @type {SourceRef | null} */
let shownRef = null;

/**
 * What "Open" does for a source: a PDF opens in the browser's viewer at the cited page, a text or Markdown
 * file is shown whole in the panel, scrolled to the passage, and anything else is downloaded.
 * @param {SourceRef} ref
 */
function openLabel(ref) {
  if (PDF.test(ref.source)) return ref.page ? `Open the PDF at page ${ref.page}` : "Open the PDF";
  if (MARKDOWN.test(ref.source) || PLAIN_TEXT.test(ref.source)) return "Show the whole file";
  return "Download the file";
}

/** @param {string} source */
const fileName = (source) => source.split(/[\\/]/).pop() || "document";

/**
 * Show source `ref`; `evidence` ({start, end} in its text) is the span that supports a sentence, marked.
 * @param {SourceRef} ref
 * @param {Evidence | null} [evidence]
 */
function openPassage(ref, evidence = null) {
  shownRef = ref;
  const open = $("passage-open");
  open.textContent = openLabel(ref);
  open.hidden = typeof ref.documentId !== "number";
  show($("passage-note"), "");
  $("passage-where").textContent = `[${ref.n}] ${where(ref)}`;
  show($("passage-heading"), ref.heading ?? "");
  const box = $("passage-text");
  box.replaceChildren();
  box.classList.remove("whole-file");
  const mark = evidence && evidence.n === ref.n && evidence.end > evidence.start ? evidence : null;
  box.classList.toggle("markdown", MARKDOWN.test(ref.source));
  if (MARKDOWN.test(ref.source)) {
    renderMarkdown(box, ref.text, mark);
  } else if (mark) {
    const el = document.createElement("mark");
    el.textContent = ref.text.slice(mark.start, mark.end);
    box.append(ref.text.slice(0, mark.start), el, ref.text.slice(mark.end));
  } else {
    box.textContent = ref.text;
  }
  $("passage").hidden = false;
  $("passage").scrollIntoView({ block: "nearest", behavior: "smooth" });
}

$("passage-close").addEventListener("click", () => {
  $("passage").hidden = true;
});

/**
 * Where `passage` stands in `text`: exactly, or by its opening words (a file can differ from the indexed
 * text in spaces and line ends). Null when it is not there (the file changed since it was indexed).
 * @param {string} text
 * @param {string} passage
 * @returns {{ start: number, end: number } | null}
 */
function locate(text, passage) {
  const exact = text.indexOf(passage);
  if (exact >= 0) return { start: exact, end: exact + passage.length };
  const opening = passage.trim().slice(0, 60);
  const at = opening ? text.indexOf(opening) : -1;
  return at >= 0 ? { start: at, end: Math.min(text.length, at + passage.trim().length) } : null;
}

/** Text around a passage shown when the whole file is very long, on either side. */
const AROUND = 50_000;

/**
 * The whole text file of `ref` in the panel, the cited passage marked and scrolled into view.
 * @param {SourceRef} ref
 * @param {string} raw
 */
function showWholeFile(ref, raw) {
  let text = raw.replace(/\r\n?/g, "\n");
  let span = locate(text, ref.text);
  let cut = "";
  if (text.length > 4 * AROUND && span) {
    const from = Math.max(0, span.start - AROUND);
    text = text.slice(from, span.end + AROUND);
    span = { start: span.start - from, end: span.end - from };
    cut = " (a long file: the part around the passage is shown)";
  }
  const box = $("passage-text");
  box.replaceChildren();
  box.classList.add("whole-file");
  box.classList.toggle("markdown", MARKDOWN.test(ref.source));
  if (MARKDOWN.test(ref.source)) renderMarkdown(box, text, span);
  else if (span) {
    const el = document.createElement("mark");
    el.textContent = text.slice(span.start, span.end);
    box.append(text.slice(0, span.start), el, text.slice(span.end));
  } else box.textContent = text;
  $("passage-where").textContent = `[${ref.n}] ${ref.source}, the whole file`;
  $("passage-open").hidden = true;
  show(
    $("passage-note"),
    span
      ? `The cited passage is marked${cut}.`
      : "The passage is not in the file as it is now: it changed after it was indexed.",
  );
  box.querySelector("mark")?.scrollIntoView({ block: "center" });
}

$("passage-open").addEventListener("click", async () => {
  const ref = shownRef;
  if (!ref) return;
  const url = `/api/documents/${ref.documentId}/file`;
  const textual = MARKDOWN.test(ref.source) || PLAIN_TEXT.test(ref.source);
  // Opened now, at the click, so no pop-up blocker stops it; it is pointed at the file once that arrives.
  const win = PDF.test(ref.source) ? window.open("", "_blank") : null;
  try {
    const res = await api(url);
    if (textual) return showWholeFile(ref, await res.text());
    const blob = URL.createObjectURL(await res.blob());
    if (win) {
      win.location.href = ref.page ? `${blob}#page=${ref.page}` : blob;
      return;
    }
    const link = document.createElement("a");
    link.href = blob;
    link.download = fileName(ref.source);
    link.click();
  } catch (error) {
    win?.close();
    show($("passage-note"), error instanceof Error ? error.message : String(error));
  }
});

/**
 * Read an NDJSON body line by line as it arrives.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<AskEvent>}
 */
async function* ndjson(body) {
  const reader = body
    .pipeThrough(/** @type {TransformStream<Uint8Array, string>} */ (new TextDecoderStream()))
    .getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield JSON.parse(line);
      newline = buffer.indexOf("\n");
    }
  }
  if (buffer.trim()) yield JSON.parse(buffer);
}

/**
 * The conversation so far: earlier questions and answers go with the next question as `history`, so a
 * follow-up ("And what happens if I do not?") is searched for what it means. Kept to the last few turns.
 */
/** @type {HistoryTurn[]} */
let conversation = [];
const HISTORY_TURNS = 6;

/** @type {Record<AskResult["coverage"], string>} */
const COVERAGE_TEXT = {
  answered: "",
  partial: "The documents may cover this only in part: check the cited passages.",
  not_covered: "The documents do not cover this question.",
};

/** @param {AskResult["coverage"]} coverage */
function showCoverage(coverage) {
  const el = $("coverage");
  el.className = `coverage ${coverage}`;
  show(el, COVERAGE_TEXT[coverage] ?? "");
}

function showConversation() {
  const questions = conversation.filter((t) => t.role === "user").length;
  show(
    $("earlier-text"),
    questions ? `Follow-up to ${questions} earlier question${questions > 1 ? "s" : ""}.` : "",
  );
  $("earlier").hidden = questions === 0;
}

$("new-conversation").addEventListener("click", () => {
  conversation = [];
  showConversation();
  $("question").focus();
});

/** @param {string} question */
async function ask(question) {
  const button = /** @type {HTMLButtonElement} */ ($("ask-button"));
  button.disabled = true;
  button.textContent = "Asking…";
  show($("ask-error"), "");
  $("passage").hidden = true;
  $("answer-box").hidden = false;
  $("answer").classList.add("streaming");
  $("citations").replaceChildren();
  sources = [];
  let text = "";
  renderAnswer("");
  showConversation();
  $("coverage").hidden = true;
  $("searched-for").hidden = true;
  const history = conversation.slice(-HISTORY_TURNS);
  try {
    const res = await api("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, stream: true, history }),
    });
    if (!res.body) throw new ApiError("The server sent no answer.");
    for await (const event of ndjson(res.body)) {
      if (event.type === "sources") sources = event.sources;
      else if (event.type === "delta") {
        text += event.content;
        renderAnswer(text);
      } else if (event.type === "done") {
        sources = event.sources;
        if (event.sentences?.length) renderChecked(event.sentences);
        else renderAnswer(event.answer);
        renderCitations(event.citations, event.sentences ?? []);
        showCoverage(event.coverage);
        // A follow-up the chat model rewrote for the search: say what was searched for, so a wrong
        // rewrite is visible.
        show($("searched-for"), event.searchedFor ? `Searched for: ${event.searchedFor}` : "");
        conversation.push({ role: "user", content: question }, { role: "assistant", content: event.answer });
      } else if (event.type === "error") throw new ApiError(event.error.message);
    }
  } catch (error) {
    show($("ask-error"), error instanceof ApiError ? error.message : `Something went wrong: ${error}`);
    if (!text) $("answer-box").hidden = true;
  } finally {
    $("answer").classList.remove("streaming");
    button.disabled = false;
    button.textContent = "Ask";
  }
}

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = field("question").value.trim();
  if (question) ask(question);
});

$("question").addEventListener("keydown", (event) => {
  // Enter asks, Shift+Enter starts a new line; not while an input method is composing (Chinese, Japanese).
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    /** @type {HTMLFormElement} */ ($("ask-form")).requestSubmit();
  }
});

// ---- documents ----

/** @param {DocumentView} doc */
function describe(doc) {
  const parts = [doc.format.toUpperCase()];
  if (doc.pages) parts.push(`${doc.pages} page${doc.pages === 1 ? "" : "s"}`);
  parts.push(`${doc.chunks} chunk${doc.chunks === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

async function loadDocuments() {
  show($("docs-error"), "");
  /** @type {DocumentView[]} */
  let documents;
  try {
    documents = (await (await api("/api/documents")).json()).documents;
  } catch (error) {
    show($("docs-error"), error instanceof Error ? error.message : String(error));
    return;
  }
  loadStatus();
  $("doc-count").textContent = documents.length ? `(${documents.length})` : "";
  $("empty").hidden = documents.length > 0;
  const list = $("documents");
  list.replaceChildren();
  for (const doc of documents) {
    const item = document.createElement("li");
    const text = document.createElement("div");
    const name = document.createElement("span");
    name.className = "doc-name";
    name.textContent = doc.source;
    const meta = document.createElement("span");
    meta.className = "hint";
    meta.textContent =
      doc.title && doc.title !== doc.source ? `${doc.title} · ${describe(doc)}` : describe(doc);
    text.append(name, meta);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "quiet danger";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${doc.source}`);
    remove.addEventListener("click", () => removeDocument(doc));
    item.append(text, remove);
    list.append(item);
  }
}

/** @param {DocumentView} doc */
async function removeDocument(doc) {
  if (!confirm(`Remove ${doc.source} from the index? The file itself stays where it is.`)) return;
  try {
    await api(`/api/documents/${doc.id}`, { method: "DELETE" });
    await loadDocuments();
    $("upload-status").textContent = `Removed ${doc.source}.`;
  } catch (error) {
    show($("docs-error"), error instanceof Error ? error.message : String(error));
  }
}

$("upload-input").addEventListener("change", async (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const file = input.files?.[0];
  if (!file) return;
  show($("docs-error"), "");
  $("upload-status").textContent = `Uploading and indexing ${file.name}…`;
  const form = new FormData();
  form.append("file", file);
  try {
    const res = await api("/api/documents", { method: "POST", body: form });
    const { document: doc, chunks } = await res.json();
    await loadDocuments();
    $("upload-status").textContent = `Indexed ${doc.source}: ${chunks} chunk${chunks === 1 ? "" : "s"}.`;
  } catch (error) {
    $("upload-status").textContent = "";
    show($("docs-error"), `${file.name} was not added: ${error instanceof Error ? error.message : error}`);
  } finally {
    input.value = "";
  }
});

// ---- status ----

async function loadStatus() {
  try {
    const health = /** @type {Health} */ (await (await fetch("/health")).json());
    const answers =
      health.mode.answer === "generative"
        ? `answers by ${health.chatModel}`
        : "extractive answers (Ollama was not reachable at start-up)";
    $("status").textContent = `${health.index.documents} documents · ${answers}`;
  } catch {
    $("status").textContent = "cannot reach grounded";
  }
}

loadDocuments();
