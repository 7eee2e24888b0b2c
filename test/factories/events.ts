import { DataSource } from 'typeorm';
import type { TestApp } from '../support/app';
import { approvedMember, secretariatTokenFor, TestMember } from './members';

const HOUR = 3600_000;
export const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

/** The secretariat creates an event through the API (published unless status: 'draft'). */
export async function createEvent(t: TestApp, over: Record<string, unknown> = {}): Promise<any> {
  const sec = await secretariatTokenFor(t);
  const res = await t
    .http()
    .post('/api/v1/events')
    .set('Authorization', `Bearer ${sec}`)
    .send({
      title: '第10回 課題プレゼンテーション Meet Up',
      kind: 'meetup',
      description: '府内の市町村が地域の課題を発表します。',
      startsAt: inHours(24 * 7),
      endsAt: inHours(24 * 7 + 3),
      venue: '大阪府咲洲庁舎 会議室',
      capacity: 30,
      ...over,
    });
  if (res.status !== 201) throw new Error(`create event failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Colleague {
  userId: string;
  email: string;
  password: string;
  token: string;
}

/**
 * `n` people of one member organisation, signed in. The organisation's admin applies and is approved
 * through the API; the colleagues are added directly (as if they had accepted invitations) with the
 * admin's password hash, which keeps sixty sign-ups fast.
 */
export async function colleagues(t: TestApp, n: number, kind = 'corporation'): Promise<{ admin: TestMember; people: Colleague[] }> {
  const admin = await approvedMember(t, kind);
  const db = t.app.get(DataSource);
  const [{ password_hash }] = await db.query(`SELECT password_hash FROM users WHERE email = $1`, [admin.email]);
  const people: Colleague[] = [];
  for (let i = 0; i < n; i++) {
    const email = `staff${i}-${admin.organizationId.slice(0, 8)}@example.jp`;
    const [u] = await db.query(
      `INSERT INTO users (organization_id, email, display_name, password_hash, roles) VALUES ($1, $2, $3, $4, '{member}') RETURNING id`,
      [admin.organizationId, email, `参加者 ${i + 1}号`, password_hash],
    );
    people.push({ userId: u.id, email, password: admin.password, token: '' });
  }
  for (const p of people) p.token = await t.token(p.email, p.password);
  return { admin, people };
}

const FIELD = 'mobility';

/** A published issue of a municipality member (through the issues API when it answers, else stored directly). */
export async function publishedIssue(t: TestApp, muni: TestMember, municipalityCode: string, title: string): Promise<string> {
  const res = await t
    .http()
    .post('/api/v1/issues')
    .set('Authorization', `Bearer ${muni.token}`)
    .send({ title, body: `${title}について、企業の皆さまのご提案を募集します。`, fieldSlugs: [FIELD], status: 'published' });
  if (res.status === 201 && res.body?.id) return res.body.id;
  const db = t.app.get(DataSource);
  const [row] = await db.query(
    `INSERT INTO issues (organization_id, municipality_code, title, body, field_slugs, status, published_at) VALUES ($1, $2, $3, $4, $5, 'published', now()) RETURNING id`,
    [muni.organizationId, municipalityCode, title, `${title}の本文`, [FIELD]],
  );
  return row.id;
}

/** A published solution of a company member (through the solutions API when it answers, else stored directly). */
export async function publishedSolution(t: TestApp, company: TestMember, title: string): Promise<string> {
  const res = await t
    .http()
    .post('/api/v1/solutions')
    .set('Authorization', `Bearer ${company.token}`)
    .send({ title, summary: `${title}の概要`, body: `${title}の詳しい説明です。`, fieldSlugs: [FIELD], status: 'published' });
  if (res.status === 201 && res.body?.id) return res.body.id;
  const db = t.app.get(DataSource);
  const [row] = await db.query(
    `INSERT INTO solutions (organization_id, title, summary, body, field_slugs, status, published_at) VALUES ($1, $2, $3, $4, $5, 'published', now()) RETURNING id`,
    [company.organizationId, title, `${title}の概要`, `${title}の本文`, [FIELD]],
  );
  return row.id;
}

/** A tiny iCalendar reader for tests: unfolds lines and returns the properties of each component. */
export function parseIcs(text: string): {
  lines: string[];
  events: Record<string, { params: string; value: string }>[];
  calendar: Record<string, string>;
} {
  if (!text.includes('\r\n')) throw new Error('iCalendar lines must end with CRLF');
  const raw = text.split('\r\n');
  if (raw[raw.length - 1] !== '') throw new Error('iCalendar must end with CRLF');
  raw.pop();
  for (const l of raw) if (Buffer.byteLength(l, 'utf8') > 75) throw new Error(`line longer than 75 octets: ${l}`);
  const lines: string[] = [];
  for (const l of raw) {
    if (l.startsWith(' ') || l.startsWith('\t')) lines[lines.length - 1] += l.slice(1);
    else lines.push(l);
  }
  const events: Record<string, { params: string; value: string }>[] = [];
  const calendar: Record<string, string> = {};
  const stack: string[] = [];
  let current: Record<string, { params: string; value: string }> | null = null;
  for (const l of lines) {
    const idx = l.indexOf(':');
    const [namePart, value] = [l.slice(0, idx), l.slice(idx + 1)];
    const [name, ...params] = namePart.split(';');
    if (name === 'BEGIN') {
      stack.push(value);
      if (value === 'VEVENT') current = {};
    } else if (name === 'END') {
      if (stack.pop() !== value) throw new Error(`unbalanced END:${value}`);
      if (value === 'VEVENT' && current) {
        events.push(current);
        current = null;
      }
    } else if (current) current[name] = { params: params.join(';'), value };
    else if (stack.length === 1) calendar[name] = value;
  }
  if (stack.length) throw new Error('unclosed component');
  return { lines, events, calendar };
}

export const unescapeText = (v: string) => v.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');
