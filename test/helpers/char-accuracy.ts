/** Edit distance (insertions, deletions, substitutions) between two strings, by code point. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[y.length] ?? 0;
}

/**
 * Runs of white space as one space, line breaks included (OCR's line breaks are not what is measured), or
 * no white space at all, for Chinese, where spaces carry nothing.
 */
const squeeze = (text: string, spaces: "squeeze" | "ignore") =>
  spaces === "ignore" ? text.replace(/\s+/g, "") : text.replace(/\s+/g, " ").trim();

/** 1 − edit distance / length of the truth, on white-space-squeezed text (0 when worse than nothing). */
export function charAccuracy(
  truth: string,
  recognised: string,
  spaces: "squeeze" | "ignore" = "squeeze",
): number {
  const t = squeeze(truth, spaces);
  const r = squeeze(recognised, spaces);
  return t.length === 0 ? (r.length === 0 ? 1 : 0) : Math.max(0, 1 - editDistance(t, r) / [...t].length);
}
