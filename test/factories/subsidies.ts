import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
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
/** A minimal Word (OOXML) container: the ZIP entry names are what identify it. */
export const docxFile = () =>
  Buffer.concat([
    Buffer.from([0x50, 0x4b, 0x03, 0x04]),
    Buffer.from('\x14\x00\x00\x00\x00\x00[Content_Types].xml<Types/>PK\x03\x04word/document.xml<w:document/>PK\x05\x06', 'latin1'),
  ]);
