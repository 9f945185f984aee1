// @ts-check
// A passage of a Markdown document, shown as formatted text: headings, paragraphs, lists, bold, italics and
// code. Only DOM nodes are built (no innerHTML), so document text can never become markup. The span `mark`
// ({start, end} in `text`) is wrapped in <mark>, one per block it touches, whatever formatting it crosses.

const HEADING = /^(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const ITEM = /^[ \t]*([-*+]|\d{1,9}[.)])[ \t]+/;
const FENCE = /^[ \t]*(```|~~~)/;
const INLINE =
  /\*\*(?=\S)(.+?)\*\*|__(?=\S)(.+?)__|\*(?=[^\s*])(.+?)\*|(?<![\p{L}\p{N}_])_(?=[^\s_])(.+?)_(?![\p{L}\p{N}_])|`([^`]+)`/gu;
const STYLE = ["strong", "strong", "em", "em", "code"];

/** @typedef {{ start: number, end: number }} Span */
/** @typedef {{ start: number, end: number, tag: string | null }} Piece */
/** @typedef {{ el: HTMLElement, add(pieces: Piece[]): void }} Writer */

/**
 * Pieces of one line: [start, end) in the passage, and the element that formats them (or none).
 * @param {string} line
 * @param {number} base the line's offset in the passage
 * @param {boolean} raw code: no inline formatting
 * @returns {Piece[]}
 */
function inline(line, base, raw) {
  if (raw) return [{ start: base, end: base + line.length, tag: null }];
  /** @type {Piece[]} */
  const pieces = [];
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    const group = m.slice(1).findIndex((g) => g !== undefined);
    const inner = m[group + 1] ?? "";
    const at = m.index ?? 0;
    const open = group === 4 ? 1 : group < 2 ? 2 : 1;
    if (at > last) pieces.push({ start: base + last, end: base + at, tag: null });
    const start = base + at + open;
    pieces.push({ start, end: start + inner.length, tag: STYLE[group] ?? null });
    last = at + m[0].length;
  }
  if (last < line.length) pieces.push({ start: base + last, end: base + line.length, tag: null });
  return pieces;
}

/**
 * Writes pieces of `text` into `el`; the part inside `mark` goes into one <mark> per run.
 * @param {HTMLElement} el
 * @param {string} text
 * @param {Span | null} mark
 * @returns {Writer}
 */
function writer(el, text, mark) {
  /** @type {HTMLElement | null} */
  let marked = null;
  /** @type {(a: number, b: number, tag: string | null) => void} */
  const put = (a, b, tag) => {
    /** @type {Node} */
    let node = document.createTextNode(text.slice(a, b));
    if (tag) {
      const wrap = document.createElement(tag);
      wrap.append(node);
      node = wrap;
    }
    if (mark !== null && a >= mark.start && b <= mark.end) {
      if (!marked) marked = el.appendChild(document.createElement("mark"));
      marked.append(node);
    } else {
      marked = null;
      el.append(node);
    }
  };
  return {
    el,
    add(pieces) {
      for (const piece of pieces) {
        const cuts = [piece.start, piece.end];
        if (mark) for (const c of [mark.start, mark.end]) if (c > piece.start && c < piece.end) cuts.push(c);
        cuts.sort((a, b) => a - b);
        for (let i = 0; i + 1 < cuts.length; i++) {
          const a = /** @type {number} */ (cuts[i]);
          const b = /** @type {number} */ (cuts[i + 1]);
          if (a < b) put(a, b, piece.tag);
        }
      }
    },
  };
}

/**
 * Render Markdown `text` into `box`; `mark` is null or {start, end}.
 * @param {HTMLElement} box
 * @param {string} text
 * @param {Span | null} [mark]
 */
export function renderMarkdown(box, text, mark = null) {
  /** @type {Writer | null} the writer of the paragraph, list item or code block that lines are added to */
  let block = null;
  /** @type {HTMLElement | null} */
  let list = null;
  let fenced = false;
  /** @type {(parent: HTMLElement, tag: string) => Writer} */
  const open = (parent, tag) => writer(parent.appendChild(document.createElement(tag)), text, mark);
  // A line that continues a block keeps its line break (the "\n" before it), marked with its sentence.
  /** @type {(to: Writer, base: number) => void} */
  const lineBreak = (to, base) => to.add([{ start: base - 1, end: base, tag: null }]);
  const close = () => {
    block = null;
  };
  let offset = 0;
  for (const line of text.split("\n")) {
    const base = offset;
    offset += line.length + 1;
    if (FENCE.test(line)) {
      fenced = !fenced;
      list = null;
      block = fenced ? open(box, "pre") : null;
      continue;
    }
    if (fenced && block) {
      if (block.el.childNodes.length) lineBreak(block, base);
      block.add(inline(line, base, true));
      continue;
    }
    if (line.trim() === "") {
      close();
      list = null;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      list = null;
      const [, hashes = "", title = ""] = heading;
      const start = line.indexOf(title, hashes.length);
      open(box, hashes.length <= 2 ? "h4" : "h5").add(inline(title, base + start, false));
      close();
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1] ?? "");
      const tag = ordered ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) list = box.appendChild(document.createElement(tag));
      block = open(list, "li");
      block.add(inline(line.slice(item[0].length), base + item[0].length, false));
      continue;
    }
    if (block) lineBreak(block, base);
    else block = open(box, "p");
    block.add(inline(line, base, false));
  }
}
