import { getDataSourceToken } from '@nestjs/typeorm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { permissionRule } from '../../src/auth/permissions';
import { createTestApp, TestApp } from '../support/app';
import { listRoutes } from '../support/routes';

const isExtraDbConstraint = (q: string) =>
  /^ALTER TABLE "[a-z_]+" DROP CONSTRAINT "[a-z_0-9]+"$|^DROP INDEX "public"."(uq|idx)_[a-z_0-9]+"$/.test(q);

describe('platform: guards, schema, headers, languages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('platform');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every route declares who may call it (@Public or a known @Can permission)', () => {
    const routes = listRoutes(t.app);
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes
      .filter((r) => !r.access.public && !r.access.permission)
      .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`);
    expect(undeclared).toEqual([]);
    const unknown = routes
      .filter((r) => r.access.permission && !permissionRule(r.access.permission))
      .map((r) => `${r.method} ${r.path}: ${r.access.permission}`);
    expect(unknown).toEqual([]);
  });

  it('the migrations build the tables, columns and indexes the entities describe', async () => {
    const ds = t.app.get<DataSource>(getDataSourceToken());
    const pending = await ds.driver.createSchemaBuilder().log();
    // foreign keys, CHECKs and partial unique indexes are written in the migrations' SQL, not in every entity
    expect(pending.upQueries.map((q) => q.query).filter((q) => !isExtraDbConstraint(q))).toEqual([]);
  });

  it('reference data is there: the 43 Osaka municipalities and the nine fields', async () => {
    const munis = await t.http().get('/api/v1/municipalities');
    expect(munis.body).toHaveLength(43);
    expect(munis.body).toEqual(expect.arrayContaining([{ code: '27100', name: '大阪市', kana: 'おおさかし' }]));
    const fields = await t.http().get('/api/v1/fields');
    expect(fields.body.map((f: any) => f.slug)).toEqual([
      'health',
      'elderly',
      'childcare',
      'mobility',
      'tourism',
      'manufacturing',
      'safety',
      'govtech',
      'environment',
    ]);
    expect(fields.body[1].name).toBe('高齢者にやさしいまちづくり');
  });

  it('pages carry security headers and a CSP without inline scripts', async () => {
    const res = await t.http().get('/');
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('pages are Japanese by default, English with ?lang=en, remembered in a cookie', async () => {
    const ja = await t.http().get('/login').set('Accept-Language', 'en-US,en;q=0.9');
    expect(ja.text).toMatch(/<html lang="ja"/);
    expect(ja.text).toMatch(/ログイン/);
    const en = await t.http().get('/login?lang=en');
    expect(en.text).toMatch(/<html lang="en"/);
    const cookie = en.headers['set-cookie'] as unknown as string[];
    expect(cookie.join(';')).toMatch(/lang=en/);
    const again = await t.http().get('/join').set('Cookie', 'lang=en');
    expect(again.text).toMatch(/<html lang="en"/);
  });

  it('a member page asks an anonymous visitor to sign in, and unknown pages get a Japanese 404 page', async () => {
    const home = await t.http().get('/home').set('Accept', 'text/html');
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/login?next=%2Fhome');
    const missing = await t.http().get('/no-such-page').set('Accept', 'text/html');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/見つかりません/);
    const api = await t.http().get('/api/v1/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('sign-in only follows local paths (no open redirect)', async () => {
    const page = await t.http().get('/login?next=https://evil.example.com/');
    expect(page.text).not.toMatch(/evil\.example\.com/);
    const slashes = await t.http().get('/login?next=//evil.example.com/');
    expect(slashes.text).not.toMatch(/evil\.example\.com/);
  });

  it('every message key exists in both Japanese and English', () => {
    const dir = path.resolve(__dirname, '../../views/locales');
    const keys = (lang: string) => {
      const out = new Set<string>();
      const walk = (o: any, prefix: string) => {
        for (const [k, v] of Object.entries(o)) {
          if (v && typeof v === 'object') walk(v, `${prefix}${k}.`);
          else out.add(`${prefix}${k}`);
        }
      };
      for (const f of fs.readdirSync(path.join(dir, lang))) walk(JSON.parse(fs.readFileSync(path.join(dir, lang, f), 'utf8')), '');
      return out;
    };
    const ja = keys('ja');
    const en = keys('en');
    expect([...ja].filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !ja.has(k))).toEqual([]);
  });

  it('no feature message file silently redefines the text of another feature', () => {
    const dir = path.resolve(__dirname, '../../views/locales');
    const collisions: string[] = [];
    for (const lang of ['ja', 'en']) {
      const seen = new Map<string, { file: string; value: unknown }>();
      for (const file of fs.readdirSync(path.join(dir, lang)).sort()) {
        const walk = (o: any, prefix: string) => {
          for (const [k, v] of Object.entries(o)) {
            const key = `${prefix}${k}`;
            if (v && typeof v === 'object') walk(v, `${key}.`);
            else {
              const before = seen.get(key);
              if (before && before.value !== v) collisions.push(`${lang} ${key}: ${before.file} vs ${file}`);
              seen.set(key, { file, value: v });
            }
          }
        };
        walk(JSON.parse(fs.readFileSync(path.join(dir, lang, file), 'utf8')), '');
      }
    }
    expect(collisions).toEqual([]);
  });

  it('no template renders unescaped HTML', () => {
    const dir = path.resolve(__dirname, '../../views');
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.hbs') && fs.readFileSync(p, 'utf8').includes('{{{')) offenders.push(p);
      }
    };
    walk(dir);
    expect(offenders).toEqual([]);
  });
});
