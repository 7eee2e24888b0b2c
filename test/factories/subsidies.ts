import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { hashPassword } from '../../src/auth/auth.service';
import type { TestApp } from '../support/app';

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const DAY = 86_400_000;

/** A programme open now: ¥1,000,000 cap, half of the cost, a municipal partner required, three weighted criteria. */
export function programInput(over: Record<string, unknown> = {}) {
  return {
    title: '令和7年度 プロジェクト推進補助金',
    maxAmountPerProject: 1_000_000,
    subsidyRate: 0.5,
    opensAt: new Date(Date.now() - DAY).toISOString(),
    closesAt: new Date(Date.now() + 30 * DAY).toISOString(),
    requiresMunicipalPartner: true,
    criteria: [
      { key: 'novelty', label: '新規性', weight: 1 },
      { key: 'feasibility', label: '実現性', weight: 1 },
      { key: 'contribution', label: '地域課題への貢献', weight: 2 },
    ],
    ...over,
  };
}

export async function createProgram(t: TestApp, secToken: string, over: Record<string, unknown> = {}) {
  const res = await t.http().post('/api/v1/subsidy-programs').set(auth(secToken)).send(programInput(over));
  if (res.status !== 201) throw new Error(`create program failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; title: string };
}

export function applicationInput(over: Record<string, unknown> = {}) {
  return {
    title: 'AIオンデマンドバスの実証運行',
    summary: '郊外の住宅地で、予約に応じて走るバスを3か月間運行し、高齢者の通院の足を確保します。',
    requestedAmount: 800_000,
    budgetItems: [
      { item: '車両リース費', amount: 1_200_000 },
      { item: '配車システム利用料', amount: 600_000 },
    ],
    ...over,
  };
}

export async function draftApplication(t: TestApp, token: string, programId: string, over: Record<string, unknown> = {}) {
  const res = await t.http().post(`/api/v1/subsidy-programs/${programId}/applications`).set(auth(token)).send(applicationInput(over));
  if (res.status !== 201) throw new Error(`draft failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; status: string };
}

/** Another secretariat account (only the first comes from the environment). */
export async function extraSecretariat(t: TestApp): Promise<{ email: string; password: string; token: string }> {
  const id = randomBytes(4).toString('hex');
  const email = `sec-${id}@test.example.jp`;
  const password = `secretariat-${id}-pass`;
  await t.app
    .get(DataSource)
    .query(
      `INSERT INTO users (organization_id, email, display_name, password_hash, roles) VALUES ('00000000-0000-4000-8000-000000000001', $1, $2, $3, '{member,secretariat}')`,
      [email, `事務局 ${id}`, await hashPassword(password)],
    );
  return { email, password, token: await t.token(email, password) };
}

// ---- files whose content is what they claim (or not)
export const pdfFile = () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const pngFile = () =>
  Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
    'hex',
  );
const crc32 = (buf: Buffer) => {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
};

/** A real ZIP archive (the first entry stored, the others deflated). */
export function zipFile(entries: [name: string, content: string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach(([name, content], i) => {
    const raw = Buffer.from(content, 'utf8');
    const method = i === 0 ? 0 : 8;
    const data = method === 0 ? raw : deflateRawSync(raw);
    const fname = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(fname.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    centrals.push(central, fname);
    offset += local.length + fname.length + data.length;
  });
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A minimal but real Word (OOXML) document: the package's content types declare its main part. */
export const docxFile = () =>
  zipFile([
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ],
    [
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ],
    [
      'word/document.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
        '<w:body><w:p><w:r><w:t>実績報告書</w:t></w:r></w:p></w:body></w:document>',
    ],
  ]);
