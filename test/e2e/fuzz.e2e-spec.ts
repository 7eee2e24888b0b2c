import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { DiscoveryService } from '@nestjs/core';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { createEvent } from '../factories/events';
import { issueInput, postIssue, postSolution, solutionInput } from '../factories/marketplace';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { docxFile, pdfFile, pngFile, zipFile } from '../factories/subsidies';
import { pageClient } from '../support/pages';
import * as fs from 'node:fs';
import { createTestApp, TestApp } from '../support/app';
import { listRoutes, RouteInfo } from '../support/routes';

/**
 * Hostile input for every JSON API route that takes a body or a query: random and hostile JSON (wrong types, huge
 * strings, deep nesting, prototype-pollution keys, NUL bytes, lone surrogates, invalid UTF-8, emoji and combining
 * marks in Japanese text, negative/huge/float amounts) and hostile query strings. Always 4xx (or 2xx for odd but
 * valid input), never 5xx, and a refused request writes nothing.
 *
 * EXAMPLES holds one valid request per route. A new route with a body or query fails this suite until it is added.
 */
const TIME_BUDGET_MS = Number(process.env.FUZZ_MS ?? 25_000);

type Persona = 'anon' | 'muni' | 'company' | 'sec';
interface Example {
  as: Persona;
  body?: unknown;
  query?: Record<string, string | string[]>;
  /** `:id` is a fresh random uuid (for routes whose valid call would end the shared test data) */
  randomId?: boolean;
}

const soon = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const JA = '高齢者の見守りとオンデマンド交通で地域の暮らしを支えたい';

const EXAMPLES: Record<string, Example> = {
  'GET /api/v1/audit-log': {
    as: 'sec',
    query: { action: 'membership.approve', subjectType: 'membership_application', page: '1', perPage: '20', format: 'json' },
  },
  'POST /api/v1/auth/password-resets': { as: 'anon', body: { email: 'nobody@example.jp' } },
  'POST /api/v1/auth/password-resets/:token': { as: 'anon', body: { password: 'new-password-2026' } },
  'POST /api/v1/auth/tokens': { as: 'anon', body: { email: 'nobody@example.jp', password: 'wrong-password' } },
  'GET /api/v1/events': {
    as: 'anon',
    query: { from: '2026-01-01T00:00:00+09:00', to: '2027-01-01T00:00:00+09:00', kind: 'meetup', page: '1', perPage: '20' },
  },
  'POST /api/v1/events': {
    as: 'sec',
    body: {
      title: '第11回 課題プレゼンテーション Meet Up',
      kind: 'meetup',
      description: JA,
      startsAt: soon(10),
      endsAt: soon(10.1),
      venue: '咲洲庁舎',
      capacity: 30,
      status: 'draft',
    },
  },
  'PATCH /api/v1/events/:id': { as: 'sec', body: { title: '第10回 課題プレゼンテーション（会場変更）', capacity: 40 } },
  'POST /api/v1/events/:id/awards': { as: 'sec', body: { awards: [{ applicationId: randomUUID(), award: '最優秀賞' }] } },
  'POST /api/v1/events/:id/cancel': { as: 'sec', randomId: true, body: { reason: '台風の接近のため中止します。' } },
  'POST /api/v1/events/:id/check-ins': { as: 'sec', body: { code: 'K7PX3M9A', override: true } },
  'POST /api/v1/events/:id/attendance': { as: 'sec', randomId: true, body: { attended: 48, organizations: 28 } },
  'POST /api/v1/events/:id/messages': { as: 'sec', randomId: true, body: { audience: 'all', subject: '会場のご案内', body: JA } },
  'POST /api/v1/events/:id/survey': {
    as: 'sec',
    randomId: true,
    body: { questions: [{ key: 'rating', label: '満足度', type: 'single', options: ['良い', '普通'], required: true }], anonymous: true },
  },
  'POST /api/v1/events/:id/guest-registrations': {
    as: 'anon',
    randomId: true,
    body: { name: '山田 花子', email: 'fuzz-guest@example.jp', organizationName: '株式会社ふぁず', agreeToTerms: true },
  },
  'POST /api/v1/events/:id/judges': { as: 'sec', body: { userId: randomUUID() } },
  'POST /api/v1/events/:id/pitch-applications': { as: 'company', body: { solutionId: randomUUID(), summary: JA } },
  'GET /api/v1/events/:id/registrations': { as: 'sec', query: { format: 'json' } },
  'POST /api/v1/events/:id/registrations': { as: 'company', body: {} },
  'GET /api/v1/events/figures': { as: 'sec', query: { fiscalYear: '2025' } },
  'POST /api/v1/fields': { as: 'sec', body: { slug: 'fuzz-field', name: '試験の分野' } },
  'GET /api/v1/figures': { as: 'sec', query: { fiscalYear: '2025' } },
  'GET /api/v1/inquiries': { as: 'company', query: { page: '1', perPage: '20' } },
  'POST /api/v1/inquiries': { as: 'company', body: { subject: '実証実験のご相談', message: JA } },
  'POST /api/v1/inquiries/:id/messages': { as: 'company', body: { message: JA } },
  'POST /api/v1/invitations/:token/accept': { as: 'anon', body: { name: '新井 花子', password: 'invited-pass-2026' } },
  'GET /api/v1/issues': {
    as: 'company',
    query: { q: '空き家', field: 'safety', municipality: '27100', status: 'published', sort: 'newest', page: '1', perPage: '20' },
  },
  'POST /api/v1/guest-registrations/cancel': { as: 'anon', body: { token: 'not-a-token' } },
  'POST /api/v1/guest-registrations/confirm': { as: 'anon', body: { token: 'not-a-token' } },
  'POST /api/v1/survey-responses': { as: 'anon', body: { token: 'not-a-token', answers: { rating: '良い' } } },
  'POST /api/v1/issues': { as: 'muni', body: issueInput({ status: 'published' }) },
  'PATCH /api/v1/issues/:id': { as: 'muni', body: { title: '増え続ける空き家を把握したい（改訂）', tags: ['空き家'] } },
  'POST /api/v1/issues/:id/close': { as: 'muni', randomId: true, body: { reason: 'solved', note: '事業化しました。' } },
  'GET /api/v1/issues/:id/matches': { as: 'company', query: { limit: '10' } },
  'PATCH /api/v1/me': { as: 'company', body: { displayName: '山田 太郎', digestEnabled: false } },
  'POST /api/v1/me/password': { as: 'company', body: { currentPassword: 'not-the-password', newPassword: 'another-pass-2026' } },
  'GET /api/v1/membership-applications': { as: 'sec', query: { status: 'pending' } },
  'POST /api/v1/membership-applications': {
    as: 'anon',
    body: {
      organization: { name: '株式会社ふぁず', kind: 'corporation', website: 'https://fuzz.example.jp', address: '大阪市北区' },
      contact: { name: '佐藤 一郎', email: 'fuzz-apply@example.jp', password: 'fuzz-pass-2026' },
      agreeToTerms: true,
    },
  },
  'POST /api/v1/membership-applications/:id/reject': { as: 'sec', randomId: true, body: { reason: '会員の要件を満たしていません。' } },
  'GET /api/v1/notifications': { as: 'company', query: { unread: 'true', page: '1', perPage: '20' } },
  'POST /api/v1/organizations/:id/invitations': { as: 'company', body: { email: 'colleague@example.jp' } },
  'POST /api/v1/pitch-applications/:id/decision': { as: 'sec', body: { decision: 'selected' } },
  'POST /api/v1/pitch-applications/:id/scores': { as: 'company', body: { scores: { novelty: 4 }, comment: '地域への効果が大きい。' } },
  'GET /api/v1/projects': { as: 'anon', query: { q: '交通', field: 'mobility', stage: 'demonstration', page: '1' } },
  'POST /api/v1/projects': {
    as: 'sec',
    body: {
      title: 'AIオンデマンド交通の実証',
      fieldSlug: 'mobility',
      summary: JA,
      coordinatorOrganizationId: randomUUID(),
      municipalityOrganizationIds: [randomUUID()],
    },
  },
  'POST /api/v1/projects/:id/transitions': { as: 'sec', randomId: true, body: { to: 'implementation', note: '実装段階へ' } },
  'POST /api/v1/saved-searches': { as: 'company', body: { kind: 'issues', q: '空き家', field: ['safety'], municipality: ['27100'] } },
  'GET /api/v1/search/suggest': { as: 'company', query: { q: '空き' } },
  'GET /api/v1/solutions': { as: 'muni', query: { q: 'ドローン', field: 'safety', sort: 'relevance', page: '1', perPage: '10' } },
  'POST /api/v1/solutions': { as: 'company', body: solutionInput({ status: 'published' }) },
  'PATCH /api/v1/solutions/:id': { as: 'company', body: { title: 'ドローンで空き家を調べる（改訂）', priceRange: '50万円〜' } },
  'GET /api/v1/solutions/:id/matches': { as: 'muni', query: { limit: '10' } },
  'GET /api/v1/subsidies/figures': { as: 'sec', query: { fiscalYear: '2025' } },
  'GET /api/v1/subsidy-applications': { as: 'company', query: { status: 'draft', page: '1', perPage: '20' } },
  'PATCH /api/v1/subsidy-applications/:id': {
    as: 'company',
    body: { title: 'AIオンデマンドバスの実証（改訂）', requestedAmount: 400_000, budgetItems: [{ item: '車両リース費', amount: 800_000 }] },
  },
  'POST /api/v1/subsidy-applications/:id/change-requests': {
    as: 'company',
    body: { reason: '機材の調達先を変更します。', requestedAmount: 300_000, budgetItems: [{ item: '車両リース費', amount: 800_000 }] },
  },
  'POST /api/v1/subsidy-applications/:id/paid': { as: 'sec', body: { paidOn: '2026-03-31' } },
  'POST /api/v1/subsidy-applications/:id/partner-confirmation': { as: 'muni', body: { confirmed: true, comment: '連携します。' } },
  'POST /api/v1/subsidy-applications/:id/return-report': { as: 'sec', body: { comment: '領収書を添付してください。' } },
  'POST /api/v1/subsidy-applications/:id/schedule': {
    as: 'sec',
    body: { projectStartsOn: '2026-04-01', projectEndsOn: '2027-01-31', reportDueOn: '2027-02-28' },
  },
  'POST /api/v1/subsidy-conflicts': { as: 'company', body: { organizationId: randomUUID(), reason: '役員を兼務しています。' } },
  'POST /api/v1/subsidy-change-requests/:cid/approve': { as: 'sec', body: { comment: '承認します。' } },
  'POST /api/v1/subsidy-change-requests/:cid/reject': { as: 'sec', body: { comment: '認められません。' } },
  'POST /api/v1/subsidy-applications/:id/confirm': { as: 'sec', body: { confirmedAmount: 300_000, comment: '実績報告を確認' } },
  'POST /api/v1/subsidy-applications/:id/decision': { as: 'sec', body: { decision: 'adopted', grantedAmount: 300_000, comment: '採択' } },
  'POST /api/v1/subsidy-applications/:id/grant': { as: 'sec', body: { grantedAmount: 300_000 } },
  'POST /api/v1/subsidy-applications/:id/report': { as: 'company', body: { actualCost: 800_000, outcome: JA } },
  'POST /api/v1/subsidy-applications/:id/return': { as: 'sec', body: { comment: '予算の内訳を補ってください。' } },
  'POST /api/v1/subsidy-applications/:id/reviewers': { as: 'sec', body: { email: 'reviewer@example.jp' } },
  'POST /api/v1/subsidy-applications/:id/reviews': { as: 'sec', body: { score: 4, comment: '実現性が高い。' } },
  'POST /api/v1/subsidy-applications/:id/withdraw': { as: 'company', randomId: true, body: { comment: '取り下げます。' } },
  'GET /api/v1/subsidy-programs/:id/ledger': { as: 'sec', query: { format: 'json' } },
  'GET /api/v1/subsidy-programs': { as: 'anon', query: { open: 'true', page: '1', perPage: '20' } },
  'POST /api/v1/subsidy-programs': {
    as: 'sec',
    body: {
      title: '令和8年度 実証補助金',
      maxAmountPerProject: 1_000_000,
      subsidyRate: 0.5,
      opensAt: soon(-1),
      closesAt: soon(30),
      requiresMunicipalPartner: false,
      criteria: [{ key: 'novelty', label: '新規性', weight: 1 }],
    },
  },
  'GET /api/v1/subsidy-programs/:id/applications': { as: 'sec', query: { status: 'submitted', format: 'json', page: '1' } },
  'POST /api/v1/subsidy-programs/:id/applications': {
    as: 'company',
    body: {
      title: 'AIオンデマンドバスの実証運行',
      summary: JA,
      requestedAmount: 500_000,
      budgetItems: [{ item: '車両リース費', amount: 1_000_000 }],
    },
  },
  'PUT /api/v1/thesaurus': {
    as: 'sec',
    body: {
      groups: [
        ['空き家', '空家'],
        ['見守り', '安否確認'],
      ],
    },
  },
};

// ------------------------------------------------------------------ hostile values

const SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('あ', 'a', '\u0000', '\u3099', '\u0301', '\u202E', '\u200B', '👩‍👩‍👧', ...SURROGATES), maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDC00',
    '👩‍👩‍👧‍👦が\u3099ﾞ',
    'か\u3099き\u3099く\u3099',
    'e\u0301\u0301\u0301',
    '\u202Eevil',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    '../../etc/passwd',
    '%00',
    '${jndi:ldap://x}',
    '{{constructor.constructor("return process")()}}',
    '__proto__',
    'constructor',
    'prototype',
    'ｱｲｳｴｵ',
    '𠮷野家の課題',
    'NaN',
    '-1',
    '1e309',
    'true',
    'null',
  ),
  fc.integer({ min: 3, max: 5 }).map((k) => 'あ'.repeat(10 ** k)), // up to 100,000 characters (300 kB)
);
const hostileNumber = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0,
    0.5,
    1.5,
    -1_000_000,
    1e21,
    -1e21,
    2 ** 53 + 2,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1e-300,
    2_147_483_648,
    9_999_999_999_999,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const wrongType = fc.constantFrom<unknown>(null, true, false, [], {}, [[]], [null], { a: 1 }, [1, 'a', null]);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: wrongType },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }) },
);

/** Text substituted into the JSON after serialisation (cannot be expressed as a JS value). */
const RAW: Record<string, string> = {
  PROTO: '{"__proto__":{"polluted":"yes","isAdmin":true}}',
  CTOR: '{"constructor":{"prototype":{"polluted":"yes"}}}',
  DEEP_ARRAY: '['.repeat(3000) + ']'.repeat(3000),
  DEEP_OBJECT: '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
};
const rawMarker = (name: string) => `\u0001RAW:${name}\u0001`;
const rawValue = fc.constantFrom(...Object.keys(RAW)).map(rawMarker);

type Path = (string | number)[];
function paths(v: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...paths(x, [...prefix, i])]);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...paths(x, [...prefix, k])]);
  return [];
}
function setPath(root: unknown, p: Path, value: unknown, remove = false): unknown {
  const copy = structuredClone(root);
  if (!p.length) return value;
  let cur: any = copy;
  for (const k of p.slice(0, -1)) cur = cur[k];
  if (remove) {
    if (Array.isArray(cur)) cur.splice(p[p.length - 1] as number, 1);
    else delete cur[p[p.length - 1]];
  } else cur[p[p.length - 1]] = value;
  return copy;
}
/** Japanese text made odd but valid: emoji, combining marks, variation selectors, full-width and rare kanji. */
const oddText = fc.constantFrom(
  '👩‍👩‍👧‍👦 子育て世帯の移住を増やしたい',
  'か\u3099き\u3099の見守り\u3099',
  '𠮷野の空き家 ＡＩ活用',
  '高齢者\u200Bの通院',
  'ｵﾝﾃﾞﾏﾝﾄﾞ交通の実証',
  '防災\uFE0F🌀 情報の配信',
);

interface Case {
  kind: string;
  body?: string | Buffer;
  contentType?: string;
  query?: string;
}

/** Counterexamples are printed short (a body can be 300 kB). */
const withShortPrint = <T extends Case>(c: T): T =>
  Object.assign(c, {
    [fc.toStringMethod]: () =>
      `${c.kind}: ${(c.query ?? (Buffer.isBuffer(c.body) ? c.body.toString('hex') : String(c.body))).slice(0, 200)}${String(c.query ?? c.body ?? '').length > 200 ? '…' : ''}`,
  });

function serialise(body: unknown): string {
  let s = JSON.stringify(body) ?? 'null';
  for (const [name, raw] of Object.entries(RAW)) s = s.split(JSON.stringify(rawMarker(name))).join(raw);
  return s;
}

function bodyCases(example: unknown): fc.Arbitrary<Case> {
  const ps = paths(example);
  const textPaths = ps.filter((p) => {
    let cur: any = example;
    for (const k of p) cur = cur?.[k];
    return typeof cur === 'string' && /[\u3040-\u30ff\u4e00-\u9fff]/.test(cur);
  });
  const arbs: fc.Arbitrary<Case>[] = [
    hostileValue.map((v) => ({ kind: 'whole body replaced', body: serialise(v) })),
    fc
      .tuple(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('isAdmin', 'roles', 'organizationId', 'id', 'status', 'createdBy', 'constructor', 'prototype'),
        ),
        hostileValue,
      )
      .map(([k, v]) => ({
        kind: `unknown key ${JSON.stringify(k)}`,
        body: serialise(
          example && typeof example === 'object' && !Array.isArray(example) ? { ...(example as object), [k]: v } : { [k]: v },
        ),
      })),
    fc.constantFrom('PROTO', 'CTOR').map((name) => ({
      kind: `prototype pollution (${name})`,
      body: serialise(example && typeof example === 'object' ? example : {})
        .replace(/^\{/, RAW[name].slice(1, -1) + (JSON.stringify(example) === '{}' ? '' : ','))
        .replace(/^\{,/, '{'),
    })),
    fc.constantFrom(
      {
        kind: 'invalid UTF-8',
        body: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe3, 0x81]), Buffer.from('"}')]),
      },
      { kind: 'truncated JSON', body: serialise(example).slice(0, Math.max(1, Math.floor(serialise(example).length / 2))) },
      { kind: 'not JSON', body: 'title=空き家&status=published', contentType: 'text/plain' },
      { kind: 'form-encoded', body: 'title=%E7%A9%BA%E3%81%8D%E5%AE%B6', contentType: 'application/x-www-form-urlencoded' },
      { kind: 'JSON with a BOM and a trailing comma', body: '\uFEFF' + serialise(example).replace(/}$/, ',}') },
      { kind: 'empty body', body: '' },
    ),
  ];
  if (ps.length) {
    arbs.push(
      fc
        .tuple(fc.constantFrom(...ps), hostileValue)
        .map(([p, v]) => ({ kind: `${p.join('.')} = hostile`, body: serialise(setPath(example, p, v)) })),
      fc
        .tuple(fc.constantFrom(...ps), rawValue)
        .map(([p, v]) => ({ kind: `${p.join('.')} = ${v.slice(5, -1)}`, body: serialise(setPath(example, p, v)) })),
      fc.constantFrom(...ps).map((p) => ({ kind: `${p.join('.')} missing`, body: serialise(setPath(example, p, undefined, true)) })),
    );
  }
  if (textPaths.length) {
    arbs.push(
      fc
        .tuple(fc.constantFrom(...textPaths), oddText)
        .map(([p, v]) => ({ kind: `${p.join('.')} = odd but valid text`, body: serialise(setPath(example, p, v)) })),
    );
  }
  return fc.oneof(...arbs).map(withShortPrint);
}

const queryValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '-1',
      '0',
      '1',
      '1.5',
      '1e9',
      '101',
      '100001',
      '99999999999999999999',
      'abc',
      '',
      ' ',
      'NaN',
      'Infinity',
      'null',
      'true',
      '__proto__',
      'constructor',
      'title desc',
      'id; DROP TABLE issues',
      "' OR 1=1 --",
      '%00',
      '\u0000',
      '2026-13-45',
      '9999-12-31T99:99:99Z',
      '../..',
      '<script>',
    ),
  },
  { weight: 2, arbitrary: hostileString.filter((s) => s.length < 3000) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 10 }), { minLength: 2, maxLength: 4 }) },
);
const queryKey = (example: Record<string, unknown>) =>
  fc.oneof(
    fc.constantFrom(...new Set([...Object.keys(example), 'page', 'perPage', 'sort', 'q', 'status', 'field', 'limit', 'format'])),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'page[x]', 'hasOwnProperty', 'unknownFilter'),
  );

function queryCases(example: Record<string, string | string[]>): fc.Arbitrary<Case> {
  return fc.array(fc.tuple(queryKey(example), queryValue), { minLength: 1, maxLength: 3 }).map((pairs) => {
    const q = new URLSearchParams();
    const merged: Record<string, string | string[]> = { ...example };
    for (const [k, v] of pairs) merged[k] = v;
    for (const [k, v] of Object.entries(merged)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
    return withShortPrint({ kind: `query ${pairs.map(([k]) => k).join(',')}`, query: q.toString() });
  });
}

// ------------------------------------------------------------------ hostile multipart uploads

const BOUNDARY = '----kyosoFuzz7MA4YWxkTrZu0gW';
interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}
const multipart = (parts: Part[], boundary = BOUNDARY, close = true): Buffer =>
  Buffer.concat([
    ...parts.flatMap((p) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n` +
          (p.contentType ? `Content-Type: ${p.contentType}\r\n` : '') +
          '\r\n',
        'utf8',
      ),
      p.data,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(close ? `--${boundary}--\r\n` : ''),
  ]);
const namesOnlyZip = () =>
  Buffer.concat([
    Buffer.from([0x50, 0x4b, 0x03, 0x04]),
    Buffer.from('\x14\x00\x00\x00\x00\x00[Content_Types].xml<Types/>PK\x03\x04word/document.xml<w:document/>PK\x05\x06', 'latin1'),
  ]);
const mutate = (buf: Buffer, edits: [number, number][]) => {
  const out = Buffer.from(buf);
  for (const [at, v] of edits) if (out.length) out[at % out.length] = v;
  return out;
};
const fileContent: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(pdfFile(), pngFile(), docxFile(), namesOnlyZip(), Buffer.alloc(0), Buffer.from('%PDF'), Buffer.from('PK\x03\x04')),
  fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(a)])),
  fc
    .tuple(
      fc.constantFrom(docxFile(), pdfFile(), pngFile()),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    )
    .map(([b, edits]) => mutate(b, edits)),
  fc.tuple(fc.constantFrom(docxFile(), pdfFile()), fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
  fc
    .array(fc.tuple(hostileString, hostileString), { minLength: 1, maxLength: 4 })
    .map((entries) =>
      zipFile([
        ['[Content_Types].xml', entries[0][1].slice(0, 5000)],
        ...entries.map(([n, c]): [string, string] => [n.slice(0, 200) || 'x', c.slice(0, 5000)]),
      ]),
    ),
);
const fileName = fc.oneof(
  fc.constantFrom(
    '見積書.pdf',
    '図.png',
    '報告書.docx',
    '表.xlsx',
    'a.PDF',
    '.pdf',
    '',
    '../../etc/passwd',
    '..\\..\\boot.ini',
    'x'.repeat(2000) + '.pdf',
  ),
  fc.tuple(hostileString, fc.constantFrom('.pdf', '.png', '.docx', '.exe', '')).map(([s, ext]) => s.replace(/["\r\n]/g, '') + ext),
);
const partName = fc.oneof(
  { weight: 6, arbitrary: fc.constant('file') },
  { weight: 1, arbitrary: fc.constantFrom('files', 'file[]', '', '__proto__', 'constructor', 'kind', 'x'.repeat(300)) },
);
const multipartCases: fc.Arbitrary<Case> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          name: partName,
          filename: fileName,
          data: fileContent,
          kind: fc.oneof(fc.constantFrom('application', 'report', ''), hostileString),
        })
        .map(({ name, filename, data, kind }) => ({
          kind: `file ${name}`,
          body: multipart([
            { name: 'kind', data: Buffer.from(kind.replace(/\r\n/g, '')) },
            { name, filename, contentType: 'application/octet-stream', data },
          ]),
        })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Case>(
        {
          kind: 'two files',
          body: multipart([
            { name: 'file', filename: 'a.pdf', data: pdfFile() },
            { name: 'file', filename: 'b.pdf', data: pdfFile() },
          ]),
        },
        { kind: 'too many fields', body: multipart(Array.from({ length: 15 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') }))) },
        {
          kind: 'huge field',
          body: multipart([
            { name: 'kind', data: Buffer.alloc(20_000, 0x61) },
            { name: 'file', filename: 'a.pdf', data: pdfFile() },
          ]),
        },
        { kind: 'no closing boundary', body: multipart([{ name: 'file', filename: 'a.pdf', data: pdfFile() }], BOUNDARY, false) },
        { kind: 'other boundary', body: multipart([{ name: 'file', filename: 'a.pdf', data: pdfFile() }], 'another-boundary') },
        {
          kind: 'no boundary',
          body: multipart([{ name: 'file', filename: 'a.pdf', data: pdfFile() }]),
          contentType: 'multipart/form-data',
        },
        {
          kind: 'empty boundary',
          body: multipart([{ name: 'file', filename: 'a.pdf', data: pdfFile() }]),
          contentType: 'multipart/form-data; boundary=',
        },
        {
          kind: 'no part headers end',
          body: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n%PDF-1.4`),
        },
        {
          kind: 'garbage header',
          body: Buffer.from(`--${BOUNDARY}\r\n\u0000\u00ff: ;;;\r\n\r\n%PDF-1.4\r\n--${BOUNDARY}--\r\n`, 'latin1'),
        },
        {
          kind: 'bad filename*',
          body: Buffer.from(
            `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%E0%A4%A\r\n\r\n%PDF-1.4\r\n--${BOUNDARY}--\r\n`,
          ),
        },
        { kind: 'empty body', body: Buffer.alloc(0) },
        { kind: 'json instead', body: Buffer.from('{"file":"x"}'), contentType: 'application/json' },
      ),
    },
  )
  .map(withShortPrint);

// ------------------------------------------------------------------ the test

function argKinds(app: TestApp['app'], r: RouteInfo): { body: boolean; query: boolean } {
  const ctrl = app
    .get(DiscoveryService)
    .getControllers()
    .find((w) => w.metatype?.name === r.controller)?.metatype;
  const args: Record<string, unknown> = (ctrl && Reflect.getMetadata(ROUTE_ARGS_METADATA, ctrl, r.handler)) ?? {};
  const types = Object.keys(args).map((k) => Number(k.split(':')[0]));
  return { body: types.includes(3), query: types.includes(4) };
}

describe('hostile input: every JSON API route with a body or query answers 4xx (or 2xx), never 5xx, and refusals write nothing', () => {
  let t: TestApp;
  let db: DataSource;
  let tokens: Record<Persona, string | undefined>;
  let muni: TestMember;
  let company: TestMember;
  const ids: Record<string, string> = {};
  let fingerprintSql = '';

  beforeAll(async () => {
    t = await createTestApp('fuzz');
    db = t.app.get(DataSource);
    muni = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社ふぁずてすと' });
    tokens = { anon: undefined, muni: muni.token, company: company.token, sec: await secretariatTokenFor(t) };
    ids.issue = (await postIssue(t, muni.token, { status: 'published' })).id;
    ids.solution = (await postSolution(t, company.token, { status: 'published' })).id;
    ids.event = (await createEvent(t)).id;
    const program = await t
      .http()
      .post('/api/v1/subsidy-programs')
      .set('Authorization', `Bearer ${tokens.sec}`)
      .send(EXAMPLES['POST /api/v1/subsidy-programs'].body as object);
    if (program.status === 201) {
      ids.program = program.body.id;
      const app = await t
        .http()
        .post(`/api/v1/subsidy-programs/${ids.program}/applications`)
        .set('Authorization', `Bearer ${company.token}`)
        .send(EXAMPLES['POST /api/v1/subsidy-programs/:id/applications'].body as object);
      if (app.status === 201) ids.subsidyApplication = app.body.id;
    }
    const inquiry = await t
      .http()
      .post('/api/v1/inquiries')
      .set('Authorization', `Bearer ${company.token}`)
      .send({ issueId: ids.issue, subject: '実証のご相談', message: JA });
    if (inquiry.status === 201) ids.inquiry = inquiry.body.id;
    (EXAMPLES['POST /api/v1/inquiries'].body as any).issueId = ids.issue;
    (EXAMPLES['POST /api/v1/events/:id/pitch-applications'].body as any).solutionId = ids.solution;

    // security and operational tables are written on purpose even when a request is refused (audit log, failed
    // sign-ins) or by background work (search outbox)
    const skip = new Set([
      'audit_log',
      'login_attempts',
      'search_outbox',
      'search_reindex',
      'search_reindex_log',
      'session',
      'api_tokens',
      'kyoso_meta',
    ]);
    const tables: { name: string }[] = await db.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    );
    fingerprintSql = tables
      .filter((x) => !skip.has(x.name))
      .map(
        (x) => `SELECT '${x.name}' AS t, count(*)::text || '/' || coalesce(max(xmin::text::bigint), 0)::text AS f FROM public."${x.name}"`,
      )
      .join(' UNION ALL ');
  });
  afterAll(async () => {
    await t?.close();
  });

  const fingerprint = async (): Promise<Record<string, string>> =>
    Object.fromEntries((await db.query(fingerprintSql)).map((r: { t: string; f: string }) => [r.t, r.f]));
  const quiesce = async () => {
    const queues: { name: string }[] = await db.query(`SELECT name FROM pgboss.queue WHERE name <> 'dead_letter'`);
    await t.app
      .get(JobsService)
      .drain(
        queues.map((q) => q.name),
        20_000,
      )
      .catch(() => undefined);
  };

  function pathFor(r: RouteInfo, ex: Example): string {
    return r.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      if (name === 'token') return 'x'.repeat(43);
      if (name !== 'id' || ex.randomId) return randomUUID();
      const seg = r.path.split('/')[3];
      const byResource: Record<string, string | undefined> = {
        issues: ids.issue,
        solutions: ids.solution,
        events: ids.event,
        'subsidy-programs': ids.program,
        'subsidy-applications': ids.subsidyApplication,
        inquiries: ids.inquiry,
        organizations: ex.as === 'muni' ? muni.organizationId : company.organizationId,
      };
      return byResource[seg] ?? randomUUID();
    });
  }

  it('every route that takes a body or a query has an example here', () => {
    const routes = listRoutes(t.app).filter((r) => r.path.startsWith('/api/'));
    const needing = routes.filter((r) => {
      const k = argKinds(t.app, r);
      return k.body || k.query;
    });
    expect(needing.length).toBeGreaterThan(30);
    const missing = needing.map((r) => `${r.method} ${r.path}`).filter((k) => !EXAMPLES[k]);
    expect(missing).toEqual([]);
    const stale = Object.keys(EXAMPLES).filter((k) => !needing.some((r) => `${r.method} ${r.path}` === k));
    expect(stale).toEqual([]);
  });

  it('what the fuzzer found stays fixed: deep nesting, lone surrogates, a missing nested object, null for a required column', async () => {
    const json = (path: string, body: string, token?: string) => {
      const req = t.http().post(path).set('Content-Type', 'application/json');
      return (token ? req.set('Authorization', `Bearer ${token}`) : req).send(body);
    };
    // 3,000 levels of nesting used to overflow the validator's stack (500)
    expect((await json('/api/v1/auth/password-resets', `{"email":${RAW.DEEP_OBJECT}}`)).status).toBe(400);
    // a lone surrogate used to crash the e-mail validator (500)
    expect((await json('/api/v1/auth/password-resets', '{"email":"\\ud800@example.jp"}')).status).toBe(400);
    // an application without its organisation used to reach the service (500)
    const noOrg = await json(
      '/api/v1/membership-applications',
      JSON.stringify({ contact: { name: '佐藤 一郎', email: 'no-org@example.jp', password: 'fuzz-pass-2026' }, agreeToTerms: true }),
    );
    expect(noOrg.status).toBe(400);
    // a NULL display name used to violate NOT NULL in the database (500)
    const nullName = await t.http().patch('/api/v1/me').set('Authorization', `Bearer ${company.token}`).send({ displayName: null });
    expect(nullName.status).toBe(400);
    expect((await t.http().get('/api/v1/me').set('Authorization', `Bearer ${company.token}`)).body.user.displayName).toBeTruthy();
  });

  it('hostile bodies and queries never cause a 5xx, and refused requests change nothing', async () => {
    const routes = listRoutes(t.app).filter((r) => r.path.startsWith('/api/') && EXAMPLES[`${r.method} ${r.path}`]);
    const perRouteMs = Math.max(200, Math.floor(TIME_BUDGET_MS / routes.length));
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    process.stdout.write(`fuzz seed ${seed} (FUZZ_SEED=${seed} to replay)\n`);
    let cases = 0;
    const statuses = new Map<number, number>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      const ex = EXAMPLES[key];
      const kinds = argKinds(t.app, r);
      const arb =
        kinds.body && ex.body !== undefined
          ? kinds.query && ex.query
            ? fc.oneof(bodyCases(ex.body), queryCases(ex.query))
            : bodyCases(ex.body)
          : queryCases(ex.query ?? {});
      await quiesce();
      const check = async (c: Case) => {
        cases++;
        const before = await fingerprint();
        const url = pathFor(r, ex) + (c.query ? `?${c.query}` : '');
        let req = (t.http() as any)[r.method.toLowerCase()](url).set('Accept', 'application/json');
        if (tokens[ex.as]) req = req.set('Authorization', `Bearer ${tokens[ex.as]}`);
        if (c.body !== undefined && r.method !== 'GET') req = req.set('Content-Type', c.contentType ?? 'application/json').send(c.body);
        const res = await req;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${key} [${c.kind}] → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
        if (res.status >= 500 || res.status < 200) throw new Error(`server error: ${what}`);
        if (res.status >= 400) {
          // 414/431: Node's HTTP parser refuses an oversized URL or headers before the app sees the request
          if (res.status !== 431 && res.status !== 414 && res.body?.statusCode !== res.status)
            throw new Error(`error without the JSON error shape: ${what}`);
          const after = await fingerprint();
          const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
          if (changed.length) throw new Error(`refused but wrote to ${changed.join(', ')}: ${what}`);
        } else {
          await quiesce(); // an accepted request may start background work; let it finish before the next case
        }
      };
      // small batches until this route's share of the time is used (at least one batch per route)
      for (let batch = 0, deadline = Date.now() + perRouteMs; batch === 0 || Date.now() < deadline; batch++) {
        await fc.assert(fc.asyncProperty(arb, check), { numRuns: 5, seed: seed + batch });
      }
    }
    // nothing was polluted in this process, and the app still answers
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    await t.http().get('/health').expect(200);
    process.stdout.write(
      `fuzz: ${cases} cases over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect(cases).toBeGreaterThan(routes.length * 5);
  });

  it('hostile multipart uploads (subsidy attachments, API and page form) never cause a 5xx, and refusals leave nothing behind', async () => {
    const browser = pageClient(t);
    await browser.signIn(company.email, company.password);
    await browser.get(`/subsidies/applications/${ids.subsidyApplication}`);
    const uploads = t.config.resolveData('uploads', 'subsidies');
    const files = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads).sort() : []);
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const deadline = Date.now() + Math.max(8_000, TIME_BUDGET_MS / 2);
    const statuses = new Map<number, number>();
    let cases = 0;
    const check = async (viaPage: boolean, c: Case) => {
      cases++;
      await quiesce();
      const before = await fingerprint();
      const beforeFiles = files();
      const contentType = c.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`;
      // the page form carries its CSRF token as the first part
      const body =
        viaPage && Buffer.isBuffer(c.body) && contentType.includes(BOUNDARY)
          ? Buffer.concat([multipart([{ name: '_csrf', data: Buffer.from(browser.csrf) }], BOUNDARY, false), c.body])
          : c.body;
      const res = viaPage
        ? await browser.agent
            .post(`/subsidies/applications/${ids.subsidyApplication}/attachments`)
            .set('Accept', 'text/html')
            .set('Content-Type', contentType)
            .send(body)
        : await t
            .http()
            .post(`/api/v1/subsidy-applications/${ids.subsidyApplication}/attachments`)
            .set('Authorization', `Bearer ${company.token}`)
            .set('Content-Type', contentType)
            .send(body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const what = `${viaPage ? 'page' : 'api'} [${c.kind}] → ${res.status} ${(res.text ?? '').slice(0, 200)}`;
      if (res.status >= 500 || res.status < 200) throw new Error(`server error: ${what}`);
      if (files().some((f) => f.endsWith('.part'))) throw new Error(`a partial file was left behind: ${what}`);
      if (res.status >= 400) {
        const after = await fingerprint();
        const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
        if (changed.length) throw new Error(`refused but wrote to ${changed.join(', ')}: ${what}`);
        if (JSON.stringify(files()) !== JSON.stringify(beforeFiles)) throw new Error(`refused but stored a file: ${what}`);
      } else {
        // accepted (a real file): remove it again so that the per-application limit is not reached
        const detail = await t
          .http()
          .get(`/api/v1/subsidy-applications/${ids.subsidyApplication}`)
          .set('Authorization', `Bearer ${company.token}`);
        for (const a of detail.body.attachments ?? [])
          await t
            .http()
            .delete(`/api/v1/subsidy-applications/${ids.subsidyApplication}/attachments/${a.id}`)
            .set('Authorization', `Bearer ${company.token}`)
            .expect(204);
      }
    };
    for (let batch = 0; batch === 0 || Date.now() < deadline; batch++) {
      await fc.assert(fc.asyncProperty(fc.boolean(), multipartCases, check), { numRuns: 10, seed: seed + batch });
    }
    // over the size limit: 413 before anything is stored
    await check(false, {
      kind: 'over 20 MB',
      body: multipart([{ name: 'file', filename: 'big.pdf', data: Buffer.concat([pdfFile(), Buffer.alloc(21 * 1024 * 1024)]) }]),
    });
    expect(statuses.get(413)).toBeGreaterThanOrEqual(1);
    process.stdout.write(
      `multipart fuzz: ${cases} cases; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect(cases).toBeGreaterThan(20);
    await t.http().get('/health').expect(200);
  });
});
