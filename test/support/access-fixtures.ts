import { randomUUID } from 'node:crypto';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import type { TestApp } from './app';

export const ROLES = ['anonymous', 'company', 'otherCompany', 'municipality', 'secretariat'] as const;
export type Role = (typeof ROLES)[number];

export interface AccessWorld {
  tokens: Record<Role, string | null>;
  company: TestMember;
  otherCompany: TestMember;
  municipality: TestMember;
  ids: Record<string, string>;
  /** a fresh token for routes that end the caller's own credential */
  freshToken(role: Role): Promise<string | null>;
}

async function post(t: TestApp, token: string, path: string, body: object): Promise<any> {
  const res = await t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * One object of each kind, owned by known organisations: a draft issue of the municipality, a draft
 * solution, a subsidy application and a project of the company, an event, a pending application.
 */
export async function buildAccessWorld(t: TestApp): Promise<AccessWorld> {
  const [company, otherCompany, municipality] = [
    await approvedMember(t, 'corporation', { name: '株式会社オーナー' }),
    await approvedMember(t, 'corporation', { name: '株式会社ヨソ' }),
    await approvedMember(t, 'municipality', { name: '堺市', municipalityCode: '27140' }),
  ];
  const sec = await secretariatTokenFor(t);
  const soon = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const issue = await post(t, municipality.token, '/api/v1/issues', {
    title: '下書きの課題：公園の見守り',
    body: '公園の遊具点検を効率化したい。',
    fieldSlugs: ['safety'],
    status: 'draft',
  });
  const solution = await post(t, company.token, '/api/v1/solutions', {
    title: '下書きのソリューション',
    summary: 'センサーで遊具を点検',
    body: '本文',
    fieldSlugs: ['safety'],
    status: 'draft',
  });
  const event = await post(t, sec, '/api/v1/events', {
    title: '権限確認セミナー',
    kind: 'seminar',
    description: '説明',
    startsAt: soon(10),
    endsAt: soon(10.1),
    capacity: 10,
  });
  const application = await t
    .http()
    .post('/api/v1/membership-applications')
    .send({
      organization: { name: '株式会社審査待ち', kind: 'corporation' },
      contact: { name: '審査 待子', email: `pending-${randomUUID().slice(0, 8)}@example.jp`, password: 'pending-password-1' },
      agreeToTerms: true,
    });
  const program = await post(t, sec, '/api/v1/subsidy-programs', {
    title: '権限確認の補助金',
    maxAmountPerProject: 1_000_000,
    subsidyRate: 0.5,
    opensAt: soon(-1),
    closesAt: soon(30),
    requiresMunicipalPartner: true,
  });
  const subsidyApplication = await post(t, company.token, `/api/v1/subsidy-programs/${program.id}/applications`, {
    title: '実証の申請',
    summary: '概要',
    requestedAmount: 100_000,
    budgetItems: [{ item: '機材', amount: 300_000 }],
    municipalPartnerOrganizationId: municipality.organizationId,
  });
  const project = await post(t, company.token, '/api/v1/projects', {
    title: '見守りプロジェクト',
    fieldSlug: 'safety',
    summary: '概要',
    coordinatorOrganizationId: company.organizationId,
    municipalityOrganizationIds: [municipality.organizationId],
  });
  const published = await post(t, municipality.token, '/api/v1/issues', {
    title: '公開中の課題：通学路の見守り',
    body: '登下校の見守りを地域で続けたい。',
    fieldSlugs: ['safety'],
    status: 'published',
  });
  const inquiry = await post(t, company.token, '/api/v1/inquiries', {
    issueId: published.id,
    subject: '見守りについて',
    message: '詳しく伺えますか。',
  });
  const tokens: Record<Role, string | null> = {
    anonymous: null,
    company: company.token,
    otherCompany: otherCompany.token,
    municipality: municipality.token,
    secretariat: sec,
  };
  const creds: Partial<Record<Role, { email: string; password: string }>> = {
    company,
    otherCompany,
    municipality,
    secretariat: { email: 'secretariat@test.example.jp', password: 'secretariat-pass-2026' },
  };
  return {
    tokens,
    company,
    otherCompany,
    municipality,
    ids: {
      issue: issue.id,
      solution: solution.id,
      event: event.id,
      application: application.body.id,
      program: program.id,
      subsidyApplication: subsidyApplication.id,
      project: project.id,
      organization: company.organizationId,
      inquiry: inquiry.id,
    },
    async freshToken(role) {
      const c = creds[role];
      return c ? t.token(c.email, c.password) : null;
    },
  };
}

/** Fills a route's path parameters with the world's objects (or unknown ids). */
export function fillPath(path: string, w: AccessWorld): string {
  const base = path.split('/')[3];
  const idFor: Record<string, string> = {
    issues: w.ids.issue,
    solutions: w.ids.solution,
    events: w.ids.event,
    'membership-applications': w.ids.application,
    'subsidy-programs': w.ids.program,
    'subsidy-applications': w.ids.subsidyApplication,
    projects: w.ids.project,
    organizations: w.ids.organization,
    inquiries: w.ids.inquiry,
  };
  return path
    .replace(':id', idFor[base] ?? randomUUID())
    .replace(/:token/g, 'not-a-real-token')
    .replace(/:(userId|attachmentId|cid)/g, randomUUID());
}

/** Fills a page route's path parameters with the world's objects (or unknown ids). */
export function fillPagePath(path: string, w: AccessWorld): string {
  const [first, second] = path.split('/').filter(Boolean);
  const idFor: Record<string, string> = {
    issues: w.ids.issue,
    solutions: w.ids.solution,
    events: w.ids.event,
    projects: w.ids.project,
    inquiries: w.ids.inquiry,
    'subsidies/programs': w.ids.program,
    'subsidies/applications': w.ids.subsidyApplication,
    'secretariat/applications': w.ids.application,
  };
  return path
    .replace(':id', idFor[`${first}/${second}`] ?? idFor[first] ?? randomUUID())
    .replace(/:token/g, 'not-a-real-token')
    .replace(/:file/g, 'not-a-real-feed.ics')
    .replace(/:decision/g, 'selected')
    .replace(/:[A-Za-z]+/g, () => randomUUID());
}
