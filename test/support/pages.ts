import request from 'supertest';
import type { TestApp } from './app';

/** A browser-like client for pages: keeps cookies, reads the CSRF token from forms. */
export function pageClient(t: TestApp) {
  const agent = request.agent(t.app.getHttpServer());
  let csrf = '';
  const grab = (html: string) => {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) csrf = m[1];
  };
  return {
    agent,
    get csrf() {
      return csrf;
    },
    async get(path: string) {
      const res = await agent.get(path).set('Accept', 'text/html');
      grab(res.text ?? '');
      return res;
    },
    async post(path: string, form: Record<string, string>) {
      return agent
        .post(path)
        .set('Accept', 'text/html')
        .type('form')
        .send({ _csrf: csrf, ...form });
    },
    async signIn(email: string, password: string) {
      await this.get('/login');
      const res = await this.post('/login', { email, password });
      if (res.status !== 303) throw new Error(`page sign-in failed: ${res.status}`);
      await this.get('/home');
      return res;
    },
    sessionId(res: request.Response): string | undefined {
      const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      const c = cookies.find((x) => x.startsWith('kyoso.sid='));
      return c?.split(';')[0].slice('kyoso.sid='.length);
    },
  };
}
