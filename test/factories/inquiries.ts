import type { TestApp } from '../support/app';
import { auth } from './marketplace';

/** Opens an inquiry thread through the API and returns it. */
export async function openInquiry(t: TestApp, token: string, body: Record<string, unknown>) {
  const res = await t.http().post('/api/v1/inquiries').set(auth(token)).send(body);
  if (res.status !== 201) throw new Error(`open inquiry failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The caller's inquiry list (API). */
export async function inquiryList(t: TestApp, token: string) {
  const res = await t.http().get('/api/v1/inquiries').set(auth(token));
  if (res.status !== 200) throw new Error(`inquiry list failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { items: Array<{ id: string; subject: string; unreadCount: number; counterpart: { name: string } }>; total: number };
}
