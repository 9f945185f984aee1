// A passage of a Markdown document, shown as formatted text: headings, paragraphs, lists, bold, italics and
// code. Only DOM nodes are built (no innerHTML), so document text can never become markup. The span `mark`
// ({start, end} in `text`) is wrapped in <mark>, one per block it touches, whatever formatting it crosses.

const HEADING = /^(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const ITEM = /^[ \t]*([-*+]|\d{1,9}[.)])[ \t]+/;
const FENCE = /^[ \t]*(```|~~~)/;
const INLINE =
  /\*\*(?=\S)(.+?)\*\*|__(?=\S)(.+?)__|\*(?=[^\s*])(.+?)\*|(?<![\p{L}\p{N}_])_(?=[^\s_])(.+?)_(?![\p{L}\p{N}_])|`([^`]+)`/gu;
const STYLE = ["strong", "strong", "em", "em", "code"];

/** Pieces of one line: [start, end) in the passage, and the element that formats them (or none). */
function inline(line, base, raw) {
  if (raw) return [{ start: base, end: base + line.length, tag: null }];
  const pieces = [];
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    const group = m.slice(1).findIndex((g) => g !== undefined);
    const inner = m[group + 1];
    const open = group === 4 ? 1 : group < 2 ? 2 : 1;
    if (m.index > last) pieces.push({ start: base + last, end: base + m.index, tag: null });
    const start = base + m.index + open;
    pieces.push({ start, end: start + inner.length, tag: STYLE[group] });
    last = m.index + m[0].length;
  }
  if (last < line.length) pieces.push({ start: base + last, end: base + line.length, tag: null });
  return pieces;
}

/** Writes pieces of `text` into `el`; the part inside `mark` goes into one <mark> per run. */
function writer(el, text, mark) {
  let marked = null;
  const put = (a, b, tag) => {
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
        for (let i = 0; i + 1 < cuts.length; i++)
          if (cuts[i] < cuts[i + 1]) put(cuts[i], cuts[i + 1], piece.tag);
      }
    },
  };
}

/** Render Markdown `text` into `box`; `mark` is null or {start, end}. */
export function renderMarkdown(box, text, mark = null) {
  let block = null; // the writer of the paragraph, list item or code block that lines are added to
  let list = null;
  let fenced = false;
  const open = (parent, tag) => writer(parent.appendChild(document.createElement(tag)), text, mark);
  // A line that continues a block keeps its line break (the "\n" before it), marked with its sentence.
  const lineBreak = (base) => block.add([{ start: base - 1, end: base, tag: null }]);
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
    if (fenced) {
      if (block.el.childNodes.length) lineBreak(base);
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
      const start = line.indexOf(heading[2], heading[1].length);
      open(box, heading[1].length <= 2 ? "h4" : "h5").add(inline(heading[2], base + start, false));
      close();
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const tag = ordered ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) list = box.appendChild(document.createElement(tag));
      block = open(list, "li");
      block.add(inline(line.slice(item[0].length), base + item[0].length, false));
      continue;
    }
    if (block) lineBreak(base);
    else block = open(box, "p");
    block.add(inline(line, base, false));
  }
}
