import type { RetrievedChunk } from "./types.js";

/**
 * Neighbouring chunks of one section that are retrieved together become one passage.
 *
 * Chunks overlap (the next one repeats the end of the previous one), so two neighbours in the results
 * would show the reader, and send the chat model, the same sentences twice, and an answer that runs over
 * a chunk edge would be cut in two sources. Joining them gives one contiguous passage, cited once, with no
 * text added: a passage holds exactly the retrieved chunks, minus their repeated overlap, so it costs the
 * chat model fewer tokens than the chunks it replaces. Nothing outside the results is pulled in.
 *
 * Chunks join when they are consecutive (`seq`) in one document, on the same page under the same heading
 * (a chunk never crosses a section, so the passage still has one page and one heading). The passage takes
 * the rank and score of its best chunk and the identity (`chunkId`, `seq`, `start`) of its first;
 * `chunkIds` lists its chunks in document order. Results are otherwise left in order.
 */
export function mergeAdjacent(ranked: RetrievedChunk[]): RetrievedChunk[] {
  const placed = new Set<RetrievedChunk>();
  const bySlot = new Map<string, RetrievedChunk>();
  const slot = (c: RetrievedChunk, seq: number) => `${c.documentId}\u0000${seq}`;
  for (const c of ranked) bySlot.set(slot(c, c.seq), c);
  const passages: RetrievedChunk[][] = [];
  for (const c of ranked) {
    if (placed.has(c)) continue;
    // Walk to the first chunk of the run this one belongs to, then collect the run forward.
    let first = c;
    for (;;) {
      const before = bySlot.get(slot(first, first.seq - 1));
      if (!before || placed.has(before) || !sameSection(before, first)) break;
      first = before;
    }
    const run = [first];
    for (;;) {
      const last = run[run.length - 1] as RetrievedChunk;
      const after = bySlot.get(slot(last, last.seq + 1));
      if (!after || placed.has(after) || !sameSection(last, after)) break;
      run.push(after);
    }
    for (const member of run) placed.add(member);
    passages.push(run);
  }
  return passages.map(joinRun);
}

function sameSection(a: RetrievedChunk, b: RetrievedChunk): boolean {
  return a.page === b.page && a.heading === b.heading;
}

/** One passage from a run of consecutive chunks (document order). */
function joinRun(run: RetrievedChunk[]): RetrievedChunk {
  const first = run[0] as RetrievedChunk;
  if (run.length === 1) return first;
  let text = first.text;
  let end = first.end;
  let best = first;
  for (const c of run.slice(1)) {
    if (c.start <= end) {
      // The overlap: the next chunk starts inside this passage, so only its new part is added.
      text += c.text.slice(Math.min(c.text.length, end - c.start));
    } else {
      // Only whitespace lies between two chunks of one section (they are trimmed slices of it).
      text += `\n\n${c.text}`;
    }
    end = Math.max(end, c.end);
    if (c.score > best.score) best = c;
  }
  return {
    ...first,
    text,
    end,
    score: best.score,
    chunkIds: run.flatMap((c) => c.chunkIds),
  };
}
