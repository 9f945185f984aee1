import path from "node:path";

const MAX_NAME = 120;
// Names Windows will not create, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A safe file name for an upload, made from the name the browser sent: only its last path segment, no
 * control or shell-special characters, no leading dots (hidden files are skipped by ingest), at most 120
 * characters with the extension kept. Letters of every script stay, so `圖書館規則.md` is kept as it is.
 * Returns null when nothing usable is left.
 */
export function safeUploadName(sent: string): string | null {
  const last = sent.split(/[\\/]/).pop() ?? "";
  const cleaned = last
    .normalize("NFC")
    .replace(/[\p{Cc}<>:"|?*]/gu, "_")
    .replace(/^[.\s]+|[.\s]+$/g, "");
  const ext = path.extname(cleaned).toLowerCase();
  let stem = cleaned.slice(0, cleaned.length - ext.length).trim();
  if (!stem) return null;
  if (RESERVED.test(stem)) stem = `_${stem}`;
  return `${[...stem].slice(0, MAX_NAME - ext.length).join("")}${ext}`;
}
