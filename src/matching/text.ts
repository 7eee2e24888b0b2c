/** Text primitive of matching shared with the thesaurus: normalisation (pure, no I/O). */

/** NFKC + lower case; full-width letters and digits become ASCII, half-width kana become full-width. */
export function normalize(s: string): string {
  return (s ?? '').normalize('NFKC').toLowerCase();
}
