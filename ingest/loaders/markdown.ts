import type { LoadedDocument, Section } from "../../src/document.js";

interface Heading {
  level: number;
  text: string;
  /** Offset of the heading's first line (for setext headings, the text line above the underline). */
  start: number;
  /** Offset just past the heading's last line. */
  end: number;
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** Lines that cannot be the text of a setext heading (list items, quotes, indented code, table rows). */
const NOT_SETEXT_TEXT = /^(?: {4}|\t| {0,3}(?:[-*+>|]|\d{1,9}[.)])(?:[ \t]|$))/;

/**
 * Markdown (already normalised) to one section per heading. The section text starts at its heading line
 * and is an exact slice of the document text at `offset`. Only what a heading needs is parsed: fenced code
 * is tracked so a `# comment` inside it is not a heading, and the code itself stays in the text because
 * users ask about it.
 */
export function loadMarkdown(text: string): LoadedDocument {
  const { bodyStart, title: frontTitle } = frontMatter(text);
  const headings = findHeadings(text, bodyStart);

  const sections: Section[] = [];
  const stack: Heading[] = [];
  const push = (start: number, end: number, bodyFrom: number, headingPath: string[]) => {
    if (text.slice(bodyFrom, end).trim() === "") return; // a heading with nothing under it: its children carry it
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    sections.push({ text: body, page: null, headingPath, offset: start + lead });
  };

  push(bodyStart, headings[0]?.start ?? text.length, bodyStart, []);
  headings.forEach((heading, i) => {
    while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= heading.level) stack.pop();
    stack.push(heading);
    const end = headings[i + 1]?.start ?? text.length;
    push(
      heading.start,
      end,
      Math.min(heading.end, end),
      stack.map((h) => h.text),
    );
  });

  const firstH1 = headings.find((h) => h.level === 1)?.text ?? null;
  return { format: "markdown", title: frontTitle ?? firstH1, sections };
}

/** YAML front matter is metadata, not prose: skip it, but its `title:` is the best title there is. */
function frontMatter(text: string): { bodyStart: number; title: string | null } {
  if (!text.startsWith("---\n")) return { bodyStart: 0, title: null };
  const close = /^(?:---|\.\.\.)[ \t]*$/m;
  const rest = text.slice(4);
  const m = close.exec(rest);
  if (!m) return { bodyStart: 0, title: null };
  const yaml = rest.slice(0, m.index);
  const bodyStart = 4 + m.index + m[0].length;
  const titleLine = /^title:[ \t]*(.+?)[ \t]*$/m.exec(yaml)?.[1];
  const title = titleLine?.replace(/^(["'])(.*)\1$/, "$2").trim() || null;
  return { bodyStart, title };
}

function findHeadings(text: string, from: number): Heading[] {
  const headings: Heading[] = [];
  let fence: { char: string; length: number } | null = null;
  let prev: { start: number; line: string; paragraph: boolean } | null = null;
  let pos = from;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end);
    const next = nl === -1 ? text.length : nl + 1;
    let paragraph = false;

    const fenceMatch = FENCE.exec(line);
    if (fence) {
      const closes = fenceMatch?.[1]?.[0] === fence.char && (fenceMatch[1]?.length ?? 0) >= fence.length;
      if (closes && line.trim() === fenceMatch?.[1]) fence = null;
    } else if (fenceMatch?.[1]) {
      fence = { char: fenceMatch[1][0] ?? "`", length: fenceMatch[1].length };
    } else {
      const atx = ATX.exec(line);
      const setext = prev?.paragraph ? SETEXT.exec(line) : null;
      if (atx) {
        headings.push({ level: atx[1]?.length ?? 1, text: inline(atx[2] ?? ""), start: pos, end: next });
      } else if (setext && prev) {
        const level = setext[1]?.startsWith("=") ? 1 : 2;
        headings.push({ level, text: inline(prev.line), start: prev.start, end: next });
      } else {
        paragraph = line.trim() !== "" && !NOT_SETEXT_TEXT.test(line);
      }
    }
    prev = { start: pos, line, paragraph };
    pos = next;
  }
  return headings;
}

/** Heading text as a reader sees it: link text without the URL, no emphasis or code markers. */
function inline(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\*\*|__|`/g, "")
    .trim();
}
