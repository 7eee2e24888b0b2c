import { createTestApp, TestApp } from '../support/app';
import { AccessWorld, buildAccessWorld, fillPath, ROLES } from '../support/access-fixtures';
import { listRoutes } from '../support/routes';

/**
 * Every JSON API route × every role, with the status each must get:
 * anonymous, a company (owner of the draft solution, the subsidy application and the project), another
 * company, the municipality (owner of the draft issue, partner of the application), the secretariat.
 * Writes are sent with an empty body, so an allowed caller gets 400 (validation) where a denied one gets 401/403/404.
 * Rows run in order (state changes such as publishing the draft issue come after the reads).
 * A route that is added to the app without a row here fails the suite.
 */
const EXPECTED: [string, string][] = [
  ['GET /api/v1/audit-log', '401 403 403 403 200'],
  ['POST /api/v1/auth/password-resets', '400 400 400 400 400'],
  ['POST /api/v1/auth/password-resets/:token', '400 400 400 400 400'],
  ['POST /api/v1/auth/tokens', '400 400 400 400 400'],
  ['DELETE /api/v1/auth/tokens/current', '401 204 204 204 204'],
  ['GET /api/v1/events', '200 200 200 200 200'],
  ['POST /api/v1/events', '401 403 403 403 400'],
  ['GET /api/v1/events/:id', '401 200 200 200 200'],
  ['PATCH /api/v1/events/:id', '401 403 403 403 200'],
  ['POST /api/v1/events/:id/attendance', '401 403 403 403 400'],
  ['POST /api/v1/events/:id/awards', '401 403 403 403 400'],
  ['GET /api/v1/events/:id/calendar.ics', '401 200 200 200 200'],
  ['POST /api/v1/events/:id/cancel', '401 403 403 403 400'],
  ['POST /api/v1/events/:id/check-ins', '401 403 403 403 400'],
  ['POST /api/v1/events/:id/guest-registrations', '400 400 400 400 400'],
  ['GET /api/v1/events/:id/judges', '401 403 403 403 200'],
  ['POST /api/v1/events/:id/judges', '401 403 403 403 400'],
  ['DELETE /api/v1/events/:id/judges/:userId', '401 403 403 403 409'],
  ['GET /api/v1/events/:id/judging', '401 409 409 409 409'],
  ['GET /api/v1/events/:id/messages', '401 403 403 403 200'],
  ['POST /api/v1/events/:id/messages', '401 403 403 403 400'],
  ['GET /api/v1/events/:id/pitch-applications', '401 200 200 200 200'],
  ['POST /api/v1/events/:id/pitch-applications', '401 400 400 403 403'],
  ['POST /api/v1/events/:id/publish', '401 403 403 403 409'],
  ['GET /api/v1/events/:id/registrations', '401 403 403 403 200'],
  ['POST /api/v1/events/:id/registrations', '401 201 201 201 201'],
  ['DELETE /api/v1/events/:id/registrations/mine', '401 200 200 200 200'],
  ['DELETE /api/v1/events/:id/registrations/users/:userId', '401 404 404 404 404'],
  ['POST /api/v1/events/:id/survey', '401 403 403 403 400'],
  ['GET /api/v1/events/:id/survey/results', '401 403 403 403 404'],
  ['POST /api/v1/events/calendar-feed', '401 201 201 201 201'],
  ['GET /api/v1/events/figures', '401 403 403 403 200'],
  ['GET /api/v1/events/mine', '401 200 200 200 200'],
  ['GET /api/v1/fields', '200 200 200 200 200'],
  ['POST /api/v1/fields', '401 403 403 403 400'],
  ['GET /api/v1/figures', '401 403 403 403 200'],
  ['POST /api/v1/guest-registrations/cancel', '400 400 400 400 400'],
  ['POST /api/v1/guest-registrations/confirm', '400 400 400 400 400'],
  ['GET /api/v1/inquiries', '401 200 200 200 200'],
  ['POST /api/v1/inquiries', '401 400 400 400 400'],
  ['GET /api/v1/inquiries/:id', '401 200 404 200 200'],
  ['POST /api/v1/inquiries/:id/messages', '401 400 400 400 400'],
  ['POST /api/v1/invitations/:token/accept', '400 400 400 400 400'],
  ['GET /api/v1/issues', '401 200 200 200 200'],
  ['POST /api/v1/issues', '401 403 403 400 403'],
  ['GET /api/v1/issues/:id', '401 404 404 200 200'],
  ['PATCH /api/v1/issues/:id', '401 403 403 200 403'],
  ['POST /api/v1/issues/:id/close', '401 403 403 400 403'],
  ['GET /api/v1/issues/:id/history', '401 404 404 200 200'],
  ['DELETE /api/v1/issues/:id/interest', '401 404 404 403 403'],
  ['POST /api/v1/issues/:id/interest', '401 404 404 403 403'],
  ['GET /api/v1/issues/:id/interests', '401 404 404 200 200'],
  ['GET /api/v1/issues/:id/matches', '401 404 404 200 200'],
  ['POST /api/v1/issues/:id/publish', '401 403 403 200 403'],
  ['GET /api/v1/me', '401 200 200 200 200'],
  ['PATCH /api/v1/me', '401 200 200 200 200'],
  ['POST /api/v1/me/password', '401 400 400 400 400'],
  ['GET /api/v1/membership-applications', '401 403 403 403 200'],
  ['POST /api/v1/membership-applications', '400 400 400 400 400'],
  ['GET /api/v1/membership-applications/:id', '401 403 403 403 200'],
  ['POST /api/v1/membership-applications/:id/approve', '401 403 403 403 200'],
  ['POST /api/v1/membership-applications/:id/reject', '401 403 403 403 400'],
  ['GET /api/v1/municipalities', '200 200 200 200 200'],
  ['GET /api/v1/notifications', '401 200 200 200 200'],
  ['POST /api/v1/notifications/:id/read', '401 404 404 404 404'],
  ['POST /api/v1/notifications/read-all', '401 200 200 200 200'],
  ['GET /api/v1/open-data/issues.csv', '200 200 200 200 200'],
  ['GET /api/v1/open-data/issues.json', '200 200 200 200 200'],
  ['GET /api/v1/organizations/:id/export', '401 200 404 404 403'],
  ['POST /api/v1/organizations/:id/invitations', '401 400 400 400 403'],
  ['GET /api/v1/organizations/:id/members', '401 200 404 404 403'],
  ['POST /api/v1/pitch-applications/:id/decision', '401 403 403 403 400'],
  ['POST /api/v1/pitch-applications/:id/scores', '401 400 400 400 400'],
  ['GET /api/v1/projects', '200 200 200 200 200'],
  ['POST /api/v1/projects', '401 400 400 400 400'],
  ['GET /api/v1/projects/:id', '200 200 200 200 200'],
  ['POST /api/v1/projects/:id/transitions', '401 400 400 400 400'],
  ['GET /api/v1/saved-searches', '401 200 200 200 200'],
  ['POST /api/v1/saved-searches', '401 400 400 400 400'],
  ['DELETE /api/v1/saved-searches/:id', '401 404 404 404 404'],
  ['GET /api/v1/search/suggest', '401 200 200 200 200'],
  ['GET /api/v1/solutions', '401 200 200 200 200'],
  ['POST /api/v1/solutions', '401 400 400 403 403'],
  ['GET /api/v1/solutions/:id', '401 200 404 404 200'],
  ['PATCH /api/v1/solutions/:id', '401 200 404 403 403'],
  ['POST /api/v1/solutions/:id/archive', '401 409 404 403 403'],
  ['GET /api/v1/solutions/:id/matches', '401 200 404 404 200'],
  ['POST /api/v1/solutions/:id/publish', '401 200 403 403 403'],
  ['GET /api/v1/subsidies/figures', '401 403 403 403 200'],
  ['GET /api/v1/subsidies/notifications', '401 200 200 200 200'],
  ['GET /api/v1/subsidies/work-queue', '401 403 403 403 200'],
  ['GET /api/v1/subsidy-applications', '401 200 200 200 200'],
  ['GET /api/v1/subsidy-applications/:id', '401 200 404 404 200'],
  ['PATCH /api/v1/subsidy-applications/:id', '401 200 404 404 403'],
  ['POST /api/v1/subsidy-applications/:id/attachments', '401 400 404 404 403'],
  ['DELETE /api/v1/subsidy-applications/:id/attachments/:attachmentId', '401 404 404 404 403'],
  ['GET /api/v1/subsidy-applications/:id/attachments/:attachmentId', '401 404 404 404 404'],
  ['POST /api/v1/subsidy-applications/:id/confirm', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/decision', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/grant', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/report', '401 400 400 400 403'],
  ['POST /api/v1/subsidy-applications/:id/return', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/reviewers', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/reviews', '401 400 400 400 400'],
  ['POST /api/v1/subsidy-applications/:id/start-review', '401 403 403 403 409'],
  ['POST /api/v1/subsidy-applications/:id/submit', '401 200 404 404 403'],
  ['POST /api/v1/subsidy-applications/:id/withdraw', '401 200 404 404 403'],
  ['GET /api/v1/subsidy-programs', '200 200 200 200 200'],
  ['POST /api/v1/subsidy-programs', '401 403 403 403 400'],
  ['GET /api/v1/subsidy-programs/:id', '200 200 200 200 200'],
  ['GET /api/v1/subsidy-programs/:id/applications', '401 403 403 403 200'],
  ['POST /api/v1/subsidy-programs/:id/applications', '401 400 400 400 403'],
  ['GET /api/v1/thesaurus', '401 200 200 200 200'],
  ['PUT /api/v1/thesaurus', '401 403 403 403 400'],
  ['POST /api/v1/survey-responses', '400 400 400 400 400'],
];

describe('access matrix: every API route for every role', () => {
  let t: TestApp;
  let w: AccessWorld;
  beforeAll(async () => {
    t = await createTestApp('access_matrix');
    w = await buildAccessWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has a row for every route, and no row for a route that does not exist', () => {
    const routes = listRoutes(t.app)
      .filter((r) => r.path.startsWith('/api/v1'))
      .map((r) => `${r.method} ${r.path}`);
    const table = new Set(EXPECTED.map(([r]) => r));
    expect(routes.filter((r) => !table.has(r))).toEqual([]);
    expect([...table].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('answers each role with the expected status', async () => {
    const mismatches: string[] = [];
    let cases = 0;
    for (const [route, expected] of EXPECTED) {
      const [method, pattern] = route.split(' ');
      const got: string[] = [];
      for (const role of ROLES) {
        const token = pattern === '/api/v1/auth/tokens/current' ? await w.freshToken(role) : w.tokens[role];
        let req = (t.http() as any)[method.toLowerCase()](fillPath(pattern, w));
        if (token) req = req.set('Authorization', `Bearer ${token}`);
        if (['POST', 'PATCH', 'PUT'].includes(method)) req = req.send({});
        got.push(String((await req).status));
        cases++;
      }
      if (got.join(' ') !== expected) mismatches.push(`${route}: expected ${expected}, got ${got.join(' ')}  (${ROLES.join(' ')})`);
    }
    expect(mismatches).toEqual([]);
    expect(cases).toBe(EXPECTED.length * ROLES.length);
  });
});
