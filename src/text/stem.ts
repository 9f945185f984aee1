/**
 * A light English stem for comparing a sentence with a question or a source ("lasts" meets "last",
 * "watered" meets "water"). Search itself stems through FTS5's porter tokenizer; this is for the answer
 * side, which compares texts in memory.
 */
export function lightStem(word: string): string {
  if (word.length <= 4) return word;
  return word.replace(/(?:ing|ed|es|s)$/, "");
}
