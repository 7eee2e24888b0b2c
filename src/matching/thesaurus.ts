import { normalize } from './text';

export interface ConceptHit {
  /** Index of the group. */
  group: number;
  /** Terms of the group found in the text (as written in the thesaurus). */
  terms: string[];
}

/**
 * The smart-city thesaurus in memory: finds which concept groups a text mentions. Terms are matched as substrings
 * of the NFKC/lower-cased text through an index on their first two characters (one pass over the text).
 */
export class Thesaurus {
  readonly groups: string[][];
  private readonly index = new Map<string, Array<{ norm: string; term: string; group: number }>>();
  private readonly singles = new Map<string, Array<{ norm: string; term: string; group: number }>>();

  constructor(groups: string[][]) {
    this.groups = groups.map((g) => [...new Set(g.map((t) => t.trim()).filter((t) => t !== ''))]).filter((g) => g.length >= 2);
    this.groups.forEach((g, group) => {
      for (const term of g) {
        const norm = normalize(term);
        const chars = [...norm];
        if (chars.length === 0) continue;
        const map = chars.length === 1 ? this.singles : this.index;
        const key = chars.length === 1 ? chars[0] : chars[0] + chars[1];
        const list = map.get(key) ?? [];
        list.push({ norm, term, group });
        map.set(key, list);
      }
    });
  }

  /** Key of a group, stable while its first term stays: used as a pseudo-term. */
  key(group: number): string {
    return '§' + normalize(this.groups[group][0]);
  }

  label(group: number): string {
    return this.groups[group][0];
  }

  /** Concept groups mentioned in the text, with the terms found. */
  find(text: string): Map<number, Set<string>> {
    const s = normalize(text);
    const chars = [...s];
    const out = new Map<number, Set<string>>();
    let offset = 0;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      for (const list of [this.index.get(c + (chars[i + 1] ?? '')), this.singles.get(c)]) {
        if (!list) continue;
        for (const cand of list) {
          if (s.startsWith(cand.norm, offset) && this.isWordLike(s, offset, cand.norm)) {
            const set = out.get(cand.group) ?? new Set<string>();
            set.add(cand.term);
            out.set(cand.group, set);
          }
        }
      }
      offset += c.length;
    }
    return out;
  }

  /** ASCII terms (AI, EV, LINE) must not be part of a longer ASCII word (EVENT, ONLINE). */
  private isWordLike(s: string, at: number, norm: string): boolean {
    if (!/^[a-z0-9]/.test(norm) && !/[a-z0-9]$/.test(norm)) return true;
    const before = s[at - 1];
    const after = s[at + norm.length];
    if (/^[a-z0-9]/.test(norm) && before && /[a-z0-9]/.test(before)) return false;
    if (/[a-z0-9]$/.test(norm) && after && /[a-z0-9]/.test(after)) return false;
    return true;
  }
}
