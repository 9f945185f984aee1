import type { LoadedDocument } from "../../src/document.js";
import { type Block, sectionsFromBlocks } from "./blocks.js";
import { normalizeText } from "./decode.js";
import { decodeEntities } from "./entities.js";

/** Elements whose content is never prose. */
const DROPPED =
  /<(script|style|noscript|template|svg|math|iframe|object|canvas|select|button)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;

/** Tags that end a paragraph: text on either side of them must not run together. */
const BLOCK_TAGS = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "nav",
  "aside",
  "blockquote",
  "ul",
  "ol",
  "li",
  "dl",
  "dt",
  "dd",
  "table",
  "thead",
  "tbody",
  "tfoot",
  "tr",
  "td",
  "th",
  "caption",
  "figure",
  "figcaption",
  "form",
  "fieldset",
  "details",
  "summary",
  "hr",
  "address",
  "body",
  "html",
  "pre",
]);

/**
 * The part of a page that is its content: the `<main>` element, else its `<article>` elements, else the page
 * without its navigation, footer and side bars. Menus and footers repeated on every page of a saved site
 * would otherwise become chunks that match every question about the site.
 */
function mainContent(html: string): string {
  const main = /<main\b[^>]*>([\s\S]*?)<\/main\s*>/i.exec(html)?.[1];
  if (main?.trim()) return main;
  const articles = Array.from(html.matchAll(/<article\b[^>]*>([\s\S]*?)<\/article\s*>/gi), (m) => m[1] ?? "");
  if (articles.some((a) => a.trim())) return articles.join("\n<p>\n");
  return html.replace(/<(nav|footer|aside)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
}

/**
 * HTML without a DOM library: a tag scanner is enough for prose extraction, and it never executes or
 * fetches anything. Headings h1-h6 open sections like Markdown headings; a table row becomes one line and
 * a list item one "- " line, so both stay readable.
 */
export function loadHtml(html: string): LoadedDocument {
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const titleText = titleMatch?.[1] ? collapse(decodeEntities(titleMatch[1].replace(/<[^>]*>/g, ""))) : "";
  const body = mainContent(
    html
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/<head\b[^>]*>[\s\S]*?<\/head\s*>/i, "")
      .replace(DROPPED, ""),
  );

  const blocks: Block[] = [];
  let buffer = "";
  let heading = 0;
  let preDepth = 0;
  const flush = () => {
    const text = preDepth > 0 ? buffer.replace(/^\n+|\s+$/g, "") : collapse(buffer);
    if (text)
      blocks.push(heading > 0 ? { kind: "heading", level: heading, text } : { kind: "paragraph", text });
    buffer = "";
  };

  const tagPattern = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>|<![^>]*>|<\?[^>]*>/g;
  let last = 0;
  for (let m = tagPattern.exec(body); m !== null; m = tagPattern.exec(body)) {
    buffer += decodeEntities(body.slice(last, m.index));
    last = tagPattern.lastIndex;
    const name = m[2]?.toLowerCase();
    if (!name) continue;
    const closing = m[1] === "/";
    const level = /^h[1-6]$/.test(name) ? Number(name[1]) : 0;
    if (level > 0) {
      flush();
      heading = closing ? 0 : level;
    } else if (name === "br") {
      buffer += "\n";
    } else if (name === "td" || name === "th") {
      if (!closing) buffer += "\t";
    } else if (name === "tr" || name === "li") {
      if (closing) buffer += "\n";
      else if (name === "li") buffer += "\n- ";
    } else if (BLOCK_TAGS.has(name) && name !== "ul" && name !== "ol" && name !== "table") {
      if (name === "pre") {
        flush();
        preDepth = Math.max(0, preDepth + (closing ? -1 : 1));
      } else if (preDepth === 0) flush();
    } else if (BLOCK_TAGS.has(name)) {
      flush();
    }
  }
  buffer += decodeEntities(body.slice(last));
  flush();

  const { sections, firstH1 } = sectionsFromBlocks(blocks);
  const title = normalizeText(titleText).trim() || firstH1;
  return { format: "html", title: title || null, sections };
}

/** HTML whitespace rules: runs of spaces collapse, but the line breaks we inserted for <br>/<li>/<tr> stay. */
function collapse(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/[ \t\r\f]+/g, " ").trim())
    .filter((line) => line !== "" && line !== "-")
    .join("\n");
}
