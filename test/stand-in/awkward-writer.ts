import type { ServerResponse } from "node:http";

/**
 * Writes a response body in deliberately awkward pieces, as real networks deliver it (docs/ollama.md,
 * "Streaming"): cuts at arbitrary bytes, across line boundaries and inside multi-byte UTF-8 characters,
 * with small pauses so the client really sees separate reads.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where to cut next: every other cut lands just after a UTF-8 lead byte when one is near. */
export function nextCut(data: Uint8Array, pos: number, step: number, random: () => number): number {
  if (step % 2 === 1) {
    for (let i = pos + 1; i < Math.min(data.length, pos + 48); i++) {
      if ((data[i] ?? 0) >= 0xc0) return i + 1;
    }
  }
  return Math.min(data.length, pos + 1 + Math.floor(random() * 40));
}

export async function writeAwkwardly(
  res: ServerResponse,
  data: Uint8Array,
  options: { seed: number; delayMs: number },
): Promise<void> {
  const random = seededRandom(options.seed);
  let pos = 0;
  for (let step = 0; pos < data.length; step++) {
    if (res.destroyed) return;
    const cut = nextCut(data, pos, step, random);
    res.write(data.subarray(pos, cut));
    pos = cut;
    await sleep(options.delayMs);
  }
}
