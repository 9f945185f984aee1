/**
 * Find citation markers in a model's answer: `[1]`, `[1, 2]`, `[1][2]`, `[1-3]`. Markers that point to a
 * source that was not given are removed from the text and counted, so every marker a user sees resolves.
 */
export interface ParsedCitations {
  /** The answer with unresolvable markers removed. */
  text: string;
  /** Source numbers cited, in order of first appearance. */
  cited: number[];
  /** How many marker numbers pointed to no source. */
  removed: number;
}

const MARKER = /\[(\s*\d+\s*(?:(?:,|，|-|–)\s*\d+\s*)*)\]/g;

function expand(inner: string): number[] {
  const out: number[] = [];
  for (const part of inner.split(/[,，]/)) {
    const range = part.split(/[-–]/).map((x) => Number.parseInt(x.trim(), 10));
    const [a, b] = range;
    if (a === undefined || Number.isNaN(a)) continue;
    if (range.length === 2 && b !== undefined && !Number.isNaN(b) && b >= a && b - a < 20) {
      for (let i = a; i <= b; i++) out.push(i);
    } else out.push(a);
  }
  return out;
}

export function parseCitations(answer: string, sourceCount: number): ParsedCitations {
  const cited: number[] = [];
  let removed = 0;
  const text = answer.replace(MARKER, (_whole, inner: string) => {
    const nums = expand(inner);
    const valid = nums.filter((n) => n >= 1 && n <= sourceCount);
    removed += nums.length - valid.length;
    for (const n of valid) if (!cited.includes(n)) cited.push(n);
    return valid.length ? `[${[...new Set(valid)].join(", ")}]` : "";
  });
  return {
    text: removed ? text.replace(/[ \t]+([.,;:!?。，；：！？])/g, "$1").replace(/[ \t]{2,}/g, " ") : text,
    cited,
    removed,
  };
}

/** The source numbers of every marker in `text`, in order (ranges expanded; nothing checked). */
export function citationNumbers(text: string): number[] {
  return Array.from(text.matchAll(MARKER), (m) => expand(m[1] ?? "")).flat();
}
