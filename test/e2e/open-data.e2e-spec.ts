import { createTestApp, TestApp } from '../support/app';
import { approvedMember, TestMember } from '../factories/members';
import { auth, postIssue } from '../factories/marketplace';

jest.setTimeout(150_000);

/** Splits RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('open data and the issue map: anyone downloads the published issues their municipality released, never drafts or contact persons', () => {
  let t: TestApp;
  let sakai: TestMember;
  let company: TestMember;

  beforeAll(async () => {
    t = await createTestApp('open_data');
    sakai = await approvedMember(t, 'municipality', { municipalityCode: '27140', name: '堺市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社データ堺' });
    await postIssue(t, sakai.token, {
      status: 'published',
      title: '買い物難民の解消、"移動販売"の実証',
      body: '高齢化の進む泉北ニュータウンでは、近くの商店が閉店し、\n買い物に困る方が増えています。',
      fieldSlugs: ['elderly', 'mobility'],
      tags: ['買い物支援', '移動販売'],
      contactName: '堺 太郎',
      contactEmail: 'kaimono@city.example.jp',
      openData: true,
    });
    await postIssue(t, sakai.token, {
      status: 'published',
      title: '公園の見守り',
      body: '公園の防犯対策を考えています。',
      fieldSlugs: ['safety'],
      tags: ['買い物支援'],
      openData: true,
    });
    await postIssue(t, sakai.token, { status: 'draft', title: '非公開の下書き課題', fieldSlugs: ['safety'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('issues.csv is UTF-8 with a BOM, quotes every field (commas, quotes, line breaks) and keeps the Japanese intact', async () => {
    const res = await t
      .http()
      .get('/api/v1/open-data/issues.csv')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    const buf = res.body as Buffer;
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buf.toString('utf8').slice(1);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      'id',
      'title',
      'body',
      'field_slugs',
      'field_names',
      'tags',
      'municipality_code',
      'municipality_name',
      'status',
      'published_at',
      'closed_at',
    ]);
    expect(rows).toHaveLength(3);
    const first = rows.find((r) => r[1].startsWith('買い物難民'))!;
    expect(first[1]).toBe('買い物難民の解消、"移動販売"の実証');
    expect(first[2]).toBe('高齢化の進む泉北ニュータウンでは、近くの商店が閉店し、\n買い物に困る方が増えています。');
    expect(first[3]).toBe('elderly;mobility');
    expect(first[4]).toBe('高齢者にやさしいまちづくり;' + first[4].split(';')[1]);
    expect(first.slice(5, 9)).toEqual(['買い物支援;移動販売', '27140', '堺市', 'published']);
    expect(text).not.toContain('非公開の下書き課題');
    expect(text).not.toContain('堺 太郎');
    expect(text).not.toContain('kaimono@city.example.jp');
  });

  it('issues.json lists the published issues with fields, tags and municipality, without drafts or contact data', async () => {
    const res = await t.http().get('/api/v1/open-data/issues.json');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    const item = res.body.items.find((i: any) => i.title.startsWith('買い物難民'));
    expect(item).toEqual({
      id: expect.any(String),
      title: '買い物難民の解消、"移動販売"の実証',
      body: expect.stringContaining('泉北ニュータウン'),
      fields: [
        { slug: 'elderly', name: '高齢者にやさしいまちづくり' },
        { slug: 'mobility', name: expect.any(String) },
      ],
      tags: ['買い物支援', '移動販売'],
      municipality: { code: '27140', name: '堺市' },
      status: 'published',
      publishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      closedAt: null,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/非公開の下書き課題|堺 太郎|kaimono@/);
  });

  it('a member sees the issue map: a heat map cell per field and municipality, this month in the chart and table, and the top tags', async () => {
    const page = await t.http().get('/map').set(auth(company.token));
    expect(page.status).toBe(200);
    expect(page.text).toContain('課題の見える化');
    const html = page.text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const row = html.slice(html.indexOf('data-municipality="27140"'));
    expect(row).toMatch(/堺市/);
    expect(row).toMatch(/class="heat heat-5"><a href="\/issues\?field=elderly&municipality=27140"[^>]*>1<\/a>/);
    expect(page.text).toMatch(/<svg[^>]*role="img"/);
    expect(page.text).toMatch(/<title id="chart-title">月ごとに公開された課題の件数<\/title>/);
    const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit' }).format(new Date());
    expect(page.text).toMatch(new RegExp(`data-month="${month}"><th scope="row">[^<]+</th><td>2</td>`));
    expect(html).toMatch(/<a href="\/issues\?q=%E8%B2%B7[^"]*">買い物支援<\/a> <span class="muted">2件<\/span>/);
    expect(page.text).not.toContain('非公開の下書き課題');
    // members only; the open data is public
    expect((await t.http().get('/map').set('Accept', 'text/html')).status).toBe(303);
  });

  it('an issue shared with members only stays out of the open data until its municipality releases it', async () => {
    const issue = await postIssue(t, sakai.token, { status: 'published', title: '会員限定で共有する課題', fieldSlugs: ['safety'] });
    expect(issue.openData).toBe(false);
    const csv = async () => (await t.http().get('/api/v1/open-data/issues.csv').buffer(true)).text;
    const json = async () => (await t.http().get('/api/v1/open-data/issues.json')).body;
    expect(await csv()).not.toContain('会員限定で共有する課題');
    expect((await json()).total).toBe(2);
    // members still find it
    expect((await t.http().get(`/api/v1/issues/${issue.id}`).set(auth(company.token))).status).toBe(200);

    const released = await t.http().patch(`/api/v1/issues/${issue.id}`).set(auth(sakai.token)).send({ openData: true });
    expect(released.status).toBe(200);
    expect(released.body.openData).toBe(true);
    expect(await csv()).toContain('会員限定で共有する課題');
    expect((await json()).items.map((i: { title: string }) => i.title)).toContain('会員限定で共有する課題');

    await t.http().patch(`/api/v1/issues/${issue.id}`).set(auth(sakai.token)).send({ openData: false }).expect(200);
    expect(await csv()).not.toContain('会員限定で共有する課題');
  });
});
