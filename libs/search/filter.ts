/**
 * Quotes a value for a Meilisearch filter expression, escaping `\` and `"`:
 *   `field = ${escapeFilterValue(userInput)}`
 */
export function escapeFilterValue(value: string | number | boolean): string {
  const s = String(value);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field IN ["a", "b"]` with every value escaped. */
export function filterIn(field: string, values: Array<string | number>): string {
  return `${field} IN [${values.map((v) => escapeFilterValue(v)).join(', ')}]`;
}

/**
 * Meilisearch (1.21) normalizes synonyms without the index's locales: a run of kanji with no kana is detected as
 * Chinese and converted to simplified characters (販売 → 贩卖), so it never matches Japanese documents/queries.
 * Appending the stop word 「を」 to such runs makes the tokenizer detect Japanese; the stop word itself is dropped.
 */
export const KANJI_GUARD_STOP_WORD = 'を';
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆ヵヶ]+/gu;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;

export function protectKanji(term: string): string {
  return term.replace(CJK_RUN, (run) => (KANA.test(run) ? run : run + KANJI_GUARD_STOP_WORD));
}
