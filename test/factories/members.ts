import { randomBytes } from 'node:crypto';
import { SECRETARIAT, TestApp } from '../support/app';

export interface TestMember {
  email: string;
  password: string;
  token: string;
  organizationId: string;
  organizationName: string;
}

const secretariatToken: WeakMap<TestApp, string> = new WeakMap();

export async function secretariatTokenFor(t: TestApp): Promise<string> {
  let tok = secretariatToken.get(t);
  if (!tok) {
    tok = await t.token(SECRETARIAT.email, SECRETARIAT.password);
    secretariatToken.set(t, tok);
  }
  return tok;
}

/** Applies through the public API, is approved by the secretariat, and signs in. */
export async function approvedMember(
  t: TestApp,
  kind: string = 'corporation',
  opts: { name?: string; municipalityCode?: string; email?: string } = {},
): Promise<TestMember> {
  const id = randomBytes(4).toString('hex');
  const email = opts.email ?? `member-${id}@example.jp`;
  const password = `pw-${id}-long-enough`;
  const organizationName = opts.name ?? (kind === 'municipality' ? `自治体 ${id}` : `株式会社テスト${id}`);
  const applied = await t
    .http()
    .post('/api/v1/membership-applications')
    .send({
      organization: { name: organizationName, kind, ...(opts.municipalityCode ? { municipalityCode: opts.municipalityCode } : {}) },
      contact: { name: `担当 ${id}`, email, password },
      agreeToTerms: true,
    });
  if (applied.status !== 201) throw new Error(`apply failed: ${applied.status} ${JSON.stringify(applied.body)}`);
  const sec = await secretariatTokenFor(t);
  const approved = await t.http().post(`/api/v1/membership-applications/${applied.body.id}/approve`).set('Authorization', `Bearer ${sec}`);
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  const token = await t.token(email, password);
  return { email, password, token, organizationId: approved.body.organizationId, organizationName };
}
