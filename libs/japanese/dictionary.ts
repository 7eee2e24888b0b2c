import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { fold } from './normalize';

/**
 * Sudachi's synonym dictionary (npm `sudachi-synonyms-dictionary`, Apache-2.0) as a compact in-memory map, and the
 * registry of the secretariat's thesaurus.
 *
 * Sudachi groups words by meaning; inside a group, words with the same vocabulary number are the same word written
 * differently (表記ゆれ 「子供/子ども」, alphabet spellings, abbreviations 「DX」), words with different numbers are close
 * relatives (「高齢者/年寄り/老人/シニア」). Which entries are used:
 * - items whose expansion flag is 0 (「常に展開に使用する」);
 * - items with flag 1 (「自分自身は展開のトリガーとならない」, mostly ambiguous abbreviations such as 「AI」, in four
 *   groups) only when the spelling belongs to exactly one group (「DX」);
 * - never items with flag 2, nor one-character spellings.
 * The 14 MB JSON is scanned once (regular expression, no object tree) into `fold(spelling) → group.vocabulary` entries
 * (≈ 10 MB).
 */

export interface SudachiEntry {
  /** group id, e.g. '013456' */
  group: string;
  /** vocabulary number inside the group (same number = same word, other spelling) */
  vocab: number;
}

interface Lexicon {
  /** fold(spelling) → packed entries (group number × 1000 + vocabulary number), usable entries only */
  entries: Map<string, number | number[]>;
  /** per dictionary item, in file order (a group's items are contiguous): folded spelling and packed entry */
  itemKeys: string[];
  itemPacked: Int32Array;
  itemUsable: Uint8Array;
  /** group number → [first item, end) and its representative spelling */
  groupRange: Map<number, [number, number, string]>;
}

let lexicon: Lexicon | undefined;

const ITEM =
  /"id":"(\d+)"|\{"taigenYogen":"[^"]*","expandControl":(\d+),"vocabularyNumber":(\d+|null),"gokeiSyubetsu":"[^"]*","ryakusyou":"[^"]*","hyoukiYure":"([^"]*)","bunya":\[[^\]]*\],"midashi":"((?:[^"\\]|\\.)*)"\}/g;

/** A copy that does not keep the 28 MB source string alive (V8 slices share their parent). */
const detach = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function loadLexicon(): Lexicon {
  const path = require.resolve('sudachi-synonyms-dictionary').replace(/index\.js$/, 'sudachi-synonyms-dictionary.json');
  const keys: string[] = [];
  const packed: number[] = [];
  const flags: number[] = [];
  const groupRange = new Map<number, [number, number, string]>();
  let group = 0;
  let label = '';
  let first = 0;
  const close = () => {
    if (group > 0) groupRange.set(group, [first, keys.length, label]);
  };
  // read in 1 MiB pieces: the whole file as one string would cost ≈ 30 MB more RSS at its peak
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = rest + (n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end());
      let consumed = 0;
      ITEM.lastIndex = 0;
      for (let m = ITEM.exec(text); m; m = ITEM.exec(text)) {
        consumed = ITEM.lastIndex;
        if (m[1] !== undefined) {
          close();
          group = Number(m[1]);
          label = '';
          first = keys.length;
          continue;
        }
        const spelling = m[5].includes('\\') ? (JSON.parse(`"${m[5]}"`) as string) : m[5];
        if (!label && m[4] === '代表表記') label = detach(spelling);
        const key = fold(spelling);
        keys.push(key);
        packed.push(group * 1000 + (m[3] === 'null' ? 0 : Number(m[3])));
        flags.push(Number(m[2]));
      }
      rest = detach(text.slice(consumed));
      if (n <= 0) break;
    }
  } finally {
    closeSync(fd);
  }
  close();
  return buildLexicon(keys, Int32Array.from(packed), Uint8Array.from(flags), groupRange);
}

/** The lookup structures from the items (folded spellings, packed group.vocabulary, expansion flags). */
function buildLexicon(keys: string[], packed: Int32Array, flags: Uint8Array, groupRange: Map<number, [number, number, string]>): Lexicon {
  /** key → its only group, or -1 when in several */
  const groupOf = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const group = Math.floor(packed[i] / 1000);
    const g = groupOf.get(keys[i]);
    if (g === undefined) groupOf.set(keys[i], group);
    else if (g !== group) groupOf.set(keys[i], -1);
  }
  const entries = new Map<string, number | number[]>();
  const usable = new Uint8Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if ([...key].length < 2 || flags[i] === 2 || (flags[i] === 1 && groupOf.get(key) === -1)) continue;
    usable[i] = 1;
    const e = entries.get(key);
    if (e === undefined) entries.set(key, packed[i]);
    else if (typeof e === 'number') {
      if (e !== packed[i]) entries.set(key, [e, packed[i]]);
    } else if (!e.includes(packed[i])) e.push(packed[i]);
  }
  return { entries, itemKeys: keys, itemPacked: packed, itemUsable: usable, groupRange };
}

function lex(): Lexicon {
  lexicon ??= loadLexicon();
  return lexicon;
}

const pad = (n: number): string => String(n).padStart(6, '0');
const unpack = (p: number): SudachiEntry => ({ group: pad(Math.floor(p / 1000)), vocab: p % 1000 });

/** Loads Sudachi's dictionary now (e.g. at boot) instead of on first use. */
export function loadSynonymDictionary(): void {
  lex();
}

/** Sudachi entries of a spelling (any form; folded before lookup). */
export function sudachiEntries(word: string): readonly SudachiEntry[] {
  const e = lex().entries.get(fold(word));
  if (e === undefined) return [];
  return typeof e === 'number' ? [unpack(e)] : e.map(unpack);
}

/** Key of a Sudachi group (broader relatives: every vocabulary number). */
export const groupKey = (group: string): string => '≡' + group;
/** Key of one word of a Sudachi group (its spelling variants and abbreviations). */
export const vocabKey = (e: SudachiEntry): string => `≡${e.group}.${e.vocab}`;

/** Representative spelling of a Sudachi group (e.g. for reasons shown to people). */
export function groupLabel(group: string): string | undefined {
  return lex().groupRange.get(Number(group))?.[2] || undefined;
}

/** Usable spellings (folded) of a group, optionally of one vocabulary number only. */
function membersOf(group: string, vocab?: number): string[] {
  const l = lex();
  const r = l.groupRange.get(Number(group));
  if (!r) return [];
  const out: string[] = [];
  for (let i = r[0]; i < r[1]; i++) {
    if (!l.itemUsable[i]) continue;
    if (vocab !== undefined && l.itemPacked[i] % 1000 !== vocab) continue;
    out.push(l.itemKeys[i]);
  }
  return out;
}

/**
 * Other spellings of the same word (same group and vocabulary number: 「子ども」 → 「子供」, 「DX」 →
 * 「デジタルトランスフォーメーション」), folded.
 */
export function variants(word: string): string[] {
  const key = fold(word);
  const out = new Set<string>();
  for (const e of sudachiEntries(key)) for (const m of membersOf(e.group, e.vocab)) if (m !== key) out.add(m);
  return [...out];
}

/** Close relatives: every spelling of every word of the word's groups (「お年寄り」's 「年寄り」 → 「高齢者」, 「老人」 …), folded. */
export function relatives(word: string): string[] {
  const key = fold(word);
  const out = new Set<string>();
  for (const g of new Set(sudachiEntries(key).map((e) => e.group))) for (const m of membersOf(g)) if (m !== key) out.add(m);
  return [...out];
}

// ---------------------------------------------------------------- the secretariat's thesaurus

/**
 * The thesaurus registered by its owner (src/matching calls registerThesaurus when it loads or changes it): groups of
 * terms meaning one concept. Kept here so every comparison of text (search highlights, saved-search alerts,
 * matching) sees the same concepts; libs/ never read it from the database themselves.
 */
export interface Concept {
  /** index of the group in the registered list */
  id: number;
  /** first term of the group (its name in reasons) */
  label: string;
  /** the terms as written */
  terms: string[];
  /** the terms folded */
  folded: string[];
}

let concepts: Concept[] = [];
let conceptsByTerm = new Map<string, number[]>();
let thesaurusVersion = 0;
const listeners = new Set<() => void>();

/** Replaces the thesaurus (groups of terms for one concept each). Idempotent; listeners run after a change. */
export function registerThesaurus(groups: readonly (readonly string[])[]): void {
  const next: Concept[] = [];
  const byTerm = new Map<string, number[]>();
  for (const g of groups) {
    const terms = [...new Set(g.map((t) => String(t).trim()).filter((t) => t !== ''))];
    if (terms.length < 2) continue;
    const id = next.length;
    const folded = terms.map(fold);
    next.push({ id, label: terms[0], terms, folded });
    for (const f of new Set(folded)) {
      const list = byTerm.get(f) ?? [];
      list.push(id);
      byTerm.set(f, list);
    }
  }
  const same = JSON.stringify(next.map((c) => c.terms)) === JSON.stringify(concepts.map((c) => c.terms));
  concepts = next;
  conceptsByTerm = byTerm;
  if (same) return;
  thesaurusVersion++;
  for (const l of listeners) l();
}

/** Called after every change of the registered thesaurus; returns an unsubscribe function. */
export function onThesaurusChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Bumped by every change: lets caches keyed on the thesaurus notice it. */
export function thesaurusRevision(): number {
  return thesaurusVersion;
}

export function thesaurusConcepts(): readonly Concept[] {
  return concepts;
}

/** Concepts whose terms include this one (compared folded). */
export function conceptsOf(term: string): readonly Concept[] {
  return (conceptsByTerm.get(fold(term)) ?? []).map((i) => concepts[i]);
}

/** Key of a concept (the same namespace as the folded words, but never a word). */
export const conceptKey = (c: Concept): string => '§' + c.folded[0];

/** Whether a folded term is a thesaurus term. */
export function isThesaurusTerm(folded: string): boolean {
  return conceptsByTerm.has(folded);
}
