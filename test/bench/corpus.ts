import municipalitiesJson from '../../migrations/data/osaka-municipalities.json';
import { FIELDS, FieldVocab, ISSUE_COMMON, ORG_PREFIXES, ORG_STEMS, ORG_SUFFIXES, SOLUTION_COMMON, TECH } from './vocab';

/**
 * Deterministic synthetic Japanese corpus shaped like the matching fixtures: document i of a kind depends only on
 * (seed, kind, i), so any range can be generated in any process and in any order.
 */

export const MUNICIPALITIES: Array<{ code: string; name: string }> = municipalitiesJson.municipalities.map((m) => ({
  code: m.code,
  name: m.name,
}));

export const TITLE_MIN = 20;
export const TITLE_MAX = 40;
export const BODY_MIN = 200;
export const BODY_MAX = 400;
export const SUMMARY_MIN = 50;
export const SUMMARY_MAX = 120;

export interface SynthIssue {
  /** index into MUNICIPALITIES (the posting municipality) */
  municipality: number;
  title: string;
  body: string;
  fieldSlugs: string[];
  tags: string[];
  budgetStatus: 'budgeted' | 'requesting' | 'undecided' | null;
}

export interface SynthSolution {
  /** index into the provider organisations (see providerOrg) */
  provider: number;
  title: string;
  summary: string;
  body: string;
  fieldSlugs: string[];
  tags: string[];
  trackRecord: string | null;
  priceRange: string | null;
}

/** sfc32 PRNG: fast, good enough statistics, 32-bit state words. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const h = cyrb128(seed);
    [this.a, this.b, this.c, this.d] = h;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** [0, 1) */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** k distinct elements (k ≤ xs.length). */
  sample<T>(xs: readonly T[], k: number): T[] {
    const copy = [...xs];
    const out: T[] = [];
    for (let i = 0; i < k && copy.length; i++) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]);
    return out;
  }
}

function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

interface Slots {
  a: string;
  b: string;
  c: string;
  m: string;
}

function fill(rng: Rng, template: string, slots: Slots): string {
  return template.replace(/\{([abcmtnp])\}/g, (_, k: string) => {
    switch (k) {
      case 't':
        return rng.pick(TECH);
      case 'n':
        return String(rng.pick([3, 5, 8, 12, 20, 30, 45, 60, 120, 250, 800, 1500, 3000]));
      case 'p':
        return String(rng.int(5, 45));
      default:
        return slots[k as keyof Slots];
    }
  });
}

function slotsFor(rng: Rng, f: FieldVocab, m: string): Slots {
  const [a, b, c] = rng.sample(f.terms, 3);
  return { a, b, c, m };
}

/** A title within [TITLE_MIN, TITLE_MAX] characters (re-drawn, then shortened or padded as a last resort). */
function title(rng: Rng, templates: string[], f: FieldVocab, m: string, pad: string): string {
  for (let i = 0; i < 12; i++) {
    const s = fill(rng, rng.pick(templates), slotsFor(rng, f, m));
    if (s.length >= TITLE_MIN && s.length <= TITLE_MAX) return s;
  }
  let s = fill(rng, templates[0], slotsFor(rng, f, m));
  if (s.length < TITLE_MIN) s = `${m}${pad}${s}`;
  return s.slice(0, TITLE_MAX);
}

/** Sentences from the pools until the text is within [min, max] characters. */
function paragraph(rng: Rng, pools: string[][], f: FieldVocab, m: string, min: number, max: number): string {
  const target = rng.int(min, max);
  let text = '';
  let guard = 0;
  const used = new Set<string>();
  while (text.length < target && guard++ < 60) {
    const pool = pools[Math.min(pools.length - 1, Math.floor(rng.next() * pools.length))];
    const template = rng.pick(pool);
    if (used.has(template) && guard < 40) continue; // each sentence pattern once, while there are others
    used.add(template);
    const s = fill(rng, template, slotsFor(rng, f, m));
    if (text.includes(s)) continue;
    if (text.length + s.length > max) {
      if (text.length >= min) break;
      continue;
    }
    text += s;
  }
  while (text.length < min) text += fill(rng, ISSUE_COMMON[0], slotsFor(rng, f, m)); // practically never
  return text.slice(0, max);
}

function fieldsOf(rng: Rng): FieldVocab[] {
  const primary = rng.pick(FIELDS);
  if (rng.next() < 0.25) {
    const second = rng.pick(FIELDS);
    if (second !== primary) return [primary, second];
  }
  return [primary];
}

/** Municipality index, weighted towards the larger cities (Osaka, Sakai and the first codes). */
function municipalityIndex(rng: Rng): number {
  return rng.next() < 0.3 ? rng.int(0, 4) : rng.int(0, MUNICIPALITIES.length - 1);
}

export function synthIssue(seed: string, i: number): SynthIssue {
  const rng = new Rng(`${seed}:issue:${i}`);
  const fields = fieldsOf(rng);
  const f = fields[0];
  const municipality = municipalityIndex(rng);
  const m = MUNICIPALITIES[municipality].name;
  const terms = [...new Set(fields.flatMap((x) => rng.sample(x.terms, 2)))];
  return {
    municipality,
    title: title(rng, f.issueTitles, f, m, 'で'),
    body: paragraph(rng, [f.situation, f.situation, ISSUE_COMMON], f, m, BODY_MIN, BODY_MAX),
    fieldSlugs: fields.map((x) => x.slug),
    tags: terms.slice(0, rng.int(2, 4)),
    budgetStatus: rng.pick(['budgeted', 'requesting', 'undecided', null] as const),
  };
}

export function synthSolution(seed: string, i: number, providers: number): SynthSolution {
  const rng = new Rng(`${seed}:solution:${i}`);
  const fields = fieldsOf(rng);
  const f = fields[0];
  const terms = [...new Set(fields.flatMap((x) => rng.sample(x.terms, 2)))];
  const hasRecord = rng.next() < 0.6;
  return {
    provider: rng.int(0, providers - 1),
    title: title(rng, f.solutionTitles, f, '', ''),
    summary: paragraph(rng, [f.features], f, '', SUMMARY_MIN, SUMMARY_MAX),
    body: paragraph(rng, [f.features, f.features, SOLUTION_COMMON], f, '', BODY_MIN, BODY_MAX),
    fieldSlugs: fields.map((x) => x.slug),
    tags: terms.slice(0, rng.int(2, 4)),
    trackRecord: hasRecord ? `${rng.pick(MUNICIPALITIES).name}ほか${rng.int(2, 40)}自治体で導入` : null,
    priceRange: rng.next() < 0.7 ? `月額${rng.pick([1, 3, 5, 10, 20])}万円〜` : null,
  };
}

const PROVIDER_KINDS = [
  'corporation',
  'corporation',
  'corporation',
  'corporation',
  'university',
  'research_institute',
  'npo',
  'economic_organization',
] as const;

/** Provider organisation n (solutions are spread over them). */
export function providerOrg(seed: string, n: number): { name: string; kind: string } {
  const rng = new Rng(`${seed}:provider:${n}`);
  const kind = rng.pick(PROVIDER_KINDS);
  const name =
    kind === 'university'
      ? `${rng.pick(['大阪', '関西', 'なにわ', '泉州', '河内'])}${rng.pick(['工業', '科学', '情報', '福祉'])}大学 第${n + 1}研究室`
      : kind === 'research_institute'
        ? `${rng.pick(['大阪', '近畿', '関西'])}${rng.pick(['産業技術', 'まちづくり', '防災科学'])}研究所 ${n + 1}`
        : kind === 'npo'
          ? `特定非営利活動法人${rng.pick(ORG_STEMS)}${rng.pick(['ネット', 'サポート', 'の会'])}${n + 1}`
          : kind === 'economic_organization'
            ? `${rng.pick(['北河内', '南河内', '泉北', '北摂', '中河内'])}商工会議所 ${n + 1}`
            : `${rng.pick(ORG_PREFIXES.slice(0, 1))}${rng.pick(ORG_STEMS)}${rng.pick(ORG_SUFFIXES)}${n + 1}`;
  return { name, kind };
}
