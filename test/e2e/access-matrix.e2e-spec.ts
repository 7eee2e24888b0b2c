import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { AccessWorld, buildAccessWorld, fillPagePath, fillPath, Role, ROLES } from '../support/access-fixtures';
import { pageClient } from '../support/pages';
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
  ['POST /api/v1/subsidy-applications/:id/change-requests', '401 400 400 400 403'],
  ['POST /api/v1/subsidy-applications/:id/confirm', '401 403 403 403 409'],
  ['POST /api/v1/subsidy-applications/:id/decision', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/grant', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/paid', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/partner-confirmation', '401 400 400 400 400'],
  ['POST /api/v1/subsidy-applications/:id/payment-claim', '401 409 404 404 403'],
  ['POST /api/v1/subsidy-applications/:id/report', '401 400 400 400 403'],
  ['POST /api/v1/subsidy-applications/:id/return', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/return-report', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/reviewers', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/reviews', '401 400 400 400 400'],
  ['POST /api/v1/subsidy-applications/:id/schedule', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-applications/:id/start-review', '401 403 403 403 409'],
  ['POST /api/v1/subsidy-applications/:id/submit', '401 200 404 403 403'],
  ['POST /api/v1/subsidy-applications/:id/withdraw', '401 200 404 403 403'],
  ['GET /api/v1/subsidy-conflicts', '401 200 200 200 200'],
  ['POST /api/v1/subsidy-conflicts', '401 400 400 400 400'],
  ['POST /api/v1/subsidy-change-requests/:cid/approve', '401 403 403 403 400'],
  ['POST /api/v1/subsidy-change-requests/:cid/reject', '401 403 403 403 400'],
  ['GET /api/v1/subsidy-programs', '200 200 200 200 200'],
  ['POST /api/v1/subsidy-programs', '401 403 403 403 400'],
  ['GET /api/v1/subsidy-programs/:id', '200 200 200 200 200'],
  ['GET /api/v1/subsidy-programs/:id/applications', '401 403 403 403 200'],
  ['POST /api/v1/subsidy-programs/:id/applications', '401 400 400 400 403'],
  ['GET /api/v1/subsidy-programs/:id/ledger', '401 403 403 403 200'],
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

/**
 * Every HTML page route × the same five roles, each with its own signed-in page session (cookie + CSRF token).
 * Forms are posted empty with a valid CSRF token, so an allowed caller gets 400 (the form again with errors) or
 * the step's own answer, a denied one 401/403/404; an anonymous visitor is sent to the login page (303) on GET.
 * Rows run in order, as above. A page route added without a row here fails the suite.
 */
const PAGE_EXPECTED: [string, string][] = [
  ['GET /', '200 200 200 200 200'],
  ['GET /events', '200 200 200 200 200'],
  ['POST /events', '401 403 403 403 400'],
  ['GET /events/:id', '303 200 200 200 200'],
  ['POST /events/:id/awards', '401 403 403 403 409'],
  ['GET /events/:id/calendar.ics', '303 200 200 200 200'],
  ['POST /events/:id/cancel', '401 403 403 403 400'],
  ['POST /events/:id/cancel-registration', '401 404 404 404 404'],
  ['GET /events/:id/check-in', '303 403 403 403 200'],
  ['POST /events/:id/check-in', '401 403 403 403 400'],
  ['GET /events/:id/edit', '303 403 403 403 200'],
  ['POST /events/:id/edit', '401 403 403 403 400'],
  ['POST /events/:id/judges', '401 403 403 403 400'],
  ['POST /events/:id/judges/:uid/remove', '401 403 403 403 409'],
  ['GET /events/:id/judging', '303 409 409 409 409'],
  ['POST /events/:id/judging/:aid', '401 409 409 409 409'],
  ['POST /events/:id/pitch-applications', '401 400 400 403 403'],
  ['POST /events/:id/pitch-applications/:aid/:decision', '401 403 403 403 404'],
  ['POST /events/:id/presentations', '401 403 403 403 400'],
  ['POST /events/:id/presentations/:pid/delete', '401 403 403 403 404'],
  ['POST /events/:id/publish', '401 403 403 403 409'],
  ['POST /events/:id/register', '401 303 303 303 303'],
  ['GET /events/:id/registrations', '303 403 403 403 200'],
  ['POST /events/calendar-feed', '401 201 201 201 201'],
  ['GET /events/feed/:file', '404 404 404 404 404'],
  ['GET /events/new', '303 403 403 403 200'],
  ['POST /events/:id/attendance', '401 403 403 403 400'],
  ['POST /events/:id/guest-register', '401 400 400 400 400'],
  ['POST /events/:id/messages', '401 403 403 403 400'],
  ['POST /events/:id/survey', '401 403 403 403 400'],
  ['POST /events/guest/cancel', '404 404 404 404 404'],
  ['GET /events/guest/confirm', '404 404 404 404 404'],
  ['POST /events/guest/confirm', '404 404 404 404 404'],
  ['GET /events/guest/manage', '404 404 404 404 404'],
  ['GET /events/survey', '404 404 404 404 404'],
  ['POST /events/survey', '404 404 404 404 404'],
  ['GET /home', '303 200 200 200 200'],
  ['GET /inquiries', '303 200 200 200 200'],
  ['POST /inquiries', '401 404 404 404 404'],
  ['GET /inquiries/:id', '303 200 404 200 200'],
  ['POST /inquiries/:id/messages', '401 400 404 400 400'],
  ['GET /inquiries/new', '303 404 404 404 404'],
  ['GET /invitations/:token', '404 404 404 404 404'],
  ['POST /invitations/:token', '404 404 404 404 404'],
  ['GET /issues', '303 200 200 200 200'],
  ['POST /issues', '401 403 403 400 403'],
  ['GET /issues/:id', '303 404 404 200 200'],
  ['POST /issues/:id/close', '401 403 403 400 403'],
  ['GET /issues/:id/edit', '303 403 403 200 403'],
  ['POST /issues/:id/edit', '401 403 403 400 403'],
  ['POST /issues/:id/interest', '401 404 404 403 403'],
  ['POST /issues/:id/interest/delete', '401 404 404 403 403'],
  ['POST /issues/:id/publish', '401 403 403 303 403'],
  ['GET /issues/new', '303 403 403 200 403'],
  ['GET /join', '200 200 200 200 200'],
  ['POST /join', '400 400 400 400 400'],
  ['GET /join/done', '200 200 200 200 200'],
  ['GET /login', '200 200 200 200 200'],
  ['POST /login', '401 401 401 401 401'],
  ['GET /logout', '200 200 200 200 200'],
  ['POST /logout', '401 303 303 303 303'],
  ['GET /map', '303 200 200 200 200'],
  ['GET /notifications', '303 200 200 200 200'],
  ['POST /notifications/:id/open', '401 404 404 404 404'],
  ['POST /notifications/read-all', '401 303 303 303 303'],
  ['GET /organization', '303 200 200 200 403'],
  ['POST /organization/invitations', '401 400 400 400 403'],
  ['GET /password-reset', '200 200 200 200 200'],
  ['POST /password-reset', '400 400 400 400 400'],
  ['GET /password-reset/:token', '404 404 404 404 404'],
  ['POST /password-reset/:token', '400 400 400 400 400'],
  ['GET /profile', '303 200 200 200 200'],
  ['POST /profile', '401 400 400 400 400'],
  ['POST /profile/password', '401 400 400 400 400'],
  ['GET /projects', '200 200 200 200 200'],
  ['POST /projects', '401 400 400 400 400'],
  ['GET /projects/:id', '200 200 200 200 200'],
  ['POST /projects/:id/transitions', '401 400 400 400 400'],
  ['GET /projects/new', '303 200 200 200 200'],
  ['GET /saved-searches', '303 200 200 200 200'],
  ['POST /saved-searches', '401 400 400 400 400'],
  ['POST /saved-searches/:id/delete', '401 404 404 404 404'],
  ['GET /secretariat', '303 403 403 403 200'],
  ['POST /secretariat/applications/:id/approve', '401 403 403 403 303'],
  ['POST /secretariat/applications/:id/reject', '401 403 403 403 400'],
  ['GET /secretariat/jobs', '303 403 403 403 200'],
  ['POST /secretariat/jobs/:id/retry', '401 403 403 403 404'],
  ['GET /secretariat/thesaurus', '303 403 403 403 200'],
  ['POST /secretariat/thesaurus', '401 403 403 403 400'],
  ['GET /solutions', '303 200 200 200 200'],
  ['POST /solutions', '401 400 400 403 403'],
  ['GET /solutions/:id', '303 200 404 404 200'],
  ['POST /solutions/:id/archive', '401 409 404 403 403'],
  ['GET /solutions/:id/edit', '303 200 404 403 403'],
  ['POST /solutions/:id/edit', '401 400 404 403 403'],
  ['POST /solutions/:id/publish', '401 303 403 403 403'],
  ['GET /solutions/new', '303 200 200 403 403'],
  ['GET /subsidies', '200 200 200 200 200'],
  ['GET /subsidies/admin', '303 403 403 403 200'],
  ['GET /subsidies/admin/applications.csv', '303 403 403 403 200'],
  ['GET /subsidies/admin/audit', '303 403 403 403 200'],
  ['GET /subsidies/admin/audit.csv', '303 403 403 403 200'],
  ['GET /subsidies/applications/:id', '303 200 404 404 200'],
  ['POST /subsidies/applications/:id/attachments', '401 400 404 404 403'],
  ['GET /subsidies/applications/:id/attachments/:attachmentId', '303 404 404 404 404'],
  ['POST /subsidies/applications/:id/attachments/:attachmentId/delete', '401 404 404 404 403'],
  ['POST /subsidies/applications/:id/confirm', '401 403 403 403 409'],
  ['POST /subsidies/applications/:id/decision', '401 403 403 403 400'],
  ['GET /subsidies/applications/:id/edit', '303 200 404 404 403'],
  ['POST /subsidies/applications/:id/partner-confirmation', '401 400 404 404 400'],
  ['POST /subsidies/applications/:id/change-requests', '401 400 404 404 403'],
  ['POST /subsidies/applications/:id/return-report', '401 403 403 403 400'],
  ['POST /subsidies/applications/:id/payment-claim', '401 409 404 404 403'],
  ['POST /subsidies/applications/:id/paid', '401 403 403 403 400'],
  ['POST /subsidies/applications/:id/schedule', '401 403 403 403 400'],
  ['POST /subsidies/change-requests/:cid/decide', '401 403 403 403 404'],
  ['GET /subsidies/programs/:id/ledger.csv', '303 403 403 403 200'],
  ['POST /subsidies/applications/:id/edit', '401 400 404 404 403'],
  ['POST /subsidies/applications/:id/grant', '401 403 403 403 400'],
  ['POST /subsidies/applications/:id/report', '401 400 404 404 403'],
  ['POST /subsidies/applications/:id/return', '401 403 403 403 400'],
  ['POST /subsidies/applications/:id/reviewers', '401 403 403 403 400'],
  ['POST /subsidies/applications/:id/reviews', '401 400 404 404 400'],
  ['POST /subsidies/applications/:id/start-review', '401 403 403 403 409'],
  ['POST /subsidies/applications/:id/submit', '401 303 404 403 403'],
  ['POST /subsidies/applications/:id/withdraw', '401 303 404 403 403'],
  ['GET /subsidies/mine', '303 200 200 200 200'],
  ['POST /subsidies/programs', '401 403 403 403 400'],
  ['GET /subsidies/programs/:id', '200 200 200 200 200'],
  ['POST /subsidies/programs/:id/applications', '401 400 400 400 403'],
  ['GET /subsidies/programs/:id/apply', '303 200 200 200 403'],
  ['GET /subsidies/programs/new', '303 403 403 403 200'],
  ['GET /subsidies/reviews', '303 200 200 200 200'],
];

describe('access matrix: every HTML page route for every role', () => {
  let t: TestApp;
  let w: AccessWorld;
  beforeAll(async () => {
    t = await createTestApp('access_matrix_pages');
    w = await buildAccessWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const pageRoutes = () =>
    listRoutes(t.app)
      .filter((r) => !r.path.startsWith('/api/') && r.path !== '/health')
      .map((r) => `${r.method} ${r.path}`);

  it('has a row for every page route, and no row for a route that does not exist', () => {
    const routes = pageRoutes();
    const table = new Set(PAGE_EXPECTED.map(([r]) => r));
    expect(routes.length).toBeGreaterThan(100);
    expect(routes.filter((r) => !table.has(r))).toEqual([]);
    expect([...table].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('answers each role with the expected status', async () => {
    const creds: Record<Role, { email: string; password: string } | null> = {
      anonymous: null,
      company: w.company,
      otherCompany: w.otherCompany,
      municipality: w.municipality,
      secretariat: SECRETARIAT,
    };
    const session = async (role: Role) => {
      const browser = pageClient(t);
      const c = creds[role];
      if (c) await browser.signIn(c.email, c.password);
      else await browser.get('/login');
      return browser;
    };
    const browsers = {} as Record<Role, Awaited<ReturnType<typeof session>>>;
    for (const role of ROLES) browsers[role] = await session(role);
    const mismatches: string[] = [];
    let cases = 0;
    for (const [route, expected] of PAGE_EXPECTED) {
      const [method, pattern] = route.split(' ');
      const got: string[] = [];
      for (const role of ROLES) {
        // signing out ends the session: use a fresh one
        const browser = route === 'POST /logout' ? await session(role) : browsers[role];
        let req = (browser.agent as any)[method.toLowerCase()](fillPagePath(pattern, w)).set('Accept', 'text/html');
        if (method === 'POST') req = req.type('form').send({ _csrf: browser.csrf });
        got.push(String((await req).status));
        cases++;
      }
      if (got.join(' ') !== expected) mismatches.push(`${route}: expected ${expected}, got ${got.join(' ')}  (${ROLES.join(' ')})`);
    }
    expect(mismatches).toEqual([]);
    expect(cases).toBe(PAGE_EXPECTED.length * ROLES.length);
  });
});
