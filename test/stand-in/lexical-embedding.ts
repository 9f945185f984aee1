/**
 * The stand-in's "model": deterministic lexical vectors and a rough tokenizer. Texts that share words (or,
 * for Chinese/Japanese/Korean, characters and character pairs) get similar vectors, so retrieval tests can
 * say which chunk a query must find without a real model.
 */
const DEFAULT_DIMS = 768;

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD_OR_CJK_RUN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{N}])+/gu;

/** Lower-cased word tokens, plus CJK character unigrams and bigrams, each tagged by kind. */
export function lexicalFeatures(text: string): string[] {
  const features: string[] = [];
  for (const [run] of text.toLowerCase().matchAll(WORD_OR_CJK_RUN)) {
    if (!CJK_CHAR.test(run)) {
      features.push(`w:${run}`);
      continue;
    }
    const chars = Array.from(run);
    chars.forEach((c, i) => {
      features.push(`u:${c}`);
      if (i + 1 < chars.length) features.push(`b:${c}${chars[i + 1]}`);
    });
  }
  return features;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function l2normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  // A text without any token still needs a unit vector, as /api/embed always returns one.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((x) => x / norm);
}

/** Signed feature hashing with log-tf weights, L2-normalised. */
export function lexicalEmbedding(text: string, dims = DEFAULT_DIMS): number[] {
  const counts = new Map<string, number>();
  for (const f of lexicalFeatures(text)) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vector = new Array<number>(dims).fill(0);
  for (const [feature, tf] of counts) {
    const h = fnv1a(feature);
    const sign = Math.imul(h ^ 0x5bd1e995, 0x9e3779b1) >>> 31 === 1 ? -1 : 1;
    vector[h % dims] = (vector[h % dims] ?? 0) + sign * (1 + Math.log(tf));
  }
  return l2normalise(vector);
}

const TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Rough token count like a subword tokenizer: ~4 letters per token, one per CJK character or symbol. */
export function roughTokenCount(text: string): number {
  let count = 0;
  for (const [t] of text.matchAll(TOKEN)) count += Math.max(1, Math.ceil(t.length / 4));
  return count;
}

/** The longest prefix of `text` that fits in `limit` rough tokens (how Ollama truncates embed input). */
export function truncateToTokens(text: string, limit: number): string {
  let count = 0;
  for (const m of text.matchAll(TOKEN)) {
    count += Math.max(1, Math.ceil(m[0].length / 4));
    if (count > limit) return text.slice(0, m.index);
  }
  return text;
}
