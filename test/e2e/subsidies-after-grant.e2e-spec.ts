import { randomUUID } from 'node:crypto';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth, createProgram, draftApplication } from '../factories/subsidies';
import { SubsidyRemindersService } from '../../src/subsidies/subsidy-reminders.service';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';

describe('subsidies after the grant: partner confirmation, change requests, report return, final amount by rule, payment', () => {
  let t: TestApp;
  let sec: string;
  let company: TestMember;
  let city: TestMember;
  let otherCity: TestMember;
  let reviewer: TestMember;
  let programId: string;
  const api = (path: string) => `/api/v1/subsidy-applications/${path}`;
  const get = (id: string, token: string) => t.http().get(api(id)).set(auth(token));
  const post = (path: string, token: string, body: object = {}) => t.http().post(api(path)).set(auth(token)).send(body);

  beforeAll(async () => {
    t = await createTestApp('subsidies_after');
    sec = await secretariatTokenFor(t);
    company = await approvedMember(t, 'corporation', { name: '株式会社あおば交通' });
    city = await approvedMember(t, 'municipality', { municipalityCode: '27215', name: '寝屋川市' });
    otherCity = await approvedMember(t, 'municipality', { municipalityCode: '27216', name: '河内長野市' });
    reviewer = await approvedMember(t, 'university', { name: '北摂工科大学' });
    programId = (await createProgram(t, sec, { budgetTotal: 3_000_000 })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Draft (¥800,000 asked, ¥1,800,000 cost) → submitted → partner confirmed → under review → adopted with ¥800,000. */
  async function granted(pid = programId): Promise<string> {
    const app = await draftApplication(t, company.token, pid, { municipalPartnerOrganizationId: city.organizationId });
    expect((await post(`${app.id}/submit`, company.token)).status).toBe(200);
    expect((await post(`${app.id}/partner-confirmation`, city.token, { confirmed: true })).status).toBe(200);
    expect((await post(`${app.id}/start-review`, sec)).status).toBe(200);
    const res = await post(`${app.id}/decision`, sec, { decision: 'adopted', grantedAmount: 800_000, comment: '採択します。' });
    expect(res.body.status).toBe('grant_decided');
    return app.id;
  }

  it('the named municipality confirms or declines once submitted; review waits for it; it reads the application, never the reviews', async () => {
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    // not before submission, never another municipality
    expect((await get(app.id, city.token)).status).toBe(404);
    expect((await post(`${app.id}/partner-confirmation`, city.token, { confirmed: true })).status).toBe(404);
    expect((await post(`${app.id}/submit`, company.token)).status).toBe(200);
    expect((await get(app.id, otherCity.token)).status).toBe(404);
    expect((await post(`${app.id}/partner-confirmation`, otherCity.token, { confirmed: true })).status).toBe(404);
    // the applicant cannot answer for the partner; the review cannot start yet
    expect((await post(`${app.id}/partner-confirmation`, company.token, { confirmed: true })).status).toBe(403);
    const early = await post(`${app.id}/start-review`, sec);
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/連携市町村/);

    // the partner is asked (mail and in-app), reads the application and lists it
    await t.flushMail();
    expect(t.mail.to(city.email).some((m) => m.subject.includes('連携確認'))).toBe(true);
    const notices = await t.http().get('/api/v1/subsidies/notifications').set(auth(city.token));
    expect(notices.body.items.map((n: { applicationId: string }) => n.applicationId)).toContain(app.id);
    const asPartner = await get(app.id, city.token);
    expect(asPartner.status).toBe(200);
    expect(asPartner.body).toMatchObject({ access: 'partner', status: 'submitted', actions: ['confirmPartner', 'declinePartner'] });
    const listed = await t.http().get('/api/v1/subsidy-applications').set(auth(city.token));
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(app.id);

    const confirmed = await post(`${app.id}/partner-confirmation`, city.token, { confirmed: true, comment: '市として連携します。' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'partner_confirmed', partnerComment: '市として連携します。' });
    expect((await post(`${app.id}/partner-confirmation`, city.token, { confirmed: false })).status).toBe(409);
    await t.flushMail();
    expect(t.mail.to(company.email).some((m) => m.subject.includes('連携市町村の確認済み'))).toBe(true);

    // under review with a score: the partner still reads the application, never the reviews
    expect((await post(`${app.id}/start-review`, sec)).status).toBe(200);
    expect(
      (
        await t
          .http()
          .post(api(`${app.id}/reviewers`))
          .set(auth(sec))
          .send({ email: reviewer.email })
      ).status,
    ).toBe(200);
    const scores = { novelty: 4, feasibility: 4, contribution: 4 };
    expect((await post(`${app.id}/reviews`, reviewer.token, { scores, comment: '審査員だけの所見' })).status).toBe(201);
    const later = await get(app.id, city.token);
    expect(later.status).toBe(200);
    expect(later.body.reviews).toBeUndefined();
    expect(later.body.reviewers).toBeUndefined();
    expect(JSON.stringify(later.body)).not.toContain('審査員だけの所見');

    // a decline, with a comment: the review stays closed, the secretariat returns it to the applicant
    const second = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    await post(`${second.id}/submit`, company.token);
    const declined = await post(`${second.id}/partner-confirmation`, city.token, {
      confirmed: false,
      comment: '今年度は体制が取れません。',
    });
    expect(declined.body.status).toBe('partner_declined');
    expect((await post(`${second.id}/start-review`, sec)).status).toBe(409);
    const secView = await get(second.id, sec);
    expect(secView.body.actions).toEqual(['return']);
    await t.flushMail();
    const toApplicant = t.mail.to(company.email).find((m) => m.subject.includes('連携市町村が辞退'));
    expect(toApplicant?.text).toContain('今年度は体制が取れません。');
    expect(t.mail.to(SECRETARIAT.email).some((m) => m.subject.includes('連携市町村の回答'))).toBe(true);
    expect((await post(`${second.id}/return`, sec, { comment: '別の連携先を検討してください。' })).body.status).toBe('returned');
  });

  it('walks the whole life after the grant, every step in the history, the amount confirmed by rule', async () => {
    const id = await granted();

    // 変更承認申請: amounts re-checked against the cap and the rate
    const overRate = await post(`${id}/change-requests`, company.token, {
      reason: '配車システムを自治体の既存システムに統合します。',
      requestedAmount: 800_001,
      budgetItems: [{ item: '車両リース費', amount: 1_600_000 }], // floor(1,600,000 × ½) = 800,000 < 800,001
    });
    expect(overRate.status).toBe(400);
    expect((await post(`${id}/change-requests`, company.token, { reason: '何も変えない' })).status).toBe(400);
    expect((await post(`${id}/change-requests`, sec, { reason: 'x', requestedAmount: 1 })).status).toBe(403);
    const filed = await post(`${id}/change-requests`, company.token, {
      reason: '配車システムを自治体の既存システムに統合します。',
      budgetItems: [
        { item: '車両リース費', amount: 1_200_000 },
        { item: 'システム連携費', amount: 400_000 },
      ],
    });
    expect(filed.status).toBe(201);
    expect(filed.body.status).toBe('change_requested');
    expect(filed.body.actions).toEqual([]);
    const cid = filed.body.changeRequests[0].id as string;
    expect(filed.body.changeRequests[0]).toMatchObject({ status: 'pending', previousAmount: 800_000, requestedAmount: null });
    // no report while a change is pending; only the secretariat decides it
    expect((await post(`${id}/report`, company.token, { actualCost: 1, outcome: 'x' })).status).toBe(409);
    expect(
      (await t.http().post(`/api/v1/subsidy-change-requests/${cid}/approve`).set(auth(company.token)).send({ comment: 'x' })).status,
    ).toBe(403);
    const approved = await t
      .http()
      .post(`/api/v1/subsidy-change-requests/${cid}/approve`)
      .set(auth(sec))
      .send({ comment: '変更を承認します。' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'grant_decided', grantedAmount: 800_000, totalCost: 1_600_000 });
    expect(approved.body.changeRequests[0]).toMatchObject({ status: 'approved', decisionComment: '変更を承認します。' });
    expect((await t.http().post(`/api/v1/subsidy-change-requests/${cid}/reject`).set(auth(sec)).send({ comment: 'x' })).status).toBe(409);

    // the report, returned for correction with a comment, and filed again
    expect((await post(`${id}/report`, company.token, { actualCost: 1_100_000, outcome: '延べ900人が利用した。' })).status).toBe(200);
    expect((await post(`${id}/return-report`, company.token, { comment: 'x' })).status).toBe(403);
    const returned = await post(`${id}/return-report`, sec, { comment: '経費の領収書を添付してください。' });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: 'report_returned', reportReturnComment: '経費の領収書を添付してください。' });
    await t.flushMail();
    expect(t.mail.to(company.email).find((m) => m.subject.includes('実績報告の差戻し'))?.text).toContain(
      '経費の領収書を添付してください。',
    );
    expect((await post(`${id}/confirm`, sec)).status).toBe(409);
    const again = await post(`${id}/report`, company.token, { actualCost: 1_200_000, outcome: '延べ1,000人が利用し、定着した。' });
    expect(again.body.status).toBe('report_submitted');

    // 額の確定 by rule: min(¥800,000 granted, floor(¥1,200,000 × ½) = ¥600,000, ¥1,000,000 cap) = ¥600,000, with its working
    const before = await get(id, sec);
    expect(before.body.finalAmount).toMatchObject({
      grantedAmount: 800_000,
      actualCost: 1_200_000,
      byRate: 600_000,
      cap: 1_000_000,
      amount: 600_000,
    });
    expect(before.body.finalAmount.working).toContain('600,000円');
    const over = await post(`${id}/confirm`, sec, { confirmedAmount: 600_001 });
    expect(over.status).toBe(400);
    expect(over.body.fields.confirmedAmount).toBeDefined();
    const confirmed = await post(`${id}/confirm`, sec, {});
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'completed', confirmedAmount: 600_000 });

    // 精算払請求 and 支払
    expect((await post(`${id}/paid`, sec, { paidOn: '2027-03-31' })).status).toBe(409);
    expect((await post(`${id}/payment-claim`, sec)).status).toBe(403);
    const claimed = await post(`${id}/payment-claim`, company.token);
    expect(claimed.body.status).toBe('payment_claimed');
    expect((await post(`${id}/paid`, sec, { paidOn: 'yesterday' })).status).toBe(400);
    const paid = await post(`${id}/paid`, sec, { paidOn: '2027-03-31' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', paidOn: '2027-03-31', confirmedAmount: 600_000 });

    // every step in the history, with who and when; the comments where there were some
    const history = paid.body.history as { from: string | null; to: string; comment: string | null; actor: unknown; at: string }[];
    expect(history.map((h) => `${h.from ?? '-'}→${h.to}`)).toEqual([
      '-→draft',
      'draft→submitted',
      'submitted→partner_confirmed',
      'partner_confirmed→under_review',
      'under_review→adopted',
      'adopted→grant_decided',
      'grant_decided→change_requested',
      'change_requested→grant_decided',
      'grant_decided→report_submitted',
      'report_submitted→report_returned',
      'report_returned→report_submitted',
      'report_submitted→completed',
      'completed→payment_claimed',
      'payment_claimed→paid',
    ]);
    expect(history.every((h) => h.actor && h.at)).toBe(true);
    expect(history[6].comment).toBe('配車システムを自治体の既存システムに統合します。');
    expect(history[7].comment).toBe('変更を承認します。');
    expect(history[9].comment).toBe('経費の領収書を添付してください。');

    // the programme's ledger: granted, confirmed, paid and what went back to the budget; CSV for Excel
    const ledger = await t.http().get(`/api/v1/subsidy-programs/${programId}/ledger`).set(auth(sec));
    expect(ledger.status).toBe(200);
    expect(ledger.body.totals).toEqual({
      granted: 800_000,
      confirmed: 600_000,
      paid: 600_000,
      released: 200_000,
      committed: 600_000,
      remainingBudget: 2_400_000,
    });
    expect(ledger.body.items).toEqual([
      expect.objectContaining({ applicationId: id, status: 'paid', grantedAmount: 800_000, paidOn: '2027-03-31', releasedAmount: 200_000 }),
    ]);
    expect((await t.http().get(`/api/v1/subsidy-programs/${programId}/ledger`).set(auth(company.token))).status).toBe(403);
    const csv = await t.http().get(`/api/v1/subsidy-programs/${programId}/ledger?format=csv`).set(auth(sec));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('"支払済み"');
    expect(csv.text).toContain('"合計","","","","800000","600000","600000","","200000"');

    // every money change in the audit log
    const log = await t.http().get(`/api/v1/audit-log?subjectType=subsidy_application&subjectId=${id}&perPage=100`).set(auth(sec));
    const actions = log.body.items.map((i: { action: string }) => i.action);
    for (const a of [
      'subsidy.grant',
      'subsidy.change.request',
      'subsidy.change.approve',
      'subsidy.report.return',
      'subsidy.confirm',
      'subsidy.payment.claim',
      'subsidy.paid',
    ])
      expect(actions).toContain(a);
  });

  it('a change request may be rejected (nothing changes) or raise the amount within the budget, cap and rate', async () => {
    const id = await granted();
    const filed = await post(`${id}/change-requests`, company.token, { reason: '増額したい', requestedAmount: 900_000 });
    expect(filed.status).toBe(201);
    const cid = filed.body.changeRequests[0].id;
    const rejected = await t
      .http()
      .post(`/api/v1/subsidy-change-requests/${cid}/reject`)
      .set(auth(sec))
      .send({ comment: '増額は認められません。' });
    expect(rejected.body).toMatchObject({ status: 'grant_decided', grantedAmount: 800_000, totalCost: 1_800_000 });
    expect(rejected.body.changeRequests[0].status).toBe('rejected');
    const raise = await post(`${id}/change-requests`, company.token, { reason: '再度の増額', requestedAmount: 900_000 });
    const ok = await t
      .http()
      .post(`/api/v1/subsidy-change-requests/${raise.body.changeRequests[1].id}/approve`)
      .set(auth(sec))
      .send({ comment: '承認' });
    expect(ok.body).toMatchObject({ status: 'grant_decided', grantedAmount: 900_000, requestedAmount: 900_000 });
    expect(
      (
        await t
          .http()
          .post('/api/v1/subsidy-change-requests/00000000-0000-4000-8000-000000000000/approve')
          .set(auth(sec))
          .send({ comment: 'x' })
      ).status,
    ).toBe(404);
  });

  it('withdrawal after the grant only within the period the programme sets; the grant goes back to the budget', async () => {
    const id = await granted();
    const detail = await get(id, company.token);
    expect(detail.body.actions).toContain('withdrawGrant');
    expect(new Date(detail.body.withdrawableUntil).getTime()).toBeGreaterThan(Date.now() + 9 * 86_400_000);
    const before = (await t.http().get(`/api/v1/subsidy-programs/${programId}`).set(auth(sec))).body.totals.remainingBudget;
    const withdrawn = await post(`${id}/withdraw`, company.token, { comment: '体制が整わないため辞退します。' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    const after = (await t.http().get(`/api/v1/subsidy-programs/${programId}`).set(auth(sec))).body.totals.remainingBudget;
    expect(after).toBe(before + 800_000);

    const strict = (await createProgram(t, sec, { title: '取下げ期間なしの公募', withdrawalDaysAfterGrant: 0 })).id;
    const late = await granted(strict);
    expect((await get(late, company.token)).body.actions).not.toContain('withdrawGrant');
    const refused = await post(`${late}/withdraw`, company.token);
    expect(refused.status).toBe(409);
    expect((await get(late, company.token)).body.status).toBe('grant_decided');
  });

  it('a project period and a report deadline per application; reminders before the deadline and when overdue, once each', async () => {
    const reminders = t.app.get(SubsidyRemindersService);
    const pid = (await createProgram(t, sec, { title: '期限つきの公募' })).id;
    const id = await granted(pid);
    expect((await post(`${id}/schedule`, company.token, { reportDueOn: '2027-02-26' })).status).toBe(403);
    const bad = await post(`${id}/schedule`, sec, {
      projectStartsOn: '2026-10-01',
      projectEndsOn: '2026-04-01',
      reportDueOn: '2027-02-26',
    });
    expect(bad.status).toBe(400);
    const set = await post(`${id}/schedule`, sec, {
      projectStartsOn: '2026-04-01',
      projectEndsOn: '2027-01-31',
      reportDueOn: '2027-02-26',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ projectStartsOn: '2026-04-01', projectEndsOn: '2027-01-31', reportDueOn: '2027-02-26' });
    const jst = (s: string) => new Date(`${s}+09:00`);
    const mails = async (what: string) => {
      await t.flushMail();
      return t.mail.to(company.email).filter((m) => m.subject.includes(what) && m.text.includes('2027-02-26')).length;
    };

    // ten days before: nothing; a week before: one reminder, even when the job runs twice at once
    expect(await reminders.sendReportReminders(jst('2027-02-16T09:00:00'))).toEqual({ due: 0, overdue: 0 });
    const [a, b] = await Promise.all([
      reminders.sendReportReminders(jst('2027-02-19T09:00:00')),
      reminders.sendReportReminders(jst('2027-02-19T09:00:00')),
    ]);
    expect(a.due + b.due).toBe(1);
    expect(await reminders.sendReportReminders(jst('2027-02-26T23:00:00'))).toEqual({ due: 0, overdue: 0 });
    expect(await mails('期限が近づいています')).toBe(1);
    // the day after the deadline: one overdue reminder, then never again
    expect(await reminders.sendReportReminders(jst('2027-02-27T00:30:00'))).toEqual({ due: 0, overdue: 1 });
    expect(await reminders.sendReportReminders(jst('2027-03-10T09:00:00'))).toEqual({ due: 0, overdue: 0 });
    expect(await mails('期限を過ぎています')).toBe(1);

    // a report filed in time is not chased
    const other = await granted(pid);
    await post(`${other}/schedule`, sec, { reportDueOn: '2027-02-26' });
    await post(`${other}/report`, company.token, { actualCost: 1_000_000, outcome: '完了' });
    expect(await reminders.sendReportReminders(jst('2027-03-01T09:00:00'))).toEqual({ due: 0, overdue: 0 });
  });

  it('a reviewer who declares a conflict of interest with the applicant is refused: not assigned, and cannot review', async () => {
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    await post(`${app.id}/submit`, company.token);
    await post(`${app.id}/partner-confirmation`, city.token, { confirmed: true });
    await post(`${app.id}/start-review`, sec);
    const assign = () =>
      t
        .http()
        .post(api(`${app.id}/reviewers`))
        .set(auth(sec))
        .send({ email: reviewer.email });
    // assigned before declaring: the review is refused once the conflict is declared
    expect((await assign()).status).toBe(200);
    const declare = await t
      .http()
      .post('/api/v1/subsidy-conflicts')
      .set(auth(reviewer.token))
      .send({ organizationId: company.organizationId, reason: '共同研究の相手先です。' });
    expect(declare.status).toBe(201);
    expect(declare.body).toMatchObject({ organization: { id: company.organizationId, name: '株式会社あおば交通' } });
    expect((await t.http().get('/api/v1/subsidy-conflicts').set(auth(reviewer.token))).body.total).toBe(1);
    const scores = { novelty: 4, feasibility: 4, contribution: 4 };
    const refused = await post(`${app.id}/reviews`, reviewer.token, { scores, comment: '利益相反あり' });
    expect(refused.status).toBe(403);
    // and never assigned to another of that organisation's applications
    const next = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    await post(`${next.id}/submit`, company.token);
    const again = await t
      .http()
      .post(api(`${next.id}/reviewers`))
      .set(auth(sec))
      .send({ email: reviewer.email });
    expect(again.status).toBe(400);
    expect(again.body.fields.email.join()).toMatch(/利益相反/);
    expect(
      (await t.http().post('/api/v1/subsidy-conflicts').set(auth(reviewer.token)).send({ organizationId: randomUUID(), reason: 'x' }))
        .status,
    ).toBe(400);
  });
});
