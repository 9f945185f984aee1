import { answerSentences } from "./support.js";

/**
 * Whether a chat model's answer says the documents do not cover the question. The system prompt tells the
 * model to "say plainly that the documents do not cover it" (prompt.ts), and models often do so while citing
 * the sources they looked at ("The sources [1][2] do not mention the price."). Counting every answer that
 * cites something as grounded would then report a refusal as `answered`, and a client would have to parse
 * the text to tell — what `coverage` exists to spare it.
 *
 * - "refusal": every sentence of the answer says the documents do not cover it (or that the model does not
 *   know): the answer is `not_covered` like one that cites nothing;
 * - "opens with a refusal": the first sentence says so and later ones answer from the sources ("The
 *   documents do not give the 2019 figure; for 2020 they give 5 % [1].") — at most `partial`;
 * - null: an answer.
 *
 * A refusal sentence names the documents (documents, sources, context, passages, text, 文件, 資料, 來源 …) and
 * denies that they hold it (do not cover / mention / contain / say / provide …, no information, 沒有, 未提及
 * …), or says the model cannot find or does not know it. "The kettle does not need descaling" names no
 * documents; "The document does not recommend vinegar" denies a recommendation, not coverage: both are answers.
 */
export type RefusalKind = "refusal" | "opens with a refusal";

const DOCS_EN =
  "(?:documents?|sources?|context|passages?|excerpts?|texts?|materials?|files?|provided information|information provided|notes|manuals?)";
const DENY_EN = String.raw`(?:do(?:es)?\s*n[o']t|did\s*n[o']t|do(?:es)?\s+not|did\s+not|cannot|can't|can\s*not|neither|never|fail(?:s|ed)?\s+to|lacks?)\s+(?:\w+\s+){0,2}?(?:cover|contain|mention|include|provide|say|state|specify|address|discuss|answer|describe|give|list|explain|indicate|offer|have|hold|refer)`;
const REFUSAL_PATTERNS: RegExp[] = [
  // "The documents do not cover …", "the provided sources don't mention …", "The context does not specify …"
  new RegExp(String.raw`\b${DOCS_EN}\b[^.?!]{0,60}?\b${DENY_EN}`, "i"),
  // "There is no information about … in the documents", "No mention of … is made in the sources"
  new RegExp(
    String.raw`\bno\s+(?:\w+\s+){0,2}?(?:information|mention|details?|data|answer|reference)\b[^.?!]{0,80}\b${DOCS_EN}\b`,
    "i",
  ),
  new RegExp(
    String.raw`\b${DOCS_EN}\b[^.?!]{0,60}\b(?:contain|have|hold|give|provide|include|offer)s?\s+no\b`,
    "i",
  ),
  // "I could not find … in the documents", "I don't know", "I cannot answer … from the sources"
  /^\s*(?:i|we)\s+(?:could\s*n[o']t|could\s+not|cannot|can't|can\s+not|was\s+unable\s+to|am\s+unable\s+to|do\s*n[o']t|do\s+not)\s+(?:find|answer|determine|tell|know|see|locate)\b/i,
  // 文件中沒有關於這個問題的內容 / 提供的資料並未提及 / 来源中没有提到 / 文件没有涵盖: the denial is of mentioning or
  // covering (a document's own "不包括外傭" or "內容未發生變化" is not a refusal)
  /(?:文件|文檔|文档|資料|资料|來源|来源|段落|材料|上下文|提供的|所給|所给)[^。！？]{0,16}?(?:沒有|没有|並未|并未|未曾|未|無|无)(?:提及|提到|涉及|說明|说明|記載|记载|包含|包括|涵蓋|涵盖|相關|相关|關於|关于|有關|有关|回答|答案|資訊|资讯|信息)/u,
  // 無法根據文件回答 / 找不到相關資訊 / 我不知道
  /^(?:無法|无法|不能|未能)[^。！？]{0,12}?(?:回答|確定|确定|找到|判斷|判断)|^(?:我)?(?:在[^。！？]{0,12})?找不到|找不到(?:相關|相关|有關|有关)?(?:的)?(?:資料|资料|資訊|资讯|信息|答案)|^我不知道|^不知道/u,
];

/** "… do not give the 2019 figure, but the 2020 one is 5 % [1]": a refusal of part, and an answer. */
const CONTRAST =
  /\b(?:but|however|although|though|yet|instead|only|except)\b|但|不過|不过|然而|只有|僅|仅|而是|除了/iu;

/** After a first refusal, "They do not say who built it either." refers back to the documents. */
const LATER_REFUSAL = new RegExp(String.raw`^\s*(?:they|these|those|it)\s+${DENY_EN}`, "i");

function isRefusalSentence(text: string, first: boolean): boolean {
  return REFUSAL_PATTERNS.some((p) => p.test(text)) || (!first && LATER_REFUSAL.test(text));
}

export function refusalKind(answer: string): RefusalKind | null {
  const sentences = answerSentences(answer)
    .map((s) => s.text)
    .filter((t) => /[\p{L}\p{N}]/u.test(t));
  const [first] = sentences;
  if (first === undefined || !isRefusalSentence(first, true)) return null;
  return sentences.every((s, i) => isRefusalSentence(s, i === 0) && !CONTRAST.test(s))
    ? "refusal"
    : "opens with a refusal";
}
