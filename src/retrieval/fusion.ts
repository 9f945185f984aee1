import type { RetrievalMode } from "./types.js";

export interface Scored {
  id: number;
  score: number;
}

/**
 * Fuse the lexical (BM25) and vector (cosine) candidate lists.
 *
 * Each side's scores are standardised against that side's own candidate distribution (z-scores), and each
 * side is then weighted by how far its best hit stands out: its top z-score. A strong embedding model with a
 * clear winner keeps its full say (or more), while a weak one whose scores are flat cannot drag a clear
 * lexical winner down, and the other way round. Plain equal-weight rank fusion lacks this (see
 * docs/retrieval.md for the measurements). Nothing here is tuned per model: the weights come from each
 * query's own candidates. A chunk missing from a side gets that side's floor (its lowest candidate's z-score).
 */
export function fuse(lexical: Scored[], vector: Scored[], mode: RetrievalMode): Scored[] {
  if (mode === "lexical") return lexical;
  if (mode === "vector") return vector;
  if (lexical.length === 0) return vector;
  if (vector.length === 0) return lexical;

  const lz = standardise(lexical);
  const vz = standardise(vector);
  const lFloor = Math.min(...lz.values());
  const vFloor = Math.min(...vz.values());
  // A side whose candidates all score the same has a top z-score of 0 and no say; if both are flat, both count.
  let lWeight = Math.max(...lz.values());
  let vWeight = Math.max(...vz.values());
  if (lWeight <= 0 && vWeight <= 0) lWeight = vWeight = 1;
  const ids = new Set([...lz.keys(), ...vz.keys()]);
  const fused: Scored[] = [];
  for (const id of ids) {
    fused.push({ id, score: lWeight * (lz.get(id) ?? lFloor) + vWeight * (vz.get(id) ?? vFloor) });
  }
  return fused.sort((a, b) => b.score - a.score || a.id - b.id);
}

function standardise(list: Scored[]): Map<number, number> {
  const mean = list.reduce((s, x) => s + x.score, 0) / list.length;
  const variance = list.reduce((s, x) => s + (x.score - mean) ** 2, 0) / list.length;
  const sd = Math.sqrt(variance) || 1;
  return new Map(list.map((x) => [x.id, (x.score - mean) / sd]));
}
