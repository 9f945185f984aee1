import { extractTerms } from "../text/terms.js";
import type { Embedder, EmbedderInfo, EmbedOptions } from "./embedder.js";

/**
 * The offline embedder used when no Ollama is reachable: deterministic, in-process and lexical (signed
 * feature hashing of words, word pairs and CJK unigrams/bigrams, log term frequency, L2-normalised). It
 * finds passages that share words with the question, not passages that share meaning: a real embedding
 * model through Ollama is far better, and `grounded status` says which one an index uses.
 */
export const BUILTIN_MODEL = "builtin";
const DIMENSIONS = 512;

function hash(s: string, seed: number): number {
  // FNV-1a, 32-bit.
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function builtinVector(text: string): Float32Array {
  // Traditional Chinese is read as Simplified, as on the lexical side (src/text/script-fold.ts); indexes
  // built before that were re-embedded by migration 2 (src/store/migrations.ts).
  const t = extractTerms(text);
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  for (const w of t.words) add(`w:${w}`, 1);
  for (let i = 1; i < t.words.length; i++) add(`p:${t.words[i - 1]} ${t.words[i]}`, 0.5);
  for (const c of t.unigrams) add(`u:${c}`, 0.5);
  for (const b of t.bigrams) add(`b:${b}`, 1);

  const v = new Float32Array(DIMENSIONS);
  for (const [feature, count] of counts) {
    const h = hash(feature, 0);
    const sign = hash(feature, 0x9e3779b9) & 1 ? 1 : -1;
    v[h % DIMENSIONS] = (v[h % DIMENSIONS] ?? 0) + sign * (1 + Math.log(count));
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}

export function createBuiltinEmbedder(): Embedder {
  const info: EmbedderInfo = { model: BUILTIN_MODEL, dimensions: DIMENSIONS, contextLength: 8192 };
  return {
    kind: "builtin",
    model: BUILTIN_MODEL,
    info: async () => info,
    embed: async (texts: string[], options: EmbedOptions) => {
      options.signal?.throwIfAborted();
      return texts.map(builtinVector);
    },
  };
}
