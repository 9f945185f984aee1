import fs from "node:fs";
import path from "node:path";
import { seededRandom } from "../stand-in/awkward-writer.js";

/**
 * A deterministic synthetic library for the benchmark: English and Chinese, Markdown and plain text. Words
 * are drawn from topics (each file sticks to one), so a query built from a topic's words has real nearest
 * neighbours for both BM25 and the stand-in's lexical embeddings, like questions about a real library.
 */
type Rng = () => number;

/** The stand-in's seeded generator (mulberry32): small, fast and the same on every machine. */
const createRng = (seed: number): Rng => seededRandom(seed);

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
/** Skewed towards the front of the list, like word frequencies. */
const pickSkewed = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() ** 2 * list.length)] as T;

const EN_COMMON =
  "the of and to in is that it for on with as was be by this are or from at an which but not have has can all one were more their there will when so if about into than other some these may only also its after most over such used many two first new should any because each between under both well where those while through".split(
    " ",
  );
const SYLLABLES =
  "ka lo mer tin sa vel dor pa ri zen mo lu gar fi ne tas ber col dra min or pel que sto vin har lem bra cy".split(
    " ",
  );
const ZH_COMMON = "的是在了和有也就都而及與或但把被對從向為這那其中".split("");
const ZH_CHARS =
  "水火山石木花草雲風雨雪天地人心手口目耳足車馬船橋路城市村田園林海河湖港電光熱冷新舊高低長短大小多少早晚春夏秋冬東西南北金銀銅鐵紙書筆墨茶飯米麵魚肉蛋奶藥醫病學校師生工廠機器數據網站軟件系統安全規則時間價格服務管理設計研究報告會議計劃預算資料檔案記錄借閱逾期罰款維修保養更換零件電池充電溫度濕度壓力速度距離重量".split(
    "",
  );

const TOPICS = 400;
const TOPIC_WORDS = 40;

function englishTopicWords(topic: number): string[] {
  const rng = createRng(1000 + topic);
  return Array.from({ length: TOPIC_WORDS }, () => {
    const n = 2 + Math.floor(rng() * 2);
    return Array.from({ length: n }, () => pick(rng, SYLLABLES)).join("");
  });
}

function chineseTopicWords(topic: number): string[] {
  const rng = createRng(5000 + topic);
  return Array.from({ length: TOPIC_WORDS }, () => pick(rng, ZH_CHARS) + pick(rng, ZH_CHARS));
}

const topicCache = new Map<string, string[]>();
function topicWords(lang: "en" | "zh", topic: number): string[] {
  const key = `${lang}${topic}`;
  let words = topicCache.get(key);
  if (!words) {
    words = lang === "en" ? englishTopicWords(topic) : chineseTopicWords(topic);
    topicCache.set(key, words);
  }
  return words;
}

function englishSentence(rng: Rng, topic: number): string {
  const words = topicWords("en", topic);
  const n = 8 + Math.floor(rng() * 13);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng() < 0.55 ? pickSkewed(rng, EN_COMMON) : pickSkewed(rng, words));
  const s = out.join(" ");
  return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
}

function chineseSentence(rng: Rng, topic: number): string {
  const words = topicWords("zh", topic);
  const n = 6 + Math.floor(rng() * 10);
  let s = "";
  for (let i = 0; i < n; i++) {
    s += rng() < 0.35 ? pick(rng, ZH_COMMON) : pickSkewed(rng, words);
    if (i > 0 && i < n - 1 && rng() < 0.12) s += "，";
  }
  return `${s}。`;
}

/** Roughly 1 estimated token per Chinese character and ~1.6 per English word (src/text/tokens.ts). */
function paragraph(rng: Rng, lang: "en" | "zh", topic: number): { text: string; tokens: number } {
  const n = 3 + Math.floor(rng() * 4);
  const sentences: string[] = [];
  for (let i = 0; i < n; i++)
    sentences.push(lang === "en" ? englishSentence(rng, topic) : chineseSentence(rng, topic));
  const text = sentences.join(lang === "en" ? " " : "");
  const tokens = lang === "en" ? Math.round(text.split(" ").length * 1.6) + n : text.length;
  return { text, tokens };
}

export interface SyntheticDoc {
  /** Relative path with a .md or .txt extension. */
  name: string;
  lang: "en" | "zh";
  topic: number;
  markdown: boolean;
  title: string;
  text: string;
}

/** Tokens of text per planned chunk, measured: chunks end early at section and file ends, and overlap. */
const TOKENS_PER_CHUNK = 245;

/** One document of about `chunks` chunks; the same (seed, index) always gives the same document. */
function syntheticDoc(seed: number, index: number, chunks: number): SyntheticDoc {
  const rng = createRng(seed * 1_000_003 + index);
  const lang = rng() < 0.7 ? "en" : "zh";
  const topic = Math.floor(rng() * TOPICS);
  const markdown = rng() < 0.6;
  const words = topicWords(lang, topic);
  const title =
    lang === "en"
      ? `${pick(rng, words)} ${pick(rng, words)} notes ${index}`
      : `${pick(rng, words)}${pick(rng, words)}手冊${index}`;
  const budget = chunks * TOKENS_PER_CHUNK;
  const parts: string[] = markdown ? [`# ${title}`, ""] : [];
  let tokens = 0;
  let section = 0;
  while (tokens < budget) {
    if (markdown && (section === 0 || rng() < 0.25)) {
      section++;
      parts.push(
        lang === "en" ? `## ${pick(rng, words)} ${section}` : `## 第${section}節 ${pick(rng, words)}`,
        "",
      );
    }
    const p = paragraph(rng, lang, topic);
    parts.push(p.text, "");
    tokens += p.tokens;
  }
  const dir = `${lang}/${String(Math.floor(index / 500)).padStart(3, "0")}`;
  const name = `${dir}/${lang === "en" ? "doc" : "文件"}-${index}.${markdown ? "md" : "txt"}`;
  return { name, lang, topic, markdown, title, text: parts.join("\n") };
}

/** Chunks per file vary (1 to ~40, mean ~20) like a real folder of notes and manuals. */
function chunksForFile(seed: number, index: number): number {
  const rng = createRng(seed * 7919 + index);
  return 1 + Math.floor(rng() * rng() * 78);
}

/**
 * Write about `targetChunks` chunks worth of files under `dir`, one at a time (memory stays flat).
 * `chunksPerFile` fixes the size of every file (a folder of short notes) instead of varying it.
 */
export function writeCorpus(
  dir: string,
  targetChunks: number,
  seed = 1,
  chunksPerFile?: (index: number) => number,
): { files: number; bytes: number } {
  let planned = 0;
  let files = 0;
  let bytes = 0;
  while (planned < targetChunks) {
    const chunks = Math.min(chunksPerFile?.(files) ?? chunksForFile(seed, files), targetChunks - planned);
    const doc = syntheticDoc(seed, files, chunks);
    const file = path.join(dir, ...doc.name.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, doc.text);
    bytes += Buffer.byteLength(doc.text);
    planned += chunks;
    files++;
  }
  return { files, bytes };
}

/** Chunk-sized passages for building an index directly (without files): `count` passages of one document. */
export function syntheticPassages(
  seed: number,
  index: number,
  count: number,
): { doc: SyntheticDoc; passages: string[] } {
  const doc = syntheticDoc(seed, index, 0);
  const rng = createRng(seed * 31 + index);
  const passages: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    let tokens = 0;
    while (tokens < 360) {
      const p = paragraph(rng, doc.lang, doc.topic);
      parts.push(p.text);
      tokens += p.tokens;
    }
    passages.push(parts.join("\n\n"));
  }
  return { doc, passages };
}

/** Questions made of one topic's words, in English or Chinese, as a user would type them. */
export function syntheticQueries(count: number, seed = 7): string[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const lang = rng() < 0.7 ? "en" : "zh";
    const words = topicWords(lang, Math.floor(rng() * TOPICS));
    const n = 2 + Math.floor(rng() * 3);
    const picked = Array.from({ length: n }, () => pickSkewed(rng, words));
    return lang === "en" ? `what about ${picked.join(" ")}` : `${picked.join("")}是什麼`;
  });
}
