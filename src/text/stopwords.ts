/**
 * Words that carry no meaning on their own in questions. They are dropped from lexical queries (BM25 would
 * give them little weight anyway, but an OR query matching only "the" must not count as a relevant hit).
 */
export const ENGLISH_STOPWORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having how i if in " +
    "into is it its me my no not of on or our please should so some tell than that the their them then there these " +
    "they this those to too us was we were what when where which who whom why will with would you your about any " +
    "also am just more most much many very s t against between through during before after above below under " +
    "over up down out off again further once here only own same both each few other such nor because until while " +
    "yours yourself ours he him his she her hers its itself they theirs themselves myself"
  ).split(" "),
);

/** Single CJK characters that are grammar rather than content (Traditional and Simplified forms). */
export const CJK_STOP_CHARS = new Set(
  "的了是在有和與与及或嗎吗呢吧啊呀也都就而之其這这那個个些什麼么哪誰谁為为於于把被讓让對对從从到要會会能可以上下中".split(
    "",
  ),
);
