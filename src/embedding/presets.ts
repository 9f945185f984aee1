import type { EmbedRole } from "./embedder.js";

/**
 * Task prefixes some embedding models were trained with and Ollama does not add (docs/ollama.md, pitfall 3).
 * Without them retrieval quality drops quietly; changing them means re-embedding the whole index.
 */
export type EmbedPrefixes = Readonly<Record<EmbedRole, string>>;

const NONE: EmbedPrefixes = { document: "", query: "" };

const PRESETS: Readonly<Record<string, EmbedPrefixes>> = {
  "nomic-embed-text": { document: "search_document: ", query: "search_query: " },
  "mxbai-embed-large": { document: "", query: "Represent this sentence for searching relevant passages: " },
  embeddinggemma: { document: "title: none | text: ", query: "task: search result | query: " },
  "qwen3-embedding": {
    document: "",
    query: "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
  },
  "bge-m3": NONE,
  "all-minilm": NONE,
};

/**
 * The model's family name: no tag, no namespace, lower case.
 * `nomic-embed-text:v1.5` → `nomic-embed-text`; `hf.co/Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0` → `qwen3-embedding-0.6b-gguf`.
 */
export function embedModelFamily(model: string): string {
  const lastPath = model.trim().split("/").pop() ?? "";
  const colon = lastPath.indexOf(":");
  return (colon === -1 ? lastPath : lastPath.slice(0, colon)).toLowerCase();
}

/**
 * Prefixes for a model; a name that extends a known family after a separator (`nomic-embed-text-v1.5`,
 * `qwen3-embedding-0.6b-gguf`) gets that family's prefixes. Unknown models get none.
 */
export function embedPrefixes(model: string): EmbedPrefixes {
  const name = embedModelFamily(model);
  const exact = PRESETS[name];
  if (exact) return exact;
  for (const [family, prefixes] of Object.entries(PRESETS)) {
    if (name.startsWith(family) && /^[-_.]/.test(name.slice(family.length))) return prefixes;
  }
  return NONE;
}
